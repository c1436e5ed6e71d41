#include "summary_reporter.hpp"

#include <algorithm>
#include <iomanip>
#include <sstream>
#include <string_view>

namespace nelson::bench {
namespace {

constexpr std::string_view kPrefix = "BM_Xdr_";
constexpr int kCaseWidth = 30;
constexpr int kNumWidth = 15;

double counter(const benchmark::BenchmarkReporter::Run& run, const char* name) {
  const auto it = run.counters.find(name);
  return it == run.counters.end() ? 0.0 : it->second.value;
}

// A number, or "-" when it could not be measured (failed, filtered out, zero).
std::string cell(double value, int precision, std::string_view suffix = "") {
  if (!(value > 0)) return "-";
  std::ostringstream s;
  s << std::fixed << std::setprecision(precision) << value << suffix;
  return s.str();
}

}  // namespace

std::optional<SummaryReporter::Sample> SummaryReporter::Entry::estimate() const {
  if (failed) return std::nullopt;
  if (median) return median;
  if (repetitions.empty()) return std::nullopt;
  auto sorted = repetitions;
  std::sort(sorted.begin(), sorted.end(),
            [](const Sample& a, const Sample& b) { return a.items_per_second < b.items_per_second; });
  return sorted[sorted.size() / 2];
}

const SummaryReporter::Entry* SummaryReporter::Case::find(const std::string& impl) const {
  for (const Entry& e : entries) {
    if (e.impl == impl) return &e;
  }
  return nullptr;
}

SummaryReporter::SummaryReporter(OutputOptions options, std::set<std::string> per_op_cases,
                                 const std::vector<std::string>& order)
    : ConsoleReporter(options), per_op_cases_(std::move(per_op_cases)) {
  for (const std::string& name : order) entry(name);
}

SummaryReporter::Entry* SummaryReporter::entry(const std::string& benchmark_name) {
  const auto slash = benchmark_name.rfind('/');
  if (!benchmark_name.starts_with(kPrefix) || slash == std::string::npos) return nullptr;
  const std::string case_name = benchmark_name.substr(kPrefix.size(), slash - kPrefix.size());
  const std::string impl = benchmark_name.substr(slash + 1);
  auto c = std::find_if(cases_.begin(), cases_.end(), [&](const Case& x) { return x.name == case_name; });
  if (c == cases_.end()) c = cases_.insert(cases_.end(), Case{case_name, {}});
  auto e = std::find_if(c->entries.begin(), c->entries.end(), [&](const Entry& x) { return x.impl == impl; });
  if (e == c->entries.end()) e = c->entries.insert(c->entries.end(), Entry{impl, {}, std::nullopt, false});
  return &*e;
}

void SummaryReporter::ReportRuns(const std::vector<Run>& runs) {
  ConsoleReporter::ReportRuns(runs);
  for (const Run& run : runs) {
    Entry* e = entry(run.run_name.function_name);
    if (e == nullptr) continue;
    if (run.error_occurred) {
      e->failed = true;
      continue;
    }
    const Sample sample{counter(run, "bytes_per_second"), counter(run, "items_per_second")};
    if (run.run_type == Run::RT_Iteration) {
      e->repetitions.push_back(sample);
    } else if (run.aggregate_name == "median") {
      e->median = sample;
      saw_median_ = true;
    }
  }
}

void SummaryReporter::Finalize() {
  ConsoleReporter::Finalize();
  std::ostream& out = GetOutputStream();
  out << "\nSummary ("
      << (saw_median_ ? "median of the repetitions" : "one run each; --benchmark_repetitions=N for medians")
      << ", CPU time; GB/s = 10^9 bytes of XDR per second)\n";
  print_table(out, false);
  print_table(out, true);
  out << std::flush;
}

// One row per nelson variant of each case, against the same case's libtirpc and memcpy.
void SummaryReporter::print_table(std::ostream& out, bool per_op) const {
  const std::string_view unit = per_op ? "ns/op" : "GB/s";
  bool header = false;
  for (const Case& c : cases_) {
    const bool any_ran = std::any_of(c.entries.begin(), c.entries.end(), [](const Entry& e) { return e.ran(); });
    if (per_op_cases_.contains(c.name) != per_op || !any_ran) continue;  // other table, or filtered out
    if (!header) {
      out << '\n' << std::left << std::setw(kCaseWidth) << "case" << std::right;
      for (const char* col : {"nelson", "libtirpc", "memcpy"})
        out << std::setw(kNumWidth) << (std::string(col) + " " + std::string(unit));
      out << std::setw(kNumWidth + 2) << "nelson/libtirpc" << std::setw(kNumWidth) << "nelson/memcpy" << '\n';
      header = true;
    }
    // Per-op cases compare times (lower is better), throughput cases rates: either way the
    // ratios below are "how many times as fast as".
    auto speed = [&](const Entry* e) -> double {
      const auto s = e == nullptr ? std::nullopt : e->estimate();
      if (!s) return 0.0;
      return per_op ? s->items_per_second : s->bytes_per_second;
    };
    auto shown = [&](double v) { return per_op ? cell(v > 0 ? 1e9 / v : 0, 1) : cell(v / 1e9, 2); };
    const double tirpc = speed(c.find("tirpc"));
    const double copy = speed(c.find("memcpy"));
    for (const Entry& e : c.entries) {
      if (!e.impl.starts_with("nelson") || !e.ran()) continue;
      const double nelson = speed(&e);
      // A zero-copy variant ("*_view") of a throughput case moves no bytes: no ratio means anything.
      const bool zero_copy = !per_op && e.impl.ends_with("_view");
      const std::string label = e.impl == "nelson" ? c.name : "  " + c.name + " " + e.impl.substr(7);
      if (e.failed) {
        out << std::left << std::setw(kCaseWidth) << label << "skipped: see the error above\n";
        continue;
      }
      out << std::left << std::setw(kCaseWidth) << label << std::right << std::setw(kNumWidth) << shown(nelson)
          << std::setw(kNumWidth) << shown(tirpc) << std::setw(kNumWidth) << shown(copy) << std::setw(kNumWidth + 2)
          << (zero_copy ? "zero-copy" : cell(tirpc > 0 ? nelson / tirpc : 0, 1, "x")) << std::setw(kNumWidth)
          << (zero_copy ? "zero-copy" : cell(copy > 0 ? 100 * nelson / copy : 0, 0, "%")) << '\n';
    }
  }
}

}  // namespace nelson::bench
