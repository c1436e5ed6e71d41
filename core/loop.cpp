#include "core/loop.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/log.hpp"

namespace nelson::core {

// --- backend names ------------------------------------------------------------------------------

std::string_view to_string(BackendKind kind) noexcept {
  switch (kind) {
    case BackendKind::automatic: return "auto";
    case BackendKind::select: return "select";
    case BackendKind::epoll: return "epoll";
    case BackendKind::kqueue: return "kqueue";
    case BackendKind::io_uring: return "io_uring";
  }
  return "?";
}

bool parse_backend(std::string_view text, BackendKind& out) noexcept {
  for (BackendKind k :
       {BackendKind::automatic, BackendKind::select, BackendKind::epoll, BackendKind::kqueue, BackendKind::io_uring}) {
    if (text == to_string(k)) {
      out = k;
      return true;
    }
  }
  if (text == "uring") {
    out = BackendKind::io_uring;
    return true;
  }
  return false;
}

// --- handles ------------------------------------------------------------------------------------

Handle::~Handle() = default;

void Handle::close() noexcept {
  if (closing_) return;
  closing_ = true;
  loop_->backend().detach(*this);
  loop_->queue_close(*this);
}

void Stream::start_reading() noexcept {
  if (reading_ || closing()) return;
  reading_ = true;
  loop().backend().update(*this);
}

void Stream::pause_reading() noexcept {
  if (!reading_ || closing()) return;
  reading_ = false;
  loop().backend().update(*this);
}

void Stream::write(Chain&& data) noexcept {
  if (closing() || data.empty()) return;
  output_.append(std::move(data));
  output_changed();
  loop().queue_flush(*this);
}

bool Stream::write_copy(std::span<const std::byte> bytes) noexcept {
  if (closing()) return true;
  if (!output_.append_copy(bytes, loop().pool())) return false;
  output_changed();
  loop().queue_flush(*this);
  return true;
}

std::span<std::byte> Stream::reserve_output(std::size_t min) noexcept {
  if (closing()) return {};
  return output_.reserve_tail(loop().pool(), min);
}

void Stream::commit_output(std::size_t n) noexcept {
  if (n == 0) return;
  output_.commit_tail(n);
  output_changed();
  loop().queue_flush(*this);
}

void Stream::shutdown_write() noexcept {
  if (closing()) return;
  shutdown_pending_ = true;
  loop().queue_flush(*this);
}

void Stream::output_changed() noexcept {
  const std::size_t queued = output_.size();
  if (!above_high_ && queued > high_water_) {
    above_high_ = true;
    if (on_write_pressure) on_write_pressure(*this, true);
  } else if (above_high_ && queued <= low_water_) {
    above_high_ = false;
    if (on_write_pressure) on_write_pressure(*this, false);
  }
}

void DatagramSocket::start_reading() noexcept {
  if (reading_ || closing()) return;
  reading_ = true;
  loop().backend().update(*this);
}

void DatagramSocket::pause_reading() noexcept {
  if (!reading_ || closing()) return;
  reading_ = false;
  loop().backend().update(*this);
}

int DatagramSocket::send_to(std::span<const iovec> data, const SocketAddress& to, const SocketAddress* local) noexcept {
  if (closing()) return -EBADF;
  msghdr msg{};
  msg.msg_name = const_cast<sockaddr*>(to.get());
  msg.msg_namelen = to.size();
  msg.msg_iov = const_cast<iovec*>(data.data());
  msg.msg_iovlen = data.size();
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in6_pktinfo))] = {};
#ifdef __linux__
  // The source address of the reply: the address the call arrived on (several addresses).
  if (local != nullptr && local->family() == AF_INET && to.family() == AF_INET) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(in_pktinfo));
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
    in_pktinfo info{};
    info.ipi_spec_dst = reinterpret_cast<const sockaddr_in*>(local->get())->sin_addr;
    std::memcpy(CMSG_DATA(c), &info, sizeof(info));
  } else if (local != nullptr && local->family() == AF_INET6 && to.family() == AF_INET6) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(in6_pktinfo));
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = IPPROTO_IPV6;
    c->cmsg_type = IPV6_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(in6_pktinfo));
    in6_pktinfo info{};
    info.ipi6_addr = reinterpret_cast<const sockaddr_in6*>(local->get())->sin6_addr;
    std::memcpy(CMSG_DATA(c), &info, sizeof(info));
  }
#else
  (void)local;
  (void)control;
#endif
  for (;;) {
    const ssize_t n = ::sendmsg(fd(), &msg, MSG_NOSIGNAL);
    if (n >= 0) {
      loop().stats().bytes_written += static_cast<std::size_t>(n);
      ++loop().stats().write_calls;
      return 0;
    }
    if (errno != EINTR) return -errno;
  }
}

