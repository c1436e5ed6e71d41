// rpcbind::Stats — the counters RPCBPROC_GETSTAT reports (RFC 1833 rpcb_stat_byvers): per
// protocol version (2, 3, 4) the calls of each procedure, successful SETs and UNSETs, lookups
// that found or missed each (prog, vers, netid), and indirect calls.
//
//   stats.count_call(4, proc);                          // every call, before anything else
//   stats.count_lookup(4, prog, vers, "tcp", found);     // GETADDR, GETVERSADDR, GETPORT, ...
//   proto::rpcb_stat_byvers s = stats.snapshot();       // GETSTAT's results
//
// Unlike rpcbind's lists, which grow with every new (prog, vers, netid) a caller asks about,
// the keyed counters are bounded (TableLimits::max_stat_keys for lookups and for indirect
// calls each); what does not fit is counted in lookups_uncounted()/calls_uncounted(). Counters
// are 32-bit in the protocol: they saturate instead of wrapping.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>

#include "rpcb_prot.hpp"
#include "rpcbind/key_less.hpp"
#include "rpcbind/limits.hpp"

namespace nelson::rpcbind {

class Stats {
 public:
  explicit Stats(TableLimits limits = {}) : max_keys_(limits.max_stat_keys) {}

  /// A call of `proc` in protocol version `version` (2, 3 or 4); others are ignored, as are
  /// procedures above the version's highest (rpcbind does the same).
  void count_call(std::uint32_t version, std::uint32_t proc) noexcept;
  /// A SET or UNSET that succeeded (failures are not counted, as in rpcbind).
  void count_set(std::uint32_t version) noexcept;
  void count_unset(std::uint32_t version) noexcept;
  /// A lookup of (prog, vers) on `netid` that found an address or not.
  void count_lookup(std::uint32_t version, std::uint32_t prog, std::uint32_t vers, std::string_view netid, bool found);
  /// An indirect call (CALLIT/BCAST: indirect false; INDIRECT: true) that was forwarded or not.
  void count_indirect(std::uint32_t version, std::uint32_t prog, std::uint32_t vers, std::uint32_t proc,
                      std::string_view netid, bool indirect, bool forwarded);

  /// GETSTAT's results, lists in (prog, vers, netid) order.
  [[nodiscard]] proto::rpcb_stat_byvers snapshot() const;

  [[nodiscard]] std::uint64_t lookups_uncounted() const noexcept { return lookups_uncounted_; }
  [[nodiscard]] std::uint64_t calls_uncounted() const noexcept { return calls_uncounted_; }

 private:
  struct Hits {
    std::int32_t success = 0;
    std::int32_t failure = 0;
    std::int32_t indirect = 0;
  };
  using LookupKey = std::tuple<std::uint32_t, std::uint32_t, std::string>;               // prog, vers, netid
  using CallKey = std::tuple<std::uint32_t, std::uint32_t, std::uint32_t, std::string>;  // + proc
  struct PerVersion {
    proto::rpcbs_proc calls{};
    std::int32_t sets = 0;
    std::int32_t unsets = 0;
    std::map<LookupKey, Hits, KeyLess> lookups;
    std::map<CallKey, Hits, KeyLess> indirect;
  };
  PerVersion* of(std::uint32_t version) noexcept;

  std::size_t max_keys_;
  std::array<PerVersion, proto::RPCBVERS_STAT> versions_{};
  std::size_t lookup_keys_ = 0;
  std::size_t call_keys_ = 0;
  std::uint64_t lookups_uncounted_ = 0;
  std::uint64_t calls_uncounted_ = 0;
};

}  // namespace nelson::rpcbind
