// rpcbind::Stats: GETSTAT's counters per version, in the protocol's types, and their bounds.
#include "rpcbind/stats.hpp"

#include <gtest/gtest.h>

#include "xdr/encoder.hpp"

namespace nelson::rpcbind {
namespace {

TEST(Stats, CountsPerVersionAndProcedure) {
  Stats s;
  s.count_call(2, 3);
  s.count_call(2, 3);
  s.count_call(4, 12);
  s.count_call(3, 9);  // above version 3's highest (8): ignored, as rpcbind does
  s.count_call(2, 6);  // above version 2's highest (5)
  s.count_call(5, 0);  // no such version
  s.count_call(1, 0);
  s.count_set(4);
  s.count_unset(2);
  const auto snap = s.snapshot();
  EXPECT_EQ(snap[proto::RPCBVERS_2_STAT].info[3], 2);
  EXPECT_EQ(snap[proto::RPCBVERS_4_STAT].info[12], 1);
  EXPECT_EQ(snap[proto::RPCBVERS_3_STAT].info[8], 0);
  int total = 0;
  for (const auto& v : snap)
    for (const int n : v.info) total += n;
  EXPECT_EQ(total, 3);
  EXPECT_EQ(snap[proto::RPCBVERS_4_STAT].setinfo, 1);
  EXPECT_EQ(snap[proto::RPCBVERS_2_STAT].unsetinfo, 1);
}

TEST(Stats, LookupsPerKeyInOrder) {
  Stats s;
  s.count_lookup(4, 100003, 3, "tcp", true);
  s.count_lookup(4, 100003, 3, "tcp", false);
  s.count_lookup(4, 100003, 3, "tcp", true);
  s.count_lookup(4, 100000, 2, "udp", false);
  s.count_lookup(3, 100003, 3, "tcp", true);
  const auto snap = s.snapshot();
  const auto& v4 = snap[proto::RPCBVERS_4_STAT].addrinfo;
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->prog, 100000U);  // sorted by (prog, vers, netid)
  EXPECT_EQ(v4->failure, 1);
  ASSERT_TRUE(v4->next);
  EXPECT_EQ(v4->next->prog, 100003U);
  EXPECT_EQ(v4->next->netid, "tcp");
  EXPECT_EQ(v4->next->success, 2);
  EXPECT_EQ(v4->next->failure, 1);
  EXPECT_FALSE(v4->next->next);
  ASSERT_TRUE(snap[proto::RPCBVERS_3_STAT].addrinfo);
  EXPECT_FALSE(snap[proto::RPCBVERS_2_STAT].addrinfo);
}

TEST(Stats, IndirectCalls) {
  Stats s;
  s.count_indirect(4, 7, 1, 2, "udp", true, false);
  s.count_indirect(4, 7, 1, 2, "udp", false, true);
  const auto snap = s.snapshot();
  const auto& r = snap[proto::RPCBVERS_4_STAT].rmtinfo;
  ASSERT_TRUE(r);
  EXPECT_EQ(r->proc, 2U);
  EXPECT_EQ(r->success, 1);
  EXPECT_EQ(r->failure, 1);
  EXPECT_EQ(r->indirect, 1);
}

// A caller asking about ever new programs cannot make the counters grow without bound.
TEST(Stats, KeyedCountersAreBounded) {
  Stats s(TableLimits{.max_stat_keys = 10});
  for (std::uint32_t p = 0; p < 100000; ++p) s.count_lookup(4, p, 1, "udp", false);
  s.count_lookup(4, 5, 1, "udp", true);  // an existing key still counts
  for (std::uint32_t p = 0; p < 50; ++p) s.count_indirect(2, p, 1, 0, "udp", false, false);
  s.count_lookup(4, 1, 1, std::string(kMaxNetid + 1, 'n'), true);
  EXPECT_EQ(s.lookups_uncounted(), 100000U - 10 + 1);
  EXPECT_EQ(s.calls_uncounted(), 40U);
  const auto snap = s.snapshot();
  std::size_t n = 0;
  for (const proto::rpcbs_addrlist* a = snap[proto::RPCBVERS_4_STAT].addrinfo ? &*snap[proto::RPCBVERS_4_STAT].addrinfo
                                                                              : nullptr;
       a != nullptr; a = a->next.get()) {
    ++n;
    if (a->prog == 5) {
      EXPECT_EQ(a->success, 1);
    }
  }
  EXPECT_EQ(n, 10U);
}

TEST(Stats, SnapshotEncodesAsGetstatResults) {
  Stats s;
  s.count_call(4, 3);
  s.count_lookup(4, 1, 1, "tcp", true);
  std::vector<std::byte> buf(4096);
  xdr::Encoder e(buf);
  EXPECT_TRUE(proto::encode_rpcb_stat_byvers(e, s.snapshot()));
  // Three versions of 13 counters, 2 counts and 2 list flags each, plus one lookup node
  // (prog, vers, success, failure, netid "tcp", next flag).
  EXPECT_EQ(e.size(), 3 * (13 * 4 + 2 * 4 + 2 * 4) + (4 * 4 + 8 + 4));
}

}  // namespace
}  // namespace nelson::rpcbind