// --- the loop -----------------------------------------------------------------------------------

Loop::Loop(const LoopOptions& options) : options_(options), pool_(options.slab_size, options.max_slabs) {
  sigemptyset(&signal_mask_);
}

Loop::~Loop() {
  for (auto& h : handles_) {
    if (h && !h->closing_) {
      h->closing_ = true;
      backend_->detach(*h);
    }
  }
  // Give completion backends a chance to reap cancellations before descriptors close.
  for (int i = 0; i < 100 && close_head_ != nullptr; ++i) {
    close_phase();
    if (close_head_ != nullptr) backend_->poll(std::chrono::milliseconds(1));
  }
  for (auto& h : handles_) {
    if (h && h->fd_ >= 0) ::close(h->fd_);
  }
  handles_.clear();
  backend_.reset();
  close_signals();
}

Result<std::unique_ptr<Loop>> Loop::create(const LoopOptions& options) {
  std::unique_ptr<Loop> loop(new Loop(options));
  std::vector<BackendKind> order;
  switch (options.backend) {
    case BackendKind::automatic:
    case BackendKind::io_uring:  // asked for, but an old or locked-down kernel falls back
      order = {BackendKind::io_uring, BackendKind::epoll, BackendKind::kqueue, BackendKind::select};
      break;
    default: order = {options.backend}; break;
  }
  for (BackendKind kind : order) {
    BackendResult r;
    switch (kind) {
      case BackendKind::io_uring: r = make_uring_backend(*loop); break;
      case BackendKind::epoll: r = make_epoll_backend(*loop); break;
      case BackendKind::kqueue: r = make_kqueue_backend(*loop); break;
      case BackendKind::select: r = make_select_backend(*loop); break;
      case BackendKind::automatic: break;
    }
    if (r.backend) {
      loop->backend_ = std::move(r.backend);
      break;
    }
    if (!loop->fallback_reason_.empty()) loop->fallback_reason_ += "; ";
    loop->fallback_reason_ += std::string(to_string(kind)) + ": " + r.error;
  }
  if (!loop->backend_) return Error{ENOSYS, "no event backend available: " + loop->fallback_reason_};
  // Setting a backend up can take milliseconds (an io_uring ring and its buffers): timers armed
  // before the first iteration count from now, not from when the timer queue was built.
  loop->timers_.update_now();
  if (options.backend == BackendKind::io_uring && loop->backend_->kind() != BackendKind::io_uring) {
    log(LogLevel::warning, "io_uring unavailable, using " + std::string(to_string(loop->backend_->kind())) + " (" +
                               loop->fallback_reason_ + ")");
  }
  return loop;
}

template <class H>
H* Loop::own(std::unique_ptr<H> handle) {
  H* raw = handle.get();
  raw->loop_index = handles_.size();
  handles_.push_back(std::move(handle));
  if (const int rc = backend_->attach(*raw); rc < 0) {
    log(LogLevel::error, "cannot watch descriptor " + std::to_string(raw->fd()) + ": " + std::strerror(-rc));
    raw->closing_ = true;
    queue_close(*raw);
    return nullptr;
  }
  return raw;
}

// signals.cpp adopts its watcher through own() too.
template Watcher* Loop::own<Watcher>(std::unique_ptr<Watcher>);

void Loop::post(std::function<void()> fn) { posted_.push_back(std::move(fn)); }

void Loop::queue_flush(Stream& stream) noexcept {
  if (stream.flush_queued_) return;
  stream.flush_queued_ = true;
  stream.next_flush_ = flush_head_;
  flush_head_ = &stream;
}

void Loop::queue_close(Handle& handle) noexcept {
  handle.next_closing = close_head_;
  close_head_ = &handle;
}

void Loop::fail_stream(Stream& stream, int error) noexcept {
  if (stream.closing()) return;
  if (stream.on_error) stream.on_error(stream, error);
  stream.close();
}

void Loop::complete_connect(Stream& stream, int error) noexcept {
  stream.connecting_ = false;
  if (error != 0) {
    fail_stream(stream, error);
    return;
  }
  backend_->update(stream);
  if (stream.on_connect) stream.on_connect(stream);
  // Output (or a shutdown_write) queued while connecting goes now.
  if (!stream.closing() && (!stream.output_.empty() || stream.shutdown_pending_)) queue_flush(stream);
}

void Loop::run() {
  stop_ = false;
  while (!stop_) run_once();
}

