// core::notify_service_manager and core::service_manager_watchdog: sd_notify's datagram to
// $NOTIFY_SOCKET (a path or an abstract "@name"), and sd_watchdog_enabled's reading of
// $WATCHDOG_USEC / $WATCHDOG_PID. The environment is this process's: each test restores it.
#include "core/service_manager.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <gtest/gtest.h>
#include <string>

namespace nelson::core::test {
namespace {

class ServiceManager : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const char* name : {"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"}) ::unsetenv(name);
    if (fd_ >= 0) ::close(fd_);
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  // A datagram socket at `name` (a path, or "@abstract"), as systemd's notification socket.
  void bind_supervisor(const std::string& name) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    ASSERT_GE(fd_, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::memcpy(a.sun_path, name.data(), name.size());
    if (name[0] == '@') {
      a.sun_path[0] = '\0';
    } else {
      path_ = name;
    }
    const auto size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
    ASSERT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), size), 0) << std::strerror(errno);
    ::setenv("NOTIFY_SOCKET", name.c_str(), 1);
  }
  std::string received() const {
    char buf[256];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    return n < 0 ? std::string("(nothing)") : std::string(buf, static_cast<std::size_t>(n));
  }

  int fd_ = -1;
  std::string path_;
};

TEST_F(ServiceManager, StatesGoToThePathNamedByNotifySocket) {
  bind_supervisor("/tmp/nelson-notify-" + std::to_string(::getpid()) + ".sock");
  EXPECT_TRUE(notify_service_manager("READY=1\nSTATUS=serving"));
  EXPECT_EQ(received(), "READY=1\nSTATUS=serving");
}

TEST_F(ServiceManager, AnAtSignNamesTheAbstractNamespace) {
  bind_supervisor("@nelson-notify-" + std::to_string(::getpid()));
  EXPECT_TRUE(notify_service_manager("WATCHDOG=1"));
  EXPECT_EQ(received(), "WATCHDOG=1");
}

TEST_F(ServiceManager, WithoutASupervisorNothingIsSent) {
  ::unsetenv("NOTIFY_SOCKET");
  EXPECT_FALSE(notify_service_manager("READY=1"));
  ::setenv("NOTIFY_SOCKET", "relative/path", 1);  // neither a path nor @abstract
  EXPECT_FALSE(notify_service_manager("READY=1"));
  ::setenv("NOTIFY_SOCKET", "/nonexistent/nelson.sock", 1);
  EXPECT_FALSE(notify_service_manager("READY=1"));
}

TEST_F(ServiceManager, TheWatchdogIntervalComesFromWatchdogUsec) {
  EXPECT_EQ(service_manager_watchdog().count(), 0);  // not asked for
  ::setenv("WATCHDOG_USEC", "30000000", 1);
  EXPECT_EQ(service_manager_watchdog(), std::chrono::seconds(30));
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  EXPECT_EQ(service_manager_watchdog(), std::chrono::seconds(30));
  ::setenv("WATCHDOG_PID", std::to_string(::getpid() + 1).c_str(), 1);  // meant for another process
  EXPECT_EQ(service_manager_watchdog().count(), 0);
  ::unsetenv("WATCHDOG_PID");
  for (const char* bad : {"0", "", "-5", "12s", "99999999999999999999999"}) {
    ::setenv("WATCHDOG_USEC", bad, 1);
    EXPECT_EQ(service_manager_watchdog().count(), 0) << bad;
  }
}

}  // namespace
}  // namespace nelson::core::test
