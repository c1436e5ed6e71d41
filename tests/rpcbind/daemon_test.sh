#!/usr/bin/env bash
# nelson-rpcbind, the daemon, end to end on an ephemeral port and a private UNIX socket (no
# namespaces, no port 111):
#   daemon_test.sh PATH/TO/nelson-rpcbind PATH/TO/nelson-interop-register PATH/TO/nelson-interop-lookup
#
#   1. It starts, prints its endpoints and "ready", makes its UNIX socket mode 0666 and answers
#      lookups (client::lookup over TCP and UDP) and DUMP.
#   2. Registration (client::register_service) over the UNIX socket (owner "superuser") and
#      over TCP (owner "unknown"; RPCBIND v4, v3 and PMAP v2; not to a privileged port),
#      lookups of what was registered, and unregistration.
#   3. As root only (skipped otherwise, with a note): uid 65534 registering over the UNIX socket
#      owns what it registers ("65534"), cannot remove root's registration, nor map a
#      privileged port; root may remove its registration.
#   4. --unix-set-only refuses SET from loopback TCP; --max-entries is a bound SET answers FALSE at.
#   5. --warm-start: registrations survive a restart (with their owners; the portmapper's own
#      entries follow its new port); a corrupt or truncated file is ignored with a warning, the
#      daemon starts empty and writes a good file again at the next change.
#   6. A stale socket file is replaced; a live one (another process answers) is refused with
#      exit 2 and left alone; a path that is not a socket is refused.
#   7. Bad options exit 2 with the usage.
# Every stop is a SIGTERM that must end with "stopped", exit 0 and the socket file gone.
# python3 (rpcb_wire.py, beside this script) does the DUMPs and SETs from TCP; exit 77 without it.
set -euo pipefail
rpcbind=$1
register=$2
lookup=$3
here=$(cd "$(dirname "$0")" && pwd)
wire=$here/rpcb_wire.py

skip() {
  echo "skipped: $*"
  exit 77
}
command -v python3 >/dev/null || skip "python3 is not installed (rpcb_wire.py)"
# The interpreter itself: a version manager's python3 shim can take most of a second a call.
python=$(python3 -c 'import sys; print(sys.executable)')

