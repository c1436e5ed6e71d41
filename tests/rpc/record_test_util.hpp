// Helpers shared by the record marking tests: build marked streams, feed them as slab slices.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "core/chain.hpp"
#include "core/slab.hpp"
#include "rpc/record_writer.hpp"

namespace nelson::rpc::test {

/// Appends one fragment (mark + payload) to `stream`.
inline void append_fragment(std::vector<std::byte>& stream, std::span<const std::byte> payload, bool last) {
  const auto mark = record_mark(static_cast<std::uint32_t>(payload.size()), last);
  stream.insert(stream.end(), mark.begin(), mark.end());
  stream.insert(stream.end(), payload.begin(), payload.end());
}

/// Appends a raw mark (any 32-bit value) to `stream`.
inline void append_raw_mark(std::vector<std::byte>& stream, std::uint32_t mark) {
  for (int shift = 24; shift >= 0; shift -= 8) stream.push_back(static_cast<std::byte>((mark >> shift) & 0xff));
}

/// `n` bytes of a recognizable pattern starting at `seed`.
inline std::vector<std::byte> pattern(std::size_t n, std::uint32_t seed = 0) {
  std::vector<std::byte> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::byte>((seed * 131 + i * 7 + (i >> 8)) & 0xff);
  return out;
}

/// Copies `bytes` into a fresh slab of `pool` (which must be large enough) as one slice.
inline core::Slice slab_slice(core::SlabPool& pool, std::span<const std::byte> bytes) {
  core::SlabRef slab = pool.acquire();
  if (!bytes.empty()) std::memcpy(slab->data(), bytes.data(), bytes.size());
  return core::Slice{std::move(slab), 0, static_cast<std::uint32_t>(bytes.size())};
}

/// All bytes of a chain, in order.
inline std::vector<std::byte> flatten(const core::Chain& chain) {
  std::vector<std::byte> out;
  for (const core::Slice& s : chain.slices()) out.insert(out.end(), s.data(), s.data() + s.length);
  return out;
}

}  // namespace nelson::rpc::test
