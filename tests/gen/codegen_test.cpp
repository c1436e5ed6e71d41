// The generated code's own guarantees: declared maximums both ways, no allocation for a huge
// claimed length, linked lists of a million nodes without recursion, the decode list limit,
// union and enum checks. everything.x is generated into namespace `everything`, mount.x into
// `mount` (tests/gen/CMakeLists.txt).
#include <gtest/gtest.h>
#include <vector>

#include "everything.hpp"
#ifdef NELSON_HAVE_RPCSVC
#include "mount.hpp"
#endif

namespace nelson::gen {
namespace {

using Bytes = std::vector<std::byte>;

Bytes words(std::initializer_list<std::uint32_t> ws) {
  Bytes out;
  for (const std::uint32_t w : ws) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::byte>(w >> shift));
  }
  return out;
}

TEST(GenCodegen, ConstantsEnumsAndDefines) {
  static_assert(everything::MAXNAME == 255);
  static_assert(everything::NEGATIVE == -5);
  static_assert(everything::ONLY_IN_HEADERS == 1);  // from `%#define`
  static_assert(everything::GREETING == "hello");
  static_assert(static_cast<int>(everything::implicit::FOURTH) == 11);
  everything::color c{};
  const Bytes bad_in = words({4});
  xdr::Decoder bad(bad_in);
  EXPECT_FALSE(everything::decode(bad, c));
  EXPECT_EQ(bad.error().code, xdr::Errc::bad_discriminant);
  const Bytes good_in = words({255});
  xdr::Decoder good(good_in);
  ASSERT_TRUE(everything::decode(good, c));
  EXPECT_EQ(c, everything::color::BLUE);
}

TEST(GenCodegen, StringOverItsMaximumFailsBothWays) {
  std::array<std::byte, 512> buf{};
  xdr::Encoder e(buf);
  EXPECT_FALSE(everything::encode_name(e, std::string(256, 'x')));
  EXPECT_EQ(e.error().code, xdr::Errc::length_exceeds_max);
  Bytes in = words({256});
  in.resize(4 + 256, std::byte{'x'});
  everything::name n;
  xdr::Decoder d(in);
  EXPECT_FALSE(everything::decode_name(d, n));
  EXPECT_EQ(d.error().code, xdr::Errc::length_exceeds_max);
}

TEST(GenCodegen, OpaqueAndArrayOverTheirMaximumFail) {
  Bytes in = words({16});
  in.resize(4 + 16);
  everything::boundedbytes b;
  xdr::Decoder d(in);
  EXPECT_FALSE(everything::decode_boundedbytes(d, b));  // opaque<OCTAL>: at most 15
  EXPECT_EQ(d.error().code, xdr::Errc::length_exceeds_max);
  everything::hypers h;
  Bytes hin = words({11});
  hin.resize(4 + 11 * 8);
  xdr::Decoder dh(hin);
  EXPECT_FALSE(everything::decode_hypers(dh, h));  // hyper<10>
  EXPECT_EQ(dh.error().code, xdr::Errc::length_exceeds_max);
  std::array<std::byte, 256> buf{};
  xdr::Encoder e(buf);
  EXPECT_FALSE(everything::encode_hypers(e, everything::hypers(11)));
  EXPECT_EQ(e.error().code, xdr::Errc::length_exceeds_max);
}

TEST(GenCodegen, HugeClaimedLengthFailsWithoutAllocating) {
  everything::uints u;
  const Bytes d_in = words({0x80000000U, 1});
  xdr::Decoder d(d_in);
  EXPECT_FALSE(everything::decode_uints(d, u));
  EXPECT_EQ(d.error().code, xdr::Errc::length_exceeds_input);
  EXPECT_EQ(u.capacity(), 0U);
  everything::anystring s;
  const Bytes ds_in = words({0xFFFFFFF0U, 0});
  xdr::Decoder ds(ds_in);
  EXPECT_FALSE(everything::decode_anystring(ds, s));
  EXPECT_EQ(s.capacity(), std::string().capacity());
}

