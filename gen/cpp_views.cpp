// CppModel::select_views — which `opaque<>` / `string<>` declarations nelson-gen writes as views
// (`--views`, `--view NAME`). A view is a std::span<const std::byte> or std::string_view that
// decode() points into the decoder's input instead of copying: no allocation and no copy, but
// the value is only valid while those input bytes are.
//
// Per type, the choice belongs to the definition that declares the bytes: `--view entry` makes
// `entry`'s own `string name<>` a view, and also those of the inline `struct { ... }` types
// written inside `entry` (they have no name of their own in the contract), but not those of
// another named type entry uses: a member `filename3 name;` is a view only when the typedef
// filename3 is. So one type's choice never changes another type's C++, and the same C++ type
// means the same thing everywhere it is used.
#include <algorithm>

#include "gen/cpp_model.hpp"

namespace nelson::gen {

namespace {

bool is_variable_bytes(const Declaration& d) {
  if (d.type.kind == TypeSpec::Kind::builtin) {
    return d.kind == Declaration::Kind::variable_array &&
           (d.type.builtin == Builtin::opaque || d.type.builtin == Builtin::string);
  }
  // rpcgen's library `netobj` is opaque<1024>; only a plain member of that type becomes a view.
  return d.kind == Declaration::Kind::scalar && d.type.kind == TypeSpec::Kind::named &&
         d.type.origin == TypeSpec::Origin::library && d.type.name != "des_block";
}

}  // namespace

void CppModel::make_views(const Declaration& d) {
  if (is_variable_bytes(d)) views_.insert(&d);
  for (const Declaration* inner : declarations_of(d.type)) make_views(*inner);
}

std::vector<std::string> CppModel::select_views(bool all, const std::vector<std::string>& names) {
  std::vector<std::string> unknown;
  for (const std::string& name : names) {
    const Kind k = kind(name);
    if (k != Kind::struct_ && k != Kind::union_ && k != Kind::typedef_) unknown.push_back(name);
  }
  for (const Definition& def : spec_->definitions) {
    auto chosen = [&](const std::string& name) {
      return all || std::find(names.begin(), names.end(), name) != names.end();
    };
    if (const auto* s = std::get_if<StructDef>(&def)) {
      if (!chosen(s->name)) continue;
      for (const Declaration& m : s->body.members) make_views(m);
    } else if (const auto* u = std::get_if<UnionDef>(&def)) {
      if (!chosen(u->name)) continue;
      make_views(u->body.discriminant);
      for (const UnionArm& arm : u->body.arms) make_views(arm.declaration);
      if (u->body.default_arm) make_views(*u->body.default_arm);
    } else if (const auto* t = std::get_if<TypedefDef>(&def)) {
      if (chosen(t->declaration.name)) make_views(t->declaration);
    }
  }
  return unknown;
}

}  // namespace nelson::gen
