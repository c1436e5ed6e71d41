// client::register_service / unregister_service against an in-process fake portmapper built
// with nelson's own server: what each protocol version is sent, the fallbacks (v4 -> v3 -> v2,
// UNIX socket -> TCP), FALSE answers and the messages. The real rpcbind is the interop test's
// (tests/interop/registration_test.sh).
#include "client/registration.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <string>
#include <vector>

#include "core/loop.hpp"
#include "server/server.hpp"

namespace nelson::client {
namespace {

struct Asked {
  std::uint32_t version = 0;
  std::uint32_t proc = 0;
  core::Transport transport = core::Transport::tcp;
  std::uint32_t prog = 0, vers = 0;
  std::string netid, uaddr, owner;   // v3/v4
  std::uint32_t prot = 0, port = 0;  // v2
};

class FakePortmapper {
 public:
  FakePortmapper(server::Server& server, std::initializer_list<std::uint32_t> versions) {
    for (const std::uint32_t v : versions) {
      for (const std::uint32_t proc : {1U, 2U}) {
        server.add_procedure(100000, v, proc, {"SET/UNSET"}, [this, v](server::Call& call) {
          Asked a;
          a.version = v;
          a.proc = call.header().proc;
          a.transport = call.caller().transport;
          auto& d = call.args();
          bool ok = d.get_uint(a.prog) && d.get_uint(a.vers);
          if (v == 2) {
            ok = ok && d.get_uint(a.prot) && d.get_uint(a.port);
          } else {
            ok = ok && d.get_string(a.netid, 64) && d.get_string(a.uaddr, 128) && d.get_string(a.owner, 64);
          }
          if (!ok || !d.expect_end()) return server::Status::garbage_args;
          asked.push_back(a);
          call.reply([&](xdr::Encoder& e) { e.put_bool(answer); });
          return server::Status::success;
        });
      }
    }
  }
  std::vector<Asked> asked;
  bool answer = true;
};

class RegisterService : public ::testing::Test {
 protected:
  void SetUp() override {
    loop_ = core::Loop::create({.backend = core::BackendKind::epoll}).value();
    server_ = std::make_unique<server::Server>(*loop_);
  }
  void TearDown() override { ::unlink(unix_path_.c_str()); }
  /// Serves `versions` on TCP (an ephemeral port) and, with `unix`, on a UNIX socket.
  void serve(std::initializer_list<std::uint32_t> versions, bool unix_socket = false) {
    fake_ = std::make_unique<FakePortmapper>(*server_, versions);
    auto tcp = server_->listen(*core::parse_endpoint("tcp://127.0.0.1:0"));
    ASSERT_TRUE(tcp) << tcp.error().message;
    options_.port = tcp->address.port();
    unix_path_ = "/tmp/nelson-registration-test-" + std::to_string(::getpid()) + ".sock";
    ::unlink(unix_path_.c_str());
    options_.unix_socket = unix_path_;
    if (unix_socket) {
      ASSERT_TRUE(server_->listen(*core::parse_endpoint("unix://" + unix_path_)));
    }
  }
  RegistrationResult set(const Registration& what) { return register_service_sync(*loop_, what, options_); }

  std::unique_ptr<core::Loop> loop_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<FakePortmapper> fake_;
  RegistrationOptions options_;
  std::string unix_path_;
};

const Registration kTcp{.prog = 536871065, .vers = 1, .netid = "tcp", .uaddr = "0.0.0.0.78.83"};

TEST(RegistrationFor, EndpointsBecomeNetidAndUaddr) {
  auto r = registration_for(7, 2, *core::parse_endpoint("tcp://0.0.0.0:20099"));
  EXPECT_EQ(r.netid, "tcp");
  EXPECT_EQ(r.uaddr, "0.0.0.0.78.131");  // 20099 = 78 * 256 + 131
  r = registration_for(7, 2, *core::parse_endpoint("udp://[::1]:111"));
  EXPECT_EQ(r.netid, "udp6");
  EXPECT_EQ(r.uaddr, "::1.0.111");
  r = registration_for(7, 2, *core::parse_endpoint("unix:///run/x.sock"));
  EXPECT_EQ(r.netid, "local");
  EXPECT_EQ(r.uaddr, "/run/x.sock");
  EXPECT_EQ(r.prog, 7U);
  EXPECT_EQ(r.vers, 2U);
}

TEST_F(RegisterService, Version4OverTcpWhenThereIsNoUnixSocket) {
  serve({2, 3, 4});
  const auto r = set(kTcp);
  ASSERT_TRUE(r.ok()) << message(r);
  EXPECT_EQ(r.version, 4U);
  EXPECT_EQ(r.portmapper.transport, core::Transport::tcp);
  ASSERT_EQ(fake_->asked.size(), 1U);
  const Asked& a = fake_->asked[0];
  EXPECT_EQ(a.proc, 1U);
  EXPECT_EQ(a.prog, kTcp.prog);
  EXPECT_EQ(a.vers, 1U);
  EXPECT_EQ(a.netid, "tcp");
  EXPECT_EQ(a.uaddr, "0.0.0.0.78.83");
  EXPECT_EQ(a.owner, std::to_string(::geteuid()));
  EXPECT_NE(message(r).find("registering program 536871065 version 1 on tcp at 0.0.0.0.78.83 with the portmapper at "
                            "tcp://127.0.0.1:"),
            std::string::npos)
      << message(r);
  EXPECT_NE(message(r).find("(RPCBIND v4): done"), std::string::npos) << message(r);
}

TEST_F(RegisterService, UnixSocketFirst) {
  serve({4}, true);
  const auto r = set(kTcp);
  ASSERT_TRUE(r.ok()) << message(r);
  EXPECT_EQ(r.portmapper.transport, core::Transport::unix_stream);
  ASSERT_EQ(fake_->asked.size(), 1U);
  EXPECT_EQ(fake_->asked[0].transport, core::Transport::unix_stream);
}

TEST_F(RegisterService, StaleUnixSocketFallsBackToTcp) {
  serve({4});
  // A socket file nobody listens on (left by a portmapper that died).
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  std::snprintf(un.sun_path, sizeof un.sun_path, "%s", unix_path_.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&un), sizeof un), 0);
  ::close(fd);
  const auto r = set(kTcp);
  ASSERT_TRUE(r.ok()) << message(r);
  EXPECT_EQ(r.portmapper.transport, core::Transport::tcp);
}

