// nelson-bench-blast: a closed-loop ONC RPC load generator for BENCHPROG (examples/bench.x).
//
//   nelson-bench-blast --connect 127.0.0.1:20099 --conns 16 --depth 16 --duration 3 --warmup 1
//                      --proc 0|1|2 --payload BYTES      (all but --connect are optional)
//
// It keeps `depth` calls in flight on each of `conns` TCP connections, re-sending on a slot as soon
// as its reply arrives. It uses no nelson code, so that it is neutral between the servers it
// compares (nelson, libtirpc, the floor). Single thread, plain epoll; one pre-encoded call whose
// xid is patched per send, one read and one batched write per connection per wake-up, no
// allocation per call. --payload is the opaque size for BENCH_ECHO and the int count for BENCH_SUM.
//
// Every reply is checked: MSG_ACCEPTED, SUCCESS, a known xid, and the result (ECHO: the length of
// the opaque and of the record; SUM: the exact sum). Anything else counts in `errors`, over the
// whole run. After the warm-up it prints "# measuring" (flushed, so that a script can sample the
// server's CPU time right then), and at the end one line:
//   calls=N seconds=S calls_per_s=X p50_us=.. p90_us=.. p99_us=.. p999_us=.. max_us=.. errors=E cpu_ns_per_call=..
// cpu_ns_per_call is blast's own CPU time (user + system, getrusage) over the measured window per
// call, as nelson-load reports it.
// Exit status 1 when there were errors or no calls.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr std::uint32_t kProg = 0x2000'0099, kVers = 1;
constexpr std::uint32_t kNull = 0, kEcho = 1, kSum = 2;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::int64_t process_cpu_ns() {  // user + system time of this process
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return (std::int64_t(u.ru_utime.tv_sec) + u.ru_stime.tv_sec) * 1'000'000'000 +
         (std::int64_t(u.ru_utime.tv_usec) + u.ru_stime.tv_usec) * 1000;
}

std::uint32_t load32(const std::uint8_t* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return ntohl(v);
}

void store32(std::uint8_t* p, std::uint32_t v) {
  v = htonl(v);
  std::memcpy(p, &v, 4);
}

// Log-linear latency histogram in ns: exact below 128, then 64 buckets per power of two (<1.6%).
struct Histogram {
  std::array<std::uint64_t, std::size_t{64} * 60> counts{};
  std::uint64_t total = 0, max = 0;

  static std::size_t index(std::uint64_t v) {
    if (v < 128) return v;
    const auto e = static_cast<unsigned>(std::bit_width(v)) - 7;  // v >> e is in [64, 128)
    return std::size_t{64} * e + (v >> e);
  }
  static double midpoint(std::size_t i) {
    if (i < 128) return static_cast<double>(i);
    const std::size_t e = i / 64 - 1, sub = i - 64 * e;
    return static_cast<double>((sub << e) + (std::uint64_t{1} << e >> 1));  // the middle of the bucket
  }
  void add(std::uint64_t v) { ++counts[index(v)], ++total, max = std::max(max, v); }
  double quantile_us(double q) const {
    const auto want = static_cast<std::uint64_t>(std::llround(q * static_cast<double>(total)));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts.size(); ++i)
      if ((seen += counts[i]) >= std::max<std::uint64_t>(want, 1)) return midpoint(i) / 1000.0;
    return static_cast<double>(max) / 1000.0;
  }
};

struct Options {
  sockaddr_in addr{};
  int conns = 1, depth = 1, proc = 0;
  double duration = 3, warmup = 1;
  std::size_t payload = 0;
};

struct Slot {
  std::uint32_t xid = 0;
  bool busy = false;
  std::int64_t sent_ns = 0;
};

