#!/usr/bin/env bash
# Interop: nelson-rpcbind in the system rpcbind's place, against the incumbents' clients.
#   rpcbind_rpcinfo_test.sh PATH/TO/nelson-rpcbind PATH/TO/nelson-bench-server PATH/TO/nelson-interop-rpcb-client
#
# In private network and mount namespaces (root only; exit 77 elsewhere; see netns_rpcbind.sh),
# nelson-rpcbind listens where rpcbind does (TCP and UDP port 111, /run/rpcbind.sock) and
# nelson-bench-server registers its TCP and UDP endpoints (ephemeral ports) there, as it does by
# default. Then:
#   1. The system's rpcinfo (Debian's, from the rpcbind package): -p (PMAP v2 DUMP) lists
#      536871065 (0x20000099) version 1 on tcp and udp with the server's ports; -s and the
#      plain listing (RPCBIND DUMP) show it owned by "superuser" (registered over the socket by
#      root); -T tcp/udp reach it through GETADDR ("ready and waiting"); -l (GETADDRLIST) lists
#      both addresses; -m (GETSTAT) shows the counters, the GETADDRs of the program among them.
#   2. libtirpc (nelson-interop-rpcb-client): rpcb_set/getaddr/getmaps/gettime/unset,
#      pmap_set/getport/getmaps/unset and clnt_create + NULL to the bench server over TCP and UDP.
#      libtirpc's pmap_set leaks 16 bytes a call, and its other portmapper queries leak too:
#      LeakSanitizer suppressions for the sanitizer build are in libtirpc.lsan.supp.
#   3. If tshark is installed: the portmapper's traffic on lo during 1 and 2 is captured and
#      Wireshark must dissect it as Portmap, with GETADDR and DUMP calls and their replies, and
#      find nothing malformed.
#   4. SIGTERM to the bench server: it unregisters, and `rpcinfo -p` no longer lists it; SIGTERM
#      to nelson-rpcbind: "stopped", exit 0, /run/rpcbind.sock gone.
set -euo pipefail
rpcbind_bin=$1
server=$2
client=$3
prog=536871065 # 0x20000099, BENCHPROG

# shellcheck source=tests/check_lib.sh
. "$(dirname "$0")/../check_lib.sh"

# The system's rpcbind is not needed: nelson-rpcbind takes its place.
netns_tools="rpcinfo unshare mount"
# shellcheck source=tests/interop/netns_rpcbind.sh
. "$(dirname "$0")/netns_rpcbind.sh"
netns_enter "$0" "$@"

# --- inside the namespaces ------------------------------------------------------------------
netns_setup
tmp=$netns_tmp
nelson_rpcbind_start "$rpcbind_bin"
echo "nelson-rpcbind:"
indent "$tmp/rpcbind.log"


# Optional: capture the portmapper's traffic for Wireshark's dissector (it knows program 100000).
capture_start 'port 111' "$tmp/portmap.pcapng"

# The bench server on ports the kernel picks, registering both with the portmapper (its default).
"$server" --listen tcp://127.0.0.1:0 --listen udp://127.0.0.1:0 >"$tmp/server.log" 2>&1 &
server_pid=$!
netns_track "$server_pid"
until_ready "$server_pid" grep -q '^backend ' "$tmp/server.log" || true  # the ports, checked below
tcp_port=$(sed -nE 's|^serving BENCHPROG on tcp://127\.0\.0\.1:([0-9]+)$|\1|p' "$tmp/server.log")
udp_port=$(sed -nE 's|^serving BENCHPROG on udp://127\.0\.0\.1:([0-9]+)$|\1|p' "$tmp/server.log")
if ! grep -q '^backend ' "$tmp/server.log" || [ -z "$tcp_port" ] || [ -z "$udp_port" ] ||
  [ "$(grep -c '^registered with the portmapper at unix:///run/rpcbind.sock$' "$tmp/server.log")" -ne 2 ]; then
  echo "nelson-bench-server did not start and register twice over /run/rpcbind.sock:"
  cat "$tmp/server.log"
  rpcbind_log
  exit 1
