#include "server/drc.hpp"

#include <bit>
#include <cstring>

namespace nelson::server {
namespace {

constexpr std::uint64_t kMul = 0x9e3779b97f4a7c15ULL;

std::uint64_t mix(std::uint64_t h, std::uint64_t v) noexcept {
  h ^= v * kMul;
  h = std::rotl(h, 29) * 0xbf58476d1ce4e5b9ULL;
  return h;
}

std::uint64_t finalize(std::uint64_t h) noexcept {
  h ^= h >> 31;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 29;
  return h;
}

}  // namespace

std::uint64_t checksum64(std::span<const std::byte> bytes) noexcept {
  std::uint64_t h = bytes.size() * kMul;
  const std::byte* p = bytes.data();
  std::size_t n = bytes.size();
  for (; n >= 8; n -= 8, p += 8) {
    std::uint64_t v = 0;
    std::memcpy(&v, p, 8);
    h = mix(h, v);
  }
  if (n != 0) {
    std::uint64_t v = 0;
    std::memcpy(&v, p, n);
    h = mix(h, v);
  }
  return finalize(h);
}

DuplicateRequestCache::DuplicateRequestCache(std::size_t max_entries, std::size_t max_bytes)
    : entries_(max_entries), max_bytes_(max_bytes) {
  if (max_entries == 0) return;
  buckets_.assign(std::bit_ceil(max_entries * 2), kNone);
  for (std::size_t i = entries_.size(); i-- > 0;) {
    entries_[i].bucket_next = free_head_;
    free_head_ = static_cast<std::uint32_t>(i);
  }
}

std::uint64_t DuplicateRequestCache::hash_of(const DrcKey& key) noexcept {
  std::uint64_t h = mix(0, (std::uint64_t{key.xid} << 32) | key.proc);
  h = mix(h, (std::uint64_t{key.prog} << 32) | key.vers);
  h = mix(h, key.args_checksum);
  const auto* addr = reinterpret_cast<const std::byte*>(key.client.get());
  h = mix(h, checksum64({addr, key.client.size()}));
  return finalize(h);
}

bool DuplicateRequestCache::same(const DrcKey& a, const DrcKey& b) noexcept {
  return a.xid == b.xid && a.proc == b.proc && a.prog == b.prog && a.vers == b.vers &&
         a.args_checksum == b.args_checksum && a.client == b.client;
}

DrcLookup DuplicateRequestCache::begin(const DrcKey& key, DrcTicket& ticket, std::span<const std::byte>& cached_reply) {
  ticket = {};
  if (entries_.empty()) return DrcLookup::new_call;
  const std::uint64_t h = hash_of(key);
  std::uint32_t& bucket = buckets_[h & (buckets_.size() - 1)];
  for (std::uint32_t i = bucket; i != kNone; i = entries_[i].bucket_next) {
    Entry& e = entries_[i];
    if (e.hash != h || !same(e.key, key)) continue;
    lru_unlink(i);
    lru_push_front(i);
    if (e.state == State::done) {
      ++stats_.replays;
      cached_reply = e.reply;
      return DrcLookup::replay;
    }
    ++stats_.in_progress;  // still running, or done with a reply too large to keep
    return DrcLookup::in_progress;
  }
  const std::uint32_t i = take_free_entry();
  Entry& e = entries_[i];
  e.key = key;
  e.hash = h;
  e.state = State::in_progress;
  e.bucket_next = bucket;
  bucket = i;
  lru_push_front(i);
  ++stats_.inserts;
  ++stats_.entries;
  ticket = {i, e.generation};
  return DrcLookup::new_call;
}

DuplicateRequestCache::Entry* DuplicateRequestCache::entry_for(DrcTicket ticket) noexcept {
  if (!ticket.valid() || ticket.index >= entries_.size()) return nullptr;
  Entry& e = entries_[ticket.index];
  if (e.generation != ticket.generation || e.state != State::in_progress) return nullptr;
  return &e;
}

void DuplicateRequestCache::complete(DrcTicket ticket, std::span<const std::byte> reply) {
  Entry* e = entry_for(ticket);
  if (e == nullptr) return;  // evicted while the call ran
  if (reply.size() > max_bytes_) {
    e->state = State::done_uncached;
    ++stats_.uncacheable;
    return;
  }
  // Make room before storing, never evicting the entry being completed.
  while (stats_.bytes + reply.size() > max_bytes_ && lru_tail_ != kNone && lru_tail_ != ticket.index) {
    evict(lru_tail_);
    ++stats_.evictions;
  }
  if (stats_.bytes + reply.size() > max_bytes_) {
    e->state = State::done_uncached;
    ++stats_.uncacheable;
    return;
  }
  e->reply.assign(reply.begin(), reply.end());
  e->state = State::done;
  stats_.bytes += reply.size();
}

void DuplicateRequestCache::forget(DrcTicket ticket) noexcept {
  if (entry_for(ticket) != nullptr) evict(ticket.index);
}

std::uint32_t DuplicateRequestCache::take_free_entry() noexcept {
  if (free_head_ == kNone) {
    evict(lru_tail_);  // full: the least recently used entry goes
    ++stats_.evictions;
  }
  const std::uint32_t i = free_head_;
  free_head_ = entries_[i].bucket_next;
  entries_[i].bucket_next = kNone;
  return i;
}

void DuplicateRequestCache::evict(std::uint32_t index) noexcept {
  Entry& e = entries_[index];
  // Unchain from its bucket.
  std::uint32_t* link = &buckets_[e.hash & (buckets_.size() - 1)];
  while (*link != index) link = &entries_[*link].bucket_next;
  *link = e.bucket_next;
  lru_unlink(index);
  if (e.state == State::done) stats_.bytes -= e.reply.size();
  // Small buffers are kept for the next reply stored here (no allocation in steady state);
  // large ones are freed, so kept capacity stays bounded by entries x kKeptCapacity.
  if (e.reply.capacity() > kKeptCapacity) {
    std::vector<std::byte>().swap(e.reply);
  } else {
    e.reply.clear();
  }
  e.state = State::free;
  ++e.generation;
  e.bucket_next = free_head_;
  free_head_ = index;
  --stats_.entries;
}

void DuplicateRequestCache::lru_unlink(std::uint32_t index) noexcept {
  Entry& e = entries_[index];
  if (e.lru_prev != kNone) {
    entries_[e.lru_prev].lru_next = e.lru_next;
  } else {
    lru_head_ = e.lru_next;
  }
  if (e.lru_next != kNone) {
    entries_[e.lru_next].lru_prev = e.lru_prev;
  } else {
    lru_tail_ = e.lru_prev;
  }
  e.lru_prev = e.lru_next = kNone;
}

void DuplicateRequestCache::lru_push_front(std::uint32_t index) noexcept {
  Entry& e = entries_[index];
  e.lru_prev = kNone;
  e.lru_next = lru_head_;
  if (lru_head_ != kNone) entries_[lru_head_].lru_prev = index;
  lru_head_ = index;
  if (lru_tail_ == kNone) lru_tail_ = index;
}

}  // namespace nelson::server
