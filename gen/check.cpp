#include "gen/check.hpp"

#include <array>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>

#include "gen/macro.hpp"

namespace nelson::gen {

namespace {

constexpr std::int64_t kUint32Max = 0xffff'ffff;
constexpr std::int64_t kInt32Min = std::numeric_limits<std::int32_t>::min();
constexpr std::int64_t kInt32Max = std::numeric_limits<std::int32_t>::max();
// Constants defined through constants: deeper chains are refused rather than recursed into.
constexpr int kMaxResolveDepth = 256;
// Typedefs followed to find what a union discriminant really is (typedef cycles end here).
constexpr int kMaxTypedefHops = 64;

struct Symbol {
  enum class Kind : std::uint8_t { constant, enumerator, type, program, predefined, macro };
  enum class TypeKind : std::uint8_t { typedef_, enum_, struct_, union_ };
  Kind kind = Kind::constant;
  Location location;
  ConstDef* constant = nullptr;   // Kind::constant
  EnumBody* enum_body = nullptr;  // Kind::enumerator, with its index
  std::size_t index = 0;
  TypeKind type_kind = TypeKind::typedef_;  // Kind::type
  const Declaration* typedef_declaration = nullptr;
  EnumBody* enum_definition = nullptr;  // Kind::type of TypeKind::enum_
  std::int64_t predefined_value = 0;    // Kind::predefined
  std::string macro_body;               // Kind::macro
};

Symbol symbol(Symbol::Kind kind, Location where) {
  Symbol s;
  s.kind = kind;
  s.location = where;
  return s;
}

enum class State : std::uint8_t { unresolved, resolving, resolved, failed };

class Checker {
 public:
  Checker(Specification& specification, Diagnostics& diagnostics)
      : specification_(specification), diagnostics_(diagnostics) {}

  bool run() {
    const std::size_t errors_before = diagnostics_.error_count();
    for (Definition& d : specification_.definitions) declare(d);
    for (const auto& [name, value] : {std::pair{"TRUE", 1}, std::pair{"FALSE", 0}, std::pair{"MAXNETNAMELEN", 255}}) {
      Symbol predefined = symbol(Symbol::Kind::predefined, {});
      predefined.predefined_value = value;
      symbols_.try_emplace(name, predefined);
    }
    for (Definition& d : specification_.definitions) {
      std::visit([this](auto& def) { check(def); }, d);
    }
    return diagnostics_.error_count() == errors_before;
  }

 private:
  // --- names ----------------------------------------------------------------------------
  void define(const std::string& name, const Symbol& symbol) {
    auto [it, inserted] = symbols_.try_emplace(name, symbol);
    if (inserted) return;
    diagnostics_.error(symbol.location, "redefinition of " + quoted(name));
    diagnostics_.note(it->second.location, "the previous definition is here");
  }

  void declare_type(const std::string& name, Location where, Symbol::TypeKind kind, const Declaration* decl = nullptr) {
    Symbol s = symbol(Symbol::Kind::type, where);
    s.type_kind = kind;
    s.typedef_declaration = decl;
    define(name, s);
  }

  void declare_enumerators(EnumBody& body) {
    for (std::size_t i = 0; i < body.enumerators.size(); ++i) {
      Symbol s = symbol(Symbol::Kind::enumerator, body.enumerators[i].location);
      s.enum_body = &body;
      s.index = i;
      define(body.enumerators[i].name, s);
    }
  }

  // Enumerators of inline enums are global names too, as in C.
  void declare_inline(TypeSpec& t) {
    if (t.enum_body) declare_enumerators(*t.enum_body);
    if (t.struct_body) {
      for (Declaration& m : t.struct_body->members) declare_inline(m.type);
    }
    if (t.union_body) declare_inline(*t.union_body);
  }

  void declare_inline(UnionBody& u) {
    declare_inline(u.discriminant.type);
    for (UnionArm& arm : u.arms) declare_inline(arm.declaration.type);
    if (u.default_arm) declare_inline(u.default_arm->type);
  }

