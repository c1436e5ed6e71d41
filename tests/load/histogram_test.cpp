// Histogram: percentiles against the exact ones of known data (sorted vectors of uniform,
// exponential, bimodal and log-normal samples, fixed seeds), the documented quantization rule,
// exact extremes, merge and record_n against plain records, saturation, empty, boundaries,
// and the HdrHistogram-style table.
#include "load/histogram.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <gtest/gtest.h>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace nelson::load {
namespace {

constexpr std::array<double, 7> kPercentiles = {0, 50, 90, 99, 99.9, 99.99, 100};

// The nearest-rank definition value_at_percentile documents, on a sorted vector.
std::uint64_t exact_percentile(const std::vector<std::uint64_t>& sorted, double p) {
  const double wanted = std::ceil(p / 100.0 * static_cast<double>(sorted.size()));
  const auto rank = std::clamp<std::uint64_t>(static_cast<std::uint64_t>(wanted), 1, sorted.size());
  return sorted[rank - 1];
}

std::uint64_t to_ns(double ns) { return static_cast<std::uint64_t>(std::max(ns, 0.0)); }

std::vector<std::uint64_t> uniform(std::size_t n) {
  std::mt19937_64 rng(1);
  std::uniform_int_distribution<std::uint64_t> d(1'000, 10'000'000);  // 1 us .. 10 ms
  std::vector<std::uint64_t> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

std::vector<std::uint64_t> exponential(std::size_t n) {
  std::mt19937_64 rng(2);
  std::exponential_distribution<double> d(1.0 / 50'000);  // a 20 us floor plus a 50 us mean tail
  std::vector<std::uint64_t> v(n);
  for (auto& x : v) x = 20'000 + to_ns(d(rng));
  return v;
}

std::vector<std::uint64_t> bimodal(std::size_t n) {
  // 95% fast replies around 30 us, 5% slow ones around 5 ms (a disk, a lock, a GC pause).
  std::mt19937_64 rng(3);
  std::bernoulli_distribution slow(0.05);
  std::normal_distribution<double> fast_d(30'000, 3'000);
  std::normal_distribution<double> slow_d(5'000'000, 500'000);
  std::vector<std::uint64_t> v(n);
  for (auto& x : v) x = to_ns(slow(rng) ? slow_d(rng) : fast_d(rng));
  return v;
}

std::vector<std::uint64_t> lognormal(std::size_t n) {
  // Spans nanoseconds to seconds: every bucket group gets used.
  std::mt19937_64 rng(4);
  std::lognormal_distribution<double> d(std::log(50'000.0), 3.0);
  std::vector<std::uint64_t> v(n);
  for (auto& x : v) x = std::min(to_ns(d(rng)), std::uint64_t{60'000'000'000});
  return v;
}

Histogram histogram_of(const std::vector<std::uint64_t>& values) {
  Histogram h;
  for (const auto x : values) h.record(x);
  return h;
}

struct Distribution {
  const char* name;
  std::vector<std::uint64_t> (*make)(std::size_t);
  std::size_t n;
};

TEST(Histogram, PercentilesOfKnownData) {
  const std::array<Distribution, 4> distributions = {{{"uniform", uniform, 1'000'000},
                                                      {"exponential", exponential, 1'000'000},
                                                      {"bimodal", bimodal, 200'000},
                                                      {"lognormal", lognormal, 100'000}}};
  for (const auto& dist : distributions) {
    auto values = dist.make(dist.n);
    const Histogram h = histogram_of(values);
    std::sort(values.begin(), values.end());
    EXPECT_EQ(h.count(), values.size()) << dist.name;
    EXPECT_EQ(h.saturated(), 0u) << dist.name;
    EXPECT_EQ(h.min(), values.front()) << dist.name;
    EXPECT_EQ(h.max(), values.back()) << dist.name;
    long double sum = 0;
    for (const auto x : values) sum += static_cast<long double>(x);
    EXPECT_NEAR(h.mean(), static_cast<double>(sum / values.size()), 1e-6 * h.mean()) << dist.name;

    double worst = 0;
    for (const double p : kPercentiles) {
      const std::uint64_t exact = exact_percentile(values, p);
      const std::uint64_t got = h.value_at_percentile(p);
      // The documented rule, exactly: the bucket's upper bound, limited to max().
      EXPECT_EQ(got, std::min(Histogram::highest_equivalent(exact), h.max())) << dist.name << " p" << p;
      // And what it promises: never below, less than 1/128 above.
      EXPECT_GE(got, exact) << dist.name << " p" << p;
      const double error = static_cast<double>(got - exact) / static_cast<double>(std::max<std::uint64_t>(exact, 1));
      EXPECT_LT(error, 1.0 / 128) << dist.name << " p" << p;
      worst = std::max(worst, error);
    }
    // Over every percentile of the data, not only the six above.
    double worst_all = 0;
    for (int i = 0; i <= 10'000; ++i) {
      const double p = i / 100.0;
      const std::uint64_t exact = exact_percentile(values, p);
      const std::uint64_t got = h.value_at_percentile(p);
      ASSERT_GE(got, exact) << dist.name << " p" << p;
      worst_all = std::max(worst_all,
                           static_cast<double>(got - exact) / static_cast<double>(std::max<std::uint64_t>(exact, 1)));
    }
    EXPECT_LT(worst_all, 1.0 / 128) << dist.name;
    std::printf("[ measured ] %-12s n=%-8zu max relative error: %.4f%% at p50..p100, %.4f%% over p0..p100 step 0.01\n",
                dist.name, dist.n, 100 * worst, 100 * worst_all);
  }
}

TEST(Histogram, MergeEqualsOneHistogram) {
  const auto values = exponential(100'000);
  std::array<Histogram, 4> parts;
  for (std::size_t i = 0; i < values.size(); ++i) parts[i % parts.size()].record(values[i]);
  Histogram merged;
  for (const auto& part : parts) merged.merge(part);
  EXPECT_EQ(merged, histogram_of(values));
  EXPECT_EQ(merged.format_percentile_distribution(), histogram_of(values).format_percentile_distribution());

  Histogram empty;
  merged.merge(empty);
  EXPECT_EQ(merged, histogram_of(values));
  empty.merge(merged);
  EXPECT_EQ(empty, merged);
}

TEST(Histogram, MergeAcrossRanges) {
  Histogram narrow(1'000'000);  // 2^20 - 1 ns
  Histogram wide;
  wide.record(500);
  wide.record(2'000'000);  // inside wide's range, above narrow's
  narrow.merge(wide);
  EXPECT_EQ(narrow.count(), 2u);
  EXPECT_EQ(narrow.saturated(), 1u);
  EXPECT_EQ(narrow.max(), 2'000'000u);
  EXPECT_EQ(narrow.value_at_percentile(100), 2'000'000u);
  EXPECT_EQ(narrow.value_at_percentile(50), 501u);  // 500 shares a bucket of width 2 with 501

  Histogram narrow_saturated(1'000'000);
  narrow_saturated.record(5'000'000);
  wide.merge(narrow_saturated);
  EXPECT_EQ(wide.saturated(), 1u);  // its bucket says 2^20 - 1: still not its value
  EXPECT_EQ(wide.max(), 5'000'000u);
}

TEST(Histogram, RecordNEqualsNRecords) {
  Histogram by_n;
  Histogram one_by_one;
  std::mt19937_64 rng(5);
  std::uniform_int_distribution<std::uint64_t> value(0, 1'000'000'000);
  std::uniform_int_distribution<std::uint64_t> times(0, 20);
  for (int i = 0; i < 2'000; ++i) {
    const std::uint64_t v = value(rng);
    const std::uint64_t n = times(rng);
    by_n.record_n(v, n);
    for (std::uint64_t k = 0; k < n; ++k) one_by_one.record(v);
  }
  by_n.record_n(std::numeric_limits<std::uint64_t>::max(), 3);
  for (int k = 0; k < 3; ++k) one_by_one.record(std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(by_n, one_by_one);
  EXPECT_EQ(by_n.saturated(), 3u);

  Histogram zero;
  zero.record_n(12345, 0);  // records nothing, moves no extreme
  EXPECT_EQ(zero, Histogram());
}

TEST(Histogram, Saturation) {
  Histogram h(1'000'000'000);  // 1 s, rounded up to 2^30 - 1 ns
  ASSERT_EQ(h.highest_trackable(), (std::uint64_t{1} << 30) - 1);
  h.record(h.highest_trackable());
  EXPECT_EQ(h.saturated(), 0u);
  h.record(h.highest_trackable() + 1);
  h.record(std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(h.count(), 3u);
  EXPECT_EQ(h.saturated(), 2u);
  EXPECT_EQ(h.min(), h.highest_trackable());
  EXPECT_EQ(h.max(), std::numeric_limits<std::uint64_t>::max());  // exact, even saturated
  // The top bucket reports max(): never below a saturated value.
  EXPECT_EQ(h.value_at_percentile(0), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(h.value_at_percentile(100), std::numeric_limits<std::uint64_t>::max());
  // The mean counts saturated values as the top of the range.
  EXPECT_DOUBLE_EQ(h.mean(), static_cast<double>(h.highest_trackable()));
}

TEST(Histogram, Ranges) {
  EXPECT_GE(Histogram().highest_trackable(), 60'000'000'000u);  // at least a minute
  EXPECT_EQ(Histogram().highest_trackable(), (std::uint64_t{1} << 36) - 1);
  EXPECT_EQ(Histogram(0).highest_trackable(), 255u);  // never below the exact region
  EXPECT_EQ(Histogram(1 << 20).highest_trackable(), (std::uint64_t{1} << 21) - 1);
  EXPECT_EQ(Histogram(std::numeric_limits<std::uint64_t>::max()).highest_trackable(),
            std::numeric_limits<std::uint64_t>::max());
  Histogram full(std::numeric_limits<std::uint64_t>::max());
  full.record(std::numeric_limits<std::uint64_t>::max());
  full.record(1);
  EXPECT_EQ(full.saturated(), 0u);
  EXPECT_EQ(full.value_at_percentile(50), 1u);
  EXPECT_EQ(full.value_at_percentile(100), std::numeric_limits<std::uint64_t>::max());
}

TEST(Histogram, Empty) {
  const Histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.saturated(), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.mean(), 0.0);
  for (const double p : kPercentiles) EXPECT_EQ(h.value_at_percentile(p), 0u) << p;
  const std::string table = h.format_percentile_distribution();
  EXPECT_EQ(table.find("1.000000000000"), std::string::npos) << table;  // no value lines
  EXPECT_NE(table.find("Total count    =            0"), std::string::npos) << table;
}

TEST(Histogram, Reset) {
  Histogram h(1'000'000);
  for (const auto x : bimodal(1'000)) h.record(x);
  h.reset();
  EXPECT_EQ(h, Histogram(1'000'000));
}

TEST(Histogram, ExactBelow256) {
  Histogram h;
  for (std::uint64_t v = 0; v < 256; ++v) h.record(v);
  for (std::uint64_t v = 0; v < 256; ++v) {
    EXPECT_EQ(Histogram::highest_equivalent(v), v);
    EXPECT_EQ(h.value_at_percentile(100.0 * static_cast<double>(v + 1) / 256), v);
  }
}

TEST(Histogram, Boundaries) {
  EXPECT_EQ(Histogram::highest_equivalent(0), 0u);
  EXPECT_EQ(Histogram::highest_equivalent(1), 1u);
  EXPECT_EQ(Histogram::highest_equivalent(255), 255u);
  EXPECT_EQ(Histogram::highest_equivalent(256), 257u);  // the first bucket of width 2
  EXPECT_EQ(Histogram::highest_equivalent(511), 511u);
  EXPECT_EQ(Histogram::highest_equivalent(512), 515u);
  EXPECT_EQ(Histogram::highest_equivalent(std::numeric_limits<std::uint64_t>::max()),
            std::numeric_limits<std::uint64_t>::max());
  for (unsigned k = 8; k < 64; ++k) {
    const std::uint64_t power = std::uint64_t{1} << k;
    // 2^k opens a bucket of width 2^(k-7); 2^k - 1 closes the one before it.
    EXPECT_EQ(Histogram::highest_equivalent(power), power + (power >> 7) - 1) << k;
    EXPECT_EQ(Histogram::highest_equivalent(power - 1), power - 1) << k;

    Histogram h(std::numeric_limits<std::uint64_t>::max());
    h.record(power - 1);
    h.record(power);
    h.record(power + 1);             // same bucket as 2^k
    h.record(power + (power >> 7));  // the next bucket
    EXPECT_EQ(h.min(), power - 1);
    EXPECT_EQ(h.max(), power + (power >> 7));
    EXPECT_EQ(h.value_at_percentile(25), power - 1) << k;
    EXPECT_EQ(h.value_at_percentile(50), power + (power >> 7) - 1) << k;  // 2^k reported as its bucket's top
    EXPECT_EQ(h.value_at_percentile(75), power + (power >> 7) - 1) << k;
    EXPECT_EQ(h.value_at_percentile(100), power + (power >> 7)) << k;
  }
  // The top of the default range is in range; one more saturates.
  Histogram h;
  h.record(h.highest_trackable());
  EXPECT_EQ(h.saturated(), 0u);
  EXPECT_EQ(h.value_at_percentile(100), h.highest_trackable());
  h.record(h.highest_trackable() + 1);
  EXPECT_EQ(h.saturated(), 1u);
  // Out-of-range percentiles clamp.
  EXPECT_EQ(h.value_at_percentile(-5), h.value_at_percentile(0));
  EXPECT_EQ(h.value_at_percentile(250), h.max());
  EXPECT_EQ(h.value_at_percentile(std::nan("")), h.value_at_percentile(0));
}

TEST(Histogram, PercentileDistributionTable) {
  const auto values = bimodal(100'000);
  const Histogram h = histogram_of(values);
  const std::string table = h.format_percentile_distribution(1000.0);
  std::istringstream in(table);
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  EXPECT_EQ(line, "       Value     Percentile TotalCount 1/(1-Percentile)");
  ASSERT_TRUE(std::getline(in, line));
  EXPECT_EQ(line, "");
  int rows = 0;
  double last_value = -1;
  double last_level = -1;
  std::uint64_t last_count = 0;
  bool saw_final = false;
  while (std::getline(in, line) && line[0] != '#') {
    double value = 0;
    double level = 0;
    unsigned long long total = 0;
    ASSERT_GE(std::sscanf(line.c_str(), "%lf %lf %llu", &value, &level, &total), 3) << line;
    EXPECT_GE(value, last_value) << line;
    EXPECT_GE(level, last_level) << line;
    EXPECT_GE(total, last_count) << line;
    // Each row's value is value_at_percentile of its level (to the 3 decimals printed).
    EXPECT_NEAR(value, static_cast<double>(h.value_at_percentile(level * 100)) / 1000.0, 0.0005) << line;
    last_value = value;
    last_level = level;
    last_count = total;
    saw_final = level == 1.0;
    ++rows;
  }
  EXPECT_TRUE(saw_final);
  EXPECT_EQ(last_count, h.count());
  EXPECT_GT(rows, 50);
  EXPECT_LT(rows, 400);
  EXPECT_EQ(line.rfind("#[Mean    = ", 0), 0u) << line;
  EXPECT_NE(table.find("#[Max     = "), std::string::npos);
  EXPECT_NE(table.find("Total count    =       100000]"), std::string::npos) << table;
  EXPECT_NE(table.find("#[Buckets = "), std::string::npos);
}

}  // namespace
}  // namespace nelson::load
