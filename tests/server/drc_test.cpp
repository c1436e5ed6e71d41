#include "server/drc.hpp"

#include <netinet/in.h>

#include <gtest/gtest.h>
#include <vector>

namespace nelson::server {
namespace {

core::SocketAddress ipv4(std::uint32_t host, std::uint16_t port) {
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_addr.s_addr = htonl(host);
  in.sin_port = htons(port);
  return {reinterpret_cast<const sockaddr*>(&in), sizeof(in)};
}

DrcKey key(std::uint32_t xid, std::uint64_t checksum = 7, std::uint32_t host = 0x7f000001) {
  return {xid, 100, 1, 2, checksum, ipv4(host, 900)};
}

std::vector<std::byte> bytes(std::size_t n, int fill) { return std::vector<std::byte>(n, std::byte(fill)); }

TEST(Checksum, DiffersForDifferentArguments) {
  const auto a = bytes(13, 1);
  auto b = a;
  b[12] = std::byte{2};
  EXPECT_EQ(checksum64(a), checksum64(a));
  EXPECT_NE(checksum64(a), checksum64(b));
  EXPECT_NE(checksum64(bytes(8, 0)), checksum64(bytes(9, 0)));  // length counts
}

TEST(Drc, NewThenInProgressThenReplay) {
  DuplicateRequestCache drc(16, 1 << 20);
  DrcTicket t;
  std::span<const std::byte> cached;
  EXPECT_EQ(drc.begin(key(1), t, cached), DrcLookup::new_call);
  ASSERT_TRUE(t.valid());
  DrcTicket t2;
  EXPECT_EQ(drc.begin(key(1), t2, cached), DrcLookup::in_progress);
  EXPECT_FALSE(t2.valid());
  const auto reply = bytes(40, 9);
  drc.complete(t, reply);
  EXPECT_EQ(drc.begin(key(1), t2, cached), DrcLookup::replay);
  EXPECT_EQ(std::vector<std::byte>(cached.begin(), cached.end()), reply);
  EXPECT_EQ(drc.stats().replays, 1U);
  EXPECT_EQ(drc.stats().in_progress, 1U);
  EXPECT_EQ(drc.stats().bytes, 40U);
}

TEST(Drc, EveryKeyFieldTellsCallsApart) {
  DuplicateRequestCache drc(64, 1 << 20);
  DrcTicket t;
  std::span<const std::byte> cached;
  ASSERT_EQ(drc.begin(key(1), t, cached), DrcLookup::new_call);
  EXPECT_EQ(drc.begin(key(2), t, cached), DrcLookup::new_call);                 // xid
  EXPECT_EQ(drc.begin(key(1, 8), t, cached), DrcLookup::new_call);              // argument checksum
  EXPECT_EQ(drc.begin(key(1, 7, 0x0a000001), t, cached), DrcLookup::new_call);  // client
  DrcKey k = key(1);
  k.proc = 3;
  EXPECT_EQ(drc.begin(k, t, cached), DrcLookup::new_call);
  k = key(1);
  k.vers = 2;
  EXPECT_EQ(drc.begin(k, t, cached), DrcLookup::new_call);
  k = key(1);
  k.prog = 101;
  EXPECT_EQ(drc.begin(k, t, cached), DrcLookup::new_call);
  EXPECT_EQ(drc.stats().entries, 7U);
}

TEST(Drc, EvictsLeastRecentlyUsedAtTheEntryBound) {
  DuplicateRequestCache drc(3, 1 << 20);
  DrcTicket t[4];
  std::span<const std::byte> cached;
  for (std::uint32_t i = 0; i < 3; ++i) {
    ASSERT_EQ(drc.begin(key(i), t[i], cached), DrcLookup::new_call);
    drc.complete(t[i], bytes(10, static_cast<int>(i)));
  }
  DrcTicket touch;
  ASSERT_EQ(drc.begin(key(0), touch, cached), DrcLookup::replay);   // 0 is now the most recent
  ASSERT_EQ(drc.begin(key(3), t[3], cached), DrcLookup::new_call);  // evicts 1, the least recent
  EXPECT_EQ(drc.stats().evictions, 1U);
  EXPECT_EQ(drc.begin(key(0), touch, cached), DrcLookup::replay);
  EXPECT_EQ(drc.begin(key(2), touch, cached), DrcLookup::replay);
  EXPECT_EQ(drc.begin(key(1), touch, cached), DrcLookup::new_call);  // forgotten: runs again
  // A stale ticket (its entry was evicted and reused) is ignored.
  drc.complete(t[1], bytes(10, 1));
  EXPECT_LE(drc.stats().entries, 3U);
}

TEST(Drc, EvictsToStayWithinTheByteBound) {
  DuplicateRequestCache drc(100, 100);
  std::span<const std::byte> cached;
  for (std::uint32_t i = 0; i < 10; ++i) {
    DrcTicket t;
    ASSERT_EQ(drc.begin(key(i), t, cached), DrcLookup::new_call);
    drc.complete(t, bytes(30, 1));
    EXPECT_LE(drc.stats().bytes, 100U);
  }
  EXPECT_EQ(drc.stats().bytes, 90U);
  EXPECT_GT(drc.stats().evictions, 0U);
  DrcTicket t;
  EXPECT_EQ(drc.begin(key(9), t, cached), DrcLookup::replay);
  EXPECT_EQ(drc.begin(key(0), t, cached), DrcLookup::new_call);
}

TEST(Drc, AReplyLargerThanTheBoundIsNotCachedAndItsDuplicatesAreDropped) {
  DuplicateRequestCache drc(10, 100);
  DrcTicket t;
  std::span<const std::byte> cached;
  ASSERT_EQ(drc.begin(key(1), t, cached), DrcLookup::new_call);
  drc.complete(t, bytes(101, 1));
  EXPECT_EQ(drc.stats().uncacheable, 1U);
  // Running it again would break at-most-once; the client times out instead.
  EXPECT_EQ(drc.begin(key(1), t, cached), DrcLookup::in_progress);
}

TEST(Drc, ForgetLetsTheCallRunAgain) {
  DuplicateRequestCache drc(10, 100);
  DrcTicket t;
  std::span<const std::byte> cached;
  ASSERT_EQ(drc.begin(key(1), t, cached), DrcLookup::new_call);
  drc.forget(t);
  EXPECT_EQ(drc.stats().entries, 0U);
  EXPECT_EQ(drc.begin(key(1), t, cached), DrcLookup::new_call);
}

TEST(Drc, DisabledWithZeroEntries) {
  DuplicateRequestCache drc(0, 100);
  DrcTicket t;
  std::span<const std::byte> cached;
  EXPECT_FALSE(drc.enabled());
  EXPECT_EQ(drc.begin(key(1), t, cached), DrcLookup::new_call);
  EXPECT_EQ(drc.begin(key(1), t, cached), DrcLookup::new_call);
}

TEST(Drc, ManyEntriesChurnWithoutLosingTrack) {
  DuplicateRequestCache drc(64, 1 << 20);
  std::span<const std::byte> cached;
  for (std::uint32_t i = 0; i < 10000; ++i) {
    DrcTicket t;
    ASSERT_EQ(drc.begin(key(i), t, cached), DrcLookup::new_call);
    drc.complete(t, bytes(8, static_cast<int>(i & 0xff)));
    DrcTicket again;
    ASSERT_EQ(drc.begin(key(i), again, cached), DrcLookup::replay);
    ASSERT_EQ(cached[0], std::byte(i & 0xff));
  }
  EXPECT_EQ(drc.stats().entries, 64U);
}

}  // namespace
}  // namespace nelson::server
