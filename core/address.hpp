// Endpoints in the syntax every nelson program uses on its command line:
//
//   tcp://127.0.0.1:20099   udp://[::1]:111   tcp://localhost:2049   unix:///run/rpcbind.sock
//
// An Endpoint is a transport and a socket address (IPv4, IPv6 or a UNIX path), ready for
// bind() or connect(). Host names are resolved once, when parsed (numeric addresses never
// touch the resolver).
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace nelson::core {

enum class Transport : std::uint8_t { tcp, udp, unix_stream };

/// A socket address of any family, stored by value.
class SocketAddress {
 public:
  SocketAddress() = default;
  SocketAddress(const sockaddr* sa, socklen_t len) noexcept;

  [[nodiscard]] const sockaddr* get() const noexcept { return reinterpret_cast<const sockaddr*>(&storage_); }
  [[nodiscard]] sockaddr* get() noexcept { return reinterpret_cast<sockaddr*>(&storage_); }
  [[nodiscard]] socklen_t size() const noexcept { return len_; }
  /// For recvfrom()/accept(): the capacity, and then the length the kernel wrote.
  [[nodiscard]] socklen_t* size_ptr() noexcept { return &len_; }
  void set_size(socklen_t len) noexcept { len_ = len; }
  [[nodiscard]] int family() const noexcept { return storage_.ss_family; }
  /// The port of an IPv4/IPv6 address, 0 otherwise.
  [[nodiscard]] std::uint16_t port() const noexcept;
  /// "127.0.0.1:20099", "[::1]:111", "/run/rpcbind.sock" (or "@name" for an abstract socket).
  [[nodiscard]] std::string to_string() const;

  friend bool operator==(const SocketAddress& a, const SocketAddress& b) noexcept;

 private:
  sockaddr_storage storage_{};
  socklen_t len_ = sizeof(sockaddr_storage);
};

struct Endpoint {
  Transport transport = Transport::tcp;
  SocketAddress address;

  /// "tcp://127.0.0.1:20099".
  [[nodiscard]] std::string to_string() const;
};

/// The address a socket is bound to (getsockname); an empty address (size 0) if that fails.
[[nodiscard]] SocketAddress local_address(int fd) noexcept;

/// Parses "tcp://host:port", "udp://host:port" or "unix:///path" ("unix://@name" for Linux's
/// abstract namespace). IPv6 hosts go in brackets. Port 0 asks the kernel for one.
Result<Endpoint> parse_endpoint(std::string_view text);

[[nodiscard]] std::string_view to_string(Transport transport) noexcept;

}  // namespace nelson::core
