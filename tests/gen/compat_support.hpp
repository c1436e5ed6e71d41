// Shared by the rpcgen byte-compatibility tests: encode/decode with nelson's generated C++ and
// with rpcgen's C xdr_* routines, random values from a seeded generator, and the round trip
// every test runs:
//   C++ value -> bytes A (nelson) -> C decode (rpcgen) -> same values? -> C encode -> == A?
//   -> C++ decode -> same values? -> C++ encode -> == A?
#pragma once

#include <rpc/rpc.h>

#include <cstddef>
#include <cstring>
#include <deque>
#include <gtest/gtest.h>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "xdr/decoder.hpp"
#include "xdr/encoder.hpp"

namespace nelson::gen::test {

using Bytes = std::vector<std::byte>;

class Random {
 public:
  explicit Random(unsigned seed) : rng_(seed) {}
  std::uint32_t u32() { return static_cast<std::uint32_t>(rng_()); }
  std::int32_t i32() { return static_cast<std::int32_t>(u32()); }
  std::uint64_t u64() { return (std::uint64_t{u32()} << 32) | u32(); }
  std::size_t below(std::size_t n) { return n == 0 ? 0 : u32() % n; }
  bool coin() { return (u32() & 1U) != 0; }
  std::string text(std::size_t max) {
    std::string s(below(max + 1), 'a');
    for (char& c : s) c = static_cast<char>('a' + below(26));
    return s;
  }
  void fill(std::span<std::byte> out) {
    for (std::byte& b : out) b = static_cast<std::byte>(u32());
  }
  Bytes bytes(std::size_t max) {
    Bytes b(below(max + 1));
    fill(b);
    return b;
  }

 private:
  std::mt19937 rng_;
};

/// Puts random text and bytes into a value's members: owning ones take them, views (view mode)
/// point into copies the Keeper holds for as long as it lives.
class Keeper {
 public:
  void set(std::string& out, std::string s) { out = std::move(s); }
  void set(std::string_view& out, std::string s) { out = texts_.emplace_back(std::move(s)); }
  void set(Bytes& out, Bytes b) { out = std::move(b); }
  void set(std::span<const std::byte>& out, Bytes b) { out = bytes_.emplace_back(std::move(b)); }

 private:
  std::deque<std::string> texts_;  // a deque never moves what it holds
  std::deque<Bytes> bytes_;
};

template <class T, class Encode>
Bytes nelson_encode(const T& v, Encode&& encode) {
  Bytes buf(1 << 16);
  xdr::Encoder e(buf);
  EXPECT_TRUE(encode(e, v)) << e.error().message();
  buf.resize(e.size());
  return buf;
}

template <class C>
Bytes c_encode(xdrproc_t proc, C& c) {
  Bytes buf(1 << 16);
  XDR x;
  xdrmem_create(&x, reinterpret_cast<char*>(buf.data()), static_cast<u_int>(buf.size()), XDR_ENCODE);
  EXPECT_TRUE(proc(&x, &c));
  buf.resize(xdr_getpos(&x));
  xdr_destroy(&x);
  return buf;
}

/// The round trip above; `same(c, v)` compares a C value with a C++ one field by field.
template <class C, class T, class Encode, class Decode, class Same>
void round_trip(const T& v, xdrproc_t proc, Encode&& encode, Decode&& decode, Same&& same) {
  const Bytes a = nelson_encode(v, encode);
  C c{};
  XDR x;
  xdrmem_create(&x, const_cast<char*>(reinterpret_cast<const char*>(a.data())), static_cast<u_int>(a.size()),
                XDR_DECODE);
  ASSERT_TRUE(proc(&x, &c)) << "rpcgen's C cannot decode nelson's bytes";
  EXPECT_EQ(xdr_getpos(&x), a.size());
  xdr_destroy(&x);
  EXPECT_TRUE(same(c, v)) << "rpcgen's C decoded other values";
  EXPECT_EQ(c_encode(proc, c), a) << "rpcgen's C encodes the same values to other bytes";
  T back{};
  xdr::Decoder d(a);
  ASSERT_TRUE(decode(d, back)) << d.error().message();
  EXPECT_TRUE(d.expect_end());
  EXPECT_TRUE(same(c, back)) << "nelson decoded other values";
  EXPECT_EQ(nelson_encode(back, encode), a);
  xdr_free(proc, reinterpret_cast<char*>(&c));
}

inline bool same_bytes(const char* c, std::size_t n, std::span<const std::byte> v) {
  return n == v.size() && (n == 0 || std::memcmp(c, v.data(), n) == 0);
}
inline bool same_string(const char* c, std::string_view v) { return c != nullptr && v == c; }

constexpr int kValues = 300;  // random values per type

}  // namespace nelson::gen::test
