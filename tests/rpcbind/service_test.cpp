// rpcbind::Service end to end: a Server with the portmapper's three versions on TCP, UDP and a
// UNIX socket, asked through nelson-gen's client stubs of rpcb_prot.x. Registration by policy
// (owners from the transport, never from r_owner), lookups by the arrival netid with wildcard
// addresses merged, DUMP, PMAP v2, GETTIME, the address conversions, GETSTAT, indirect calls
// (refused by default, forwarded when allowed), on_change, oversized strings, and the helpers
// merge_address() and arrival_netid().
#include "rpcbind/service.hpp"

#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <gtest/gtest.h>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/client.hpp"
#include "client/service_registration.hpp"
#include "core/loop.hpp"
#include "rpcb_prot.hpp"
#include "server/server.hpp"
#include "tests/core/run_loop.hpp"

namespace nelson::rpcbind {
namespace {

using client::Errc;
using std::chrono::milliseconds;

constexpr std::uint32_t kProg = 0x20000500;  // what the tests register
constexpr std::uint32_t kOther = 0x20000501;
constexpr std::uint32_t kTarget = 0x20000502;  // the program indirect calls reach

// Every call fails within this instead of hanging the test.
const client::CallOptions kCall{.timeout = milliseconds(3000), .retransmit = milliseconds(500)};
// For calls that are expected to get no answer at all.
const client::CallOptions kSilent{.timeout = milliseconds(300), .retransmit = milliseconds(1000)};

proto::rpcb reg(std::uint32_t prog, std::uint32_t vers, std::string netid, std::string addr = {},
                std::string owner = {}) {
  return {prog, vers, std::move(netid), std::move(addr), std::move(owner)};
}

// "prog vers netid addr owner", for readable comparisons.
std::string text(const proto::rpcb& r) {
  return std::to_string(r.r_prog) + " " + std::to_string(r.r_vers) + " " + r.r_netid + " " + r.r_addr + " " + r.r_owner;
}

std::vector<std::string> lines(const proto::rpcblist_ptr& list) {
  std::vector<std::string> out;
  for (const proto::rp__list* at = list ? &*list : nullptr; at != nullptr; at = at->rpcb_next.get()) {
    out.push_back(text(at->rpcb_map));
  }
  return out;
}

std::vector<std::string> lines(const proto::rpcb_entry_list_ptr& list) {
  std::vector<std::string> out;
  for (const proto::rpcb_entry_list* at = list ? &*list : nullptr; at != nullptr; at = at->rpcb_entry_next.get()) {
    const proto::rpcb_entry& e = at->rpcb_entry_map;
    out.push_back(e.r_maddr + " " + e.r_nc_netid + " " + std::to_string(e.r_nc_semantics) + " " + e.r_nc_protofmly +
                  " " + e.r_nc_proto);
  }
  return out;
}

// "prog vers proc netid success/failure/indirect" per indirect-call counter.
std::vector<std::string> lines(const proto::rpcbs_rmtcalllist_ptr& list) {
  std::vector<std::string> out;
  for (const proto::rpcbs_rmtcalllist* at = list ? &*list : nullptr; at != nullptr; at = at->next.get()) {
    out.push_back(std::to_string(at->prog) + " " + std::to_string(at->vers) + " " + std::to_string(at->proc) + " " +
                  at->netid + " " + std::to_string(at->success) + "/" + std::to_string(at->failure) + "/" +
                  std::to_string(at->indirect));
  }
  return out;
}

std::vector<std::string> lines(const proto::pmaplist_ptr& list) {
  std::vector<std::string> out;
  for (const proto::pmaplist* at = list ? &*list : nullptr; at != nullptr; at = at->next.get()) {
    out.push_back(std::to_string(at->map.prog) + " " + std::to_string(at->map.vers) + " " +
                  std::to_string(at->map.prot) + " " + std::to_string(at->map.port));
  }
  return out;
}

// The universal address of 127.0.0.1 or 0.0.0.0 at `port`.
std::string uaddr(std::string_view host, std::uint16_t port) {
  return std::string(host) + "." + std::to_string(port >> 8) + "." + std::to_string(port & 0xff);
}

std::vector<std::byte> xdr_int(std::int32_t v) {
  std::vector<std::byte> out(4);
  xdr::Encoder e(out);
  e.put_int(v);
  return out;
}

core::SocketAddress address(std::string_view endpoint) { return core::parse_endpoint(endpoint)->address; }

// What a UNIX-socket caller's registrations are owned by: this process's uid, or the superuser.
std::string unix_owner() { return ::getuid() == 0 ? std::string(kSuperuser) : std::to_string(::getuid()); }

// A non-loopback IPv4 address of this host ("10.0.0.5"), or "" when it has none: a caller from
// it is not local, though it is on this machine.
std::string non_loopback_ipv4() {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return {};
  std::string found;
  for (const ifaddrs* at = list; at != nullptr && found.empty(); at = at->ifa_next) {
    if (at->ifa_addr == nullptr || at->ifa_addr->sa_family != AF_INET) continue;
    const core::SocketAddress a(at->ifa_addr, sizeof(sockaddr_in));
    if (is_loopback(a)) continue;
    found = a.to_string();
    found = found.substr(0, found.rfind(':'));
  }
  ::freeifaddrs(list);
  return found;
}

class RpcbindService : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/nelson-rpcbind-test-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    dir_ = dir;
  }

