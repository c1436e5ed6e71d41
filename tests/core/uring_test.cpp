// io_uring-specific behaviour of the reactor (the shared suite in loop_test.cpp covers the
// contract): multishot recv ended by an empty buffer ring and re-armed, zero-copy delivery that
// keeps ring buffers out of the ring while the user holds them, one-shot reads into the loop's
// pool while users hold every ring buffer, pause/resume cancelling the
// multishot recv, the fallback to epoll when io_uring cannot be set up, and large writes through
// partial and zero-copy sends. Each test skips where the kernel refuses io_uring.
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <gtest/gtest.h>
#include <string>
#include <vector>

#include "core/loop.hpp"
#include "core/uring_backend.hpp"
#include "tests/core/run_loop.hpp"

namespace nelson::core {
namespace {

using std::chrono::milliseconds;

std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
  return s;
}

std::span<const std::byte> as_bytes(const std::string& s) { return std::as_bytes(std::span(s.data(), s.size())); }

class UringTest : public ::testing::Test {
 protected:
  void TearDown() override {
    loop_.reset();
    uring_testing::set_buffer_count(0);
    uring_testing::set_zero_copy_threshold(0);
    uring_testing::simulate_setup_failure(0);
  }

  bool create(LoopOptions options = {}) {
    options.backend = BackendKind::io_uring;
    auto created = Loop::create(options);
    if (!created) return false;
    loop_ = std::move(created.value());
    return loop_->backend_kind() == BackendKind::io_uring;
  }

  template <class Pred>
  bool run_until(Pred done, milliseconds limit = milliseconds(10000)) {
    return test::run_until(*loop_, done, limit);
  }
  void run_for(milliseconds span) { test::run_for(*loop_, span); }

  Listener* listen(const std::string& address = "tcp://127.0.0.1:0") {
    auto listener = loop_->listen(*parse_endpoint(address));
    EXPECT_TRUE(listener) << listener.error().message;
    return listener ? *listener : nullptr;
  }

