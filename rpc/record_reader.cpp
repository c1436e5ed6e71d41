#include "rpc/record_reader.hpp"

#include <algorithm>
#include <cstring>
#include <new>
#include <utility>

#include "xdr/byte_order.hpp"

namespace nelson::rpc {

namespace {
constexpr std::uint32_t kLastFragmentBit = 0x80000000U;
constexpr std::uint32_t kLengthMask = 0x7fffffffU;
}  // namespace

std::string RecordError::message() const {
  const std::string v = std::to_string(value);
  const std::string l = std::to_string(limit);
  switch (code) {
    case RecordErrc::none: return "no error";
    case RecordErrc::record_too_large: return "record too large: " + v + " bytes announced, limit " + l;
    case RecordErrc::too_many_fragments: return "too many fragments in one record: " + v + ", limit " + l;
    case RecordErrc::out_of_slabs: return "no slab to assemble a record of " + v + " bytes (pool at its limit)";
    case RecordErrc::out_of_memory: return "cannot allocate a record buffer of " + v + " bytes";
  }
  return "unknown record error";
}

RecordReader::RecordReader(core::SlabPool& pool, RecordReaderLimits limits) noexcept : pool_(&pool), limits_(limits) {
  limits_.max_fragments = std::max<std::size_t>(limits_.max_fragments, 1);
}

void RecordReader::feed(const core::Slice& bytes) {
  if (error_.code != RecordErrc::none) return;
  input_.append(bytes);
}

std::size_t RecordReader::buffered_bytes() const noexcept {
  return input_.size() + mark_have_ + (pending_.slab ? pending_.length : 0) + staged_.size() +
         (owned_ ? static_cast<std::size_t>(record_size_) : 0);
}

ReadStatus RecordReader::fail(RecordErrc code, std::uint64_t value, std::uint64_t limit) noexcept {
  error_ = RecordError{code, value, limit};
  // Nothing of this stream is usable any more: give the slabs and the buffer back now.
  input_.clear();
  reset_record();
  return ReadStatus::error;
}

void RecordReader::reset_record() noexcept {
  mark_have_ = 0;
  in_fragment_ = false;
  last_ = false;
  fragment_left_ = 0;
  fragments_ = 0;
  record_size_ = 0;
  pending_ = core::Slice{};
  staged_.clear();
  owned_.reset();
  owned_fill_ = 0;
}

ReadStatus RecordReader::next(Record& out) noexcept {
  if (error_.code != RecordErrc::none) return ReadStatus::error;
  for (;;) {
    if (in_fragment_ && fragment_left_ == 0) {
      in_fragment_ = false;
      if (last_) {
        finish(out);
        return ReadStatus::record;
      }
    }
    if (input_.empty()) return unpin_foreign() ? ReadStatus::need_more : ReadStatus::error;
    const core::Slice& front = input_.slices().front();

    if (!in_fragment_) {
      // Fast path: a whole single-fragment record at the front of a fed slice, no record in
      // progress. The record is a view of the receive slab: no copy, no allocation.
      if (mark_have_ == 0 && fragments_ == 0 && front.length >= 4) {
        const std::uint32_t mark = xdr::load_be32(front.data());
        const std::uint32_t length = mark & kLengthMask;
        if ((mark & kLastFragmentBit) != 0 && length <= front.length - 4 && length <= limits_.max_record_size) {
          if (length == 0 || out.owned_) [[unlikely]] {
            out = Record{};
            if (length != 0) out.slice_ = core::Slice{front.slab, front.offset + 4, length};
          } else {
            // The records of one read come from one slab: keep the reference the previous record
            // holds rather than drop it and take it again (two refcount updates per record).
            if (out.slice_.slab.get() != front.slab.get()) out.slice_.slab = front.slab;
            out.slice_.offset = front.offset + 4;
            out.slice_.length = length;
            out.copied_ = false;
          }
          input_.consume(std::size_t{4} + length);
          return ReadStatus::record;
        }
      }
      // Slow path: collect the mark, possibly a byte at a time across slices.
      const std::size_t n = std::min<std::size_t>(4 - mark_have_, front.length);
      std::memcpy(mark_bytes_ + mark_have_, front.data(), n);
      mark_have_ += static_cast<std::uint32_t>(n);
      input_.consume(n);
      if (mark_have_ < 4) continue;
      mark_have_ = 0;
      if (!on_mark(xdr::load_be32(mark_bytes_))) return ReadStatus::error;
      continue;
    }

    // Inside a fragment: take what the front slice has of it.
    const auto n = static_cast<std::uint32_t>(std::min<std::size_t>(fragment_left_, front.length));
    if (!add_piece(core::Slice{front.slab, front.offset, n})) return ReadStatus::error;
    fragment_left_ -= n;
    input_.consume(n);
  }
}

bool RecordReader::unpin_foreign() noexcept {
  // A partial record may wait for its peer indefinitely (a slow or hostile client). Its view
  // must not hold a buffer of another pool: io_uring's provided-buffer ring has a few hundred,
  // and a few hundred idle half-sent calls would otherwise leave no buffer to receive into.
  if (!pending_.slab || pending_.slab->pool() == pool_) return true;
  if (!staged_.append_copy(pending_.bytes(), *pool_)) {
    fail(RecordErrc::out_of_slabs, pending_.length, 0);
    return false;
  }
  pending_ = core::Slice{};
  return true;
}

bool RecordReader::on_mark(std::uint32_t mark) noexcept {
  const std::uint32_t length = mark & kLengthMask;
  ++fragments_;
  // Both limits are checked from the mark alone, before a byte of the fragment is buffered.
  if (fragments_ > limits_.max_fragments) {
    fail(RecordErrc::too_many_fragments, fragments_, limits_.max_fragments);
    return false;
  }
  if (record_size_ + length > limits_.max_record_size) {  // 64-bit: cannot wrap
    fail(RecordErrc::record_too_large, record_size_ + length, limits_.max_record_size);
    return false;
  }
  record_size_ += length;
  fragment_left_ = length;
  last_ = (mark & kLastFragmentBit) != 0;
  in_fragment_ = true;
  // Only now is the record's size known; a record above a slab gets its one buffer here.
  if (last_ && record_size_ > pool_->slab_size()) return go_owned();
  return true;
}

bool RecordReader::go_owned() noexcept {
  const auto size = static_cast<std::size_t>(record_size_);
  owned_.reset(new (std::nothrow) std::byte[size]);
  if (!owned_) {
    fail(RecordErrc::out_of_memory, size, 0);
    return false;
  }
  owned_fill_ = 0;
  if (pending_.slab) {
    std::memcpy(owned_.get(), pending_.data(), pending_.length);
    owned_fill_ = pending_.length;
    pending_ = core::Slice{};
  }
  for (const core::Slice& s : staged_.slices()) {
    std::memcpy(owned_.get() + owned_fill_, s.data(), s.length);
    owned_fill_ += s.length;
  }
  staged_.clear();
  pool_->count_copied(owned_fill_);
  return true;
}

bool RecordReader::add_piece(const core::Slice& piece) noexcept {
  if (piece.length == 0) return true;
  if (owned_) {
    std::memcpy(owned_.get() + owned_fill_, piece.data(), piece.length);
    owned_fill_ += piece.length;
    pool_->count_copied(piece.length);
    return true;
  }
  if (staged_.empty()) {
    if (!pending_.slab) {  // the first payload bytes: keep a view, maybe no copy is needed
      pending_ = piece;
      return true;
    }
    if (pending_.slab.get() == piece.slab.get() && pending_.offset + pending_.length == piece.offset) {
      pending_.length += piece.length;  // adjacent in the same slab: still one view
      return true;
    }
    // The payload is now in two places: from here on it is copied into pool slabs.
    if (!staged_.append_copy(pending_.bytes(), *pool_)) {
      fail(RecordErrc::out_of_slabs, pending_.length, 0);
      return false;
    }
    pending_ = core::Slice{};
  }
  if (!staged_.append_copy(piece.bytes(), *pool_)) {
    fail(RecordErrc::out_of_slabs, piece.length, 0);
    return false;
  }
  return true;
}

void RecordReader::finish(Record& out) noexcept {
  out = Record{};
  if (owned_) {
    out.owned_ = std::move(owned_);
    out.owned_size_ = owned_fill_;
    out.copied_ = true;
  } else if (!staged_.empty()) {
    // The record fits a slab (else it would be owned) and append_copy fills a slab before it
    // takes the next, so the staged bytes are exactly one slice.
    out.slice_ = staged_.slices().front();
    out.copied_ = true;
  } else if (pending_.slab) {
    out.slice_ = std::move(pending_);
  }
  reset_record();
}

}  // namespace nelson::rpc
