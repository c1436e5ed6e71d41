// rpcbind::Service: the procedures (see service.hpp), and the three skeleton adapters that
// route each version's calls to them.
#include "rpcbind/service.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <ctime>
#include <map>
#include <utility>

#include "rpc/universal_address.hpp"

namespace nelson::rpcbind {

using server::Call;
using server::Status;

// --- the skeletons: each version's calls, counted, then handed to the shared procedures ----------

class Service::Pmap final : public proto::PMAPVERS_service {
 public:
  explicit Pmap(Service& s) : s_(s) {}
  Status pmapproc_null(Call&) override { return count(0), Status::success; }
  Status pmapproc_set(Call& call, const proto::mapping& m, bool& result) override {
    return count(1), s_.pmap_set(call, m, result);
  }
  Status pmapproc_unset(Call& call, const proto::mapping& m, bool& result) override {
    return count(2), s_.pmap_unset(call, m, result);
  }
  Status pmapproc_getport(Call& call, const proto::mapping& m, std::uint32_t& result) override {
    return count(3), s_.pmap_getport(call, m, result);
  }
  Status pmapproc_dump(Call& call, proto::pmaplist_ptr& result) override {
    return count(4), s_.may_list(call, "PMAP DUMP") ? s_.pmap_dump(result) : Status::dropped;
  }
  Status pmapproc_callit(Call& call, const proto::call_args& a, proto::call_result&) override {
    return count(5), s_.forward(call, 2, Indirect::callit, a.prog, a.vers, a.proc, a.args);
  }

 private:
  void count(std::uint32_t proc) noexcept { s_.count_call(2, proc); }
  Service& s_;
};

// Versions 3 and 4 share their first nine procedures; the template spells them once.
template <class Skeleton, std::uint32_t kVersion>
class RpcbCommon : public Skeleton {
 public:
  explicit RpcbCommon(Service& s) : s_(s) {}
  Status rpcbproc_null(Call&) override { return count(0), Status::success; }
  Status rpcbproc_set(Call& call, const proto::rpcb& r, bool& result) override {
    return count(1), s_.set(call, kVersion, r, result);
  }
  Status rpcbproc_unset(Call& call, const proto::rpcb& r, bool& result) override {
    return count(2), s_.unset(call, kVersion, r, result);
  }
  Status rpcbproc_getaddr(Call& call, const proto::rpcb& r, proto::rpcb_uaddr& result) override {
    return count(3), s_.getaddr(call, kVersion, r, false, result);
  }
  Status rpcbproc_dump(Call& call, proto::rpcblist_ptr& result) override {
    return count(4), s_.may_list(call, "DUMP") ? s_.dump(result) : Status::dropped;
  }
  Status rpcbproc_gettime(Call&, std::uint32_t& result) override { return count(6), s_.gettime(result); }
  Status rpcbproc_uaddr2taddr(Call& call, const proto::rpcb_uaddr& u, proto::netbuf& result) override {
    return count(7), s_.uaddr2taddr(call, u, result);
  }
  Status rpcbproc_taddr2uaddr(Call& call, const proto::netbuf& t, proto::rpcb_uaddr& result) override {
    return count(8), s_.taddr2uaddr(call, t, result);
  }

