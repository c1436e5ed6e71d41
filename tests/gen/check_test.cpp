// The checker on small contracts held in memory: what it resolves, what it accepts from real
// files, and that it keeps going after the first error.
#include "gen/check.hpp"

#include <gtest/gtest.h>
#include <stdexcept>

#include "gen/frontend.hpp"

namespace nelson::gen {
namespace {

std::vector<std::string> errors_of(const std::string& text) {
  Contract c = read_contract_text("t.x", text);
  std::vector<std::string> out;
  for (const Diagnostic& d : c.diagnostics.all()) {
    if (d.severity == Severity::error) out.push_back(d.message);
  }
  return out;
}

const ConstDef& const_named(const Contract& c, std::string_view name) {
  for (const Definition& d : c.specification.definitions) {
    if (const auto* k = std::get_if<ConstDef>(&d); k && k->name == name) return *k;
  }
  throw std::runtime_error("no const " + std::string(name));  // a test fault, not control flow
}

TEST(GenCheck, ConstantsChainInAnyOrder) {
  Contract c = read_contract_text("t.x", "const A = B; const B = C; const C = -0x10;");
  ASSERT_TRUE(c.ok()) << format(c.diagnostics, c.sources);
  EXPECT_EQ(const_named(c, "A").value.resolved, -16);
}

TEST(GenCheck, LongEnumsAndChainsResolveWithoutDeepRecursion) {
  std::string text = "const FIRST_LAST = LAST; enum big { E0";
  for (int i = 1; i < 20000; ++i) text += ", E" + std::to_string(i);
  text += ", LAST };";
  Contract c = read_contract_text("t.x", text);
  ASSERT_TRUE(c.ok()) << format(c.diagnostics, c.sources);
  EXPECT_EQ(const_named(c, "FIRST_LAST").value.resolved, 20000);

  // Defined last-first, each constant needs all the later ones: refused at the depth limit
  // (once per 256 links), not recursed into.
  std::string chain = "const K0 = 1;";
  for (int i = 1; i < 2000; ++i) chain = "const K" + std::to_string(i) + " = K" + std::to_string(i - 1) + "; " + chain;
  const std::vector<std::string> errors = errors_of(chain);
  ASSERT_FALSE(errors.empty());
  EXPECT_LE(errors.size(), Diagnostics::kMaxErrors);
  for (const std::string& e : errors) {
    EXPECT_TRUE(e.ends_with("is defined through more than 256 other constants") || e.starts_with("too many")) << e;
  }
}

TEST(GenCheck, LibraryTypesAndCIdioms) {
  Contract c = read_contract_text("t.x",
                                  "struct foo { u_int a; int32_t b; bool_t c; netobj fh; des_block k; };\n"
                                  "typedef struct foo foo;\n");
  ASSERT_TRUE(c.ok()) << format(c.diagnostics, c.sources);
  const auto& members = std::get<StructDef>(c.specification.definitions[0]).body.members;
  EXPECT_EQ(members[0].type.builtin, Builtin::unsigned_int);
  EXPECT_EQ(members[1].type.builtin, Builtin::int_);
  EXPECT_EQ(members[2].type.builtin, Builtin::bool_);
  EXPECT_EQ(members[3].type.origin, TypeSpec::Origin::library);
  EXPECT_EQ(members[4].type.origin, TypeSpec::Origin::library);
  EXPECT_EQ(library_type("u_long"), Builtin::unsigned_long);
  EXPECT_FALSE(library_type("netobj"));
}

TEST(GenCheck, MacrosOfPassthroughLinesAreConstants) {
  Contract c = read_contract_text("t.x",
                                  "%#define LM_MAXSTRLEN\t1024\n"
                                  "%#define MAXNAMELEN LM_MAXSTRLEN+1\n"
                                  "%#define NOT_A_NUMBER \"text\"\n"
                                  "struct s { string n<MAXNAMELEN>; string m<NOT_A_NUMBER>; };\n");
  ASSERT_EQ(c.diagnostics.error_count(), 1U);
  EXPECT_EQ(c.diagnostics.all()[0].message, "'NOT_A_NUMBER' is a C macro whose value is not a constant expression");
  const auto& members = std::get<StructDef>(c.specification.definitions.back()).body.members;
  EXPECT_EQ(members[0].size->resolved, 1025);
}

TEST(GenCheck, UnknownTypesAreExternalOnlyBesideACInclude) {
  EXPECT_EQ(errors_of("typedef nis_object *obj_p;"), (std::vector<std::string>{"unknown type 'nis_object'"}));
  Contract c = read_contract_text("t.x", "%#include <rpcsvc/nis.h>\ntypedef nis_object *obj_p;");
  ASSERT_TRUE(c.ok()) << format(c.diagnostics, c.sources);
  EXPECT_EQ(std::get<TypedefDef>(c.specification.definitions[1]).declaration.type.origin, TypeSpec::Origin::external);
}

TEST(GenCheck, TrueAndFalseArePredefinedUnlessDefined) {
  Contract c = read_contract_text("t.x", "const TRUE = 7; const X = TRUE; const Y = FALSE;");
  ASSERT_TRUE(c.ok()) << format(c.diagnostics, c.sources);
  EXPECT_EQ(const_named(c, "X").value.resolved, 7);
  EXPECT_EQ(const_named(c, "Y").value.resolved, 0);
}

TEST(GenCheck, DiscriminantsThroughTypedefs) {
  EXPECT_TRUE(errors_of("typedef unsigned int u32; typedef u32 tag;"
                        "union u switch (tag t) { case 0xffffffff: void; };")
                  .empty());
  EXPECT_EQ(errors_of("typedef hyper wide; union u switch (wide t) { case 1: void; };"),
            (std::vector<std::string>{"a union discriminant must be int, unsigned int, bool or an enum, not 'wide'"}));
  EXPECT_EQ(errors_of("union u switch (unsigned t) { case -1: void; };"),
            (std::vector<std::string>{"case value -1 does not fit the discriminant"}));
  // A typedef cycle ends in one error instead of a hang.
  EXPECT_EQ(errors_of("typedef b a; typedef a b; union u switch (a t) { case 1: void; };").size(), 1U);
}

TEST(GenCheck, ErrorsAfterTheFirstAreCollectedUpToTheLimit) {
  std::string text;
  for (int i = 0; i < 30; ++i) text += "typedef missing" + std::to_string(i) + " t" + std::to_string(i) + ";\n";
  Contract c = read_contract_text("t.x", text);
  EXPECT_EQ(c.diagnostics.error_count(), 30U);
  ASSERT_EQ(c.diagnostics.all().size(), Diagnostics::kMaxErrors + 1);
  EXPECT_EQ(c.diagnostics.all()[0].message, "unknown type 'missing0'");
  EXPECT_EQ(c.diagnostics.all().back().message, "too many errors, stopping now");
  EXPECT_TRUE(format(c.diagnostics, c.sources).ends_with("30 errors generated.\n"));
}

TEST(GenCheck, ProcedureZeroAndSharedProcedureNamesAcrossVersions) {
  // mount.x repeats MOUNTPROC_NULL in each version: names are per version.
  EXPECT_TRUE(errors_of("program P { version A { void NUL(void) = 0; } = 1;"
                        " version B { void NUL(void) = 0; } = 2; } = 1;")
                  .empty());
}

}  // namespace
}  // namespace nelson::gen
