#include "rpcbind/table.hpp"

#include <sys/socket.h>

#include "rpc/universal_address.hpp"

namespace nelson::rpcbind {

namespace {

// The registrations of `prog`, in (vers, netid) order.
template <class Map>
auto program_range(Map& entries, std::uint32_t prog) {
  auto first = entries.lower_bound(std::make_tuple(prog, std::uint32_t{0}, std::string_view()));
  auto last = prog == UINT32_MAX ? entries.end()
                                 : entries.lower_bound(std::make_tuple(prog + 1, std::uint32_t{0}, std::string_view()));
  return std::pair(first, last);
}

std::uint32_t port_of(const Entry& e) {
  const auto address = rpc::parse_universal_address(e.uaddr);
  return address ? address->port() : 0;
}

}  // namespace

std::string_view to_string(Outcome outcome) noexcept {
  switch (outcome) {
    case Outcome::ok: return "ok";
    case Outcome::unchanged: return "registered already at that address";
    case Outcome::conflict: return "registered already at another address";
    case Outcome::full: return "the table is full";
    case Outcome::bad_netid: return "a netid nelson-rpcbind does not serve";
    case Outcome::bad_address: return "not a universal address of the netid's family";
    case Outcome::bad_owner: return "an empty or too long owner";
    case Outcome::not_owner: return "registered by another owner";
  }
  return "?";
}

std::string_view pmap_netid(std::uint32_t prot) noexcept {
  if (prot == kIpprotoTcp) return "tcp";
  if (prot == kIpprotoUdp) return "udp";
  return "";
}

Outcome Table::validate(const Entry& entry) {
  if (entry.netid.size() > kMaxNetid) return Outcome::bad_netid;
  const auto info = rpc::parse_netid(entry.netid);
  if (!info) return Outcome::bad_netid;
  if (entry.uaddr.size() > kMaxUaddr) return Outcome::bad_address;
  const auto address = rpc::parse_universal_address(entry.uaddr, info->family);
  // Port 0 names no service: a client would be sent nowhere.
  if (!address || (info->family != AF_UNIX && address->port() == 0)) return Outcome::bad_address;
  if (entry.owner.empty() || entry.owner.size() > kMaxOwner) return Outcome::bad_owner;
  return Outcome::ok;
}

Outcome Table::set(const Entry& entry) {
  if (const Outcome v = validate(entry); v != Outcome::ok) return v;
  if (const Entry* had = find_exact(entry.prog, entry.vers, entry.netid)) {
    return had->uaddr == entry.uaddr ? Outcome::unchanged : Outcome::conflict;
  }
  if (entries_.size() >= limits_.max_entries) return Outcome::full;
  entries_.emplace(Key{entry.prog, entry.vers, entry.netid}, entry);
  return Outcome::ok;
}

UnsetResult Table::unset(std::uint32_t prog, std::uint32_t vers, std::string_view netid, std::string_view owner) {
  const auto matches = [&](const Entry& e) { return e.vers == vers && (netid.empty() || e.netid == netid); };
  auto [first, last] = program_range(entries_, prog);
  // All or nothing: rpcbind stops at the first registration it may not remove, after removing
  // those before it; here a refusal leaves the table as it was.
  if (owner != kSuperuser) {
    for (auto it = first; it != last; ++it) {
      if (matches(it->second) && it->second.owner != owner) return {Outcome::not_owner, 0};
    }
  }
  UnsetResult result;
  for (auto it = first; it != last;) {
    if (matches(it->second)) {
      it = entries_.erase(it);
      ++result.removed;
    } else {
      ++it;
    }
  }
  return result;
}

Outcome Table::set_pmap(std::uint32_t prog, std::uint32_t vers, std::uint32_t prot, std::uint32_t port,
                        std::string_view owner) {
  const std::string_view netid = pmap_netid(prot);
  if (netid.empty()) return Outcome::bad_netid;
  if (port == 0 || port > 0xffff) return Outcome::bad_address;
  Entry e{.prog = prog,
          .vers = vers,
          .netid = std::string(netid),
          .uaddr = "0.0.0.0." + std::to_string(port >> 8) + "." + std::to_string(port & 0xff),
          .owner = std::string(owner)};
  return set(e);
}

UnsetResult Table::unset_pmap(std::uint32_t prog, std::uint32_t vers, std::string_view owner) {
  // Both or neither, as one UNSET: check the owner of both before removing either.
  if (owner != kSuperuser) {
    for (const std::string_view netid : {"tcp", "udp"}) {
      const Entry* e = find_exact(prog, vers, netid);
      if (e != nullptr && e->owner != owner) return {Outcome::not_owner, 0};
    }
  }
  UnsetResult result = unset(prog, vers, "tcp", owner);
  result.removed += unset(prog, vers, "udp", owner).removed;
  return result;
}

const Entry* Table::find_exact(std::uint32_t prog, std::uint32_t vers, std::string_view netid) const {
  const auto it = entries_.find(std::make_tuple(prog, vers, netid));
  return it == entries_.end() ? nullptr : &it->second;
}

const Entry* Table::find(std::uint32_t prog, std::uint32_t vers, std::string_view netid) const {
  if (const Entry* exact = find_exact(prog, vers, netid)) return exact;
  const Entry* other = nullptr;
  auto [first, last] = program_range(entries_, prog);
  for (auto it = first; it != last; ++it) {
    if (it->second.netid == netid) other = &it->second;  // sorted by version: the last is the highest
  }
  return other;
}

std::string_view Table::getaddr(std::uint32_t prog, std::uint32_t vers, std::string_view netid) const {
  const Entry* e = find(prog, vers, netid);
  return e == nullptr ? std::string_view() : std::string_view(e->uaddr);
}

std::string_view Table::getversaddr(std::uint32_t prog, std::uint32_t vers, std::string_view netid) const {
  const Entry* e = find_exact(prog, vers, netid);
  return e == nullptr ? std::string_view() : std::string_view(e->uaddr);
}

std::vector<const Entry*> Table::find_all(std::uint32_t prog, std::uint32_t vers) const {
  std::vector<const Entry*> out;
  auto [first, last] = program_range(entries_, prog);
  for (auto it = first; it != last; ++it) {
    if (it->second.vers == vers) out.push_back(&it->second);
  }
  return out;
}

std::uint32_t Table::getport(std::uint32_t prog, std::uint32_t vers, std::uint32_t prot) const {
  const std::string_view netid = pmap_netid(prot);
  if (netid.empty()) return 0;
  const Entry* e = find(prog, vers, netid);
  return e == nullptr ? 0 : port_of(*e);
}

std::vector<const Entry*> Table::dump() const {
  std::vector<const Entry*> out;
  out.reserve(entries_.size());
  for (const auto& [key, e] : entries_) out.push_back(&e);
  return out;
}

std::vector<Table::Mapping> Table::dump_pmap() const {
  std::vector<Mapping> out;
  for (const auto& [key, e] : entries_) {
    const std::uint32_t prot = e.netid == "tcp" ? kIpprotoTcp : e.netid == "udp" ? kIpprotoUdp : 0;
    if (prot != 0) out.push_back({e.prog, e.vers, prot, port_of(e)});
  }
  return out;
}

}  // namespace nelson::rpcbind
