// The codec half of the generated code: encode/decode for every struct, union and enum,
// encode_X/decode_X for every typedef X (an alias cannot be told from its target by
// overloading), and unions' select().
//
// Encoders run to the end and return e.ok(): the Encoder keeps the first failure (output
// full, a length above its maximum, a union whose arm does not match its discriminant).
// Decoders return false at the first failure, which the Decoder records with its offset.
// Declared maximums are enforced both ways; counts are checked against the bytes left
// before anything is allocated (xdr::Decoder::get_array). A struct whose last member points
// to the next struct of its kind (a linked list) is encoded and decoded in a loop, and
// decode() stops at kMaxChainLength nodes (or the limit given) with Errc::too_deep. A type
// that can contain itself otherwise (a tree: recursion no loop can flatten) counts its nesting
// on the Decoder and stops at kMaxNestingDepth levels with Errc::too_deep.
// Declarations the model makes views (gen/cpp_views.cpp) decode with view_opaque/view_string.
#include "gen/cpp_names.hpp"
#include "gen/emit_parts.hpp"

namespace nelson::gen {

namespace {

const char* put_builtin(Builtin b) {
  switch (b) {
    case Builtin::int_:
    case Builtin::char_:
    case Builtin::short_:
    case Builtin::long_: return "put_int";
    case Builtin::unsigned_int:
    case Builtin::unsigned_char:
    case Builtin::unsigned_short:
    case Builtin::unsigned_long: return "put_uint";
    case Builtin::hyper: return "put_hyper";
    case Builtin::unsigned_hyper: return "put_uhyper";
    case Builtin::float_: return "put_float";
    case Builtin::double_: return "put_double";
    case Builtin::quadruple: return "put_quadruple";
    case Builtin::bool_: return "put_bool";
    case Builtin::opaque:
    case Builtin::string:
    case Builtin::void_: break;
  }
  return nullptr;
}

class CodecWriter {
 public:
  explicit CodecWriter(const CppModel& model) : model_(model) {}

  // One item of type `t`: an expression.
  [[nodiscard]] std::string put_item(const TypeSpec& t, const std::string& e, const std::string& x) const {
    // A procedure's bare `string` argument or result: unbounded, as rpcgen's xdr_wrapstring.
    if (t.kind == TypeSpec::Kind::builtin && t.builtin == Builtin::string) return e + ".put_string(" + x + ")";
    if (t.kind == TypeSpec::Kind::builtin) {
      const char* put = put_builtin(t.builtin);
      return put == nullptr ? std::string() : e + "." + put + "(" + x + ")";
    }
    if (t.kind == TypeSpec::Kind::named && t.origin == TypeSpec::Origin::library) {
      return t.name == "des_block" ? e + ".put_fixed_opaque(" + x + ")" : e + ".put_opaque(" + x + ", 1024)";
    }
    if (t.kind == TypeSpec::Kind::named && model_.kind(t.name) == CppModel::Kind::typedef_) {
      return "encode_" + cpp_identifier(t.name) + "(" + e + ", " + x + ")";
    }
    return "encode(" + e + ", " + x + ")";
  }

  [[nodiscard]] std::string get_item(const TypeSpec& t, const std::string& d, const std::string& x) const {
    if (t.kind == TypeSpec::Kind::builtin && t.builtin == Builtin::string) return d + ".get_string(" + x + ")";
    if (t.kind == TypeSpec::Kind::builtin) {
      const char* put = put_builtin(t.builtin);
      return put == nullptr ? std::string("true") : d + ".get" + std::string(put).substr(3) + "(" + x + ")";
    }
    if (t.kind == TypeSpec::Kind::named && t.origin == TypeSpec::Origin::library) {
      return t.name == "des_block" ? d + ".get_fixed_opaque(" + x + ")" : d + ".get_opaque(" + x + ", 1024)";
    }
    if (t.kind == TypeSpec::Kind::named && model_.kind(t.name) == CppModel::Kind::typedef_) {
      return "decode_" + cpp_identifier(t.name) + "(" + d + ", " + x + ")";
    }
    return "decode(" + d + ", " + x + ")";
  }

