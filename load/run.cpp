#include "load/run.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <latch>
#include <thread>

#include "load/worker.hpp"

namespace nelson::load {

namespace {
using core::Clock;
using core::TimePoint;

double seconds_between(TimePoint from, TimePoint to) {
  return to > from ? std::chrono::duration<double>(to - from).count() : 0.0;
}

struct CpuTimes {
  double user = 0;
  double sys = 0;
};

CpuTimes process_cpu() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  const auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return {s(u.ru_utime), s(u.ru_stime)};
}
}  // namespace

std::string_view error_kind_name(std::size_t kind) noexcept {
  if (kind == kBadResult) return "bad_result";
  return client::to_string(static_cast<client::Errc>(kind));
}

std::uint64_t RunResults::error_total() const noexcept {
  std::uint64_t n = 0;
  for (const std::uint64_t e : errors) n += e;
  return n;
}

double RunResults::cpu_ns_per_call() const noexcept { return ok == 0 ? 0.0 : cpu_s() * 1e9 / static_cast<double>(ok); }

RunResults run(const RunInput& input, const ProgressFn& progress, const std::function<void()>& on_measuring) {
  const Options& o = input.options;
  const unsigned threads = std::min(o.threads, o.conns);
  std::vector<std::unique_ptr<Worker>> workers;
  std::uint64_t conns_before = 0;
  for (unsigned t = 0; t < threads; ++t) {
    WorkerPlan plan;
    plan.options = &o;
    plan.endpoint = input.endpoint;
    plan.args = &input.args;
    for (unsigned i = t; i < o.conns; i += threads) plan.conns.push_back(i);
    if (o.calls != 0) {  // shares in proportion to connections, summing to exactly --calls
      plan.call_quota = o.calls * (conns_before + plan.conns.size()) / o.conns - o.calls * conns_before / o.conns;
    }
    conns_before += plan.conns.size();
    workers.push_back(std::make_unique<Worker>(std::move(plan)));
  }

  std::latch ready(threads);
  std::latch go(1);
  std::atomic<bool> abort{false};
  std::atomic<unsigned> finished{0};
  std::vector<std::string> setup_errors(threads);
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      setup_errors[t] = workers[t]->set_up();
      ready.count_down();
      go.wait();
      if (!abort.load()) workers[t]->run();
      finished.fetch_add(1);
    });
  }
  ready.wait();
  RunResults results;
  for (const std::string& e : setup_errors) {
    if (!e.empty() && results.setup_error.empty()) results.setup_error = e;
  }
  const TimePoint start = Clock::now();
  const TimePoint measure_from =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.warmup_s));
  const TimePoint end =
      o.calls != 0
          ? TimePoint::max()
          : measure_from + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.duration_s));
  for (auto& w : workers) {
    w->plan().start = start;
    w->plan().measure_from = measure_from;
    w->plan().end = end;
  }
  abort = !results.setup_error.empty();
  go.count_down();

  // The calling thread keeps time: the warm-up's end (CPU time starts there) and the progress.
  CpuTimes cpu_from = process_cpu();
  bool measuring = measure_from <= start;
  if (measuring && on_measuring) on_measuring();
  TimePoint next_tick = start + std::chrono::seconds(1);
  TimePoint last_tick = start;
  std::uint64_t last_ok = 0;
  Histogram so_far;
  while (finished.load() < threads) {
    const TimePoint wake = std::min(
        {next_tick, measuring ? TimePoint::max() : measure_from, Clock::now() + std::chrono::milliseconds(20)});
    std::this_thread::sleep_until(wake);
    const TimePoint now = Clock::now();
    if (!measuring && now >= measure_from) {
      measuring = true;
      cpu_from = process_cpu();
      last_ok = 0;
      if (on_measuring) on_measuring();
    }
    if (now >= next_tick && !abort) {
      ProgressSample s;
      so_far.reset();
      std::uint64_t ok = 0;
      for (auto& w : workers) {
        std::uint64_t w_ok = 0;
        std::uint64_t w_errors = 0;
        w->read_progress(so_far, w_ok, w_errors);
        ok += w_ok;
        s.errors += w_errors;
      }
      s.elapsed_s = seconds_between(start, now);
      s.measuring = measuring;
      s.calls = ok >= last_ok ? ok - last_ok : ok;  // the warm-up's count restarts at 0
      s.interval_s = seconds_between(last_tick, now);
      s.p99_ns = so_far.value_at_percentile(99);
      last_ok = ok;
      last_tick = now;
      next_tick += std::chrono::seconds(1);
      if (progress) progress(s);
    }
  }
  for (std::thread& t : pool) t.join();
  const CpuTimes cpu_to = process_cpu();
  if (abort) return results;

  TimePoint from = TimePoint::max();
  TimePoint to = TimePoint::min();
  for (const auto& w : workers) {
    const WorkerResults& r = w->results();
    results.latency.merge(r.latency);
    results.ok += r.ok;
    for (std::size_t k = 0; k < kErrorKinds; ++k) results.errors[k] += r.errors[k];
    results.bytes_sent += r.bytes_sent;
    results.bytes_received += r.bytes_received;
    results.intended += r.intended;
    results.sent += r.sent;
    if (r.measured_from != TimePoint{} && r.measured_to > r.measured_from) {  // it did measure
      from = std::min(from, r.measured_from);
      to = std::max(to, r.measured_to);
    }
  }
  results.seconds = seconds_between(from, to);
  results.cpu_user_s = cpu_to.user - cpu_from.user;
  results.cpu_sys_s = cpu_to.sys - cpu_from.sys;
  return results;
}

}  // namespace nelson::load
