// client::lookup against an in-process fake portmapper built with nelson's own server (program
// 100000: v2 GETPORT, v3/v4 GETADDR, answering from tables the test fills). The universal-address
// parser it uses is tested in tests/rpc/universal_address_test.cpp.
#include "client/portmap.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <map>
#include <string>
#include <tuple>

#include "tests/client/client_test_fixture.hpp"

namespace nelson::client::test {
namespace {

constexpr std::uint32_t kProg = 536871065;

class FakePortmapper {
 public:
  /// Serves PMAP v2 GETPORT, and RPCBIND v3 and v4 GETADDR when `versions` include them.
  FakePortmapper(server::Server& server, std::initializer_list<std::uint32_t> versions) {
    for (const std::uint32_t v : versions) {
      if (v == 2) {
        server.add_procedure(kPortmapProg, 2, kPmapGetport, {"PMAPPROC_GETPORT"}, [this](server::Call& call) {
          std::uint32_t prog = 0, vers = 0, prot = 0, port = 0;
          auto& d = call.args();
          if (!d.get_uint(prog) || !d.get_uint(vers) || !d.get_uint(prot) || !d.get_uint(port) || !d.expect_end()) {
            return server::Status::garbage_args;
          }
          asked.emplace_back(2, call.header().proc);
          const auto it = ports.find({prog, vers, prot});
          const std::uint32_t answer = it == ports.end() ? 0 : it->second;
          call.reply([&](xdr::Encoder& e) { e.put_uint(answer); });
          return server::Status::success;
        });
        continue;
      }
      server.add_procedure(kPortmapProg, v, kRpcbGetaddr, {"RPCBPROC_GETADDR"}, [this, v](server::Call& call) {
        std::uint32_t prog = 0, vers = 0;
        std::string_view netid, addr, owner;
        auto& d = call.args();
        if (!d.get_uint(prog) || !d.get_uint(vers) || !d.view_string(netid, 64) || !d.view_string(addr, 64) ||
            !d.view_string(owner, 64) || !d.expect_end()) {
          return server::Status::garbage_args;
        }
        asked.emplace_back(v, call.header().proc);
        netids.emplace_back(netid);
        const auto it = uaddrs.find({prog, vers, std::string(netid)});
        const std::string answer = it == uaddrs.end() ? "" : it->second;
        call.reply([&](xdr::Encoder& e) { e.put_string(answer); });
        return server::Status::success;
      });
    }
  }

