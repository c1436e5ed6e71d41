// Every XDR type survives encode -> decode, through the generic codec, for seeded random
// values; user structs and discriminated unions compose through xdr_encode/xdr_decode.
#include <array>
#include <bit>
#include <cstring>
#include <gtest/gtest.h>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include "xdr/codec.hpp"
#include "xdr/sink.hpp"

namespace nelson::xdr::roundtrip {

// struct record { hyper id; string name<32>; opaque tag[3]; int scores<>; record_kind kind; };
enum class RecordKind : std::int32_t { plain = 0, special = 1 };

struct Record {
  std::int64_t id = 0;
  std::string name;
  std::array<std::byte, 3> tag{};
  std::vector<std::int32_t> scores;
  RecordKind kind = RecordKind::plain;
  friend bool operator==(const Record&, const Record&) = default;
};

void xdr_encode(Encoder& e, const Record& r) {
  e.put_hyper(r.id);
  e.put_string(r.name, 32);
  e.put_fixed_opaque(r.tag);
  encode(e, r.scores);
  encode(e, r.kind);
}

bool xdr_decode(Decoder& d, Record& r) {
  return d.get_hyper(r.id) && d.get_string(r.name, 32) && d.get_fixed_opaque(r.tag) && decode(d, r.scores) &&
         decode(d, r.kind);
}

// union reply switch (int status) { case 0: record ok; case 1: case 2: int code; default: void; };
struct Reply {
  std::int32_t status = 0;
  std::variant<std::monostate, Record, std::int32_t> arm;
  friend bool operator==(const Reply&, const Reply&) = default;
};

void xdr_encode(Encoder& e, const Reply& r) {
  e.put_int(r.status);
  switch (r.status) {
    case 0: encode(e, std::get<Record>(r.arm)); break;
    case 1:
    case 2: e.put_int(std::get<std::int32_t>(r.arm)); break;
    default: break;
  }
}

bool xdr_decode(Decoder& d, Reply& r) {
  if (!d.get_int(r.status)) return false;
  switch (r.status) {
    case 0: return decode(d, r.arm.emplace<Record>());
    case 1:
    case 2: return d.get_int(r.arm.emplace<std::int32_t>());
    default: r.arm.emplace<std::monostate>(); return true;
  }
}

namespace {

template <class T>
T roundtrip(const T& value, std::size_t* encoded_size = nullptr) {
  static std::vector<std::byte> buf(1 << 20);  // reused: sanitizers make big allocations slow
  Encoder e(buf);
  encode(e, value);
  EXPECT_TRUE(e.ok()) << e.error().message();
  EXPECT_EQ(e.size() % 4, 0U) << "XDR items are multiples of 4 bytes";
  if (encoded_size != nullptr) *encoded_size = e.size();
  Decoder d(e.written(), PaddingPolicy::strict);
  T out{};
  EXPECT_TRUE(decode(d, out)) << d.error().message();
  EXPECT_TRUE(d.expect_end());
  return out;
}

class Random {
 public:
  explicit Random(std::uint32_t seed) : gen_(seed) {}
  template <class T>
  T integer() {
    return static_cast<T>(std::uniform_int_distribution<std::uint64_t>()(gen_));
  }
  std::size_t below(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(gen_); }
  std::string text(std::size_t max) {
    std::string s(below(max + 1), '\0');
    for (char& c : s) c = static_cast<char>(integer<std::uint8_t>());
    return s;
  }
  Record record() {
    Record r;
    r.id = integer<std::int64_t>();
    r.name = text(32);
    for (auto& b : r.tag) b = static_cast<std::byte>(integer<std::uint8_t>());
    r.scores.resize(below(20));
    for (auto& s : r.scores) s = integer<std::int32_t>();
    r.kind = below(2) == 0 ? RecordKind::plain : RecordKind::special;
    return r;
  }

