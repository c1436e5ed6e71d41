// The reactor suite, written once and run against every backend this machine can run
// (GTEST_SKIP for the others). This file: echo, timers, signals, datagrams, connect errors,
// descriptor limits of a backend; loop_stream_test.cpp: many connections, split and coalesced
// messages, back-pressure, half-close, reset, closing from callbacks, EMFILE on accept.
#include "core/loop.hpp"

#include <fcntl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <gtest/gtest.h>
#include <memory>
#include <string>
#include <vector>

#include "tests/core/loop_test_fixture.hpp"

namespace nelson::core::test {
namespace {

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
  // Outside run(), the loop's cached "now" may be old (ASan, a loaded machine): refresh it
  // before arming relative to it, as the timer header says.
  loop_->timers().update_now();
  const auto start = loop_->timers().now();
  late.arm_after(milliseconds(30));
  early.arm_after(milliseconds(5));
  loop_->run();
  EXPECT_GE(Clock::now() - start, milliseconds(30));
  EXPECT_EQ(order, (std::vector<int>{1, 3, 2}));
}

TEST_P(LoopTest, RunOnceReturnsWithoutBlockingAfterTimersFired) {
  // A caller driving the loop with run_once() and checking state between iterations (a blocking
  // RPC call waiting for its timeout) must see a timer's effect without waiting for I/O: the
  // iteration in which timers fire polls without blocking. With nothing else armed, a blocking
  // poll there would never return.
  bool fired = false;
  Timer timer(loop_->timers(), [&] { fired = true; });
  loop_->timers().update_now();
  timer.arm_after(milliseconds(5));
  const auto start = Clock::now();
  while (!fired) loop_->run_once();  // no max_wait: only the timer bounds each poll
  EXPECT_LT(Clock::now() - start, milliseconds(5000));
}

TEST_P(LoopTest, SignalThroughTheSelfPipe) {
  // The mechanism of the BSDs and macOS (no signalfd), forced here so that it runs on Linux.
  loop_testing::use_self_pipe_signals(true);
  std::vector<int> got;
  const bool usr1 = static_cast<bool>(loop_->on_signal(SIGUSR1, [&](int signo) { got.push_back(signo); }));
  const bool usr2 = static_cast<bool>(loop_->on_signal(SIGUSR2, [&](int signo) { got.push_back(signo); }));
  loop_testing::use_self_pipe_signals(false);
  ASSERT_TRUE(usr1 && usr2);
  ::raise(SIGUSR1);
  ::raise(SIGUSR2);
  ASSERT_TRUE(run_until([&] { return got.size() == 2; }));
  EXPECT_EQ(got, (std::vector<int>{SIGUSR1, SIGUSR2}));
  // A second loop cannot take the process-wide self-pipe while this one holds it.
  loop_testing::use_self_pipe_signals(true);
  auto other = Loop::create({.backend = BackendKind::select});
  ASSERT_TRUE(other);
  auto refused = (*other)->on_signal(SIGUSR1, [](int) {});
  loop_testing::use_self_pipe_signals(false);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, EBUSY);
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

TEST_P(LoopTest, TimersFireInOrderAndCancelFromCallbacks) {
  std::vector<int> order;
  int self_rearms = 0;
  std::unique_ptr<Timer> victim;  // destroyed from another timer's callback
  Timer cancelled_by_other(loop_->timers(), [&] { order.push_back(-1); });
  Timer never(loop_->timers(), [&] { order.push_back(-2); });
  Timer t10(loop_->timers(), [&] { order.push_back(10); });
  Timer t20a(loop_->timers(), [&] {
    order.push_back(20);
    cancelled_by_other.cancel();  // due in the same pass: must not fire
    victim.reset();               // an armed timer destroyed: leaves the heap
  });
  Timer t20b(loop_->timers(), [&] { order.push_back(21); });
  Timer* self = nullptr;
  Timer rearming(loop_->timers(), [&] {
    order.push_back(100 + self_rearms);
    if (++self_rearms < 3) self->arm_after(milliseconds(5));
  });
  self = &rearming;
  Timer* first_self = nullptr;
  Timer first(loop_->timers(), [&] {
    order.push_back(5);
    first_self->arm_after(milliseconds(1));  // re-armed, then cancelled, from its own callback
    first_self->cancel();
    never.cancel();  // another timer, due later
  });
  first_self = &first;
  victim = std::make_unique<Timer>(loop_->timers(), [&] { order.push_back(-3); });

  loop_->timers().update_now();
  const TimePoint start = loop_->timers().now();
  t20a.arm_after(milliseconds(20));
  t20b.arm_after(milliseconds(20));
  cancelled_by_other.arm_after(milliseconds(20));
  victim->arm_after(milliseconds(20));
  t10.arm_after(milliseconds(10));
  first.arm_after(milliseconds(5));
  never.arm_after(milliseconds(15));
  rearming.arm_after(milliseconds(30));
  ASSERT_TRUE(run_until([&] { return loop_->timers().size() == 0; }, milliseconds(5000)));
  EXPECT_GE(Clock::now() - start, milliseconds(40));  // 30 + 5 + 5 for the re-armed one
  EXPECT_EQ(order, (std::vector<int>{5, 10, 20, 21, 100, 101, 102}));
  EXPECT_FALSE(cancelled_by_other.armed());
  EXPECT_EQ(self_rearms, 3);
}

TEST_P(LoopTest, TimerDueNowDoesNotStarveIo) {
  // A timer re-arming itself with zero delay runs once per iteration; I/O still flows.
  Listener* server = echo_server();
  ASSERT_NE(server, nullptr);
  int ticks = 0;
  Timer* self = nullptr;
  Timer busy(loop_->timers(), [&] {
    ++ticks;
    self->arm_after(Clock::duration::zero());
  });
  self = &busy;
  busy.arm_after(Clock::duration::zero());
  std::string received;
  Stream* c = client(server->endpoint(), &received);
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->write_copy(as_bytes("tick")));
  ASSERT_TRUE(run_until([&] { return received == "tick"; }, milliseconds(5000)));
  EXPECT_GE(ticks, 1);
  EXPECT_LE(static_cast<std::uint64_t>(ticks), loop_->stats().iterations);
  busy.cancel();
}

