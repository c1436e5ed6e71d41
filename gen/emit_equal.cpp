// operator== for every generated struct and union, equal_X for every typedef X: value equality,
// member by member through xdr::equal (xdr/equal.hpp), which compares views by their bytes and
// owning pointers by what they point to. A linked list (a struct whose last member owns the
// next node) is compared in a loop, as it is encoded, decoded and freed: a million-node list
// must not take a million stack frames. A union compares its discriminant, then the arm.
#include "gen/cpp_names.hpp"
#include "gen/emit_parts.hpp"

namespace nelson::gen {

namespace {

// `xdr::equal(a.m, b.m) && ...` over `members` (all but the last when `but_last`), one per line
// after the first, each line indented by `in`.
std::string members_equal(const std::vector<Declaration>& members, const std::string& a, const std::string& b,
                          bool but_last, const std::string& in) {
  std::string out;
  const std::size_t n = but_last ? members.size() - 1 : members.size();
  for (std::size_t i = 0; i < n; ++i) {
    const std::string m = cpp_identifier(members[i].name);
    if (!out.empty()) out += " &&\n" + in;
    out.append("xdr::equal(").append(a).append(m).append(", ").append(b).append(m).append(")");
  }
  return out.empty() ? "true" : out;
}

std::string struct_equal(const TypeUnit& u, const CppModel& model, const std::string& head) {
  const std::vector<Declaration>& members = u.struct_body->members;
  if (!model.is_chain(u.name, *u.struct_body)) {
    return head + " {\n  return " + members_equal(members, "a.", "b.", false, "         ") + ";\n}\n";
  }
  const std::string next = cpp_identifier(members.back().name);
  std::string out = head + " {\n";
  out +=
      "  for (const " + u.name + " *x_ = &a, *y_ = &b;; x_ = x_->" + next + ".get(), y_ = y_->" + next + ".get()) {\n";
  if (members.size() > 1)
    out += "    if (!(" + members_equal(members, "x_->", "y_->", true, "          ") + ")) return false;\n";
  out += "    if ((x_->" + next + " == nullptr) != (y_->" + next + " == nullptr)) return false;\n";
  out += "    if (x_->" + next + " == nullptr) return true;\n  }\n}\n";
  return out;
}

std::string union_equal(const TypeUnit& u, const std::string& head) {
  const UnionBody& body = *u.union_body;
  const std::size_t arms = union_alternatives(body).size();
  const std::string disc = cpp_identifier(body.discriminant.name);
  const std::string var = variant_member(u.name);
  std::string out = head + " {\n";
  out += "  if (a." + disc + " != b." + disc + " || a." + var + ".index() != b." + var + ".index()) return false;\n";
  if (arms == 0) return out + "  return true;\n}\n";
  out += "  switch (a." + var + ".index()) {\n";
  for (std::size_t i = 1; i <= arms; ++i) {
    const std::string get = "std::get_if<" + std::to_string(i) + ">(&";
    out.append("    case ").append(std::to_string(i)).append(":\n      return xdr::equal(*").append(get);
    out.append("a.").append(var).append("), *").append(get).append("b.").append(var).append("));\n");
  }
  return out + "    default:\n      return true;  // a void arm\n  }\n}\n";
}

}  // namespace

std::string equality_declaration(const TypeUnit& u, const std::string& fn) {
  switch (u.kind) {
    case TypeUnit::Kind::enum_: return "";
    case TypeUnit::Kind::typedef_:
      return "/// Value equality (xdr/equal.hpp).\n[[nodiscard]] " + fn + "bool equal_" + u.name + "(const " + u.name +
             "& a, const " + u.name + "& b);\n";
    case TypeUnit::Kind::struct_:
    case TypeUnit::Kind::union_:
      return "/// Value equality, member by member (xdr/equal.hpp).\n[[nodiscard]] " + fn + "bool operator==(const " +
             u.name + "& a, const " + u.name + "& b);\n";
  }
  return "";
}

std::string equality_definition(const TypeUnit& u, const CppModel& model, const std::string& fn) {
  const std::string args = "(const " + u.name + "& a, const " + u.name + "& b)";
  switch (u.kind) {
    case TypeUnit::Kind::enum_: return "";
    case TypeUnit::Kind::typedef_: return fn + "bool equal_" + u.name + args + " { return xdr::equal(a, b); }\n\n";
    case TypeUnit::Kind::struct_: return struct_equal(u, model, fn + "bool operator==" + args) + "\n";
    case TypeUnit::Kind::union_: return union_equal(u, fn + "bool operator==" + args) + "\n";
  }
  return "";
}

}  // namespace nelson::gen
