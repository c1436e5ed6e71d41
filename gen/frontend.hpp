// gen::read_contract — the whole front end in one call: cpp, lexer, parser, checker.
//
//   gen::Contract c = gen::read_contract({.file = "nfs_prot.x", .defines = {"DEBUG"}});
//   std::fputs(c.cpp_messages.c_str(), stderr);                 // cpp's own warnings
//   std::fputs(gen::format(c.diagnostics, c.sources).c_str(), stderr);
//   if (!c.ok()) return 1;
//   generate(c.specification);                                  // every Value resolved
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "gen/ast.hpp"
#include "gen/diagnostics.hpp"
#include "gen/source.hpp"

namespace nelson::gen {

struct FrontendOptions {
  std::string file{};
  std::vector<std::string> defines{};       // -D NAME[=VALUE]
  std::vector<std::string> include_dirs{};  // -I DIR
  bool use_cpp = true;                      // false: read the file as it is (--no-cpp)
  std::string cpp = "cpp";
};

/// A parsed and checked contract, and what was said about it. Owns everything it holds.
struct Contract {
  Sources sources;
  Diagnostics diagnostics;
  Specification specification;  // as far as parsing got; complete when ok()
  std::string cpp_messages;     // cpp's stderr, to be shown as it is
  bool syntax_ok = false;       // parsed without syntax errors (check() ran)

  [[nodiscard]] bool ok() const noexcept { return syntax_ok && !diagnostics.has_errors(); }
};

[[nodiscard]] Contract read_contract(const FrontendOptions& options);

/// Parses and checks text held in memory, without cpp: `name` is the file it claims to be.
[[nodiscard]] Contract read_contract_text(const std::string& name, std::string_view text);

}  // namespace nelson::gen
