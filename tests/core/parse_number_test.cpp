// core::parse_number: whole strings only; 0x only when asked; overflow and signs refused.
#include "core/parse_number.hpp"

#include <cstdint>
#include <gtest/gtest.h>

namespace nelson::core::test {
namespace {

TEST(ParseNumber, TheWholeStringIsTheNumber) {
  std::uint32_t v = 7;
  EXPECT_TRUE(parse_number("111", v));
  EXPECT_EQ(v, 111U);
  for (const char* bad : {"", " 1", "1 ", "12s", "1.5", "+1", "-1", "0x10", "4294967296"}) {
    EXPECT_FALSE(parse_number(bad, v)) << '"' << bad << '"';
  }
}

TEST(ParseNumber, HexadecimalAfter0xWhenAsked) {
  std::uint32_t v = 0;
  EXPECT_TRUE(parse_number("0x20000099", v, NumberBase::c_style));
  EXPECT_EQ(v, 0x20000099U);
  EXPECT_TRUE(parse_number("0XfF", v, NumberBase::c_style));
  EXPECT_EQ(v, 255U);
  EXPECT_TRUE(parse_number("100000", v, NumberBase::c_style));  // decimal still
  EXPECT_EQ(v, 100000U);
  for (const char* bad : {"0x", "0x-1", "0x1g", "0x100000000"}) {
    EXPECT_FALSE(parse_number(bad, v, NumberBase::c_style)) << bad;
  }
}

TEST(ParseNumber, SignedAndFloatingPoint) {
  long s = 0;
  EXPECT_TRUE(parse_number("-42", s));
  EXPECT_EQ(s, -42);
  double d = 0;
  EXPECT_TRUE(parse_number("0.25", d));
  EXPECT_DOUBLE_EQ(d, 0.25);
  for (const char* bad : {"", "inf", "nan", "1e999", "0.5s"}) EXPECT_FALSE(parse_number(bad, d)) << bad;
}

}  // namespace
}  // namespace nelson::core::test
