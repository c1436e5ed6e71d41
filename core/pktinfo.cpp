#include "core/pktinfo.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace nelson::core {

bool local_address_from_pktinfo(const cmsghdr& control, std::uint16_t port, SocketAddress& local) noexcept {
#ifdef __linux__
  if (control.cmsg_level == IPPROTO_IP && control.cmsg_type == IP_PKTINFO) {
    in_pktinfo info{};
    std::memcpy(&info, CMSG_DATA(&control), sizeof(info));
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr = info.ipi_addr;
    sin.sin_port = htons(port);
    local = SocketAddress(reinterpret_cast<const sockaddr*>(&sin), sizeof(sin));
    return true;
  }
  if (control.cmsg_level == IPPROTO_IPV6 && control.cmsg_type == IPV6_PKTINFO) {
    in6_pktinfo info{};
    std::memcpy(&info, CMSG_DATA(&control), sizeof(info));
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_addr = info.ipi6_addr;
    sin6.sin6_port = htons(port);
    local = SocketAddress(reinterpret_cast<const sockaddr*>(&sin6), sizeof(sin6));
    return true;
  }
#else
  (void)control;
  (void)port;
  (void)local;
#endif
  return false;
}

}  // namespace nelson::core
