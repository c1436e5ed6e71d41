// Where an Encoder's bytes go when they do not fit one contiguous region.
//
// A Sink hands the encoder one writable region at a time. When the region is full the encoder
// says how much of it it filled and asks for the next one; at the end it reports the bytes of
// the last region. The encoder never writes outside the regions it was given, so a Sink backed
// by a chain of fixed-size slabs yields a chain of (slab, length) slices that maps 1:1 onto an
// iovec array for writev(). core/'s refcounted slab chains plug in through this interface;
// SegmentChain below is the self-contained implementation.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

namespace nelson::xdr {

class Sink {
 public:
  virtual ~Sink() = default;

  /// The encoder filled the first `used` bytes of the region returned last (0 before the
  /// first call). Returns the next writable region, at least `min_bytes` long, or an empty
  /// span when no more space can be had (the encoder then fails with Errc::no_space).
  [[nodiscard]] virtual std::span<std::byte> next_region(std::size_t used, std::size_t min_bytes) = 0;

  /// The encoder is done; it filled the first `used` bytes of the region returned last.
  virtual void commit(std::size_t used) = 0;
};

/// A chain of fixed-size heap segments with an optional limit on the total size.
/// Regions are whole segments; the filled part of each is one slice.
class SegmentChain final : public Sink {
 public:
  static constexpr std::size_t kDefaultSegmentSize = std::size_t{64} * 1024;

  explicit SegmentChain(std::size_t segment_size = kDefaultSegmentSize, std::size_t max_total = SIZE_MAX);

  [[nodiscard]] std::span<std::byte> next_region(std::size_t used, std::size_t min_bytes) override;
  void commit(std::size_t used) override;

  /// The filled part of each segment, in order (valid until the chain changes).
  [[nodiscard]] std::vector<std::span<const std::byte>> slices() const;
  /// Total filled bytes.
  [[nodiscard]] std::size_t size() const noexcept;
  /// All filled bytes copied into one vector (for tests and small messages).
  [[nodiscard]] std::vector<std::byte> flatten() const;
  /// Forgets the content, keeping the first segment for reuse.
  void clear() noexcept;

 private:
  struct Segment {
    std::unique_ptr<std::byte[]> data;
    std::size_t capacity = 0;
    std::size_t used = 0;
  };
  std::vector<Segment> segments_;
  Segment spare_;  // kept by clear() so that a reused chain does not allocate
  std::size_t segment_size_;
  std::size_t max_total_;
  std::size_t capacity_total_ = 0;  // capacity of segments_, never above max_total_
  bool open_ = false;               // segments_.back() is the region the encoder holds
};

}  // namespace nelson::xdr
