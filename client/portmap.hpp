// client::lookup — where does (program, version) listen? Asks a host's portmapper / rpcbind
// (RFC 1833), as libtirpc's rpcb_getaddr and pmap_getport do, without blocking the loop.
//
//   client::lookup(loop, "nfs1.example", 100003, 3, core::Transport::tcp, {},
//                  [](const client::LookupResult& r) {
//                    if (!r.ok()) return log(client::message(r.error));  // e.g. not_registered
//                    auto c = client::Client::create(loop, r.endpoint);
//                  });
//   auto r = client::lookup_sync(loop, "127.0.0.1", prog, 1, core::Transport::udp);   // runs the loop
//
// The questions, best first: RPCBIND v4 GETADDR, v3 GETADDR (both answer a universal address,
// "127.0.0.1.78.83"), then PMAP v2 GETPORT (a port number) when the portmapper answers
// PROG_MISMATCH or PROG_UNAVAIL to the newer versions. rpcbind answers GETADDR for the netid of
// the transport the question came in on, whatever r_netid says (rpcbind's rpcb_svc_com.c), so
// when LookupOptions::via differs from the transport looked up, lookup asks GETPORT, whose
// `prot` field names the transport. A registration on a wildcard address (0.0.0.0, ::) means
// "the portmapper's host": that address is returned instead. Like rpcbind itself, a found
// address may belong to another version of the program: rpcbind answers GETADDR and GETPORT
// with any registered version (rpcb_svc_com.c), so the first call there may get PROG_MISMATCH.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "client/error.hpp"
#include "core/address.hpp"
#include "core/loop.hpp"

namespace nelson::client {

/// The portmapper's program number and the procedure numbers lookup uses.
inline constexpr std::uint32_t kPortmapProg = 100000;
inline constexpr std::uint32_t kPmapGetport = 3;  // version 2
inline constexpr std::uint32_t kRpcbGetaddr = 3;  // versions 3 and 4

/// The portmapper version to ask after `version` failed with `error`: the newest below it the
/// portmapper says it has (PROG_MISMATCH's high; PROG_UNAVAIL says nothing), or 0 for none
/// (version 2 is the oldest; other errors do not mean the version is missing).
[[nodiscard]] inline std::uint32_t next_portmap_version(std::uint32_t version, const Error& error) noexcept {
  if (version <= 2 || (error.code != Errc::prog_mismatch && error.code != Errc::prog_unavail)) return 0;
  return error.code == Errc::prog_mismatch ? std::clamp<std::uint32_t>(error.high, 2, version - 1) : version - 1;
}

struct LookupOptions {
  std::uint16_t port = 111;                                    // the portmapper's port
  core::Transport via = core::Transport::udp;                  // how to ask it (udp or tcp)
  std::chrono::milliseconds timeout{std::chrono::seconds(5)};  // for the whole lookup
  /// The newest protocol version to try: 4, 3, or 2 (PMAP GETPORT only).
  std::uint32_t max_version = 4;
};

struct LookupResult {
  Error error;              // Errc::not_registered when the portmapper has no such program/version
  core::Endpoint endpoint;  // where the server listens, on `transport`
  [[nodiscard]] bool ok() const noexcept { return error.ok(); }
};

/// Asks the portmapper on `host` (a numeric IPv4/IPv6 address, or a name resolved with
/// getaddrinfo — which blocks) where (prog, vers) listens on `transport` (tcp or udp): RPCBIND
/// v4 GETADDR, then v3 GETADDR, falling back to PMAP v2 GETPORT when the portmapper does not
/// speak v3/v4 (PROG_MISMATCH / PROG_UNAVAIL). `done` runs exactly once, later (never inside
/// lookup()); keep the loop running until it has, and one iteration more, in which the lookup's
/// client is freed (before the loop is destroyed). Errors: unknown_host, not_registered,
/// cant_decode_reply (a malformed answer), and those of the call to the portmapper (timed_out,
/// cant_send, ...: their prog/vers/proc name the portmapper's procedure).
void lookup(core::Loop& loop, std::string_view host, std::uint32_t prog, std::uint32_t vers, core::Transport transport,
            const LookupOptions& options, std::function<void(const LookupResult&)> done);

/// lookup(), running the loop until it is done and its resources are freed.
LookupResult lookup_sync(core::Loop& loop, std::string_view host, std::uint32_t prog, std::uint32_t vers,
                         core::Transport transport, const LookupOptions& options = {});

}  // namespace nelson::client
