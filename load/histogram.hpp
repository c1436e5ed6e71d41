// load::Histogram — latency in nanoseconds, HDR-style: log buckets with linear sub-buckets,
// so every value is kept with a relative error below 1/128 (0.79%) in fixed memory.
//
//   load::Histogram h;                        // 1 ns .. 2^36 ns (68.7 s), 30 KiB, allocated here
//   h.record(elapsed_ns);                     // O(1), no allocation, no data-dependent branch
//   total.merge(h);                           // one histogram per thread, merged at the end
//   total.value_at_percentile(99.9);          // never below the exact value, < 0.79% above it
//   total.format_percentile_distribution();   // what `nelson-load --histogram FILE` writes
//
// Layout (kSubBucketBits = 7): values below 256 have a bucket each (exact); above, each power
// of two [2^e, 2^(e+1)) is cut into 128 equal sub-buckets of width 2^(e-7):
//
//   index  0 ........ 255 | 256 ..... 383 | 384 ..... 511 | ... | (e-6)*128 ... (e-5)*128-1
//   value  0 ........ 255 | 256 ..... 511 | 512 .... 1023 | ... | 2^e ......... 2^(e+1)-1
//   width  1              | 2             | 4             | ... | 2^(e-7)
//
// so index = (shift << 7) + (value >> shift) with shift = bit_width(value | 255) - 8: one
// bit scan, one shift, one add. A bucket's width is at most 1/128 of its lowest value, which
// is the error bound. The index does not depend on the range, so histograms of different
// ranges merge bucket by bucket.
//
// One histogram belongs to one thread (nothing is atomic); threads merge at the end.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace nelson::load {

class Histogram {
 public:
  /// Linear sub-buckets per power of two: 2^7 = 128, a relative error below 1/128.
  static constexpr unsigned kSubBucketBits = 7;
  /// The default range covers the "microsecond to minute" with room: 2^36-1 ns, 68.7 s.
  static constexpr std::uint64_t kDefaultHighestNs = 60'000'000'000;

  /// Tracks 0 .. highest_trackable(), which is `highest_ns` rounded up to 2^k - 1 (at least
  /// 255). Memory: (k - 6) * 128 counters of 8 bytes, allocated here and never again.
  explicit Histogram(std::uint64_t highest_ns = kDefaultHighestNs);

  /// Records one value. Values above highest_trackable() go to the top bucket and are counted
  /// in saturated(); min(), max() and the percentiles that fall among them still see them
  /// (see value_at_percentile).
  void record(std::uint64_t ns) noexcept { record_n(ns, 1); }
  /// Records `n` equal values, as n calls of record() would (n = 0 records nothing). For the
  /// coordinated-omission correction of an open loop, and for replaying a distribution.
  void record_n(std::uint64_t ns, std::uint64_t n) noexcept {
    if (n == 0) return;  // would otherwise move min and max
    const std::uint64_t clamped = std::min(ns, highest_);
    counts_[index_of(clamped)] += n;
    saturated_ += ns > highest_ ? n : 0;
    count_ += n;
    sum_ += clamped * n;
    min_ = std::min(min_, ns);
    max_ = std::max(max_, ns);
  }

  /// Adds another histogram's values, e.g. a thread's. Values above this one's range (when the
  /// other is wider) go to the top bucket and count as saturated.
  void merge(const Histogram& other) noexcept;
  /// Forgets every value; keeps the range and the memory.
  void reset() noexcept;

  [[nodiscard]] std::uint64_t count() const noexcept { return count_; }
  /// Values recorded above highest_trackable().
  [[nodiscard]] std::uint64_t saturated() const noexcept { return saturated_; }
  /// Exact smallest and largest values recorded (saturated ones included); 0 when empty.
  [[nodiscard]] std::uint64_t min() const noexcept { return count_ == 0 ? 0 : min_; }
  [[nodiscard]] std::uint64_t max() const noexcept { return max_; }
  /// Exact mean while nothing is saturated (saturated values count as highest_trackable());
  /// 0 when empty.
  [[nodiscard]] double mean() const noexcept;
  [[nodiscard]] std::uint64_t highest_trackable() const noexcept { return highest_; }

  /// The nearest-rank percentile: the value of rank ceil(p/100 * count()) (at least 1) among
  /// the recorded values in increasing order; p is clamped to [0, 100]; 0 when empty.
  ///
  /// Reported as the upper bound of the bucket that holds it, limited to max(); the top
  /// bucket's upper bound is max() (it holds every saturated value). So for an exact
  /// percentile x below the top bucket the result r satisfies x <= r <= highest_equivalent(x)
  /// and r - x < x / 128: a latency is never under-reported. p = 0 gives min()'s bucket
  /// bound, p = 100 gives max() exactly.
  [[nodiscard]] std::uint64_t value_at_percentile(double p) const noexcept;

  /// The largest value that shares `ns`'s bucket (below the top bucket): what a percentile
  /// that lands on `ns` reports unless max() is lower.
  [[nodiscard]] static constexpr std::uint64_t highest_equivalent(std::uint64_t ns) noexcept {
    const unsigned shift = bucket_shift(ns);
    return ns | ((std::uint64_t{1} << shift) - 1);
  }

  /// The percentile distribution as HdrHistogram's outputPercentileDistribution writes it, so
  /// its plotting tools read it: "Value Percentile TotalCount 1/(1-Percentile)", then
  /// #[Mean, StdDeviation, Max, Total count, Buckets, SubBuckets]. Values are divided by
  /// `ns_per_unit` (1000: microseconds); percentile levels step `ticks_per_half_distance`
  /// times per halving of the distance to 100%. An empty histogram gives header and footer.
  [[nodiscard]] std::string format_percentile_distribution(double ns_per_unit = 1000.0,
                                                           int ticks_per_half_distance = 5) const;

  /// Same values recorded (and same range): counts, sums, extremes.
  bool operator==(const Histogram&) const = default;

 private:
  static constexpr std::uint64_t kSubBuckets = std::uint64_t{1} << kSubBucketBits;
  // Below 2 * kSubBuckets every value is its own bucket; `| kExactMask` makes bit_width() of
  // those values equal kSubBucketBits + 1, hence shift 0, without a branch.
  static constexpr std::uint64_t kExactMask = 2 * kSubBuckets - 1;

  static constexpr unsigned bucket_shift(std::uint64_t ns) noexcept {
    return static_cast<unsigned>(std::bit_width(ns | kExactMask)) - (kSubBucketBits + 1);
  }
  static constexpr std::size_t index_of(std::uint64_t ns) noexcept {
    const unsigned shift = bucket_shift(ns);
    return static_cast<std::size_t>((std::uint64_t{shift} << kSubBucketBits) + (ns >> shift));
  }
  // The inverse of index_of: the smallest and the largest value of bucket `index`.
  static std::uint64_t bucket_lower(std::size_t index) noexcept;
  static std::uint64_t bucket_upper(std::size_t index) noexcept;
  // What value_at_percentile reports for a rank that falls in bucket `index`.
  [[nodiscard]] std::uint64_t reported_value(std::size_t index) const noexcept;

  std::uint64_t highest_;
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  std::uint64_t saturated_ = 0;
  std::uint64_t sum_ = 0;  // of values clamped to highest_: 584 years of latency before it wraps
  std::uint64_t min_ = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t max_ = 0;
};

}  // namespace nelson::load
