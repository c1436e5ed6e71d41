// rpc::ChainSink — the small buffer interface between xdr/ and core/: an xdr::Sink whose
// regions are pool slabs and whose output is slices appended to a core::Chain.
//
//   core::Chain out;
//   ChainSink sink(pool, out);
//   xdr::Encoder e(sink);
//   e.put_uint(xid); ...
//   e.finish();                 // the last region becomes a slice of `out`
//
// The first region is the free tail of the chain's last slab when the chain holds every
// reference to it (many small replies then share one slab and one writev stays short); later regions
// are whole fresh slabs. An encoder asking for more contiguous bytes than a slab holds, or a
// pool at its limit, gets an empty region (Errc::no_space); exhausted() tells the two apart.
#pragma once

#include <cstddef>
#include <span>

#include "core/chain.hpp"
#include "core/slab.hpp"
#include "xdr/sink.hpp"

namespace nelson::rpc {

/// An xdr::Sink that appends what the encoder writes to a core::Chain, in pool slabs.
class ChainSink final : public xdr::Sink {
 public:
  /// Appends to `out`; `pool` supplies the slabs. Both must outlive the sink.
  ChainSink(core::SlabPool& pool, core::Chain& out) noexcept : pool_(&pool), out_(&out) {}
  ChainSink(const ChainSink&) = delete;
  ChainSink& operator=(const ChainSink&) = delete;

  /// xdr::Sink: appends the filled part of the current region, returns the next one.
  [[nodiscard]] std::span<std::byte> next_region(std::size_t used, std::size_t min_bytes) override;
  /// xdr::Sink: appends the filled part of the current region.
  void commit(std::size_t used) override;

  /// True when a region was refused because the pool was at its limit.
  [[nodiscard]] bool exhausted() const noexcept { return exhausted_; }

 private:
  core::SlabPool* pool_;
  core::Chain* out_;
  core::SlabRef current_;    // the slab of the region handed out last
  std::uint32_t start_ = 0;  // where that region starts in the slab
  bool tried_tail_ = false;  // the chain's free tail is offered once, as the first region
  bool exhausted_ = false;
};

}  // namespace nelson::rpc
