// TEST-ONLY: kqueue(2) and kevent(2) emulated over Linux epoll, faithfully enough to run
// core/kqueue_poller.cpp in CI. Linked into core_kqueue_test only. The behaviour follows
// FreeBSD's kern_event.c where the man page leaves room; kqueue_emulation_test.cpp pins it.
//
// How it maps:
//  - A kqueue is an epoll instance: kqueue() returns the epoll descriptor, so close(kq) is an
//    ordinary close, and kevent() on it afterwards fails with EBADF.
//  - For each watched descriptor the emulation keeps its knotes (at most one read and one write
//    filter: udata, one-shot, disabled) and registers the descriptor in epoll, level-triggered,
//    with the union of its enabled filters: EPOLLIN | EPOLLRDHUP for read, EPOLLOUT for write.
//    With no enabled filter it is taken out of epoll, since epoll reports EPOLLHUP and EPOLLERR
//    even to a registration with no events.
//  - kevent() applies the changelist in order, reporting a failed change as an EV_ERROR entry
//    (data = errno) while the eventlist has room and as -1/errno when it has not (and then
//    stops, as BSD does). When any error was reported it returns at once, without waiting
//    (FreeBSD). Otherwise it waits in epoll_wait and splits each epoll_event into one kevent per
//    ready filter: EPOLLIN/EPOLLRDHUP/EPOLLHUP/EPOLLERR make the read filter fire, EPOLLOUT/
//    EPOLLHUP/EPOLLERR the write filter; EPOLLRDHUP or EPOLLHUP set EV_EOF on the read filter,
//    EPOLLHUP on the write filter. A one-shot filter is deleted once returned. A ready filter
//    that does not fit in the eventlist stays armed and is reported by the next call.
//  - BSD drops a descriptor's knotes when it is closed. epoll forgets the descriptor too, so
//    the emulation notices the close at the next change naming that number: fstat fails
//    (EBADF) or shows another file (the number was reused), and the stale knotes are dropped.
//    (Anonymous-inode files such as eventfds all share one inode; a reuse between two of them
//    goes unnoticed. The tests use sockets.)
//
// Not emulated: other filters and flags (the header does not declare them), EV_RECEIPT, fflags,
// the write filter's data (free buffer space), regular files (epoll refuses them: EPERM).
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/event.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

