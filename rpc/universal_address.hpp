// Universal addresses and netids (RFC 1833, RFC 5665): how the portmapper names where a
// service listens, and the conversions between those names and core::SocketAddress.
//
//   rpc::parse_universal_address("127.0.0.1.78.83")          -> 127.0.0.1:20051
//   rpc::parse_universal_address("/run/rpcbind.sock", AF_UNIX) -> the UNIX socket
//   rpc::format_universal_address(address)                    -> "::1.0.111", "/run/x.sock"
//   rpc::netid_of(endpoint)                                   -> "tcp", "udp6", "local"
//
// A universal address is text: "h1.h2.h3.h4.p1.p2" for IPv4, "x:x::x.p1.p2" for IPv6 (the port
// being p1 * 256 + p2), the path for a UNIX socket. Its *transport* form (taddr, carried in a
// netbuf by RPCBIND's UADDR2TADDR / TADDR2UADDR) is the bytes of the sockaddr itself, in the
// host's layout, as libtirpc's uaddr2taddr/taddr2uaddr write and read them: the family comes
// from the netid of the transport the question arrived on, never from the bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/address.hpp"

namespace nelson::rpc {

/// The longest TCP/UDP universal address: an IPv6 text address (at most 45 characters) and
/// ".255.255".
inline constexpr std::size_t kMaxUniversalAddress = 53;

/// Parses a TCP/UDP universal address: "h1.h2.h3.h4.p1.p2" for IPv4, "x:x::x.p1.p2" for IPv6.
/// Strict, as befits network input: decimal fields of 1 to 3 digits without leading zeros, each
/// at most 255, nothing else; at most kMaxUniversalAddress characters. nullopt when malformed.
[[nodiscard]] std::optional<core::SocketAddress> parse_universal_address(std::string_view text);
/// Parses a universal address of `family`: AF_INET or AF_INET6 as above (and of that family
/// only), AF_UNIX an absolute path that fits a sun_path (no NUL). nullopt otherwise.
[[nodiscard]] std::optional<core::SocketAddress> parse_universal_address(std::string_view text, int family);
/// The universal address of an IPv4/IPv6 address ("127.0.0.1.78.83") or of a UNIX socket with
/// a path ("/run/rpcbind.sock"); empty for an unnamed or abstract UNIX socket and other families.
[[nodiscard]] std::string format_universal_address(const core::SocketAddress& address);

/// The transport address (netbuf bytes) of `address`: its sockaddr, sizeof(sockaddr_in) or
/// sizeof(sockaddr_in6) bytes, or a sockaddr_un up to the end of its path (SUN_LEN).
[[nodiscard]] std::vector<std::byte> to_taddr(const core::SocketAddress& address);
/// The address in netbuf bytes of `family` (the transport's): nullopt when the bytes are too
/// short, name another family, or hold a UNIX path without a terminating NUL within them.
[[nodiscard]] std::optional<core::SocketAddress> from_taddr(std::span<const std::byte> taddr, int family);
/// RPCBPROC_UADDR2TADDR: the netbuf bytes of a universal address of `family`; nullopt if malformed.
[[nodiscard]] std::optional<std::vector<std::byte>> uaddr_to_taddr(std::string_view uaddr, int family);
/// RPCBPROC_TADDR2UADDR: the universal address of netbuf bytes of `family`; empty if malformed.
[[nodiscard]] std::string taddr_to_uaddr(std::span<const std::byte> taddr, int family);

/// The netid of an endpoint, as /etc/netconfig names them: "tcp", "udp", "tcp6", "udp6", and
/// "local" for a UNIX stream socket.
[[nodiscard]] std::string_view netid_of(const core::Endpoint& endpoint) noexcept;
/// What a netid means: its transport and address family. nullopt for netids nelson does not
/// serve ("ticlts", "rdma", ...). "unix" is an alias of "local" (Linux's /etc/netconfig).
struct NetidInfo {
  core::Transport transport = core::Transport::tcp;
  int family = 0;
};
[[nodiscard]] std::optional<NetidInfo> parse_netid(std::string_view netid) noexcept;

}  // namespace nelson::rpc
