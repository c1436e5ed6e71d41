// The nelson-gen program: exit status, what goes to stdout and stderr, -D, -I, --no-cpp, --view.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <gtest/gtest.h>

#include "tests/gen/test_files.hpp"

namespace nelson::gen {
namespace {

struct ToolRun {
  int status = -1;
  std::string out;  // stdout and stderr, interleaved as the program wrote them
};

// Runs nelson-gen with `args` (shell words) from the test directory.
ToolRun nelson_gen(const std::string& args) {
  const std::string command = "cd '" + test::test_dir().string() + "' && '" NELSON_GEN_BINARY "' " + args + " 2>&1";
  ToolRun r;
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf{};
  for (std::size_t n; (n = std::fread(buf.data(), 1, buf.size(), p)) > 0;) r.out.append(buf.data(), n);
  const int status = ::pclose(p);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST(GenTool, CheckCleanContractSaysNothing) {
  const ToolRun r = nelson_gen("--check contracts/everything.x");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out, "");
}

TEST(GenTool, DumpAstPrintsTheTree) {
  const ToolRun r = nelson_gen("--dump-ast contracts/everything.x");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, test::read_file(test::test_dir() / "contracts/everything.dump"));
}

TEST(GenTool, ErrorsExitOne) {
  const ToolRun r = nelson_gen("--check diagnostics/missing_semicolon.x");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("diagnostics/missing_semicolon.x:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(": error: "), std::string::npos) << r.out;
}

TEST(GenTool, DefinesAndIncludeDirsReachThePreprocessor) {
  ToolRun r = nelson_gen("--dump-ast -I contracts/include contracts/defines.x");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("const SIZE = 1  @"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("const FROM_INCLUDE = 42  @"), std::string::npos) << r.out;
  r = nelson_gen("--dump-ast -DWANT_BIG -Icontracts/include -D BIGGER=1000 contracts/defines.x");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("const SIZE = 1000  @"), std::string::npos) << r.out;
  // Without -I the #include fails in cpp: its message, then ours.
  r = nelson_gen("--check contracts/defines.x");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("included.x"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("nelson-gen: error: the C preprocessor failed"), std::string::npos) << r.out;
}

TEST(GenTool, NoCppReadsTheFileAsItIs) {
  const ToolRun r = nelson_gen("--check --no-cpp contracts/defines.x");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("'#ifdef' needs the C preprocessor"), std::string::npos) << r.out;
}

TEST(GenTool, UsageMistakesExitTwo) {
  EXPECT_EQ(nelson_gen("").status, 2);
  EXPECT_EQ(nelson_gen("--check").status, 2);
  EXPECT_EQ(nelson_gen("--frobnicate x.x").status, 2);
  EXPECT_EQ(nelson_gen("--check a.x b.x").status, 2);
  EXPECT_EQ(nelson_gen("--help").status, 0);
}

TEST(GenTool, ViewMustNameATypedefStructOrUnion) {
  ToolRun r = nelson_gen("--check --view nosuch --view record --view choice --view name contracts/views.x");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "nelson-gen: --view nosuch: no typedef, struct or union of that name in contracts/views.x\n");
  r = nelson_gen("--check --view MAXNAME contracts/views.x");  // a constant
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("--view MAXNAME: no typedef"), std::string::npos) << r.out;
  EXPECT_EQ(nelson_gen("--check --views --view record contracts/views.x").status, 0);
  EXPECT_EQ(nelson_gen("--check contracts/views.x --view").status, 2);
}

TEST(GenTool, MissingFileOrPreprocessor) {
  ToolRun r = nelson_gen("--check --no-cpp /nonexistent.x");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("cannot read '/nonexistent.x'"), std::string::npos) << r.out;
  r = nelson_gen("--check --cpp /nonexistent/cpp contracts/everything.x");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("cannot run the C preprocessor '/nonexistent/cpp'"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace nelson::gen
