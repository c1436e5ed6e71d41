// client::PendingTable — calls in flight, found by xid: a flat open-addressing table with linear
// probing and backward-shift deletion (no tombstones, no map on the hot path).
//
// Xids come from a per-client counter, so the calls in flight have nearly consecutive xids. Their
// home slot is a Fibonacci hash of the xid, not `xid & mask`: consecutive xids at consecutive
// homes form one cluster as long as the calls in flight, and a backward-shift erase walks to the
// end of its cluster — 64 slots per reply at 64 calls in flight (10% of nelson-load's CPU time).
// Hashed, clusters stay a few slots long at the table's load, which grows to keep it at or below
// one half.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace nelson::client {

/// T needs a public `std::uint32_t xid`. The table holds pointers; it owns nothing.
template <class T>
class PendingTable {
 public:
  explicit PendingTable(std::size_t initial_capacity = 64) {
    slots_.resize(round_up(initial_capacity), nullptr);
    bits_ = static_cast<unsigned>(std::countr_zero(slots_.size()));
  }

  [[nodiscard]] T* find(std::uint32_t xid) const noexcept {
    for (std::size_t i = home(xid);; i = (i + 1) & mask()) {
      T* t = slots_[i];
      if (t == nullptr) return nullptr;
      if (t->xid == xid) return t;
    }
  }
  /// Adds `t` (its xid must not be in the table).
  void insert(T* t) {
    if (2 * (size_ + 1) > slots_.size()) grow();
    place(t);
    ++size_;
  }
  /// Removes the entry with `xid`; returns it, or null when absent.
  T* erase(std::uint32_t xid) noexcept {
    std::size_t i = home(xid);
    while (slots_[i] != nullptr && slots_[i]->xid != xid) i = (i + 1) & mask();
    T* found = slots_[i];
    if (found == nullptr) return nullptr;
    slots_[i] = nullptr;
    // Backward shift: move later entries of the probe run into the hole when their home slot
    // does not lie cyclically in (hole, j], so every entry stays reachable from its home.
    for (std::size_t j = (i + 1) & mask(); slots_[j] != nullptr; j = (j + 1) & mask()) {
      const std::size_t h = home(slots_[j]->xid);
      const bool stays = i <= j ? (h > i && h <= j) : (h > i || h <= j);
      if (stays) continue;
      slots_[i] = slots_[j];
      slots_[j] = nullptr;
      i = j;
    }
    --size_;
    return found;
  }
  /// Moves every entry into `out` (appended) and empties the table.
  void take_all(std::vector<T*>& out) {
    for (T*& t : slots_) {
      if (t != nullptr) out.push_back(t);
      t = nullptr;
    }
    size_ = 0;
  }
  /// Calls `fn(T*)` for every entry, in slot order (`fn` must not change the table).
  template <class Fn>
  void for_each(Fn&& fn) const {
    for (T* t : slots_) {
      if (t != nullptr) fn(t);
    }
  }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return slots_.size(); }

 private:
  static std::size_t round_up(std::size_t n) {
    std::size_t c = 8;
    while (c < n) c *= 2;
    return c;
  }
  [[nodiscard]] std::size_t mask() const noexcept { return slots_.size() - 1; }
  // Multiplies by 2^32 / golden ratio and keeps the top bits: neighbours land far apart.
  [[nodiscard]] std::size_t home(std::uint32_t xid) const noexcept {
    return static_cast<std::size_t>((xid * 0x9E3779B9U) >> (32U - bits_));
  }
  void place(T* t) noexcept {
    std::size_t i = home(t->xid);
    while (slots_[i] != nullptr) i = (i + 1) & mask();
    slots_[i] = t;
  }
  void grow() {
    std::vector<T*> old(slots_.size() * 2, nullptr);
    old.swap(slots_);
    ++bits_;
    for (T* t : old) {
      if (t != nullptr) place(t);
    }
  }

  std::vector<T*> slots_;
  unsigned bits_ = 0;  // slots_.size() == 2^bits_ (at least 8 slots, so the shift is below 32)
  std::size_t size_ = 0;
};

}  // namespace nelson::client
