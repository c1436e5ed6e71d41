#!/usr/bin/env bash
# Interop over tests/gen/contracts/calc.x: starts a CALCPROG server, waits for the ports it
# prints ("tcp PORT", "udp PORT", then "ready"), runs a client against it with HOST TCP-PORT
# UDP-PORT appended to its arguments, then sends SIGTERM: the server must exit 0 on its own.
#
#   calc_interop_test.sh SERVER [SERVER-ARGS...] -- CLIENT [CLIENT-ARGS...]
#
# The pairs (tests/interop/CMakeLists.txt): the rpcgen/libtirpc server with the test of
# nelson-gen's client stubs, and nelson-gen's server skeletons with the rpcgen/libtirpc client.
# Every wait is bounded: the server's start (10 s), the client (100 s), the server's exit (10 s).
set -euo pipefail
server=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  server+=("$1")
  shift
done
if [ $# -lt 2 ] || [ ${#server[@]} -eq 0 ]; then
  echo "usage: $0 SERVER [SERVER-ARGS...] -- CLIENT [CLIENT-ARGS...]" >&2
  exit 2
fi
shift
client=("$@")

out=$(mktemp)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -f "$out"
}
trap cleanup EXIT

"${server[@]}" >"$out" 2>&1 &
pid=$!
ready=
for _ in $(seq 200); do
  if grep -q '^ready$' "$out"; then
    ready=yes
    break
  fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.05
done
if [ -z "$ready" ]; then
  echo "the server did not start within 10 s: $(basename "${server[0]}")"
  cat "$out"
  exit 1
fi
tcp_port=$(sed -nE 's/^tcp ([0-9]+)$/\1/p' "$out")
udp_port=$(sed -nE 's/^udp ([0-9]+)$/\1/p' "$out")
if [ -z "$tcp_port" ] || [ -z "$udp_port" ]; then
  echo "the server did not print its ports:"
  cat "$out"
  exit 1
fi
echo "$(basename "${server[0]}") on 127.0.0.1, tcp $tcp_port, udp $udp_port"

status=0
timeout -k 5 100 "${client[@]}" 127.0.0.1 "$tcp_port" "$udp_port" || status=$?
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
  echo "the client did not finish within 100 s"
fi

kill -TERM "$pid"
server_status=
for _ in $(seq 200); do
  if ! kill -0 "$pid" 2>/dev/null; then
    server_status=0
    wait "$pid" || server_status=$?
    break
  fi
  sleep 0.05
done
pid_left=$pid
pid=
if [ -z "$server_status" ]; then
  kill -KILL "$pid_left" 2>/dev/null || true
  wait "$pid_left" 2>/dev/null || true
  echo "the server did not exit within 10 s of SIGTERM; its output:"
  cat "$out"
  exit 1
fi
echo "the server exited with status $server_status; its output:"
sed "s/^/  /" "$out"
if [ "$server_status" -ne 0 ]; then
  exit 1
fi
if [ "$status" -ne 0 ]; then
  echo "the client failed (status $status)"
  exit 1
fi
echo "interop over calc.x: ok"
