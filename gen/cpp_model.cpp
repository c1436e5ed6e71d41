#include "gen/cpp_model.hpp"

#include <utility>

#include "gen/cpp_names.hpp"

namespace nelson::gen {

std::vector<const Declaration*> declarations_of(const TypeSpec& t) {
  std::vector<const Declaration*> out;
  if (t.struct_body) {
    for (const Declaration& m : t.struct_body->members) out.push_back(&m);
  }
  if (t.union_body) {
    out.push_back(&t.union_body->discriminant);
    for (const UnionArm& arm : t.union_body->arms) out.push_back(&arm.declaration);
    if (t.union_body->default_arm) out.push_back(&*t.union_body->default_arm);
  }
  return out;
}

namespace {

bool is_inline(const TypeSpec& t) {
  return t.kind == TypeSpec::Kind::inline_enum || t.kind == TypeSpec::Kind::inline_struct ||
         t.kind == TypeSpec::Kind::inline_union;
}

}  // namespace

CppModel::CppModel(const Specification& spec) : spec_(&spec) {
  // First every name, since a pointer may name a struct defined further down.
  for (const Definition& def : spec.definitions) {
    if (const auto* c = std::get_if<ConstDef>(&def)) {
      constants_.insert(c->name);
    } else if (const auto* e = std::get_if<EnumDef>(&def)) {
      kinds_[e->name] = Kind::enum_;
      enums_[e->name] = &e->body;
    } else if (const auto* s = std::get_if<StructDef>(&def)) {
      kinds_[s->name] = Kind::struct_;
      structs_[s->name] = &s->body;
    } else if (const auto* u = std::get_if<UnionDef>(&def)) {
      kinds_[u->name] = Kind::union_;
    } else if (const auto* t = std::get_if<TypedefDef>(&def)) {
      const Declaration& d = t->declaration;
      if (d.kind == Declaration::Kind::scalar && d.type.kind == TypeSpec::Kind::named && d.type.name == d.name)
        continue;
      kinds_[d.name] = Kind::typedef_;
      typedefs_[d.name] = &d;
    }
  }
  // Then in file order, to see which pointers point to what is not complete yet.
  for (const Definition& def : spec.definitions) {
    if (const auto* e = std::get_if<EnumDef>(&def)) {
      complete_.insert(e->name);
    } else if (const auto* s = std::get_if<StructDef>(&def)) {
      for (const Declaration& m : s->body.members) analyse_decl(m, s->name);
      complete_.insert(s->name);
    } else if (const auto* u = std::get_if<UnionDef>(&def)) {
      analyse_decl(u->body.discriminant, u->name);
      for (const UnionArm& arm : u->body.arms) analyse_decl(arm.declaration, u->name);
      if (u->body.default_arm) analyse_decl(*u->body.default_arm, u->name);
      complete_.insert(u->name);
    } else if (const auto* t = std::get_if<TypedefDef>(&def)) {
      const Declaration& d = t->declaration;
      if (!typedefs_.contains(d.name)) continue;
      if (is_inline(d.type)) {
        // `typedef struct { ... } foo;` is the struct foo itself.
        inline_names_[&d.type] = d.name;
        for (const Declaration* inner : declarations_of(d.type)) analyse_decl(*inner, d.name);
      } else {
        analyse_decl(d, "");
      }
      complete_.insert(d.name);
    }
  }
}

void CppModel::analyse(const TypeSpec& t, const std::string& outer, const std::string& member) {
  if (!is_inline(t)) return;
  const std::string name = outer + "_" + member;
  inline_names_[&t] = name;
  for (const Declaration* inner : declarations_of(t)) analyse_decl(*inner, name);
  complete_.insert(name);
}

void CppModel::analyse_decl(const Declaration& d, const std::string& outer) {
  analyse(d.type, outer, d.name.empty() ? "arm" : d.name);
  if (d.kind != Declaration::Kind::optional) return;
  const TypeSpec& target = resolve(d.type);
  if (target.kind != TypeSpec::Kind::named || target.origin != TypeSpec::Origin::file) return;
  const Kind k = kind(target.name);
  if ((k == Kind::struct_ || k == Kind::union_) && !complete_.contains(target.name)) {
    owning_.insert(&d);
    owned_targets_.insert(target.name);
    if (target.name != outer) forward_.insert(target.name);
  }
}

CppModel::Kind CppModel::kind(const std::string& name) const {
  const auto it = kinds_.find(name);
  return it == kinds_.end() ? Kind::none : it->second;
}

const Declaration* CppModel::typedef_of(const std::string& name) const {
  const auto it = typedefs_.find(name);
  return it == typedefs_.end() ? nullptr : it->second;
}

const EnumBody* CppModel::enum_of(const std::string& name) const {
  const auto it = enums_.find(name);
  return it == enums_.end() ? nullptr : it->second;
}

const StructBody* CppModel::struct_of(const std::string& name) const {
  const auto it = structs_.find(name);
  return it == structs_.end() ? nullptr : it->second;
}

std::string CppModel::inline_name(const TypeSpec& t) const {
  const auto it = inline_names_.find(&t);
  return it == inline_names_.end() ? std::string("/* unnamed */") : cpp_identifier(it->second);
}

std::vector<const TypeSpec*> CppModel::nested_inline(const std::vector<const Declaration*>& decls) const {
  std::vector<const TypeSpec*> out;
  for (const Declaration* d : decls) {
    if (!is_inline(d->type)) continue;
    for (const TypeSpec* inner : nested_inline(declarations_of(d->type))) out.push_back(inner);
    out.push_back(&d->type);
  }
  return out;
}

std::string CppModel::item_type(const TypeSpec& t, bool qualify) const {
  switch (t.kind) {
    case TypeSpec::Kind::inline_enum:
    case TypeSpec::Kind::inline_struct:
    case TypeSpec::Kind::inline_union: return (qualify ? "::" + namespace_ + "::" : "") + inline_name(t);
    case TypeSpec::Kind::named:
      if (t.origin == TypeSpec::Origin::library) {
        return t.name == "des_block" ? "std::array<std::byte, 8>" : "std::vector<std::byte>";
      }
      if (t.origin == TypeSpec::Origin::external) return cpp_identifier(t.name);
      return (qualify ? "::" + namespace_ + "::" : "") + cpp_identifier(t.name);
    case TypeSpec::Kind::builtin: break;
  }
  switch (t.builtin) {
    case Builtin::int_:
    case Builtin::char_:
    case Builtin::short_:
    case Builtin::long_: return "std::int32_t";
    case Builtin::unsigned_int:
    case Builtin::unsigned_char:
    case Builtin::unsigned_short:
    case Builtin::unsigned_long: return "std::uint32_t";
    case Builtin::hyper: return "std::int64_t";
    case Builtin::unsigned_hyper: return "std::uint64_t";
    case Builtin::float_: return "float";
    case Builtin::double_: return "double";
    case Builtin::quadruple: return "xdr::Quadruple";
    case Builtin::bool_: return "bool";
    case Builtin::opaque: return "std::byte";
    case Builtin::string: return "std::string";
    case Builtin::void_: return "xdr::Void";
  }
  return "void";
}

std::string CppModel::decl_type(const Declaration& d, bool qualify) const {
  const bool opaque = d.type.kind == TypeSpec::Kind::builtin && d.type.builtin == Builtin::opaque;
  const bool string = d.type.kind == TypeSpec::Kind::builtin && d.type.builtin == Builtin::string;
  switch (d.kind) {
    case Declaration::Kind::void_: return "std::monostate";
    case Declaration::Kind::scalar:
      if (view(d)) return "std::span<const std::byte>";  // netobj
      return item_type(d.type, qualify);
    case Declaration::Kind::fixed_array:
      return "std::array<" + (opaque ? std::string("std::byte") : item_type(d.type, qualify)) + ", " + size(d) + ">";
    case Declaration::Kind::variable_array:
      if (string) return view(d) ? "std::string_view" : "std::string";
      if (opaque) return view(d) ? "std::span<const std::byte>" : "std::vector<std::byte>";
      return "std::vector<" + item_type(d.type, qualify) + ">";
    case Declaration::Kind::optional:
      return (owning(d) ? "std::unique_ptr<" : "std::optional<") + item_type(d.type, qualify) + ">";
  }
  return "void";
}

const TypeSpec& CppModel::resolve(const TypeSpec& t) const {
  const TypeSpec* at = &t;
  // A typedef cycle is impossible after check(); the bound only guards against surprises.
  for (int hops = 0; hops < 64 && at->kind == TypeSpec::Kind::named && at->origin == TypeSpec::Origin::file; ++hops) {
    const Declaration* d = typedef_of(at->name);
    if (d == nullptr || d->kind != Declaration::Kind::scalar || is_inline(d->type)) break;
    at = &d->type;
  }
  return *at;
}

bool CppModel::bulk(const TypeSpec& t) const {
  const TypeSpec& r = resolve(t);
  if (r.kind != TypeSpec::Kind::builtin) return false;
  switch (r.builtin) {
    case Builtin::quadruple:
    case Builtin::bool_:
    case Builtin::opaque:
    case Builtin::string:
    case Builtin::void_: return false;
    default: return true;
  }
}

bool CppModel::owning(const Declaration& d) const {
  if (d.kind == Declaration::Kind::optional) return owning_.contains(&d);
  if (d.kind != Declaration::Kind::scalar || d.type.kind != TypeSpec::Kind::named) return false;
  const Declaration* alias = typedef_of(d.type.name);
  return alias != nullptr && alias != &d && owning(*alias);
}

std::optional<std::string> CppModel::owned_target(const Declaration& d) const {
  if (!owning(d)) return std::nullopt;
  if (d.kind == Declaration::Kind::optional) return resolve(d.type).name;
  return owned_target(*typedef_of(d.type.name));
}

bool CppModel::is_chain(const std::string& name, const StructBody& body) const {
  return !body.members.empty() && owned_target(body.members.back()) == name;
}

std::string CppModel::value(const Value& v) const {
  if (!v.name.empty() && constants_.contains(v.name)) return cpp_identifier(v.name);
  return std::to_string(v.resolved.value_or(v.literal));
}

std::string CppModel::bound(const Declaration& d) const { return d.size ? value(*d.size) : "xdr::kUnbounded"; }

std::string CppModel::size(const Declaration& d) const { return d.size ? value(*d.size) : "0"; }

std::string CppModel::label(const TypeSpec& t, const Value& v) const {
  const TypeSpec& r = resolve(t);
  const std::int64_t n = v.resolved.value_or(v.literal);
  const EnumBody* body = nullptr;
  if (r.kind == TypeSpec::Kind::inline_enum) body = r.enum_body.get();
  if (r.kind == TypeSpec::Kind::named) body = enum_of(r.name);
  if (body != nullptr) {
    const std::string type = item_type(r);
    for (const Enumerator& e : body->enumerators) {
      if (e.name == v.name) return type + "::" + cpp_identifier(e.name);
    }
    for (const Enumerator& e : body->enumerators) {
      if (e.resolved == n) return type + "::" + cpp_identifier(e.name);
    }
    return "static_cast<" + type + ">(" + std::to_string(n) + ")";
  }
  if (r.kind == TypeSpec::Kind::builtin && r.builtin == Builtin::bool_) return n != 0 ? "1" : "0";
  if (item_type(r) == "std::uint32_t") return std::to_string(static_cast<std::uint32_t>(n)) + "U";
  return std::to_string(n);
}

std::string CppModel::switch_on(const TypeSpec& t, const std::string& x) const {
  const TypeSpec& r = resolve(t);
  if (r.kind == TypeSpec::Kind::builtin && r.builtin == Builtin::bool_) return "static_cast<int>(" + x + ")";
  return x;
}

}  // namespace nelson::gen
