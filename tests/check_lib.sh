# shellcheck shell=bash
# What the shell tests share: a failure count and one line per check, in the same format.
#
#   . "$(dirname "$0")/../check_lib.sh"
#   check ok "^ready$" cat "$log"          # exit 0 and output matching the extended regex
#   check fail "refused" cmd ...           # exit non-zero and output matching
#   check absent "^536871065 " rpcinfo -p  # exit 0 and output NOT matching
#   pass "what held"; fail "what did not"  # by hand
#   poll 5 test -S "$sock"                 # retry a command every 20 ms for up to 5 s
#   ((failures == 0)) || exit 1

failures=0

pass() { printf 'ok    %s\n' "$*"; }
fail() {
  printf 'FAIL  %s\n' "$*"
  failures=$((failures + 1))
}
indent() { sed 's/^/      /' "$@"; }

# check ok|fail|absent PATTERN COMMAND...: runs COMMAND and wants its exit status to be zero (ok,
# absent) or not (fail), and its output to match the extended regex PATTERN (absent: not to).
check() {
  local want=$1 pattern=$2
  shift 2
  local output status=0 verdict=ok matched=no
  output=$("$@" 2>&1) || status=$?
  grep -Eq -- "$pattern" <<<"$output" && matched=yes
  case "$want" in
    ok) [ "$status" -eq 0 ] && [ "$matched" = yes ] || verdict=FAIL ;;
    fail) [ "$status" -ne 0 ] && [ "$matched" = yes ] || verdict=FAIL ;;
    absent) [ "$status" -eq 0 ] && [ "$matched" = no ] || verdict=FAIL ;;
  esac
  [ "$verdict" = ok ] || failures=$((failures + 1))
  printf '%-4s  $ %s   (exit %d; want %s, /%s/)\n' "$verdict" "$*" "$status" "$want" "$pattern"
  indent <<<"$output"
}

# poll SECONDS COMMAND...: runs COMMAND every 20 ms until it succeeds (0) or SECONDS pass (1).
poll() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.02
  done
}
