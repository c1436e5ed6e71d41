#!/usr/bin/env bash
# Fails when any C or C++ file differs from what clang-format (.clang-format) would write.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files -co --exclude-standard -- '*.c' '*.cpp' '*.hpp' '*.h' | grep -v '^build/')
clang-format --dry-run -Werror "${files[@]}"
echo "format: ${#files[@]} files clean"