TEST_P(LoopTest, SignalUsr2IsDelivered) {
  std::vector<int> got;
  ASSERT_TRUE(loop_->on_signal(SIGUSR2, [&](int signo) { got.push_back(signo); }));
  ASSERT_EQ(::raise(SIGUSR2), 0);
  ASSERT_TRUE(run_until([&] { return !got.empty(); }));
  EXPECT_EQ(got, std::vector<int>{SIGUSR2});
  // And again: the signal descriptor stays armed.
  ASSERT_EQ(::raise(SIGUSR2), 0);
  ASSERT_TRUE(run_until([&] { return got.size() == 2; }));
}

TEST_P(LoopTest, TwoSignalsRaisedBeforeOneIterationBothArrive) {
  std::vector<int> got;
  ASSERT_TRUE(loop_->on_signal(SIGUSR1, [&](int signo) { got.push_back(signo); }));
  ASSERT_TRUE(loop_->on_signal(SIGUSR2, [&](int signo) { got.push_back(signo); }));
  ASSERT_EQ(::raise(SIGUSR2), 0);
  ASSERT_EQ(::raise(SIGUSR1), 0);
  loop_->run_once(milliseconds(1000));  // one iteration: both are waiting in the descriptor
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<int>{SIGUSR1, SIGUSR2}));
}

