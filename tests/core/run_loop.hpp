// Driving a loop from a test without ever waiting unboundedly: a hang fails the test, not CI.
#pragma once

#include <chrono>
#include <cstdint>

#include "core/loop.hpp"

namespace nelson::core::test {

/// Runs iterations until `done()` or `limit` of wall time; false on the deadline.
template <class Pred>
bool run_until(Loop& loop, Pred done, std::chrono::milliseconds limit = std::chrono::milliseconds(10000)) {
  const auto deadline = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() > deadline) return false;
    loop.run_once(std::chrono::milliseconds(10));
  }
  return true;
}

/// Runs iterations for `duration` of wall time; returns how many ran.
inline std::uint64_t run_for(Loop& loop, std::chrono::milliseconds duration) {
  const std::uint64_t before = loop.stats().iterations;
  const auto end = Clock::now() + duration;
  while (Clock::now() < end) loop.run_once(std::chrono::milliseconds(5));
  return loop.stats().iterations - before;
}

}  // namespace nelson::core::test
