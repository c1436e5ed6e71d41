// UDP retransmission through a lossy path: a relay between the client and nelson's server drops
// the first transmissions of a call and can replay one late, so the tests see what the server
// saw (the same xid each time) and that its duplicate-request cache runs an at-most-once
// procedure once however often the call arrives.
#include <map>

#include "tests/client/client_test_fixture.hpp"
#include "xdr/byte_order.hpp"

namespace nelson::client::test {
namespace {

// client <-> front [relay] back <-> server. Requests from the client: the first `drop_first`
// transmissions of each xid are dropped, the others forwarded (and the last one kept for
// replay_last()). Replies from the server go back to the client.
class UdpRelay {
 public:
  UdpRelay(core::Loop& loop, const core::Endpoint& server, int drop_first) : server_(server), drop_first_(drop_first) {
    const core::Endpoint any = *core::parse_endpoint("udp://127.0.0.1:0");
    front_ = loop.open_datagram(any).value();
    back_ = loop.open_datagram(any).value();
    front_->on_datagram = [this](core::DatagramSocket&, const core::Datagram& d) {
      const auto bytes = d.data.bytes();
      if (bytes.size() < 4) return;
      client_ = d.from;
      const std::uint32_t xid = xdr::load_be32(bytes.data());
      xids.push_back(xid);
      if (++transmissions_[xid] <= drop_first_) return;
      last_.assign(bytes.begin(), bytes.end());
      send(*back_, last_, server_.address);
      ++forwarded;
    };
    back_->on_datagram = [this](core::DatagramSocket&, const core::Datagram& d) {
      ++replies;
      send(*front_, d.data.bytes(), client_);
    };
    front_->start_reading();
    back_->start_reading();
  }
  ~UdpRelay() {
    front_->close();
    back_->close();
  }
  UdpRelay(const UdpRelay&) = delete;
  UdpRelay& operator=(const UdpRelay&) = delete;

  /// Sends the last forwarded request to the server again: a late duplicate.
  void replay_last() {
    send(*back_, last_, server_.address);
    ++forwarded;
  }
  [[nodiscard]] core::Endpoint endpoint() const { return front_->endpoint(); }

  std::vector<std::uint32_t> xids;  // of every request from the client, dropped or not
  int forwarded = 0;
  int replies = 0;

 private:
  static void send(core::DatagramSocket& s, std::span<const std::byte> bytes, const core::SocketAddress& to) {
    const iovec iov{const_cast<std::byte*>(bytes.data()), bytes.size()};
    ASSERT_EQ(s.send_to({&iov, 1}, to), 0);
  }

  core::Endpoint server_;
  int drop_first_;
  core::DatagramSocket* front_ = nullptr;
  core::DatagramSocket* back_ = nullptr;
  core::SocketAddress client_;
  std::map<std::uint32_t, int> transmissions_;
  Bytes last_;
};

class ClientRetransmit : public ClientTest {
 protected:
  static constexpr std::uint32_t kCount = 20;  // returns how often it ran so far
  void add_counter(server::Semantics semantics) {
    server_->add_procedure(kBenchProg, kBenchVers, kCount, {"COUNT", semantics}, [this](server::Call& call) {
      ++runs_;
      server_xids_.push_back(call.header().xid);
      call.reply([&](xdr::Encoder& e) { e.put_int(runs_); });
      return server::Status::success;
    });
  }
  int runs_ = 0;
  std::vector<std::uint32_t> server_xids_;
};

// The relay drops the first three transmissions: the client's fourth, 20+40+80 ms later, gets
// through. Every transmission carried the call's xid; the server saw it once.
TEST_P(ClientRetransmit, RetransmitsThroughLossWithTheSameXid) {
  start();
  if (IsSkipped()) return;
  add_counter(server::Semantics::idempotent);
  listen();
  UdpRelay relay(*loop_, udp(), 3);
  auto c = connect(relay.endpoint());
  ASSERT_TRUE(c);
  CallOptions options;
  options.retransmit = milliseconds(20);
  options.timeout = milliseconds(5000);
  const Result r = c->call_sync(kBenchProg, kBenchVers, kCount, {}, options);
  ASSERT_TRUE(r.ok()) << message(r.error);
  EXPECT_EQ(relay.xids, std::vector<std::uint32_t>(4, r.xid));
  EXPECT_EQ(server_xids_, std::vector<std::uint32_t>{r.xid});
  EXPECT_EQ(runs_, 1);
}

// An at-most-once procedure behind the relay: one transmission dropped, one forwarded and
// answered, then the relay replays it late. The DRC answers the duplicate from its cache (the
// reply reaches the client, which ignores it: that xid is done), so the procedure ran once.
// The same path with an idempotent procedure runs it twice, which shows the duplicate did reach
// the server.
TEST_P(ClientRetransmit, AtMostOnceProcedureRunsOnceDespiteALateDuplicate) {
  for (const auto semantics : {server::Semantics::at_most_once, server::Semantics::idempotent}) {
    const bool amo = semantics == server::Semantics::at_most_once;
    SCOPED_TRACE(amo ? "at most once" : "idempotent");
    runs_ = 0;
    server_xids_.clear();
    start();
    if (IsSkipped()) return;
    add_counter(semantics);
    listen();
    {
      UdpRelay relay(*loop_, udp(), 1);
      auto c = connect(relay.endpoint());
      ASSERT_TRUE(c);
      CallOptions options;
      options.retransmit = milliseconds(20);
      options.timeout = milliseconds(5000);
      int answers = 0;
      Result r;
      c->call(kBenchProg, kBenchVers, kCount, {}, options, [&](const CallResult& cr) {
        ++answers;
        r.error = cr.error;
        r.xid = cr.xid;
      });
      ASSERT_TRUE(run_until([&] { return answers == 1; }));
      ASSERT_TRUE(r.ok()) << message(r.error);
      relay.replay_last();
      ASSERT_TRUE(run_until([&] { return relay.replies == 2; }));
      core::test::run_for(*loop_, milliseconds(20));  // the duplicate reply reaches the client
      EXPECT_EQ(answers, 1);
      EXPECT_EQ(relay.xids, std::vector<std::uint32_t>(2, r.xid));
      EXPECT_EQ(relay.forwarded, 2);
      EXPECT_EQ(runs_, amo ? 1 : 2);
      EXPECT_EQ(server_->drc_stats().replays, amo ? 1U : 0U);
      for (const std::uint32_t xid : server_xids_) EXPECT_EQ(xid, r.xid);
    }
    TearDown();
    endpoints_.clear();
    unix_path_.clear();
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, ClientRetransmit,
                         ::testing::Values(core::BackendKind::select, core::BackendKind::epoll,
                                           core::BackendKind::io_uring),
                         [](const auto& p) { return std::string(core::to_string(p.param)); });

}  // namespace
}  // namespace nelson::client::test
