#!/usr/bin/env bash
# run_rpcbind_demo.sh — dynamic binding end to end, as a deployment does it: nelson-rpcbind
# starts (on port 111 and /run/rpcbind.sock when they are free, else on an ephemeral port and a
# private socket), nelson-bench-server starts on a port the kernel picks and registers there,
# nelson-load finds it by program number (--pmap) and loads it, and when the server stops it
# unregisters, so a second lookup says "not registered".
#
#   bash bench/run_rpcbind_demo.sh [BUILD_DIR]      # default build/release
#   DURATION=2 bash bench/run_rpcbind_demo.sh
#   PRIVATE=1 bash bench/run_rpcbind_demo.sh         # never port 111 (the test suite does this)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build/release}
[[ $build = /* || -d $build ]] || build=$root/$build
build=$(cd "$build" && pwd)
DURATION=${DURATION:-2}
rpcbind=$build/rpcbind/nelson-rpcbind
server=$build/examples/nelson-bench-server
load=$build/load/nelson-load
for bin in "$rpcbind" "$server" "$load"; do
  [[ -x $bin ]] || { echo "missing $bin (build the release preset first)" >&2; exit 2; }
done

tmp=$(mktemp -d)
rb_pid='' srv_pid=''
cleanup() {
  local p
  for p in $srv_pid $rb_pid; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# Port 111 is free for TCP and UDP, and nobody answers on /run/rpcbind.sock: be the host's
# portmapper (what a real deployment does); otherwise keep out of the way of the one running.
port111_free() {
  [[ $(id -u) -eq 0 ]] || return 1
  [[ -z $(ss -Htuan 'sport = :111' 2>/dev/null) ]] || return 1
  [[ ! -S /run/rpcbind.sock ]] || ! timeout 1 bash -c 'exec 3<>/dev/tcp/127.0.0.1/111' 2>/dev/null
}
rb_args=()
if [[ -z ${PRIVATE:-} ]] && port111_free && [[ -d /run ]]; then
  where="port 111 and /run/rpcbind.sock (the host's portmapper)"
  sock=/run/rpcbind.sock
else
  sock=$tmp/rpcbind.sock
  rb_args=(--port 0 --unix "$sock")
  where="an ephemeral port and $sock (PRIVATE=1, or port 111 is taken or needs root)"
fi
"$rpcbind" "${rb_args[@]}" >"$tmp/rpcbind.log" 2>&1 &
rb_pid=$!
for _ in $(seq 100); do
  grep -q 'ready' "$tmp/rpcbind.log" 2>/dev/null && break
  kill -0 "$rb_pid" 2>/dev/null || { echo "nelson-rpcbind did not start:"; cat "$tmp/rpcbind.log"; exit 1; }
  sleep 0.05
done
pmap_port=$(sed -nE 's|.*listening on tcp://[^ ]*:([0-9]+)$|\1|p;T;q' "$tmp/rpcbind.log")
[[ -n $pmap_port ]] || { echo "no TCP port in:"; cat "$tmp/rpcbind.log"; exit 1; }
echo "nelson-rpcbind on $where: TCP/UDP port $pmap_port"

"$server" --listen tcp://127.0.0.1:0 --listen udp://127.0.0.1:0 --backend epoll \
  --rpcbind-port "$pmap_port" --rpcbind-unix "$sock" >"$tmp/server.log" 2>&1 &
srv_pid=$!
for _ in $(seq 100); do
  [[ $(grep -c '^registered' "$tmp/server.log" 2>/dev/null) -ge 2 ]] && break
  kill -0 "$srv_pid" 2>/dev/null || { echo "nelson-bench-server did not start:"; cat "$tmp/server.log"; exit 1; }
  sleep 0.05
done
grep -E '^(serving|registered)' "$tmp/server.log" | sed 's/^/  nelson-bench-server: /'
grep -qc '^registered' "$tmp/server.log" || { echo "the server did not register:"; cat "$tmp/server.log"; exit 1; }

printf '\n%-30s %12s %10s %10s %10s\n' "nelson-load --pmap (lookup)" "calls/s" "p50 us" "p99 us" "errors"
for spec in "tcp 16 16 void" "udp 1 16 void" "tcp 4 16 opaque:1024"; do
  read -r transport conns depth args <<<"$spec"
  json=$tmp/load.json
  if ! "$load" --pmap 127.0.0.1 --pmap-port "$pmap_port" --transport "$transport" --proc "$([[ $args == void ]] && echo 0 || echo 1)" \
    --args "$args" --conns "$conns" --depth "$depth" --duration "$DURATION" --warmup 0.5 --quiet --json "$json" \
    >"$tmp/load.out" 2>&1; then
    echo "nelson-load failed:"; cat "$tmp/load.out"; exit 1
  fi
  python3 - "$json" "$transport ${conns}x${depth} $([[ $args == void ]] && echo NULL || echo "ECHO ${args#opaque:} B")" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
lat = r.get("latency_us", {})
print(f'{sys.argv[2]:<30} {r["calls_per_s"]:>12,.0f} {lat["p50"]:>10.1f} {lat["p99"]:>10.1f} {r["errors"]:>10}')
PY
done

kill -TERM "$srv_pid"
wait "$srv_pid" || { echo "nelson-bench-server did not exit cleanly"; exit 1; }
srv_pid=''
if out=$("$load" --pmap 127.0.0.1 --pmap-port "$pmap_port" --duration 1 --quiet 2>&1); then
  echo "the server stopped but is still registered:"; echo "$out"; exit 1
fi
echo
last=${out##*: }
echo "after the server stopped (it unregistered): ${last%%$'\n'*}"
