// Minimal structured logging: one line per event, to stderr unless a sink is installed,
// with a per-call-site rate limit for lines that hostile peers could trigger at will.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string_view>

namespace nelson::core {

enum class LogLevel : std::uint8_t { debug, info, warning, error };

/// Replaces the destination of log lines (tests capture them); nullptr restores stderr.
void set_log_sink(std::function<void(LogLevel, std::string_view)> sink);
void set_log_level(LogLevel minimum);
void log(LogLevel level, std::string_view message);

/// Lets at most one line through per `interval`, and says how many were suppressed.
class RateLimitedLog {
 public:
  explicit RateLimitedLog(std::chrono::steady_clock::duration interval = std::chrono::seconds(1)) noexcept
      : interval_(interval) {}
  void log(LogLevel level, std::string_view message);

 private:
  std::chrono::steady_clock::duration interval_;
  std::chrono::steady_clock::time_point last_{};
  std::uint64_t suppressed_ = 0;
};

}  // namespace nelson::core
