// gen::parse — a recursive-descent parser for the whole RPCL language.
//
//   Sources sources;
//   Diagnostics diagnostics;
//   Lexer lexer(text, sources.intern("calc.x"), sources, diagnostics);
//   ParseResult parsed = parse(lexer, diagnostics);
//   if (parsed.syntax_ok) check(parsed.specification, sources, diagnostics);
//
// Grammar: RFC 4506 section 6.3 and RFC 5531 section 12.2, plus what rpcgen accepts and real
// files use: `unsigned` alone, char/short/long, `struct name` as a type, enumerators without
// a value, `%` lines anywhere (kept in order; one met inside a definition goes before it, as
// rpcgen prints it). On a syntax error the parser reports it, skips to the end of the
// definition (the next ';' outside braces, or the next keyword that starts a definition) and
// goes on, until Diagnostics is full.
#pragma once

#include "gen/ast.hpp"
#include "gen/diagnostics.hpp"
#include "gen/lexer.hpp"

namespace nelson::gen {

/// How deeply inline types may nest (`struct { union switch (int k) { case 1: struct {...`).
/// Legal RPCL, so only a guard against hostile input blowing the parser's stack.
inline constexpr int kMaxNestingDepth = 64;

struct ParseResult {
  Specification specification;
  /// No syntax error: the tree is whole and check() may run on it. (Errors that only
  /// concern meaning, like a second `default`, are reported but leave this true.)
  bool syntax_ok = true;
};

[[nodiscard]] ParseResult parse(Lexer& lexer, Diagnostics& diagnostics);

}  // namespace nelson::gen
