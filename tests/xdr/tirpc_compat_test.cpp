// Byte compatibility with libtirpc, the XDR implementation nelson must interoperate with.
//
// For every XDR type, the same values are encoded by libtirpc (xdrmem, XDR_ENCODE) and by
// nelson's Encoder (into one contiguous region and through SegmentChains of small, odd
// segment sizes); the bytes must be identical. Then each side decodes the other's bytes:
// nelson's Decoder reads libtirpc's output and libtirpc (XDR_DECODE) reads nelson's, and both
// must give back the original value (floating point compared by bits, so NaN payloads count).
// Limits (maximum lengths, truncated input, padding, discriminants without an arm) are checked
// to be enforced alike, and the one deliberate divergence (bool values above 1) is pinned down.
#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <gtest/gtest.h>
#include <initializer_list>
#include <limits>
#include <optional>
#include <ostream>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "tests/xdr/test_bytes.hpp"
#include "xdr/codec.hpp"
#include "xdr/decoder.hpp"
#include "xdr/encoder.hpp"
#include "xdr/error.hpp"
#include "xdr/sink.hpp"
#include "xdr/types.hpp"

// libtirpc comes last: its headers define macros and typedefs (bool_t, u_int, TRUE, mem_alloc)
// that the nelson headers above must not see.
#include <rpc/rpc.h>

