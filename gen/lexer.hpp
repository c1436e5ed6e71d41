// gen::Lexer — turns RPCL text (RFC 4506 section 6, RFC 5531 section 12) into tokens.
//
//   Lexer lex(text, sources.intern("calc.x"), sources, diagnostics, {.after_cpp = true});
//   for (Token t = lex.next(); t.kind != TokenKind::end; t = lex.next()) ...
//
// Besides tokens, the lexer understands what sits between them in real `.x` files:
//  - comments: `/* ... */` (RFC) and `// ...` (rpcgen's cpp -C keeps them; rpcgen itself
//    rejects them — we accept them, as C programmers write them);
//  - cpp line markers at the start of a line, `# 12 "file.x" 1` and `#line 12 "file.x"`, which
//    set the file and line of what follows; `#pragma` and `#ident` lines are skipped;
//  - `%` lines (column 1), returned whole as TokenKind::passthrough for the output. A `%`
//    line whose original ends in a backslash goes on over the next line (C macros in real
//    files do this; cpp splices the lines and drops the backslash, so the lexer asks the
//    original text); the token's text then joins the lines with "\\\n".
// Mistakes (a bad character, an unterminated comment, a malformed number) are reported to
// Diagnostics; the lexer skips the offending bytes and goes on. Token texts are views into
// the input, or into the lexer for a continued '%' line: valid while both live.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "gen/diagnostics.hpp"
#include "gen/source.hpp"

namespace nelson::gen {

enum class TokenKind : std::uint8_t {
  end,  // end of input (returned forever after)
  identifier,
  number,       // decimal, 0x hex or 0 octal, with an optional leading '-'; text as written
  passthrough,  // a '%' line; text is what follows the '%'
  string,       // "text" (rpcgen's string constants: const NAME = "text"); text without quotes
  // keywords (RFC 4506, RFC 5531, and rpcgen's char/short/long)
  kw_bool,
  kw_case,
  kw_char,
  kw_const,
  kw_default,
  kw_double,
  kw_enum,
  kw_float,
  kw_hyper,
  kw_int,
  kw_long,
  kw_opaque,
  kw_program,
  kw_quadruple,
  kw_short,
  kw_string,
  kw_struct,
  kw_switch,
  kw_typedef,
  kw_union,
  kw_unsigned,
  kw_version,
  kw_void,
  // punctuation
  lbrace,
  rbrace,
  lparen,
  rparen,
  lbracket,
  rbracket,
  langle,
  rangle,
  semicolon,
  colon,
  comma,
  equals,
  star,
};

/// Reads an integer constant as RPCL writes it: decimal, 0x hex or 0 octal, with an
/// optional leading '-'. False when malformed or outside int64.
[[nodiscard]] bool parse_integer(std::string_view text, std::int64_t& out) noexcept;

/// How a token kind reads in a message: "';'", "'struct'", "identifier", "end of file".
[[nodiscard]] std::string_view describe(TokenKind kind) noexcept;

struct Token {
  TokenKind kind = TokenKind::end;
  std::string_view text;
  Location location;
};

struct LexerOptions {
  /// The text came out of cpp: map columns back onto the original lines, which cpp
  /// rewrote (it collapses blanks). Without it the text is the original.
  bool after_cpp = false;
};

class Lexer {
 public:
  /// `file` names the text until a line marker says otherwise.
  Lexer(std::string_view text, std::uint32_t file, Sources& sources, Diagnostics& diagnostics,
        LexerOptions options = {}) noexcept;

  Token next();

 private:
  void skip_blanks_and_comments();
  void read_directive();  // at a '#' in column 1
  void newline();
  Token read_passthrough();
  [[nodiscard]] bool line_continues();  // the current line, as originally written, ends in '\\'
  [[nodiscard]] std::size_t end_of_line() const noexcept;
  [[nodiscard]] Location here() noexcept { return location_at(pos_); }
  [[nodiscard]] Location end_location();
  [[nodiscard]] Location location_at(std::size_t offset) noexcept;
  [[nodiscard]] bool at_line_start() const noexcept { return pos_ == line_start_; }
  [[nodiscard]] char peek(std::size_t ahead = 0) const noexcept {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t line_start_ = 0;  // offset of the current line in text_
  std::uint32_t file_;
  std::uint32_t line_ = 1;  // the original line of the current line (line markers move it)
  Sources& sources_;
  Diagnostics& diagnostics_;
  LexerOptions options_;
  std::deque<std::string> joined_;  // texts of continued '%' lines (tokens view them)
};

}  // namespace nelson::gen
