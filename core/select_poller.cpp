// select(2): the portable fallback. Descriptors >= FD_SETSIZE cannot be put in an fd_set
// without writing past it, so they are refused with EMFILE and a clear log line instead.
#include <sys/select.h>

#include <cerrno>
#include <string>
#include <vector>

#include "core/backend.hpp"
#include "core/log.hpp"
#include "core/poller.hpp"
#include "core/readiness_backend.hpp"

namespace nelson::core {
namespace {

class SelectPoller final : public Poller {
 public:
  int set(int fd, Handle* handle, std::uint32_t /*old_events*/, std::uint32_t events) noexcept override {
    if (fd < 0 || fd >= FD_SETSIZE) {
      log(LogLevel::error, "select backend: descriptor " + std::to_string(fd) + " is >= FD_SETSIZE (" +
                               std::to_string(FD_SETSIZE) + "); refusing it (use --backend epoll)");
      return -EMFILE;
    }
    if (static_cast<std::size_t>(fd) >= slots_.size()) slots_.resize(static_cast<std::size_t>(fd) + 1);
    slots_[static_cast<std::size_t>(fd)] = Slot{handle, events};
    if (fd + 1 > max_fd_plus_one_) max_fd_plus_one_ = fd + 1;
    return 0;
  }

  void remove(int fd, std::uint32_t /*old_events*/) noexcept override {
    if (fd >= 0 && static_cast<std::size_t>(fd) < slots_.size()) slots_[static_cast<std::size_t>(fd)] = Slot{};
  }

  int wait(std::span<Fired> out, std::chrono::nanoseconds timeout) noexcept override {
    fd_set readable;
    fd_set writable;
    FD_ZERO(&readable);
    FD_ZERO(&writable);
    int top = 0;
    for (int fd = 0; fd < max_fd_plus_one_; ++fd) {
      const Slot& s = slots_[static_cast<std::size_t>(fd)];
      if ((s.events & kPollRead) != 0) FD_SET(fd, &readable);
      if ((s.events & kPollWrite) != 0) FD_SET(fd, &writable);
      if (s.events != 0) top = fd + 1;
    }
    max_fd_plus_one_ = top;
    timeval tv{};
    timeval* tvp = nullptr;
    if (timeout != std::chrono::nanoseconds::max()) {
      const auto us = std::chrono::duration_cast<std::chrono::microseconds>(timeout + std::chrono::nanoseconds(999));
      tv.tv_sec = static_cast<time_t>(us.count() / 1000000);
      tv.tv_usec = static_cast<suseconds_t>(us.count() % 1000000);
      tvp = &tv;
    }
    if (::select(top, &readable, &writable, nullptr, tvp) <= 0) return 0;
    int n = 0;
    for (int fd = 0; fd < top && static_cast<std::size_t>(n) < out.size(); ++fd) {
      const std::uint32_t e = (FD_ISSET(fd, &readable) ? kPollRead : 0U) | (FD_ISSET(fd, &writable) ? kPollWrite : 0U);
      if (e != 0) out[static_cast<std::size_t>(n++)] = Fired{slots_[static_cast<std::size_t>(fd)].handle, e};
    }
    return n;
  }

 private:
  struct Slot {
    Handle* handle = nullptr;
    std::uint32_t events = 0;
  };
  std::vector<Slot> slots_;
  int max_fd_plus_one_ = 0;
};

}  // namespace

BackendResult make_select_backend(Loop& loop) {
  return {std::make_unique<ReadinessBackend>(loop, BackendKind::select, std::make_unique<SelectPoller>()), {}};
}

}  // namespace nelson::core
