#include "core/service_manager.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "core/parse_number.hpp"

namespace nelson::core {

bool notify_service_manager(std::string_view state) noexcept {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (path == nullptr || path[0] == '\0') return false;
  const std::size_t len = std::strlen(path);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (len >= sizeof address.sun_path || (path[0] != '/' && path[0] != '@')) return false;
  std::memcpy(address.sun_path, path, len);
  if (path[0] == '@') address.sun_path[0] = '\0';  // abstract namespace
  const auto size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len);
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return false;
  const ssize_t sent =
      ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&address), size);
  ::close(fd);
  return sent == static_cast<ssize_t>(state.size());
}

namespace {

bool parse_env(const char* name, std::uint64_t& out) noexcept {
  const char* value = std::getenv(name);
  return value != nullptr && parse_number(value, out);
}

}  // namespace

std::chrono::microseconds service_manager_watchdog() noexcept {
  std::uint64_t usec = 0;
  if (!parse_env("WATCHDOG_USEC", usec) || usec == 0) return {};
  if (const char* pid = std::getenv("WATCHDOG_PID"); pid != nullptr) {
    std::uint64_t owner = 0;
    if (!parse_number(pid, owner) || owner != static_cast<std::uint64_t>(::getpid())) return {};
  }
  // Bounded so that the duration's arithmetic cannot overflow (a year is plenty).
  constexpr std::uint64_t kMaxUsec = 365ULL * 24 * 3600 * 1000 * 1000;
  return std::chrono::microseconds(static_cast<std::int64_t>(usec < kMaxUsec ? usec : kMaxUsec));
}

}  // namespace nelson::core