prog=536871065 # 0x20000099, BENCHPROG
tmp=$(mktemp -d)
chmod 755 "$tmp" # uid 65534 must reach the socket in it
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
# untrack PID: a daemon waited for is no longer ours to kill (its number may be reused).
untrack() {
  local kept=() p
  for p in "${pids[@]}"; do [ "$p" = "$1" ] || kept+=("$p"); done
  pids=("${kept[@]}")
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# shellcheck source=tests/check_lib.sh
. "$(dirname "$0")/../check_lib.sh"



rb_pid=
rb_port=
rb_log=
gone() { ! kill -0 "$1" 2>/dev/null; }
ready_or_gone() { grep -qs '^nelson-rpcbind: ready' "$rb_log" || gone "$rb_pid"; }

# start_rpcbind NAME ARGS...: nelson-rpcbind ARGS, its output in $tmp/NAME.log; waits for "ready"
# (or its exit: then status 1). Sets rb_pid, rb_log and rb_port (its TCP/UDP port, if any).
start_rpcbind() {
  local name=$1
  shift
  rb_log=$tmp/$name.log
  # IPv4 only (the default adds [::] where the host has IPv6): the counts below are of tcp, udp, local.
  "$rpcbind" --host 0.0.0.0 "$@" >"$rb_log" 2>&1 &
  rb_pid=$!
  pids+=("$rb_pid")
  poll 30 ready_or_gone || true
  rb_port=$(sed -nE 's|^nelson-rpcbind: listening on tcp://[^ ]*:([0-9]+)$|\1|p;T;q' "$rb_log")
  if ! grep -q '^nelson-rpcbind: ready' "$rb_log"; then
    if gone "$rb_pid"; then
      wait "$rb_pid" 2>/dev/null || true
      untrack "$rb_pid"
    fi
    fail "nelson-rpcbind $* did not start:"
    indent "$rb_log"
    return 1
  fi
  pass "nelson-rpcbind $* ready${rb_port:+, port $rb_port}"
}

# stop_rpcbind [SOCKET]: SIGTERM; wants exit 0 within 20 s, "stopped", and SOCKET removed.
stop_rpcbind() {
  local sock=${1:-} status=0
  kill -TERM "$rb_pid"
  if ! poll 20 gone "$rb_pid"; then
    fail "nelson-rpcbind did not stop within 20 s of SIGTERM"
    kill -KILL "$rb_pid" 2>/dev/null || true
  fi
  wait "$rb_pid" || status=$?
  untrack "$rb_pid"
  if [ "$status" -eq 0 ] && grep -q '^nelson-rpcbind: stopped$' "$rb_log"; then
    pass "SIGTERM: drained, \"stopped\", exit 0"
  else
    fail "SIGTERM: exit $status, log:"
    indent "$rb_log"
  fi
  if grep -Eq 'runtime error:|AddressSanitizer|LeakSanitizer' "$rb_log"; then
    fail "a sanitizer report in the daemon's output:"
    indent "$rb_log"
  fi
  if [ -n "$sock" ]; then
    if [ -e "$sock" ]; then fail "the socket $sock is still there after the stop"; else pass "socket file removed"; fi
  fi
}

# dump [tcp|udp]: RPCBPROC_DUMP, one "prog vers netid uaddr owner" line per registration.
dump() { "$python" "$wire" dump "$rb_port" "${1:-tcp}"; }
# as_nobody COMMAND...: COMMAND as uid/gid 65534 without supplementary groups.
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

sock=$tmp/rpcbind.sock
# Who we are to the portmapper over its UNIX socket.
me=superuser
[ "$(id -u)" -eq 0 ] || me=$(id -u)
unix_done="with the portmapper at unix://$sock \(RPCBIND v4\): done"

echo "== 1. start, endpoints, the socket's mode, lookups"
start_rpcbind main --port 0 --unix "$sock" || exit 1
check ok "listening on udp://0\.0\.0\.0:$rb_port$" cat "$rb_log"
check ok "listening on unix://$sock$" cat "$rb_log"
mode=$(stat -c '%F %a' "$sock")
if [ "$mode" = "socket 666" ]; then pass "$sock: $mode"; else fail "$sock: $mode, want socket 666"; fi
p1=$((rb_port >> 8)) p2=$((rb_port & 255))
check ok "^tcp://127\.0\.0\.1:$rb_port$" "$lookup" 127.0.0.1 100000 4 tcp --port "$rb_port"
check ok "^udp://127\.0\.0\.1:$rb_port$" "$lookup" 127.0.0.1 100000 4 udp --via udp --port "$rb_port"
check ok "^tcp://127\.0\.0\.1:$rb_port$" "$lookup" 127.0.0.1 100000 2 tcp --max-version 2 --port "$rb_port"
check ok "^100000 4 tcp 0\.0\.0\.0\.$p1\.$p2 superuser$" dump
check ok "^100000 4 local $sock superuser$" dump udp

echo "== 2. registration over the UNIX socket and over TCP"
check ok "on tcp at 0\.0\.0\.0\.78\.131 $unix_done" "$register" --unix "$sock" --port "$rb_port" set "$prog" 1 tcp://0.0.0.0:20099
check ok "on udp at 0\.0\.0\.0\.78\.131 $unix_done" "$register" --unix "$sock" --port "$rb_port" set "$prog" 1 udp://0.0.0.0:20099
check ok "^$prog 1 tcp 0\.0\.0\.0\.78\.131 $me$" dump
check ok "^tcp://127\.0\.0\.1:20099$" "$lookup" 127.0.0.1 "$prog" 1 tcp --port "$rb_port"
check ok "^udp://127\.0\.0\.1:20099$" "$lookup" 127.0.0.1 "$prog" 1 udp --via udp --port "$rb_port"
check fail "refused to register program $prog version 1" "$register" --unix "$sock" --port "$rb_port" set "$prog" 1 tcp://0.0.0.0:20100
check ok "unregistering program $prog version 1 \(every netid\) $unix_done" "$register" --unix "$sock" --port "$rb_port" unset "$prog" 1
check absent "^$prog " dump
check fail "not registered" "$lookup" 127.0.0.1 "$prog" 1 tcp --port "$rb_port"
tcp_at="with the portmapper at tcp://127\.0\.0\.1:$rb_port"
check ok "$tcp_at \(RPCBIND v4\): done" "$register" --unix "" --port "$rb_port" set "$prog" 2 udp://0.0.0.0:20099
check ok "$tcp_at \(RPCBIND v3\): done" "$register" --unix "" --port "$rb_port" --max-version 3 set "$prog" 3 tcp://0.0.0.0:20099
check ok "$tcp_at \(PMAP v2\): done" "$register" --unix "" --port "$rb_port" --max-version 2 set "$prog" 4 tcp://0.0.0.0:20099
check ok "^$prog 2 udp 0\.0\.0\.0\.78\.131 unknown$" dump
check ok "^$prog 3 tcp 0\.0\.0\.0\.78\.131 unknown$" dump
check ok "^$prog 4 6 20099$" "$python" "$wire" pmapdump "$rb_port" udp
# From an unprivileged port the caller is nobody in particular: no mapping to a privileged port.
check ok "^false$" "$python" "$wire" set "$rb_port" "$((prog + 3))" 1 tcp 0.0.0.0.0.111
check ok "^udp://127\.0\.0\.1:20099$" "$lookup" 127.0.0.1 "$prog" 2 udp --port "$rb_port" --max-version 2
check ok "$tcp_at \(RPCBIND v4\): done" "$register" --unix "" --port "$rb_port" unset "$prog" 2 udp
check ok "$tcp_at \(RPCBIND v3\): done" "$register" --unix "" --port "$rb_port" --max-version 3 unset "$prog" 3
check ok "$tcp_at \(PMAP v2\): done" "$register" --unix "" --port "$rb_port" --max-version 2 unset "$prog" 4
check absent "^$prog " dump

echo "== 3. owners: uid 65534 over the UNIX socket"
if [ "$(id -u)" -ne 0 ] || ! command -v setpriv >/dev/null; then
  echo "note: skipped (needs root and setpriv to act as uid 65534)"
elif ! as_nobody test -x "$register"; then
  echo "note: skipped (uid 65534 cannot run $register from here)"
else
  check ok "$unix_done" "$register" --unix "$sock" --port "$rb_port" set "$prog" 1 tcp://0.0.0.0:20099
  check ok "$unix_done" as_nobody "$register" --unix "$sock" --port "$rb_port" set "$((prog + 1))" 1 tcp://0.0.0.0:20101
  check ok "^$((prog + 1)) 1 tcp 0\.0\.0\.0\.78\.133 65534$" dump
  check fail "refused to unregister program $prog version 1" as_nobody "$register" --unix "$sock" --port "$rb_port" unset "$prog" 1
  check ok "^$prog 1 tcp 0\.0\.0\.0\.78\.131 $me$" dump
  # A privileged port is root's to map, whoever asks.
  check fail "refused to register program $((prog + 2)) version 1" as_nobody "$register" --unix "$sock" --port "$rb_port" set "$((prog + 2))" 1 tcp://0.0.0.0:999
  check absent "^$((prog + 2)) " dump
  check ok "$unix_done" as_nobody "$register" --unix "$sock" --port "$rb_port" unset "$((prog + 1))" 1
  check ok "$unix_done" as_nobody "$register" --unix "$sock" --port "$rb_port" set "$((prog + 1))" 1 udp://0.0.0.0:20101
  check ok "$unix_done" "$register" --unix "$sock" --port "$rb_port" unset "$((prog + 1))" 1
  check ok "$unix_done" "$register" --unix "$sock" --port "$rb_port" unset "$prog" 1
  check absent "^$prog |^$((prog + 1)) " dump
fi
stop_rpcbind "$sock"

echo "== 4. --unix-set-only, --max-entries"
# The portmapper registers itself on tcp, udp and local, versions 2-4: 9 entries; 3 more fit.
start_rpcbind bounded --port 0 --unix "$sock" --unix-set-only --max-entries 12 || exit 1
check ok "^false$" "$python" "$wire" set "$rb_port" "$prog" 1 tcp 0.0.0.0.78.131
check fail "refused to register" "$register" --unix "" --port "$rb_port" set "$prog" 1 tcp://0.0.0.0:20099
for v in 1 2 3; do
  check ok "$unix_done" "$register" --unix "$sock" --port "$rb_port" set "$prog" "$v" tcp://0.0.0.0:20099
done
check fail "refused to register program $prog version 4" "$register" --unix "$sock" --port "$rb_port" set "$prog" 4 tcp://0.0.0.0:20099
count=$(dump tcp | wc -l)
if [ "$count" -eq 12 ]; then pass "DUMP lists 12 registrations"; else fail "DUMP lists $count registrations, want 12"; fi
check ok "$unix_done" "$register" --unix "$sock" --port "$rb_port" unset "$prog" 1
check ok "$unix_done" "$register" --unix "$sock" --port "$rb_port" set "$prog" 4 tcp://0.0.0.0:20099
stop_rpcbind "$sock"

echo "== 5. --warm-start"
ws=$tmp/warm.xdr
start_rpcbind warm1 --port 0 --unix "$sock" --warm-start "$ws" || exit 1
first_port=$rb_port
check ok "$unix_done" "$register" --unix "$sock" --port "$rb_port" set "$prog" 1 tcp://0.0.0.0:20099
check ok "\(RPCBIND v4\): done" "$register" --unix "" --port "$rb_port" set "$prog" 2 udp://0.0.0.0:20099
stop_rpcbind "$sock"
check ok "^-rw------- " ls -l "$ws"
cp "$ws" "$tmp/good.xdr"
start_rpcbind warm2 --port 0 --unix "$sock" --warm-start "$ws" || exit 1
# Two: the portmapper's own entries of last time are not restored, nor counted.
check ok "restored 2 registrations from $ws" cat "$rb_log"
check ok "^$prog 1 tcp 0\.0\.0\.0\.78\.131 $me$" dump
check ok "^$prog 2 udp 0\.0\.0\.0\.78\.131 unknown$" dump
check ok "^tcp://127\.0\.0\.1:20099$" "$lookup" 127.0.0.1 "$prog" 1 tcp --port "$rb_port"
# The portmapper's own entries are where it listens now, not where it listened last time.
self=$(dump tcp | grep -c '^100000 ' || true)
check ok "^127\.0\.0\.1\.$((rb_port >> 8))\.$((rb_port & 255))$" "$python" "$wire" getaddr "$rb_port" 100000 4
if [ "$self" -eq 9 ]; then pass "9 entries of the portmapper itself"; else fail "$self entries of program 100000, want 9"; fi
if [ "$first_port" != "$rb_port" ]; then
  check absent "0\.0\.0\.0\.$((first_port >> 8))\.$((first_port & 255)) " dump
fi
stop_rpcbind "$sock"
# Corrupt: garbage, the right magic with garbage after it, a good file cut short, a flipped byte.
size=$(stat -c %s "$tmp/good.xdr")
for kind in garbage magic truncated flipped; do
  case "$kind" in
    garbage) head -c 300 /dev/urandom >"$ws" ;;
    magic) { printf 'NRPCBWS1\377\377\377\000'; head -c 64 /dev/urandom; } >"$ws" ;;
    truncated) head -c "$((size - 5))" "$tmp/good.xdr" >"$ws" ;;
    flipped) cp "$tmp/good.xdr" "$ws" && printf 'X' | dd of="$ws" bs=1 seek=40 conv=notrunc status=none ;;
  esac
  start_rpcbind "corrupt-$kind" --port 0 --unix "$sock" --warm-start "$ws" || continue
  check ok "warning.*ignoring warm-start file $ws" cat "$rb_log"
  check absent "^$prog " dump
  stop_rpcbind "$sock"
