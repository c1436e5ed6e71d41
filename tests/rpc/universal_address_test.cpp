// Universal addresses (RFC 1833, RFC 5665): the strict parser on good and bad input, UNIX
// paths, the netbuf (taddr) forms RPCBIND's UADDR2TADDR/TADDR2UADDR carry, and netids.
#include "rpc/universal_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <cstddef>
#include <cstring>
#include <gtest/gtest.h>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace nelson::rpc {
namespace {

std::string parsed(std::string_view text) {
  const auto a = parse_universal_address(text);
  return a ? a->to_string() : "malformed";
}

TEST(UniversalAddress, ParsesWellFormedAddresses) {
  EXPECT_EQ(parsed("127.0.0.1.78.83"), "127.0.0.1:20051");
  EXPECT_EQ(parsed("0.0.0.0.0.111"), "0.0.0.0:111");
  EXPECT_EQ(parsed("255.255.255.255.255.255"), "255.255.255.255:65535");
  EXPECT_EQ(parsed("10.1.2.3.0.0"), "10.1.2.3:0");  // well-formed; lookup refuses port 0 itself
  EXPECT_EQ(parsed("::1.0.111"), "[::1]:111");
  EXPECT_EQ(parsed("fe80::1:2.8.1"), "[fe80::1:2]:2049");
  EXPECT_EQ(parsed("FE80::A.0.1"), "[fe80::a]:1");
  EXPECT_EQ(parsed("::ffff:10.0.0.1.1.2"), "[::ffff:10.0.0.1]:258");
  // The longest there is: kMaxUniversalAddress characters.
  EXPECT_NE(parsed("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255.255.255"), "malformed");
}

TEST(UniversalAddress, RefusesMalformedAddresses) {
  for (const std::string_view bad : {
           "",
           ".",
           "..",
           "1.2.3.4.5",      // too few fields
           "1.2.3.4.5.6.7",  // too many
           "256.1.1.1.0.1",
           "1.2.3.4.256.0",
           "1.2.3.4.0.256",
           "01.2.3.4.0.1",
           "1.2.3.4.00.1",
           "1.2.3.4.0.01",  // leading zeros
           "1..3.4.0.1",
           "1.2.3.4.0.",
           ".1.2.3.4.0",
           " 1.2.3.4.0.1",
           "1.2.3.4.0.1 ",
           "+1.2.3.4.0.1",
           "1.2.3.4.-0.1",
           "1.2.3.4.0x1.2",
           "1.2.3.4.1000.1",
           "1.2.3.a.0.1",
           "localhost.0.111",
           "::1",
           "::1.0",
           "::1..0.1",
           ":::1.0.1",
           "gg::1.0.1",
           "fe80::1%lo.0.1",
           "[::1].0.1",
           "1:2:3:4:5:6:7:8:9.0.1",
       }) {
    EXPECT_EQ(parsed(bad), "malformed") << '"' << bad << '"';
  }
  EXPECT_EQ(parsed(std::string_view("1.2.3.4\0.0.1", 12)), "malformed");  // an embedded NUL
  EXPECT_EQ(parsed("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255.255.2555"), "malformed");
  EXPECT_EQ(parsed(std::string(54, '1')), "malformed");  // over kMaxUniversalAddress
  EXPECT_EQ(parsed(std::string(100000, '.')), "malformed");
}

TEST(UniversalAddress, FormatsWhatItParses) {
  for (const std::string_view text : {"127.0.0.1.78.83", "0.0.0.0.0.111", "::1.0.111", "fe80::1:2.8.1"}) {
    const auto a = parse_universal_address(text);
    ASSERT_TRUE(a) << text;
    EXPECT_EQ(format_universal_address(*a), text);
  }
}

TEST(UniversalAddress, UnixPaths) {
  const auto a = parse_universal_address("/run/rpcbind.sock", AF_UNIX);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->to_string(), "/run/rpcbind.sock");
  EXPECT_EQ(*a, core::parse_endpoint("unix:///run/rpcbind.sock")->address);
  EXPECT_EQ(format_universal_address(*a), "/run/rpcbind.sock");
  const std::string longest = "/" + std::string(sizeof(sockaddr_un{}.sun_path) - 2, 'x');
  EXPECT_TRUE(parse_universal_address(longest, AF_UNIX));
  for (const std::string_view bad : {std::string_view(""), std::string_view("relative/path"),
                                     std::string_view("/a\0b", 4), std::string_view("@abstract")}) {
    EXPECT_FALSE(parse_universal_address(bad, AF_UNIX)) << bad;
  }
  EXPECT_FALSE(parse_universal_address(longest + "x", AF_UNIX));  // no room for the NUL
  // Abstract and unnamed sockets have no universal address.
  EXPECT_EQ(format_universal_address(core::parse_endpoint("unix://@nelson")->address), "");
}

