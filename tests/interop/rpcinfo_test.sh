#!/usr/bin/env bash
# Interop: the system's rpcinfo (Debian package rpcbind) against nelson-bench-server.
#   rpcinfo_test.sh PATH/TO/nelson-bench-server PATH/TO/nelson-interop-pmap-register
#
# Debian's rpcinfo takes program numbers in decimal only (0x20000099 is "unknown service", so
# 536871065), and even with -n PORT it first asks the rpcbind on port 111 for the program and
# fails with "Program not registered" if it is not there. So the test runs in private network and
# mount namespaces (root only; exit 77 elsewhere; see netns_rpcbind.sh): loopback up, its own
# rpcbind (its socket and warm-start files on a private /run), the server on 127.0.0.1:20099 TCP
# and UDP, registered with pmap_set by nelson-interop-pmap-register. If tshark is installed, the traffic to the server is
# also captured and Wireshark's RPC dissector must agree on what was said.
set -euo pipefail
server=$1
register=$2
prog=536871065 # 0x20000099, BENCHPROG
port=20099

indent() { sed 's/^/      /' "$@"; }

# shellcheck source=tests/interop/netns_rpcbind.sh
. "$(dirname "$0")/netns_rpcbind.sh"
netns_enter "$0" "$@"

# --- inside the namespaces ------------------------------------------------------------------
netns_setup
tmp=$netns_tmp
rpcbind_start

"$server" --no-register --listen "tcp://127.0.0.1:$port" --listen "udp://127.0.0.1:$port" >"$tmp/server.log" 2>&1 &
server_pid=$!
netns_track "$server_pid"
if ! until_ready "$server_pid" grep -q '^backend ' "$tmp/server.log"; then
  echo "nelson-bench-server did not start:"
  cat "$tmp/server.log"
  exit 1
fi
echo "nelson-bench-server on 127.0.0.1:$port (tcp, udp), $(sed -n 's/^backend /backend /p' "$tmp/server.log")"

# Optional: capture the server's traffic for Wireshark's RPC dissector.
capture_start "port $port" "$tmp/rpc.pcapng"

failures=0
# check ok|fail PATTERN COMMAND...: runs COMMAND, shows its output, and wants its exit status to
# be zero (ok) or not (fail) and its output to match the extended regex PATTERN.
check() {
  local want=$1 pattern=$2
  shift 2
  local output status=0 verdict=ok
  output=$("$@" 2>&1) || status=$?
  if { [ "$want" = ok ] && [ "$status" -ne 0 ]; } || { [ "$want" = fail ] && [ "$status" -eq 0 ]; } ||
    ! grep -Eq -- "$pattern" <<<"$output"; then
    verdict=FAIL
    failures=$((failures + 1))
  fi
  printf '%-4s  $ %s   (exit %d; want %s, /%s/)\n' "$verdict" "$*" "$status" "$want" "$pattern"
  indent <<<"$output"
}

# Without a registration Debian's rpcinfo gives up before it talks to the server (information only).
echo "before registration:"
out=$(rpcinfo -n "$port" -t 127.0.0.1 "$prog" 1 2>&1) || true
indent <<<"$out"

check ok '^registered' "$register" "$prog" 1 "$port"
check ok "^ +$prog +1 +tcp +$port" rpcinfo -p 127.0.0.1
check ok "^program $prog version 1 ready and waiting$" rpcinfo -n "$port" -t 127.0.0.1 "$prog" 1
check ok "^program $prog version 1 ready and waiting$" rpcinfo -n "$port" -u 127.0.0.1 "$prog" 1
check ok "^program $prog version 1 ready and waiting$" rpcinfo -n "$port" -t 127.0.0.1 "$prog"
check ok "^program $prog version 1 ready and waiting$" rpcinfo -n "$port" -u 127.0.0.1 "$prog"
check fail "[Vv]ersion mismatch.*low version = 1, high version = 1" rpcinfo -n "$port" -t 127.0.0.1 "$prog" 2
check fail "[Vv]ersion mismatch.*low version = 1, high version = 1" rpcinfo -n "$port" -u 127.0.0.1 "$prog" 2
# Through rpcbind's answer instead of -n.
check ok "^program $prog version 1 ready and waiting$" rpcinfo -t 127.0.0.1 "$prog" 1
check ok "^program $prog version 1 ready and waiting$" rpcinfo -T udp 127.0.0.1 "$prog" 1
check ok '^unregistered' "$register" -u "$prog" 1

kill -TERM "$server_pid"
status=0
wait "$server_pid" || status=$?
netns_untrack "$server_pid"
server_pid=
if [ "$status" -ne 0 ] || ! grep -q '^drained$' "$tmp/server.log"; then
  echo "FAIL  server did not drain and exit 0 after SIGTERM (status $status):"
  cat "$tmp/server.log"
  failures=$((failures + 1))
else
  echo "ok    server drained and exited 0"
fi

if [ -n "$capture" ]; then
  capture_stop
  # Wireshark dissects a program it does not know only on request. One line per RPC message:
  # xid, type (0 call, 1 reply), program, version, procedure, accept state, mismatch low, high.
  tshark -r "$tmp/rpc.pcapng" -o rpc.dissect_unknown_programs:TRUE -Y rpc.msgtyp -T fields -E occurrence=f \
    -e rpc.xid -e rpc.msgtyp -e rpc.program -e rpc.programversion -e rpc.procedure -e rpc.state_accept \
    -e rpc.programversion.min -e rpc.programversion.max >"$tmp/dissected.txt" 2>"$tmp/tshark-read.log" || true
  echo "tshark (xid, type, program, version, procedure, accept state, mismatch low, high):"
  indent "$tmp/dissected.txt"
  # Every call has a reply, and among the replies are SUCCESS (accept state 0) to version 1 and
  # PROG_MISMATCH (2) with low = high = 1 to version 2.
  verdict=$(awk -F'\t' -v prog="$prog" '
    $2 == 0 && $3 == prog { calls[$1] = 1; ncalls++ }
    $2 == 1 { if ($1 in calls) answered++; nreplies++
              if ($4 == 1 && $6 == 0) success++
              if ($4 == 2 && $6 == 2 && $7 == 1 && $8 == 1) mismatch++ }
    END { ok = ncalls > 0 && answered == ncalls && success > 0 && mismatch > 0
          printf "%s %d calls, %d answered, %d SUCCESS to version 1, %d PROG_MISMATCH 1..1 to version 2\n",
                 ok ? "ok" : "FAIL", ncalls, answered, success, mismatch }' "$tmp/dissected.txt")
  printf '%-4s  tshark: %s\n' "${verdict%% *}" "${verdict#* }"
  if [ "${verdict%% *}" != ok ]; then
    cat "$tmp/tshark-read.log"
    failures=$((failures + 1))
  fi
fi

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed; rpcbind log:"
  rpcbind_log
  exit 1
fi
echo "rpcinfo against nelson-bench-server: ok"
