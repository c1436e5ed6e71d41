// The lexer: tokens, comments, cpp line markers, '%' lines, and its own mistakes.
#include "gen/lexer.hpp"

#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace nelson::gen {
namespace {

struct Lexed {
  Sources sources;
  Diagnostics diagnostics;
  std::vector<Token> tokens;
  std::vector<std::string> texts;  // the tokens' texts, copied: a continued '%' line lives in the lexer
  std::string text;
};

void lex_all(Lexed& out, std::string text, LexerOptions options = {}) {
  out.text = std::move(text);
  Lexer lexer(out.text, out.sources.intern("t.x"), out.sources, out.diagnostics, options);
  for (Token t = lexer.next(); t.kind != TokenKind::end; t = lexer.next()) {
    out.tokens.push_back(t);
    out.texts.emplace_back(t.text);
  }
}

TEST(GenLexer, KeywordsIdentifiersPunctuation) {
  Lexed l;
  lex_all(l, "struct foo { unsigned hyper x<>; };");
  const std::vector<TokenKind> want{TokenKind::kw_struct,   TokenKind::identifier, TokenKind::lbrace,
                                    TokenKind::kw_unsigned, TokenKind::kw_hyper,   TokenKind::identifier,
                                    TokenKind::langle,      TokenKind::rangle,     TokenKind::semicolon,
                                    TokenKind::rbrace,      TokenKind::semicolon};
  ASSERT_EQ(l.tokens.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_EQ(l.tokens[i].kind, want[i]) << i;
  EXPECT_EQ(l.texts[1], "foo");
  EXPECT_EQ(l.tokens[1].location, (Location{0, 1, 8}));
  EXPECT_FALSE(l.diagnostics.has_errors());
}

TEST(GenLexer, NumbersKeepTheirSpellingAndParse) {
  Lexed l;
  lex_all(l, "10 0x1F 017 -5 0");
  ASSERT_EQ(l.tokens.size(), 5U);
  const std::vector<std::int64_t> want{10, 31, 15, -5, 0};
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(l.tokens[i].kind, TokenKind::number);
    std::int64_t v = 0;
    ASSERT_TRUE(parse_integer(l.texts[i], v)) << l.texts[i];
    EXPECT_EQ(v, want[i]);
  }
  std::int64_t v = 0;
  EXPECT_FALSE(parse_integer("08", v));
  EXPECT_FALSE(parse_integer("0x", v));
  EXPECT_FALSE(parse_integer("12ab", v));
  EXPECT_FALSE(parse_integer("9223372036854775808", v));
  EXPECT_TRUE(parse_integer("-9223372036854775808", v));
  EXPECT_EQ(v, std::numeric_limits<std::int64_t>::min());
  EXPECT_TRUE(parse_integer("0xffffffff", v));
  EXPECT_EQ(v, 0xffffffffLL);
}

TEST(GenLexer, CommentsOfBothKindsAreSkippedAndCountLines) {
  Lexed l;
  lex_all(l, "/* one\n two */ a // three\nb");
  ASSERT_EQ(l.tokens.size(), 2U);
  EXPECT_EQ(l.tokens[0].location, (Location{0, 2, 9}));
  EXPECT_EQ(l.tokens[1].location, (Location{0, 3, 1}));
}

TEST(GenLexer, LineMarkersSetFileAndLine) {
  Lexed l;
  lex_all(l, "# 1 \"main.x\"\na\n# 40 \"inc\\\\luded.x\" 1\nb\n#line 7 \"main.x\"\nc\n#pragma once\nd");
  ASSERT_EQ(l.tokens.size(), 4U);
  EXPECT_EQ(l.sources.name(l.tokens[0].location.file), "main.x");
  EXPECT_EQ(l.tokens[0].location.line, 1U);
  EXPECT_EQ(l.sources.name(l.tokens[1].location.file), "inc\\luded.x");
  EXPECT_EQ(l.tokens[1].location.line, 40U);
  EXPECT_EQ(l.sources.name(l.tokens[2].location.file), "main.x");
  EXPECT_EQ(l.tokens[2].location.line, 7U);
  EXPECT_EQ(l.tokens[3].location.line, 9U);  // #pragma skipped, still a line
  EXPECT_FALSE(l.diagnostics.has_errors());
}

TEST(GenLexer, PassthroughLinesWholeAndContinued) {
  Lexed l;
  lex_all(l, "%#include <x.h>\n  a\n%#define M(x) \\\n%\t(x)+1\nb %not");
  ASSERT_GE(l.tokens.size(), 4U);
  EXPECT_EQ(l.tokens[0].kind, TokenKind::passthrough);
  EXPECT_EQ(l.texts[0], "#include <x.h>");
  EXPECT_EQ(l.texts[1], "a");
  EXPECT_EQ(l.tokens[2].kind, TokenKind::passthrough);
  EXPECT_EQ(l.texts[2], "#define M(x) \\\n\t(x)+1");
  EXPECT_EQ(l.tokens[3].location.line, 5U);
  // '%' is only special in column 1.
  EXPECT_EQ(l.diagnostics.error_count(), 1U);
  EXPECT_EQ(l.diagnostics.all()[0].message, "unexpected character '%'");
}

TEST(GenLexer, StringConstants) {
  Lexed l;
  lex_all(l, "const K = \"d4a0\";\n\"open");
  ASSERT_GE(l.tokens.size(), 4U);
  EXPECT_EQ(l.tokens[3].kind, TokenKind::string);
  EXPECT_EQ(l.texts[3], "d4a0");
  ASSERT_EQ(l.diagnostics.error_count(), 1U);
  EXPECT_EQ(l.diagnostics.all()[0].message, "unterminated string");
}

TEST(GenLexer, MistakesAreReportedAndSkipped) {
  Lexed l;
  lex_all(l, "a @ b\x01 c\n#define X 1\n/* never closed");
  ASSERT_EQ(l.tokens.size(), 3U);
  ASSERT_EQ(l.diagnostics.error_count(), 4U);
  EXPECT_EQ(l.diagnostics.all()[0].message, "unexpected character '@'");
  EXPECT_EQ(l.diagnostics.all()[0].location, (Location{0, 1, 3}));
  EXPECT_EQ(l.diagnostics.all()[1].message, "unexpected character '\\x01'");
  EXPECT_EQ(l.diagnostics.all()[2].message, "'#define' needs the C preprocessor (the input was read without it)");
  EXPECT_EQ(l.diagnostics.all()[3].message, "unterminated comment");
  EXPECT_EQ(l.diagnostics.all()[3].location, (Location{0, 3, 1}));
}

TEST(GenLexer, ColumnsMapBackOntoTheOriginalLine) {
  // cpp turned "\tint    a;" into " int a;": columns must point into the original.
  EXPECT_EQ(original_column(" int a;", "\tint    a;", 2), 2U);
  EXPECT_EQ(original_column(" int a;", "\tint    a;", 6), 9U);
  EXPECT_EQ(original_column(" int a;", "\tint    a;", 7), 10U);
  // After a macro expansion the lines differ: keep the distance from where they did.
  EXPECT_EQ(original_column("x = 16;", "x = WIDTH;", 8), 8U);
  EXPECT_EQ(original_column("abc", "abc", 0), 0U);
  EXPECT_EQ(original_column("a", "", 5), 1U);

  Lexed l;
  const std::uint32_t file = l.sources.intern("t.x");
  l.sources.set_text(file, "struct   foo {\n\tint    a;\n};\n");
  lex_all(l, "# 1 \"t.x\"\nstruct foo {\n int a;\n};\n", {.after_cpp = true});
  ASSERT_EQ(l.tokens.size(), 8U);
  EXPECT_EQ(l.tokens[1].location, (Location{file, 1, 10}));
  EXPECT_EQ(l.tokens[4].location, (Location{file, 2, 9}));
}

TEST(GenLexer, DescribesTokenKinds) {
  EXPECT_EQ(describe(TokenKind::semicolon), "';'");
  EXPECT_EQ(describe(TokenKind::kw_struct), "'struct'");
  EXPECT_EQ(describe(TokenKind::end), "end of file");
}

}  // namespace
}  // namespace nelson::gen
