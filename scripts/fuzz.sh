#!/usr/bin/env bash
# Builds the libFuzzer harnesses with clang (ASan + UBSan + libFuzzer) in build-fuzz/ and runs each
# for FUZZ_SECONDS (default 60). Seeds come from the real files in ../shared/interop and
# tests/data at run time; they are never copied into the repository.
#   scripts/fuzz.sh                     all harnesses
#   scripts/fuzz.sh asn1_reader_fuzz    one harness
# Findings (crash-*, leak-*, timeout-*) land in build-fuzz/artifacts/; reproduce one with
#   build-fuzz/fuzz/<harness> build-fuzz/artifacts/<file>
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build="${YINXIN_FUZZ_BUILD_DIR:-$root/build-fuzz}"
shared="${YINXIN_SHARED_DIR:-$root/../shared}"
seconds="${FUZZ_SECONDS:-60}"
harnesses=("$@")
if [[ ${#harnesses[@]} -eq 0 ]]; then harnesses=(asn1_reader_fuzz); fi

# Debian's clang-14 provides libFuzzer (libclang-rt-14-dev). Only the harness targets are built, so
# the rest of the tree need not compile under clang.
CC="${CC:-clang}" CXX="${CXX:-clang++}" cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DYINXIN_BUILD_FUZZ=ON -DYINXIN_BUILD_TESTS=OFF -DYINXIN_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j "${YINXIN_JOBS:-$(nproc)}" --target "${harnesses[@]}"

# Seed corpus per harness: the interop files plus our test data (DER/BER only).
seed() {
  local corpus=$1
  mkdir -p "$corpus"
  local f
  for f in "$shared"/interop/*/*.esl "$shared"/interop/*/*.dat "$shared"/interop/*/*.DER \
           "$shared"/interop/*/*.der "$shared"/interop/*/*.p12 "$root"/tests/data/asn1/*.der \
           "$root"/tests/data/asn1/*.ber; do
    [[ -f "$f" ]] && cp -n "$f" "$corpus/seed-$(basename "$f")"
  done
  for f in "$shared"/interop/*/*.pem; do
    [[ -f "$f" ]] && openssl x509 -in "$f" -outform DER -out "$corpus/seed-$(basename "$f" .pem).der" 2>/dev/null || true
  done
  return 0
}

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:allocator_may_return_null=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
mkdir -p "$build/artifacts"
status=0
for h in "${harnesses[@]}"; do
  corpus="$build/corpus/$h"
  seed "$corpus"
  echo "fuzz: $h for ${seconds}s, corpus $corpus"
  "$build/fuzz/$h" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=32768 \
    -artifact_prefix="$build/artifacts/$h-" -print_final_stats=1 "$corpus" || status=$?
done
exit $status