  // A whole declaration: statements, each line indented by `in`.
  [[nodiscard]] std::string put_decl(const Declaration& decl, const std::string& x, const std::string& in) const {
    const bool opaque = decl.type.kind == TypeSpec::Kind::builtin && decl.type.builtin == Builtin::opaque;
    const bool string = decl.type.kind == TypeSpec::Kind::builtin && decl.type.builtin == Builtin::string;
    const std::string item = model_.item_type(decl.type);
    switch (decl.kind) {
      case Declaration::Kind::void_: return "";
      case Declaration::Kind::scalar: return in + put_item(decl.type, "e", x) + ";\n";
      case Declaration::Kind::fixed_array:
        if (opaque) return in + "e.put_fixed_opaque(" + x + ");\n";
        if (model_.bulk(decl.type)) return in + "e.put_fixed_array(std::span<const " + item + ">(" + x + "));\n";
        return in + "for (const auto& item_ : " + x + ") " + put_item(decl.type, "e", "item_") + ";\n";
      case Declaration::Kind::variable_array:
        if (string) return in + "e.put_string(" + x + ", " + model_.bound(decl) + ");\n";
        if (opaque) return in + "e.put_opaque(" + x + ", " + model_.bound(decl) + ");\n";
        if (model_.bulk(decl.type)) {
          return in + "e.put_array(std::span<const " + item + ">(" + x + "), " + model_.bound(decl) + ");\n";
        }
        return in + "e.put_array(std::span<const " + item + ">(" + x + "), " + model_.bound(decl) +
               ", [](xdr::Encoder& en, const auto& item_) { " + put_item(decl.type, "en", "item_") + "; });\n";
      case Declaration::Kind::optional:
        if (model_.owning(decl)) {
          return in + "e.put_bool(" + x + " != nullptr);\n" + in + "if (" + x + " != nullptr) " +
                 put_item(decl.type, "e", "*" + x) + ";\n";
        }
        return in + "e.put_bool(" + x + ".has_value());\n" + in + "if (" + x + ".has_value()) " +
               put_item(decl.type, "e", "*" + x) + ";\n";
    }
    return "";
  }

  [[nodiscard]] std::string get_decl(const Declaration& decl, const std::string& x, const std::string& in) const {
    const bool opaque = decl.type.kind == TypeSpec::Kind::builtin && decl.type.builtin == Builtin::opaque;
    const bool string = decl.type.kind == TypeSpec::Kind::builtin && decl.type.builtin == Builtin::string;
    const std::string item = model_.item_type(decl.type);
    auto check = [&](const std::string& expr) { return in + "if (!" + expr + ") return false;\n"; };
    const std::string lambda =
        "[](xdr::Decoder& de, auto& item_) { return " + get_item(decl.type, "de", "item_") + "; }";
    switch (decl.kind) {
      case Declaration::Kind::void_: return "";
      case Declaration::Kind::scalar:
        if (model_.view(decl)) return check("d.view_opaque(" + x + ", 1024)");  // netobj
        return check(get_item(decl.type, "d", x));
      case Declaration::Kind::fixed_array:
        if (opaque) return check("d.get_fixed_opaque(" + x + ")");
        if (model_.bulk(decl.type)) return check("d.get_fixed_array(std::span<" + item + ">(" + x + "))");
        return in + "for (auto& item_ : " + x + ") {\n" + in + "  if (!" + get_item(decl.type, "d", "item_") +
               ") return false;\n" + in + "}\n";
      case Declaration::Kind::variable_array:
        if (string || opaque) {
          // A view points into the decoder's input; an owning value copies out of it.
          const char* get = string ? (model_.view(decl) ? "view_string" : "get_string")
                                   : (model_.view(decl) ? "view_opaque" : "get_opaque");
          return check("d." + std::string(get) + "(" + x + ", " + model_.bound(decl) + ")");
        }
        if (model_.bulk(decl.type)) return check("d.get_array(" + x + ", " + model_.bound(decl) + ")");
        return check("d.get_array(" + x + ", " + model_.bound(decl) + ", " + lambda + ")");
      case Declaration::Kind::optional: return check("d.get_optional(" + x + ", " + lambda + ")");
    }
    return "";
  }

  [[nodiscard]] std::string enum_codec(const TypeUnit& u, const std::string& fn) const {
    std::string out = fn + "bool encode(xdr::Encoder& e, " + u.name + " v) {\n";
    out += "  e.put_enum(static_cast<std::int32_t>(v));\n  return e.ok();\n}\n\n";
    out += fn + "bool decode(xdr::Decoder& d, " + u.name + "& v) {\n";
    out += "  std::int32_t raw_ = 0;\n  if (!d.get_enum(raw_)) return false;\n  switch (raw_) {\n";
    std::set<std::int64_t> seen;
    for (const Enumerator& e : u.enum_body->enumerators) {
      if (seen.insert(e.resolved.value_or(0)).second)
        out += "    case " + std::to_string(e.resolved.value_or(0)) + ":\n";
    }
    out += "      v = static_cast<" + u.name + ">(raw_);\n      return true;\n";
    out += "    default:\n      return d.fail(xdr::Errc::bad_discriminant);\n  }\n}\n";
    return out;
  }

