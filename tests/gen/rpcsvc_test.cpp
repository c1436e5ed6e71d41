// Every contract Debian ships in /usr/include/rpcsvc (rpcsvc-proto) reads clean, through cpp
// with RPC_HDR defined, as rpcgen -h sees it.
#include <gtest/gtest.h>

#include "gen/ast_dump.hpp"
#include "gen/frontend.hpp"
#include "tests/gen/test_files.hpp"

namespace nelson::gen {
namespace {

const std::filesystem::path kRpcsvc = "/usr/include/rpcsvc";

class Rpcsvc : public ::testing::TestWithParam<std::filesystem::path> {};

TEST_P(Rpcsvc, ParsesAndChecksClean) {
  Contract c = read_contract({.file = GetParam().string()});
  EXPECT_TRUE(c.ok()) << c.cpp_messages << format(c.diagnostics, c.sources);
  EXPECT_TRUE(c.diagnostics.all().empty()) << format(c.diagnostics, c.sources);
  EXPECT_FALSE(c.specification.definitions.empty());
  EXPECT_FALSE(dump(c.specification).empty());
}

INSTANTIATE_TEST_SUITE_P(Gen, Rpcsvc, ::testing::ValuesIn(test::contracts_in(kRpcsvc)),
                         [](const auto& test_info) { return test_info.param.stem().string(); });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(Rpcsvc);

TEST(GenRpcsvc, TheDebianContractsArePresent) {
  if (!std::filesystem::exists(kRpcsvc / "nfs_prot.x")) GTEST_SKIP() << "rpcsvc-proto is not installed";
  EXPECT_GE(test::contracts_in(kRpcsvc).size(), 17U);
}

// Spot checks of what the tree of a real contract says.
TEST(GenRpcsvc, NfsProtTree) {
  if (!std::filesystem::exists(kRpcsvc / "nfs_prot.x")) GTEST_SKIP() << "rpcsvc-proto is not installed";
  Contract c = read_contract({.file = (kRpcsvc / "nfs_prot.x").string()});
  ASSERT_TRUE(c.ok());
  const Program* nfs = nullptr;
  for (const Definition& d : c.specification.definitions) {
    if (const auto* p = std::get_if<Program>(&d)) nfs = p;
  }
  ASSERT_NE(nfs, nullptr);
  EXPECT_EQ(nfs->name, "NFS_PROGRAM");
  EXPECT_EQ(nfs->number.resolved, 100003);
  ASSERT_EQ(nfs->versions.size(), 1U);
  EXPECT_EQ(nfs->versions[0].number.resolved, 2);
  EXPECT_EQ(nfs->versions[0].procedures.size(), 18U);
  EXPECT_EQ(nfs->versions[0].procedures[0].name, "NFSPROC_NULL");
}

}  // namespace
}  // namespace nelson::gen
