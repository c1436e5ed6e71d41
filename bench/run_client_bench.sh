#!/usr/bin/env bash
# run_client_bench.sh — the client side: nelson-load against the libtirpc client loop, on one
# connection, against the same server.
#
#   bash bench/run_client_bench.sh [BUILD_DIR]      # default build/release
#   ROUNDS=5 DURATION=3 CLIENTS="tirpc nelson-load-1x1 blast-1x1" SERVER=tirpc PAYLOAD=1024 bash bench/run_client_bench.sh
#
# Clients (CLIENTS, run in this order, rotated from round to round):
#   tirpc             bench/nelson-bench-tirpc-client: clnt_call in a loop, one call in flight —
#                     all a libtirpc CLIENT can do on one connection (the baseline of the ratio)
#   nelson-load-CxD   load/nelson-load, C connections x D calls in flight (--backend epoll, pinned
#                     so that runs compare across kernels); 1x1 is the same ping-pong as tirpc,
#                     1x16 is what an asynchronous client does with one connection
#   blast-CxD         bench/nelson-bench-blast, the neutral raw-epoll load, for reference
# The server (SERVER: nelson-epoll, the default, nelson-io_uring, tirpc or floor) is started
# fresh for every run, alone on CPU 0 on a free loopback port; the client runs on CPU 1. NULL
# calls, or BENCH_ECHO of PAYLOAD bytes. Every figure is the median over ROUNDS runs of DURATION
# seconds after WARMUP seconds; the ratio is of the medians of calls/s to the tirpc client's.
# "client CPU ns/call" is the client's own CPU time (user + system) over the measured window per
# call, as each of them reports it (cpu_ns_per_call); "server CPU ns/call" is the server's utime +
# stime over the same window (from /proc) per call.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build/release}
[[ $build = /* || -d $build ]] || build=$root/$build
build=$(cd "$build" && pwd)
DURATION=${DURATION:-3}
WARMUP=${WARMUP:-1}
ROUNDS=${ROUNDS:-1}
CLIENTS=${CLIENTS:-tirpc nelson-load-1x1 nelson-load-1x16}
SERVER=${SERVER:-nelson-epoll}
PAYLOAD=${PAYLOAD:-}
tck=$(getconf CLK_TCK)
[[ -z $PAYLOAD || $PAYLOAD =~ ^[0-9]+$ ]] || { echo "PAYLOAD=$PAYLOAD: want a byte count" >&2; exit 2; }

# shellcheck source=bench/bench_lib.sh
source "$root/bench/bench_lib.sh"

client_cmd() {  # $1 client, $2 port -> the array `cmd` and its program `bin`
  local shape=${1##*-}
  case $1 in
    tirpc)
      bin=$build/bench/nelson-bench-tirpc-client cmd=("$bin" --connect "127.0.0.1:$2")
      [[ -z $PAYLOAD ]] || cmd+=(--payload "$PAYLOAD") ;;
    nelson-load-* | blast-*)
      [[ $shape =~ ^([0-9]+)x([0-9]+)$ ]] || { echo "bad client $1 (want NAME-CxD)" >&2; exit 2; }
      if [[ $1 == blast-* ]]; then
        bin=$build/bench/nelson-bench-blast cmd=("$bin" --connect "127.0.0.1:$2")
        [[ -z $PAYLOAD ]] || cmd+=(--proc 1 --payload "$PAYLOAD")
      else
        bin=$build/load/nelson-load cmd=("$bin" --target "tcp://127.0.0.1:$2" --backend epoll --quiet)
        [[ -z $PAYLOAD ]] || cmd+=(--proc 1 --args "opaque:$PAYLOAD" --check echo)
      fi
      cmd+=(--conns "${BASH_REMATCH[1]}" --depth "${BASH_REMATCH[2]}") ;;
    *) echo "unknown client $1 (tirpc, nelson-load-CxD, blast-CxD)" >&2; exit 2 ;;
  esac
  cmd+=(--duration "$DURATION" --warmup "$WARMUP")
}

start_server() {  # -> `spid`, `port`; exits when the server is missing or does not listen
  free_port
  server_cmd "$SERVER" "$port"
  ((${#cmd[@]})) || { echo "no binary for the server $SERVER: build the release preset first" >&2; exit 1; }
  "${pin_server[@]}" "${cmd[@]}" >"$log" 2>&1 &
  spid=$!
  for _ in {1..50}; do
    kill -0 "$spid" 2>/dev/null || break
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  sed 's/^/    /' "$log" >&2
  echo "the server $SERVER did not start" >&2
  exit 1
}

run_client() {  # $1 client -> `result` (its calls= line), `cpu_delta` (server ns in the window)
  local line c0='' fd
  result='' cpu_delta=''
  exec {fd}< <(exec "${pin_load[@]}" "${cmd[@]}" 2>&1)
  lpid=$!
  while IFS= read -r -u "$fd" line; do
    case $line in
      '# measuring') cpu_ns "$spid" && c0=$cpu ;;
      calls=*) result=$line; cpu_ns "$spid" && [[ -n $c0 ]] && cpu_delta=$((cpu - c0)) ;;
      *) echo "    $1: $line" >&2 ;;
    esac
  done
  exec {fd}<&-
  wait "$lpid" || true
  lpid=''
}

declare -A rate_of p50_of p99_of cns_of sns_of
notes=()
read -r -a order <<<"$CLIENTS"
for ((round = 1; round <= ROUNDS; round++)); do
  for c in "${order[@]}"; do
    client_cmd "$c" 0
    if [[ ! -x $bin ]]; then
      echo "$c: skipped, no $bin" >&2
      continue
    fi
    start_server
    client_cmd "$c" "$port"
    echo "$c (round $round): $SERVER on port $port, pid $spid" >&2
    run_client "$c"
    if ! kill -0 "$spid" 2>/dev/null; then
      died
      notes+=("$c (round $round): the server died during the run, $why")
    fi
    stop_server
    if [[ -z $result ]]; then
      notes+=("$c (round $round): no result")
      continue
    fi
    echo "    $result" >&2
    calls=$(field "$result" calls) errors=$(field "$result" errors)
    ((errors == 0)) || notes+=("$c (round $round): $errors errors")
    ((calls > 0)) || continue
    rate_of[$c]+=" $(field "$result" calls_per_s)"
    p50_of[$c]+=" $(field "$result" p50_us)"
    p99_of[$c]+=" $(field "$result" p99_us)"
    has_field "$result" cpu_ns_per_call && cns_of[$c]+=" $(field "$result" cpu_ns_per_call)"
    [[ -n $cpu_delta ]] && sns_of[$c]+=" $((cpu_delta / calls))"
  done
  order=("${order[@]:1}" "${order[0]}")  # rotate: no client always runs first or last
done

rate_text() { awk -v r="$1" 'BEGIN { printf (r >= 1e6 ? "%.2f M" : "%.1f k"), (r >= 1e6 ? r / 1e6 : r / 1e3) }'; }

base=''
# shellcheck disable=SC2086  # the lists are space-separated numbers
[[ -n ${rate_of[tirpc]:-} ]] && base=$(median ${rate_of[tirpc]})
rows=()
for c in $CLIENTS; do
  [[ -n ${rate_of[$c]:-} ]] || continue
  # shellcheck disable=SC2086
  rate=$(median ${rate_of[$c]})
  ratio=-
  [[ -n $base ]] && ratio=$(awk -v a="$rate" -v b="$base" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }')
  in_flight=1x1  # tirpc: one connection, one call in flight
  [[ $c =~ -([0-9]+x[0-9]+)$ ]] && in_flight=${BASH_REMATCH[1]}
  cns=- sns=-
  # shellcheck disable=SC2086
  [[ -n ${cns_of[$c]:-} ]] && cns=$(median ${cns_of[$c]})
  # shellcheck disable=SC2086
  [[ -n ${sns_of[$c]:-} ]] && sns=$(median ${sns_of[$c]})
  # shellcheck disable=SC2086
  rows+=("| $c | $in_flight | $(rate_text "$rate") | $ratio | $(median ${p50_of[$c]}) | $(median ${p99_of[$c]}) | $cns | $sns |")
done

echo
echo "Client on CPU 1, $SERVER on CPU 0; $([[ -z $PAYLOAD ]] && echo "NULL calls" || echo "ECHO calls of $PAYLOAD bytes"); ${DURATION} s per run after ${WARMUP} s of warm-up;"
echo "median of $ROUNDS round(s) per figure; the ratio is of calls/s to the libtirpc client loop's (tirpc)."
echo
echo "| client | conns x in flight | calls/s | vs libtirpc loop | p50 us | p99 us | client CPU ns/call | server CPU ns/call |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
((${#notes[@]} == 0)) || { echo; printf 'NOTE: %s\n' "${notes[@]}"; }
