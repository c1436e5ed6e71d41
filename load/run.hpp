// load::run — the load generator's engine: T threads, each with its own core::Loop, its share of
// the connections (client::Client) and its own Histogram, merged at the end.
//
//   load::RunInput in{.options = o, .endpoint = ep, .args = prepared};
//   load::RunResults r = load::run(in, [](const load::ProgressSample& s) { print(s); });
//
//   closed loop (--conns C --depth D): each connection keeps D calls in flight and sends the
//     next as soon as one is answered; latency from the actual send.
//   open loop (--rate R): connection i of C sends at R/C calls/s on its own Schedule, offset
//     i/R from the others so the calls are evenly spread; latency from the *intended* send
//     time. A call beyond the in-flight cap waits in the generator with its clock running.
//
// Nothing is shared between threads during the run except a few atomics and, four times a
// second, a copy of each thread's histogram for the progress line.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "client/error.hpp"
#include "core/address.hpp"
#include "load/args.hpp"
#include "load/histogram.hpp"
#include "load/options.hpp"

namespace nelson::load {

/// Failures by kind: client::Errc values (ok unused), then a failed --check.
inline constexpr std::size_t kBadResult = static_cast<std::size_t>(client::Errc::cant_decode_reply) + 1;
inline constexpr std::size_t kErrorKinds = kBadResult + 1;
using ErrorCounts = std::array<std::uint64_t, kErrorKinds>;
/// "timed_out", ..., "bad_result".
[[nodiscard]] std::string_view error_kind_name(std::size_t kind) noexcept;

struct RunInput {
  const Options& options;
  core::Endpoint endpoint;
  const PreparedArgs& args;
};

/// What the per-second progress line shows.
struct ProgressSample {
  double elapsed_s = 0;     // since the start, warm-up included
  bool measuring = false;   // warm-up over
  std::uint64_t calls = 0;  // answered (ok) since the last sample
  double interval_s = 0;
  std::uint64_t p99_ns = 0;  // so far, over the measured part
  std::uint64_t errors = 0;  // so far, over the measured part
};

struct RunResults {
  Histogram latency;  // ns, measured calls that succeeded
  std::uint64_t ok = 0;
  ErrorCounts errors{};
  std::uint64_t bytes_sent = 0;      // through the sockets during the measurement (record marks,
  std::uint64_t bytes_received = 0;  // headers, arguments, results)
  double seconds = 0;                // the measured interval
  double cpu_user_s = 0;             // the generator process over that interval
  double cpu_sys_s = 0;
  // Open loop.
  std::uint64_t intended = 0;  // calls whose intended time fell in the measured interval
  std::uint64_t sent = 0;      // ... of which were sent before the end
  std::string setup_error;     // the run could not start (loop or connection)

  [[nodiscard]] std::uint64_t error_total() const noexcept;
  [[nodiscard]] double calls_per_s() const noexcept { return seconds > 0 ? static_cast<double>(ok) / seconds : 0; }
  [[nodiscard]] double cpu_s() const noexcept { return cpu_user_s + cpu_sys_s; }
  /// Generator CPU time per answered call, in ns (0 without calls).
  [[nodiscard]] double cpu_ns_per_call() const noexcept;
};

using ProgressFn = std::function<void(const ProgressSample&)>;

/// Runs the load to completion (blocking). `progress` (may be empty) is called about once a
/// second from the calling thread; `on_measuring` when the warm-up ends.
RunResults run(const RunInput& input, const ProgressFn& progress = {}, const std::function<void()>& on_measuring = {});

}  // namespace nelson::load
