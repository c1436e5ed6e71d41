// The server runtime end to end over real sockets: every reply status, authentication,
// pipelining, asynchronous replies, at-most-once, limits and the drain — on every backend.
#include <algorithm>
#include <gtest/gtest.h>
#include <string>

#include "rpc/auth_sys.hpp"
#include "tests/server/server_test_fixture.hpp"

namespace nelson::server::test {
namespace {

Bytes text(std::string_view s) {
  const auto b = std::as_bytes(std::span(s.data(), s.size()));
  return {b.begin(), b.end()};
}

// The test program: 0 NULL, 1 ECHO (opaque<>), 2 GARBAGE (always GARBAGE_ARGS), 3 SYSERR, 4 WHO
// (returns uid and the peer's port), 5 COUNT (at-most-once, returns how often it ran),
// 6 LATER (deferred; the test completes it), 7 TOOWEAK (denies AUTH_NONE callers), 8 TOOLONG
// (results that do not encode: a string over its maximum).
class ServerSuite : public ServerTest {
 protected:
  void register_procedures() {
    auto& s = *server_;
    s.add_procedure(kProg, 2, 0, {"NULL"}, [](Call&) { return Status::success; });
    s.add_procedure(kProg, 2, 1, {"ECHO"}, [](Call& call) {
      std::span<const std::byte> data;
      if (!call.args().view_opaque(data) || !call.args().expect_end()) return Status::garbage_args;
      call.reply([&](xdr::Encoder& e) { e.put_opaque(data); });
      return Status::success;
    });
    s.add_procedure(kProg, 2, 2, {"GARBAGE"}, [](Call&) { return Status::garbage_args; });
    s.add_procedure(kProg, 2, 3, {"SYSERR"}, [](Call&) { return Status::system_err; });
    s.add_procedure(kProg, 2, 4, {"WHO"}, [](Call& call) {
      const CallerInfo& who = call.caller();
      const std::uint32_t uid = who.auth_sys != nullptr ? who.auth_sys->uid : 0xffffffffU;
      const std::uint32_t port = who.peer != nullptr ? who.peer->port() : 0;
      const std::string machine = who.auth_sys != nullptr ? std::string(who.auth_sys->machine_name) : "";
      call.reply([&](xdr::Encoder& e) {
        e.put_uint(uid);
        e.put_uint(port);
        e.put_string(machine);
      });
      return Status::success;
    });
    s.add_procedure(kProg, 2, 5, {"COUNT", Semantics::at_most_once}, [this](Call& call) {
      ++count_runs_;
      if (defer_count_) {
        count_handles_.push_back(call.defer());
        return Status::deferred;
      }
      call.reply([&](xdr::Encoder& e) { e.put_uint(count_runs_); });
      return Status::success;
    });
    s.add_procedure(kProg, 2, 6, {"LATER"}, [this](Call& call) {
      std::uint32_t tag = 0;
      if (!call.args().get_uint(tag)) return Status::garbage_args;
      later_.push_back({call.defer(), tag});
      return Status::deferred;
    });
    s.add_procedure(kProg, 2, 7, {"TOOWEAK"}, [](Call& call) {
      if (call.caller().flavor != rpc::AuthFlavor::auth_sys) {
        call.deny(rpc::AuthStat::auth_tooweak);
        return Status::denied;
      }
      return Status::success;
    });
    s.add_procedure(kProg, 2, 8, {"TOOLONG"}, [](Call& call) {
      // Results against the contract: a string<4> of 8 characters.
      call.reply([](xdr::Encoder& e) { e.put_string("too long", 4); });
      return Status::success;
    });
    s.add_procedure(kProg, 3, 0, {"NULL3"}, [](Call&) { return Status::success; });
    s.add_procedure(kProg, 5, 0, {"NULL5"}, [](Call&) { return Status::success; });
  }

  void start_server(ServerOptions options = {}) {
    start(options);
    if (IsSkipped()) return;
    register_procedures();
    listen();
  }

