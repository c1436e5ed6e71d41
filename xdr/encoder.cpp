#include "xdr/encoder.hpp"

#include <algorithm>

namespace nelson::xdr {

void Encoder::fail(Errc code) noexcept {
  if (error_.code == Errc::ok) error_ = Error{code, size()};
  end_ = cur_;  // every later put takes the slow path and stops there
}

bool Encoder::grow(std::size_t n) noexcept {
  if (!ok()) return false;
  if (sink_ == nullptr) {
    fail(Errc::no_space);
    return false;
  }
  const std::size_t used = static_cast<std::size_t>(cur_ - begin_);
  std::span<std::byte> region = sink_->next_region(used, n);
  flushed_ += used;
  begin_ = cur_ = end_ = region.data();
  if (region.size() < n) {
    fail(Errc::no_space);
    return false;
  }
  end_ = region.data() + region.size();
  return true;
}

void Encoder::put_raw(const void* data, std::size_t n) noexcept {
  const auto* in = static_cast<const std::byte*>(data);
  while (n != 0) {
    if (room() == 0 && !grow(1)) return;
    const std::size_t chunk = std::min(n, room());
    std::memcpy(cur_, in, chunk);
    cur_ += chunk;
    in += chunk;
    n -= chunk;
  }
}

void Encoder::put_swapped(const void* items, std::size_t count, std::size_t width) noexcept {
  const auto& kernels = simd::active();
  const auto swap = width == 4 ? kernels.swap32 : kernels.swap64;
  const auto* in = static_cast<const std::byte*>(items);
  while (count != 0) {
    // Items never straddle regions: a region with less than one item left is closed early.
    if (room() < width && !grow(width)) return;
    const std::size_t chunk = std::min(count, room() / width);
    swap(in, cur_, chunk);
    cur_ += chunk * width;
    in += chunk * width;
    count -= chunk;
  }
}

bool Encoder::finish() noexcept {
  if (sink_ != nullptr) {
    sink_->commit(static_cast<std::size_t>(cur_ - begin_));
    flushed_ += static_cast<std::size_t>(cur_ - begin_);
    begin_ = cur_;
    if (ok()) end_ = cur_;  // the region now belongs to the sink; a later put asks for a new one
  }
  return ok();
}

}  // namespace nelson::xdr
