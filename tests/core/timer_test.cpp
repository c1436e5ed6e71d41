// Timers: order, FIFO among equals, cancel and re-arm from inside callbacks.
#include "core/timer.hpp"

#include <gtest/gtest.h>
#include <memory>
#include <vector>

namespace nelson::core {
namespace {

using std::chrono::milliseconds;

TEST(Timers, FireInDeadlineOrderThenFifo) {
  TimerQueue q;
  std::vector<int> fired;
  Timer t3(q, [&] { fired.push_back(3); });
  Timer t1(q, [&] { fired.push_back(1); });
  Timer t2a(q, [&] { fired.push_back(20); });
  Timer t2b(q, [&] { fired.push_back(21); });
  const TimePoint base = q.now();
  t3.arm_at(base + milliseconds(3));
  t2a.arm_at(base + milliseconds(2));
  t1.arm_at(base + milliseconds(1));
  t2b.arm_at(base + milliseconds(2));
  EXPECT_EQ(q.next_deadline(), base + milliseconds(1));
  EXPECT_EQ(q.run_expired(), 0U);  // nothing is due at base
  while (q.size() != 0) {
    q.update_now();
    q.run_expired();
  }
  EXPECT_EQ(fired, (std::vector<int>{1, 20, 21, 3}));
}

TEST(Timers, CancelFromOwnAndOtherCallbacks) {
  TimerQueue q;
  std::vector<int> fired;
  std::unique_ptr<Timer> victim;
  Timer self(q, [&] {
    fired.push_back(1);
    victim->cancel();
  });
  Timer self_cancel(q, [&] { fired.push_back(2); });
  victim = std::make_unique<Timer>(q, [&] { fired.push_back(3); });
  const TimePoint due = q.now() - milliseconds(1);
  self.arm_at(due);
  victim->arm_at(due);
  self_cancel.arm_at(due + milliseconds(500));
  self_cancel.cancel();
  EXPECT_FALSE(self_cancel.armed());
  q.run_expired();
  EXPECT_EQ(fired, (std::vector<int>{1}));
  EXPECT_EQ(q.size(), 0U);
}

TEST(Timers, DestroyingAnotherTimerInACallbackIsSafe) {
  TimerQueue q;
  int fired = 0;
  auto other = std::make_unique<Timer>(q, [&] { fired += 100; });
  Timer killer(q, [&] {
    ++fired;
    other.reset();  // armed and due, destroyed before it fires
  });
  killer.arm_at(q.now());
  other->arm_at(q.now());
  q.run_expired();
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(q.size(), 0U);
}

TEST(Timers, RearmWithZeroDelayWaitsForTheNextPass) {
  TimerQueue q;
  int fired = 0;
  Timer* self = nullptr;
  Timer t(q, [&] {
    ++fired;
    self->arm_after(milliseconds(0));
  });
  self = &t;
  t.arm_after(milliseconds(0));
  EXPECT_EQ(q.run_expired(), 1U);
  EXPECT_EQ(q.run_expired(), 1U);
  EXPECT_EQ(fired, 2);
  EXPECT_TRUE(t.armed());
}

TEST(Timers, ManyArmAndCancelKeepTheHeapValid) {
  TimerQueue q;
  std::vector<std::unique_ptr<Timer>> timers;
  std::vector<int> fired;
  for (int i = 0; i < 1000; ++i) {
    timers.push_back(std::make_unique<Timer>(q, [&fired, i] { fired.push_back(i); }));
    timers.back()->arm_at(q.now() - milliseconds(1000 - (i * 7919) % 1000));
  }
  for (int i = 0; i < 1000; i += 3) timers[static_cast<std::size_t>(i)]->cancel();
  q.run_expired();
  EXPECT_EQ(fired.size(), 1000U - 334U);
  for (std::size_t i = 1; i < fired.size(); ++i) {
    const auto deadline = [&](int k) { return timers[static_cast<std::size_t>(k)]->deadline(); };
    EXPECT_LE(deadline(fired[i - 1]), deadline(fired[i]));
  }
}

}  // namespace
}  // namespace nelson::core
