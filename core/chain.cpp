#include "core/chain.hpp"

#include <algorithm>
#include <cstring>

namespace nelson::core {

void Chain::append(Chain&& other) {
  for (Slice& s : std::span(other.slices_).subspan(other.head_)) {
    if (s.length == 0) continue;
    if (slice_count() != 0) {
      Slice& last = slices_.back();
      if (last.slab.get() == s.slab.get() && last.offset + last.length == s.offset) {
        last.length += s.length;  // contiguous in the same slab: one slice (s's reference goes)
        size_ += s.length;
        tail_end_ = std::max<std::size_t>(tail_end_, std::size_t{last.offset} + last.length);
        continue;
      }
    }
    append(std::move(s));
  }
  other.clear();
}

bool Chain::append_copy(std::span<const std::byte> bytes, SlabPool& pool) {
  // Free room at the end of the last slab, usable only when no one else can see that slab.
  std::size_t tail_room = 0;
  if (slice_count() != 0 && slices_.back().slab.unique()) {
    const Slice& last = slices_.back();
    tail_room = last.slab->capacity() - (last.offset + last.length);
  }
  const std::size_t old_slices = slices_.size();
  const std::size_t old_size = size_;
  const std::size_t into_tail = std::min(tail_room, bytes.size());
  if (into_tail != 0) {
    Slice& last = slices_.back();
    std::memcpy(last.slab->data() + last.offset + last.length, bytes.data(), into_tail);
    last.length += static_cast<std::uint32_t>(into_tail);
    size_ += into_tail;
    tail_end_ = std::max<std::size_t>(tail_end_, std::size_t{last.offset} + last.length);
  }
  std::size_t done = into_tail;
  while (done < bytes.size()) {
    SlabRef slab = pool.acquire();
    if (!slab) {  // undo: all or nothing (the bytes copied into the old tail are left unused)
      if (into_tail != 0) slices_[old_slices - 1].length -= static_cast<std::uint32_t>(into_tail);
      slices_.resize(old_slices);
      size_ = old_size;
      return false;
    }
    const std::size_t n = std::min(bytes.size() - done, slab->capacity());
    std::memcpy(slab->data(), bytes.data() + done, n);
    append(Slice{std::move(slab), 0, static_cast<std::uint32_t>(n)});
    done += n;
  }
  pool.count_copied(bytes.size());
  return true;
}

std::span<std::byte> Chain::reserve_fresh_tail(SlabPool& pool, std::size_t min) {
  SlabRef slab = pool.acquire();
  if (!slab || slab->capacity() < min) return {};
  const std::span<std::byte> room{slab->data(), slab->capacity()};
  slices_.push_back(Slice{std::move(slab), 0, 0});
  tail_run_ = 1;
  tail_end_ = 0;
  return room;
}

void Chain::commit_tail_slice(std::size_t n) {
  SlabRef slab = slices_.back().slab;  // copied before push_back may move the vector
  slices_.push_back(Slice{std::move(slab), static_cast<std::uint32_t>(tail_end_), static_cast<std::uint32_t>(n)});
  ++tail_run_;
  size_ += n;
  tail_end_ += n;
}

std::size_t Chain::fill_iovecs(iovec* out, std::size_t max) const noexcept {
  std::size_t n = 0;
  for (const Slice& s : slices()) {
    if (n == max) break;
    out[n].iov_base = const_cast<std::byte*>(s.data());
    out[n].iov_len = s.length;
    ++n;
  }
  return n;
}

void Chain::consume_slices(std::size_t n) noexcept {
  n = std::min(n, size_);
  size_ -= n;
  while (n != 0) {
    Slice& front = slices_[head_];
    if (n < front.length) {
      front.offset += static_cast<std::uint32_t>(n);
      front.length -= static_cast<std::uint32_t>(n);
      break;
    }
    n -= front.length;
    front.slab.reset();
    ++head_;
  }
  if (head_ == slices_.size()) {
    slices_.clear();
    head_ = 0;
  } else if (head_ > 32 && head_ * 2 > slices_.size()) {
    slices_.erase(slices_.begin(), slices_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
}

void Chain::clear() noexcept {
  slices_.clear();
  head_ = 0;
  size_ = 0;
  tail_run_ = 0;
  tail_end_ = 0;
}

}  // namespace nelson::core
