// gen::Sources — the files a contract was read from, and where in them things are.
//
// The lexer reads one text: the contract after the C preprocessor, or the contract itself
// with --no-cpp. cpp's line markers (`# 12 "nfs_prot.x"`) tell it which original file and
// line it is in, so every Location names the file the user wrote:
//
//   Sources sources;
//   std::uint32_t id = sources.intern("mount.x");
//   Location where{id, 42, 7};                       // mount.x:42:7
//   std::optional<std::string_view> text = sources.line(id, 42);   // for the caret line
//
// Original texts are read from disk the first time a line is asked for, or registered up
// front with set_text() (tests, --no-cpp). cpp collapses runs of blanks, so the lexer maps
// each column of the text it reads back onto the original line (original_column()).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nelson::gen {

/// A position in an original file: `line` and `column` count from 1 (0 means unknown);
/// the column counts bytes, so a tab is one column.
struct Location {
  std::uint32_t file = 0;  // an id from Sources::intern()
  std::uint32_t line = 0;
  std::uint32_t column = 0;

  friend bool operator==(const Location&, const Location&) = default;
};

class Sources {
 public:
  /// The id of a file name, the same id for the same name.
  std::uint32_t intern(std::string_view name);
  [[nodiscard]] const std::string& name(std::uint32_t file) const;
  [[nodiscard]] std::size_t size() const noexcept { return files_.size(); }

  /// Registers a file's original text, so it is not read from disk.
  void set_text(std::uint32_t file, std::string text);

  /// One line of a file's original text, without its newline; nullopt when the file cannot
  /// be read ("<command-line>") or has no such line. The view lives as long as this object.
  std::optional<std::string_view> line(std::uint32_t file, std::uint32_t line);

 private:
  struct File {
    std::string name;
    bool loaded = false;  // text and line_starts are valid (or the file could not be read)
    bool readable = false;
    std::string text;
    std::vector<std::size_t> line_starts;
  };
  void load(File& f);

  std::vector<File> files_;
};

/// Maps a 1-based column of `seen` (a line as the preprocessor wrote it) onto `original` (the
/// line as the user wrote it): runs of blanks match runs of blanks, other bytes must agree.
/// Past the point where the two lines differ (a macro was expanded) the offset is kept.
[[nodiscard]] std::uint32_t original_column(std::string_view seen, std::string_view original,
                                            std::uint32_t seen_column) noexcept;

}  // namespace nelson::gen
