// core::InlineFunction: small callables live inside it, large ones on the heap; moves and
// destruction run each callable's destructor exactly once; empty sources make empty functions.
#include "core/inline_function.hpp"

#include <array>
#include <functional>
#include <gtest/gtest.h>
#include <memory>
#include <utility>

namespace nelson::core::test {
namespace {

// Counts live copies, to see that moves and resets destroy each exactly once.
struct Tracked {
  explicit Tracked(int* counter) : live(counter) { ++*live; }
  Tracked(Tracked&& o) noexcept : live(o.live) { ++*live; }
  Tracked(const Tracked&) = delete;
  Tracked& operator=(const Tracked&) = delete;
  Tracked& operator=(Tracked&&) = delete;
  ~Tracked() { --*live; }
  int* live;
};

using Small = InlineFunction<int(int), 32>;

TEST(InlineFunction, ASmallLambdaLivesInsideAndIsCalled) {
  int base = 40;
  Small f = [&base, k = 1](int x) { return base + k + x; };
  ASSERT_TRUE(f);
  EXPECT_TRUE(f.is_inline());
  EXPECT_EQ(f(1), 42);
  base = 0;
  EXPECT_EQ(f(1), 2);  // captured by reference
}

TEST(InlineFunction, ALargeLambdaGoesToTheHeapAndStillWorks) {
  std::array<int, 16> big{};  // 64 bytes: over the capacity
  big[15] = 7;
  Small f = [big](int x) { return big[15] * x; };
  ASSERT_TRUE(f);
  EXPECT_FALSE(f.is_inline());
  EXPECT_EQ(f(6), 42);
  Small g = std::move(f);
  EXPECT_FALSE(f);  // NOLINT(bugprone-use-after-move): moved-from is empty, as documented
  EXPECT_EQ(g(2), 14);
}

TEST(InlineFunction, MovesAndResetsDestroyEachCallableOnce) {
  int live = 0;
  {
    Small f = [t = Tracked(&live)](int x) { return x + (t.live != nullptr ? 1 : 0); };
    EXPECT_EQ(live, 1);
    Small g = std::move(f);
    EXPECT_EQ(live, 1);
    EXPECT_EQ(g(1), 2);
    Small h;
    h = std::move(g);
    EXPECT_EQ(live, 1);
    h = nullptr;
    EXPECT_EQ(live, 0);
    EXPECT_FALSE(h);
    h = [t = Tracked(&live)](int x) { return x + (t.live != nullptr ? 1 : 0); };
    EXPECT_EQ(live, 1);
  }
  EXPECT_EQ(live, 0);
  {
    std::array<char, 64> pad{};
    Small big = [t = Tracked(&live), pad](int x) { return x + pad[0]; };
    EXPECT_FALSE(big.is_inline());
    Small moved = std::move(big);
    EXPECT_EQ(live, 1);
  }
  EXPECT_EQ(live, 0);
}

TEST(InlineFunction, AMoveOnlyCaptureIsHeld) {
  auto owned = std::make_unique<int>(41);
  InlineFunction<int()> f = [p = std::move(owned)] { return *p + 1; };
  EXPECT_TRUE(f.is_inline());
  EXPECT_EQ(f(), 42);
}

TEST(InlineFunction, AMutableLambdaKeepsItsState) {
  InlineFunction<int()> counter = [n = 0]() mutable { return ++n; };
  EXPECT_EQ(counter(), 1);
  EXPECT_EQ(counter(), 2);
  InlineFunction<int()> moved = std::move(counter);
  EXPECT_EQ(moved(), 3);
}

int twice(int x) { return 2 * x; }

TEST(InlineFunction, EmptySourcesMakeEmptyFunctions) {
  Small none;
  EXPECT_FALSE(none);
  EXPECT_TRUE(none == nullptr);
  Small from_null = nullptr;
  EXPECT_FALSE(from_null);
  Small from_empty_std = std::function<int(int)>();
  EXPECT_FALSE(from_empty_std);
  int (*null_pointer)(int) = nullptr;
  Small from_null_pointer = null_pointer;
  EXPECT_FALSE(from_null_pointer);
  Small from_pointer = &twice;
  ASSERT_TRUE(from_pointer);
  EXPECT_EQ(from_pointer(21), 42);
  Small from_std = std::function<int(int)>(twice);
  ASSERT_TRUE(from_std);
  EXPECT_TRUE(from_std.is_inline());  // a std::function is 32 bytes
  EXPECT_EQ(from_std(4), 8);
}

TEST(InlineFunction, ArgumentsAreForwardedByReference) {
  InlineFunction<void(std::unique_ptr<int>&, const int&)> f = [](std::unique_ptr<int>& p, const int& v) {
    p = std::make_unique<int>(v);
  };
  std::unique_ptr<int> out;
  f(out, 5);
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(*out, 5);
}

}  // namespace
}  // namespace nelson::core::test
