#include "client/deadline_list.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <gtest/gtest.h>
#include <random>
#include <vector>

#include "core/timer.hpp"

namespace nelson::client {
namespace {

struct Item {
  core::TimePoint deadline{};
  Item* deadline_prev = nullptr;
  Item* deadline_next = nullptr;
  bool deadline_linked = false;
  int id = 0;
};

std::vector<int> walk(const DeadlineList<Item>& list) {
  std::vector<int> ids;
  for (const Item* i = list.front(); i != nullptr; i = i->deadline_next) ids.push_back(i->id);
  return ids;
}

TEST(DeadlineList, KeepsDeadlineOrderAndInsertionOrderForTies) {
  DeadlineList<Item> list;
  std::vector<Item> items(6);
  const core::TimePoint t0{};
  const int offsets[] = {5, 5, 1, 9, 5, 0};  // ms
  for (int i = 0; i < 6; ++i) {
    items[static_cast<std::size_t>(i)].id = i;
    items[static_cast<std::size_t>(i)].deadline = t0 + std::chrono::milliseconds(offsets[i]);
    list.insert(&items[static_cast<std::size_t>(i)]);
  }
  EXPECT_EQ(walk(list), (std::vector<int>{5, 2, 0, 1, 4, 3}));
  list.remove(&items[0]);  // middle
  list.remove(&items[5]);  // head
  list.remove(&items[3]);  // tail
  EXPECT_EQ(walk(list), (std::vector<int>{2, 1, 4}));
  EXPECT_FALSE(DeadlineList<Item>::linked(&items[0]));
  EXPECT_TRUE(DeadlineList<Item>::linked(&items[1]));
  for (const int id : {2, 1, 4}) list.remove(&items[static_cast<std::size_t>(id)]);
  EXPECT_TRUE(list.empty());
  EXPECT_EQ(list.front(), nullptr);
}

TEST(DeadlineList, MatchesAStableSortUnderRandomChurn) {
  // Random deadlines (mostly increasing, as with one timeout for all calls, some earlier),
  // random removals; the list must always equal the stable sort of what is in it.
  std::mt19937 rng(12345);
  std::vector<Item> items(2000);
  DeadlineList<Item> list;
  std::vector<Item*> in;
  core::TimePoint clock{};
  for (std::size_t step = 0; step < items.size(); ++step) {
    Item& it = items[step];
    it.id = static_cast<int>(step);
    clock += std::chrono::microseconds(rng() % 10);
    it.deadline = rng() % 8 == 0 ? clock - std::chrono::microseconds(rng() % 500) : clock;
    list.insert(&it);
    in.push_back(&it);
    if (rng() % 3 == 0) {
      const std::size_t k = rng() % in.size();
      list.remove(in[k]);
      in.erase(in.begin() + static_cast<std::ptrdiff_t>(k));
    }
    if (step % 97 == 0 || step + 1 == items.size()) {
      std::vector<Item*> want = in;
      std::stable_sort(want.begin(), want.end(),
                       [](const Item* a, const Item* b) { return a->deadline < b->deadline; });
      std::vector<int> want_ids;
      for (const Item* i : want) want_ids.push_back(i->id);
      ASSERT_EQ(walk(list), want_ids) << "step " << step;
    }
  }
}

}  // namespace
}  // namespace nelson::client
