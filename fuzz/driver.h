// The shared fuzz driver (STYLE.md 12, after Botan src/fuzzer/fuzzers.h). Each harness defines
// yinxin::fuzz::fuzz_one(); driver.cpp turns it into libFuzzer's LLVMFuzzerTestOneInput, and
// either libFuzzer's main (scripts/fuzz.sh, clang) or replay_main.cpp (the fuzz_replay_* CTests,
// any compiler) calls it. A harness reports a broken invariant with check(): abort, which both
// drivers turn into a finding. Error values returned for bad input are expected, never findings.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "yinxin/base/bytes.h"

namespace yinxin::fuzz {

// Runs one input through the harness. Defined once per harness.
void fuzz_one(BytesView in);

[[noreturn]] inline void fail(const char* what) {
    std::fprintf(stderr, "fuzz check failed: %s\n", what);
    std::fflush(stderr);
    std::abort();
}

inline void check(bool ok, const char* what) {
    if (!ok) fail(what);
}

inline bool same(BytesView a, BytesView b) {
    return a.size() == b.size() && (a.empty() || std::equal(a.begin(), a.end(), b.begin()));
}

inline std::string_view as_text(BytesView in) { return {reinterpret_cast<const char*>(in.data()), in.size()}; }

}  // namespace yinxin::fuzz
