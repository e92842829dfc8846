#!/usr/bin/env bash
# Builds the libFuzzer harnesses (fuzz/, one per parser) with clang (ASan + UBSan + libFuzzer) in
# build-fuzz/ and runs each for FUZZ_SECONDS (default 60).
#   scripts/fuzz.sh                                    every harness
#   scripts/fuzz.sh x509_csr_fuzz                      the named harnesses
#   FUZZ_TARGETS="x509 profile" scripts/fuzz.sh        harnesses whose name contains a word
#   FUZZ_SECONDS=600 scripts/fuzz.sh
# Seeds: the checked-in fuzz/corpus/<harness>/ (read only) plus, for the DER harnesses, the real
# files of ../shared/interop and tests/data copied at run time (never into the repository). New
# inputs accumulate in build-fuzz/corpus/<harness>/. Findings (crash-*, leak-*, timeout-*,
# oom-*) land in build-fuzz/artifacts/; reproduce one with
#   build-fuzz/fuzz/<harness> build-fuzz/artifacts/<file>
# and, once fixed, keep it as fuzz/corpus/<harness>/regression-<what> (the fuzz_replay_* CTests).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build="${YINXIN_FUZZ_BUILD_DIR:-$root/build-fuzz}"
shared="${YINXIN_SHARED_DIR:-$root/../shared}"
seconds="${FUZZ_SECONDS:-60}"

# Every harness fuzz/CMakeLists.txt declares, in order.
mapfile -t all < <(sed -n 's/^yinxin_fuzzer(\([a-z0-9_]*\) .*/\1/p' fuzz/CMakeLists.txt)
harnesses=("$@")
if [[ ${#harnesses[@]} -eq 0 ]]; then
  if [[ -n "${FUZZ_TARGETS:-}" ]]; then
    for h in "${all[@]}"; do
      for word in ${FUZZ_TARGETS//,/ }; do
        if [[ "$h" == *"$word"* ]]; then harnesses+=("$h"); break; fi
      done
    done
  else
    harnesses=("${all[@]}")
  fi
fi
if [[ ${#harnesses[@]} -eq 0 ]]; then
  echo "fuzz: no harness matches FUZZ_TARGETS='${FUZZ_TARGETS:-}' (have: ${all[*]})" >&2
  exit 2
fi
for h in "${harnesses[@]}"; do
  if [[ ! " ${all[*]} " == *" $h "* ]]; then
    echo "fuzz: unknown harness '$h' (have: ${all[*]})" >&2
    exit 2
  fi
done

# Debian's clang-14 provides libFuzzer (libclang-rt-14-dev; scripts/install-deps.sh --fuzz). Only
# the harness targets are built, so the rest of the tree need not compile under clang.
CC="${CC:-clang}" CXX="${CXX:-clang++}" cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DYINXIN_BUILD_FUZZ=ON -DYINXIN_BUILD_TESTS=OFF -DYINXIN_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j "${YINXIN_JOBS:-2}" --target "${harnesses[@]}"

# Run-time seeds from the interop files and our DER test data (certificates, CMS, seals ...).
seed_der() {
  local corpus=$1 f
  for f in "$shared"/interop/*/*.esl "$shared"/interop/*/*.dat "$shared"/interop/*/*.DER \
           "$shared"/interop/*/*.der "$shared"/interop/*/*.p12 "$root"/tests/data/asn1/*.der \
           "$root"/tests/data/asn1/*.ber "$root"/tests/data/csr/*.der; do
    [[ -f "$f" ]] && cp -n "$f" "$corpus/seed-$(basename "$f")"
  done
  for f in "$shared"/interop/*/*.pem "$root"/tests/data/x509/*.pem; do
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
  mkdir -p "$corpus"
  case "$h" in
    asn1_* | x509_certificate_* | x509_csr_*) seed_der "$corpus" ;;
    profile_*) cp -n "$root"/profiles/*.json "$corpus"/ ;;
  esac
  seeds=()
  [[ -d "$root/fuzz/corpus/$h" ]] && seeds=("$root/fuzz/corpus/$h")
  echo "fuzz: $h for ${seconds}s, corpus $corpus"
  "$build/fuzz/$h" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=32768 \
    -artifact_prefix="$build/artifacts/$h-" -print_final_stats=1 "$corpus" "${seeds[@]}" || status=$?
done
exit $status
