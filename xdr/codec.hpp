// Generic encode()/decode() for C++ types that map onto XDR types, so that structs, unions
// and containers of them compose:
//
//   struct Point { std::int32_t x, y; };                        // struct point { int x; int y; };
//   void xdr_encode(xdr::Encoder& e, const Point& p) { e.put_int(p.x); e.put_int(p.y); }
//   bool xdr_decode(xdr::Decoder& d, Point& p) { return d.get_int(p.x) && d.get_int(p.y); }
//
//   std::vector<Point> path = ...;                              // point path<>;
//   xdr::encode(encoder, path);
//
// The mapping: int32_t int, uint32_t unsigned int, 4-byte enums enum, bool bool, int64_t
// hyper, uint64_t unsigned hyper, float, double, Quadruple quadruple, Void void,
// std::string string<>, std::vector<std::byte> opaque<>, std::array<std::byte, N> opaque[N],
// std::vector<T> T<>, std::array<T, N> T[N], std::optional<T> T * (optional-data).
// User types provide xdr_encode/xdr_decode found by argument-dependent lookup (nelson-gen
// writes them), or specialize xdr::Codec. Bounded lengths (`string<255>`) go through the
// Encoder/Decoder calls that take a maximum.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "xdr/decoder.hpp"
#include "xdr/encoder.hpp"

namespace nelson::xdr {

/// How a type is encoded and decoded. The primary template calls the type's own
/// xdr_encode(Encoder&, const T&) and xdr_decode(Decoder&, T&), found by ADL.
template <class T, class Enable = void>
struct Codec {
  static void encode(Encoder& e, const T& v) { xdr_encode(e, v); }
  [[nodiscard]] static bool decode(Decoder& d, T& v) { return xdr_decode(d, v); }
};

template <class T>
void encode(Encoder& e, const T& v) {
  Codec<T>::encode(e, v);
}
template <class T>
[[nodiscard]] bool decode(Decoder& d, T& v) {
  return Codec<T>::decode(d, v);
}

// --- scalars --------------------------------------------------------------------------------
#define NELSON_XDR_SCALAR_CODEC(Type, put, get)                                \
  template <>                                                                  \
  struct Codec<Type> {                                                         \
    static void encode(Encoder& e, Type v) { e.put(v); }                       \
    [[nodiscard]] static bool decode(Decoder& d, Type& v) { return d.get(v); } \
  }
NELSON_XDR_SCALAR_CODEC(std::int32_t, put_int, get_int);
NELSON_XDR_SCALAR_CODEC(std::uint32_t, put_uint, get_uint);
NELSON_XDR_SCALAR_CODEC(bool, put_bool, get_bool);
NELSON_XDR_SCALAR_CODEC(std::int64_t, put_hyper, get_hyper);
NELSON_XDR_SCALAR_CODEC(std::uint64_t, put_uhyper, get_uhyper);
NELSON_XDR_SCALAR_CODEC(float, put_float, get_float);
NELSON_XDR_SCALAR_CODEC(double, put_double, get_double);
NELSON_XDR_SCALAR_CODEC(Quadruple, put_quadruple, get_quadruple);
#undef NELSON_XDR_SCALAR_CODEC

/// Enums travel as their 4-byte value; checking it against the declared values is the
/// job of the enum's own xdr_decode (nelson-gen writes one) when it has one.
template <class E>
struct Codec<E, std::enable_if_t<std::is_enum_v<E> && sizeof(E) == 4>> {
  static void encode(Encoder& e, E v) { e.put_enum(static_cast<std::int32_t>(v)); }
  [[nodiscard]] static bool decode(Decoder& d, E& v) {
    std::int32_t raw = 0;
    if (!d.get_enum(raw)) return false;
    v = static_cast<E>(raw);
    return true;
  }
};

template <>
struct Codec<Void> {
  static void encode(Encoder&, Void) {}
  [[nodiscard]] static bool decode(Decoder&, Void&) { return true; }
};

// --- opaque data and strings ----------------------------------------------------------------
template <>
struct Codec<std::string> {
  static void encode(Encoder& e, const std::string& v) { e.put_string(v); }
  [[nodiscard]] static bool decode(Decoder& d, std::string& v) { return d.get_string(v); }
};

template <>
struct Codec<std::vector<std::byte>> {
  static void encode(Encoder& e, const std::vector<std::byte>& v) { e.put_opaque(v); }
  [[nodiscard]] static bool decode(Decoder& d, std::vector<std::byte>& v) { return d.get_opaque(v); }
};

template <std::size_t N>
struct Codec<std::array<std::byte, N>> {
  static void encode(Encoder& e, const std::array<std::byte, N>& v) { e.put_fixed_opaque(v); }
  [[nodiscard]] static bool decode(Decoder& d, std::array<std::byte, N>& v) { return d.get_fixed_opaque(v); }
};

// --- arrays and optional-data ---------------------------------------------------------------
template <class T>
struct Codec<std::vector<T>> {
  static void encode(Encoder& e, const std::vector<T>& v) {
    if constexpr (BulkScalar<T>) {
      e.put_array(std::span<const T>(v));
    } else {
      e.put_array(std::span<const T>(v), kUnbounded, [](Encoder& en, const T& item) { Codec<T>::encode(en, item); });
    }
  }
  [[nodiscard]] static bool decode(Decoder& d, std::vector<T>& v) {
    if constexpr (BulkScalar<T>) {
      return d.get_array(v);
    } else {
      return d.get_array(v, kUnbounded, [](Decoder& de, T& item) { return Codec<T>::decode(de, item); });
    }
  }
};

template <class T, std::size_t N>
struct Codec<std::array<T, N>, std::enable_if_t<!std::is_same_v<T, std::byte>>> {
  static void encode(Encoder& e, const std::array<T, N>& v) {
    if constexpr (BulkScalar<T>) {
      e.put_fixed_array(std::span<const T>(v));
    } else {
      e.put_fixed_array(std::span<const T>(v), [](Encoder& en, const T& item) { Codec<T>::encode(en, item); });
    }
  }
  [[nodiscard]] static bool decode(Decoder& d, std::array<T, N>& v) {
    if constexpr (BulkScalar<T>) {
      return d.get_fixed_array(std::span<T>(v));
    } else {
      return d.get_fixed_array(std::span<T>(v), [](Decoder& de, T& item) { return Codec<T>::decode(de, item); });
    }
  }
};

template <class T>
struct Codec<std::optional<T>> {
  static void encode(Encoder& e, const std::optional<T>& v) {
    e.put_optional(v ? &*v : nullptr, [](Encoder& en, const T& item) { Codec<T>::encode(en, item); });
  }
  [[nodiscard]] static bool decode(Decoder& d, std::optional<T>& v) {
    return d.get_optional(v, [](Decoder& de, T& item) { return Codec<T>::decode(de, item); });
  }
};

}  // namespace nelson::xdr