  std::map<std::tuple<std::uint32_t, std::uint32_t, std::string>, std::string> uaddrs;     // GETADDR
  std::map<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>, std::uint32_t> ports;  // GETPORT
  std::vector<std::pair<std::uint32_t, std::uint32_t>> asked;                              // (version, proc)
  std::vector<std::string> netids;
};

using Asked = std::vector<std::pair<std::uint32_t, std::uint32_t>>;

class Portmap : public ClientTest {
 protected:
  LookupResult ask(core::Transport transport, core::Transport via, std::uint32_t vers = 1) {
    LookupOptions options;
    options.port = tcp().address.port();
    if (via == core::Transport::udp) options.port = udp().address.port();
    options.via = via;
    options.timeout = milliseconds(3000);
    return lookup_sync(*loop_, "127.0.0.1", kProg, vers, transport, options);
  }
};

TEST_P(Portmap, FindsAProgramWithGetaddrOverItsOwnTransportElseGetport) {
  start();
  if (IsSkipped()) return;
  FakePortmapper pm(*server_, {2, 3, 4});
  listen();
  pm.uaddrs[{kProg, 1, "tcp"}] = "127.0.0.1.78.83";  // 20051
  pm.uaddrs[{kProg, 1, "udp"}] = "127.0.0.1.78.84";
  pm.ports[{kProg, 1, 6}] = 20061;
  pm.ports[{kProg, 1, 17}] = 20062;

  LookupResult r = ask(core::Transport::udp, core::Transport::udp);
  ASSERT_TRUE(r.ok()) << message(r.error);
  EXPECT_EQ(r.endpoint.to_string(), "udp://127.0.0.1:20052");
  r = ask(core::Transport::tcp, core::Transport::tcp);
  ASSERT_TRUE(r.ok()) << message(r.error);
  EXPECT_EQ(r.endpoint.to_string(), "tcp://127.0.0.1:20051");
  EXPECT_EQ(pm.asked, (Asked{{4, 3}, {4, 3}}));
  EXPECT_EQ(pm.netids, (std::vector<std::string>{"udp", "tcp"}));
  // Asked over the other transport: GETPORT, whose prot names the transport.
  r = ask(core::Transport::tcp, core::Transport::udp);
  ASSERT_TRUE(r.ok()) << message(r.error);
  EXPECT_EQ(r.endpoint.to_string(), "tcp://127.0.0.1:20061");
  r = ask(core::Transport::udp, core::Transport::tcp);
  ASSERT_TRUE(r.ok()) << message(r.error);
  EXPECT_EQ(r.endpoint.to_string(), "udp://127.0.0.1:20062");
  EXPECT_EQ(pm.asked, (Asked{{4, 3}, {4, 3}, {2, 3}, {2, 3}}));

  // A registration on the wildcard address means the portmapper's host.
  pm.uaddrs[{kProg, 2, "tcp"}] = "0.0.0.0.78.85";
  r = ask(core::Transport::tcp, core::Transport::tcp, 2);
  ASSERT_TRUE(r.ok()) << message(r.error);
  EXPECT_EQ(r.endpoint.to_string(), "tcp://127.0.0.1:20053");
  // max_version 2 asks GETPORT only.
  LookupOptions v2;
  v2.port = udp().address.port();
  v2.max_version = 2;
  r = lookup_sync(*loop_, "127.0.0.1", kProg, 1, core::Transport::udp, v2);
  ASSERT_TRUE(r.ok()) << message(r.error);
  EXPECT_EQ(r.endpoint.address.port(), 20062);
  EXPECT_EQ(pm.asked.back(), (std::pair<std::uint32_t, std::uint32_t>{2, 3}));
}

TEST_P(Portmap, NotRegistered) {
  start();
  if (IsSkipped()) return;
  FakePortmapper pm(*server_, {2, 3, 4});
  listen();
  for (const auto& [transport, via] : {std::pair{core::Transport::tcp, core::Transport::tcp},     // GETADDR: ""
                                       std::pair{core::Transport::udp, core::Transport::tcp}}) {  // GETPORT: 0
    const LookupResult r = ask(transport, via, 7);
    EXPECT_EQ(r.error.code, Errc::not_registered) << message(r.error);
    EXPECT_EQ(r.error.prog, kProg);
    EXPECT_EQ(r.error.vers, 7U);
    EXPECT_EQ(message(r.error), "program 536871065 version 7 is not registered with the portmapper for " +
                                    std::string(core::to_string(transport)));
  }
  EXPECT_EQ(pm.asked, (Asked{{4, 3}, {2, 3}}));
}

// A portmapper that speaks only PMAP v2 answers PROG_MISMATCH (2..2) to v4: lookup goes straight
// to GETPORT.
TEST_P(Portmap, FallsBackToGetportWhenOnlyVersion2IsServed) {
  start();
  if (IsSkipped()) return;
  FakePortmapper pm(*server_, {2});
  listen();
  pm.ports[{kProg, 1, 6}] = 20099;
  const LookupResult r = ask(core::Transport::tcp, core::Transport::tcp);
  ASSERT_TRUE(r.ok()) << message(r.error);
  EXPECT_EQ(r.endpoint.to_string(), "tcp://127.0.0.1:20099");
  EXPECT_EQ(pm.asked, (Asked{{2, 3}}));
  EXPECT_EQ(server_->stats().prog_mismatch, 1U);
}

// One that speaks v2 and v3 answers PROG_MISMATCH (2..3) to v4: v3 GETADDR comes next.
TEST_P(Portmap, FallsBackToVersion3) {
  start();
  if (IsSkipped()) return;
  FakePortmapper pm(*server_, {2, 3});
  listen();
  pm.uaddrs[{kProg, 1, "udp"}] = "127.0.0.1.0.111";
  const LookupResult r = ask(core::Transport::udp, core::Transport::udp);
  ASSERT_TRUE(r.ok()) << message(r.error);
  EXPECT_EQ(r.endpoint.to_string(), "udp://127.0.0.1:111");
  EXPECT_EQ(pm.asked, (Asked{{3, 3}}));
  EXPECT_EQ(server_->stats().prog_mismatch, 1U);
}

// Without program 100000 at all every version is PROG_UNAVAIL: lookup tries 4, 3, 2 and reports it.
TEST_P(Portmap, NoPortmapperProgram) {
  start();
  if (IsSkipped()) return;
  listen();
  const LookupResult r = ask(core::Transport::tcp, core::Transport::tcp);
  EXPECT_EQ(r.error.code, Errc::prog_unavail) << message(r.error);
  EXPECT_EQ(r.error.prog, kPortmapProg);
  EXPECT_EQ(server_->stats().prog_unavail, 3U);
}

TEST_P(Portmap, MalformedAnswersAreRefused) {
  start();
  if (IsSkipped()) return;
  FakePortmapper pm(*server_, {2, 3, 4});
  listen();
  pm.uaddrs[{kProg, 1, "tcp"}] = "127.0.0.1.78";        // a field short
  pm.uaddrs[{kProg, 2, "tcp"}] = "127.0.0.1.0.0";       // port 0
  pm.uaddrs[{kProg, 3, "tcp"}] = std::string(60, '1');  // longer than any universal address
  pm.ports[{kProg, 4, 17}] = 70000;                     // not a port
  for (const std::uint32_t vers : {1U, 2U, 3U}) {
    const LookupResult r = ask(core::Transport::tcp, core::Transport::tcp, vers);
    EXPECT_EQ(r.error.code, Errc::cant_decode_reply) << vers << ": " << message(r.error);
    EXPECT_EQ(r.error.prog, kPortmapProg);
    EXPECT_EQ(r.error.vers, 4U);
  }
  const LookupResult r = ask(core::Transport::udp, core::Transport::tcp, 4);
  EXPECT_EQ(r.error.code, Errc::cant_decode_reply) << message(r.error);
  EXPECT_EQ(r.error.vers, 2U);
}

// Nothing answers on that UDP port: the lookup times out at its timeout, not much later.
TEST_P(Portmap, TimesOutWhenNothingAnswers) {
  start();
  if (IsSkipped()) return;
  auto silent = loop_->open_datagram(*core::parse_endpoint("udp://127.0.0.1:0"));
  ASSERT_TRUE(silent) << silent.error().message;
  LookupOptions options;
  options.port = (*silent)->endpoint().address.port();
  options.timeout = milliseconds(300);
  const auto before = core::Clock::now();
  const LookupResult r = lookup_sync(*loop_, "127.0.0.1", kProg, 1, core::Transport::udp, options);
  const auto took = core::Clock::now() - before;
  EXPECT_EQ(r.error.code, Errc::timed_out) << message(r.error);
  EXPECT_EQ(r.error.prog, kPortmapProg);
  EXPECT_GE(took, milliseconds(300));
  EXPECT_LT(took, milliseconds(3000));
  (*silent)->close();
}

TEST_P(Portmap, AsksOverIpv6WithTheIpv6Netid) {
  start();
  if (IsSkipped()) return;
  FakePortmapper pm(*server_, {2, 3, 4});
  auto ep = server_->listen(*core::parse_endpoint("udp://[::1]:0"));
  if (!ep) GTEST_SKIP() << "no IPv6 loopback: " << ep.error().message;
  pm.uaddrs[{kProg, 1, "udp6"}] = "::1.78.83";
  LookupOptions options;
  options.port = ep->address.port();
  const LookupResult r = lookup_sync(*loop_, "::1", kProg, 1, core::Transport::udp, options);
  ASSERT_TRUE(r.ok()) << message(r.error);
  EXPECT_EQ(r.endpoint.to_string(), "udp://[::1]:20051");
  EXPECT_EQ(pm.netids, std::vector<std::string>{"udp6"});
}

TEST_P(Portmap, UnixTransportIsRefusedLater) {
  start();
  if (IsSkipped()) return;
  bool done = false;
  LookupResult result;
  lookup(*loop_, "127.0.0.1", kProg, 1, core::Transport::unix_stream, {}, [&](const LookupResult& r) {
    result = r;
    done = true;
  });
  EXPECT_FALSE(done);  // never inside lookup()
  ASSERT_TRUE(run_until([&] { return done; }));
  EXPECT_EQ(result.error.code, Errc::cant_send);
  EXPECT_EQ(result.error.sys_errno, EPROTONOSUPPORT);
}

INSTANTIATE_TEST_SUITE_P(Backends, Portmap,
                         ::testing::Values(core::BackendKind::select, core::BackendKind::epoll,
                                           core::BackendKind::io_uring),
                         [](const auto& p) { return std::string(core::to_string(p.param)); });

}  // namespace
}  // namespace nelson::client::test
