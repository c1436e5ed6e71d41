#!/usr/bin/env bash
# Interop: nelson-bench-server on one backend, nelson-interop-client (rpcgen + libtirpc, no
# portmapper) over TCP and UDP, then SIGTERM: the server must drain and exit 0.
#   tirpc_client_test.sh PATH/TO/nelson-bench-server PATH/TO/nelson-interop-client BACKEND
set -euo pipefail
server=$1
client=$2
backend=$3
out=$(mktemp)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -f "$out"
}
trap cleanup EXIT

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A free port: a random one that nothing answers on, and that the server then manages to bind
# for both TCP and UDP (another program may take it in between; then try another).
started=
for _ in $(seq 20); do
  port=$((10000 + RANDOM % 22000))  # below the ephemeral range (32768 and up)
  port_in_use "$port" && continue
  # ECHO of 1 MiB needs a record larger than the default 1 MiB limit (headers come on top).
  "$server" --no-register --listen "tcp://127.0.0.1:$port" --listen "udp://127.0.0.1:$port" --backend "$backend" \
    --max-record-size 2000000 >"$out" 2>&1 &
  pid=$!
  for _ in $(seq 200); do
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    if grep -q '^backend ' "$out" && port_in_use "$port"; then
      started=yes
      break
    fi
    sleep 0.05
  done
  [ -n "$started" ] && break
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=
  echo "server did not start on port $port:"
  cat "$out"
done
if [ -z "$started" ]; then
  echo "could not start nelson-bench-server"
  exit 1
fi
actual=$(sed -nE 's/^backend (.*)$/\1/p' "$out")
if [ "$actual" != "$backend" ]; then
  # io_uring may be refused by the kernel (seccomp, sysctl): the server falls back and the
  # client still has something to talk to.
  echo "note: asked for backend $backend, the server runs $actual"
fi
echo "nelson-bench-server on 127.0.0.1:$port (tcp, udp), backend $actual"

status=0
"$client" 127.0.0.1 "$port" both || status=$?

kill -TERM "$pid"
server_status=0
wait "$pid" || server_status=$?
pid=
if [ "$server_status" -ne 0 ] || ! grep -q '^drained$' "$out"; then
  echo "server did not drain and exit 0 after SIGTERM (status $server_status):"
  cat "$out"
  exit 1
fi
echo "server drained and exited 0; its output:"
sed "s/^/  /" "$out"
if [ "$status" -ne 0 ]; then
  echo "client failed (status $status); server output:"
  cat "$out"
  exit 1
fi
echo "interop with libtirpc on $backend: ok"