  void TearDown() override {
    tcp_.reset();
    udp_.reset();
    unix_.reset();
    // The service first: a call it still forwards answers (SYSTEM_ERR) into a server that exists.
    service_.reset();
    target_.reset();
    server_.reset();
    if (loop_) core::test::run_for(*loop_, milliseconds(1));  // frees the closed handles
    loop_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  /// The loop, a server with the service on TCP, UDP (the TCP port when free) and a UNIX
  /// socket, and a client on each.
  void start(ServiceOptions options = {}) {
    auto loop = core::Loop::create();
    ASSERT_TRUE(loop) << loop.error().message;
    loop_ = std::move(*loop);
    server_ = std::make_unique<server::Server>(*loop_);
    service_ = std::make_unique<Service>(*loop_, options);
    service_->on_change = [this] { ++changes_; };
    ASSERT_TRUE(service_->register_on(*server_));

    auto tcp = server_->listen(*core::parse_endpoint("tcp://127.0.0.1:0"));
    ASSERT_TRUE(tcp) << tcp.error().message;
    tcp_endpoint_ = *tcp;
    auto udp = server_->listen(*core::parse_endpoint("udp://127.0.0.1:" + std::to_string(tcp->address.port())));
    if (!udp) udp = server_->listen(*core::parse_endpoint("udp://127.0.0.1:0"));
    ASSERT_TRUE(udp) << udp.error().message;
    udp_endpoint_ = *udp;
    auto local = server_->listen(*core::parse_endpoint("unix://" + dir_ + "/rpcbind.sock"));
    ASSERT_TRUE(local) << local.error().message;
    unix_endpoint_ = *local;

    tcp_ = connect(tcp_endpoint_);
    udp_ = connect(udp_endpoint_);
    unix_ = connect(unix_endpoint_);
    ASSERT_TRUE(tcp_ && udp_ && unix_);
  }

  std::unique_ptr<client::Client> connect(const core::Endpoint& endpoint) {
    auto c = client::Client::create(*loop_, endpoint);
    EXPECT_TRUE(c) << endpoint.to_string() << ": " << c.error().message;
    return c ? std::move(*c) : nullptr;
  }

  static proto::PMAPVERS_client v2(client::Client& c) { return proto::PMAPVERS_client(c, kCall); }
  static proto::RPCBVERS_client v3(client::Client& c) { return proto::RPCBVERS_client(c, kCall); }
  static proto::RPCBVERS4_client v4(client::Client& c) { return proto::RPCBVERS4_client(c, kCall); }

  // A call's boolean answer; a failed call fails the test (and answers false).
  template <class Reply>
  static bool answer(const Reply& r) {
    EXPECT_TRUE(r.ok()) << client::message(r.error);
    return r.ok() && r.value;
  }
  bool set4(client::Client& c, const proto::rpcb& r) { return answer(v4(c).rpcbproc_set_sync(r)); }
  bool unset4(client::Client& c, const proto::rpcb& r) { return answer(v4(c).rpcbproc_unset_sync(r)); }
  bool set3(client::Client& c, const proto::rpcb& r) { return answer(v3(c).rpcbproc_set_sync(r)); }
  bool unset3(client::Client& c, const proto::rpcb& r) { return answer(v3(c).rpcbproc_unset_sync(r)); }

  std::string getaddr4(client::Client& c, const proto::rpcb& r) {
    auto reply = v4(c).rpcbproc_getaddr_sync(r);
    EXPECT_TRUE(reply.ok()) << client::message(reply.error);
    return reply.value;
  }
  std::string getversaddr(client::Client& c, const proto::rpcb& r) {
    auto reply = v4(c).rpcbproc_getversaddr_sync(r);
    EXPECT_TRUE(reply.ok()) << client::message(reply.error);
    return reply.value;
  }
  std::vector<std::string> dump4(client::Client& c) {
    auto reply = v4(c).rpcbproc_dump_sync();
    EXPECT_TRUE(reply.ok()) << client::message(reply.error);
    return lines(reply.value);
  }
  std::vector<std::string> getaddrlist(client::Client& c, const proto::rpcb& r) {
    auto reply = v4(c).rpcbproc_getaddrlist_sync(r);
    EXPECT_TRUE(reply.ok()) << client::message(reply.error);
    return lines(reply.value);
  }

  /// A second server on the same loop, over UDP, serving kTarget v1: 0 NULL, 1 INC (int -> int + 1).
  std::uint16_t start_target(std::string_view host = "127.0.0.1") {
    target_ = std::make_unique<server::Server>(*loop_);
    target_->add_procedure(kTarget, 1, 0, {"NULL"}, [](server::Call&) { return server::Status::success; });
    target_->add_procedure(kTarget, 1, 1, {"INC"}, [this](server::Call& call) {
      std::int32_t v = 0;
      if (!call.args().get_int(v) || !call.args().expect_end()) return server::Status::garbage_args;
      ++target_calls_;
      call.reply([&](xdr::Encoder& e) { e.put_int(v + 1); });
      return server::Status::success;
    });
    auto ep = target_->listen(*core::parse_endpoint("udp://" + std::string(host) + ":0"));
    EXPECT_TRUE(ep) << ep.error().message;
    return ep ? ep->address.port() : 0;
  }

  std::string dir_;
  std::unique_ptr<core::Loop> loop_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<server::Server> target_;
  core::Endpoint tcp_endpoint_, udp_endpoint_, unix_endpoint_;
  std::unique_ptr<client::Client> tcp_, udp_, unix_;
  int changes_ = 0;
  int target_calls_ = 0;
};

// --- SET and UNSET ---------------------------------------------------------------------------

TEST_F(RpcbindService, LoopbackRegistrationsAreOwnedByUnknownWhateverROwnerSays) {
  start();
  if (HasFatalFailure()) return;
  EXPECT_TRUE(set4(*tcp_, reg(kProg, 1, "tcp", "127.0.0.1.78.83", "superuser")));
  EXPECT_TRUE(set3(*udp_, reg(kProg, 2, "udp", "127.0.0.1.78.84", "0")));
  EXPECT_EQ(dump4(*tcp_), (std::vector<std::string>{std::to_string(kProg) + " 1 tcp 127.0.0.1.78.83 unknown",
                                                    std::to_string(kProg) + " 2 udp 127.0.0.1.78.84 unknown"}));

  // The same registration again succeeds; another address for it does not.
  EXPECT_TRUE(set4(*tcp_, reg(kProg, 1, "tcp", "127.0.0.1.78.83")));
  EXPECT_FALSE(set4(*tcp_, reg(kProg, 1, "tcp", "127.0.0.1.78.85")));
  EXPECT_FALSE(set3(*tcp_, reg(kProg, 2, "udp", "127.0.0.1.78.85")));
  // Malformed: an unknown netid, an address of another family, port 0.
  EXPECT_FALSE(set4(*tcp_, reg(kProg, 3, "ticlts", "127.0.0.1.78.83")));
  EXPECT_FALSE(set4(*tcp_, reg(kProg, 3, "tcp", "::1.78.83")));
  EXPECT_FALSE(set4(*tcp_, reg(kProg, 3, "tcp", "127.0.0.1.0.0")));
  EXPECT_EQ(service_->table().size(), 2U);

  // UNSET by the owner: one netid (v4), or every netid (v3, empty r_netid).
  EXPECT_TRUE(unset4(*tcp_, reg(kProg, 1, "tcp", "", "superuser")));
  EXPECT_TRUE(unset3(*udp_, reg(kProg, 2, "")));
  EXPECT_EQ(service_->table().size(), 0U);
  // Nothing to remove: TRUE, as rpcbind answers.
  EXPECT_TRUE(unset4(*tcp_, reg(kProg, 1, "tcp")));
}

TEST_F(RpcbindService, UnixSocketRegistrationsAreOwnedByThePeersUid) {
  start();
  if (HasFatalFailure()) return;
  const std::string owner = unix_owner();
  EXPECT_TRUE(set4(*unix_, reg(kProg, 1, "tcp", "127.0.0.1.78.83", "unknown")));
  EXPECT_TRUE(set3(*unix_, reg(kProg, 1, "udp", "127.0.0.1.78.83", "superuser")));
  EXPECT_TRUE(set4(*unix_, reg(kProg, 1, "local", dir_ + "/prog.sock")));
  EXPECT_EQ(dump4(*unix_), (std::vector<std::string>{std::to_string(kProg) + " 1 local " + dir_ + "/prog.sock " + owner,
                                                     std::to_string(kProg) + " 1 tcp 127.0.0.1.78.83 " + owner,
                                                     std::to_string(kProg) + " 1 udp 127.0.0.1.78.83 " + owner}));

  // A loopback caller ("unknown") may not remove them, on one netid or on all; nothing goes.
  EXPECT_FALSE(unset4(*tcp_, reg(kProg, 1, "tcp")));
  EXPECT_FALSE(unset3(*udp_, reg(kProg, 1, "")));
  EXPECT_EQ(service_->table().size(), 3U);

  // The loopback caller's own registration: the superuser may remove it, another uid may not.
  ASSERT_TRUE(set4(*tcp_, reg(kOther, 1, "tcp", "127.0.0.1.78.90")));
  EXPECT_EQ(unset4(*unix_, reg(kOther, 1, "tcp")), owner == kSuperuser);
  EXPECT_EQ(service_->table().find_exact(kOther, 1, "tcp") == nullptr, owner == kSuperuser);

  // The owner removes its own.
  EXPECT_TRUE(unset4(*unix_, reg(kProg, 1, "tcp")));
  EXPECT_TRUE(unset3(*unix_, reg(kProg, 1, "")));
  EXPECT_EQ(service_->table().find_all(kProg, 1).size(), 0U);
}

TEST_F(RpcbindService, UnsetByAnotherOwnerIsRefusedAtTheTableToo) {
  // Two owners that are not the superuser, whatever uid runs the test: the table's rule under
  // the service's UNSET, seen through the protocol.
  start();
  if (HasFatalFailure()) return;
  ASSERT_EQ(service_->table().set({kProg, 1, "tcp", "127.0.0.1.78.83", "4242"}), Outcome::ok);
  EXPECT_FALSE(unset4(*tcp_, reg(kProg, 1, "tcp", "", "4242")));  // r_owner does not help
  EXPECT_FALSE(unset3(*tcp_, reg(kProg, 1, "", "", "4242")));
  EXPECT_NE(service_->table().find_exact(kProg, 1, "tcp"), nullptr);
  EXPECT_EQ(changes_, 0);
}

TEST_F(RpcbindService, PrivilegedPortsNeedTheSuperuser) {
  start();
  if (HasFatalFailure()) return;
  // A loopback caller on an unprivileged port may not register (or take over) a port below 1024.
  EXPECT_FALSE(set4(*tcp_, reg(kProg, 1, "tcp", "127.0.0.1.3.0")));
  EXPECT_FALSE(set3(*udp_, reg(kProg, 1, "udp", "0.0.0.0.0.111")));
  EXPECT_FALSE(answer(v2(*tcp_).pmapproc_set_sync({kProg, 1, proto::IPPROTO_TCP, 111})));
  EXPECT_EQ(service_->table().size(), 0U);
  // Port 1024 is not privileged.
  EXPECT_TRUE(set4(*tcp_, reg(kProg, 2, "tcp", "127.0.0.1.4.0")));

  // The superuser may (a UNIX peer with uid 0); a superuser's mapping to a privileged port may
  // then be removed by the superuser only.
  if (::getuid() != 0) {
    EXPECT_FALSE(set4(*unix_, reg(kProg, 1, "tcp", "127.0.0.1.3.0")));
    return;
  }
  EXPECT_TRUE(set4(*unix_, reg(kProg, 1, "tcp", "127.0.0.1.3.0")));
  EXPECT_FALSE(unset4(*tcp_, reg(kProg, 1, "tcp")));
  EXPECT_TRUE(unset4(*unix_, reg(kProg, 1, "tcp")));
}

TEST_F(RpcbindService, TheTableIsBounded) {
  ServiceOptions options;
  options.limits.max_entries = 3;
  start(options);
  if (HasFatalFailure()) return;
  for (std::uint32_t vers = 1; vers <= 3; ++vers) EXPECT_TRUE(set4(*tcp_, reg(kProg, vers, "tcp", "127.0.0.1.78.83")));
  EXPECT_FALSE(set4(*tcp_, reg(kProg, 4, "tcp", "127.0.0.1.78.83")));
  EXPECT_FALSE(answer(v2(*tcp_).pmapproc_set_sync({kProg, 4, proto::IPPROTO_UDP, 20000})));
  EXPECT_TRUE(set4(*tcp_, reg(kProg, 3, "tcp", "127.0.0.1.78.83")));  // what is there still succeeds
  EXPECT_EQ(service_->table().size(), 3U);
  EXPECT_TRUE(unset4(*tcp_, reg(kProg, 1, "tcp")));
  EXPECT_TRUE(set4(*tcp_, reg(kProg, 4, "tcp", "127.0.0.1.78.83")));
}

TEST_F(RpcbindService, OnChangeRunsOncePerChange) {
  start();
  if (HasFatalFailure()) return;
  EXPECT_TRUE(set4(*tcp_, reg(kProg, 1, "tcp", "127.0.0.1.78.83")));
  EXPECT_EQ(changes_, 1);
  EXPECT_TRUE(set4(*tcp_, reg(kProg, 1, "tcp", "127.0.0.1.78.83")));   // unchanged
  EXPECT_FALSE(set4(*tcp_, reg(kProg, 1, "tcp", "127.0.0.1.78.84")));  // refused
  EXPECT_EQ(changes_, 1);
  EXPECT_TRUE(set3(*tcp_, reg(kProg, 1, "udp", "127.0.0.1.78.83")));
  EXPECT_TRUE(answer(v2(*tcp_).pmapproc_set_sync({kProg, 2, proto::IPPROTO_TCP, 20000})));
  EXPECT_EQ(changes_, 3);
  EXPECT_TRUE(unset4(*tcp_, reg(kProg, 1, "")));  // two registrations, one change
  EXPECT_EQ(changes_, 4);
  EXPECT_TRUE(unset4(*tcp_, reg(kProg, 1, "")));  // nothing left to remove
  EXPECT_TRUE(answer(v2(*tcp_).pmapproc_unset_sync({kProg, 2, 0, 0})));
  EXPECT_EQ(changes_, 5);
  EXPECT_TRUE(answer(v2(*tcp_).pmapproc_unset_sync({kProg, 2, 0, 0})));
  EXPECT_EQ(changes_, 5);
}

TEST_F(RpcbindService, StringsOverTheContractsBoundsAreGarbageArgs) {
  start();
  if (HasFatalFailure()) return;
  const auto set = [&](const std::string& netid, const std::string& addr, const std::string& owner) {
    // Hand-encoded: the stub's encoder would refuse these strings.
    return tcp_->call_sync(
        proto::RPCBPROG, proto::RPCBVERS4, proto::RPCBPROC_SET,
        [&](xdr::Encoder& e) {
          e.put_uint(kProg);
          e.put_uint(1);
          e.put_string(netid);
          e.put_string(addr);
          e.put_string(owner);
        },
        kCall);
  };
  const std::string at = "127.0.0.1.78.83";
  EXPECT_EQ(set(std::string(proto::RPCB_MAXNETID + 1, 't'), at, "").error.code, Errc::garbage_args);
  EXPECT_EQ(set("tcp", std::string(proto::RPCB_MAXUADDR + 1, '1'), "").error.code, Errc::garbage_args);
  EXPECT_EQ(set("tcp", at, std::string(proto::RPCB_MAXOWNER + 1, 'o')).error.code, Errc::garbage_args);
  // At the bounds the call decodes, and the netid is refused as one nelson does not serve.
  const client::Result r = set(std::string(proto::RPCB_MAXNETID, 't'), at, std::string(proto::RPCB_MAXOWNER, 'o'));
  ASSERT_TRUE(r.ok()) << client::message(r.error);
  EXPECT_EQ(r.results, xdr_int(0));
  EXPECT_EQ(service_->table().size(), 0U);
  EXPECT_EQ(server_->stats().garbage_args, 3U);
}

// --- lookups -------------------------------------------------------------------------------------

TEST_F(RpcbindService, GetaddrAnswersForTheArrivalNetidWithWildcardsMerged) {
  start();
  if (HasFatalFailure()) return;
  ASSERT_TRUE(set4(*tcp_, reg(kProg, 1, "udp", "127.0.0.1.4.1")));
  // Found over UDP whatever r_netid says, and not over TCP.
  EXPECT_EQ(getaddr4(*udp_, reg(kProg, 1, "tcp")), "127.0.0.1.4.1");
  EXPECT_EQ(getaddr4(*tcp_, reg(kProg, 1, "udp")), "");
  EXPECT_EQ(v3(*udp_).rpcbproc_getaddr_sync(reg(kProg, 1, "")).value, "127.0.0.1.4.1");

  // A wildcard registration is answered with the address the caller reached.
  ASSERT_TRUE(set4(*tcp_, reg(kProg, 1, "tcp", "0.0.0.0.4.2")));
  EXPECT_EQ(getaddr4(*tcp_, reg(kProg, 1, "tcp")), "127.0.0.1.4.2");
  EXPECT_EQ(v3(*tcp_).rpcbproc_getaddr_sync(reg(kProg, 1, "udp")).value, "127.0.0.1.4.2");
  // Another version of the program: its address (the client then learns the versions).
  EXPECT_EQ(getaddr4(*tcp_, reg(kProg, 7, "tcp")), "127.0.0.1.4.2");
  // GETVERSADDR: that version only.
  EXPECT_EQ(getversaddr(*tcp_, reg(kProg, 7, "tcp")), "");
  EXPECT_EQ(getversaddr(*tcp_, reg(kProg, 1, "tcp")), "127.0.0.1.4.2");
  EXPECT_EQ(getversaddr(*udp_, reg(kProg, 1, "tcp")), "127.0.0.1.4.1");
  // Not registered: "".
  EXPECT_EQ(getaddr4(*tcp_, reg(kOther, 1, "tcp")), "");
  EXPECT_EQ(getaddr4(*unix_, reg(kProg, 1, "tcp")), "");

  // The UNIX socket's netid is "local".
  ASSERT_TRUE(set4(*unix_, reg(kProg, 1, "local", dir_ + "/prog.sock")));
  EXPECT_EQ(getaddr4(*unix_, reg(kProg, 1, "tcp")), dir_ + "/prog.sock");
}

TEST_F(RpcbindService, GetaddrlistListsTheArrivalFamilyArrivalNetidFirst) {
  start();
  if (HasFatalFailure()) return;
  ASSERT_TRUE(set4(*tcp_, reg(kProg, 1, "tcp", "0.0.0.0.4.1")));
  ASSERT_TRUE(set4(*tcp_, reg(kProg, 1, "udp", "127.0.0.1.4.2")));
  ASSERT_TRUE(set4(*tcp_, reg(kProg, 1, "tcp6", "::1.4.3")));
  ASSERT_TRUE(set4(*tcp_, reg(kProg, 1, "local", dir_ + "/prog.sock")));
  ASSERT_TRUE(set4(*tcp_, reg(kProg, 2, "udp", "127.0.0.1.4.4")));

  const std::string cots = std::to_string(proto::NC_TPI_COTS_ORD);
  const std::string clts = std::to_string(proto::NC_TPI_CLTS);
  ASSERT_EQ(cots, "3");
  ASSERT_EQ(clts, "1");
  EXPECT_EQ(getaddrlist(*udp_, reg(kProg, 1, "tcp")),
            (std::vector<std::string>{"127.0.0.1.4.2 udp 1 inet udp", "127.0.0.1.4.1 tcp 3 inet tcp"}));
  EXPECT_EQ(getaddrlist(*tcp_, reg(kProg, 1, "udp")),
            (std::vector<std::string>{"127.0.0.1.4.1 tcp 3 inet tcp", "127.0.0.1.4.2 udp 1 inet udp"}));
  EXPECT_EQ(getaddrlist(*unix_, reg(kProg, 1, "tcp")),
            (std::vector<std::string>{dir_ + "/prog.sock local 3 loopback -"}));
  EXPECT_EQ(getaddrlist(*udp_, reg(kProg, 2, "")), (std::vector<std::string>{"127.0.0.1.4.4 udp 1 inet udp"}));
  // Exactly that version, nothing else.
  EXPECT_TRUE(getaddrlist(*udp_, reg(kProg, 3, "udp")).empty());
  EXPECT_TRUE(getaddrlist(*tcp_, reg(kOther, 1, "tcp")).empty());
}

TEST_F(RpcbindService, DumpListsEveryRegistrationInOrderWithItsOwner) {
  start();
  if (HasFatalFailure()) return;
  EXPECT_TRUE(dump4(*tcp_).empty());
  ASSERT_TRUE(set4(*tcp_, reg(kOther, 1, "tcp", "127.0.0.1.4.1")));
  ASSERT_TRUE(set4(*unix_, reg(kProg, 2, "udp", "127.0.0.1.4.2")));
  ASSERT_TRUE(set3(*tcp_, reg(kProg, 2, "tcp", "127.0.0.1.4.3")));
  ASSERT_TRUE(set4(*udp_, reg(kProg, 1, "udp", "0.0.0.0.4.4")));
  const std::string p = std::to_string(kProg) + " ";
  const std::vector<std::string> expected{p + "1 udp 0.0.0.0.4.4 unknown", p + "2 tcp 127.0.0.1.4.3 unknown",
                                          p + "2 udp 127.0.0.1.4.2 " + unix_owner(),
                                          std::to_string(kOther) + " 1 tcp 127.0.0.1.4.1 unknown"};
  EXPECT_EQ(dump4(*tcp_), expected);  // registered addresses, unmerged
  auto v3dump = v3(*udp_).rpcbproc_dump_sync();
  ASSERT_TRUE(v3dump.ok()) << client::message(v3dump.error);
  EXPECT_EQ(lines(v3dump.value), expected);
}

TEST_F(RpcbindService, PortmapperV2SetGetportDumpUnset) {
  start();
  if (HasFatalFailure()) return;
  EXPECT_TRUE(v2(*tcp_).pmapproc_null_sync().ok());
  EXPECT_TRUE(answer(v2(*tcp_).pmapproc_set_sync({kProg, 1, proto::IPPROTO_TCP, 20000})));
  EXPECT_TRUE(answer(v2(*udp_).pmapproc_set_sync({kProg, 1, proto::IPPROTO_UDP, 20001})));
  EXPECT_FALSE(answer(v2(*tcp_).pmapproc_set_sync({kProg, 1, 132, 20002})));                 // SCTP: no such netid
  EXPECT_FALSE(answer(v2(*tcp_).pmapproc_set_sync({kProg, 2, proto::IPPROTO_TCP, 0})));      // no port
  EXPECT_FALSE(answer(v2(*tcp_).pmapproc_set_sync({kProg, 1, proto::IPPROTO_TCP, 20003})));  // conflict

  const auto getport = [&](client::Client& c, proto::mapping m) {
    auto r = v2(c).pmapproc_getport_sync(m);
    EXPECT_TRUE(r.ok()) << client::message(r.error);
    return r.value;
  };
  EXPECT_EQ(getport(*udp_, {kProg, 1, proto::IPPROTO_TCP, 0}), 20000U);  // by prot, not by arrival
  EXPECT_EQ(getport(*tcp_, {kProg, 1, proto::IPPROTO_UDP, 0}), 20001U);
  EXPECT_EQ(getport(*tcp_, {kProg, 5, proto::IPPROTO_TCP, 0}), 20000U);  // another version's
  EXPECT_EQ(getport(*tcp_, {kOther, 1, proto::IPPROTO_TCP, 0}), 0U);
  EXPECT_EQ(getport(*tcp_, {kProg, 1, 132, 0}), 0U);

  auto dump = v2(*tcp_).pmapproc_dump_sync();
  ASSERT_TRUE(dump.ok()) << client::message(dump.error);
  EXPECT_EQ(lines(dump.value),
            (std::vector<std::string>{std::to_string(kProg) + " 1 6 20000", std::to_string(kProg) + " 1 17 20001"}));
  // RPCBIND sees them as wildcard registrations; v2 does not see other netids.
  EXPECT_EQ(dump4(*tcp_), (std::vector<std::string>{std::to_string(kProg) + " 1 tcp 0.0.0.0.78.32 unknown",
                                                    std::to_string(kProg) + " 1 udp 0.0.0.0.78.33 unknown"}));
  EXPECT_EQ(getaddr4(*tcp_, reg(kProg, 1, "tcp")), "127.0.0.1.78.32");
  ASSERT_TRUE(set4(*tcp_, reg(kOther, 1, "tcp6", "::1.4.1")));
  dump = v2(*tcp_).pmapproc_dump_sync();
  ASSERT_TRUE(dump.ok());
  EXPECT_EQ(lines(dump.value).size(), 2U);

  EXPECT_TRUE(answer(v2(*tcp_).pmapproc_unset_sync({kProg, 1, 0, 0})));  // both protocols
  EXPECT_EQ(getport(*tcp_, {kProg, 1, proto::IPPROTO_TCP, 0}), 0U);
  EXPECT_EQ(getport(*tcp_, {kProg, 1, proto::IPPROTO_UDP, 0}), 0U);
  EXPECT_EQ(service_->table().size(), 1U);

  // Only the owner: the superuser's v2 mapping is not the loopback caller's to remove.
  ASSERT_TRUE(answer(v2(*unix_).pmapproc_set_sync({kProg, 3, proto::IPPROTO_TCP, 20010})));
  EXPECT_EQ(answer(v2(*tcp_).pmapproc_unset_sync({kProg, 3, 0, 0})), false);
  EXPECT_TRUE(answer(v2(*unix_).pmapproc_unset_sync({kProg, 3, 0, 0})));
}

TEST_F(RpcbindService, GettimeAndAddressConversions) {
  start();
  if (HasFatalFailure()) return;
  auto now = v4(*tcp_).rpcbproc_gettime_sync();
  ASSERT_TRUE(now.ok()) << client::message(now.error);
  EXPECT_NEAR(static_cast<double>(now.value), static_cast<double>(std::time(nullptr)), 5.0);
  auto now3 = v3(*udp_).rpcbproc_gettime_sync();
  ASSERT_TRUE(now3.ok());
  EXPECT_NEAR(static_cast<double>(now3.value), static_cast<double>(std::time(nullptr)), 5.0);

  auto taddr = v4(*tcp_).rpcbproc_uaddr2taddr_sync("127.0.0.1.4.1");
  ASSERT_TRUE(taddr.ok()) << client::message(taddr.error);
  ASSERT_EQ(taddr.value.buf.size(), sizeof(sockaddr_in));
  EXPECT_EQ(taddr.value.maxlen, sizeof(sockaddr_in));
  sockaddr_in sin{};
  std::memcpy(&sin, taddr.value.buf.data(), sizeof sin);
  EXPECT_EQ(sin.sin_family, AF_INET);
  EXPECT_EQ(ntohs(sin.sin_port), 1025);
  EXPECT_EQ(ntohl(sin.sin_addr.s_addr), INADDR_LOOPBACK);
  auto back = v4(*udp_).rpcbproc_taddr2uaddr_sync(taddr.value);
  ASSERT_TRUE(back.ok()) << client::message(back.error);
  EXPECT_EQ(back.value, "127.0.0.1.4.1");
  auto back3 = v3(*tcp_).rpcbproc_taddr2uaddr_sync(taddr.value);
  ASSERT_TRUE(back3.ok());
  EXPECT_EQ(back3.value, "127.0.0.1.4.1");

  // Malformed: an empty netbuf, an empty string.
  for (const char* bad : {"127.0.0.1.4", "bogus", "127.0.0.1.4.256", "::1.4.1", ""}) {
    auto r = v4(*tcp_).rpcbproc_uaddr2taddr_sync(bad);
    ASSERT_TRUE(r.ok()) << client::message(r.error);
    EXPECT_EQ(r.value.maxlen, 0U) << bad;
    EXPECT_TRUE(r.value.buf.empty()) << bad;
  }
  // The family is the transport's: over the UNIX socket a path converts, an IPv4 address does not.
  const std::string path = dir_ + "/prog.sock";
  auto local = v4(*unix_).rpcbproc_uaddr2taddr_sync(path);
  ASSERT_TRUE(local.ok()) << client::message(local.error);
  ASSERT_GE(local.value.buf.size(), sizeof(sa_family_t) + path.size());
  sa_family_t family = 0;
  std::memcpy(&family, local.value.buf.data(), sizeof family);
  EXPECT_EQ(family, AF_UNIX);
  EXPECT_EQ(v4(*unix_).rpcbproc_taddr2uaddr_sync(local.value).value, path);
  EXPECT_TRUE(v4(*unix_).rpcbproc_uaddr2taddr_sync("127.0.0.1.4.1").value.buf.empty());
  EXPECT_EQ(v4(*unix_).rpcbproc_taddr2uaddr_sync(taddr.value).value, "");
  EXPECT_TRUE(v4(*tcp_).rpcbproc_uaddr2taddr_sync(path).value.buf.empty());

  proto::netbuf shorter = taddr.value;
  shorter.buf.resize(3);
  EXPECT_EQ(v4(*tcp_).rpcbproc_taddr2uaddr_sync(shorter).value, "");
  EXPECT_EQ(v4(*tcp_).rpcbproc_taddr2uaddr_sync(proto::netbuf{}).value, "");
}

TEST_F(RpcbindService, GetstatCountsCallsAndLookupsPerVersion) {
  start();
  if (HasFatalFailure()) return;
  EXPECT_TRUE(v4(*tcp_).rpcbproc_null_sync().ok());
  EXPECT_TRUE(v4(*udp_).rpcbproc_null_sync().ok());
  ASSERT_TRUE(set4(*tcp_, reg(kProg, 1, "tcp", "127.0.0.1.4.1")));
  EXPECT_FALSE(set4(*tcp_, reg(kProg, 1, "tcp", "127.0.0.1.4.2")));  // failures are not counted
  EXPECT_EQ(getaddr4(*tcp_, reg(kProg, 1, "tcp")), "127.0.0.1.4.1");
  EXPECT_EQ(getaddr4(*tcp_, reg(kProg, 1, "tcp")), "127.0.0.1.4.1");
  EXPECT_EQ(getaddr4(*udp_, reg(kProg, 1, "tcp")), "");  // counted under the arrival netid
  EXPECT_EQ(getversaddr(*tcp_, reg(kProg, 2, "tcp")), "");
  EXPECT_EQ(v3(*tcp_).rpcbproc_getaddr_sync(reg(kOther, 1, "tcp")).value, "");
  EXPECT_TRUE(unset3(*tcp_, reg(kProg, 1, "")));
  EXPECT_EQ(v2(*tcp_).pmapproc_getport_sync({kOther, 1, proto::IPPROTO_UDP, 0}).value, 0U);

  auto stat = v4(*tcp_).rpcbproc_getstat_sync();
  ASSERT_TRUE(stat.ok()) << client::message(stat.error);
  const proto::rpcb_stat& s4 = stat.value[proto::RPCBVERS_4_STAT];
  const proto::rpcb_stat& s3 = stat.value[proto::RPCBVERS_3_STAT];
  const proto::rpcb_stat& s2 = stat.value[proto::RPCBVERS_2_STAT];
  EXPECT_EQ(s4.info[proto::RPCBPROC_NULL], 2);
  EXPECT_EQ(s4.info[proto::RPCBPROC_SET], 2);
  EXPECT_EQ(s4.info[proto::RPCBPROC_GETADDR], 3);
  EXPECT_EQ(s4.info[proto::RPCBPROC_GETVERSADDR], 1);
  EXPECT_EQ(s4.info[proto::RPCBPROC_GETSTAT], 1);  // this one
  EXPECT_EQ(s4.setinfo, 1);
  EXPECT_EQ(s4.unsetinfo, 0);
  EXPECT_EQ(s3.info[proto::RPCBPROC_GETADDR], 1);
  EXPECT_EQ(s3.info[proto::RPCBPROC_UNSET], 1);
  EXPECT_EQ(s3.unsetinfo, 1);
  EXPECT_EQ(s2.info[proto::PMAPPROC_GETPORT], 1);

  std::vector<std::string> lookups4;
  for (const proto::rpcbs_addrlist* a = s4.addrinfo ? &*s4.addrinfo : nullptr; a != nullptr; a = a->next.get()) {
    lookups4.push_back(std::to_string(a->prog) + " " + std::to_string(a->vers) + " " + a->netid + " " +
                       std::to_string(a->success) + "/" + std::to_string(a->failure));
  }
  const std::string p = std::to_string(kProg) + " ";
  EXPECT_EQ(lookups4, (std::vector<std::string>{p + "1 tcp 2/0", p + "1 udp 0/1", p + "2 tcp 0/1"}));
  ASSERT_TRUE(s3.addrinfo.has_value());
  EXPECT_EQ(s3.addrinfo->prog, kOther);
  EXPECT_EQ(s3.addrinfo->failure, 1);
  EXPECT_EQ(s3.addrinfo->next, nullptr);
  ASSERT_TRUE(s2.addrinfo.has_value());
  EXPECT_EQ(s2.addrinfo->netid, "udp");
  EXPECT_EQ(s2.addrinfo->failure, 1);
}

// --- indirect calls --------------------------------------------------------------------------

TEST_F(RpcbindService, IndirectCallsAreRefusedByDefault) {
  start();
  if (HasFatalFailure()) return;
  const std::uint16_t port = start_target();
  ASSERT_TRUE(set4(*tcp_, reg(kTarget, 1, "udp", uaddr("127.0.0.1", port))));
  const std::vector<std::byte> args = xdr_int(41);

  // CALLIT and BCAST: silence, so the call times out; the server counts the drop.
  auto callit = v2(*udp_).pmapproc_callit_sync({kTarget, 1, 1, args}, kSilent);
  EXPECT_EQ(callit.error.code, Errc::timed_out) << client::message(callit.error);
  EXPECT_EQ(server_->stats().dropped_by_handler, 1U);
  auto bcast = v4(*udp_).rpcbproc_bcast_sync({kTarget, 1, 1, args}, kSilent);
  EXPECT_EQ(bcast.error.code, Errc::timed_out) << client::message(bcast.error);
  auto callit3 = v3(*udp_).rpcbproc_callit_sync({kTarget, 1, 1, args}, kSilent);
  EXPECT_EQ(callit3.error.code, Errc::timed_out) << client::message(callit3.error);
  EXPECT_EQ(server_->stats().dropped_by_handler, 3U);
  // INDIRECT says why.
  auto indirect = v4(*udp_).rpcbproc_indirect_sync({kTarget, 1, 1, args});
  EXPECT_EQ(indirect.error.code, Errc::auth_error) << client::message(indirect.error);
  EXPECT_EQ(indirect.error.auth_stat, rpc::AuthStat::auth_tooweak);
  EXPECT_EQ(target_calls_, 0);
  EXPECT_EQ(service_->indirect_in_flight(), 0U);

  // The service still answers on the same socket, and counted the refusals.
  auto stat = v4(*udp_).rpcbproc_getstat_sync();
  ASSERT_TRUE(stat.ok()) << client::message(stat.error);
  EXPECT_EQ(stat.value[proto::RPCBVERS_2_STAT].info[proto::PMAPPROC_CALLIT], 1);
  EXPECT_EQ(stat.value[proto::RPCBVERS_4_STAT].info[proto::RPCBPROC_BCAST], 1);
  EXPECT_EQ(stat.value[proto::RPCBVERS_4_STAT].info[proto::RPCBPROC_INDIRECT], 1);
  EXPECT_EQ(lines(stat.value[proto::RPCBVERS_4_STAT].rmtinfo),
            (std::vector<std::string>{std::to_string(kTarget) + " 1 1 udp 0/2/1"}));
}

TEST_F(RpcbindService, IndirectCallsAreForwardedOverUdpWhenAllowed) {
  ServiceOptions options;
  options.policy.allow_indirect = true;
  start(options);
  if (HasFatalFailure()) return;
  const std::uint16_t port = start_target();
  ASSERT_NE(port, 0);
  ASSERT_TRUE(set4(*tcp_, reg(kTarget, 1, "udp", uaddr("0.0.0.0", port))));
  const std::vector<std::byte> args = xdr_int(41);

  auto callit = v2(*udp_).pmapproc_callit_sync({kTarget, 1, 1, args});
  ASSERT_TRUE(callit.ok()) << client::message(callit.error);
  EXPECT_EQ(callit.value.port, port);
  EXPECT_EQ(callit.value.res, xdr_int(42));

  auto indirect = v4(*udp_).rpcbproc_indirect_sync({kTarget, 1, 1, args});
  ASSERT_TRUE(indirect.ok()) << client::message(indirect.error);
  EXPECT_EQ(indirect.value.addr, uaddr("127.0.0.1", port));  // merged with the address reached
  EXPECT_EQ(indirect.value.results, xdr_int(42));

  auto callit3 = v3(*udp_).rpcbproc_callit_sync({kTarget, 1, 1, xdr_int(1)});
  ASSERT_TRUE(callit3.ok()) << client::message(callit3.error);
  EXPECT_EQ(callit3.value.addr, uaddr("127.0.0.1", port));
  EXPECT_EQ(callit3.value.results, xdr_int(2));

  auto bcast = v4(*udp_).rpcbproc_bcast_sync({kTarget, 1, 0, {}});
  ASSERT_TRUE(bcast.ok()) << client::message(bcast.error);
  EXPECT_TRUE(bcast.value.results.empty());
  EXPECT_EQ(target_calls_, 3);
  EXPECT_EQ(server_->stats().dropped_by_handler, 0U);

  // Not registered (on UDP): CALLIT is silent, INDIRECT answers SYSTEM_ERR.
  auto lost = v2(*udp_).pmapproc_callit_sync({kOther, 1, 1, args}, kSilent);
  EXPECT_EQ(lost.error.code, Errc::timed_out) << client::message(lost.error);
  EXPECT_EQ(server_->stats().dropped_by_handler, 1U);
  auto failed = v4(*udp_).rpcbproc_indirect_sync({kOther, 1, 1, args});
  EXPECT_EQ(failed.error.code, Errc::system_err) << client::message(failed.error);
  ASSERT_TRUE(set4(*tcp_, reg(kOther, 1, "tcp", uaddr("127.0.0.1", port))));  // on TCP only
  failed = v4(*udp_).rpcbproc_indirect_sync({kOther, 1, 1, args});
  EXPECT_EQ(failed.error.code, Errc::system_err) << client::message(failed.error);
  // Programs rpcbind never forwards to (rpcbind itself) are refused as when disabled.
  auto loop_back = v4(*udp_).rpcbproc_indirect_sync({proto::RPCBPROG, 4, proto::RPCBPROC_DUMP, {}});
  EXPECT_EQ(loop_back.error.code, Errc::auth_error) << client::message(loop_back.error);

  // Over TCP: refused.
  auto tcp_indirect = v4(*tcp_).rpcbproc_indirect_sync({kTarget, 1, 1, args});
  EXPECT_EQ(tcp_indirect.error.code, Errc::auth_error) << client::message(tcp_indirect.error);
  EXPECT_EQ(tcp_indirect.error.auth_stat, rpc::AuthStat::auth_tooweak);
  auto tcp_callit = v2(*tcp_).pmapproc_callit_sync({kTarget, 1, 1, args}, kSilent);
  EXPECT_EQ(tcp_callit.error.code, Errc::timed_out) << client::message(tcp_callit.error);
  // ... and the connection serves on.
  EXPECT_TRUE(v2(*tcp_).pmapproc_null_sync().ok());
  EXPECT_EQ(target_calls_, 3);
  EXPECT_EQ(service_->indirect_in_flight(), 0U);

  auto stat = v4(*udp_).rpcbproc_getstat_sync();
  ASSERT_TRUE(stat.ok()) << client::message(stat.error);
  const std::string t = std::to_string(kTarget) + " 1 1 ";
  const std::string o = std::to_string(kOther) + " 1 1 udp ";
  EXPECT_EQ(lines(stat.value[proto::RPCBVERS_2_STAT].rmtinfo),
            (std::vector<std::string>{o + "0/1/0", t + "tcp 0/1/0", t + "udp 1/0/0"}));
  EXPECT_EQ(lines(stat.value[proto::RPCBVERS_4_STAT].rmtinfo),
            (std::vector<std::string>{std::to_string(proto::RPCBPROG) + " 4 4 udp 0/1/1", o + "0/2/2",
                                      std::to_string(kTarget) + " 1 0 udp 1/0/0", t + "tcp 0/1/1", t + "udp 1/0/1"}));
}

TEST_F(RpcbindService, IndirectCallsOverIpv6GoToTheUdp6Registration) {
  ServiceOptions options;
  options.policy.allow_indirect = true;
  start(options);
  if (HasFatalFailure()) return;
  auto udp6 = server_->listen(*core::parse_endpoint("udp://[::1]:0"));
  if (!udp6) GTEST_SKIP() << "no IPv6 loopback here: " << udp6.error().message;
  auto caller6 = connect(*udp6);
  ASSERT_TRUE(caller6);
  const std::uint16_t port = start_target("[::1]");
  ASSERT_NE(port, 0);
  // udp6 at the wildcard (forwarded to ::1); udp at the same port on IPv4, where nothing
  // listens: a forward that took it would time out.
  ASSERT_TRUE(set4(*tcp_, reg(kTarget, 1, "udp6", uaddr("::", port))));
  ASSERT_TRUE(set4(*tcp_, reg(kTarget, 1, "udp", uaddr("127.0.0.1", port))));

  auto indirect = v4(*caller6).rpcbproc_indirect_sync({kTarget, 1, 1, xdr_int(41)});
  ASSERT_TRUE(indirect.ok()) << client::message(indirect.error);
  EXPECT_EQ(indirect.value.addr, uaddr("::1", port));  // merged with the address reached
  EXPECT_EQ(indirect.value.results, xdr_int(42));
  auto callit3 = v3(*caller6).rpcbproc_callit_sync({kTarget, 1, 1, xdr_int(1)});
  ASSERT_TRUE(callit3.ok()) << client::message(callit3.error);
  EXPECT_EQ(callit3.value.results, xdr_int(2));
  EXPECT_EQ(target_calls_, 2);
  EXPECT_EQ(service_->indirect_in_flight(), 0U);
}

TEST_F(RpcbindService, AForwardedCallThatFailsEndsInSilenceOrSystemErr) {
  ServiceOptions options;
  options.policy.allow_indirect = true;
  options.indirect_timeout = milliseconds(100);
  start(options);
  if (HasFatalFailure()) return;
  // A version the target lacks: it answers PROG_MISMATCH, so the forwarded call failed.
  const std::uint16_t port = start_target();
  ASSERT_TRUE(set4(*tcp_, reg(kTarget, 2, "udp", uaddr("127.0.0.1", port))));
  auto failed = v4(*udp_).rpcbproc_indirect_sync({kTarget, 2, 1, xdr_int(1)});
  EXPECT_EQ(failed.error.code, Errc::system_err) << client::message(failed.error);
  auto silent = v2(*udp_).pmapproc_callit_sync({kTarget, 2, 1, xdr_int(1)}, kSilent);
  EXPECT_EQ(silent.error.code, Errc::timed_out) << client::message(silent.error);
  EXPECT_EQ(server_->stats().dropped_by_handler, 1U);

  // A socket that never answers: the forwarded call times out after indirect_timeout.
  const int mute = ::socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(mute, 0);
  core::SocketAddress bound = address("udp://127.0.0.1:0");
  ASSERT_EQ(::bind(mute, bound.get(), bound.size()), 0);
  ASSERT_EQ(::getsockname(mute, bound.get(), bound.size_ptr()), 0);
  ASSERT_TRUE(set4(*tcp_, reg(kOther, 1, "udp", uaddr("127.0.0.1", bound.port()))));
  failed = v4(*udp_).rpcbproc_indirect_sync({kOther, 1, 1, {}});
  EXPECT_EQ(failed.error.code, Errc::system_err) << client::message(failed.error);
  silent = v2(*udp_).pmapproc_callit_sync({kOther, 1, 1, {}}, kSilent);
  EXPECT_EQ(silent.error.code, Errc::timed_out) << client::message(silent.error);
  EXPECT_TRUE(core::test::run_until(
      *loop_, [&] { return service_->indirect_in_flight() == 0; }, milliseconds(2000)));
  EXPECT_EQ(server_->stats().dropped_by_handler, 2U);
  ::close(mute);
}

TEST_F(RpcbindService, ForwardingSocketsDoNotOutliveTheTargetsTheyServed) {
  // Targets come and go (a service restarted gets a new port): forwarding must keep working
  // after more distinct targets than the table holds, each one's socket not kept forever.
  ServiceOptions options;
  options.policy.allow_indirect = true;
  options.limits.max_entries = 2;
  start(options);
  if (HasFatalFailure()) return;
  start_target();
  for (std::int32_t i = 0; i < 6; ++i) {
    SCOPED_TRACE(i);
    auto ep = target_->listen(*core::parse_endpoint("udp://127.0.0.1:0"));  // the service "restarted"
    ASSERT_TRUE(ep) << ep.error().message;
    const std::string at = uaddr("127.0.0.1", ep->address.port());
    ASSERT_TRUE(set4(*tcp_, reg(kTarget, 1, "udp", at)));
    auto r = v4(*udp_).rpcbproc_indirect_sync({kTarget, 1, 1, xdr_int(i)});
    ASSERT_TRUE(r.ok()) << client::message(r.error);
    EXPECT_EQ(r.value.addr, at);
    EXPECT_EQ(r.value.results, xdr_int(i + 1));
    ASSERT_TRUE(unset4(*tcp_, reg(kTarget, 1, "udp")));
  }
  EXPECT_EQ(target_calls_, 6);
}

TEST_F(RpcbindService, IndirectCallsInFlightAreBoundedAndAnsweredWhenTheServiceGoes) {
  ServiceOptions options;
  options.policy.allow_indirect = true;
  options.max_indirect_in_flight = 1;
  options.indirect_timeout = milliseconds(10000);  // longer than the test: only the service's end answers
  start(options);
  if (HasFatalFailure()) return;
  const int mute = ::socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(mute, 0);
  core::SocketAddress bound = address("udp://127.0.0.1:0");
  ASSERT_EQ(::bind(mute, bound.get(), bound.size()), 0);
  ASSERT_EQ(::getsockname(mute, bound.get(), bound.size_ptr()), 0);
  ASSERT_TRUE(set4(*tcp_, reg(kOther, 1, "udp", uaddr("127.0.0.1", bound.port()))));

  std::optional<client::Error> first;
  v4(*udp_).rpcbproc_indirect({kOther, 1, 1, {}}, kCall,
                              [&](client::Reply<proto::rpcb_rmtcallres>& r) { first = r.error; });
  ASSERT_TRUE(core::test::run_until(
      *loop_, [&] { return service_->indirect_in_flight() == 1; }, milliseconds(2000)));
  // One more is refused at once: SYSTEM_ERR for INDIRECT, silence for CALLIT.
  auto second = v4(*udp_).rpcbproc_indirect_sync({kOther, 1, 1, {}});
  EXPECT_EQ(second.error.code, Errc::system_err) << client::message(second.error);
  auto silent = v2(*udp_).pmapproc_callit_sync({kOther, 1, 1, {}}, kSilent);
  EXPECT_EQ(silent.error.code, Errc::timed_out) << client::message(silent.error);
  EXPECT_FALSE(first.has_value());

  // The service goes (the daemon's shutdown) while the call is forwarded: its caller gets
  // SYSTEM_ERR rather than waiting for its timeout.
  service_.reset();
  ASSERT_TRUE(core::test::run_until(
      *loop_, [&] { return first.has_value(); }, milliseconds(2000)));
  EXPECT_EQ(first->code, Errc::system_err) << client::message(*first);
  ::close(mute);
}

// --- the helpers ---------------------------------------------------------------------------

TEST(MergeAddress, AWildcardHostBecomesTheAddressReached) {
  const core::SocketAddress v4 = address("tcp://127.0.0.1:111");
  const core::SocketAddress v6 = address("tcp://[::1]:111");
  EXPECT_EQ(merge_address("0.0.0.0.4.1", &v4), "127.0.0.1.4.1");
  EXPECT_EQ(merge_address("::.4.1", &v6), "::1.4.1");
  // Anything else stays as registered.
  EXPECT_EQ(merge_address("10.1.2.3.4.1", &v4), "10.1.2.3.4.1");
  EXPECT_EQ(merge_address("0.0.0.0.4.1", nullptr), "0.0.0.0.4.1");
  EXPECT_EQ(merge_address("0.0.0.0.4.1", &v6), "0.0.0.0.4.1");  // another family
  EXPECT_EQ(merge_address("::.4.1", &v4), "::.4.1");
  EXPECT_EQ(merge_address("bogus", &v4), "bogus");
  EXPECT_EQ(merge_address("", &v4), "");
  EXPECT_EQ(merge_address("/run/x.sock", &v4), "/run/x.sock");
  const core::SocketAddress local = address("unix:///run/rpcbind.sock");
  EXPECT_EQ(merge_address("0.0.0.0.4.1", &local), "0.0.0.0.4.1");
}

TEST(ArrivalNetid, TheTransportAndTheFamilyOfTheAddressReached) {
  const core::SocketAddress v4 = address("tcp://127.0.0.1:111");
  const core::SocketAddress v6 = address("tcp://[::1]:111");
  server::CallerInfo caller;
  caller.transport = core::Transport::tcp;
  caller.local = &v4;
  EXPECT_EQ(arrival_netid(caller), "tcp");
  caller.local = &v6;
  EXPECT_EQ(arrival_netid(caller), "tcp6");
  caller.transport = core::Transport::udp;
  EXPECT_EQ(arrival_netid(caller), "udp6");
  caller.local = &v4;
  EXPECT_EQ(arrival_netid(caller), "udp");
  // Without the local address, the peer's family.
  caller.local = nullptr;
  caller.peer = &v6;
  EXPECT_EQ(arrival_netid(caller), "udp6");
  caller.peer = nullptr;
  EXPECT_EQ(arrival_netid(caller), "udp");
  caller.transport = core::Transport::unix_stream;
  caller.local = &v6;
  EXPECT_EQ(arrival_netid(caller), "local");
}

TEST_F(RpcbindService, ListsGoOverUdpToLocalCallersOnly) {
  const std::string host = non_loopback_ipv4();
  if (host.empty()) GTEST_SKIP() << "this host has no non-loopback IPv4 address";
  for (const bool allowed : {false, true}) {
    SCOPED_TRACE(allowed ? "allow_remote_udp_lists" : "default");
    TearDown();
    SetUp();
    ServiceOptions options;
    options.policy.allow_remote_udp_lists = allowed;
    start(options);
    auto remote = server_->listen(*core::parse_endpoint("udp://" + host + ":0"));
    ASSERT_TRUE(remote) << remote.error().message;
    auto c = connect(*remote);
    ASSERT_TRUE(c);
    proto::RPCBVERS4_client quiet(*c, kSilent);
    // Small answers go to anyone; the lists, whose replies outgrow the question many times,
    // only when allowed (or over TCP, or to a loopback caller).
    EXPECT_TRUE(v4(*c).rpcbproc_getaddr_sync(reg(proto::RPCBPROG, 4, "udp")).ok());
    EXPECT_EQ(quiet.rpcbproc_dump_sync().ok(), allowed);
    EXPECT_EQ(quiet.rpcbproc_getaddrlist_sync(reg(proto::RPCBPROG, 4, "udp")).ok(), allowed);
    EXPECT_EQ(quiet.rpcbproc_getstat_sync().ok(), allowed);
    EXPECT_EQ(proto::PMAPVERS_client(*c, kSilent).pmapproc_dump_sync().ok(), allowed);
    EXPECT_TRUE(v4(*udp_).rpcbproc_dump_sync().ok());  // loopback
    EXPECT_TRUE(v4(*tcp_).rpcbproc_dump_sync().ok());
  }
}

TEST_F(RpcbindService, AServerRegistersItsEndpointsAndTakesBackExactlyThose) {
  start();
  // Another server's registration of the same program, on a netid ours does not use.
  ASSERT_TRUE(set4(*tcp_, reg(kProg, 1, "tcp6", "::.78.80")));
  client::ServiceRegistration portmapper(*loop_,
                                         {.unix_socket = dir_ + "/rpcbind.sock", .port = tcp_endpoint_.address.port()});
  const std::vector<core::Endpoint> bound = {
      *core::parse_endpoint("tcp://0.0.0.0:20049"), *core::parse_endpoint("udp://0.0.0.0:20049"),
      *core::parse_endpoint("tcp://127.0.0.1:20050"), *core::parse_endpoint("unix://" + dir_ + "/server.sock")};
  const auto results = portmapper.register_sync(kProg, 1, bound);
  ASSERT_EQ(results.size(), 4U);
  EXPECT_TRUE(results[0].ok()) << client::message(results[0]);
  EXPECT_TRUE(results[1].ok()) << client::message(results[1]);
  EXPECT_FALSE(results[2].ok());  // tcp is registered at 0.0.0.0.78.81 already (the first endpoint)
  EXPECT_EQ(results[2].error.code, Errc::registration_refused);
  EXPECT_TRUE(results[3].ok()) << client::message(results[3]);
  EXPECT_EQ(portmapper.registered().size(), 3U);  // tcp, udp, local
  EXPECT_EQ(getaddr4(*tcp_, reg(kProg, 1, "")), uaddr("127.0.0.1", 20049));
  EXPECT_EQ(getaddr4(*unix_, reg(kProg, 1, "")), dir_ + "/server.sock");
  // Owned by this process's uid: the registration went over the UNIX socket.
  const std::vector<std::string> table = dump4(*tcp_);
  EXPECT_NE(std::find(table.begin(), table.end(),
                      std::to_string(kProg) + " 1 udp " + uaddr("0.0.0.0", 20049) + " " + unix_owner()),
            table.end());

  const auto undone = portmapper.unregister_sync();
  ASSERT_EQ(undone.size(), 3U);
  for (const auto& r : undone) EXPECT_TRUE(r.ok()) << client::message(r);
  EXPECT_TRUE(portmapper.registered().empty());
  // Only the other server's registration is left.
  std::vector<std::string> left;
  for (const std::string& line : dump4(*tcp_)) {
    if (line.starts_with(std::to_string(kProg) + " ")) left.push_back(line);
  }
  EXPECT_EQ(left, (std::vector<std::string>{std::to_string(kProg) + " 1 tcp6 ::.78.80 unknown"}));
}

}  // namespace
}  // namespace nelson::rpcbind
