// gen::CppModel — what the emitters need to know about a contract beyond its tree: which
// name is which kind of definition, the C++ spelling of every type, which optional-data
// declarations own their target through std::unique_ptr (the target is not complete where
// the pointer is declared: a self-reference or a forward reference) and which structs are
// linked lists (their last member is such a pointer to the struct itself), and which
// variable-length opaque/string declarations are views (select_views, gen/cpp_views.cpp).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "gen/ast.hpp"

namespace nelson::gen {

/// The declarations directly inside an inline or named body: a struct's members, a union's
/// discriminant, arms and default.
[[nodiscard]] std::vector<const Declaration*> declarations_of(const TypeSpec& t);

class CppModel {
 public:
  enum class Kind : std::uint8_t { none, enum_, struct_, union_, typedef_ };

  explicit CppModel(const Specification& spec);

  [[nodiscard]] Kind kind(const std::string& name) const;
  [[nodiscard]] const Declaration* typedef_of(const std::string& name) const;
  [[nodiscard]] const EnumBody* enum_of(const std::string& name) const;
  [[nodiscard]] const StructBody* struct_of(const std::string& name) const;

  /// The name of a C++ type written for an inline `struct {..}`, `enum {..}` or `union ..`.
  [[nodiscard]] std::string inline_name(const TypeSpec& t) const;
  /// The inline types declared inside `decls` (and inside those), innermost first: the
  /// order in which to write them before the type that holds them.
  [[nodiscard]] std::vector<const TypeSpec*> nested_inline(const std::vector<const Declaration*>& decls) const;

  /// The C++ type of a single item of `t` (not an array or optional).
  [[nodiscard]] std::string item_type(const TypeSpec& t, bool qualify = false) const;
  /// The C++ type of a declaration (member, arm, typedef).
  [[nodiscard]] std::string decl_type(const Declaration& d, bool qualify = false) const;
  /// The type `t` names after following typedefs that are plain aliases (`typedef foo bar;`).
  [[nodiscard]] const TypeSpec& resolve(const TypeSpec& t) const;
  /// True for int/unsigned/hyper/float/double items: arrays of them go through xdr::simd.
  [[nodiscard]] bool bulk(const TypeSpec& t) const;
  /// True when `d` (an optional, or an alias of one) is a std::unique_ptr.
  [[nodiscard]] bool owning(const Declaration& d) const;
  /// The struct `d` points to when it is an owning optional (directly or through a typedef).
  [[nodiscard]] std::optional<std::string> owned_target(const Declaration& d) const;
  /// True when a struct or union of that name is held through a std::unique_ptr somewhere: the
  /// only way a type can contain itself, so its decode() guards its nesting depth.
  [[nodiscard]] bool nests(const std::string& name) const { return owned_targets_.contains(name); }
  /// True when the last member of struct `name` owns the next struct of a list.
  [[nodiscard]] bool is_chain(const std::string& name, const StructBody& body) const;
  /// True when a struct or union of that name is used before its definition.
  [[nodiscard]] const std::set<std::string>& forward_declared() const { return forward_; }
  /// The qualifier (`::ns::`) to put before file type names when `qualify` is asked for.
  void set_namespace(std::string ns) { namespace_ = std::move(ns); }
  [[nodiscard]] const std::string& namespace_name() const { return namespace_; }

  /// Makes views (std::span<const std::byte>, std::string_view) of the variable-length
  /// `opaque<>` and `string<>` declarations, and of scalar `netobj` ones, of every type (`all`)
  /// or of the typedefs, structs and unions named (their own members and arms, with the inline
  /// types declared inside them, not the named types they use). Returns the names that are
  /// none of those kinds.
  [[nodiscard]] std::vector<std::string> select_views(bool all, const std::vector<std::string>& names);
  /// True when `d` is decoded as a view into the decoder's input.
  [[nodiscard]] bool view(const Declaration& d) const { return views_.contains(&d); }
  [[nodiscard]] bool has_views() const { return !views_.empty(); }

  /// The maximum of a variable-length declaration: a constant's name, a number or kUnbounded.
  [[nodiscard]] std::string bound(const Declaration& d) const;
  /// A fixed size: a constant's name or a number.
  [[nodiscard]] std::string size(const Declaration& d) const;
  /// The case label for `v` when switching on a discriminant of type `t`.
  [[nodiscard]] std::string label(const TypeSpec& t, const Value& v) const;
  /// The expression a switch on a discriminant of type `t` switches on.
  [[nodiscard]] std::string switch_on(const TypeSpec& t, const std::string& x) const;
  /// Whether the file has a type named `name` (member names that equal one get qualified types).
  [[nodiscard]] bool is_type_name(const std::string& name) const { return kinds_.contains(name); }

 private:
  void analyse(const TypeSpec& t, const std::string& outer, const std::string& member);
  void analyse_decl(const Declaration& d, const std::string& outer);
  void make_views(const Declaration& d);
  [[nodiscard]] std::string value(const Value& v) const;

  std::map<std::string, Kind> kinds_;
  std::map<std::string, const Declaration*> typedefs_;
  std::map<std::string, const EnumBody*> enums_;
  std::map<std::string, const StructBody*> structs_;
  std::set<std::string> constants_;
  std::map<const TypeSpec*, std::string> inline_names_;
  std::set<const Declaration*> owning_;
  std::set<std::string> owned_targets_;
  std::set<const Declaration*> views_;
  const Specification* spec_;
  std::set<std::string> complete_;
  std::set<std::string> forward_;
  std::string namespace_;
};

}  // namespace nelson::gen