namespace nelson::xdr::tirpc_compat {
namespace {

using Bytes = std::vector<std::byte>;
using ::testing::AssertionFailure;
using ::testing::AssertionResult;
using ::testing::AssertionSuccess;

static_assert(std::is_same_v<quad_t, std::int64_t> && std::is_same_v<u_quad_t, std::uint64_t>);
static_assert(sizeof(int) == 4 && sizeof(enum_t) == 4 && sizeof(bool_t) == 4);

constexpr std::uint32_t kSeed = 0x6e656c73;  // "nels"
constexpr int kSweep = 300;
constexpr u_int kNoMax = ~0U;  // libtirpc's "unbounded", nelson's kUnbounded
static_assert(kNoMax == kUnbounded);
// Segment sizes for the SegmentChain encodings: the smallest allowed (16), odd ones that make
// items end mid-region (17, 20), and a typical small one.
constexpr std::array<std::size_t, 4> kSegmentSizes{16, 17, 20, 64};

// --- values -----------------------------------------------------------------------------------

// enum color { RED = 0, GREEN = 1, BLUE = 2, ULTRAVIOLET = -5 };
enum class Color : std::int32_t { red = 0, green = 1, blue = 2, ultraviolet = -5 };
constexpr std::array<Color, 4> kColors{Color::red, Color::green, Color::blue, Color::ultraviolet};

/// The bit pattern of a value: floating point by its representation, enums by their value.
template <class T>
auto bits(T v) {
  if constexpr (std::is_same_v<T, float>) {
    return std::bit_cast<std::uint32_t>(v);
  } else if constexpr (std::is_same_v<T, double>) {
    return std::bit_cast<std::uint64_t>(v);
  } else if constexpr (std::is_enum_v<T>) {
    return static_cast<std::underlying_type_t<T>>(v);
  } else {
    return v;
  }
}

/// A value different from `v`, to decode over (so a decoder that writes nothing is caught).
template <class T>
T other_than(T v) {
  if constexpr (std::is_same_v<T, bool>) {
    return !v;
  } else if constexpr (std::is_floating_point_v<T>) {
    return std::bit_cast<T>(static_cast<decltype(bits(v))>(~bits(v)));
  } else if constexpr (std::is_enum_v<T>) {
    return static_cast<T>(~bits(v));
  } else {
    return static_cast<T>(~v);
  }
}

/// Equality that compares floating point by bits; other types by ==.
template <class T>
bool same(const T& a, const T& b) {
  if constexpr (std::is_floating_point_v<T> || std::is_enum_v<T>) {
    return bits(a) == bits(b);
  } else {
    return a == b;
  }
}

template <class T>
T random_value(std::mt19937& rng) {
  if constexpr (std::is_same_v<T, bool>) {
    return (rng() & 1U) != 0;
  } else if constexpr (std::is_same_v<T, float>) {
    return std::bit_cast<float>(static_cast<std::uint32_t>(rng()));
  } else if constexpr (std::is_same_v<T, double>) {
    return std::bit_cast<double>((static_cast<std::uint64_t>(rng()) << 32) | rng());
  } else if constexpr (std::is_same_v<T, Color>) {
    // Mostly declared values, sometimes any value: enums are not range-checked on the wire.
    return rng() % 4 != 0 ? kColors[rng() % kColors.size()] : static_cast<Color>(random_value<std::int32_t>(rng));
  } else {
    // Integers: uniform over the range, shifted right by a random amount so that every
    // magnitude occurs, and complemented half the time (small negative numbers).
    using U = std::make_unsigned_t<T>;
    U u = std::uniform_int_distribution<U>()(rng);
    u = static_cast<U>(u >> (rng() % (8 * sizeof(U))));
    if ((rng() & 1U) != 0) u = static_cast<U>(~u);
    return static_cast<T>(u);
  }
}

Bytes random_bytes(std::mt19937& rng, std::size_t n) {
  Bytes out(n);
  for (std::byte& b : out) b = static_cast<std::byte>(rng());
  return out;
}

/// Any bytes but NUL, which libtirpc's xdr_string cannot carry (it encodes strlen()).
std::string random_string(std::mt19937& rng, std::size_t n) {
  std::string out(n, ' ');
  for (char& c : out) c = static_cast<char>(1 + rng() % 255);
  return out;
}

template <class T>
std::vector<T> random_vector(std::mt19937& rng, std::size_t n) {
  std::vector<T> out(n);
  for (T& v : out) v = random_value<T>(rng);
  return out;
}

/// libtirpc takes `char*` even for data it only reads.
char* mutable_chars(const Bytes& b) { return reinterpret_cast<char*>(const_cast<std::byte*>(b.data())); }
std::span<const std::byte> as_bytes_of(const char* p, std::size_t n) {
  return {reinterpret_cast<const std::byte*>(p), n};
}

// --- comparisons --------------------------------------------------------------------------------

/// Identical bytes; otherwise where they differ first, with the 16-byte line around it in hex.
AssertionResult same_bytes(std::span<const std::byte> expected, std::span<const std::byte> actual) {
  if (expected.size() == actual.size() && std::equal(expected.begin(), expected.end(), actual.begin())) {
    return AssertionSuccess();
  }
  const std::size_t common = std::min(expected.size(), actual.size());
  std::size_t at = 0;
  while (at < common && expected[at] == actual[at]) ++at;
  const std::size_t from = at & ~std::size_t{15};
  auto line = [from](std::span<const std::byte> b) {
    const std::size_t begin = std::min(from, b.size());
    return test::hex(b.subspan(begin, std::min<std::size_t>(32, b.size() - begin)));
  };
  return AssertionFailure() << "sizes " << expected.size() << " (expected) and " << actual.size()
                            << " (actual), first difference at byte " << at << "; from byte " << from << ": expected "
                            << line(expected) << ", actual " << line(actual);
}

/// Same length and same items (by `same`).
template <class A, class B>
AssertionResult same_values(const A& expected, const B& actual) {
  if (std::size(expected) != std::size(actual)) {
    return AssertionFailure() << "sizes " << std::size(expected) << " and " << std::size(actual);
  }
  for (std::size_t i = 0; i < std::size(expected); ++i) {
    if (!same(expected[i], actual[i])) {
      return AssertionFailure() << "item " << i << ": expected " << ::testing::PrintToString(expected[i]) << ", got "
                                << ::testing::PrintToString(actual[i]);
    }
  }
  return AssertionSuccess();
}

// --- libtirpc side --------------------------------------------------------------------------------

/// Runs `op` on an xdrmem encode stream; the buffer grows (up to `max_capacity`) until `op`
/// succeeds. nullopt when it never does.
template <class Op>
std::optional<Bytes> tirpc_try_encode(Op&& op, u_int max_capacity = 1U << 24) {
  for (u_int capacity = 256; capacity <= max_capacity; capacity *= 2) {
    std::vector<char> buf(capacity);
    XDR x;
    xdrmem_create(&x, buf.data(), capacity, XDR_ENCODE);
    const bool ok = op(&x) != 0;
    const u_int pos = xdr_getpos(&x);
    xdr_destroy(&x);
    if (ok) {
      const std::span<const std::byte> written = as_bytes_of(buf.data(), pos);
      return Bytes(written.begin(), written.end());
    }
  }
  return std::nullopt;
}

/// The classic libtirpc shape: an xdrproc_t and the object it encodes.
std::optional<Bytes> tirpc_encode(xdrproc_t proc, void* object) {
  return tirpc_try_encode([&](XDR* x) { return proc(x, object); });
}

struct TirpcDecoded {
  bool ok = false;
  u_int consumed = 0;
};

/// Runs `op` on an xdrmem decode stream over a copy of `in` (libtirpc wants `char*`).
template <class Op>
TirpcDecoded tirpc_decode(std::span<const std::byte> in, Op&& op) {
  std::vector<char> buf(in.size() + 1);  // +1: never a null pointer, never read (the stream ends at in.size())
  if (!in.empty()) std::memcpy(buf.data(), in.data(), in.size());
  XDR x;
  xdrmem_create(&x, buf.data(), static_cast<u_int>(in.size()), XDR_DECODE);
  TirpcDecoded out;
  out.ok = op(&x) != 0;
  out.consumed = xdr_getpos(&x);
  xdr_destroy(&x);
  return out;
}

/// libtirpc decodes `in` with `op`, successfully and consuming every byte.
template <class Op>
AssertionResult tirpc_decodes(std::span<const std::byte> in, Op&& op) {
  const TirpcDecoded r = tirpc_decode(in, op);
  if (!r.ok) return AssertionFailure() << "libtirpc rejected " << in.size() << " bytes";
  if (r.consumed != in.size()) return AssertionFailure() << "libtirpc consumed " << r.consumed << " of " << in.size();
  return AssertionSuccess();
}

/// Releases what a libtirpc decode allocated: runs `op` on an XDR_FREE stream.
template <class Op>
void tirpc_free(Op&& op) {
  XDR x{};
  x.x_op = XDR_FREE;
  static_cast<void>(op(&x));
}

// --- nelson side ----------------------------------------------------------------------------------

/// Encodes with `put` into one contiguous region starting `offset` bytes into a buffer (an
/// odd offset makes it misaligned); the buffer grows until everything fits.
template <class Put>
Bytes nelson_encode(Put&& put, std::size_t offset = 0) {
  for (std::size_t capacity = 256;; capacity *= 2) {
    Bytes buf(offset + capacity);
    Encoder e(std::span<std::byte>(buf).subspan(offset));
    put(e);
    if (e.ok()) {
      const std::span<const std::byte> written = e.written();
      return Bytes(written.begin(), written.end());
    }
    if (e.error().code != Errc::no_space || capacity > (std::size_t{1} << 26)) {
      ADD_FAILURE() << "nelson failed to encode: " << e.error().message();
      return {};
    }
  }
}

/// Encodes with `put` through a SegmentChain of `segment_size` segments, checks the chain's
/// slices, and returns them flattened.
template <class Put>
Bytes nelson_encode_chain(Put&& put, std::size_t segment_size) {
  SegmentChain chain(segment_size);
  Encoder e(chain);
  put(e);
  EXPECT_TRUE(e.finish()) << e.error().message();
  EXPECT_EQ(chain.size(), e.size());
  std::size_t total = 0;
  for (std::span<const std::byte> slice : chain.slices()) {
    EXPECT_LE(slice.size(), segment_size);
    total += slice.size();
  }
  EXPECT_EQ(total, e.size());
  return chain.flatten();
}

/// nelson decodes `in` with `get`, successfully and consuming every byte.
template <class Get>
AssertionResult nelson_decodes(std::span<const std::byte> in, Get&& get,
                               PaddingPolicy padding = PaddingPolicy::lenient) {
  Decoder d(in, padding);
  if (!get(d)) return AssertionFailure() << "nelson rejected " << in.size() << " bytes: " << d.error().message();
  if (!d.expect_end()) return AssertionFailure() << "nelson left bytes over: " << d.error().message();
  return AssertionSuccess();
}

struct Encodings {
  Bytes tirpc;
  Bytes nelson;
};

/// Encodes one value with libtirpc (`tirpc_op`) and with nelson (`put`), contiguously and
/// through every SegmentChain size, and expects the same bytes from all of them.
template <class TirpcOp, class Put>
Encodings encode_both(TirpcOp&& tirpc_op, Put&& put) {
  Encodings out;
  if (std::optional<Bytes> t = tirpc_try_encode(tirpc_op)) {
    out.tirpc = std::move(*t);
  } else {
    ADD_FAILURE() << "libtirpc failed to encode";
  }
  out.nelson = nelson_encode(put);
  EXPECT_TRUE(same_bytes(out.tirpc, out.nelson)) << "expected: libtirpc, actual: nelson contiguous Encoder";
  for (std::size_t segment : kSegmentSizes) {
    EXPECT_TRUE(same_bytes(out.tirpc, nelson_encode_chain(put, segment)))
        << "expected: libtirpc, actual: nelson through SegmentChain(" << segment << ")";
  }
  return out;
}

// --- scalars --------------------------------------------------------------------------------------

/// One scalar: same bytes, and each side decodes the other's bytes back to `value`.
/// `proc` is the libtirpc routine (xdr_int, ...) on its C type CT.
template <class T, class CT, class Put, class Get>
void expect_scalar_compat(T value, bool_t (*proc)(XDR*, CT*), Put put, Get get) {
  SCOPED_TRACE(::testing::Message() << "value bits 0x" << std::hex << +bits(value));
  CT c_value = static_cast<CT>(value);
  const Encodings enc = encode_both([&](XDR* x) { return proc(x, &c_value); }, [&](Encoder& e) { put(e, value); });
  EXPECT_EQ(enc.nelson.size(), sizeof(CT) == 8 ? 8U : 4U);

  T got = other_than(value);
  EXPECT_TRUE(nelson_decodes(enc.tirpc, [&](Decoder& d) { return get(d, got); }));
  EXPECT_EQ(bits(got), bits(value));

  CT c_got = static_cast<CT>(other_than(value));
  EXPECT_TRUE(tirpc_decodes(enc.nelson, [&](XDR* x) { return proc(x, &c_got); }));
  EXPECT_EQ(bits(static_cast<T>(c_got)), bits(value));
}

/// Every edge value, then kSweep seeded random ones.
template <class T, class CT, class Put, class Get>
void sweep_scalar(const std::vector<T>& edges, bool_t (*proc)(XDR*, CT*), Put put, Get get) {
  for (T v : edges) expect_scalar_compat(v, proc, put, get);
  std::mt19937 rng(kSeed);
  for (int i = 0; i < kSweep && !::testing::Test::HasFailure(); ++i) {
    expect_scalar_compat(random_value<T>(rng), proc, put, get);
  }
}

constexpr auto kCodecPut = [](Encoder& e, const auto& v) { encode(e, v); };
constexpr auto kCodecGet = [](Decoder& d, auto& v) { return decode(d, v); };

template <class T>
constexpr T kMin = std::numeric_limits<T>::min();
template <class T>
constexpr T kMax = std::numeric_limits<T>::max();

std::vector<std::int32_t> int_edges() {
  std::vector<std::int32_t> out{kMin<std::int32_t>, kMin<std::int32_t> + 1, kMax<std::int32_t> - 1, kMax<std::int32_t>};
  out.insert(out.end(),
             {-65536, -256, -255, -2, -1, 0, 1, 2, 127, 128, 255, 256, 65535, 65536, 0x01020304, 0x7f000000});
  return out;
}

TEST(TirpcCompat, HarnessKnownAnswers) {
  // The harness itself: libtirpc and nelson against hand-written RFC 4506 bytes.
  int i = 0x01020304;
  EXPECT_TRUE(same_bytes(test::bytes({1, 2, 3, 4}), tirpc_encode((xdrproc_t)xdr_int, &i).value_or(Bytes{})));
  EXPECT_TRUE(same_bytes(test::bytes({1, 2, 3, 4}), nelson_encode([](Encoder& e) { e.put_int(0x01020304); })));
  char text[] = "abcde";
  char* sp = text;
  const Bytes abcde = test::bytes({0, 0, 0, 5, 'a', 'b', 'c', 'd', 'e', 0, 0, 0});
  EXPECT_TRUE(
      same_bytes(abcde, tirpc_try_encode([&](XDR* x) { return xdr_string(x, &sp, kNoMax); }).value_or(Bytes{})));
  EXPECT_TRUE(same_bytes(abcde, nelson_encode([](Encoder& e) { e.put_string("abcde"); })));
}

TEST(TirpcCompat, Int) {
  sweep_scalar(
      int_edges(), xdr_int, [](Encoder& e, std::int32_t v) { e.put_int(v); },
      [](Decoder& d, std::int32_t& v) { return d.get_int(v); });
  sweep_scalar(int_edges(), xdr_int32_t, kCodecPut, kCodecGet);
}

TEST(TirpcCompat, UnsignedInt) {
  const std::vector<std::uint32_t> edges{0,          1,          2,          255,        256,        0x7fffffff,
                                         0x80000000, 0x80000001, 0xdeadbeef, 0xfffffffe, 0xffffffff, 0x00010000};
  sweep_scalar(
      edges, xdr_u_int, [](Encoder& e, std::uint32_t v) { e.put_uint(v); },
      [](Decoder& d, std::uint32_t& v) { return d.get_uint(v); });
  sweep_scalar(edges, xdr_uint32_t, kCodecPut, kCodecGet);
}

TEST(TirpcCompat, Enum) {
  // Raw values through put_enum/get_enum, and a C++ enum through the generic codec.
  sweep_scalar(
      int_edges(), xdr_enum, [](Encoder& e, std::int32_t v) { e.put_enum(v); },
      [](Decoder& d, std::int32_t& v) { return d.get_enum(v); });
  const std::vector<Color> colors{Color::red,
                                  Color::green,
                                  Color::blue,
                                  Color::ultraviolet,
                                  static_cast<Color>(kMin<std::int32_t>),
                                  static_cast<Color>(kMax<std::int32_t>),
                                  static_cast<Color>(-1),
                                  static_cast<Color>(3)};
  sweep_scalar(colors, xdr_enum, kCodecPut, kCodecGet);
}

TEST(TirpcCompat, Bool) {
  const std::vector<bool> edges{false, true};
  sweep_scalar(
      edges, xdr_bool, [](Encoder& e, bool v) { e.put_bool(v); }, [](Decoder& d, bool& v) { return d.get_bool(v); });
  sweep_scalar(edges, xdr_bool, kCodecPut, kCodecGet);
}

TEST(TirpcCompat, Hyper) {
  std::vector<std::int64_t> edges{kMin<std::int64_t>, kMin<std::int64_t> + 1, kMax<std::int64_t> - 1,
                                  kMax<std::int64_t>};
  edges.insert(edges.end(), {-4294967296, -2147483649, -2147483648, -2, -1, 0, 1, 2, 2147483647, 2147483648, 4294967295,
                             4294967296, 0x0102030405060708});
  sweep_scalar(
      edges, xdr_hyper, [](Encoder& e, std::int64_t v) { e.put_hyper(v); },
      [](Decoder& d, std::int64_t& v) { return d.get_hyper(v); });
  sweep_scalar(edges, xdr_int64_t, kCodecPut, kCodecGet);
  sweep_scalar(edges, xdr_longlong_t, kCodecPut, kCodecGet);
}

TEST(TirpcCompat, UnsignedHyper) {
  std::vector<std::uint64_t> edges{0, 1, kMax<std::uint64_t>};
  edges.insert(edges.end(), {0xffffffff, 0x100000000, 0x0102030405060708, 0x7fffffffffffffff, 0x8000000000000000,
                             0xfffffffffffffffe});
  sweep_scalar(
      edges, xdr_u_hyper, [](Encoder& e, std::uint64_t v) { e.put_uhyper(v); },
      [](Decoder& d, std::uint64_t& v) { return d.get_uhyper(v); });
  sweep_scalar(edges, xdr_uint64_t, kCodecPut, kCodecGet);
}

template <class F, class U>
std::vector<F> float_edges(std::initializer_list<U> patterns) {
  using L = std::numeric_limits<F>;
  std::vector<F> out{F{0}, F{1}, F{0.1}, F{3.14159265358979}, L::min(), L::denorm_min(), L::max(), L::epsilon()};
  out.insert(out.end(), {L::infinity(), L::quiet_NaN(), L::signaling_NaN()});
  const std::size_t positives = out.size();
  out.reserve(2 * positives + patterns.size());
  for (std::size_t i = 0; i < positives; ++i) out.push_back(-out[i]);  // -0, lowest, -inf, NaNs with the sign bit
  for (U p : patterns) out.push_back(std::bit_cast<F>(p));
  return out;
}

TEST(TirpcCompat, Float) {
  // Bit patterns: largest subnormal, signaling NaNs, NaNs with payloads and sign, all ones.
  const std::vector<float> edges = float_edges<float, std::uint32_t>(
      {0x007fffff, 0x80000001, 0x7f800001, 0x7fbfffff, 0x7fc12345, 0xffc00000, 0xff800001, 0xffffffff, 0x3f800001});
  sweep_scalar(
      edges, xdr_float, [](Encoder& e, float v) { e.put_float(v); },
      [](Decoder& d, float& v) { return d.get_float(v); });
  sweep_scalar(edges, xdr_float, kCodecPut, kCodecGet);
}

TEST(TirpcCompat, Double) {
  const std::vector<double> edges = float_edges<double, std::uint64_t>(
      {0x000fffffffffffff, 0x8000000000000001, 0x7ff0000000000001, 0x7ff7ffffffffffff, 0x7ff8000012345678,
       0xfff8000000000000, 0xfff0000000000001, 0xffffffffffffffff, 0x3ff0000000000001, 0x0102030405060708});
  sweep_scalar(
      edges, xdr_double, [](Encoder& e, double v) { e.put_double(v); },
      [](Decoder& d, double& v) { return d.get_double(v); });
  sweep_scalar(edges, xdr_double, kCodecPut, kCodecGet);
}

// --- opaque data and strings ----------------------------------------------------------------------

/// opaque[n]: xdr_opaque against put_fixed_opaque/get_fixed_opaque.
void expect_fixed_opaque_compat(const Bytes& data) {
  SCOPED_TRACE(::testing::Message() << "opaque[" << data.size() << "] " << test::hex(data).substr(0, 64));
  char* cp = mutable_chars(data);
  const auto n = static_cast<u_int>(data.size());
  const Encodings enc =
      encode_both([&](XDR* x) { return xdr_opaque(x, cp, n); }, [&](Encoder& e) { e.put_fixed_opaque(data); });
  EXPECT_EQ(enc.nelson.size(), padded(data.size()));

  Bytes got(data.size());
  for (std::size_t i = 0; i < got.size(); ++i) got[i] = ~data[i];
  EXPECT_TRUE(nelson_decodes(enc.tirpc, [&](Decoder& d) { return d.get_fixed_opaque(got); }));
  EXPECT_TRUE(same_bytes(data, got));

  std::vector<char> c_got(data.size() + 1, '\x5a');
  EXPECT_TRUE(tirpc_decodes(enc.nelson, [&](XDR* x) { return xdr_opaque(x, c_got.data(), n); }));
  EXPECT_TRUE(same_bytes(data, as_bytes_of(c_got.data(), data.size())));
  EXPECT_EQ(c_got.back(), '\x5a') << "libtirpc wrote past the opaque";
}

TEST(TirpcCompat, FixedOpaqueEveryPadding) {
  std::mt19937 rng(kSeed);
  for (std::size_t n : {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 31, 64, 1001}) {
    expect_fixed_opaque_compat(Bytes(n, std::byte{0}));
    expect_fixed_opaque_compat(Bytes(n, std::byte{0xff}));
    for (int trial = 0; trial < 20; ++trial) expect_fixed_opaque_compat(random_bytes(rng, n));
  }
  for (int i = 0; i < kSweep && !HasFailure(); ++i) expect_fixed_opaque_compat(random_bytes(rng, rng() % 300));
}

/// opaque[N] as std::array<std::byte, N> through the generic codec.
template <std::size_t N>
void expect_fixed_opaque_codec_compat(std::mt19937& rng) {
  SCOPED_TRACE(::testing::Message() << "std::array<std::byte, " << N << ">");
  std::array<std::byte, N> data{};
  for (std::byte& b : data) b = static_cast<std::byte>(rng());
  char* cp = reinterpret_cast<char*>(data.data());
  const Encodings enc = encode_both([&](XDR* x) { return xdr_opaque(x, cp, N); }, [&](Encoder& e) { encode(e, data); });
  std::array<std::byte, N> got{};
  EXPECT_TRUE(nelson_decodes(enc.tirpc, [&](Decoder& d) { return decode(d, got); }));
  EXPECT_TRUE(same_bytes(data, got));
}

TEST(TirpcCompat, FixedOpaqueThroughCodec) {
  std::mt19937 rng(kSeed);
  for (int trial = 0; trial < 20; ++trial) {
    expect_fixed_opaque_codec_compat<1>(rng);
    expect_fixed_opaque_codec_compat<3>(rng);
    expect_fixed_opaque_codec_compat<4>(rng);
    expect_fixed_opaque_codec_compat<5>(rng);
    expect_fixed_opaque_codec_compat<10>(rng);
    expect_fixed_opaque_codec_compat<32>(rng);
  }
}

/// opaque<>: xdr_bytes against put_opaque / get_opaque / view_opaque / the generic codec.
void expect_bytes_compat(const Bytes& data) {
  SCOPED_TRACE(::testing::Message() << "opaque<> of " << data.size() << ": " << test::hex(data).substr(0, 64));
  char* cp = mutable_chars(data);
  auto n = static_cast<u_int>(data.size());
  const Encodings enc =
      encode_both([&](XDR* x) { return xdr_bytes(x, &cp, &n, kNoMax); }, [&](Encoder& e) { e.put_opaque(data); });
  EXPECT_EQ(enc.nelson.size(), 4 + padded(data.size()));
  EXPECT_TRUE(same_bytes(enc.tirpc, nelson_encode([&](Encoder& e) { encode(e, data); }))) << "through Codec";

  Bytes got{std::byte{0x5a}};
  EXPECT_TRUE(nelson_decodes(enc.tirpc, [&](Decoder& d) { return d.get_opaque(got); }));
  EXPECT_TRUE(same_bytes(data, got));
  std::span<const std::byte> view;
  EXPECT_TRUE(nelson_decodes(enc.tirpc, [&](Decoder& d) { return d.view_opaque(view); }));
  EXPECT_TRUE(same_bytes(data, view));
  if (!data.empty()) {
    EXPECT_EQ(view.data(), enc.tirpc.data() + 4) << "view_opaque must point into the input";
  }
  Bytes via_codec;
  EXPECT_TRUE(nelson_decodes(enc.tirpc, [&](Decoder& d) { return decode(d, via_codec); }));
  EXPECT_TRUE(same_bytes(data, via_codec));

  char* c_got = nullptr;
  u_int c_len = 12345;
  auto dec = [&](XDR* x) { return xdr_bytes(x, &c_got, &c_len, kNoMax); };
  EXPECT_TRUE(tirpc_decodes(enc.nelson, dec));
  EXPECT_EQ(c_len, data.size());
  EXPECT_TRUE(same_bytes(data, as_bytes_of(c_got, c_len)));
  tirpc_free(dec);
  EXPECT_EQ(c_got, nullptr);
}

TEST(TirpcCompat, VariableOpaque) {
  std::mt19937 rng(kSeed);
  for (std::size_t n : {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 255, 256, 4095, 65535, 65536, 70001}) {
    expect_bytes_compat(random_bytes(rng, n));
  }
  expect_bytes_compat(Bytes(7, std::byte{0}));
  for (int i = 0; i < kSweep && !HasFailure(); ++i) expect_bytes_compat(random_bytes(rng, rng() % 200));
}

/// string<>: xdr_string against put_string / get_string / view_string.
void expect_string_compat(const std::string& s) {
  SCOPED_TRACE(::testing::Message() << "string<> of " << s.size() << ": " << ::testing::PrintToString(s.substr(0, 32)));
  char* sp = const_cast<char*>(s.c_str());
  const Encodings enc =
      encode_both([&](XDR* x) { return xdr_string(x, &sp, kNoMax); }, [&](Encoder& e) { e.put_string(s); });
  EXPECT_EQ(enc.nelson.size(), 4 + padded(s.size()));

  std::string got = "not decoded";
  EXPECT_TRUE(nelson_decodes(enc.tirpc, [&](Decoder& d) { return d.get_string(got); }));
  EXPECT_EQ(got, s);
  std::string_view view;
  EXPECT_TRUE(nelson_decodes(enc.tirpc, [&](Decoder& d) { return d.view_string(view); }));
  EXPECT_EQ(view, s);

  char* c_got = nullptr;
  auto dec = [&](XDR* x) { return xdr_string(x, &c_got, kNoMax); };
  EXPECT_TRUE(tirpc_decodes(enc.nelson, dec));
  ASSERT_NE(c_got, nullptr);
  EXPECT_EQ(std::string(c_got), s);
  tirpc_free(dec);
  EXPECT_EQ(c_got, nullptr);
}

TEST(TirpcCompat, String) {
  std::mt19937 rng(kSeed);
  expect_string_compat("");
  expect_string_compat("a");
  expect_string_compat("localhost");
  expect_string_compat("caf\xc3\xa9 \xe2\x9c\x93");  // UTF-8 bytes with the high bit set
  for (std::size_t n : {1, 2, 3, 4, 5, 6, 7, 8, 9, 63, 64, 65, 1000, 70000})
    expect_string_compat(random_string(rng, n));
  for (int i = 0; i < kSweep && !HasFailure(); ++i) expect_string_compat(random_string(rng, rng() % 200));
}

// --- arrays ---------------------------------------------------------------------------------------

/// T<> of a bulk scalar: xdr_array(elproc) against put_array / get_array (vectorized), also
/// through the generic codec, into a misaligned output, and decoding misaligned input.
template <class T>
void expect_array_compat(const std::vector<T>& v, xdrproc_t elproc) {
  SCOPED_TRACE(::testing::Message() << "array of " << v.size() << " x " << sizeof(T) << "-byte items");
  T* p = const_cast<T*>(v.data());
  auto n = static_cast<u_int>(v.size());
  auto put = [&](Encoder& e) { e.put_array(std::span<const T>(v)); };
  const Encodings enc = encode_both(
      [&](XDR* x) { return xdr_array(x, reinterpret_cast<char**>(&p), &n, kNoMax, sizeof(T), elproc); }, put);
  EXPECT_EQ(enc.nelson.size(), 4 + v.size() * sizeof(T));
  EXPECT_TRUE(same_bytes(enc.tirpc, nelson_encode([&](Encoder& e) { encode(e, v); }))) << "through Codec";
  EXPECT_TRUE(same_bytes(enc.tirpc, nelson_encode(put, 1))) << "misaligned output";
  EXPECT_TRUE(same_bytes(enc.tirpc, nelson_encode(put, 3))) << "misaligned output";

  for (std::size_t offset : {0, 1, 2, 3}) {
    Bytes shifted(offset, std::byte{0xee});
    shifted.insert(shifted.end(), enc.tirpc.begin(), enc.tirpc.end());
    std::vector<T> got(3);
    EXPECT_TRUE(nelson_decodes(std::span<const std::byte>(shifted).subspan(offset),
                               [&](Decoder& d) { return d.get_array(got); }))
        << "input offset " << offset;
    EXPECT_TRUE(same_values(v, got)) << "input offset " << offset;
  }
  std::vector<T> via_codec;
  EXPECT_TRUE(nelson_decodes(enc.tirpc, [&](Decoder& d) { return decode(d, via_codec); }));
  EXPECT_TRUE(same_values(v, via_codec));

  T* c_got = nullptr;
  u_int c_n = 12345;
  auto dec = [&](XDR* x) { return xdr_array(x, reinterpret_cast<char**>(&c_got), &c_n, kNoMax, sizeof(T), elproc); };
  EXPECT_TRUE(tirpc_decodes(enc.nelson, dec));
  EXPECT_TRUE(same_values(v, std::span<const T>(c_got, c_got == nullptr ? 0 : c_n)));
  EXPECT_EQ(c_n, v.size());
  tirpc_free(dec);
  EXPECT_EQ(c_got, nullptr);
}

template <class T>
void sweep_array(xdrproc_t elproc, const std::vector<T>& edges) {
  std::mt19937 rng(kSeed);
  expect_array_compat(edges, elproc);
  for (std::size_t n : {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 32, 33, 100, 1023, 20000}) {
    expect_array_compat(random_vector<T>(rng, n), elproc);
  }
  for (int i = 0; i < kSweep && !::testing::Test::HasFailure(); ++i) {
    expect_array_compat(random_vector<T>(rng, rng() % 70), elproc);
  }
}

TEST(TirpcCompat, ArrayOfInt) { sweep_array<std::int32_t>((xdrproc_t)xdr_int, int_edges()); }
TEST(TirpcCompat, ArrayOfUnsignedInt) {
  sweep_array<std::uint32_t>((xdrproc_t)xdr_u_int, {0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x01020304});
}
TEST(TirpcCompat, ArrayOfEnum) {
  sweep_array<Color>((xdrproc_t)xdr_enum, {Color::red, Color::green, Color::blue, Color::ultraviolet});
}
TEST(TirpcCompat, ArrayOfHyper) {
  sweep_array<std::int64_t>((xdrproc_t)xdr_hyper,
                            {kMin<std::int64_t>, -1, 0, 1, 0x0102030405060708, kMax<std::int64_t>});
}
TEST(TirpcCompat, ArrayOfUnsignedHyper) {
  sweep_array<std::uint64_t>((xdrproc_t)xdr_u_hyper,
                             {0, 1, 0x0102030405060708, 0x8000000000000000, kMax<std::uint64_t>});
}
TEST(TirpcCompat, ArrayOfFloat) {
  sweep_array<float>((xdrproc_t)xdr_float, float_edges<float, std::uint32_t>({0x7fc12345, 0xffc00001, 0x007fffff}));
}
TEST(TirpcCompat, ArrayOfDouble) {
  sweep_array<double>((xdrproc_t)xdr_double,
                      float_edges<double, std::uint64_t>({0x7ff8000012345678, 0xfff0000000000001, 0x000fffffffffffff}));
}

/// string<>: libtirpc's `char*` items, pointing into `strings`.
std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size());
  for (const std::string& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  return out;
}

TEST(TirpcCompat, ArrayOfString) {
  // string names<>: items of any type go through put_array's per-item path.
  std::mt19937 rng(kSeed);
  for (int i = 0; i < 100 && !HasFailure(); ++i) {
    std::vector<std::string> v(i < 6 ? static_cast<std::size_t>(i) : rng() % 12);
    for (std::string& s : v) s = random_string(rng, rng() % 20);
    SCOPED_TRACE(::testing::Message() << v.size() << " strings");
    std::vector<char*> c_v = c_strings(v);
    char** p = c_v.data();
    auto n = static_cast<u_int>(v.size());
    const Encodings enc = encode_both(
        [&](XDR* x) {
          return xdr_array(x, reinterpret_cast<char**>(&p), &n, kNoMax, sizeof(char*), (xdrproc_t)xdr_wrapstring);
        },
        [&](Encoder& e) { encode(e, v); });
    EXPECT_TRUE(same_bytes(enc.tirpc, nelson_encode([&](Encoder& e) {
                             e.put_array(std::span<const std::string>(v), 12,
                                         [](Encoder& en, const std::string& s) { en.put_string(s); });
                           })));

    std::vector<std::string> got{"stale"};
    EXPECT_TRUE(nelson_decodes(enc.tirpc, [&](Decoder& d) { return decode(d, got); }));
    EXPECT_EQ(got, v);

    char** c_got = nullptr;
    u_int c_n = 0;
    auto dec = [&](XDR* x) {
      return xdr_array(x, reinterpret_cast<char**>(&c_got), &c_n, kNoMax, sizeof(char*), (xdrproc_t)xdr_wrapstring);
    };
    EXPECT_TRUE(tirpc_decodes(enc.nelson, dec));
    ASSERT_EQ(c_n, v.size());
    for (u_int k = 0; k < c_n; ++k) EXPECT_EQ(std::string(c_got[k]), v[k]);
    tirpc_free(dec);
  }
}

/// T[N] of a bulk scalar: xdr_vector against put_fixed_array / get_fixed_array / the codec.
template <class T, std::size_t N>
void expect_vector_compat(xdrproc_t elproc, std::mt19937& rng) {
  SCOPED_TRACE(::testing::Message() << "fixed array of " << N << " x " << sizeof(T) << "-byte items");
  std::array<T, N> a{};
  for (T& item : a) item = random_value<T>(rng);
  const Encodings enc =
      encode_both([&](XDR* x) { return xdr_vector(x, reinterpret_cast<char*>(a.data()), N, sizeof(T), elproc); },
                  [&](Encoder& e) { e.put_fixed_array(std::span<const T>(a)); });
  EXPECT_EQ(enc.nelson.size(), N * sizeof(T));
  EXPECT_TRUE(same_bytes(enc.tirpc, nelson_encode([&](Encoder& e) { encode(e, a); }))) << "through Codec";

  std::array<T, N> got{};
  for (std::size_t i = 0; i < N; ++i) got[i] = other_than(a[i]);
  EXPECT_TRUE(nelson_decodes(enc.tirpc, [&](Decoder& d) { return d.get_fixed_array(std::span<T>(got)); }));
  EXPECT_TRUE(same_values(a, got));
  std::array<T, N> via_codec{};
  EXPECT_TRUE(nelson_decodes(enc.tirpc, [&](Decoder& d) { return decode(d, via_codec); }));
  EXPECT_TRUE(same_values(a, via_codec));

  std::array<T, N> c_got{};
  for (std::size_t i = 0; i < N; ++i) c_got[i] = other_than(a[i]);
  EXPECT_TRUE(tirpc_decodes(
      enc.nelson, [&](XDR* x) { return xdr_vector(x, reinterpret_cast<char*>(c_got.data()), N, sizeof(T), elproc); }));
  EXPECT_TRUE(same_values(a, c_got));
}

TEST(TirpcCompat, FixedArray) {
  std::mt19937 rng(kSeed);
  for (int trial = 0; trial < 30 && !HasFailure(); ++trial) {
    expect_vector_compat<std::int32_t, 1>((xdrproc_t)xdr_int, rng);
    expect_vector_compat<std::int32_t, 7>((xdrproc_t)xdr_int, rng);
    expect_vector_compat<std::uint32_t, 16>((xdrproc_t)xdr_u_int, rng);
    expect_vector_compat<Color, 5>((xdrproc_t)xdr_enum, rng);
    expect_vector_compat<std::int64_t, 3>((xdrproc_t)xdr_hyper, rng);
    expect_vector_compat<std::uint64_t, 9>((xdrproc_t)xdr_u_hyper, rng);
    expect_vector_compat<float, 11>((xdrproc_t)xdr_float, rng);
    expect_vector_compat<double, 4>((xdrproc_t)xdr_double, rng);
    expect_vector_compat<double, 33>((xdrproc_t)xdr_double, rng);
  }
}

TEST(TirpcCompat, FixedArrayOfString) {
  // string names[3]: the per-item path of put_fixed_array/get_fixed_array.
  std::mt19937 rng(kSeed);
  for (int trial = 0; trial < 50 && !HasFailure(); ++trial) {
    std::array<std::string, 3> a;
    for (std::string& s : a) s = random_string(rng, rng() % 10);
    std::array<char*, 3> c_a{const_cast<char*>(a[0].c_str()), const_cast<char*>(a[1].c_str()),
                             const_cast<char*>(a[2].c_str())};
    const Encodings enc = encode_both(
        [&](XDR* x) {
          return xdr_vector(x, reinterpret_cast<char*>(c_a.data()), 3, sizeof(char*), (xdrproc_t)xdr_wrapstring);
        },
        [&](Encoder& e) { encode(e, a); });
    std::array<std::string, 3> got;
    EXPECT_TRUE(nelson_decodes(enc.tirpc, [&](Decoder& d) { return decode(d, got); }));
    EXPECT_EQ(got, a);

    std::array<char*, 3> c_got{};
    auto dec = [&](XDR* x) {
      return xdr_vector(x, reinterpret_cast<char*>(c_got.data()), 3, sizeof(char*), (xdrproc_t)xdr_wrapstring);
    };
    EXPECT_TRUE(tirpc_decodes(enc.nelson, dec));
    for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(std::string(c_got[i] == nullptr ? "(null)" : c_got[i]), a[i]);
    tirpc_free(dec);
  }
}

// --- a struct of mixed fields ---------------------------------------------------------------------

// struct mixed {
//   int id; unsigned int flags; hyper stamp; bool active; double ratio; float weight;
//   opaque tag[5]; string name<32>; opaque payload<>; int samples<16>; color kind;
//   unsigned hyper *next_stamp;
// };
struct Mixed {
  std::int32_t id = 0;
  std::uint32_t flags = 0;
  std::int64_t stamp = 0;
  bool active = false;
  double ratio = 0;
  float weight = 0;
  std::array<std::byte, 5> tag{};
  std::string name;
  Bytes payload;
  std::vector<std::int32_t> samples;
  Color kind = Color::red;
  std::optional<std::uint64_t> next_stamp;

