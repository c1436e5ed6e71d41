// rpcbind::Service — the portmapper's procedures (RFC 1833: PMAP version 2, RPCBIND versions 3
// and 4) on a server::Server, through nelson-gen's skeletons of rpcbind/rpcb_prot.x.
//
//   server::Server server(loop);
//   rpcbind::Service service(server, {.warm_start_path = "/run/rpcbind/nelson.xdr"});
//   if (!service.register_on(server)) ...;                  // program 100000, versions 2, 3, 4
//   service.register_self(endpoints);                         // rpcinfo -p lists rpcbind itself
//   server.listen(tcp://0.0.0.0:111), udp://..., unix:///run/rpcbind.sock
//
// What each call does, and why where rpcbind differs:
//   - SET/UNSET follow rpcbind::policy (local callers only; owners from the UNIX peer's uid or a
//     privileged loopback port, never from r_owner, which the caller could forge) and
//     rpcbind::Table's rules and bounds. FALSE for every refusal, as rpcbind answers; the reason
//     goes to the log (rate-limited).
//   - GETADDR, GETVERSADDR and GETPORT look up the netid of the transport the question came in
//     on (rpcbind does the same: r_netid is ignored), and a registration on a wildcard address
//     (0.0.0.0, ::) is answered with the address the caller reached (the call's local address),
//     so a remote client gets an address it can use.
//   - GETADDRLIST lists the registrations of (prog, vers) of the arrival transport's address
//     family, the arrival netid first, with their /etc/netconfig fields.
//   - CALLIT, BCAST and INDIRECT are refused unless PolicyOptions::allow_indirect: CALLIT and
//     BCAST with silence (a broadcast's failure is no reply, and a reply would make the host a
//     reflector), INDIRECT with AUTH_TOOWEAK. When allowed, the call is forwarded over UDP to
//     the program's registered UDP address, at most ServiceOptions::max_indirect_in_flight at
//     once, each for at most indirect_timeout.
//   - DUMP, GETADDRLIST and GETSTAT get no answer over UDP from a non-local caller (policy rule
//     5: a forged 40-byte datagram must not make us send kilobytes to its victim).
//   - Every call is counted for GETSTAT (rpcbind::Stats), bounded.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "client/client.hpp"
#include "core/address.hpp"
#include "core/log.hpp"
#include "rpcb_prot.hpp"
#include "rpcbind/limits.hpp"
#include "rpcbind/policy.hpp"
#include "rpcbind/stats.hpp"
#include "rpcbind/table.hpp"
#include "server/server.hpp"

namespace nelson::rpcbind {

struct ServiceOptions {
  PolicyOptions policy{};
  TableLimits limits{};
  /// Indirect calls (CALLIT/BCAST/INDIRECT, when policy.allow_indirect) forwarded at once;
  /// more are refused as if forwarding had failed. Each keeps the datagram it came in (and a
  /// forwarding socket) until it is answered, up to indirect_timeout: 32 bounds what a flood of
  /// forwards to a silent port can hold. (At 64 the io_uring backend once stopped reading UDP,
  /// every ring buffer held; it now copies datagrams out of the ring when few buffers are left.)
  std::size_t max_indirect_in_flight = 32;
  /// How long a forwarded call may take (retransmitted every second over UDP meanwhile).
  std::chrono::milliseconds indirect_timeout{std::chrono::seconds(3)};
};

class Service {
 public:
  Service(core::Loop& loop, ServiceOptions options = {});
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  /// Serves program 100000 versions 2, 3 and 4 on `server`. False if a procedure was refused.
  [[nodiscard]] bool register_on(server::Server& server);

  /// Registers the portmapper itself (program 100000, versions 2-4) at each endpoint it
  /// listens on, owned by the superuser, as rpcbind does: `rpcinfo -p` lists it.
  void register_self(const std::vector<core::Endpoint>& endpoints);

  /// Called after every change of the table (a SET or UNSET that changed something): the
  /// daemon saves its warm-start file there.
  std::function<void()> on_change;

