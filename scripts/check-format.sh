#!/usr/bin/env bash
# Fails when project C++ files are not formatted per .clang-format.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.h' '*.cpp' 2>/dev/null || find include src tests bench fuzz -name '*.h' -o -name '*.cpp')
if [[ ${#files[@]} -eq 0 ]]; then exit 0; fi
clang-format --dry-run --Werror "${files[@]}"
echo "check-format: ${#files[@]} files formatted"