  void declare(Definition& d) {
    if (auto* c = std::get_if<ConstDef>(&d)) {
      Symbol s = symbol(Symbol::Kind::constant, c->location);
      s.constant = c;
      define(c->name, s);
    } else if (auto* t = std::get_if<TypedefDef>(&d)) {
      const Declaration& decl = t->declaration;
      if (decl.kind == Declaration::Kind::scalar && decl.type.kind == TypeSpec::Kind::named &&
          decl.type.name == decl.name) {
        return;  // typedef struct foo foo;
      }
      declare_type(t->declaration.name, t->declaration.location, Symbol::TypeKind::typedef_, &t->declaration);
      declare_inline(t->declaration.type);
    } else if (auto* e = std::get_if<EnumDef>(&d)) {
      declare_type(e->name, e->location, Symbol::TypeKind::enum_);
      symbols_[e->name].enum_definition = &e->body;
      declare_enumerators(e->body);
    } else if (auto* s = std::get_if<StructDef>(&d)) {
      declare_type(s->name, s->location, Symbol::TypeKind::struct_);
      for (Declaration& m : s->body.members) declare_inline(m.type);
    } else if (auto* u = std::get_if<UnionDef>(&d)) {
      declare_type(u->name, u->location, Symbol::TypeKind::union_);
      declare_inline(u->body);
    } else if (auto* p = std::get_if<Program>(&d)) {
      define(p->name, symbol(Symbol::Kind::program, p->location));
    } else if (auto* pass = std::get_if<Passthrough>(&d)) {
      declare_macro(*pass);
    }
  }

  // `%#define NAME 1024`: a constant of the C output that real files use in sizes.
  void declare_macro(const Passthrough& p) {
    const std::string_view text = p.text;
    if (text.find_first_not_of(" \t") != std::string_view::npos &&
        text.substr(text.find_first_not_of(" \t")).starts_with("#include")) {
      has_c_include_ = true;
    }
    auto macro = parse_define(text);
    if (!macro) return;
    Symbol s = symbol(Symbol::Kind::macro, p.location);
    s.macro_body = std::string(macro->body);
    define(macro->name, s);
  }

  // --- constants ------------------------------------------------------------------------
  std::optional<std::int64_t> value_of(Value& v) {
    if (v.resolved) return v.resolved;
    if (v.name.empty()) return v.resolved = v.literal;
    const auto it = symbols_.find(v.name);
    if (it == symbols_.end()) {
      diagnostics_.error(v.location, "undefined constant " + quoted(v.name));
      return std::nullopt;
    }
    Symbol& s = it->second;
    switch (s.kind) {
      case Symbol::Kind::type: diagnostics_.error(v.location, quoted(v.name) + " is a type, not a constant"); break;
      case Symbol::Kind::program:
        diagnostics_.error(v.location, quoted(v.name) + " is a program, not a constant");
        break;
      case Symbol::Kind::predefined: v.resolved = s.predefined_value; break;
      case Symbol::Kind::constant:
        if (s.constant->string) {
          diagnostics_.error(v.location, quoted(v.name) + " is a string constant, not a number");
          break;
        }
        v.resolved = resolve_constant(*s.constant);
        break;
      case Symbol::Kind::enumerator: v.resolved = resolve_enumerator(*s.enum_body, s.index); break;
      case Symbol::Kind::macro:
        v.resolved = resolve_macro(s, v.name);
        if (!v.resolved) {
          diagnostics_.error(v.location, quoted(v.name) + " is a C macro whose value is not a constant expression");
        }
        break;
    }
    return v.resolved;
  }

  std::optional<std::int64_t> resolve_macro(Symbol& macro, const std::string& name) {
    if (!enter(&macro, macro.location, name)) return std::nullopt;
    auto lookup = [this](std::string_view word) -> std::optional<std::int64_t> {
      const auto it = symbols_.find(std::string(word));
      if (it == symbols_.end()) return std::nullopt;
      Symbol& s = it->second;
      switch (s.kind) {
        case Symbol::Kind::predefined: return s.predefined_value;
        case Symbol::Kind::constant: return s.constant->string ? std::nullopt : resolve_constant(*s.constant);
        case Symbol::Kind::enumerator: return resolve_enumerator(*s.enum_body, s.index);
        case Symbol::Kind::macro: return resolve_macro(s, it->first);
        default: return std::nullopt;
      }
    };
    return leave(&macro, evaluate(macro.macro_body, lookup));
  }

