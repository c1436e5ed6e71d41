// Every way a call fails, as a value: RPC-level rejections, timeouts, a lost connection, a
// server that is not there, and the sentences message() makes of them.
#include <algorithm>
#include <array>

#include "rpc/record_writer.hpp"
#include "tests/client/client_test_fixture.hpp"
#include "tests/client/fake_stream_server.hpp"

namespace nelson::client::test {
namespace {

class ClientErrors : public ClientTest {};

TEST_P(ClientErrors, RejectionsAreNamed) {
  start();
  if (IsSkipped()) return;
  constexpr std::uint32_t kProc = 14;
  server_->add_procedure(kBenchProg, kBenchVers, kProc, {"NEEDS_STRONGER"}, [](server::Call& call) {
    call.deny(rpc::AuthStat::auth_tooweak);
    return server::Status::denied;
  });
  listen();
  for (const core::Endpoint* ep : {&tcp(), &udp()}) {
    SCOPED_TRACE(ep->to_string());
    auto c = connect(*ep);
    ASSERT_TRUE(c);
    const Result version = c->call_sync(kBenchProg, 2, kBenchNull);
    EXPECT_EQ(version.error.code, Errc::prog_mismatch);
    EXPECT_EQ(version.error.low, 1U);
    EXPECT_EQ(version.error.high, 1U);
    EXPECT_EQ(message(version.error), "program 536871065 version 2 is not available: the server has versions 1 to 1");
    EXPECT_EQ(c->call_sync(kBenchProg, kBenchVers, 99).error.code, Errc::proc_unavail);
    EXPECT_EQ(c->call_sync(kBenchProg + 1, kBenchVers, kBenchNull).error.code, Errc::prog_unavail);
    // ECHO without its opaque<> argument.
    EXPECT_EQ(c->call_sync(kBenchProg, kBenchVers, kBenchEcho).error.code, Errc::garbage_args);
    const Result denied = c->call_sync(kBenchProg, kBenchVers, kProc);
    EXPECT_EQ(denied.error.code, Errc::auth_error);
    EXPECT_EQ(denied.error.auth_stat, rpc::AuthStat::auth_tooweak);
    // The connection survives all of that.
    EXPECT_TRUE(c->call_sync(kBenchProg, kBenchVers, kBenchNull).ok());
  }
}

TEST_P(ClientErrors, SilentProcedureTimesOut) {
  start();
  if (IsSkipped()) return;
  constexpr std::uint32_t kProc = 13;
  server_->add_procedure(kBenchProg, kBenchVers, kProc, {"SILENT"}, [&](server::Call& call) {
    handles_.push_back(call.defer());
    return server::Status::deferred;
  });
  listen();
  for (const core::Endpoint* ep : {&tcp(), &udp()}) {
    SCOPED_TRACE(ep->to_string());
    auto c = connect(*ep);
    ASSERT_TRUE(c);
    CallOptions options;
    options.timeout = milliseconds(150);
    options.retransmit = milliseconds(40);
    const auto before = core::Clock::now();
    const Result r = c->call_sync(kBenchProg, kBenchVers, kProc, {}, options);
    EXPECT_EQ(r.error.code, Errc::timed_out) << message(r.error);
    const auto took = core::Clock::now() - before;
    EXPECT_GE(took, milliseconds(150));
    EXPECT_LT(took, milliseconds(2000));  // the call_sync returns at its timeout, not later
    EXPECT_EQ(c->pending(), 0U);
    // Other calls still work afterwards.
    EXPECT_TRUE(c->call_sync(kBenchProg, kBenchVers, kBenchNull).ok());
  }
}

TEST_P(ClientErrors, ShorterTimeoutAfterLongerOnesExpiresFirst) {
  // Stream calls share one deadline timer over a list sorted by deadline: a call with a short
  // timeout made after calls with long ones must still time out on time, and in order.
  start();
  if (IsSkipped()) return;
  constexpr std::uint32_t kProc = 13;
  server_->add_procedure(kBenchProg, kBenchVers, kProc, {"SILENT"}, [&](server::Call& call) {
    handles_.push_back(call.defer());
    return server::Status::deferred;
  });
  listen();
  auto c = connect(tcp());
  ASSERT_TRUE(c);
  std::vector<std::uint32_t> order;
  auto record = [&order](const CallResult& r) {
    EXPECT_EQ(r.error.code, Errc::timed_out) << message(r.error);
    order.push_back(r.xid);
  };
  CallOptions slow;
  slow.timeout = milliseconds(400);
  CallOptions fast;
  fast.timeout = milliseconds(100);
  const auto before = core::Clock::now();
  const std::uint32_t a = c->call(kBenchProg, kBenchVers, kProc, {}, slow, record);
  const std::uint32_t b = c->call(kBenchProg, kBenchVers, kProc, {}, slow, record);
  const std::uint32_t d = c->call(kBenchProg, kBenchVers, kProc, {}, fast, record);
  core::TimePoint first_done{};
  while (order.size() < 3) {
    loop_->run_once();
    if (order.size() == 1 && first_done == core::TimePoint{}) first_done = core::Clock::now();
  }
  EXPECT_EQ(order, (std::vector<std::uint32_t>{d, a, b}));
  EXPECT_GE(first_done - before, milliseconds(100));
  EXPECT_LT(first_done - before, milliseconds(350));  // not held back until the longer deadlines
  EXPECT_GE(core::Clock::now() - before, milliseconds(400));
  EXPECT_EQ(c->pending(), 0U);
}

// A peer that answers with a reply whose reply_stat is neither accepted nor denied.
TEST_P(ClientErrors, MalformedReplyCannotBeDecoded) {
  start();
  if (IsSkipped()) return;
  auto listener = loop_->listen(*core::parse_endpoint("tcp://127.0.0.1:0"));
  ASSERT_TRUE(listener) << listener.error().message;
  Bytes in;
  (*listener)->on_accept = [&](core::Stream& s) {
    s.on_data = [&](core::Stream& peer, const core::Slice& bytes) {
      in.insert(in.end(), bytes.bytes().begin(), bytes.bytes().end());
      if (in.size() < 8) return;
      std::array<std::byte, 16> reply{};
      rpc::write_record_mark(reply.data(), 12, true);
      std::copy(in.begin() + 4, in.begin() + 8, reply.begin() + 4);  // the call's xid
      xdr::store_be32(reply.data() + 8, 1);                          // REPLY
      xdr::store_be32(reply.data() + 12, 7);                         // no such reply_stat
      ASSERT_TRUE(peer.write_copy(reply));
      in.clear();
    };
    s.start_reading();
  };
  auto c = connect((*listener)->endpoint());
  ASSERT_TRUE(c);
  const Result r = c->call_sync(kBenchProg, kBenchVers, kBenchNull);
  EXPECT_EQ(r.error.code, Errc::cant_decode_reply) << message(r.error);
  c.reset();
  (*listener)->close();
}

TEST_P(ClientErrors, RefusedConnectionCannotSend) {
  start();
  if (IsSkipped()) return;
  // A port that was just free: bind, learn it, close.
  auto listener = loop_->listen(*core::parse_endpoint("tcp://127.0.0.1:0"));
  ASSERT_TRUE(listener);
  const core::Endpoint gone = (*listener)->endpoint();
  (*listener)->close();
  core::test::run_for(*loop_, milliseconds(1));
  auto c = Client::create(*loop_, gone);
  if (!c) GTEST_SUCCEED() << "refused at once: " << c.error().message;
  if (!c) return;
  const Result r = (*c)->call_sync(kBenchProg, kBenchVers, kBenchNull);
  EXPECT_EQ(r.error.code, Errc::cant_send) << message(r.error);
  EXPECT_NE(message(r.error).find("Connection refused"), std::string::npos) << message(r.error);
}

// The kinds no other test reaches: arguments that do not encode (the call never leaves),
// SYSTEM_ERR from a handler, and MSG_DENIED / RPC_MISMATCH from a peer that speaks another
// RPC version.
TEST_P(ClientErrors, EncodeFailureSystemErrorAndRpcMismatch) {
  start();
  if (IsSkipped()) return;
  constexpr std::uint32_t kProc = 15;
  server_->add_procedure(kBenchProg, kBenchVers, kProc, {"FAILS"},
                         [](server::Call&) { return server::Status::system_err; });
  listen();
  const std::string too_long(300, 'x');
  for (const core::Endpoint& ep : endpoints_) {
    SCOPED_TRACE(ep.to_string());
    auto c = connect(ep);
    ASSERT_TRUE(c);
    const Result bad_args =
        c->call_sync(kBenchProg, kBenchVers, kBenchEcho, [&](xdr::Encoder& e) { e.put_string(too_long, 255); });
    EXPECT_EQ(bad_args.error.code, Errc::cant_encode_args);
    EXPECT_EQ(message(bad_args.error), "the arguments of program 536871065 version 1 procedure 1 could not be encoded");
    const Result failed = c->call_sync(kBenchProg, kBenchVers, kProc);
    EXPECT_EQ(failed.error.code, Errc::system_err);
    EXPECT_EQ(message(failed.error),
              "the server failed to execute program 536871065 version 1 procedure 15 (system error)");
    EXPECT_TRUE(c->call_sync(kBenchProg, kBenchVers, kBenchNull).ok());  // nothing broke
  }

  std::unique_ptr<FakeStreamServer> fake;
  fake = std::make_unique<FakeStreamServer>(
      *loop_, *core::parse_endpoint("tcp://127.0.0.1:0"),
      [&](FakeStreamServer::Conn& conn, const rpc::CallHeader& call, xdr::Decoder&) {
        fake->send(conn, [&](xdr::Encoder& e) { rpc::encode_rpc_mismatch_reply(e, call.xid, 3, 4); });
      });
  auto c = connect(fake->endpoint());
  ASSERT_TRUE(c);
  const Result r = c->call_sync(kBenchProg, kBenchVers, kBenchNull);
  EXPECT_EQ(r.error.code, Errc::rpc_mismatch);
  EXPECT_EQ(r.error.low, 3U);
  EXPECT_EQ(r.error.high, 4U);
  c.reset();
}

INSTANTIATE_TEST_SUITE_P(Backends, ClientErrors,
                         ::testing::Values(core::BackendKind::select, core::BackendKind::epoll,
                                           core::BackendKind::io_uring),
                         [](const auto& p) { return std::string(core::to_string(p.param)); });

TEST(ClientMessage, SentencesNameTheFailure) {
  Error e{.code = Errc::auth_error, .prog = 100003, .vers = 3, .proc = 1, .auth_stat = rpc::AuthStat::auth_tooweak};
  EXPECT_EQ(message(e),
            "the server refused the credential of program 100003 version 3 procedure 1: the credential is too weak "
            "for this procedure");
  e = {.code = Errc::rpc_mismatch, .low = 2, .high = 2};
  EXPECT_EQ(message(e), "the server does not speak RPC version 2: it has versions 2 to 2");
  e = {.code = Errc::proc_unavail, .prog = 7, .vers = 1, .proc = 9};
  EXPECT_EQ(message(e), "procedure 9 of program 7 version 1 is not available");
  e = {.code = Errc::timed_out, .prog = 7, .vers = 1, .proc = 9};
  EXPECT_EQ(message(e), "no reply to program 7 version 1 procedure 9 before the timeout");
  EXPECT_EQ(to_string(Errc::cant_decode_reply), "cant_decode_reply");
  e = {.code = Errc::not_resent, .prog = 7, .vers = 1, .proc = 9, .sys_errno = ECONNRESET};
  EXPECT_EQ(message(e),
            "the connection was lost after the call of program 7 version 1 procedure 9 was sent: it may or may not "
            "have run, and it was not resent because it is not marked retry-safe: Connection reset by peer");
  e = {.code = Errc::not_registered, .prog = 536871065, .vers = 1, .transport = core::Transport::udp};
  EXPECT_EQ(message(e), "program 536871065 version 1 is not registered with the portmapper for udp");
  e = {.code = Errc::unknown_host};
  EXPECT_EQ(message(e), "the host name of the server could not be resolved");
  e = {.code = Errc::registration_refused, .prog = 7, .vers = 1, .proc = 2};
  EXPECT_EQ(message(e), "the portmapper refused to unregister program 7 version 1 (it is someone else's)");
  // Every code has a name and a sentence of its own.
  for (int i = 0; i <= static_cast<int>(Errc::registration_refused); ++i) {
    const auto code = static_cast<Errc>(i);
    EXPECT_NE(to_string(code), "unknown") << i;
    EXPECT_NE(message(Error{.code = code}), "unknown error") << i;
  }
}

}  // namespace
}  // namespace nelson::client::test
