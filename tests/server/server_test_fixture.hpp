// The fixture of the server suite: a Loop on the backend under test, a Server with a test
// program on TCP and UDP (ephemeral ports), and raw-socket clients driven together with the
// loop (the loop runs on the test's thread between sends and reads, so nothing needs locks and
// a hang fails the test through run_until's deadline).
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <gtest/gtest.h>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "core/loop.hpp"
#include "rpc/message.hpp"
#include "rpc/record_writer.hpp"
#include "server/server.hpp"
#include "tests/core/run_loop.hpp"

namespace nelson::server::test {

using std::chrono::milliseconds;
using Bytes = std::vector<std::byte>;

inline constexpr std::uint32_t kProg = 0x20000123;

/// A call message (no record mark): header + `args`.
inline Bytes call_message(std::uint32_t xid, std::uint32_t prog, std::uint32_t vers, std::uint32_t proc,
                          std::span<const std::byte> args = {}, rpc::OpaqueAuth cred = rpc::kNullAuth,
                          rpc::OpaqueAuth verf = rpc::kNullAuth) {
  Bytes out(64 + 2 * rpc::kMaxAuthBytes + args.size());
  xdr::Encoder e(out);
  rpc::encode_call(e, xid, prog, vers, proc, cred, verf);
  e.put_raw(args.data(), args.size());
  out.resize(e.written().size());
  return out;
}

/// `message` with one last-fragment record mark in front.
inline Bytes record(std::span<const std::byte> message) {
  Bytes out;
  const auto mark = rpc::record_mark(static_cast<std::uint32_t>(message.size()), true);
  out.insert(out.end(), mark.begin(), mark.end());
  out.insert(out.end(), message.begin(), message.end());
  return out;
}

/// The XDR of an opaque<> / a string.
inline Bytes opaque_arg(std::span<const std::byte> data) {
  Bytes out(8 + data.size());
  xdr::Encoder e(out);
  e.put_opaque(data);
  out.resize(e.written().size());
  return out;
}

struct Reply {
  rpc::ReplyHeader header;
  Bytes results;  // what follows a SUCCESS header
};

inline std::optional<Reply> parse_reply(std::span<const std::byte> message) {
  xdr::Decoder d(message);
  Reply r;
  if (!rpc::decode_reply(d, r.header).ok()) return std::nullopt;
  auto rest = d.rest();
  r.results.assign(rest.begin(), rest.end());
  return r;
}

/// A non-blocking client socket whose reads run the loop while they wait.
class RawClient {
 public:
  RawClient(core::Loop& loop, const core::Endpoint& endpoint) : loop_(&loop) {
    const bool udp = endpoint.transport == core::Transport::udp;
    fd_ = ::socket(endpoint.address.family(), (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK, 0);
    connected_ = ::connect(fd_, endpoint.address.get(), endpoint.address.size()) == 0 || errno == EINPROGRESS;
    udp_ = udp;
  }
  ~RawClient() { close(); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  [[nodiscard]] bool connected() const { return connected_; }
  [[nodiscard]] int fd() const { return fd_; }

  /// Sends everything, running the loop while the socket is full.
  bool send(std::span<const std::byte> bytes) {
    std::size_t off = 0;
    return core::test::run_until(*loop_,
                                 [&] {
                                   while (off < bytes.size()) {
                                     const ssize_t n =
                                         ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
                                     if (n <= 0)
                                       return n < 0 && errno != EAGAIN;  // an error ends the wait (and fails below)
                                     off += static_cast<std::size_t>(n);
                                   }
                                   return true;
                                 }) &&
           off == bytes.size();
  }

  /// The next reply message (record-marked on streams), or nullopt after `limit`.
  std::optional<Bytes> read_message(milliseconds limit = milliseconds(5000)) {
    std::optional<Bytes> out;
    core::test::run_until(
        *loop_, [&] { return (out = take_message()).has_value() || eof_; }, limit);
    return out;
  }
  std::optional<Reply> read_reply(milliseconds limit = milliseconds(5000)) {
    auto m = read_message(limit);
    if (!m) return std::nullopt;
    return parse_reply(*m);
  }
  /// True once the server closed the connection (read returned 0 or an error).
  bool wait_closed(milliseconds limit = milliseconds(5000)) {
    return core::test::run_until(
        *loop_,
        [&] {
          (void)take_message();
          return eof_;
        },
        limit);
  }
  /// Runs the loop for `d` and reports whether any message arrived.
  bool nothing_for(milliseconds d) {
    core::test::run_for(*loop_, d);
    return !take_message().has_value() && !eof_;
  }

 private:
  std::optional<Bytes> take_message() {
    std::byte buf[65536];
    for (;;) {
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
        eof_ = true;
        break;
      }
      if (n < 0) break;
      if (udp_) return Bytes(buf, buf + n);
      in_.insert(in_.end(), buf, buf + n);
    }
    if (udp_ || in_.size() < 4) return std::nullopt;
    const std::uint32_t mark = (std::to_integer<std::uint32_t>(in_[0]) << 24) |
                               (std::to_integer<std::uint32_t>(in_[1]) << 16) |
                               (std::to_integer<std::uint32_t>(in_[2]) << 8) | std::to_integer<std::uint32_t>(in_[3]);
    const std::size_t len = mark & 0x7fffffffU;
    if (in_.size() < 4 + len) return std::nullopt;
    Bytes m(in_.begin() + 4, in_.begin() + 4 + static_cast<std::ptrdiff_t>(len));
    in_.erase(in_.begin(), in_.begin() + 4 + static_cast<std::ptrdiff_t>(len));
    return m;
  }

  core::Loop* loop_;
  int fd_ = -1;
  bool connected_ = false;
  bool udp_ = false;
  bool eof_ = false;
  Bytes in_;
};

class ServerTest : public ::testing::TestWithParam<core::BackendKind> {
 protected:
  /// Creates the loop and a server with `options`; the test registers procedures, then listen().
  void start(ServerOptions options = {}) {
    auto created = core::Loop::create({.backend = GetParam()});
    if (!created) GTEST_SKIP() << "backend unavailable: " << created.error().message;
    loop_ = std::move(created.value());
    if (loop_->backend_kind() != GetParam()) GTEST_SKIP() << "backend unavailable: " << loop_->fallback_reason();
    server_ = std::make_unique<Server>(*loop_, options);
  }
  void listen() {
    auto tcp = server_->listen(*core::parse_endpoint("tcp://127.0.0.1:0"));
    ASSERT_TRUE(tcp) << tcp.error().message;
    tcp_ = *tcp;
    auto udp = server_->listen(*core::parse_endpoint("udp://127.0.0.1:0"));
    ASSERT_TRUE(udp) << udp.error().message;
    udp_ = *udp;
  }
  void TearDown() override {
    server_.reset();
    if (loop_) core::test::run_for(*loop_, milliseconds(1));  // frees the closed handles
  }
  template <class Pred>
  bool run_until(Pred done, milliseconds limit = milliseconds(5000)) {
    return core::test::run_until(*loop_, done, limit);
  }

  std::unique_ptr<core::Loop> loop_;
  std::unique_ptr<Server> server_;
  core::Endpoint tcp_;
  core::Endpoint udp_;
};

}  // namespace nelson::server::test
