# shellcheck shell=bash
# Sourced by the interop scripts that need the system's rpcbind: rpcbind must own port 111 and
# /run/rpcbind.sock, so each test runs in private network and mount namespaces (root only; exit
# 77 elsewhere) with loopback up, a private /run (rpcbind keeps /run/rpcbind.sock,
# /run/rpcbind.lock and its warm-start files /run/rpcbind/*.xdr there: it cannot touch, or be
# refused because of, the host's rpcbind) and its own rpcbind.
#
#   . "$(dirname "$0")/netns_rpcbind.sh"
#   netns_enter "$0" "$@"     # outside: checks, then re-runs the script inside the namespaces
#                             # (the tools it needs: $netns_tools, default "rpcinfo rpcbind unshare mount")
#   netns_setup               # inside: $netns_tmp, the private /run, loopback, cleanup on exit
#   rpcbind_start             # rpcbind -f -w, once `rpcinfo -p` answers ($rpcbind_pid)
#   nelson_rpcbind_start BIN [ARGS...]   # or nelson-rpcbind in its place (port 111, /run/rpcbind.sock)
#   netns_track PID           # killed on exit unless netns_untrack PID (after waiting for it)
#   rpcbind_log               # its output, for a failure report

PATH=$PATH:/usr/sbin:/sbin

skip() {
  echo "skipped: $*"
  exit 77
}

netns_enter() {
  [ "${NELSON_INTEROP_IN_NETNS:-}" = 1 ] && return 0
  [ "$(id -u)" -eq 0 ] || skip "needs root (private network namespace, rpcbind on port 111)"
  local tool
  # shellcheck disable=SC2086 # a list of words
  for tool in ${netns_tools:-rpcinfo rpcbind unshare mount}; do
    command -v "$tool" >/dev/null || skip "$tool is not installed"
  done
  unshare -n -m true 2>/dev/null || skip "unshare -n -m is refused here"
  exec env NELSON_INTEROP_IN_NETNS=1 unshare -n -m -- bash "$@"
}

netns_tmp=
netns_pids=()
rpcbind_pid=

netns_track() { netns_pids+=("$1"); }

netns_untrack() {
  local kept=() p
  for p in "${netns_pids[@]}"; do [ "$p" = "$1" ] || kept+=("$p"); done
  netns_pids=("${kept[@]}")
}

netns_cleanup() {
  local p
  for p in "${netns_pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "$netns_tmp" ] && rm -rf "$netns_tmp"
}

netns_setup() {
  netns_tmp=$(mktemp -d)
  trap netns_cleanup EXIT
  trap 'exit 1' INT TERM
  mount -n -t tmpfs -o mode=755 nelson-interop-run /run || skip "cannot mount a private /run"
  mkdir -p /run/rpcbind
  if command -v ip >/dev/null; then
    ip link set lo up
  elif command -v busybox >/dev/null && busybox ip link set lo up 2>/dev/null; then
    :
  else
    skip "neither ip (iproute2) nor busybox to bring up loopback"
  fi
}

# Runs COMMAND every 0.05 s until it succeeds (status 0), or PID has exited or 20 s have passed
# (then the status of one last try: a line written just before the exit still counts).
until_ready() {  # PID COMMAND...
  local pid=$1 _
  shift
  for _ in $(seq 400); do
    "$@" && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  "$@"
}
portmapper_answers() { rpcinfo -p 127.0.0.1 >/dev/null 2>&1; }

rpcbind_start() {
  rpcbind -f -w >"$netns_tmp/rpcbind.log" 2>&1 &
  rpcbind_pid=$!
  netns_track "$rpcbind_pid"
  until_ready "$rpcbind_pid" portmapper_answers && return 0
  echo "rpcbind did not start:"
  cat "$netns_tmp/rpcbind.log"
  exit 1
}

# nelson-rpcbind instead of the system's rpcbind, where rpcbind would listen (port 111 and
# /run/rpcbind.sock, its defaults), once `rpcinfo -p` answers; its output in the same log.
nelson_rpcbind_answers() { grep -qs '^nelson-rpcbind: ready' "$netns_tmp/rpcbind.log" && portmapper_answers; }
nelson_rpcbind_start() {
  local bin=$1
  shift
  "$bin" "$@" >"$netns_tmp/rpcbind.log" 2>&1 &
  rpcbind_pid=$!
  netns_track "$rpcbind_pid"
  until_ready "$rpcbind_pid" nelson_rpcbind_answers && return 0
  echo "nelson-rpcbind did not start:"
  cat "$netns_tmp/rpcbind.log"
  exit 1
}

# The rpcbind log, for a failure report.
rpcbind_log() { cat "$netns_tmp/rpcbind.log"; }

# capture_start FILTER FILE: tshark on lo with the capture filter FILTER, into FILE, once it says
# it is capturing; sets capture=yes and tshark_pid. Without tshark, or where it cannot capture,
# says why and leaves capture empty (the dissector checks are then skipped).
capture=
tshark_pid=
capture_start() {
  if ! command -v tshark >/dev/null; then
    echo "note: tshark is not installed; no dissector check"
    return 0
  fi
  tshark -i lo -f "$1" -w "$2" >"$netns_tmp/tshark.log" 2>&1 &
  tshark_pid=$!
  netns_track "$tshark_pid"
  if until_ready "$tshark_pid" grep -q 'Capturing on' "$netns_tmp/tshark.log"; then
    capture=yes
    return 0
  fi
  echo "note: tshark could not capture here; no dissector check:"
  sed 's/^/      /' "$netns_tmp/tshark.log"
  capture_stop
}

# capture_stop: ends the capture (its last packets written out) and reaps tshark.
capture_stop() {
  [ -n "$tshark_pid" ] || return 0
  [ -z "$capture" ] || sleep 0.5  # let dumpcap write out the last packets
  kill -INT "$tshark_pid" 2>/dev/null || true
  wait "$tshark_pid" 2>/dev/null || true
  netns_untrack "$tshark_pid"
  tshark_pid=
}