 protected:
  void count(std::uint32_t proc) noexcept { s_.count_call(kVersion, proc); }
  Service& s_;
};

class Service::Rpcb3 final : public RpcbCommon<proto::RPCBVERS_service, 3> {
 public:
  using RpcbCommon::RpcbCommon;
  Status rpcbproc_callit(Call& call, const proto::rpcb_rmtcallargs& a, proto::rpcb_rmtcallres&) override {
    return count(5), s_.forward(call, 3, Indirect::callit, a.prog, a.vers, a.proc, a.args);
  }
};

class Service::Rpcb4 final : public RpcbCommon<proto::RPCBVERS4_service, 4> {
 public:
  using RpcbCommon::RpcbCommon;
  Status rpcbproc_bcast(Call& call, const proto::rpcb_rmtcallargs& a, proto::rpcb_rmtcallres&) override {
    return count(5), s_.forward(call, 4, Indirect::bcast, a.prog, a.vers, a.proc, a.args);
  }
  Status rpcbproc_getversaddr(Call& call, const proto::rpcb& r, proto::rpcb_uaddr& result) override {
    return count(9), s_.getaddr(call, 4, r, true, result);
  }
  Status rpcbproc_indirect(Call& call, const proto::rpcb_rmtcallargs& a, proto::rpcb_rmtcallres&) override {
    return count(10), s_.forward(call, 4, Indirect::indirect, a.prog, a.vers, a.proc, a.args);
  }
  Status rpcbproc_getaddrlist(Call& call, const proto::rpcb& r, proto::rpcb_entry_list_ptr& result) override {
    return count(11), s_.may_list(call, "GETADDRLIST") ? s_.getaddrlist(call, r, result) : Status::dropped;
  }
  Status rpcbproc_getstat(Call& call, proto::rpcb_stat_byvers& result) override {
    return count(12), s_.may_list(call, "GETSTAT") ? s_.getstat(result) : Status::dropped;
  }
};

// --- helpers --------------------------------------------------------------------------------------

namespace {

// The family of the transport a call came in on (the address it reached, else its peer's).
int arrival_family(const server::CallerInfo& caller) noexcept {
  if (caller.transport == core::Transport::unix_stream) return AF_UNIX;
  if (caller.local != nullptr && caller.local->family() != 0) return caller.local->family();
  return caller.peer != nullptr ? caller.peer->family() : AF_INET;
}

bool is_wildcard(const core::SocketAddress& a) noexcept {
  if (a.family() == AF_INET) {
    return reinterpret_cast<const sockaddr_in*>(a.get())->sin_addr.s_addr == htonl(INADDR_ANY);
  }
  if (a.family() == AF_INET6) {
    const in6_addr& addr = reinterpret_cast<const sockaddr_in6*>(a.get())->sin6_addr;
    return std::memcmp(&addr, &in6addr_any, sizeof addr) == 0;
  }
  return false;
}

// The loopback address of a's family, port kept.
void to_loopback(core::SocketAddress& a) noexcept {
  if (a.family() == AF_INET) reinterpret_cast<sockaddr_in*>(a.get())->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (a.family() == AF_INET6) reinterpret_cast<sockaddr_in6*>(a.get())->sin6_addr = in6addr_loopback;
}

// The /etc/netconfig fields of a netid, for GETADDRLIST.
struct NetconfFields {
  std::uint32_t semantics;
  std::string_view protofmly;
  std::string_view proto;
};

NetconfFields netconf_of(std::string_view netid) noexcept {
  const auto info = rpc::parse_netid(netid);
  if (!info) return {proto::NC_TPI_COTS_ORD, "-", "-"};
  const bool datagram = info->transport == core::Transport::udp;
  const std::uint32_t semantics = datagram ? proto::NC_TPI_CLTS : proto::NC_TPI_COTS_ORD;
  switch (info->family) {
    case AF_INET: return {semantics, "inet", datagram ? "udp" : "tcp"};
    case AF_INET6: return {semantics, "inet6", datagram ? "udp" : "tcp"};
    default: return {semantics, "loopback", "-"};
  }
}

std::string_view name_of(Service::Indirect kind) noexcept {
  switch (kind) {
    case Service::Indirect::callit: return "CALLIT";
    case Service::Indirect::bcast: return "BCAST";
    case Service::Indirect::indirect: return "INDIRECT";
  }
  return "?";
}

}  // namespace

std::string_view arrival_netid(const server::CallerInfo& caller) noexcept {
  const int family = arrival_family(caller);
  switch (caller.transport) {
    case core::Transport::tcp: return family == AF_INET6 ? "tcp6" : "tcp";
    case core::Transport::udp: return family == AF_INET6 ? "udp6" : "udp";
    case core::Transport::unix_stream: return "local";
  }
  return "tcp";
}

std::string merge_address(std::string_view uaddr, const core::SocketAddress* reached) {
  if (reached == nullptr || (reached->family() != AF_INET && reached->family() != AF_INET6)) {
    return std::string(uaddr);
  }
  const auto registered = rpc::parse_universal_address(uaddr, reached->family());
  if (!registered || !is_wildcard(*registered)) return std::string(uaddr);
  core::SocketAddress merged = *reached;
  const std::uint16_t port = htons(registered->port());
  if (merged.family() == AF_INET) {
    reinterpret_cast<sockaddr_in*>(merged.get())->sin_port = port;
  } else {
    reinterpret_cast<sockaddr_in6*>(merged.get())->sin6_port = port;
  }
  return rpc::format_universal_address(merged);
}

// --- Service --------------------------------------------------------------------------------------

Service::Service(core::Loop& loop, ServiceOptions options)
    : loop_(&loop),
      options_(options),
      table_(options.limits),
      stats_(options.limits),
      pmap_(std::make_unique<Pmap>(*this)),
      rpcb3_(std::make_unique<Rpcb3>(*this)),
      rpcb4_(std::make_unique<Rpcb4>(*this)) {}

Service::~Service() { *alive_ = false; }

bool Service::register_on(server::Server& server) {
  // None is at-most-once: SET of what is registered already succeeds, UNSET of nothing too,
  // so a retransmission runs again harmlessly.
  bool ok = pmap_->register_on(server);
  ok = rpcb3_->register_on(server) && ok;
  ok = rpcb4_->register_on(server) && ok;
  return ok;
}

void Service::register_self(const std::vector<core::Endpoint>& endpoints) {
  for (const core::Endpoint& endpoint : endpoints) {
    std::string uaddr = rpc::format_universal_address(endpoint.address);
    const std::string_view netid = rpc::netid_of(endpoint);
    if (uaddr.empty() || netid.empty()) continue;
    for (std::uint32_t vers = 2; vers <= 4; ++vers) {
      const Outcome o = table_.set(
          {.prog = proto::RPCBPROG, .vers = vers, .netid = std::string(netid), .uaddr = uaddr, .owner = "superuser"});
      if (!succeeded(o)) {
        core::log(core::LogLevel::warning,
                  "rpcbind: cannot register itself at " + endpoint.to_string() + ": " + std::string(to_string(o)));
      }
    }
  }
}

Caller Service::caller_of(const Call& call) {
  const server::CallerInfo& info = call.caller();
  Caller caller;
  caller.transport = info.transport;
  if (info.peer != nullptr) caller.peer = *info.peer;
  if (info.credentials != nullptr) caller.credentials = *info.credentials;
  return caller;
}

bool Service::may_change(const Call& call, std::string_view what) {
  const Verdict verdict = rpcbind::may_change(options_.policy, caller_of(call));
  if (!verdict) {
    const auto* peer = call.caller().peer;
    refused_log_.log(core::LogLevel::warning, "rpcbind: refused " + std::string(what) + " from " +
                                                  (peer != nullptr ? peer->to_string() : std::string("?")) + ": " +
                                                  std::string(verdict.reason));
  }
  return verdict.allowed;
}

bool Service::may_list(const Call& call, std::string_view what) {
  const Verdict verdict = rpcbind::may_list(options_.policy, caller_of(call));
  if (!verdict) {
    const auto* peer = call.caller().peer;
    refused_log_.log(core::LogLevel::info, "rpcbind: no answer to " + std::string(what) + " from " +
                                               (peer != nullptr ? peer->to_string() : std::string("?")) + ": " +
                                               std::string(verdict.reason));
  }
  return verdict.allowed;
}

void Service::changed() {
  if (on_change) on_change();
}

Status Service::set(Call& call, std::uint32_t version, const proto::rpcb& reg, bool& result) {
  result = false;
  if (!may_change(call, "SET")) return Status::success;
  Entry entry{reg.r_prog, reg.r_vers, reg.r_netid, reg.r_addr, owner_of(caller_of(call))};
  const auto netid = rpc::parse_netid(entry.netid);
  const Verdict mapping = may_map(options_.policy, entry.owner, entry.uaddr, netid ? netid->family : 0);
  if (!mapping) {
    refused_log_.log(core::LogLevel::warning, "rpcbind: refused SET of " + std::to_string(reg.r_prog) + " v" +
                                                  std::to_string(reg.r_vers) + " at " + entry.uaddr + ": " +
                                                  std::string(mapping.reason));
    return Status::success;
  }
  const Outcome outcome = table_.set(entry);
  result = succeeded(outcome);
  if (result) stats_.count_set(version);
  if (outcome == Outcome::ok) {
    changed();
  } else if (!result) {
    refused_log_.log(core::LogLevel::info, "rpcbind: SET of " + std::to_string(reg.r_prog) + " v" +
                                               std::to_string(reg.r_vers) + " " + entry.netid +
                                               " refused: " + std::string(to_string(outcome)));
  }
  return Status::success;
}

Status Service::unset(Call& call, std::uint32_t version, const proto::rpcb& reg, bool& result) {
  result = false;
  if (!may_change(call, "UNSET")) return Status::success;
  const std::string owner = owner_of(caller_of(call));
  // A mapping to a privileged port may be removed by the superuser only (policy rule 3).
  for (const Entry* e : table_.find_all(reg.r_prog, reg.r_vers)) {
    if (!reg.r_netid.empty() && e->netid != reg.r_netid) continue;
    const auto netid = rpc::parse_netid(e->netid);
    if (!may_map(options_.policy, owner, e->uaddr, netid ? netid->family : 0)) return Status::success;
  }
  const UnsetResult r = table_.unset(reg.r_prog, reg.r_vers, reg.r_netid, owner);
  result = succeeded(r.outcome);
  if (result) stats_.count_unset(version);
  if (r.removed > 0) changed();
  return Status::success;
}

Status Service::pmap_set(Call& call, const proto::mapping& m, bool& result) {
  result = false;
  if (!may_change(call, "PMAP SET")) return Status::success;
  const std::string owner = owner_of(caller_of(call));
  if (m.port <= 0xffff) {
    const std::string uaddr = "0.0.0.0." + std::to_string(m.port >> 8) + "." + std::to_string(m.port & 0xff);
    if (const Verdict v = may_map(options_.policy, owner, uaddr, AF_INET); !v) {
      refused_log_.log(core::LogLevel::warning, "rpcbind: refused PMAP SET of " + std::to_string(m.prog) + " v" +
                                                    std::to_string(m.vers) + " at port " + std::to_string(m.port) +
                                                    ": " + std::string(v.reason));
      return Status::success;
    }
  }
  const Outcome outcome = table_.set_pmap(m.prog, m.vers, m.prot, m.port, owner);
  result = succeeded(outcome);
  if (result) stats_.count_set(2);
  if (outcome == Outcome::ok) changed();
  return Status::success;
}

Status Service::pmap_unset(Call& call, const proto::mapping& m, bool& result) {
  result = false;
  if (!may_change(call, "PMAP UNSET")) return Status::success;
  const std::string owner = owner_of(caller_of(call));
  for (const std::string_view netid : {"tcp", "udp"}) {
    const Entry* e = table_.find_exact(m.prog, m.vers, netid);
    if (e != nullptr && !may_map(options_.policy, owner, e->uaddr, AF_INET)) return Status::success;
  }
  const UnsetResult r = table_.unset_pmap(m.prog, m.vers, owner);
  result = succeeded(r.outcome);
  if (result) stats_.count_unset(2);
  if (r.removed > 0) changed();
  return Status::success;
}

Status Service::pmap_getport(Call& call, const proto::mapping& m, std::uint32_t& result) {
  result = table_.getport(m.prog, m.vers, m.prot);
  stats_.count_lookup(2, m.prog, m.vers, pmap_netid(m.prot).empty() ? arrival_netid(call.caller()) : pmap_netid(m.prot),
                      result != 0);
  return Status::success;
}

Status Service::pmap_dump(proto::pmaplist_ptr& result) {
  result.reset();
  proto::pmaplist* tail = nullptr;
  for (const Table::Mapping& m : table_.dump_pmap()) {
    proto::pmaplist node;
    node.map = {m.prog, m.vers, m.prot, m.port};
    if (tail == nullptr) {
      result.emplace(std::move(node));
      tail = &*result;
    } else {
      tail->next = std::make_unique<proto::pmaplist>(std::move(node));
      tail = tail->next.get();
    }
  }
  return Status::success;
}

Status Service::getaddr(Call& call, std::uint32_t version, const proto::rpcb& reg, bool exact,
                        proto::rpcb_uaddr& result) {
  const std::string_view netid = arrival_netid(call.caller());
  const std::string_view found =
      exact ? table_.getversaddr(reg.r_prog, reg.r_vers, netid) : table_.getaddr(reg.r_prog, reg.r_vers, netid);
  result = found.empty() ? std::string() : merge_address(found, call.caller().local);
  stats_.count_lookup(version, reg.r_prog, reg.r_vers, netid, !found.empty());
  return Status::success;
}

Status Service::dump(proto::rpcblist_ptr& result) {
  result.reset();
  proto::rp__list* tail = nullptr;
  for (const Entry* e : table_.dump()) {
    proto::rp__list node;
    node.rpcb_map = {e->prog, e->vers, e->netid, e->uaddr, e->owner};
    if (tail == nullptr) {
      result.emplace(std::move(node));
      tail = &*result;
    } else {
      tail->rpcb_next = std::make_unique<proto::rp__list>(std::move(node));
      tail = tail->rpcb_next.get();
    }
  }
  return Status::success;
}

Status Service::gettime(std::uint32_t& result) {
  result = static_cast<std::uint32_t>(std::time(nullptr));
  return Status::success;
}

Status Service::uaddr2taddr(Call& call, const proto::rpcb_uaddr& uaddr, proto::netbuf& result) {
  // The transport's family, as rpcbind converts with the arrival netconf. Malformed: an empty netbuf.
  result = {};
  if (auto taddr = rpc::uaddr_to_taddr(uaddr, arrival_family(call.caller()))) {
    result.maxlen = static_cast<std::uint32_t>(taddr->size());
    result.buf = std::move(*taddr);
  }
  return Status::success;
}

Status Service::taddr2uaddr(Call& call, const proto::netbuf& taddr, proto::rpcb_uaddr& result) {
  result = rpc::taddr_to_uaddr(taddr.buf, arrival_family(call.caller()));
  return Status::success;
}

Status Service::getaddrlist(Call& call, const proto::rpcb& reg, proto::rpcb_entry_list_ptr& result) {
  result.reset();
  const std::string_view arrival = arrival_netid(call.caller());
  const NetconfFields mine = netconf_of(arrival);
  std::vector<const Entry*> entries;
  for (const Entry* e : table_.find_all(reg.r_prog, reg.r_vers)) {
    if (netconf_of(e->netid).protofmly != mine.protofmly) continue;  // another address family
    if (e->netid == arrival) {
      entries.insert(entries.begin(), e);  // the arrival netid first
    } else {
      entries.push_back(e);
    }
  }
  proto::rpcb_entry_list* tail = nullptr;
  for (const Entry* e : entries) {
    const NetconfFields nc = netconf_of(e->netid);
    proto::rpcb_entry_list node;
    node.rpcb_entry_map = {merge_address(e->uaddr, call.caller().local), e->netid, nc.semantics,
                           std::string(nc.protofmly), std::string(nc.proto)};
    if (tail == nullptr) {
      result.emplace(std::move(node));
      tail = &*result;
    } else {
      tail->rpcb_entry_next = std::make_unique<proto::rpcb_entry_list>(std::move(node));
      tail = tail->rpcb_entry_next.get();
    }
  }
  stats_.count_lookup(4, reg.r_prog, reg.r_vers, arrival, !entries.empty());
  return Status::success;
}

Status Service::getstat(proto::rpcb_stat_byvers& result) {
  result = stats_.snapshot();
  return Status::success;
}

client::Client* Service::forwarder(const core::SocketAddress& to) {
  const std::string key = to.to_string();
  if (auto it = forwarders_.find(key); it != forwarders_.end()) return it->second.get();
  if (forwarders_.size() >= options_.limits.max_entries) {
    // Full: close the sockets with nothing in flight. Targets come and go (a restarted service
    // registers a new port), so without this every address ever forwarded to kept its socket,
    // and once max_entries of them had been seen no indirect call could be forwarded again.
    std::erase_if(forwarders_, [](const auto& f) { return f.second->pending() == 0; });
    if (forwarders_.size() >= options_.limits.max_entries) return nullptr;
  }
  auto created = client::Client::create(*loop_, core::Endpoint{core::Transport::udp, to});
  if (!created) return nullptr;
  return forwarders_.emplace(key, std::move(*created)).first->second.get();
}

Status Service::forward(Call& call, std::uint32_t version, Indirect kind, std::uint32_t prog, std::uint32_t vers,
                        std::uint32_t proc, std::span<const std::byte> args) {
  // A failure is silence for CALLIT and BCAST (a broadcast's error is no answer), an error
  // reply for INDIRECT (that is what it is for).
  const auto refuse = [&](std::string_view why, Status indirect_status) {
    const auto* peer = call.caller().peer;
    refused_log_.log(core::LogLevel::info, "rpcbind: " + std::string(name_of(kind)) + " to " + std::to_string(prog) +
                                               "." + std::to_string(vers) + "." + std::to_string(proc) + " from " +
                                               (peer != nullptr ? peer->to_string() : std::string("?")) + ": " +
                                               std::string(why));
    stats_.count_indirect(version, prog, vers, proc, arrival_netid(call.caller()), kind == Indirect::indirect, false);
    if (kind != Indirect::indirect) return Status::dropped;
    if (indirect_status == Status::denied) {
      call.deny(rpc::AuthStat::auth_tooweak);
      return Status::denied;
    }
    return indirect_status;
  };
  const Verdict verdict = may_forward(options_.policy, caller_of(call), prog, proc);
  if (!verdict) return refuse(verdict.reason, Status::denied);

  const std::string_view netid = arrival_netid(call.caller());
  const Entry* target = table_.find_exact(prog, vers, netid);
  if (target == nullptr) return refuse("not registered", Status::system_err);
  // The registration for the arrival netid: udp6 over IPv6, udp over IPv4 (only UDP arrivals
  // get here; the policy refuses the others).
  const auto address = rpc::parse_universal_address(target->uaddr, netid == "udp6" ? AF_INET6 : AF_INET);
  if (!address) return refuse("registered address is not a UDP address", Status::system_err);
  if (indirect_in_flight_ >= options_.max_indirect_in_flight) return refuse("too many in flight", Status::system_err);
  // Forwarded to the host itself: a wildcard registration means this host.
  core::SocketAddress to = *address;
  if (is_wildcard(to)) to_loopback(to);
  client::Client* client = forwarder(to);
  if (client == nullptr) return refuse("cannot open a forwarding socket", Status::system_err);

  auto handle = std::make_shared<server::ReplyHandle>(call.defer());
  ++indirect_in_flight_;
  const std::string merged = merge_address(target->uaddr, call.caller().local);
  const std::uint16_t port = to.port();
  const std::string arrival(netid);
  client->call(
      prog, vers, proc, [args](xdr::Encoder& e) { e.put_raw(args.data(), args.size()); },
      {.timeout = options_.indirect_timeout, .retransmit = std::chrono::seconds(1)},
      [this, alive = alive_, handle, kind, version, prog, vers, proc, merged, port,
       arrival](const client::CallResult& r) {
        if (!*alive) return;
        --indirect_in_flight_;
        stats_.count_indirect(version, prog, vers, proc, arrival, kind == Indirect::indirect, r.ok());
        if (!r.ok()) {
          if (kind == Indirect::indirect) {
            handle->fail(Status::system_err);
          } else {
            handle->drop();
          }
          return;
        }
        if (version == 2) {
          handle->reply([&](xdr::Encoder& e) {
            e.put_uint(port);
            e.put_opaque(r.results);
          });
        } else {
          handle->reply([&](xdr::Encoder& e) {
            e.put_string(merged);
            e.put_opaque(r.results);
          });
        }
      });
  return Status::deferred;
}

}  // namespace nelson::rpcbind
