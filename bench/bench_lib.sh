#!/usr/bin/env bash
# bench_lib.sh — what run_rpc_bench.sh and run_client_bench.sh share: pinning, the servers, free
# ports, CPU time from /proc, stopping and reaping the server, reading result lines, medians.
# Sourced once `build` (the build directory) and `tck` (getconf CLK_TCK) are set; sets the EXIT
# trap (stops the server, removes the log).
# shellcheck shell=bash disable=SC2034,SC2154  # sets and reads the sourcing script's variables

# Server and load on different cores, as the method asks; with one core, no pinning at all.
pin_server=() pin_load=()
if (($(nproc) >= 2)); then pin_server=(taskset -c 0) pin_load=(taskset -c 1); fi

server_cmd() {  # $1 server, $2 port -> the array `cmd`, empty when the binary is missing
  local bin
  case $1 in
    floor) bin=$build/bench/nelson-bench-floor cmd=("$bin" --port "$2") ;;
    tirpc) bin=$build/bench/nelson-bench-tirpc-server cmd=("$bin" --port "$2") ;;
    nelson-*) bin=$build/examples/nelson-bench-server cmd=("$bin" --no-register --listen "tcp://127.0.0.1:$2" --backend "${1#nelson-}") ;;
    *) echo "unknown server $1" >&2; exit 2 ;;
  esac
  [[ -x $bin ]] || cmd=()
}

free_port() {  # a port nothing uses on TCP or UDP (the libtirpc server binds both)
  local p
  while :; do
    p=$((10000 + RANDOM % 22000))  # below the ephemeral range (32768 and up): no client holds it
    [[ -z $(ss -Htuan "sport = :$p" 2>/dev/null) ]] && { port=$p; return; }
  done
}

cpu_ns() {  # $1 pid -> `cpu` = utime + stime in ns; read without forking, so that it is prompt
  local stat
  read -r stat <"/proc/$1/stat" || return 1
  stat=${stat##*) }  # fields from the 3rd on: the command name may hold spaces
  read -r -a f <<<"$stat"
  cpu=$(((f[11] + f[12]) * 1000000000 / tck))
}

spid='' lpid='' log=$(mktemp)
stop_server() {
  [[ -n $spid ]] || return 0
  kill -TERM "$spid" 2>/dev/null || true
  for _ in {1..30}; do kill -0 "$spid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$spid" 2>/dev/null || true
  wait "$spid" 2>/dev/null || true
  spid=''
}
died() {  # the server `spid` has exited: reaps it -> `why` (its exit status and last words)
  local st=0 last
  wait "$spid" 2>/dev/null || st=$?
  spid=''
  why="exit status $st"
  ((st > 128)) && why+=" (signal $((st - 128)))"
  last=$(tail -n 3 "$log" 2>/dev/null | tr '\n' ' ')
  [[ -z $last ]] || why+=": $last"
}
cleanup() {
  [[ -z $lpid ]] || kill -TERM "$lpid" 2>/dev/null || true
  stop_server
  rm -f "$log"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

field() { if [[ " $1 " =~ \ $2=([^ ]+) ]]; then echo "${BASH_REMATCH[1]}"; else echo 0; fi; }
has_field() { [[ " $1 " =~ \ $2= ]]; }

median() {  # numbers... -> the median (the lower middle one for an even count)
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
