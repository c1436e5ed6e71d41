#include "rpc/record_writer.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "xdr/byte_order.hpp"

namespace nelson::rpc {

namespace {

// Drops the slices of `out` from index `first` on (Chain can only drop from its front, so the
// prefix is rebuilt; only failure and splitting, both rare, come here).
std::vector<core::Slice> cut_tail(core::Chain& out, std::size_t first) {
  const auto slices = out.slices();
  std::vector<core::Slice> prefix(slices.begin(), slices.begin() + static_cast<std::ptrdiff_t>(first));
  std::vector<core::Slice> tail(slices.begin() + static_cast<std::ptrdiff_t>(first), slices.end());
  out.clear();
  for (core::Slice& s : prefix) out.append(std::move(s));
  return tail;
}

}  // namespace

std::array<std::byte, 4> record_mark(std::uint32_t length, bool last) noexcept {
  std::array<std::byte, 4> mark{};
  write_record_mark(mark.data(), length, last);
  return mark;
}

std::string WriteResult::message() const {
  switch (code) {
    case WriteErrc::none: return "ok";
    case WriteErrc::encode_failed: return "record encoding failed: " + xdr.message();
    case WriteErrc::out_of_slabs: return "no slab to encode a record into (pool at its limit)";
  }
  return "unknown record write error";
}

RecordWriter::RecordWriter(core::SlabPool& pool, RecordWriterOptions options) noexcept
    : pool_(&pool), options_(options) {
  options_.max_fragment_size = std::clamp<std::size_t>(options_.max_fragment_size, 1, kMaxFragmentLength);
}

WriteResult RecordWriter::complete(core::Chain& out, std::size_t first, std::size_t before, xdr::Error error,
                                   bool exhausted) noexcept {
  WriteResult result;
  if (error.code != xdr::Errc::ok) {
    cut_tail(out, first);
    result.code = exhausted ? WriteErrc::out_of_slabs : WriteErrc::encode_failed;
    result.xdr = error;
    return result;
  }
  const std::size_t size = out.size() - before - 4;
  const std::size_t frag = options_.max_fragment_size;
  // reserve(4) gave 4 contiguous bytes at the start of the record's first slice.
  std::byte* mark = const_cast<std::byte*>(out.slices()[first].data());
  result.record_size = size;
  if (size <= frag) {
    write_record_mark(mark, static_cast<std::uint32_t>(size), true);
    result.fragments = 1;
    return result;
  }

  // Split: the first mark is patched in place, the others go into slabs of their own.
  const std::size_t fragments = (size + frag - 1) / frag;
  const std::size_t marks_per_slab = pool_->slab_size() / 4;
  std::vector<core::SlabRef> mark_slabs((fragments - 1 + marks_per_slab - 1) / marks_per_slab);
  for (core::SlabRef& slab : mark_slabs) {
    slab = pool_->acquire();
    if (!slab) {
      cut_tail(out, first);
      result = WriteResult{WriteErrc::out_of_slabs, {}, 0, 0};
      return result;
    }
  }
  write_record_mark(mark, static_cast<std::uint32_t>(frag), false);
  std::vector<core::Slice> tail = cut_tail(out, first);
  out.append(core::Slice{tail.front().slab, tail.front().offset, 4});
  tail.front().offset += 4;
  tail.front().length -= 4;

  std::size_t unassigned = size - frag;  // payload not yet in a fragment
  std::size_t left = frag;               // payload left in the current fragment
  std::size_t marks_written = 0;
  for (core::Slice& s : tail) {
    while (s.length != 0) {
      if (left == 0) {
        const std::size_t len = std::min(frag, unassigned);
        unassigned -= len;
        core::SlabRef& slab = mark_slabs[marks_written / marks_per_slab];
        const auto at = static_cast<std::uint32_t>((marks_written % marks_per_slab) * 4);
        write_record_mark(slab->data() + at, static_cast<std::uint32_t>(len), unassigned == 0);
        out.append(core::Slice{slab, at, 4});
        ++marks_written;
        left = len;
      }
      const auto n = static_cast<std::uint32_t>(std::min<std::size_t>(left, s.length));
      out.append(core::Slice{s.slab, s.offset, n});
      s.offset += n;
      s.length -= n;
      left -= n;
    }
  }
  result.fragments = fragments;
  return result;
}

}  // namespace nelson::rpc
