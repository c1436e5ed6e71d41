// Loop::listen on a unix:// path that already exists: a socket file nobody answers on (left by a
// crash) is replaced; a socket a live process answers on, or a file that is not a socket, is
// refused with EADDRINUSE and left as it was.
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <gtest/gtest.h>
#include <memory>
#include <string>

#include "core/loop.hpp"

namespace nelson::core::test {
namespace {

class UnixListen : public ::testing::Test {
 protected:
  void SetUp() override {
    char templ[] = "/tmp/nelson-unix-listen-XXXXXX";
    ASSERT_NE(::mkdtemp(templ), nullptr);
    dir_ = templ;
    path_ = dir_ + "/s.sock";
    auto created = Loop::create({});
    ASSERT_TRUE(created) << created.error().message;
    loop_ = std::move(created.value());
  }
  void TearDown() override {
    loop_.reset();
    ::unlink(path_.c_str());
    ::rmdir(dir_.c_str());
  }

  // A socket bound at path_ by hand; listening or not.
  int bound_socket(bool listening) const {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::memcpy(a.sun_path, path_.c_str(), path_.size() + 1);
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0) << std::strerror(errno);
    if (listening) {
      EXPECT_EQ(::listen(fd, 4), 0);
    }
    return fd;
  }
  bool answers() const {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::memcpy(a.sun_path, path_.c_str(), path_.size() + 1);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
  }
  Result<Listener*> listen() {
    auto endpoint = parse_endpoint("unix://" + path_);
    if (!endpoint) return endpoint.error();
    return loop_->listen(*endpoint);
  }

  std::string dir_, path_;
  std::unique_ptr<Loop> loop_;
};

TEST_F(UnixListen, AStaleSocketFileIsReplaced) {
  ::close(bound_socket(false));  // the file stays, nobody answers: what a crash leaves
  struct stat st {};
  ASSERT_EQ(::lstat(path_.c_str(), &st), 0);
  ASSERT_FALSE(answers());
  auto l = listen();
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_TRUE(answers());
}

TEST_F(UnixListen, ASocketALiveProcessAnswersOnIsRefusedAndKept) {
  const int live = bound_socket(true);
  auto l = listen();
  ASSERT_FALSE(l);
  EXPECT_EQ(l.error().code, EADDRINUSE);
  EXPECT_NE(l.error().message.find("another process listens on " + path_), std::string::npos) << l.error().message;
  EXPECT_TRUE(answers()) << "the live server lost its socket";
  ::close(live);
}

TEST_F(UnixListen, AFileThatIsNotASocketIsRefusedAndKept) {
  { std::ofstream(path_) << "data"; }
  auto l = listen();
  ASSERT_FALSE(l);
  EXPECT_EQ(l.error().code, EADDRINUSE);
  EXPECT_NE(l.error().message.find(path_ + " exists and is not a socket"), std::string::npos) << l.error().message;
  std::string content;
  std::ifstream(path_) >> content;
  EXPECT_EQ(content, "data");
}

TEST_F(UnixListen, AFreePathIsBoundAndAnswers) {
  auto l = listen();
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_TRUE(answers());
  EXPECT_EQ((*l)->endpoint().to_string(), "unix://" + path_);
}

}  // namespace
}  // namespace nelson::core::test
