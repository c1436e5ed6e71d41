// The reactor suite, streams: many connections, coalesced and split messages, back-pressure,
// half-close, reset, closing from callbacks, EMFILE on accept. Every test runs on every backend
// (the suite is instantiated in loop_test.cpp) and is bounded in time.
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <gtest/gtest.h>
#include <string>
#include <vector>

#include "core/loop.hpp"
#include "tests/core/loop_test_fixture.hpp"

namespace nelson::core::test {
namespace {

TEST_P(LoopTest, EchoWithManyConcurrentConnections) {
  // select cannot hold descriptors >= FD_SETSIZE (1024): two per connection, so fewer there.
  const std::size_t connections = GetParam() == BackendKind::select ? 400 : 1000;
  FdLimit limit;
  const rlim_t needed = 2 * connections + 64;
  if (limit.soft() < needed) {
    if (limit.hard() < needed) GTEST_SKIP() << "RLIMIT_NOFILE hard limit " << limit.hard() << " < " << needed;
    ASSERT_TRUE(limit.set_soft(limit.hard()));
  }
  Listener* server = echo_server();
  ASSERT_NE(server, nullptr);
  std::vector<Stream*> clients;
  std::vector<std::string> received(connections);
  std::vector<std::string> sent(connections);
  int closed = 0;
  std::size_t complete = 0;
  for (std::size_t i = 0; i < connections; ++i) {
    sent[i] = "connection " + std::to_string(i) + std::string(i % 97, '.') + " end";
    auto s = loop_->connect(server->endpoint());
    ASSERT_TRUE(s) << i << ": " << s.error().message;
    (*s)->on_data = [&, i](Stream&, const Slice& b) {
      received[i].append(as_chars(b));
      if (received[i].size() == sent[i].size()) ++complete;
    };
    (*s)->on_close = [&] { ++closed; };
    (*s)->start_reading();
    ASSERT_TRUE((*s)->write_copy(as_bytes(sent[i])));
    clients.push_back(*s);
  }
  ASSERT_TRUE(run_until([&] { return complete == connections; }, milliseconds(30000)))
      << complete << " of " << connections << " echoed, " << accepted_ << " accepted";
  EXPECT_EQ(accepted_, static_cast<int>(connections));
  for (std::size_t i = 0; i < connections; ++i) ASSERT_EQ(received[i], sent[i]) << i;
  EXPECT_EQ(loop_->handle_count(), 2 * connections + 1);
  // Close every client; each server stream closes on its EOF; everything is freed.
  for (Stream* s : clients) s->close();
  server->close();
  ASSERT_TRUE(run_until([&] { return loop_->handle_count() == 0; }));
  EXPECT_EQ(closed, static_cast<int>(connections));
  EXPECT_EQ(loop_->pool().stats().slabs_in_use, 0U);
}

TEST_P(LoopTest, ManyMessagesArriveInOneRead) {
  Listener* server = echo_server();
  ASSERT_NE(server, nullptr);
  int server_reads = 0;
  std::string server_saw;
  server->on_accept = [&](Stream& s) {
    s.on_data = [&](Stream& st, const Slice& b) {
      ++server_reads;
      server_saw.append(as_chars(b));
      EXPECT_TRUE(st.write_copy(b.bytes()));
    };
    s.start_reading();
  };
  std::string batch;
  for (int i = 0; i < 100; ++i) {
    std::string message = "msg" + std::to_string(i);
    message.resize(16, '.');
    batch += message;
  }
  std::string received;
  Stream* c = client(server->endpoint(), &received);
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->write_copy(as_bytes(batch)));  // one write of 100 messages
  ASSERT_TRUE(run_until([&] { return received.size() == batch.size(); }));
  EXPECT_EQ(received, batch);
  EXPECT_EQ(server_saw, batch);
  EXPECT_LT(server_reads, 100);  // coalesced: on loopback, in practice one read
  EXPECT_GE(server_reads, 1);
}

TEST_P(LoopTest, OneMessageOverManyReads) {
  Listener* server = echo_server();
  ASSERT_NE(server, nullptr);
  int server_reads = 0;
  std::string server_saw;
  const std::string message = "a message that arrives one byte per loop iteration";
  server->on_accept = [&](Stream& s) {
    s.on_data = [&](Stream& st, const Slice& b) {
      ++server_reads;
      server_saw.append(as_chars(b));
      if (server_saw.size() == message.size()) {
        EXPECT_TRUE(st.write_copy(as_bytes(server_saw)));
      }
    };
    s.start_reading();
  };
  std::string received;
  Stream* c = client(server->endpoint(), &received);
  ASSERT_NE(c, nullptr);
  std::size_t next = 0;
  std::function<void()> drip = [&] {
    ASSERT_TRUE(c->write_copy(as_bytes(std::string_view(message).substr(next++, 1))));
    if (next < message.size()) loop_->post(drip);
  };
  loop_->post(drip);
  ASSERT_TRUE(run_until([&] { return received.size() == message.size(); }));
  EXPECT_EQ(received, message);
  EXPECT_EQ(server_saw, message);
  EXPECT_GE(server_reads, static_cast<int>(message.size()) / 2);  // mostly one byte per read
}

TEST_P(LoopTest, SmallReadBudgetSplitsAMessageAndReassemblesIt) {
  recreate({.max_read_per_wakeup = 7});
  ASSERT_TRUE(loop_);
  Listener* server = echo_server();
  ASSERT_NE(server, nullptr);
  int server_reads = 0;
  server->on_accept = [&](Stream& s) {
    s.on_data = [&](Stream& st, const Slice& b) {
      ++server_reads;
      EXPECT_LE(b.length, 7U);
      EXPECT_TRUE(st.write_copy(b.bytes()));
    };
    s.start_reading();
  };
  std::string message;
  for (int i = 0; i < 1000; ++i) message.push_back(static_cast<char>('A' + i % 53));
  std::string received;
  Stream* c = client(server->endpoint(), &received);
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->write_copy(as_bytes(message)));
  ASSERT_TRUE(run_until([&] { return received.size() == message.size(); }));
  EXPECT_EQ(received, message);
  EXPECT_GE(server_reads, 1000 / 7);
}

