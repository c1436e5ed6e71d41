#!/usr/bin/env bash
# shellcheck disable=SC2119  # start_server and run_load take a wrapper command, here none
# profile.sh — where a server's CPU time goes under load: perf record -e cpu-clock on the server
# for the load's measured window only, then the top symbols, folded stacks and a flame graph.
#
#   bash perf/profile.sh                                    # nelson-bench-server (epoll), NULL 16x16
#   bash perf/profile.sh --backend io_uring --conns 4 --depth 64 --duration 5 --out /tmp/uring
#   bash perf/profile.sh --pid 1234 --port 20099            # a server that is already running
#   bash perf/profile.sh --call-graph fp --build build/profile   # frame pointers (see README)
#
# The server runs on CPU 0, the load and perf on CPU 1 (no pinning on one core). perf attaches
# during the warm-up, disabled, and is enabled when the load prints "# measuring" and disabled
# when it reports, so the profile is the window and nothing else. cpu-clock is a software event:
# it works in VMs that have no hardware counters. Outputs in --out DIR:
#   perf.data      the recording (perf report -i DIR/perf.data for more)
#   report.txt     perf report --no-children: self time per symbol, then per DSO
#   stacks.folded  one "root;...;leaf COUNT" line per distinct stack (perf/stackcollapse.py)
#   summary.txt    kernel vs user time, kernel time per syscall, user functions inclusive
#   flame.svg      the flame graph (perf/flamegraph.py): open it in a browser, hover for details
#   load.txt       the load generator's result line; server.log
#
# Options (besides the common ones below):
#   --call-graph MODE   dwarf (default: unwinds without frame pointers, as the release build
#                       has none), fp (needs -fno-omit-frame-pointer), or none
#   --freq HZ           samples per second of CPU time (default 999)
#   --top N             symbols shown on the terminal (default 20)
#
# Exit status 77 when perf is missing or not permitted here (kernel.perf_event_paranoid).
set -euo pipefail
# shellcheck source=perf/lib.sh
source "$(dirname "$0")/lib.sh"

call_graph=dwarf freq=999 top=20
while (($#)); do
  case $1 in
    -h | --help) usage_from_header; common_help; exit 0 ;;
    --call-graph) call_graph=${2:?--call-graph needs a value}; shift 2 ;;
    --freq) freq=${2:?--freq needs a value}; shift 2 ;;
    --top) top=${2:?--top needs a value}; shift 2 ;;
    *)
      parse_common_option "$@"
      ((consumed)) || die "unknown option $1 (see --help)" 2
      shift "$consumed" ;;
  esac
done
finish_common_options
require_perf
command -v python3 >/dev/null || die "python3 is needed for the folded stacks and the flame graph" 2

case $call_graph in
  dwarf) graph_opts=(--call-graph dwarf) ;;
  fp) graph_opts=(--call-graph fp) ;;
  none) graph_opts=() ;;
  *) die "--call-graph must be dwarf, fp or none" 2 ;;
esac
# Some kernels and containers allow sampling but not user stacks: then record without them.
if ((${#graph_opts[@]})) && ! err=$(perf record -e cpu-clock "${graph_opts[@]}" -o /dev/null -- true 2>&1); then
  printf '  perf: %s\n' "${err//$'\n'/$'\n'  perf: }" >&2
  echo "${0##*/}: perf record ${graph_opts[*]} fails here; recording without stacks" >&2
  graph_opts=() call_graph=none
fi

trap cleanup_common EXIT
trap 'exit 130' INT TERM

start_server
make_load_cmd
control_fifos
"${pin_load[@]}" perf record -e cpu-clock -F "$freq" "${graph_opts[@]}" -D -1 --control "$ctl_spec" \
  -p "$spid" -o "$out/perf.data" >"$out/perf-record.log" 2>&1 &
tool_pid=$!
control_ready "$tool_pid"

on_measuring() { control_send enable; }
on_result() { control_send disable; }
echo "profiling pid $spid (${server_kind}) with perf record -e cpu-clock -F $freq ${graph_opts[*]}" >&2
echo "load: ${load_cmd[*]}" >&2
run_load
stop_tool "$tool_pid"
tool_pid=''
control_close
stop_server
grep -v '^Events \(en\|dis\)abled$' "$out/perf-record.log" | sed 's/^/  perf: /' >&2 || true
[[ -s $out/perf.data ]] || die "perf wrote no data (see $out/perf-record.log)"

# (perf 6.1 adds empty IPC columns to a software event's report: dropped.)
perf report -i "$out/perf.data" --no-children --sort symbol --stdio -g none --percent-limit 0.3 2>/dev/null |
  sed -E 's/ +- +- *$//; s/ +IPC +\[IPC Coverage\] *$//' >"$out/report.txt"
{
  echo
  echo "# --- by DSO ---"
  perf report -i "$out/perf.data" --no-children --sort dso --stdio -g none 2>/dev/null
} >>"$out/report.txt"
perf script -i "$out/perf.data" 2>/dev/null | python3 "$perf_root/perf/stackcollapse.py" >"$out/stacks.folded"
[[ -s $out/stacks.folded ]] || die "no samples in the window: was the server busy? (see $out/report.txt)"
python3 "$perf_root/perf/stackcollapse.py" --summary "$out/stacks.folded" >"$out/summary.txt"
case $server_kind in
  nelson) title="nelson-bench-server --backend $backend" ;;
  *) title=$server_kind ;;
esac
[[ -z $attach_pid ]] || title="pid $attach_pid"
python3 "$perf_root/perf/flamegraph.py" "$out/stacks.folded" \
  --title "$title, proc $proc, ${conns}x${depth} — cpu-clock, $call_graph stacks" >"$out/flame.svg"

calls=$(field "$result" calls)
samples=$(awk '{ n += $NF } END { print n + 0 }' "$out/stacks.folded")
echo
echo "load:   $result"
echo "perf:   $samples samples at $freq Hz in the window ($(awk -v s="$samples" -v f="$freq" 'BEGIN { printf "%.2f", s / f }') s of server CPU)"
((calls > 0)) && awk -v s="$samples" -v f="$freq" -v c="$calls" \
  'BEGIN { printf "        %.0f ns of server CPU per call (samples / Hz / calls)\n", s / f / c * 1e9 }'
echo
echo "top symbols by self time (perf report --no-children):"
# (grep -m, not | head: head exiting early would kill grep with SIGPIPE, fatal under pipefail.)
grep -m "$top" -E '^ +[0-9.]+%' "$out/report.txt"
echo
cat "$out/summary.txt"
echo
echo "outputs in $out: report.txt stacks.folded summary.txt flame.svg perf.data"
