// Slabs: fixed-size, refcounted blocks of memory from a bounded pool.
//
//   SlabPool pool(64 * 1024, /*max_slabs=*/4096);
//   SlabRef slab = pool.acquire();          // null when the pool is at its limit
//   std::memcpy(slab->data(), bytes, n);    // write only while slab.unique()
//   SlabRef shared = slab;                  // a second owner: a view handed to a handler
//
// The refcount is not atomic: a slab belongs to one loop, and one loop to one thread. When
// the last SlabRef goes, the slab returns to its pool's free list (not to the allocator), so
// steady-state traffic allocates nothing. A small view can pin a whole slab: anything kept
// for long should be copied out. The pool must outlive every SlabRef it handed out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

namespace nelson::core {

class SlabPool;

class alignas(64) Slab {  // 64: the bytes that follow the header start on a cache line
 public:
  Slab(const Slab&) = delete;
  Slab& operator=(const Slab&) = delete;

  [[nodiscard]] std::byte* data() noexcept { return reinterpret_cast<std::byte*>(this + 1); }
  [[nodiscard]] const std::byte* data() const noexcept { return reinterpret_cast<const std::byte*>(this + 1); }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] std::uint32_t refs() const noexcept { return refs_; }
  /// The pool the slab returns to (e.g. to tell a kernel receive buffer from a plain slab).
  [[nodiscard]] const SlabPool* pool() const noexcept { return pool_; }

 private:
  friend class SlabPool;
  friend class SlabRef;
  Slab(SlabPool* pool, std::uint32_t capacity) noexcept : pool_(pool), capacity_(capacity) {}

  SlabPool* pool_;
  Slab* next_free_ = nullptr;
  std::uint32_t capacity_;
  std::uint32_t refs_ = 0;
};

/// An owning, copyable handle to a slab (an intrusive refcount).
class SlabRef {
 public:
  SlabRef() noexcept = default;
  SlabRef(const SlabRef& other) noexcept : slab_(other.slab_) { retain(); }
  SlabRef(SlabRef&& other) noexcept : slab_(std::exchange(other.slab_, nullptr)) {}
  SlabRef& operator=(SlabRef other) noexcept {
    std::swap(slab_, other.slab_);
    return *this;
  }
  ~SlabRef() { release(); }

  [[nodiscard]] Slab* get() const noexcept { return slab_; }
  Slab* operator->() const noexcept { return slab_; }
  explicit operator bool() const noexcept { return slab_ != nullptr; }
  /// True when this is the only owner: only then may the slab's bytes be written.
  [[nodiscard]] bool unique() const noexcept { return slab_ != nullptr && slab_->refs_ == 1; }
  void reset() noexcept {
    release();
    slab_ = nullptr;
  }

 private:
  friend class SlabPool;
  explicit SlabRef(Slab* slab) noexcept : slab_(slab) { retain(); }
  void retain() noexcept {
    if (slab_ != nullptr) ++slab_->refs_;
  }
  void release() noexcept;

  Slab* slab_ = nullptr;
};

/// Counters of a pool, for stats and tests.
struct SlabPoolStats {
  std::size_t slabs_allocated = 0;   // ever taken from the allocator (and still owned by the pool)
  std::size_t slabs_in_use = 0;      // referenced by at least one SlabRef
  std::size_t acquire_failures = 0;  // acquire() refused at the limit: back-pressure
  std::size_t bytes_copied = 0;      // bytes users copied between slabs (records that straddle)
};

class SlabPool {
 public:
  static constexpr std::size_t kDefaultSlabSize = std::size_t{64} * 1024;
  static constexpr std::size_t kDefaultMaxSlabs = 16384;  // 1 GiB of 64 KiB slabs

  explicit SlabPool(std::size_t slab_size = kDefaultSlabSize, std::size_t max_slabs = kDefaultMaxSlabs);
  ~SlabPool();
  SlabPool(const SlabPool&) = delete;
  SlabPool& operator=(const SlabPool&) = delete;

  /// A slab of slab_size() bytes, or null when max_slabs are in use.
  [[nodiscard]] SlabRef acquire() noexcept;
  /// Gives free slabs back to the allocator (e.g. after a burst), keeping `keep` of them.
  void trim(std::size_t keep = 0) noexcept;

  [[nodiscard]] std::size_t slab_size() const noexcept { return slab_size_; }
  [[nodiscard]] std::size_t max_slabs() const noexcept { return max_slabs_; }
  [[nodiscard]] const SlabPoolStats& stats() const noexcept { return stats_; }
  /// Users report copies here so that "bytes copied" is one counter per loop.
  void count_copied(std::size_t n) noexcept { stats_.bytes_copied += n; }

  /// Called when the last SlabRef of a slab goes, instead of putting the slab on the free list:
  /// the hook receives the slab again as a new reference and keeps it (e.g. gives it back to a
  /// kernel buffer ring, as the io_uring backend does); a slab it lets go of goes to the free
  /// list. nullptr (the default) restores the plain free list.
  using RecycleHook = void (*)(void* context, SlabRef slab) noexcept;
  void set_recycle_hook(RecycleHook hook, void* context) noexcept {
    recycle_hook_ = hook;
    recycle_context_ = context;
  }

 private:
  friend class SlabRef;
  void recycle(Slab* slab) noexcept;

  std::size_t slab_size_;
  std::size_t max_slabs_;
  Slab* free_ = nullptr;
  std::size_t free_count_ = 0;
  SlabPoolStats stats_;
  RecycleHook recycle_hook_ = nullptr;
  void* recycle_context_ = nullptr;
  bool in_recycle_hook_ = false;
};

inline void SlabRef::release() noexcept {
  if (slab_ != nullptr && --slab_->refs_ == 0) slab_->pool_->recycle(slab_);
}

}  // namespace nelson::core