  Bytes call(std::uint32_t xid, std::uint32_t proc, std::span<const std::byte> args = {}, std::uint32_t vers = 2,
             std::uint32_t prog = kProg) {
    return call_message(xid, prog, vers, proc, args);
  }

  // One call over `transport`'s client, one reply.
  std::optional<Reply> roundtrip(RawClient& c, std::span<const std::byte> message, bool stream = true) {
    if (!c.send(stream ? record(message) : Bytes(message.begin(), message.end()))) return std::nullopt;
    return c.read_reply();
  }

  void TearDown() override {
    later_.clear();  // handles are answered (SYSTEM_ERR) before their server goes
    count_handles_.clear();
    ServerTest::TearDown();
  }

  struct Later {
    ReplyHandle handle;
    std::uint32_t tag;
  };
  std::vector<Later> later_;
  std::vector<ReplyHandle> count_handles_;
  std::uint32_t count_runs_ = 0;
  bool defer_count_ = false;
};

TEST_P(ServerSuite, EveryAcceptedReplyStatusOverTcpAndUdp) {
  start_server();
  if (IsSkipped()) return;
  for (const core::Endpoint& ep : {tcp_, udp_}) {
    SCOPED_TRACE(ep.to_string());
    const bool stream = ep.transport != core::Transport::udp;
    RawClient c(*loop_, ep);
    const Bytes hello = opaque_arg(text("hello"));

    auto r = roundtrip(c, call(1, 1, hello), stream);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->header.xid, 1U);
    EXPECT_EQ(r->header.stat, rpc::ReplyStat::msg_accepted);
    EXPECT_EQ(r->header.accept_stat, rpc::AcceptStat::success);
    EXPECT_EQ(r->results, hello);

    r = roundtrip(c, call(2, 0), stream);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->header.accept_stat, rpc::AcceptStat::success);
    EXPECT_TRUE(r->results.empty());

    r = roundtrip(c, call(3, 0, {}, 2, kProg + 1), stream);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->header.accept_stat, rpc::AcceptStat::prog_unavail);

    r = roundtrip(c, call(4, 0, {}, 4), stream);  // versions 2, 3 and 5 are served
    ASSERT_TRUE(r);
    EXPECT_EQ(r->header.accept_stat, rpc::AcceptStat::prog_mismatch);
    EXPECT_EQ(r->header.low, 2U);
    EXPECT_EQ(r->header.high, 5U);

    r = roundtrip(c, call(5, 99), stream);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->header.accept_stat, rpc::AcceptStat::proc_unavail);

    r = roundtrip(c, call(6, 2), stream);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->header.accept_stat, rpc::AcceptStat::garbage_args);

    const Bytes trailing = {std::byte{0}, std::byte{0}, std::byte{0}, std::byte{0}};
    r = roundtrip(c, call(7, 0, trailing), stream);  // NULL takes no arguments: none may follow
    ASSERT_TRUE(r);
    EXPECT_EQ(r->header.accept_stat, rpc::AcceptStat::success);  // the handler ignores them

    Bytes short_opaque = opaque_arg(text("hello"));
    short_opaque.resize(6);  // length 5, one byte of it
    r = roundtrip(c, call(8, 1, short_opaque), stream);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->header.accept_stat, rpc::AcceptStat::garbage_args);

    r = roundtrip(c, call(9, 3), stream);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->header.accept_stat, rpc::AcceptStat::system_err);
  }
  const ServerStats& s = server_->stats();
  EXPECT_EQ(s.prog_unavail, 2U);
  EXPECT_EQ(s.prog_mismatch, 2U);
  EXPECT_EQ(s.proc_unavail, 2U);
  EXPECT_EQ(s.garbage_args, 4U);
  EXPECT_EQ(s.system_err, 2U);
  EXPECT_NE(server_->format_stats().find("ECHO: calls=4"), std::string::npos) << server_->format_stats();
}

