#!/usr/bin/env bash
# shellcheck disable=SC2119  # start_server and run_load take a wrapper command, here none
# syscalls.sh — system calls per RPC call: what a server asks of the kernel for each call it
# answers, counted over the load's measured window and divided by the calls the load reports.
#
#   bash perf/syscalls.sh                                   # nelson-bench-server (epoll), NULL 16x16
#   bash perf/syscalls.sh --backend io_uring --conns 4 --depth 64
#   bash perf/syscalls.sh --server tirpc --method strace
#
# Methods (--method, default auto = the first that works here):
#   stat    perf stat -e 'syscalls:sys_enter_*' -p PID: counted in the kernel at each syscall
#           entry, attached before the window and enabled/disabled exactly at its edges (perf's
#           --control fifo). Needs the syscall tracepoints (root or perf_event_paranoid -1,
#           tracefs mounted). The most exact and the cheapest.
#   trace   perf trace -s -p PID, attached when the window opens and stopped when it closes.
#   strace  strace -c -f -p PID, likewise; ptrace stops the server at every syscall, so it runs
#           several times slower, but the counts per call stay right.
# The table (also in --out DIR/syscalls.txt): syscall, count in the window, count per call.
# Counts include the server's idle-side calls (epoll_wait that found work, timers); all calls
# of the window are divided by the calls of the window.
#
# Options (besides the common ones below):
#   --method auto|stat|trace|strace
#
# Exit status 77 when no method can run here.
set -euo pipefail
# shellcheck source=perf/lib.sh
source "$(dirname "$0")/lib.sh"

method=auto
while (($#)); do
  case $1 in
    -h | --help) usage_from_header; common_help; exit 0 ;;
    --method) method=${2:?--method needs a value}; shift 2 ;;
    *)
      parse_common_option "$@"
      ((consumed)) || die "unknown option $1 (see --help)" 2
      shift "$consumed" ;;
  esac
done
finish_common_options

works() {  # $1 method: can it run here? The reason goes to stderr.
  local err
  case $1 in
    stat) command -v perf >/dev/null && err=$(perf stat -e 'syscalls:sys_enter_getpid' -o /dev/null -- true 2>&1) ;;
    trace) command -v perf >/dev/null && err=$(perf trace -s -o /dev/null -- true 2>&1) ;;
    strace) command -v strace >/dev/null && err=$(strace -c -o /dev/null -- true 2>&1) ;;
    *) die "--method must be auto, stat, trace or strace" 2 ;;
  esac || {
    echo "${0##*/}: method $1 does not work here${err:+: $(sed -n '1,2p' <<<"$err" | tr '\n' ' ')}" >&2
    return 1
  }
}
if [[ $method == auto ]]; then
  for m in stat trace strace; do
    if works "$m"; then method=$m; break; fi
  done
  [[ $method != auto ]] || die "no way to count syscalls here: perf (syscall tracepoints) and strace both fail" 77
else
  works "$method" || exit 77
fi

trap cleanup_common EXIT
trap 'exit 130' INT TERM

start_server
make_load_cmd
raw=$out/syscalls.raw
case $method in
  stat)
    control_fifos
    "${pin_load[@]}" perf stat -e 'syscalls:sys_enter_*' -x, -D -1 --control "$ctl_spec" -p "$spid" -o "$raw" \
      >"$out/tool.log" 2>&1 &
    tool_pid=$!
    control_ready "$tool_pid"
    on_measuring() { control_send enable; }
    on_result() { control_send disable; }
    ;;
  trace | strace)
    # No way to hold these disabled: they attach when the window opens, and detach when it closes.
    on_measuring() {
      if [[ $method == trace ]]; then
        "${pin_load[@]}" perf trace -s -p "$spid" -o "$raw" >"$out/tool.log" 2>&1 &
      else
        "${pin_load[@]}" strace -c -f -p "$spid" -o "$raw" >"$out/tool.log" 2>&1 &
      fi
      tool_pid=$!
    }
    on_result() { stop_tool "$tool_pid"; tool_pid=''; }
    ;;
esac

echo "counting the syscalls of pid $spid ($server_kind) with method $method" >&2
echo "load: ${load_cmd[*]}" >&2
run_load
if [[ -n $tool_pid ]]; then stop_tool "$tool_pid"; tool_pid=''; fi
control_close
stop_server
[[ -s $raw ]] || { sed 's/^/  tool: /' "$out/tool.log" >&2; die "the $method run wrote nothing"; }

# Every method's output as "name count" lines.
case $method in
  stat)  # count,unit,event,... ; "<not counted>" for events never enabled
    awk -F, '$1 ~ /^[0-9]+$/ && $3 ~ /^syscalls:sys_enter_/ { sub(/^syscalls:sys_enter_/, "", $3); print $3, $1 }' "$raw" ;;
  trace)  # per thread: "   writev   12345   0   1.234 ..." under a "syscall calls errors" heading
    awk '/^ *syscall +calls/ { on = 1; next } on && NF >= 3 && $2 ~ /^[0-9]+$/ { print $1, $2 } /^$/ { on = 0 }' "$raw" ;;
  strace)  # "% time seconds usecs/call calls [errors] syscall", then "total"
    awk '$1 ~ /^[0-9.]+$/ && $4 ~ /^[0-9]+$/ && $NF != "total" { print $NF, $4 }' "$raw" ;;
esac >"$out/syscalls.counts"

calls=$(field "$result" calls)
((calls > 0)) || die "the load reported no calls: $result"
{
  echo "# $method, pid $spid ($server_kind), ${load_cmd[*]##*/}"
  echo "# $result"
  awk -v calls="$calls" '
    { n[$1] += $2; total += $2 }
    END {
      printf "%-24s %12s %10s\n", "syscall", "count", "per call"
      for (s in n) if (n[s] > 0) printf "%-24s %12d %10.4f\n", s, n[s], n[s] / calls | "sort -k2,2nr"
      close("sort -k2,2nr")
      printf "%-24s %12d %10.4f\n", "total", total, total / calls
    }' "$out/syscalls.counts"
} >"$out/syscalls.txt"
echo
cat "$out/syscalls.txt"
echo
echo "outputs in $out: syscalls.txt, syscalls.raw (the $method output)"