  std::unique_ptr<Loop> loop_;
};

#define SKIP_WITHOUT_URING(...) \
  if (!create(__VA_ARGS__)) GTEST_SKIP() << "io_uring unavailable here: " << (loop_ ? loop_->fallback_reason() : "")

TEST_F(UringTest, EmptyBufferRingEndsMultishotRecvWhichResumesWhenSlicesAreReleased) {
  // 4 ring buffers of 4 KiB: the user holding 4 slices leaves the kernel nothing to fill, the
  // multishot recv ends with ENOBUFS (no IORING_CQE_F_MORE). The stream goes on reading into
  // the loop's pool meanwhile, and back into the ring once the buffers come back, without
  // losing or reordering a byte.
  uring_testing::set_buffer_count(4);
  SKIP_WITHOUT_URING(LoopOptions{.slab_size = 4096});
  Listener* server = listen();
  ASSERT_NE(server, nullptr);
  std::vector<Slice> kept;  // declared after loop_: released before the loop goes
  std::string got;
  bool hold = true;
  std::size_t ring_reads_after_release = 0;
  server->on_accept = [&](Stream& s) {
    s.on_data = [&](Stream&, const Slice& b) {
      got.append(reinterpret_cast<const char*>(b.data()), b.length);
      const bool from_ring = b.slab->pool() != &loop_->pool();
      if (hold && from_ring) kept.push_back(b);  // the slab stays out of the ring
      if (!hold && from_ring) ++ring_reads_after_release;
    };
    s.start_reading();
  };
  auto client = loop_->connect(server->endpoint());
  ASSERT_TRUE(client) << client.error().message;
  const std::string message = pattern(std::size_t{256} * 1024);
  const std::uint64_t pool_reads = uring_testing::pool_reads();
  ASSERT_TRUE((*client)->write_copy(as_bytes(message)));
  ASSERT_TRUE(run_until([&] { return got.size() == message.size(); })) << got.size() << " of " << message.size();
  EXPECT_EQ(got, message);
  EXPECT_EQ(kept.size(), 4U);
  EXPECT_GT(uring_testing::pool_reads(), pool_reads);
  // Releasing the slices returns their slabs to the ring; the stream reads into it again.
  hold = false;
  kept.clear();
  got.clear();
  ASSERT_TRUE((*client)->write_copy(as_bytes(message)));
  ASSERT_TRUE(run_until([&] { return got.size() == message.size(); })) << got.size() << " of " << message.size();
  EXPECT_EQ(got, message);
  EXPECT_GT(ring_reads_after_release, 0U);
  (*client)->close();
  server->close();
  ASSERT_TRUE(run_until([&] { return loop_->handle_count() == 0; }));
}

TEST_F(UringTest, DatagramsKeptByTheUserDoNotStopUdp) {
  // 16 datagram ring buffers; the user keeps every datagram it gets (as a server keeps a deferred
  // call's bytes). The last few ring buffers stay the kernel's: datagrams arrive as copies in the
  // loop's pool instead, and UDP goes on; without that the 16th kept datagram stopped the socket.
  uring_testing::set_buffer_count(16);
  SKIP_WITHOUT_URING(LoopOptions{.slab_size = 4096});
  auto server = loop_->open_datagram(*parse_endpoint("udp://127.0.0.1:0"));
  ASSERT_TRUE(server) << server.error().message;
  auto client = loop_->open_datagram(*parse_endpoint("udp://127.0.0.1:0"));
  ASSERT_TRUE(client) << client.error().message;
  std::vector<Slice> kept;  // declared after loop_: released before the loop goes
  std::size_t from_ring = 0;
  (*server)->on_datagram = [&](DatagramSocket&, const Datagram& dg) {
    if (dg.data.slab->pool() != &loop_->pool()) ++from_ring;
    kept.push_back(dg.data);
  };
  (*server)->start_reading();
  constexpr std::size_t kDatagrams = 200;
  for (std::size_t i = 0; i < kDatagrams; ++i) {
    const std::string message = "datagram " + std::to_string(i);
    iovec iov{const_cast<char*>(message.data()), message.size()};
    ASSERT_EQ((*client)->send_to({&iov, 1}, (*server)->endpoint().address), 0);
    ASSERT_TRUE(run_until([&] { return kept.size() == i + 1; }, milliseconds(5000))) << "stopped after " << i;
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(kept.back().data()), kept.back().length), message);
  }
  EXPECT_LE(from_ring, 16U - 8U);  // at most the ring less its reserve is held
  EXPECT_GE(loop_->stats().datagrams_copied, kDatagrams - from_ring);
  // Released, the ring's buffers carry datagrams again.
  kept.clear();
  from_ring = 0;
  iovec iov{const_cast<char*>("again"), 5};
  ASSERT_EQ((*client)->send_to({&iov, 1}, (*server)->endpoint().address), 0);
  ASSERT_TRUE(run_until([&] { return kept.size() == 1; }));
  EXPECT_EQ(from_ring, 1U);
  kept.clear();
  (*server)->close();
  (*client)->close();
  ASSERT_TRUE(run_until([&] { return loop_->handle_count() == 0; }));
}

