#include "rpc/chain_sink.hpp"

#include <algorithm>
#include <utility>

namespace nelson::rpc {

std::span<std::byte> ChainSink::next_region(std::size_t used, std::size_t min_bytes) {
  commit(used);
  if (!tried_tail_) {
    tried_tail_ = true;
    if (!out_->empty()) {
      // The bytes after the chain's data in its last slab are free when only the chain
      // references that slab: its trailing slices of that slab account for every reference.
      // (Records appended one after another leave several slices of one slab at the end.)
      const core::Slice& last = out_->slices().back();
      core::Slab* slab = last.slab.get();
      const std::size_t end = out_->tail_end();
      if (slab->refs() == out_->tail_run() && end < slab->capacity() &&
          slab->capacity() - end >= std::max<std::size_t>(min_bytes, 1)) {
        current_ = last.slab;
        start_ = static_cast<std::uint32_t>(end);
        return {current_->data() + end, current_->capacity() - end};
      }
    }
  }
  if (min_bytes > pool_->slab_size()) return {};
  current_ = pool_->acquire();
  if (!current_) {
    exhausted_ = true;
    return {};
  }
  start_ = 0;
  return {current_->data(), current_->capacity()};
}

void ChainSink::commit(std::size_t used) {
  if (!current_) return;
  // An empty region's slab is dropped (a fresh one goes back to the pool).
  if (used != 0) out_->append(core::Slice{std::move(current_), start_, static_cast<std::uint32_t>(used)});
  current_.reset();
}

}  // namespace nelson::rpc
