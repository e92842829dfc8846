#!/usr/bin/env bash
# Installs dependencies, builds the ASan+UBSan test build and runs every default (fast) test, the
# layering check and the style check. Slow suites live behind their own commands (scripts/fuzz.sh,
# scripts/bench.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/check-layering.sh .
scripts/check-format.sh
scripts/build.sh test
scripts/check-tidy.sh build/test
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
ctest --test-dir build/test --output-on-failure -j "${YINXIN_JOBS:-$(nproc)}" -L fast
