#include "load/worker.hpp"

#include <unistd.h>

#include <algorithm>

namespace nelson::load {

namespace {
using core::Clock;
using core::TimePoint;

constexpr auto kPublishEvery = std::chrono::milliseconds(250);
// Below this much time to the next intended send, the open loop polls instead of sleeping:
// the loop's waits have millisecond resolution, which would bunch the calls of a fast schedule.
constexpr auto kSpinBelow = std::chrono::milliseconds(1);

std::uint64_t ns_between(TimePoint from, TimePoint to) noexcept {
  return to > from ? static_cast<std::uint64_t>(std::chrono::nanoseconds(to - from).count()) : 0;
}
}  // namespace

Worker::Worker(WorkerPlan plan) : plan_(std::move(plan)) {
  const Options& o = *plan_.options;
  open_ = o.open_loop();
  check_ = o.check != Check::none;
  depth_ = o.effective_depth();
  call_options_.timeout = o.timeout;
  // UDP: retransmit once within the timeout at most every 200 ms; a load test wants to see
  // loss as latency, not hide it behind a one-second back-off.
  call_options_.retransmit = std::min<std::chrono::milliseconds>(o.timeout / 2, std::chrono::milliseconds(200));
  args_writer_ = client::ArgsWriter(*plan_.args);
}

Worker::~Worker() {
  // Timers and clients before the loop they live on.
  pacer_.reset();
  publish_timer_.reset();
  end_timer_.reset();
  measure_timer_.reset();
  conns_.clear();
}

std::string Worker::set_up() {
  auto loop = core::Loop::create({.backend = plan_.options->backend});
  if (!loop) return "loop: " + loop.error().message;
  loop_ = std::move(*loop);
  client::ClientOptions client_options;
  client_options.initial_calls = depth_;
  // A lost connection ends that connection's share of the load (its calls count as errors);
  // reconnecting behind the generator's back would hide a server that drops connections.
  client_options.reconnect = false;
  client_options.max_record_size =
      std::max<std::size_t>(client_options.max_record_size, 2 * plan_.args->bytes.size() + 4096);
  if (plan_.options->auth == Auth::sys) {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    rpc::AuthSys sys;
    sys.machine_name = host;
    sys.uid = ::getuid();
    sys.gid = ::getgid();
    auto credential = client::Credential::sys(sys);
    if (!credential) return "AUTH_SYS credential does not encode";
    client_options.credential = *credential;
  }
  conns_.resize(plan_.conns.size());
  for (Conn& c : conns_) {
    auto created = client::Client::create(*loop_, plan_.endpoint, client_options);
    if (!created) return plan_.endpoint.to_string() + ": " + created.error().message;
    c.worker = this;
    c.client = std::move(*created);
  }
  measure_timer_ = std::make_unique<core::Timer>(loop_->timers(), [this] { begin_measuring(); });
  end_timer_ = std::make_unique<core::Timer>(loop_->timers(), [this] { finish(Clock::now()); });
  publish_timer_ = std::make_unique<core::Timer>(loop_->timers(), [this] {
    publish();
    publish_timer_->arm_after(kPublishEvery);
  });
  pacer_ = std::make_unique<core::Timer>(loop_->timers(), [this] { on_pacer(); });
  return {};
}

void Worker::run() {
  const Options& o = *plan_.options;
  loop_->timers().update_now();
  if (plan_.measure_from <= plan_.start) {
    begin_measuring();
  } else {
    measure_timer_->arm_at(plan_.measure_from);
  }
  if (plan_.end != TimePoint::max()) end_timer_->arm_at(plan_.end);
  publish_timer_->arm_after(kPublishEvery);

  if (open_) {
    // Connection i of all C sends at rate/C, offset i/rate: together, evenly spaced calls.
    const double period_ns = 1e9 * static_cast<double>(o.conns) / o.rate;
    for (std::size_t i = 0; i < conns_.size(); ++i) {
      const auto offset = std::chrono::nanoseconds(std::llround(1e9 * plan_.conns[i] / o.rate));
      conns_[i].schedule = Schedule(plan_.start + offset, period_ns);
    }
    on_pacer();
  } else if (plan_.end == TimePoint::max() && plan_.call_quota == 0) {
    finish(plan_.start);  // --calls smaller than the number of threads: nothing left for this one
  } else {
    for (Conn& c : conns_) {
      for (unsigned i = 0; i < depth_; ++i) send(c, plan_.start);
    }
  }
  while (!done_) {
    auto wait = std::chrono::nanoseconds::max();
    if (pacer_->armed() && pacer_->deadline() - Clock::now() < kSpinBelow) wait = std::chrono::nanoseconds::zero();
    loop_->run_once(wait);
  }
  const core::LoopStats& stats = loop_->stats();
  results_.bytes_sent = stats.bytes_written - stats_at_start_.bytes_written;
  results_.bytes_received = stats.bytes_read - stats_at_start_.bytes_read;
  if (open_) {
    // Calls meant to leave in [measured_from, end): counted from the schedules, so that calls
    // held back by the in-flight cap (or never sent) still show in intended - sent.
    for (const Conn& c : conns_) {
      results_.intended += c.schedule.due(plan_.end - std::chrono::nanoseconds(1)) -
                           c.schedule.due(plan_.measure_from - std::chrono::nanoseconds(1));
    }
  }
  publish();
}

void Worker::send(Conn& c, TimePoint origin) {
  ++c.in_flight;
  if (open_ && origin >= plan_.measure_from) ++results_.sent;
  // Two words of captures: std::function keeps them inline, so a call allocates nothing here.
  c.client->call(plan_.options->prog, plan_.options->vers, plan_.options->proc, args_writer_, call_options_,
                 [conn = &c, origin](const client::CallResult& r) { conn->worker->complete(*conn, origin, r); });
}

void Worker::complete(Conn& c, TimePoint origin, const client::CallResult& r) {
  --c.in_flight;
  // The loop's time, read once when its wait returned: every reply of one read is stamped with
  // when the read came back (as nelson-bench-blast does), which saves a clock read per call.
  const TimePoint now = loop_->timers().now();
  // Closed loop: what was answered during the measurement. Open loop: what was meant to leave
  // during it, however late the answer.
  const bool counted = open_ ? origin >= plan_.measure_from && origin < plan_.end : measuring_ && !ending_;
  const bool good = r.ok() && (!check_ || plan_.args->matches(r.results));
  if (good) {
    if (counted) {
      results_.latency.record(ns_between(origin, now));
      ++results_.ok;
    }
  } else {
    // Failures count over the whole run: a warm-up full of errors is worth knowing about.
    ++results_.errors[r.ok() ? kBadResult : static_cast<std::size_t>(r.error.code)];
  }
  if (counted && plan_.end == TimePoint::max() && ++measured_calls_ >= plan_.call_quota) return finish(now);
  if (ending_) {
    if (idle()) finish(now);
    return;
  }
  if (!c.client->usable()) {  // lost: its calls all fail now; stop when every one is lost
    if (idle() && std::none_of(conns_.begin(), conns_.end(), [](const Conn& k) { return k.client->usable(); })) {
      finish(now);
    }
    return;
  }
  if (open_) return pump(c, now);
  send(c, now);
}

void Worker::pump(Conn& c, TimePoint now) {
  for (;;) {
    const TimePoint due = c.schedule.intended(c.next);
    if (due >= plan_.end) return;
    if (due > now) return arm_pacer(due);
    if (c.in_flight >= depth_) return;  // a reply will call pump again; the due time keeps counting
    ++c.next;
    send(c, due);
  }
}

void Worker::on_pacer() {
  if (ending_) return;
  const TimePoint now = Clock::now();
  for (Conn& c : conns_) {
    if (c.client->usable()) pump(c, now);
  }
}

void Worker::arm_pacer(TimePoint at) {
  if (!pacer_->armed() || at < pacer_->deadline()) pacer_->arm_at(at);
}

void Worker::begin_measuring() {
  measuring_ = true;
  // The open loop's window is its schedule's, exact; the closed loop's starts when it starts.
  results_.measured_from = open_ ? plan_.measure_from : Clock::now();
  stats_at_start_ = loop_->stats();
  if (!open_) {
    results_.latency.reset();
    results_.ok = 0;
  }
}

void Worker::finish(TimePoint now) {
  if (!ending_) {
    ending_ = true;
    results_.measured_to = plan_.end == TimePoint::max() ? now : std::min(now, plan_.end);
    if (open_) results_.measured_to = plan_.end;
    pacer_->cancel();
  }
  // Closed loop: the end is sharp (calls in flight are dropped). Open loop: calls meant for
  // the measured interval are waited for (each ends by its timeout at the latest).
  if (!open_ || idle()) {
    done_ = true;
    loop_->stop();
  }
}

bool Worker::idle() const noexcept {
  return std::all_of(conns_.begin(), conns_.end(), [](const Conn& c) { return c.in_flight == 0; });
}

void Worker::publish() {
  std::uint64_t errors = 0;
  for (const std::uint64_t e : results_.errors) errors += e;
  progress_ok_.store(results_.ok, std::memory_order_relaxed);
  progress_errors_.store(errors, std::memory_order_relaxed);
  const std::lock_guard lock(progress_mutex_);
  progress_latency_ = results_.latency;  // same size: copies the counts, allocates nothing
}

void Worker::read_progress(Histogram& into, std::uint64_t& ok, std::uint64_t& errors) {
  ok = progress_ok_.load(std::memory_order_relaxed);
  errors = progress_errors_.load(std::memory_order_relaxed);
  const std::lock_guard lock(progress_mutex_);
  into.merge(progress_latency_);
}

}  // namespace nelson::load
