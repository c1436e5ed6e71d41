// server::DuplicateRequestCache — at-most-once execution for non-idempotent procedures.
//
//   DrcKey key{xid, prog, vers, proc, checksum64(args), peer};
//   DrcTicket t;
//   switch (drc.begin(key, t, cached)) {
//     case DrcLookup::new_call:    run the call, then drc.complete(t, reply_bytes); break;
//     case DrcLookup::in_progress: drop the retransmission (the original is still running)
//     case DrcLookup::replay:      send `cached` (the reply the original got) again
//   }
//
// The key is what identifies one call across retransmissions: xid, client address, program,
// version, procedure and a checksum of the argument bytes (so a client that reuses an xid for a
// different call after a restart is not answered with a stale reply). Bounded in entries and
// in cached bytes; least recently used entries go first. Storage is allocated once: entries
// live in a fixed vector, a reply's bytes reuse the capacity of the evicted entry's buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/address.hpp"

namespace nelson::server {

/// A fast 64-bit checksum of argument bytes (not cryptographic: it tells retransmissions from
/// different calls that share an xid).
[[nodiscard]] std::uint64_t checksum64(std::span<const std::byte> bytes) noexcept;

struct DrcKey {
  std::uint32_t xid = 0;
  std::uint32_t prog = 0;
  std::uint32_t vers = 0;
  std::uint32_t proc = 0;
  std::uint64_t args_checksum = 0;
  core::SocketAddress client;
};

enum class DrcLookup : std::uint8_t { new_call, in_progress, replay };

/// Names an entry across evictions: a stale ticket (its entry was evicted and reused) is ignored.
struct DrcTicket {
  std::uint32_t index = UINT32_MAX;
  std::uint32_t generation = 0;
  [[nodiscard]] bool valid() const noexcept { return index != UINT32_MAX; }
};

struct DrcStats {
  std::uint64_t inserts = 0;
  std::uint64_t replays = 0;      // completed duplicates answered from the cache
  std::uint64_t in_progress = 0;  // duplicates dropped while the original ran
  std::uint64_t evictions = 0;    // entries pushed out by the entry or byte bound
  std::uint64_t uncacheable = 0;  // replies larger than the byte bound (duplicates are dropped)
  std::size_t entries = 0;
  std::size_t bytes = 0;
};

class DuplicateRequestCache {
 public:
  /// max_entries 0 disables the cache (every lookup is a new call).
  DuplicateRequestCache(std::size_t max_entries, std::size_t max_bytes);
  DuplicateRequestCache(const DuplicateRequestCache&) = delete;
  DuplicateRequestCache& operator=(const DuplicateRequestCache&) = delete;

  /// Looks `key` up. A new call gets an in-progress entry and its ticket; a replay gets the
  /// cached reply (valid until the next call into the cache).
  DrcLookup begin(const DrcKey& key, DrcTicket& ticket, std::span<const std::byte>& cached_reply);
  /// Stores the reply of a call begun with `ticket` (the reply message without record mark).
  void complete(DrcTicket ticket, std::span<const std::byte> reply);
  /// Forgets a call that got no reply worth replaying (e.g. it expired or was rejected).
  void forget(DrcTicket ticket) noexcept;

  [[nodiscard]] const DrcStats& stats() const noexcept { return stats_; }
  [[nodiscard]] bool enabled() const noexcept { return !entries_.empty(); }

 private:
  static constexpr std::uint32_t kNone = UINT32_MAX;
  static constexpr std::size_t kKeptCapacity = 4096;
  enum class State : std::uint8_t { free, in_progress, done, done_uncached };
  struct Entry {
    DrcKey key;
    std::uint64_t hash = 0;
    std::vector<std::byte> reply;
    std::uint32_t generation = 0;
    std::uint32_t bucket_next = kNone;
    std::uint32_t lru_prev = kNone;
    std::uint32_t lru_next = kNone;
    State state = State::free;
  };

  [[nodiscard]] static std::uint64_t hash_of(const DrcKey& key) noexcept;
  [[nodiscard]] static bool same(const DrcKey& a, const DrcKey& b) noexcept;
  Entry* entry_for(DrcTicket ticket) noexcept;
  std::uint32_t take_free_entry() noexcept;
  void evict(std::uint32_t index) noexcept;
  void lru_unlink(std::uint32_t index) noexcept;
  void lru_push_front(std::uint32_t index) noexcept;

  std::vector<Entry> entries_;
  std::vector<std::uint32_t> buckets_;  // power of two, chains through Entry::bucket_next
  std::uint32_t free_head_ = kNone;     // free entries, chained through bucket_next
  std::uint32_t lru_head_ = kNone;      // most recently used
  std::uint32_t lru_tail_ = kNone;      // least recently used: evicted first
  std::size_t max_bytes_;
  DrcStats stats_;
};

}  // namespace nelson::server
