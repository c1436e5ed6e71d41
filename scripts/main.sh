#!/usr/bin/env bash
# The main job: install what is missing, build the release preset, then dynamic binding end to
# end: nelson-rpcbind (port 111, or its own port when 111 is taken), nelson-bench-server
# registering with it, nelson-load finding the server through it (bench/run_rpcbind_demo.sh), and
# nelson-rpcbind against the system's rpcbind under the same load (bench/run_rpcbind_bench.sh).
# Then start each ONC RPC
# server built from examples/bench.x (nelson on epoll and io_uring, the libtirpc baseline, the
# bare-epoll floor) and drive it with nelson-load, pinned to separate cores: a table of calls/s,
# server CPU per call and latency percentiles (bench/run_rpc_bench.sh). Then the client side on
# one connection: nelson-load against the libtirpc client loop (bench/run_client_bench.sh). Then
# the XDR codec against libtirpc, and nelson-gen's generated codecs against rpcgen's C
# (bench/gen_bench.cpp). DURATION (seconds per run, default 2) and ROUNDS (runs per
# figure, medians; default 1 for the server table, at least 3 for the client table) apply to both.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release
export DURATION=${DURATION:-2} ROUNDS=${ROUNDS:-1}
echo "== dynamic binding: nelson-rpcbind, nelson-bench-server registered with it, nelson-load finding it by program number"
bash bench/run_rpcbind_demo.sh build/release
echo
echo "== portmapper under load: nelson-rpcbind vs the system's rpcbind (GETADDR, GETPORT; 100 registrations)"
bash bench/run_rpcbind_bench.sh build/release
echo
echo "== ONC RPC servers under the same load (nelson-load): nelson vs libtirpc vs the kernel-only floor"
LOAD=nelson-load bash bench/run_rpc_bench.sh build/release 2>/dev/null
echo
echo "== client side: nelson-load vs the libtirpc client loop, one connection, against nelson-bench-server (epoll)"
# Short (three runs a round) and its ping-pong figures swing with the machine: 3 rounds at least.
ROUNDS=$((ROUNDS > 3 ? ROUNDS : 3)) bash bench/run_client_bench.sh build/release 2>/dev/null
echo
# Pin to one core where possible: the machines are shared and small, and pinning steadies runs.
pin=()
if command -v taskset >/dev/null && [ "$(nproc)" -gt 1 ]; then pin=(taskset -c 1); fi
echo "== XDR codec: nelson vs libtirpc vs memcpy"
"${pin[@]}" build/release/bench/nelson-bench-xdr --benchmark_repetitions=3 --benchmark_enable_random_interleaving=true \
  --benchmark_report_aggregates_only=true --benchmark_display_aggregates_only=true
echo
# About 10 s. x_rpcgen: how many times less CPU per reply nelson's generated code takes (not interleaved,
# so that each nelson row's ratio uses the rpcgen run just before it).
echo "== generated code: nelson-gen (view mode) vs rpcgen's C, NFSv3 READDIR (100 entries) and READ (32 KiB) replies"
"${pin[@]}" build/release/bench/nelson-bench-gen --benchmark_repetitions=3 --benchmark_min_time=0.1 \
  --benchmark_report_aggregates_only=true --benchmark_display_aggregates_only=true 2>&1 | grep -E '^(BM_|---|Bench)' |
  grep -vE '_(mean|stddev|cv)'
