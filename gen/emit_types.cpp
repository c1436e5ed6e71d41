// The type half of the generated header: constants, forward declarations, enums, typedefs,
// structs and unions, in file order (an inline `struct { ... } x;` member becomes a struct
// named `outer_x`, written just before its holder).
//
// Unions are structs holding the discriminant and a std::variant of the arms:
// alternative 0 is std::monostate (every `void` arm), alternative i + 1 is the i-th non-void
// arm (shared case labels give one alternative), the default arm's last. Each non-void arm
// has an accessor named after it that returns null unless the arm is active, and select()
// sets the discriminant and default-constructs the matching arm. The encoder refuses a
// union whose discriminant and active alternative disagree (Errc::bad_discriminant).
#include <charconv>
#include <cstdint>
#include <limits>

#include "gen/cpp_names.hpp"
#include "gen/emit_parts.hpp"

namespace nelson::gen {

namespace {

TypeUnit unit_of_inline(const TypeSpec& t, std::string name) {
  TypeUnit u;
  u.name = std::move(name);
  if (t.enum_body) {
    u.kind = TypeUnit::Kind::enum_;
    u.enum_body = t.enum_body.get();
  } else if (t.struct_body) {
    u.kind = TypeUnit::Kind::struct_;
    u.struct_body = t.struct_body.get();
  } else {
    u.kind = TypeUnit::Kind::union_;
    u.union_body = t.union_body.get();
  }
  return u;
}

std::vector<const Declaration*> pointers(const std::vector<Declaration>& decls) {
  std::vector<const Declaration*> out;
  out.reserve(decls.size());
  for (const Declaration& d : decls) out.push_back(&d);
  return out;
}

std::vector<const Declaration*> union_declarations(const UnionBody& u) {
  std::vector<const Declaration*> out{&u.discriminant};
  for (const UnionArm& arm : u.arms) out.push_back(&arm.declaration);
  if (u.default_arm) out.push_back(&*u.default_arm);
  return out;
}

std::vector<TypeUnit> units_of(const Definition& def, const CppModel& model) {
  std::vector<TypeUnit> out;
  auto nested = [&](const std::vector<const Declaration*>& decls) {
    for (const TypeSpec* t : model.nested_inline(decls)) out.push_back(unit_of_inline(*t, model.inline_name(*t)));
  };
  if (const auto* e = std::get_if<EnumDef>(&def)) {
    out.push_back({.kind = TypeUnit::Kind::enum_, .name = cpp_identifier(e->name), .enum_body = &e->body});
  } else if (const auto* s = std::get_if<StructDef>(&def)) {
    nested(pointers(s->body.members));
    out.push_back({.kind = TypeUnit::Kind::struct_, .name = cpp_identifier(s->name), .struct_body = &s->body});
  } else if (const auto* u = std::get_if<UnionDef>(&def)) {
    nested(union_declarations(u->body));
    out.push_back({.kind = TypeUnit::Kind::union_, .name = cpp_identifier(u->name), .union_body = &u->body});
  } else if (const auto* t = std::get_if<TypedefDef>(&def)) {
    const Declaration& d = t->declaration;
    if (model.typedef_of(d.name) != &d) return out;  // `typedef struct foo foo;`
    if (d.type.enum_body || d.type.struct_body || d.type.union_body) {
      std::vector<const Declaration*> inner;
      if (d.type.struct_body) inner = pointers(d.type.struct_body->members);
      if (d.type.union_body) inner = union_declarations(*d.type.union_body);
      nested(inner);
      out.push_back(unit_of_inline(d.type, cpp_identifier(d.name)));
    } else {
      out.push_back({.kind = TypeUnit::Kind::typedef_, .name = cpp_identifier(d.name), .typedef_decl = &d});
    }
  }
  return out;
}

std::string number_constant(const std::string& name, std::int64_t v) {
  const char* type = "std::int64_t";
  if (v >= 0 && v <= std::numeric_limits<std::uint32_t>::max()) {
    type = "std::uint32_t";
  } else if (v >= std::numeric_limits<std::int32_t>::min() && v < 0) {
    type = "std::int32_t";
  }
  // A system header may define a macro of the same name (rex.x has `const SIGINT = 2;` and
  // <csignal> comes with the client and server headers): suspended for the declaration.
  const std::string id = cpp_identifier(name);
  return "#pragma push_macro(\"" + id + "\")\n#undef " + id + "\ninline constexpr " + std::string(type) + " " + id +
         " = " + std::to_string(v) + ";\n#pragma pop_macro(\"" + id + "\")\n";
}

// `#define NAME 123` (decimal, 0x hex, 0 octal, optional '-') in a `%` line; else nothing.
std::string define_constant(std::string_view text) {
  auto skip_space = [&] {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  };
  skip_space();
  if (!text.starts_with("#")) return {};
  text.remove_prefix(1);
  skip_space();
  if (!text.starts_with("define")) return {};
  text.remove_prefix(6);
  skip_space();
  std::size_t n = 0;
  while (n < text.size() && (std::isalnum(static_cast<unsigned char>(text[n])) != 0 || text[n] == '_')) ++n;
  if (n == 0 || std::isdigit(static_cast<unsigned char>(text[0])) != 0) return {};
  const std::string name(text.substr(0, n));
  text.remove_prefix(n);
  skip_space();
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  const bool negative = text.starts_with("-");
  if (negative) text.remove_prefix(1);
  int base = 10;
  if (text.starts_with("0x") || text.starts_with("0X")) {
    base = 16;
    text.remove_prefix(2);
  } else if (text.size() > 1 && text.starts_with("0")) {
    base = 8;
    text.remove_prefix(1);
  }
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v, base);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return {};
  return number_constant(name, negative ? -v : v);
}

std::string quoted_string(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// `{}` for numbers and fixed arrays, the first enumerator for enums, nothing for classes.
std::string initializer(const Declaration& d, const CppModel& model) {
  if (d.kind == Declaration::Kind::fixed_array) return "{}";
  if (d.kind != Declaration::Kind::scalar) return "";
  const TypeSpec& r = model.resolve(d.type);
  if (r.kind == TypeSpec::Kind::builtin) return "{}";
  const EnumBody* body = r.kind == TypeSpec::Kind::inline_enum ? r.enum_body.get() : nullptr;
  if (r.kind == TypeSpec::Kind::named && r.origin == TypeSpec::Origin::file) body = model.enum_of(r.name);
  if (body != nullptr && !body->enumerators.empty()) {
    return " = " + model.item_type(r) + "::" + cpp_identifier(body->enumerators.front().name);
  }
  return "";
}

std::string member(const Declaration& d, const CppModel& model) {
  // A member named like a type would change what that name means inside the struct.
  const std::string type = model.decl_type(d, model.is_type_name(d.name));
  const std::string init = initializer(d, model);
  return "  " + type + " " + cpp_identifier(d.name) + (init == "{}" ? "{}" : init) + ";\n";
}

std::string emit_enum(const TypeUnit& u) {
  std::string out = "enum class " + u.name + " : std::int32_t {\n";
  for (const Enumerator& e : u.enum_body->enumerators) {
    out += "  " + cpp_identifier(e.name) + " = " + std::to_string(e.resolved.value_or(0)) + ",\n";
  }
  return out + "};\n";
}

std::string emit_typedef(const TypeUnit& u, const CppModel& model) {
  const Declaration& d = *u.typedef_decl;
  std::string out = "using " + u.name + " = " + model.decl_type(d) + ";";
  if (d.kind == Declaration::Kind::variable_array && d.size) out += "  // at most " + model.bound(d);
  return out + "\n";
}

std::string emit_struct(const TypeUnit& u, const CppModel& model) {
  std::string out = "struct " + u.name + " {\n";
  for (const Declaration& m : u.struct_body->members) out += member(m, model);
  if (model.is_chain(u.name, *u.struct_body)) {
    const std::string& n = u.name;
    const std::string next = cpp_identifier(u.struct_body->members.back().name);
    out += "\n  " + n + "() = default;\n";
    out += "  " + n + "(" + n + "&&) noexcept = default;\n";
    out += "  " + n + "& operator=(" + n + "&&) noexcept = default;\n";
    out += "  /// Frees the list one node at a time: the implicit destructor would recurse once per node.\n";
    out += "  ~" + n + "();\n";
    out += "};\n\n";
    out += "inline " + n + "::~" + n + "() {\n";
    out += "  for (auto next_ = std::move(" + next + "); next_ != nullptr;) next_ = std::move(next_->" + next + ");\n";
    return out + "}\n";
  }
  return out + "};\n";
}

std::string emit_union(const TypeUnit& u, const CppModel& model) {
  const UnionBody& body = *u.union_body;
  const std::vector<const Declaration*> alts = union_alternatives(body);
  std::string variant = "std::variant<std::monostate";
  for (const Declaration* a : alts) variant += ", " + model.decl_type(*a, model.is_type_name(a->name));
  variant += ">";
  // The default value: the first arm with its first label, or the default arm.
  std::string disc_init = "{}";
  std::size_t first_index = 0;
  if (!body.arms.empty()) {
    disc_init = " = " + model.label(body.discriminant.type, body.arms.front().labels.front());
    for (std::size_t i = 0; i < alts.size(); ++i) {
      if (alts[i] == &body.arms.front().declaration) first_index = i + 1;
    }
  } else if (body.default_arm && body.default_arm->kind != Declaration::Kind::void_) {
    first_index = alts.size();
  }
  const std::string disc_type = model.decl_type(body.discriminant, model.is_type_name(body.discriminant.name));
  const std::string disc = cpp_identifier(body.discriminant.name);
  std::string out = "struct " + u.name + " {\n";
  out += "  " + disc_type + " " + disc + (disc_init == "{}" ? "{}" : disc_init) + ";\n";
  out +=
      "  " + variant + " " + variant_member(u.name) + "{std::in_place_index<" + std::to_string(first_index) + ">};\n";
  for (std::size_t i = 0; i < alts.size(); ++i) {
    const Declaration& a = *alts[i];
    std::string when;
    for (const UnionArm& arm : body.arms) {
      if (&arm.declaration != &a) continue;
      for (const Value& v : arm.labels) when += (when.empty() ? "" : ", ") + model.label(body.discriminant.type, v);
    }
    if (when.empty()) when = "no other case";
    const std::string type = model.decl_type(a, model.is_type_name(a.name));
    const std::string index = std::to_string(i + 1);
    const std::string accessor = arm_accessor(u.name, a.name);
    const std::string get = "{ return std::get_if<" + index + ">(&" + variant_member(u.name) + "); }\n";
    out.append("\n  /// The `").append(a.name).append("` arm, when `").append(disc).append("` is ").append(when);
    out.append("; null otherwise.\n");
    out.append("  [[nodiscard]] ").append(type).append("* ").append(accessor).append("() noexcept ").append(get);
    out.append("  [[nodiscard]] const ").append(type).append("* ").append(accessor).append("() const noexcept ");
    out.append(get);
  }
  out += "\n  /// Sets `" + disc + "` and default-constructs the arm it selects.\n";
  out += "  void select(" + disc_type + " value);\n";
  return out + "};\n";
}

}  // namespace

std::string variant_member(const std::string& union_name) { return union_name + "_u"; }

std::string arm_accessor(const std::string& union_name, const std::string& arm) {
  // nfs_prot.x has `union diropres switch (...) { case NFS_OK: diropokres diropres; ... }`: an
  // accessor named like its class would be a constructor.
  std::string name = cpp_identifier(arm);
  if (name == union_name || name == "select" || name == variant_member(union_name)) name += '_';
  return name;
}

std::vector<const Declaration*> union_alternatives(const UnionBody& u) {
  std::vector<const Declaration*> out;
  for (const UnionArm& arm : u.arms) {
    if (arm.declaration.kind != Declaration::Kind::void_) out.push_back(&arm.declaration);
  }
  if (u.default_arm && u.default_arm->kind != Declaration::Kind::void_) out.push_back(&*u.default_arm);
  return out;
}

std::vector<TypeUnit> type_units(const Specification& spec, const CppModel& model) {
  std::vector<TypeUnit> out;
  for (const Definition& def : spec.definitions) {
    for (TypeUnit& u : units_of(def, model)) out.push_back(std::move(u));
  }
  return out;
}

std::string emit_types(const Specification& spec, const CppModel& model, const EmitOptions& options) {
  std::string out;
  if (model.has_views()) {
    out += "// Views: the std::span<const std::byte> and std::string_view members below point into the\n";
    out += "// bytes decode() read (no copy). A decoded value holding them is valid only while those\n";
    out += "// bytes are: copy out what must outlive the receive buffer. encode() writes from them.\n\n";
  }
  if (!model.forward_declared().empty()) {
    for (const std::string& name : model.forward_declared()) out += "struct " + cpp_identifier(name) + ";\n";
    out += "\n";
  }
  bool chains = false;
  bool nesting = false;
  for (const Definition& def : spec.definitions) {
    if (const auto* c = std::get_if<ConstDef>(&def)) {
      if (c->string) {
        out += "inline constexpr std::string_view " + cpp_identifier(c->name) + " = " + quoted_string(*c->string) +
               ";\n\n";
      } else {
        out += number_constant(c->name, c->value.resolved.value_or(c->value.literal)) + "\n";
      }
      continue;
    }
    if (const auto* p = std::get_if<Passthrough>(&def)) {
      // The other `%` lines are C for rpcgen's output and mean nothing here.
      if (const std::string constant = define_constant(p->text); !constant.empty()) out += constant + "\n";
      continue;
    }
    for (const TypeUnit& u : units_of(def, model)) {
      switch (u.kind) {
        case TypeUnit::Kind::enum_: out += emit_enum(u); break;
        case TypeUnit::Kind::typedef_: out += emit_typedef(u, model); break;
        case TypeUnit::Kind::struct_:
          out += emit_struct(u, model);
          chains = chains || model.is_chain(u.name, *u.struct_body);
          nesting = nesting || model.nests(u.name);
          break;
        case TypeUnit::Kind::union_:
          out += emit_union(u, model);
          nesting = nesting || model.nests(u.name);
          break;
      }
      out += "\n";
    }
  }
  if (nesting) {
    out += "/// How deep decode() lets types nest through owning pointers (a tree: `node *left;`): deeper\n";
    out += "/// messages fail with Errc::too_deep instead of overflowing the stack.\n";
    out += "inline constexpr std::uint32_t kMaxNestingDepth = " + std::to_string(options.max_depth) + ";\n\n";
  }
  if (chains) {
    out += "/// How many nodes decode() accepts in one linked list (`entry *next` chains) unless told.\n";
    out += "inline constexpr std::size_t kMaxChainLength = " + std::to_string(options.max_chain) + ";\n\n";
  }
  return out;
}

}  // namespace nelson::gen
