#!/usr/bin/env bash
# The perf/ scripts, end to end and briefly, against nelson-bench-server of the build under test:
#   perf_scripts_test.sh BUILD_DIR profile|syscalls|callgrind
# profile: a 1 s profile must give a non-empty folded-stacks file whose stacks pass through the
# server's loop, and a flame graph that is well-formed SVG with one titled rectangle per frame.
# syscalls: a per-call table with reads and writes, each between 0 and 2 per call.
# callgrind: run A and run B counted, Ir per call in a sane range; with an AddressSanitizer build,
# which valgrind cannot run, the script must refuse with exit 2 and say why.
# Exit 77 (skip) when the tool cannot run here (perf not permitted, valgrind missing).
set -euo pipefail
build=$1
mode=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Small and short: under ASan the server is several times slower, which is fine.
common=(--build "$build" --conns 4 --depth 8 --out "$tmp/out")

run() {  # the script's output goes to the test log; 77 becomes this test's skip
  local rc=0
  bash "$root/perf/$1" "${@:2}" >"$tmp/log" 2>&1 || rc=$?
  sed 's/^/  | /' "$tmp/log"
  if ((rc == 77)); then
    echo "SKIP: perf/$1 cannot run here"
    exit 77
  fi
  return "$rc"
}
fail() {
  echo "FAIL: $*"
  exit 1
}

for script in profile.sh syscalls.sh callgrind.sh; do
  help=$(bash "$root/perf/$script" --help) || fail "$script --help failed"
  [[ $help == *--conns* ]] || fail "$script --help does not list the options"
done
rc=0
bash "$root/perf/profile.sh" --no-such-option >/dev/null 2>&1 || rc=$?
((rc == 2)) || fail "an unknown option gave exit $rc, not 2"

case $mode in
  profile)
    run profile.sh "${common[@]}" --duration 1 --warmup 0.5 || fail "profile.sh failed"
    folded=$tmp/out/stacks.folded
    [[ -s $folded ]] || fail "no folded stacks"
    # Every line is "frames COUNT"; some stack goes through the server's event loop.
    awk 'NF < 2 || $NF !~ /^[0-9]+$/ { bad = 1 } END { exit bad }' "$folded" || fail "a malformed folded line"
    grep -q 'nelson::core::Loop::run' "$folded" || fail "no stack passes through nelson::core::Loop::run"
    python3 - "$tmp/out/flame.svg" "$folded" <<'EOF' || fail "flame.svg is not a valid flame graph"
import sys
import xml.etree.ElementTree as ET
ns = "{http://www.w3.org/2000/svg}"
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == ns + "svg", root.tag
groups = root.findall(ns + "g")
assert groups, "no frames"
for g in groups:
    assert g.find(ns + "title") is not None and g.find(ns + "rect") is not None
samples = sum(int(line.rsplit(" ", 1)[1]) for line in open(sys.argv[2]))
assert groups[0].find(ns + "title").text.startswith("all (%d samples" % samples), groups[0].find(ns + "title").text
print("flame.svg: %d frames, %d samples" % (len(groups), samples))
EOF
    grep -q '%' "$tmp/out/report.txt" || fail "report.txt has no symbols"
    ;;
  syscalls)
    run syscalls.sh "${common[@]}" --duration 1 --warmup 0.5 || fail "syscalls.sh failed"
    table=$tmp/out/syscalls.txt
    awk '$1 ~ /^(read|readv|recvfrom|recvmsg|io_uring_enter)$/ && $3 > 0 && $3 <= 2 { r = 1 }
         $1 ~ /^(write|writev|sendto|sendmsg|io_uring_enter)$/ && $3 > 0 && $3 <= 2 { w = 1 }
         $1 == "total" && $3 > 0 { t = 1 }
         END { exit !(r && w && t) }' "$table" || fail "the table lacks reads, writes or a total per call"
    ;;
  callgrind)
    syms=$(nm -D "$build/examples/nelson-bench-server" 2>/dev/null) || syms=''
    if [[ $syms == *' __asan_init'* ]]; then
      rc=0
      run callgrind.sh "${common[@]}" --duration 0.5 || rc=$?
      ((rc == 2)) || fail "an ASan server should be refused with exit 2, got $rc"
      grep -q 'AddressSanitizer' "$tmp/log" || fail "the refusal does not say why"
      echo "callgrind.sh refused the ASan build as it should (the release ctest runs it in full)"
    else
      run callgrind.sh "${common[@]}" --duration 0.5 || fail "callgrind.sh failed"
      # A NULL call costs the server some hundreds of instructions; 50 and 100000 are far outside.
      awk '/^marginal \(B - A\):/ { m = $4 } /^run B:/ { b = $(NF - 1) }
           END { exit !(b > 50 && b < 100000 && m > 0) }' "$tmp/out/result.txt" ||
        fail "implausible Ir per call"
      grep -q 'nelson::' "$tmp/out/annotate.txt" || fail "no nelson function among the top functions"
    fi
    ;;
  *) fail "unknown mode $mode" ;;
esac
echo "PASS: $mode"
