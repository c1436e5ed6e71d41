#include "core/readiness_backend.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/loop.hpp"
#include "core/pktinfo.hpp"

namespace nelson::core {

int timeout_ms(std::chrono::nanoseconds timeout) noexcept {
  if (timeout == std::chrono::nanoseconds::max()) return -1;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(timeout + std::chrono::nanoseconds(999999));
  return static_cast<int>(std::min<std::int64_t>(ms.count(), 1 << 30));
}

ReadinessBackend::ReadinessBackend(Loop& loop, BackendKind kind, std::unique_ptr<Poller> poller)
    : loop_(loop), kind_(kind), poller_(std::move(poller)), spare_fd_(::open("/dev/null", O_RDONLY | O_CLOEXEC)) {}

ReadinessBackend::~ReadinessBackend() {
  if (spare_fd_ >= 0) ::close(spare_fd_);
}

int ReadinessBackend::attach(Handle& handle) noexcept {
  handle.backend_flags = kNotRegistered;
  return poller_->set(handle.fd(), &handle, kNotRegistered, 0) < 0 ? -EMFILE : (handle.backend_flags = 0, 0);
}

std::uint32_t ReadinessBackend::wanted(const Handle& h) const noexcept {
  if (h.closing()) return 0;
  switch (h.kind()) {
    case HandleKind::stream: {
      const auto& s = static_cast<const Stream&>(h);
      if (s.connecting_) return kPollWrite;
      return (s.reading_ ? kPollRead : 0U) | (!s.output_.empty() || s.shutdown_pending_ ? kPollWrite : 0U);
    }
    case HandleKind::datagram: return static_cast<const DatagramSocket&>(h).reading_ ? kPollRead : 0U;
    case HandleKind::listener:
    case HandleKind::watcher: return kPollRead;
  }
  return 0;
}

void ReadinessBackend::apply(Handle& h) noexcept {
  const std::uint32_t events = wanted(h);
  // A descriptor taken out of the poller by poll() (see there) stays out while it wants nothing.
  if (events == h.backend_flags || (events == 0 && h.backend_flags == kNotRegistered)) return;
  if (poller_->set(h.fd(), &h, h.backend_flags, events) == 0) h.backend_flags = events;
}

void ReadinessBackend::update(Handle& handle) noexcept { apply(handle); }

void ReadinessBackend::detach(Handle& handle) noexcept {
  poller_->remove(handle.fd(), handle.backend_flags);
  handle.backend_flags = kNotRegistered;
}

void ReadinessBackend::poll(std::chrono::nanoseconds timeout) noexcept {
  const int n = poller_->wait(fired_, timeout);
  loop_.timers().update_now();
  for (int i = 0; i < n; ++i) {
    Fired f = fired_[static_cast<std::size_t>(i)];
    Handle& h = *f.handle;
    if (h.closing()) continue;  // closed by an earlier callback of this batch; freed later
    if (wanted(h) == 0) {
      // Only a hang-up or an error fires for a handle that asked for nothing: epoll reports
      // them whatever the interest (a stream that read EOF and shut its side down, once the
      // peer closes too; a paused UDP socket with an ICMP error queued). Level-triggered, it
      // would fire again at once, forever: take the descriptor out of the poller until the
      // handle wants something again (apply() adds it back).
      poller_->remove(h.fd(), h.backend_flags);
      h.backend_flags = kNotRegistered;
      continue;
    }
    switch (h.kind()) {
      case HandleKind::stream: on_stream(static_cast<Stream&>(h), f.events); break;
      case HandleKind::listener: on_listener(static_cast<Listener&>(h)); break;
      case HandleKind::datagram: on_datagram(static_cast<DatagramSocket&>(h)); break;
      case HandleKind::watcher: static_cast<Watcher&>(h).on_readable(); break;
    }
  }
}

// --- streams ------------------------------------------------------------------------------------

void ReadinessBackend::on_stream(Stream& s, std::uint32_t events) noexcept {
  if (s.connecting_) {
    if ((events & (kPollWrite | kPollRead)) != 0) finish_connect(s);
    return;
  }
  // Reads first: a request read now can have its reply leave in this iteration's flush.
  if ((events & kPollRead) != 0 && s.reading_) read_stream(s);
  if ((events & kPollWrite) != 0 && !s.closing()) flush(s);
}

void ReadinessBackend::finish_connect(Stream& s) noexcept {
  int err = 0;
  socklen_t len = sizeof(err);
  if (::getsockopt(s.fd(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err == EINPROGRESS || err == EALREADY) return;
  loop_.complete_connect(s, err);
}

void ReadinessBackend::read_stream(Stream& s) noexcept {
  std::size_t budget = loop_.options().max_read_per_wakeup;
  while (budget != 0 && s.reading_ && !s.closing()) {
    // Reuse the receive slab from its start when nobody kept a view of it; else its tail.
    if (s.input_ && s.input_.unique()) s.input_used_ = 0;
    if (!s.input_ || s.input_used_ == s.input_->capacity()) {
      s.input_ = loop_.pool().acquire();
      s.input_used_ = 0;
      if (!s.input_) {  // the pool is at its limit: this peer waits, the loop does not spin
        log(LogLevel::warning, "slab pool exhausted; closing " + s.peer().to_string());
        loop_.fail_stream(s, ENOBUFS);
        return;
      }
    }
    const std::size_t room = std::min(budget, s.input_->capacity() - s.input_used_);
    const ssize_t n = ::read(s.fd(), s.input_->data() + s.input_used_, room);
    if (n > 0) {
      const Slice slice{s.input_, static_cast<std::uint32_t>(s.input_used_), static_cast<std::uint32_t>(n)};
      s.input_used_ += static_cast<std::size_t>(n);
      budget -= static_cast<std::size_t>(n);
      loop_.stats().bytes_read += static_cast<std::size_t>(n);
      if (s.on_data) s.on_data(s, slice);
      if (static_cast<std::size_t>(n) < room) return;  // drained for now
      continue;
    }
    if (n == 0) {
      s.reading_ = false;
      apply(s);
      if (s.on_eof) {
        s.on_eof(s);
      } else {
        s.close();
      }
      return;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) loop_.fail_stream(s, errno);
    return;
  }
}

void ReadinessBackend::flush(Stream& s) noexcept {
  if (s.connecting_) return;  // flushed once connected
  constexpr std::size_t kMaxIov = 64;
  iovec iov[kMaxIov];
  while (!s.output_.empty()) {
    const std::size_t count = s.output_.fill_iovecs(iov, kMaxIov);
    const ssize_t n = ::writev(s.fd(), iov, static_cast<int>(count));
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      loop_.fail_stream(s, errno);
      return;
    }
    ++loop_.stats().write_calls;
    loop_.stats().bytes_written += static_cast<std::size_t>(n);
    s.output_.consume(static_cast<std::size_t>(n));
  }
  s.output_changed();
  if (s.closing()) return;  // a write-pressure callback closed it
  if (s.output_.empty() && s.shutdown_pending_) {
    s.shutdown_pending_ = false;
    ::shutdown(s.fd(), SHUT_WR);
  }
  apply(s);  // write interest only while output remains
}

// --- listeners ----------------------------------------------------------------------------------

void ReadinessBackend::on_listener(Listener& l) noexcept {
  // Bounded per wake-up so that a connection storm cannot starve established streams.
  for (int i = 0; i < 64 && !l.closing(); ++i) {
    SocketAddress peer;
    const int fd = ::accept4(l.fd(), peer.get(), peer.size_ptr(), SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE) refuse_connection(l);
      return;  // EAGAIN, or an error the next wake-up retries
    }
    Stream* s = loop_.adopt_stream(fd, l.endpoint().transport, peer);
    if (s != nullptr && l.on_accept) l.on_accept(*s);
  }
}

void ReadinessBackend::refuse_connection(Listener& l) noexcept {
  // Out of descriptors. The pending connection keeps the listener readable, so doing nothing
  // would spin at 100% CPU (libtirpc's CVE-2021-46828). Free the spare descriptor, accept the
  // connection and close it at once, then take the spare back.
  ++l.refused_;
  ++loop_.stats().accept_refused;
  emfile_log_.log(LogLevel::warning, "out of file descriptors: refusing a connection on " + l.endpoint().to_string());
  if (spare_fd_ >= 0) {
    ::close(spare_fd_);
    spare_fd_ = -1;
  }
  const int fd = ::accept4(l.fd(), nullptr, nullptr, SOCK_CLOEXEC);
  if (fd >= 0) ::close(fd);
  spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

// --- datagrams ----------------------------------------------------------------------------------

void ReadinessBackend::on_datagram(DatagramSocket& d) noexcept {
  constexpr std::size_t kMaxDatagram = 65536;
  for (int i = 0; i < 64 && d.reading_ && !d.closing(); ++i) {
    // A datagram needs a whole slab-sized buffer to be sure it is not truncated; the slab is
    // reused when the previous datagram's view was not kept.
    if (!d.input_ || !d.input_.unique() || d.input_->capacity() < kMaxDatagram) {
      d.input_ = loop_.pool().acquire();
      if (!d.input_) return;  // pool exhausted: the kernel queue absorbs (and drops) the excess
    }
    Datagram dg;
    iovec iov{d.input_->data(), std::min(d.input_->capacity(), kMaxDatagram)};
    alignas(cmsghdr) char control[256];
    msghdr msg{};
    msg.msg_name = dg.from.get();
    msg.msg_namelen = dg.from.size();
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    const ssize_t n = ::recvmsg(d.fd(), &msg, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // EAGAIN; other errors (ICMP reports) are not fatal for a datagram socket
    }
    dg.from.set_size(msg.msg_namelen);
    dg.truncated = (msg.msg_flags & MSG_TRUNC) != 0;
    if (dg.truncated) ++d.truncated_;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      local_address_from_pktinfo(*c, d.endpoint().address.port(), dg.local);
    }
    dg.data = Slice{d.input_, 0, static_cast<std::uint32_t>(n)};
    loop_.stats().bytes_read += static_cast<std::size_t>(n);
    if (d.on_datagram) d.on_datagram(d, dg);
  }
}

}  // namespace nelson::core
