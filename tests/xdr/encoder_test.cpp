// Encoder: exact wire bytes of every type (RFC 4506 section 4), limits and error reporting.
#include "xdr/encoder.hpp"

#include <array>
#include <cmath>
#include <gtest/gtest.h>
#include <limits>
#include <vector>

#include "tests/xdr/test_bytes.hpp"

namespace nelson::xdr {
namespace {

using test::bytes;
using test::hex;

template <class Fn>
std::vector<std::byte> encode_with(Fn&& fn, std::size_t capacity = 256) {
  std::vector<std::byte> buf(capacity);
  Encoder e(buf);
  fn(e);
  EXPECT_TRUE(e.ok()) << e.error().message();
  buf.resize(e.size());
  return buf;
}

TEST(Encoder, IntegersAreBigEndianTwosComplement) {
  EXPECT_EQ(hex(encode_with([](Encoder& e) { e.put_int(-2); })), "fffffffe");
  EXPECT_EQ(hex(encode_with([](Encoder& e) { e.put_int(std::numeric_limits<std::int32_t>::min()); })), "80000000");
  EXPECT_EQ(hex(encode_with([](Encoder& e) { e.put_uint(0x01020304); })), "01020304");
  EXPECT_EQ(hex(encode_with([](Encoder& e) { e.put_enum(7); })), "00000007");
  EXPECT_EQ(hex(encode_with([](Encoder& e) { e.put_hyper(-1); })), "ffffffffffffffff");
  EXPECT_EQ(hex(encode_with([](Encoder& e) { e.put_uhyper(0x0102030405060708ULL); })), "0102030405060708");
}

TEST(Encoder, BoolIsOneOrZero) {
  EXPECT_EQ(hex(encode_with([](Encoder& e) {
              e.put_bool(true);
              e.put_bool(false);
            })),
            "0000000100000000");
}

TEST(Encoder, FloatingPointIsIeee754BigEndian) {
  EXPECT_EQ(hex(encode_with([](Encoder& e) { e.put_float(1.0F); })), "3f800000");
  EXPECT_EQ(hex(encode_with([](Encoder& e) { e.put_float(-0.0F); })), "80000000");
  EXPECT_EQ(hex(encode_with([](Encoder& e) { e.put_double(1.0); })), "3ff0000000000000");
  EXPECT_EQ(hex(encode_with([](Encoder& e) { e.put_double(std::numeric_limits<double>::infinity()); })),
            "7ff0000000000000");
}

TEST(Encoder, QuadrupleIsItsSixteenBytes) {
  Quadruple q;
  for (std::size_t i = 0; i < q.bytes.size(); ++i) q.bytes[i] = static_cast<std::byte>(0xa0 + i);
  EXPECT_EQ(hex(encode_with([&](Encoder& e) { e.put_quadruple(q); })), "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
}

TEST(Encoder, FixedOpaqueIsPaddedWithZeros) {
  const auto data = bytes({1, 2, 3, 4, 5});
  EXPECT_EQ(hex(encode_with([&](Encoder& e) { e.put_fixed_opaque(data); })), "0102030405000000");
  EXPECT_EQ(hex(encode_with([&](Encoder& e) { e.put_fixed_opaque(std::span(data).first(4)); })), "01020304");
  EXPECT_EQ(hex(encode_with([&](Encoder& e) { e.put_fixed_opaque({}); })), "");
}

TEST(Encoder, VariableOpaqueAndStringCarryTheirLength) {
  const auto data = bytes({0xaa, 0xbb, 0xcc});
  EXPECT_EQ(hex(encode_with([&](Encoder& e) { e.put_opaque(data); })), "00000003aabbcc00");
  EXPECT_EQ(hex(encode_with([](Encoder& e) { e.put_string("hello"); })), "0000000568656c6c6f000000");
  EXPECT_EQ(hex(encode_with([](Encoder& e) { e.put_string(""); })), "00000000");
}

TEST(Encoder, LengthAboveMaximumIsAnError) {
  std::vector<std::byte> buf(64);
  Encoder e(buf);
  e.put_uint(1);
  e.put_string("seventeen bytes!!", 16);
  EXPECT_FALSE(e.ok());
  EXPECT_EQ(e.error(), (Error{Errc::length_exceeds_max, 4}));
  e.put_uint(2);  // ignored after the first failure
  EXPECT_EQ(e.size(), 4U);
  EXPECT_EQ(e.error().message(), "length exceeds maximum at byte 4");
}

TEST(Encoder, ArraysOfScalars) {
  const std::vector<std::int32_t> ints{1, -1, 0x01020304};
  EXPECT_EQ(hex(encode_with([&](Encoder& e) { e.put_array(std::span<const std::int32_t>(ints)); })),
            "00000003"
            "00000001"
            "ffffffff"
            "01020304");
  const std::array<double, 2> doubles{1.0, -2.0};
  EXPECT_EQ(hex(encode_with([&](Encoder& e) { e.put_fixed_array(std::span<const double>(doubles)); })),
            "3ff0000000000000c000000000000000");
  const std::vector<std::uint64_t> hypers{0x0102030405060708ULL};
  EXPECT_EQ(hex(encode_with([&](Encoder& e) { e.put_array(std::span<const std::uint64_t>(hypers), 1); })),
            "000000010102030405060708");
}

TEST(Encoder, ArrayAboveMaximumIsAnError) {
  const std::vector<std::int32_t> ints(5, 7);
  std::vector<std::byte> buf(64);
  Encoder e(buf);
  e.put_array(std::span<const std::int32_t>(ints), 4);
  EXPECT_EQ(e.error().code, Errc::length_exceeds_max);
  EXPECT_EQ(e.size(), 0U);
}

TEST(Encoder, GenericArrayAndOptional) {
  struct Pair {
    std::int32_t a;
    bool b;
  };
  const std::vector<Pair> pairs{{1, true}, {-1, false}};
  auto put_pair = [](Encoder& e, const Pair& p) {
    e.put_int(p.a);
    e.put_bool(p.b);
  };
  EXPECT_EQ(hex(encode_with([&](Encoder& e) { e.put_array(std::span<const Pair>(pairs), 2, put_pair); })),
            "00000002"
            "0000000100000001"
            "ffffffff00000000");
  const Pair one{5, true};
  EXPECT_EQ(hex(encode_with([&](Encoder& e) {
              e.put_optional(&one, put_pair);
              e.put_optional(static_cast<const Pair*>(nullptr), put_pair);
            })),
            "00000001"
            "0000000500000001"
            "00000000");
}

TEST(Encoder, FullRegionIsAnErrorAtItsOffset) {
  std::array<std::byte, 10> buf{};
  Encoder e(buf);
  e.put_uint(1);
  e.put_uint(2);
  e.put_uint(3);  // needs bytes 8..11: only 8..9 exist
  EXPECT_EQ(e.error(), (Error{Errc::no_space, 8}));
  EXPECT_EQ(e.size(), 8U);
  EXPECT_EQ(hex(e.written()), "0000000100000002");
}

TEST(Encoder, FullRegionStopsOpaqueWithoutOverrun) {
  std::array<std::byte, 12> buf{};
  Encoder e{std::span(buf).first(8)};
  e.put_opaque(bytes({1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(e.error().code, Errc::no_space);
  EXPECT_EQ(buf[8], std::byte{0});  // nothing written past the region
}

TEST(Encoder, ReserveLeavesRoomToPatchLater) {
  std::vector<std::byte> buf(32);
  Encoder e(buf);
  std::byte* mark = e.reserve(4);
  ASSERT_NE(mark, nullptr);
  e.put_uint(0xdeadbeef);
  store_be32(mark, static_cast<std::uint32_t>(e.size() - 4) | 0x80000000U);
  EXPECT_EQ(hex(e.written()), "80000004deadbeef");
}

}  // namespace
}  // namespace nelson::xdr
