// client::register_service — tells the host's portmapper (nelson-rpcbind or the system's
// rpcbind) where a server listens, and unregister_service takes it back: the server side of
// RFC 1833's dynamic binding, as libtirpc's rpcb_set/rpcb_unset and pmap_set/pmap_unset do.
//
//   auto bound = server.listen(*core::parse_endpoint("tcp://0.0.0.0:0"));
//   auto r = client::register_service_sync(loop, client::registration_for(prog, 1, *bound));
//   if (!r.ok()) log(client::message(r));   // e.g. "... refused: registered already at another address"
//   ...
//   client::unregister_service_sync(loop, prog, 1);      // every netid, on clean shutdown
//
// Where: the portmapper's UNIX socket (/run/rpcbind.sock) when it exists — that is how rpcbind
// learns the caller's uid and makes it the registration's owner (over loopback TCP, Debian's
// rpcbind 1.2.6 accepts SET too, but owned by "unknown": anyone local may remove it) — else TCP
// to 127.0.0.1:111; a UNIX socket that refuses the connection falls back to TCP too. Both are
// settings (tests use an ephemeral port). How: RPCBIND v4 SET/UNSET, then v3 when the
// portmapper answers PROG_MISMATCH or PROG_UNAVAIL, then PMAP v2 SET/UNSET for a v2-only
// portmapper (netids "tcp" and "udp" only; a v2 UNSET removes both). A FALSE answer is
// Errc::registration_refused; message() says what was asked of whom, and why it is usually
// refused.
//
// This is a client of the portmapper, so it lives in client/ (server/ never knows client/): a
// server's main() registers the endpoints Server::listen() returned, and unregisters on drain.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "client/error.hpp"
#include "core/address.hpp"
#include "core/loop.hpp"

namespace nelson::client {

struct RegistrationOptions {
  /// The portmapper's UNIX socket, asked first when it exists. Empty: never.
  std::string unix_socket = "/run/rpcbind.sock";
  /// Otherwise (or when the socket refuses): TCP to this numeric address and port.
  std::string host = "127.0.0.1";
  std::uint16_t port = 111;
  /// For the whole operation, fallbacks included.
  std::chrono::milliseconds timeout{std::chrono::seconds(5)};
  /// The newest protocol version to try: 4, 3, or 2 (PMAP only).
  std::uint32_t max_version = 4;
};

/// One (program, version, netid, universal address), as RPCBIND's rpcb carries it.
struct Registration {
  std::uint32_t prog = 0;
  std::uint32_t vers = 0;
  std::string netid;  // "tcp", "udp", "tcp6", "udp6", "local"
  std::string uaddr;  // "0.0.0.0.78.83", "::.78.83", "/run/my.sock"
};

/// What `endpoint` (a bound listener: tcp://0.0.0.0:20099, unix:///run/x.sock) serves, as a
/// registration: its netid and universal address.
[[nodiscard]] Registration registration_for(std::uint32_t prog, std::uint32_t vers, const core::Endpoint& endpoint);

struct RegistrationResult {
  /// ok; registration_refused (the portmapper answered FALSE); or why the call failed:
  /// cant_send (no portmapper), auth_error (it refused a non-local caller), timed_out, ...
  Error error;
  std::uint32_t version = 0;  // the protocol version that answered (4, 3 or 2), 0 if none did
  core::Endpoint portmapper;  // the portmapper asked last
  bool unset = false;         // an unregistration
  Registration what;          // what was (un)registered (unset: prog, vers and netid only)
  [[nodiscard]] bool ok() const noexcept { return error.ok(); }
};

/// A sentence for logs: "registering program 536871065 version 1 on tcp at 0.0.0.0.78.83 with
/// the portmapper at unix:///run/rpcbind.sock (RPCBIND v4): refused ...".
[[nodiscard]] std::string message(const RegistrationResult& result);

/// Registers `what` (RPCBIND SET, falling back as described above). `done` runs exactly once,
/// later (never inside the call); keep the loop running until it has, and one iteration more.
void register_service(core::Loop& loop, const Registration& what, const RegistrationOptions& options,
                      std::function<void(const RegistrationResult&)> done);
/// Unregisters (prog, vers) on `netid`, or on every netid when it is empty (RPCBIND UNSET).
void unregister_service(core::Loop& loop, std::uint32_t prog, std::uint32_t vers, std::string_view netid,
                        const RegistrationOptions& options, std::function<void(const RegistrationResult&)> done);

/// The same, running the loop until done (start-up and shutdown code, tools, tests).
RegistrationResult register_service_sync(core::Loop& loop, const Registration& what,
                                         const RegistrationOptions& options = {});
RegistrationResult unregister_service_sync(core::Loop& loop, std::uint32_t prog, std::uint32_t vers,
                                           std::string_view netid = {}, const RegistrationOptions& options = {});

}  // namespace nelson::client
