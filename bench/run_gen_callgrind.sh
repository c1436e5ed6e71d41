#!/usr/bin/env bash
# run_gen_callgrind.sh — instructions (Ir) per operation of nelson-bench-gen's cases, counted by
# valgrind's callgrind: exact and repeatable where timings on a shared machine are not.
#
#   bash bench/run_gen_callgrind.sh                 # build/release, every case, both sides
#   N=500 bash bench/run_gen_callgrind.sh build/release Readdir100_DecEnc
#
# Each operation runs N and 2N times (nelson-bench-gen --repeat); the figure is the marginal
# cost (Ir_2N - Ir_N) / N, from which start-up, building the replies and the checks cancel out.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
shift || true
cases=("$@")
((${#cases[@]})) || cases=(Readdir100_DecEnc Readdir100_Decode Readdir100_Encode Read32K_DecEnc Read32K_Decode Read32K_Encode)
n=${N:-1000}
bin=$build/bench/nelson-bench-gen
command -v valgrind >/dev/null || { echo "valgrind is not installed (Debian: apt-get install valgrind)"; exit 77; }
[ -x "$bin" ] || { echo "$bin is missing: cmake --build --preset release --target nelson-bench-gen"; exit 1; }

ir() {  # total Ir of one run
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" --repeat "$1" "$2" 2>&1 |
    sed -nE 's/.*Collected : ([0-9]+).*/\1/p'
}

printf '%-20s %14s %14s %9s\n' case "rpcgen Ir/op" "nelson Ir/op" rpcgen/nelson
for c in "${cases[@]}"; do
  declare -A per_op=()
  for impl in rpcgen nelson; do
    a=$(ir "$c/$impl" "$n")
    b=$(ir "$c/$impl" $((2 * n)))
    per_op[$impl]=$(((b - a) / n))
  done
  printf '%-20s %14d %14d %8.1fx\n' "$c" "${per_op[rpcgen]}" "${per_op[nelson]}" \
    "$(echo "${per_op[rpcgen]} / ${per_op[nelson]}" | bc -l)"
done