TEST_P(ServerSuite, DeniedRepliesRpcMismatchAndAuthErrors) {
  start_server();
  if (IsSkipped()) return;
  RawClient c(*loop_, tcp_);

  Bytes m = call(1, 0);
  m[11] = std::byte{3};  // rpcvers 3
  auto r = roundtrip(c, m);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header.stat, rpc::ReplyStat::msg_denied);
  EXPECT_EQ(r->header.reject_stat, rpc::RejectStat::rpc_mismatch);
  EXPECT_EQ(r->header.low, 2U);
  EXPECT_EQ(r->header.high, 2U);

  const Bytes junk(20, std::byte{0x41});
  r = roundtrip(c, call_message(2, kProg, 2, 0, {}, {static_cast<rpc::AuthFlavor>(99), junk}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header.reject_stat, rpc::RejectStat::auth_error);
  EXPECT_EQ(r->header.auth_stat, rpc::AuthStat::auth_rejectedcred);

  r = roundtrip(c, call_message(3, kProg, 2, 0, {}, {rpc::AuthFlavor::auth_sys, junk}));  // not an authsys_parms
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header.auth_stat, rpc::AuthStat::auth_badcred);

  // A verifier over 400 bytes: the header cannot be encoded by our encoder, so patch one.
  Bytes big_verf = call(4, 0);
  big_verf[38] = std::byte{0x01};
  big_verf[39] = std::byte{0x91};  // verifier length 401 (after xid..proc, cred flavor+len, verf flavor)
  big_verf.resize(big_verf.size() + 404);
  r = roundtrip(c, big_verf);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header.auth_stat, rpc::AuthStat::auth_badverf);

  r = roundtrip(c, call(5, 7));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header.auth_stat, rpc::AuthStat::auth_tooweak);
  EXPECT_EQ(server_->stats().auth_error, 4U);
  EXPECT_EQ(server_->stats().rpc_mismatch, 1U);
}

TEST_P(ServerSuite, HandlersSeeAuthSysCredentialsAndThePeer) {
  start_server();
  if (IsSkipped()) return;
  rpc::AuthSys sys;
  sys.stamp = 1;
  sys.machine_name = "client-7";
  sys.uid = 1234;
  sys.gid = 55;
  sys.gid_count = 2;
  sys.gids[0] = 1;
  sys.gids[1] = 2;
  std::byte body[rpc::kMaxAuthBytes];
  xdr::Encoder e(body);
  rpc::encode_auth_sys(e, sys);
  const rpc::OpaqueAuth cred{rpc::AuthFlavor::auth_sys, e.written()};
  for (const core::Endpoint& ep : {tcp_, udp_}) {
    const bool stream = ep.transport != core::Transport::udp;
    RawClient c(*loop_, ep);
    sockaddr_in me{};
    socklen_t len = sizeof me;
    ASSERT_EQ(::getsockname(c.fd(), reinterpret_cast<sockaddr*>(&me), &len), 0);
    auto r = roundtrip(c, call_message(1, kProg, 2, 4, {}, cred), stream);
    ASSERT_TRUE(r);
    xdr::Decoder d(r->results);
    std::uint32_t uid = 0;
    std::uint32_t port = 0;
    std::string machine;
    ASSERT_TRUE(d.get_uint(uid) && d.get_uint(port) && d.get_string(machine));
    EXPECT_EQ(uid, 1234U);
    EXPECT_EQ(port, ntohs(me.sin_port));
    EXPECT_EQ(machine, "client-7");
    r = roundtrip(c, call_message(2, kProg, 2, 7, {}, cred), stream);  // strong enough now
    ASSERT_TRUE(r);
    EXPECT_EQ(r->header.accept_stat, rpc::AcceptStat::success);
  }
}

