#include "core/slab.hpp"

#include <algorithm>
#include <cassert>
#include <cstdlib>
#include <limits>
#include <new>

namespace nelson::core {

SlabPool::SlabPool(std::size_t slab_size, std::size_t max_slabs)
    : slab_size_(std::clamp<std::size_t>(slab_size, 64, std::numeric_limits<std::uint32_t>::max() - sizeof(Slab))),
      max_slabs_(std::max<std::size_t>(max_slabs, 1)) {}

SlabPool::~SlabPool() {
  // Every SlabRef must be gone by now; a slab still in use would dangle.
  assert(stats_.slabs_in_use == 0 && "SlabPool destroyed while slabs are referenced");
  trim(0);
}

SlabRef SlabPool::acquire() noexcept {
  Slab* slab = free_;
  if (slab != nullptr) {
    free_ = slab->next_free_;
    --free_count_;
  } else {
    if (stats_.slabs_allocated >= max_slabs_) {
      ++stats_.acquire_failures;
      return {};
    }
    // One allocation holds the header and the bytes; the allocator is mimalloc where linked.
    void* memory = ::operator new (sizeof(Slab) + slab_size_, std::align_val_t{64}, std::nothrow);
    if (memory == nullptr) {
      ++stats_.acquire_failures;
      return {};
    }
    slab = new (memory) Slab(this, static_cast<std::uint32_t>(slab_size_));
    ++stats_.slabs_allocated;
  }
  ++stats_.slabs_in_use;
  slab->next_free_ = nullptr;
  return SlabRef(slab);
}

void SlabPool::recycle(Slab* slab) noexcept {
  // A slab the hook drops while it runs goes to the free list (no recursion into the hook).
  if (recycle_hook_ != nullptr && !in_recycle_hook_) {
    in_recycle_hook_ = true;
    recycle_hook_(recycle_context_, SlabRef(slab));  // still in use: now the hook's
    in_recycle_hook_ = false;
    return;
  }
  --stats_.slabs_in_use;
  slab->next_free_ = free_;
  free_ = slab;
  ++free_count_;
}

void SlabPool::trim(std::size_t keep) noexcept {
  while (free_count_ > keep) {
    Slab* slab = free_;
    free_ = slab->next_free_;
    --free_count_;
    --stats_.slabs_allocated;
    slab->~Slab();
    ::operator delete (slab, std::align_val_t{64});
  }
}

}  // namespace nelson::core
