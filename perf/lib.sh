# shellcheck shell=bash disable=SC2034  # the variables set here are read by the scripts sourcing it
# perf/lib.sh — what profile.sh, syscalls.sh and callgrind.sh share; sourced, not run.
#
# One run is: a server (started here, pinned to CPU 0, or an existing one given by --pid and
# --port), a load generator pinned to CPU 1 (nelson-load, or nelson-bench-blast until nelson-load
# exists), and a tool that must see the server during the load's *measured window* only. Both load
# generators print "# measuring" when their warm-up ends and one `calls=N seconds=S ...` line when
# the window closes; run_load calls the script's on_measuring and on_result hooks right then, so
# the per-call figures divide what the tool saw in the window by the calls made in it.
#
# Exit codes of the scripts: 0 done, 1 the run failed, 2 bad usage, 77 the tool cannot run here
# (not installed, or not permitted: perf_event_paranoid, a container) — the test suite skips on 77.

perf_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Options every script takes (parse_common_option), with their defaults.
build=build/release
server_kind=nelson
backend=epoll
attach_pid=''
port=''
load_bin=${NELSON_LOAD:-}
load_extra=''
conns=16
depth=16
duration=3
warmup=1
proc=0
payload=0
out=''
pin=yes
start_timeout=10  # seconds for a server to listen (much longer under valgrind)

common_help() {
  cat <<'EOF'

Common options:
  --build DIR         build tree with the programs (default build/release)
  --server KIND       server to start: nelson (examples/nelson-bench-server, default), floor
                      (bench/nelson-bench-floor), tirpc (bench/nelson-bench-tirpc-server)
  --backend NAME      nelson's --backend: epoll (default), io_uring, select
  --pid PID --port P  use this running server (listening on 127.0.0.1:P) instead of starting one
  --load PROGRAM      load generator (also $NELSON_LOAD); default BUILD/load/nelson-load if built,
                      else BUILD/bench/nelson-bench-blast. A name ending in nelson-load gets
                      nelson-load's flags (--target ...), anything else blast's (--connect ...)
  --load-args "ARGS"  extra arguments for the load generator, word-split
  --conns C --depth D connections and calls in flight on each (default 16 x 16)
  --duration S        measured window (default 3); --warmup S before it (default 1)
  --proc N            0 NULL (default), 1 ECHO, 2 SUM; --payload N: opaque bytes or int count
  --out DIR           where the outputs go (default a new perf-out.XXXX in the current directory)
  --no-pin            do not pin server and load to CPUs 0 and 1
EOF
}

die() {
  echo "${0##*/}: $1" >&2
  exit "${2:-1}"
}

# $1 flag, $2 its value (may be absent). Sets `consumed` to how many words it took (0: not ours).
parse_common_option() {
  consumed=2
  case $1 in
    --no-pin) pin=no consumed=1; return ;;
    --build | --server | --backend | --pid | --port | --load | --load-args | --conns | --depth | --duration | \
      --warmup | --proc | --payload | --out) ;;
    *) consumed=0; return ;;
  esac
  (($# >= 2)) || die "missing value after $1" 2
  case $1 in
    --build) build=$2 ;;
    --server) server_kind=$2 ;;
    --backend) backend=$2 ;;
    --pid) attach_pid=$2 ;;
    --port) port=$2 ;;
    --load) load_bin=$2 ;;
    --load-args) load_extra=$2 ;;
    --conns) conns=$2 ;;
    --depth) depth=$2 ;;
    --duration) duration=$2 ;;
    --warmup) warmup=$2 ;;
    --proc) proc=$2 ;;
    --payload) payload=$2 ;;
    --out) out=$2 ;;
  esac
}

