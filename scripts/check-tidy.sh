#!/usr/bin/env bash
# Runs clang-tidy (.clang-tidy) over the project's library and CLI sources, using the compile
# database of a configured build (default build/test). Tests, benchmarks and fuzzers are not checked.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build/test}"
[[ -f "$build/compile_commands.json" ]] || { echo "check-tidy: no $build/compile_commands.json (run scripts/build.sh test)"; exit 2; }
mapfile -t files < <(git ls-files 'src/*.cpp')
run-clang-tidy -quiet -extra-arg=-Wno-unknown-warning-option -p "$build" -j "${YINXIN_JOBS:-$(nproc)}" "${files[@]}" > "$build/clang-tidy.log" 2>&1 || {
  grep -E "(error|warning):" "$build/clang-tidy.log" | sort -u | head -50
  echo "check-tidy: FAILED (full log: $build/clang-tidy.log)"
  exit 1
}
echo "check-tidy: ${#files[@]} files clean"
