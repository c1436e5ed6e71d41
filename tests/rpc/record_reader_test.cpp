#include "rpc/record_reader.hpp"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <gtest/gtest.h>
#include <random>
#include <vector>

#include "tests/rpc/record_test_util.hpp"

namespace nelson::rpc {
namespace {

using test::append_fragment;
using test::append_raw_mark;
using test::pattern;
using test::slab_slice;

std::vector<std::byte> to_vec(std::span<const std::byte> s) { return {s.begin(), s.end()}; }

// Feeds `stream` in chunks of `chunk` bytes, each in a slab of its own, and collects records.
std::vector<std::vector<std::byte>> read_all(RecordReader& reader, core::SlabPool& pool,
                                             const std::vector<std::byte>& stream, std::size_t chunk) {
  std::vector<std::vector<std::byte>> records;
  Record record;
  for (std::size_t at = 0; at < stream.size(); at += chunk) {
    const std::size_t n = std::min(chunk, stream.size() - at);
    reader.feed(slab_slice(pool, std::span(stream).subspan(at, n)));
    for (;;) {
      const ReadStatus s = reader.next(record);
      if (s != ReadStatus::record) {
        EXPECT_EQ(s, ReadStatus::need_more) << reader.error().message();
        break;
      }
      records.push_back(to_vec(record.bytes()));
    }
  }
  return records;
}

TEST(RecordReader, SingleFragmentRecordIsAViewOfTheFedSlab) {
  core::SlabPool pool(4096, 64);
  RecordReader reader(pool);
  std::vector<std::byte> stream;
  append_fragment(stream, pattern(100), true);
  const core::Slice fed = slab_slice(pool, stream);
  reader.feed(fed);
  Record record;
  ASSERT_EQ(reader.next(record), ReadStatus::record);
  EXPECT_TRUE(record.in_slab());
  EXPECT_FALSE(record.copied());
  EXPECT_EQ(record.slice().slab.get(), fed.slab.get());
  EXPECT_EQ(record.bytes().data(), fed.data() + 4);
  EXPECT_EQ(to_vec(record.bytes()), pattern(100));
  EXPECT_EQ(reader.next(record), ReadStatus::need_more);
  EXPECT_EQ(pool.stats().bytes_copied, 0U);
}

TEST(RecordReader, ManyRecordsInOneSlice) {
  core::SlabPool pool(64 * 1024, 64);
  RecordReader reader(pool);
  std::vector<std::byte> stream;
  for (std::uint32_t i = 0; i < 500; ++i) append_fragment(stream, pattern(i % 37, i), true);
  const core::Slice fed = slab_slice(pool, stream);
  reader.feed(fed);
  Record record;
  for (std::uint32_t i = 0; i < 500; ++i) {
    ASSERT_EQ(reader.next(record), ReadStatus::record);
    EXPECT_EQ(to_vec(record.bytes()), pattern(i % 37, i));
    EXPECT_FALSE(record.copied());
    if (i % 37 != 0) {
      EXPECT_EQ(record.slice().slab.get(), fed.slab.get());
    }
  }
  EXPECT_EQ(reader.next(record), ReadStatus::need_more);
  EXPECT_EQ(pool.stats().bytes_copied, 0U);
  EXPECT_FALSE(reader.mid_record());
}

TEST(RecordReader, MultiFragmentRecordIsAssembledInOneSlab) {
  core::SlabPool pool(4096, 64);
  RecordReader reader(pool);
  const auto payload = pattern(300);
  std::vector<std::byte> stream;
  append_fragment(stream, std::span(payload).subspan(0, 100), false);
  append_fragment(stream, std::span(payload).subspan(100, 150), false);
  append_fragment(stream, std::span(payload).subspan(250), true);
  const core::Slice fed = slab_slice(pool, stream);
  reader.feed(fed);
  Record record;
  ASSERT_EQ(reader.next(record), ReadStatus::record);
  EXPECT_TRUE(record.copied());
  EXPECT_TRUE(record.in_slab());
  EXPECT_NE(record.slice().slab.get(), fed.slab.get());
  EXPECT_EQ(to_vec(record.bytes()), payload);
  EXPECT_EQ(pool.stats().bytes_copied, 300U);
}

TEST(RecordReader, MarkSplitByteByByteAcrossSlabs) {
  core::SlabPool pool(4096, 4096);
  RecordReader reader(pool);
  std::vector<std::byte> stream;
  append_fragment(stream, pattern(10, 1), false);
  append_fragment(stream, pattern(20, 2), true);
  append_fragment(stream, pattern(7, 3), true);
  const auto records = read_all(reader, pool, stream, 1);
  ASSERT_EQ(records.size(), 2U);
  auto first = pattern(10, 1);
  const auto second_part = pattern(20, 2);
  first.insert(first.end(), second_part.begin(), second_part.end());
  EXPECT_EQ(records[0], first);
  EXPECT_EQ(records[1], pattern(7, 3));
  EXPECT_EQ(pool.stats().bytes_copied, 37U);
}

TEST(RecordReader, OneFragmentOverAdjacentSlicesOfOneSlabStaysAView) {
  // What a connection does: two reads into the same receive slab, one after the other.
  core::SlabPool pool(4096, 64);
  RecordReader reader(pool);
  std::vector<std::byte> stream;
  append_fragment(stream, pattern(200), true);
  core::Slice whole = slab_slice(pool, stream);
  reader.feed(core::Slice{whole.slab, 0, 50});
  Record record;
  EXPECT_EQ(reader.next(record), ReadStatus::need_more);
  EXPECT_TRUE(reader.mid_record());
  reader.feed(core::Slice{whole.slab, 50, 154});
  ASSERT_EQ(reader.next(record), ReadStatus::record);
  EXPECT_FALSE(record.copied());
  EXPECT_EQ(record.bytes().data(), whole.data() + 4);
  EXPECT_EQ(to_vec(record.bytes()), pattern(200));
  EXPECT_EQ(pool.stats().bytes_copied, 0U);
}

TEST(RecordReader, APartialRecordNeverPinsASlabOfAnotherPool) {
  // io_uring receives into a small ring of kernel buffers (another pool): a half-sent call must
  // not keep one of them, or a few hundred slow clients would leave none to receive into.
  core::SlabPool pool(4096, 64);
  core::SlabPool kernel_buffers(4096, 4);
  RecordReader reader(pool);
  std::vector<std::byte> stream;
  append_fragment(stream, pattern(200), true);
  core::Slice first = slab_slice(kernel_buffers, std::span(stream).first(60));
  reader.feed(first);
  Record record;
  EXPECT_EQ(reader.next(record), ReadStatus::need_more);
  EXPECT_EQ(first.slab->refs(), 1U) << "only the test's own reference is left";
  reader.feed(slab_slice(kernel_buffers, std::span(stream).subspan(60)));
  ASSERT_EQ(reader.next(record), ReadStatus::record);
  EXPECT_TRUE(record.copied());
  EXPECT_EQ(record.slice().slab->pool(), &pool);
  EXPECT_EQ(to_vec(record.bytes()), pattern(200));
  EXPECT_EQ(kernel_buffers.stats().slabs_in_use, 1U);  // `first`, held by the test
}

TEST(RecordReader, ZeroLengthFragments) {
  core::SlabPool pool(4096, 64);
  RecordReader reader(pool);
  std::vector<std::byte> stream;
  append_fragment(stream, {}, true);   // an empty record
  append_fragment(stream, {}, false);  // leading empty fragments, then data: still a view
  append_fragment(stream, {}, false);
  append_fragment(stream, pattern(9), true);
  append_fragment(stream, pattern(5, 1), false);  // data, then a zero-length last fragment
  append_fragment(stream, {}, true);
  append_fragment(stream, pattern(3, 2), false);  // data, empty, data: assembled
  append_fragment(stream, {}, false);
  append_fragment(stream, pattern(4, 3), true);
  append_fragment(stream, {}, false);  // only empty fragments: an empty record
  append_fragment(stream, {}, true);
  const core::Slice fed = slab_slice(pool, stream);
  reader.feed(fed);
  Record record;
  ASSERT_EQ(reader.next(record), ReadStatus::record);
  EXPECT_EQ(record.size(), 0U);
  ASSERT_EQ(reader.next(record), ReadStatus::record);
  EXPECT_EQ(to_vec(record.bytes()), pattern(9));
  EXPECT_FALSE(record.copied());
  EXPECT_EQ(record.slice().slab.get(), fed.slab.get());
  ASSERT_EQ(reader.next(record), ReadStatus::record);
  EXPECT_EQ(to_vec(record.bytes()), pattern(5, 1));
  EXPECT_FALSE(record.copied());
  ASSERT_EQ(reader.next(record), ReadStatus::record);
  auto expect = pattern(3, 2);
  const auto tail = pattern(4, 3);
  expect.insert(expect.end(), tail.begin(), tail.end());
  EXPECT_EQ(to_vec(record.bytes()), expect);
  EXPECT_TRUE(record.copied());
  ASSERT_EQ(reader.next(record), ReadStatus::record);
  EXPECT_EQ(record.size(), 0U);
  EXPECT_EQ(reader.next(record), ReadStatus::need_more);
  EXPECT_EQ(pool.stats().bytes_copied, 7U);
}

TEST(RecordReader, MoreThanAThousandSmallFragments) {
  core::SlabPool pool(64 * 1024, 64);
  RecordReader reader(pool);
  std::vector<std::byte> stream;
  std::vector<std::byte> expect;
  for (std::uint32_t i = 0; i < 1500; ++i) {
    const auto piece = pattern(i % 4, i);  // 0..3 bytes, zero-length ones included
    expect.insert(expect.end(), piece.begin(), piece.end());
    append_fragment(stream, piece, i == 1499);
  }
  for (std::size_t chunk : {stream.size(), std::size_t{1}, std::size_t{13}}) {
    const auto records = read_all(reader, pool, stream, chunk);
    ASSERT_EQ(records.size(), 1U);
    EXPECT_EQ(records[0], expect);
  }
}

TEST(RecordReader, RecordLargerThanASlabIsOneOwnedBuffer) {
  core::SlabPool pool(256, 1024);
  RecordReader reader(pool);
  std::vector<std::byte> stream;
  append_fragment(stream, pattern(1000, 1), true);  // one fragment
  append_fragment(stream, pattern(600, 2), false);  // several, the sum above a slab
  append_fragment(stream, pattern(500, 3), true);
  const std::size_t in_use_before = pool.stats().slabs_in_use;
  const auto records = read_all(reader, pool, stream, 200);
  ASSERT_EQ(records.size(), 2U);
  EXPECT_EQ(records[0], pattern(1000, 1));
  auto expect = pattern(600, 2);
  const auto tail = pattern(500, 3);
  expect.insert(expect.end(), tail.begin(), tail.end());
  EXPECT_EQ(records[1], expect);
  EXPECT_EQ(pool.stats().slabs_in_use, in_use_before);  // nothing left pinned
  // The single fragment is copied once; staged fragments of the second at most twice.
  EXPECT_GE(pool.stats().bytes_copied, 2100U);
  EXPECT_LE(pool.stats().bytes_copied, 1000U + 2 * 1100U);
}

TEST(RecordReader, OwnedRecordKeepsItsBytes) {
  core::SlabPool pool(256, 1024);
  RecordReader reader(pool);
  std::vector<std::byte> stream;
  append_fragment(stream, pattern(700), true);
  Record record;
  for (std::size_t at = 0; at < stream.size(); at += 100) {
    reader.feed(slab_slice(pool, std::span(stream).subspan(at, std::min<std::size_t>(100, stream.size() - at))));
    if (reader.next(record) == ReadStatus::record) break;
  }
  EXPECT_FALSE(record.in_slab());
  EXPECT_TRUE(record.copied());
  EXPECT_EQ(to_vec(record.bytes()), pattern(700));
  EXPECT_EQ(pool.stats().bytes_copied, 700U);
}

TEST(RecordReader, HugeLastFragmentIsRefusedFromTheMarkAlone) {
  core::SlabPool pool(4096, 64);
  RecordReader reader(pool, RecordReaderLimits{.max_record_size = 1 << 20});
  const auto filler = pattern(100);
  std::vector<std::byte> stream;
  stream.reserve(4 + filler.size());     // GCC 12 -O3 warns falsely (-Warray-bounds) on the regrowth
  append_raw_mark(stream, 0xffffffffU);  // last fragment of 2^31-1 bytes
  stream.insert(stream.end(), filler.begin(), filler.end());
  const core::Slice fed = slab_slice(pool, stream);
  reader.feed(fed);
  Record record;
  ASSERT_EQ(reader.next(record), ReadStatus::error);
  EXPECT_EQ(reader.error().code, RecordErrc::record_too_large);
  EXPECT_EQ(reader.error().value, 0x7fffffffU);
  EXPECT_EQ(reader.error().limit, 1U << 20);
  EXPECT_NE(reader.error().message().find("2147483647"), std::string::npos);
  EXPECT_EQ(reader.buffered_bytes(), 0U);
  EXPECT_EQ(pool.stats().bytes_copied, 0U);
  EXPECT_EQ(pool.stats().slabs_in_use, 1U);  // only `fed`: the reader took and keeps nothing
  EXPECT_EQ(fed.slab->refs(), 1U);
  // Sticky, and later input is ignored.
  reader.feed(fed);
  EXPECT_EQ(reader.next(record), ReadStatus::error);
  EXPECT_EQ(reader.buffered_bytes(), 0U);
}

TEST(RecordReader, HugeLastFragmentMarkFedByteByByte) {
  core::SlabPool pool(4096, 64);
  RecordReader reader(pool);
  std::vector<std::byte> stream;
  append_raw_mark(stream, 0xffffffffU);
  Record record;
  for (std::size_t i = 0; i < 4; ++i) {
    reader.feed(slab_slice(pool, std::span(stream).subspan(i, 1)));
    const ReadStatus s = reader.next(record);
    EXPECT_EQ(s, i < 3 ? ReadStatus::need_more : ReadStatus::error);
  }
  EXPECT_EQ(reader.error().code, RecordErrc::record_too_large);
  EXPECT_EQ(pool.stats().slabs_in_use, 0U);
}

TEST(RecordReader, SumOfFragmentsIsCapped) {
  core::SlabPool pool(4096, 4096);
  RecordReader reader(pool, RecordReaderLimits{.max_record_size = 10000});
  std::vector<std::byte> stream;
  for (int i = 0; i < 9; ++i) append_fragment(stream, pattern(1000, static_cast<std::uint32_t>(i)), false);
  // The tenth fragment would bring the record to 10001 bytes: refused before its bytes.
  append_raw_mark(stream, 1001);
  Record record;
  std::size_t peak = 0;
  ReadStatus s = ReadStatus::need_more;
  for (std::size_t at = 0; at < stream.size() && s != ReadStatus::error; at += 512) {
    reader.feed(slab_slice(pool, std::span(stream).subspan(at, std::min<std::size_t>(512, stream.size() - at))));
    s = reader.next(record);
    peak = std::max(peak, reader.buffered_bytes());
  }
  ASSERT_EQ(s, ReadStatus::error);
  EXPECT_EQ(reader.error().code, RecordErrc::record_too_large);
  EXPECT_EQ(reader.error().value, 10001U);
  EXPECT_LE(peak, 10000U);
  EXPECT_LE(pool.stats().bytes_copied, 9000U);
  EXPECT_EQ(reader.buffered_bytes(), 0U);
  EXPECT_EQ(pool.stats().slabs_in_use, 0U);  // staged slabs released on error
}

TEST(RecordReader, ExactlyMaxRecordSizeIsAccepted) {
  core::SlabPool pool(1024, 4096);
  RecordReader reader(pool, RecordReaderLimits{.max_record_size = 3000});
  std::vector<std::byte> stream;
  append_fragment(stream, pattern(1000), false);
  append_fragment(stream, pattern(2000, 1), true);
  const auto records = read_all(reader, pool, stream, 700);
  ASSERT_EQ(records.size(), 1U);
  EXPECT_EQ(records[0].size(), 3000U);
}

TEST(RecordReader, EndlessEmptyFragmentsAreCapped) {
  core::SlabPool pool(4096, 64);
  RecordReader reader(pool, RecordReaderLimits{.max_record_size = 1 << 20, .max_fragments = 1000});
  std::vector<std::byte> stream;
  for (int i = 0; i < 1000; ++i) append_fragment(stream, {}, false);
  append_fragment(stream, {}, false);  // the 1001st
  reader.feed(slab_slice(pool, stream));
  Record record;
  ASSERT_EQ(reader.next(record), ReadStatus::error);
  EXPECT_EQ(reader.error().code, RecordErrc::too_many_fragments);
  EXPECT_EQ(reader.error().value, 1001U);
  EXPECT_EQ(pool.stats().bytes_copied, 0U);
}

TEST(RecordReader, FragmentCapCountsPerRecord) {
  core::SlabPool pool(4096, 64);
  RecordReader reader(pool, RecordReaderLimits{.max_record_size = 1 << 20, .max_fragments = 3});
  std::vector<std::byte> stream;
  for (int r = 0; r < 5; ++r) {
    append_fragment(stream, pattern(1), false);
    append_fragment(stream, {}, false);
    append_fragment(stream, pattern(2), true);
  }
  const auto records = read_all(reader, pool, stream, stream.size());
  EXPECT_EQ(records.size(), 5U);
  EXPECT_EQ(reader.error().code, RecordErrc::none);
}

TEST(RecordReader, PoolExhaustionIsAnError) {
  core::SlabPool pool(256, 2);
  RecordReader reader(pool);
  std::vector<std::byte> stream;
  append_fragment(stream, pattern(50), false);
  append_fragment(stream, pattern(50, 1), true);
  core::Slice a = slab_slice(pool, std::span(stream).subspan(0, 60));
  core::Slice b = slab_slice(pool, std::span(stream).subspan(60));  // the pool is now empty
  reader.feed(a);
  reader.feed(b);
  Record record;
  ASSERT_EQ(reader.next(record), ReadStatus::error);
  EXPECT_EQ(reader.error().code, RecordErrc::out_of_slabs);
}

// Property: random records, random fragmentation, random slicing of the stream into receive
// slabs filled the way a connection fills them. Every record comes out intact and in order;
// a record whose payload lies contiguously in one receive slab is a view of it; copies are
// counted.
TEST(RecordReader, RandomizedProperty) {
  constexpr std::size_t kSlab = 512;
  for (std::uint32_t seed = 1; seed <= 60; ++seed) {
    std::mt19937 rng(seed);
    auto uniform = [&](std::size_t lo, std::size_t hi) {
      return std::uniform_int_distribution<std::size_t>(lo, hi)(rng);
    };
    core::SlabPool pool(kSlab, 1 << 16);
    RecordReader reader(pool, RecordReaderLimits{.max_record_size = 4000, .max_fragments = 1 << 16});

    struct Expected {
      std::vector<std::byte> payload;
      std::size_t first = 0, end = 0;  // stream positions of the payload when in one fragment
      bool one_piece = false;          // at most one non-empty fragment
    };
    std::vector<Expected> expected;
    std::vector<std::byte> stream;
    const std::size_t records = uniform(1, 60);
    for (std::size_t r = 0; r < records; ++r) {
      Expected e;
      const std::size_t size = uniform(0, 10) == 0 ? uniform(kSlab, 4000) : uniform(0, 300);
      e.payload = pattern(size, static_cast<std::uint32_t>(seed * 1000 + r));
      std::size_t done = 0;
      std::size_t nonempty = 0;
      const std::size_t style = uniform(0, 3);
      while (true) {
        std::size_t n = size - done;
        if (style == 1) n = std::min(n, uniform(0, 40));
        if (style == 2 && uniform(0, 3) == 0) n = 0;
        if (style == 3) n = std::min(n, uniform(0, 2));
        const bool last = done + n == size && (uniform(0, 4) != 0 || style == 0);
        if (n != 0) {
          ++nonempty;
          e.first = stream.size() + 4;
          e.end = e.first + n;
        }
        append_fragment(stream, std::span(e.payload).subspan(done, n), last);
        done += n;
        if (last) break;
      }
      e.one_piece = nonempty == 1;
      expected.push_back(std::move(e));
    }

    // Slice the stream into receive slabs: each read goes to the free tail of the current slab,
    // or to a fresh slab when the tail is too small.
    std::vector<core::Slab*> slab_of(stream.size());
    std::vector<core::Slice> reads;
    core::SlabRef current;
    std::size_t fill = kSlab;
    for (std::size_t at = 0; at < stream.size();) {
      std::size_t n = std::min(stream.size() - at, uniform(1, uniform(0, 1) == 0 ? 8 : kSlab));
      if (kSlab - fill < n || uniform(0, 5) == 0) {
        current = pool.acquire();
        fill = 0;
      }
      n = std::min(n, kSlab - fill);
      std::memcpy(current->data() + fill, stream.data() + at, n);
      for (std::size_t i = 0; i < n; ++i) slab_of[at + i] = current.get();
      reads.push_back(core::Slice{current, static_cast<std::uint32_t>(fill), static_cast<std::uint32_t>(n)});
      fill += n;
      at += n;
    }
    current.reset();

    std::size_t got = 0;
    std::size_t copied_before = 0;
    Record record;
    for (const core::Slice& read : reads) {
      reader.feed(read);
      for (;;) {
        const ReadStatus s = reader.next(record);
        ASSERT_NE(s, ReadStatus::error) << "seed " << seed << ": " << reader.error().message();
        if (s == ReadStatus::need_more) break;
        ASSERT_LT(got, expected.size());
        const Expected& e = expected[got];
        ASSERT_EQ(to_vec(record.bytes()), e.payload) << "seed " << seed << " record " << got;
        const std::size_t copied = pool.stats().bytes_copied - copied_before;
        copied_before = pool.stats().bytes_copied;
        const bool viewable = e.one_piece && slab_of[e.first] == slab_of[e.end - 1];
        if (viewable) {
          EXPECT_FALSE(record.copied()) << "seed " << seed << " record " << got;
          EXPECT_EQ(record.slice().slab.get(), slab_of[e.first]);
          EXPECT_EQ(copied, 0U);
        } else if (!e.payload.empty()) {
          EXPECT_TRUE(record.copied()) << "seed " << seed << " record " << got;
          if (e.payload.size() <= kSlab) {
            EXPECT_TRUE(record.in_slab());
            EXPECT_EQ(copied, e.payload.size());
          } else {
            EXPECT_FALSE(record.in_slab());
            EXPECT_GE(copied, e.payload.size());
            EXPECT_LE(copied, 2 * e.payload.size());
          }
        }
        ++got;
      }
    }
    EXPECT_EQ(got, expected.size()) << "seed " << seed;
    EXPECT_FALSE(reader.mid_record());
    reads.clear();
    record.reset();
    EXPECT_EQ(pool.stats().slabs_in_use, 0U) << "seed " << seed;
  }
}

}  // namespace
}  // namespace nelson::rpc