  // Marks `key` as being resolved; false (with an error) when it already is: a cycle.
  bool enter(const void* key, Location where, const std::string& name) {
    State& state = states_[key];
    if (state == State::resolving) {
      diagnostics_.error(where, quoted(name) + " is defined in terms of itself");
      state = State::failed;
      return false;
    }
    if (state == State::failed) return false;
    if (depth_ >= kMaxResolveDepth) {
      diagnostics_.error(where, quoted(name) + " is defined through more than " + std::to_string(kMaxResolveDepth) +
                                    " other constants");
      state = State::failed;
      return false;
    }
    state = State::resolving;
    ++depth_;
    return true;
  }

  std::optional<std::int64_t> leave(const void* key, std::optional<std::int64_t> result) {
    --depth_;
    State& state = states_[key];
    if (state == State::resolving) state = result ? State::resolved : State::failed;  // a cycle may have failed it
    return state == State::resolved ? result : std::nullopt;
  }

  std::optional<std::int64_t> resolve_constant(ConstDef& c) {
    if (c.value.resolved) return c.value.resolved;
    if (!enter(&c, c.location, c.name)) return std::nullopt;
    return leave(&c, value_of(c.value));
  }

  std::optional<std::int64_t> resolve_enumerator(EnumBody& body, std::size_t i) {
    Enumerator& e = body.enumerators[i];
    if (e.resolved) return e.resolved;
    if (e.value) {
      if (!enter(&e, e.location, e.name)) return std::nullopt;
      e.resolved = leave(&e, in_int_range(e, value_of(*e.value)));
      return e.resolved;
    }
    // No value: C numbering (previous + 1, the first is 0), as rpcgen's output gets it from
    // the C compiler. Walk back to a known value without recursing, then count forward.
    std::size_t first = i;
    while (first > 0 && !body.enumerators[first].value && !body.enumerators[first].resolved) --first;
    std::optional<std::int64_t> value =
        body.enumerators[first].value || body.enumerators[first].resolved ? resolve_enumerator(body, first) : 0;
    if (!body.enumerators[first].value && !body.enumerators[first].resolved) {
      body.enumerators[first].resolved = value;  // the first enumerator, implicitly 0
    }
    for (std::size_t k = first + 1; k <= i && value; ++k) {
      value = in_int_range(body.enumerators[k], *value + 1);
      body.enumerators[k].resolved = value;
    }
    return e.resolved;
  }

  std::optional<std::int64_t> in_int_range(const Enumerator& e, std::optional<std::int64_t> value) {
    if (value && (*value < kInt32Min || *value > kInt32Max)) {
      diagnostics_.error(e.value ? e.value->location : e.location,
                         "enumerator " + quoted(e.name) + " = " + std::to_string(*value) + " does not fit in an int");
      return std::nullopt;
    }
    return value;
  }

  // A value that must lie in 0..2^32-1 (sizes; program, version and procedure numbers).
  std::optional<std::uint32_t> unsigned_value(Value& v, std::string_view what) {
    const auto r = value_of(v);
    if (!r) return std::nullopt;
    if (*r < 0) {
      diagnostics_.error(v.location, std::string(what) + " must not be negative (it is " + std::to_string(*r) + ")");
      return std::nullopt;
    }
    if (*r > kUint32Max) {
      diagnostics_.error(v.location, std::string(what) + " " + std::to_string(*r) + " does not fit in 32 bits");
      return std::nullopt;
    }
    return static_cast<std::uint32_t>(*r);
  }

