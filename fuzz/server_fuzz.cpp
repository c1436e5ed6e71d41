// libFuzzer target for the server's call path: arbitrary bytes as a stream connection (record
// marking, headers, auth, dispatch, DRC, async replies) and as a datagram, into a real Server on
// a real Loop.
//
// Input layout: byte 0 selects the transport (bit 0: datagram) and, for streams, how the bytes
// are written (bits 1-3: chunk size 2^n, so records arrive split in many ways); the rest is
// what the peer sends. Checked after every input (violations end in __builtin_trap()):
//   - every message the server sends is a well-formed RPC reply (record-marked on streams);
//   - the stream is closed by the server or stays open only while the loop still runs;
//     after our side closes, the server releases the connection within a bounded number of
//     iterations (no leaked connection slot);
//   - slabs in use return to what the idle server holds (nothing pinned by a dead connection).
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <vector>

#include "core/loop.hpp"
#include "examples/bench_service.hpp"
#include "rpc/message.hpp"
#include "server/server.hpp"

namespace core = nelson::core;
namespace server = nelson::server;
namespace rpc = nelson::rpc;
namespace xdr = nelson::xdr;

#define FUZZ_CHECK(cond)                                                                   \
  do {                                                                                     \
    if (!(cond)) [[unlikely]] {                                                            \
      std::fprintf(stderr, "server_fuzz: check failed at line %d: %s\n", __LINE__, #cond); \
      __builtin_trap();                                                                    \
    }                                                                                      \
  } while (0)

namespace {

struct World {
  std::unique_ptr<core::Loop> loop;
  std::unique_ptr<server::Server> srv;
  core::Endpoint udp;
  int udp_client = -1;
  std::size_t idle_slabs = 0;
  std::vector<server::ReplyHandle> later;  // deferred calls, answered on the next input
};

World& world() {
  static World* w = [] {
    core::set_log_level(core::LogLevel::error);  // hostile input logs warnings by design
    auto* nw = new World;
    nw->loop = std::move(core::Loop::create({.backend = core::BackendKind::epoll}).value());
    server::ServerOptions options;
    options.limits.max_record_size = 256 * 1024;
    options.limits.max_fragments = 512;
    options.limits.drc_max_entries = 64;
    options.limits.drc_max_bytes = 64 * 1024;
    nw->srv = std::make_unique<server::Server>(*nw->loop, options);
    nelson::examples::register_bench_service(*nw->srv, {.at_most_once = {nelson::examples::kBenchSum}});
    // An asynchronous at-most-once procedure: its calls stay in flight until the next input.
    nw->srv->add_procedure(nelson::examples::kBenchProg, 1, 3, {"LATER", server::Semantics::at_most_once},
                           [nw](server::Call& call) {
                             if (nw->later.size() >= 16) return server::Status::system_err;
                             nw->later.push_back(call.defer());
                             return server::Status::deferred;
                           });
    nw->udp = nw->srv->listen(*core::parse_endpoint("udp://127.0.0.1:0")).value();
    nw->udp_client = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    (void)::connect(nw->udp_client, nw->udp.address.get(), nw->udp.address.size());
    for (int i = 0; i < 3; ++i) nw->loop->run_once(std::chrono::milliseconds(0));
    nw->idle_slabs = nw->loop->pool().stats().slabs_in_use;
    return nw;
  }();
  return *w;
}

// Every record of `bytes` (record-marked) must be a well-formed reply; returns bytes consumed.
std::size_t check_replies(std::span<const std::byte> bytes) {
  std::size_t off = 0;
  while (bytes.size() - off >= 4) {
    const std::uint32_t mark = xdr::load_be32(bytes.data() + off);
    FUZZ_CHECK((mark & 0x80000000U) != 0);  // the server sends every reply as one fragment
    const std::size_t len = mark & 0x7fffffffU;
    if (bytes.size() - off - 4 < len) break;
    xdr::Decoder d(bytes.subspan(off + 4, len));
    rpc::ReplyHeader h;
    FUZZ_CHECK(rpc::decode_reply(d, h).ok());
    off += 4 + len;
  }
  return off;
}

void run(World& w, int iterations) {
  for (int i = 0; i < iterations; ++i) w.loop->run_once(std::chrono::milliseconds(0));
}

void fuzz_stream(World& w, std::uint8_t mode, std::span<const std::byte> data) {
  int fds[2];
  FUZZ_CHECK(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) == 0);
  core::Stream* s = w.loop->adopt_stream(fds[0], core::Transport::unix_stream, core::SocketAddress{});
  FUZZ_CHECK(s != nullptr);
  const std::size_t before = w.srv->connection_count();
  w.srv->serve(*s);
  const std::size_t chunk = std::size_t{1} << ((mode >> 1) & 7);
  std::vector<std::byte> received;
  std::size_t checked = 0;
  auto drain_peer = [&] {
    std::byte buf[65536];
    for (;;) {
      const ssize_t n = ::read(fds[1], buf, sizeof buf);
      if (n <= 0) return n == 0;  // true: the server closed
      received.insert(received.end(), buf, buf + n);
    }
  };
  bool closed = false;
  for (std::size_t off = 0; off < data.size() && !closed;) {
    const std::size_t n = std::min(chunk, data.size() - off);
    const ssize_t wrote = ::write(fds[1], data.data() + off, n);
    if (wrote > 0) off += static_cast<std::size_t>(wrote);
    run(w, 1);
    closed = drain_peer();
    if (wrote <= 0 && !closed) run(w, 2);  // the socket is full: let the server read
  }
  run(w, 3);
  closed = drain_peer() || closed;
  checked += check_replies(std::span(received).subspan(checked));
  ::close(fds[1]);  // the client leaves
  for (int i = 0; i < 50 && w.srv->connection_count() > before; ++i) run(w, 1);
  FUZZ_CHECK(w.srv->connection_count() == before);
}

void fuzz_datagram(World& w, std::span<const std::byte> data) {
  (void)::send(w.udp_client, data.data(), std::min<std::size_t>(data.size(), 65507), 0);
  run(w, 3);
  std::byte buf[65536];
  for (;;) {
    const ssize_t n = ::recv(w.udp_client, buf, sizeof buf, 0);
    if (n <= 0) break;
    xdr::Decoder d(std::span<const std::byte>(buf, static_cast<std::size_t>(n)));
    rpc::ReplyHeader h;
    FUZZ_CHECK(rpc::decode_reply(d, h).ok());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size == 0) return 0;
  World& w = world();
  // Calls deferred by the previous input: answer half, drop the rest (SYSTEM_ERR or orphans).
  for (std::size_t i = 0; i < w.later.size(); i += 2) (void)w.later[i].reply([](xdr::Encoder& e) { e.put_uint(1); });
  w.later.clear();
  const std::span<const std::byte> data(reinterpret_cast<const std::byte*>(bytes) + 1, size - 1);
  if ((bytes[0] & 1) != 0) {
    fuzz_datagram(w, data);
  } else {
    fuzz_stream(w, bytes[0], data);
  }
  run(w, 2);
  w.later.clear();
  run(w, 2);
  // Nothing pinned by connections that are gone, nothing left over from a reply.
  FUZZ_CHECK(w.loop->pool().stats().slabs_in_use <= w.idle_slabs + 2);
  return 0;
}
