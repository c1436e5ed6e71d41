// core::peer_credentials — who is at the other end of a UNIX stream socket, as the kernel saw
// it when the peer connected: its uid, gid and (on Linux) pid. Nothing the peer sends can
// change them, which is why a portmapper trusts them to decide who may register and who owns
// a registration (rpcbind does the same through libtirpc's __rpc_get_local_uid).
//
//   auto cred = core::peer_credentials(stream);      // a unix:// stream, accepted or connected
//   if (cred && cred->uid == 0) ...                  // the superuser
#pragma once

#include <sys/types.h>

#include <cstdint>

#include "core/handle.hpp"
#include "core/result.hpp"

namespace nelson::core {

struct PeerCredentials {
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::int32_t pid = 0;  // 0 where the system does not say (getpeereid has no pid)
};

/// The peer's credentials of a connected UNIX stream socket (SO_PEERCRED on Linux, getpeereid
/// on the BSDs). An error for other sockets (ENOTSOCK, EINVAL/ENOTCONN for TCP, UDP, unconnected).
Result<PeerCredentials> peer_credentials(int fd);
/// The same for a stream of the loop (unix_stream only: an error for TCP, without asking).
Result<PeerCredentials> peer_credentials(const Stream& stream);

}  // namespace nelson::core
