// Calls answered with silence (Status::dropped, ReplyHandle::drop) and what a handler learns of
// its caller beyond the peer (CallerInfo::local, CallerInfo::credentials), on every backend.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <gtest/gtest.h>
#include <string>

#include "tests/server/server_test_fixture.hpp"

namespace nelson::server::test {
namespace {

// The test program, version 1: 0 NULL, 1 DROP (never answers), 2 LATER (deferred; the test
// answers or drops), 3 ONCE (at-most-once; drops while drops_left_ > 0, else answers how often
// it ran), 4 ONCE_LATER (at-most-once, deferred), 5 WHERE (the caller's local address and
// credentials).
class DropSuite : public ServerTest {
 protected:
  void start_server(ServerOptions options = {}) {
    start(options);
    if (IsSkipped()) return;
    auto& s = *server_;
    s.add_procedure(kProg, 1, 0, {"NULL"}, [](Call&) { return Status::success; });
    s.add_procedure(kProg, 1, 1, {"DROP"}, [this](Call&) {
      ++drops_;
      return Status::dropped;
    });
    s.add_procedure(kProg, 1, 2, {"LATER"}, [this](Call& call) {
      later_.push_back(call.defer());
      return Status::deferred;
    });
    s.add_procedure(kProg, 1, 3, {"ONCE", Semantics::at_most_once}, [this](Call& call) {
      ++once_runs_;
      if (drops_left_ > 0) {
        --drops_left_;
        return Status::dropped;
      }
      call.reply([&](xdr::Encoder& e) { e.put_uint(once_runs_); });
      return Status::success;
    });
    s.add_procedure(kProg, 1, 4, {"ONCE_LATER", Semantics::at_most_once}, [this](Call& call) {
      ++once_runs_;
      later_.push_back(call.defer());
      return Status::deferred;
    });
    s.add_procedure(kProg, 1, 5, {"WHERE"}, [](Call& call) {
      const CallerInfo& who = call.caller();
      call.reply([&](xdr::Encoder& e) {
        e.put_string(who.local != nullptr ? who.local->to_string() : std::string("-"));
        e.put_bool(who.credentials != nullptr);
        if (who.credentials != nullptr) {
          e.put_uint(who.credentials->uid);
          e.put_uint(who.credentials->gid);
          e.put_int(who.credentials->pid);
        }
      });
      return Status::success;
    });
    listen();
  }

  void TearDown() override {
    later_.clear();  // answered (SYSTEM_ERR) before their server goes
    ServerTest::TearDown();
  }

  static Bytes call(std::uint32_t xid, std::uint32_t proc, std::span<const std::byte> args = {}) {
    return call_message(xid, kProg, 1, proc, args);
  }
  static bool stream(const core::Endpoint& ep) { return ep.transport != core::Transport::udp; }
  // What a client sends for `message` on `ep`'s transport.
  static Bytes framed(const core::Endpoint& ep, std::span<const std::byte> message) {
    return stream(ep) ? record(message) : Bytes(message.begin(), message.end());
  }

  struct Where {
    std::string local;
    bool has_credentials = false;
    std::uint32_t uid = 0, gid = 0;
    std::int32_t pid = 0;
  };
  std::optional<Where> where(const core::Endpoint& ep) {
    RawClient c(*loop_, ep);
    if (!c.send(framed(ep, call(50, 5)))) return std::nullopt;
    auto r = c.read_reply();
    if (!r || r->header.stat != rpc::ReplyStat::msg_accepted || r->header.accept_stat != rpc::AcceptStat::success) {
      return std::nullopt;
    }
    xdr::Decoder d(r->results);
    Where w;
    if (!d.get_string(w.local) || !d.get_bool(w.has_credentials)) return std::nullopt;
    if (w.has_credentials && (!d.get_uint(w.uid) || !d.get_uint(w.gid) || !d.get_int(w.pid))) return std::nullopt;
    if (!d.expect_end()) return std::nullopt;
    return w;
  }

