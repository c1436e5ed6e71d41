// nelson-rpcbind: the portmapper daemon (RFC 1833 PMAP v2, RPCBIND v3/v4) on nelson's server
// runtime: TCP and UDP on port 111 and the UNIX socket /run/rpcbind.sock, as the system rpcbind
// listens, so `rpcinfo`, libtirpc's rpcb_set/pmap_set/clnt_create and nelson's own registration
// and lookup work unchanged.
//
//   nelson-rpcbind                                   # as the system's rpcbind (root, port 111)
//   nelson-rpcbind --port 0 --unix /tmp/rb.sock      # a private one on an ephemeral port
//   nelson-rpcbind --warm-start /run/rpcbind/nelson.xdr   # keep registrations across restarts
//
// It runs in the foreground (rpcbind/nelson-rpcbind.service: systemd's Type=notify, READY=1
// once it serves) and prints one "listening on ..." line per endpoint, then "ready", on stdout.
// Started by systemd with nelson-rpcbind.socket, it serves the sockets it is handed (socket
// activation). SIGTERM/SIGINT drain: stop accepting, answer the calls in flight, remove the UNIX
// socket, exit 0.
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "core/loop.hpp"
#include "core/parse_number.hpp"
#include "core/service_manager.hpp"
#include "core/timer.hpp"
#include "rpcbind/service.hpp"
#include "rpcbind/warm_start.hpp"
#include "server/server.hpp"

namespace core = nelson::core;
namespace rpcbind = nelson::rpcbind;
namespace server = nelson::server;

