// gen::Diagnostics — errors and notes, collected like a compiler does and printed like one:
//
//   nfs_prot.x:12:19: error: expected ';', found '}'
//   	int size }
//   	         ^
//
// Nothing in the front end throws: the lexer, parser and checker report here and go on, so
// one run shows many mistakes. After kMaxErrors errors the collector says so once and
// `full()` turns true; the parser stops there instead of producing a wall of cascades.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gen/source.hpp"

namespace nelson::gen {

enum class Severity : std::uint8_t { error, warning, note };

struct Diagnostic {
  Severity severity = Severity::error;
  Location location;  // line 0: about the whole run (e.g. the preprocessor failed)
  std::string message;
};

class Diagnostics {
 public:
  /// How many errors are kept; later ones are counted, not stored.
  static constexpr std::size_t kMaxErrors = 20;

  void error(Location where, std::string message);
  void warning(Location where, std::string message);
  /// Attaches to the diagnostic before it ("previous definition is here").
  void note(Location where, std::string message);

  [[nodiscard]] std::size_t error_count() const noexcept { return errors_; }
  [[nodiscard]] bool has_errors() const noexcept { return errors_ > 0; }
  [[nodiscard]] bool full() const noexcept { return errors_ >= kMaxErrors; }
  [[nodiscard]] const std::vector<Diagnostic>& all() const noexcept { return items_; }

 private:
  std::vector<Diagnostic> items_;
  std::size_t errors_ = 0;
  bool dropping_ = false;  // the last error was not stored, so neither are its notes
};

/// 'name', as messages quote names and tokens. (Built by appending: GCC 12 at -O3 warns
/// falsely, -Wrestrict, on "'" + std::string(name).)
[[nodiscard]] std::string quoted(std::string_view name);

/// One diagnostic as `file:line:col: error: message`, then the source line and a caret line
/// when the original line can be read. Ends with a newline.
[[nodiscard]] std::string format(const Diagnostic& d, Sources& sources);

/// All of them, then "N errors generated." when there were errors (as clang does).
[[nodiscard]] std::string format(const Diagnostics& diagnostics, Sources& sources);

}  // namespace nelson::gen
