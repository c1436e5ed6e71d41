// The pieces emit_header and emit_source are made of (internal to nelson-gen).
#pragma once

#include <string>
#include <vector>

#include "gen/ast.hpp"
#include "gen/cpp_model.hpp"
#include "gen/emit.hpp"

namespace nelson::gen {

/// One C++ type to write, in the order it must appear: inline types before their holders.
struct TypeUnit {
  enum class Kind : std::uint8_t { enum_, struct_, union_, typedef_ };
  Kind kind = Kind::struct_;
  std::string name;  // the C++ name
  const EnumBody* enum_body = nullptr;
  const StructBody* struct_body = nullptr;
  const UnionBody* union_body = nullptr;
  const Declaration* typedef_decl = nullptr;
};

[[nodiscard]] std::vector<TypeUnit> type_units(const Specification& spec, const CppModel& model);

/// Constants (`const` and `%#define NAME number`), forward declarations and types.
[[nodiscard]] std::string emit_types(const Specification& spec, const CppModel& model, const EmitOptions& options);

/// The codec prototypes, with their doc comments; `inline` in front of each when `in_header`.
[[nodiscard]] std::string emit_codec_declarations(const std::vector<TypeUnit>& units, const CppModel& model,
                                                  bool in_header);

/// The codec bodies (and unions' select()); `inline` in front of each when `in_header`.
[[nodiscard]] std::string emit_codec_definitions(const std::vector<TypeUnit>& units, const CppModel& model,
                                                 bool in_header);

/// The expression that encodes one item `x` of type `t` (not an array or optional) with the
/// Encoder named `e`: `e.put_int(x)`, `encode(e, x)`, `encode_T(e, x)`.
[[nodiscard]] std::string encode_item(const CppModel& model, const TypeSpec& t, const std::string& e,
                                      const std::string& x);

/// The expression that decodes one item of type `t` into `x` with the Decoder named `d` (true on success).
[[nodiscard]] std::string decode_item(const CppModel& model, const TypeSpec& t, const std::string& d,
                                      const std::string& x);

/// True when the contract has a `program` block.
[[nodiscard]] bool has_programs(const Specification& spec);

/// Program, version and procedure numbers, and per version a client stub and a server skeleton.
[[nodiscard]] std::string emit_rpc(const Specification& spec, const CppModel& model, const EmitOptions& options);
/// The prototype of a unit's operator== (struct, union) or equal_X (typedef X), with its doc comment.
[[nodiscard]] std::string equality_declaration(const TypeUnit& u, const std::string& fn);

/// Its body (gen/emit_equal.cpp).
[[nodiscard]] std::string equality_definition(const TypeUnit& u, const CppModel& model, const std::string& fn);

/// The name of a union's std::variant member.
[[nodiscard]] std::string variant_member(const std::string& union_name);

/// The name of the accessor of a union arm (the arm's name, or with '_' added on a clash).
[[nodiscard]] std::string arm_accessor(const std::string& union_name, const std::string& arm);

/// The non-void arms of a union in variant order (index i + 1), with the default last.
[[nodiscard]] std::vector<const Declaration*> union_alternatives(const UnionBody& u);

}  // namespace nelson::gen
