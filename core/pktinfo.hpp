// IP_PKTINFO / IPV6_PKTINFO: the local address a datagram arrived on, so that a reply can
// leave from it on a host with several addresses. Shared by every backend's receive path.
#pragma once

#include <sys/socket.h>

#include <cstdint>

#include "core/address.hpp"

namespace nelson::core {

/// Reads one control message; true (and `local` set, with the socket's `port`) when it is
/// an IP_PKTINFO or IPV6_PKTINFO message, false for any other.
bool local_address_from_pktinfo(const cmsghdr& control, std::uint16_t port, SocketAddress& local) noexcept;

}  // namespace nelson::core
