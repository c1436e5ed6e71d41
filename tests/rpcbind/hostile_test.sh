#!/usr/bin/env bash
# Hostile input against nelson-rpcbind on an ephemeral port (hostile.py, beside this script,
# says what is sent and what must come back): the "rpcbomb" of CVE-2017-8779 over UDP and TCP
# with the daemon's VmRSS watched, truncated headers, random bytes, record marks claiming 2 GiB,
# many fragments, half records held open; then it must still answer GETADDR and DUMP, stop on
# SIGTERM with exit 0, and (in a sanitizer build) have logged no sanitizer report.
#   hostile_test.sh PATH/TO/nelson-rpcbind
# Twice: with the default backend (io_uring where the kernel has it) and --allow-indirect (CALLIT,
# BCAST and INDIRECT are forwarded instead of refused, and hostile.py adds its indirect checks),
# and with --backend epoll and the default policy. Exit 77 without python3.
set -euo pipefail
rpcbind=$1
here=$(cd "$(dirname "$0")" && pwd)

command -v python3 >/dev/null || {
  echo "skipped: python3 is not installed (hostile.py)"
  exit 77
}
python=$(python3 -c 'import sys; print(sys.executable)')

tmp=$(mktemp -d)
rb_pid=
cleanup() {
  [ -n "$rb_pid" ] && kill -KILL "$rb_pid" 2>/dev/null
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# shellcheck source=tests/check_lib.sh
. "$(dirname "$0")/../check_lib.sh"

gone() { ! kill -0 "$rb_pid" 2>/dev/null; }
ready_or_gone() { grep -qs '^nelson-rpcbind: ready' "$1" || gone; }

# run_pass NAME ARGS...: nelson-rpcbind ARGS, hostile.py against it, then SIGTERM.
run_pass() {
  local name=$1 log=$tmp/$1.log status=0
  shift
  echo "== nelson-rpcbind $*"
  "$rpcbind" --port 0 --unix "$tmp/$name.sock" "$@" >"$log" 2>&1 &
  rb_pid=$!
  poll 30 ready_or_gone "$log" || true
  local port
  port=$(sed -nE 's|^nelson-rpcbind: listening on tcp://[^ ]*:([0-9]+)$|\1|p;T;q' "$log")
  if ! grep -q '^nelson-rpcbind: ready' "$log" || [ -z "$port" ]; then
    echo "FAIL  nelson-rpcbind did not start:"
    cat "$log"
    exit 1
  fi
  grep -E '^nelson-rpcbind: (listening|ready)' "$log" | sed 's/^/      /'
  local mode=
  case " $* " in *" --allow-indirect "*) mode=indirect ;; esac
  "$python" "$here/hostile.py" "$port" "$rb_pid" $mode || failures=$((failures + 1))
  kill -TERM "$rb_pid"
  poll 20 gone || kill -KILL "$rb_pid" 2>/dev/null || true
  wait "$rb_pid" || status=$?
  rb_pid=
  if [ "$status" -eq 0 ] && grep -q '^nelson-rpcbind: stopped$' "$log"; then
    echo "ok    SIGTERM: \"stopped\", exit 0"
  else
    echo "FAIL  SIGTERM: exit $status"
    failures=$((failures + 1))
  fi
  if grep -Eq 'runtime error:|AddressSanitizer|LeakSanitizer' "$log"; then
    echo "FAIL  a sanitizer report in the daemon's output"
    failures=$((failures + 1))
  fi
  echo "      the daemon's output:"
  sed 's/^/      | /' "$log"
}

run_pass default-indirect --allow-indirect
run_pass epoll --backend epoll

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "nelson-rpcbind against hostile input: ok"
