// nelson-bench-floor: the kernel-cost floor of the end-to-end RPC benchmark.
//
//   nelson-bench-floor --port 20099      # TCP on 127.0.0.1:20099, until SIGTERM or SIGINT
//
// It answers every record-marked call with the smallest accepted reply (xid copied, MSG_ACCEPTED,
// AUTH_NONE verifier, SUCCESS) and does nothing else: no validation, no dispatch, no XDR. Its CPU
// time per call is what loopback TCP and epoll alone cost, the line every real server is measured
// against. BENCH_ECHO (proc 1) calls get their argument bytes appended verbatim, so that the floor
// moves as many bytes as a real echo; other procedures get an empty result. Single thread, plain
// epoll, one read and one write per connection per wake-up, as a lean real server would do.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

namespace {

constexpr std::size_t kInitialInput = std::size_t{64} * 1024;
constexpr std::size_t kMaxRecord = std::size_t{64} * 1024 * 1024;  // a sanity bound against garbage, not a limit
constexpr std::uint64_t kListenTag = ~std::uint64_t{0};
constexpr std::uint64_t kSignalTag = kListenTag - 1;

std::uint32_t load32(const std::uint8_t* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return ntohl(v);
}

void append32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  std::uint8_t b[4] = {std::uint8_t(v >> 24), std::uint8_t(v >> 16), std::uint8_t(v >> 8), std::uint8_t(v)};
  out.insert(out.end(), b, b + 4);
}

struct Conn {
  explicit Conn(int f) : fd(f) {}
  int fd;
  std::vector<std::uint8_t> in = std::vector<std::uint8_t>(kInitialInput);
  std::size_t in_len = 0;
  std::vector<std::uint8_t> out;  // keeps its capacity: no allocation once warm
  std::size_t out_off = 0;
  bool want_out = false;
};

void reply(Conn& c, const std::uint8_t* body, std::size_t len) {
  const std::uint8_t* args = body + len;  // empty unless ECHO
  if (len >= 24 && load32(body + 20) == 1) {
    std::size_t off = 24;  // skip the credential and the verifier (flavor, length, padded body)
    for (int i = 0; i < 2 && off + 8 <= len; ++i)
      off += 8 + ((std::size_t{load32(body + off + 4)} + 3) & ~std::size_t{3});
    if (off <= len) args = body + off;
  }
  const std::size_t nargs = static_cast<std::size_t>(body + len - args);
  append32(c.out, 0x8000'0000u | static_cast<std::uint32_t>(24 + nargs));
  c.out.insert(c.out.end(), body, body + 4);                              // xid, as sent
  for (std::uint32_t word : {1u, 0u, 0u, 0u, 0u}) append32(c.out, word);  // REPLY ACCEPTED NONE(0) SUCCESS
  c.out.insert(c.out.end(), args, args + nargs);
}

// Answers every complete record in c.in and keeps the incomplete tail. Returns false when a record
// cannot be buffered.
bool answer_records(Conn& c) {
  std::uint8_t* in = c.in.data();
  std::size_t pos = 0, need = 0;
  for (;;) {
    std::size_t q = pos, body_len = 0, fragments = 0;
    bool last = false;
    while (!last) {
      if (q + 4 > c.in_len) break;
      const std::uint32_t mark = load32(in + q);
      const std::size_t len = mark & 0x7fff'ffffu;
      if (q + 4 + len > c.in_len) {
        need = q + 4 + len - pos;
        break;
      }
      body_len += len, ++fragments, q += 4 + len;
      last = (mark >> 31) != 0;
    }
    if (!last) break;
    if (fragments > 1) {  // rare: glue the fragments behind the first mark
      std::size_t src = pos, dst = pos + 4;
      for (std::size_t left = body_len; left > 0;) {
        const std::size_t len = load32(in + src) & 0x7fff'ffffu;
        std::memmove(in + dst, in + src + 4, len);
        src += 4 + len, dst += len, left -= len;
      }
    }
    if (body_len >= 4) reply(c, in + pos + 4, body_len);
    pos = q, need = 0;
  }
  if (pos > 0) std::memmove(in, in + pos, c.in_len - pos), c.in_len -= pos;
  if (need > c.in.size()) {
    if (need > kMaxRecord) return false;
    c.in.resize(need);
  }
  return true;
}

void set_interest(int ep, Conn& c, bool want_out) {
  if (c.want_out == want_out) return;
  c.want_out = want_out;
  epoll_event ev{.events = EPOLLIN | (want_out ? EPOLLOUT : 0u), .data = {.u64 = std::uint64_t(c.fd)}};
  epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
}

// One write per wake-up; what the socket does not take waits for EPOLLOUT.
bool flush(int ep, Conn& c) {
  if (c.out_off == c.out.size()) return true;
  const ssize_t n = write(c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off);
  if (n < 0 && errno != EAGAIN && errno != EINTR) return false;
  if (n > 0) c.out_off += static_cast<std::size_t>(n);
  if (c.out_off == c.out.size()) c.out.clear(), c.out_off = 0;
  set_interest(ep, c, c.out_off != c.out.size());
  return true;
}

int listen_on(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, SOMAXCONN) != 0) return -1;
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || std::strcmp(argv[1], "--port") != 0) {
    std::fprintf(stderr, "usage: %s --port PORT\n", argv[0]);
    return 2;
  }
  const int lfd = listen_on(std::atoi(argv[2]));
  if (lfd < 0) {
    std::perror("nelson-bench-floor: listen");
    return 1;
  }
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  sigprocmask(SIG_BLOCK, &sigs, nullptr);
  signal(SIGPIPE, SIG_IGN);
  const int sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
  const int ep = epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{.events = EPOLLIN, .data = {.u64 = kListenTag}};
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
  ev.data.u64 = kSignalTag;
  epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);

  std::vector<std::unique_ptr<Conn>> conns;  // by fd
  auto close_conn = [&](Conn& c) {
    const int fd = c.fd;
    close(fd);  // also removes it from the epoll set
    conns[static_cast<std::size_t>(fd)].reset();
  };
  epoll_event events[64];
  for (;;) {
    const int n = epoll_wait(ep, events, 64, -1);
    for (int i = 0; i < n; ++i) {
      const std::uint64_t tag = events[i].data.u64;
      if (tag == kSignalTag) return 0;
      if (tag == kListenTag) {
        for (int fd; (fd = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0;) {
          const int one = 1;
          setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          if (conns.size() <= static_cast<std::size_t>(fd)) conns.resize(static_cast<std::size_t>(fd) + 1);
          conns[static_cast<std::size_t>(fd)] = std::make_unique<Conn>(fd);
          epoll_event cev{.events = EPOLLIN, .data = {.u64 = std::uint64_t(fd)}};
          epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev);
        }
        continue;
      }
      Conn* c = conns[tag].get();
      if (c == nullptr) continue;  // closed earlier in this batch
      if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
        const ssize_t got = read(c->fd, c->in.data() + c->in_len, c->in.size() - c->in_len);
        if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
          close_conn(*c);
          continue;
        }
        if (got > 0) c->in_len += static_cast<std::size_t>(got);
        if (!answer_records(*c)) {
          close_conn(*c);
          continue;
        }
      }
      if (!flush(ep, *c)) close_conn(*c);
    }
  }
}
