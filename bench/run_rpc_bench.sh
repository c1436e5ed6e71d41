#!/usr/bin/env bash
# run_rpc_bench.sh — the end-to-end ONC RPC server benchmark (DESIGN.md, "Performance method").
#
#   bash bench/run_rpc_bench.sh [BUILD_DIR]        # default build/release
#   DURATION=3 WARMUP=1 ROUNDS=5 CASES="null-16x16 echo1k-16x1" SERVERS="floor tirpc" bash bench/run_rpc_bench.sh
#   LOAD=blast bash bench/run_rpc_bench.sh          # the load generator: nelson-load or blast
#
# For every case and every server: start the server alone on CPU 0 on a free loopback port, run
# the load generator on CPU 1 (warm-up, then the measured window), and read the server's CPU time
# (utime + stime) when the load announces the window ("# measuring") and when it reports. A fresh
# server per case, stopped with SIGTERM. The table gives the server's CPU time per call and its
# ratio to the floor's for the same case: on loopback the kernel's TCP path dominates, so how close
# a server comes to the floor is the honest measure of its own overhead. Servers whose binary is
# missing, or that do not start (io_uring where the kernel forbids it), are skipped.
#
# Cases are PROC-CONNSxDEPTH: null, echo<bytes>[k] (opaque size), sum<count> (ints); e.g. echo64k-4x1.
#
# LOAD=nelson-load (load/nelson-load, the default when it is built) or LOAD=blast
# (bench/nelson-bench-blast: plain epoll, no nelson code). Both check every reply and print the
# same result line, with their own CPU time per call over the measured window (cpu_ns_per_call),
# shown in the table's "load CPU ns/call" column: when that comes near the wall time per call
# (1e9 / calls/s), the generator, not the server, is the limit.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build/release}
[[ $build = /* || -d $build ]] || build=$root/$build
build=$(cd "$build" && pwd)
DURATION=${DURATION:-3}
WARMUP=${WARMUP:-1}
ROUNDS=${ROUNDS:-1}
CASES=${CASES:-null-1x1 null-50x1 null-16x16 null-4x64 echo1k-16x1 echo64k-4x1}
SERVERS=${SERVERS:-floor tirpc nelson-epoll nelson-io_uring}
if [[ -z ${LOAD:-} ]]; then
  LOAD=blast
  [[ -x $build/load/nelson-load ]] && LOAD=nelson-load
fi
case $LOAD in
  nelson-load) load_bin=$build/load/nelson-load ;;
  blast) load_bin=$build/bench/nelson-bench-blast ;;
  *) echo "LOAD=$LOAD: want nelson-load or blast" >&2; exit 2 ;;
esac
tck=$(getconf CLK_TCK)
[[ -x $load_bin ]] || { echo "no $load_bin: build the release preset first" >&2; exit 1; }

# shellcheck source=bench/bench_lib.sh
source "$root/bench/bench_lib.sh"

case_args() {  # $1 case -> the array `args` for the load generator, or exits on a malformed name
  local proc=${1%%-*} shape=${1#*-} payload=0
  [[ $shape =~ ^([0-9]+)x([0-9]+)$ ]] || { echo "bad case $1 (want PROC-CxD)" >&2; exit 1; }
  args=(--conns "${BASH_REMATCH[1]}" --depth "${BASH_REMATCH[2]}")
  case $proc in
    null) if [[ $LOAD == blast ]]; then args+=(--proc 0); fi ;;  # nelson-load's default: proc 0, void
    echo*) payload=${proc#echo} ;;&
    sum*) payload=${proc#sum} ;;&
    echo*|sum*)
      [[ $payload =~ ^([0-9]+)(k?)$ ]] || { echo "bad case $1" >&2; exit 1; }
      payload=${BASH_REMATCH[1]}; [[ -n ${BASH_REMATCH[2]} ]] && payload=$((payload * 1024))
      if [[ $LOAD == blast ]]; then
        args+=(--proc "$([[ $proc == echo* ]] && echo 1 || echo 2)" --payload "$payload")
      elif [[ $proc == echo* ]]; then
        args+=(--proc 1 --args "opaque:$payload" --check echo)
      else
        args+=(--proc 2 --args "ints:$payload" --check sum)
      fi ;;
    *) echo "bad case $1" >&2; exit 1 ;;
  esac
  # nelson-load's backend is pinned rather than `auto` (io_uring where the kernel allows it), so
  # that runs on different machines and kernels drive the servers with the same client code.
  [[ $LOAD == blast ]] || args+=(--backend epoll --quiet)
}


start_server() {  # $1 server -> `spid`, `port`; returns 2 without a binary, 1 when it does not listen
  free_port
  server_cmd "$1" "$port"
  ((${#cmd[@]})) || return 2
  "${pin_server[@]}" "${cmd[@]}" >"$log" 2>&1 &
  spid=$!
  for _ in {1..50}; do
    kill -0 "$spid" 2>/dev/null || break
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  sed 's/^/    /' "$log" >&2
  stop_server
  return 1
}

run_load() {  # load args... -> `result` (its last line), `cpu_delta` (server ns in the window)
  local line c0='' fd target
  result='' cpu_delta=''
  target=(--connect "127.0.0.1:$port")
  [[ $LOAD == blast ]] || target=(--target "tcp://127.0.0.1:$port")
  exec {fd}< <(exec "${pin_load[@]}" "$load_bin" "${target[@]}" --duration "$DURATION" --warmup "$WARMUP" "$@" 2>&1)
  lpid=$!
  while IFS= read -r -u "$fd" line; do
    case $line in
      '# measuring') cpu_ns "$spid" && c0=$cpu ;;
      calls=*) result=$line; cpu_ns "$spid" && [[ -n $c0 ]] && cpu_delta=$((cpu - c0)) ;;
      *) echo "    $LOAD: $line" >&2 ;;
    esac
  done
  exec {fd}<&-
  wait "$lpid" || true
  lpid=''
}

# ROUNDS > 1 repeats every case, rotating the order of the servers each round, and reports the
# median of each figure: the machines are shared, and one run can be off by 1.5x either way.
declare -A ns_of rate_of p50_of p99_of load_ns_of
notes=()
for c in $CASES; do
  case_args "$c"
  read -r -a order <<<"$SERVERS"
  for ((round = 1; round <= ROUNDS; round++)); do
    for s in "${order[@]}"; do
      rc=0
      start_server "$s" || rc=$?
      if ((rc == 2)); then
        echo "$c / $s: skipped, no binary" >&2
        continue
      elif ((rc != 0)); then
        notes+=("$c / $s: skipped, the server did not start")
        continue
      fi
      echo "$c / $s (round $round): port $port, pid $spid" >&2
      run_load "${args[@]}"
      if ! kill -0 "$spid" 2>/dev/null; then
        died
        notes+=("$c / $s: the server died during the run, $why")
      fi
      stop_server
      if [[ -z $result || -z $cpu_delta ]]; then
        notes+=("$c / $s: no result from $LOAD")
        continue
      fi
      echo "    $result" >&2
      calls=$(field "$result" calls) errors=$(field "$result" errors)
      if ((errors > 0)); then
        [[ $s == floor && $c == sum* ]] && errors+=" (expected: the floor sends no sum)"
        notes+=("$c / $s: $errors errors")
      fi
      ((calls > 0)) || continue
      key="$c|$s"
      ns_of[$key]+=" $((cpu_delta / calls))"
      rate_of[$key]+=" $(field "$result" calls_per_s)"
      p50_of[$key]+=" $(field "$result" p50_us)"
      p99_of[$key]+=" $(field "$result" p99_us)"
      has_field "$result" cpu_ns_per_call && load_ns_of[$key]+=" $(field "$result" cpu_ns_per_call)"
    done
    order=("${order[@]:1}" "${order[0]}")  # rotate: no server always runs first or last
  done
done

rows=()
for c in $CASES; do
  floor_ns=''
  # shellcheck disable=SC2086
  [[ -n ${ns_of["$c|floor"]:-} ]] && floor_ns=$(median ${ns_of["$c|floor"]})
  for s in $SERVERS; do
    key="$c|$s"
    [[ -n ${ns_of[$key]:-} ]] || continue
    # shellcheck disable=SC2086  # the lists are space-separated numbers
    ns=$(median ${ns_of[$key]})
    ratio=-
    [[ -n $floor_ns ]] && ((floor_ns > 0)) && ratio=$(awk -v a="$ns" -v b="$floor_ns" 'BEGIN { printf "%.2fx", a / b }')
    # shellcheck disable=SC2086
    rate=$(awk -v r="$(median ${rate_of[$key]})" 'BEGIN { printf (r >= 1e6 ? "%.2f M" : "%.1f k"), (r >= 1e6 ? r / 1e6 : r / 1e3) }')
    load_ns=-
    # shellcheck disable=SC2086
    [[ -n ${load_ns_of[$key]:-} ]] && load_ns=$(median ${load_ns_of[$key]})
    # shellcheck disable=SC2086
    rows+=("| $c | $s | $rate | $ns | $ratio | $(median ${p50_of[$key]}) | $(median ${p99_of[$key]}) | $load_ns |")
  done
done

echo
echo "Load: $LOAD on CPU 1, servers on CPU 0. Server CPU per call = (utime + stime) over the measured window / calls;"
echo "${DURATION} s per run after ${WARMUP} s of warm-up; median of $ROUNDS round(s) per figure, the ratio is of the medians."
echo "load CPU ns/call: the load generator's own CPU time per call (- when it does not report it)."
echo
echo "| case | server | calls/s | CPU ns/call | ratio to floor | p50 us | p99 us | load CPU ns/call |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
((${#notes[@]} == 0)) || { echo; printf 'NOTE: %s\n' "${notes[@]}"; }