TEST_P(ServerSuite, PipelinedCallsInOneWriteAreAllAnswered) {
  start_server();
  if (IsSkipped()) return;
  RawClient c(*loop_, tcp_);
  Bytes batch;
  for (std::uint32_t i = 0; i < 200; ++i) {
    const Bytes r = record(call(i, 1, opaque_arg(Bytes(i % 50, std::byte(i)))));
    batch.insert(batch.end(), r.begin(), r.end());
  }
  // Also split one record into many fragments, including empty ones.
  const Bytes m = call(1000, 1, opaque_arg(text("fragmented")));
  for (std::size_t i = 0; i < m.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, m.size() - i);
    const auto empty = rpc::record_mark(0, false);
    batch.insert(batch.end(), empty.begin(), empty.end());
    const auto mark = rpc::record_mark(static_cast<std::uint32_t>(n), i + n == m.size());
    batch.insert(batch.end(), mark.begin(), mark.end());
    batch.insert(batch.end(), m.begin() + static_cast<std::ptrdiff_t>(i),
                 m.begin() + static_cast<std::ptrdiff_t>(i + n));
  }
  const std::uint64_t writes_before = loop_->stats().write_calls;
  ASSERT_TRUE(c.send(batch));
  for (std::uint32_t i = 0; i <= 200; ++i) {
    auto r = c.read_reply();
    ASSERT_TRUE(r) << i;
    const std::uint32_t xid = i == 200 ? 1000 : i;
    EXPECT_EQ(r->header.xid, xid);
    EXPECT_EQ(r->results, opaque_arg(i == 200 ? text("fragmented") : Bytes(i % 50, std::byte(i))));
  }
  // Replies of one read leave together: far fewer writes than calls.
  EXPECT_LT(loop_->stats().write_calls - writes_before, 50U);
}

TEST_P(ServerSuite, AsynchronousRepliesMayOvertakeEarlierCalls) {
  start_server();
  if (IsSkipped()) return;
  RawClient c(*loop_, tcp_);
  const Bytes tag7 = {std::byte{0}, std::byte{0}, std::byte{0}, std::byte{7}};
  ASSERT_TRUE(c.send(record(call(1, 6, tag7))));
  ASSERT_TRUE(run_until([&] { return later_.size() == 1; }));
  auto r = roundtrip(c, call(2, 0));  // answered while call 1 waits
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header.xid, 2U);
  EXPECT_TRUE(later_[0].handle.live());
  EXPECT_EQ(later_[0].tag, 7U);
  EXPECT_TRUE(later_[0].handle.reply([](xdr::Encoder& e) { e.put_uint(77); }));
  EXPECT_FALSE(later_[0].handle.valid());
  r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header.xid, 1U);
  EXPECT_EQ(r->results, (Bytes{std::byte{0}, std::byte{0}, std::byte{0}, std::byte{77}}));

  // A handle dropped unanswered answers SYSTEM_ERR (a broken promise).
  ASSERT_TRUE(c.send(record(call(3, 6, tag7))));
  ASSERT_TRUE(run_until([&] { return later_.size() == 2; }));
  later_.clear();
  r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header.xid, 3U);
  EXPECT_EQ(r->header.accept_stat, rpc::AcceptStat::system_err);

  // Over UDP too, from a timer.
  RawClient u(*loop_, udp_);
  ASSERT_TRUE(u.send(call(4, 6, tag7)));
  ASSERT_TRUE(run_until([&] { return later_.size() == 1; }));
  core::Timer timer(loop_->timers(), [&] { later_[0].handle.fail(Status::garbage_args); });
  timer.arm_after(milliseconds(20));
  r = u.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header.xid, 4U);
  EXPECT_EQ(r->header.accept_stat, rpc::AcceptStat::garbage_args);
  EXPECT_EQ(server_->stats().deferred, 3U);
}

