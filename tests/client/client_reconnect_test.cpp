// Losing a stream connection: reconnection with back-off, retry-safe calls resent with their
// xid, the others failed as "may or may not have run", calls queued while reconnecting, and
// timeouts that keep running throughout. Also fragmented sends and fragmented replies.
#include <algorithm>
#include <string>

#include "tests/client/client_test_fixture.hpp"
#include "tests/client/fake_stream_server.hpp"

namespace nelson::client::test {
namespace {

class ClientReconnect : public ClientTest {};

// A fake server that, on its first connection, takes six calls and answers none, then resets
// the connection; on later connections it answers every call with its argument times ten.
// Three of the six calls are retry-safe: they must reach the second connection with their xids;
// the other three fail with not_resent; two calls made right after the loss (while the client
// reconnects) are queued and answered on the second connection.
TEST_P(ClientReconnect, ResetResendsRetrySafeCallsWithTheirXids) {
  start();
  if (IsSkipped()) return;
  const std::string path = "/tmp/nelson-client-reconnect-" + std::to_string(::getpid()) + ".sock";
  for (const std::string& text : {std::string("tcp://127.0.0.1:0"), "unix://" + path}) {
    SCOPED_TRACE(text);
    ::unlink(path.c_str());
    std::unique_ptr<FakeStreamServer> fake;
    fake = std::make_unique<FakeStreamServer>(
        *loop_, *core::parse_endpoint(text),
        [&](FakeStreamServer::Conn& conn, const rpc::CallHeader& call, xdr::Decoder& args) {
          std::int32_t v = 0;
          ASSERT_TRUE(args.get_int(v));
          if (conn.index == 0) {
            if (conn.xids.size() == 6) conn.reset();
            return;
          }
          fake->reply(conn, call.xid, [&](xdr::Encoder& e) { e.put_int(v * 10); });
        });
    ClientOptions options;
    options.reconnect_delay = milliseconds(10);
    auto c = connect(fake->endpoint(), options);
    ASSERT_TRUE(c);

    struct Outcome {
      std::uint32_t xid = 0;  // what call() returned
      bool done = false;
      CallResult result;
      std::int32_t value = -1;
    };
    std::vector<Outcome> outcomes(8);
    std::function<void(int, bool)> make_call = [&](int i, bool retry_safe) {
      CallOptions o;
      o.retry_safe = retry_safe;
      o.timeout = milliseconds(5000);
      const auto at = static_cast<std::size_t>(i);
      outcomes[at].xid = c->call(
          kBenchProg, kBenchVers, 1, [i](xdr::Encoder& e) { e.put_int(i); }, o,
          [&, i, at](const CallResult& r) {
            Outcome& out = outcomes[at];
            EXPECT_FALSE(out.done) << "call " << i << " answered twice";
            out.done = true;
            out.result.error = r.error;
            out.result.xid = r.xid;
            xdr::Decoder d(r.results);
            if (r.ok()) {
              EXPECT_TRUE(d.get_int(out.value));
            }
            // Calls made while the client reconnects (from the first failure's callback).
            if (i == 1) {
              EXPECT_FALSE(c->connected());
              make_call(6, false);
              make_call(7, false);
            }
          });
    };
    for (int i = 0; i < 6; ++i) make_call(i, i % 2 == 0);  // 0, 2, 4 retry-safe
    ASSERT_TRUE(run_until(
        [&] { return std::all_of(outcomes.begin(), outcomes.end(), [](const Outcome& o) { return o.done; }); }));

    for (const int i : {1, 3, 5}) {
      SCOPED_TRACE(i);
      EXPECT_EQ(outcomes[i].result.error.code, Errc::not_resent);
      EXPECT_NE(message(outcomes[i].result.error).find("may or may not have run"), std::string::npos)
          << message(outcomes[i].result.error);
    }
    for (const int i : {0, 2, 4, 6, 7}) {
      SCOPED_TRACE(i);
      ASSERT_TRUE(outcomes[i].result.ok()) << message(outcomes[i].result.error);
      EXPECT_EQ(outcomes[i].value, i * 10);
      EXPECT_EQ(outcomes[i].result.xid, outcomes[i].xid);
    }
    // The first connection saw all six; the second the three retry-safe ones again, same xids,
    // then the two queued ones.
    ASSERT_EQ(fake->connections(), 2U);
    std::vector<std::uint32_t> first;
    for (int i = 0; i < 6; ++i) first.push_back(outcomes[i].xid);
    EXPECT_EQ(fake->conn(0).xids, first);
    EXPECT_EQ(fake->conn(1).xids, (std::vector<std::uint32_t>{outcomes[0].xid, outcomes[2].xid, outcomes[4].xid,
                                                              outcomes[6].xid, outcomes[7].xid}));
    EXPECT_TRUE(c->connected());
    EXPECT_EQ(c->reconnects(), 1U);
    EXPECT_EQ(c->pending(), 0U);
    c.reset();
    fake.reset();
    core::test::run_for(*loop_, milliseconds(1));
  }
  ::unlink(path.c_str());
}

// Nobody listens at first: a call that is not retry-safe fails at the first refused attempt
// (cant_send: it was never sent); a retry-safe one with a short timeout times out at its
// deadline while the client keeps trying; a retry-safe one with a long timeout waits through
// the failed attempts (with back-off) and is answered once the server listens.
TEST_P(ClientReconnect, RetrySafeCallWaitsForTheServerToComeBack) {
  start();
  if (IsSkipped()) return;
  // A port that was just free: bind, learn it, close.
  auto probe = loop_->listen(*core::parse_endpoint("tcp://127.0.0.1:0"));
  ASSERT_TRUE(probe);
  const core::Endpoint where = (*probe)->endpoint();
  (*probe)->close();
  core::test::run_for(*loop_, milliseconds(1));

  ClientOptions options;
  options.reconnect_delay = milliseconds(10);
  options.max_reconnect_delay = milliseconds(40);
  auto c = connect(where, options);
  ASSERT_TRUE(c);
  std::vector<Errc> plain;
  CallResult quick;
  bool quick_done = false;
  CallResult patient;
  bool patient_done = false;
  c->call(kBenchProg, kBenchVers, kBenchNull, {}, {}, [&](const CallResult& r) {
    plain.push_back(r.error.code);
    EXPECT_EQ(r.error.sys_errno, ECONNREFUSED) << message(r.error);
  });
  CallOptions short_wait;
  short_wait.retry_safe = true;
  short_wait.timeout = milliseconds(150);
  const auto before = core::Clock::now();
  core::Clock::time_point quick_at{};
  c->call(kBenchProg, kBenchVers, kBenchNull, {}, short_wait, [&](const CallResult& r) {
    quick = r;
    quick_done = true;
    quick_at = core::Clock::now();
  });
  CallOptions long_wait;
  long_wait.retry_safe = true;
  long_wait.timeout = milliseconds(5000);
  c->call(kBenchProg, kBenchVers, kBenchNull, {}, long_wait, [&](const CallResult& r) {
    patient = r;
    patient_done = true;
  });
  ASSERT_TRUE(run_until([&] { return quick_done; }));
  EXPECT_EQ(plain, std::vector<Errc>{Errc::cant_send});
  EXPECT_EQ(quick.error.code, Errc::timed_out) << message(quick.error);
  EXPECT_GE(quick_at - before, milliseconds(150));
  EXPECT_FALSE(patient_done);
  EXPECT_FALSE(c->connected());

  // The server comes up on that port; the queued call goes out on the next attempt.
  auto ep = server_->listen(where);
  ASSERT_TRUE(ep) << ep.error().message;
  ASSERT_TRUE(run_until([&] { return patient_done; }));
  EXPECT_TRUE(patient.ok()) << message(patient.error);
  EXPECT_TRUE(c->connected());
  EXPECT_EQ(c->reconnects(), 0U);  // the first successful connection is not a reconnection
  EXPECT_TRUE(c->call_sync(kBenchProg, kBenchVers, kBenchNull).ok());
}

// With reconnect off, a lost connection fails every pending call (cant_receive) and every later
// one (cant_send), and stays lost.
TEST_P(ClientReconnect, WithoutReconnectALostConnectionStaysLost) {
  start();
  if (IsSkipped()) return;
  FakeStreamServer fake(*loop_, *core::parse_endpoint("tcp://127.0.0.1:0"),
                        [](FakeStreamServer::Conn& conn, const rpc::CallHeader&, xdr::Decoder&) {
                          if (conn.xids.size() == 5) conn.close();
                        });
  ClientOptions options;
  options.reconnect = false;
  auto c = connect(fake.endpoint(), options);
  ASSERT_TRUE(c);
  std::vector<Errc> outcomes;
  CallOptions retry;
  retry.retry_safe = true;  // changes nothing without reconnect
  for (int i = 0; i < 5; ++i) {
    c->call(kBenchProg, kBenchVers, kBenchNull, {}, i == 0 ? retry : CallOptions{},
            [&](const CallResult& r) { outcomes.push_back(r.error.code); });
  }
  ASSERT_TRUE(run_until([&] { return outcomes.size() == 5; }));
  EXPECT_EQ(outcomes, std::vector<Errc>(5, Errc::cant_receive));
  EXPECT_FALSE(c->connected());
  const Result after = c->call_sync(kBenchProg, kBenchVers, kBenchNull);
  EXPECT_EQ(after.error.code, Errc::cant_send);
  core::test::run_for(*loop_, milliseconds(30));
  EXPECT_EQ(fake.connections(), 1U);
}

// A 300 KiB call in 1 KiB fragments: nelson's server reassembles it, and refuses it (closing
// the connection) when its fragment limit is below the ~300 fragments, which shows the call
// really left in pieces.
TEST_P(ClientReconnect, SendsLargeCallsInFragments) {
  server::ServerOptions server_options;
  server_options.limits.max_record_size = std::size_t{1} << 20;
  server_options.limits.max_fragments = 400;
  start(server_options);
  if (IsSkipped()) return;
  listen();
  const Bytes data = pattern(300 * 1024);
  ClientOptions options;
  options.max_fragment_size = 1024;
  options.reconnect = false;
  for (const core::Endpoint* ep : {&tcp(), &unix_stream()}) {
    SCOPED_TRACE(ep->to_string());
    auto c = connect(*ep, options);
    ASSERT_TRUE(c);
    const Result echo = c->call_sync(kBenchProg, kBenchVers, kBenchEcho, [&](xdr::Encoder& e) { e.put_opaque(data); });
    ASSERT_TRUE(echo.ok()) << message(echo.error);
    EXPECT_EQ(decode_opaque(echo.results), data);
  }
  EXPECT_EQ(server_->stats().connections_bad_records, 0U);

  options.max_fragment_size = 4096;  // ~75 fragments: within the limit
  auto fewer = connect(tcp(), options);
  ASSERT_TRUE(fewer);
  EXPECT_TRUE(fewer->call_sync(kBenchProg, kBenchVers, kBenchEcho, [&](xdr::Encoder& e) { e.put_opaque(data); }).ok());
  options.max_fragment_size = 512;  // ~600 fragments: over it
  auto more = connect(tcp(), options);
  ASSERT_TRUE(more);
  const Result refused =
      more->call_sync(kBenchProg, kBenchVers, kBenchEcho, [&](xdr::Encoder& e) { e.put_opaque(data); });
  EXPECT_EQ(refused.error.code, Errc::cant_receive) << message(refused.error);
  EXPECT_EQ(server_->stats().connections_bad_records, 1U);
}

// Replies split into many fragments (down to 7 bytes) are reassembled, large and small.
TEST_P(ClientReconnect, ReassemblesRepliesSentInManyFragments) {
  start();
  if (IsSkipped()) return;
  const Bytes big = pattern(200 * 1024);
  std::unique_ptr<FakeStreamServer> fake;
  fake =
      std::make_unique<FakeStreamServer>(*loop_, *core::parse_endpoint("tcp://127.0.0.1:0"),
                                         [&](FakeStreamServer::Conn& conn, const rpc::CallHeader& call, xdr::Decoder&) {
                                           if (call.proc == 1)
                                             fake->reply(
                                                 conn, call.xid, [&](xdr::Encoder& e) { e.put_opaque(big); }, 1000);
                                           if (call.proc == 2)
                                             fake->reply(
                                                 conn, call.xid, [&](xdr::Encoder& e) { e.put_uint(0xabcdef); }, 7);
                                         });
  ClientOptions options;
  options.max_record_size = std::size_t{1} << 20;
  auto c = connect(fake->endpoint(), options);
  ASSERT_TRUE(c);
  const Result large = c->call_sync(kBenchProg, kBenchVers, 1);
  ASSERT_TRUE(large.ok()) << message(large.error);
  EXPECT_EQ(decode_opaque(large.results), big);
  const Result small = c->call_sync(kBenchProg, kBenchVers, 2);
  ASSERT_TRUE(small.ok()) << message(small.error);
  xdr::Decoder d(small.results);
  std::uint32_t v = 0;
  ASSERT_TRUE(d.get_uint(v));
  EXPECT_EQ(v, 0xabcdefU);
  c.reset();
}

INSTANTIATE_TEST_SUITE_P(Backends, ClientReconnect,
                         ::testing::Values(core::BackendKind::select, core::BackendKind::epoll,
                                           core::BackendKind::io_uring),
                         [](const auto& p) { return std::string(core::to_string(p.param)); });

}  // namespace
}  // namespace nelson::client::test
