// load::Schedule — the intended send times of one connection of an open loop: evenly spaced,
// `period` apart from `first`, whatever the server does.
//
//   Schedule s(start + offset, std::chrono::nanoseconds(1'000'000'000 / per_conn_rate));
//   while (s.intended(next) <= now && in_flight < depth) send(next++, s.intended(next));
//
// A call's latency is counted from its intended time, not from when it actually left: when
// the server stalls (or the in-flight cap holds calls back), the calls that should have gone
// out meanwhile are late from the moment they were due, as their users would see. This is
// the coordinated-omission correction of wrk2.
#pragma once

#include <chrono>
#include <cmath>
#include <cstdint>

#include "core/timer.hpp"

namespace nelson::load {

class Schedule {
 public:
  /// `period_ns`: nanoseconds between intended sends (fractional periods do not drift).
  Schedule(core::TimePoint first, double period_ns) noexcept : first_(first), period_ns_(period_ns) {}

  /// When call `k` (0, 1, ...) is meant to leave.
  [[nodiscard]] core::TimePoint intended(std::uint64_t k) const noexcept {
    return first_ + std::chrono::nanoseconds(std::llround(static_cast<double>(k) * period_ns_));
  }
  /// How many calls are due at `now`: the number of k with intended(k) <= now.
  [[nodiscard]] std::uint64_t due(core::TimePoint now) const noexcept {
    if (now < first_) return 0;
    const auto elapsed = static_cast<double>(std::chrono::nanoseconds(now - first_).count());
    auto k = static_cast<std::uint64_t>(elapsed / period_ns_) + 1;
    // Rounding in intended() may put the boundary one call either way: settle it exactly.
    while (k > 0 && intended(k - 1) > now) --k;
    while (intended(k) <= now) ++k;
    return k;
  }
  [[nodiscard]] core::TimePoint first() const noexcept { return first_; }
  [[nodiscard]] double period_ns() const noexcept { return period_ns_; }

 private:
  core::TimePoint first_;
  double period_ns_;
};

}  // namespace nelson::load