namespace {

struct Knote {
  void* udata = nullptr;
  bool oneshot = false;
  bool disabled = false;
};

struct Watched {
  std::optional<Knote> read;
  std::optional<Knote> write;
  dev_t dev = 0;  // identity of the file when the first filter was added
  ino_t ino = 0;
  std::uint32_t epoll_events = 0;  // as registered in epoll; 0: not registered
};

struct Queue {
  dev_t dev = 0;  // identity of the epoll file, to tell a closed-and-reused number
  ino_t ino = 0;
  std::unordered_map<int, Watched> fds;
};

// kqueue() and kevent() may be called from any thread, as the real ones.
std::mutex& mutex() {
  static std::mutex m;
  return m;
}

std::unordered_map<int, Queue>& queues() {
  static std::unordered_map<int, Queue> q;
  return q;
}

std::uint32_t wanted_epoll_events(const Watched& w) {
  return (w.read && !w.read->disabled ? EPOLLIN | EPOLLRDHUP : 0U) | (w.write && !w.write->disabled ? EPOLLOUT : 0U);
}

// Brings epoll in line with w's enabled filters. Returns 0 or an errno.
int sync_epoll(int epfd, int fd, Watched& w) {
  const std::uint32_t events = wanted_epoll_events(w);
  if (events == w.epoll_events) return 0;
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  int op = EPOLL_CTL_MOD;
  if (w.epoll_events == 0) op = EPOLL_CTL_ADD;
  if (events == 0) op = EPOLL_CTL_DEL;
  if (::epoll_ctl(epfd, op, fd, &ev) != 0) {
    // epoll forgot the registration when its file was closed: DEL has nothing left to do,
    // MOD has to add it again.
    if (errno != ENOENT || op == EPOLL_CTL_ADD) return errno;
    if (op == EPOLL_CTL_MOD && ::epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0) return errno;
  }
  w.epoll_events = events;
  return 0;
}

// One change of a changelist. Returns 0 or the errno BSD would report for it.
int apply_change(Queue& q, int epfd, const struct kevent& change) {
  if (change.filter != EVFILT_READ && change.filter != EVFILT_WRITE) return EINVAL;
  constexpr unsigned kKnownFlags = EV_ADD | EV_DELETE | EV_ENABLE | EV_DISABLE | EV_ONESHOT;
  if ((change.flags & ~kKnownFlags) != 0) return EINVAL;
  if (change.ident > static_cast<uintptr_t>(INT_MAX)) return EBADF;
  const int fd = static_cast<int>(change.ident);

  auto it = q.fds.find(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    if (it != q.fds.end()) q.fds.erase(it);  // closed: BSD's close dropped the knotes
    return EBADF;
  }
  if (it != q.fds.end() && (it->second.dev != st.st_dev || it->second.ino != st.st_ino)) {
    q.fds.erase(it);  // closed and the number reused: the old knotes went with the close
    it = q.fds.end();
  }

  Watched w;
  if (it != q.fds.end()) {
    w = it->second;
  } else {
    w.dev = st.st_dev;
    w.ino = st.st_ino;
  }
  std::optional<Knote>& k = change.filter == EVFILT_READ ? w.read : w.write;
  if ((change.flags & EV_DELETE) != 0) {
    if (!k) return ENOENT;
    k.reset();
  } else if ((change.flags & EV_ADD) != 0 && !k) {
    k = Knote{change.udata, (change.flags & EV_ONESHOT) != 0, (change.flags & EV_DISABLE) != 0};
  } else {
    if (!k) return ENOENT;  // EV_ENABLE, EV_DISABLE (or nothing) on a filter never added
    // Re-adding modifies udata but not the one-shot flag, and changes the enabled state only
    // when EV_ENABLE or EV_DISABLE says so (FreeBSD's kqueue_register).
    if ((change.flags & EV_ADD) != 0) k->udata = change.udata;
    if ((change.flags & EV_ENABLE) != 0) {
      k->disabled = false;
    } else if ((change.flags & EV_DISABLE) != 0) {
      k->disabled = true;
    }
  }
  if (const int err = sync_epoll(epfd, fd, w); err != 0) return err;
  if (!w.read && !w.write) {
    if (it != q.fds.end()) q.fds.erase(it);
  } else {
    q.fds[fd] = w;
  }
  return 0;
}

struct kevent make_event(int fd, short filter, const Knote& k, bool eof, std::int64_t data) {
  struct kevent ev {};
  ev.ident = static_cast<uintptr_t>(fd);
  ev.filter = filter;
  ev.flags = static_cast<unsigned short>((k.oneshot ? EV_ONESHOT : 0) | (eof ? EV_EOF : 0));
  ev.data = data;
  ev.udata = k.udata;
  return ev;
}

// Splits epoll's events into kevents; returns how many were written to out.
int translate(Queue& q, int epfd, const std::vector<epoll_event>& ready, int n, struct kevent* out, int max) {
  int filled = 0;
  for (int i = 0; i < n && filled < max; ++i) {
    const std::uint32_t e = ready[static_cast<std::size_t>(i)].events;
    const int fd = ready[static_cast<std::size_t>(i)].data.fd;
    auto it = q.fds.find(fd);
    if (it == q.fds.end()) continue;  // its filters were deleted while we waited
    Watched& w = it->second;
    if (w.read && !w.read->disabled && (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
      int readable = 0;
      if (::ioctl(fd, FIONREAD, &readable) != 0) readable = 0;  // listening sockets, signalfds
      out[filled++] = make_event(fd, EVFILT_READ, *w.read, (e & (EPOLLRDHUP | EPOLLHUP)) != 0, readable);
      if (w.read->oneshot) w.read.reset();
    }
    if (filled < max && w.write && !w.write->disabled && (e & (EPOLLOUT | EPOLLHUP | EPOLLERR)) != 0) {
      out[filled++] = make_event(fd, EVFILT_WRITE, *w.write, (e & EPOLLHUP) != 0, 0);
      if (w.write->oneshot) w.write.reset();
    }
    if (wanted_epoll_events(w) != w.epoll_events) {
      (void)sync_epoll(epfd, fd, w);  // a one-shot filter fired; DEL or MOD of an open fd
      if (!w.read && !w.write) q.fds.erase(it);
    }
  }
  return filled;
}

// The queue named kq, or nullptr (errno EBADF) when kq is no longer that epoll descriptor.
Queue* find_queue(int kq) {
  auto it = queues().find(kq);
  if (it == queues().end()) {
    errno = EBADF;
    return nullptr;
  }
  struct stat st {};
  if (::fstat(kq, &st) != 0 || st.st_dev != it->second.dev || st.st_ino != it->second.ino) {
    queues().erase(it);  // closed (and perhaps reused by another file)
    errno = EBADF;
    return nullptr;
  }
  return &it->second;
}

std::int64_t monotonic_ns() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec;
}

}  // namespace

