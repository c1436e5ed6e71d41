#include "gen/lexer.hpp"

#include <array>
#include <cctype>
#include <cstdio>
#include <limits>
#include <string>
#include <utility>

namespace nelson::gen {

namespace {

constexpr std::array<std::pair<std::string_view, TokenKind>, 23> kKeywords{{
    {"bool", TokenKind::kw_bool},       {"case", TokenKind::kw_case},           {"char", TokenKind::kw_char},
    {"const", TokenKind::kw_const},     {"default", TokenKind::kw_default},     {"double", TokenKind::kw_double},
    {"enum", TokenKind::kw_enum},       {"float", TokenKind::kw_float},         {"hyper", TokenKind::kw_hyper},
    {"int", TokenKind::kw_int},         {"long", TokenKind::kw_long},           {"opaque", TokenKind::kw_opaque},
    {"program", TokenKind::kw_program}, {"quadruple", TokenKind::kw_quadruple}, {"short", TokenKind::kw_short},
    {"string", TokenKind::kw_string},   {"struct", TokenKind::kw_struct},       {"switch", TokenKind::kw_switch},
    {"typedef", TokenKind::kw_typedef}, {"union", TokenKind::kw_union},         {"unsigned", TokenKind::kw_unsigned},
    {"version", TokenKind::kw_version}, {"void", TokenKind::kw_void},
}};

bool is_ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_'; }
bool is_ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r'; }

std::string printable(char c) {
  if (std::isprint(static_cast<unsigned char>(c)) != 0) return std::string(1, c);
  std::array<char, 8> buf{};
  std::snprintf(buf.data(), buf.size(), "\\x%02x", static_cast<unsigned>(static_cast<unsigned char>(c)));
  return buf.data();
}

}  // namespace

bool parse_integer(std::string_view text, std::int64_t& out) noexcept {
  const bool negative = text.starts_with('-');
  if (negative) text.remove_prefix(1);
  unsigned base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  } else if (text.size() > 1 && text[0] == '0') {
    base = 8;
    text.remove_prefix(1);
  }
  if (text.empty()) return false;
  std::uint64_t magnitude = 0;
  for (const char c : text) {
    unsigned digit = 0;
    if (c >= '0' && c <= '9') {
      digit = static_cast<unsigned>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      digit = static_cast<unsigned>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      digit = static_cast<unsigned>(c - 'A' + 10);
    } else {
      return false;
    }
    if (digit >= base) return false;
    if (magnitude > (std::numeric_limits<std::uint64_t>::max() - digit) / base) return false;
    magnitude = magnitude * base + digit;
  }
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (magnitude > kMax + (negative ? 1 : 0)) return false;
  // -2^63 has no positive counterpart: negate in unsigned arithmetic, then convert.
  out = negative ? static_cast<std::int64_t>(~magnitude + 1) : static_cast<std::int64_t>(magnitude);
  return true;
}

std::string_view describe(TokenKind kind) noexcept {
  switch (kind) {
    case TokenKind::end: return "end of file";
    case TokenKind::identifier: return "identifier";
    case TokenKind::number: return "number";
    case TokenKind::passthrough: return "'%' line";
    case TokenKind::string: return "string";
    case TokenKind::lbrace: return "'{'";
    case TokenKind::rbrace: return "'}'";
    case TokenKind::lparen: return "'('";
    case TokenKind::rparen: return "')'";
    case TokenKind::lbracket: return "'['";
    case TokenKind::rbracket: return "']'";
    case TokenKind::langle: return "'<'";
    case TokenKind::rangle: return "'>'";
    case TokenKind::semicolon: return "';'";
    case TokenKind::colon: return "':'";
    case TokenKind::comma: return "','";
    case TokenKind::equals: return "'='";
    case TokenKind::star: return "'*'";
    default: break;
  }
  // Keywords quoted, as they appear in messages: "expected ';', found 'int'".
  static constexpr std::array<std::string_view, kKeywords.size()> kQuoted{
      "'bool'",   "'case'",   "'char'",    "'const'",  "'default'",  "'double'",    "'enum'",  "'float'",
      "'hyper'",  "'int'",    "'long'",    "'opaque'", "'program'",  "'quadruple'", "'short'", "'string'",
      "'struct'", "'switch'", "'typedef'", "'union'",  "'unsigned'", "'version'",   "'void'"};
  for (std::size_t i = 0; i < kKeywords.size(); ++i) {
    if (kKeywords[i].second == kind) return kQuoted[i];
  }
  return "token";
}

