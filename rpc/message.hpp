// rpc message layer — the ONC RPC v2 call and reply headers (RFC 5531, section 9).
//
//   xdr::Decoder d(record);                          // one whole record, e.g. from a slab
//   rpc::CallHeader call;
//   const rpc::CallResult r = rpc::decode_call(d, call);
//   if (!r.ok()) {
//     if (r.needs_reply()) rpc::encode_error_reply(out, r);   // RPC_MISMATCH / AUTH_ERROR
//     return;                                        // otherwise: drop the record
//   }
//   // d is now at the procedure's arguments; call.cred.body points into `record`.
//   rpc::encode_success_reply(out, call.xid, rpc::kNullAuth);
//   encode_results(out);
//
// Decoding never throws and never allocates: authenticator bodies are views into the input,
// so a CallHeader lives as long as the record it came from. Enum names are the RFC's names in
// lower case; the upper-case ones are macros in libtirpc's headers (AUTH_NONE, AUTH_SYS).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "xdr/byte_order.hpp"
#include "xdr/decoder.hpp"
#include "xdr/encoder.hpp"
#include "xdr/error.hpp"

namespace nelson::rpc {

/// The only RPC protocol version (the call's `rpcvers`); anything else is answered with
/// MSG_DENIED / RPC_MISMATCH, low = high = 2.
inline constexpr std::uint32_t kRpcVersion = 2;
/// The largest body of an `opaque_auth` (credential or verifier).
inline constexpr std::uint32_t kMaxAuthBytes = 400;

/// `enum msg_type`.
enum class MsgType : std::int32_t { call = 0, reply = 1 };

/// `enum reply_stat`.
enum class ReplyStat : std::int32_t { msg_accepted = 0, msg_denied = 1 };

/// `enum accept_stat`. A reply may carry other values (the RFC's union has a `default: void`
/// arm); decode_reply keeps them as they are and the client treats them as failures.
enum class AcceptStat : std::int32_t {
  success = 0,        // results follow
  prog_unavail = 1,   // program not exported here
  prog_mismatch = 2,  // version not supported: low and high supported versions follow
  proc_unavail = 3,   // procedure not in the program
  garbage_args = 4,   // arguments could not be decoded
  system_err = 5,     // e.g. memory allocation failure
};

/// `enum reject_stat`.
enum class RejectStat : std::int32_t {
  rpc_mismatch = 0,  // rpcvers != 2: low and high follow
  auth_error = 1,    // an auth_stat follows
};

/// `enum auth_stat`: why authentication failed. Values the RFC does not list are kept raw.
enum class AuthStat : std::int32_t {
  auth_ok = 0,
  auth_badcred = 1,       // bad credential (seal broken, malformed)
  auth_rejectedcred = 2,  // client must begin a new session
  auth_badverf = 3,       // bad verifier (seal broken)
  auth_rejectedverf = 4,  // verifier expired or replayed
  auth_tooweak = 5,       // rejected for security reasons
  auth_invalidresp = 6,   // bogus response verifier
  auth_failed = 7,        // reason unknown
  auth_kerb_generic = 8,  // kerberos (RFC 5531 lists 8..12 for it)
  auth_timeexpire = 9,
  auth_tkt_file = 10,
  auth_decode = 11,
  auth_net_addr = 12,
  rpcsec_gss_credproblem = 13,  // no credentials for the user
  rpcsec_gss_ctxproblem = 14,   // problem with the context
};

/// `enum auth_flavor`. Flavors are an open registry, so any value may appear on the wire.
enum class AuthFlavor : std::uint32_t {
  auth_none = 0,
  auth_sys = 1,
  auth_short = 2,
  auth_dh = 3,
  rpcsec_gss = 6,
  auth_tls = 7,  // RFC 9289: the STARTTLS probe
};

/// `struct opaque_auth` as a view: `body` points into the decoded message (or, when
/// encoding, into the caller's bytes). At most kMaxAuthBytes long.
struct OpaqueAuth {
  AuthFlavor flavor = AuthFlavor::auth_none;
  std::span<const std::byte> body;
};

/// AUTH_NONE with an empty body: the usual verifier of calls and replies.
inline constexpr OpaqueAuth kNullAuth{};

/// `struct call_body` plus the xid: everything before the procedure's arguments.
struct CallHeader {
  std::uint32_t xid = 0;
  std::uint32_t prog = 0;
  std::uint32_t vers = 0;
  std::uint32_t proc = 0;
  OpaqueAuth cred;
  OpaqueAuth verf;
};

/// What decode_call found, and so what the server does with the message.
enum class CallStatus : std::uint8_t {
  ok,            // a well-formed header; the decoder is at the arguments
  garbage,       // truncated or malformed header: drop the record, no reply (see decode_call)
  not_a_call,    // msg_type REPLY sent to a server: drop it
  rpc_mismatch,  // rpcvers != 2: answer MSG_DENIED / RPC_MISMATCH (2, 2)
  bad_cred,      // credential body over 400 bytes: answer AUTH_ERROR / AUTH_BADCRED
  bad_verf,      // verifier body over 400 bytes: answer AUTH_ERROR / AUTH_BADVERF
};

/// The outcome of decode_call. `xid` is valid when `has_xid` (always so for the statuses
/// that need a reply), so a rejection can be answered without a CallHeader.
struct CallResult {
  CallStatus status = CallStatus::ok;
  bool has_xid = false;
  std::uint32_t xid = 0;
  /// The codec error behind garbage / bad_cred / bad_verf (what, and at which byte).
  xdr::Error error{};

