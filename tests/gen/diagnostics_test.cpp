// Golden diagnostics: each diagnostics/NAME.x, read through cpp like any contract (or
// without it when its first line says `--no-cpp`), must print exactly diagnostics/NAME.err.
// To refresh after a deliberate change: NELSON_GEN_UPDATE_GOLDEN=1 gen_test.
#include <cstdlib>
#include <fstream>
#include <gtest/gtest.h>

#include "gen/frontend.hpp"
#include "tests/gen/test_files.hpp"

namespace nelson::gen {
namespace {

std::string diagnose(const std::filesystem::path& file) {
  const std::string text = test::read_file(file);
  const bool use_cpp = text.substr(0, text.find('\n')).find("--no-cpp") == std::string::npos;
  Contract c = read_contract({.file = file.string(), .use_cpp = use_cpp});
  return test::strip_dir(c.cpp_messages + format(c.diagnostics, c.sources), file.parent_path());
}

class GoldenDiagnostics : public ::testing::TestWithParam<std::filesystem::path> {};

TEST_P(GoldenDiagnostics, MatchExactly) {
  const std::filesystem::path x = GetParam();
  std::filesystem::path err = x;
  err.replace_extension(".err");
  const std::string got = diagnose(x);
  if (std::getenv("NELSON_GEN_UPDATE_GOLDEN") != nullptr) std::ofstream(err, std::ios::binary) << got;
  EXPECT_EQ(got, test::read_file(err)) << "for " << x.filename();
  EXPECT_NE(got.find("error:"), std::string::npos) << "a diagnostics test must produce an error";
}

INSTANTIATE_TEST_SUITE_P(Gen, GoldenDiagnostics,
                         ::testing::ValuesIn(test::contracts_in(test::test_dir() / "diagnostics")),
                         [](const auto& test_info) { return test_info.param.stem().string(); });

TEST(GenDiagnostics, FormatWithCaretUnderTabs) {
  Sources sources;
  const std::uint32_t file = sources.intern("t.x");
  sources.set_text(file, "struct s {\n\tint\tx }\n");
  Diagnostics d;
  d.error({file, 2, 8}, "expected ';', found '}'");
  d.note({file, 1, 8}, "struct here");
  EXPECT_EQ(format(d, sources),
            "t.x:2:8: error: expected ';', found '}'\n"
            "\tint\tx }\n"
            "\t   \t  ^\n"
            "t.x:1:8: note: struct here\n"
            "struct s {\n"
            "       ^\n"
            "1 error generated.\n");
}

TEST(GenDiagnostics, WithoutALocationOrASourceLine) {
  Sources sources;
  Diagnostics d;
  d.error({}, "the C preprocessor failed (exit status 1)");
  d.error({sources.intern("/nonexistent/x.x"), 3, 1}, "gone");
  EXPECT_EQ(format(d, sources),
            "nelson-gen: error: the C preprocessor failed (exit status 1)\n"
            "/nonexistent/x.x:3:1: error: gone\n"
            "2 errors generated.\n");
}

}  // namespace
}  // namespace nelson::gen
