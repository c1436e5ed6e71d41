#include "rpc/universal_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <algorithm>
#include <cstring>

namespace nelson::rpc {

namespace {

// One decimal field of a universal address: 1 to 3 digits, no leading zero, at most 255.
std::optional<std::uint8_t> parse_octet(std::string_view s) {
  if (s.empty() || s.size() > 3 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  unsigned v = 0;
  for (const char ch : s) {
    if (ch < '0' || ch > '9') return std::nullopt;
    v = v * 10 + static_cast<unsigned>(ch - '0');
  }
  if (v > 255) return std::nullopt;
  return static_cast<std::uint8_t>(v);
}

std::optional<in_addr> parse_ipv4(std::string_view s) {
  std::uint32_t host = 0;
  for (int i = 0; i < 4; ++i) {
    const std::size_t end = i < 3 ? s.find('.') : s.size();
    if (end == std::string_view::npos) return std::nullopt;
    const auto octet = parse_octet(s.substr(0, end));
    if (!octet) return std::nullopt;
    host = host << 8 | *octet;
    s.remove_prefix(i < 3 ? end + 1 : end);
  }
  in_addr a{};
  a.s_addr = htonl(host);
  return a;
}

std::optional<core::SocketAddress> parse_unix_path(std::string_view path) {
  sockaddr_un un{};
  // Only absolute paths: a universal address names a socket for every process on the host.
  if (path.empty() || path[0] != '/' || path.size() >= sizeof(un.sun_path) ||
      path.find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  un.sun_family = AF_UNIX;
  std::memcpy(un.sun_path, path.data(), path.size());
  const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
  return core::SocketAddress(reinterpret_cast<const sockaddr*>(&un), len);
}

}  // namespace

std::optional<core::SocketAddress> parse_universal_address(std::string_view text) {
  if (text.size() > kMaxUniversalAddress) return std::nullopt;
  const std::size_t last = text.rfind('.');
  if (last == std::string_view::npos || last == 0) return std::nullopt;
  const std::size_t second = text.rfind('.', last - 1);
  if (second == std::string_view::npos) return std::nullopt;
  const auto p1 = parse_octet(text.substr(second + 1, last - second - 1));
  const auto p2 = parse_octet(text.substr(last + 1));
  if (!p1 || !p2) return std::nullopt;
  const auto port = static_cast<std::uint16_t>(*p1 << 8 | *p2);
  const std::string_view host = text.substr(0, second);
  if (host.find(':') == std::string_view::npos) {
    const auto a = parse_ipv4(host);
    if (!a) return std::nullopt;
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr = *a;
    sin.sin_port = htons(port);
    return core::SocketAddress(reinterpret_cast<const sockaddr*>(&sin), sizeof sin);
  }
  // inet_pton is strict about IPv6 text; it wants a NUL-terminated copy, and no scope ("%eth0").
  if (!std::all_of(host.begin(), host.end(), [](char ch) {
        return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F') || ch == ':' ||
               ch == '.';
      })) {
    return std::nullopt;
  }
  const std::string z(host);
  sockaddr_in6 sin6{};
  if (::inet_pton(AF_INET6, z.c_str(), &sin6.sin6_addr) != 1) return std::nullopt;
  sin6.sin6_family = AF_INET6;
  sin6.sin6_port = htons(port);
  return core::SocketAddress(reinterpret_cast<const sockaddr*>(&sin6), sizeof sin6);
}

std::optional<core::SocketAddress> parse_universal_address(std::string_view text, int family) {
  if (family == AF_UNIX) return parse_unix_path(text);
  if (family != AF_INET && family != AF_INET6) return std::nullopt;
  auto address = parse_universal_address(text);
  if (!address || address->family() != family) return std::nullopt;
  return address;
}

std::string format_universal_address(const core::SocketAddress& address) {
  if (address.family() == AF_UNIX) {
    const auto* un = reinterpret_cast<const sockaddr_un*>(address.get());
    const std::size_t room =
        address.size() > offsetof(sockaddr_un, sun_path) ? address.size() - offsetof(sockaddr_un, sun_path) : 0;
    if (room == 0 || un->sun_path[0] == '\0') return {};  // unnamed or abstract: no path to name
    return {un->sun_path, strnlen(un->sun_path, room)};
  }
  char text[INET6_ADDRSTRLEN] = {};
  const void* host = nullptr;
  if (address.family() == AF_INET) host = &reinterpret_cast<const sockaddr_in*>(address.get())->sin_addr;
  if (address.family() == AF_INET6) host = &reinterpret_cast<const sockaddr_in6*>(address.get())->sin6_addr;
  if (host == nullptr || ::inet_ntop(address.family(), host, text, sizeof text) == nullptr) return {};
  const std::uint16_t port = address.port();
  return std::string(text) + "." + std::to_string(port >> 8) + "." + std::to_string(port & 0xff);
}

std::vector<std::byte> to_taddr(const core::SocketAddress& address) {
  std::size_t n = 0;
  switch (address.family()) {
    case AF_INET: n = sizeof(sockaddr_in); break;
    case AF_INET6: n = sizeof(sockaddr_in6); break;
    case AF_UNIX: n = address.size(); break;
    default: return {};
  }
  n = std::min<std::size_t>(n, address.size());
  const auto* bytes = reinterpret_cast<const std::byte*>(address.get());
  return {bytes, bytes + n};
}

std::optional<core::SocketAddress> from_taddr(std::span<const std::byte> taddr, int family) {
  // The bytes are copied into a zeroed sockaddr of the family before anything reads them, so a
  // short or misaligned buffer is never read as a struct.
  sockaddr_storage storage{};
  if (taddr.size() < offsetof(sockaddr, sa_data) || taddr.size() > sizeof storage) return std::nullopt;
  std::memcpy(&storage, taddr.data(), taddr.size());
  if (storage.ss_family != family) return std::nullopt;
  const auto* sa = reinterpret_cast<const sockaddr*>(&storage);
  switch (family) {
    case AF_INET:
      if (taddr.size() < sizeof(sockaddr_in)) return std::nullopt;
      return core::SocketAddress(sa, sizeof(sockaddr_in));
    case AF_INET6:
      if (taddr.size() < sizeof(sockaddr_in6)) return std::nullopt;
      return core::SocketAddress(sa, sizeof(sockaddr_in6));
    case AF_UNIX: {
      const std::size_t room = taddr.size() - offsetof(sockaddr_un, sun_path);
      const auto* un = reinterpret_cast<const sockaddr_un*>(&storage);
      if (room > sizeof(un->sun_path)) return std::nullopt;
      const std::size_t path = strnlen(un->sun_path, room);
      // Either NUL-terminated within the bytes or ending exactly at them (SUN_LEN).
      return parse_unix_path(std::string_view(un->sun_path, path));
    }
    default: return std::nullopt;
  }
}

std::optional<std::vector<std::byte>> uaddr_to_taddr(std::string_view uaddr, int family) {
  const auto address = parse_universal_address(uaddr, family);
  if (!address) return std::nullopt;
  return to_taddr(*address);
}

std::string taddr_to_uaddr(std::span<const std::byte> taddr, int family) {
  const auto address = from_taddr(taddr, family);
  return address ? format_universal_address(*address) : std::string();
}

std::string_view netid_of(const core::Endpoint& endpoint) noexcept {
  const bool v6 = endpoint.address.family() == AF_INET6;
  switch (endpoint.transport) {
    case core::Transport::tcp: return v6 ? "tcp6" : "tcp";
    case core::Transport::udp: return v6 ? "udp6" : "udp";
    case core::Transport::unix_stream: return "local";
  }
  return "";
}

std::optional<NetidInfo> parse_netid(std::string_view netid) noexcept {
  if (netid == "tcp") return NetidInfo{core::Transport::tcp, AF_INET};
  if (netid == "udp") return NetidInfo{core::Transport::udp, AF_INET};
  if (netid == "tcp6") return NetidInfo{core::Transport::tcp, AF_INET6};
  if (netid == "udp6") return NetidInfo{core::Transport::udp, AF_INET6};
  if (netid == "local" || netid == "unix") return NetidInfo{core::Transport::unix_stream, AF_UNIX};
  return std::nullopt;
}

}  // namespace nelson::rpc
