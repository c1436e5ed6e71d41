// rpc::RecordReader — TCP record marking (RFC 5531 section 11), receive side.
//
//   RecordReader reader(pool);                  // RecordReaderLimits{} by default
//   stream.on_data = [&](Stream&, const core::Slice& bytes) {
//     reader.feed(bytes);
//     Record record;
//     for (;;) {
//       const ReadStatus s = reader.next(record);
//       if (s == ReadStatus::need_more) break;
//       if (s == ReadStatus::error) { log(reader.error().message()); close(); break; }
//       handle(record.bytes());                  // contiguous: what xdr::Decoder reads
//     }
//   };
//
// The API is pull-based: feed() only queues a view of the bytes (no parsing, no copy), next()
// does the work. That lets the caller stop taking records (back-pressure: too many calls in
// flight) without losing any, and a record handler may close the connection without the reader
// being in the middle of a callback.
//
// How a record is delivered (Record::bytes() is always one contiguous span):
//   - zero-copy: when the record's payload lies in one slab — one last fragment inside one fed
//     slice (the common case), or pieces that are adjacent in the same slab (one read split in
//     two, leading zero-length fragments) — the record is a core::Slice into the receive slab;
//   - assembled: a record whose payload is in several places (several non-empty fragments, or
//     bytes that straddle slabs) and fits one slab is copied into a slab from the pool and
//     delivered as a Slice into it;
//   - owned: a record larger than a slab is copied into one heap buffer of exactly its size,
//     allocated only when its last fragment's mark has told the total and the total is within
//     max_record_size. Fragments before the last may have been staged in pool slabs first.
// Every copied byte is reported through SlabPool::count_copied().
// A record still incomplete when the fed bytes run out never keeps a view of a slab from a
// pool other than the reader's own (such as io_uring's provided receive buffers, which are few):
// its bytes so far are copied into the reader's pool first.
//
// Limits are checked from each mark alone, before any of its bytes is buffered: the sum of the
// fragment lengths (so a single 2^31-1 last fragment is refused at once) and the number of
// fragments (so endless zero-length non-last fragments cannot keep the reader busy). Errors are
// values and sticky: after one, next() keeps reporting it and everything buffered is released.
//
// No allocation per record in the common case: feed() appends to a reused vector of slices, a
// zero-copy record is a refcount increment.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "core/chain.hpp"
#include "core/slab.hpp"

namespace nelson::rpc {

/// Named limits of a RecordReader (DESIGN.md: every limit is a named setting).
struct RecordReaderLimits {
  /// Largest record accepted (sum of its fragment lengths, marks excluded). 1 MiB: well above
  /// any ordinary call (headers plus arguments of a few KiB), enough for a 1 MiB NFS-style
  /// payload that sends itself in pieces below that, and it bounds what one connection can make
  /// the server hold for a partial record to 16 slabs of 64 KiB. Raise it for bulk services.
  std::size_t max_record_size = std::size_t{1} << 20;
  /// Most fragments in one record, zero-length ones included. 65536 is far above what real
  /// clients send (an NFS test client sends > 1,000; libtirpc sends one fragment per buffer
  /// flush) while bounding the work of a peer that sends only 4-byte empty marks to 256 KiB of
  /// marks per record. Values below 1 act as 1.
  std::size_t max_fragments = 65536;
};

/// What went wrong; the connection should be closed (the stream cannot be resynchronized).
enum class RecordErrc : std::uint8_t {
  none = 0,
  record_too_large,    // the fragments announced so far sum above max_record_size
  too_many_fragments,  // more than max_fragments marks in one record
  out_of_slabs,        // the slab pool refused a slab to assemble a record (pool at its limit)
  out_of_memory,       // the buffer of a record larger than a slab could not be allocated
};

/// An error with the value that triggered it (for the log line).
struct RecordError {
  RecordErrc code = RecordErrc::none;
  /// record_too_large: the announced record size; too_many_fragments: the fragment count;
  /// out_of_slabs/out_of_memory: the bytes that needed room.
  std::uint64_t value = 0;

  /// "record too large: 2147483647 bytes announced, limit 1048576" (allocates; for logging).
  [[nodiscard]] std::string message() const;
  /// The limit that was exceeded, when there is one (0 otherwise).
  std::uint64_t limit = 0;
};

/// One complete record: contiguous bytes that keep their storage alive (a slab reference or an
/// owned buffer). Movable; handlers may keep it (a slab view pins the whole slab).
class Record {
 public:
  Record() = default;