TEST_P(LoopTest, DatagramLargerThanTheSlabIsTruncatedAndCounted) {
  recreate({.slab_size = 1024});
  ASSERT_TRUE(loop_);
  auto server = loop_->open_datagram(*parse_endpoint("udp://127.0.0.1:0"));
  ASSERT_TRUE(server) << server.error().message;
  auto sender = loop_->open_datagram(*parse_endpoint("udp://127.0.0.1:0"));
  ASSERT_TRUE(sender) << sender.error().message;
  struct Seen {
    std::string bytes;
    bool truncated;
  };
  std::vector<Seen> seen;
  (*server)->on_datagram = [&](DatagramSocket&, const Datagram& dg) {
    seen.push_back({std::string(as_chars(dg.data)), dg.truncated});
  };
  (*server)->start_reading();
  const SocketAddress& to = (*server)->endpoint().address;
  auto send = [&](const std::string& payload) {
    iovec iov{const_cast<char*>(payload.data()), payload.size()};
    ASSERT_EQ((*sender)->send_to({&iov, 1}, to), 0);
  };
  std::string big(2000, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  send(big);
  send("");   // an empty datagram
  send("x");  // a runt
  send("after");
  ASSERT_TRUE(run_until([&] { return seen.size() == 4; }));
  EXPECT_TRUE(seen[0].truncated);
  // The head, at most one slab (a completion backend may keep a header in the slab too).
  EXPECT_GT(seen[0].bytes.size(), 0U);
  EXPECT_LE(seen[0].bytes.size(), 1024U);
  EXPECT_EQ(seen[0].bytes, big.substr(0, seen[0].bytes.size()));
  EXPECT_EQ((*server)->truncated_count(), 1U);
  EXPECT_EQ(seen[1].bytes, "");
  EXPECT_FALSE(seen[1].truncated);
  EXPECT_EQ(seen[2].bytes, "x");
  EXPECT_EQ(seen[3].bytes, "after");
  EXPECT_FALSE(seen[3].truncated);
  // Still served after all that.
  send("again");
  ASSERT_TRUE(run_until([&] { return seen.size() == 5; }));
  EXPECT_EQ(seen[4].bytes, "again");
  EXPECT_EQ((*server)->truncated_count(), 1U);
}

TEST_P(LoopTest, ShutdownWriteWhileConnectingTakesEffectOnceConnected) {
  auto listener = loop_->listen(*parse_endpoint("tcp://127.0.0.1:0"));
  ASSERT_TRUE(listener) << listener.error().message;
  bool server_saw_eof = false;
  (*listener)->on_accept = [&](Stream& s) {
    s.on_eof = [&](Stream& st) {
      server_saw_eof = true;
      st.close();
    };
    s.start_reading();
  };
  auto client = loop_->connect((*listener)->endpoint());
  ASSERT_TRUE(client) << client.error().message;
  (*client)->shutdown_write();  // before the connection is established, with nothing queued
  ASSERT_TRUE(run_until([&] { return server_saw_eof; }));
}

TEST_P(LoopTest, ConnectToAClosedPortIsRefused) {
  // A port that nothing listens on: bind one, learn its number, close it.
  const int probe = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(probe, 0);
  auto endpoint = parse_endpoint("tcp://127.0.0.1:0");
  ASSERT_TRUE(endpoint);
  ASSERT_EQ(::bind(probe, endpoint->address.get(), endpoint->address.size()), 0);
  SocketAddress bound;
  ASSERT_EQ(::getsockname(probe, bound.get(), bound.size_ptr()), 0);
  ::close(probe);

  int error = 0;
  int closes = 0;
  bool connected = false;
  auto s = loop_->connect(Endpoint{Transport::tcp, bound});
  ASSERT_TRUE(s) << s.error().message;  // the failure is reported as an event, not here
  (*s)->on_connect = [&](Stream&) { connected = true; };
  (*s)->on_error = [&](Stream&, int e) { error = e; };
  (*s)->on_close = [&] { ++closes; };
  ASSERT_TRUE(run_until([&] { return closes != 0; }, milliseconds(5000)));
  EXPECT_EQ(error, ECONNREFUSED);
  EXPECT_FALSE(connected);
  EXPECT_EQ(closes, 1);
  EXPECT_EQ(loop_->handle_count(), 0U);
}

TEST_P(LoopTest, DescriptorAboveFdSetsizeIsRefusedBySelectOnly) {
  // Occupy every descriptor below FD_SETSIZE so that the loop's next socket lands above it.
  FdLimit limit;
  if (limit.hard() < FD_SETSIZE + 64) GTEST_SKIP() << "RLIMIT_NOFILE hard limit too low";
  if (limit.soft() < FD_SETSIZE + 64) {
    ASSERT_TRUE(limit.set_soft(FD_SETSIZE + 64));
  }
  std::vector<int> fillers;
  for (;;) {
    const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    if (fd >= FD_SETSIZE) {
      ::close(fd);
      break;
    }
    fillers.push_back(fd);
  }
  auto endpoint = parse_endpoint("tcp://127.0.0.1:0");
  ASSERT_TRUE(endpoint);
  auto listener = loop_->listen(*endpoint);
  auto datagram = loop_->open_datagram(*parse_endpoint("udp://127.0.0.1:0"));
  if (GetParam() == BackendKind::select) {
    EXPECT_FALSE(listener);
    EXPECT_FALSE(datagram);
  } else {
    ASSERT_TRUE(listener) << listener.error().message;
    EXPECT_GE((*listener)->fd(), FD_SETSIZE);
    EXPECT_TRUE(datagram) << datagram.error().message;
  }
  loop_->run_once(milliseconds(0));  // the refused handles are freed in the close phase
  // A listener in range (made before the fillers go), then a client above FD_SETSIZE.
  if (GetParam() == BackendKind::select) {
    ::close(fillers.back());
    fillers.pop_back();
    Listener* server = echo_server();
    ASSERT_NE(server, nullptr);
    auto refused = loop_->connect(server->endpoint());
    EXPECT_FALSE(refused);  // its socket is above FD_SETSIZE
    loop_->run_once(milliseconds(0));
  } else {
    Listener* server = *listener;
    server->on_accept = [](Stream& st) {
      st.on_data = [](Stream& s, const Slice& b) { EXPECT_TRUE(s.write_copy(b.bytes())); };
      st.start_reading();
    };
    std::string received;
    Stream* c = client(server->endpoint(), &received);
    ASSERT_NE(c, nullptr);
    EXPECT_GE(c->fd(), FD_SETSIZE);
    ASSERT_TRUE(c->write_copy(as_bytes("high")));
    EXPECT_TRUE(run_until([&] { return received == "high"; }));
  }
  for (int fd : fillers) ::close(fd);
  // The loop is still usable once descriptors are back in range.
  Listener* server = echo_server();
  ASSERT_NE(server, nullptr);
  std::string received;
  Stream* c = client(server->endpoint(), &received);
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->write_copy(as_bytes("low again")));
  EXPECT_TRUE(run_until([&] { return received == "low again"; }));
}

std::vector<BackendKind> all_backends() {
  return {BackendKind::select, BackendKind::epoll, BackendKind::kqueue, BackendKind::io_uring};
}

INSTANTIATE_TEST_SUITE_P(Backends, LoopTest, ::testing::ValuesIn(all_backends()),
                         [](const ::testing::TestParamInfo<BackendKind>& p) {
                           return std::string(to_string(p.param));
                         });

}  // namespace
}  // namespace nelson::core::test
