// XDR values that have no natural C++ type, and size arithmetic shared by the codec.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace nelson::xdr {

/// The maximum of `opaque<>`, `string<>` and `T<>` written without a bound: 2^32 - 1.
inline constexpr std::uint32_t kUnbounded = std::numeric_limits<std::uint32_t>::max();

/// XDR's unit: every item occupies a multiple of 4 bytes.
inline constexpr std::size_t kUnit = 4;

/// Bytes of zero padding after `n` bytes of opaque data or string.
[[nodiscard]] constexpr std::size_t padding_of(std::size_t n) noexcept { return (kUnit - n % kUnit) % kUnit; }
/// `n` rounded up to a multiple of 4.
[[nodiscard]] constexpr std::size_t padded(std::size_t n) noexcept { return n + padding_of(n); }

/// `quadruple` (IEEE 754 binary128). C++ has no portable binary128 type, so it travels as its
/// 16 big-endian bytes, exactly as they appear on the wire.
struct Quadruple {
  std::array<std::byte, 16> bytes{};
  friend constexpr bool operator==(const Quadruple&, const Quadruple&) = default;
};

/// `void`: encodes to nothing.
struct Void {
  friend constexpr bool operator==(Void, Void) = default;
};

/// What the decoder does with non-zero padding bytes. RFC 4506 says padding is zero;
/// libtirpc does not check it on decode, so `lenient` (the default) accepts what libtirpc
/// accepts, and `strict` rejects it with Errc::nonzero_padding.
enum class PaddingPolicy : std::uint8_t { lenient, strict };

}  // namespace nelson::xdr