extern "C" int kqueue(void) {
  const int epfd = ::epoll_create1(0);  // like kqueue(): no close-on-exec unless asked
  if (epfd < 0) return -1;
  struct stat st {};
  if (::fstat(epfd, &st) != 0) {
    const int err = errno;
    ::close(epfd);
    errno = err;
    return -1;
  }
  const std::lock_guard lock(mutex());
  queues()[epfd] = Queue{st.st_dev, st.st_ino, {}};  // replaces the state of a closed kqueue
  return epfd;
}

extern "C" int kevent(int kq, const struct kevent* changelist, int nchanges, struct kevent* eventlist, int nevents,
                      const struct timespec* timeout) {
  if (nchanges < 0 || nevents < 0) {
    errno = EINVAL;
    return -1;
  }
  if ((nchanges > 0 && changelist == nullptr) || (nevents > 0 && eventlist == nullptr)) {
    errno = EFAULT;
    return -1;
  }
  if (timeout != nullptr && (timeout->tv_sec < 0 || timeout->tv_nsec < 0 || timeout->tv_nsec >= 1000000000)) {
    errno = EINVAL;
    return -1;
  }
  std::unique_lock lock(mutex());
  Queue* q = find_queue(kq);
  if (q == nullptr) return -1;

  int reported = 0;
  for (int i = 0; i < nchanges; ++i) {
    const struct kevent& change = changelist[i];
    const int err = apply_change(*q, kq, change);
    if (err == 0) continue;
    if (reported == nevents) {  // no room to report it: fail the call, skip the rest
      errno = err;
      return -1;
    }
    struct kevent& out = eventlist[reported++];
    out = change;
    out.flags = EV_ERROR;
    out.data = err;
  }
  if (reported != 0 || nevents == 0) return reported;

  const std::int64_t deadline =
      timeout == nullptr ? 0
                         : monotonic_ns() + static_cast<std::int64_t>(timeout->tv_sec) * 1000000000 + timeout->tv_nsec;
  std::vector<epoll_event> ready(static_cast<std::size_t>(nevents));
  for (;;) {
    int ms = -1;
    if (timeout != nullptr) {
      // epoll counts milliseconds: round up so that the wait is never shorter than asked.
      const std::int64_t left = std::max<std::int64_t>(0, deadline - monotonic_ns());
      ms = static_cast<int>(std::min<std::int64_t>((left + 999999) / 1000000, INT_MAX));
    }
    lock.unlock();  // other threads may use other kqueues (or this one) meanwhile
    const int n = ::epoll_wait(kq, ready.data(), nevents, ms);
    const int wait_errno = errno;
    lock.lock();
    if (n < 0) {
      errno = wait_errno;  // EINTR as kevent reports it; the changes above stay applied
      return -1;
    }
    q = find_queue(kq);
    if (q == nullptr) return -1;
    const int filled = translate(*q, kq, ready, n, eventlist, nevents);
    if (filled != 0 || n == 0) return filled;
    if (timeout != nullptr && monotonic_ns() >= deadline) return 0;
    // Every ready descriptor had its filters deleted or disabled meanwhile: wait on.
  }
}
