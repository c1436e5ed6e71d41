// The console reporter of nelson-bench-xdr: Google Benchmark's usual output, then one compact
// table that puts the implementations of each case side by side.
#pragma once

#include <benchmark/benchmark.h>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace nelson::bench {

/// Groups benchmarks named "BM_Xdr_<case>/<impl>", impl being "nelson", "nelson_<variant>",
/// "tirpc" or "memcpy". Throughput cases are shown in GB/s (their bytes_per_second counter);
/// the cases in `per_op_cases` in ns per iteration (their items_per_second, one item per
/// iteration). With --benchmark_repetitions the median row of each benchmark is used.
/// Ratios are "times as fast as"; a throughput variant named "*_view" is zero-copy and has none.
class SummaryReporter final : public benchmark::ConsoleReporter {
 public:
  /// `order`: the benchmark names in the order the table lists them (registration order), so
  /// that --benchmark_enable_random_interleaving does not shuffle the table.
  SummaryReporter(OutputOptions options, std::set<std::string> per_op_cases, const std::vector<std::string>& order);

  void ReportRuns(const std::vector<Run>& runs) override;
  void Finalize() override;

 private:
  struct Sample {
    double bytes_per_second = 0;
    double items_per_second = 0;
  };
  struct Entry {
    std::string impl;
    std::vector<Sample> repetitions;  // one per repetition
    std::optional<Sample> median;     // the median aggregate row, when repeated
    bool failed = false;
    /// The median row if any, else the median of the repetitions seen.
    [[nodiscard]] std::optional<Sample> estimate() const;
    [[nodiscard]] bool ran() const { return failed || median || !repetitions.empty(); }
  };
  struct Case {
    std::string name;
    std::vector<Entry> entries;  // in registration order
    [[nodiscard]] const Entry* find(const std::string& impl) const;
  };

  // The entry of "BM_Xdr_<case>/<impl>", created if new; null for other names.
  Entry* entry(const std::string& benchmark_name);
  void print_table(std::ostream& out, bool per_op) const;

  std::set<std::string> per_op_cases_;
  std::vector<Case> cases_;
  bool saw_median_ = false;
};

}  // namespace nelson::bench
