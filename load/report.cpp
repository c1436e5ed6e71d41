#include "load/report.hpp"

#include <sys/wait.h>

#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace nelson::load {
namespace {

// Appends printf output (a report is written once per run). The attribute lets the compiler
// check each call's format against its arguments.
[[gnu::format(printf, 2, 3)]] void append(std::string& out, const char* format, ...) {
  char line[512];
  std::va_list args;
  va_start(args, format);
  // clang-tidy 14's analyzer misses the va_start above when the type is spelled std::va_list.
  const int n = std::vsnprintf(line, sizeof line, format, args);  // NOLINT(clang-analyzer-valist.Uninitialized)
  va_end(args);
  if (n > 0) out.append(line, std::min(static_cast<std::size_t>(n), sizeof line - 1));
}

double us(std::uint64_t ns) { return static_cast<double>(ns) / 1000.0; }

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      append(out, "\\u%04x", static_cast<unsigned>(c));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

const char* percentile_key(double p) {
  if (p == 50) return "p50";
  if (p == 90) return "p90";
  if (p == 99) return "p99";
  if (p == 99.9) return "p999";
  if (p == 99.99) return "p9999";
  return "max";
}

std::string args_text(const ArgsSpec& a) {
  switch (a.kind) {
    case ArgsSpec::Kind::void_args: return "void";
    case ArgsSpec::Kind::opaque:
      return "opaque:" + std::to_string(a.count) + (a.fill == ArgsSpec::Fill::random ? ":random" : ":fixed");
    case ArgsSpec::Kind::ints: return "ints:" + std::to_string(a.count);
    case ArgsSpec::Kind::file: return "file:" + a.path;
  }
  return "?";
}

double cpu_percent(const RunResults& r) { return r.seconds > 0 ? 100.0 * r.cpu_s() / r.seconds : 0; }
double mb_per_s(const RunResults& r) {
  return r.seconds > 0 ? static_cast<double>(r.bytes_sent + r.bytes_received) / r.seconds / 1e6 : 0;
}

}  // namespace

std::string format_latency(std::uint64_t ns) {
  std::string out;
  if (ns < 1000) {
    append(out, "%llu ns", static_cast<unsigned long long>(ns));
  } else if (ns < 1'000'000) {
    append(out, "%.1f us", us(ns));
  } else if (ns < 1'000'000'000) {
    append(out, "%.2f ms", static_cast<double>(ns) / 1e6);
  } else {
    append(out, "%.2f s", static_cast<double>(ns) / 1e9);
  }
  return out;
}

std::string describe_mode(const Options& o) {
  std::string out;
  if (o.open_loop()) {
    append(out, "open %.0f/s over %u conns (cap %u in flight each)", o.rate, o.conns, o.effective_depth());
  } else {
    append(out, "closed %ux%u", o.conns, o.effective_depth());
  }
  return out;
}

