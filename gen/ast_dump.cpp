#include "gen/ast_dump.hpp"

#include <variant>

namespace nelson::gen {

namespace {

class Dumper {
 public:
  std::string take() { return std::move(out_); }

  void definition(const Definition& d) {
    std::visit([this](const auto& def) { dump(def); }, d);
  }

 private:
  void line(int indent, const std::string& text, Location where) {
    out_.append(static_cast<std::size_t>(indent) * 2, ' ');
    out_ += text;
    out_ += "  @" + std::to_string(where.line) + ':' + std::to_string(where.column) + '\n';
  }

  static std::string value(const Value& v) {
    if (v.name.empty()) return std::to_string(v.literal);
    return v.resolved ? v.name + " = " + std::to_string(*v.resolved) : v.name;
  }

  static std::string simple_type(const TypeSpec& t) {
    if (t.kind == TypeSpec::Kind::named) {
      switch (t.origin) {
        case TypeSpec::Origin::file: return t.name;
        case TypeSpec::Origin::library: return t.name + " (library)";
        case TypeSpec::Origin::external: return t.name + " (external)";
      }
    }
    if (t.kind == TypeSpec::Kind::inline_enum) return "enum { ... }";
    if (t.kind == TypeSpec::Kind::inline_struct) return "struct { ... }";
    if (t.kind == TypeSpec::Kind::inline_union) return "union { ... }";
    if (!t.spelling.empty()) return t.spelling + " (" + to_string(t.builtin) + ")";
    return to_string(t.builtin);
  }

  // Prints `head` then the inline body of `t` (if any) one level deeper; returns what
  // stands for the type on the declaration's line.
  std::string type_prefix(int indent, const TypeSpec& t) {
    switch (t.kind) {
      case TypeSpec::Kind::inline_enum:
        line(indent, "enum {", t.location);
        enum_body(indent + 1, *t.enum_body);
        return "}";
      case TypeSpec::Kind::inline_struct:
        line(indent, "struct {", t.location);
        struct_body(indent + 1, *t.struct_body);
        return "}";
      case TypeSpec::Kind::inline_union:
        line(indent, "union {", t.location);
        union_body(indent + 1, *t.union_body);
        return "}";
      default: return simple_type(t);
    }
  }

  void declaration(int indent, const Declaration& d, const std::string& prefix = "") {
    if (d.kind == Declaration::Kind::void_) {
      line(indent, prefix + "void", d.location);
      return;
    }
    std::string text = prefix.empty() ? type_prefix(indent, d.type) : prefix + type_prefix(indent, d.type);
    text += ' ';
    switch (d.kind) {
      case Declaration::Kind::optional: text += '*' + d.name; break;
      case Declaration::Kind::fixed_array: text += d.name + '[' + value(*d.size) + ']'; break;
      case Declaration::Kind::variable_array: text += d.name + '<' + (d.size ? value(*d.size) : "") + '>'; break;
      default: text += d.name; break;
    }
    line(indent, text, d.location);
  }

  void enum_body(int indent, const EnumBody& body) {
    for (const Enumerator& e : body.enumerators) {
      std::string text = e.name;
      if (e.value) {
        text += " = " + value(*e.value);
      } else if (e.resolved) {
        text += " (= " + std::to_string(*e.resolved) + ")";
      }
      line(indent, text, e.location);
    }
  }

  void struct_body(int indent, const StructBody& body) {
    for (const Declaration& m : body.members) declaration(indent, m);
  }

  void union_body(int indent, const UnionBody& body) {
    declaration(indent, body.discriminant, "switch ");
    for (const UnionArm& arm : body.arms) {
      std::string labels = "case ";
      for (std::size_t i = 0; i < arm.labels.size(); ++i) labels += (i ? ", " : "") + value(arm.labels[i]);
      line(indent, labels + ':', arm.location);
      declaration(indent + 1, arm.declaration);
    }
    if (body.default_arm) {
      line(indent, "default:", body.default_location);
      declaration(indent + 1, *body.default_arm);
    }
  }

  void dump(const ConstDef& c) {
    line(0, "const " + c.name + " = " + (c.string ? '"' + *c.string + '"' : value(c.value)), c.location);
  }
  void dump(const TypedefDef& t) { declaration(0, t.declaration, "typedef "); }
  void dump(const EnumDef& e) {
    line(0, "enum " + e.name, e.location);
    enum_body(1, e.body);
  }
  void dump(const StructDef& s) {
    line(0, "struct " + s.name, s.location);
    struct_body(1, s.body);
  }
  void dump(const UnionDef& u) {
    line(0, "union " + u.name, u.location);
    union_body(1, u.body);
  }
  void dump(const Passthrough& p) { line(0, "%" + p.text, p.location); }
  void dump(const Program& p) {
    line(0, "program " + p.name + " = " + value(p.number), p.location);
    for (const Version& v : p.versions) {
      line(1, "version " + v.name + " = " + value(v.number), v.location);
      for (const Procedure& proc : v.procedures) {
        std::string args;
        for (const TypeSpec& a : proc.arguments) args += (args.empty() ? "" : ", ") + simple_type(a);
        line(2,
             simple_type(proc.result) + ' ' + proc.name + '(' + (args.empty() ? "void" : args) +
                 ") = " + value(proc.number),
             proc.location);
      }
    }
  }

  std::string out_;
};

}  // namespace

std::string dump(const Specification& specification) {
  Dumper d;
  for (const Definition& def : specification.definitions) d.definition(def);
  return d.take();
}

}  // namespace nelson::gen
