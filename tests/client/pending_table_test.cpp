#include "client/pending_table.hpp"

#include <cstdint>
#include <gtest/gtest.h>
#include <random>
#include <set>
#include <vector>

namespace nelson::client {
namespace {

struct Entry {
  std::uint32_t xid;
};

// Random inserts and erases against a std::set: every live xid stays findable through
// backward-shift deletion and growth, also across the 2^32 wrap.
TEST(PendingTable, MatchesASetUnderRandomChurn) {
  PendingTable<Entry> table(8);
  std::vector<Entry> storage(4096);
  std::set<std::uint32_t> live;
  std::mt19937 rng(7);
  std::uint32_t next = 0xfffffc00U;
  std::vector<Entry*> free;
  for (Entry& e : storage) free.push_back(&e);
  for (int step = 0; step < 20000; ++step) {
    if (!free.empty() && (live.empty() || rng() % 3 != 0)) {
      Entry* e = free.back();
      free.pop_back();
      e->xid = next++;
      table.insert(e);
      live.insert(e->xid);
    } else {
      auto it = live.begin();
      std::advance(it, static_cast<long>(rng() % live.size()));
      Entry* e = table.erase(*it);
      ASSERT_NE(e, nullptr);
      ASSERT_EQ(e->xid, *it);
      free.push_back(e);
      live.erase(it);
    }
    ASSERT_EQ(table.size(), live.size());
    if (step % 97 == 0) {
      for (std::uint32_t x : live) ASSERT_NE(table.find(x), nullptr) << x;
      ASSERT_EQ(table.find(next + 5), nullptr);
    }
  }
  EXPECT_LE(2 * table.size(), table.capacity());
}

}  // namespace
}  // namespace nelson::client