std::string format_table(const RunDescription& d, const RunResults& r) {
  const Options& o = *d.options;
  std::string t;
  append(t, "target      %s  prog 0x%x vers %u proc %u  args %s (%zu bytes)\n", d.target.c_str(), o.prog, o.vers,
         o.proc, args_text(o.args).c_str(), d.request_bytes);
  append(t, "mode        %s, %u thread%s\n", describe_mode(o).c_str(), o.threads, o.threads == 1 ? "" : "s");
  append(t, "duration    %.3f s measured after %.1f s warm-up\n", r.seconds, o.warmup_s);
  append(t, "calls ok    %llu\n", static_cast<unsigned long long>(r.ok));
  append(t, "errors      %llu", static_cast<unsigned long long>(r.error_total()));
  for (std::size_t k = 0; k < kErrorKinds; ++k) {
    if (r.errors[k] != 0) {
      append(t, "  %.*s=%llu", static_cast<int>(error_kind_name(k).size()), error_kind_name(k).data(),
             static_cast<unsigned long long>(r.errors[k]));
    }
  }
  append(t, "\n");
  append(t, "calls/s     %.0f", r.calls_per_s());
  if (o.open_loop()) {
    append(t, "  (requested %.0f; %llu of %llu scheduled calls sent)", o.rate, static_cast<unsigned long long>(r.sent),
           static_cast<unsigned long long>(r.intended));
  }
  append(t, "\n");
  append(t, "MB/s        %.2f  (bytes through the sockets, both ways: record marks, RPC headers, args, results)\n",
         mb_per_s(r));
  append(t, "latency     ");
  for (const double p : kReportedPercentiles) {
    append(t, "%s %s%s", p == 100 ? "max" : percentile_key(p), format_latency(r.latency.value_at_percentile(p)).c_str(),
           p == 100 ? "\n" : "   ");
  }
  if (o.open_loop()) append(t, "            (from the intended send time: coordinated omission corrected)\n");
  append(t, "client cpu  %.2f s user + %.2f s sys = %.0f%% of one core, %.0f ns per call%s\n", r.cpu_user_s,
         r.cpu_sys_s, cpu_percent(r), r.cpu_ns_per_call(),
         cpu_percent(r) > 90.0 * o.threads ? "  (the generator may be the limit)" : "");
  return t;
}

std::string format_summary_line(const RunResults& r) {
  const Histogram& h = r.latency;
  std::string out;
  append(out,
         "calls=%llu seconds=%.3f calls_per_s=%.0f p50_us=%.2f p90_us=%.2f p99_us=%.2f p999_us=%.2f p9999_us=%.2f "
         "max_us=%.2f errors=%llu cpu_ns_per_call=%.0f mb_per_s=%.2f\n",
         static_cast<unsigned long long>(r.ok), r.seconds, r.calls_per_s(), us(h.value_at_percentile(50)),
         us(h.value_at_percentile(90)), us(h.value_at_percentile(99)), us(h.value_at_percentile(99.9)),
         us(h.value_at_percentile(99.99)), us(h.max()), static_cast<unsigned long long>(r.error_total()),
         r.cpu_ns_per_call(), mb_per_s(r));
  return out;
}

std::string format_json(const RunDescription& d, const RunResults& r) {
  const Options& o = *d.options;
  std::string j = "{\n";
  append(j, "  \"target\": %s,\n", json_string(d.target).c_str());
  append(j, "  \"prog\": %u, \"vers\": %u, \"proc\": %u,\n", o.prog, o.vers, o.proc);
  append(j, "  \"args\": %s, \"request_bytes\": %zu,\n", json_string(args_text(o.args)).c_str(), d.request_bytes);
  append(j, "  \"mode\": \"%s\", \"conns\": %u, \"depth\": %u, \"threads\": %u,\n", o.open_loop() ? "open" : "closed",
         o.conns, o.effective_depth(), o.threads);
  if (o.open_loop()) {
    append(j, "  \"rate_requested\": %.3f, \"intended\": %llu, \"sent\": %llu,\n", o.rate,
           static_cast<unsigned long long>(r.intended), static_cast<unsigned long long>(r.sent));
  }
  append(j, "  \"warmup_s\": %.3f, \"seconds\": %.6f,\n", o.warmup_s, r.seconds);
  append(j, "  \"calls\": %llu, \"calls_per_s\": %.1f,\n", static_cast<unsigned long long>(r.ok), r.calls_per_s());
  append(j, "  \"bytes_sent\": %llu, \"bytes_received\": %llu, \"mb_per_s\": %.3f,\n",
         static_cast<unsigned long long>(r.bytes_sent), static_cast<unsigned long long>(r.bytes_received), mb_per_s(r));
  append(j, "  \"errors\": %llu,\n  \"errors_by_kind\": {", static_cast<unsigned long long>(r.error_total()));
  bool first = true;
  for (std::size_t k = 0; k < kErrorKinds; ++k) {
    if (r.errors[k] == 0) continue;
    append(j, "%s%s: %llu", first ? "" : ", ", json_string(error_kind_name(k)).c_str(),
           static_cast<unsigned long long>(r.errors[k]));
    first = false;
  }
  append(j, "},\n  \"latency_us\": {");
  for (const double p : kReportedPercentiles) {
    append(j, "\"%s\": %.3f, ", percentile_key(p), us(r.latency.value_at_percentile(p)));
  }
  append(j, "\"min\": %.3f, \"mean\": %.3f},\n", us(r.latency.min()), r.latency.mean() / 1000.0);
  append(j, "  \"cpu_user_s\": %.3f, \"cpu_sys_s\": %.3f, \"cpu_percent_of_core\": %.1f, \"cpu_ns_per_call\": %.1f\n",
         r.cpu_user_s, r.cpu_sys_s, cpu_percent(r), r.cpu_ns_per_call());
  j += "}\n";
  return j;
}