  [[nodiscard]] std::string typedef_codec(const TypeUnit& u, const std::string& fn) const {
    std::string out = fn + "bool encode_" + u.name + "(xdr::Encoder& e, const " + u.name + "& v) {\n";
    out += put_decl(*u.typedef_decl, "v", "  ") + "  return e.ok();\n}\n\n";
    out += fn + "bool decode_" + u.name + "(xdr::Decoder& d, " + u.name + "& v) {\n";
    out += get_decl(*u.typedef_decl, "v", "  ") + "  return true;\n}\n";
    return out;
  }

  // A type that can contain itself (through owning pointers) counts its nesting while decoding.
  [[nodiscard]] std::string nesting_guard(const std::string& name) const {
    if (!model_.nests(name)) return "";
    return "  const xdr::Decoder::Nesting level_(d, kMaxNestingDepth);\n  if (!level_.ok()) return false;\n";
  }

  [[nodiscard]] std::string struct_codec(const TypeUnit& u, const std::string& fn) const {
    const std::vector<Declaration>& members = u.struct_body->members;
    if (model_.is_chain(u.name, *u.struct_body)) return chain_codec(u, fn);
    std::string out = fn + "bool encode(xdr::Encoder& e, const " + u.name + "& v) {\n";
    for (const Declaration& m : members) out += put_decl(m, "v." + cpp_identifier(m.name), "  ");
    out += "  return e.ok();\n}\n\n";
    out += fn + "bool decode(xdr::Decoder& d, " + u.name + "& v) {\n";
    out += nesting_guard(u.name);
    for (const Declaration& m : members) out += get_decl(m, "v." + cpp_identifier(m.name), "  ");
    return out + "  return true;\n}\n";
  }

  // A linked list: the last member owns the next node. One loop iteration per node.
  [[nodiscard]] std::string chain_codec(const TypeUnit& u, const std::string& fn) const {
    const std::vector<Declaration>& members = u.struct_body->members;
    const std::string next = "at_->" + cpp_identifier(members.back().name);
    std::string out = fn + "bool encode(xdr::Encoder& e, const " + u.name + "& v) {\n";
    out += "  for (const " + u.name + "* at_ = &v; at_ != nullptr && e.ok(); at_ = " + next + ".get()) {\n";
    for (std::size_t i = 0; i + 1 < members.size(); ++i) {
      out += put_decl(members[i], "at_->" + cpp_identifier(members[i].name), "    ");
    }
    out += "    e.put_bool(" + next + " != nullptr);\n  }\n  return e.ok();\n}\n\n";
    out += fn + "bool decode(xdr::Decoder& d, " + u.name + "& v) { return decode(d, v, kMaxChainLength); }\n\n";
    out += fn + "bool decode(xdr::Decoder& d, " + u.name + "& v, std::size_t max_length) {\n";
    out += nesting_guard(u.name);
    out += "  " + u.name + "* at_ = &v;\n";
    out += "  for (std::size_t length_ = 1;; ++length_) {\n";
    for (std::size_t i = 0; i + 1 < members.size(); ++i) {
      out += get_decl(members[i], "at_->" + cpp_identifier(members[i].name), "    ");
    }
    out += "    bool more_ = false;\n    if (!d.get_bool(more_)) return false;\n";
    out += "    if (!more_) {\n      " + next + ".reset();\n      return true;\n    }\n";
    out += "    if (length_ >= max_length) return d.fail(xdr::Errc::too_deep);\n";
    out += "    " + next + " = std::make_unique<" + u.name + ">();\n";
    out += "    at_ = " + next + ".get();\n  }\n}\n";
    return out;
  }

