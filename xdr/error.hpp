// Errors of the XDR codec, as values.
//
// Neither the Encoder nor the Decoder throws. The first failure is recorded as an `Error`
// (what failed, and at which byte offset of the stream) and every later operation fails
// too, so a caller may run a whole sequence and check once at the end:
//
//   xdr::Decoder d(bytes);
//   uint32_t prog = 0, vers = 0;
//   if (!d.get_uint(prog) || !d.get_uint(vers)) return d.error();   // "truncated at byte 4"
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace nelson::xdr {

enum class Errc : std::uint8_t {
  ok = 0,
  truncated,             // fewer bytes left than the item needs
  length_exceeds_max,    // a length prefix above the declared maximum (opaque<16> with 17)
  length_exceeds_input,  // a length or count prefix larger than what remains of the input
  nonzero_padding,       // padding bytes not zero (only under PaddingPolicy::strict)
  bad_bool,              // a bool that is neither 0 nor 1
  bad_discriminant,      // a union discriminant or enum value with no arm (set by callers)
  no_space,              // the encoder's output region (or its sink) is full
  too_deep,              // a caller-set nesting or chain limit was exceeded
  trailing_bytes,        // bytes left over where the whole input should have been consumed
};

/// The name of an error code, e.g. "length exceeds maximum".
[[nodiscard]] std::string_view to_string(Errc code) noexcept;

/// What failed, and where: `offset` counts bytes from the start of the stream.
struct Error {
  Errc code = Errc::ok;
  std::size_t offset = 0;

  [[nodiscard]] constexpr explicit operator bool() const noexcept { return code != Errc::ok; }
  /// "length exceeds maximum at byte 12".
  [[nodiscard]] std::string message() const;
  friend constexpr bool operator==(const Error&, const Error&) = default;
};

}  // namespace nelson::xdr