  /// The record's bytes (empty for an empty record).
  [[nodiscard]] std::span<const std::byte> bytes() const noexcept {
    if (owned_) return {owned_.get(), owned_size_};
    if (!slice_.slab) return {};
    return slice_.bytes();
  }
  [[nodiscard]] std::size_t size() const noexcept { return bytes().size(); }
  /// True when the bytes are a Slice into a slab (receive slab or assembly slab).
  [[nodiscard]] bool in_slab() const noexcept { return static_cast<bool>(slice_.slab); }
  /// The slab view; meaningful only when in_slab().
  [[nodiscard]] const core::Slice& slice() const noexcept { return slice_; }
  /// True when the bytes were copied (assembled in a slab or an owned buffer), false for a
  /// zero-copy view of received bytes (or an empty record).
  [[nodiscard]] bool copied() const noexcept { return copied_; }
  /// Releases the storage.
  void reset() noexcept { *this = Record{}; }

 private:
  friend class RecordReader;
  core::Slice slice_;
  std::unique_ptr<std::byte[]> owned_;
  std::size_t owned_size_ = 0;
  bool copied_ = false;
};

/// Outcome of RecordReader::next().
enum class ReadStatus : std::uint8_t {
  record,     // a record was stored in the output argument
  need_more,  // every fed byte is consumed; feed more
  error,      // see RecordReader::error(); the connection should be closed
};

/// Splits one stream's bytes into records. One reader per connection; not thread-safe.
class RecordReader {
 public:
  /// `pool` supplies slabs for assembled records and must outlive the reader and its records.
  explicit RecordReader(core::SlabPool& pool, RecordReaderLimits limits = {}) noexcept;

  RecordReader(const RecordReader&) = delete;
  RecordReader& operator=(const RecordReader&) = delete;

  /// Queues the next bytes of the stream (shares the slab; copies nothing). Empty slices and
  /// bytes fed after an error are ignored.
  void feed(const core::Slice& bytes);
  /// Takes the next complete record out of the fed bytes into `out` (replacing its content).
  [[nodiscard]] ReadStatus next(Record& out) noexcept;

  /// The sticky error (code none while there is none).
  [[nodiscard]] const RecordError& error() const noexcept { return error_; }
  [[nodiscard]] const RecordReaderLimits& limits() const noexcept { return limits_; }
  /// Bytes held for the record in progress and not yet parsed: fed but unparsed input, a
  /// pending view, staged copies and the owned buffer's size. 0 after an error.
  [[nodiscard]] std::size_t buffered_bytes() const noexcept;
  /// True when part of a record (a mark byte, a fragment) has been consumed.
  [[nodiscard]] bool mid_record() const noexcept { return mark_have_ != 0 || fragments_ != 0; }

 private:
  // Applies a complete mark: checks the limits, switches to an owned buffer when the record is
  // known to be larger than a slab. False on error.
  bool on_mark(std::uint32_t mark) noexcept;
  // Adds fragment bytes (a view into a fed slice) to the record in progress. False on error.
  bool add_piece(const core::Slice& piece) noexcept;
  // Moves the pending view and the staged slabs into a fresh owned buffer of record_size_.
  bool go_owned() noexcept;
  void finish(Record& out) noexcept;
  // Copies a partial record's view out of a slab that belongs to another pool (a kernel
  // receive buffer) into this reader's pool. False on error.
  bool unpin_foreign() noexcept;
  ReadStatus fail(RecordErrc code, std::uint64_t value, std::uint64_t limit) noexcept;
  void reset_record() noexcept;

  core::SlabPool* pool_;
  RecordReaderLimits limits_;
  core::Chain input_;  // fed, not yet parsed

  // The mark being read (it may arrive a byte at a time).
  std::byte mark_bytes_[4]{};
  std::uint32_t mark_have_ = 0;
  // The fragment being read.
  bool in_fragment_ = false;
  bool last_ = false;
  std::uint32_t fragment_left_ = 0;
  // The record in progress.
  std::size_t fragments_ = 0;
  std::uint64_t record_size_ = 0;       // sum of the announced fragment lengths
  core::Slice pending_;                 // payload so far when it is one contiguous view (no copy)
  core::Chain staged_;                  // payload so far, copied into pool slabs
  std::unique_ptr<std::byte[]> owned_;  // the whole record once known to exceed a slab
  std::size_t owned_fill_ = 0;

  RecordError error_;
};

}  // namespace nelson::rpc
