// operator== of generated structs and unions and equal_X of typedefs: value equality, deep
// through owning pointers, views by their bytes, linked lists in a loop (gen/emit_equal.cpp).
#include <gtest/gtest.h>
#include <memory>
#include <string>
#include <string_view>

#include "everything.hpp"
#include "views.hpp"
#ifdef NELSON_HAVE_RPCSVC
#include "mount.hpp"
#endif

namespace nelson::gen {
namespace {

TEST(GenEquality, StructsCompareEveryMember) {
  everything::scalars a;
  a.q.bytes[15] = std::byte{1};
  everything::scalars b = a;
  EXPECT_EQ(a, b);
  b.q.bytes[15] = std::byte{2};
  EXPECT_NE(a, b);
  b = a;
  b.ch = 1;
  EXPECT_NE(a, b);
  b = a;
  b.c = everything::color::GREEN;
  EXPECT_NE(a, b);
}

TEST(GenEquality, UnionsCompareDiscriminantAndArm) {
  everything::result a;
  a.select(everything::color::RED);
  *a.text() = "x";
  everything::result b;
  b.select(everything::color::GREEN);  // the same arm under another label
  *b.text() = "x";
  EXPECT_NE(a, b);
  b.which = everything::color::RED;
  EXPECT_EQ(a, b);
  *b.text() = "y";
  EXPECT_NE(a, b);
  everything::result blue;
  blue.select(everything::color::BLUE);  // void
  everything::result blue2;
  blue2.select(everything::color::BLUE);
  EXPECT_EQ(blue, blue2);
  EXPECT_NE(blue, a);
  everything::result code;
  code.select(static_cast<everything::color>(99));  // default arm
  *code.code() = 5;
  everything::result code2 = code;
  EXPECT_EQ(code, code2);
  *code2.code() = 6;
  EXPECT_NE(code, code2);
}

TEST(GenEquality, OwningPointersCompareWhatTheyPointTo) {
  everything::node a;
  a.label = "a";
  a.next = std::make_unique<everything::node>();  // not the list member: compared through xdr::equal
  a.next->label = "inner";
  everything::node b;
  b.label = "a";
  b.next = std::make_unique<everything::node>();
  b.next->label = "inner";
  EXPECT_EQ(a, b);  // two allocations, equal values
  b.next->label = "other";
  EXPECT_NE(a, b);
  b.next.reset();
  EXPECT_NE(a, b);
  a.next.reset();
  EXPECT_EQ(a, b);
  everything::nesting n;
  everything::nesting m;
  EXPECT_EQ(n, m);
  m.choice.select(1);
  EXPECT_NE(n, m);
}

TEST(GenEquality, ViewsCompareByContent) {
  const std::string one = "same bytes";
  const std::string two = one;  // another buffer
  views_all::other a;
  views_all::other b;
  a.s = one;
  b.s = two;
  a.o = std::as_bytes(std::span<const char>(one));
  b.o = std::as_bytes(std::span<const char>(two));
  ASSERT_NE(a.o.data(), b.o.data());
  EXPECT_EQ(a, b);
  b.o = b.o.first(3);
  EXPECT_NE(a, b);
  EXPECT_TRUE(views_all::equal_names({"x", "y"}, {"x", "y"}));
  EXPECT_FALSE(views_all::equal_names({"x", "y"}, {"x"}));
  const std::array<std::byte, 2> x{std::byte{1}, std::byte{2}};
  const std::array<std::byte, 2> y = x;
  EXPECT_TRUE(views_all::equal_blob(x, y));
  EXPECT_FALSE(views_all::equal_blob(x, std::span<const std::byte>(y).first(1)));
}

views_all::entry make_list(std::size_t n, std::string_view label) {
  views_all::entry head;
  views_all::entry* at = &head;
  for (std::size_t i = 0;; ++i) {
    at->cookie = i;
    at->label = label;
    if (i + 1 == n) break;
    at->next = std::make_unique<views_all::entry>();
    at = at->next.get();
  }
  return head;
}

TEST(GenEquality, MillionNodeListsCompareWithoutRecursion) {
  constexpr std::size_t kNodes = 1'000'000;
  const std::string label = "entry";
  const std::string label2 = label;
  views_all::entry a = make_list(kNodes, label);
  views_all::entry b = make_list(kNodes, label2);
  EXPECT_EQ(a, b);
  views_all::entry* last = &b;
  while (last->next != nullptr) last = last->next.get();
  last->cookie = 7;  // differs only in the last node
  EXPECT_NE(a, b);
  last->cookie = kNodes - 1;
  last->next = std::make_unique<views_all::entry>();  // one node longer
  EXPECT_NE(a, b);
  EXPECT_NE(b, a);
}

#ifdef NELSON_HAVE_RPCSVC
TEST(GenEquality, TypedefOfAnOwningListComparesTheLists) {
  auto list = [](std::initializer_list<const char*> dirs) {
    mount::mountlist head;
    for (const char* d : dirs) {
      auto node = std::make_unique<mount::mountbody>();
      node->ml_directory = d;
      node->ml_next = std::move(head);
      head = std::move(node);
    }
    return head;
  };
  EXPECT_TRUE(mount::equal_mountlist(list({"/a", "/b"}), list({"/a", "/b"})));
  EXPECT_FALSE(mount::equal_mountlist(list({"/a", "/b"}), list({"/a", "/c"})));
  EXPECT_FALSE(mount::equal_mountlist(list({"/a"}), list({"/a", "/b"})));
  EXPECT_FALSE(mount::equal_mountlist(list({"/a"}), nullptr));
  EXPECT_TRUE(mount::equal_mountlist(nullptr, nullptr));
}
#endif

}  // namespace
}  // namespace nelson::gen
