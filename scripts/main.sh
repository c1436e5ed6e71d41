#!/usr/bin/env bash
# The main job: install what is missing, build the release preset, run the benchmark and
# print its table. (Until the server and load generator exist, the main job is the XDR codec
# against libtirpc and memcpy; later it starts a server and drives it with nelson-load.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release
bench=build/release/bench/nelson-bench-xdr
# Pin to one core where possible: the machines are shared and small, and pinning steadies runs.
pin=()
if command -v taskset >/dev/null && [ "$(nproc)" -gt 1 ]; then pin=(taskset -c 1); fi
"${pin[@]}" "$bench" --benchmark_repetitions=3 --benchmark_enable_random_interleaving=true "$@"
