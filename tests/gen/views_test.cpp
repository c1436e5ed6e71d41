// View mode (nelson-gen --views / --view NAME): variable-length opaque<> and string<> decode to
// std::span / std::string_view pointing into the decoder's input, encode from them, and keep
// their maximums both ways. views.x is generated with --views into `views_all` and with
// --view record into `views_some` (tests/gen/CMakeLists.txt).
#include "views.hpp"

#include <gtest/gtest.h>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "views_some.hpp"

namespace nelson::gen {
namespace {

using Bytes = std::vector<std::byte>;
using View = std::span<const std::byte>;

// True when all of `part` lies inside `whole`: the view was not copied out of the input.
bool points_into(const void* data, std::size_t size, const Bytes& whole) {
  const auto* p = static_cast<const std::byte*>(data);
  return size > 0 && p >= whole.data() && p + size <= whole.data() + whole.size();
}
bool points_into(std::string_view v, const Bytes& whole) { return points_into(v.data(), v.size(), whole); }
bool points_into(View v, const Bytes& whole) { return points_into(v.data(), v.size(), whole); }

View bytes_of(std::string_view s) { return std::as_bytes(std::span<const char>(s.data(), s.size())); }

template <class T, class Encode>
Bytes encoded(const T& v, Encode&& encode) {
  Bytes buf(512);
  xdr::Encoder e(buf);
  EXPECT_TRUE(encode(e, v)) << e.error().message();
  buf.resize(e.size());
  return buf;
}

// What the views of the values below point to; it outlives every encode.
constexpr std::string_view kS = "a string of any length";
constexpr std::string_view kO = "opaque bytes";
constexpr std::string_view kCookie = "cookie";

views_all::record make_record() {
  views_all::record r;
  r.n = "name";
  r.s = kS;
  r.o = bytes_of(kO);
  r.f = {std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}};
  r.list = {"one", "two", "three"};
  r.cookie = bytes_of(kCookie);
  r.nested.inner = "inner";
  return r;
}

TEST(GenViews, TypesAreViewsExceptFixedOpaque) {
  static_assert(std::is_same_v<views_all::name, std::string_view>);
  static_assert(std::is_same_v<views_all::blob, View>);
  static_assert(std::is_same_v<views_all::names, std::vector<std::string_view>>);  // an array of strings
  static_assert(std::is_same_v<decltype(views_all::record::s), std::string_view>);
  static_assert(std::is_same_v<decltype(views_all::record::o), View>);
  static_assert(std::is_same_v<decltype(views_all::record::cookie), View>);  // netobj
  static_assert(std::is_same_v<decltype(views_all::record_nested::inner), std::string_view>);
  static_assert(std::is_same_v<views_all::fixed4, std::array<std::byte, 4>>);
  static_assert(std::is_same_v<std::remove_pointer_t<decltype(views_all::choice{}.text())>, std::string_view>);
  static_assert(std::is_same_v<decltype(views_all::other::o), View>);
}

TEST(GenViews, PerTypeModeChangesOnlyThatTypesOwnDeclarations) {
  // --view record: record's own members and its inline struct...
  static_assert(std::is_same_v<decltype(views_some::record::s), std::string_view>);
  static_assert(std::is_same_v<decltype(views_some::record::o), View>);
  static_assert(std::is_same_v<decltype(views_some::record::cookie), View>);
  static_assert(std::is_same_v<decltype(views_some::record_nested::inner), std::string_view>);
  // ...not the typedefs it uses, nor any other type.
  static_assert(std::is_same_v<views_some::name, std::string>);
  static_assert(std::is_same_v<views_some::names, std::vector<std::string>>);
  static_assert(std::is_same_v<views_some::blob, std::vector<std::byte>>);
  static_assert(std::is_same_v<decltype(views_some::other::s), std::string>);
  static_assert(std::is_same_v<decltype(views_some::other::o), std::vector<std::byte>>);
  static_assert(std::is_same_v<std::remove_pointer_t<decltype(views_some::choice{}.text())>, std::string>);
  static_assert(std::is_same_v<decltype(views_some::entry::label), std::string>);

  // The owning types still copy: nothing of `other` points into the input after decode.
  views_some::other o;
  o.s = "owned";
  o.o = {std::byte{9}, std::byte{8}};
  const Bytes in = encoded(o, [](xdr::Encoder& e, const auto& v) { return views_some::encode(e, v); });
  views_some::other back;
  xdr::Decoder d(in);
  ASSERT_TRUE(views_some::decode(d, back));
  EXPECT_FALSE(points_into(back.s.data(), back.s.size(), in));
  EXPECT_FALSE(points_into(back.o.data(), back.o.size(), in));
  EXPECT_EQ(back, o);
  // ...while record's own views do, beside its owning typedef member.
  views_some::record r;
  r.n = "name";
  r.s = kS;
  r.o = bytes_of(kO);
  r.list = {"x"};
  r.nested.inner = "in";
  const Bytes rin = encoded(r, [](xdr::Encoder& e, const auto& v) { return views_some::encode(e, v); });
  views_some::record rback;
  xdr::Decoder rd(rin);
  ASSERT_TRUE(views_some::decode(rd, rback));
  EXPECT_TRUE(points_into(rback.s, rin));
  EXPECT_TRUE(points_into(rback.o, rin));
  EXPECT_TRUE(points_into(rback.nested.inner, rin));
  EXPECT_FALSE(points_into(rback.n.data(), rback.n.size(), rin));
  EXPECT_EQ(rback, r);
}

TEST(GenViews, DecodePointsIntoTheInputAndRoundTrips) {
  const views_all::record r = make_record();
  const Bytes in = encoded(r, [](xdr::Encoder& e, const auto& v) { return views_all::encode(e, v); });
  views_all::record back;
  xdr::Decoder d(in);
  ASSERT_TRUE(views_all::decode(d, back)) << d.error().message();
  EXPECT_TRUE(d.expect_end());
  EXPECT_TRUE(points_into(back.n, in));
  EXPECT_TRUE(points_into(back.s, in));
  EXPECT_TRUE(points_into(back.o, in));
  EXPECT_TRUE(points_into(back.cookie, in));
  EXPECT_TRUE(points_into(back.nested.inner, in));
  ASSERT_EQ(back.list.size(), 3U);
  for (const std::string_view item : back.list) EXPECT_TRUE(points_into(item, in));
  EXPECT_EQ(back.s, kS);
  EXPECT_EQ(back.list[2], "three");
  EXPECT_EQ(back, r);  // by content: the views point to different bytes
  EXPECT_EQ(encoded(back, [](xdr::Encoder& e, const auto& v) { return views_all::encode(e, v); }), in);
}

TEST(GenViews, UnionArmsAndTypedefsDecodeAsViews) {
  views_all::choice c;
  c.select(1);
  *c.text() = "arm text";
  const Bytes in = encoded(c, [](xdr::Encoder& e, const auto& v) { return views_all::encode(e, v); });
  views_all::choice back;
  xdr::Decoder d(in);
  ASSERT_TRUE(views_all::decode(d, back));
  ASSERT_NE(back.text(), nullptr);
  EXPECT_TRUE(points_into(*back.text(), in));
  EXPECT_EQ(back, c);

  c.select(2);
  *c.data() = bytes_of("8 bytes!");
  const Bytes din = encoded(c, [](xdr::Encoder& e, const auto& v) { return views_all::encode(e, v); });
  xdr::Decoder dd(din);
  ASSERT_TRUE(views_all::decode(dd, back));
  ASSERT_NE(back.data(), nullptr);
  EXPECT_TRUE(points_into(*back.data(), din));
  EXPECT_EQ(back, c);

  const views_all::name n = "typedef";
  const Bytes nin = encoded(n, [](xdr::Encoder& e, const auto& v) { return views_all::encode_name(e, v); });
  views_all::name nback;
  xdr::Decoder nd(nin);
  ASSERT_TRUE(views_all::decode_name(nd, nback));
  EXPECT_TRUE(points_into(nback, nin));
  EXPECT_TRUE(views_all::equal_name(nback, n));
}

TEST(GenViews, MaximumsHoldBothWays) {
  std::array<std::byte, 64> buf{};
  const std::string long_name(17, 'x');  // name<16>
  xdr::Encoder en(buf);
  EXPECT_FALSE(views_all::encode_name(en, long_name));
  EXPECT_EQ(en.error().code, xdr::Errc::length_exceeds_max);
  xdr::Encoder eb(buf);
  EXPECT_FALSE(views_all::encode_blob(eb, bytes_of("9 bytes!!")));  // blob<8>
  EXPECT_EQ(eb.error().code, xdr::Errc::length_exceeds_max);

  // The same values as bytes (written by an unbounded encoder) fail to decode.
  Bytes in(64);
  xdr::Encoder raw(in);
  raw.put_string(long_name);
  views_all::name n;
  xdr::Decoder dn(raw.written());
  EXPECT_FALSE(views_all::decode_name(dn, n));
  EXPECT_EQ(dn.error().code, xdr::Errc::length_exceeds_max);
  EXPECT_TRUE(n.empty());
  xdr::Encoder raw_blob(in);
  raw_blob.put_opaque(bytes_of("9 bytes!!"));
  views_all::blob b;
  xdr::Decoder db(raw_blob.written());
  EXPECT_FALSE(views_all::decode_blob(db, b));
  EXPECT_EQ(db.error().code, xdr::Errc::length_exceeds_max);

  // A length beyond the input is refused before any view is made.
  xdr::Encoder truncated(in);
  truncated.put_uint(8);
  truncated.put_uint(0);
  xdr::Decoder dt(truncated.written());
  EXPECT_FALSE(views_all::decode_blob(dt, b));
  EXPECT_EQ(dt.error().code, xdr::Errc::length_exceeds_input);
  EXPECT_TRUE(b.empty());
}

}  // namespace
}  // namespace nelson::gen