  std::vector<ReplyHandle> later_;
  int drops_ = 0;
  int drops_left_ = 0;
  std::uint32_t once_runs_ = 0;
};

// The next reply's xid, or 0 when none came.
std::uint32_t next_xid(RawClient& c) {
  auto r = c.read_reply();
  return r ? r->header.xid : 0;
}

TEST_P(DropSuite, ADroppedCallGetsNoReplyAndTheTransportServesOn) {
  start_server();
  if (IsSkipped()) return;
  for (const core::Endpoint& ep : {tcp_, udp_}) {
    SCOPED_TRACE(ep.to_string());
    RawClient c(*loop_, ep);
    // The NULL after it is answered first: nothing was sent for the DROP (the server answers
    // the calls of a connection, and the datagrams of a socket, in order).
    ASSERT_TRUE(c.send(framed(ep, call(1, 1))));
    ASSERT_TRUE(c.send(framed(ep, call(2, 0))));
    EXPECT_EQ(next_xid(c), 2U);
    ASSERT_TRUE(c.send(framed(ep, call(3, 1))));
    ASSERT_TRUE(c.send(framed(ep, call(4, 0))));
    EXPECT_EQ(next_xid(c), 4U);
    EXPECT_TRUE(c.nothing_for(milliseconds(20)));
    if (stream(ep)) {
      EXPECT_EQ(server_->connection_count(), 1U);  // the connection stayed open
    }
  }
  EXPECT_EQ(drops_, 4);
  const ServerStats& s = server_->stats();
  EXPECT_EQ(s.dropped_by_handler, 4U);
  EXPECT_EQ(s.calls, 8U);
  EXPECT_EQ(s.replies, 4U);
  EXPECT_EQ(s.system_err, 0U);
}

TEST_P(DropSuite, ADeferredCallDroppedThroughItsHandleGetsNoReply) {
  ServerOptions options;
  options.limits.max_calls_in_flight = 1;  // the dropped call must give its slot back
  start_server(options);
  if (IsSkipped()) return;
  for (const core::Endpoint& ep : {tcp_, udp_}) {
    SCOPED_TRACE(ep.to_string());
    later_.clear();
    RawClient c(*loop_, ep);
    ASSERT_TRUE(c.send(framed(ep, call(10, 2))));
    ASSERT_TRUE(run_until([&] { return later_.size() == 1; }));
    ReplyHandle& h = later_[0];
    EXPECT_TRUE(h.live());
    EXPECT_TRUE(h.drop());
    EXPECT_FALSE(h.valid());
    EXPECT_FALSE(h.drop());  // once
    EXPECT_FALSE(h.reply([](xdr::Encoder& e) { e.put_uint(1); }));
    ASSERT_TRUE(c.send(framed(ep, call(11, 0))));
    EXPECT_EQ(next_xid(c), 11U);
  }
  later_.clear();  // nothing left to answer: no SYSTEM_ERR either
  const ServerStats& s = server_->stats();
  EXPECT_EQ(s.dropped_by_handler, 2U);
  EXPECT_EQ(s.deferred, 2U);
  EXPECT_EQ(s.system_err, 0U);
  EXPECT_EQ(s.replies, 2U);

  // A handle whose call already went cannot drop it (nor count it).
  RawClient c(*loop_, tcp_);
  ASSERT_TRUE(c.send(record(call(12, 2))));
  ASSERT_TRUE(run_until([&] { return later_.size() == 1; }));
  ASSERT_TRUE(later_[0].reply([](xdr::Encoder& e) { e.put_uint(7); }));
  EXPECT_FALSE(later_[0].drop());
  EXPECT_EQ(next_xid(c), 12U);
  EXPECT_EQ(server_->stats().dropped_by_handler, 2U);
}

TEST_P(DropSuite, AnAtMostOnceCallThatDroppedRunsAgainWhenRetransmitted) {
  start_server();
  if (IsSkipped()) return;
  const Bytes args = opaque_arg(Bytes(8, std::byte{3}));
  std::uint32_t xid = 20;
  for (const core::Endpoint& ep : {tcp_, udp_}) {
    SCOPED_TRACE(ep.to_string());
    RawClient c(*loop_, ep);
    once_runs_ = 0;
    drops_left_ = 1;
    ++xid;
    ASSERT_TRUE(c.send(framed(ep, call(xid, 3, args))));
    ASSERT_TRUE(c.send(framed(ep, call(100, 0))));
    EXPECT_EQ(next_xid(c), 100U);  // nothing for the first try
    EXPECT_EQ(once_runs_, 1U);
    // The retransmission is not "in progress" (it would be dropped) nor replayed: it runs again.
    ASSERT_TRUE(c.send(framed(ep, call(xid, 3, args))));
    auto r = c.read_reply();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->header.xid, xid);
    EXPECT_EQ(once_runs_, 2U);
    // Now that it answered, a further retransmission is replayed from the cache.
    ASSERT_TRUE(c.send(framed(ep, call(xid, 3, args))));
    auto replay = c.read_reply();
    ASSERT_TRUE(replay);
    EXPECT_EQ(replay->results, r->results);
    EXPECT_EQ(once_runs_, 2U);

    // The same for a deferred at-most-once call dropped through its handle.
    later_.clear();
    once_runs_ = 0;
    ++xid;
    ASSERT_TRUE(c.send(framed(ep, call(xid, 4, args))));
    ASSERT_TRUE(run_until([&] { return later_.size() == 1; }));
    ASSERT_TRUE(c.send(framed(ep, call(xid, 4, args))));  // while it runs: dropped by the DRC
    ASSERT_TRUE(c.send(framed(ep, call(101, 0))));
    EXPECT_EQ(next_xid(c), 101U);
    EXPECT_EQ(once_runs_, 1U);
    ASSERT_TRUE(later_[0].drop());
    ASSERT_TRUE(c.send(framed(ep, call(xid, 4, args))));
    ASSERT_TRUE(run_until([&] { return later_.size() == 2; }));
    EXPECT_EQ(once_runs_, 2U);
    ASSERT_TRUE(later_[1].reply([](xdr::Encoder& e) { e.put_uint(2); }));
    EXPECT_EQ(next_xid(c), xid);
  }
  const ServerStats& s = server_->stats();
  EXPECT_EQ(s.dropped_by_handler, 4U);
  EXPECT_EQ(s.drc_replays, 2U);
  EXPECT_EQ(s.drc_dropped, 2U);
}

TEST_P(DropSuite, CallerInfoLocalIsTheAddressTheCallReached) {
  start_server();
  if (IsSkipped()) return;
  for (const core::Endpoint& ep : {tcp_, udp_}) {
    SCOPED_TRACE(ep.to_string());
    auto w = where(ep);
    ASSERT_TRUE(w);
    EXPECT_EQ(w->local, "127.0.0.1:" + std::to_string(ep.address.port()));
    EXPECT_FALSE(w->has_credentials);
  }
  // On a wildcard address: the address the client used, not 0.0.0.0.
  for (const char* any : {"tcp://0.0.0.0:0", "udp://0.0.0.0:0"}) {
    SCOPED_TRACE(any);
    auto bound = server_->listen(*core::parse_endpoint(any));
    ASSERT_TRUE(bound) << bound.error().message;
    const std::string port = std::to_string(bound->address.port());
    auto to = core::parse_endpoint(std::string(any).substr(0, 6) + "127.0.0.2:" + port);
    ASSERT_TRUE(to);
    auto w = where(*to);
    ASSERT_TRUE(w);
    EXPECT_EQ(w->local, "127.0.0.2:" + port);
  }
}

TEST_P(DropSuite, CallerInfoCredentialsAreTheUnixPeersOnly) {
  start_server();
  if (IsSkipped()) return;
  char dir[] = "/tmp/nelson-drop-test-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string path = std::string(dir) + "/server.sock";
  auto ep = server_->listen(*core::parse_endpoint("unix://" + path));
  ASSERT_TRUE(ep) << ep.error().message;
  auto w = where(*ep);
  ASSERT_TRUE(w);
  EXPECT_TRUE(w->has_credentials);
  EXPECT_EQ(w->uid, ::getuid());
  EXPECT_EQ(w->gid, ::getgid());
  EXPECT_EQ(w->pid, ::getpid());
  EXPECT_EQ(w->local, "-");  // no IP address was reached
  auto tcp = where(tcp_);
  ASSERT_TRUE(tcp);
  EXPECT_FALSE(tcp->has_credentials);
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

INSTANTIATE_TEST_SUITE_P(Backends, DropSuite,
                         ::testing::Values(core::BackendKind::select, core::BackendKind::epoll,
                                           core::BackendKind::io_uring),
                         [](const auto& p) { return std::string(core::to_string(p.param)); });

}  // namespace
}  // namespace nelson::server::test
