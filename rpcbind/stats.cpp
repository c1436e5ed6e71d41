#include "rpcbind/stats.hpp"

#include <limits>

namespace nelson::rpcbind {

namespace {

void bump(std::int32_t& counter) noexcept {
  if (counter < std::numeric_limits<std::int32_t>::max()) ++counter;
}

// The highest procedure of each version (rpcb_highproc_2/3/4).
std::uint32_t highest_proc(std::uint32_t version) noexcept {
  switch (version) {
    case 2: return proto::rpcb_highproc_2;
    case 3: return proto::rpcb_highproc_3;
    case 4: return proto::rpcb_highproc_4;
    default: return 0;
  }
}

}  // namespace

Stats::PerVersion* Stats::of(std::uint32_t version) noexcept {
  if (version < 2 || version > 4) return nullptr;
  return &versions_[version - 2];  // RPCBVERS_2_STAT, _3_STAT, _4_STAT
}

void Stats::count_call(std::uint32_t version, std::uint32_t proc) noexcept {
  PerVersion* v = of(version);
  if (v != nullptr && proc <= highest_proc(version)) bump(v->calls[proc]);
}

void Stats::count_set(std::uint32_t version) noexcept {
  if (PerVersion* v = of(version)) bump(v->sets);
}

void Stats::count_unset(std::uint32_t version) noexcept {
  if (PerVersion* v = of(version)) bump(v->unsets);
}

void Stats::count_lookup(std::uint32_t version, std::uint32_t prog, std::uint32_t vers, std::string_view netid,
                         bool found) {
  PerVersion* v = of(version);
  if (v == nullptr) return;
  auto it = v->lookups.find(std::make_tuple(prog, vers, netid));
  if (it == v->lookups.end()) {
    if (lookup_keys_ >= max_keys_ || netid.size() > kMaxNetid) {
      ++lookups_uncounted_;
      return;
    }
    it = v->lookups.emplace(LookupKey{prog, vers, std::string(netid)}, Hits{}).first;
    ++lookup_keys_;
  }
  bump(found ? it->second.success : it->second.failure);
}

void Stats::count_indirect(std::uint32_t version, std::uint32_t prog, std::uint32_t vers, std::uint32_t proc,
                           std::string_view netid, bool indirect, bool forwarded) {
  PerVersion* v = of(version);
  if (v == nullptr) return;
  auto it = v->indirect.find(std::make_tuple(prog, vers, proc, netid));
  if (it == v->indirect.end()) {
    if (call_keys_ >= max_keys_ || netid.size() > kMaxNetid) {
      ++calls_uncounted_;
      return;
    }
    it = v->indirect.emplace(CallKey{prog, vers, proc, std::string(netid)}, Hits{}).first;
    ++call_keys_;
  }
  bump(forwarded ? it->second.success : it->second.failure);
  if (indirect) bump(it->second.indirect);
}

proto::rpcb_stat_byvers Stats::snapshot() const {
  proto::rpcb_stat_byvers out{};
  for (std::size_t i = 0; i < versions_.size(); ++i) {
    const PerVersion& v = versions_[i];
    proto::rpcb_stat& s = out[i];
    s.info = v.calls;
    s.setinfo = v.sets;
    s.unsetinfo = v.unsets;
    // Built back to front: each node is the head of the rest.
    for (auto it = v.lookups.rbegin(); it != v.lookups.rend(); ++it) {
      proto::rpcbs_addrlist node;
      std::tie(node.prog, node.vers, node.netid) = it->first;
      node.success = it->second.success;
      node.failure = it->second.failure;
      if (s.addrinfo) node.next = std::make_unique<proto::rpcbs_addrlist>(std::move(*s.addrinfo));
      s.addrinfo = std::move(node);
    }
    for (auto it = v.indirect.rbegin(); it != v.indirect.rend(); ++it) {
      proto::rpcbs_rmtcalllist node;
      std::tie(node.prog, node.vers, node.proc, node.netid) = it->first;
      node.success = it->second.success;
      node.failure = it->second.failure;
      node.indirect = it->second.indirect;
      if (s.rmtinfo) node.next = std::make_unique<proto::rpcbs_rmtcalllist>(std::move(*s.rmtinfo));
      s.rmtinfo = std::move(node);
    }
  }
  return out;
}

}  // namespace nelson::rpcbind