done
# After a corrupt file the next change writes a good one.
start_rpcbind rewrite --port 0 --unix "$sock" --warm-start "$ws" || exit 1
check ok "$unix_done" "$register" --unix "$sock" --port "$rb_port" set "$prog" 3 tcp://0.0.0.0:20099
stop_rpcbind "$sock"
start_rpcbind rewritten --port 0 --unix "$sock" --warm-start "$ws" || exit 1
check absent "ignoring warm-start" cat "$rb_log"
check ok "^$prog 3 tcp 0\.0\.0\.0\.78\.131 $me$" dump
stop_rpcbind "$sock"

echo "== 6. the UNIX socket path: stale, live, not a socket"
"$python" -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.close()' "$sock"
if [ -S "$sock" ]; then pass "a stale socket file at $sock"; else fail "could not leave a stale socket at $sock"; fi
start_rpcbind stale --port 0 --unix "$sock" || exit 1
check ok "$unix_done" "$register" --unix "$sock" --port "$rb_port" set "$prog" 1 tcp://0.0.0.0:20099
live_pid=$rb_pid live_port=$rb_port live_log=$rb_log
check fail "another process listens on $sock" timeout 20 "$rpcbind" --port 0 --unix "$sock"
if [ -S "$sock" ]; then pass "the live socket is left alone"; else fail "the refused daemon removed the live socket"; fi
check ok "^$prog 1 tcp " "$python" "$wire" dump "$live_port"
check ok "$unix_done" "$register" --unix "$sock" --port "$live_port" unset "$prog" 1
rb_pid=$live_pid rb_port=$live_port rb_log=$live_log
stop_rpcbind "$sock"
echo "not a socket" >"$tmp/plain"
check fail "$tmp/plain exists and is not a socket" timeout 20 "$rpcbind" --port 0 --unix "$tmp/plain"
check ok "^not a socket$" cat "$tmp/plain"

