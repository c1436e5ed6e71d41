#include "load/histogram.hpp"

#include <cmath>
#include <cstdarg>
#include <cstdio>

namespace nelson::load {
namespace {

// Bits of the largest value tracked: at least the exact region's, at most 64.
unsigned range_bits(std::uint64_t highest_ns) {
  return std::max(static_cast<unsigned>(std::bit_width(highest_ns)), Histogram::kSubBucketBits + 1);
}

// Appends printf output; the table is a few hundred lines, written once per run. The
// attribute lets the compiler check each call's format against its arguments.
[[gnu::format(printf, 2, 3)]] void append(std::string& out, const char* format, ...) {
  char line[128];
  std::va_list args;
  va_start(args, format);
  // clang-tidy 14's analyzer misses the va_start above when the type is spelled std::va_list.
  const int n = std::vsnprintf(line, sizeof line, format, args);  // NOLINT(clang-analyzer-valist.Uninitialized)
  va_end(args);
  if (n > 0) out.append(line, std::min(static_cast<std::size_t>(n), sizeof line - 1));
}

}  // namespace

Histogram::Histogram(std::uint64_t highest_ns)
    : highest_(range_bits(highest_ns) == 64 ? std::numeric_limits<std::uint64_t>::max()
                                            : (std::uint64_t{1} << range_bits(highest_ns)) - 1),
      counts_(index_of(highest_) + 1, 0) {}

void Histogram::merge(const Histogram& other) noexcept {
  // Same index scheme at every range: only buckets past our top need folding into it.
  const std::size_t shared = std::min(counts_.size(), other.counts_.size());
  for (std::size_t i = 0; i < shared; ++i) counts_[i] += other.counts_[i];
  std::uint64_t folded = 0;
  for (std::size_t i = shared; i < other.counts_.size(); ++i) folded += other.counts_[i];
  counts_.back() += folded;
  // When `other` is wider its saturated values sit in its top bucket, already among `folded`;
  // when it is not, they stay saturated here: their bucket no longer tells their value.
  saturated_ += other.counts_.size() > counts_.size() ? folded : other.saturated_;
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

void Histogram::reset() noexcept {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = saturated_ = sum_ = max_ = 0;
  min_ = std::numeric_limits<std::uint64_t>::max();
}

double Histogram::mean() const noexcept {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(count_);
}

std::uint64_t Histogram::bucket_lower(std::size_t index) noexcept {
  // Buckets 0..255 have shift 0; then every 128 buckets the width doubles.
  const std::uint64_t group = std::uint64_t{index} >> kSubBucketBits;
  const unsigned shift = static_cast<unsigned>(std::max<std::uint64_t>(group, 1) - 1);
  return (std::uint64_t{index} - (std::uint64_t{shift} << kSubBucketBits)) << shift;
}

std::uint64_t Histogram::bucket_upper(std::size_t index) noexcept { return highest_equivalent(bucket_lower(index)); }

std::uint64_t Histogram::reported_value(std::size_t index) const noexcept {
  // The top bucket has no upper bound (it holds the saturated values): max() is the only
  // honest answer there, and below it max() is a tighter bound than the bucket's when lower.
  return index + 1 == counts_.size() ? max_ : std::min(bucket_upper(index), max_);
}

std::uint64_t Histogram::value_at_percentile(double p) const noexcept {
  if (count_ == 0) return 0;
  p = std::isnan(p) ? 0.0 : std::clamp(p, 0.0, 100.0);
  const double wanted = std::ceil(p / 100.0 * static_cast<double>(count_));
  const std::uint64_t rank = std::clamp<std::uint64_t>(static_cast<std::uint64_t>(wanted), 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return reported_value(i);
  }
  return max_;  // unreachable while the counts add up to count_
}

std::string Histogram::format_percentile_distribution(double ns_per_unit, int ticks_per_half_distance) const {
  std::string out;
  append(out, "%12s %14s %10s %14s\n\n", "Value", "Percentile", "TotalCount", "1/(1-Percentile)");
  const auto unit = [&](std::uint64_t ns) { return static_cast<double>(ns) / ns_per_unit; };
  // HdrHistogram's PercentileIterator: walk the non-empty buckets; each time the cumulative
  // percentile reaches the next level, print a line and step the level by 100 / ticks, where
  // ticks doubles each time the distance to 100% halves. Levels stop once the last value is
  // reached; a final line at 100% follows.
  const double total = static_cast<double>(count_);
  const double half_ticks = std::max(ticks_per_half_distance, 1);
  double level = 0.0;
  std::uint64_t seen = 0;
  std::size_t last = 0;
  for (std::size_t i = 0; i < counts_.size() && seen < count_; ++i) {
    if (counts_[i] == 0) continue;
    seen += counts_[i];
    last = i;
    while (100.0 * static_cast<double>(seen) / total >= level) {
      append(out, "%12.3f %2.12f %10llu %14.2f\n", unit(reported_value(i)), level / 100.0,
             static_cast<unsigned long long>(seen), 1.0 / (1.0 - level / 100.0));
      const double halvings = std::floor(std::log2(100.0 / (100.0 - level)));
      level += 100.0 / (half_ticks * std::exp2(halvings + 1));
      if (seen == count_ || level >= 100.0) break;  // the 100% line below ends the table
    }
  }
  if (count_ != 0) {
    append(out, "%12.3f %2.12f %10llu\n", unit(reported_value(last)), 1.0, static_cast<unsigned long long>(count_));
  }
  // The spread from bucket midpoints, as HdrHistogram computes it.
  double squares = 0.0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    if (counts_[i] == 0) continue;
    const std::uint64_t lower = bucket_lower(i);
    const double d = static_cast<double>(lower) + static_cast<double>(reported_value(i) - lower) / 2 - mean();
    squares += d * d * static_cast<double>(counts_[i]);
  }
  const double deviation = count_ == 0 ? 0.0 : std::sqrt(squares / total) / ns_per_unit;
  append(out, "#[Mean    = %12.3f, StdDeviation   = %12.3f]\n", mean() / ns_per_unit, deviation);
  append(out, "#[Max     = %12.3f, Total count    = %12llu]\n", unit(max()), static_cast<unsigned long long>(count_));
  append(out, "#[Buckets = %12u, SubBuckets     = %12u]\n", range_bits(highest_) - kSubBucketBits,
         2U << kSubBucketBits);
  return out;
}

}  // namespace nelson::load
