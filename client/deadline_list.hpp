// client::DeadlineList — the calls of one connection in deadline order, for one shared timer.
//
//   list.insert(call);                 // O(1) when deadlines come in order (one timeout for all)
//   list.remove(call);                 // O(1): the reply came
//   while (T* t = list.front(); t != nullptr && t->deadline <= now) expire(t);
//
// A timer per call costs a heap insert and a heap removal per call (a third of a load
// generator's client-side work, measured); nearly every call is answered long before its
// deadline, so the client keeps its calls in an intrusive list sorted by deadline and arms one
// timer for the earliest. Calls made with the same timeout arrive in deadline order and are
// appended; a shorter timeout than the last call's walks back from the tail to its place.
// T provides `core::TimePoint deadline` and `T* deadline_prev`, `T* deadline_next`.
#pragma once

namespace nelson::client {

template <class T>
class DeadlineList {
 public:
  [[nodiscard]] T* front() const noexcept { return head_; }
  [[nodiscard]] bool empty() const noexcept { return head_ == nullptr; }
  [[nodiscard]] static bool linked(const T* t) noexcept { return t->deadline_linked; }

  /// Inserts `t` after every element whose deadline is not later (equal deadlines keep their
  /// insertion order).
  void insert(T* t) noexcept {
    T* after = tail_;
    while (after != nullptr && t->deadline < after->deadline) after = after->deadline_prev;
    t->deadline_prev = after;
    t->deadline_next = after != nullptr ? after->deadline_next : head_;
    if (t->deadline_next != nullptr) {
      t->deadline_next->deadline_prev = t;
    } else {
      tail_ = t;
    }
    if (after != nullptr) {
      after->deadline_next = t;
    } else {
      head_ = t;
    }
    t->deadline_linked = true;
  }

  void remove(T* t) noexcept {
    if (t->deadline_prev != nullptr) {
      t->deadline_prev->deadline_next = t->deadline_next;
    } else {
      head_ = t->deadline_next;
    }
    if (t->deadline_next != nullptr) {
      t->deadline_next->deadline_prev = t->deadline_prev;
    } else {
      tail_ = t->deadline_prev;
    }
    t->deadline_prev = nullptr;
    t->deadline_next = nullptr;
    t->deadline_linked = false;
  }

 private:
  T* head_ = nullptr;
  T* tail_ = nullptr;
};

}  // namespace nelson::client