  friend bool operator==(const Mixed& a, const Mixed& b) {
    return a.id == b.id && a.flags == b.flags && a.stamp == b.stamp && a.active == b.active && same(a.ratio, b.ratio) &&
           same(a.weight, b.weight) && a.tag == b.tag && a.name == b.name && a.payload == b.payload &&
           a.samples == b.samples && a.kind == b.kind && a.next_stamp == b.next_stamp;
  }
};

void xdr_encode(Encoder& e, const Mixed& m) {
  e.put_int(m.id);
  e.put_uint(m.flags);
  e.put_hyper(m.stamp);
  e.put_bool(m.active);
  e.put_double(m.ratio);
  e.put_float(m.weight);
  e.put_fixed_opaque(m.tag);
  e.put_string(m.name, 32);
  e.put_opaque(m.payload);
  e.put_array(std::span<const std::int32_t>(m.samples), 16);
  encode(e, m.kind);
  encode(e, m.next_stamp);
}

bool xdr_decode(Decoder& d, Mixed& m) {
  return d.get_int(m.id) && d.get_uint(m.flags) && d.get_hyper(m.stamp) && d.get_bool(m.active) &&
         d.get_double(m.ratio) && d.get_float(m.weight) && d.get_fixed_opaque(m.tag) && d.get_string(m.name, 32) &&
         d.get_opaque(m.payload) && d.get_array(m.samples, 16) && decode(d, m.kind) && decode(d, m.next_stamp);
}

/// Failure messages show a Mixed as the start of its (nelson) encoding.
void PrintTo(const Mixed& m, std::ostream* os) {  // NOLINT(readability-identifier-naming): gtest's name
  const Bytes wire = nelson_encode([&](Encoder& e) { encode(e, m); });
  *os << "Mixed{id " << m.id << ", name " << ::testing::PrintToString(m.name) << ", " << wire.size() << " bytes of xdr "
      << test::hex(std::span<const std::byte>(wire).first(std::min<std::size_t>(wire.size(), 64))) << "...}";
}

// The same struct as rpcgen would write it for libtirpc.
struct CMixed {
  int id;
  u_int flags;
  quad_t stamp;
  bool_t active;
  double ratio;
  float weight;
  char tag[5];
  char* name;
  u_int payload_len;
  char* payload_val;
  u_int samples_len;
  int* samples_val;
  enum_t kind;
  u_quad_t* next_stamp;
};

bool_t xdr_cmixed(XDR* x, CMixed* m) {
  return xdr_int(x, &m->id) && xdr_u_int(x, &m->flags) && xdr_hyper(x, &m->stamp) && xdr_bool(x, &m->active) &&
         xdr_double(x, &m->ratio) && xdr_float(x, &m->weight) && xdr_opaque(x, m->tag, 5) &&
         xdr_string(x, &m->name, 32) && xdr_bytes(x, &m->payload_val, &m->payload_len, kNoMax) &&
         xdr_array(x, reinterpret_cast<char**>(&m->samples_val), &m->samples_len, 16, sizeof(int),
                   (xdrproc_t)xdr_int) &&
         xdr_enum(x, &m->kind) &&
         xdr_pointer(x, reinterpret_cast<char**>(&m->next_stamp), sizeof(u_quad_t), (xdrproc_t)xdr_u_hyper);
}

/// A CMixed whose pointers point into `m` (for encoding only).
CMixed c_view(const Mixed& m) {
  CMixed c{};  // zeroed: every pointer null
  c.id = m.id;
  c.flags = m.flags;
  c.stamp = m.stamp;
  c.active = m.active ? TRUE : FALSE;
  c.ratio = m.ratio;
  c.weight = m.weight;
  std::memcpy(c.tag, m.tag.data(), sizeof c.tag);
  c.name = const_cast<char*>(m.name.c_str());
  c.payload_len = static_cast<u_int>(m.payload.size());
  c.payload_val = mutable_chars(m.payload);
  c.samples_len = static_cast<u_int>(m.samples.size());
  c.samples_val = const_cast<int*>(m.samples.data());
  c.kind = static_cast<enum_t>(m.kind);
  c.next_stamp = m.next_stamp ? const_cast<u_quad_t*>(&*m.next_stamp) : nullptr;
  return c;
}

Mixed from_c(const CMixed& c) {
  Mixed m;
  m.id = c.id;
  m.flags = c.flags;
  m.stamp = c.stamp;
  EXPECT_TRUE(c.active == TRUE || c.active == FALSE);
  m.active = c.active != 0;
  m.ratio = c.ratio;
  m.weight = c.weight;
  std::memcpy(m.tag.data(), c.tag, sizeof c.tag);
  m.name = c.name == nullptr ? "(null)" : c.name;
  const std::span<const std::byte> payload = as_bytes_of(c.payload_val, c.payload_val == nullptr ? 0 : c.payload_len);
  EXPECT_EQ(payload.size(), c.payload_len);
  m.payload.assign(payload.begin(), payload.end());
  if (c.samples_val != nullptr) m.samples.assign(c.samples_val, c.samples_val + c.samples_len);
  EXPECT_EQ(m.samples.size(), c.samples_len);
  m.kind = static_cast<Color>(c.kind);
  if (c.next_stamp != nullptr) m.next_stamp = *c.next_stamp;
  return m;
}

Mixed random_mixed(std::mt19937& rng) {
  Mixed m;
  m.id = random_value<std::int32_t>(rng);
  m.flags = random_value<std::uint32_t>(rng);
  m.stamp = random_value<std::int64_t>(rng);
  m.active = random_value<bool>(rng);
  m.ratio = random_value<double>(rng);
  m.weight = random_value<float>(rng);
  for (std::byte& b : m.tag) b = static_cast<std::byte>(rng());
  m.name = random_string(rng, rng() % 33);
  m.payload = random_bytes(rng, rng() % 41);
  m.samples = random_vector<std::int32_t>(rng, rng() % 17);
  m.kind = random_value<Color>(rng);
  if (random_value<bool>(rng)) m.next_stamp = random_value<std::uint64_t>(rng);
  return m;
}

/// The edge cases of Mixed: all empty, and everything at its limit.
std::vector<Mixed> edge_mixeds() {
  std::mt19937 rng(kSeed);
  Mixed full;
  full.id = kMin<std::int32_t>;
  full.flags = kMax<std::uint32_t>;
  full.stamp = kMin<std::int64_t>;
  full.active = true;
  full.ratio = std::bit_cast<double>(std::uint64_t{0x7ff8000012345678});
  full.weight = -std::numeric_limits<float>::infinity();
  full.tag.fill(std::byte{0xff});
  full.name = random_string(rng, 32);
  full.payload = random_bytes(rng, 70001);
  full.samples = random_vector<std::int32_t>(rng, 16);
  full.kind = Color::ultraviolet;
  full.next_stamp = kMax<std::uint64_t>;
  Mixed denormal = full;
  denormal.ratio = std::numeric_limits<double>::denorm_min();
  denormal.weight = std::numeric_limits<float>::denorm_min();
  denormal.next_stamp = 0;
  denormal.payload = random_bytes(rng, 3);
  return {Mixed{}, full, denormal};
}

void expect_struct_compat(const Mixed& m) {
  SCOPED_TRACE(::testing::PrintToString(m).substr(0, 200));
  CMixed c = c_view(m);
  const Encodings enc = encode_both([&](XDR* x) { return xdr_cmixed(x, &c); }, [&](Encoder& e) { encode(e, m); });
  EXPECT_EQ(xdr_sizeof((xdrproc_t)xdr_cmixed, &c), enc.nelson.size()) << "libtirpc's xdr_sizeof";

  std::mt19937 other(99);
  Mixed got = random_mixed(other);
  EXPECT_TRUE(nelson_decodes(enc.tirpc, [&](Decoder& d) { return decode(d, got); }));
  EXPECT_EQ(got, m);

  CMixed c_got{};  // zeroed: every pointer null
  auto dec = [&](XDR* x) { return xdr_cmixed(x, &c_got); };
  EXPECT_TRUE(tirpc_decodes(enc.nelson, dec));
  EXPECT_EQ(from_c(c_got), m);
  tirpc_free(dec);
}

TEST(TirpcCompat, StructOfMixedFields) {
  for (const Mixed& m : edge_mixeds()) expect_struct_compat(m);
  std::mt19937 rng(kSeed);
  for (int i = 0; i < kSweep && !HasFailure(); ++i) expect_struct_compat(random_mixed(rng));
}

/// mixed records<>: xdr_array of xdr_cmixed against the generic codec's std::vector<Mixed>.
void expect_struct_array_compat(const std::vector<Mixed>& v) {
  SCOPED_TRACE(::testing::Message() << v.size() << " structs");
  std::vector<CMixed> c_v;
  c_v.reserve(v.size());
  for (const Mixed& m : v) c_v.push_back(c_view(m));
  CMixed* p = c_v.data();
  auto n = static_cast<u_int>(v.size());
  const Encodings enc = encode_both(
      [&](XDR* x) {
        return xdr_array(x, reinterpret_cast<char**>(&p), &n, kNoMax, sizeof(CMixed), (xdrproc_t)xdr_cmixed);
      },
      [&](Encoder& e) { encode(e, v); });

  std::vector<Mixed> got(2);
  EXPECT_TRUE(nelson_decodes(enc.tirpc, [&](Decoder& d) { return decode(d, got); }));
  EXPECT_EQ(got, v);

  CMixed* c_got = nullptr;
  u_int c_n = 0;
  auto dec = [&](XDR* x) {
    return xdr_array(x, reinterpret_cast<char**>(&c_got), &c_n, kNoMax, sizeof(CMixed), (xdrproc_t)xdr_cmixed);
  };
  EXPECT_TRUE(tirpc_decodes(enc.nelson, dec));
  EXPECT_EQ(c_n, v.size());
  for (u_int i = 0; i < c_n && i < v.size(); ++i) EXPECT_EQ(from_c(c_got[i]), v[i]) << "item " << i;
  tirpc_free(dec);
}

TEST(TirpcCompat, ArrayOfStructs) {
  std::mt19937 rng(kSeed);
  expect_struct_array_compat({});
  expect_struct_array_compat(edge_mixeds());
  for (int i = 0; i < 30 && !HasFailure(); ++i) {
    std::vector<Mixed> v(rng() % 8);
    for (Mixed& m : v) m = random_mixed(rng);
    expect_struct_array_compat(v);
  }
}

// --- optional-data --------------------------------------------------------------------------------

/// T *name: xdr_pointer(proc) on a CT against put_optional/get_optional and the codec.
template <class T, class CT, class ToC, class FromC>
void expect_pointer_compat(const std::optional<T>& v, xdrproc_t proc, ToC to_c, FromC from_c_value) {
  SCOPED_TRACE(v ? "present" : "absent");
  std::optional<CT> c_value;
  if (v) c_value = to_c(*v);
  CT* p = c_value ? &*c_value : nullptr;
  const Encodings enc =
      encode_both([&](XDR* x) { return xdr_pointer(x, reinterpret_cast<char**>(&p), sizeof(CT), proc); },
                  [&](Encoder& e) { encode(e, v); });
  EXPECT_TRUE(same_bytes(enc.tirpc, nelson_encode([&](Encoder& e) {
                           e.put_optional(v ? &*v : nullptr, [](Encoder& en, const T& item) { encode(en, item); });
                         })));
  if (!v) {
    EXPECT_TRUE(same_bytes(test::bytes({0, 0, 0, 0}), enc.nelson));
  }

  std::optional<T> got;
  if (!v) got.emplace();
  EXPECT_TRUE(nelson_decodes(enc.tirpc, [&](Decoder& d) {
    return d.get_optional(got, [](Decoder& de, T& item) { return decode(de, item); });
  }));
  EXPECT_EQ(got.has_value(), v.has_value());
  if (got && v) {
    EXPECT_TRUE(same(*got, *v));
  }

  CT* c_got = nullptr;
  auto dec = [&](XDR* x) { return xdr_pointer(x, reinterpret_cast<char**>(&c_got), sizeof(CT), proc); };
  EXPECT_TRUE(tirpc_decodes(enc.nelson, dec));
  EXPECT_EQ(c_got != nullptr, v.has_value());
  if (c_got != nullptr && v) {
    EXPECT_TRUE(same(from_c_value(*c_got), *v));
  }
  tirpc_free(dec);
  EXPECT_EQ(c_got, nullptr);
}

TEST(TirpcCompat, OptionalData) {
  std::mt19937 rng(kSeed);
  const auto identity = [](const auto& x) { return x; };
  for (int i = 0; i < 100 && !HasFailure(); ++i) {
    const bool present = i % 3 != 0;
    auto maybe = [present](auto value) { return present ? std::optional(value) : std::nullopt; };
    expect_pointer_compat<std::int32_t, int>(maybe(random_value<std::int32_t>(rng)), (xdrproc_t)xdr_int, identity,
                                             identity);
    expect_pointer_compat<std::int64_t, quad_t>(maybe(random_value<std::int64_t>(rng)), (xdrproc_t)xdr_hyper, identity,
                                                identity);
    expect_pointer_compat<double, double>(maybe(random_value<double>(rng)), (xdrproc_t)xdr_double, identity, identity);
    expect_pointer_compat<std::string, char*>(
        maybe(random_string(rng, rng() % 12)), (xdrproc_t)xdr_wrapstring,
        [](const std::string& s) { return const_cast<char*>(s.c_str()); }, [](char* s) { return std::string(s); });
    expect_pointer_compat<Mixed, CMixed>(
        maybe(random_mixed(rng)), (xdrproc_t)xdr_cmixed, [](const Mixed& m) { return c_view(m); },
        [](const CMixed& c) { return from_c(c); });
  }
  expect_pointer_compat<std::int32_t, int>(0, (xdrproc_t)xdr_int, identity, identity);
  expect_pointer_compat<std::int32_t, int>(kMin<std::int32_t>, (xdrproc_t)xdr_int, identity, identity);
  expect_pointer_compat<std::string, char*>(
      std::string(), (xdrproc_t)xdr_wrapstring, [](const std::string& s) { return const_cast<char*>(s.c_str()); },
      [](char* s) { return std::string(s); });
}

// --- a discriminated union ------------------------------------------------------------------------

// union result switch (int status) {
//   case 0: int value;  case 1: hyper big;  case 2: string msg<64>;  default: double other;
// };
struct Result {
  std::int32_t status = 0;
  std::variant<std::int32_t, std::int64_t, std::string, double> arm;

