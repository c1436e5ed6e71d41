#!/usr/bin/env bash
# run_rpcbind_bench.sh — nelson-rpcbind against the system's rpcbind (Debian's, on libtirpc) under
# the same load: RPCBIND v4 GETADDR (what every client does before its first call) and PMAP v2
# GETPORT, over TCP and UDP, from nelson-load.
#
#   bash bench/run_rpcbind_bench.sh [BUILD_DIR]         # default build/release; root (namespaces)
#   DURATION=3 ROUNDS=3 TABLE=50 bash bench/run_rpcbind_bench.sh
#
# Both portmappers need port 111, so each run happens in private network and mount namespaces
# (as the interop tests do): the portmapper alone on CPU 0, nelson-load on CPU 1, a fresh
# portmapper per run, TABLE (50) programs registered on tcp and udp (as on a busy NFS server). The table gives
# calls/s, the portmapper's CPU time per call (utime + stime from /proc over the measured window),
# p50/p99, and the ratio of nelson's calls/s to rpcbind's. Medians over ROUNDS.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build/release}
[[ $build = /* || -d $build ]] || build=$root/$build
build=$(cd "$build" && pwd)
DURATION=${DURATION:-2}
WARMUP=${WARMUP:-0.5}
ROUNDS=${ROUNDS:-1}
TABLE=${TABLE:-50}  # programs registered (on tcp and udp) before the load
PATH=$PATH:/usr/sbin:/sbin

skip() { echo "run_rpcbind_bench: skipped: $*"; exit 0; }
if [[ ${NELSON_IN_NETNS:-} != 1 ]]; then
  [[ $(id -u) -eq 0 ]] || skip "needs root (private namespaces, port 111)"
  for tool in rpcbind unshare ip python3; do command -v "$tool" >/dev/null || skip "$tool is not installed"; done
  unshare -n -m true 2>/dev/null || skip "unshare -n -m is refused here"
  exec env NELSON_IN_NETNS=1 unshare -n -m -- bash "$0" "$@"
fi

mount -n -t tmpfs -o mode=755 nelson-bench-run /run
mkdir -p /run/rpcbind
ip link set lo up
tmp=$(mktemp -d)
pid=''
cleanup() {
  [[ -z $pid ]] || kill -KILL "$pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
pin_server=() pin_load=()
if (($(nproc) >= 2)) && command -v taskset >/dev/null; then pin_server=(taskset -c 0) pin_load=(taskset -c 1); fi
tck=$(getconf CLK_TCK)
register=$build/tests/interop/nelson-interop-register
[[ -x $register ]] || skip "no $register (configure with tests: it registers the table)"

# The arguments: GETADDR of (0x20000600, 1) on "tcp" (an rpcb); GETPORT of the same on TCP (a mapping).
python3 - "$tmp" <<'PY'
import struct, sys
def xdr_string(s):
    b = s.encode()
    return struct.pack(">I", len(b)) + b + b"\0" * (-len(b) % 4)
open(sys.argv[1] + "/getaddr", "wb").write(struct.pack(">II", 0x20000600, 1) + xdr_string("tcp") + xdr_string("") + xdr_string(""))
open(sys.argv[1] + "/getport", "wb").write(struct.pack(">IIII", 0x20000600, 1, 6, 0))
PY

start() {  # $1: rpcbind | nelson
  rm -f /run/rpcbind.sock /run/rpcbind.lock /run/rpcbind/*
  if [[ $1 == rpcbind ]]; then
    "${pin_server[@]}" rpcbind -f >"$tmp/pm.log" 2>&1 &
  else
    "${pin_server[@]}" "$build/rpcbind/nelson-rpcbind" --quiet --log-level warning >"$tmp/pm.log" 2>&1 &
  fi
  pid=$!
  for _ in $(seq 200); do
    rpcinfo -T tcp 127.0.0.1 100000 4 >/dev/null 2>&1 && break
    sleep 0.02
  done
  # A table as on a busy host: TABLE programs on tcp and udp, registered as servers do (nelson's
  # registration, over the UNIX socket).
  local i
  for i in $(seq 0 $((TABLE - 1))); do
    "$register" set $((0x20000600 + i)) 1 "tcp://0.0.0.0:$((20600 + i))" >/dev/null
    "$register" set $((0x20000600 + i)) 1 "udp://0.0.0.0:$((20600 + i))" >/dev/null
  done
}

cpu_ticks() { local f; read -r -a f <<<"$(sed 's/.*) //' "/proc/$1/stat")"; echo $((f[11] + f[12])); }

run() {  # $1 server, $2 transport, $3 vers, $4 proc, $5 args file, $6 conns, $7 depth -> "calls/s cpu_ns p50 p99"
  start "$1"
  local before after json=$tmp/load.json
  "${pin_load[@]}" "$build/load/nelson-load" --target "$2://127.0.0.1:111" --prog 100000 --vers "$3" --proc "$4" \
    --args "file:$5" --conns "$6" --depth "$7" --duration "$DURATION" --warmup "$WARMUP" --quiet --json "$json" \
    >"$tmp/load.out" 2>&1 &
  local lpid=$!
  sleep "$WARMUP"
  before=$(cpu_ticks "$pid")
  wait "$lpid" || { echo "nelson-load failed against $1:" >&2; cat "$tmp/load.out" >&2; exit 1; }
  after=$(cpu_ticks "$pid")
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; pid=''
  python3 - "$json" "$((after - before))" "$tck" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); ticks = int(sys.argv[2]); tck = int(sys.argv[3])
calls = max(r["calls"], 1)
if r["errors"]:
    sys.exit(f"{r['errors']} errors: {r['errors_by_kind']}")
print(f'{r["calls_per_s"]:.0f} {ticks * 1e9 / tck / calls:.0f} {r["latency_us"]["p50"]:.1f} {r["latency_us"]["p99"]:.1f}')
PY
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }

printf '%-26s %-14s %12s %14s %9s %9s %8s\n' case portmapper calls/s "CPU ns/call" "p50 us" "p99 us" ratio
for spec in "GETADDR-tcp-16x8 tcp 4 3 getaddr 16 8" "GETADDR-udp-1x16 udp 4 3 getaddr 1 16" \
  "GETPORT-tcp-16x8 tcp 2 3 getport 16 8" "GETADDR-tcp-1x1 tcp 4 3 getaddr 1 1"; do
  read -r name transport vers proc args conns depth <<<"$spec"
  declare -A rate=()
  for server in rpcbind nelson; do
    : >"$tmp/rounds"
    for _ in $(seq "$ROUNDS"); do run "$server" "$transport" "$vers" "$proc" "$tmp/$args" "$conns" "$depth" >>"$tmp/rounds"; done
    r=$(cut -d' ' -f1 "$tmp/rounds" | median) c=$(cut -d' ' -f2 "$tmp/rounds" | median)
    p50=$(cut -d' ' -f3 "$tmp/rounds" | median) p99=$(cut -d' ' -f4 "$tmp/rounds" | median)
    rate[$server]=$r
    ratio=''
    [[ $server == nelson ]] && ratio=$(awk -v a="$r" -v b="${rate[rpcbind]}" 'BEGIN {printf "%.2fx", a / b}')
    printf '%-26s %-14s %12s %14s %9s %9s %8s\n' "$name" "$server" "$r" "$c" "$p50" "$p99" "$ratio"
  done
  unset rate
done
