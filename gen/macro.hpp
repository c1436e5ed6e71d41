// gen::read_macro — constants that a contract defines for its C output in a `%` line.
//
// Real files size things with macros they pass through to rpcgen's header instead of
// `const` (nlm_prot.x: `%#define LM_MAXSTRLEN 1024` and `%#define MAXNAMELEN LM_MAXSTRLEN+1`,
// then `string name<MAXNAMELEN>`). The checker needs their values, so it reads object-like
// `#define`s whose body is a small integer expression: numbers, names of known constants,
// parentheses, unary - ~, and binary * / % + - << >> & ^ |. Anything else is left alone.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace nelson::gen {

struct Macro {
  std::string name;
  std::string_view body;  // a view into the text given to parse_define
};

/// `#define NAME body` (the text after '%'); nullopt for anything else, function-like
/// macros included.
[[nodiscard]] std::optional<Macro> parse_define(std::string_view text);

/// The value of a macro body; `lookup` gives the value of a name or nullopt. Nullopt when
/// the body is not such an expression, uses an unknown name, divides by zero or overflows.
[[nodiscard]] std::optional<std::int64_t> evaluate(
    std::string_view body, const std::function<std::optional<std::int64_t>(std::string_view)>& lookup);

}  // namespace nelson::gen
