// nelson-interop-lookup: client::lookup_sync from the command line, for the interop test against
// the system's rpcbind (portmap_lookup_test.sh).
//
//   nelson-interop-lookup HOST PROG VERS tcp|udp [--via tcp|udp] [--max-version 4|3|2] [--port N]
//
// Prints the endpoint ("tcp://127.0.0.1:20099") and exits 0, or prints the error's sentence and
// exits 1 (2 for a usage error).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "client/portmap.hpp"
#include "core/loop.hpp"

namespace {

bool parse_uint(std::string_view text, unsigned long max, unsigned long& out) {
  const std::string z(text);
  char* end = nullptr;
  out = std::strtoul(z.c_str(), &end, 0);
  return !z.empty() && *end == '\0' && out <= max;
}

bool parse_transport(std::string_view text, nelson::core::Transport& out) {
  if (text == "tcp") out = nelson::core::Transport::tcp;
  if (text == "udp") out = nelson::core::Transport::udp;
  return text == "tcp" || text == "udp";
}

int usage(const char* argv0) {
  std::fprintf(stderr, "usage: %s HOST PROG VERS tcp|udp [--via tcp|udp] [--max-version 4|3|2] [--port N]\n", argv0);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  namespace client = nelson::client;
  namespace core = nelson::core;
  if (argc < 5) return usage(argv[0]);
  unsigned long prog = 0;
  unsigned long vers = 0;
  core::Transport transport{};
  if (!parse_uint(argv[2], 0xffffffffUL, prog) || !parse_uint(argv[3], 0xffffffffUL, vers) ||
      !parse_transport(argv[4], transport)) {
    return usage(argv[0]);
  }
  client::LookupOptions options;
  for (int i = 5; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    unsigned long n = 0;
    if (flag == "--via" && parse_transport(argv[i + 1], options.via)) continue;
    if (flag == "--max-version" && parse_uint(argv[i + 1], 4, n) && n >= 2) {
      options.max_version = static_cast<std::uint32_t>(n);
      continue;
    }
    if (flag == "--port" && parse_uint(argv[i + 1], 65535, n)) {
      options.port = static_cast<std::uint16_t>(n);
      continue;
    }
    return usage(argv[0]);
  }
  if (argc % 2 == 0) return usage(argv[0]);
  auto loop = core::Loop::create();
  if (!loop) {
    std::fprintf(stderr, "%s\n", loop.error().message.c_str());
    return 1;
  }
  const client::LookupResult r = client::lookup_sync(**loop, argv[1], static_cast<std::uint32_t>(prog),
                                                     static_cast<std::uint32_t>(vers), transport, options);
  if (!r.ok()) {
    std::printf("%s\n", client::message(r.error).c_str());
    return 1;
  }
  std::printf("%s\n", r.endpoint.to_string().c_str());
  return 0;
}