TEST_P(LoopTest, TinySendBufferEngagesBackPressureThenDrainsIntact) {
  constexpr std::size_t kTotal = std::size_t{2} << 20;
  constexpr std::size_t kChunk = 16 * 1024;
  constexpr std::size_t kLow = 16 * 1024;
  constexpr std::size_t kHigh = 64 * 1024;
  auto endpoint = parse_endpoint("tcp://127.0.0.1:0");
  ASSERT_TRUE(endpoint);
  auto listener = loop_->listen(*endpoint);
  ASSERT_TRUE(listener) << listener.error().message;
  Stream* producer = nullptr;
  std::size_t produced = 0;
  bool paused = false;
  std::vector<bool> pressure;  // every on_write_pressure, in order
  std::size_t queued_at_high = 0;
  std::function<void()> produce = [&] {
    if (producer == nullptr || paused || produced == kTotal) return;
    std::string chunk(kChunk, '\0');
    for (std::size_t i = 0; i < kChunk; ++i) chunk[i] = static_cast<char>((produced + i) % 251);
    produced += kChunk;
    ASSERT_TRUE(producer->write_copy(as_bytes(chunk)));
    if (!paused) loop_->post(produce);
  };
  (*listener)->on_accept = [&](Stream& s) {
    const int small = 4096;
    EXPECT_EQ(::setsockopt(s.fd(), SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
    s.set_write_watermarks(kLow, kHigh);
    s.on_write_pressure = [&](Stream& st, bool above) {
      pressure.push_back(above);
      paused = above;
      if (above) {
        queued_at_high = st.queued_output();
      } else {
        loop_->post(produce);
      }
    };
    producer = &s;
    loop_->post(produce);
  };
  std::size_t received = 0;
  std::size_t mismatches = 0;
  auto c = loop_->connect((*listener)->endpoint());
  ASSERT_TRUE(c) << c.error().message;
  (*c)->on_data = [&](Stream&, const Slice& b) {
    for (std::size_t i = 0; i < b.length; ++i) {
      if (b.data()[i] != static_cast<std::byte>((received + i) % 251)) ++mismatches;
    }
    received += b.length;
  };
  // The client does not read: the kernel buffers fill, writes become partial, output queues.
  ASSERT_TRUE(run_until([&] { return !pressure.empty(); }));
  EXPECT_EQ(pressure, std::vector<bool>{true});
  EXPECT_GT(queued_at_high, kHigh);
  EXPECT_LT(produced, kTotal);
  int sndbuf = 0;
  socklen_t len = sizeof(sndbuf);
  ASSERT_EQ(::getsockopt(producer->fd(), SOL_SOCKET, SO_SNDBUF, &sndbuf, &len), 0);
  EXPECT_LE(sndbuf, 16 * 1024);  // the kernel doubles what was asked, within reason
  // While the peer does not read the output stays stalled (the kernel may still take a little
  // now and then, as it compacts the peer's receive queue) and the loop idles, not spinning.
  EXPECT_LT(run_for(milliseconds(100)), 100U);
  EXPECT_LT(produced, kTotal / 2);
  EXPECT_EQ(received, 0U);
  // The peer reads: everything arrives, in order, and the pressure is released.
  (*c)->start_reading();
  ASSERT_TRUE(run_until([&] { return received == kTotal; }, milliseconds(20000)))
      << received << " of " << kTotal << " received";
  EXPECT_EQ(mismatches, 0U);
  ASSERT_GE(pressure.size(), 2U);
  for (std::size_t i = 0; i < pressure.size(); ++i) EXPECT_EQ(pressure[i], i % 2 == 0) << i;
  EXPECT_FALSE(pressure.back());  // the last word: drained
  EXPECT_EQ(producer->queued_output(), 0U);
}

TEST_P(LoopTest, HalfCloseLetsTheServerStillReply) {
  auto endpoint = parse_endpoint("tcp://127.0.0.1:0");
  ASSERT_TRUE(endpoint);
  auto listener = loop_->listen(*endpoint);
  ASSERT_TRUE(listener) << listener.error().message;
  Stream* server_side = nullptr;
  std::string question;
  int server_eofs = 0;
  int server_closes = 0;
  (*listener)->on_accept = [&](Stream& s) {
    server_side = &s;
    s.on_data = [&](Stream&, const Slice& b) { question.append(as_chars(b)); };
    s.on_eof = [&](Stream& st) {
      ++server_eofs;
      EXPECT_TRUE(st.write_copy(as_bytes("answer to " + question)));
      st.shutdown_write();
    };
    s.on_close = [&] { ++server_closes; };
    s.start_reading();
  };
  std::string reply;
  int client_eofs = 0;
  auto c = loop_->connect((*listener)->endpoint());
  ASSERT_TRUE(c) << c.error().message;
  (*c)->on_data = [&](Stream&, const Slice& b) { reply.append(as_chars(b)); };
  (*c)->on_eof = [&](Stream&) { ++client_eofs; };
  (*c)->start_reading();
  ASSERT_TRUE((*c)->write_copy(as_bytes("the question")));
  (*c)->shutdown_write();
  ASSERT_TRUE(run_until([&] { return client_eofs != 0; }));
  EXPECT_EQ(question, "the question");
  EXPECT_EQ(server_eofs, 1);
  EXPECT_EQ(reply, "answer to the question");
  // Both directions are shut and neither side has closed: an idle pair must not spin the loop
  // (epoll reports a hang-up whether or not it was asked for).
  EXPECT_LT(run_for(milliseconds(100)), 50U);
  (*c)->close();
  EXPECT_LT(run_for(milliseconds(100)), 50U);  // the server side now sees a closed peer
  ASSERT_NE(server_side, nullptr);
  server_side->close();
  (*listener)->close();
  ASSERT_TRUE(run_until([&] { return loop_->handle_count() == 0; }));
  EXPECT_EQ(server_closes, 1);
  EXPECT_EQ(server_eofs, 1);
}

TEST_P(LoopTest, ResetPeerIsReportedAndOthersAreStillServed) {
  auto endpoint = parse_endpoint("tcp://127.0.0.1:0");
  ASSERT_TRUE(endpoint);
  auto listener = loop_->listen(*endpoint);
  ASSERT_TRUE(listener) << listener.error().message;
  int errors = 0;
  int last_error = 0;
  int eofs = 0;
  int server_closes = 0;
  (*listener)->on_accept = [&](Stream& s) {
    s.on_data = [](Stream& st, const Slice& b) { EXPECT_TRUE(st.write_copy(b.bytes())); };
    s.on_error = [&](Stream&, int e) {
      ++errors;
      last_error = e;
    };
    s.on_eof = [&](Stream& st) {
      ++eofs;
      st.close();
    };
    s.on_close = [&] { ++server_closes; };
    s.start_reading();
  };
  std::string a_received;
  std::string b_received;
  Stream* a = client((*listener)->endpoint(), &a_received);
  Stream* b = client((*listener)->endpoint(), &b_received);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(a->write_copy(as_bytes("a1")));
  ASSERT_TRUE(b->write_copy(as_bytes("b1")));
  ASSERT_TRUE(run_until([&] { return a_received == "a1" && b_received == "b1"; }));
  // Abortive close of a: linger 0 turns close() into a RST.
  const linger abort_on_close{1, 0};
  ASSERT_EQ(::setsockopt(a->fd(), SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof(abort_on_close)), 0);
  a->close();
  ASSERT_TRUE(run_until([&] { return server_closes == 1; }));
  EXPECT_EQ(errors + eofs, 1);
  if (errors != 0) {
    EXPECT_EQ(last_error, ECONNRESET);
  }
  ASSERT_TRUE(b->write_copy(as_bytes("b2")));
  ASSERT_TRUE(run_until([&] { return b_received == "b1b2"; }));
  EXPECT_EQ(server_closes, 1);
}

TEST_P(LoopTest, ClosingOwnAndOtherStreamsFromCallbacks) {
  auto endpoint = parse_endpoint("tcp://127.0.0.1:0");
  ASSERT_TRUE(endpoint);
  auto listener = loop_->listen(*endpoint);
  ASSERT_TRUE(listener) << listener.error().message;
  struct Server {
    Stream* stream = nullptr;
    int data = 0;
    int closes = 0;
    int callbacks_after_close = 0;
  };
  std::vector<Server> servers(3);
  int accepted = 0;
  (*listener)->on_accept = [&](Stream& s) {
    const int me = accepted++;
    servers[me].stream = &s;
    s.on_data = [&, me](Stream& st, const Slice&) {
      Server& self = servers[me];
      if (st.closing()) ++self.callbacks_after_close;
      ++self.data;
      if (me == 2) return;  // the bystander: not involved in the closing
      // Whoever of 0 and 1 speaks first closes itself, then the other (which has queued
      // output and is readable in the same batch): the other hears nothing more.
      Server& other = servers[1 - me];
      EXPECT_TRUE(other.stream->write_copy(as_bytes("never sent")));
      st.close();
      EXPECT_TRUE(st.closing());
      other.stream->close();
      other.stream->close();                            // twice: harmless
      EXPECT_TRUE(st.write_copy(as_bytes("ignored")));  // writing to a closing stream is ignored
    };
    s.on_eof = [&, me](Stream&) { ++servers[me].callbacks_after_close; };
    s.on_error = [&, me](Stream&, int) { ++servers[me].callbacks_after_close; };
    s.on_close = [&, me] {
      ++servers[me].closes;
      // A handle's memory is still valid in its on_close; closing others from here is allowed.
      if (me == 0) servers[2].stream->close();
    };
    s.start_reading();
  };
  std::string r0;
  std::string r1;
  std::string r2;
  int client_closes = 0;
  Stream* c0 = client((*listener)->endpoint(), &r0, &client_closes);
  Stream* c1 = client((*listener)->endpoint(), &r1, &client_closes);
  ASSERT_NE(c0, nullptr);
  ASSERT_NE(c1, nullptr);
  ASSERT_TRUE(run_until([&] { return accepted == 2; }));
  Stream* c2 = client((*listener)->endpoint(), &r2, &client_closes);
  ASSERT_NE(c2, nullptr);
  ASSERT_TRUE(run_until([&] { return accepted == 3; }));
  const std::size_t handles = loop_->handle_count();
  ASSERT_EQ(handles, 7U);
  // Both write in the same iteration, so both server streams are readable in the same batch.
  ASSERT_TRUE(c0->write_copy(as_bytes("zero")));
  ASSERT_TRUE(c1->write_copy(as_bytes("one")));
  ASSERT_TRUE(run_until([&] { return servers[0].closes + servers[1].closes + servers[2].closes == 3; }));
  // The clients see their servers go away (EOF) and close themselves.
  ASSERT_TRUE(run_until([&] { return client_closes == 3; }));
  run_for(milliseconds(20));
  EXPECT_EQ(servers[0].data + servers[1].data, 1);
  EXPECT_EQ(servers[2].data, 0);
  for (const Server& s : servers) {
    EXPECT_EQ(s.closes, 1);
    EXPECT_EQ(s.callbacks_after_close, 0);
  }
  EXPECT_EQ(r0, "");
  EXPECT_EQ(r1, "");
  EXPECT_EQ(loop_->handle_count(), 1U);  // the listener
  (*listener)->close();
  ASSERT_TRUE(run_until([&] { return loop_->handle_count() == 0; }));
  EXPECT_EQ(loop_->pool().stats().slabs_in_use, 0U);
}

TEST_P(LoopTest, AcceptAtEmfileRefusesWithoutSpinningThenRecovers) {
  Listener* server = echo_server();
  ASSERT_NE(server, nullptr);
  // Client sockets are made before the limit drops (a socket needs a descriptor, a connect
  // does not); they connect one every 10 ms while the server has no descriptor to spare.
  constexpr int kClients = 20;
  std::vector<int> raw;
  for (int i = 0; i < kClients; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    raw.push_back(fd);
  }
  {
    FdLimit limit;
    const int lowest_free = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(lowest_free, 0);
    ::close(lowest_free);
    ASSERT_TRUE(limit.set_soft(static_cast<rlim_t>(lowest_free)));  // no descriptor is free now
    const int none = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    ASSERT_LT(none, 0);
    ASSERT_EQ(errno, EMFILE);

    int next = 0;
    Timer* self = nullptr;
    Timer connector(loop_->timers(), [&] {
      const SocketAddress& to = server->endpoint().address;
      const int rc = ::connect(raw[static_cast<std::size_t>(next)], to.get(), to.size());
      EXPECT_TRUE(rc == 0 || errno == EINPROGRESS) << std::strerror(errno);
      if (++next < kClients) self->arm_after(milliseconds(10));
    });
    self = &connector;
    connector.arm_after(milliseconds(0));
    rusage before{};
    ::getrusage(RUSAGE_SELF, &before);
    const std::uint64_t iterations = run_for(milliseconds(300));
    rusage after{};
    ::getrusage(RUSAGE_SELF, &after);
    const auto cpu_us = [](const rusage& r) {
      return (r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1000000 + r.ru_utime.tv_usec + r.ru_stime.tv_usec;
    };
    EXPECT_EQ(next, kClients);
    EXPECT_EQ(server->refused_for_descriptors(), static_cast<std::uint64_t>(kClients));
    EXPECT_EQ(accepted_, 0);
    // Idle, the loop would run ~30 iterations of 10 ms; a spinning one runs many thousands.
    EXPECT_LT(iterations, 200U);
    EXPECT_LT(cpu_us(after) - cpu_us(before), 150000) << "the loop burnt CPU while out of descriptors";
  }  // the limit is restored here
  // Each refused client was accepted and closed at once: it reads EOF.
  for (int fd : raw) {
    char byte;
    EXPECT_EQ(::recv(fd, &byte, 1, 0), 0);
    ::close(fd);
  }
  // Descriptors are available again: connections are accepted and served.
  std::string received;
  Stream* c = client(server->endpoint(), &received);
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->write_copy(as_bytes("back in business")));
  ASSERT_TRUE(run_until([&] { return received == "back in business"; }));
  EXPECT_EQ(accepted_, 1);
  EXPECT_EQ(server->refused_for_descriptors(), static_cast<std::uint64_t>(kClients));
}

}  // namespace
}  // namespace nelson::core::test