struct Conn {
  int fd = -1;
  std::vector<Slot> slots;
  std::uint32_t seq = 0;
  std::vector<std::uint8_t> out;  // room for `depth` calls: never more are unsent at once
  std::size_t out_off = 0, out_len = 0;
  bool want_out = false;
  // Reply parser, fed as bytes arrive: replies may be split anywhere, even inside a mark.
  std::uint8_t mark[4] = {};
  std::size_t mark_have = 0, frag_left = 0, head_have = 0;
  bool in_frag = false, frag_last = false;
  std::uint8_t head[64] = {};  // the first bytes of the current reply: all the checks need
  std::uint64_t rec_len = 0;
};

class Blast {
 public:
  explicit Blast(const Options& o) : o_(o) {
    // The call: mark, xid, CALL, rpcvers 2, prog, vers, proc, AUTH_NONE credential and verifier, args.
    std::vector<std::uint32_t> words = {0, 0, 0, 2, kProg, kVers, std::uint32_t(o.proc), 0, 0, 0, 0};
    if (o.proc == kEcho) {
      words.push_back(std::uint32_t(o.payload));
      words.resize(words.size() + (o.payload + 3) / 4);
      result_len_ = 4 + (o.payload + 3) / 4 * 4;
    } else if (o.proc == kSum) {
      words.push_back(std::uint32_t(o.payload));
      for (std::size_t i = 0; i < o.payload; ++i) {
        const auto v = static_cast<std::int32_t>(std::uint32_t(i) * 2654435761u);  // mixed signs
        words.push_back(std::uint32_t(v)), sum_ += v;
      }
      result_len_ = 8;
    }
    call_.resize(words.size() * 4);
    for (std::size_t i = 0; i < words.size(); ++i) store32(&call_[4 * i], words[i]);
    if (o.proc == kEcho)
      for (std::size_t i = 0; i < o.payload; ++i) call_[48 + i] = static_cast<std::uint8_t>(i * 31 + 7);
    store32(call_.data(), 0x8000'0000u | std::uint32_t(call_.size() - 4));
    slot_bits_ = static_cast<int>(std::bit_width(std::uint32_t(o.depth - 1)));
  }

  int run() {
    signal(SIGPIPE, SIG_IGN);
    ep_ = epoll_create1(EPOLL_CLOEXEC);
    conns_.resize(std::size_t(o_.conns));
    for (std::size_t i = 0; i < conns_.size(); ++i) {
      Conn& c = conns_[i];
      c.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (connect(c.fd, reinterpret_cast<const sockaddr*>(&o_.addr), sizeof o_.addr) != 0) {
        std::perror("nelson-bench-blast: connect");
        return 1;
      }
      const int one = 1;
      setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      fcntl(c.fd, F_SETFL, O_NONBLOCK);
      c.slots.resize(std::size_t(o_.depth));
      c.out.resize(std::size_t(o_.depth) * call_.size());
      epoll_event ev{.events = EPOLLIN, .data = {.u64 = i}};
      epoll_ctl(ep_, EPOLL_CTL_ADD, c.fd, &ev);
    }
    const std::int64_t start = now_ns();
    const std::int64_t measure_at = start + static_cast<std::int64_t>(o_.warmup * 1e9);
    const std::int64_t end_at = measure_at + static_cast<std::int64_t>(o_.duration * 1e9);
    for (Conn& c : conns_) {
      for (std::uint32_t s = 0; s < std::uint32_t(o_.depth); ++s) queue(c, s, start);
      flush(c);
    }
    bool measuring = false;
    std::int64_t measured_from = measure_at;
    std::vector<std::uint8_t> buf(kRead);
    epoll_event events[64];
    for (;;) {
      std::int64_t now = now_ns();
      if (!measuring && now >= measure_at) {
        measuring = true, measured_from = now, calls_ = 0, hist_ = Histogram{};
        cpu_from_ = process_cpu_ns();
        std::printf("# measuring\n");
        std::fflush(stdout);
      }
      if (now >= end_at || alive_ == 0) {
        report(measuring ? now - measured_from : 0);
        return errors_ == 0 && calls_ > 0 ? 0 : 1;
      }
      const std::int64_t deadline = measuring ? end_at : measure_at;
      const int n = epoll_wait(ep_, events, 64, static_cast<int>((deadline - now) / 1'000'000 + 1));
      for (int i = 0; i < n; ++i) {
        Conn& c = conns_[events[i].data.u64];
        if (c.fd < 0) continue;
        if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
          const ssize_t got = read(c.fd, buf.data(), buf.size());
          if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
            std::fprintf(stderr, "nelson-bench-blast: connection lost (%s)\n", got == 0 ? "EOF" : std::strerror(errno));
            lose(c);
            continue;
          }
          if (got > 0) parse(c, buf.data(), std::size_t(got), now_ns(), measuring);
        }
        flush(c);
      }
    }
  }

 private:
  static constexpr std::size_t kRead = std::size_t{256} * 1024;

  void queue(Conn& c, std::uint32_t slot, std::int64_t now) {
    const std::uint32_t xid = (++c.seq << slot_bits_) | slot;
    c.slots[slot] = Slot{xid, true, now};
    if (c.out_off > 0) {  // a partial write is pending: make room at the end
      std::memmove(c.out.data(), c.out.data() + c.out_off, c.out_len - c.out_off);
      c.out_len -= c.out_off, c.out_off = 0;
    }
    std::memcpy(c.out.data() + c.out_len, call_.data(), call_.size());
    store32(c.out.data() + c.out_len + 4, xid);
    c.out_len += call_.size();
  }

  void flush(Conn& c) {
    if (c.out_off == c.out_len) return;
    const ssize_t n = write(c.fd, c.out.data() + c.out_off, c.out_len - c.out_off);
    if (n > 0) c.out_off += std::size_t(n);
    if (c.out_off == c.out_len) c.out_off = c.out_len = 0;
    const bool want_out = c.out_len != 0;
    if (want_out != c.want_out) {
      c.want_out = want_out;
      epoll_event ev{.events = EPOLLIN | (want_out ? EPOLLOUT : 0u),
                     .data = {.u64 = std::uint64_t(&c - conns_.data())}};
      epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
    }
  }

  void lose(Conn& c) {
    close(c.fd);
    c.fd = -1, --alive_, ++errors_;
  }

  void parse(Conn& c, const std::uint8_t* p, std::size_t n, std::int64_t now, bool measuring) {
    while (n > 0) {
      if (!c.in_frag) {
        const std::size_t take = std::min(n, 4 - c.mark_have);
        std::memcpy(c.mark + c.mark_have, p, take);
        c.mark_have += take, p += take, n -= take;
        if (c.mark_have < 4) return;
        const std::uint32_t mark = load32(c.mark);
        c.mark_have = 0, c.in_frag = true, c.frag_left = mark & 0x7fff'ffffu, c.frag_last = (mark >> 31) != 0;
      }
      const std::size_t take = std::min(n, c.frag_left);
      const std::size_t keep = std::min(take, sizeof c.head - c.head_have);
      std::memcpy(c.head + c.head_have, p, keep);
      c.head_have += keep, c.rec_len += take, c.frag_left -= take, p += take, n -= take;
      if (c.frag_left > 0) return;
      c.in_frag = false;
      if (c.frag_last) {
        complete(c, now, measuring);
        c.head_have = 0, c.rec_len = 0;
      }
    }
  }

  // One whole reply: check it, time it, and put the slot back to work.
  void complete(Conn& c, std::int64_t now, bool measuring) {
    const std::uint8_t* h = c.head;
    if (c.head_have < 24) return void(++errors_);
    const std::uint32_t xid = load32(h), slot = xid & ((1u << slot_bits_) - 1);
    if (slot >= c.slots.size() || !c.slots[slot].busy || c.slots[slot].xid != xid) return void(++errors_);
    const std::size_t off = 24 + (std::size_t{load32(h + 16)} + 3) / 4 * 4;  // past verifier and accept_stat
    bool ok = load32(h + 4) == 1 && load32(h + 8) == 0 && off <= c.head_have && load32(h + off - 4) == 0 &&
              c.rec_len == off + result_len_;
    if (ok && o_.proc == kEcho) ok = off + 4 <= c.head_have && load32(h + off) == o_.payload;
    if (ok && o_.proc == kSum)
      ok = off + 8 <= c.head_have &&
           static_cast<std::int64_t>((std::uint64_t{load32(h + off)} << 32) | load32(h + off + 4)) == sum_;
    if (!ok) ++errors_;
    if (measuring) hist_.add(std::uint64_t(now - c.slots[slot].sent_ns)), ++calls_;
    queue(c, slot, now);
  }

  void report(std::int64_t ns) const {
    const double s = static_cast<double>(ns) / 1e9;
    const double cpu = static_cast<double>(process_cpu_ns() - cpu_from_);
    std::printf(
        "calls=%llu seconds=%.3f calls_per_s=%.0f p50_us=%.2f p90_us=%.2f p99_us=%.2f p999_us=%.2f max_us=%.2f "
        "errors=%llu cpu_ns_per_call=%.0f\n",
        static_cast<unsigned long long>(calls_), s, s > 0 ? static_cast<double>(calls_) / s : 0.0,
        hist_.quantile_us(0.5), hist_.quantile_us(0.9), hist_.quantile_us(0.99), hist_.quantile_us(0.999),
        static_cast<double>(hist_.max) / 1000.0, static_cast<unsigned long long>(errors_),
        calls_ > 0 ? cpu / static_cast<double>(calls_) : 0.0);
    std::fflush(stdout);
  }

  Options o_;
  std::vector<std::uint8_t> call_;
  std::size_t result_len_ = 0;
  std::int64_t sum_ = 0;
  int slot_bits_ = 0;
  int ep_ = -1;
  std::int64_t cpu_from_ = 0;  // process_cpu_ns() when the measured window opened
  std::vector<Conn> conns_;
  int alive_ = o_.conns;
  std::uint64_t calls_ = 0, errors_ = 0;
  Histogram hist_;
};

