// load::report — what nelson-load prints and writes at the end of a run:
//
//   format_table()        the table for people (target, mode, calls, errors by kind, calls/s,
//                         MB/s, latency percentiles, the generator's own CPU)
//   format_summary_line() one line for scripts, in nelson-bench-blast's format plus more keys:
//                         calls= seconds= calls_per_s= p50_us= ... max_us= errors= cpu_ns_per_call=
//   format_json()         the same as JSON (--json)
//   write_plot()          the percentile curve: a data file, a gnuplot script, and the PNG when
//                         gnuplot is installed (--plot)
//   format_progress()     the per-second line
#pragma once

#include <string>

#include "load/options.hpp"
#include "load/run.hpp"

namespace nelson::load {

/// What the report says about the run besides its results.
struct RunDescription {
  std::string target;  // "tcp://127.0.0.1:20099"
  const Options* options = nullptr;
  std::size_t request_bytes = 0;  // the encoded arguments of one call
};

/// The percentiles every output reports, in this order (100 = max).
inline constexpr double kReportedPercentiles[] = {50, 90, 99, 99.9, 99.99, 100};

[[nodiscard]] std::string format_table(const RunDescription& d, const RunResults& r);
[[nodiscard]] std::string format_summary_line(const RunResults& r);
[[nodiscard]] std::string format_json(const RunDescription& d, const RunResults& r);
[[nodiscard]] std::string format_progress(const ProgressSample& s);
/// "mode closed 16x16" / "open 50000/s".
[[nodiscard]] std::string describe_mode(const Options& o);
/// A latency in the unit that fits: "850 ns", "12.3 us", "4.56 ms", "1.20 s".
[[nodiscard]] std::string format_latency(std::uint64_t ns);

/// The result of write_plot: what was written, and whether gnuplot drew the PNG.
struct PlotResult {
  std::string data_path;
  std::string script_path;
  bool drawn = false;
  std::string message;  // for the user: what happened
};
/// Writes `png_path`.dat (percentile, 1/(1-p), latency in us) and `png_path`.gp, then runs gnuplot.
PlotResult write_plot(const std::string& png_path, const RunDescription& d, const RunResults& r);

}  // namespace nelson::load
