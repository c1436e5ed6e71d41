#!/usr/bin/env bash
# Interop: client::lookup (through nelson-interop-lookup) against the system's rpcbind.
#   portmap_lookup_test.sh PATH/TO/nelson-interop-lookup PATH/TO/nelson-interop-pmap-register \
#                          [PATH/TO/nelson-bench-server PATH/TO/nelson-load]
#
# rpcbind must own port 111, so the test runs in private network and mount namespaces (root only;
# exit 77 elsewhere; see netns_rpcbind.sh): loopback up, its own rpcbind on a private /run. A
# program is registered (tcp and udp, 0.0.0.0:20099) through libtirpc's rpcb_set, then looked
# up with RPCBIND v4 GETADDR (asked over the transport looked up), v3 GETADDR, and PMAP v2
# GETPORT (--max-version 2, or asked over the other transport); an unregistered program must be
# reported as not registered. No server needs to run for that: only the portmapper is asked.
# Given the last two arguments, nelson-bench-server then really listens on the registered port and
# nelson-load finds it with --pmap over TCP and UDP, and reports a program that is not registered.
set -euo pipefail
lookup=$1
register=$2
server=${3:-}
load=${4:-}
prog=536871065 # 0x20000099, BENCHPROG
port=20099
# shellcheck source=tests/interop/netns_rpcbind.sh
. "$(dirname "$0")/netns_rpcbind.sh"
netns_enter "$0" "$@"

# --- inside the namespaces ------------------------------------------------------------------
netns_setup
tmp=$netns_tmp
rpcbind_start

failures=0
# check STATUS EXPECTED ARGS...: runs the lookup, wants its exit status and its output.
check() {
  local want_status=$1 want=$2
  shift 2
  local out status=0 verdict=ok
  out=$("$lookup" "$@" 2>&1) || status=$?
  if [ "$status" -ne "$want_status" ] || [ "$out" != "$want" ]; then
    verdict=FAIL
    failures=$((failures + 1))
  fi
  printf '%-4s  lookup %s -> %s (exit %d; want "%s", exit %d)\n' "$verdict" "$*" "$out" "$status" "$want" "$want_status"
}

"$register" "$prog" 1 "$port"
echo "rpcinfo -p:"
rpcinfo -p 127.0.0.1 | sed 's/^/      /'

check 0 "tcp://127.0.0.1:$port" 127.0.0.1 "$prog" 1 tcp --via tcp                  # v4 GETADDR
check 0 "udp://127.0.0.1:$port" 127.0.0.1 "$prog" 1 udp --via udp                  # v4 GETADDR
check 0 "tcp://127.0.0.1:$port" 127.0.0.1 "$prog" 1 tcp --via tcp --max-version 3  # v3 GETADDR
check 0 "udp://127.0.0.1:$port" 127.0.0.1 "$prog" 1 udp --via udp --max-version 3
check 0 "tcp://127.0.0.1:$port" 127.0.0.1 "$prog" 1 tcp --via udp                  # GETPORT (other transport)
check 0 "udp://127.0.0.1:$port" 127.0.0.1 "$prog" 1 udp --via tcp
check 0 "tcp://127.0.0.1:$port" 127.0.0.1 "$prog" 1 tcp --via tcp --max-version 2  # GETPORT
check 0 "udp://127.0.0.1:$port" 127.0.0.1 "$prog" 1 udp --via udp --max-version 2
check 0 "tcp://127.0.0.1:111" localhost 100000 2 tcp --via tcp                     # a name; rpcbind itself
for args in "tcp --via tcp" "udp --via udp" "tcp --via udp" "udp --via udp --max-version 2"; do
  # shellcheck disable=SC2086
  check 1 "program $((prog + 1)) version 1 is not registered with the portmapper for ${args%% *}" \
    127.0.0.1 $((prog + 1)) 1 $args
  # rpcbind answers GETADDR and GETPORT with the address of any version of a registered program
  # (rpcb_svc_com.c: "the client should check with a clnt_call"): the call then gets PROG_MISMATCH.
  # shellcheck disable=SC2086
  check 0 "${args%% *}://127.0.0.1:$port" 127.0.0.1 "$prog" 7 $args
done
if [ -n "$server" ] && [ -n "$load" ]; then
  "$server" --no-register --listen "tcp://127.0.0.1:$port" --listen "udp://127.0.0.1:$port" --quiet >"$tmp/server.log" 2>&1 &
  server_pid=$!
  netns_track "$server_pid"
  for _ in $(seq 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.05
  done
  for transport in tcp udp; do
    status=0
    out=$("$load" --pmap 127.0.0.1 --transport "$transport" --prog "$prog" --vers 1 --proc 1 --args opaque:100 \
      --check echo --conns 2 --depth 4 --duration 0.5 --warmup 0 --quiet --json - 2>"$tmp/load.err") || status=$?
    calls=$(sed -nE 's/.*"calls": ([0-9]+),.*/\1/p' <<<"$out")
    errors=$(sed -nE 's/.*"errors": ([0-9]+),.*/\1/p' <<<"$out")
    target=$(sed -nE 's/.*"target": "([^"]*)".*/\1/p' <<<"$out")
    if [ "$status" -eq 0 ] && [ "${calls:-0}" -gt 0 ] && [ "${errors:-1}" -eq 0 ] &&
      [ "$target" = "$transport://127.0.0.1:$port" ]; then
      echo "ok    nelson-load --pmap 127.0.0.1 --transport $transport -> $target: $calls calls, 0 errors"
    else
      echo "FAIL  nelson-load --pmap 127.0.0.1 --transport $transport (exit $status, target '$target', calls '$calls', errors '$errors')"
      cat "$tmp/load.err"
      failures=$((failures + 1))
    fi
  done
  status=0
  err=$("$load" --pmap 127.0.0.1 --prog $((prog + 1)) --vers 1 --duration 0.2 --quiet 2>&1 >/dev/null) || status=$?
  if [ "$status" -ne 0 ] && grep -q "not registered" <<<"$err"; then
    echo "ok    nelson-load --pmap with an unregistered program: exit $status, \"$err\""
  else
    echo "FAIL  nelson-load --pmap with an unregistered program: exit $status, \"$err\""
    failures=$((failures + 1))
  fi
  kill -TERM "$server_pid"
  wait "$server_pid" || { echo "FAIL  nelson-bench-server did not exit cleanly"; failures=$((failures + 1)); }
  netns_untrack "$server_pid"
fi

"$register" -u "$prog" 1 >/dev/null
check 1 "program $prog version 1 is not registered with the portmapper for tcp" 127.0.0.1 "$prog" 1 tcp --via tcp

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed; rpcbind log:"
  rpcbind_log
  exit 1
fi
echo "client::lookup against rpcbind: ok"