 private:
  std::mt19937_64 gen_;
};

constexpr std::uint32_t kSeed = 20261123;

TEST(RoundTrip, Scalars) {
  Random rng(kSeed);
  for (int i = 0; i < 1000; ++i) {
    const auto i32 = rng.integer<std::int32_t>();
    const auto u32 = rng.integer<std::uint32_t>();
    const auto i64 = rng.integer<std::int64_t>();
    const auto u64 = rng.integer<std::uint64_t>();
    EXPECT_EQ(roundtrip(i32), i32);
    EXPECT_EQ(roundtrip(u32), u32);
    EXPECT_EQ(roundtrip(i64), i64);
    EXPECT_EQ(roundtrip(u64), u64);
    // Floating point compares by bits so that NaN payloads count too.
    const auto f = std::bit_cast<float>(u32);
    const auto x = std::bit_cast<double>(u64);
    EXPECT_EQ(std::bit_cast<std::uint32_t>(roundtrip(f)), u32);
    EXPECT_EQ(std::bit_cast<std::uint64_t>(roundtrip(x)), u64);
  }
  EXPECT_EQ(roundtrip(true), true);
  EXPECT_EQ(roundtrip(false), false);
  EXPECT_EQ(roundtrip(RecordKind::special), RecordKind::special);
  for (auto v : {std::numeric_limits<std::int32_t>::min(), std::numeric_limits<std::int32_t>::max(), 0, -1}) {
    EXPECT_EQ(roundtrip(v), v);
  }
}

TEST(RoundTrip, QuadrupleAndVoid) {
  Quadruple q;
  for (std::size_t i = 0; i < 16; ++i) q.bytes[i] = static_cast<std::byte>(i * 17);
  EXPECT_EQ(roundtrip(q), q);
  std::size_t size = 99;
  EXPECT_EQ(roundtrip(Void{}, &size), Void{});
  EXPECT_EQ(size, 0U);
}

TEST(RoundTrip, OpaqueAndStringsOfEveryPadding) {
  Random rng(kSeed);
  for (std::size_t n = 0; n < 40; ++n) {
    std::string s(n, 'a');
    for (char& c : s) c = static_cast<char>(rng.integer<std::uint8_t>());
    std::size_t size = 0;
    EXPECT_EQ(roundtrip(s, &size), s);
    EXPECT_EQ(size, 4 + padded(n));
    std::vector<std::byte> o(s.size());
    if (n != 0) std::memcpy(o.data(), s.data(), n);
    EXPECT_EQ(roundtrip(o), o);
  }
  std::array<std::byte, 5> fixed{std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}, std::byte{5}};
  std::size_t size = 0;
  EXPECT_EQ(roundtrip(fixed, &size), fixed);
  EXPECT_EQ(size, 8U);
}

TEST(RoundTrip, ArraysOfEveryScalar) {
  Random rng(kSeed);
  for (std::size_t n : {0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000}) {
    std::vector<std::int32_t> i32(n);
    std::vector<std::uint32_t> u32(n);
    std::vector<std::int64_t> i64(n);
    std::vector<std::uint64_t> u64(n);
    std::vector<float> f(n);
    std::vector<double> x(n);
    std::vector<RecordKind> kinds(n);
    for (std::size_t i = 0; i < n; ++i) {
      i32[i] = rng.integer<std::int32_t>();
      u32[i] = rng.integer<std::uint32_t>();
      i64[i] = rng.integer<std::int64_t>();
      u64[i] = rng.integer<std::uint64_t>();
      f[i] = static_cast<float>(i32[i]) / 7.0F;
      x[i] = static_cast<double>(i64[i]) / 3.0;
      kinds[i] = static_cast<RecordKind>(i % 2);
    }
    EXPECT_EQ(roundtrip(i32), i32);
    EXPECT_EQ(roundtrip(u32), u32);
    EXPECT_EQ(roundtrip(i64), i64);
    EXPECT_EQ(roundtrip(u64), u64);
    EXPECT_EQ(roundtrip(f), f);
    EXPECT_EQ(roundtrip(x), x);
    EXPECT_EQ(roundtrip(kinds), kinds);
  }
  std::array<std::int64_t, 3> fixed{-1, 0, 1};
  EXPECT_EQ(roundtrip(fixed), fixed);
}

TEST(RoundTrip, StructsUnionsAndOptionalData) {
  Random rng(kSeed);
  for (int i = 0; i < 200; ++i) {
    const Record r = rng.record();
    EXPECT_EQ(roundtrip(r), r);

    Reply reply;
    reply.status = static_cast<std::int32_t>(rng.below(4));
    if (reply.status == 0) reply.arm = rng.record();
    if (reply.status == 1 || reply.status == 2) reply.arm = rng.integer<std::int32_t>();
    EXPECT_EQ(roundtrip(reply), reply);

    std::optional<Record> maybe;
    if (rng.below(2) == 0) maybe = r;
    EXPECT_EQ(roundtrip(maybe), maybe);
  }
  std::vector<std::optional<std::string>> nested{std::nullopt, "a", "", "bcdef"};
  EXPECT_EQ(roundtrip(nested), nested);
  std::array<Record, 2> records{rng.record(), rng.record()};
  EXPECT_EQ(roundtrip(records), records);
}

TEST(RoundTrip, UnknownUnionArmIsDefault) {
  Reply reply;
  reply.status = 77;
  EXPECT_EQ(roundtrip(reply), reply);
}

TEST(RoundTrip, ThroughASegmentChainOfSmallSegments) {
  Random rng(kSeed);
  std::vector<Record> records;
  for (int i = 0; i < 50; ++i) records.push_back(rng.record());
  std::vector<double> doubles(777);
  for (auto& v : doubles) v = static_cast<double>(rng.integer<std::int32_t>());

  std::vector<std::byte> flat(1 << 20);
  Encoder contiguous(flat);
  encode(contiguous, records);
  encode(contiguous, doubles);
  ASSERT_TRUE(contiguous.ok());

  for (std::size_t segment : {16, 20, 64, 100, 4096}) {
    SegmentChain chain(segment);
    Encoder e(chain);
    encode(e, records);
    encode(e, doubles);
    ASSERT_TRUE(e.finish());
    EXPECT_EQ(e.size(), chain.size());
    for (auto slice : chain.slices()) EXPECT_LE(slice.size(), segment);
    // The filled slices, concatenated, are exactly the contiguous stream.
    const auto bytes = chain.flatten();
    ASSERT_EQ(bytes.size(), contiguous.size()) << "segment " << segment;
    EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), contiguous.written().begin()));
  }
}

}  // namespace
}  // namespace nelson::xdr::roundtrip
