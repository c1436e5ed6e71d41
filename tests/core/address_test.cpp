// Endpoint syntax: tcp://host:port, udp://host:port, unix:///path, and the errors people make.
#include "core/address.hpp"

#include <netinet/in.h>
#include <sys/un.h>

#include <cstddef>
#include <gtest/gtest.h>

namespace nelson::core {
namespace {

TEST(Endpoint, Ipv4) {
  auto e = parse_endpoint("tcp://127.0.0.1:20099");
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->transport, Transport::tcp);
  EXPECT_EQ(e->address.family(), AF_INET);
  EXPECT_EQ(e->address.port(), 20099);
  EXPECT_EQ(e->to_string(), "tcp://127.0.0.1:20099");
}

TEST(Endpoint, Ipv6InBrackets) {
  auto e = parse_endpoint("udp://[::1]:111");
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->transport, Transport::udp);
  EXPECT_EQ(e->address.family(), AF_INET6);
  EXPECT_EQ(e->to_string(), "udp://[::1]:111");
}

TEST(Endpoint, LocalhostResolves) {
  auto e = parse_endpoint("tcp://localhost:0");
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_TRUE(e->address.family() == AF_INET || e->address.family() == AF_INET6);
  EXPECT_EQ(e->address.port(), 0);
}

TEST(Endpoint, UnixPathAndAbstractName) {
  auto path = parse_endpoint("unix:///run/rpcbind.sock");
  ASSERT_TRUE(path) << path.error().message;
  EXPECT_EQ(path->transport, Transport::unix_stream);
  EXPECT_EQ(path->address.family(), AF_UNIX);
  EXPECT_EQ(path->to_string(), "unix:///run/rpcbind.sock");
  EXPECT_EQ(path->address.size(), offsetof(sockaddr_un, sun_path) + sizeof("/run/rpcbind.sock"));

  auto abstract = parse_endpoint("unix://@nelson-test");
  ASSERT_TRUE(abstract) << abstract.error().message;
  EXPECT_EQ(abstract->to_string(), "unix://@nelson-test");
  EXPECT_EQ(abstract->address.size(), offsetof(sockaddr_un, sun_path) + 12);
}

TEST(Endpoint, Errors) {
  for (const char* bad : {"127.0.0.1:80", "http://x:1", "tcp://127.0.0.1", "tcp://127.0.0.1:65536",
                          "tcp://127.0.0.1:-1", "tcp://127.0.0.1:8x", "tcp://:80", "tcp://::1:80", "udp://[::1]80",
                          "unix://relative/path", "unix://", "tcp://no-such-host.invalid:1"}) {
    auto e = parse_endpoint(bad);
    ASSERT_FALSE(e) << bad;
    EXPECT_NE(e.error().message.find(bad), std::string::npos) << e.error().message;
  }
  const std::string long_path = "unix:///" + std::string(200, 'x');
  auto e = parse_endpoint(long_path);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, ENAMETOOLONG);
}

}  // namespace
}  // namespace nelson::core
