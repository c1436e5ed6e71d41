// Decoder: values from known bytes, zero-copy views, and every kind of malformed input —
// truncation at each offset, oversized and hostile lengths, bad bools, padding policy.
#include "xdr/decoder.hpp"

#include <array>
#include <gtest/gtest.h>
#include <limits>
#include <vector>

#include "tests/xdr/test_bytes.hpp"
#include "xdr/encoder.hpp"

namespace nelson::xdr {
namespace {

using test::bytes;

TEST(Decoder, Scalars) {
  const auto in = bytes({0xff, 0xff, 0xff, 0xfe, 0x01, 0x02, 0x03, 0x04, 0,    0,    0, 1, 0x80, 0, 0, 0,
                         0,    0,    0,    0,    0x3f, 0x80, 0,    0,    0x3f, 0xf0, 0, 0, 0,    0, 0, 0});
  Decoder d(in);
  std::int32_t i = 0;
  std::uint32_t u = 0;
  bool b = false;
  std::int64_t h = 0;
  float f = 0;
  double x = 0;
  ASSERT_TRUE(d.get_int(i) && d.get_uint(u) && d.get_bool(b) && d.get_hyper(h) && d.get_float(f) && d.get_double(x));
  EXPECT_EQ(i, -2);
  EXPECT_EQ(u, 0x01020304U);
  EXPECT_TRUE(b);
  EXPECT_EQ(h, std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(f, 1.0F);
  EXPECT_EQ(x, 1.0);
  EXPECT_TRUE(d.expect_end());
}

TEST(Decoder, ViewsPointIntoTheInput) {
  const auto in = bytes({0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o', 0, 0, 0, 0, 0, 0, 2, 0xaa, 0xbb, 0, 0});
  Decoder d(in);
  std::string_view s;
  std::span<const std::byte> o;
  ASSERT_TRUE(d.view_string(s, 5));
  ASSERT_TRUE(d.view_opaque(o));
  EXPECT_EQ(s, "hello");
  EXPECT_EQ(reinterpret_cast<const std::byte*>(s.data()), in.data() + 4);
  EXPECT_EQ(o.data(), in.data() + 16);
  EXPECT_EQ(o.size(), 2U);
  EXPECT_EQ(d.remaining(), 0U);
}

TEST(Decoder, OwningOpaqueAndString) {
  const auto in = bytes({0, 0, 0, 1, 'x', 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 0});
  Decoder d(in);
  std::string s;
  std::vector<std::byte> o;
  ASSERT_TRUE(d.get_string(s) && d.get_opaque(o, 3));
  EXPECT_EQ(s, "x");
  EXPECT_EQ(o, bytes({1, 2, 3}));
}

TEST(Decoder, LengthAboveDeclaredMaximumIsAnError) {
  // opaque<16> carrying 17 bytes.
  std::vector<std::byte> in = bytes({0, 0, 0, 17});
  in.resize(4 + 20);
  Decoder d(in);
  std::span<const std::byte> o;
  EXPECT_FALSE(d.view_opaque(o, 16));
  EXPECT_EQ(d.error(), (Error{Errc::length_exceeds_max, 0}));
}

TEST(Decoder, HostileLengthPrefixAllocatesNothing) {
  // "4 GiB of string follow" in an 8-byte message: rejected before any allocation.
  const auto in = bytes({0xff, 0xff, 0xff, 0xff, 'a', 'b', 'c', 'd'});
  {
    Decoder d(in);
    std::string s;
    EXPECT_FALSE(d.get_string(s));
    EXPECT_EQ(d.error(), (Error{Errc::length_exceeds_input, 0}));
    EXPECT_EQ(s.capacity(), std::string().capacity());
  }
  {
    Decoder d(in);
    std::vector<std::int64_t> v;
    EXPECT_FALSE(d.get_array(v));
    EXPECT_EQ(d.error().code, Errc::length_exceeds_input);
    EXPECT_EQ(v.capacity(), 0U);
  }
  {
    Decoder d(in);
    std::vector<std::string> v;
    EXPECT_FALSE(d.get_array(v, kUnbounded, [](Decoder& dd, std::string& s) { return dd.get_string(s); }));
    EXPECT_EQ(d.error().code, Errc::length_exceeds_input);
    EXPECT_EQ(v.capacity(), 0U);
  }
}

TEST(Decoder, CountMustFitTheBytesThatRemain) {
  // Two int64 announced, one present.
  const auto in = bytes({0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1});
  Decoder d(in);
  std::vector<std::int64_t> v;
  EXPECT_FALSE(d.get_array(v));
  EXPECT_EQ(d.error(), (Error{Errc::length_exceeds_input, 0}));
}

TEST(Decoder, BoolOtherThanZeroOrOneIsAnError) {
  const auto in = bytes({0, 0, 0, 1, 0, 0, 0, 2});
  Decoder d(in);
  bool b = false;
  ASSERT_TRUE(d.get_bool(b));
  EXPECT_FALSE(d.get_bool(b));
  EXPECT_EQ(d.error(), (Error{Errc::bad_bool, 4}));
}

TEST(Decoder, PaddingPolicy) {
  const auto in = bytes({0, 0, 0, 1, 'x', 0, 7, 0});
  std::string_view s;
  Decoder lenient(in);
  EXPECT_TRUE(lenient.view_string(s));
  EXPECT_EQ(s, "x");
  Decoder strict(in, PaddingPolicy::strict);
  EXPECT_FALSE(strict.view_string(s));
  EXPECT_EQ(strict.error(), (Error{Errc::nonzero_padding, 5}));
  // Fixed-length opaque is padded too.
  const auto fixed = bytes({1, 2, 3, 9});
  std::array<std::byte, 3> out{};
  Decoder strict_fixed(fixed, PaddingPolicy::strict);
  EXPECT_FALSE(strict_fixed.get_fixed_opaque(out));
  EXPECT_EQ(strict_fixed.error().code, Errc::nonzero_padding);
  Decoder lenient_fixed(fixed);
  EXPECT_TRUE(lenient_fixed.get_fixed_opaque(out));
}

TEST(Decoder, MissingPaddingIsTruncation) {
  const auto in = bytes({0, 0, 0, 1, 'x'});
  Decoder d(in);
  std::string_view s;
  EXPECT_FALSE(d.view_string(s));
  EXPECT_EQ(d.error().code, Errc::length_exceeds_input);
}

TEST(Decoder, FirstErrorIsKeptAndLaterReadsFail) {
  const auto in = bytes({0, 0, 0, 1, 0, 0});
  Decoder d(in);
  std::uint32_t u = 0;
  ASSERT_TRUE(d.get_uint(u));
  EXPECT_FALSE(d.get_uint(u));
  EXPECT_EQ(d.error(), (Error{Errc::truncated, 4}));
  std::int64_t h = 0;
  EXPECT_FALSE(d.get_hyper(h));
  EXPECT_EQ(d.error(), (Error{Errc::truncated, 4}));
  EXPECT_EQ(d.error().message(), "truncated input at byte 4");
}

TEST(Decoder, HugeFixedSizeCannotWrapTheBoundsCheck) {
  // Found by the fuzzer: padded(SIZE_MAX - 2) wrapped to 0 and a view past the end came back.
  const auto in = bytes({1, 2, 3, 4, 5, 6, 7, 8});
  for (std::size_t n : {SIZE_MAX, SIZE_MAX - 1, SIZE_MAX - 2, SIZE_MAX - 3, std::size_t{9}}) {
    Decoder d(in);
    std::span<const std::byte> view;
    EXPECT_FALSE(d.view_fixed_opaque(n, view)) << n;
    EXPECT_EQ(d.error(), (Error{Errc::truncated, 0}));
    EXPECT_TRUE(view.empty());
  }
}

TEST(Decoder, AfterAFailureEvenEmptyReadsFail) {
  const auto in = bytes({0, 0, 0, 2});
  Decoder d(in);
  bool b = false;
  ASSERT_FALSE(d.get_bool(b));
  std::span<const std::byte> view;
  std::array<std::int32_t, 0> none{};
  EXPECT_FALSE(d.view_fixed_opaque(0, view));
  EXPECT_FALSE(d.skip(0));
  EXPECT_FALSE(d.get_raw(nullptr, 0));
  EXPECT_FALSE(d.get_fixed_array(std::span<std::int32_t>(none)));
  EXPECT_FALSE(d.expect_end());
  EXPECT_EQ(d.error(), (Error{Errc::bad_bool, 0}));
}

TEST(Decoder, TrailingBytes) {
  const auto in = bytes({0, 0, 0, 1, 0, 0, 0, 2});
  Decoder d(in);
  std::uint32_t u = 0;
  ASSERT_TRUE(d.get_uint(u));
  EXPECT_FALSE(d.expect_end());
  EXPECT_EQ(d.error(), (Error{Errc::trailing_bytes, 4}));
}

TEST(Decoder, CallerFailureRecordsOffset) {
  const auto in = bytes({0, 0, 0, 9});
  Decoder d(in);
  std::int32_t disc = 0;
  ASSERT_TRUE(d.get_enum(disc));
  EXPECT_FALSE(d.fail(Errc::bad_discriminant));
  EXPECT_EQ(d.error(), (Error{Errc::bad_discriminant, 4}));
}

// A message with one item of every kind, decoded from every truncated prefix: each prefix
// must fail cleanly (no read past the end: ASan watches), at an offset within the prefix.
TEST(Decoder, TruncatedAtEveryOffset) {
  std::vector<std::byte> full(512);
  Encoder e(full);
  e.put_int(-5);
  e.put_bool(true);
  e.put_uhyper(99);
  e.put_double(2.5);
  Quadruple q{};
  e.put_quadruple(q);
  e.put_fixed_opaque(bytes({1, 2, 3}));
  e.put_opaque(bytes({4, 5, 6, 7, 8}));
  e.put_string("nelson");
  const std::vector<std::int32_t> ints{1, 2, 3};
  e.put_array(std::span<const std::int32_t>(ints));
  const std::int64_t one = 1;
  e.put_optional(&one, [](Encoder& en, std::int64_t v) { en.put_hyper(v); });
  ASSERT_TRUE(e.ok());
  full.resize(e.size());

  auto decode_all = [](Decoder& d) {
    std::int32_t i = 0;
    bool b = false;
    std::uint64_t u = 0;
    double x = 0;
    Quadruple qq;
    std::array<std::byte, 3> fixed{};
    std::vector<std::byte> var;
    std::string s;
    std::vector<std::int32_t> arr;
    std::optional<std::int64_t> opt;
    return d.get_int(i) && d.get_bool(b) && d.get_uhyper(u) && d.get_double(x) && d.get_quadruple(qq) &&
           d.get_fixed_opaque(fixed) && d.get_opaque(var, 8) && d.get_string(s, 6) && d.get_array(arr, 3) &&
           d.get_optional(opt, [](Decoder& dd, std::int64_t& v) { return dd.get_hyper(v); }) && d.expect_end();
  };
  {
    Decoder d(full);
    EXPECT_TRUE(decode_all(d)) << d.error().message();
  }
  for (std::size_t n = 0; n < full.size(); ++n) {
    // A private copy of exactly n bytes, so that ASan catches any read past the end.
    std::vector<std::byte> prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    Decoder d(prefix);
    EXPECT_FALSE(decode_all(d)) << "prefix of " << n << " bytes decoded";
    EXPECT_FALSE(d.ok());
    EXPECT_LE(d.error().offset, n);
    EXPECT_TRUE(d.error().code == Errc::truncated || d.error().code == Errc::length_exceeds_input)
        << d.error().message();
  }
}

}  // namespace
}  // namespace nelson::xdr

namespace nelson::xdr {
namespace {

// A recursive decoder: a TRUE flag per level, FALSE ends.
bool decode_levels(Decoder& d, std::uint32_t max_depth, std::uint32_t& levels) {
  const Decoder::Nesting level(d, max_depth);
  if (!level.ok()) return false;
  bool more = false;
  if (!d.get_bool(more)) return false;
  if (!more) return true;
  ++levels;
  return decode_levels(d, max_depth, levels);
}

std::vector<std::byte> nested(std::uint32_t levels) {
  std::vector<std::byte> bytes(4 * (levels + 1));
  for (std::uint32_t i = 0; i < levels; ++i) bytes[4 * i + 3] = std::byte{1};
  return bytes;
}

TEST(DecoderNesting, LevelsUpToTheLimitDecodeAndTheDepthUnwinds) {
  const std::vector<std::byte> bytes = nested(9);  // 10 levels: 9 TRUE, then FALSE
  Decoder d(bytes);
  std::uint32_t levels = 0;
  ASSERT_TRUE(decode_levels(d, 10, levels));
  EXPECT_EQ(levels, 9U);
  EXPECT_EQ(d.depth(), 0U);
  EXPECT_TRUE(d.expect_end());
}

TEST(DecoderNesting, OneLevelTooManyFailsWithTooDeepAtItsOffset) {
  const std::vector<std::byte> bytes = nested(10);  // 11 levels
  Decoder d(bytes);
  std::uint32_t levels = 0;
  EXPECT_FALSE(decode_levels(d, 10, levels));
  EXPECT_EQ(d.error().code, Errc::too_deep);
  EXPECT_EQ(d.error().offset, 40U);  // after the 10 TRUE flags
  EXPECT_EQ(d.depth(), 0U);
}

TEST(DecoderNesting, AMillionLevelsAreRefusedWithoutRecursingThatDeep) {
  const std::vector<std::byte> bytes = nested(1000000);
  Decoder d(bytes);
  std::uint32_t levels = 0;
  EXPECT_FALSE(decode_levels(d, 1000, levels));
  EXPECT_EQ(d.error().code, Errc::too_deep);
  EXPECT_EQ(levels, 1000U);  // level 1001 is refused
}

}  // namespace
}  // namespace nelson::xdr