  [[nodiscard]] constexpr bool ok() const noexcept { return status == CallStatus::ok; }
  /// True when the RFC wants an answer (a denied reply) rather than silence.
  [[nodiscard]] constexpr bool needs_reply() const noexcept {
    return status == CallStatus::rpc_mismatch || status == CallStatus::bad_cred || status == CallStatus::bad_verf;
  }
};

/// Decodes a call header from the start of a message. On success the decoder is positioned at
/// the procedure arguments. A header whose rpcvers is not 2 stops right after rpcvers (the
/// rest's layout belongs to a version we do not know). A header truncated anywhere, or with a
/// msg_type that is neither CALL nor REPLY, is `garbage`: the RFC defines no reply for it
/// (GARBAGE_ARGS is about arguments, and an accepted reply would need an authenticated
/// verifier), so the server drops it. libtirpc drops it on UDP and closes the connection on
/// TCP; with record marking the next record is still framed, so dropping one is enough.
/// A bad msg_type is reported (Errc::bad_discriminant) at the byte after it. Never allocates.
[[nodiscard]] CallResult decode_call_general(xdr::Decoder& d, CallHeader& out) noexcept;
[[nodiscard]] inline CallResult decode_call(xdr::Decoder& d, CallHeader& out) noexcept {
  // Fast path: the shape of nearly every call (RPC version 2, a credential of whole words,
  // an empty verifier) read with one bounds check. Anything else takes the general path, which
  // reports exactly what is wrong and where.
  if (const auto in = d.rest(); in.size() >= 40) {
    const std::byte* p = in.data();
    const std::uint32_t cred_len = xdr::load_be32(p + 28);
    if (xdr::load_be32(p + 4) == static_cast<std::uint32_t>(MsgType::call) && xdr::load_be32(p + 8) == kRpcVersion &&
        cred_len <= kMaxAuthBytes && cred_len % 4 == 0 && in.size() - 40 >= cred_len &&
        xdr::load_be32(p + 36 + cred_len) == 0) {
      out.xid = xdr::load_be32(p);
      out.prog = xdr::load_be32(p + 12);
      out.vers = xdr::load_be32(p + 16);
      out.proc = xdr::load_be32(p + 20);
      out.cred = {static_cast<AuthFlavor>(xdr::load_be32(p + 24)), {p + 32, cred_len}};
      out.verf = {static_cast<AuthFlavor>(xdr::load_be32(p + 32 + cred_len)), {}};
      (void)d.skip(40 + cred_len);
      CallResult r;
      r.has_xid = true;
      r.xid = out.xid;
      return r;
    }
  }
  return decode_call_general(d, out);
}

/// encode_call for any credential and verifier (what encode_call does out of line).
void encode_call_general(xdr::Encoder& e, std::uint32_t xid, std::uint32_t prog, std::uint32_t vers, std::uint32_t proc,
                         const OpaqueAuth& cred, const OpaqueAuth& verf) noexcept;
/// Encodes a call header (client side); the caller appends the arguments. Bodies over 400
/// bytes fail the encoder (Errc::length_exceeds_max). Inline: once per call.
inline void encode_call(xdr::Encoder& e, std::uint32_t xid, std::uint32_t prog, std::uint32_t vers, std::uint32_t proc,
                        const OpaqueAuth& cred, const OpaqueAuth& verf) noexcept {
  // Fast path: a credential of whole words (AUTH_NONE, AUTH_SYS) and an empty verifier, the
  // shape of nearly every call: ten words and the credential's body under one bounds check.
  const std::size_t cred_len = cred.body.size();
  if (!verf.body.empty() || cred_len > kMaxAuthBytes || cred_len % 4 != 0) [[unlikely]]
    return encode_call_general(e, xid, prog, vers, proc, cred, verf);
  std::byte* p = e.reserve(40 + cred_len);
  if (p == nullptr) return;  // the encoder has recorded the failure
  xdr::store_be32(p, xid);
  xdr::store_be32(p + 4, static_cast<std::uint32_t>(MsgType::call));
  xdr::store_be32(p + 8, kRpcVersion);
  xdr::store_be32(p + 12, prog);
  xdr::store_be32(p + 16, vers);
  xdr::store_be32(p + 20, proc);
  xdr::store_be32(p + 24, static_cast<std::uint32_t>(cred.flavor));
  xdr::store_be32(p + 28, static_cast<std::uint32_t>(cred_len));
  if (cred_len != 0) std::memcpy(p + 32, cred.body.data(), cred_len);
  xdr::store_be32(p + 32 + cred_len, static_cast<std::uint32_t>(verf.flavor));
  xdr::store_be32(p + 36 + cred_len, 0);
}

// --- replies (server side) -------------------------------------------------------------------
// Accepted replies carry the server's verifier; denied replies carry none.

/// MSG_ACCEPTED / SUCCESS with any verifier (what encode_success_reply does out of line).
void encode_success_reply_general(xdr::Encoder& e, std::uint32_t xid, const OpaqueAuth& verf) noexcept;
/// MSG_ACCEPTED / SUCCESS; the caller appends the results. Inline: once per reply.
inline void encode_success_reply(xdr::Encoder& e, std::uint32_t xid, const OpaqueAuth& verf) noexcept {
  if (!verf.body.empty()) return encode_success_reply_general(e, xid, verf);
  std::byte* p = e.reserve(24);  // six words, one bounds check
  if (p == nullptr) return;      // the encoder has recorded the failure
  xdr::store_be32(p, xid);
  xdr::store_be32(p + 4, static_cast<std::uint32_t>(MsgType::reply));
  xdr::store_be32(p + 8, static_cast<std::uint32_t>(ReplyStat::msg_accepted));
  xdr::store_be32(p + 12, static_cast<std::uint32_t>(verf.flavor));
  xdr::store_be32(p + 16, 0);
  xdr::store_be32(p + 20, static_cast<std::uint32_t>(AcceptStat::success));
}
/// MSG_ACCEPTED / PROG_UNAVAIL.
void encode_prog_unavail_reply(xdr::Encoder& e, std::uint32_t xid, const OpaqueAuth& verf) noexcept;
/// MSG_ACCEPTED / PROG_MISMATCH with the lowest and highest versions supported.
void encode_prog_mismatch_reply(xdr::Encoder& e, std::uint32_t xid, const OpaqueAuth& verf, std::uint32_t low,
                                std::uint32_t high) noexcept;
/// MSG_ACCEPTED / PROC_UNAVAIL.
void encode_proc_unavail_reply(xdr::Encoder& e, std::uint32_t xid, const OpaqueAuth& verf) noexcept;
/// MSG_ACCEPTED / GARBAGE_ARGS.
void encode_garbage_args_reply(xdr::Encoder& e, std::uint32_t xid, const OpaqueAuth& verf) noexcept;
/// MSG_ACCEPTED / SYSTEM_ERR.
void encode_system_err_reply(xdr::Encoder& e, std::uint32_t xid, const OpaqueAuth& verf) noexcept;
/// MSG_DENIED / RPC_MISMATCH with the RPC versions supported (only 2 exists).
void encode_rpc_mismatch_reply(xdr::Encoder& e, std::uint32_t xid, std::uint32_t low = kRpcVersion,
                               std::uint32_t high = kRpcVersion) noexcept;
/// MSG_DENIED / AUTH_ERROR with the reason.
void encode_auth_error_reply(xdr::Encoder& e, std::uint32_t xid, AuthStat why) noexcept;

/// Encodes the answer a failed decode_call owes the client (RPC_MISMATCH 2..2, AUTH_BADCRED or
/// AUTH_BADVERF). Returns false, writing nothing, when the message is to be dropped instead.
bool encode_error_reply(xdr::Encoder& e, const CallResult& result) noexcept;

// --- replies (client side) -------------------------------------------------------------------

/// `struct reply_body` plus the xid. Which fields mean something depends on the statuses:
/// `verf` and `accept_stat` for MSG_ACCEPTED; `low`/`high` for PROG_MISMATCH and RPC_MISMATCH;
/// `reject_stat` for MSG_DENIED; `auth_stat` for AUTH_ERROR.
struct ReplyHeader {
  std::uint32_t xid = 0;
  ReplyStat stat = ReplyStat::msg_accepted;
  OpaqueAuth verf;
  AcceptStat accept_stat = AcceptStat::success;
  RejectStat reject_stat = RejectStat::rpc_mismatch;
  AuthStat auth_stat = AuthStat::auth_ok;
  std::uint32_t low = 0;
  std::uint32_t high = 0;
};

/// What decode_reply found.
enum class ReplyStatus : std::uint8_t {
  ok,           // a well-formed reply header (of any outcome: look at ReplyHeader)
  garbage,      // truncated or malformed
  not_a_reply,  // msg_type CALL
};

/// The outcome of decode_reply; `xid` is valid when `has_xid`, so a client can still match a
/// malformed reply to its call.
struct ReplyResult {
  ReplyStatus status = ReplyStatus::ok;
  bool has_xid = false;
  std::uint32_t xid = 0;
  /// The codec error behind `garbage` (what, and at which byte).
  xdr::Error error{};