namespace {

int usage(const std::string& why) {
  std::fprintf(stderr,
               "nelson-rpcbind: %s\n"
               "usage: nelson-rpcbind [options]\n"
               "  --port N              TCP and UDP port (default 111; 0: an ephemeral port, the same for both)\n"
               "  --host ADDRESS        address to listen on, repeatable (default 0.0.0.0 and ::, the latter\n"
               "                        skipped where the host has no IPv6)\n"
               "  --unix PATH           UNIX socket (default /run/rpcbind.sock)\n"
               "  --no-unix             no UNIX socket\n"
               "  --unix-only           only the UNIX socket (no TCP, no UDP)\n"
               "  --warm-start FILE     load registrations from FILE at start, save them after each change\n"
               "  --max-entries N       registrations kept (default 1024)\n"
               "  --max-stat-keys N     lookup keys GETSTAT counts (default 256)\n"
               "  --unix-set-only       SET/UNSET only from UNIX-socket peers (not from loopback TCP/UDP)\n"
               "  --allow-indirect      forward CALLIT/BCAST/INDIRECT over UDP (off: they amplify attacks)\n"
               "  --allow-remote-udp-lists  answer DUMP/GETADDRLIST/GETSTAT over UDP to remote callers\n"
               "                        (off: a forged datagram would make us a reflector; TCP always works)\n"
               "  --backend auto|io_uring|epoll|kqueue|select\n"
               "  --log-level debug|info|warning|error (default info)\n"
               "  --quiet               no start-up lines\n",
               why.c_str());
  return 2;
}

bool parse_level(std::string_view text, core::LogLevel& level) {
  if (text == "debug")
    level = core::LogLevel::debug;
  else if (text == "info")
    level = core::LogLevel::info;
  else if (text == "warning")
    level = core::LogLevel::warning;
  else if (text == "error")
    level = core::LogLevel::error;
  else
    return false;
  return true;
}

// A port free for TCP and UDP alike on every one of `hosts` (--port 0): the kernel picks one for
// TCP on the first, the others must agree; a few tries. The sockets close before the server
// binds: another process could take the port in between, and listen() then fails with
// EADDRINUSE (a start-up error, not a silent wrong port).
bool bind_both(const core::SocketAddress& host, std::uint16_t& port, std::vector<int>& fds) {
  core::SocketAddress a = host;
  auto* p = a.family() == AF_INET ? &reinterpret_cast<sockaddr_in*>(a.get())->sin_port
                                  : &reinterpret_cast<sockaddr_in6*>(a.get())->sin6_port;
  *p = htons(port);
  for (const int type : {SOCK_STREAM, SOCK_DGRAM}) {
    const int fd = ::socket(a.family(), type | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    fds.push_back(fd);
    const int one = 1;
    if (a.family() == AF_INET6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (::bind(fd, a.get(), a.size()) != 0) return false;
    if (port == 0) {
      socklen_t len = a.size();
      if (::getsockname(fd, a.get(), &len) != 0) return false;
      port = ntohs(*p);
    }
  }
  return true;
}

std::uint16_t free_port(const std::vector<core::SocketAddress>& hosts) {
  for (int attempt = 0; attempt < 32; ++attempt) {
    std::uint16_t port = 0;
    std::vector<int> fds;
    bool ok = true;
    for (const core::SocketAddress& host : hosts) ok = ok && bind_both(host, port, fds);
    for (const int fd : fds) ::close(fd);
    if (ok && port != 0) return port;
  }
  return 0;
}

// sd_listen_fds(3), without libsystemd: LISTEN_PID names this process and LISTEN_FDS counts the
// sockets passed from descriptor 3 on. The variables are removed so children do not inherit them.
constexpr int kFirstInheritedFd = 3;
int inherited_sockets() {
  const char* pid = std::getenv("LISTEN_PID");
  const char* fds = std::getenv("LISTEN_FDS");
  int n = 0;
  long owner = 0;
  const bool mine = pid != nullptr && fds != nullptr && core::parse_number(std::string_view(pid), owner) &&
                    owner == static_cast<long>(::getpid()) && core::parse_number(std::string_view(fds), n) && n > 0;
  ::unsetenv("LISTEN_PID");
  ::unsetenv("LISTEN_FDS");
  ::unsetenv("LISTEN_FDNAMES");
  return mine ? n : 0;
}

// Whether this host can have an IPv6 socket on [::] (a kernel booted with ipv6.disable=1, or a
// container without IPv6, cannot: the default listeners are then IPv4 only).
bool ipv6_available() {
  const int fd = ::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

int run(int argc, char** argv) {
  core::LoopOptions loop_options;
  rpcbind::ServiceOptions service_options;
  std::uint32_t port = nelson::rpcbind::proto::RPCB_PORT;
  std::vector<std::string> hosts;  // empty: 0.0.0.0, and :: where the host has IPv6
  std::string unix_path = "/run/rpcbind.sock";
  std::string warm_start;
  bool inet = true;
  bool quiet = false;
  core::LogLevel level = core::LogLevel::info;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--quiet") {
      quiet = true;
    } else if (arg == "--no-unix") {
      unix_path.clear();
    } else if (arg == "--unix-only") {
      inet = false;
    } else if (arg == "--unix-set-only") {
      service_options.policy.allow_loopback = false;
    } else if (arg == "--allow-indirect") {
      service_options.policy.allow_indirect = true;
    } else if (arg == "--allow-remote-udp-lists") {
      service_options.policy.allow_remote_udp_lists = true;
    } else if (i + 1 >= argc) {
      return usage("missing value after " + std::string(arg) + " (or unknown option)");
    } else {
      const std::string_view value = argv[++i];
      std::size_t n = 0;
      if (arg == "--port") {
        if (!core::parse_number(value, port) || port > 65535) return usage("bad port " + std::string(value));
      } else if (arg == "--host") {
        hosts.emplace_back(value);
      } else if (arg == "--unix") {
        unix_path = value;
      } else if (arg == "--warm-start") {
        warm_start = value;
      } else if (arg == "--max-entries") {
        if (!core::parse_number(value, n) || n == 0) return usage("bad --max-entries " + std::string(value));
        service_options.limits.max_entries = n;
      } else if (arg == "--max-stat-keys") {
        if (!core::parse_number(value, n)) return usage("bad --max-stat-keys " + std::string(value));
        service_options.limits.max_stat_keys = n;
      } else if (arg == "--backend") {
        if (!core::parse_backend(value, loop_options.backend)) return usage("unknown backend " + std::string(value));
      } else if (arg == "--log-level") {
        if (!parse_level(value, level)) return usage("unknown log level " + std::string(value));
      } else {
        return usage("unknown option " + std::string(arg));
      }
    }
  }
  if (!inet && unix_path.empty()) return usage("--unix-only and --no-unix leave nothing to listen on");
  core::set_log_level(level);

  // systemd socket activation: the sockets come from nelson-rpcbind.socket, and --port, --host
  // and --unix are ignored (the .socket unit says where to listen).
  const int activated = inherited_sockets();
  if (activated > 0) {
    inet = false;
    unix_path.clear();
  }

  std::vector<core::Endpoint> wanted;
  if (inet) {
    const bool default_hosts = hosts.empty();
    if (default_hosts) {
      hosts.emplace_back("0.0.0.0");
      if (ipv6_available()) hosts.emplace_back("::");
    }
    std::vector<core::SocketAddress> addresses;
    for (const std::string& host : hosts) {
      const std::string bracketed = host.find(':') != std::string::npos ? "[" + host + "]" : host;
      auto probe = core::parse_endpoint("tcp://" + bracketed + ":0");
      if (!probe) return usage("--host " + host + ": " + probe.error().message);
      addresses.push_back(probe->address);
    }
    if (port == 0) {
      port = free_port(addresses);
      if (port == 0) return usage("no port free for both TCP and UDP on every --host");
    }
    for (const std::string& host : hosts) {
      const std::string bracketed = host.find(':') != std::string::npos ? "[" + host + "]" : host;
      for (const char* scheme : {"tcp://", "udp://"}) {
        auto e = core::parse_endpoint(scheme + bracketed + ":" + std::to_string(port));
        if (!e) return usage(e.error().message);
        wanted.push_back(*e);
      }
    }
  }
  if (!unix_path.empty()) {
    auto e = core::parse_endpoint("unix://" + unix_path);
    if (!e) return usage(e.error().message);
    wanted.push_back(*e);
  }

  auto created = core::Loop::create(loop_options);
  if (!created) return usage(created.error().message);
  auto loop = std::move(created).value();
  if (!loop->fallback_reason().empty()) core::log(core::LogLevel::info, "backend fallback: " + loop->fallback_reason());

  server::Server srv(*loop);
  rpcbind::Service service(*loop, service_options);
  if (!service.register_on(srv)) return usage("could not register the portmapper's procedures");

  if (!warm_start.empty()) {
    auto loaded = rpcbind::load_warm_start(warm_start, service_options.limits);
    if (!loaded) {
      core::log(core::LogLevel::warning,
                "nelson-rpcbind: ignoring warm-start file " + warm_start + ": " + loaded.error().message);
    } else {
      // Not the portmapper's own registrations of last time (another port, maybe, or another
      // socket): register_self() below says where it listens now. Nor are they counted.
      std::size_t restored = 0;
      for (const auto& entry : loaded->entries) {
        if (entry.prog == nelson::rpcbind::proto::RPCBPROG && entry.vers >= 2 && entry.vers <= 4) continue;
        restored += rpcbind::succeeded(service.table().set(entry)) ? 1 : 0;
      }
      if (loaded->found) {
        core::log(core::LogLevel::info,
                  "nelson-rpcbind: restored " + std::to_string(restored) + " registrations from " + warm_start);
      }
    }
    service.on_change = [&service, &warm_start] {
      if (auto saved = rpcbind::save_warm_start(service.table(), warm_start); !saved) {
        core::log(core::LogLevel::error,
                  "nelson-rpcbind: cannot save warm-start file " + warm_start + ": " + saved.error().message);
      }
    };
  }

  std::vector<core::Endpoint> bound;
  for (int fd = kFirstInheritedFd; fd < kFirstInheritedFd + activated; ++fd) {
    auto b = srv.adopt(fd);
    if (!b) return usage("cannot serve on inherited socket " + std::to_string(fd) + ": " + b.error().message);
    bound.push_back(*b);
    if (!quiet) std::printf("nelson-rpcbind: listening on %s (socket activation)\n", b->to_string().c_str());
  }
  for (const core::Endpoint& endpoint : wanted) {
    auto b = srv.listen(endpoint);
    if (!b) return usage("cannot listen on " + endpoint.to_string() + ": " + b.error().message);
    if (b->transport == core::Transport::unix_stream) {
      // Anyone may ask, and register: the kernel tells us who, and that uid owns what it registers.
      ::chmod(unix_path.c_str(), 0666);
    }
    bound.push_back(*b);
    if (!quiet) std::printf("nelson-rpcbind: listening on %s\n", b->to_string().c_str());
  }
  service.register_self(bound);

  // SIGTERM/SIGINT drain; the supervisor hears of it first (systemd's Type=notify).
  auto signals = srv.drain_on_signals([] { (void)core::notify_service_manager("STOPPING=1"); });
  if (!signals) return usage(signals.error().message);
  (void)core::notify_service_manager("READY=1\nSTATUS=serving " + std::to_string(bound.size()) + " endpoints");
  // WatchdogSec= in the unit: "still alive" at half the interval, from the loop itself, so a
  // loop that hangs stops sending and systemd restarts the daemon.
  const auto watchdog_interval = core::service_manager_watchdog();
  core::Timer watchdog(loop->timers(), [&watchdog, watchdog_interval] {
    (void)core::notify_service_manager("WATCHDOG=1");
    watchdog.arm_after(watchdog_interval / 2);
  });
  if (watchdog_interval.count() > 0) {
    loop->timers().update_now();
    watchdog.arm_after(watchdog_interval / 2);
  }
  if (!quiet) {
    std::printf("nelson-rpcbind: ready (backend %s)\n", std::string(core::to_string(loop->backend_kind())).c_str());
    std::fflush(stdout);
  }
  loop->run();
  if (!unix_path.empty()) ::unlink(unix_path.c_str());
  if (!quiet) {
    std::printf("nelson-rpcbind: stopped\n");
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Out of memory at start-up is the only exception possible here: say so instead of aborting.
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nelson-rpcbind: %s\n", e.what());
    return 1;
  }
}