TEST_P(ServerSuite, ResultsThatDoNotEncodeAnswerSystemErr) {
  // As rpcgen's stubs do when svc_sendreply fails; the connection stays, and over UDP the client
  // gets an answer instead of retransmitting until it times out.
  start_server();
  if (IsSkipped()) return;
  RawClient c(*loop_, tcp_);
  RawClient u(*loop_, udp_);
  for (RawClient* client : {&c, &u}) {
    const bool stream = client == &c;
    SCOPED_TRACE(stream ? "tcp" : "udp");
    auto r = roundtrip(*client, call(1, 8), stream);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->header.xid, 1U);
    EXPECT_EQ(r->header.accept_stat, rpc::AcceptStat::system_err);
    r = roundtrip(*client, call(2, 0), stream);  // still served
    ASSERT_TRUE(r);
    EXPECT_EQ(r->header.xid, 2U);
    EXPECT_EQ(r->header.accept_stat, rpc::AcceptStat::success);

    // A deferred answer the same way.
    const Bytes tag = {std::byte{0}, std::byte{0}, std::byte{0}, std::byte{9}};
    ASSERT_TRUE(client->send(stream ? record(call(3, 6, tag)) : call(3, 6, tag)));
    ASSERT_TRUE(run_until([&] { return later_.size() == 1; }));
    EXPECT_TRUE(later_[0].handle.reply([](xdr::Encoder& e) { e.put_string("too long", 4); }));
    later_.clear();
    r = client->read_reply();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->header.xid, 3U);
    EXPECT_EQ(r->header.accept_stat, rpc::AcceptStat::system_err);
  }
  const ServerStats& s = server_->stats();
  EXPECT_EQ(s.system_err, 4U);
  EXPECT_EQ(s.encode_failures, 4U);
  EXPECT_EQ(s.replies, 6U);
  EXPECT_EQ(s.connections_open, 1U);  // the TCP connection stayed
}

TEST_P(ServerSuite, RepliesToAClosedConnectionAreOrphans) {
  start_server();
  if (IsSkipped()) return;
  {
    RawClient c(*loop_, tcp_);
    ASSERT_TRUE(c.send(record(call(1, 6, Bytes(4)))));
    ASSERT_TRUE(run_until([&] { return later_.size() == 1; }));
  }
  ASSERT_TRUE(run_until([&] { return server_->connection_count() == 0; }));
  EXPECT_FALSE(later_[0].handle.live());
  EXPECT_FALSE(later_[0].handle.reply([](xdr::Encoder& e) { e.put_uint(1); }));
  EXPECT_EQ(server_->stats().orphaned, 1U);
}

TEST_P(ServerSuite, AtMostOnceReplaysCompletedCallsAndDropsRunningOnes) {
  start_server();
  if (IsSkipped()) return;
  RawClient c(*loop_, tcp_);
  const Bytes args = opaque_arg(text("x"));
  auto first = roundtrip(c, call(10, 5, args));
  ASSERT_TRUE(first);
  EXPECT_EQ(count_runs_, 1U);
  auto again = roundtrip(c, call(10, 5, args));  // a retransmission: same xid, same arguments
  ASSERT_TRUE(again);
  EXPECT_EQ(count_runs_, 1U);
  EXPECT_EQ(again->results, first->results);
  // From a new connection (a client that reconnected) it is still the same call.
  RawClient c2(*loop_, tcp_);
  again = roundtrip(c2, call(10, 5, args));
  ASSERT_TRUE(again);
  EXPECT_EQ(count_runs_, 1U);
  // Same xid, different arguments: a different call.
  auto other = roundtrip(c, call(10, 5, opaque_arg(text("y"))));
  ASSERT_TRUE(other);
  EXPECT_EQ(count_runs_, 2U);

  // A duplicate of a call still running is dropped; once it completes, duplicates replay.
  defer_count_ = true;
  ASSERT_TRUE(c.send(record(call(11, 5, args))));
  ASSERT_TRUE(run_until([&] { return count_handles_.size() == 1; }));
  ASSERT_TRUE(c.send(record(call(11, 5, args))));
  EXPECT_TRUE(c.nothing_for(milliseconds(50)));
  EXPECT_EQ(count_runs_, 3U);
  ASSERT_TRUE(count_handles_[0].reply([](xdr::Encoder& e) { e.put_uint(42); }));
  auto done = c.read_reply();
  ASSERT_TRUE(done);
  EXPECT_EQ(done->header.xid, 11U);
  auto replay = roundtrip(c, call(11, 5, args));
  ASSERT_TRUE(replay);
  EXPECT_EQ(replay->results, done->results);
  EXPECT_EQ(count_runs_, 3U);

  // UDP: the client address includes the port there.
  defer_count_ = false;
  RawClient u(*loop_, udp_);
  auto ur = roundtrip(u, call(12, 5, args), false);
  ASSERT_TRUE(ur);
  auto ur2 = roundtrip(u, call(12, 5, args), false);
  ASSERT_TRUE(ur2);
  EXPECT_EQ(ur->results, ur2->results);
  EXPECT_EQ(count_runs_, 4U);
  const ServerStats& s = server_->stats();
  EXPECT_EQ(s.drc_replays, 4U);
  EXPECT_EQ(s.drc_dropped, 1U);
}