  // --- types ----------------------------------------------------------------------------
  void check_type(TypeSpec& t) {
    switch (t.kind) {
      case TypeSpec::Kind::builtin: return;
      case TypeSpec::Kind::inline_enum: check_enum(*t.enum_body); return;
      case TypeSpec::Kind::inline_struct: check_struct(*t.struct_body); return;
      case TypeSpec::Kind::inline_union: check_union(*t.union_body); return;
      case TypeSpec::Kind::named: break;
    }
    const auto it = symbols_.find(t.name);
    if (it != symbols_.end()) {
      if (it->second.kind != Symbol::Kind::type) {
        const bool program = it->second.kind == Symbol::Kind::program;
        diagnostics_.error(t.location,
                           quoted(t.name) + (program ? " is a program, not a type" : " is a constant, not a type"));
      }
      return;
    }
    if (t.name == "netobj" || t.name == "des_block") {
      t.origin = TypeSpec::Origin::library;
      return;
    }
    if (const auto builtin = library_type(t.name)) {
      t.kind = TypeSpec::Kind::builtin;
      t.builtin = *builtin;
      t.spelling = std::move(t.name);
      t.name.clear();
      return;
    }
    if (has_c_include_) {
      t.origin = TypeSpec::Origin::external;
      return;
    }
    diagnostics_.error(t.location, "unknown type " + quoted(t.name));
  }

  void check_declaration(Declaration& d) {
    check_type(d.type);
    if (d.size) (void)unsigned_value(*d.size, d.kind == Declaration::Kind::fixed_array ? "array size" : "maximum size");
  }

  // Names that must differ within one scope (struct members, union arms, versions, ...).
  class Scope {
   public:
    Scope(Diagnostics& diagnostics, std::string what) : diagnostics_(diagnostics), what_(std::move(what)) {}
    void add(const std::string& name, Location where) {
      if (name.empty()) return;
      auto [it, inserted] = names_.try_emplace(name, where);
      if (inserted) return;
      diagnostics_.error(where, "duplicate " + what_ + " " + quoted(name));
      diagnostics_.note(it->second, "the previous one is here");
    }

   private:
    Diagnostics& diagnostics_;
    std::string what_;
    std::map<std::string, Location, std::less<>> names_;
  };

  void check_enum(EnumBody& body) {
    for (std::size_t i = 0; i < body.enumerators.size(); ++i) (void)resolve_enumerator(body, i);
  }

  void check_struct(StructBody& body) {
    Scope members(diagnostics_, "member");
    for (Declaration& m : body.members) {
      check_declaration(m);
      members.add(m.name, m.location);
    }
  }

  bool is_discriminant_type(const TypeSpec& t, int hops = 0) const {
    switch (t.kind) {
      case TypeSpec::Kind::inline_enum: return true;
      case TypeSpec::Kind::inline_struct:
      case TypeSpec::Kind::inline_union: return false;
      case TypeSpec::Kind::builtin:
        switch (t.builtin) {
          case Builtin::int_:
          case Builtin::unsigned_int:
          case Builtin::bool_:
          case Builtin::char_:
          case Builtin::unsigned_char:
          case Builtin::short_:
          case Builtin::unsigned_short:
          case Builtin::long_:
          case Builtin::unsigned_long: return true;
          default: return false;
        }
      case TypeSpec::Kind::named: break;
    }
    const auto it = symbols_.find(t.name);
    if (it == symbols_.end() || it->second.kind != Symbol::Kind::type) return true;  // reported already
    const Symbol& s = it->second;
    if (s.type_kind == Symbol::TypeKind::enum_) return true;
    if (s.type_kind != Symbol::TypeKind::typedef_ || hops >= kMaxTypedefHops) return false;
    const Declaration& d = *s.typedef_declaration;
    return d.kind == Declaration::Kind::scalar && is_discriminant_type(d.type, hops + 1);
  }

  // The enum a discriminant of type `t` is (through typedefs), or null for int, bool, ...
  EnumBody* discriminant_enum(const TypeSpec& t, int hops = 0) const {
    if (t.kind == TypeSpec::Kind::inline_enum) return t.enum_body.get();
    if (t.kind != TypeSpec::Kind::named || hops >= kMaxTypedefHops) return nullptr;
    const auto it = symbols_.find(t.name);
    if (it == symbols_.end() || it->second.kind != Symbol::Kind::type) return nullptr;
    const Symbol& s = it->second;
    if (s.type_kind == Symbol::TypeKind::enum_) return s.enum_definition;
    if (s.type_kind != Symbol::TypeKind::typedef_ || s.typedef_declaration == nullptr) return nullptr;
    const Declaration& d = *s.typedef_declaration;
    return d.kind == Declaration::Kind::scalar ? discriminant_enum(d.type, hops + 1) : nullptr;
  }

