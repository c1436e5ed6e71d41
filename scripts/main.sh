#!/usr/bin/env bash
# The main job: install what is missing, build the release preset, run the benchmarks and
# print their tables. Until the RPC server and nelson-load exist (issues 4 and 5), that is the
# XDR codec against libtirpc and memcpy, then the reactor's TCP echo per backend (a server
# loop and a client loop on two pinned cores); later it starts a server and drives it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release
# Pin to one core where possible: the machines are shared and small, and pinning steadies runs.
pin=()
if command -v taskset >/dev/null && [ "$(nproc)" -gt 1 ]; then pin=(taskset -c 1); fi
echo "== XDR codec: nelson vs libtirpc vs memcpy"
"${pin[@]}" build/release/bench/nelson-bench-xdr --benchmark_repetitions=3 --benchmark_enable_random_interleaving=true
echo
echo "== reactor: TCP echo over loopback per backend (server on CPU 0, client on CPU 1)"
build/release/bench/nelson-bench-echo --benchmark_repetitions=3 --benchmark_enable_random_interleaving=true \
  --benchmark_report_aggregates_only=true --benchmark_display_aggregates_only=true
