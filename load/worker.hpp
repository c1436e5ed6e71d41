// load::Worker — one thread's share of a run: a core::Loop, its connections (client::Client
// each) and its own histogram. Closed loop: D calls in flight per connection, the next sent
// from the reply's callback. Open loop: a pacer timer sends what each connection's Schedule
// says is due; replies free room under the in-flight cap for calls still waiting.
//
// Lives on its own thread from run() to the end; run.cpp reads its results after joining it.
// The only cross-thread traffic is publish(): a copy of the histogram and two counters, four
// times a second, for the progress line.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "client/client.hpp"
#include "core/loop.hpp"
#include "load/run.hpp"
#include "load/schedule.hpp"

namespace nelson::load {

struct WorkerPlan {
  const Options* options = nullptr;
  core::Endpoint endpoint;
  const PreparedArgs* args = nullptr;
  std::vector<unsigned> conns;  // global indices of this worker's connections
  // Set by run() once every worker is connected, just before they start.
  core::TimePoint start{};
  core::TimePoint measure_from{};
  core::TimePoint end{};         // TimePoint::max() with --calls
  std::uint64_t call_quota = 0;  // --calls: measured calls this worker makes (may be 0)
};

/// What a worker measured (read after its thread ended).
struct WorkerResults {
  Histogram latency;
  std::uint64_t ok = 0;
  ErrorCounts errors{};
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
  core::TimePoint measured_from{};
  core::TimePoint measured_to{};
  std::uint64_t intended = 0;
  std::uint64_t sent = 0;
};

class Worker {
 public:
  explicit Worker(WorkerPlan plan);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  /// On the worker's thread: makes the loop and the connections. Empty string when ready.
  std::string set_up();
  /// On the worker's thread, after set_up() and once plan() has its times: runs to the end.
  void run();
  [[nodiscard]] WorkerPlan& plan() noexcept { return plan_; }
  [[nodiscard]] const WorkerResults& results() const noexcept { return results_; }

  /// Any thread: adds the latest published histogram into `into`; returns ok and error counts.
  void read_progress(Histogram& into, std::uint64_t& ok, std::uint64_t& errors);

 private:
  struct Conn {
    Worker* worker = nullptr;
    std::unique_ptr<client::Client> client;
    unsigned in_flight = 0;
    Schedule schedule{{}, 1};
    std::uint64_t next = 0;  // open loop: index of the next call to send
  };

  void send(Conn& c, core::TimePoint origin);
  void complete(Conn& c, core::TimePoint origin, const client::CallResult& r);
  void pump(Conn& c, core::TimePoint now);
  void on_pacer();
  void arm_pacer(core::TimePoint at);
  void begin_measuring();
  void finish(core::TimePoint now);
  void publish();
  [[nodiscard]] bool idle() const noexcept;

  WorkerPlan plan_;
  bool open_ = false;
  bool check_ = false;
  unsigned depth_ = 1;
  client::CallOptions call_options_;
  client::ArgsWriter args_writer_;
  std::unique_ptr<core::Loop> loop_;
  std::vector<Conn> conns_;
  std::unique_ptr<core::Timer> measure_timer_;
  std::unique_ptr<core::Timer> end_timer_;
  std::unique_ptr<core::Timer> publish_timer_;
  std::unique_ptr<core::Timer> pacer_;
  bool measuring_ = false;
  bool ending_ = false;  // no more calls are sent; the loop ends when the last one is answered
  bool done_ = false;
  std::uint64_t measured_calls_ = 0;  // ok and failed, for --calls
  core::LoopStats stats_at_start_{};
  WorkerResults results_;

  std::mutex progress_mutex_;
  Histogram progress_latency_;  // guarded by progress_mutex_
  std::atomic<std::uint64_t> progress_ok_{0};
  std::atomic<std::uint64_t> progress_errors_{0};
};

}  // namespace nelson::load
