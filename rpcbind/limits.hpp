// The bounds of nelson-rpcbind's state: every registration and every counter it keeps on behalf
// of callers is bounded, so no sequence of calls can make it grow without limit (the "rpcbomb"
// class: CVE-2017-8779 made rpcbind allocate whatever lengths a call claimed, and never free).
//
// The string bounds are the contract's (rpcbind/rpcb_prot.x: RPCB_MAXNETID, ...), so a string
// the table would refuse is already refused while the call is decoded, before it is copied.
#pragma once

#include <cstddef>

#include "rpcb_prot.hpp"

namespace nelson::rpcbind {

/// A netid: "tcp", "udp6", "local" (/etc/netconfig's are at most 9 characters).
inline constexpr std::size_t kMaxNetid = proto::RPCB_MAXNETID;
/// A universal address: IPv6 text and ".p1.p2" are at most 53 characters, a UNIX path at most 107.
inline constexpr std::size_t kMaxUaddr = proto::RPCB_MAXUADDR;
/// An owner: "superuser", "unknown" or a decimal uid.
inline constexpr std::size_t kMaxOwner = proto::RPCB_MAXOWNER;

struct TableLimits {
  /// Registrations (prog, vers, netid) the table holds; SET beyond answers FALSE. A host runs a
  /// few dozen RPC services with a handful of netids each: 1024 is far above any real use and
  /// keeps a DUMP reply within ~300 KiB.
  std::size_t max_entries = 1024;
  /// (version, prog, vers, netid) keys whose lookups GETSTAT counts; lookups of further keys
  /// are counted only in the per-procedure totals (and in lookups_uncounted).
  std::size_t max_stat_keys = 256;
};

}  // namespace nelson::rpcbind
