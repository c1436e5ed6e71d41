// rpcbind policy: who may SET/UNSET, the owner strings, the privileged-port rule and the
// indirect-call switch, for every kind of caller.
#include "rpcbind/policy.hpp"

#include <netinet/in.h>

#include <gtest/gtest.h>
#include <string>

namespace nelson::rpcbind {
namespace {

Caller inet(std::string_view endpoint) {
  const auto e = core::parse_endpoint(endpoint).value();
  return {.transport = e.transport, .peer = e.address, .credentials = std::nullopt};
}

Caller unix_peer(std::optional<std::uint32_t> uid) {
  Caller c{.transport = core::Transport::unix_stream, .peer = {}, .credentials = std::nullopt};
  if (uid) c.credentials = core::PeerCredentials{.uid = *uid, .gid = *uid, .pid = 42};
  return c;
}

TEST(Policy, Loopback) {
  EXPECT_TRUE(is_loopback(inet("tcp://127.0.0.1:1").peer));
  EXPECT_TRUE(is_loopback(inet("tcp://127.255.0.9:1").peer));
  EXPECT_TRUE(is_loopback(inet("tcp://[::1]:1").peer));
  EXPECT_TRUE(is_loopback(inet("tcp://[::ffff:127.0.0.2]:1").peer));
  EXPECT_FALSE(is_loopback(inet("tcp://128.0.0.1:1").peer));
  EXPECT_FALSE(is_loopback(inet("tcp://10.0.0.1:1").peer));
  EXPECT_FALSE(is_loopback(inet("tcp://0.0.0.0:1").peer));
  EXPECT_FALSE(is_loopback(inet("tcp://[::2]:1").peer));
  EXPECT_FALSE(is_loopback(inet("tcp://[::ffff:10.0.0.1]:1").peer));
  EXPECT_FALSE(is_loopback(inet("tcp://[fe80::1]:1").peer));
  EXPECT_FALSE(is_loopback(core::SocketAddress{}));
}

TEST(Policy, WhoMayChange) {
  const PolicyOptions defaults;
  EXPECT_TRUE(may_change(defaults, unix_peer(1000)));
  EXPECT_TRUE(may_change(defaults, unix_peer(0)));
  EXPECT_FALSE(may_change(defaults, unix_peer(std::nullopt)));
  EXPECT_TRUE(may_change(defaults, inet("udp://127.0.0.1:40000")));
  EXPECT_TRUE(may_change(defaults, inet("tcp://[::1]:40000")));
  const Verdict remote = may_change(defaults, inet("udp://192.0.2.7:600"));
  EXPECT_FALSE(remote);
  EXPECT_EQ(remote.reason, "not a local caller");
  EXPECT_FALSE(may_change(defaults, inet("tcp://[2001:db8::1]:600")));
  const PolicyOptions unix_only{.allow_loopback = false};
  EXPECT_FALSE(may_change(unix_only, inet("tcp://127.0.0.1:600")));
  EXPECT_TRUE(may_change(unix_only, unix_peer(1000)));
}

TEST(Policy, Owners) {
  EXPECT_EQ(owner_of(unix_peer(0)), "superuser");
  EXPECT_EQ(owner_of(unix_peer(1000)), "1000");
  EXPECT_EQ(owner_of(unix_peer(4294967295U)), "4294967295");
  EXPECT_EQ(owner_of(unix_peer(std::nullopt)), "unknown");
  EXPECT_EQ(owner_of(inet("tcp://127.0.0.1:1023")), "superuser");  // only root binds below 1024
  EXPECT_EQ(owner_of(inet("udp://[::1]:111")), "superuser");
  EXPECT_EQ(owner_of(inet("tcp://127.0.0.1:1024")), "unknown");
  EXPECT_EQ(owner_of(inet("tcp://192.0.2.1:100")), "unknown");  // privileged, but not local
  EXPECT_TRUE(is_privileged_loopback(inet("tcp://127.0.0.1:0")));
  EXPECT_FALSE(is_privileged_loopback(inet("tcp://127.0.0.1:1024")));
}

TEST(Policy, PrivilegedPortsNeedTheSuperuser) {
  const PolicyOptions defaults;
  EXPECT_TRUE(may_map(defaults, "superuser", "0.0.0.0.0.111", AF_INET));
  const Verdict v = may_map(defaults, "1000", "0.0.0.0.0.111", AF_INET);
  EXPECT_FALSE(v);
  EXPECT_EQ(v.reason, "a privileged port needs the superuser");
  EXPECT_FALSE(may_map(defaults, "unknown", "::.3.255", AF_INET6));  // 1023
  EXPECT_TRUE(may_map(defaults, "1000", "::.4.0", AF_INET6));        // 1024
  EXPECT_TRUE(may_map(defaults, "1000", "/run/x.sock", AF_UNIX));
  EXPECT_TRUE(may_map(defaults, "1000", "garbage", AF_INET));  // the table refuses it, not the policy
  const PolicyOptions lax{.privileged_ports_need_superuser = false};
  EXPECT_TRUE(may_map(lax, "1000", "0.0.0.0.0.111", AF_INET));
}

TEST(Policy, ListsGoOverUdpToLocalCallersOnly) {
  const PolicyOptions defaults;
  EXPECT_TRUE(may_list(defaults, inet("udp://127.0.0.1:5000")));
  EXPECT_TRUE(may_list(defaults, inet("udp://[::1]:5000")));
  EXPECT_TRUE(may_list(defaults, inet("tcp://10.0.0.1:5000")));  // TCP: the handshake proves the source
  EXPECT_TRUE(may_list(defaults, unix_peer(1000)));
  const Verdict remote = may_list(defaults, inet("udp://10.0.0.1:5000"));
  EXPECT_FALSE(remote);
  EXPECT_NE(remote.reason.find("reflection"), std::string_view::npos);
  EXPECT_FALSE(may_list(defaults, inet("udp://[2001:db8::1]:5000")));
  PolicyOptions open;
  open.allow_remote_udp_lists = true;
  EXPECT_TRUE(may_list(open, inet("udp://10.0.0.1:5000")));
}

TEST(Policy, IndirectCallsOffByDefault) {
  const PolicyOptions defaults;
  const Verdict v = may_forward(defaults, inet("udp://127.0.0.1:5000"), 100024, 0);
  EXPECT_FALSE(v);
  EXPECT_EQ(v.reason, "indirect calls are disabled");
  const PolicyOptions on{.allow_indirect = true};
  EXPECT_TRUE(may_forward(on, inet("udp://192.0.2.1:5000"), 100024, 1));
  EXPECT_FALSE(may_forward(on, inet("tcp://192.0.2.1:5000"), 100024, 1));  // UDP only
  EXPECT_TRUE(may_forward(on, inet("udp://192.0.2.1:5000"), 100003, 0));   // NULL always
  for (const auto& [prog, proc] : {std::pair{100000U, 1U},
                                   {100003U, 1U},
                                   {100005U, 1U},
                                   {100005U, 3U},
                                   {100004U, 8U},
                                   {100004U, 3U},
                                   {100007U, 2U},
                                   {100009U, 1U},
                                   {100011U, 1U}}) {
    EXPECT_FALSE(may_forward(on, inet("udp://192.0.2.1:5000"), prog, proc)) << prog << "/" << proc;
  }
  EXPECT_TRUE(may_forward(on, inet("udp://192.0.2.1:5000"), 100005, 2));  // DUMP is not MNT
  EXPECT_TRUE(may_forward(on, inet("udp://192.0.2.1:5000"), 100004, 1));
}

}  // namespace
}  // namespace nelson::rpcbind
