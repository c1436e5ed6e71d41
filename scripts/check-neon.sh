#!/usr/bin/env bash
# Checks the NEON byte-order kernels (xdr/simd/neon.cpp) on an x86 machine: cross-compiles them
# for aarch64 together with the scalar kernels, the dispatcher and tests/xdr/neon_cross_check.cpp,
# and runs the result under qemu-aarch64. Exits non-zero on any build failure or mismatch.
#
#   scripts/check-neon.sh            # build in a temporary directory under /tmp
#   NELSON_NEON_BUILD_DIR=/tmp/x scripts/check-neon.sh
#
# Needs g++-aarch64-linux-gnu and qemu-user (Debian); installs them with apt-get when missing.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cxx="${NELSON_NEON_CXX:-aarch64-linux-gnu-g++}"
sysroot="${NELSON_NEON_SYSROOT:-/usr/aarch64-linux-gnu}"

missing=()
command -v aarch64-linux-gnu-g++ >/dev/null 2>&1 || missing+=(g++-aarch64-linux-gnu)
command -v qemu-aarch64 >/dev/null 2>&1 || missing+=(qemu-user)
if ((${#missing[@]} != 0)); then
  echo "check-neon: installing ${missing[*]}"
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi

if [[ -n "${NELSON_NEON_BUILD_DIR:-}" ]]; then
  build="$NELSON_NEON_BUILD_DIR"
  mkdir -p "$build"
else
  build="$(mktemp -d /tmp/nelson-neon-check.XXXXXX)"
  trap 'rm -rf "$build"' EXIT
fi

sources=(
  "$repo/xdr/simd/neon.cpp"
  "$repo/xdr/simd/scalar.cpp"
  "$repo/xdr/simd/dispatch.cpp"
  "$repo/tests/xdr/neon_cross_check.cpp"
)
defines=(-DNELSON_XDR_HAVE_NEON=1 -DNELSON_XDR_HAVE_SSSE3=0 -DNELSON_XDR_HAVE_AVX2=0 -DNELSON_XDR_HAVE_AVX512=0)
warnings=(-Wall -Wextra -Wpedantic -Wshadow -Werror)

# -O2 is what the project builds with; -O3 lets the compiler vectorize the scalar tails too.
for opt in -O2 -O3; do
  exe="$build/neon_cross_check${opt}"
  echo "check-neon: $cxx -std=c++20 $opt -> $exe"
  "$cxx" -std=c++20 "$opt" "${warnings[@]}" "${defines[@]}" -I"$repo" "${sources[@]}" -o "$exe"
  echo "check-neon: qemu-aarch64 -L $sysroot $exe"
  qemu-aarch64 -L "$sysroot" "$exe"
done
echo "check-neon: OK"
