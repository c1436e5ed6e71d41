// core::peer_credentials: the kernel's record of who connected to a UNIX stream socket, and
// clear errors for every socket that has none (TCP, UDP, an unconnected UNIX socket, no socket).
#include "core/peer_credentials.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <gtest/gtest.h>
#include <string>

#include "core/loop.hpp"
#include "tests/core/run_loop.hpp"

namespace nelson::core {
namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  [[nodiscard]] int get() const { return fd_; }

 private:
  int fd_;
};

TEST(PeerCredentials, SocketPairIsThisProcess) {
  int fds[2] = {-1, -1};
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  const Fd a(fds[0]);
  const Fd b(fds[1]);
  const auto cred = peer_credentials(a.get());
  ASSERT_TRUE(cred) << cred.error().message;
  EXPECT_EQ(cred->uid, ::getuid());
  EXPECT_EQ(cred->gid, ::getgid());
#ifdef __linux__
  EXPECT_EQ(cred->pid, ::getpid());
#endif
}

TEST(PeerCredentials, NoneForOtherSockets) {
  const Fd tcp(::socket(AF_INET, SOCK_STREAM, 0));
  ASSERT_GE(tcp.get(), 0);
  const auto t = peer_credentials(tcp.get());
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().code, 0);
  const Fd udp(::socket(AF_INET, SOCK_DGRAM, 0));
  EXPECT_FALSE(peer_credentials(udp.get()));
  const Fd unconnected(::socket(AF_UNIX, SOCK_STREAM, 0));
  EXPECT_FALSE(peer_credentials(unconnected.get()));
  const auto none = peer_credentials(-1);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, EBADF);
}

// Through the loop: the accepted end of a unix:// listener knows its client, the connected end
// its server (here both this process); a TCP stream is refused without a syscall.
TEST(PeerCredentials, StreamsOfTheLoop) {
  auto loop = Loop::create({.backend = BackendKind::epoll}).value();
  const std::string name = "unix://@nelson-peercred-" + std::to_string(::getpid());
  auto listener = loop->listen(parse_endpoint(name).value());
  ASSERT_TRUE(listener) << listener.error().message;
  Result<PeerCredentials> accepted = Error{};
  bool got = false;
  (*listener)->on_accept = [&](Stream& s) {
    accepted = peer_credentials(s);
    got = true;
    s.close();
  };
  auto client = loop->connect(parse_endpoint(name).value());
  ASSERT_TRUE(client) << client.error().message;
  ASSERT_TRUE(test::run_until(*loop, [&] { return got; }));
  ASSERT_TRUE(accepted) << accepted.error().message;
  EXPECT_EQ(accepted->uid, ::getuid());
  const auto connected = peer_credentials(**client);
  ASSERT_TRUE(connected) << connected.error().message;
  EXPECT_EQ(connected->uid, ::getuid());
  (*client)->close();

  auto tcp_listener = loop->listen(parse_endpoint("tcp://127.0.0.1:0").value());
  ASSERT_TRUE(tcp_listener);
  bool tcp_refused = false;
  (*tcp_listener)->on_accept = [&](Stream& s) {
    const auto r = peer_credentials(s);
    tcp_refused = !r && r.error().message.find("not a UNIX socket peer") != std::string::npos;
    s.close();
  };
  auto tcp = loop->connect((*tcp_listener)->endpoint());
  ASSERT_TRUE(tcp);
  ASSERT_TRUE(test::run_until(*loop, [&] { return tcp_refused; }));
  (*tcp)->close();
  loop->run_once(std::chrono::milliseconds(0));
}

}  // namespace
}  // namespace nelson::core