TEST_P(ServerSuite, DrcEvictionRunsAForgottenCallAgain) {
  ServerOptions options;
  options.limits.drc_max_entries = 2;
  start_server(options);
  if (IsSkipped()) return;
  RawClient c(*loop_, tcp_);
  for (std::uint32_t xid = 1; xid <= 3; ++xid) ASSERT_TRUE(roundtrip(c, call(xid, 5)));
  EXPECT_EQ(count_runs_, 3U);
  ASSERT_TRUE(roundtrip(c, call(3, 5)));  // still cached
  EXPECT_EQ(count_runs_, 3U);
  ASSERT_TRUE(roundtrip(c, call(1, 5)));  // evicted by xid 3
  EXPECT_EQ(count_runs_, 4U);
  EXPECT_GE(server_->stats().drc_evictions, 1U);
}

TEST_P(ServerSuite, CallsInFlightAtTheLimitStopReading) {
  ServerOptions options;
  options.limits.max_calls_in_flight = 2;
  start_server(options);
  if (IsSkipped()) return;
  RawClient c(*loop_, tcp_);
  Bytes batch;
  for (std::uint32_t i = 0; i < 5; ++i) {
    const Bytes r = record(call(i, 6, Bytes(4)));
    batch.insert(batch.end(), r.begin(), r.end());
  }
  ASSERT_TRUE(c.send(batch));
  ASSERT_TRUE(run_until([&] { return later_.size() == 2; }));
  core::test::run_for(*loop_, milliseconds(30));
  EXPECT_EQ(later_.size(), 2U);  // the other three wait in the connection
  EXPECT_GE(server_->stats().pauses_in_flight, 1U);
  for (int round = 0; round < 3 && later_.size() < 5; ++round) {
    for (auto& l : later_) (void)l.handle.reply([](xdr::Encoder&) {});
    const std::size_t answered = later_.size();
    ASSERT_TRUE(run_until([&] { return later_.size() > answered || later_.size() == 5; }));
  }
  EXPECT_EQ(later_.size(), 5U);
  for (auto& l : later_) (void)l.handle.reply([](xdr::Encoder&) {});
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(c.read_reply()) << i;
}

TEST_P(ServerSuite, ConnectionsBeyondTheLimitAreClosedAtOnce) {
  ServerOptions options;
  options.limits.max_connections = 2;
  start_server(options);
  if (IsSkipped()) return;
  RawClient a(*loop_, tcp_);
  RawClient b(*loop_, tcp_);
  ASSERT_TRUE(roundtrip(a, call(1, 0)));
  ASSERT_TRUE(roundtrip(b, call(1, 0)));
  RawClient extra(*loop_, tcp_);
  EXPECT_TRUE(extra.wait_closed());
  EXPECT_EQ(server_->stats().connections_refused, 1U);
  a.close();
  ASSERT_TRUE(run_until([&] { return server_->connection_count() == 1; }));
  RawClient later(*loop_, tcp_);
  EXPECT_TRUE(roundtrip(later, call(2, 0)));
}

