// AUTH_SYS credentials (RFC 5531, appendix A): the caller's claimed uid, gid and groups.
//
//   rpc::AuthSys sys;
//   if (call.cred.flavor == rpc::AuthFlavor::auth_sys &&
//       rpc::parse_auth_sys(call.cred.body, sys) != rpc::AuthStat::auth_ok)
//     return rpc::encode_auth_error_reply(out, call.xid, rpc::AuthStat::auth_badcred);
//
// Parsing does not allocate: the machine name is a view into the credential body (and so into
// the record), the groups sit in a fixed array of the protocol's maximum of 16.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "rpc/message.hpp"
#include "xdr/decoder.hpp"
#include "xdr/encoder.hpp"
#include "xdr/error.hpp"

namespace nelson::rpc {

/// The longest `machinename` AUTH_SYS allows.
inline constexpr std::uint32_t kMaxMachineName = 255;
/// The most supplementary groups AUTH_SYS allows.
inline constexpr std::uint32_t kMaxGids = 16;

/// `struct authsys_parms`.
struct AuthSys {
  std::uint32_t stamp = 0;
  std::string_view machine_name;  // at most kMaxMachineName bytes; a view, not owned
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::array<std::uint32_t, kMaxGids> gids{};
  std::uint32_t gid_count = 0;  // how many of `gids` are used; at most kMaxGids

  /// The supplementary groups in use.
  [[nodiscard]] std::span<const std::uint32_t> groups() const noexcept {
    return {gids.data(), gid_count <= kMaxGids ? gid_count : kMaxGids};
  }
};

/// Reads an `authsys_parms` from `d` (nothing else: trailing data is the caller's business).
/// A name over 255 bytes or more than 16 groups is Errc::length_exceeds_max.
[[nodiscard]] bool decode_auth_sys(xdr::Decoder& d, AuthSys& out) noexcept;

/// Parses a whole AUTH_SYS credential body. Returns auth_ok, or auth_badcred when the body is
/// malformed: truncated, a name over 255 bytes, more than 16 groups, or bytes left over (a
/// body must be exactly one authsys_parms, else two peers could read different credentials
/// from it). `error`, if given, receives what failed and where within the body.
[[nodiscard]] AuthStat parse_auth_sys(std::span<const std::byte> body, AuthSys& out,
                                      xdr::Error* error = nullptr) noexcept;

/// Writes `in` as an AUTH_SYS credential body (client side), e.g. into a kMaxAuthBytes buffer
/// that then becomes OpaqueAuth{AuthFlavor::auth_sys, e.written()}. A name over 255 bytes or
/// gid_count over 16 fails the encoder (Errc::length_exceeds_max).
void encode_auth_sys(xdr::Encoder& e, const AuthSys& in) noexcept;

}  // namespace nelson::rpc
