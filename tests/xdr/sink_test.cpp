// SegmentChain: slices, limits, reuse; the Encoder's behaviour at region boundaries.
#include "xdr/sink.hpp"

#include <gtest/gtest.h>
#include <vector>

#include "xdr/encoder.hpp"

namespace nelson::xdr {
namespace {

TEST(SegmentChain, SlicesCoverTheStreamInOrder) {
  SegmentChain chain(16);
  Encoder e(chain);
  for (std::uint32_t i = 0; i < 10; ++i) e.put_uint(i);
  ASSERT_TRUE(e.finish());
  const auto slices = chain.slices();
  ASSERT_EQ(slices.size(), 3U);  // 16 + 16 + 8 bytes
  EXPECT_EQ(slices[0].size(), 16U);
  EXPECT_EQ(slices[2].size(), 8U);
  EXPECT_EQ(chain.size(), 40U);
  const auto flat = chain.flatten();
  for (std::uint32_t i = 0; i < 10; ++i) EXPECT_EQ(load_be32(flat.data() + 4 * i), i);
}

TEST(SegmentChain, OpaqueDataSpansSegments) {
  SegmentChain chain(16);
  Encoder e(chain);
  std::vector<std::byte> data(45);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::byte>(i);
  e.put_opaque(data);
  ASSERT_TRUE(e.finish());
  const auto flat = chain.flatten();
  ASSERT_EQ(flat.size(), 4 + 48U);
  EXPECT_EQ(load_be32(flat.data()), 45U);
  EXPECT_TRUE(std::equal(data.begin(), data.end(), flat.begin() + 4));
  EXPECT_EQ(flat[49], std::byte{0});
}

TEST(SegmentChain, TotalLimitGivesNoSpace) {
  SegmentChain chain(16, 32);
  Encoder e(chain);
  for (std::uint32_t i = 0; i < 8; ++i) e.put_uint(i);  // exactly 32 bytes
  EXPECT_TRUE(e.ok());
  e.put_uint(8);
  EXPECT_EQ(e.error(), (Error{Errc::no_space, 32}));
  EXPECT_FALSE(e.finish());
  EXPECT_EQ(chain.size(), 32U);
}

TEST(SegmentChain, WiderItemOpensASegmentLargeEnough) {
  SegmentChain chain(16);
  Encoder e(chain);
  e.put_uint(1);
  e.put_uint(2);
  e.put_uint(3);
  e.put_hyper(4);  // 4 bytes left in the first segment: the hyper goes whole into the next
  ASSERT_TRUE(e.finish());
  const auto slices = chain.slices();
  ASSERT_EQ(slices.size(), 2U);
  EXPECT_EQ(slices[0].size(), 12U);
  EXPECT_EQ(load_be64(slices[1].data()), 4U);
}

TEST(SegmentChain, ClearKeepsASegmentForReuse) {
  SegmentChain chain(64);
  {
    Encoder e(chain);
    e.put_string("first message");
    ASSERT_TRUE(e.finish());
  }
  const std::byte* first = chain.slices()[0].data();
  chain.clear();
  EXPECT_EQ(chain.size(), 0U);
  Encoder e(chain);
  e.put_uint(7);
  ASSERT_TRUE(e.finish());
  ASSERT_EQ(chain.slices().size(), 1U);
  EXPECT_EQ(chain.slices()[0].data(), first);
  EXPECT_EQ(chain.size(), 4U);
}

}  // namespace
}  // namespace nelson::xdr