TEST_F(RegisterService, FallsBackToVersion3) {
  serve({3});
  const auto r = set(kTcp);
  ASSERT_TRUE(r.ok()) << message(r);
  EXPECT_EQ(r.version, 3U);
}

TEST_F(RegisterService, FallsBackToPmap2) {
  serve({2});
  auto r = set({.prog = 9, .vers = 2, .netid = "udp", .uaddr = "127.0.0.1.4.1"});
  ASSERT_TRUE(r.ok()) << message(r);
  EXPECT_EQ(r.version, 2U);
  ASSERT_EQ(fake_->asked.size(), 1U);
  EXPECT_EQ(fake_->asked[0].prot, 17U);
  EXPECT_EQ(fake_->asked[0].port, 1025U);
  // PMAP v2 cannot carry an IPv6 or UNIX registration: refused before asking, and said why.
  r = set({.prog = 9, .vers = 2, .netid = "tcp6", .uaddr = "::.4.1"});
  EXPECT_EQ(r.error.code, Errc::registration_refused);
  EXPECT_NE(message(r).find("not sent: PMAP v2 knows no netid but tcp and udp"), std::string::npos) << message(r);
  EXPECT_EQ(fake_->asked.size(), 1U);
  // Its UNSET names no protocol: it removes both.
  r = unregister_service_sync(*loop_, 9, 2, "udp", options_);
  ASSERT_TRUE(r.ok()) << message(r);
  EXPECT_EQ(fake_->asked.back().proc, 2U);
  EXPECT_EQ(fake_->asked.back().port, 0U);
}

TEST_F(RegisterService, MaxVersionIsObeyed) {
  serve({2, 3, 4});
  options_.max_version = 2;
  const auto r = set(kTcp);
  ASSERT_TRUE(r.ok()) << message(r);
  EXPECT_EQ(r.version, 2U);
  EXPECT_EQ(fake_->asked[0].prot, 6U);
  EXPECT_EQ(fake_->asked[0].port, 20051U);
}

TEST_F(RegisterService, FalseIsRefused) {
  serve({4});
  fake_->answer = false;
  auto r = set(kTcp);
  EXPECT_EQ(r.error.code, Errc::registration_refused);
  EXPECT_EQ(r.version, 4U);
  EXPECT_NE(message(r).find("refused to register program 536871065 version 1"), std::string::npos) << message(r);
  r = unregister_service_sync(*loop_, 5, 1, {}, options_);
  EXPECT_EQ(r.error.code, Errc::registration_refused);
  EXPECT_NE(message(r).find("unregistering program 5 version 1 (every netid)"), std::string::npos) << message(r);
}

TEST_F(RegisterService, UnsetSendsNoAddress) {
  serve({4});
  const auto r = unregister_service_sync(*loop_, 5, 1, "tcp", options_);
  ASSERT_TRUE(r.ok()) << message(r);
  ASSERT_EQ(fake_->asked.size(), 1U);
  EXPECT_EQ(fake_->asked[0].proc, 2U);
  EXPECT_EQ(fake_->asked[0].netid, "tcp");
  EXPECT_EQ(fake_->asked[0].uaddr, "");
}

TEST_F(RegisterService, NoPortmapperIsAnErrorWithAReason) {
  serve({4});
  server_.reset();  // closes the listener: nobody on that port now
  loop_->run_once(std::chrono::milliseconds(0));
  const auto r = set(kTcp);
  EXPECT_EQ(r.error.code, Errc::cant_send) << message(r);
  EXPECT_EQ(r.version, 0U);
  EXPECT_NE(message(r).find("cannot send"), std::string::npos) << message(r);
}

TEST_F(RegisterService, NonLocalRefusalGetsAHint) {
  loop_->run_once(std::chrono::milliseconds(0));
  server_->add_procedure(100000, 4, 1, {"SET"}, [](server::Call& call) {
    call.deny(rpc::AuthStat::auth_tooweak);  // what rpcbind answers a non-local SET
    return server::Status::denied;
  });
  auto tcp = server_->listen(*core::parse_endpoint("tcp://127.0.0.1:0"));
  ASSERT_TRUE(tcp);
  options_.port = tcp->address.port();
  options_.unix_socket.clear();
  const auto r = set(kTcp);
  EXPECT_EQ(r.error.code, Errc::auth_error);
  EXPECT_NE(message(r).find("only from local callers (its UNIX socket, or loopback)"), std::string::npos) << message(r);
}

TEST_F(RegisterService, AsyncCompletesLaterExactlyOnce) {
  serve({4});
  int calls = 0;
  register_service(*loop_, kTcp, options_, [&](const RegistrationResult& r) {
    EXPECT_TRUE(r.ok()) << message(r);
    ++calls;
  });
  EXPECT_EQ(calls, 0);  // never inside register_service()
  for (int i = 0; i < 1000 && calls == 0; ++i) loop_->run_once(std::chrono::milliseconds(10));
  EXPECT_EQ(calls, 1);
  for (int i = 0; i < 5; ++i) loop_->run_once(std::chrono::milliseconds(1));
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace nelson::client
