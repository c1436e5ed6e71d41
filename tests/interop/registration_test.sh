#!/usr/bin/env bash
# Interop: client::register_service / unregister_service (through nelson-interop-register)
# against the system's rpcbind, checked with the system's rpcinfo.
#   registration_test.sh PATH/TO/nelson-interop-register
#
# In private network and mount namespaces with its own rpcbind (root only; exit 77 elsewhere;
# see netns_rpcbind.sh):
#   1. Registration over rpcbind's UNIX socket with RPCBIND v4 (tcp, udp, tcp6 and local),
#      visible in `rpcinfo -p` (PMAP v2's view: tcp and udp) and `rpcinfo` (v3/v4: every netid,
#      owner "superuser" from the socket's peer uid); a second address for the same (prog, vers,
#      netid) is refused; another uid may not remove root's registrations; unregistration
#      removes every netid.
#   2. Without the UNIX socket, over TCP 127.0.0.1:111: registration with RPCBIND v4 and with
#      PMAP v2 (--max-version 2), owner "unknown", and unregistration of both; PMAP v2 cannot
#      carry tcp6, and the message says so.
set -euo pipefail
register=$1
prog=536871065 # 0x20000099, BENCHPROG
port=20099
uaddr_port=78.131 # 20099 = 78 * 256 + 131

# shellcheck source=tests/interop/netns_rpcbind.sh
. "$(dirname "$0")/netns_rpcbind.sh"
netns_enter "$0" "$@"

# --- inside the namespaces ------------------------------------------------------------------
netns_setup
rpcbind_start

# shellcheck source=tests/check_lib.sh
. "$(dirname "$0")/../check_lib.sh"

echo "== rpcbind as Debian starts it, over its UNIX socket /run/rpcbind.sock"
socket_done='with the portmapper at unix:///run/rpcbind.sock \(RPCBIND v4\): done'
check ok "on tcp at 0\.0\.0\.0\.$uaddr_port $socket_done" "$register" set "$prog" 1 "tcp://0.0.0.0:$port"
check ok "on udp at 0\.0\.0\.0\.$uaddr_port $socket_done" "$register" set "$prog" 1 "udp://0.0.0.0:$port"
check ok "on tcp6 at ::\.$uaddr_port $socket_done" "$register" set "$prog" 1 "tcp://[::]:$port"
check ok "on local at /run/nelson-interop\.sock $socket_done" "$register" set "$prog" 1 "unix:///run/nelson-interop.sock"
check ok "^ +$prog +1 +tcp +$port" rpcinfo -p 127.0.0.1
check ok "^ +$prog +1 +udp +$port" rpcinfo -p 127.0.0.1
check ok "^ +$prog +1 +tcp6 +::\.$uaddr_port +.* superuser$" rpcinfo 127.0.0.1
check ok "^ +$prog +1 +local +/run/nelson-interop\.sock +.* superuser$" rpcinfo 127.0.0.1
# Registering the same address again is fine; another address is refused (unset first).
check ok "$socket_done" "$register" set "$prog" 1 "tcp://0.0.0.0:$port"
check fail "refused to register program $prog version 1" "$register" set "$prog" 1 "tcp://0.0.0.0:$((port + 1))"
# Only the owner (or root) may remove a registration: uid 65534 may not remove root's.
if command -v setpriv >/dev/null; then
  check fail "refused to unregister program $prog version 1" \
    setpriv --reuid=65534 --regid=65534 --clear-groups "$register" unset "$prog" 1
  check ok "^ +$prog +1 +tcp +$port" rpcinfo -p 127.0.0.1
else
  echo "note: no setpriv: the owner check is not exercised"
fi
check ok "unregistering program $prog version 1 \(every netid\) $socket_done" "$register" unset "$prog" 1
check absent "^ +$prog " rpcinfo -p 127.0.0.1
check absent "^ +$prog " rpcinfo 127.0.0.1

echo "== the same rpcbind over TCP 127.0.0.1:111 (no UNIX socket): RPCBIND v4 and PMAP v2"
# Debian's rpcbind 1.2.6 takes SET/UNSET from loopback TCP too; it cannot know the caller's uid
# there, so the owner is "unknown".
tcp_done='with the portmapper at tcp://127.0.0.1:111'
check ok "$tcp_done \(RPCBIND v4\): done" "$register" --unix "" set "$prog" 2 "udp://0.0.0.0:$port"
check ok "$tcp_done \(PMAP v2\): done" "$register" --unix "" --max-version 2 set "$prog" 3 "tcp://0.0.0.0:$port"
check ok "^ +$prog +2 +udp +$port" rpcinfo -p 127.0.0.1
check ok "^ +$prog +3 +tcp +$port" rpcinfo -p 127.0.0.1
check ok "^ +$prog +2 +udp +0\.0\.0\.0\.$uaddr_port +.* unknown$" rpcinfo 127.0.0.1
# PMAP v2 cannot carry an IPv6 registration: refused before asking, with the reason.
check fail "not sent: PMAP v2 knows no netid but tcp and udp" "$register" --unix "" --max-version 2 set "$prog" 3 "tcp://[::]:$port"
check ok "$tcp_done \(RPCBIND v4\): done" "$register" --unix "" unset "$prog" 2 udp
check ok "$tcp_done \(PMAP v2\): done" "$register" --unix "" --max-version 2 unset "$prog" 3
check absent "^ +$prog " rpcinfo -p 127.0.0.1

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed; rpcbind log:"
  rpcbind_log
  exit 1
fi
echo "client::register_service against rpcbind: ok"
