#include "gen/source.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <utility>

namespace nelson::gen {

std::uint32_t Sources::intern(std::string_view name) {
  for (std::size_t i = 0; i < files_.size(); ++i) {
    if (files_[i].name == name) return static_cast<std::uint32_t>(i);
  }
  File f;
  f.name = std::string(name);
  files_.push_back(std::move(f));
  return static_cast<std::uint32_t>(files_.size() - 1);
}

const std::string& Sources::name(std::uint32_t file) const {
  static const std::string kUnknown = "<unknown>";
  return file < files_.size() ? files_[file].name : kUnknown;
}

namespace {

std::vector<std::size_t> line_starts_of(std::string_view text) {
  std::vector<std::size_t> starts{0};
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') starts.push_back(i + 1);
  }
  return starts;
}

}  // namespace

void Sources::set_text(std::uint32_t file, std::string text) {
  if (file >= files_.size()) return;
  File& f = files_[file];
  f.text = std::move(text);
  f.line_starts = line_starts_of(f.text);
  f.loaded = true;
  f.readable = true;
}

void Sources::load(File& f) {
  f.loaded = true;
  std::ifstream in(f.name, std::ios::binary);
  if (!in) return;
  f.text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  f.line_starts = line_starts_of(f.text);
  f.readable = true;
}

std::optional<std::string_view> Sources::line(std::uint32_t file, std::uint32_t line) {
  if (file >= files_.size() || line == 0) return std::nullopt;
  File& f = files_[file];
  if (!f.loaded) load(f);
  if (!f.readable || line > f.line_starts.size()) return std::nullopt;
  const std::size_t begin = f.line_starts[line - 1];
  std::size_t end = line < f.line_starts.size() ? f.line_starts[line] - 1 : f.text.size();
  if (end > begin && f.text[end - 1] == '\r') --end;
  if (begin > f.text.size()) return std::nullopt;
  return std::string_view(f.text).substr(begin, end - begin);
}

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r'; }

}  // namespace

std::uint32_t original_column(std::string_view seen, std::string_view original, std::uint32_t seen_column) noexcept {
  if (seen_column == 0) return 0;
  const std::size_t target = seen_column - 1;
  std::size_t s = 0;
  std::size_t o = 0;
  while (s < target && s < seen.size()) {
    if (is_blank(seen[s])) {
      if (o >= original.size() || !is_blank(original[o])) break;  // the lines differ from here
      while (s < seen.size() && s < target && is_blank(seen[s])) ++s;
      if (s == target && s < seen.size() && is_blank(seen[s])) {
        // The target is inside a run of blanks: keep its offset within the run.
        break;
      }
      while (o < original.size() && is_blank(original[o])) ++o;
      continue;
    }
    if (o >= original.size() || original[o] != seen[s]) break;
    ++s;
    ++o;
  }
  // Aligned up to (s, o); whatever is left of the distance to the target keeps its length.
  const std::size_t column = o + (target - std::min(target, s)) + 1;
  return static_cast<std::uint32_t>(std::min<std::size_t>(column, original.size() + 1));
}

}  // namespace nelson::gen
