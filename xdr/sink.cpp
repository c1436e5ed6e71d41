#include "xdr/sink.hpp"

#include <algorithm>

namespace nelson::xdr {

SegmentChain::SegmentChain(std::size_t segment_size, std::size_t max_total)
    : segment_size_(std::max<std::size_t>(segment_size, 16)), max_total_(max_total) {}

std::span<std::byte> SegmentChain::next_region(std::size_t used, std::size_t min_bytes) {
  commit(used);
  const std::size_t capacity = std::max(segment_size_, min_bytes);
  if (capacity > max_total_ - capacity_total_) return {};
  Segment segment;
  if (spare_.data && spare_.capacity >= capacity) {
    segment = std::move(spare_);
  } else {
    segment.data = std::make_unique_for_overwrite<std::byte[]>(capacity);
    segment.capacity = capacity;
  }
  segment.used = 0;
  std::span<std::byte> region{segment.data.get(), segment.capacity};
  capacity_total_ += segment.capacity;
  segments_.push_back(std::move(segment));
  open_ = true;
  return region;
}

void SegmentChain::commit(std::size_t used) {
  if (open_) segments_.back().used = std::min(used, segments_.back().capacity);
  open_ = false;
}

std::vector<std::span<const std::byte>> SegmentChain::slices() const {
  std::vector<std::span<const std::byte>> out;
  out.reserve(segments_.size());
  for (const Segment& s : segments_) {
    if (s.used != 0) out.emplace_back(s.data.get(), s.used);
  }
  return out;
}

std::size_t SegmentChain::size() const noexcept {
  std::size_t total = 0;
  for (const Segment& s : segments_) total += s.used;
  return total;
}

std::vector<std::byte> SegmentChain::flatten() const {
  std::vector<std::byte> out;
  out.reserve(size());
  for (auto slice : slices()) out.insert(out.end(), slice.begin(), slice.end());
  return out;
}

void SegmentChain::clear() noexcept {
  if (!segments_.empty() && (!spare_.data || segments_.front().capacity > spare_.capacity)) {
    spare_ = std::move(segments_.front());
  }
  segments_.clear();
  capacity_total_ = 0;
  open_ = false;
}

}  // namespace nelson::xdr