TEST_F(UringTest, StreamsThatPinEveryRingBufferStillReceiveDataAndEof) {
  // 8 ring buffers, 24 streams whose on_data keeps every slice until EOF (as a handler that
  // keeps argument views, or a partial record, might): the ring runs dry at once. Waiting for a
  // buffer to come back would deadlock (the holders let go only on EOF), so the streams read
  // into the loop's pool; once the slices go, multishot receives into the ring resume.
  uring_testing::set_buffer_count(8);
  SKIP_WITHOUT_URING(LoopOptions{.slab_size = 4096});
  constexpr std::size_t kStreams = 24;
  Listener* server = listen();
  ASSERT_NE(server, nullptr);
  std::vector<std::vector<Slice>> kept(kStreams);  // after loop_: released before the loop goes
  std::vector<std::string> got(kStreams);
  std::vector<Stream*> accepted;
  std::size_t eofs = 0;
  bool release_on_eof = false;
  std::size_t ring_reads = 0;
  server->on_accept = [&](Stream& s) {
    const std::size_t i = accepted.size();
    accepted.push_back(&s);
    s.on_data = [&, i](Stream&, const Slice& b) {
      got[i].append(reinterpret_cast<const char*>(b.data()), b.length);
      if (b.slab->pool() != &loop_->pool()) ++ring_reads;
      kept[i].push_back(b);
    };
    s.on_eof = [&, i](Stream& st) {
      ++eofs;
      if (release_on_eof) kept[i].clear();
      st.close();
    };
    s.start_reading();
  };
  std::vector<Stream*> clients;
  for (std::size_t i = 0; i < kStreams; ++i) {
    auto client = loop_->connect(server->endpoint());
    ASSERT_TRUE(client) << client.error().message;
    clients.push_back(*client);
  }
  ASSERT_TRUE(run_until([&] { return accepted.size() == kStreams; }));
  // The streams are accepted in connection order: client i talks to accepted[i].
  const std::uint64_t pool_reads = uring_testing::pool_reads();
  const std::string first = pattern(3000);
  for (Stream* c : clients) ASSERT_TRUE(c->write_copy(as_bytes(first)));
  ASSERT_TRUE(run_until([&] {
    for (const std::string& g : got) {
      if (g.size() != first.size()) return false;
    }
    return true;
  }));
  EXPECT_LE(ring_reads, 8U);  // every delivered ring buffer is still held
  // More data for every stream, then EOF: all of it arrives although the ring is still pinned.
  const std::string second = pattern(20000);
  for (Stream* c : clients) {
    ASSERT_TRUE(c->write_copy(as_bytes(second)));
    c->shutdown_write();
  }
  ASSERT_TRUE(run_until([&] { return eofs == kStreams; })) << eofs << " of " << kStreams << " EOFs";
  for (std::size_t i = 0; i < kStreams; ++i) EXPECT_EQ(got[i], first + second) << i;
  EXPECT_GE(uring_testing::pool_reads() - pool_reads, kStreams);
  for (Stream* c : clients) c->close();
  ASSERT_TRUE(run_until([&] { return loop_->handle_count() == 1; }));
  // Releasing the slices refills the ring: a new stream receives into it again.
  for (auto& k : kept) k.clear();
  kept.resize(kStreams + 1);
  got.resize(kStreams + 1);
  release_on_eof = true;
  ring_reads = 0;
  auto client = loop_->connect(server->endpoint());
  ASSERT_TRUE(client);
  ASSERT_TRUE((*client)->write_copy(as_bytes(second)));
  (*client)->shutdown_write();
  ASSERT_TRUE(run_until([&] { return eofs == kStreams + 1; }));
  EXPECT_EQ(got[kStreams], second);
  EXPECT_GT(ring_reads, 0U);
  (*client)->close();
  server->close();
  ASSERT_TRUE(run_until([&] { return loop_->handle_count() == 0; }));
  EXPECT_EQ(loop_->pool().stats().slabs_in_use, 0U);
}

TEST_F(UringTest, PauseAndCloseCancelAReadIntoTheLoopsPool) {
  // 2 ring buffers, both held: the idle stream waits in a one-shot recv into the loop's pool,
  // which pause_reading cancels (nothing is lost) and close cancels before the stream is freed.
  uring_testing::set_buffer_count(2);
  SKIP_WITHOUT_URING(LoopOptions{.slab_size = 4096});
  Listener* server = listen();
  ASSERT_NE(server, nullptr);
  std::vector<Slice> kept;  // after loop_: released before the loop goes
  std::string got;
  Stream* accepted = nullptr;
  bool closed = false;
  server->on_accept = [&](Stream& s) {
    accepted = &s;
    s.on_data = [&](Stream&, const Slice& b) {
      got.append(reinterpret_cast<const char*>(b.data()), b.length);
      kept.push_back(b);
    };
    s.on_close = [&] { closed = true; };
    s.start_reading();
  };
  auto client = loop_->connect(server->endpoint());
  ASSERT_TRUE(client);
  const std::string message = pattern(300);
  for (std::size_t i = 0; i < 3; ++i) {  // two reads pin the ring, the third one is a pool read
    ASSERT_TRUE((*client)->write_copy(as_bytes(message.substr(i * 100, 100))));
    ASSERT_TRUE(run_until([&] { return got.size() == (i + 1) * 100; }));
  }
  const std::uint64_t pool_reads = uring_testing::pool_reads();
  run_for(milliseconds(50));  // idle: the pool read waits in the kernel, no busy loop
  EXPECT_EQ(uring_testing::pool_reads(), pool_reads);
  EXPECT_EQ(accepted->pending_ops, 1U);
  accepted->pause_reading();
  run_for(milliseconds(50));
  EXPECT_EQ(accepted->pending_ops, 0U);  // the pool read was cancelled
  ASSERT_TRUE((*client)->write_copy(as_bytes(message)));
  run_for(milliseconds(50));
  EXPECT_EQ(got.size(), message.size());  // paused: nothing delivered
  accepted->start_reading();
  ASSERT_TRUE(run_until([&] { return got.size() == 2 * message.size(); }));
  EXPECT_EQ(got, message + message);
  run_for(milliseconds(20));  // a pool read waits again
  accepted->close();
  ASSERT_TRUE(run_until([&] { return closed; }));
  (*client)->close();
  server->close();
  ASSERT_TRUE(run_until([&] { return loop_->handle_count() == 0; }));
}

