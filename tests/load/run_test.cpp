// load::run against an in-process nelson server on its own thread: closed loops over every
// transport with --check, --calls, errors by kind, and the open loop's coordinated-omission
// correction against a server that stalls once for 200 ms.
#include "load/run.hpp"

#include <unistd.h>

#include <atomic>
#include <gtest/gtest.h>
#include <memory>
#include <thread>

#include "core/loop.hpp"
#include "examples/bench_service.hpp"
#include "server/server.hpp"

namespace nelson::load {
namespace {

using std::chrono::milliseconds;
constexpr std::uint32_t kStallProg = 0x20000123;
constexpr auto kStall = milliseconds(200);

// The bench service plus kStallProg v1 proc 0: a NULL that, on its `stall_at`-th call, blocks
// the whole server thread for kStall (as a server stuck in a disk write or a GC pause would).
class ServerThread {
 public:
  explicit ServerThread(std::uint64_t stall_at = 0) : stall_at_(stall_at) {
    loop_ = std::move(core::Loop::create({.backend = core::BackendKind::epoll}).value());
    server_ = std::make_unique<server::Server>(*loop_, server::ServerOptions{});
    examples::register_bench_service(*server_);
    server_->add_procedure(kStallProg, 1, 0, {"STALL_NULL"}, [this](server::Call&) {
      if (++seen_ == stall_at_) std::this_thread::sleep_for(kStall);
      return server::Status::success;
    });
    tcp_ = server_->listen(*core::parse_endpoint("tcp://127.0.0.1:0")).value();
    udp_ = server_->listen(*core::parse_endpoint("udp://127.0.0.1:0")).value();
    unix_path_ = "/tmp/nelson-load-test-" + std::to_string(::getpid()) + ".sock";
    ::unlink(unix_path_.c_str());
    unix_ = server_->listen(*core::parse_endpoint("unix://" + unix_path_)).value();
    thread_ = std::thread([this] {
      while (!stop_.load()) loop_->run_once(milliseconds(5));
    });
  }
  ~ServerThread() {
    stop_ = true;
    thread_.join();
    server_.reset();
    for (int i = 0; i < 3; ++i) loop_->run_once(milliseconds(1));
    ::unlink(unix_path_.c_str());
  }
  ServerThread(const ServerThread&) = delete;
  ServerThread& operator=(const ServerThread&) = delete;

  core::Endpoint tcp_, udp_, unix_;