TEST(UniversalAddress, FamilyMustMatch) {
  EXPECT_TRUE(parse_universal_address("127.0.0.1.0.111", AF_INET));
  EXPECT_FALSE(parse_universal_address("127.0.0.1.0.111", AF_INET6));
  EXPECT_TRUE(parse_universal_address("::1.0.111", AF_INET6));
  EXPECT_FALSE(parse_universal_address("::1.0.111", AF_INET));
  EXPECT_FALSE(parse_universal_address("127.0.0.1.0.111", AF_UNIX));
  EXPECT_FALSE(parse_universal_address("/run/x", AF_INET));
  EXPECT_FALSE(parse_universal_address("127.0.0.1.0.111", AF_APPLETALK));
}

TEST(Taddr, RoundTripsEveryFamily) {
  for (const auto& [uaddr, family, size] :
       {std::tuple{"127.0.0.1.0.111", AF_INET, sizeof(sockaddr_in)},
        std::tuple{"fe80::1.8.1", AF_INET6, sizeof(sockaddr_in6)},
        std::tuple{"/run/rpcbind.sock", AF_UNIX, offsetof(sockaddr_un, sun_path) + 18}}) {
    const auto taddr = uaddr_to_taddr(uaddr, family);
    ASSERT_TRUE(taddr) << uaddr;
    EXPECT_EQ(taddr->size(), size) << uaddr;
    EXPECT_EQ(taddr_to_uaddr(*taddr, family), uaddr);
  }
  EXPECT_FALSE(uaddr_to_taddr("1.2.3.4.5", AF_INET));
}

TEST(Taddr, IsTheSockaddrInHostLayout) {
  const auto taddr = uaddr_to_taddr("10.1.2.3.78.83", AF_INET);
  ASSERT_TRUE(taddr);
  sockaddr_in sin{};
  std::memcpy(&sin, taddr->data(), sizeof sin);  // what libtirpc's taddr2uaddr reads
  EXPECT_EQ(sin.sin_family, AF_INET);
  EXPECT_EQ(ntohs(sin.sin_port), 20051);
  EXPECT_EQ(ntohl(sin.sin_addr.s_addr), 0x0a010203U);
}

TEST(Taddr, RefusesMalformedBytes) {
  auto v4 = *uaddr_to_taddr("127.0.0.1.0.111", AF_INET);
  EXPECT_EQ(taddr_to_uaddr(v4, AF_INET6), "");  // the transport's family, not another
  for (std::size_t n = 0; n < v4.size(); ++n) {
    EXPECT_EQ(taddr_to_uaddr(std::span(v4).first(n), AF_INET), "") << n;  // every truncation
  }
  EXPECT_EQ(taddr_to_uaddr(std::vector<std::byte>(100000, std::byte{0xff}), AF_INET), "");
  // A UNIX path without its NUL inside the bytes, one that fills them, and one that is relative.
  auto un = *uaddr_to_taddr("/run/x", AF_UNIX);
  EXPECT_EQ(taddr_to_uaddr(un, AF_UNIX), "/run/x");
  un.push_back(std::byte{'y'});
  EXPECT_EQ(taddr_to_uaddr(un, AF_UNIX), "/run/x");  // the NUL ends the path
  un.resize(offsetof(sockaddr_un, sun_path) + 3);
  EXPECT_EQ(taddr_to_uaddr(un, AF_UNIX), "/ru");  // SUN_LEN form: the path ends with the bytes
  un[offsetof(sockaddr_un, sun_path)] = std::byte{'r'};
  EXPECT_EQ(taddr_to_uaddr(un, AF_UNIX), "");
  std::vector<std::byte> too_long(sizeof(sockaddr_un) + 1, std::byte{'a'});
  sockaddr_un head{};
  head.sun_family = AF_UNIX;
  std::memcpy(too_long.data(), &head, offsetof(sockaddr_un, sun_path));
  EXPECT_EQ(taddr_to_uaddr(too_long, AF_UNIX), "");
}

TEST(Netid, OfEndpointsAndBack) {
  EXPECT_EQ(netid_of(*core::parse_endpoint("tcp://127.0.0.1:1")), "tcp");
  EXPECT_EQ(netid_of(*core::parse_endpoint("udp://127.0.0.1:1")), "udp");
  EXPECT_EQ(netid_of(*core::parse_endpoint("tcp://[::1]:1")), "tcp6");
  EXPECT_EQ(netid_of(*core::parse_endpoint("udp://[::1]:1")), "udp6");
  EXPECT_EQ(netid_of(*core::parse_endpoint("unix:///run/x")), "local");
  for (const std::string_view id : {"tcp", "udp", "tcp6", "udp6", "local"}) {
    const auto info = parse_netid(id);
    ASSERT_TRUE(info) << id;
    core::Endpoint e;
    e.transport = info->transport;
    sockaddr_storage ss{};
    ss.ss_family = static_cast<sa_family_t>(info->family);
    e.address = core::SocketAddress(reinterpret_cast<const sockaddr*>(&ss), sizeof ss);
    EXPECT_EQ(netid_of(e), id);
  }
  EXPECT_EQ(parse_netid("unix")->family, AF_UNIX);
  EXPECT_FALSE(parse_netid("ticlts"));
  EXPECT_FALSE(parse_netid("TCP"));
  EXPECT_FALSE(parse_netid(""));
}

}  // namespace
}  // namespace nelson::rpc