void Loop::run_once(std::chrono::nanoseconds max_wait) {
  ++stats_.iterations;
  // 1. timers
  timers_.update_now();
  const bool timers_fired = timers_.run_expired() != 0;
  // 2. posted callbacks (those posted meanwhile wait for the next iteration)
  running_posted_.swap(posted_);
  const bool posted_ran = !running_posted_.empty();
  for (auto& fn : running_posted_) fn();
  running_posted_.clear();
  flush_phase();  // output produced by timers and posted work leaves before we block
  // 3. poll: block no longer than the nearest timer, and not at all when work is waiting or
  // callbacks already ran in this iteration (so run_once returns promptly to a caller that
  // checks what they did, e.g. a blocking call waiting for its timeout to fire).
  std::chrono::nanoseconds timeout = max_wait;
  if (timers_fired || posted_ran || !posted_.empty() || stop_ || close_head_ != nullptr) {
    timeout = std::chrono::nanoseconds::zero();
  } else if (const TimePoint next = timers_.next_deadline(); next != TimePoint::max()) {
    timers_.update_now();
    const auto until = std::max(std::chrono::nanoseconds::zero(),
                                std::chrono::duration_cast<std::chrono::nanoseconds>(next - timers_.now()));
    timeout = std::min(timeout, until);
  }
  backend_->poll(timeout);
  // 4. flush, 5. close
  flush_phase();
  close_phase();
}

void Loop::flush_phase() noexcept {
  while (flush_head_ != nullptr) {
    Stream* s = flush_head_;
    flush_head_ = s->next_flush_;
    s->next_flush_ = nullptr;
    s->flush_queued_ = false;
    if (!s->closing()) backend_->flush(*s);
  }
}

void Loop::close_phase() noexcept {
  Handle* list = std::exchange(close_head_, nullptr);
  while (list != nullptr) {
    Handle* h = list;
    list = h->next_closing;
    h->next_closing = nullptr;
    if (h->pending_ops != 0) {  // the kernel still holds buffers of it: try next iteration
      queue_close(*h);
      continue;
    }
    if (h->on_close) h->on_close();
    if (h->fd_ >= 0) ::close(h->fd_);
    h->fd_ = -1;
    // Swap-remove from the handle table.
    const std::size_t i = h->loop_index;
    if (i + 1 != handles_.size()) {
      std::swap(handles_[i], handles_.back());
      handles_[i]->loop_index = i;
    }
    handles_.pop_back();
  }
}

// --- sockets ------------------------------------------------------------------------------------

