#include "core/log.hpp"

#include <cstdio>
#include <string>
#include <utility>

namespace nelson::core {
namespace {

// Process-wide on purpose: logging is configured once by main() and shared by every loop.
std::function<void(LogLevel, std::string_view)>& sink() {
  static std::function<void(LogLevel, std::string_view)> instance;
  return instance;
}
LogLevel g_minimum = LogLevel::info;

std::string_view level_name(LogLevel level) {
  switch (level) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warning: return "warning";
    case LogLevel::error: return "error";
  }
  return "?";
}

}  // namespace

void set_log_sink(std::function<void(LogLevel, std::string_view)> s) { sink() = std::move(s); }
void set_log_level(LogLevel minimum) { g_minimum = minimum; }

void log(LogLevel level, std::string_view message) {
  if (level < g_minimum) return;
  if (sink()) {
    sink()(level, message);
    return;
  }
  const std::string_view name = level_name(level);
  std::fprintf(stderr, "nelson %.*s: %.*s\n", static_cast<int>(name.size()), name.data(),
               static_cast<int>(message.size()), message.data());
}

void RateLimitedLog::log(LogLevel level, std::string_view message) {
  const auto now = std::chrono::steady_clock::now();
  if (last_ != std::chrono::steady_clock::time_point{} && now - last_ < interval_) {
    ++suppressed_;
    return;
  }
  last_ = now;
  if (suppressed_ == 0) {
    core::log(level, message);
    return;
  }
  std::string line(message);
  line += " (" + std::to_string(suppressed_) + " similar lines suppressed)";
  suppressed_ = 0;
  core::log(level, line);
}

}  // namespace nelson::core
