#include "rpcbind/policy.hpp"

#include <netinet/in.h>

#include <cstring>

#include "rpc/universal_address.hpp"
#include "rpcbind/table.hpp"

namespace nelson::rpcbind {

namespace {

constexpr std::uint16_t kReservedPorts = 1024;  // IPPORT_RESERVED

// The programs and procedures rpcbind's check_callit refuses to forward (security.c).
constexpr std::uint32_t kRpcbProg = 100000;
constexpr std::uint32_t kNfsProg = 100003;
constexpr std::uint32_t kYpProg = 100004;
constexpr std::uint32_t kMountProg = 100005;
constexpr std::uint32_t kYpbindProg = 100007;
constexpr std::uint32_t kYppasswdProg = 100009;
constexpr std::uint32_t kRquotaProg = 100011;

bool denied_forward(std::uint32_t prog, std::uint32_t proc) noexcept {
  switch (prog) {
    case kRpcbProg:  // a loop through ourselves, or SET/UNSET laundered into a local call
    case kNfsProg:
    case kYppasswdProg:
    case kRquotaProg: return true;
    case kMountProg: return proc == 1 || proc == 3;                         // MNT, UMNT: file handles
    case kYpbindProg: return proc == 2;                                     // SETDOM
    case kYpProg: return proc == 3 || proc == 4 || proc == 5 || proc == 8;  // MATCH, FIRST, NEXT, ALL
    default: return false;
  }
}

}  // namespace

bool is_loopback(const core::SocketAddress& address) noexcept {
  if (address.family() == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(address.get());
    return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
  }
  if (address.family() == AF_INET6) {
    const in6_addr& a = reinterpret_cast<const sockaddr_in6*>(address.get())->sin6_addr;
    return IN6_IS_ADDR_LOOPBACK(&a) || (IN6_IS_ADDR_V4MAPPED(&a) && a.s6_addr[12] == 127);
  }
  return false;
}

bool is_privileged_loopback(const Caller& caller) noexcept {
  return caller.transport != core::Transport::unix_stream && is_loopback(caller.peer) &&
         caller.peer.port() < kReservedPorts;
}

Verdict may_change(const PolicyOptions& options, const Caller& caller) noexcept {
  if (caller.transport == core::Transport::unix_stream) {
    if (!caller.credentials) return {false, "UNIX-socket peer without credentials"};
    return {true, {}};
  }
  if (!is_loopback(caller.peer)) return {false, "not a local caller"};
  if (!options.allow_loopback) return {false, "loopback callers may not register (UNIX socket only)"};
  return {true, {}};
}

std::string owner_of(const Caller& caller) {
  if (caller.transport == core::Transport::unix_stream && caller.credentials) {
    return caller.credentials->uid == 0 ? std::string(kSuperuser) : std::to_string(caller.credentials->uid);
  }
  return is_privileged_loopback(caller) ? std::string(kSuperuser) : std::string("unknown");
}

Verdict may_map(const PolicyOptions& options, std::string_view owner, std::string_view uaddr, int family) noexcept {
  if (!options.privileged_ports_need_superuser || owner == kSuperuser) return {true, {}};
  if (family != AF_INET && family != AF_INET6) return {true, {}};
  const auto address = rpc::parse_universal_address(uaddr, family);
  if (address && address->port() != 0 && address->port() < kReservedPorts) {
    return {false, "a privileged port needs the superuser"};
  }
  return {true, {}};
}

Verdict may_list(const PolicyOptions& options, const Caller& caller) noexcept {
  if (caller.transport != core::Transport::udp || options.allow_remote_udp_lists || is_loopback(caller.peer)) {
    return {true, {}};
  }
  return {false, "lists are not sent over UDP to remote callers (reflection)"};
}

Verdict may_forward(const PolicyOptions& options, const Caller& caller, std::uint32_t prog,
                    std::uint32_t proc) noexcept {
  if (!options.allow_indirect) return {false, "indirect calls are disabled"};
  if (caller.transport != core::Transport::udp) return {false, "indirect calls only over UDP"};
  if (proc == 0) return {true, {}};
  if (denied_forward(prog, proc)) return {false, "indirect calls to this procedure are refused"};
  return {true, {}};
}

}  // namespace nelson::rpcbind