TEST_P(ServerSuite, ARecordOverTheLimitClosesTheConnection) {
  ServerOptions options;
  options.limits.max_record_size = 1000;
  start_server(options);
  if (IsSkipped()) return;
  RawClient c(*loop_, tcp_);
  ASSERT_TRUE(c.send(record(call(1, 1, opaque_arg(Bytes(2000))))));
  EXPECT_TRUE(c.wait_closed());
  EXPECT_EQ(server_->stats().connections_bad_records, 1U);
  RawClient d(*loop_, tcp_);
  EXPECT_TRUE(roundtrip(d, call(2, 1, opaque_arg(Bytes(500)))));
}

TEST_P(ServerSuite, IdleConnectionsAreClosed) {
  ServerOptions options;
  options.limits.idle_timeout = milliseconds(50);
  start_server(options);
  if (IsSkipped()) return;
  RawClient c(*loop_, tcp_);
  ASSERT_TRUE(roundtrip(c, call(1, 0)));
  EXPECT_TRUE(c.wait_closed(milliseconds(3000)));
  EXPECT_EQ(server_->stats().connections_idle_closed, 1U);
}

TEST_P(ServerSuite, UnansweredCallsExpireAtTheirDeadline) {
  ServerOptions options;
  options.limits.call_deadline = milliseconds(30);
  start_server(options);
  if (IsSkipped()) return;
  RawClient c(*loop_, tcp_);
  ASSERT_TRUE(c.send(record(call(1, 6, Bytes(4)))));
  ASSERT_TRUE(run_until([&] { return server_->stats().expired == 1; }));
  EXPECT_FALSE(later_[0].handle.live());
  EXPECT_FALSE(later_[0].handle.reply([](xdr::Encoder&) {}));
  EXPECT_TRUE(c.nothing_for(milliseconds(20)));
  EXPECT_TRUE(roundtrip(c, call(2, 0)));  // the connection goes on
}

TEST_P(ServerSuite, UdpRuntsAndGarbageAreDroppedAndTheSocketServesOn) {
  start_server();
  if (IsSkipped()) return;
  RawClient u(*loop_, udp_);
  for (std::size_t n = 0; n < 24; ++n) ASSERT_TRUE(u.send(Bytes(n, std::byte{1})));
  Bytes reply_msg = call(5, 0);
  reply_msg[7] = std::byte{1};  // msg_type REPLY
  ASSERT_TRUE(u.send(reply_msg));
  EXPECT_TRUE(u.nothing_for(milliseconds(30)));
  EXPECT_TRUE(roundtrip(u, call(9, 0), false));
  EXPECT_GE(server_->stats().garbage_dropped, 24U);
}

TEST_P(ServerSuite, DrainFinishesCallsInFlightThenStops) {
  start_server();
  if (IsSkipped()) return;
  RawClient busy(*loop_, tcp_);
  RawClient idle(*loop_, tcp_);
  ASSERT_TRUE(roundtrip(idle, call(1, 0)));
  ASSERT_TRUE(busy.send(record(call(2, 6, Bytes(4)))));
  ASSERT_TRUE(run_until([&] { return later_.size() == 1; }));
  bool done = false;
  server_->drain([&] { done = true; });
  EXPECT_TRUE(idle.wait_closed());  // nothing in flight: closed at once
  RawClient late(*loop_, tcp_);     // the listener is gone
  EXPECT_TRUE(late.wait_closed());
  EXPECT_FALSE(done);
  ASSERT_TRUE(later_[0].handle.reply([](xdr::Encoder& e) { e.put_uint(5); }));
  auto r = busy.read_reply();
  ASSERT_TRUE(r);  // the reply left before the connection closed
  EXPECT_EQ(r->header.xid, 2U);
  EXPECT_TRUE(busy.wait_closed());
  EXPECT_TRUE(run_until([&] { return done; }));
}

