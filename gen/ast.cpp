#include "gen/ast.hpp"

namespace nelson::gen {

const char* to_string(Builtin b) noexcept {
  switch (b) {
    case Builtin::int_: return "int";
    case Builtin::unsigned_int: return "unsigned int";
    case Builtin::hyper: return "hyper";
    case Builtin::unsigned_hyper: return "unsigned hyper";
    case Builtin::float_: return "float";
    case Builtin::double_: return "double";
    case Builtin::quadruple: return "quadruple";
    case Builtin::bool_: return "bool";
    case Builtin::char_: return "char";
    case Builtin::unsigned_char: return "unsigned char";
    case Builtin::short_: return "short";
    case Builtin::unsigned_short: return "unsigned short";
    case Builtin::long_: return "long";
    case Builtin::unsigned_long: return "unsigned long";
    case Builtin::opaque: return "opaque";
    case Builtin::string: return "string";
    case Builtin::void_: return "void";
  }
  return "?";
}

}  // namespace nelson::gen
