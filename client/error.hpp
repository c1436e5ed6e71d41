// client::Error — why a call failed, as a value, named after libtirpc's clnt_stat so that
// people who know RPC_PROGVERSMISMATCH find their way; message() says it in words.
//
//   if (!result.ok()) log(client::message(result.error));
//   // "program 536871065 version 2 is not available: the server has versions 1 to 1"
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/address.hpp"
#include "rpc/message.hpp"

namespace nelson::client {

enum class Errc : std::uint8_t {
  ok = 0,
  cant_encode_args,   // the arguments did not encode (RPC_CANTENCODEARGS)
  cant_send,          // no connection, or the send failed (RPC_CANTSEND)
  cant_receive,       // the connection was lost before the reply came (RPC_CANTRECV)
  timed_out,          // no reply within CallOptions::timeout (RPC_TIMEDOUT)
  prog_unavail,       // the server does not export the program (RPC_PROGUNAVAIL)
  prog_mismatch,      // ... nor this version of it: see low/high (RPC_PROGVERSMISMATCH)
  proc_unavail,       // ... nor this procedure (RPC_PROCUNAVAIL)
  garbage_args,       // the server could not decode the arguments (RPC_CANTDECODEARGS)
  system_err,         // the server failed (RPC_SYSTEMERROR)
  auth_error,         // the server refused the credential: see auth_stat (RPC_AUTHERROR)
  rpc_mismatch,       // the server does not speak RPC version 2: see low/high (RPC_VERSMISMATCH)
  cant_decode_reply,  // the reply was malformed (RPC_CANTDECODERES)
  // A stream connection was lost after the call was sent and the call was not resent because
  // it is not CallOptions::retry_safe: it may or may not have run. (No clnt_stat: libtirpc
  // never reconnects.)
  not_resent,
  not_registered,  // the portmapper has no such program/version on that transport (RPC_PROGNOTREGISTERED)
  unknown_host,    // the host name could not be resolved (RPC_UNKNOWNHOST)
  // The portmapper answered FALSE to a SET (proc 1) or UNSET (proc 2) of prog/vers: registered
  // already at another address, owned by someone else, or its table is full (no clnt_stat:
  // rpcb_set just returns FALSE).
  registration_refused,
};

/// What failed, with the details message() needs. `code == ok` means no error.
struct Error {
  Errc code = Errc::ok;
  std::uint32_t prog = 0;  // the call's program, version and procedure
  std::uint32_t vers = 0;
  std::uint32_t proc = 0;
  std::uint32_t low = 0;  // prog_mismatch / rpc_mismatch: the versions the server has
  std::uint32_t high = 0;
  rpc::AuthStat auth_stat = rpc::AuthStat::auth_ok;  // auth_error: why
  int sys_errno = 0;                                 // cant_send / cant_receive / not_resent: the errno, if any
  core::Transport transport = core::Transport::tcp;  // not_registered: the transport asked about

  [[nodiscard]] bool ok() const noexcept { return code == Errc::ok; }
};

/// The enumerator's name ("prog_mismatch").
[[nodiscard]] std::string_view to_string(Errc code) noexcept;
/// The reason an AUTH_ERROR gave, in words ("the credential was rejected").
[[nodiscard]] std::string_view describe(rpc::AuthStat why) noexcept;
/// A sentence a person understands (allocates; not for the hot path).
[[nodiscard]] std::string message(const Error& error);

}  // namespace nelson::client