fi
echo "nelson-bench-server:"
indent "$tmp/server.log"
tcp_uaddr="127\.0\.0\.1\.$((tcp_port >> 8))\.$((tcp_port & 255))"
udp_uaddr="127\.0\.0\.1\.$((udp_port >> 8))\.$((udp_port & 255))"

echo "== 1. rpcinfo"
check ok "^ +100000 +4 +tcp +111 +portmapper$" rpcinfo -p 127.0.0.1
check ok "^ +$prog +1 +tcp +$tcp_port *$" rpcinfo -p 127.0.0.1
check ok "^ +$prog +1 +udp +$udp_port *$" rpcinfo -p 127.0.0.1
check ok "^ +$prog +1 +(tcp,udp|udp,tcp) +- +superuser$" rpcinfo -s 127.0.0.1
check ok "^ +100000 +4,3,2 +[a-z0-9,]*local[a-z0-9,]* +portmapper +superuser$" rpcinfo -s 127.0.0.1
check ok "^ +$prog +1 +udp +$udp_uaddr +- +superuser$" rpcinfo 127.0.0.1
check ok "^program $prog version 1 ready and waiting$" rpcinfo -T tcp 127.0.0.1 "$prog" 1
check ok "^program $prog version 1 ready and waiting$" rpcinfo -T udp 127.0.0.1 "$prog" 1
check ok "^program $prog version 1 ready and waiting$" rpcinfo -t 127.0.0.1 "$prog"
check ok "^program $prog version 1 ready and waiting$" rpcinfo -u 127.0.0.1 "$prog" 1
check ok "^program 100000 version 4 ready and waiting$" rpcinfo -T tcp 127.0.0.1 100000 4
check fail "(not registered|[Vv]ersion mismatch|not available)" rpcinfo -T tcp 127.0.0.1 "$((prog + 1))" 1
check ok "^ +$prog +1 +inet/tcp/cots_ord +$tcp_uaddr " rpcinfo -l 127.0.0.1 "$prog" 1
check ok "^ +$prog +1 +inet/udp/clts +$udp_uaddr " rpcinfo -l 127.0.0.1 "$prog" 1
check ok "^RPCBIND \(version 4\) statistics$" rpcinfo -m 127.0.0.1
check ok "^PORTMAP \(version 2\) statistics$" rpcinfo -m 127.0.0.1
# -T tcp above asked GETADDR for the program: GETSTAT counts its lookups by (prog, vers, netid).
check ok "^${prog}[[:space:]]+1[[:space:]]+tcp[[:space:]]+[1-9][0-9]*[[:space:]]+0$" rpcinfo -m 127.0.0.1

echo "== 2. libtirpc: rpcb_*, pmap_*, clnt_create"
# libtirpc's own leaks (pmap_set's among them), for the sanitizer build: see the file.
lsan="suppressions=$(cd "$(dirname "$0")" && pwd)/libtirpc.lsan.supp:fast_unwind_on_malloc=0:print_suppressions=0"
check absent "^FAIL|Sanitizer" env LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}$lsan" "$client" "$tcp_port" "$udp_port"
# What the client set, it unset.
check absent "^ +(536871321|536871577) " rpcinfo 127.0.0.1

