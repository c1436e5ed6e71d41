// Timers on the monotonic clock: a binary min-heap of intrusive Timer objects.
//
//   Timer deadline(loop.timers(), [&] { expire(call); });   // the callback is set once
//   deadline.arm_after(std::chrono::seconds(30));             // O(log n), no allocation
//   deadline.cancel();                                        // O(log n); safe anywhere
//
// A Timer lives where its user keeps it (inside a call, a connection), so arming and
// cancelling never allocate: RPC deadlines are armed per call and almost always cancelled.
// Equal deadlines fire in the order they were armed. A callback may cancel or re-arm any
// timer, itself included, and destroy any other (its own Timer must outlive the call: close
// the owner through the loop's deferred close instead). A timer armed while timers are firing waits for the next pass
// even if already due, so a callback that re-arms with zero delay cannot starve the loop.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace nelson::core {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

class TimerQueue;

class Timer {
 public:
  Timer(TimerQueue& queue, std::function<void()> callback) : queue_(&queue), callback_(std::move(callback)) {}
  ~Timer() { cancel(); }
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  /// Fires at `deadline` (re-arms if already armed).
  void arm_at(TimePoint deadline) noexcept;
  /// Fires `delay` after the queue's current time: the loop's "now", read once per iteration.
  /// Code running outside the loop (set-up before run()) should call update_now() first.
  void arm_after(Clock::duration delay) noexcept;
  /// Stops it from firing; does nothing when it is not armed.
  void cancel() noexcept;
  [[nodiscard]] bool armed() const noexcept { return index_ != kNotArmed; }
  [[nodiscard]] TimePoint deadline() const noexcept { return deadline_; }

 private:
  friend class TimerQueue;
  static constexpr std::size_t kNotArmed = SIZE_MAX;

  TimerQueue* queue_;
  std::function<void()> callback_;
  TimePoint deadline_{};
  std::uint64_t sequence_ = 0;  // order of arming: FIFO among equal deadlines
  std::size_t index_ = kNotArmed;
};

class TimerQueue {
 public:
  TimerQueue() = default;
  TimerQueue(const TimerQueue&) = delete;
  TimerQueue& operator=(const TimerQueue&) = delete;

  /// The loop's notion of now: read once per iteration (update_now), not per timer.
  [[nodiscard]] TimePoint now() const noexcept { return now_; }
  void update_now() noexcept { now_ = Clock::now(); }

  /// The earliest deadline, or TimePoint::max() when nothing is armed.
  [[nodiscard]] TimePoint next_deadline() const noexcept;
  /// Fires every timer due at now(); returns how many fired.
  std::size_t run_expired();
  [[nodiscard]] std::size_t size() const noexcept { return heap_.size(); }

 private:
  friend class Timer;
  void insert(Timer* t) noexcept;
  void remove(Timer* t) noexcept;
  [[nodiscard]] static bool before(const Timer* a, const Timer* b) noexcept;
  void sift_up(std::size_t i) noexcept;
  void sift_down(std::size_t i) noexcept;
  void place(std::size_t i, Timer* t) noexcept {
    heap_[i] = t;
    t->index_ = i;
  }

  std::vector<Timer*> heap_;
  TimePoint now_ = Clock::now();
  std::uint64_t next_sequence_ = 0;
};

}  // namespace nelson::core
