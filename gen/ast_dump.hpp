// gen::dump — a readable, stable text form of a Specification, for `nelson-gen --dump-ast`
// and golden tests. One node per line, indented by nesting, each ending in `@line:col`:
//
//   const MAXNAMELEN = 255  @3:7
//   typedef string name<MAXNAMELEN = 255>  @4:16
//   union result switch (int status)  @6:7
//     case 0, OK = 1:  @7:3
//       name n  @7:18
//     default:  @8:3
//       void  @8:12
//
// Names of constants show what check() resolved them to (`MAXNAMELEN = 255`).
#pragma once

#include <string>

#include "gen/ast.hpp"
#include "gen/source.hpp"

namespace nelson::gen {

[[nodiscard]] std::string dump(const Specification& specification);

}  // namespace nelson::gen