if [ -n "$capture" ]; then
  echo "== 3. tshark"
  # dumpcap writes packets out in its own time: stop it once the file has stopped growing
  # (unchanged for 0.3 s), with SIGINT so that it finishes the file.
  last_size=-1
  stable=0
  for _ in $(seq 100); do
    size=$(stat -c %s "$tmp/portmap.pcapng" 2>/dev/null || echo 0)
    if [ "$size" -eq "$last_size" ]; then stable=$((stable + 1)); else stable=0; fi
    [ "$stable" -ge 3 ] && break
    last_size=$size
    sleep 0.1
  done
  capture_stop
  tshark -r "$tmp/portmap.pcapng" >"$tmp/summary.txt" 2>"$tmp/tshark-read.log" || true
  tshark -r "$tmp/portmap.pcapng" -V >"$tmp/dissected.txt" 2>>"$tmp/tshark-read.log" || true
  # One line per Portmap message ("V4 GETADDR Call", "V4 GETADDR Reply (Call In 24)"): every
  # call has its reply, and the procedures rpcinfo and libtirpc used are all there, named.
  sed -nE 's/.* Portmap [0-9]+ (V[234] [A-Z]+ (Call|Reply)).*/\1/p' "$tmp/summary.txt" | sort | uniq -c >"$tmp/counts.txt"
  echo "tshark, Portmap messages by version, procedure and type:"
  indent "$tmp/counts.txt"
  calls=$(grep -c ' Portmap [0-9]* V[234] [A-Z]* Call' "$tmp/summary.txt" || true)
  replies=$(grep -Ec ' Portmap [0-9]+ V[234] [A-Z]+ Reply .*\(Call In [0-9]+\)' "$tmp/summary.txt" || true)
  if [ "$calls" -gt 0 ] && [ "$calls" -eq "$replies" ]; then
    echo "ok    tshark: $calls Portmap calls, $replies replies matched to them"
  else
    echo "FAIL  tshark: $calls Portmap calls, $replies replies matched to them"
    failures=$((failures + 1))
  fi
  for message in "V2 DUMP" "V2 GETPORT" "V3 DUMP" "V4 GETADDR" "V4 DUMP" "V4 GETADDRLIST" "V4 GETSTAT"; do
    if grep -q " $message Reply$" "$tmp/counts.txt"; then
      echo "ok    tshark: $message replies dissected"
    else
      echo "FAIL  tshark: no $message reply dissected"
      failures=$((failures + 1))
    fi
  done
  dissector_check() { # NAME PATTERN: PATTERN (extended) must be in the detailed dissection
    if grep -Eq -- "$2" "$tmp/dissected.txt"; then
      echo "ok    tshark: $1 ($(grep -Ec -- "$2" "$tmp/dissected.txt") lines /$2/)"
    else
      echo "FAIL  tshark: no $1 (/$2/)"
      failures=$((failures + 1))
    fi
  }
  dissector_check "program 100000 named" '^ +Program: Portmap \(100000\)$'
  dissector_check "the bench server's address in a GETADDR reply" "^ +Universal Address: $tcp_uaddr$"
  dissector_check "the bench server in a PMAP DUMP reply" "^ +Map Entry: .*\($prog\) V1$"
  malformed=$(grep -ci 'malformed' "$tmp/dissected.txt" || true)
  if [ "$malformed" -eq 0 ]; then
    echo "ok    tshark: nothing malformed in $(wc -l <"$tmp/summary.txt") packets"
  else
    echo "FAIL  tshark: $malformed lines mention \"Malformed\":"
    grep -i -B 20 'malformed' "$tmp/dissected.txt" | sed -n '1,60p' | indent
    failures=$((failures + 1))
  fi
  [ -s "$tmp/tshark-read.log" ] && indent "$tmp/tshark-read.log"
fi

echo "== 4. stops"
kill -TERM "$server_pid"
status=0
wait "$server_pid" || status=$?
netns_untrack "$server_pid"
if [ "$status" -eq 0 ] && grep -q '^drained$' "$tmp/server.log"; then
  echo "ok    nelson-bench-server drained and exited 0"
else
  echo "FAIL  nelson-bench-server: exit $status after SIGTERM:"
  indent "$tmp/server.log"
  failures=$((failures + 1))
fi
check absent "^ +$prog " rpcinfo -p 127.0.0.1
check fail "not registered|[Nn]o remote programs" rpcinfo -T tcp 127.0.0.1 "$prog" 1

kill -TERM "$rpcbind_pid"
status=0
wait "$rpcbind_pid" || status=$?
netns_untrack "$rpcbind_pid"
if [ "$status" -eq 0 ] && grep -q '^nelson-rpcbind: stopped$' "$tmp/rpcbind.log" && [ ! -e /run/rpcbind.sock ]; then
  echo "ok    nelson-rpcbind stopped, exit 0, /run/rpcbind.sock removed"
else
  echo "FAIL  nelson-rpcbind: exit $status after SIGTERM, socket $(ls -l /run/rpcbind.sock 2>&1)"
  failures=$((failures + 1))
fi

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed; nelson-rpcbind's log:"
  rpcbind_log
  exit 1
fi
echo "rpcinfo, libtirpc and tshark against nelson-rpcbind: ok"
