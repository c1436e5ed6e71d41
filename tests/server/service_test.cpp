// server::ServiceOptions and server::ArgumentSlot, what generated skeletons are made of.
#include "server/service.hpp"

#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace nelson::server {
namespace {

TEST(ServiceOptions, OnlyTheListedProceduresAreAtMostOnce) {
  const ServiceOptions options{.at_most_once = {3, 7}};
  EXPECT_EQ(options.semantics(3), Semantics::at_most_once);
  EXPECT_EQ(options.semantics(7), Semantics::at_most_once);
  EXPECT_EQ(options.semantics(0), Semantics::idempotent);
  EXPECT_EQ(ServiceOptions{}.semantics(3), Semantics::idempotent);
}

struct Values {
  std::vector<int> items;
  std::string name;
};

TEST(ArgumentSlot, KeepsItsValuesBetweenCallsSoStorageIsReused) {
  ArgumentSlot<Values> slot;
  const int* first = nullptr;
  slot.with([&](Values& v) {
    v.items.assign(1000, 1);
    first = v.items.data();
    return 0;
  });
  slot.with([&](Values& v) {
    EXPECT_EQ(v.items.capacity(), 1000U);
    v.items.assign(500, 2);  // within capacity: no new allocation
    EXPECT_EQ(v.items.data(), first);
    return 0;
  });
}

TEST(ArgumentSlot, ANestedUseGetsFreshValuesAndLeavesTheOuterOnesAlone) {
  ArgumentSlot<Values> slot;
  const int result = slot.with([&](Values& outer) {
    outer.name = "outer";
    // A handler that runs the loop may be called again for the same procedure.
    const int inner_result = slot.with([&](Values& inner) {
      EXPECT_NE(&inner, &outer);
      EXPECT_TRUE(inner.name.empty());
      inner.name = "inner";
      return 2;
    });
    EXPECT_EQ(outer.name, "outer");
    return inner_result + 1;
  });
  EXPECT_EQ(result, 3);
  // Released again: the kept values come back.
  slot.with([&](Values& v) {
    EXPECT_EQ(v.name, "outer");
    return 0;
  });
}

}  // namespace
}  // namespace nelson::server
