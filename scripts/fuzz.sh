#!/usr/bin/env bash
# Builds the libFuzzer targets (the "fuzz" preset: clang, build/fuzz) and fuzzes the XDR decoder,
# the record reader and the server's call path (a third of the time each), on copies of the seed corpora in
# build/fuzz (the repository is not modified). Exits non-zero when the fuzzer finds a crash, leak, timeout or failed check.
#
#   scripts/fuzz.sh              # 60 seconds
#   scripts/fuzz.sh 600          # 10 minutes
#   scripts/fuzz.sh 300 -jobs=2  # further arguments go to libFuzzer
#
# The working corpora (grown across runs) are build/fuzz/fuzz-run/<name>/corpus (name: xdr_decoder,
# record_reader, server); crash reproducers land in build/fuzz/fuzz-run/<name>/artifacts/. To replay one:
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

export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"

# The fuzzers share the time: a third each, the XDR decoder takes what does not divide. Each
# keeps its own working corpus; a seed directory is optional.
fuzzers=(xdr_decoder record_reader server)
binaries=(nelson-fuzz-xdr-decoder nelson-fuzz-record-reader nelson-fuzz-server)
third=$((seconds / 3))
times=($((seconds - 2 * third)) "$third" "$third")

status=0
for i in "${!fuzzers[@]}"; do
  name="${fuzzers[$i]}"
  t="${times[$i]}"
  ((t > 0)) || continue
  fuzzer="$repo/build/fuzz/fuzz/${binaries[$i]}"
  work="$repo/build/fuzz/fuzz-run/$name"
  mkdir -p "$work/corpus" "$work/artifacts"
  if [[ -d "$repo/fuzz/corpus/$name" ]]; then cp -f "$repo/fuzz/corpus/$name"/* "$work/corpus/"; fi

  echo "fuzz: $fuzzer for ${t}s on $work/corpus"
  "$fuzzer" "$work/corpus" \
    -max_total_time="$t" -rss_limit_mb=2048 -timeout=10 \
    -artifact_prefix="$work/artifacts/" -print_final_stats=1 "$@" || status=$?

  if ((status != 0)); then
    echo "fuzz: $name FAILED (exit status $status); reproducers in $work/artifacts/:" >&2
    ls -l "$work/artifacts/" >&2 || true
    exit "$status"
  fi
done
echo "fuzz: no crash in ${seconds}s"
