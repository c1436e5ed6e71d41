// libFuzzer target for rpc::RecordReader (TCP record marking, RFC 5531 section 11).
//
// Input layout:
//   byte 0      configuration: bits 0-1 choose the slab size (kSlabSizes), bits 2-3 the
//               max_record_size (kMaxRecord), bits 4-5 max_fragments (kMaxFragments)
//   byte 1..n   the slicing: each byte is the length of the next read (0 means a read into a fresh
//               receive slab, other values a read into the current slab's tail), until a
//               0xff separator byte; the rest of the input is the byte stream
// Reads are copied into pool slabs the way a connection fills them. Checked after every step
// (violations end in __builtin_trap()):
//   - the records equal those of a simple reference parser over the whole stream, in order,
//     until the first error; the error kind matches the reference's (too large / too many);
//   - a record never exceeds max_record_size; a record in a slab lies inside that slab;
//   - buffered_bytes() never exceeds (bytes fed) and, for a partial record, max_record_size
//     plus one slice of unparsed input;
//   - after an error, next() keeps answering error and buffered_bytes() is 0;
//   - when everything is done and the records are released, no slab is in use.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <span>
#include <vector>

#include "core/chain.hpp"
#include "core/slab.hpp"
#include "rpc/record_reader.hpp"

namespace rpc = nelson::rpc;
namespace core = nelson::core;

#define FUZZ_CHECK(cond)                                                                          \
  do {                                                                                            \
    if (!(cond)) [[unlikely]] {                                                                   \
      std::fprintf(stderr, "record_reader_fuzz: check failed at line %d: %s\n", __LINE__, #cond); \
      __builtin_trap();                                                                           \
    }                                                                                             \
  } while (0)

namespace {

constexpr std::array<std::size_t, 4> kSlabSizes{64, 256, 1024, 4096};
constexpr std::array<std::size_t, 4> kMaxRecord{0, 100, 3000, 1 << 20};
constexpr std::array<std::size_t, 4> kMaxFragments{1, 3, 100, 65536};

struct Reference {
  std::vector<std::vector<std::byte>> records;
  rpc::RecordErrc error = rpc::RecordErrc::none;
};

// Straightforward parse of the whole stream with the same limits.
Reference parse(std::span<const std::byte> s, std::size_t max_record, std::size_t max_fragments) {
  Reference ref;
  std::vector<std::byte> cur;
  std::size_t fragments = 0;
  std::uint64_t size = 0;
  std::size_t at = 0;
  while (s.size() - at >= 4) {
    const std::uint32_t mark =
        (std::to_integer<std::uint32_t>(s[at]) << 24) | (std::to_integer<std::uint32_t>(s[at + 1]) << 16) |
        (std::to_integer<std::uint32_t>(s[at + 2]) << 8) | std::to_integer<std::uint32_t>(s[at + 3]);
    at += 4;
    const std::uint32_t len = mark & 0x7fffffffU;
    if (++fragments > max_fragments) {
      ref.error = rpc::RecordErrc::too_many_fragments;
      return ref;
    }
    size += len;
    if (size > max_record) {
      ref.error = rpc::RecordErrc::record_too_large;
      return ref;
    }
    if (s.size() - at < len) return ref;  // incomplete
    cur.insert(cur.end(), s.begin() + static_cast<std::ptrdiff_t>(at),
               s.begin() + static_cast<std::ptrdiff_t>(at + len));
    at += len;
    if ((mark & 0x80000000U) != 0) {
      ref.records.push_back(std::move(cur));
      cur.clear();
      fragments = 0;
      size = 0;
    }
  }
  return ref;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t config = data[0];
  const std::size_t slab_size = kSlabSizes[config & 3];
  rpc::RecordReaderLimits limits;
  limits.max_record_size = kMaxRecord[(config >> 2) & 3];
  limits.max_fragments = kMaxFragments[(config >> 4) & 3];

  std::vector<std::uint8_t> lengths;
  std::size_t at = 1;
  while (at < size && data[at] != 0xff) lengths.push_back(data[at++]);
  if (at < size) ++at;  // the separator
  const std::vector<std::byte> stream(reinterpret_cast<const std::byte*>(data + at),
                                      reinterpret_cast<const std::byte*>(data + size));
  if (lengths.empty()) lengths.push_back(static_cast<std::uint8_t>(slab_size > 254 ? 254 : slab_size));

  const Reference ref = parse(stream, limits.max_record_size, limits.max_fragments);

  core::SlabPool pool(slab_size, 1 << 16);
  {
    rpc::RecordReader reader(pool, limits);
    std::vector<rpc::Record> kept;  // records kept alive while reading goes on (handlers may)
    core::SlabRef current;
    std::size_t fill = slab_size;
    std::size_t pos = 0;
    std::size_t step = 0;
    std::size_t got = 0;
    bool failed = false;
    rpc::Record record;
    while (pos < stream.size() && !failed) {
      const std::uint8_t l = lengths[step++ % lengths.size()];
      std::size_t want = l;
      if (l == 0) {  // the read goes to a fresh slab (and takes what fits)
        fill = slab_size;
        want = slab_size;
      }
      if (slab_size - fill == 0) {
        current = pool.acquire();
        FUZZ_CHECK(current);
        fill = 0;
      }
      const std::size_t n = std::min({want, stream.size() - pos, slab_size - fill});
      std::memcpy(current->data() + fill, stream.data() + pos, n);
      reader.feed(core::Slice{current, static_cast<std::uint32_t>(fill), static_cast<std::uint32_t>(n)});
      fill += n;
      pos += n;
      for (;;) {
        const rpc::ReadStatus s = reader.next(record);
        if (s == rpc::ReadStatus::need_more) break;
        if (s == rpc::ReadStatus::error) {
          FUZZ_CHECK(reader.error().code == ref.error);
          FUZZ_CHECK(got == ref.records.size());
          FUZZ_CHECK(reader.buffered_bytes() == 0);
          FUZZ_CHECK(reader.next(record) == rpc::ReadStatus::error);
          failed = true;
          break;
        }
        FUZZ_CHECK(got < ref.records.size());
        const auto bytes = record.bytes();
        FUZZ_CHECK(bytes.size() <= limits.max_record_size);
        FUZZ_CHECK(bytes.size() == ref.records[got].size());
        FUZZ_CHECK(bytes.empty() || std::memcmp(bytes.data(), ref.records[got].data(), bytes.size()) == 0);
        if (record.in_slab()) {
          const core::Slice& sl = record.slice();
          FUZZ_CHECK(std::size_t{sl.offset} + sl.length <= sl.slab->capacity());
        }
        if (got % 3 == 0) kept.push_back(std::move(record));
        ++got;
      }
      if (!failed) FUZZ_CHECK(reader.buffered_bytes() <= limits.max_record_size + slab_size + 4);
    }
    if (!failed) {
      FUZZ_CHECK(got == ref.records.size());
      // The reference stops at a limit it sees with the whole stream; the reader must too.
      FUZZ_CHECK(ref.error == rpc::RecordErrc::none || reader.error().code == ref.error);
    }
  }
  FUZZ_CHECK(pool.stats().slabs_in_use == 0);
  return 0;
}
