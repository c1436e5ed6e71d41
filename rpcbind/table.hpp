// rpcbind::Table — the portmapper's registrations: which (program, version, netid) listens at
// which universal address, and who owns the registration.
//
//   rpcbind::Table table;
//   table.set({.prog = 100003, .vers = 3, .netid = "tcp", .uaddr = "0.0.0.0.8.1", .owner = "superuser"});
//   table.getaddr(100003, 3, "tcp");            // RPCBIND v3/v4 GETADDR: "0.0.0.0.8.1"
//   table.getport(100003, 3, kIpprotoTcp);      // PMAP v2 GETPORT: 2049
//   table.unset(100003, 3, "", "superuser");    // every netid
//
// The rules are rpcbind's (rpcb_svc_com.c, pmap_svc.c), with bounds it lacks:
//   - SET of a (prog, vers, netid) already registered succeeds when the address is the same and
//     fails when it differs (a second server cannot take over a registration; unset it first).
//   - UNSET removes (prog, vers) on one netid, or on every netid when the netid is empty; only
//     the owner of every matching registration or the superuser may (else nothing is removed).
//     Like rpcbind it succeeds when nothing matched.
//   - GETADDR answers for the caller's netid, with the address of the version asked for, or
//     else of another version of the program (the client then gets PROG_MISMATCH from the
//     server and learns its versions); GETVERSADDR only for the exact version.
//   - PMAP v2 sees the IPv4 registrations of netids "tcp" and "udp" only, as mappings to ports.
// Netids are those nelson serves (rpc::parse_netid: tcp, udp, tcp6, udp6, local); an address
// must be a well-formed universal address of the netid's family. Entries are kept sorted by
// (prog, vers, netid): DUMP lists them in that stable order.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "rpcbind/key_less.hpp"
#include "rpcbind/limits.hpp"

namespace nelson::rpcbind {

/// The owner of registrations made by root (a UNIX peer with uid 0, or a privileged port on
/// loopback): it may also remove anyone's.
inline constexpr std::string_view kSuperuser = "superuser";

/// IPPROTO_TCP and IPPROTO_UDP, as PMAP v2 names transports.
inline constexpr std::uint32_t kIpprotoTcp = 6;
inline constexpr std::uint32_t kIpprotoUdp = 17;

struct Entry {
  std::uint32_t prog = 0;
  std::uint32_t vers = 0;
  std::string netid;
  std::string uaddr;
  std::string owner;
  friend bool operator==(const Entry&, const Entry&) = default;
};

/// How a change went.
enum class Outcome : std::uint8_t {
  ok,           // done (for UNSET also: nothing matched)
  unchanged,    // SET of exactly what is registered already: success, nothing changed
  conflict,     // SET: registered already at another address
  full,         // SET: the table holds limits.max_entries registrations
  bad_netid,    // a netid nelson does not serve, or longer than kMaxNetid
  bad_address,  // not a universal address of the netid's family, or longer than kMaxUaddr
  bad_owner,    // an empty owner or one longer than kMaxOwner
  not_owner,    // UNSET: a matching registration belongs to someone else
};
[[nodiscard]] std::string_view to_string(Outcome outcome) noexcept;
/// True for ok and unchanged: what the protocol answers TRUE to.
[[nodiscard]] constexpr bool succeeded(Outcome o) noexcept { return o == Outcome::ok || o == Outcome::unchanged; }

struct UnsetResult {
  Outcome outcome = Outcome::ok;
  std::size_t removed = 0;
};

class Table {
 public:
  explicit Table(TableLimits limits = {}) : limits_(limits) {}

  /// RPCBPROC_SET: registers `entry` (see the rules above).
  [[nodiscard]] Outcome set(const Entry& entry);
  /// Checks `entry` as set() would, without the table: the bounds, netid and address.
  [[nodiscard]] static Outcome validate(const Entry& entry);
  /// RPCBPROC_UNSET: removes (prog, vers) on `netid` (empty: every netid) if `owner` may.
  [[nodiscard]] UnsetResult unset(std::uint32_t prog, std::uint32_t vers, std::string_view netid,
                                  std::string_view owner);

  /// PMAPPROC_SET: (prog, vers) on "tcp" or "udp" at "0.0.0.0.p1.p2". bad_netid for another
  /// protocol, bad_address for port 0 or above 65535.
  [[nodiscard]] Outcome set_pmap(std::uint32_t prog, std::uint32_t vers, std::uint32_t prot, std::uint32_t port,
                                 std::string_view owner);
  /// PMAPPROC_UNSET: (prog, vers) on "tcp" and "udp".
  [[nodiscard]] UnsetResult unset_pmap(std::uint32_t prog, std::uint32_t vers, std::string_view owner);

  /// GETADDR: the registration of (prog, vers) on `netid`, else of another version of prog on
  /// it (the highest); null if none.
  [[nodiscard]] const Entry* find(std::uint32_t prog, std::uint32_t vers, std::string_view netid) const;
  /// GETVERSADDR: the registration of exactly (prog, vers) on `netid`; null if none.
  [[nodiscard]] const Entry* find_exact(std::uint32_t prog, std::uint32_t vers, std::string_view netid) const;
  /// GETADDR's answer: find()'s address, or "" (the protocol's "not registered").
  [[nodiscard]] std::string_view getaddr(std::uint32_t prog, std::uint32_t vers, std::string_view netid) const;
  /// GETVERSADDR's answer: find_exact()'s address, or "".
  [[nodiscard]] std::string_view getversaddr(std::uint32_t prog, std::uint32_t vers, std::string_view netid) const;
  /// GETADDRLIST: every registration of exactly (prog, vers), in netid order.
  [[nodiscard]] std::vector<const Entry*> find_all(std::uint32_t prog, std::uint32_t vers) const;
  /// PMAPPROC_GETPORT: the port of (prog, vers) on IPPROTO_TCP/UDP, with find()'s choice of
  /// version; 0 when not registered.
  [[nodiscard]] std::uint32_t getport(std::uint32_t prog, std::uint32_t vers, std::uint32_t prot) const;

  /// DUMP: every registration, sorted by (prog, vers, netid).
  [[nodiscard]] std::vector<const Entry*> dump() const;
  /// PMAPPROC_DUMP: the registrations v2 sees, as (prog, vers, prot, port), in the same order.
  struct Mapping {
    std::uint32_t prog = 0, vers = 0, prot = 0, port = 0;
    friend bool operator==(const Mapping&, const Mapping&) = default;
  };
  [[nodiscard]] std::vector<Mapping> dump_pmap() const;

  [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }
  [[nodiscard]] const TableLimits& limits() const noexcept { return limits_; }
  void clear() noexcept { entries_.clear(); }

 private:
  using Key = std::tuple<std::uint32_t, std::uint32_t, std::string>;
  TableLimits limits_;
  std::map<Key, Entry, KeyLess> entries_;
};

/// The netid PMAP v2 uses for a protocol number ("tcp", "udp"), or "" for another.
[[nodiscard]] std::string_view pmap_netid(std::uint32_t prot) noexcept;

}  // namespace nelson::rpcbind
