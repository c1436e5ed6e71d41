// The benchmark service of examples/bench.x (BENCHPROG 0x20000099, version 1) on server/.
// Hand-written XDR glue until nelson-gen (issue 6) generates it from bench.x.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "server/server.hpp"

namespace nelson::examples {

inline constexpr std::uint32_t kBenchProg = 0x20000099;
inline constexpr std::uint32_t kBenchVers = 1;
inline constexpr std::uint32_t kBenchNull = 0;
inline constexpr std::uint32_t kBenchEcho = 1;
inline constexpr std::uint32_t kBenchSum = 2;

struct BenchServiceOptions {
  /// Procedures (ECHO, SUM) to serve at most once through the duplicate-request cache.
  std::vector<std::uint32_t> at_most_once;
  /// Answer ECHO and SUM asynchronously after this delay (0: synchronously). For tests of
  /// asynchronous replies, deadlines and draining.
  std::chrono::milliseconds async_delay{0};
};

/// Registers BENCH_NULL, BENCH_ECHO and BENCH_SUM on `server`.
void register_bench_service(server::Server& server, const BenchServiceOptions& options = {});

}  // namespace nelson::examples
