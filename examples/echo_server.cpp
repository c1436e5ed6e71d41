// nelson-echo-server: the reactor's smallest real program. Echoes every byte it receives on
// each --listen address (tcp://, unix://; udp:// datagrams are echoed to their sender), until
// SIGINT or SIGTERM.
//
//   nelson-echo-server --listen tcp://127.0.0.1:7007 --listen udp://127.0.0.1:7007 --backend epoll
//   printf 'hello\n' | nc -q1 127.0.0.1 7007
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/loop.hpp"

namespace core = nelson::core;

namespace {

int usage(const char* why) {
  std::fprintf(stderr,
               "nelson-echo-server: %s\n"
               "usage: nelson-echo-server --listen ADDRESS [--listen ADDRESS ...] [--backend auto|io_uring|epoll|"
               "kqueue|select]\n"
               "  ADDRESS: tcp://host:port, udp://host:port or unix:///path\n",
               why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  core::LoopOptions options;
  std::vector<core::Endpoint> endpoints;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) return usage(("missing value after " + std::string(arg)).c_str());
    const std::string_view value = argv[++i];
    if (arg == "--listen") {
      auto endpoint = core::parse_endpoint(value);
      if (!endpoint) return usage(endpoint.error().message.c_str());
      endpoints.push_back(*endpoint);
    } else if (arg == "--backend") {
      if (!core::parse_backend(value, options.backend)) return usage("unknown backend");
    } else {
      return usage(("unknown option " + std::string(arg)).c_str());
    }
  }
  if (endpoints.empty()) return usage("no --listen address");

  auto created = core::Loop::create(options);
  if (!created) return usage(created.error().message.c_str());
  auto loop = std::move(created).value();

  for (const core::Endpoint& endpoint : endpoints) {
    if (endpoint.transport == core::Transport::udp) {
      auto socket = loop->open_datagram(endpoint);
      if (!socket) return usage(socket.error().message.c_str());
      (*socket)->on_datagram = [](core::DatagramSocket& d, const core::Datagram& dg) {
        iovec iov{const_cast<std::byte*>(dg.data.data()), dg.data.length};
        (void)d.send_to({&iov, 1}, dg.from, &dg.local);  // UDP may drop: so may we
      };
      (*socket)->start_reading();
      std::printf("echoing on %s\n", (*socket)->endpoint().to_string().c_str());
      continue;
    }
    auto listener = loop->listen(endpoint);
    if (!listener) return usage(listener.error().message.c_str());
    (*listener)->on_accept = [](core::Stream& s) {
      s.on_data = [](core::Stream& st, const core::Slice& bytes) {
        if (!st.write_copy(bytes.bytes())) st.close();  // out of buffer memory: shed this peer
      };
      // Back-pressure: stop reading from a peer that does not read our echoes.
      s.on_write_pressure = [](core::Stream& st, bool high) { high ? st.pause_reading() : st.start_reading(); };
      s.on_eof = [](core::Stream& st) { st.shutdown_write(); };
      s.start_reading();
    };
    std::printf("echoing on %s\n", (*listener)->endpoint().to_string().c_str());
  }
  for (int signo : {SIGINT, SIGTERM}) {
    if (auto r = loop->on_signal(signo, [&](int) { loop->stop(); }); !r) return usage(r.error().message.c_str());
  }
  std::string backend(core::to_string(loop->backend_kind()));
  if (!loop->fallback_reason().empty()) backend += " (passed over: " + loop->fallback_reason() + ")";
  std::printf("backend %s\n", backend.c_str());
  std::fflush(stdout);
  loop->run();
  std::printf("stopped: %llu bytes in, %llu bytes out\n", static_cast<unsigned long long>(loop->stats().bytes_read),
              static_cast<unsigned long long>(loop->stats().bytes_written));
  return 0;
}
