#include "server/program.hpp"

#include <gtest/gtest.h>

namespace nelson::server {
namespace {

Status ok(Call&) { return Status::success; }

TEST(Registry, RoutesEveryOutcome) {
  Registry r;
  ASSERT_TRUE(r.add(100, 2, 0, {"NULL"}, ok));
  ASSERT_TRUE(r.add(100, 4, 7, {"SEVEN"}, ok));
  ASSERT_TRUE(r.add(200, 1, 1, {"ONE"}, ok));
  EXPECT_EQ(r.route(100, 2, 0).kind, Route::Kind::found);
  EXPECT_EQ(r.route(100, 4, 7).procedure->spec.name, "SEVEN");
  EXPECT_EQ(r.route(300, 1, 0).kind, Route::Kind::prog_unavail);
  const Route mismatch = r.route(100, 3, 0);  // between the versions served
  EXPECT_EQ(mismatch.kind, Route::Kind::prog_mismatch);
  EXPECT_EQ(mismatch.program->low, 2U);
  EXPECT_EQ(mismatch.program->high, 4U);
  EXPECT_EQ(r.route(100, 4, 3).kind, Route::Kind::proc_unavail);  // a gap in the table
  EXPECT_EQ(r.route(100, 4, 8).kind, Route::Kind::proc_unavail);  // past its end
  EXPECT_EQ(r.route(100, 2, 0xffffffff).kind, Route::Kind::proc_unavail);
}

TEST(Registry, RefusesEmptyHandlersAndHugeProcedureNumbers) {
  Registry r;
  EXPECT_FALSE(r.add(1, 1, 0, {}, Handler{}));
  EXPECT_FALSE(r.add(1, 1, Registry::kMaxProcedure + 1, {}, ok));
  EXPECT_TRUE(r.add(1, 1, Registry::kMaxProcedure, {}, ok));
}

TEST(Registry, ANamedProgramWithoutVersionsIsUnavailable) {
  Registry r;
  r.name_program(5, "FIVE");
  EXPECT_EQ(r.route(5, 1, 0).kind, Route::Kind::prog_unavail);
}

}  // namespace
}  // namespace nelson::server
