#include "gen/diagnostics.hpp"

#include <utility>

namespace nelson::gen {

void Diagnostics::error(Location where, std::string message) {
  ++errors_;
  dropping_ = errors_ > kMaxErrors;
  if (dropping_) return;
  items_.push_back({Severity::error, where, std::move(message)});
  if (errors_ == kMaxErrors) {
    items_.push_back({Severity::error, {}, "too many errors, stopping now"});
  }
}

void Diagnostics::warning(Location where, std::string message) {
  dropping_ = full();
  if (!dropping_) items_.push_back({Severity::warning, where, std::move(message)});
}

void Diagnostics::note(Location where, std::string message) {
  if (dropping_ || (!items_.empty() && items_.back().location.line == 0)) return;
  items_.push_back({Severity::note, where, std::move(message)});
}

namespace {

const char* label(Severity s) {
  switch (s) {
    case Severity::error: return "error";
    case Severity::warning: return "warning";
    case Severity::note: return "note";
  }
  return "error";
}

}  // namespace

std::string quoted(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 2);
  out += '\'';
  out += name;
  out += '\'';
  return out;
}

std::string format(const Diagnostic& d, Sources& sources) {
  std::string out;
  if (d.location.line == 0) {
    out += "nelson-gen: ";
  } else {
    out += sources.name(d.location.file);
    out += ':' + std::to_string(d.location.line);
    if (d.location.column != 0) out += ':' + std::to_string(d.location.column);
    out += ": ";
  }
  out += label(d.severity);
  out += ": ";
  out += d.message;
  out += '\n';
  if (d.location.line == 0 || d.location.column == 0) return out;
  const auto line = sources.line(d.location.file, d.location.line);
  if (!line) return out;
  out += *line;
  out += '\n';
  // Keep tabs so the caret lands under the same character in any terminal.
  for (std::size_t i = 0; i + 1 < d.location.column; ++i) {
    out += (i < line->size() && (*line)[i] == '\t') ? '\t' : ' ';
  }
  out += "^\n";
  return out;
}

std::string format(const Diagnostics& diagnostics, Sources& sources) {
  std::string out;
  for (const Diagnostic& d : diagnostics.all()) out += format(d, sources);
  if (const std::size_t n = diagnostics.error_count(); n > 0) {
    out += std::to_string(n) + (n == 1 ? " error" : " errors") + " generated.\n";
  }
  return out;
}

}  // namespace nelson::gen