  [[nodiscard]] constexpr bool ok() const noexcept { return status == ReplyStatus::ok; }
};

/// Decodes a reply header. On MSG_ACCEPTED / SUCCESS the decoder is positioned at the results;
/// for every other outcome it is at the end of the header. An unknown accept_stat is accepted
/// (the RFC's `default: void` arm); an unknown reply_stat or reject_stat is `garbage`; an
/// auth_stat is kept raw. Never allocates.
[[nodiscard]] ReplyResult decode_reply_general(xdr::Decoder& d, ReplyHeader& out) noexcept;
[[nodiscard]] inline ReplyResult decode_reply(xdr::Decoder& d, ReplyHeader& out) noexcept {
  // Fast path: MSG_ACCEPTED / SUCCESS with an empty verifier, the shape of nearly every reply,
  // read with one bounds check. Anything else takes the general path.
  if (const auto in = d.rest(); in.size() >= 24) {
    const std::byte* p = in.data();
    if (xdr::load_be32(p + 4) == static_cast<std::uint32_t>(MsgType::reply) &&
        xdr::load_be32(p + 8) == static_cast<std::uint32_t>(ReplyStat::msg_accepted) && xdr::load_be32(p + 16) == 0 &&
        xdr::load_be32(p + 20) == static_cast<std::uint32_t>(AcceptStat::success)) {
      out.xid = xdr::load_be32(p);
      out.stat = ReplyStat::msg_accepted;
      out.verf = {static_cast<AuthFlavor>(xdr::load_be32(p + 12)), {}};
      out.accept_stat = AcceptStat::success;
      (void)d.skip(24);
      ReplyResult r;
      r.has_xid = true;
      r.xid = out.xid;
      return r;
    }
  }
  return decode_reply_general(d, out);
}

/// Reads an `opaque_auth` whose body may be at most kMaxAuthBytes long (a view into the input).
[[nodiscard]] bool decode_opaque_auth(xdr::Decoder& d, OpaqueAuth& out) noexcept;
/// Writes an `opaque_auth`; a body over kMaxAuthBytes fails the encoder.
void encode_opaque_auth(xdr::Encoder& e, const OpaqueAuth& auth) noexcept;

}  // namespace nelson::rpc
