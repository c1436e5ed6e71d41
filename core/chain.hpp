// Slices and chains: how bytes travel between the reactor, the codec and the kernel.
//
//   slab A [#########.......]      slab B [####............]
//           ^off   ^len                    ^
//   Chain = { Slice(A, 0, 9), Slice(B, 0, 4) }  ->  iovec[2] for one writev()/sendmsg()
//
// A Slice is a window (offset, length) into a refcounted slab; copying a slice shares the
// slab. A Chain is an ordered list of slices that maps 1:1 onto an iovec array, and can drop
// bytes from its front after a partial write.
#pragma once

#include <sys/uio.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/slab.hpp"

namespace nelson::core {

struct Slice {
  SlabRef slab;
  std::uint32_t offset = 0;
  std::uint32_t length = 0;

  [[nodiscard]] const std::byte* data() const noexcept { return slab->data() + offset; }
  [[nodiscard]] std::span<const std::byte> bytes() const noexcept { return {data(), length}; }
};

class Chain {
 public:
  Chain() = default;

  /// Appends a slice (sharing its slab). Empty slices are dropped.
  void append(Slice slice) {
    if (slice.length == 0) return;
    size_ += slice.length;
    const std::size_t end = std::size_t{slice.offset} + slice.length;
    if (slice_count() != 0 && slices_.back().slab.get() == slice.slab.get()) {
      ++tail_run_;
      tail_end_ = std::max(tail_end_, end);
    } else {
      tail_run_ = 1;
      tail_end_ = end;
    }
    slices_.push_back(std::move(slice));
  }
  /// Appends a copy of `bytes`, filling the free tail of the last slab when this chain is its
  /// only user, then new slabs from `pool`. Returns false (appending nothing) when the pool
  /// cannot supply enough slabs.
  [[nodiscard]] bool append_copy(std::span<const std::byte> bytes, SlabPool& pool);
  /// Moves every slice of `other` to the end of this chain. A slice that continues the one
  /// before it in the same slab is merged into it (one iovec for many small records).
  void append(Chain&& other);

  /// Room to write at the end of the chain without a copy: the free tail of the last slab when
  /// this chain holds every reference to it, else a fresh slab from `pool` (kept as an empty
  /// slice). Empty when neither has `min` bytes. Write, then commit_tail() what was written.
  [[nodiscard]] std::span<std::byte> reserve_tail(SlabPool& pool, std::size_t min) {
    if (slice_count() != 0) {  // inline: once per reply
      const Slice& last = slices_.back();
      const std::size_t capacity = last.slab->capacity();
      if (last.slab->refs() == tail_run() && tail_end_ < capacity && capacity - tail_end_ >= min) {
        return {last.slab->data() + tail_end_, capacity - tail_end_};
      }
    }
    return reserve_fresh_tail(pool, min);
  }
  /// Appends the first `n` bytes of the room reserve_tail() returned (extending the last slice
  /// when it ends there).
  void commit_tail(std::size_t n) {
    if (n == 0) return;
    Slice& last = slices_.back();
    if (std::size_t{last.offset} + last.length != tail_end_) return commit_tail_slice(n);
    last.length += static_cast<std::uint32_t>(n);
    size_ += n;
    tail_end_ += n;
  }

  /// Fills up to `max` iovecs from the front; returns how many.
  std::size_t fill_iovecs(iovec* out, std::size_t max) const noexcept;
  /// Drops `n` bytes from the front (n <= size()), e.g. what a writev() wrote.
  void consume(std::size_t n) noexcept {
    if (slice_count() != 0) {  // inline: once per record read
      Slice& front = slices_[head_];
      if (n < front.length) {
        front.offset += static_cast<std::uint32_t>(n);
        front.length -= static_cast<std::uint32_t>(n);
        size_ -= n;
        return;
      }
      if (n == size_) {  // everything: one read's last record, one writev's whole output
        clear();
        return;
      }
    }
    consume_slices(n);
  }
  void clear() noexcept;

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] std::size_t slice_count() const noexcept { return slices_.size() - head_; }
  [[nodiscard]] std::span<const Slice> slices() const noexcept {
    return {slices_.data() + head_, slices_.size() - head_};
  }
  /// How many trailing slices share the last slice's slab, and the furthest byte of that slab
  /// they cover (an upper bound). Together with the slab's refcount they tell in O(1) whether
  /// the rest of the slab is free for this chain to append into.
  [[nodiscard]] std::size_t tail_run() const noexcept { return std::min(tail_run_, slice_count()); }
  [[nodiscard]] std::size_t tail_end() const noexcept { return tail_end_; }

 private:
  std::span<std::byte> reserve_fresh_tail(SlabPool& pool, std::size_t min);
  void commit_tail_slice(std::size_t n);
  void consume_slices(std::size_t n) noexcept;

  std::vector<Slice> slices_;
  std::size_t head_ = 0;  // slices before head_ were consumed; compacted lazily
  std::size_t size_ = 0;
  std::size_t tail_run_ = 0;
  std::size_t tail_end_ = 0;
};

}  // namespace nelson::core
