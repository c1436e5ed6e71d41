#include "gen/frontend.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "gen/check.hpp"
#include "gen/lexer.hpp"
#include "gen/parser.hpp"
#include "gen/preprocess.hpp"

namespace nelson::gen {

namespace {

void parse_and_check(Contract& c, std::string_view text, std::uint32_t file, bool after_cpp) {
  Lexer lexer(text, file, c.sources, c.diagnostics, {.after_cpp = after_cpp});
  ParseResult parsed = parse(lexer, c.diagnostics);
  c.specification = std::move(parsed.specification);
  c.syntax_ok = parsed.syntax_ok;
  // After a syntax error the tree has holes; checking it would mostly report their echoes.
  if (c.syntax_ok && !c.diagnostics.full()) (void)check(c.specification, c.diagnostics);
}

}  // namespace

Contract read_contract(const FrontendOptions& options) {
  Contract c;
  const std::uint32_t file = c.sources.intern(options.file);
  if (!options.use_cpp) {
    std::ifstream in(options.file, std::ios::binary);
    if (!in) {
      c.diagnostics.error({}, "cannot read '" + options.file + "': " + std::strerror(errno));
      return c;
    }
    std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    c.sources.set_text(file, text);
    parse_and_check(c, text, file, false);
    return c;
  }
  PreprocessResult pre = preprocess(
      {.input = options.file, .defines = options.defines, .include_dirs = options.include_dirs, .cpp = options.cpp});
  c.cpp_messages = std::move(pre.errors);
  if (!pre.ok()) {
    c.diagnostics.error({}, pre.exit_status < 0
                                ? "the C preprocessor did not run"
                                : "the C preprocessor failed (exit status " + std::to_string(pre.exit_status) + ")");
    return c;
  }
  parse_and_check(c, pre.output, file, true);
  return c;
}

Contract read_contract_text(const std::string& name, std::string_view text) {
  Contract c;
  const std::uint32_t file = c.sources.intern(name);
  c.sources.set_text(file, std::string(text));
  parse_and_check(c, text, file, false);
  return c;
}

}  // namespace nelson::gen
