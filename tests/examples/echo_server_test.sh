#!/usr/bin/env bash
# End to end: nelson-echo-server on one backend, a TCP and a UDP client (bash's /dev/tcp and
# /dev/udp), then SIGTERM: the server must echo exactly, stop cleanly and exit 0.
#   echo_server_test.sh PATH/TO/nelson-echo-server BACKEND
set -euo pipefail
server=$1
backend=$2
out=$(mktemp)
trap 'kill "$pid" 2>/dev/null || true; rm -f "$out"' EXIT

"$server" --listen tcp://127.0.0.1:0 --listen udp://127.0.0.1:0 --backend "$backend" >"$out" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q '^backend' "$out" && break; sleep 0.05; done
if ! grep -q "^backend $backend" "$out"; then
  cat "$out"
  # io_uring may be refused by the kernel (seccomp, sysctl): the server then falls back.
  if [ "$backend" = io_uring ] && grep -q '^backend ' "$out"; then exit 77; fi
  echo "server did not start on $backend"
  exit 1
fi
tcp_port=$(sed -nE 's|^echoing on tcp://127\.0\.0\.1:([0-9]+)$|\1|p' "$out")
udp_port=$(sed -nE 's|^echoing on udp://127\.0\.0\.1:([0-9]+)$|\1|p' "$out")

exec 3<>"/dev/tcp/127.0.0.1/$tcp_port"
printf 'hello, nelson' >&3
IFS= read -r -t 5 -N 13 reply <&3
[ "$reply" = "hello, nelson" ] || { echo "tcp echo: got '$reply'"; exit 1; }
exec 3<&-

exec 4<>"/dev/udp/127.0.0.1/$udp_port"
printf 'datagram' >&4
IFS= read -r -t 5 -N 8 reply <&4
[ "$reply" = "datagram" ] || { echo "udp echo: got '$reply'"; exit 1; }
exec 4<&-

kill -TERM "$pid"
status=0
wait "$pid" || status=$?
[ "$status" -eq 0 ] || { echo "server exited with $status:"; cat "$out"; exit 1; }
grep -q '^stopped: ' "$out" || { echo "no clean stop:"; cat "$out"; exit 1; }
echo "echo server on $backend: ok"
