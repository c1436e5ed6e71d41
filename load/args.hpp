// load::PreparedArgs — a call's arguments encoded once, before the run, so that sending a call
// is one copy of ready XDR bytes (no encoding, no allocation per call), together with the
// result a checked reply must carry.
//
//   auto prepared = load::prepare_args(options.args, options.check);
//   if (!prepared) return fail(prepared.error().message);
//   client.call(prog, vers, proc, prepared->writer(), ...);
//
//   --args opaque:N   opaque<> of N bytes (fixed: byte i is i*31+7 mod 256, like
//                     nelson-bench-blast; random: drawn once at start-up)
//   --args ints:N     int<> of N values i*2654435761 (as int32: mixed signs)
//   --args file:PATH  the file's bytes as they are (must be whole XDR units: a multiple of 4)
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/result.hpp"
#include "load/options.hpp"
#include "xdr/encoder.hpp"

namespace nelson::load {

struct PreparedArgs {
  std::vector<std::byte> bytes;     // the encoded arguments
  std::vector<std::byte> expected;  // --check: the exact results a correct reply carries

  /// Writes `bytes` (whole XDR units, so no padding is added).
  void operator()(xdr::Encoder& e) const noexcept { e.put_raw(bytes.data(), bytes.size()); }
  /// The results match what --check expects (call only when a check was asked for).
  [[nodiscard]] bool matches(std::span<const std::byte> results) const noexcept;
};

/// Encodes `spec` (reading the file of file:PATH). With `check` echo, expected = the opaque
/// itself; sum: the hyper sum of the ints.
[[nodiscard]] core::Result<PreparedArgs> prepare_args(const ArgsSpec& spec, Check check);

/// The int<> values of --args ints:N (value i), exposed for the tests.
[[nodiscard]] constexpr std::int32_t int_value(std::size_t i) noexcept {
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(i) * 2654435761U);
}

}  // namespace nelson::load
