#include "core/timer.hpp"

namespace nelson::core {

void Timer::arm_at(TimePoint deadline) noexcept {
  cancel();
  deadline_ = deadline;
  queue_->insert(this);
}

void Timer::arm_after(Clock::duration delay) noexcept { arm_at(queue_->now() + delay); }

void Timer::cancel() noexcept {
  if (armed()) queue_->remove(this);
}

TimePoint TimerQueue::next_deadline() const noexcept {
  return heap_.empty() ? TimePoint::max() : heap_.front()->deadline_;
}

bool TimerQueue::before(const Timer* a, const Timer* b) noexcept {
  return a->deadline_ < b->deadline_ || (a->deadline_ == b->deadline_ && a->sequence_ < b->sequence_);
}

void TimerQueue::insert(Timer* t) noexcept {
  t->sequence_ = next_sequence_++;
  heap_.push_back(t);
  t->index_ = heap_.size() - 1;
  sift_up(t->index_);
}

void TimerQueue::remove(Timer* t) noexcept {
  const std::size_t i = t->index_;
  t->index_ = Timer::kNotArmed;
  Timer* last = heap_.back();
  heap_.pop_back();
  if (last == t) return;
  place(i, last);
  sift_up(i);
  sift_down(last->index_);
}

void TimerQueue::sift_up(std::size_t i) noexcept {
  Timer* t = heap_[i];
  while (i > 0) {
    const std::size_t parent = (i - 1) / 2;
    if (!before(t, heap_[parent])) break;
    place(i, heap_[parent]);
    i = parent;
  }
  place(i, t);
}

void TimerQueue::sift_down(std::size_t i) noexcept {
  Timer* t = heap_[i];
  const std::size_t n = heap_.size();
  for (;;) {
    std::size_t child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && before(heap_[child + 1], heap_[child])) ++child;
    if (!before(heap_[child], t)) break;
    place(i, heap_[child]);
    i = child;
  }
  place(i, t);
}

std::size_t TimerQueue::run_expired() {
  // Only timers armed before this pass fire in it (see the header).
  const std::uint64_t pass_limit = next_sequence_;
  std::size_t fired = 0;
  while (!heap_.empty()) {
    Timer* t = heap_.front();
    if (t->deadline_ > now_ || t->sequence_ >= pass_limit) break;
    remove(t);
    ++fired;
    t->callback_();  // may cancel or re-arm any timer, this one included
  }
  return fired;
}

}  // namespace nelson::core