# After parsing: absolute paths, the output directory, the load generator, CPU pinning.
finish_common_options() {
  [[ $build = /* || -d $build ]] || build=$perf_root/$build
  [[ -d $build ]] || die "no build directory $build (cmake --preset release && cmake --build --preset release)" 2
  build=$(cd "$build" && pwd)
  if [[ -n $attach_pid ]]; then
    [[ -n $port ]] || die "--pid needs --port (where the server listens on 127.0.0.1)" 2
    kill -0 "$attach_pid" 2>/dev/null || die "no process $attach_pid" 2
  fi
  [[ $proc =~ ^[012]$ ]] || die "--proc must be 0, 1 or 2" 2
  if [[ -z $load_bin ]]; then
    load_bin=$build/load/nelson-load
    [[ -x $load_bin ]] || load_bin=$build/bench/nelson-bench-blast
  fi
  [[ -x $load_bin ]] || die "no load generator $load_bin (build it, or give --load)" 2
  if [[ -z $out ]]; then
    out=$(mktemp -d "$PWD/perf-out.XXXX")
  else
    mkdir -p "$out"
  fi
  out=$(cd "$out" && pwd)
  pin_server=() pin_load=()
  if [[ $pin == yes ]] && (($(nproc) >= 2)); then pin_server=(taskset -c 0) pin_load=(taskset -c 1); fi
}

# The load generator's command line for `port` -> the array `load_cmd`.
make_load_cmd() {
  local extra
  read -r -a extra <<<"$load_extra"
  if [[ $load_bin == *nelson-load ]]; then
    load_cmd=("$load_bin" --target "tcp://127.0.0.1:$port" --conns "$conns" --depth "$depth" --warmup "$warmup")
    # A call count (callgrind.sh --calls) replaces the duration.
    [[ -n ${calls_a:-} ]] || load_cmd+=(--duration "$duration")
    ((proc == 0)) || load_cmd+=(--proc "$proc")
    ((proc != 1)) || load_cmd+=(--args "opaque:$payload")
    ((proc != 2)) || load_cmd+=(--args "ints:$payload")
  else
    load_cmd=("$load_bin" --connect "127.0.0.1:$port" --conns "$conns" --depth "$depth"
      --duration "$duration" --warmup "$warmup" --proc "$proc" --payload "$payload")
  fi
  load_cmd+=("${extra[@]}")
}

free_port() {  # a port nothing uses on TCP or UDP (the libtirpc server binds both)
  local p
  while :; do
    p=$((10000 + RANDOM % 22000))  # below the ephemeral range (32768 and up): no client holds it
    [[ -z $(ss -Htuan "sport = :$p" 2>/dev/null) ]] && { port=$p; return; }
  done
}

# Starts the server of `server_kind` on a free port, under the words of `$@` (a wrapper such as
# valgrind, or nothing) -> `spid`, `port`. Its output goes to $out/server.log.
spid='' started_server=no
start_server() {
  local bin cmd
  if [[ -n $attach_pid ]]; then
    spid=$attach_pid
    return
  fi
  free_port
  case $server_kind in
    nelson) bin=$build/examples/nelson-bench-server cmd=("$bin" --no-register --listen "tcp://127.0.0.1:$port" --backend "$backend") ;;
    floor) bin=$build/bench/nelson-bench-floor cmd=("$bin" --port "$port") ;;
    tirpc) bin=$build/bench/nelson-bench-tirpc-server cmd=("$bin" --port "$port") ;;
    *) die "unknown server $server_kind (nelson, floor, tirpc)" 2 ;;
  esac
  [[ -x $bin ]] || die "no $bin in the build" 2
  "${pin_server[@]}" "$@" "${cmd[@]}" >"$out/server.log" 2>&1 &
  spid=$! started_server=yes
  local tries=$((start_timeout * 10))
  while ((tries-- > 0)); do
    kill -0 "$spid" 2>/dev/null || break
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  sed 's/^/  server: /' "$out/server.log" >&2
  die "the server did not start (${cmd[*]})"
}

# SIGTERM (nelson drains and exits; valgrind then writes its final dump), then SIGKILL.
stop_server() {
  [[ $started_server == yes && -n $spid ]] || return 0
  kill -TERM "$spid" 2>/dev/null || true
  local tries=$((start_timeout * 10))
  while ((tries-- > 0)); do kill -0 "$spid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$spid" 2>/dev/null || true
  wait "$spid" 2>/dev/null || true
  started_server=no
}

# Runs `load_cmd` (pinned, after the words of `$@`, e.g. a valgrind wrapper) and calls the hooks
# on_measuring and on_result (which the script defines) when the window opens and closes.
# -> `result` (the calls= line), `lpid` (the load's pid while it runs), `load_status`.
lpid='' result='' load_status=0
run_load() {
  local line fd
  result='' load_status=0
  exec {fd}< <(exec "${pin_load[@]}" "$@" "${load_cmd[@]}" 2>&1)
  lpid=$!
  while IFS= read -r -u "$fd" line; do
    case $line in
      '# measuring') on_measuring ;;
      calls=*) result=$line; on_result ;;
      *) echo "  load: $line" >&2 ;;
    esac
  done
  exec {fd}<&-
  wait "$lpid" || load_status=$?
  lpid=''
  [[ -n $result ]] || die "the load generator reported no result (exit $load_status): ${load_cmd[*]}"
  echo "$result" >"$out/load.txt"
}

field() { if [[ " $1 " =~ \ $2=([^ ]+) ]]; then echo "${BASH_REMATCH[1]}"; else echo 0; fi; }

# A perf tool started with `-D -1 --control fifo:CTL,ACK` waits disabled until told "enable": the
# window is then exact, and attaching (slow with hundreds of tracepoints) happens before it.
# Opening both fifos read-write never blocks, even if perf dies before opening its ends.
ctl_fd='' ack_fd=''
control_fifos() {  # -> `ctl_spec` for perf's --control
  rm -f "$out/.ctl" "$out/.ack"
  mkfifo "$out/.ctl" "$out/.ack"
  exec {ctl_fd}<>"$out/.ctl" {ack_fd}<>"$out/.ack"
  ctl_spec=fifo:$out/.ctl,$out/.ack
}
control_send() {  # $1 enable|disable; waits for perf's ack
  local ack
  echo "$1" >&"$ctl_fd"
  read -r -t 10 -u "$ack_fd" ack || echo "${0##*/}: perf did not acknowledge '$1'" >&2
}
control_ready() {  # $1 the tool's pid: waits until it serves its control fifo (attached, counting off)
  echo ping >&"$ctl_fd"
  read -r -t 60 -u "$ack_fd" _ && return 0
  kill -0 "$1" 2>/dev/null || die "perf exited before the run (see $out/*.log)"
  die "perf did not answer on its control fifo within 60 s"
}
control_close() {
  [[ -z $ctl_fd ]] || exec {ctl_fd}>&- {ack_fd}<&-
  ctl_fd='' ack_fd=''
  rm -f "$out/.ctl" "$out/.ack"
}

# Signals and waits for a background tool (perf record/stat/trace, strace): SIGINT makes each of
# them write its output and exit.
stop_tool() {  # $1 pid
  kill -INT "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# perf present and allowed to sample this server? (root, or perf_event_paranoid <= 1 for own tasks)
require_perf() {
  command -v perf >/dev/null || die "perf is not installed (Debian: apt-get install linux-perf)" 77
  local err
  if ! err=$(perf stat -e cpu-clock -o /dev/null -- true 2>&1); then
    printf '  perf: %s\n' "${err//$'\n'/$'\n'  perf: }" >&2
    die "perf cannot count cpu-clock here (kernel.perf_event_paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo '?'); as root: sysctl kernel.perf_event_paranoid=1, or run in a container with CAP_PERFMON)" 77
  fi
}

# The scripts' EXIT trap: nothing they started outlives them.
tool_pid=''
cleanup_common() {
  [[ -z $tool_pid ]] || stop_tool "$tool_pid"
  [[ -z $lpid ]] || kill -TERM "$lpid" 2>/dev/null || true
  stop_server
  control_close
}

usage_from_header() {  # prints the script's header comment (the lines after the shebang up to `set`)
  sed -n '2,/^set -euo pipefail/{/^set /d;/^# shellcheck /d;s/^# \{0,1\}//;p}' "$0"
}
