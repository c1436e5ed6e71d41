// The benchmark service of examples/bench.x (BENCHPROG 0x20000099, version 1) on server/,
// built on the skeleton nelson-gen writes from bench.x (bench.hpp, namespace
// nelson::examples::bench; opaque<> as views, so ECHO answers without copying).
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "bench.hpp"
#include "server/server.hpp"

namespace nelson::examples {

inline constexpr std::uint32_t kBenchProg = bench::BENCHPROG;
inline constexpr std::uint32_t kBenchVers = bench::BENCHVERS;
inline constexpr std::uint32_t kBenchNull = bench::BENCH_NULL;
inline constexpr std::uint32_t kBenchEcho = bench::BENCH_ECHO;
inline constexpr std::uint32_t kBenchSum = bench::BENCH_SUM;

struct BenchServiceOptions {
  /// Procedures (ECHO, SUM) to serve at most once through the duplicate-request cache.
  std::vector<std::uint32_t> at_most_once;
  /// Answer ECHO and SUM asynchronously after this delay (0: synchronously). For tests of
  /// asynchronous replies, deadlines and draining.
  std::chrono::milliseconds async_delay{0};
};

/// Registers BENCH_NULL, BENCH_ECHO and BENCH_SUM on `server` (which keeps the service alive).
/// False if the server refused one.
bool register_bench_service(server::Server& server, const BenchServiceOptions& options = {});

}  // namespace nelson::examples
