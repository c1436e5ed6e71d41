#!/usr/bin/env bash
# nelson-rpcbind under socket activation (sd_listen_fds: LISTEN_PID, LISTEN_FDS, descriptors
# from 3 on), as systemd starts it with rpcbind/nelson-rpcbind.socket: a listening TCP socket, a
# UDP socket and a listening UNIX socket, bound by the "supervisor" (python3 here) on a free port,
# are adopted — no --port or --unix — and answer GETADDR over each; the UNIX socket file is left
# to its owner at exit. The daemon also speaks sd_notify: READY=1 once it serves, STOPPING=1 when
# SIGTERM starts the drain, WATCHDOG=1 at half of $WATCHDOG_USEC, as datagrams to $NOTIFY_SOCKET.
#   rpcbind_socket_activation_test.sh PATH/TO/nelson-rpcbind PATH/TO/nelson-interop-lookup
set -euo pipefail
rpcbind=$1
lookup=$2
command -v python3 >/dev/null || { echo "skipped: python3 is not installed"; exit 77; }
tmp=$(mktemp -d)
pid='' listener=''
cleanup() {
  [[ -z $pid ]] || kill -KILL "$pid" 2>/dev/null || true
  [[ -z $listener ]] || kill -KILL "$listener" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# The supervisor's notification socket: every datagram, one per line.
python3 - "$tmp/notify.sock" >"$tmp/notify" 2>&1 <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(30)
while True:
    try:
        print(s.recv(4096).decode().replace("\n", " "), flush=True)
    except socket.timeout:
        break
PY
listener=$!
for _ in $(seq 100); do [[ -S $tmp/notify.sock ]] && break; sleep 0.05; done
export NOTIFY_SOCKET=$tmp/notify.sock
export WATCHDOG_USEC=200000  # WatchdogSec=0.2s: WATCHDOG=1 every 0.1 s

python3 - "$rpcbind" "$tmp" >"$tmp/out" 2>&1 <<'PY' &
import os, socket, sys
binary, tmp = sys.argv[1], sys.argv[2]
for _ in range(50):
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.bind(("127.0.0.1", 0))
    port = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", port))
        break
    except OSError:
        t.close(); u.close()
t.listen(64)
x = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
x.bind(tmp + "/rpcbind.sock")
x.listen(64)
for target, s in ((3, t), (4, u), (5, x)):
    os.dup2(s.fileno(), target)
    os.set_inheritable(target, True)
print("port", port, flush=True)
os.environ["LISTEN_FDS"] = "3"
os.environ["LISTEN_PID"] = str(os.getpid())
os.execv(binary, [binary, "--port", "1", "--unix", tmp + "/ignored.sock"])
PY
pid=$!
for _ in $(seq 200); do
  grep -q ready "$tmp/out" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || { echo "FAIL nelson-rpcbind did not start:"; cat "$tmp/out"; exit 1; }
  sleep 0.05
done
cat "$tmp/out"
port=$(sed -n 's/^port //p' "$tmp/out")
failures=0
check() {  # $1 description, rest: command that must succeed
  local what=$1
  shift
  if out=$("$@" 2>&1); then
    echo "ok    $what: $out"
  else
    echo "FAIL  $what: $out"
    failures=$((failures + 1))
  fi
}
[[ $(grep -c 'socket activation' "$tmp/out") -eq 3 ]] || { echo "FAIL  three adopted sockets expected"; failures=$((failures + 1)); }
check "GETADDR over the adopted TCP socket" "$lookup" 127.0.0.1 100000 4 tcp --port "$port"
check "GETADDR over the adopted UDP socket" "$lookup" 127.0.0.1 100000 4 udp --port "$port"
[[ ! -e $tmp/ignored.sock ]] || { echo "FAIL  --unix was not ignored"; failures=$((failures + 1)); }
watchdog_count() { grep -c '^WATCHDOG=1' "$tmp/notify" || true; }
for _ in $(seq 100); do (($(watchdog_count) >= 2)) && break; sleep 0.05; done
kill -TERM "$pid"
wait "$pid" || { echo "FAIL  exit status $? after SIGTERM"; failures=$((failures + 1)); }
pid=''
[[ -S $tmp/rpcbind.sock ]] || { echo "FAIL  the activated UNIX socket file was removed (it is the supervisor's)"; failures=$((failures + 1)); }
for _ in $(seq 100); do grep -q STOPPING=1 "$tmp/notify" && break; sleep 0.05; done
echo "sd_notify: $(tr '\n' '|' <"$tmp/notify")"
grep -q '^READY=1 STATUS=serving 3 endpoints' "$tmp/notify" || { echo "FAIL  no READY=1"; failures=$((failures + 1)); }
grep -q '^STOPPING=1' "$tmp/notify" || { echo "FAIL  no STOPPING=1"; failures=$((failures + 1)); }
watchdogs=$(watchdog_count)
((watchdogs >= 2)) || { echo "FAIL  $watchdogs WATCHDOG=1 (WATCHDOG_USEC=200000: one every 0.1 s)"; failures=$((failures + 1)); }
((failures == 0)) || exit 1
echo "socket activation: ok"