 private:
  std::uint64_t stall_at_;
  std::uint64_t seen_ = 0;  // server thread only
  std::unique_ptr<core::Loop> loop_;
  std::unique_ptr<server::Server> server_;
  std::string unix_path_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

Options quick(unsigned conns, unsigned depth) {
  Options o;
  o.conns = conns;
  o.depth = depth;
  o.duration_s = 0.3;
  o.warmup_s = 0.1;
  o.timeout = milliseconds(2000);
  return o;
}

RunResults run_with(const Options& o, const core::Endpoint& ep) {
  const auto args = prepare_args(o.args, o.check);
  EXPECT_TRUE(args);
  return run({.options = o, .endpoint = ep, .args = *args});
}

TEST(LoadRun, ClosedLoopChecksEchoAndSumOnEveryTransport) {
  ServerThread server;
  for (const core::Endpoint* ep : {&server.tcp_, &server.udp_, &server.unix_}) {
    SCOPED_TRACE(ep->to_string());
    Options o = quick(2, 4);
    o.proc = examples::kBenchEcho;
    o.args = *parse_args_spec("opaque:1000:random");
    o.check = Check::echo;
    const RunResults echo = run_with(o, *ep);
    EXPECT_EQ(echo.setup_error, "");
    EXPECT_GT(echo.ok, 50U);
    EXPECT_EQ(echo.error_total(), 0U);
    EXPECT_EQ(echo.latency.count(), echo.ok);
    EXPECT_NEAR(echo.seconds, 0.3, 0.1);
    // Every call carries >= 1000 bytes each way.
    EXPECT_GE(echo.bytes_sent, echo.ok * 1000);
    EXPECT_GE(echo.bytes_received, echo.ok * 1000);

    o.proc = examples::kBenchSum;
    o.args = *parse_args_spec("ints:100");
    o.check = Check::sum;
    o.threads = 2;
    const RunResults sum = run_with(o, *ep);
    EXPECT_GT(sum.ok, 50U);
    EXPECT_EQ(sum.error_total(), 0U);
  }
}

TEST(LoadRun, AFailedCheckAndAnUnknownProcedureCountByKind) {
  ServerThread server;
  Options o = quick(1, 2);
  o.proc = examples::kBenchSum;
  o.args = *parse_args_spec("ints:10");
  o.check = Check::sum;
  auto args = prepare_args(o.args, o.check).value();
  args.expected[7] ^= std::byte{1};  // the server's right answer no longer matches
  const RunResults bad = run({.options = o, .endpoint = server.tcp_, .args = args});
  EXPECT_EQ(bad.ok, 0U);
  EXPECT_GT(bad.errors[kBadResult], 0U);
  EXPECT_EQ(bad.error_total(), bad.errors[kBadResult]);

  o = quick(1, 2);
  o.proc = 77;
  const RunResults unknown = run_with(o, server.tcp_);
  EXPECT_EQ(unknown.ok, 0U);
  EXPECT_GT(unknown.errors[static_cast<std::size_t>(client::Errc::proc_unavail)], 0U);
  EXPECT_EQ(error_kind_name(static_cast<std::size_t>(client::Errc::proc_unavail)), "proc_unavail");
  EXPECT_EQ(error_kind_name(kBadResult), "bad_result");
}

TEST(LoadRun, NoServerIsAnErrorNotAHang) {
  // A port nobody listens on: every call fails (cant_send) and the run ends early.
  auto probe = core::Loop::create().value();
  auto listener = probe->listen(*core::parse_endpoint("tcp://127.0.0.1:0")).value();
  const core::Endpoint ep = listener->endpoint();  // the bound port
  listener->close();
  probe->run_once(milliseconds(1));
  Options o = quick(2, 3);
  o.duration_s = 5;
  const auto started = core::Clock::now();
  const RunResults r = run_with(o, ep);
  EXPECT_EQ(r.ok, 0U);
  EXPECT_EQ(r.errors[static_cast<std::size_t>(client::Errc::cant_send)], 6U);
  EXPECT_LT(core::Clock::now() - started, std::chrono::seconds(3));
}

TEST(LoadRun, CallsModeStopsAfterThatManyMeasuredCalls) {
  ServerThread server;
  Options o = quick(3, 2);
  o.calls = 500;
  o.threads = 2;
  const RunResults r = run_with(o, server.tcp_);
  EXPECT_EQ(r.ok, 500U);
  EXPECT_EQ(r.error_total(), 0U);
  EXPECT_GT(r.seconds, 0);
}

TEST(LoadRun, OpenLoopKeepsItsRate) {
  ServerThread server;
  Options o = quick(2, 0);
  o.rate = 2000;
  o.duration_s = 0.5;
  const RunResults r = run_with(o, server.tcp_);
  EXPECT_EQ(r.error_total(), 0U);
  EXPECT_NEAR(static_cast<double>(r.intended), 1000, 2);
  EXPECT_EQ(r.sent, r.intended);
  EXPECT_EQ(r.ok, r.intended);
  EXPECT_NEAR(r.calls_per_s(), 2000, 10);
}

// The point of the open loop. The server stalls 200 ms once, 0.3 s into a 1 s run at 1000
// calls/s. The ~200 calls meant to leave during the stall are counted from when they were due,
// so their latencies spread from 200 ms down to 0: about 10% of calls are slower than 100 ms,
// and p99 is close to 200 ms. The closed loop (one call in flight) instead sees one slow call
// and then carries on as if nothing happened: its p99 stays small.
TEST(LoadRun, OpenLoopCountsTheStallForEveryCallScheduledDuringIt) {
  {
    ServerThread server(/*stall_at=*/300);
    Options o = quick(1, 0);
    o.prog = kStallProg;
    o.rate = 1000;
    o.duration_s = 1;
    o.warmup_s = 0;
    const RunResults open = run_with(o, server.tcp_);
    EXPECT_EQ(open.error_total(), 0U);
    EXPECT_NEAR(static_cast<double>(open.ok), 1000, 5);  // rate x duration: none left out
    EXPECT_EQ(open.ok, open.intended);
    EXPECT_GE(open.latency.value_at_percentile(99), 150'000'000U);
    EXPECT_GE(open.latency.value_at_percentile(90), 70'000'000U);
    EXPECT_GE(open.latency.max(), 190'000'000U);
    EXPECT_LE(open.latency.max(), 400'000'000U);
  }
  {
    ServerThread server(/*stall_at=*/300);
    Options o = quick(1, 1);
    o.prog = kStallProg;
    o.duration_s = 1;
    o.warmup_s = 0;
    const RunResults closed = run_with(o, server.tcp_);
    EXPECT_EQ(closed.error_total(), 0U);
    EXPECT_GT(closed.ok, 1000U);                                     // it ran faster than 1000/s ...
    EXPECT_GE(closed.latency.max(), 190'000'000U);                   // ... saw the stall once ...
    EXPECT_LT(closed.latency.value_at_percentile(99), 20'000'000U);  // ... and hid it
  }
}

}  // namespace
}  // namespace nelson::load
