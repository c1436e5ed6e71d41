// The contract between the Loop and an I/O backend: operations, not readiness.
//
// A backend is told which handles exist and what they want (read, accept, flush output) and
// delivers what happened through the handles' callbacks. Readiness backends (select, epoll,
// kqueue) share one engine, ReadinessBackend, that calls read()/writev() when a Poller says a
// descriptor is ready; the io_uring backend submits the operations themselves and reaps
// completions. The Loop never sees an epoll_event or a CQE.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "core/handle.hpp"

namespace nelson::core {

enum class BackendKind : std::uint8_t { automatic, select, epoll, kqueue, io_uring };

[[nodiscard]] std::string_view to_string(BackendKind kind) noexcept;
/// "auto", "select", "epoll", "kqueue", "io_uring" (also "uring"); false on anything else.
[[nodiscard]] bool parse_backend(std::string_view text, BackendKind& out) noexcept;

/// An internal watcher: a descriptor whose readability the loop wants to hear about (the
/// signal descriptor). Not for users.
class Watcher final : public Handle {
 public:
  Watcher(Loop& loop, int fd, std::function<void()> callback) noexcept
      : Handle(loop, fd, HandleKind::watcher), on_readable(std::move(callback)) {}
  std::function<void()> on_readable;
};

class Backend {
 public:
  virtual ~Backend() = default;
  [[nodiscard]] virtual BackendKind kind() const noexcept = 0;

  /// A new handle (non-blocking, close-on-exec descriptor). Returns 0 or -errno.
  [[nodiscard]] virtual int attach(Handle& handle) noexcept = 0;
  /// The handle's wishes changed (reading started or paused, a connect began).
  virtual void update(Handle& handle) noexcept = 0;
  /// The handle is closing: stop its events. Its descriptor is closed, and its memory freed,
  /// once handle.pending_ops is 0 (completion backends cancel what is in flight).
  virtual void detach(Handle& handle) noexcept = 0;
  /// Sends the stream's queued output (the loop's flush phase calls this once per stream).
  virtual void flush(Stream& stream) noexcept = 0;
  /// Waits up to `timeout` (zero: do not block) and dispatches what happened.
  virtual void poll(std::chrono::nanoseconds timeout) noexcept = 0;
};

struct BackendResult {
  std::unique_ptr<Backend> backend;
  std::string error;  // why it could not be created
};

// Factories, one per backend file; each returns an error where its backend cannot run here.
BackendResult make_select_backend(Loop& loop);
BackendResult make_epoll_backend(Loop& loop);
BackendResult make_kqueue_backend(Loop& loop);
BackendResult make_uring_backend(Loop& loop);

}  // namespace nelson::core
