// Slabs, slices and chains: refcounts, pool limits and reuse, iovec mapping, partial writes.
#include "core/chain.hpp"

#include <cstring>
#include <gtest/gtest.h>
#include <string>

namespace nelson::core {
namespace {

std::span<const std::byte> as_bytes(const std::string& s) { return std::as_bytes(std::span(s.data(), s.size())); }

std::string flatten(const Chain& chain) {
  std::string out;
  for (const Slice& s : chain.slices()) out.append(reinterpret_cast<const char*>(s.data()), s.length);
  return out;
}

TEST(SlabPool, RecyclesAndBoundsSlabs) {
  SlabPool pool(128, 2);
  SlabRef a = pool.acquire();
  SlabRef b = pool.acquire();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->capacity(), 128U);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(a->data()) % 64, 0U);
  EXPECT_FALSE(pool.acquire()) << "the third slab is over the limit";
  EXPECT_EQ(pool.stats().acquire_failures, 1U);
  Slab* first = a.get();
  a.reset();
  EXPECT_EQ(pool.stats().slabs_in_use, 1U);
  SlabRef c = pool.acquire();
  EXPECT_EQ(c.get(), first) << "a released slab is reused, not reallocated";
  EXPECT_EQ(pool.stats().slabs_allocated, 2U);
}

TEST(SlabRef, SharingCountsOwners) {
  SlabPool pool(64, 4);
  SlabRef a = pool.acquire();
  EXPECT_TRUE(a.unique());
  {
    SlabRef b = a;
    EXPECT_FALSE(a.unique());
    EXPECT_EQ(a->refs(), 2U);
    SlabRef moved = std::move(b);
    EXPECT_EQ(a->refs(), 2U);
  }
  EXPECT_TRUE(a.unique());
  a.reset();
  EXPECT_EQ(pool.stats().slabs_in_use, 0U);
  pool.trim();
  EXPECT_EQ(pool.stats().slabs_allocated, 0U);
}

TEST(Chain, AppendCopyFillsTailThenNewSlabs) {
  SlabPool pool(64, 8);
  Chain chain;
  ASSERT_TRUE(chain.append_copy(as_bytes(std::string(40, 'a')), pool));
  ASSERT_TRUE(chain.append_copy(as_bytes(std::string(100, 'b')), pool));
  EXPECT_EQ(chain.size(), 140U);
  ASSERT_EQ(chain.slice_count(), 3U);  // 40+24 | 64 | 12
  EXPECT_EQ(chain.slices()[0].length, 64U);
  EXPECT_EQ(flatten(chain), std::string(40, 'a') + std::string(100, 'b'));
  EXPECT_EQ(pool.stats().bytes_copied, 140U);
}

TEST(Chain, SharedTailIsNeverWritten) {
  SlabPool pool(64, 8);
  Chain chain;
  ASSERT_TRUE(chain.append_copy(as_bytes(std::string(10, 'a')), pool));
  Slice view = chain.slices()[0];  // someone else holds the slab now
  ASSERT_TRUE(chain.append_copy(as_bytes(std::string(10, 'b')), pool));
  EXPECT_EQ(chain.slice_count(), 2U);
  EXPECT_NE(chain.slices()[1].slab.get(), view.slab.get());
  EXPECT_EQ(flatten(chain), std::string(10, 'a') + std::string(10, 'b'));
}

TEST(Chain, AppendCopyFailsWholeWhenThePoolIsDry) {
  SlabPool pool(64, 2);
  Chain chain;
  EXPECT_FALSE(chain.append_copy(as_bytes(std::string(200, 'x')), pool));
  EXPECT_TRUE(chain.empty());
  EXPECT_EQ(pool.stats().slabs_in_use, 0U);
}

