// Crypto layer benchmarks: each Yinxin operation beside the same operation done directly with
// OpenSSL 3's EVP API in the same process, then a table "op  yinxin  openssl  ratio".
//
//   crypto_bench [--benchmark_filter=...] [--benchmark_repetitions=N] [other Google Benchmark flags]
//
// The table uses the median of the repetitions. A ratio below 1 means Yinxin is faster.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "yinxin/base/bytes.h"
#include "yinxin/crypto/sm2.h"
#include "yinxin/crypto/sm3.h"
#include "yinxin/crypto/sm4.h"

namespace {

using namespace yinxin;
using namespace yinxin::crypto;

// GM/T 0003.5 Annex A private key: a fixed key keeps runs comparable.
const char* const k_d = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8";
constexpr std::string_view k_id = k_default_sm2_id;

struct Fixture {
    Fixture()
        : key(Sm2PrivateKey::from_scalar(hex_decode(k_d).value()).value()),
          pub(key.public_key()),
          signer(Sm2Signer::create(key).value()),
          verifier(Sm2Verifier::create(pub).value()),
          tbs(256, 0x5a),
          sig(signer.sign(tbs).value()),
          sm4_key(16, 0x11),
          iv(16, 0x22),
          gcm_iv(12, 0x33) {}
    Sm2PrivateKey key;
    Sm2PublicKey pub;
    Sm2Signer signer;
    Sm2Verifier verifier;
    Bytes tbs;  // a certificate-sized TBS
    Bytes sig;
    Bytes sm4_key, iv, gcm_iv;
};

Fixture& fx() {
    static Fixture f;
    return f;
}

void fail(benchmark::State& state, const char* what) { state.SkipWithError(what); }

// ---- SM2 sign ------------------------------------------------------------------------------

void BM_Yinxin_SM2_Sign(benchmark::State& state) {
    auto& f = fx();
    for (auto _ : state) {
        auto s = f.signer.sign(f.tbs);
        if (!s) return fail(state, "sign");
        benchmark::DoNotOptimize(s);
    }
}

// What an OpenSSL 3 user writes per signature: ID on the context, EVP_DigestSign (Z recomputed).
void BM_OpenSSL_SM2_Sign(benchmark::State& state) {
    auto& f = fx();
    unsigned char sig[80];
    for (auto _ : state) {
        EVP_PKEY_CTX* pctx = EVP_PKEY_CTX_new_from_pkey(nullptr, f.key.native(), nullptr);
        EVP_MD_CTX* mctx = EVP_MD_CTX_new();
        std::size_t len = sizeof sig;
        const bool ok = pctx && mctx && EVP_PKEY_CTX_set1_id(pctx, k_id.data(), k_id.size()) == 1 &&
                        (EVP_MD_CTX_set_pkey_ctx(mctx, pctx), true) &&
                        EVP_DigestSignInit_ex(mctx, nullptr, "SM3", nullptr, nullptr, f.key.native(), nullptr) == 1 &&
                        EVP_DigestSign(mctx, sig, &len, f.tbs.data(), f.tbs.size()) == 1;
        EVP_MD_CTX_free(mctx);
        EVP_PKEY_CTX_free(pctx);
        if (!ok) return fail(state, "EVP_DigestSign");
        benchmark::DoNotOptimize(sig);
    }
}

// ---- SM2 verify ----------------------------------------------------------------------------

void BM_Yinxin_SM2_Verify(benchmark::State& state) {
    auto& f = fx();
    for (auto _ : state) {
        if (!f.verifier.verify(f.tbs, f.sig)) return fail(state, "verify");
    }
}

void BM_OpenSSL_SM2_Verify(benchmark::State& state) {
    auto& f = fx();
    for (auto _ : state) {
        EVP_PKEY_CTX* pctx = EVP_PKEY_CTX_new_from_pkey(nullptr, f.pub.native(), nullptr);
        EVP_MD_CTX* mctx = EVP_MD_CTX_new();
        const bool ok = pctx && mctx && EVP_PKEY_CTX_set1_id(pctx, k_id.data(), k_id.size()) == 1 &&
                        (EVP_MD_CTX_set_pkey_ctx(mctx, pctx), true) &&
                        EVP_DigestVerifyInit_ex(mctx, nullptr, "SM3", nullptr, nullptr, f.pub.native(), nullptr) == 1 &&
                        EVP_DigestVerify(mctx, f.sig.data(), f.sig.size(), f.tbs.data(), f.tbs.size()) == 1;
        EVP_MD_CTX_free(mctx);
        EVP_PKEY_CTX_free(pctx);
        if (!ok) return fail(state, "EVP_DigestVerify");
    }
}

// ---- SM3 -----------------------------------------------------------------------------------

void BM_Yinxin_SM3(benchmark::State& state) {
    const Bytes data(static_cast<std::size_t>(state.range(0)), 0xa5);
    for (auto _ : state) benchmark::DoNotOptimize(sm3(data));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

void BM_OpenSSL_SM3(benchmark::State& state) {
    const Bytes data(static_cast<std::size_t>(state.range(0)), 0xa5);
    EVP_MD* md = EVP_MD_fetch(nullptr, "SM3", nullptr);
    unsigned char out[32];
    for (auto _ : state) {
        unsigned int n = 0;
        if (EVP_Digest(data.data(), data.size(), out, &n, md, nullptr) != 1) {
            EVP_MD_free(md);
            return fail(state, "EVP_Digest");
        }
        benchmark::DoNotOptimize(out);
    }
    EVP_MD_free(md);
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

// ---- SM4-CBC -------------------------------------------------------------------------------

void BM_Yinxin_SM4_CBC(benchmark::State& state) {
    auto& f = fx();
    const Bytes data(static_cast<std::size_t>(state.range(0)), 0x42);
    for (auto _ : state) {
        auto c = sm4_cbc_encrypt(f.sm4_key, f.iv, data);
        if (!c) return fail(state, "sm4_cbc_encrypt");
        benchmark::DoNotOptimize(c);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

void BM_OpenSSL_SM4_CBC(benchmark::State& state) {
    auto& f = fx();
    const Bytes data(static_cast<std::size_t>(state.range(0)), 0x42);
    Bytes out(data.size() + 16);
    EVP_CIPHER* c = EVP_CIPHER_fetch(nullptr, "SM4-CBC", nullptr);
    for (auto _ : state) {
        EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
        int a = 0, b = 0;
        const bool ok = ctx && EVP_EncryptInit_ex2(ctx, c, f.sm4_key.data(), f.iv.data(), nullptr) == 1 &&
                        EVP_EncryptUpdate(ctx, out.data(), &a, data.data(), static_cast<int>(data.size())) == 1 &&
                        EVP_EncryptFinal_ex(ctx, out.data() + a, &b) == 1;
        EVP_CIPHER_CTX_free(ctx);
        if (!ok) {
            EVP_CIPHER_free(c);
            return fail(state, "EVP SM4-CBC");
        }
        benchmark::DoNotOptimize(out);
    }
    EVP_CIPHER_free(c);
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

// ---- SM4-GCM -------------------------------------------------------------------------------

void BM_Yinxin_SM4_GCM(benchmark::State& state) {
    auto& f = fx();
    const Bytes data(static_cast<std::size_t>(state.range(0)), 0x42);
    const Bytes aad(32, 0x24);
    for (auto _ : state) {
        auto c = sm4_gcm_seal(f.sm4_key, f.gcm_iv, aad, data);
        if (!c) return fail(state, "sm4_gcm_seal");
        benchmark::DoNotOptimize(c);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

// OpenSSL 3.0 has no SM4-GCM. The baseline is SM4-CTR through EVP: GCM's encryption part alone,
// so the ratio shows what GHASH and the mode code add on top of OpenSSL's SM4.
void BM_OpenSSL_SM4_GCM(benchmark::State& state) {
    auto& f = fx();
    state.SetLabel("baseline = EVP SM4-CTR (no SM4-GCM in OpenSSL 3.0)");
    const Bytes data(static_cast<std::size_t>(state.range(0)), 0x42);
    Bytes out(data.size());
    EVP_CIPHER* c = EVP_CIPHER_fetch(nullptr, "SM4-CTR", nullptr);
    for (auto _ : state) {
        EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
        int a = 0, b = 0;
        const bool ok = ctx && EVP_EncryptInit_ex2(ctx, c, f.sm4_key.data(), f.iv.data(), nullptr) == 1 &&
                        EVP_EncryptUpdate(ctx, out.data(), &a, data.data(), static_cast<int>(data.size())) == 1 &&
                        EVP_EncryptFinal_ex(ctx, out.data() + a, &b) == 1;
        EVP_CIPHER_CTX_free(ctx);
        if (!ok) {
            EVP_CIPHER_free(c);
            return fail(state, "EVP SM4-CTR");
        }
        benchmark::DoNotOptimize(out);
    }
    EVP_CIPHER_free(c);
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

constexpr std::int64_t k_kib = 1024;
constexpr std::int64_t k_mib = 1024 * 1024;

BENCHMARK(BM_Yinxin_SM2_Sign);
BENCHMARK(BM_OpenSSL_SM2_Sign);
BENCHMARK(BM_Yinxin_SM2_Verify);
BENCHMARK(BM_OpenSSL_SM2_Verify);
BENCHMARK(BM_Yinxin_SM3)->Arg(k_kib)->Arg(k_mib);
BENCHMARK(BM_OpenSSL_SM3)->Arg(k_kib)->Arg(k_mib);
BENCHMARK(BM_Yinxin_SM4_CBC)->Arg(k_mib);
BENCHMARK(BM_OpenSSL_SM4_CBC)->Arg(k_mib);
BENCHMARK(BM_Yinxin_SM4_GCM)->Arg(k_kib)->Arg(k_mib);
BENCHMARK(BM_OpenSSL_SM4_GCM)->Arg(k_kib)->Arg(k_mib);

// Console output as usual, and the per-iteration CPU times kept for the ratio table (CPU time:
// the 2-core machine is shared, and wall time also counts waiting for a core).
class CollectingReporter : public benchmark::ConsoleReporter {
public:
    // Colours only on a terminal, so redirected output (docs/performance.md) stays plain text.
    CollectingReporter() : ConsoleReporter(isatty(STDOUT_FILENO) ? OO_ColorTabular : OO_Tabular) {}

    void ReportRuns(const std::vector<Run>& runs) override {
        ConsoleReporter::ReportRuns(runs);
        for (const auto& r : runs) {
            if (r.error_occurred) continue;
            const bool median = r.run_type == Run::RT_Aggregate && r.aggregate_name == "median";
            if (r.run_type == Run::RT_Aggregate && !median) continue;
            std::string name = r.run_name.str();  // without the aggregate suffix
            Entry& e = m_times[name];
            if (median || !e.from_median) {
                e.ns = to_ns(r.GetAdjustedCPUTime(), r.time_unit);
                e.from_median = median;
            }
        }
    }

    void print_table() const {
        std::printf("\n%-22s %14s %14s %8s\n", "op", "yinxin", "openssl", "ratio");
        for (const auto& [name, e] : m_times) {
            const std::string prefix = "BM_Yinxin_";
            if (name.rfind(prefix, 0) != 0) continue;
            const std::string op = name.substr(prefix.size());
            auto base = m_times.find("BM_OpenSSL_" + op);
            if (base == m_times.end()) continue;
            std::printf("%-22s %14s %14s %8.2f\n", op.c_str(), fmt(e.ns).c_str(), fmt(base->second.ns).c_str(),
                        e.ns / base->second.ns);
        }
        std::printf(
            "(CPU time per operation; ratio = yinxin / openssl, below 1 is faster;\n"
            " SM4_GCM baseline is OpenSSL SM4-CTR, as OpenSSL 3.0 has no SM4-GCM)\n");
    }

private:
    struct Entry {
        double ns = 0;
        bool from_median = false;
    };
    static double to_ns(double t, benchmark::TimeUnit u) {
        switch (u) {
            case benchmark::kNanosecond: return t;
            case benchmark::kMicrosecond: return t * 1e3;
            case benchmark::kMillisecond: return t * 1e6;
            case benchmark::kSecond: return t * 1e9;
        }
        return t;
    }
    static std::string fmt(double ns) {
        char buf[32];
        if (ns >= 1e6)
            std::snprintf(buf, sizeof buf, "%.2f ms", ns / 1e6);
        else if (ns >= 1e3)
            std::snprintf(buf, sizeof buf, "%.2f us", ns / 1e3);
        else
            std::snprintf(buf, sizeof buf, "%.0f ns", ns);
        return buf;
    }
    std::map<std::string, Entry> m_times;
};

}  // namespace

int main(int argc, char** argv) {
    // Defaults for a shared 2-core machine: 5 repetitions in random order (so a burst of load
    // from another process hits both sides of a pair alike), medians only, about 30 s in all.
    // Flags given on the command line come later and win.
    std::vector<char*> args{argv[0]};
    std::string d1 = "--benchmark_repetitions=5", d2 = "--benchmark_enable_random_interleaving=true",
                d3 = "--benchmark_min_time=0.2", d4 = "--benchmark_report_aggregates_only=true";
    for (std::string* d : {&d1, &d2, &d3, &d4}) args.push_back(d->data());
    for (int i = 1; i < argc; ++i) args.push_back(argv[i]);
    int n = static_cast<int>(args.size());
    args.push_back(nullptr);
    benchmark::Initialize(&n, args.data());
    if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
    CollectingReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    reporter.print_table();
    benchmark::Shutdown();
    return 0;
}