TEST_P(ServerSuite, DrainGivesUpAtItsDeadline) {
  ServerOptions options;
  options.limits.drain_deadline = milliseconds(50);
  start_server(options);
  if (IsSkipped()) return;
  RawClient busy(*loop_, tcp_);
  ASSERT_TRUE(busy.send(record(call(2, 6, Bytes(4)))));
  ASSERT_TRUE(run_until([&] { return later_.size() == 1; }));
  bool done = false;
  server_->drain([&] { done = true; });
  EXPECT_TRUE(run_until([&] { return done; }, milliseconds(3000)));
  EXPECT_TRUE(busy.wait_closed());
}

TEST_P(ServerSuite, UnixSocketsServeLikeTcp) {
  start(ServerOptions{});
  if (IsSkipped()) return;
  register_procedures();
  const std::string path = "/tmp/nelson-server-test-" + std::to_string(::getpid()) + ".sock";
  auto ep = server_->listen(*core::parse_endpoint("unix://" + path));
  ASSERT_TRUE(ep) << ep.error().message;
  RawClient c(*loop_, *ep);
  auto r = roundtrip(c, call(1, 1, opaque_arg(text("unix"))));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->results, opaque_arg(text("unix")));
  ::unlink(path.c_str());
}

TEST_P(ServerSuite, QueuedOutputAboveTheLimitStopsReadingUntilTheClientCatchesUp) {
  ServerOptions options;
  options.limits.max_queued_output = 64 * 1024;
  start_server(options);
  if (IsSkipped()) return;
  RawClient c(*loop_, tcp_);
  // Up to 1000 echoes of 32 KiB (33 MB of replies) sent without reading: more than the kernel's
  // buffers hold, so the server's queue passes its limit and it stops reading calls.
  constexpr int kCalls = 1000;
  const Bytes one = record(call(0, 1, opaque_arg(Bytes(32 * 1024, std::byte{7}))));
  Bytes all;
  for (int i = 0; i < kCalls; ++i) all.insert(all.end(), one.begin(), one.end());
  std::size_t off = 0;
  auto push = [&] {  // sends what the socket takes now, never waits
    const ssize_t n = ::send(c.fd(), all.data() + off, all.size() - off, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) off += static_cast<std::size_t>(n);
  };
  ASSERT_TRUE(run_until(
      [&] {
        push();
        return server_->stats().pauses_output > 0 || off == all.size();
      },
      milliseconds(20000)));
  EXPECT_GE(server_->stats().pauses_output, 1U);
  // The client catches up: every call is answered once it reads.
  for (int i = 0; i < kCalls; ++i) {
    push();
    auto r = c.read_reply();
    ASSERT_TRUE(r) << i;
    ASSERT_EQ(r->results.size(), 4U + 32 * 1024);
  }
  EXPECT_EQ(off, all.size());
}

TEST_P(ServerSuite, UdpRepliesLeaveFromTheAddressTheCallArrivedOn) {
  start(ServerOptions{});
  if (IsSkipped()) return;
  register_procedures();
  auto any = server_->listen(*core::parse_endpoint("udp://0.0.0.0:0"));
  ASSERT_TRUE(any) << any.error().message;
  // Loopback answers every 127/8 address; a connected UDP socket accepts only datagrams from
  // the address it sent to, so a reply sent from 127.0.0.1 (the route's default) would be lost.
  auto to = core::parse_endpoint("udp://127.0.0.2:" + std::to_string(any->address.port()));
  ASSERT_TRUE(to);
  RawClient c(*loop_, *to);
  auto r = roundtrip(c, call(77, 0), false);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header.xid, 77U);
}

INSTANTIATE_TEST_SUITE_P(Backends, ServerSuite,
                         ::testing::Values(core::BackendKind::select, core::BackendKind::epoll,
                                           core::BackendKind::io_uring),
                         [](const auto& p) { return std::string(core::to_string(p.param)); });

}  // namespace
}  // namespace nelson::server::test