Lexer::Lexer(std::string_view text, std::uint32_t file, Sources& sources, Diagnostics& diagnostics,
             LexerOptions options) noexcept
    : text_(text), file_(file), sources_(sources), diagnostics_(diagnostics), options_(options) {}

Location Lexer::location_at(std::size_t offset) noexcept {
  auto column = static_cast<std::uint32_t>(offset - line_start_ + 1);
  if (options_.after_cpp) {
    if (const auto original = sources_.line(file_, line_)) {
      const std::size_t eol = text_.find('\n', line_start_);
      const std::string_view seen =
          text_.substr(line_start_, (eol == std::string_view::npos ? text_.size() : eol) - line_start_);
      column = original_column(seen, *original, column);
    }
  }
  return {file_, line_, column};
}

void Lexer::newline() {
  ++pos_;
  line_start_ = pos_;
  ++line_;
}

void Lexer::read_directive() {
  const Location where = here();
  const std::size_t eol_found = text_.find('\n', pos_);
  const std::size_t eol = eol_found == std::string_view::npos ? text_.size() : eol_found;
  std::string_view rest = text_.substr(pos_ + 1, eol - pos_ - 1);
  auto skip_blanks = [&rest] {
    while (!rest.empty() && is_blank(rest.front())) rest.remove_prefix(1);
  };
  skip_blanks();
  if (rest.starts_with("line") && (rest.size() == 4 || is_blank(rest[4]))) {
    rest.remove_prefix(4);
    skip_blanks();
  }
  // A line marker: `# 12 "file.x" flags` or `#line 12 "file.x"`; the file is optional.
  bool is_marker = false;
  std::uint64_t marker_line = 0;
  std::string marker_file;
  if (!rest.empty() && is_digit(rest.front())) {
    while (!rest.empty() && is_digit(rest.front()) && marker_line <= 0xffffffffU) {
      marker_line = marker_line * 10 + static_cast<std::uint64_t>(rest.front() - '0');
      rest.remove_prefix(1);
    }
    is_marker = marker_line <= 0xffffffffU && (rest.empty() || is_blank(rest.front()));
    skip_blanks();
    if (is_marker && !rest.empty() && rest.front() == '"') {
      rest.remove_prefix(1);
      is_marker = false;  // until the closing quote
      while (!rest.empty()) {
        const char c = rest.front();
        rest.remove_prefix(1);
        if (c == '"') {
          is_marker = true;
          break;
        }
        if (c == '\\' && !rest.empty()) {  // cpp escapes '\\' and '"' in names
          marker_file += rest.front();
          rest.remove_prefix(1);
        } else {
          marker_file += c;
        }
      }
    }
    if (!is_marker) diagnostics_.error(where, "malformed line marker");
  } else if (!rest.empty() && !rest.starts_with("pragma") && !rest.starts_with("ident")) {
    // #pragma and #ident are for a C compiler; an empty '#' is C's null directive.
    const std::string_view word = rest.substr(0, rest.find_first_of(" \t"));
    diagnostics_.error(
        where, quoted(std::string("#").append(word)) + " needs the C preprocessor (the input was read without it)");
  }
  pos_ = eol;
  if (pos_ < text_.size()) {
    newline();
    if (is_marker) {
      line_ = static_cast<std::uint32_t>(marker_line);
      if (!marker_file.empty()) file_ = sources_.intern(marker_file);
    }
  }
}

void Lexer::skip_blanks_and_comments() {
  while (pos_ < text_.size()) {
    const char c = peek();
    if (c == '\n') {
      newline();
    } else if (is_blank(c)) {
      ++pos_;
    } else if (c == '/' && peek(1) == '*') {
      const Location start = here();
      pos_ += 2;
      while (pos_ < text_.size() && !(peek() == '*' && peek(1) == '/')) {
        if (peek() == '\n') {
          newline();
        } else {
          ++pos_;
        }
      }
      if (pos_ >= text_.size()) {
        diagnostics_.error(start, "unterminated comment");
        return;
      }
      pos_ += 2;
    } else if (c == '/' && peek(1) == '/') {
      while (pos_ < text_.size() && peek() != '\n') ++pos_;
    } else if (c == '#' && at_line_start()) {
      read_directive();
    } else {
      return;
    }
  }
}

