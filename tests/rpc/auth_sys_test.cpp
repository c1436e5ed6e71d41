// AUTH_SYS credential bodies: exact bytes, round trips and the limits (name <= 255 bytes,
// <= 16 groups, no trailing bytes), every malformed body being AUTH_BADCRED.
#include "rpc/auth_sys.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <gtest/gtest.h>
#include <span>
#include <string>
#include <vector>

#include "rpc/message.hpp"
#include "tests/rpc/rpc_test_bytes.hpp"
#include "tests/xdr/test_bytes.hpp"
#include "xdr/decoder.hpp"
#include "xdr/encoder.hpp"
#include "xdr/error.hpp"

namespace nelson::rpc {
namespace {

using Bytes = std::vector<std::byte>;
using test::from_hex;
using xdr::test::hex;

AuthSys sample(std::string_view name = "host", std::uint32_t gid_count = 2) {
  AuthSys a;
  a.stamp = 0x01020304;
  a.machine_name = name;
  a.uid = 1000;
  a.gid = 100;
  for (std::uint32_t i = 0; i < gid_count && i < kMaxGids; ++i) a.gids[i] = 10 + i;
  a.gid_count = gid_count;
  return a;
}

Bytes encode(const AuthSys& a, xdr::Errc expect = xdr::Errc::ok) {
  std::array<std::byte, 1024> buf{};
  xdr::Encoder e(buf);
  encode_auth_sys(e, a);
  EXPECT_EQ(e.error().code, expect) << e.error().message();
  return Bytes(e.written().begin(), e.written().end());
}

// stamp, name (4 bytes + padding), uid, gid, gid count and gids, from the raw fields; used to
// build bodies the encoder refuses to write.
Bytes body(std::size_t name_len, std::uint32_t gid_count, std::size_t trailing = 0) {
  Bytes out;
  auto put = [&](std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::byte>((v >> shift) & 0xff));
  };
  put(7);
  put(static_cast<std::uint32_t>(name_len));
  out.resize(out.size() + (name_len + 3) / 4 * 4, std::byte{'n'});
  put(0);
  put(0);
  put(gid_count);
  for (std::uint32_t i = 0; i < gid_count; ++i) put(i);
  out.resize(out.size() + trailing);
  return out;
}

TEST(AuthSys, ExactBytes) {
  EXPECT_EQ(hex(encode(sample())), hex(from_hex("01020304 00000004 686f7374 000003e8 00000064"
                                                "00000002 0000000a 0000000b")));
  EXPECT_EQ(hex(encode(sample("hostname1", 0))), hex(from_hex("01020304 00000009 686f73746e616d6531000000"
                                                              "000003e8 00000064 00000000")));
}

TEST(AuthSys, RoundTripIsZeroCopy) {
  const Bytes b = encode(sample("client.example", 3));
  AuthSys a;
  xdr::Error err;
  ASSERT_EQ(parse_auth_sys(b, a, &err), AuthStat::auth_ok) << err.message();
  EXPECT_FALSE(err);
  EXPECT_EQ(a.stamp, 0x01020304U);
  EXPECT_EQ(a.machine_name, "client.example");
  EXPECT_EQ(static_cast<const void*>(a.machine_name.data()), static_cast<const void*>(b.data() + 8));
  EXPECT_EQ(a.uid, 1000U);
  EXPECT_EQ(a.gid, 100U);
  ASSERT_EQ(a.groups().size(), 3U);
  EXPECT_EQ(a.groups()[0], 10U);
  EXPECT_EQ(a.groups()[2], 12U);
}

TEST(AuthSys, ThroughACallHeader) {
  std::array<std::byte, kMaxAuthBytes> cred_buf{};
  xdr::Encoder ce(cred_buf);
  encode_auth_sys(ce, sample());
  ASSERT_TRUE(ce.ok());
  std::array<std::byte, 512> msg_buf{};
  xdr::Encoder e(msg_buf);
  encode_call(e, 1, 100003, 3, 1, OpaqueAuth{AuthFlavor::auth_sys, ce.written()}, kNullAuth);
  xdr::Decoder d(e.written());
  CallHeader h;
  ASSERT_TRUE(decode_call(d, h).ok());
  ASSERT_EQ(h.cred.flavor, AuthFlavor::auth_sys);
  AuthSys a;
  ASSERT_EQ(parse_auth_sys(h.cred.body, a), AuthStat::auth_ok);
  EXPECT_EQ(a.machine_name, "host");
  EXPECT_EQ(a.uid, 1000U);
}

TEST(AuthSys, NameOf255BytesIsFine256IsBadCred) {
  const std::string n255(255, 'x');
  const Bytes b255 = encode(sample(n255));
  AuthSys a;
  ASSERT_EQ(parse_auth_sys(b255, a), AuthStat::auth_ok);
  EXPECT_EQ(a.machine_name.size(), 255U);
  EXPECT_EQ(parse_auth_sys(body(255, 0), a), AuthStat::auth_ok);

  xdr::Error err;
  EXPECT_EQ(parse_auth_sys(body(256, 0), a, &err), AuthStat::auth_badcred);
  EXPECT_EQ(err.code, xdr::Errc::length_exceeds_max);
  EXPECT_EQ(err.offset, 4U);
  encode(sample(std::string(256, 'x')), xdr::Errc::length_exceeds_max);
}

TEST(AuthSys, SixteenGroupsAreFineSeventeenAreBadCred) {
  const Bytes b16 = encode(sample("h", 16));
  AuthSys a;
  ASSERT_EQ(parse_auth_sys(b16, a), AuthStat::auth_ok);
  EXPECT_EQ(a.gid_count, 16U);
  EXPECT_EQ(a.groups()[15], 25U);

  xdr::Error err;
  EXPECT_EQ(parse_auth_sys(body(1, 17), a, &err), AuthStat::auth_badcred);
  EXPECT_EQ(err.code, xdr::Errc::length_exceeds_max);
  Bytes huge = body(1, 0);
  std::fill(huge.end() - 4, huge.end(), std::byte{0xff});  // claims 2^32 - 1 groups
  EXPECT_EQ(parse_auth_sys(huge, a, &err), AuthStat::auth_badcred);
  EXPECT_EQ(err.code, xdr::Errc::length_exceeds_max);
  encode(sample("h", 17), xdr::Errc::length_exceeds_max);
}

TEST(AuthSys, TrailingBytesAreBadCred) {
  AuthSys a;
  for (std::size_t extra : {1U, 3U, 4U, 8U}) {
    xdr::Error err;
    EXPECT_EQ(parse_auth_sys(body(4, 2, extra), a, &err), AuthStat::auth_badcred) << extra;
    EXPECT_EQ(err.code, xdr::Errc::trailing_bytes) << extra;
  }
}

TEST(AuthSys, TruncatedAtEveryOffsetIsBadCred) {
  const Bytes full = encode(sample("machine", 5));
  for (std::size_t n = 0; n < full.size(); ++n) {
    const Bytes cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    AuthSys a;
    xdr::Error err;
    EXPECT_EQ(parse_auth_sys(cut, a, &err), AuthStat::auth_badcred) << n;
    EXPECT_TRUE(err) << n;
  }
}

TEST(AuthSys, GroupCountLargerThanTheBodyIsBadCred) {
  Bytes b = body(0, 4);
  b.resize(b.size() - 4);  // claims 4 groups, holds 3
  AuthSys a;
  xdr::Error err;
  EXPECT_EQ(parse_auth_sys(b, a, &err), AuthStat::auth_badcred);
  EXPECT_EQ(err.code, xdr::Errc::length_exceeds_input);
}

}  // namespace
}  // namespace nelson::rpc