  friend bool operator==(const Result& a, const Result& b) {
    if (a.status != b.status || a.arm.index() != b.arm.index()) return false;
    if (const double* x = std::get_if<double>(&a.arm)) return same(*x, std::get<double>(b.arm));
    return a.arm == b.arm;
  }
};

void PrintTo(const Result& r, std::ostream* os) {  // NOLINT(readability-identifier-naming): gtest's name
  *os << "Result{status " << r.status << ", arm " << r.arm.index() << "}";
}

void xdr_encode(Encoder& e, const Result& r) {
  e.put_enum(r.status);
  switch (r.status) {
    case 0: e.put_int(std::get<std::int32_t>(r.arm)); break;
    case 1: e.put_hyper(std::get<std::int64_t>(r.arm)); break;
    case 2: e.put_string(std::get<std::string>(r.arm), 64); break;
    default: e.put_double(std::get<double>(r.arm)); break;
  }
}

/// Without a default arm, a discriminant other than 0..2 is Errc::bad_discriminant.
bool decode_result(Decoder& d, Result& r, bool with_default) {
  if (!d.get_enum(r.status)) return false;
  switch (r.status) {
    case 0: return d.get_int(r.arm.emplace<std::int32_t>());
    case 1: return d.get_hyper(r.arm.emplace<std::int64_t>());
    case 2: return d.get_string(r.arm.emplace<std::string>(), 64);
    default: return with_default ? d.get_double(r.arm.emplace<double>()) : d.fail(Errc::bad_discriminant);
  }
}

bool xdr_decode(Decoder& d, Result& r) { return decode_result(d, r, true); }

struct CResult {
  enum_t status;
  union {
    int value;
    quad_t big;
    char* msg;
    double other;
  } arm;
};

bool_t xdr_msg64(XDR* x, char** sp) { return xdr_string(x, sp, 64); }

const xdr_discrim kResultArms[] = {
    {0, (xdrproc_t)xdr_int}, {1, (xdrproc_t)xdr_hyper}, {2, (xdrproc_t)xdr_msg64}, {0, NULL_xdrproc_t}};

bool_t xdr_cresult(XDR* x, CResult* r) {
  return xdr_union(x, &r->status, reinterpret_cast<char*>(&r->arm), kResultArms, (xdrproc_t)xdr_double);
}
bool_t xdr_cresult_without_default(XDR* x, CResult* r) {
  return xdr_union(x, &r->status, reinterpret_cast<char*>(&r->arm), kResultArms, NULL_xdrproc_t);
}

CResult c_view(const Result& r) {
  CResult c{};  // zeroed: every pointer null
  c.status = r.status;
  switch (r.status) {
    case 0: c.arm.value = std::get<std::int32_t>(r.arm); break;
    case 1: c.arm.big = std::get<std::int64_t>(r.arm); break;
    case 2: c.arm.msg = const_cast<char*>(std::get<std::string>(r.arm).c_str()); break;
    default: c.arm.other = std::get<double>(r.arm); break;
  }
  return c;
}

Result from_c(const CResult& c) {
  Result r;
  r.status = c.status;
  switch (c.status) {
    case 0: r.arm = c.arm.value; break;
    case 1: r.arm = std::int64_t{c.arm.big}; break;
    case 2: r.arm = std::string(c.arm.msg == nullptr ? "(null)" : c.arm.msg); break;
    default: r.arm = c.arm.other; break;
  }
  return r;
}

Result make_result(std::int32_t status, std::mt19937& rng) {
  Result r{status, {}};
  switch (status) {
    case 0: r.arm = random_value<std::int32_t>(rng); break;
    case 1: r.arm = random_value<std::int64_t>(rng); break;
    case 2: r.arm = random_string(rng, rng() % 65); break;
    default: r.arm = random_value<double>(rng); break;
  }
  return r;
}

void expect_union_compat(const Result& r) {
  SCOPED_TRACE(::testing::PrintToString(r));
  CResult c = c_view(r);
  const Encodings enc = encode_both([&](XDR* x) { return xdr_cresult(x, &c); }, [&](Encoder& e) { encode(e, r); });

  Result got{r.status == 0 ? 1 : 0, std::string("stale")};
  EXPECT_TRUE(nelson_decodes(enc.tirpc, [&](Decoder& d) { return decode(d, got); }));
  EXPECT_EQ(got, r);

  CResult c_got{};  // zeroed: every pointer null
  auto dec = [&](XDR* x) { return xdr_cresult(x, &c_got); };
  EXPECT_TRUE(tirpc_decodes(enc.nelson, dec));
  EXPECT_EQ(from_c(c_got), r);
  tirpc_free(dec);
}

TEST(TirpcCompat, UnionWithDefaultArm) {
  std::mt19937 rng(kSeed);
  for (std::int32_t status : {0, 1, 2, 3, 4, -1, 100, kMin<std::int32_t>, kMax<std::int32_t>}) {
    for (int trial = 0; trial < 10; ++trial) expect_union_compat(make_result(status, rng));
  }
  expect_union_compat(Result{0, kMin<std::int32_t>});
  expect_union_compat(Result{1, kMax<std::int64_t>});
  expect_union_compat(Result{2, std::string()});
  expect_union_compat(Result{2, std::string(64, 'x')});
  expect_union_compat(Result{-7, std::numeric_limits<double>::quiet_NaN()});
  expect_union_compat(Result{9, -std::numeric_limits<double>::infinity()});
  expect_union_compat(Result{5, std::numeric_limits<double>::denorm_min()});
  for (int i = 0; i < kSweep && !HasFailure(); ++i) {
    const std::int32_t status =
        rng() % 4 == 0 ? random_value<std::int32_t>(rng) : static_cast<std::int32_t>(rng() % 6) - 1;
    expect_union_compat(make_result(status, rng));
  }
}

TEST(TirpcCompat, UnionDiscriminantWithoutArm) {
  // With no default arm, both reject a discriminant that has no case; with one, both take it.
  std::mt19937 rng(kSeed);
  for (std::int32_t status : {3, -1, 7, kMin<std::int32_t>, kMax<std::int32_t>}) {
    SCOPED_TRACE(::testing::Message() << "status " << status);
    const Result r = make_result(status, rng);
    CResult c = c_view(r);
    EXPECT_FALSE(tirpc_try_encode([&](XDR* x) { return xdr_cresult_without_default(x, &c); }, 256).has_value());

    const Bytes wire = nelson_encode([&](Encoder& e) { encode(e, r); });
    ASSERT_EQ(wire.size(), 12U);
    CResult c_got{};  // zeroed: every pointer null
    EXPECT_FALSE(tirpc_decode(wire, [&](XDR* x) { return xdr_cresult_without_default(x, &c_got); }).ok);
    Decoder d(wire);
    Result got;
    EXPECT_FALSE(decode_result(d, got, false));
    EXPECT_EQ(d.error().code, Errc::bad_discriminant);
    EXPECT_EQ(d.error().offset, 4U);

    EXPECT_TRUE(tirpc_decodes(wire, [&](XDR* x) { return xdr_cresult(x, &c_got); }));
    EXPECT_EQ(from_c(c_got), r);
    EXPECT_TRUE(nelson_decodes(wire, [&](Decoder& de) { return decode_result(de, got, true); }));
    EXPECT_EQ(got, r);
  }
}

// --- limits ---------------------------------------------------------------------------------------

TEST(TirpcCompat, LengthAboveMaximumIsRejectedByBoth) {
  // opaque<max>, string<max> and int<max>: a length above max fails to encode and to decode
  // on both sides; a length at max passes on both.
  std::mt19937 rng(kSeed);
  for (u_int max : {0U, 1U, 3U, 4U, 5U, 16U, 255U}) {
    for (u_int len : {max == 0 ? 0U : max - 1, max, max + 1, max + 4}) {
      SCOPED_TRACE(::testing::Message() << "max " << max << ", length " << len);
      const bool fits = len <= max;
      std::array<std::byte, 4096> buf{};

      // opaque<max>
      const Bytes data = random_bytes(rng, len);
      char* cp = mutable_chars(data);
      u_int n = len;
      const auto t_bytes = tirpc_try_encode([&](XDR* x) { return xdr_bytes(x, &cp, &n, max); }, 4096);
      Encoder e_bytes(buf);
      e_bytes.put_opaque(data, max);
      EXPECT_EQ(t_bytes.has_value(), fits);
      EXPECT_EQ(e_bytes.ok(), fits);
      if (fits && t_bytes) {
        EXPECT_TRUE(same_bytes(*t_bytes, e_bytes.written()));
      }
      if (!fits) {
        EXPECT_EQ(e_bytes.error().code, Errc::length_exceeds_max);
      }

      const Bytes bytes_wire = nelson_encode([&](Encoder& e) { e.put_opaque(data); });
      char* c_bytes = nullptr;
      u_int c_len = 0;
      auto dec_bytes = [&](XDR* x) { return xdr_bytes(x, &c_bytes, &c_len, max); };
      EXPECT_EQ(tirpc_decode(bytes_wire, dec_bytes).ok, fits);
      tirpc_free(dec_bytes);
      Decoder d_bytes(bytes_wire);
      Bytes got_bytes;
      EXPECT_EQ(d_bytes.get_opaque(got_bytes, max), fits);
      if (fits) {
        EXPECT_TRUE(same_bytes(data, got_bytes));
      }
      if (!fits) {
        EXPECT_EQ(d_bytes.error(), (Error{Errc::length_exceeds_max, 0}));
      }

      // string<max>
      const std::string s = random_string(rng, len);
      char* sp = const_cast<char*>(s.c_str());
      const auto t_string = tirpc_try_encode([&](XDR* x) { return xdr_string(x, &sp, max); }, 4096);
      Encoder e_string(buf);
      e_string.put_string(s, max);
      EXPECT_EQ(t_string.has_value(), fits);
      EXPECT_EQ(e_string.ok(), fits);
      if (fits && t_string) {
        EXPECT_TRUE(same_bytes(*t_string, e_string.written()));
      }

      const Bytes string_wire = nelson_encode([&](Encoder& e) { e.put_string(s); });
      char* c_string = nullptr;
      auto dec_string = [&](XDR* x) { return xdr_string(x, &c_string, max); };
      EXPECT_EQ(tirpc_decode(string_wire, dec_string).ok, fits);
      if (fits && c_string != nullptr) {
        EXPECT_EQ(std::string(c_string), s);
      }
      tirpc_free(dec_string);
      Decoder d_string(string_wire);
      std::string got_string;
      EXPECT_EQ(d_string.get_string(got_string, max), fits);
      if (!fits) {
        EXPECT_EQ(d_string.error(), (Error{Errc::length_exceeds_max, 0}));
      }

      // int<max>
      const std::vector<std::int32_t> ints = random_vector<std::int32_t>(rng, len);
      int* ip = const_cast<int*>(ints.data());
      u_int count = len;
      const auto t_array = tirpc_try_encode(
          [&](XDR* x) {
            return xdr_array(x, reinterpret_cast<char**>(&ip), &count, max, sizeof(int), (xdrproc_t)xdr_int);
          },
          4096);
      Encoder e_array(buf);
      e_array.put_array(std::span<const std::int32_t>(ints), max);
      EXPECT_EQ(t_array.has_value(), fits);
      EXPECT_EQ(e_array.ok(), fits);
      if (fits && t_array) {
        EXPECT_TRUE(same_bytes(*t_array, e_array.written()));
      }

      const Bytes array_wire = nelson_encode([&](Encoder& e) { e.put_array(std::span<const std::int32_t>(ints)); });
      int* c_ints = nullptr;
      u_int c_count = 0;
      auto dec_array = [&](XDR* x) {
        return xdr_array(x, reinterpret_cast<char**>(&c_ints), &c_count, max, sizeof(int), (xdrproc_t)xdr_int);
      };
      EXPECT_EQ(tirpc_decode(array_wire, dec_array).ok, fits);
      tirpc_free(dec_array);
      Decoder d_array(array_wire);
      std::vector<std::int32_t> got_ints;
      EXPECT_EQ(d_array.get_array(got_ints, max), fits);
      if (fits) {
        EXPECT_EQ(got_ints, ints);
      }
      if (!fits) {
        EXPECT_EQ(d_array.error(), (Error{Errc::length_exceeds_max, 0}));
      }
    }
  }
}

TEST(TirpcCompat, LengthAboveInputIsRejectedByBoth) {
  // A prefix that promises more than follows: 100 bytes / items announced, 8 bytes present.
  Bytes wire = test::bytes({0, 0, 0, 100});
  wire.resize(12, std::byte{0x41});
  std::array<char, 512> room{};  // libtirpc decodes into caller memory, so it never allocates 100 items

  char* cp = room.data();
  u_int len = 0;
  EXPECT_FALSE(tirpc_decode(wire, [&](XDR* x) { return xdr_bytes(x, &cp, &len, 128); }).ok);
  char* sp = room.data();
  EXPECT_FALSE(tirpc_decode(wire, [&](XDR* x) { return xdr_string(x, &sp, 128); }).ok);
  std::array<int, 128> ints{};
  int* ip = ints.data();
  u_int count = 0;
  EXPECT_FALSE(tirpc_decode(wire, [&](XDR* x) {
                 return xdr_array(x, reinterpret_cast<char**>(&ip), &count, 128, sizeof(int), (xdrproc_t)xdr_int);
               }).ok);

  Decoder d_bytes(wire);
  Bytes got_bytes;
  EXPECT_FALSE(d_bytes.get_opaque(got_bytes, 128));
  EXPECT_EQ(d_bytes.error(), (Error{Errc::length_exceeds_input, 0}));
  Decoder d_string(wire);
  std::string got_string;
  EXPECT_FALSE(d_string.get_string(got_string, 128));
  EXPECT_EQ(d_string.error(), (Error{Errc::length_exceeds_input, 0}));
  Decoder d_array(wire);
  std::vector<std::int32_t> got_ints;
  EXPECT_FALSE(d_array.get_array(got_ints, 128));
  EXPECT_EQ(d_array.error(), (Error{Errc::length_exceeds_input, 0}));
}

TEST(TirpcCompat, TruncatedInputIsRejectedByBoth) {
  // Every proper prefix of an encoded struct fails to decode, in libtirpc and in nelson.
  std::mt19937 rng(kSeed);
  for (int i = 0; i < 20 && !HasFailure(); ++i) {
    const Mixed m = random_mixed(rng);
    const Bytes wire = nelson_encode([&](Encoder& e) { encode(e, m); });
    for (std::size_t cut = 0; cut < wire.size(); ++cut) {
      SCOPED_TRACE(::testing::Message() << "first " << cut << " of " << wire.size() << " bytes");
      const std::span<const std::byte> prefix = std::span<const std::byte>(wire).first(cut);
      CMixed c_got{};  // zeroed: every pointer null
      auto dec = [&](XDR* x) { return xdr_cmixed(x, &c_got); };
      EXPECT_FALSE(tirpc_decode(prefix, dec).ok);
      tirpc_free(dec);
      Decoder d(prefix);
      Mixed got;
      EXPECT_FALSE(decode(d, got));
      EXPECT_TRUE(d.error().code == Errc::truncated || d.error().code == Errc::length_exceeds_input)
          << d.error().message();
      EXPECT_LE(d.error().offset, cut);
    }
  }
}

TEST(TirpcCompat, NonZeroPaddingIsAcceptedLikeTirpcUnlessStrict) {
  // libtirpc ignores padding bytes on decode; so does nelson's default (lenient) policy, while
  // PaddingPolicy::strict rejects them.
  std::mt19937 rng(kSeed);
  for (std::size_t n : {1, 2, 3, 5, 6, 7, 9, 70001}) {
    SCOPED_TRACE(::testing::Message() << "length " << n);
    const Bytes data = random_bytes(rng, n);
    Bytes wire = nelson_encode([&](Encoder& e) { e.put_opaque(data); });
    for (std::size_t i = 4 + n; i < wire.size(); ++i) wire[i] = std::byte{0xa5};

    char* c_got = nullptr;
    u_int c_len = 0;
    auto dec = [&](XDR* x) { return xdr_bytes(x, &c_got, &c_len, kNoMax); };
    EXPECT_TRUE(tirpc_decodes(wire, dec));
    EXPECT_TRUE(same_bytes(data, as_bytes_of(c_got, c_len)));
    tirpc_free(dec);

    Bytes got;
    EXPECT_TRUE(nelson_decodes(wire, [&](Decoder& d) { return d.get_opaque(got); }));
    EXPECT_TRUE(same_bytes(data, got));
    Decoder strict(wire, PaddingPolicy::strict);
    EXPECT_FALSE(strict.get_opaque(got));
    EXPECT_EQ(strict.error(), (Error{Errc::nonzero_padding, 4 + n}));

    // The same bytes after the length, as opaque[n].
    const std::span<const std::byte> fixed = std::span<const std::byte>(wire).subspan(4);
    std::vector<char> c_fixed(n);
    EXPECT_TRUE(tirpc_decodes(fixed, [&](XDR* x) { return xdr_opaque(x, c_fixed.data(), static_cast<u_int>(n)); }));
    EXPECT_TRUE(same_bytes(data, as_bytes_of(c_fixed.data(), n)));
    Bytes got_fixed(n);
    EXPECT_TRUE(nelson_decodes(fixed, [&](Decoder& d) { return d.get_fixed_opaque(got_fixed); }));
    EXPECT_TRUE(same_bytes(data, got_fixed));
  }
}

TEST(TirpcCompat, BoolAboveOneDecodesAsTrueInTirpcButIsRejectedByNelson) {
  // The one deliberate divergence: RFC 4506 bool is enum { FALSE = 0, TRUE = 1 }; libtirpc's
  // xdr_bool (and so xdr_pointer) takes any non-zero value as TRUE, nelson's get_bool rejects
  // it with Errc::bad_bool. Everything libtirpc *encodes* is 0 or 1, which both accept.
  for (std::uint32_t raw : {2U, 3U, 0x100U, 0x80000000U, 0xffffffffU}) {
    SCOPED_TRACE(::testing::Message() << "raw " << raw);
    const Bytes wire = nelson_encode([&](Encoder& e) { e.put_uint(raw); });
    bool_t c_got = FALSE;
    EXPECT_TRUE(tirpc_decodes(wire, [&](XDR* x) { return xdr_bool(x, &c_got); }));
    EXPECT_EQ(c_got, TRUE);
    Decoder d(wire);
    bool got = false;
    EXPECT_FALSE(d.get_bool(got));
    EXPECT_EQ(d.error(), (Error{Errc::bad_bool, 0}));
  }
}

// --- SegmentChain ---------------------------------------------------------------------------------

TEST(TirpcCompat, SegmentChainSlicesFlattenToTirpcBytes) {
  // A message of many structs, then bulk arrays and a large opaque: encoded through chains of
  // small and odd segment sizes (items never straddle segments, so some end early), the
  // slices flatten to libtirpc's bytes, and both sides decode the flattened chain.
  std::mt19937 rng(kSeed);
  std::vector<Mixed> records(40);
  for (Mixed& m : records) m = random_mixed(rng);
  const std::vector<std::int64_t> hypers = random_vector<std::int64_t>(rng, 301);
  const std::vector<double> doubles = random_vector<double>(rng, 257);
  const Bytes blob = random_bytes(rng, 70003);

  std::vector<CMixed> c_records;
  c_records.reserve(records.size());
  for (const Mixed& m : records) c_records.push_back(c_view(m));
  CMixed* rp = c_records.data();
  auto n_records = static_cast<u_int>(c_records.size());
  std::int64_t* hp = const_cast<std::int64_t*>(hypers.data());
  auto n_hypers = static_cast<u_int>(hypers.size());
  double* dp = const_cast<double*>(doubles.data());
  auto n_doubles = static_cast<u_int>(doubles.size());
  char* bp = mutable_chars(blob);
  auto n_blob = static_cast<u_int>(blob.size());
  auto tirpc_message = [&](XDR* x) {
    return xdr_array(x, reinterpret_cast<char**>(&rp), &n_records, kNoMax, sizeof(CMixed), (xdrproc_t)xdr_cmixed) &&
           xdr_array(x, reinterpret_cast<char**>(&hp), &n_hypers, kNoMax, sizeof(std::int64_t), (xdrproc_t)xdr_hyper) &&
           xdr_bytes(x, &bp, &n_blob, kNoMax) &&
           xdr_array(x, reinterpret_cast<char**>(&dp), &n_doubles, kNoMax, sizeof(double), (xdrproc_t)xdr_double);
  };
  auto put_message = [&](Encoder& e) {
    encode(e, records);
    e.put_array(std::span<const std::int64_t>(hypers));
    e.put_opaque(blob);
    e.put_array(std::span<const double>(doubles));
  };
  const std::optional<Bytes> expected = tirpc_try_encode(tirpc_message);
  ASSERT_TRUE(expected.has_value());

  SegmentChain reused(16);
  for (std::size_t segment : {16, 17, 20, 24, 36, 64, 100, 4096, 1 << 20}) {
    SCOPED_TRACE(::testing::Message() << "segment size " << segment);
    SegmentChain chain(segment);
    Encoder e(chain);
    put_message(e);
    ASSERT_TRUE(e.finish()) << e.error().message();
    const auto slices = chain.slices();
    EXPECT_EQ(slices.size() > 1, segment < expected->size());
    std::size_t total = 0;
    for (std::span<const std::byte> slice : slices) {
      EXPECT_LE(slice.size(), segment);
      total += slice.size();
    }
    EXPECT_EQ(total, expected->size());
    const Bytes flat = chain.flatten();
    ASSERT_TRUE(same_bytes(*expected, flat));

    // The chain reused after clear() gives the same bytes again.
    reused.clear();
    Encoder again(reused);
    put_message(again);
    ASSERT_TRUE(again.finish());
    EXPECT_TRUE(same_bytes(*expected, reused.flatten())) << "reused chain";

    std::vector<Mixed> got_records;
    std::vector<std::int64_t> got_hypers;
    Bytes got_blob;
    std::vector<double> got_doubles;
    EXPECT_TRUE(nelson_decodes(flat, [&](Decoder& d) {
      return decode(d, got_records) && d.get_array(got_hypers) && d.get_opaque(got_blob) && d.get_array(got_doubles);
    }));
    EXPECT_EQ(got_records, records);
    EXPECT_EQ(got_hypers, hypers);
    EXPECT_TRUE(same_bytes(blob, got_blob));
    EXPECT_TRUE(same_values(doubles, got_doubles));
  }

  // libtirpc decodes the flattened chain of the smallest segments.
  SegmentChain chain(16);
  Encoder e(chain);
  put_message(e);
  ASSERT_TRUE(e.finish());
  CMixed* c_records_got = nullptr;
  u_int c_n_records = 0;
  std::int64_t* c_hypers = nullptr;
  u_int c_n_hypers = 0;
  char* c_blob = nullptr;
  u_int c_n_blob = 0;
  double* c_doubles = nullptr;
  u_int c_n_doubles = 0;
  auto dec = [&](XDR* x) {
    return xdr_array(x, reinterpret_cast<char**>(&c_records_got), &c_n_records, kNoMax, sizeof(CMixed),
                     (xdrproc_t)xdr_cmixed) &&
           xdr_array(x, reinterpret_cast<char**>(&c_hypers), &c_n_hypers, kNoMax, sizeof(std::int64_t),
                     (xdrproc_t)xdr_hyper) &&
           xdr_bytes(x, &c_blob, &c_n_blob, kNoMax) &&
           xdr_array(x, reinterpret_cast<char**>(&c_doubles), &c_n_doubles, kNoMax, sizeof(double),
                     (xdrproc_t)xdr_double);
  };
  EXPECT_TRUE(tirpc_decodes(chain.flatten(), dec));
  ASSERT_EQ(c_n_records, records.size());
  for (u_int i = 0; i < c_n_records; ++i) EXPECT_EQ(from_c(c_records_got[i]), records[i]) << "record " << i;
  EXPECT_TRUE(same_values(hypers, std::span<const std::int64_t>(c_hypers, c_n_hypers)));
  EXPECT_TRUE(same_bytes(blob, as_bytes_of(c_blob, c_n_blob)));
  EXPECT_TRUE(same_values(doubles, std::span<const double>(c_doubles, c_n_doubles)));
  tirpc_free(dec);
}

}  // namespace
}  // namespace nelson::xdr::tirpc_compat
