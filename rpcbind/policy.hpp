// rpcbind::policy — who may change the registrations, who owns what they register, and which
// indirect calls may be forwarded. Pure functions of the caller and the request, so the
// service's dispatch stays a lookup and the rules can be read (and tested) in one place.
//
// The rules, after the hardened rpcbind (security.c, rpcb_svc_com.c, pmap_svc.c) and Wietse
// Venema's portmap 5 (its privileged-port check), each with a named switch:
//   1. SET and UNSET (every version) only from a local caller: a UNIX-socket peer, whose uid
//      the kernel vouches for, or a TCP/UDP peer on a loopback address (127.0.0.0/8, ::1,
//      ::ffff:127.0.0.0/104) when allow_loopback (default on; rpcbind's -L "old style local";
//      Linux drops a packet that arrives from outside with a loopback source address, as a
//      martian, unless net.ipv4.conf.*.route_localnet is set).
//   2. The owner of what a caller registers: "superuser" for uid 0 on a UNIX socket or a
//      loopback caller on a privileged port (< 1024: only root can bind one); the decimal uid
//      ("1000") for other UNIX peers; "unknown" for other loopback callers. These are rpcbind's
//      strings, so `rpcinfo -s` shows the same owners. Only the owner or the superuser may UNSET.
//   3. A mapping to a privileged port (< 1024) may be registered or removed only by the
//      superuser (privileged_ports_need_superuser, default on): else any local user could point
//      clients of a root service (NFS's mountd, say) to its own port. Venema's portmap checks
//      this for PMAP v2; here it holds for every version, since v3/v4 SET has the same hole.
//   4. CALLIT, BCAST and INDIRECT are refused unless allow_indirect (default off: they let a
//      forged UDP packet make the host call a service on someone else's behalf, and amplify).
//      When on: only over UDP (as rpcbind), procedure 0 always, and never to the programs
//      rpcbind's check_callit denies (rpcbind itself, NFS, MOUNT's MNT/UMNT, YP's map reads,
//      YPBIND's SETDOM, YPPASSWD, RQUOTA).
//   5. The lists (DUMP of every version, GETADDRLIST, GETSTAT) are answered over UDP to local
//      callers only (allow_remote_udp_lists, default off), where rpcbind answers anyone: a
//      40-byte datagram with a forged source gets a reply of kilobytes sent to the victim, the
//      7-28x reflection that made open portmappers a DDoS amplifier. Over TCP (what `rpcinfo -p`
//      and `rpcinfo -s` use) the handshake proves the source, and they are answered as before.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/address.hpp"
#include "core/peer_credentials.hpp"

namespace nelson::rpcbind {

struct PolicyOptions {
  /// Rule 1: SET/UNSET from loopback TCP/UDP peers (else only from UNIX-socket peers).
  bool allow_loopback = true;
  /// Rule 3: registering or removing a mapping to a port below 1024 needs the superuser.
  bool privileged_ports_need_superuser = true;
  /// Rule 4: forward CALLIT/BCAST/INDIRECT at all.
  bool allow_indirect = false;
  /// Rule 5: answer DUMP, GETADDRLIST and GETSTAT over UDP to non-local callers.
  bool allow_remote_udp_lists = false;
};

/// Who sent a call: its transport, its address (TCP/UDP), and for a UNIX-socket peer the
/// credentials the kernel recorded (core::peer_credentials); nullopt when unknown.
struct Caller {
  core::Transport transport = core::Transport::tcp;
  core::SocketAddress peer;
  std::optional<core::PeerCredentials> credentials;
};

/// A decision, and why in a few words when it is "no" (for logs and tests).
struct Verdict {
  bool allowed = false;
  std::string_view reason;  // static text
  explicit operator bool() const noexcept { return allowed; }
};

/// True for 127.0.0.0/8, ::1 and IPv4-mapped 127.0.0.0/8.
[[nodiscard]] bool is_loopback(const core::SocketAddress& address) noexcept;
/// True for a TCP/UDP peer on a loopback address and a port below 1024.
[[nodiscard]] bool is_privileged_loopback(const Caller& caller) noexcept;

/// Rule 1: may `caller` SET or UNSET at all?
[[nodiscard]] Verdict may_change(const PolicyOptions& options, const Caller& caller) noexcept;
/// Rule 2: the owner string of what `caller` registers ("superuser", "1000", "unknown").
[[nodiscard]] std::string owner_of(const Caller& caller);
/// Rule 3: may a caller whose owner string is `owner` register or remove a mapping to
/// `uaddr` of a netid of `family` (AF_INET/AF_INET6: its port; others have no port)?
[[nodiscard]] Verdict may_map(const PolicyOptions& options, std::string_view owner, std::string_view uaddr,
                              int family) noexcept;
/// Rule 5: may a list (DUMP, GETADDRLIST, GETSTAT) be sent to `caller`?
[[nodiscard]] Verdict may_list(const PolicyOptions& options, const Caller& caller) noexcept;
/// Rule 4: may an indirect call to (prog, proc) from `caller` be forwarded?
[[nodiscard]] Verdict may_forward(const PolicyOptions& options, const Caller& caller, std::uint32_t prog,
                                  std::uint32_t proc) noexcept;

}  // namespace nelson::rpcbind
