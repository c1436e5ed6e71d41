// contracts/everything.x, read through cpp as rpcgen would: the tree, node by node, and its
// dump compared with contracts/everything.dump.
#include <gtest/gtest.h>

#include "gen/ast_dump.hpp"
#include "gen/frontend.hpp"
#include "gen/parser.hpp"
#include "tests/gen/test_files.hpp"

namespace nelson::gen {
namespace {

class EverythingContract : public ::testing::Test {
 protected:
  void SetUp() override {
    contract_ = read_contract({.file = (test::test_dir() / "contracts/everything.x").string()});
    ASSERT_TRUE(contract_.ok()) << format(contract_.diagnostics, contract_.sources) << contract_.cpp_messages;
  }

  // The definition named `name` of type T (the first when there are several).
  template <class T>
  const T& find(std::string_view name) {
    for (const Definition& d : contract_.specification.definitions) {
      if (const T* t = std::get_if<T>(&d)) {
        if constexpr (std::is_same_v<T, TypedefDef>) {
          if (t->declaration.name == name) return *t;
        } else if (t->name == name) {
          return *t;
        }
      }
    }
    ADD_FAILURE() << "no definition " << name;
    static const T kNone{};
    return kNone;
  }

  Contract contract_;
};

TEST_F(EverythingContract, ConstantsResolveInEveryNotation) {
  EXPECT_EQ(find<ConstDef>("MAXNAME").value.resolved, 255);
  EXPECT_EQ(find<ConstDef>("PROGNUM").value.resolved, 0x20000099);
  EXPECT_EQ(find<ConstDef>("OCTAL").value.resolved, 15);
  EXPECT_EQ(find<ConstDef>("NEGATIVE").value.resolved, -5);
  const ConstDef& alias = find<ConstDef>("ALIAS");
  EXPECT_EQ(alias.value.name, "MAXNAME");
  EXPECT_EQ(alias.value.resolved, 255);
  EXPECT_EQ(find<ConstDef>("GREETING").string, "hello");
  // Locations point at the original text, which cpp rewrote ("const   SPACED   =   7;").
  const ConstDef& spaced = find<ConstDef>("SPACED");
  EXPECT_EQ(contract_.sources.name(spaced.location.file), (test::test_dir() / "contracts/everything.x").string());
  EXPECT_EQ(spaced.location.line, 13U);
  EXPECT_EQ(spaced.location.column, 9U);
  EXPECT_EQ(spaced.value.location.column, 22U);
  // cpp ran with RPC_HDR and NELSON_GEN defined.
  EXPECT_EQ(find<ConstDef>("SEEN_BY_NELSON").value.resolved, 1);
}

TEST_F(EverythingContract, EnumsWithExplicitImplicitAndNamedValues) {
  const EnumDef& color = find<EnumDef>("color");
  ASSERT_EQ(color.body.enumerators.size(), 3U);
  EXPECT_EQ(color.body.enumerators[2].name, "BLUE");
  EXPECT_EQ(color.body.enumerators[2].resolved, 255);
  const EnumDef& implicit = find<EnumDef>("implicit");
  std::vector<std::int64_t> values;
  for (const Enumerator& e : implicit.body.enumerators) values.push_back(e.resolved.value_or(-999));
  EXPECT_EQ(values, (std::vector<std::int64_t>{0, 1, 10, 11}));
  EXPECT_FALSE(implicit.body.enumerators[0].value.has_value());
}

TEST_F(EverythingContract, TypedefsOfEveryArrayShape) {
  const Declaration& name = find<TypedefDef>("name").declaration;
  EXPECT_EQ(name.kind, Declaration::Kind::variable_array);
  EXPECT_EQ(name.type.builtin, Builtin::string);
  EXPECT_EQ(name.size->resolved, 255);
  EXPECT_FALSE(find<TypedefDef>("anystring").declaration.size.has_value());
  const Declaration& fixed = find<TypedefDef>("fixedbytes").declaration;
  EXPECT_EQ(fixed.kind, Declaration::Kind::fixed_array);
  EXPECT_EQ(fixed.type.builtin, Builtin::opaque);
  EXPECT_EQ(fixed.size->resolved, 16);  // WIDTH, a cpp macro
  EXPECT_EQ(find<TypedefDef>("varbytes").declaration.kind, Declaration::Kind::variable_array);
  EXPECT_EQ(find<TypedefDef>("boundedbytes").declaration.size->resolved, 15);
  const Declaration& ints = find<TypedefDef>("ints").declaration;
  EXPECT_EQ(ints.kind, Declaration::Kind::fixed_array);
  EXPECT_EQ(ints.type.builtin, Builtin::int_);
  EXPECT_EQ(find<TypedefDef>("uints").declaration.type.builtin, Builtin::unsigned_int);
  EXPECT_EQ(find<TypedefDef>("hypers").declaration.size->resolved, 10);
  const Declaration& maybe = find<TypedefDef>("maybe_color").declaration;
  EXPECT_EQ(maybe.kind, Declaration::Kind::optional);
  EXPECT_EQ(maybe.type.kind, TypeSpec::Kind::named);
  EXPECT_EQ(maybe.type.name, "color");
}

TEST_F(EverythingContract, EveryScalarType) {
  const StructDef& s = find<StructDef>("scalars");
  const std::vector<Builtin> want{Builtin::int_,    Builtin::unsigned_int,   Builtin::unsigned_int,
                                  Builtin::hyper,   Builtin::unsigned_hyper, Builtin::float_,
                                  Builtin::double_, Builtin::quadruple,      Builtin::bool_};
  ASSERT_EQ(s.body.members.size(), 14U);
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(s.body.members[i].type.kind, TypeSpec::Kind::builtin) << i;
    EXPECT_EQ(s.body.members[i].type.builtin, want[i]) << i;
    EXPECT_EQ(s.body.members[i].kind, Declaration::Kind::scalar) << i;
  }
  EXPECT_EQ(s.body.members[9].type.name, "color");
  const TypeSpec& library = s.body.members[10].type;  // u_int
  EXPECT_EQ(library.kind, TypeSpec::Kind::builtin);
  EXPECT_EQ(library.builtin, Builtin::unsigned_int);
  EXPECT_EQ(library.spelling, "u_int");
  EXPECT_EQ(s.body.members[11].type.builtin, Builtin::long_);
  EXPECT_EQ(s.body.members[12].type.builtin, Builtin::unsigned_short);
  EXPECT_EQ(s.body.members[13].type.builtin, Builtin::char_);
  EXPECT_EQ(s.body.members[2].name, "bare");
  EXPECT_EQ(s.body.members[2].location, (Location{s.location.file, 40, 11}));
}

TEST_F(EverythingContract, SelfReferentialOptionalData) {
  const StructDef& node = find<StructDef>("node");
  ASSERT_EQ(node.body.members.size(), 3U);
  EXPECT_EQ(node.body.members[1].kind, Declaration::Kind::optional);
  EXPECT_EQ(node.body.members[1].type.name, "node");
  EXPECT_EQ(node.body.members[2].kind, Declaration::Kind::optional);  // struct node *other
  EXPECT_EQ(node.body.members[2].type.name, "node");
}

TEST_F(EverythingContract, UnionsWithSharedCasesVoidArmsAndDefault) {
  const UnionBody& result = find<UnionDef>("result").body;
  EXPECT_EQ(result.discriminant.name, "which");
  EXPECT_EQ(result.discriminant.type.name, "color");
  ASSERT_EQ(result.arms.size(), 2U);
  ASSERT_EQ(result.arms[0].labels.size(), 2U);
  EXPECT_EQ(result.arms[0].labels[0].name, "RED");
  EXPECT_EQ(result.arms[0].labels[0].resolved, 1);
  EXPECT_EQ(result.arms[0].labels[1].resolved, 2);
  EXPECT_EQ(result.arms[0].declaration.name, "text");
  EXPECT_EQ(result.arms[1].labels[0].resolved, 255);
  EXPECT_EQ(result.arms[1].declaration.kind, Declaration::Kind::void_);
  ASSERT_TRUE(result.default_arm.has_value());
  EXPECT_EQ(result.default_arm->name, "code");

  const UnionBody& flag = find<UnionDef>("flag").body;
  EXPECT_EQ(flag.discriminant.type.builtin, Builtin::bool_);
  EXPECT_EQ(flag.arms[0].labels[0].resolved, 1);  // TRUE
  EXPECT_EQ(flag.arms[1].labels[0].resolved, 0);  // FALSE
  EXPECT_FALSE(flag.default_arm.has_value());
}

TEST_F(EverythingContract, InlineTypesNest) {
  const StructDef& n = find<StructDef>("nesting");
  ASSERT_EQ(n.body.members.size(), 3U);
  const TypeSpec& s = n.body.members[0].type;
  ASSERT_EQ(s.kind, TypeSpec::Kind::inline_struct);
  EXPECT_EQ(s.struct_body->members[0].name, "inner");
  const TypeSpec& e = n.body.members[1].type;
  ASSERT_EQ(e.kind, TypeSpec::Kind::inline_enum);
  EXPECT_EQ(e.enum_body->enumerators[0].resolved, -1);
  const TypeSpec& u = n.body.members[2].type;
  ASSERT_EQ(u.kind, TypeSpec::Kind::inline_union);
  EXPECT_EQ(u.union_body->arms[1].declaration.type.builtin, Builtin::hyper);
  EXPECT_EQ(n.body.members[2].name, "choice");
}

TEST_F(EverythingContract, ProgramVersionsProcedures) {
  const Program& p = find<Program>("EVERYTHING_PROG");
  EXPECT_EQ(p.number.resolved, 0x20000099);
  ASSERT_EQ(p.versions.size(), 2U);
  const Version& v1 = p.versions[0];
  EXPECT_EQ(v1.name, "EVERYTHING_V1");
  EXPECT_EQ(v1.number.resolved, 1);
  ASSERT_EQ(v1.procedures.size(), 3U);
  EXPECT_EQ(v1.procedures[0].result.builtin, Builtin::void_);
  EXPECT_TRUE(v1.procedures[0].arguments.empty());
  EXPECT_EQ(v1.procedures[1].result.name, "result");
  const Procedure& list = v1.procedures[2];
  EXPECT_EQ(list.name, "LIST");
  EXPECT_EQ(list.number.resolved, 2);
  ASSERT_EQ(list.arguments.size(), 3U);
  EXPECT_EQ(list.arguments[0].name, "name");
  EXPECT_EQ(list.arguments[1].builtin, Builtin::int_);
  EXPECT_EQ(list.arguments[2].builtin, Builtin::unsigned_hyper);
  EXPECT_EQ(p.versions[1].procedures[1].arguments[0].name, "scalars");
}

TEST_F(EverythingContract, PassthroughLinesStayInOrder) {
  std::vector<std::string> order;
  for (const Definition& d : contract_.specification.definitions) {
    if (const auto* p = std::get_if<Passthrough>(&d)) order.push_back("%" + p->text);
    if (const auto* s = std::get_if<StructDef>(&d)) order.push_back("struct " + s->name);
    if (const auto* c = std::get_if<ConstDef>(&d); c && c->name == "GREETING") order.push_back("const GREETING");
    if (const auto* p = std::get_if<Program>(&d)) order.push_back("program " + p->name);
  }
  const std::vector<std::string> want{"const GREETING",
                                      "%/* a pass-through line, kept in order */",
                                      "%#define ONLY_IN_HEADERS 1",
                                      "struct scalars",
                                      "%/* a pass-through line inside a struct goes before it */",
                                      "struct node",
                                      "struct nesting",
                                      "program EVERYTHING_PROG",
                                      "%/* the last pass-through line */"};
  EXPECT_EQ(order, want);
}

TEST_F(EverythingContract, DumpMatchesTheGoldenFile) {
  EXPECT_EQ(dump(contract_.specification), test::read_file(test::test_dir() / "contracts/everything.dump"));
}

TEST(GenParser, NestingIsBoundedNotRecursedWithoutLimit) {
  std::string deep = "struct s { ";
  for (int i = 0; i < 100000; ++i) deep += "struct { ";
  Contract c = read_contract_text("deep.x", deep);
  EXPECT_FALSE(c.ok());
  ASSERT_FALSE(c.diagnostics.all().empty());
  EXPECT_EQ(c.diagnostics.all()[0].message, "types nested more than 64 levels deep");

  // Just inside the limit is fine: the top-level struct plus 63 inline levels.
  std::string ok = "struct s { ";
  for (int i = 1; i < kMaxNestingDepth; ++i) ok += "union switch (int k) { case 1: ";
  ok += "int leaf;";
  for (int i = 1; i < kMaxNestingDepth; ++i) ok += " } u;";
  ok += " };";
  Contract fine = read_contract_text("ok.x", ok);
  EXPECT_TRUE(fine.ok()) << format(fine.diagnostics, fine.sources);
}

}  // namespace
}  // namespace nelson::gen