Location Lexer::end_location() {
  // A file ends with a newline: point just past the last line, as compilers do, rather
  // than at an empty line that is not there.
  if (line_start_ != pos_ || line_ <= 1 || pos_ == 0) return here();
  std::size_t previous_start = text_.rfind('\n', pos_ - 2);
  previous_start = previous_start == std::string_view::npos ? 0 : previous_start + 1;
  std::size_t length = pos_ - 1 - previous_start;
  if (options_.after_cpp) {
    if (const auto original = sources_.line(file_, line_ - 1)) length = original->size();
  }
  return {file_, line_ - 1, static_cast<std::uint32_t>(length + 1)};
}

std::size_t Lexer::end_of_line() const noexcept {
  const std::size_t eol = text_.find('\n', pos_);
  return eol == std::string_view::npos ? text_.size() : eol;
}

bool Lexer::line_continues() {
  std::string_view line = text_.substr(line_start_, end_of_line() - line_start_);
  if (options_.after_cpp) {
    const auto original = sources_.line(file_, line_);
    if (!original) return false;
    line = *original;
  }
  while (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return !line.empty() && line.back() == '\\';
}

Token Lexer::read_passthrough() {
  const Location where = here();
  auto take_line = [this] {
    const std::size_t eol = end_of_line();
    std::string_view piece = text_.substr(pos_, eol - pos_);
    pos_ = eol;
    while (!piece.empty() && piece.back() == '\r') piece.remove_suffix(1);
    return piece;
  };
  ++pos_;  // %
  std::string_view first = take_line();
  if (!line_continues() || pos_ >= text_.size()) return {TokenKind::passthrough, first, where};
  std::string& joined = joined_.emplace_back();
  std::string_view piece = first;
  do {
    if (piece.ends_with('\\')) piece.remove_suffix(1);  // without cpp the backslash is still there
    joined += piece;
    joined += "\\\n";
    newline();
    piece = take_line();
    // A continuation line written with its own '%' (nis.x does): the '%' is not C.
    const std::size_t text_start = piece.find_first_not_of(" \t");
    if (text_start != std::string_view::npos && piece[text_start] == '%') piece.remove_prefix(text_start + 1);
  } while (line_continues() && pos_ < text_.size());
  joined += piece;
  return {TokenKind::passthrough, joined, where};
}

Token Lexer::next() {
  for (;;) {
    skip_blanks_and_comments();
    if (pos_ >= text_.size()) return {TokenKind::end, {}, end_location()};
    const std::size_t start = pos_;
    const char c = peek();
    if (c == '%' && at_line_start()) return read_passthrough();
    if (c == '"') {
      const std::size_t close = text_.find_first_of("\"\n", pos_ + 1);
      if (close == std::string_view::npos || text_[close] != '"') {
        diagnostics_.error(location_at(start), "unterminated string");
        pos_ = close == std::string_view::npos ? text_.size() : close;
        continue;
      }
      pos_ = close + 1;
      return {TokenKind::string, text_.substr(start + 1, close - start - 1), location_at(start)};
    }
    if (is_ident_start(c)) {
      while (pos_ < text_.size() && is_ident_char(peek())) ++pos_;
      const std::string_view word = text_.substr(start, pos_ - start);
      for (const auto& [keyword, kind] : kKeywords) {
        if (keyword == word) return {kind, word, location_at(start)};
      }
      return {TokenKind::identifier, word, location_at(start)};
    }
    if (is_digit(c) || (c == '-' && is_digit(peek(1)))) {
      ++pos_;
      while (pos_ < text_.size() && is_ident_char(peek())) ++pos_;
      return {TokenKind::number, text_.substr(start, pos_ - start), location_at(start)};
    }
    TokenKind kind = TokenKind::end;
    switch (c) {
      case '{': kind = TokenKind::lbrace; break;
      case '}': kind = TokenKind::rbrace; break;
      case '(': kind = TokenKind::lparen; break;
      case ')': kind = TokenKind::rparen; break;
      case '[': kind = TokenKind::lbracket; break;
      case ']': kind = TokenKind::rbracket; break;
      case '<': kind = TokenKind::langle; break;
      case '>': kind = TokenKind::rangle; break;
      case ';': kind = TokenKind::semicolon; break;
      case ':': kind = TokenKind::colon; break;
      case ',': kind = TokenKind::comma; break;
      case '=': kind = TokenKind::equals; break;
      case '*': kind = TokenKind::star; break;
      default: break;
    }
    ++pos_;
    if (kind != TokenKind::end) return {kind, text_.substr(start, 1), location_at(start)};
    diagnostics_.error(location_at(start), "unexpected character " + quoted(printable(c)));
  }
}

}  // namespace nelson::gen
