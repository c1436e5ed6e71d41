// Big-endian loads and stores of single scalars at any alignment.
// Arrays go through xdr/simd.hpp instead; these are for one value at a time.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

namespace nelson::xdr {

[[nodiscard]] constexpr std::uint32_t byteswap32(std::uint32_t v) noexcept { return __builtin_bswap32(v); }
[[nodiscard]] constexpr std::uint64_t byteswap64(std::uint64_t v) noexcept { return __builtin_bswap64(v); }

/// Host order <-> big-endian (network, XDR) order.
[[nodiscard]] constexpr std::uint32_t to_big32(std::uint32_t v) noexcept {
  if constexpr (std::endian::native == std::endian::little) return byteswap32(v);
  return v;
}
[[nodiscard]] constexpr std::uint64_t to_big64(std::uint64_t v) noexcept {
  if constexpr (std::endian::native == std::endian::little) return byteswap64(v);
  return v;
}

// Stores go through packed structs rather than memcpy. A memcpy into a byte buffer is a
// char-typed store, which may alias anything, the Encoder's own cursor included: the compiler
// then reloads the cursor from memory after every field (a store-forwarding stall per field,
// ~20% of a small struct's encode). A packed uint32_t/uint64_t store may be unaligned, yet
// cannot alias a pointer, so the cursor stays in a register.
struct [[gnu::packed]] PackedU32 {
  std::uint32_t value;
};
struct [[gnu::packed]] PackedU64 {
  std::uint64_t value;
};

inline void store_be32(void* p, std::uint32_t v) noexcept { static_cast<PackedU32*>(p)->value = to_big32(v); }
inline void store_be64(void* p, std::uint64_t v) noexcept { static_cast<PackedU64*>(p)->value = to_big64(v); }
[[nodiscard]] inline std::uint32_t load_be32(const void* p) noexcept {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return to_big32(v);
}
[[nodiscard]] inline std::uint64_t load_be64(const void* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return to_big64(v);
}

}  // namespace nelson::xdr
