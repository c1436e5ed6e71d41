// The ONC RPC v2 call and reply headers (RFC 5531, section 9). See message.hpp.
#include "rpc/message.hpp"

#include <cstdint>

#include "xdr/byte_order.hpp"

namespace nelson::rpc {
namespace {

constexpr std::int32_t raw(auto v) noexcept { return static_cast<std::int32_t>(v); }

// The common start of every accepted reply: xid, REPLY, MSG_ACCEPTED, verifier, accept_stat.
void put_accepted(xdr::Encoder& e, std::uint32_t xid, const OpaqueAuth& verf, AcceptStat stat) noexcept {
  if (verf.body.empty()) {  // the usual case: six words, one bounds check
    if (std::byte* p = e.reserve(24); p != nullptr) {
      xdr::store_be32(p, xid);
      xdr::store_be32(p + 4, static_cast<std::uint32_t>(MsgType::reply));
      xdr::store_be32(p + 8, static_cast<std::uint32_t>(ReplyStat::msg_accepted));
      xdr::store_be32(p + 12, static_cast<std::uint32_t>(verf.flavor));
      xdr::store_be32(p + 16, 0);
      xdr::store_be32(p + 20, static_cast<std::uint32_t>(stat));
    }
    return;
  }
  e.put_uint(xid);
  e.put_enum(raw(MsgType::reply));
  e.put_enum(raw(ReplyStat::msg_accepted));
  encode_opaque_auth(e, verf);
  e.put_enum(raw(stat));
}

// The common start of every denied reply: xid, REPLY, MSG_DENIED, reject_stat. No verifier:
// `rejected_reply` has none, and a peer reading one would misparse everything after it.
void put_denied(xdr::Encoder& e, std::uint32_t xid, RejectStat stat) noexcept {
  e.put_uint(xid);
  e.put_enum(raw(MsgType::reply));
  e.put_enum(raw(ReplyStat::msg_denied));
  e.put_enum(raw(stat));
}

}  // namespace

bool decode_opaque_auth(xdr::Decoder& d, OpaqueAuth& out) noexcept {
  std::uint32_t flavor = 0;
  if (!d.get_uint(flavor) || !d.view_opaque(out.body, kMaxAuthBytes)) return false;
  out.flavor = static_cast<AuthFlavor>(flavor);
  return true;
}

void encode_opaque_auth(xdr::Encoder& e, const OpaqueAuth& auth) noexcept {
  e.put_uint(static_cast<std::uint32_t>(auth.flavor));
  if (auth.body.empty()) {  // AUTH_NONE, the verifier of almost every reply: no opaque path
    e.put_uint(0);
    return;
  }
  e.put_opaque(auth.body, kMaxAuthBytes);
}

CallResult decode_call_general(xdr::Decoder& d, CallHeader& out) noexcept {
  CallResult r;
  auto garbage = [&] {
    r.status = CallStatus::garbage;
    r.error = d.error();
    return r;
  };
  if (!d.get_uint(out.xid)) return garbage();
  r.has_xid = true;
  r.xid = out.xid;

  std::int32_t type = 0;
  if (!d.get_enum(type)) return garbage();
  if (type == raw(MsgType::reply)) {
    r.status = CallStatus::not_a_call;
    return r;
  }
  if (type != raw(MsgType::call)) {
    d.fail(xdr::Errc::bad_discriminant);
    return garbage();
  }

  std::uint32_t rpcvers = 0;
  if (!d.get_uint(rpcvers)) return garbage();
  if (rpcvers != kRpcVersion) {
    // Stop here: what follows is laid out by a protocol version we do not know.
    r.status = CallStatus::rpc_mismatch;
    return r;
  }
  if (!d.get_uint(out.prog) || !d.get_uint(out.vers) || !d.get_uint(out.proc)) return garbage();

  // A body over 400 bytes is an authentication error the client is told about; any other
  // failure inside an opaque_auth (truncation) leaves the header unreadable: garbage.
  if (!decode_opaque_auth(d, out.cred)) {
    if (d.error().code != xdr::Errc::length_exceeds_max) return garbage();
    r.status = CallStatus::bad_cred;
    r.error = d.error();
    return r;
  }
  if (!decode_opaque_auth(d, out.verf)) {
    if (d.error().code != xdr::Errc::length_exceeds_max) return garbage();
    r.status = CallStatus::bad_verf;
    r.error = d.error();
    return r;
  }
  return r;
}

void encode_call_general(xdr::Encoder& e, std::uint32_t xid, std::uint32_t prog, std::uint32_t vers, std::uint32_t proc,
                         const OpaqueAuth& cred, const OpaqueAuth& verf) noexcept {
  e.put_uint(xid);
  e.put_enum(raw(MsgType::call));
  e.put_uint(kRpcVersion);
  e.put_uint(prog);
  e.put_uint(vers);
  e.put_uint(proc);
  encode_opaque_auth(e, cred);
  encode_opaque_auth(e, verf);
}

void encode_success_reply_general(xdr::Encoder& e, std::uint32_t xid, const OpaqueAuth& verf) noexcept {
  put_accepted(e, xid, verf, AcceptStat::success);
}

void encode_prog_unavail_reply(xdr::Encoder& e, std::uint32_t xid, const OpaqueAuth& verf) noexcept {
  put_accepted(e, xid, verf, AcceptStat::prog_unavail);
}

void encode_prog_mismatch_reply(xdr::Encoder& e, std::uint32_t xid, const OpaqueAuth& verf, std::uint32_t low,
                                std::uint32_t high) noexcept {
  put_accepted(e, xid, verf, AcceptStat::prog_mismatch);
  e.put_uint(low);
  e.put_uint(high);
}

void encode_proc_unavail_reply(xdr::Encoder& e, std::uint32_t xid, const OpaqueAuth& verf) noexcept {
  put_accepted(e, xid, verf, AcceptStat::proc_unavail);
}

void encode_garbage_args_reply(xdr::Encoder& e, std::uint32_t xid, const OpaqueAuth& verf) noexcept {
  put_accepted(e, xid, verf, AcceptStat::garbage_args);
}

void encode_system_err_reply(xdr::Encoder& e, std::uint32_t xid, const OpaqueAuth& verf) noexcept {
  put_accepted(e, xid, verf, AcceptStat::system_err);
}

void encode_rpc_mismatch_reply(xdr::Encoder& e, std::uint32_t xid, std::uint32_t low, std::uint32_t high) noexcept {
  put_denied(e, xid, RejectStat::rpc_mismatch);
  e.put_uint(low);
  e.put_uint(high);
}

void encode_auth_error_reply(xdr::Encoder& e, std::uint32_t xid, AuthStat why) noexcept {
  put_denied(e, xid, RejectStat::auth_error);
  e.put_enum(raw(why));
}

bool encode_error_reply(xdr::Encoder& e, const CallResult& result) noexcept {
  switch (result.status) {
    case CallStatus::rpc_mismatch: encode_rpc_mismatch_reply(e, result.xid); return true;
    case CallStatus::bad_cred: encode_auth_error_reply(e, result.xid, AuthStat::auth_badcred); return true;
    case CallStatus::bad_verf: encode_auth_error_reply(e, result.xid, AuthStat::auth_badverf); return true;
    case CallStatus::ok:
    case CallStatus::garbage:
    case CallStatus::not_a_call: return false;
  }
  return false;
}

ReplyResult decode_reply_general(xdr::Decoder& d, ReplyHeader& out) noexcept {
  ReplyResult r;
  auto garbage = [&] {
    r.status = ReplyStatus::garbage;
    r.error = d.error();
    return r;
  };
  auto bad_discriminant = [&] {
    d.fail(xdr::Errc::bad_discriminant);
    return garbage();
  };
  if (!d.get_uint(out.xid)) return garbage();
  r.has_xid = true;
  r.xid = out.xid;

  std::int32_t value = 0;
  if (!d.get_enum(value)) return garbage();
  if (value == raw(MsgType::call)) {
    r.status = ReplyStatus::not_a_reply;
    return r;
  }
  if (value != raw(MsgType::reply)) return bad_discriminant();

  if (!d.get_enum(value)) return garbage();
  if (value == raw(ReplyStat::msg_accepted)) {
    out.stat = ReplyStat::msg_accepted;
    if (!decode_opaque_auth(d, out.verf) || !d.get_enum(value)) return garbage();
    out.accept_stat = static_cast<AcceptStat>(value);
    if (out.accept_stat == AcceptStat::prog_mismatch && (!d.get_uint(out.low) || !d.get_uint(out.high))) {
      return garbage();
    }
    return r;
  }
  if (value != raw(ReplyStat::msg_denied)) return bad_discriminant();

  out.stat = ReplyStat::msg_denied;
  if (!d.get_enum(value)) return garbage();
  if (value == raw(RejectStat::rpc_mismatch)) {
    out.reject_stat = RejectStat::rpc_mismatch;
    if (!d.get_uint(out.low) || !d.get_uint(out.high)) return garbage();
    return r;
  }
  if (value != raw(RejectStat::auth_error)) return bad_discriminant();
  out.reject_stat = RejectStat::auth_error;
  if (!d.get_enum(value)) return garbage();
  out.auth_stat = static_cast<AuthStat>(value);
  return r;
}

}  // namespace nelson::rpc
