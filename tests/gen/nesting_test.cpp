// Recursive types that are not lists (a tree, a union pointing to itself) decode with a depth
// limit: the limit itself decodes, one level more fails with Errc::too_deep, and a hostile
// message a million levels deep is refused without a stack overflow (under ASan too).
#include "nesting.hpp"

#include <functional>
#include <gtest/gtest.h>
#include <memory>
#include <vector>

namespace nelson::gen::test {
namespace {

// What `write` encodes into a buffer of `room` bytes.
template <class Write>
std::vector<std::byte> encoded(std::size_t room, Write write) {
  std::vector<std::byte> out(room);
  xdr::Encoder e(out);
  write(e);
  EXPECT_TRUE(e.ok());
  out.resize(e.written().size());
  return out;
}

// A node whose left child is a node ... `depth` levels, encoded by hand: TRUE per level.
std::vector<std::byte> left_spine(std::size_t depth) {
  return encoded(16 * depth + 16, [&](xdr::Encoder& e) {
    for (std::size_t i = 1; i < depth; ++i) e.put_bool(true);
    for (std::size_t i = 0; i < depth; ++i) {
      if (i == 0) e.put_bool(false);  // the deepest node has no left child
      e.put_bool(false);              // ... nor a right one
      e.put_int(static_cast<std::int32_t>(i));
    }
  });
}

std::vector<std::byte> negations(std::size_t depth) {
  return encoded(8 * depth + 16, [&](xdr::Encoder& e) {
    for (std::size_t i = 1; i < depth; ++i) {
      e.put_int(1);
      e.put_bool(true);
    }
    e.put_int(0);
    e.put_int(42);
  });
}

TEST(GenNesting, TheLimitDecodesOneLevelMoreIsTooDeep) {
  ASSERT_EQ(nesting::kMaxNestingDepth, 50U);
  {
    const std::vector<std::byte> bytes = left_spine(50);
    xdr::Decoder d(bytes);
    nesting::node tree;
    ASSERT_TRUE(decode(d, tree)) << d.error().message();
    EXPECT_TRUE(d.expect_end());
    std::size_t depth = 0;
    for (const nesting::node* at = &tree; at != nullptr; at = at->left.get()) ++depth;
    EXPECT_EQ(depth, 50U);
    // And back to the same bytes.
    EXPECT_EQ(encoded(bytes.size(), [&](xdr::Encoder& e) { EXPECT_TRUE(encode(e, tree)); }), bytes);
  }
  {
    const std::vector<std::byte> bytes = left_spine(51);
    xdr::Decoder d(bytes);
    nesting::node tree;
    EXPECT_FALSE(decode(d, tree));
    EXPECT_EQ(d.error().code, xdr::Errc::too_deep);
  }
  {
    const std::vector<std::byte> ok = negations(50);
    xdr::Decoder d(ok);
    nesting::expr x;
    ASSERT_TRUE(decode(d, x));
    const std::vector<std::byte> deep = negations(51);
    xdr::Decoder d2(deep);
    EXPECT_FALSE(decode(d2, x));
    EXPECT_EQ(d2.error().code, xdr::Errc::too_deep);
  }
}

TEST(GenNesting, AMillionLevelsAreRefusedNotRecursedInto) {
  const std::vector<std::byte> tree_bytes = left_spine(1000000);
  xdr::Decoder d(tree_bytes);
  nesting::node tree;
  EXPECT_FALSE(decode(d, tree));
  EXPECT_EQ(d.error().code, xdr::Errc::too_deep);

  const std::vector<std::byte> expr_bytes = negations(1000000);
  xdr::Decoder d2(expr_bytes);
  nesting::expr x;
  EXPECT_FALSE(decode(d2, x));
  EXPECT_EQ(d2.error().code, xdr::Errc::too_deep);
}

TEST(GenNesting, SiblingsDoNotAddUpOnlyDepthCounts) {
  // A full binary tree of depth 10 (1023 nodes) is far below 50 levels at every point.
  std::function<std::unique_ptr<nesting::node>(int)> build = [&](int depth) -> std::unique_ptr<nesting::node> {
    if (depth == 0) return nullptr;
    auto n = std::make_unique<nesting::node>();
    n->value = depth;
    n->left = build(depth - 1);
    n->right = build(depth - 1);
    return n;
  };
  const std::unique_ptr<nesting::node> root = build(10);
  const std::vector<std::byte> bytes = encoded(1 << 16, [&](xdr::Encoder& e) { EXPECT_TRUE(encode(e, *root)); });
  xdr::Decoder d(bytes);
  nesting::node back;
  ASSERT_TRUE(decode(d, back)) << d.error().message();
  EXPECT_TRUE(back == *root);
  EXPECT_EQ(d.depth(), 0U);
}

}  // namespace
}  // namespace nelson::gen::test
