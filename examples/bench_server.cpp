// nelson-bench-server: the benchmark service of examples/bench.x (BENCHPROG 0x20000099 v1:
// NULL, ECHO, SUM) on nelson's server runtime, over any mix of TCP, UDP and UNIX sockets.
//
//   nelson-bench-server --listen tcp://127.0.0.1:20099 --listen udp://127.0.0.1:20099 --backend epoll
//   rpcinfo -n 20099 -t 127.0.0.1 0x20000099 1
//
// It registers each endpoint with the host's portmapper (nelson-rpcbind or the system's rpcbind:
// its UNIX socket, else TCP 127.0.0.1:111), so clients find it by program number (nelson-load
// --pmap, rpcinfo, clnt_create), and unregisters when it stops; --no-register leaves the
// portmapper alone. A portmapper that is missing or refuses is a warning, not an error.
//
// SIGTERM/SIGINT drain the server (stop accepting, finish calls in flight, flush), unregister,
// and exit 0.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "client/service_registration.hpp"
#include "core/loop.hpp"
#include "core/parse_number.hpp"
#include "examples/bench_service.hpp"
#include "server/server.hpp"

namespace core = nelson::core;
namespace server = nelson::server;
namespace client = nelson::client;

namespace {

int usage(const std::string& why) {
  std::fprintf(stderr,
               "nelson-bench-server: %s\n"
               "usage: nelson-bench-server --listen ADDRESS [--listen ADDRESS ...] [options]\n"
               "  ADDRESS: tcp://host:port, udp://host:port or unix:///path\n"
               "  --backend auto|io_uring|epoll|kqueue|select\n"
               "  --max-connections N      open stream connections (default 4096)\n"
               "  --max-record-size BYTES  largest call record (default 1048576)\n"
               "  --max-fragments N        fragments in one record (default 65536)\n"
               "  --max-in-flight N        unanswered calls per connection (default 256)\n"
               "  --max-queued-output B    queued reply bytes per connection (default 4194304)\n"
               "  --max-datagram-reply B   larger UDP replies are SYSTEM_ERR (default 65507)\n"
               "  --idle-timeout-ms MS     close idle connections (default 120000; 0 never)\n"
               "  --call-deadline-ms MS    expire unanswered asynchronous calls (default 30000)\n"
               "  --drc-entries N          duplicate-request cache entries (default 4096)\n"
               "  --drc-bytes B            duplicate-request cache bytes (default 16777216)\n"
               "  --drain-deadline-ms MS   SIGTERM drain deadline (default 10000)\n"
               "  --at-most-once PROC      serve procedure PROC (1 ECHO, 2 SUM) through the DRC\n"
               "  --async-delay-ms MS      answer ECHO and SUM asynchronously after MS\n"
               "  --stats-interval S       print the counters every S seconds\n"
               "  --no-register            do not register with the host's portmapper\n"
               "  --rpcbind-port N         the portmapper's TCP port (default 111)\n"
               "  --rpcbind-unix PATH      its UNIX socket (default /run/rpcbind.sock; \"\" for none)\n"
               "  --quiet                  no start-up lines\n",
               why.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  core::LoopOptions loop_options;
  server::ServerOptions options;
  server::ServerLimits& limits = options.limits;
  nelson::examples::BenchServiceOptions service;
  std::vector<core::Endpoint> endpoints;
  unsigned stats_interval = 0;
  bool quiet = false;
  bool do_register = true;
  client::RegistrationOptions registration;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--quiet") {
      quiet = true;
      continue;
    }
    if (arg == "--no-register") {
      do_register = false;
      continue;
    }
    if (i + 1 >= argc) return usage("missing value after " + std::string(arg));
    const std::string_view value = argv[++i];
    std::uint64_t n = 0;
    const bool numeric = core::parse_number(value, n);
    if (arg == "--listen") {
      auto endpoint = core::parse_endpoint(value);
      if (!endpoint) return usage(endpoint.error().message);
      endpoints.push_back(*endpoint);
    } else if (arg == "--rpcbind-unix") {
      registration.unix_socket = value;
    } else if (arg == "--backend") {
      if (!core::parse_backend(value, loop_options.backend)) return usage("unknown backend " + std::string(value));
    } else if (!numeric) {
      return usage("not a number after " + std::string(arg) + ": " + std::string(value));
    } else if (arg == "--max-connections") {
      limits.max_connections = n;
    } else if (arg == "--max-record-size") {
      limits.max_record_size = n;
    } else if (arg == "--max-fragments") {
      limits.max_fragments = n;
    } else if (arg == "--max-in-flight") {
      limits.max_calls_in_flight = n;
    } else if (arg == "--max-queued-output") {
      limits.max_queued_output = n;
    } else if (arg == "--max-datagram-reply") {
      limits.max_datagram_reply = n;
    } else if (arg == "--idle-timeout-ms") {
      limits.idle_timeout = std::chrono::milliseconds(n);
    } else if (arg == "--call-deadline-ms") {
      limits.call_deadline = std::chrono::milliseconds(n);
    } else if (arg == "--drc-entries") {
      limits.drc_max_entries = n;
    } else if (arg == "--drc-bytes") {
      limits.drc_max_bytes = n;
    } else if (arg == "--drain-deadline-ms") {
      limits.drain_deadline = std::chrono::milliseconds(n);
    } else if (arg == "--at-most-once") {
      service.at_most_once.push_back(static_cast<std::uint32_t>(n));
    } else if (arg == "--async-delay-ms") {
      service.async_delay = std::chrono::milliseconds(n);
    } else if (arg == "--rpcbind-port") {
      if (n == 0 || n > 65535) return usage("bad --rpcbind-port " + std::string(value));
      registration.port = static_cast<std::uint16_t>(n);
    } else if (arg == "--stats-interval") {
      stats_interval = static_cast<unsigned>(n);
    } else {
      return usage("unknown option " + std::string(arg));
    }
  }
  if (endpoints.empty()) return usage("no --listen address");

