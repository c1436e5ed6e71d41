#!/usr/bin/env bash
# nelson-load end to end: the binary against a real server program for ~1 s, its --json read
# back (calls > 0, errors 0), with --check echo and sum, plus --histogram and --plot files.
#   load_e2e_test.sh NELSON_LOAD SERVER_KIND SERVER_BINARY     SERVER_KIND: nelson | tirpc
set -euo pipefail
load=$1 kind=$2 server=$3
command -v python3 >/dev/null || { echo "skip: python3 needed to read the JSON"; exit 77; }
work=$(mktemp -d)
pid=''
trap '[ -z "$pid" ] || { kill $pid 2>/dev/null; wait $pid 2>/dev/null; }; rm -rf "$work"' EXIT
answers() { (echo >/dev/tcp/127.0.0.1/"$1") 2>/dev/null; }

# A random port below the kernel's ephemeral range (32768 and up), so that the other tests'
# connections cannot hold it; if something else does take it first (the server exits, "Address
# already in use"), another one.
started=''
for _ in $(seq 10); do
  port=$((10000 + RANDOM % 22000))
  answers "$port" && continue
  case $kind in
    nelson) "$server" --no-register --listen "tcp://127.0.0.1:$port" --listen "udp://127.0.0.1:$port" --backend epoll & ;;
    tirpc) "$server" --port "$port" & ;;
  esac
  pid=$!
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    answers "$port" && { started=yes; break; }
    sleep 0.05
  done
  [ -n "$started" ] && break
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=''
done
[ -n "$started" ] || { echo "FAIL: the $kind server did not start on any of 10 ports"; exit 1; }

check_json() {  # FILE MIN_CALLS
  python3 - "$1" "$2" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["calls"] >= int(sys.argv[2]), j
assert j["errors"] == 0 and j["errors_by_kind"] == {}, j
assert j["calls_per_s"] > 0 and j["seconds"] > 0.5, j
lat = j["latency_us"]
assert 0 < lat["p50"] <= lat["p90"] <= lat["p99"] <= lat["p999"] <= lat["p9999"] <= lat["max"], lat
assert j["bytes_sent"] > 0 and j["bytes_received"] > 0 and j["cpu_ns_per_call"] > 0, j
PY
}

run() {  # NAME ARGS...
  local name=$1; shift
  "$load" --target "tcp://127.0.0.1:$port" --duration 1 --warmup 0.2 --quiet --json "$work/$name.json" "$@" \
    >"$work/$name.out" || { cat "$work/$name.out"; echo "FAIL: $name exited $?"; exit 1; }
  grep -q '^# measuring$' "$work/$name.out"
  grep -qE '^calls=[1-9][0-9]* seconds=.* errors=0 cpu_ns_per_call=' "$work/$name.out"
  check_json "$work/$name.json" 100 || { echo "FAIL: $name JSON"; cat "$work/$name.json"; exit 1; }
  echo "ok: $name ($(grep -o 'calls_per_s=[0-9]*' "$work/$name.out"))"
}

run null --conns 4 --depth 8 --threads 2 --histogram "$work/h.txt" --plot "$work/p.png"
grep -q 'Value.*Percentile.*TotalCount' "$work/h.txt"
test -s "$work/p.png.dat" && test -s "$work/p.png.gp"
run echo --proc 1 --args opaque:1024:random --check echo --conns 2 --depth 4
run sum --proc 2 --args ints:64 --check sum --conns 2 --depth 4 --auth sys
run open --rate 2000 --conns 2
python3 -c "import json,sys; j=json.load(open('$work/open.json')); assert j['mode']=='open' and abs(j['calls']-2000)<=20, j"
[ "$kind" = nelson ] && run udp --conns 2 --depth 4 --target "udp://127.0.0.1:$port"

# A wrong check is an error, and the exit status says so.
if "$load" --target "tcp://127.0.0.1:$port" --proc 2 --args opaque:8 --duration 0.3 --warmup 0 --quiet >/dev/null; then
  echo "FAIL: GARBAGE_ARGS did not make nelson-load fail"; exit 1
fi
# --json - owns stdout.
"$load" --target "tcp://127.0.0.1:$port" --calls 200 --warmup 0 --json - 2>/dev/null | python3 -c "import json,sys; assert json.load(sys.stdin)['calls']==200"
echo "PASS: nelson-load against $kind"