TEST_F(UringTest, PauseCancelsTheMultishotRecvAndResumeLosesNothing) {
  SKIP_WITHOUT_URING();
  Listener* server = listen();
  ASSERT_NE(server, nullptr);
  Stream* accepted = nullptr;
  std::string got;
  server->on_accept = [&](Stream& s) {
    accepted = &s;
    s.on_data = [&](Stream& st, const Slice& b) {
      got.append(reinterpret_cast<const char*>(b.data()), b.length);
      st.pause_reading();  // one delivery, then quiet until resumed
    };
    s.start_reading();
  };
  auto client = loop_->connect(server->endpoint());
  ASSERT_TRUE(client);
  const std::string message = pattern(std::size_t{1} << 20);
  std::size_t sent = 0;
  std::size_t deliveries = 0;
  while (got.size() < message.size()) {
    if (sent < message.size()) {  // trickle, so that data arrives while paused
      const std::size_t n = std::min<std::size_t>(100 * 1024, message.size() - sent);
      ASSERT_TRUE((*client)->write_copy(as_bytes(message.substr(sent, n))));
      sent += n;
    }
    const std::size_t before = got.size();
    run_for(milliseconds(5));
    if (accepted != nullptr) {
      // Paused by the delivery, if one came in those 5 ms (on a busy machine none may have).
      if (got.size() != before) {
        EXPECT_FALSE(accepted->reading());
        ++deliveries;
      }
      accepted->start_reading();
    }
    ASSERT_LT(deliveries, 100000U);
  }
  EXPECT_EQ(got, message);
}

TEST_F(UringTest, UnavailableIoUringFallsBackToEpollAndSaysWhy) {
  uring_testing::simulate_setup_failure(EPERM);  // as a container's seccomp profile answers
  auto created = Loop::create({.backend = BackendKind::io_uring});
  ASSERT_TRUE(created) << created.error().message;
  loop_ = std::move(created.value());
  EXPECT_EQ(loop_->backend_kind(), BackendKind::epoll);
  EXPECT_NE(loop_->fallback_reason().find("io_uring"), std::string::npos) << loop_->fallback_reason();
  EXPECT_NE(loop_->fallback_reason().find(std::strerror(EPERM)), std::string::npos) << loop_->fallback_reason();
  // And the loop works on it.
  Listener* server = listen();
  ASSERT_NE(server, nullptr);
  std::string got;
  server->on_accept = [&](Stream& s) {
    s.on_data = [&](Stream&, const Slice& b) { got.append(reinterpret_cast<const char*>(b.data()), b.length); };
    s.start_reading();
  };
  auto client = loop_->connect(server->endpoint());
  ASSERT_TRUE(client);
  ASSERT_TRUE((*client)->write_copy(as_bytes("still served")));
  ASSERT_TRUE(run_until([&] { return got == "still served"; }));
  // With the simulation off, io_uring is back.
  uring_testing::simulate_setup_failure(0);
  loop_.reset();
  SKIP_WITHOUT_URING();
  EXPECT_TRUE(loop_->fallback_reason().empty()) << loop_->fallback_reason();
}

