#include "core/peer_credentials.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace nelson::core {

Result<PeerCredentials> peer_credentials(int fd) {
#if defined(SO_PEERCRED) && defined(__linux__)
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return errno_error("SO_PEERCRED", errno);
  // Linux answers even for a TCP socket, with ids of -1 ("nobody known"): not credentials.
  int domain = 0;
  socklen_t dlen = sizeof domain;
  if (::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &dlen) != 0) return errno_error("SO_DOMAIN", errno);
  if (domain != AF_UNIX || len != sizeof cred) return Error{EINVAL, "SO_PEERCRED: not a UNIX socket"};
  if (cred.pid == 0) return Error{ENOTCONN, "SO_PEERCRED: the socket has no peer"};
  return PeerCredentials{.uid = cred.uid, .gid = cred.gid, .pid = cred.pid};
#else
  uid_t uid = 0;
  gid_t gid = 0;
  if (::getpeereid(fd, &uid, &gid) != 0) return errno_error("getpeereid", errno);
  return PeerCredentials{.uid = uid, .gid = gid, .pid = 0};
#endif
}

Result<PeerCredentials> peer_credentials(const Stream& stream) {
  if (stream.transport() != Transport::unix_stream) {
    return Error{EINVAL, "peer credentials: " + stream.peer().to_string() + " is not a UNIX socket peer"};
  }
  return peer_credentials(stream.fd());
}

}  // namespace nelson::core