echo "== 7. bad options: exit 2 and the usage"
bad_options() {
  local status=0 output
  output=$(timeout 20 "$rpcbind" "$@" 2>&1) || status=$?
  if [ "$status" -eq 2 ] && grep -q '^usage: nelson-rpcbind' <<<"$output" && ! grep -q 'ready' <<<"$output"; then
    pass "nelson-rpcbind $*: exit 2, $(head -n 1 <<<"$output")"
  else
    fail "nelson-rpcbind $*: exit $status, want 2 and the usage:"
    indent <<<"$output"
  fi
}
bad_options --unix "$sock" --port 70000
bad_options --unix "$sock" --port 12x
bad_options --unix "$sock" --port
bad_options --unix "$sock" --max-entries 0
bad_options --unix "$sock" --max-entries -1
bad_options --unix "$sock" --max-stat-keys many
bad_options --unix "$sock" --backend nope
bad_options --unix "$sock" --log-level loud
bad_options --unix "$sock" --no-such-option
bad_options --unix "$sock" --unix-only --no-unix
bad_options --unix "$sock" --port 0 --host 256.0.0.1
bad_options --unix "$sock" --port 0 --host not-an-address
bad_options --port 0 --unix "$tmp/$(printf 'x%.0s' $(seq 120)).sock"
if [ -e "$sock" ]; then fail "a refused start left $sock behind"; fi

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "nelson-rpcbind daemon: ok"
