// rpc::RecordWriter — TCP record marking (RFC 5531 section 11), send side.
//
//   RecordWriter writer(pool);                       // one fragment per record by default
//   WriteResult r = writer.write(out_chain, [&](xdr::Encoder& e) {
//     e.put_uint(xid);
//     ...
//   });
//   if (!r.ok()) log(r.message());
//
// write() encodes the record straight into pool slabs appended to `out` (through ChainSink),
// with 4 bytes reserved in front for the mark, which is patched once the length is known: no
// copy, and no allocation beyond `out`'s slice vector. With a max_fragment_size below the record
// size the body is cut into fragments without copying either: the extra marks go into a pool slab
// of their own and the chain interleaves mark slices with slices of the body.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/chain.hpp"
#include "core/slab.hpp"
#include "rpc/chain_sink.hpp"
#include "xdr/byte_order.hpp"
#include "xdr/encoder.hpp"
#include "xdr/error.hpp"

namespace nelson::rpc {

/// The last-fragment flag of a record mark.
inline constexpr std::uint32_t kLastFragment = 0x80000000U;
/// The largest fragment a mark can describe (31 bits).
inline constexpr std::uint32_t kMaxFragmentLength = 0x7fffffffU;

/// Stores the 4-byte mark of a fragment of `length` bytes (<= kMaxFragmentLength) at `out`.
inline void write_record_mark(std::byte* out, std::uint32_t length, bool last) noexcept {
  xdr::store_be32(out, (length & kMaxFragmentLength) | (last ? kLastFragment : 0U));
}
/// The 4-byte mark of a fragment of `length` bytes (<= kMaxFragmentLength).
[[nodiscard]] std::array<std::byte, 4> record_mark(std::uint32_t length, bool last) noexcept;

/// Named settings of a RecordWriter.
struct RecordWriterOptions {
  /// Largest fragment written; longer records are split. The default (2^31-1, the most a mark
  /// allows) sends every record as one fragment, which every reader handles best; clients may
  /// lower it to send large calls in pieces. Values below 1 act as 1.
  std::size_t max_fragment_size = kMaxFragmentLength;
};

/// Why a record could not be written.
enum class WriteErrc : std::uint8_t {
  none = 0,
  encode_failed,  // the encoder reported an error (see WriteResult::xdr)
  out_of_slabs,   // the slab pool was at its limit
};

/// The outcome of RecordWriter::write().
struct WriteResult {
  WriteErrc code = WriteErrc::none;
  xdr::Error xdr{};             // the encoder's error when code is encode_failed
  std::size_t record_size = 0;  // payload bytes (marks excluded) when ok
  std::size_t fragments = 0;    // fragments written when ok

  [[nodiscard]] bool ok() const noexcept { return code == WriteErrc::none; }
  /// A sentence for a log line (allocates).
  [[nodiscard]] std::string message() const;
};

/// Encodes records with their marks into a core::Chain. One per connection; not thread-safe.
class RecordWriter {
 public:
  /// `pool` supplies the slabs and must outlive the writer and the chains it fills.
  explicit RecordWriter(core::SlabPool& pool, RecordWriterOptions options = {}) noexcept;

  /// Appends one record to `out`: calls `body(encoder)` to encode the payload, then writes the
  /// mark(s). On failure `out` is left as it was.
  template <class EncodeBody>
  WriteResult write(core::Chain& out, EncodeBody&& body) {
    const std::size_t first = out.slice_count();
    const std::size_t before = out.size();
    ChainSink sink(*pool_, out);
    xdr::Encoder encoder(sink);
    if (encoder.reserve(4) != nullptr) body(encoder);
    encoder.finish();
    return complete(out, first, before, encoder.error(), sink.exhausted());
  }

  [[nodiscard]] const RecordWriterOptions& options() const noexcept { return options_; }

 private:
  // Patches or inserts the marks of the record that starts at slice `first` of `out`.
  WriteResult complete(core::Chain& out, std::size_t first, std::size_t before, xdr::Error error,
                       bool exhausted) noexcept;

  core::SlabPool* pool_;
  RecordWriterOptions options_;
};

}  // namespace nelson::rpc