std::string format_progress(const ProgressSample& s) {
  std::string out;
  append(out, "%6.1f s %s  %10.0f calls/s  p99 %s  errors %llu\n", s.elapsed_s, s.measuring ? "measuring" : "warm-up  ",
         s.interval_s > 0 ? static_cast<double>(s.calls) / s.interval_s : 0.0,
         s.measuring ? format_latency(s.p99_ns).c_str() : "-", static_cast<unsigned long long>(s.errors));
  return out;
}

PlotResult write_plot(const std::string& png_path, const RunDescription& d, const RunResults& r) {
  PlotResult result{png_path + ".dat", png_path + ".gp", false, {}};
  {
    std::ofstream data(result.data_path);
    data << "# percentile  1/(1-p)  latency_us\n";
    // Levels like HdrHistogram's plots: 5 steps per halving of the distance to 100%.
    for (int i = 0;; ++i) {
      const double p = 100.0 * (1.0 - std::pow(0.5, i / 5.0));
      std::string line;
      append(line, "%.6f %.3f %.3f\n", p, 1.0 / (1.0 - p / 100.0), us(r.latency.value_at_percentile(p)));
      data << line;
      if (static_cast<double>(r.latency.count()) * (1.0 - p / 100.0) < 1.0 || i > 200) break;
    }
    std::string last;
    append(last, "%.6f %.3f %.3f\n", 100.0, 1e7, us(r.latency.max()));
    data << last;
    if (!data) {
      result.message = "cannot write " + result.data_path;
      return result;
    }
  }
  {
    std::ofstream gp(result.script_path);
    gp << "set terminal pngcairo size 1000,600 noenhanced\n"
       << "set output '" << png_path << "'\n"
       << "set title 'nelson-load: " << d.target << ", " << describe_mode(*d.options) << "'\n"
       << "set logscale x\nset xrange [1:1e6]\n"
       // gnuplot reads tic labels as formats: % is written %%.
       << "set xtics ('0%%' 1, '90%%' 10, '99%%' 100, '99.9%%' 1000, '99.99%%' 10000, '99.999%%' 100000, '99.9999%%' "
          "1e6)\n"
       << "set xlabel 'percentile'\nset ylabel 'latency (us)'\nset grid\nset key off\n"
       << "plot '" << result.data_path << "' using 2:3 with lines linewidth 2\n";
    if (!gp) {
      result.message = "cannot write " + result.script_path;
      return result;
    }
  }
  const std::string probe = "command -v gnuplot >/dev/null 2>&1";
  if (std::system(probe.c_str()) != 0) {  // NOLINT(cert-env33-c): a fixed command line
    result.message = "gnuplot is not installed (apt-get install gnuplot-nox); wrote " + result.data_path + " and " +
                     result.script_path;
    return result;
  }
  const std::string command = "gnuplot '" + result.script_path + "'";
  const int status = std::system(command.c_str());  // NOLINT(cert-env33-c): the user's own path
  result.drawn = status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  result.message = result.drawn ? "wrote " + png_path : "gnuplot failed on " + result.script_path;
  return result;
}

}  // namespace nelson::load