  auto created = core::Loop::create(loop_options);
  if (!created) return usage(created.error().message);
  auto loop = std::move(created).value();
  if (!loop->fallback_reason().empty()) {
    core::log(core::LogLevel::info, "backend fallback: " + loop->fallback_reason());
  }

  server::Server srv(*loop, options);
  nelson::examples::register_bench_service(srv, service);
  std::vector<core::Endpoint> bound_endpoints;
  for (const core::Endpoint& endpoint : endpoints) {
    auto bound = srv.listen(endpoint);
    if (!bound) return usage(bound.error().message);
    if (!quiet) std::printf("serving BENCHPROG on %s\n", bound->to_string().c_str());
    bound_endpoints.push_back(*bound);
  }
  client::ServiceRegistration portmapper(*loop, registration);
  if (do_register) {
    for (const client::RegistrationResult& r :
         portmapper.register_sync(nelson::examples::kBenchProg, nelson::examples::kBenchVers, bound_endpoints)) {
      if (!r.ok()) {
        core::log(core::LogLevel::warning, client::message(r));
      } else if (!quiet) {
        std::printf("registered with the portmapper at %s\n", r.portmapper.to_string().c_str());
      }
    }
  }
  if (auto signals = srv.drain_on_signals(); !signals) return usage(signals.error().message);
  if (!quiet) {
    std::printf("backend %s\n", std::string(core::to_string(loop->backend_kind())).c_str());
    std::fflush(stdout);
  }

  auto print_stats = [&] {
    std::fputs(srv.format_stats().c_str(), stdout);
    std::fflush(stdout);
  };
  core::Timer ticker(loop->timers(), [&] {
    print_stats();
    ticker.arm_after(std::chrono::seconds(stats_interval));
  });
  if (stats_interval != 0) {
    loop->timers().update_now();
    ticker.arm_after(std::chrono::seconds(stats_interval));
  }

  loop->run();
  for (const client::RegistrationResult& r : portmapper.unregister_sync()) {
    if (!r.ok()) core::log(core::LogLevel::warning, client::message(r));
  }
  if (!quiet) {
    std::printf("drained\n");
    print_stats();
  }
  return 0;
}
