#!/usr/bin/env bash
# The whole test suite, as CI runs it: install what is missing, check formatting, build every
# configuration with warnings as errors, fuzz the decoder for a bounded time, check the NEON
# kernels under emulation, and run the GoogleTest suite under ASan+UBSan (last, so that its
# summary closes the output).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

bash scripts/setup.sh

echo "== format ($(date +%T))"
bash scripts/check-format.sh

echo "== clang-tidy ($(date +%T))"
bash scripts/check-tidy.sh

echo "== release build (benchmarks included), warnings as errors ($(date +%T))"
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"
# Each benchmark first checks nelson's bytes against libtirpc's and reports a mismatch as an
# error (Google Benchmark still exits 0): a quick pass runs those checks.
bench_out=$(build/release/bench/nelson-bench-xdr --benchmark_min_time=0.001 2>&1)
if grep -q "ERROR OCCURRED" <<<"$bench_out"; then
  grep "ERROR OCCURRED" <<<"$bench_out"
  exit 1
fi
# nelson-bench-gen checks, before timing anything, that nelson-gen's and rpcgen's codecs agree byte
# for byte and that the decoded opaque is a view into the input; it exits 1 otherwise.
build/release/bench/nelson-bench-gen --benchmark_list_tests=true >/dev/null
ctest --preset release -j "$jobs" --output-on-failure | tail -n 3

echo "== fuzz the XDR decoder, the record reader and the server (${NELSON_FUZZ_SECONDS:-60} s) ($(date +%T))"
bash scripts/fuzz.sh "${NELSON_FUZZ_SECONDS:-60}"

echo "== NEON kernels, cross-compiled and run under qemu-aarch64 ($(date +%T))"
bash scripts/check-neon.sh

echo "== debug build with AddressSanitizer + UndefinedBehaviorSanitizer ($(date +%T))"
cmake --preset debug >/dev/null
cmake --build --preset debug -j "$jobs"
log=build/debug/ctest.log
set +e
ctest --preset debug -j "$jobs" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One closing line with the counts (skipped: backends this machine cannot run, e.g. kqueue).
total=$(sed -nE 's/.*tests failed out of ([0-9]+).*/\1/p' "$log" | tail -n 1)
failed=$(sed -nE 's/.* ([0-9]+) tests failed out of.*/\1/p' "$log" | tail -n 1)
skipped=$(grep -c '(Skipped)' "$log" || true)
echo "tests: $((${total:-0} - ${failed:-0} - skipped)) passed, ${failed:-0} failed, $skipped skipped"
exit "$status"