// Echoes 8 MiB through a server that sends back the very slices it received (no copy), over
// TCP (zero-copy sends above the threshold) and a UNIX socket (plain sendmsg only).
TEST_F(UringTest, LargeWritesArriveIntactThroughPartialAndZeroCopySends) {
  // The default never sends zero-copy to a loopback peer (no gain there): lower the threshold,
  // which also lifts that rule, so that sends of a few slabs take the SENDMSG_ZC path.
  uring_testing::set_zero_copy_threshold(std::size_t{128} * 1024);
  SKIP_WITHOUT_URING();
  for (const std::string& address :
       std::vector<std::string>{"tcp://127.0.0.1:0", "unix://@nelson-uring-test-" + std::to_string(::getpid())}) {
    SCOPED_TRACE(address);
    const std::uint64_t notifications = uring_testing::zero_copy_notifications();
    const std::uint64_t calls = loop_->stats().write_calls;
    Listener* server = listen(address);
    ASSERT_NE(server, nullptr);
    std::vector<Stream*> accepted;
    server->on_accept = [&](Stream& s) {
      accepted.push_back(&s);
      s.on_data = [](Stream& st, const Slice& b) {
        Chain echo;
        echo.append(b);  // shares the ring buffer: it returns to the ring once sent
        st.write(std::move(echo));
      };
      s.on_eof = [](Stream& st) { st.shutdown_write(); };
      s.start_reading();
    };
    auto client = loop_->connect(server->endpoint());
    ASSERT_TRUE(client);
    const std::string message = pattern(std::size_t{8} << 20);
    std::string got;
    bool eof = false;
    (*client)->on_data = [&](Stream&, const Slice& b) {
      got.append(reinterpret_cast<const char*>(b.data()), b.length);
    };
    (*client)->on_eof = [&](Stream&) { eof = true; };
    (*client)->start_reading();
    ASSERT_TRUE((*client)->write_copy(as_bytes(message)));  // one write: many partial sends
    (*client)->shutdown_write();
    ASSERT_TRUE(run_until([&] { return eof; }, milliseconds(30000))) << got.size() << " of " << message.size();
    EXPECT_EQ(got.size(), message.size());
    EXPECT_TRUE(got == message);
    EXPECT_GT(loop_->stats().write_calls - calls, 2U);
    if (address.starts_with("tcp")) {
      EXPECT_GT(uring_testing::zero_copy_notifications(), notifications) << "no SENDMSG_ZC was used";
    } else {
      EXPECT_EQ(uring_testing::zero_copy_notifications(), notifications);
    }
    (*client)->close();
    for (Stream* s : accepted) s->close();
    server->close();
    ASSERT_TRUE(run_until([&] { return loop_->handle_count() == 0; }));
  }
}

TEST_F(UringTest, ClosingWithOperationsInFlightFreesOnlyAfterTheKernelLetGo) {
  SKIP_WITHOUT_URING();
  Listener* server = listen();
  ASSERT_NE(server, nullptr);
  int callbacks_after_close = 0;
  bool closed = false;
  std::vector<Stream*> accepted;
  server->on_accept = [&](Stream& s) {
    accepted.push_back(&s);
    s.on_data = [&](Stream& st, const Slice&) {
      if (closed) ++callbacks_after_close;
      // A big reply in flight, then close at once: the send and the multishot recv are cancelled.
      std::string reply = pattern(std::size_t{4} << 20);
      EXPECT_TRUE(st.write_copy(as_bytes(reply)));
    };
    s.on_close = [&] { closed = true; };
    s.start_reading();
  };
  auto client = loop_->connect(server->endpoint());
  ASSERT_TRUE(client);
  ASSERT_TRUE((*client)->write_copy(as_bytes("go")));
  ASSERT_TRUE(run_until([&] { return !accepted.empty() && accepted[0]->queued_output() != 0; }));
  ASSERT_TRUE((*client)->write_copy(as_bytes("more")));
  loop_->run_once(milliseconds(0));
  accepted[0]->close();
  ASSERT_TRUE(run_until([&] { return closed; }));
  EXPECT_EQ(callbacks_after_close, 0);
  (*client)->close();
  server->close();
  ASSERT_TRUE(run_until([&] { return loop_->handle_count() == 0; }));
  // A zero-copy send keeps its slabs until its notification, which can outlive the stream (the
  // client's close resets the connection and frees the kernel's queue).
  ASSERT_TRUE(run_until([&] { return loop_->pool().stats().slabs_in_use == 0; }));
}

}  // namespace
}  // namespace nelson::core
