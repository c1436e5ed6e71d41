// epoll, level-triggered.
//
// Why level- and not edge-triggered: a stream reads at most max_read_per_wakeup bytes per
// wake-up so that one busy peer cannot starve the others. Edge-triggered epoll would then need
// a list of "still readable" streams kept by hand; level-triggered simply reports them again.
// Interest changes are rare (a stream's write interest is armed only after a short writev),
// so the extra epoll_ctl calls of level-triggered mode cost nothing measurable.
#include <sys/epoll.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "core/backend.hpp"
#include "core/poller.hpp"
#include "core/readiness_backend.hpp"

namespace nelson::core {
namespace {

class EpollPoller final : public Poller {
 public:
  explicit EpollPoller(int epfd) noexcept : epfd_(epfd) {}
  ~EpollPoller() override { ::close(epfd_); }

  int set(int fd, Handle* handle, std::uint32_t old_events, std::uint32_t events) noexcept override {
    epoll_event ev{};
    ev.events = ((events & kPollRead) != 0 ? EPOLLIN : 0U) | ((events & kPollWrite) != 0 ? EPOLLOUT : 0U);
    ev.data.ptr = handle;
    // A descriptor stays registered (with no events) once added: re-arming is one MOD.
    const int op = old_events == kNotRegistered ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
    return ::epoll_ctl(epfd_, op, fd, &ev) == 0 ? 0 : -errno;
  }

  void remove(int fd, std::uint32_t old_events) noexcept override {
    if (old_events != kNotRegistered) ::epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
  }

  int wait(std::span<Fired> out, std::chrono::nanoseconds timeout) noexcept override {
    std::array<epoll_event, kMaxFired> events;  // NOLINT(cppcoreguidelines-pro-type-member-init): epoll_wait fills it
    const int max = static_cast<int>(std::min(out.size(), events.size()));
    int n = ::epoll_wait(epfd_, events.data(), max, timeout_ms(timeout));
    if (n < 0) return 0;  // EINTR: the loop comes round again
    for (int i = 0; i < n; ++i) {
      const std::uint32_t e = events[static_cast<std::size_t>(i)].events;
      out[static_cast<std::size_t>(i)] =
          Fired{static_cast<Handle*>(events[static_cast<std::size_t>(i)].data.ptr),
                ((e & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP)) != 0 ? kPollRead : 0U) |
                    ((e & (EPOLLOUT | EPOLLERR)) != 0 ? kPollWrite : 0U)};
    }
    return n;
  }

 private:
  int epfd_;
};

}  // namespace

BackendResult make_epoll_backend(Loop& loop) {
  const int epfd = ::epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) return {nullptr, std::strerror(errno)};
  return {std::make_unique<ReadinessBackend>(loop, BackendKind::epoll, std::make_unique<EpollPoller>(epfd)), {}};
}

}  // namespace nelson::core
