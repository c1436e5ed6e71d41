// The front end on broken input: truncations and random byte mutations of the rpcsvc
// contracts (after cpp, line markers included) must end in diagnostics, never in a crash,
// a hang or a sanitizer report. Seeded, so a failure replays.
#include <gtest/gtest.h>
#include <random>

#include "gen/ast_dump.hpp"
#include "gen/frontend.hpp"
#include "gen/preprocess.hpp"
#include "tests/gen/test_files.hpp"

namespace nelson::gen {
namespace {

constexpr int kTruncations = 60;
constexpr int kMutations = 150;

// Runs everything a caller would: parse, check, print the diagnostics and the tree.
void survive(const std::string& name, std::string text) {
  Contract c = read_contract_text(name, std::move(text));
  const std::string shown = format(c.diagnostics, c.sources);
  const std::string tree = dump(c.specification);
  EXPECT_EQ(c.ok(), !c.diagnostics.has_errors() && c.syntax_ok);
  EXPECT_LE(c.diagnostics.all().size(), 4 * Diagnostics::kMaxErrors);  // errors, their notes, the last word
  (void)shown;
  (void)tree;
}

class Mutated : public ::testing::TestWithParam<std::filesystem::path> {};

TEST_P(Mutated, TruncationsAndByteFlipsNeverCrash) {
  const PreprocessResult pre = preprocess({.input = GetParam().string()});
  ASSERT_TRUE(pre.ok()) << pre.errors;
  const std::string& text = pre.output;
  ASSERT_FALSE(text.empty());
  std::mt19937_64 rng(0x6e656c736f6eULL ^ std::hash<std::string>{}(GetParam().filename().string()));
  std::uniform_int_distribution<std::size_t> position(0, text.size() - 1);

  for (int i = 0; i < kTruncations; ++i) survive("truncated.x", text.substr(0, position(rng)));

  // Bytes that matter to the grammar are likelier than others to make deep trouble.
  static constexpr std::string_view kInteresting = "{}()[]<>;:,=*%#/\"\\\n-0x9 \t";
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> flips(1, 8);
  for (int i = 0; i < kMutations; ++i) {
    std::string m = text;
    for (int f = flips(rng); f > 0; --f) {
      const std::size_t at = position(rng);
      const int b = byte(rng);
      m[at] = b < 128 ? kInteresting[static_cast<std::size_t>(b) % kInteresting.size()] : static_cast<char>(b);
    }
    survive("mutated.x", std::move(m));
  }
}

INSTANTIATE_TEST_SUITE_P(Gen, Mutated, ::testing::ValuesIn(test::contracts_in("/usr/include/rpcsvc")),
                         [](const auto& test_info) { return test_info.param.stem().string(); });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(Mutated);

TEST(GenRobustness, HostileShapes) {
  survive("braces.x", std::string(200000, '{'));
  survive("closers.x", std::string(200000, '}'));
  survive("semicolons.x", std::string(100000, ';'));
  survive("nul.x", std::string(1000, '\0'));
  survive("markers.x", "# 4294967295 \"x\"\n# 4294967296 \"y\"\n# 1 \"unterminated\n#line\n#\n");
  survive("percent.x", "%\\\n%\\\n%\\");
  std::string unions = "union u switch (int k) {";
  for (int i = 0; i < 50000; ++i) unions += " case " + std::to_string(i) + ":";
  survive("labels.x", unions + " void; };");
  std::string deep_enum = "struct s {";
  for (int i = 0; i < 50000; ++i) deep_enum += " enum {";
  survive("enums.x", deep_enum);
}

}  // namespace
}  // namespace nelson::gen
