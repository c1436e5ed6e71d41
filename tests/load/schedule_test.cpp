// load::Schedule: the open loop's intended send times are evenly spaced from the first, do not
// drift with fractional periods, and due() counts exactly the calls whose time has come.
#include "load/schedule.hpp"

#include <gtest/gtest.h>

namespace nelson::load {
namespace {

using std::chrono::nanoseconds;

TEST(LoadSchedule, IntendedTimesAreEvenlySpaced) {
  const core::TimePoint t0{std::chrono::seconds(100)};
  const Schedule s(t0, 1e6);  // 1000 calls/s
  EXPECT_EQ(s.intended(0), t0);
  EXPECT_EQ(s.intended(1), t0 + nanoseconds(1'000'000));
  EXPECT_EQ(s.intended(1000), t0 + std::chrono::seconds(1));
}

TEST(LoadSchedule, FractionalPeriodsDoNotDrift) {
  const core::TimePoint t0{};
  const Schedule s(t0, 1e9 / 3.0);  // 3 calls/s: 333,333,333.33 ns apart
  EXPECT_EQ(s.intended(3), t0 + std::chrono::seconds(1));
  EXPECT_EQ(s.intended(3'000'000), t0 + std::chrono::seconds(1'000'000));
  EXPECT_EQ(s.intended(1), t0 + nanoseconds(333'333'333));
  EXPECT_EQ(s.intended(2), t0 + nanoseconds(666'666'667));
}

TEST(LoadSchedule, DueCountsCallsWhoseTimeHasCome) {
  const core::TimePoint t0{std::chrono::seconds(5)};
  const Schedule s(t0, 250'000);  // 4000 calls/s
  EXPECT_EQ(s.due(t0 - nanoseconds(1)), 0U);
  EXPECT_EQ(s.due(t0), 1U);
  EXPECT_EQ(s.due(t0 + nanoseconds(249'999)), 1U);
  EXPECT_EQ(s.due(t0 + nanoseconds(250'000)), 2U);
  EXPECT_EQ(s.due(t0 + std::chrono::seconds(1) - nanoseconds(1)), 4000U);
  EXPECT_EQ(s.due(t0 + std::chrono::seconds(1)), 4001U);
  // due() and intended() agree at every boundary of an awkward period.
  const Schedule odd(t0, 1e9 / 7777.0);
  for (std::uint64_t k = 0; k < 20000; k += 37) {
    EXPECT_EQ(odd.due(odd.intended(k)), k + 1);
    EXPECT_EQ(odd.due(odd.intended(k) - nanoseconds(1)), k);
  }
}

}  // namespace
}  // namespace nelson::load