  [[nodiscard]] std::string union_codec(const TypeUnit& u, const std::string& fn) const {
    const UnionBody& body = *u.union_body;
    const std::vector<const Declaration*> alts = union_alternatives(body);
    const std::string disc = cpp_identifier(body.discriminant.name);
    const std::string var = variant_member(u.name);
    auto index_of = [&](const Declaration& d) {
      for (std::size_t i = 0; i < alts.size(); ++i) {
        if (alts[i] == &d) return i + 1;
      }
      return std::size_t{0};
    };
    // The case labels of every arm, then `default:`; `arm(decl, index)` writes each body.
    auto cases = [&](const std::string& x, auto&& arm, const std::string& no_default) {
      std::string out = "  switch (" + model_.switch_on(body.discriminant.type, x) + ") {\n";
      for (const UnionArm& a : body.arms) {
        for (const Value& v : a.labels) out += "    case " + model_.label(body.discriminant.type, v) + ":\n";
        out += arm(a.declaration, index_of(a.declaration));
      }
      out += "    default:\n";
      out += body.default_arm ? arm(*body.default_arm, index_of(*body.default_arm)) : "      " + no_default + "\n";
      return out + "  }\n";
    };
    std::string out = fn + "bool encode(xdr::Encoder& e, const " + u.name + "& v) {\n";
    out += put_decl(body.discriminant, "v." + disc, "  ");
    out += cases(
        "v." + disc,
        [&](const Declaration& d, std::size_t i) {
          const std::string idx = std::to_string(i);
          if (d.kind == Declaration::Kind::void_) {
            return "      if (v." + var + ".index() != 0) e.fail(xdr::Errc::bad_discriminant);\n      break;\n";
          }
          return "      if (const auto* arm_ = std::get_if<" + idx + ">(&v." + var + ")) {\n" +
                 put_decl(d, "(*arm_)", "        ") +
                 "      } else {\n        e.fail(xdr::Errc::bad_discriminant);\n      }\n      break;\n";
        },
        "e.fail(xdr::Errc::bad_discriminant);\n      break;");
    out += "  return e.ok();\n}\n\n";
    out += fn + "bool decode(xdr::Decoder& d, " + u.name + "& v) {\n";
    out += nesting_guard(u.name);
    out += get_decl(body.discriminant, "v." + disc, "  ");
    out += cases(
        "v." + disc,
        [&](const Declaration& d, std::size_t i) {
          if (d.kind == Declaration::Kind::void_) return "      v." + var + ".emplace<0>();\n      break;\n";
          return "      {\n        auto& arm_ = v." + var + ".emplace<" + std::to_string(i) + ">();\n" +
                 get_decl(d, "arm_", "        ") + "        break;\n      }\n";
        },
        "return d.fail(xdr::Errc::bad_discriminant);");
    out += "  return true;\n}\n\n";
    const std::string disc_type = model_.decl_type(body.discriminant, model_.is_type_name(body.discriminant.name));
    out += fn + "void " + u.name + "::select(" + disc_type + " value) {\n  " + disc + " = value;\n";
    out += cases(
        "value",
        [&](const Declaration&, std::size_t i) {
          return "      " + var + ".emplace<" + std::to_string(i) + ">();\n      break;\n";
        },
        var + ".emplace<0>();\n      break;");
    return out + "}\n";
  }

 private:
  const CppModel& model_;
};

}  // namespace

std::string emit_codec_declarations(const std::vector<TypeUnit>& units, const CppModel& model, bool in_header) {
  const std::string fn = in_header ? "inline " : "";
  std::string out;
  for (const TypeUnit& u : units) {
    switch (u.kind) {
      case TypeUnit::Kind::enum_:
        out += fn + "bool encode(xdr::Encoder& e, " + u.name + " v);\n";
        out += "/// Fails (Errc::bad_discriminant) on a value the enum does not declare.\n";
        out += "[[nodiscard]] " + fn + "bool decode(xdr::Decoder& d, " + u.name + "& v);\n\n";
        break;
      case TypeUnit::Kind::typedef_:
        out += fn + "bool encode_" + u.name + "(xdr::Encoder& e, const " + u.name + "& v);\n";
        out += "[[nodiscard]] " + fn + "bool decode_" + u.name + "(xdr::Decoder& d, " + u.name + "& v);\n";
        out += equality_declaration(u, fn) + "\n";
        break;
      case TypeUnit::Kind::struct_:
      case TypeUnit::Kind::union_:
        out += fn + "bool encode(xdr::Encoder& e, const " + u.name + "& v);\n";
        out += "[[nodiscard]] " + fn + "bool decode(xdr::Decoder& d, " + u.name + "& v);\n";
        if (u.kind == TypeUnit::Kind::struct_ && model.is_chain(u.name, *u.struct_body)) {
          out += "/// Accepts a list of at most `max_length` nodes (Errc::too_deep beyond).\n";
          out += "[[nodiscard]] " + fn + "bool decode(xdr::Decoder& d, " + u.name + "& v, std::size_t max_length);\n";
        }
        out += equality_declaration(u, fn) + "\n";
        break;
    }
  }
  return out;
}

std::string emit_codec_definitions(const std::vector<TypeUnit>& units, const CppModel& model, bool in_header) {
  const CodecWriter writer(model);
  const std::string fn = in_header ? "inline " : "";
  std::string out;
  for (const TypeUnit& u : units) {
    switch (u.kind) {
      case TypeUnit::Kind::enum_: out += writer.enum_codec(u, fn); break;
      case TypeUnit::Kind::typedef_: out += writer.typedef_codec(u, fn); break;
      case TypeUnit::Kind::struct_: out += writer.struct_codec(u, fn); break;
      case TypeUnit::Kind::union_: out += writer.union_codec(u, fn); break;
    }
    out += "\n";
    out += equality_definition(u, model, fn);
  }
  return out;
}

std::string encode_item(const CppModel& model, const TypeSpec& t, const std::string& e, const std::string& x) {
  return CodecWriter(model).put_item(t, e, x);
}

std::string decode_item(const CppModel& model, const TypeSpec& t, const std::string& d, const std::string& x) {
  return CodecWriter(model).get_item(t, d, x);
}

}  // namespace nelson::gen
