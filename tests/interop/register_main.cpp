// nelson-interop-register: client::register_service_sync / unregister_service_sync from the
// command line, for the interop test against the system's rpcbind (registration_test.sh).
//
//   nelson-interop-register [OPTIONS] set PROG VERS ENDPOINT     ENDPOINT: tcp://0.0.0.0:20099, unix:///run/x.sock
//   nelson-interop-register [OPTIONS] unset PROG VERS [NETID]    no NETID: every netid
//   OPTIONS: --unix PATH (the portmapper's socket; "" for none)  --port N  --max-version 4|3|2
//
// Prints client::message(result) and exits 0 when done, 1 when not (2 for a usage error).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "client/registration.hpp"
#include "core/loop.hpp"

namespace {

bool parse_uint(std::string_view text, unsigned long max, unsigned long& out) {
  const std::string z(text);
  char* end = nullptr;
  out = std::strtoul(z.c_str(), &end, 0);
  return !z.empty() && *end == '\0' && out <= max;
}

int usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s [--unix PATH] [--port N] [--max-version 4|3|2] set PROG VERS ENDPOINT | unset PROG VERS "
               "[NETID]\n",
               argv0);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  namespace client = nelson::client;
  namespace core = nelson::core;
  client::RegistrationOptions options;
  int i = 1;
  for (; i + 1 < argc && std::string_view(argv[i]).starts_with("--"); i += 2) {
    const std::string_view flag = argv[i];
    unsigned long n = 0;
    if (flag == "--unix") {
      options.unix_socket = argv[i + 1];
    } else if (flag == "--port" && parse_uint(argv[i + 1], 65535, n)) {
      options.port = static_cast<std::uint16_t>(n);
    } else if (flag == "--max-version" && parse_uint(argv[i + 1], 4, n) && n >= 2) {
      options.max_version = static_cast<std::uint32_t>(n);
    } else {
      return usage(argv[0]);
    }
  }
  if (argc - i < 3) return usage(argv[0]);
  const std::string_view command = argv[i];
  unsigned long prog = 0;
  unsigned long vers = 0;
  if (!parse_uint(argv[i + 1], 0xffffffffUL, prog) || !parse_uint(argv[i + 2], 0xffffffffUL, vers)) {
    return usage(argv[0]);
  }
  auto loop = core::Loop::create();
  if (!loop) {
    std::fprintf(stderr, "%s\n", loop.error().message.c_str());
    return 1;
  }
  client::RegistrationResult r;
  if (command == "set" && argc - i == 4) {
    const auto endpoint = core::parse_endpoint(argv[i + 3]);
    if (!endpoint) {
      std::fprintf(stderr, "%s\n", endpoint.error().message.c_str());
      return 2;
    }
    r = client::register_service_sync(
        **loop, client::registration_for(static_cast<std::uint32_t>(prog), static_cast<std::uint32_t>(vers), *endpoint),
        options);
  } else if (command == "unset" && argc - i <= 4) {
    r = client::unregister_service_sync(**loop, static_cast<std::uint32_t>(prog), static_cast<std::uint32_t>(vers),
                                        argc - i == 4 ? std::string_view(argv[i + 3]) : std::string_view(), options);
  } else {
    return usage(argv[0]);
  }
  std::printf("%s\n", client::message(r).c_str());
  return r.ok() ? 0 : 1;
}
