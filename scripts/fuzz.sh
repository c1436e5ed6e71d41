#!/usr/bin/env bash
# Builds the libFuzzer targets (the "fuzz" preset: clang, build/fuzz) and fuzzes the XDR decoder
# for a bounded time, on a copy of the seed corpus kept in build/fuzz (the repository is not
# modified). Exits non-zero when the fuzzer finds a crash, leak, timeout or failed check.
#
#   scripts/fuzz.sh              # 60 seconds
#   scripts/fuzz.sh 600          # 10 minutes
#   scripts/fuzz.sh 300 -jobs=2  # further arguments go to libFuzzer
#
# The working corpus (grown across runs) is build/fuzz/fuzz-run/xdr_decoder/corpus; crash
# reproducers land in build/fuzz/fuzz-run/xdr_decoder/artifacts/. To replay one:
#   NELSON_FUZZ_XDR_TRACE=1 build/fuzz/fuzz/nelson-fuzz-xdr-decoder <artifact>
set -euo pipefail

seconds="${1:-60}"
shift || true
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || ((seconds == 0)); then
  echo "usage: $0 [seconds (default 60)] [libFuzzer options...]" >&2
  exit 2
fi

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

cmake --preset fuzz
cmake --build --preset fuzz

fuzzer="$repo/build/fuzz/fuzz/nelson-fuzz-xdr-decoder"
work="$repo/build/fuzz/fuzz-run/xdr_decoder"
mkdir -p "$work/corpus" "$work/artifacts"
cp -f "$repo"/fuzz/corpus/xdr_decoder/* "$work/corpus/"

export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"

echo "fuzz: $fuzzer for ${seconds}s on $work/corpus"
status=0
"$fuzzer" "$work/corpus" \
  -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
  -artifact_prefix="$work/artifacts/" -print_final_stats=1 "$@" || status=$?

if ((status != 0)); then
  echo "fuzz: FAILED (exit status $status); reproducers in $work/artifacts/:" >&2
  ls -l "$work/artifacts/" >&2 || true
  exit "$status"
fi
echo "fuzz: no crash in ${seconds}s"