  // Resolves the enumerators on the way: the enum may be defined after the union.
  bool has_enumerator(EnumBody& body, std::int64_t value) {
    for (std::size_t i = 0; i < body.enumerators.size(); ++i) {
      if (resolve_enumerator(body, i) == value) return true;
    }
    return false;
  }

  static bool is_unsigned(const TypeSpec& t) {
    return t.kind == TypeSpec::Kind::builtin &&
           (t.builtin == Builtin::unsigned_int || t.builtin == Builtin::unsigned_char ||
            t.builtin == Builtin::unsigned_short || t.builtin == Builtin::unsigned_long);
  }

  static std::string type_name(const TypeSpec& t) {
    switch (t.kind) {
      case TypeSpec::Kind::builtin: return t.spelling.empty() ? to_string(t.builtin) : t.spelling;
      case TypeSpec::Kind::named: return t.name;
      case TypeSpec::Kind::inline_enum: return "enum { ... }";
      case TypeSpec::Kind::inline_struct: return "struct { ... }";
      case TypeSpec::Kind::inline_union: return "union switch { ... }";
    }
    return "?";
  }

  void check_union(UnionBody& u) {
    Declaration& discriminant = u.discriminant;
    check_declaration(discriminant);
    if (discriminant.kind != Declaration::Kind::scalar) {
      diagnostics_.error(discriminant.location,
                         "a union discriminant must be a single value, not an array or optional");
    } else if (!is_discriminant_type(discriminant.type)) {
      diagnostics_.error(discriminant.type.location,
                         "a union discriminant must be int, unsigned int, bool or an enum, not " +
                             quoted(type_name(discriminant.type)));
    }
    const bool unsigned_discriminant = is_unsigned(discriminant.type);
    // An enum discriminant only ever decodes to one of its enumerators: another case value
    // would be an arm no message can select.
    EnumBody* enum_values =
        discriminant.kind == Declaration::Kind::scalar ? discriminant_enum(discriminant.type) : nullptr;
    // By the 32 bits on the wire, where -1 and 0xffffffff are one case.
    std::map<std::uint32_t, std::pair<Location, std::int64_t>> cases;
    Scope arms(diagnostics_, "union arm");
    for (UnionArm& arm : u.arms) {
      for (Value& label : arm.labels) {
        const auto value = value_of(label);
        if (!value) continue;
        if (*value < kInt32Min || *value > kUint32Max || (unsigned_discriminant && *value < 0)) {
          diagnostics_.error(label.location, "case value " + std::to_string(*value) + " does not fit the discriminant");
          continue;
        }
        if (enum_values != nullptr && !has_enumerator(*enum_values, *value)) {
          diagnostics_.error(label.location, "case value " + std::to_string(*value) + " is not a value of the enum " +
                                                 quoted(type_name(discriminant.type)));
          continue;
        }
        auto [it, inserted] = cases.try_emplace(static_cast<std::uint32_t>(*value), label.location, *value);
        if (inserted) continue;
        std::string message = "duplicate case value " + std::to_string(*value);
        if (!label.name.empty()) message += " (" + quoted(label.name) + ")";
        if (it->second.second != *value) message += ", the same 32 bits as " + std::to_string(it->second.second);
        diagnostics_.error(label.location, message);
        diagnostics_.note(it->second.first, "the previous case is here");
      }
      check_declaration(arm.declaration);
      arms.add(arm.declaration.name, arm.declaration.location);
    }
    if (u.default_arm) {
      check_declaration(*u.default_arm);
      arms.add(u.default_arm->name, u.default_arm->location);
    }
  }

  // --- definitions ----------------------------------------------------------------------
  void check(ConstDef& c) {
    if (!c.string) (void)resolve_constant(c);
  }
  void check(TypedefDef& t) { check_declaration(t.declaration); }
  void check(EnumDef& e) { check_enum(e.body); }
  void check(StructDef& s) { check_struct(s.body); }
  void check(UnionDef& u) { check_union(u.body); }
  void check(Passthrough& /*unused*/) {}

