#include "core/address.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <charconv>
#include <cstddef>
#include <cstring>

namespace nelson::core {

Error errno_error(const std::string& what, int err) { return Error{err, what + ": " + std::strerror(err)}; }

SocketAddress::SocketAddress(const sockaddr* sa, socklen_t len) noexcept
    : len_(len > sizeof(storage_) ? static_cast<socklen_t>(sizeof(storage_)) : len) {
  std::memcpy(&storage_, sa, len_);
}

std::uint16_t SocketAddress::port() const noexcept {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
  if (family() == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
  return 0;
}

std::string SocketAddress::to_string() const {
  // Built with append: GCC 12 at -O3 warns falsely (-Wrestrict) on "literal" + std::string.
  char host[INET6_ADDRSTRLEN] = {};
  std::string out;
  switch (family()) {
    case AF_INET:
      inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, host, sizeof(host));
      out.append(host).append(":").append(std::to_string(port()));
      return out;
    case AF_INET6:
      inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr, host, sizeof(host));
      out.append("[").append(host).append("]:").append(std::to_string(port()));
      return out;
    case AF_UNIX: {
      const auto* un = reinterpret_cast<const sockaddr_un*>(&storage_);
      const std::size_t path_len = len_ > offsetof(sockaddr_un, sun_path) ? len_ - offsetof(sockaddr_un, sun_path) : 0;
      if (path_len == 0) return "(unnamed)";
      if (un->sun_path[0] == '\0') return out.append("@").append(un->sun_path + 1, path_len - 1);
      return out.append(un->sun_path, strnlen(un->sun_path, path_len));
    }
    default: return out.append("(family ").append(std::to_string(family())).append(")");
  }
}

bool operator==(const SocketAddress& a, const SocketAddress& b) noexcept {
  return a.len_ == b.len_ && std::memcmp(&a.storage_, &b.storage_, a.len_) == 0;
}

std::string_view to_string(Transport transport) noexcept {
  switch (transport) {
    case Transport::tcp: return "tcp";
    case Transport::udp: return "udp";
    case Transport::unix_stream: return "unix";
  }
  return "?";
}

std::string Endpoint::to_string() const {
  std::string text(core::to_string(transport));
  text += "://";
  text += address.to_string();
  return text;
}

namespace {

Result<Endpoint> parse_unix(std::string_view path, std::string_view text) {
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  const bool abstract = !path.empty() && path[0] == '@';
  if (path.empty() || (!abstract && path[0] != '/')) {
    return Error{EINVAL, "bad address '" + std::string(text) + "': unix:// needs an absolute path or @name"};
  }
  if (path.size() >= sizeof(un.sun_path)) {
    return Error{ENAMETOOLONG, "bad address '" + std::string(text) + "': path longer than " +
                                   std::to_string(sizeof(un.sun_path) - 1) + " bytes"};
  }
  std::memcpy(un.sun_path, path.data(), path.size());
  if (abstract) un.sun_path[0] = '\0';
  // Abstract names are exactly as long as given; paths carry their terminating NUL.
  const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + (abstract ? 0 : 1));
  return Endpoint{Transport::unix_stream, SocketAddress(reinterpret_cast<const sockaddr*>(&un), len)};
}

}  // namespace

SocketAddress local_address(int fd) noexcept {
  SocketAddress a;
  if (::getsockname(fd, a.get(), a.size_ptr()) != 0) a.set_size(0);
  return a;
}

Result<Endpoint> parse_endpoint(std::string_view text) {
  const auto bad = [&](const std::string& why) {
    return Error{EINVAL, "bad address '" + std::string(text) + "': " + why};
  };
  const std::size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) return bad("expected tcp://host:port, udp://host:port or unix:///path");
  const std::string_view scheme = text.substr(0, scheme_end);
  const std::string_view rest = text.substr(scheme_end + 3);
  Transport transport;
  if (scheme == "tcp") {
    transport = Transport::tcp;
  } else if (scheme == "udp") {
    transport = Transport::udp;
  } else if (scheme == "unix") {
    return parse_unix(rest, text);
  } else {
    return bad("unknown scheme '" + std::string(scheme) + "'");
  }

  std::string_view host;
  std::string_view port_text;
  if (!rest.empty() && rest[0] == '[') {
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':') {
      return bad("expected [ipv6]:port");
    }
    host = rest.substr(1, close - 1);
    port_text = rest.substr(close + 2);
  } else {
    const std::size_t colon = rest.rfind(':');
    if (colon == std::string_view::npos) return bad("missing :port");
    host = rest.substr(0, colon);
    port_text = rest.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return bad("IPv6 addresses go in brackets: [::1]:port");
  }
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535 || port_text.empty()) {
    return bad("port must be a number from 0 to 65535");
  }
  if (host.empty()) return bad("missing host");

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = transport == Transport::udp ? SOCK_DGRAM : SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string host_z(host);
  const std::string port_z = std::to_string(port);
  if (const int rc = getaddrinfo(host_z.c_str(), port_z.c_str(), &hints, &found); rc != 0) {
    return bad(std::string("cannot resolve host: ") + gai_strerror(rc));
  }
  Endpoint endpoint{transport, SocketAddress(found->ai_addr, found->ai_addrlen)};
  freeaddrinfo(found);
  return endpoint;
}

}  // namespace nelson::core