bool parse_options(int argc, char** argv, Options& o) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const char* v = argv[i + 1];
    if (flag == "--connect") {
      const char* colon = std::strrchr(v, ':');
      if (colon == nullptr) return false;
      const std::string host(v, colon);
      o.addr.sin_family = AF_INET;
      o.addr.sin_port = htons(static_cast<std::uint16_t>(std::atoi(colon + 1)));
      if (inet_pton(AF_INET, host.c_str(), &o.addr.sin_addr) != 1) return false;
    } else if (flag == "--conns") {
      o.conns = std::atoi(v);
    } else if (flag == "--depth") {
      o.depth = std::atoi(v);
    } else if (flag == "--duration") {
      o.duration = std::atof(v);
    } else if (flag == "--warmup") {
      o.warmup = std::atof(v);
    } else if (flag == "--proc") {
      o.proc = std::atoi(v);
    } else if (flag == "--payload") {
      o.payload = std::strtoull(v, nullptr, 10);
    } else {
      return false;
    }
  }
  return argc % 2 == 1 && o.addr.sin_family == AF_INET && o.conns > 0 && o.depth > 0 && o.depth <= 65536 &&
         o.proc >= 0 && o.proc <= 2 && o.duration > 0 && o.warmup >= 0 && o.payload < (1u << 30);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse_options(argc, argv, o)) {
    std::fprintf(stderr,
                 "usage: %s --connect HOST:PORT [--conns C] [--depth D] [--duration S] [--warmup S] [--proc 0|1|2] "
                 "[--payload N]\n",
                 argv[0]);
    return 2;
  }
  return Blast(o).run();
}
