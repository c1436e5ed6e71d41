// Poller: the ~100-line part that differs between readiness backends (select, epoll, kqueue).
// It only waits and translates native events into Fired entries; ReadinessBackend does the I/O.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>

namespace nelson::core {

class Handle;

enum PollEvents : std::uint32_t { kPollRead = 1, kPollWrite = 2 };

struct Fired {
  Handle* handle;
  std::uint32_t events;  // kPollRead | kPollWrite (errors and hang-ups report as readable)
};

class Poller {
 public:
  virtual ~Poller() = default;
  /// Sets the interest of `fd` to `events` (0: none), adding it when new. Returns 0 or -errno.
  [[nodiscard]] virtual int set(int fd, Handle* handle, std::uint32_t old_events, std::uint32_t events) noexcept = 0;
  /// Forgets `fd` (before it is closed).
  virtual void remove(int fd, std::uint32_t old_events) noexcept = 0;
  /// Waits up to `timeout` (zero: poll; max: forever); returns the number of entries filled.
  virtual int wait(std::span<Fired> out, std::chrono::nanoseconds timeout) noexcept = 0;
};

}  // namespace nelson::core
