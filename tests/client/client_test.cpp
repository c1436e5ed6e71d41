// The client against an in-process server: the bench service over every transport, large
// records, pipelining, out-of-order replies, UDP retransmission and AUTH_SYS.
#include <algorithm>
#include <map>
#include <string>

#include "tests/client/client_test_fixture.hpp"

namespace nelson::client::test {
namespace {

class ClientSuite : public ClientTest {};

TEST_P(ClientSuite, NullEchoSumOnEveryTransport) {
  start();
  if (IsSkipped()) return;
  listen();
  for (const core::Endpoint& ep : endpoints_) {
    SCOPED_TRACE(ep.to_string());
    auto c = connect(ep);
    ASSERT_TRUE(c);
    const Result null = c->call_sync(kBenchProg, kBenchVers, kBenchNull);
    ASSERT_TRUE(null.ok()) << message(null.error);
    EXPECT_TRUE(null.results.empty());
    for (const std::size_t size : {std::size_t{0}, std::size_t{1024}}) {
      const Bytes data = pattern(size);
      const Result echo =
          c->call_sync(kBenchProg, kBenchVers, kBenchEcho, [&](xdr::Encoder& e) { e.put_opaque(data); });
      ASSERT_TRUE(echo.ok()) << message(echo.error);
      EXPECT_EQ(decode_opaque(echo.results), data);
    }
    const std::vector<std::int32_t> values{1, 2, 3, -10, 1000000};
    const Result sum = c->call_sync(kBenchProg, kBenchVers, kBenchSum,
                                    [&](xdr::Encoder& e) { e.put_array(std::span<const std::int32_t>(values)); });
    ASSERT_TRUE(sum.ok()) << message(sum.error);
    xdr::Decoder d(sum.results);
    std::int64_t total = 0;
    ASSERT_TRUE(d.get_hyper(total));
    EXPECT_EQ(total, 999996);
  }
}

TEST_P(ClientSuite, EchoesA300KiBRecord) {
  server::ServerOptions options;
  options.limits.max_record_size = std::size_t{1} << 20;
  start(options);
  if (IsSkipped()) return;
  listen();
  for (const core::Endpoint* ep : {&tcp(), &unix_stream()}) {
    auto c = connect(*ep);
    ASSERT_TRUE(c);
    const Bytes data = pattern(300 * 1024);
    const Result echo = c->call_sync(kBenchProg, kBenchVers, kBenchEcho, [&](xdr::Encoder& e) { e.put_opaque(data); });
    ASSERT_TRUE(echo.ok()) << message(echo.error);
    EXPECT_EQ(decode_opaque(echo.results), data);
  }
}

TEST_P(ClientSuite, FiveHundredPipelinedCallsAreAllMatched) {
  start();
  if (IsSkipped()) return;
  listen();
  auto c = connect(tcp());
  ASSERT_TRUE(c);
  constexpr int kCalls = 500;
  std::vector<int> answered(kCalls, 0);
  int done = 0;
  for (int i = 0; i < kCalls; ++i) {
    const std::int32_t v = i;
    c->call(
        kBenchProg, kBenchVers, kBenchSum, [&](xdr::Encoder& e) { e.put_array(std::span<const std::int32_t>(&v, 1)); },
        {},
        [&, i](const CallResult& r) {
          ++done;
          ASSERT_TRUE(r.ok()) << message(r.error);
          xdr::Decoder d(r.results);
          std::int64_t total = -1;
          ASSERT_TRUE(d.get_hyper(total));
          EXPECT_EQ(total, i);
          ++answered[static_cast<std::size_t>(i)];
        });
  }
  EXPECT_EQ(c->pending(), static_cast<std::size_t>(kCalls));
  ASSERT_TRUE(run_until([&] { return done == kCalls; }));
  EXPECT_TRUE(std::all_of(answered.begin(), answered.end(), [](int n) { return n == 1; }));
  EXPECT_EQ(c->pending(), 0U);
}

// A procedure that keeps its calls and answers them all in reverse order once `n` arrived.
TEST_P(ClientSuite, RepliesInReverseOrderAreMatchedByXid) {
  start();
  if (IsSkipped()) return;
  constexpr std::uint32_t kProc = 10;
  constexpr int kCalls = 20;
  std::vector<std::pair<server::ReplyHandle, std::int32_t>> held;
  server_->add_procedure(kBenchProg, kBenchVers, kProc, {"REVERSE"}, [&](server::Call& call) {
    std::int32_t v = 0;
    if (!call.args().get_int(v)) return server::Status::garbage_args;
    held.emplace_back(call.defer(), v);
    if (held.size() == kCalls) {
      for (auto it = held.rbegin(); it != held.rend(); ++it) {
        const std::int32_t value = it->second;
        it->first.reply([&](xdr::Encoder& e) { e.put_int(value * 3); });
      }
      held.clear();
    }
    return server::Status::deferred;
  });
  listen();
  for (const core::Endpoint* ep : {&tcp(), &udp()}) {
    SCOPED_TRACE(ep->to_string());
    auto c = connect(*ep);
    ASSERT_TRUE(c);
    std::vector<int> order;
    for (int i = 0; i < kCalls; ++i) {
      c->call(
          kBenchProg, kBenchVers, kProc, [i](xdr::Encoder& e) { e.put_int(i); }, {},
          [&, i](const CallResult& r) {
            ASSERT_TRUE(r.ok()) << message(r.error);
            xdr::Decoder d(r.results);
            std::int32_t v = 0;
            ASSERT_TRUE(d.get_int(v));
            EXPECT_EQ(v, i * 3);
            order.push_back(i);
          });
    }
    ASSERT_TRUE(run_until([&] { return order.size() == kCalls; }));
    std::vector<int> expected;
    for (int i = kCalls - 1; i >= 0; --i) expected.push_back(i);
    EXPECT_EQ(order, expected);
  }
}

// The server ignores the first two transmissions of each xid (keeping their handles, since a
// dropped handle would answer SYSTEM_ERR) and answers the third.
TEST_P(ClientSuite, UdpRetransmitsWithTheSameXidUntilAnswered) {
  start();
  if (IsSkipped()) return;
  constexpr std::uint32_t kProc = 11;
  std::map<std::uint32_t, int> seen;
  server_->add_procedure(kBenchProg, kBenchVers, kProc, {"THIRD_TIME"}, [&](server::Call& call) {
    if (++seen[call.header().xid] < 3) {
      handles_.push_back(call.defer());
      return server::Status::deferred;
    }
    call.reply([](xdr::Encoder& e) { e.put_uint(7); });
    return server::Status::success;
  });
  listen();
  auto c = connect(udp());
  ASSERT_TRUE(c);
  CallOptions options;
  options.retransmit = milliseconds(20);
  options.timeout = milliseconds(5000);
  const Result r = c->call_sync(kBenchProg, kBenchVers, kProc, {}, options);
  ASSERT_TRUE(r.ok()) << message(r.error);
  ASSERT_EQ(seen.size(), 1U);
  EXPECT_EQ(seen.begin()->first, r.xid);
  EXPECT_EQ(seen.begin()->second, 3);
}

TEST_P(ClientSuite, AuthSysReachesTheServer) {
  start();
  if (IsSkipped()) return;
  constexpr std::uint32_t kProc = 12;
  struct Seen {
    rpc::AuthFlavor flavor = rpc::AuthFlavor::auth_none;
    std::uint32_t uid = 0;
    std::uint32_t gid = 0;
    std::string machine;
    std::vector<std::uint32_t> groups;
  };
  std::vector<Seen> seen;
  server_->add_procedure(kBenchProg, kBenchVers, kProc, {"WHOAMI"}, [&](server::Call& call) {
    Seen s;
    s.flavor = call.caller().flavor;
    if (const rpc::AuthSys* sys = call.caller().auth_sys) {
      s.uid = sys->uid;
      s.gid = sys->gid;
      s.machine = std::string(sys->machine_name);
      s.groups.assign(sys->groups().begin(), sys->groups().end());
    }
    seen.push_back(s);
    return server::Status::success;
  });
  listen();
  rpc::AuthSys sys;
  sys.machine_name = "client-host";
  sys.uid = 1000;
  sys.gid = 100;
  sys.gids = {4, 24};
  sys.gid_count = 2;
  const auto cred = Credential::sys(sys);
  ASSERT_TRUE(cred);
  ClientOptions options;
  options.credential = *cred;
  auto c = connect(tcp(), options);
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->call_sync(kBenchProg, kBenchVers, kProc).ok());
  // A per-call credential overrides the client's: here AUTH_NONE.
  const Credential none;
  CallOptions per_call;
  per_call.credential = &none;
  ASSERT_TRUE(c->call_sync(kBenchProg, kBenchVers, kProc, {}, per_call).ok());
  ASSERT_EQ(seen.size(), 2U);
  EXPECT_EQ(seen[0].flavor, rpc::AuthFlavor::auth_sys);
  EXPECT_EQ(seen[0].uid, 1000U);
  EXPECT_EQ(seen[0].gid, 100U);
  EXPECT_EQ(seen[0].machine, "client-host");
  EXPECT_EQ(seen[0].groups, (std::vector<std::uint32_t>{4, 24}));
  EXPECT_EQ(seen[1].flavor, rpc::AuthFlavor::auth_none);
}

INSTANTIATE_TEST_SUITE_P(Backends, ClientSuite,
                         ::testing::Values(core::BackendKind::select, core::BackendKind::epoll,
                                           core::BackendKind::io_uring),
                         [](const auto& p) { return std::string(core::to_string(p.param)); });

}  // namespace
}  // namespace nelson::client::test