  [[nodiscard]] Table& table() noexcept { return table_; }
  [[nodiscard]] const Table& table() const noexcept { return table_; }
  [[nodiscard]] const Stats& stats() const noexcept { return stats_; }
  [[nodiscard]] const ServiceOptions& options() const noexcept { return options_; }
  /// Indirect calls being forwarded now.
  [[nodiscard]] std::size_t indirect_in_flight() const noexcept { return indirect_in_flight_; }

  // --- the procedures, shared by the version skeletons (version: 2, 3 or 4) ---
  server::Status set(server::Call& call, std::uint32_t version, const proto::rpcb& reg, bool& result);
  server::Status unset(server::Call& call, std::uint32_t version, const proto::rpcb& reg, bool& result);
  server::Status pmap_set(server::Call& call, const proto::mapping& map, bool& result);
  server::Status pmap_unset(server::Call& call, const proto::mapping& map, bool& result);
  server::Status pmap_getport(server::Call& call, const proto::mapping& map, std::uint32_t& result);
  server::Status pmap_dump(proto::pmaplist_ptr& result);
  server::Status getaddr(server::Call& call, std::uint32_t version, const proto::rpcb& reg, bool exact,
                         proto::rpcb_uaddr& result);
  server::Status dump(proto::rpcblist_ptr& result);
  server::Status gettime(std::uint32_t& result);
  server::Status uaddr2taddr(server::Call& call, const proto::rpcb_uaddr& uaddr, proto::netbuf& result);
  server::Status taddr2uaddr(server::Call& call, const proto::netbuf& taddr, proto::rpcb_uaddr& result);
  server::Status getaddrlist(server::Call& call, const proto::rpcb& reg, proto::rpcb_entry_list_ptr& result);
  server::Status getstat(proto::rpcb_stat_byvers& result);
  /// CALLIT (v2, v3), BCAST and INDIRECT (v4). Version 2 answers a call_result (port + results),
  /// 3 and 4 an rpcb_rmtcallres (merged address + results).
  enum class Indirect : std::uint8_t { callit, bcast, indirect };
  server::Status forward(server::Call& call, std::uint32_t version, Indirect kind, std::uint32_t prog,
                         std::uint32_t vers, std::uint32_t proc, std::span<const std::byte> args);
  void count_call(std::uint32_t version, std::uint32_t proc) noexcept { stats_.count_call(version, proc); }
  /// Policy rule 5: false (and a log line) when a list must not go to this caller over UDP.
  [[nodiscard]] bool may_list(const server::Call& call, std::string_view what);

 private:
  class Pmap;
  class Rpcb3;
  class Rpcb4;

  [[nodiscard]] static Caller caller_of(const server::Call& call);
  [[nodiscard]] bool may_change(const server::Call& call, std::string_view what);
  void changed();
  [[nodiscard]] client::Client* forwarder(const core::SocketAddress& to);

  core::Loop* loop_;
  ServiceOptions options_;
  Table table_;
  Stats stats_;
  std::unique_ptr<Pmap> pmap_;
  std::unique_ptr<Rpcb3> rpcb3_;
  std::unique_ptr<Rpcb4> rpcb4_;
  // UDP clients by target address; at most limits.max_entries, idle ones closed when full.
  std::map<std::string, std::unique_ptr<client::Client>> forwarders_;
  std::size_t indirect_in_flight_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // forwarded replies check it
  core::RateLimitedLog refused_log_;
};

/// The netid of the transport `call` came in on: "tcp", "udp", "tcp6", "udp6" or "local".
[[nodiscard]] std::string_view arrival_netid(const server::CallerInfo& caller) noexcept;

/// A registered universal address as a caller should see it: a wildcard host (0.0.0.0, ::)
/// replaced by `reached` (the address the caller reached) when it is of the same family;
/// anything else unchanged.
[[nodiscard]] std::string merge_address(std::string_view uaddr, const core::SocketAddress* reached);

}  // namespace nelson::rpcbind