namespace {

// A unix:// path left by a previous run makes bind fail, so a socket nobody answers on is removed.
// One a live process answers on is not: taking it over would silently cut that server off.
// Files that are not sockets are left for bind to refuse.
Result<bool> reclaim_unix_path(const Endpoint& endpoint) {
  const auto* un = reinterpret_cast<const sockaddr_un*>(endpoint.address.get());
  const std::string path(un->sun_path, ::strnlen(un->sun_path, sizeof un->sun_path));  // NUL-less when full
  struct stat st {};
  if (path.empty() || ::lstat(path.c_str(), &st) != 0) return true;  // abstract, or nothing there
  if (!S_ISSOCK(st.st_mode)) return Error{EADDRINUSE, path + " exists and is not a socket"};
  const int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (probe < 0) return errno_error("socket", errno);
  int rc;
  do {
    rc = ::connect(probe, endpoint.address.get(), endpoint.address.size());
  } while (rc != 0 && errno == EINTR);
  const int err = rc == 0 ? 0 : errno;
  ::close(probe);
  // EAGAIN: a listener whose backlog is full, which is alive too.
  if (rc == 0 || err == EAGAIN) return Error{EADDRINUSE, "another process listens on " + path};
  if (err == ECONNREFUSED) ::unlink(path.c_str());
  return true;
}

int socket_for(const Endpoint& e) {
  const int type = e.transport == Transport::udp ? SOCK_DGRAM : SOCK_STREAM;
  return ::socket(e.address.family(), type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

}  // namespace

Result<Listener*> Loop::listen(const Endpoint& endpoint) {
  if (endpoint.transport == Transport::udp) return Error{EINVAL, "listen needs tcp:// or unix://"};
  const int fd = socket_for(endpoint);
  if (fd < 0) return errno_error("socket " + endpoint.to_string(), errno);
  const int one = 1;
  if (endpoint.transport == Transport::tcp) {
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    // [::] serves IPv6 only, so that 0.0.0.0 on the same port can be a listener of its own
    // (as rpcbind listens: tcp and tcp6 are separate netids, registered separately).
    if (endpoint.address.family() == AF_INET6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  } else if (auto reclaimed = reclaim_unix_path(endpoint); !reclaimed) {
    ::close(fd);
    return reclaimed.error();
  }
  if (::bind(fd, endpoint.address.get(), endpoint.address.size()) != 0 || ::listen(fd, options_.backlog) != 0) {
    const int err = errno;
    ::close(fd);
    return errno_error("listen " + endpoint.to_string(), err);
  }
  Endpoint bound{endpoint.transport, endpoint.transport == Transport::tcp ? local_address(fd) : endpoint.address};
  Listener* l = own(std::make_unique<Listener>(*this, fd, bound));
  if (l == nullptr) return Error{EINVAL, "cannot watch listener " + endpoint.to_string()};
  backend_->update(*l);
  return l;
}

Result<Stream*> Loop::connect(const Endpoint& endpoint) {
  if (endpoint.transport == Transport::udp) return Error{EINVAL, "connect needs tcp:// or unix://"};
  const int fd = socket_for(endpoint);
  if (fd < 0) return errno_error("socket " + endpoint.to_string(), errno);
  int rc;
  do {
    rc = ::connect(fd, endpoint.address.get(), endpoint.address.size());
  } while (rc != 0 && errno == EINTR);
  if (rc != 0 && errno != EINPROGRESS && errno != EAGAIN) {
    const int err = errno;
    ::close(fd);
    return errno_error("connect " + endpoint.to_string(), err);
  }
  Stream* s = own(std::make_unique<Stream>(*this, fd, endpoint.transport, endpoint.address));
  if (s == nullptr) return Error{EINVAL, "cannot watch stream " + endpoint.to_string()};
  s->connecting_ = true;
  backend_->update(*s);
  return s;
}

Stream* Loop::adopt_stream(int fd, Transport transport, const SocketAddress& peer) {
  if (transport == Transport::tcp) {
    const int one = 1;  // RPC is request/response: never wait to coalesce small replies
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  return own(std::make_unique<Stream>(*this, fd, transport, peer));
}

Result<DatagramSocket*> Loop::open_datagram(const Endpoint& bind_to) {
  if (bind_to.transport != Transport::udp) return Error{EINVAL, "datagram sockets need udp://"};
  const int fd = socket_for(bind_to);
  if (fd < 0) return errno_error("socket " + bind_to.to_string(), errno);
  const int one = 1;
#ifdef __linux__
  // Learn the local address of each datagram, so replies leave from it.
  if (bind_to.address.family() == AF_INET) ::setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
  if (bind_to.address.family() == AF_INET6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
#endif
  if (bind_to.address.family() == AF_INET6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  if (::bind(fd, bind_to.address.get(), bind_to.address.size()) != 0) {
    const int err = errno;
    ::close(fd);
    return errno_error("bind " + bind_to.to_string(), err);
  }
  DatagramSocket* d = own(std::make_unique<DatagramSocket>(*this, fd, Endpoint{Transport::udp, local_address(fd)}));
  if (d == nullptr) return Error{EINVAL, "cannot watch datagram socket " + bind_to.to_string()};
  return d;
}

Result<Handle*> Loop::adopt_socket(int fd) {
  int type = 0;
  int listening = 0;
  socklen_t len = sizeof type;
  if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0) return errno_error("adopt socket", errno);
  SocketAddress local = local_address(fd);
  const int family = local.family();
  if (family != AF_INET && family != AF_INET6 && family != AF_UNIX) {
    return Error{EAFNOSUPPORT, "adopt socket: not an IPv4, IPv6 or UNIX socket"};
  }
  ::fcntl(fd, F_SETFD, ::fcntl(fd, F_GETFD) | FD_CLOEXEC);
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  if (type == SOCK_DGRAM && family != AF_UNIX) {
    const int one = 1;
#ifdef __linux__
    if (family == AF_INET) ::setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
    if (family == AF_INET6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
#endif
    DatagramSocket* d = own(std::make_unique<DatagramSocket>(*this, fd, Endpoint{Transport::udp, local}));
    if (d == nullptr) return Error{EINVAL, "cannot watch adopted datagram socket"};
    return static_cast<Handle*>(d);
  }
  len = sizeof listening;
  if (type != SOCK_STREAM || ::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || listening == 0) {
    return Error{EINVAL, "adopt socket: neither a listening stream socket nor a UDP socket"};
  }
  Listener* l = own(std::make_unique<Listener>(
      *this, fd, Endpoint{family == AF_UNIX ? Transport::unix_stream : Transport::tcp, local}));
  if (l == nullptr) return Error{EINVAL, "cannot watch adopted listener"};
  backend_->update(*l);
  return static_cast<Handle*>(l);
}

}  // namespace nelson::core
