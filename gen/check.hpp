// gen::check — the meaning of a parsed contract: names, constants, unions, program numbers.
//
//   if (parsed.syntax_ok && check(parsed.specification, diagnostics)) generate(...);
//
// What it reports (each as `file:line:col: error:` with a note at the earlier definition):
//  - names used but not defined; a type where a constant belongs and the other way round;
//  - names defined twice: types, constants, enumerators and programs share one namespace, as
//    they do in the C that rpcgen writes; members of a struct, arms of a union, versions of a
//    program and procedures of a version must differ among themselves;
//  - constants that depend on themselves, sizes that are negative or above 2^32-1, enumerators
//    beyond int, program/version/procedure numbers outside 0..2^32-1;
//  - unions: a discriminant that is not int, unsigned int, bool or an enum (through typedefs),
//    or not a plain declaration; a case value twice, also when written as different names
//    of the same number.
// What it fills in: Value::resolved everywhere, Enumerator::resolved, and type names that
// are rpcgen's library types (u_int, u_long, int32_t, bool_t, ...) and not defined in the
// file become TypeSpec::Kind::builtin with their spelling kept; netobj and des_block stay
// named with TypeSpec::Origin::library. A type defined nowhere is an error — unless the
// contract has a `%#include` line, whose C declarations may define it (nis_callback.x takes
// nis_object from <rpcsvc/nis.h>): then it is TypeSpec::Origin::external.
// `typedef struct foo foo;` (C's idiom, nis.x) names the struct again and is no redefinition. Constants known without a
// `const`: TRUE (1) and FALSE (0), as in RFC 4506's bool; MAXNETNAMELEN (255, <rpc/auth_des.h>); and the macros a `%`
// line defines for the C output when their value can be computed (gen/macro.hpp) — unless
// the file defines them itself.
#pragma once

#include <optional>
#include <string_view>

#include "gen/ast.hpp"
#include "gen/diagnostics.hpp"

namespace nelson::gen {

/// True when nothing was wrong. Checks everything it can even after an error.
[[nodiscard]] bool check(Specification& specification, Diagnostics& diagnostics);

/// The Builtin a name from rpcgen's XDR library stands for ("u_int" -> unsigned_int).
/// (netobj and des_block are library types too, but not Builtins: see TypeSpec::library.)
[[nodiscard]] std::optional<Builtin> library_type(std::string_view name) noexcept;

}  // namespace nelson::gen
