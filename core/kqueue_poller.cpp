// kqueue(2), level-triggered (no EV_CLEAR), for the BSDs and macOS.
//
// Read and write interest are two filters of their own, EVFILT_READ and EVFILT_WRITE, added
// with EV_ADD when wanted and removed with EV_DELETE when not (rather than kept and toggled
// with EV_ENABLE/EV_DISABLE): the kernel then holds exactly what the engine's backend_flags
// say, so remove() knows which filters exist, an idle handle costs the kernel nothing, and no
// write filter is ever attached to a listening socket.
//
// Interest changes are queued and handed to the kernel in the changelist of the next wait,
// which applies them and collects events in one system call: that is kqueue's design, and it
// saves the epoll_ctl per change that epoll needs. The one exception is remove(), which
// deletes at once and drops the queued changes of the descriptor: it runs before the
// descriptor is closed, and a queued EV_ADD applied after close would either fail or, once the
// number is reused, watch a new descriptor with a freed Handle* as its udata.
//
// Only what every kqueue has is used (no EV_RECEIPT, no kqueue1/kqueuex, no EV_SET: NetBSD
// before 10 declares udata as intptr_t and its EV_SET casts with static_cast).
#include <fcntl.h>
#include <sys/event.h>
#include <sys/time.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <new>
#include <utility>
#include <vector>

#include "core/backend.hpp"
#include "core/poller.hpp"
#include "core/readiness_backend.hpp"

namespace nelson::core {
namespace {

struct kevent change(int fd, int filter, int flags, Handle* handle) noexcept {
  struct kevent ev {};
  ev.ident = static_cast<decltype(ev.ident)>(fd);
  ev.filter = static_cast<decltype(ev.filter)>(filter);
  ev.flags = static_cast<decltype(ev.flags)>(flags);
  // void* on most systems, intptr_t on older NetBSD: reinterpret_cast converts to both.
  ev.udata = reinterpret_cast<decltype(ev.udata)>(handle);
  return ev;
}

class KqueuePoller final : public Poller {
 public:
  explicit KqueuePoller(int kq) noexcept : kq_(kq) {}
  ~KqueuePoller() override { ::close(kq_); }

  int set(int fd, Handle* handle, std::uint32_t old_events, std::uint32_t events) noexcept override {
    // A new descriptor has nothing in the kernel yet, so there is nothing to check it against:
    // a failing EV_ADD comes back later, as an EV_ERROR event for its handle.
    const std::uint32_t old = old_events == kNotRegistered ? 0 : old_events;
    try {
      changes_.reserve(changes_.size() + 2);  // so that both push_backs below cannot throw
    } catch (const std::bad_alloc&) {
      return -ENOMEM;
    }
    for (const auto& [bit, filter] : {std::pair{kPollRead, EVFILT_READ}, std::pair{kPollWrite, EVFILT_WRITE}}) {
      if ((old & bit) == (events & bit)) continue;
      changes_.push_back(change(fd, filter, (events & bit) != 0 ? EV_ADD : EV_DELETE, handle));
    }
    return 0;
  }

  void remove(int fd, std::uint32_t old_events) noexcept override {
    // What the kernel holds now: old_events, unless a change is still queued, in which case
    // it holds the opposite of the first queued change of that filter.
    bool in_kernel_read = old_events != kNotRegistered && (old_events & kPollRead) != 0;
    bool in_kernel_write = old_events != kNotRegistered && (old_events & kPollWrite) != 0;
    bool seen_read = false;
    bool seen_write = false;
    for (const struct kevent& c : changes_) {
      if (c.ident != static_cast<decltype(c.ident)>(fd)) continue;
      const bool deletes = (c.flags & EV_DELETE) != 0;
      if (c.filter == EVFILT_READ && !std::exchange(seen_read, true)) in_kernel_read = deletes;
      if (c.filter == EVFILT_WRITE && !std::exchange(seen_write, true)) in_kernel_write = deletes;
    }
    std::erase_if(changes_, [fd](const struct kevent& c) { return c.ident == static_cast<decltype(c.ident)>(fd); });
    // One call per filter: without an eventlist, kevent() stops at the first change that fails.
    if (in_kernel_read) delete_now(fd, EVFILT_READ);
    if (in_kernel_write) delete_now(fd, EVFILT_WRITE);
  }

  int wait(std::span<Fired> out, std::chrono::nanoseconds timeout) noexcept override {
    // Not zeroed: the kernel fills the first n, and only those are read.
    std::array<struct kevent, kMaxFired> events;  // NOLINT(cppcoreguidelines-pro-type-member-init)
    const int max = static_cast<int>(std::min(out.size(), events.size()));
    timespec ts{};
    timespec* tsp = nullptr;
    if (timeout != std::chrono::nanoseconds::max()) {
      ts.tv_sec = static_cast<time_t>(timeout.count() / 1000000000);
      ts.tv_nsec = static_cast<long>(timeout.count() % 1000000000);
      tsp = &ts;
    }
    const int n = ::kevent(kq_, changes_.data(), static_cast<int>(changes_.size()), events.data(), max, tsp);
    // The kernel has taken the changes: on EINTR too, since they are applied before it sleeps.
    // A change that fails is reported in the eventlist while there is room; with 256 slots and
    // changes that name open, tracked descriptors, the -1 "no room for the error" case (which
    // leaves later changes unapplied) is not expected.
    changes_.clear();
    if (n < 0) return 0;  // EINTR: the loop comes round again
    std::size_t filled = 0;
    for (int i = 0; i < n; ++i) {
      const struct kevent& ev = events[static_cast<std::size_t>(i)];
      auto* handle = reinterpret_cast<Handle*>(ev.udata);
      // EV_ERROR: a queued change failed (data is the errno). EV_EOF: the peer hung up or the
      // socket has an error. Both are reported as readable: the engine's read, accept or
      // getsockopt then meets the error itself and closes the handle.
      std::uint32_t fired = kPollRead;
      if ((ev.flags & EV_ERROR) == 0) {
        fired = (ev.filter == EVFILT_WRITE ? kPollWrite : kPollRead) | ((ev.flags & EV_EOF) != 0 ? kPollRead : 0U);
      }
      // Read and write readiness come as two kevents; when adjacent they make one entry, so
      // the engine reads before it writes, as with epoll.
      if (filled != 0 && out[filled - 1].handle == handle) {
        out[filled - 1].events |= fired;
      } else {
        out[filled++] = Fired{handle, fired};
      }
    }
    return static_cast<int>(filled);
  }

 private:
  void delete_now(int fd, int filter) noexcept {
    const struct kevent ev = change(fd, filter, EV_DELETE, nullptr);
    ::kevent(kq_, &ev, 1, nullptr, 0, nullptr);
  }

  int kq_;
  std::vector<struct kevent> changes_;  // applied by the next wait()
};

}  // namespace

BackendResult make_kqueue_backend(Loop& loop) {
  const int kq = ::kqueue();
  if (kq < 0) return {nullptr, std::strerror(errno)};
  // kqueue() takes no flags (kqueue1 and kqueuex are not everywhere); the queue is not
  // inherited across fork, but an exec without fork would keep the descriptor open.
  ::fcntl(kq, F_SETFD, FD_CLOEXEC);
  return {std::make_unique<ReadinessBackend>(loop, BackendKind::kqueue, std::make_unique<KqueuePoller>(kq)), {}};
}

}  // namespace nelson::core
