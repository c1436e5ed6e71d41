#include "rpc/record_writer.hpp"

#include <cstddef>
#include <gtest/gtest.h>
#include <random>
#include <vector>

#include "rpc/chain_sink.hpp"
#include "rpc/record_reader.hpp"
#include "tests/rpc/record_test_util.hpp"
#include "xdr/encoder.hpp"

namespace nelson::rpc {
namespace {

using test::flatten;
using test::pattern;

std::vector<std::byte> to_vec(std::span<const std::byte> s) { return {s.begin(), s.end()}; }

TEST(RecordMark, Layout) {
  const auto last = record_mark(0x01020304U, true);
  EXPECT_EQ(to_vec(last), (std::vector<std::byte>{std::byte{0x81}, std::byte{0x02}, std::byte{0x03}, std::byte{0x04}}));
  const auto more = record_mark(kMaxFragmentLength, false);
  EXPECT_EQ(to_vec(more), (std::vector<std::byte>{std::byte{0x7f}, std::byte{0xff}, std::byte{0xff}, std::byte{0xff}}));
  const auto empty = record_mark(0, true);
  EXPECT_EQ(to_vec(empty), (std::vector<std::byte>{std::byte{0x80}, std::byte{0}, std::byte{0}, std::byte{0}}));
}

TEST(ChainSink, EncodesAcrossSlabs) {
  core::SlabPool pool(64, 64);
  core::Chain out;
  ChainSink sink(pool, out);
  xdr::Encoder e(sink);
  for (std::uint32_t i = 0; i < 100; ++i) e.put_uint(i);
  ASSERT_TRUE(e.finish());
  EXPECT_EQ(out.size(), 400U);
  EXPECT_EQ(out.slice_count(), 7U);  // 6 full slabs of 64 and one of 16
  const auto bytes = flatten(out);
  EXPECT_EQ(bytes[399], std::byte{99});
}

TEST(ChainSink, ReportsPoolExhaustion) {
  core::SlabPool pool(64, 1);
  core::Chain out;
  ChainSink sink(pool, out);
  xdr::Encoder e(sink);
  for (std::uint32_t i = 0; i < 17; ++i) e.put_uint(i);
  EXPECT_FALSE(e.finish());
  EXPECT_TRUE(sink.exhausted());
}

TEST(RecordWriter, OneFragmentPatchedInPlace) {
  core::SlabPool pool(4096, 64);
  RecordWriter writer(pool);
  core::Chain out;
  const WriteResult r = writer.write(out, [](xdr::Encoder& e) {
    e.put_uint(0xdeadbeefU);
    e.put_string("hello");
  });
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r.record_size, 16U);
  EXPECT_EQ(r.fragments, 1U);
  const auto bytes = flatten(out);
  ASSERT_EQ(bytes.size(), 20U);
  EXPECT_EQ(to_vec(std::span(bytes).first(4)), to_vec(record_mark(16, true)));
  EXPECT_EQ(pool.stats().bytes_copied, 0U);
}

TEST(RecordWriter, SmallRecordsShareASlab) {
  core::SlabPool pool(4096, 64);
  RecordWriter writer(pool);
  core::Chain out;
  for (std::uint32_t i = 0; i < 10; ++i) {
    ASSERT_TRUE(writer.write(out, [&](xdr::Encoder& e) { e.put_uint(i); }).ok());
  }
  EXPECT_EQ(out.size(), 80U);
  EXPECT_EQ(pool.stats().slabs_in_use, 1U);
  core::SlabPool rpool(4096, 64);
  RecordReader reader(rpool);
  for (const core::Slice& s : out.slices()) reader.feed(s);
  Record record;
  for (std::uint32_t i = 0; i < 10; ++i) {
    ASSERT_EQ(reader.next(record), ReadStatus::record);
    ASSERT_EQ(record.size(), 4U);
    EXPECT_EQ(record.bytes()[3], static_cast<std::byte>(i));
    EXPECT_FALSE(record.copied());  // adjacent pieces of one slab
  }
}

TEST(RecordWriter, SplitsIntoFragments) {
  core::SlabPool pool(256, 256);
  RecordWriter writer(pool, RecordWriterOptions{.max_fragment_size = 100});
  core::Chain out;
  const auto payload = pattern(1000);
  const WriteResult r = writer.write(out, [&](xdr::Encoder& e) { e.put_fixed_opaque(payload); });
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r.fragments, 10U);
  const auto bytes = flatten(out);
  ASSERT_EQ(bytes.size(), 1040U);
  for (std::size_t f = 0; f < 10; ++f) {
    EXPECT_EQ(to_vec(std::span(bytes).subspan(f * 104, 4)), to_vec(record_mark(100, f == 9))) << f;
    EXPECT_EQ(to_vec(std::span(bytes).subspan(f * 104 + 4, 100)), to_vec(std::span(payload).subspan(f * 100, 100)));
  }
  EXPECT_EQ(pool.stats().bytes_copied, 0U);
}

TEST(RecordWriter, EncodeFailureLeavesTheChainAsItWas) {
  core::SlabPool pool(256, 256);
  RecordWriter writer(pool);
  core::Chain out;
  ASSERT_TRUE(writer.write(out, [](xdr::Encoder& e) { e.put_uint(1); }).ok());
  const auto before = flatten(out);
  const WriteResult r = writer.write(out, [](xdr::Encoder& e) {
    e.put_uint(2);
    e.put_string("too long", 3);
  });
  EXPECT_EQ(r.code, WriteErrc::encode_failed);
  EXPECT_EQ(r.xdr.code, xdr::Errc::length_exceeds_max);
  EXPECT_EQ(flatten(out), before);
}

TEST(RecordWriter, PoolExhaustionLeavesTheChainAsItWas) {
  core::SlabPool pool(64, 2);
  RecordWriter writer(pool);
  core::Chain out;
  const WriteResult r = writer.write(out, [](xdr::Encoder& e) { e.put_fixed_opaque(pattern(300)); });
  EXPECT_EQ(r.code, WriteErrc::out_of_slabs);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(pool.stats().slabs_in_use, 0U);
}

TEST(RecordWriter, RoundTripThroughTheReader) {
  std::mt19937 rng(42);
  for (int round = 0; round < 40; ++round) {
    core::SlabPool pool(512, 1 << 14);
    const std::size_t frag = std::uniform_int_distribution<std::size_t>(1, 3000)(rng);
    RecordWriter writer(pool, RecordWriterOptions{.max_fragment_size = frag});
    core::Chain out;
    std::vector<std::vector<std::byte>> sent;
    for (int i = 0; i < 20; ++i) {
      const std::size_t words = std::uniform_int_distribution<std::size_t>(0, 600)(rng);
      auto payload = pattern(words * 4, static_cast<std::uint32_t>(round * 100 + i));
      ASSERT_TRUE(writer.write(out, [&](xdr::Encoder& e) { e.put_fixed_opaque(payload); }).ok());
      sent.push_back(std::move(payload));
    }
    RecordReader reader(pool, RecordReaderLimits{.max_record_size = 1 << 20, .max_fragments = 1 << 16});
    for (const core::Slice& s : out.slices()) reader.feed(s);
    Record record;
    for (const auto& payload : sent) {
      ASSERT_EQ(reader.next(record), ReadStatus::record) << reader.error().message();
      EXPECT_EQ(to_vec(record.bytes()), payload);
    }
    EXPECT_EQ(reader.next(record), ReadStatus::need_more);
  }
}

}  // namespace
}  // namespace nelson::rpc