  // Numbers that must differ within one scope, with the name that took each.
  class NumberScope {
   public:
    NumberScope(Diagnostics& diagnostics, std::string what) : diagnostics_(diagnostics), what_(std::move(what)) {}
    void add(std::optional<std::uint32_t> number, const std::string& name, Location where) {
      if (!number) return;
      auto [it, inserted] = taken_.try_emplace(*number, name, where);
      if (inserted) return;
      diagnostics_.error(where,
                         what_ + " number " + shown(*number) + " is already used by " + quoted(it->second.first));
      diagnostics_.note(it->second.second, quoted(it->second.first) + " is here");
    }

   private:
    // Program numbers read best in hex (0x20000001), as contracts write them.
    std::string shown(std::uint32_t number) const {
      if (what_ != "program") return std::to_string(number);
      std::array<char, 16> buf{};
      std::snprintf(buf.data(), buf.size(), "0x%x", number);
      return buf.data();
    }

    Diagnostics& diagnostics_;
    std::string what_;
    std::map<std::uint32_t, std::pair<std::string, Location>> taken_;
  };

  void check(Program& p) {
    program_numbers_.add(unsigned_value(p.number, "a program number"), p.name, p.location);
    Scope version_names(diagnostics_, "version");
    NumberScope version_numbers(diagnostics_, "version");
    for (Version& v : p.versions) {
      version_names.add(v.name, v.location);
      version_numbers.add(unsigned_value(v.number, "a version number"), v.name, v.location);
      Scope procedure_names(diagnostics_, "procedure");
      NumberScope procedure_numbers(diagnostics_, "procedure");
      for (Procedure& proc : v.procedures) {
        check_type(proc.result);
        for (TypeSpec& arg : proc.arguments) check_type(arg);
        procedure_names.add(proc.name, proc.location);
        procedure_numbers.add(unsigned_value(proc.number, "a procedure number"), proc.name, proc.location);
      }
    }
  }

  Specification& specification_;
  Diagnostics& diagnostics_;
  std::unordered_map<std::string, Symbol> symbols_;
  std::unordered_map<const void*, State> states_;  // of ConstDefs and Enumerators being resolved
  int depth_ = 0;
  bool has_c_include_ = false;  // a `%#include` may define types we cannot see
  NumberScope program_numbers_{diagnostics_, "program"};
};

}  // namespace

bool check(Specification& specification, Diagnostics& diagnostics) { return Checker(specification, diagnostics).run(); }

std::optional<Builtin> library_type(std::string_view name) noexcept {
  // The types rpcgen's C output finds in <rpc/xdr.h> (xdr_u_int, xdr_int32_t, ...).
  static constexpr std::array<std::pair<std::string_view, Builtin>, 22> kLibrary{{
      {"u_int", Builtin::unsigned_int},
      {"u_long", Builtin::unsigned_long},
      {"u_short", Builtin::unsigned_short},
      {"u_char", Builtin::unsigned_char},
      {"u_hyper", Builtin::unsigned_hyper},
      {"bool_t", Builtin::bool_},
      {"int8_t", Builtin::char_},
      {"uint8_t", Builtin::unsigned_char},
      {"u_int8_t", Builtin::unsigned_char},
      {"int16_t", Builtin::short_},
      {"uint16_t", Builtin::unsigned_short},
      {"u_int16_t", Builtin::unsigned_short},
      {"int32_t", Builtin::int_},
      {"uint32_t", Builtin::unsigned_int},
      {"u_int32_t", Builtin::unsigned_int},
      {"int64_t", Builtin::hyper},
      {"uint64_t", Builtin::unsigned_hyper},
      {"u_int64_t", Builtin::unsigned_hyper},
      {"quad_t", Builtin::hyper},
      {"u_quad_t", Builtin::unsigned_hyper},
      {"longlong_t", Builtin::hyper},
      {"u_longlong_t", Builtin::unsigned_hyper},
  }};
  for (const auto& [library_name, builtin] : kLibrary) {
    if (library_name == name) return builtin;
  }
  return std::nullopt;
}

}  // namespace nelson::gen
