#!/usr/bin/env bash
# Runs clang-tidy (.clang-tidy: bug-finding checks and naming, warnings are errors) over the
# library sources, using the compile commands of a tidy-only configuration.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build/tidy -G Ninja -DNELSON_BUILD_TESTS=OFF -DNELSON_BUILD_BENCH=OFF >/dev/null
# Sources include the C++ nelson-gen writes from contracts (examples/bench.x, rpcbind/rpcb_prot.x):
# generate it first.
cmake --build build/tidy -j "$(nproc)" --target examples/nelson_bench_service_nelson_gen/bench.hpp \
  rpcbind/nelson_rpcbind_nelson_gen/rpcb_prot.hpp >/dev/null
mapfile -t files < <(git ls-files -co --exclude-standard -- 'xdr/*.cpp' 'core/*.cpp' 'rpc/*.cpp' 'server/*.cpp' 'client/*.cpp' 'load/*.cpp' 'gen/*.cpp' 'examples/*.cpp' 'rpcbind/*.cpp' | grep -vE '/(neon|kqueue_poller)\.cpp$')
status=0
# Four files per clang-tidy process, one process per core: the pass is CPU-bound.
out=$(printf '%s\n' "${files[@]}" | xargs -P "$(nproc)" -n 4 clang-tidy -p build/tidy --quiet 2>&1) || status=$?
printf '%s\n' "$out" | grep -vE '^[0-9]+ warnings generated\.$' || true
[ "$status" -eq 0 ] || { echo "tidy: failed"; exit "$status"; }
echo "tidy: ${#files[@]} files clean"
