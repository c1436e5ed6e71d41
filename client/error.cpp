#include "client/error.hpp"

#include <cstring>

namespace nelson::client {

std::string_view to_string(Errc code) noexcept {
  switch (code) {
    case Errc::ok: return "ok";
    case Errc::cant_encode_args: return "cant_encode_args";
    case Errc::cant_send: return "cant_send";
    case Errc::cant_receive: return "cant_receive";
    case Errc::timed_out: return "timed_out";
    case Errc::prog_unavail: return "prog_unavail";
    case Errc::prog_mismatch: return "prog_mismatch";
    case Errc::proc_unavail: return "proc_unavail";
    case Errc::garbage_args: return "garbage_args";
    case Errc::system_err: return "system_err";
    case Errc::auth_error: return "auth_error";
    case Errc::rpc_mismatch: return "rpc_mismatch";
    case Errc::cant_decode_reply: return "cant_decode_reply";
    case Errc::not_resent: return "not_resent";
    case Errc::not_registered: return "not_registered";
    case Errc::unknown_host: return "unknown_host";
    case Errc::registration_refused: return "registration_refused";
  }
  return "unknown";
}

std::string_view describe(rpc::AuthStat why) noexcept {
  switch (why) {
    case rpc::AuthStat::auth_ok: return "no reason given";
    case rpc::AuthStat::auth_badcred: return "the credential is malformed";
    case rpc::AuthStat::auth_rejectedcred: return "the credential was rejected (begin a new session)";
    case rpc::AuthStat::auth_badverf: return "the verifier is malformed";
    case rpc::AuthStat::auth_rejectedverf: return "the verifier expired or was replayed";
    case rpc::AuthStat::auth_tooweak: return "the credential is too weak for this procedure";
    case rpc::AuthStat::auth_invalidresp: return "the response verifier is invalid";
    case rpc::AuthStat::auth_failed: return "authentication failed for an unknown reason";
    case rpc::AuthStat::rpcsec_gss_credproblem: return "no RPCSEC_GSS credentials for the user";
    case rpc::AuthStat::rpcsec_gss_ctxproblem: return "a problem with the RPCSEC_GSS context";
    default: return "a Kerberos or unknown authentication problem";
  }
}

namespace {
std::string call_name(const Error& e) {
  return "program " + std::to_string(e.prog) + " version " + std::to_string(e.vers);
}
std::string with_errno(std::string text, int err) {
  if (err != 0) text += std::string(": ") + std::strerror(err);  // NOLINT(concurrency-mt-unsafe)
  return text;
}
}  // namespace

std::string message(const Error& e) {
  const std::string proc = call_name(e) + " procedure " + std::to_string(e.proc);
  switch (e.code) {
    case Errc::ok: return "success";
    case Errc::cant_encode_args: return "the arguments of " + proc + " could not be encoded";
    case Errc::cant_send: return with_errno("cannot send the call of " + proc + " to the server", e.sys_errno);
    case Errc::cant_receive:
      return with_errno("the connection was lost before the reply to " + proc + " arrived", e.sys_errno);
    case Errc::timed_out: return "no reply to " + proc + " before the timeout";
    case Errc::prog_unavail: return "program " + std::to_string(e.prog) + " is not available on the server";
    case Errc::prog_mismatch:
      return call_name(e) + " is not available: the server has versions " + std::to_string(e.low) + " to " +
             std::to_string(e.high);
    case Errc::proc_unavail: return "procedure " + std::to_string(e.proc) + " of " + call_name(e) + " is not available";
    case Errc::garbage_args: return "the server could not decode the arguments of " + proc;
    case Errc::system_err: return "the server failed to execute " + proc + " (system error)";
    case Errc::auth_error:
      return "the server refused the credential of " + proc + ": " + std::string(describe(e.auth_stat));
    case Errc::rpc_mismatch:
      return "the server does not speak RPC version 2: it has versions " + std::to_string(e.low) + " to " +
             std::to_string(e.high);
    case Errc::cant_decode_reply: return "the reply to " + proc + " is malformed";
    case Errc::not_resent:
      return with_errno("the connection was lost after the call of " + proc +
                            " was sent: it may or may not have run, and it was not resent because it is not "
                            "marked retry-safe",
                        e.sys_errno);
    case Errc::not_registered:
      return call_name(e) + " is not registered with the portmapper for " + std::string(core::to_string(e.transport));
    case Errc::unknown_host: return "the host name of the server could not be resolved";
    case Errc::registration_refused:
      if (e.proc == 2) return "the portmapper refused to unregister " + call_name(e) + " (it is someone else's)";
      return "the portmapper refused to register " + call_name(e) +
             " (registered already at another address, a port it may not map, or its table is full)";
  }
  return "unknown error";
}

}  // namespace nelson::client
