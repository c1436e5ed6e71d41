// `%#define` constants: which lines count, and the small expressions they may hold.
#include "gen/macro.hpp"

#include <gtest/gtest.h>

namespace nelson::gen {
namespace {

std::optional<std::int64_t> eval(std::string_view body) {
  return evaluate(body, [](std::string_view name) -> std::optional<std::int64_t> {
    if (name == "LM_MAXSTRLEN") return 1024;
    return std::nullopt;
  });
}

TEST(GenMacro, ReadsObjectLikeDefines) {
  auto m = parse_define("#define LM_MAXSTRLEN\t1024");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->name, "LM_MAXSTRLEN");
  EXPECT_EQ(eval(m->body), 1024);
  EXPECT_FALSE(parse_define("#define F(x) x"));
  EXPECT_FALSE(parse_define("#include <x.h>"));
  EXPECT_FALSE(parse_define("/* #define X 1 */"));
  EXPECT_TRUE(parse_define(" #  define X 1"));
}

TEST(GenMacro, EvaluatesIntegerExpressions) {
  EXPECT_EQ(eval("LM_MAXSTRLEN+1"), 1025);
  EXPECT_EQ(eval("(1 << 8) | 3"), 259);
  EXPECT_EQ(eval("2 + 3 * 4 - 1"), 13);
  EXPECT_EQ(eval("10 - 2 - 3"), 5);
  EXPECT_EQ(eval("-(4) + ~0"), -5);
  EXPECT_EQ(eval("0x10 /* sixteen */"), 16);
  EXPECT_EQ(eval("1024U"), 1024);
}

TEST(GenMacro, RefusesWhatIsNotAConstant) {
  EXPECT_FALSE(eval("UNKNOWN + 1"));
  EXPECT_FALSE(eval("1 / 0"));
  EXPECT_FALSE(eval("\"text\""));
  EXPECT_FALSE(eval("(1"));
  EXPECT_FALSE(eval("9223372036854775807 + 1"));
  EXPECT_FALSE(eval("1 << 63"));
  EXPECT_FALSE(eval(std::string(1000, '(') + "1" + std::string(1000, ')')));  // bounded depth
  EXPECT_FALSE(eval(""));
}

}  // namespace
}  // namespace nelson::gen