TEST(GenCodegen, UnionArmMustMatchItsDiscriminant) {
  everything::result r;
  r.select(everything::color::GREEN);
  ASSERT_NE(r.text(), nullptr);
  *r.text() = "hi";
  std::array<std::byte, 64> buf{};
  xdr::Encoder ok(buf);
  ASSERT_TRUE(everything::encode(ok, r));
  EXPECT_EQ(Bytes(ok.written().begin(), ok.written().end()), (words({2, 2, 0x68690000})));
  r.which = everything::color::BLUE;  // void arm, but the variant still holds text
  xdr::Encoder bad(buf);
  EXPECT_FALSE(everything::encode(bad, r));
  EXPECT_EQ(bad.error().code, xdr::Errc::bad_discriminant);
  everything::result dflt;
  const Bytes d_in = words({2, 7});
  xdr::Decoder d(d_in);  // GREEN, then a 7-byte string that is not there
  EXPECT_FALSE(everything::decode(d, dflt));
  everything::flag f;
  const Bytes df_in = words({1, 42});
  xdr::Decoder df(df_in);
  ASSERT_TRUE(everything::decode(df, f));
  ASSERT_NE(f.value(), nullptr);
  EXPECT_EQ(*f.value(), 42);
}

TEST(GenCodegen, InlineTypesAndOptional) {
  everything::nesting n;
  n.inline_struct.inner = 3;
  n.level = everything::nesting_level::HIGH;
  n.choice.select(1);
  *n.choice.one() = -2;
  everything::maybe_color m = everything::color::RED;
  std::array<std::byte, 64> buf{};
  xdr::Encoder e(buf);
  ASSERT_TRUE(everything::encode(e, n));
  ASSERT_TRUE(everything::encode_maybe_color(e, m));
  EXPECT_EQ(Bytes(e.written().begin(), e.written().end()), (words({3, 1, 1, 0xFFFFFFFFU, 0xFFFFFFFEU, 1, 1})));
  xdr::Decoder d(e.written());
  everything::nesting back;
  everything::maybe_color mback;
  ASSERT_TRUE(everything::decode(d, back));
  ASSERT_TRUE(everything::decode_maybe_color(d, mback));
  EXPECT_EQ(back.inline_struct.inner, 3);
  ASSERT_NE(back.choice.one(), nullptr);
  EXPECT_EQ(*back.choice.one(), -2);
  EXPECT_EQ(mback, m);
}

#ifdef NELSON_HAVE_RPCSVC
mount::mountlist make_list(std::size_t n) {
  mount::mountlist head;
  for (std::size_t i = 0; i < n; ++i) {
    auto node = std::make_unique<mount::mountbody>();
    node->ml_next = std::move(head);
    head = std::move(node);
  }
  return head;
}

TEST(GenCodegen, MillionNodeListEncodesDecodesAndFreesWithoutRecursion) {
  constexpr std::size_t kNodes = 1'000'000;
  mount::mountlist list = make_list(kNodes);
  Bytes buf(4 + kNodes * 12);  // TRUE, then per node two empty strings and the next flag
  xdr::Encoder e(buf);
  ASSERT_TRUE(mount::encode_mountlist(e, list)) << e.error().message();
  EXPECT_EQ(e.size(), buf.size());
  mount::mountlist back;
  xdr::Decoder d(buf);
  ASSERT_TRUE(mount::decode_mountlist(d, back)) << d.error().message();
  EXPECT_TRUE(d.expect_end());
  std::size_t n = 0;
  for (const mount::mountbody* at = back.get(); at != nullptr; at = at->ml_next.get()) ++n;
  EXPECT_EQ(n, kNodes);
  list.reset();  // ~mountbody frees the chain in a loop
  back.reset();
}

TEST(GenCodegen, ListLengthLimitOnDecode) {
  const mount::mountlist list = make_list(10);
  Bytes buf(4 + 10 * 12);
  xdr::Encoder e(buf);
  ASSERT_TRUE(mount::encode_mountlist(e, list));
  mount::mountbody head;
  xdr::Decoder few(std::span<const std::byte>(buf).subspan(4));
  EXPECT_FALSE(mount::decode(few, head, 9));
  EXPECT_EQ(few.error().code, xdr::Errc::too_deep);
  xdr::Decoder enough(std::span<const std::byte>(buf).subspan(4));
  EXPECT_TRUE(mount::decode(enough, head, 10));
  EXPECT_TRUE(enough.expect_end());
  static_assert(mount::kMaxChainLength == std::size_t{1} << 20);
}
#endif

}  // namespace
}  // namespace nelson::gen
