// gen::Specification — the abstract syntax tree of one `.x` contract, definitions in file order.
//
//   const MAXNAMELEN = 255;                  -> ConstDef
//   typedef string name<MAXNAMELEN>;         -> TypedefDef{Declaration{variable_array, string}}
//   enum color { RED = 1, GREEN = 2 };       -> EnumDef
//   struct entry { name n; entry *next; };   -> StructDef{members: scalar, optional}
//   union res switch (int status) {          -> UnionDef{discriminant, arms, default_arm}
//     case 0: entry *list;  default: void; };
//   program P { version V { res LIST(name, int) = 1; } = 1; } = 0x20000001;   -> Program
//   %#include "extra.h"                       -> Passthrough (text after '%')
//
// Every node carries a Location: named things (definitions, declarations, enumerators,
// programs, versions, procedures) that of their name, the others that of their first token. Numbers
// stay as written (Value::name or Value::literal) until check() resolves them: after a clean
// check every Value has `resolved`, and every Enumerator its `value`. The tree owns all its
// strings; nothing points into the source text. Nested inline types (`struct { ... } x;`)
// are boxed, so nodes are movable but not copyable.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "gen/source.hpp"

namespace nelson::gen {

/// A constant as written: a literal (`-1`, `0x20000001`, `017`) or a name of a `const` or an
/// enumerator (`MAXNAMELEN`, `TRUE`).
struct Value {
  Location location;
  std::string name;                      // empty for a literal
  std::int64_t literal = 0;              // the literal's value (when name is empty)
  std::optional<std::int64_t> resolved;  // set by check()
};

/// Types the language names with keywords. char, short and long (and their unsigned forms)
/// are rpcgen's: on the wire they are 4-byte integers like int. The names rpcgen's XDR library
/// provides (u_int, u_long, u_short, u_char, u_hyper, bool_t, int32_t, uint64_t, ...) are
/// parsed as Builtins too (TypeSpec::spelling keeps the name as written).
enum class Builtin : std::uint8_t {
  int_,
  unsigned_int,
  hyper,
  unsigned_hyper,
  float_,
  double_,
  quadruple,
  bool_,
  char_,
  unsigned_char,
  short_,
  unsigned_short,
  long_,
  unsigned_long,
  opaque,  // only as the element type of a fixed or variable array (`opaque x[4]`, `opaque x<>`)
  string,  // only as the element type of a variable array (`string s<255>`)
  void_,   // only as a procedure result or argument list, and in Declaration::Kind::void_
};

[[nodiscard]] const char* to_string(Builtin b) noexcept;

struct EnumBody;
struct StructBody;
struct UnionBody;

struct TypeSpec {
  enum class Kind : std::uint8_t {
    builtin,        // `builtin`
    named,          // `name`: a typedef, struct, enum or union defined in the file
    inline_enum,    // `enum { ... }`: `enum_body`
    inline_struct,  // `struct { ... }`: `struct_body`
    inline_union,   // `union switch (...) { ... }`: `union_body`
  };
  Kind kind = Kind::builtin;
  Location location;
  Builtin builtin = Builtin::int_;
  std::string name;      // kind == named (also written `struct name`, `enum name`, `union name`)
  std::string spelling;  // kind == builtin and written as a library name ("u_int"); else empty
  /// Where a named type is defined, as check() found it.
  enum class Origin : std::uint8_t {
    file,      // in this contract (or a .x it #includes)
    library,   // in rpcgen's XDR library: `netobj` (opaque<1024>, MAX_NETOBJ_SZ), `des_block` (opaque[8])
    external,  // nowhere we can see: in C declarations a `%#include` line pulls in; the user
               // provides its codec (rpcgen: "providing an undefined data type allows
               // customization of XDR routines")
  };
  Origin origin = Origin::file;  // kind == named
  std::unique_ptr<EnumBody> enum_body;
  std::unique_ptr<StructBody> struct_body;
  std::unique_ptr<UnionBody> union_body;
};

struct Declaration {
  enum class Kind : std::uint8_t {
    void_,           // `void` (a union arm with no data)
    scalar,          // `type name`
    fixed_array,     // `type name[size]`, `opaque name[size]`
    variable_array,  // `type name<size>` or `<>`, `opaque name<>`, `string name<>`
    optional,        // `type *name`
  };
  Kind kind = Kind::scalar;
  Location location;          // of the name (of `void` for Kind::void_)
  TypeSpec type;              // Builtin::void_ when kind == void_
  std::string name;           // empty when kind == void_
  std::optional<Value> size;  // fixed_array: the length; variable_array: the maximum, or none
};

struct Enumerator {
  Location location;
  std::string name;
  std::optional<Value> value;            // none: rpcgen's implicit C numbering (previous + 1, from 0)
  std::optional<std::int64_t> resolved;  // set by check()
};

struct EnumBody {
  std::vector<Enumerator> enumerators;
};

struct StructBody {
  std::vector<Declaration> members;
};

struct UnionArm {
  Location location;          // of the first `case`
  std::vector<Value> labels;  // several for shared cases: `case 1: case 2: int x;`
  Declaration declaration;    // may be Kind::void_
};

struct UnionBody {
  Declaration discriminant;
  std::vector<UnionArm> arms;
  std::optional<Declaration> default_arm;
  Location default_location;  // of `default` when there is one
};

struct ConstDef {
  Location location;
  std::string name;
  Value value;                        // unused when `string` is set
  std::optional<std::string> string;  // rpcgen's string constant: const HEXMODULUS = "d4a0...";
};

struct TypedefDef {
  Location location;  // of `typedef`
  Declaration declaration;
};

struct EnumDef {
  Location location;
  std::string name;
  EnumBody body;
};

struct StructDef {
  Location location;
  std::string name;
  StructBody body;
};

struct UnionDef {
  Location location;
  std::string name;
  UnionBody body;
};

struct Procedure {
  Location location;
  std::string name;
  TypeSpec result;                  // Builtin::void_ for `void`
  std::vector<TypeSpec> arguments;  // empty for `(void)`
  Value number;
};

struct Version {
  Location location;
  std::string name;
  std::vector<Procedure> procedures;
  Value number;
};

struct Program {
  Location location;
  std::string name;
  std::vector<Version> versions;
  Value number;
};

/// A `%` line, copied to the output as it is (rpcgen writes them where they appear).
struct Passthrough {
  Location location;
  std::string text;  // after the '%'
};

using Definition = std::variant<ConstDef, TypedefDef, EnumDef, StructDef, UnionDef, Program, Passthrough>;

struct Specification {
  std::vector<Definition> definitions;
};

}  // namespace nelson::gen
