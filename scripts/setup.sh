#!/usr/bin/env bash
# Installs the Debian packages nelson needs to build, test and benchmark. Idempotent: does
# nothing when everything is present; otherwise one `apt-get update`, then one install.
# Works as root on a fresh Debian 12 machine (or through sudo for another user).
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config git
  clang clang-format clang-tidy libclang-rt-14-dev  # libFuzzer, sanitizers for clang
  # libraries
  libgtest-dev libgmock-dev libbenchmark-dev
  liburing-dev libmimalloc-dev
  # interop peers and baselines
  libtirpc-dev rpcsvc-proto rpcbind tshark
  # NEON kernels: cross-compiled and run under user-mode emulation (scripts/check-neon.sh)
  g++-aarch64-linux-gnu qemu-user
  # profiling (perf/ scripts, callgrind instruction counts)
  linux-perf valgrind strace util-linux
  # nelson-load --plot draws the latency percentile curve
  gnuplot-nox
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