TEST(Chain, FailedAppendLeavesTheChainAsItWas) {
  SlabPool pool(64, 2);
  Chain chain;
  ASSERT_TRUE(chain.append_copy(as_bytes(std::string(10, 'a')), pool));    // 54 bytes of tail room
  EXPECT_FALSE(chain.append_copy(as_bytes(std::string(200, 'b')), pool));  // needs 3 more slabs
  EXPECT_EQ(chain.size(), 10U);
  EXPECT_EQ(flatten(chain), std::string(10, 'a'));
  EXPECT_EQ(pool.stats().slabs_in_use, 1U);
  ASSERT_TRUE(chain.append_copy(as_bytes(std::string(60, 'c')), pool));
  EXPECT_EQ(flatten(chain), std::string(10, 'a') + std::string(60, 'c'));
}

TEST(Chain, IovecsAndPartialWrites) {
  SlabPool pool(64, 8);
  Chain chain;
  ASSERT_TRUE(chain.append_copy(as_bytes(std::string(64, 'a') + std::string(64, 'b') + "cc"), pool));
  iovec iov[8];
  ASSERT_EQ(chain.fill_iovecs(iov, 8), 3U);
  EXPECT_EQ(iov[0].iov_len, 64U);
  EXPECT_EQ(iov[2].iov_len, 2U);
  EXPECT_EQ(chain.fill_iovecs(iov, 2), 2U);

  chain.consume(70);  // a partial writev: the whole first slice and 6 bytes of the second
  EXPECT_EQ(chain.size(), 60U);
  ASSERT_EQ(chain.fill_iovecs(iov, 8), 2U);
  EXPECT_EQ(iov[0].iov_len, 58U);
  EXPECT_EQ(pool.stats().slabs_in_use, 2U) << "consumed slabs go back to the pool";
  chain.consume(60);
  EXPECT_TRUE(chain.empty());
  EXPECT_EQ(pool.stats().slabs_in_use, 0U);
}

TEST(Chain, MoveAppendsAllSlices) {
  SlabPool pool(64, 8);
  Chain a;
  Chain b;
  ASSERT_TRUE(a.append_copy(as_bytes(std::string("head")), pool));
  ASSERT_TRUE(b.append_copy(as_bytes(std::string("tail")), pool));
  a.append(std::move(b));
  EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move): append(Chain&&) leaves it empty
  EXPECT_EQ(flatten(a), "headtail");
}

TEST(Chain, MoveAppendMergesContiguousSlicesOfOneSlab) {
  SlabPool pool(64, 8);
  SlabRef slab = pool.acquire();
  std::memcpy(slab->data(), "abcdefgh", 8);
  Chain pieces;
  pieces.append(Slice{slab, 0, 3});
  pieces.append(Slice{slab, 3, 2});
  pieces.append(Slice{slab, 6, 2});  // a gap at 5: not contiguous
  EXPECT_EQ(pieces.tail_run(), 3U);
  EXPECT_EQ(pieces.tail_end(), 8U);
  Chain out;
  out.append(std::move(pieces));
  ASSERT_EQ(out.slice_count(), 2U);
  EXPECT_EQ(out.slices()[0].length, 5U);
  EXPECT_EQ(flatten(out), "abcdegh");
  EXPECT_EQ(slab.get()->refs(), 3U) << "one reference per remaining slice, plus ours";
  EXPECT_EQ(out.tail_run(), 2U);
}

TEST(Chain, TailRunFollowsAppendsAndConsumes) {
  SlabPool pool(64, 8);
  SlabRef a = pool.acquire();
  SlabRef b = pool.acquire();
  Chain c;
  c.append(Slice{a, 0, 4});
  c.append(Slice{b, 0, 4});
  c.append(Slice{b, 4, 4});
  EXPECT_EQ(c.tail_run(), 2U);
  EXPECT_EQ(c.tail_end(), 8U);
  c.consume(6);  // the slice of a and half of the first of b
  EXPECT_EQ(c.tail_run(), 2U);
  c.consume(4);  // the rest of the first of b and half of the second
  EXPECT_EQ(c.tail_run(), 1U);
  c.clear();
  EXPECT_EQ(c.tail_run(), 0U);
}

}  // namespace
}  // namespace nelson::core
