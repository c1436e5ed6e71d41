#!/usr/bin/env bash
# The main job: install what is missing, build the release preset, then start each ONC RPC
# server built from examples/bench.x (nelson on epoll and io_uring, the libtirpc baseline, the
# bare-epoll floor) and drive it with the load generator, pinned to separate cores: a table of
# calls/s, server CPU per call and latency percentiles. Then the XDR codec against libtirpc.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release
echo "== ONC RPC servers under the same load: nelson vs libtirpc vs the kernel-only floor"
DURATION=${DURATION:-2} ROUNDS=${ROUNDS:-1} bash bench/run_rpc_bench.sh build/release 2>/dev/null
echo
# Pin to one core where possible: the machines are shared and small, and pinning steadies runs.
pin=()
if command -v taskset >/dev/null && [ "$(nproc)" -gt 1 ]; then pin=(taskset -c 1); fi
echo "== XDR codec: nelson vs libtirpc vs memcpy"
"${pin[@]}" build/release/bench/nelson-bench-xdr --benchmark_repetitions=3 --benchmark_enable_random_interleaving=true \
  --benchmark_report_aggregates_only=true --benchmark_display_aggregates_only=true
