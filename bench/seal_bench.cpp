// Seal layer benchmarks on the real interop files (read from YINXIN_SHARED_DIR/interop, never
// copied): a bare seal (GB/T 38540 seal procedure: parse, maker certificate, one SM2 verify), an
// SES_Signature (two SM2 verifies), and whole OFD documents (unzip, XML, references, signatures),
// beside the baseline of one raw OpenSSL EVP SM2 verify of the same seal signature, then a table
// "op  time  per-second  x baseline".
//
//   seal_bench [--benchmark_filter=...] [--benchmark_repetitions=N] [other Google Benchmark flags]
#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "yinxin/base/bytes.h"
#include "yinxin/crypto/sm2.h"
#include "yinxin/seal/ofd_verify.h"
#include "yinxin/seal/ses.h"
#include "yinxin/seal/verify.h"
#include "yinxin/x509/certificate.h"

namespace {

using namespace yinxin;

Bytes read_interop(const std::string& name) {
    const std::string path = std::string(YINXIN_SHARED_DIR) + "/interop/ofdrw/" + name;
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TimePoint verification_time() { return from_unix(1795392000); }

seal::VerifyOptions options() {
    seal::VerifyOptions o;
    o.time = verification_time();
    return o;
}

void fail(benchmark::State& state, const std::string& what) { state.SkipWithError(what.c_str()); }

void BM_SealVerify_UserV4(benchmark::State& state) {
    const Bytes esl = read_interop("UserV4.esl");
    const auto o = options();
    for (auto _ : state) {
        const auto r = seal::verify_seal(esl, o);
        if (r.result_of("seal_signature") != seal::CheckResult::pass) return fail(state, "seal signature");
        benchmark::DoNotOptimize(r.intact);
    }
}

void BM_SignatureVerify_SignedValueV4(benchmark::State& state) {
    const Bytes ses = read_interop("SignedValueV4.dat");
    const auto o = options();
    for (auto _ : state) {
        const auto r = seal::verify_signature(ses, o);
        if (!r.intact) return fail(state, "signature not intact");
        benchmark::DoNotOptimize(r.intact);
    }
}

void ofd_verify(benchmark::State& state, const char* file) {
    const Bytes zip = read_interop(file);
    seal::OfdVerifyOptions o;
    o.verify = options();
    for (auto _ : state) {
        const auto r = seal::verify_ofd(zip, o);
        if (!r.intact) return fail(state, std::string(file) + " not intact");
        benchmark::DoNotOptimize(r.intact);
    }
}
void BM_OfdVerify_1ofd(benchmark::State& state) { ofd_verify(state, "1.ofd"); }
void BM_OfdVerify_h_ofd_2sig(benchmark::State& state) { ofd_verify(state, "h.ofd"); }
void BM_OfdVerify_testImageNotFound_2sign(benchmark::State& state) { ofd_verify(state, "testImageNotFound.ofd"); }

// Baseline: what the seal check costs at the least, one EVP_DigestVerify (ID set, Z computed) of
// UserV4.esl's seal signature over its SES_SealInfo with the maker's key.
void BM_Baseline_OpenSSL_SM2_Verify(benchmark::State& state) {
    const Bytes esl = read_interop("UserV4.esl");
    auto seal = seal::Seal::parse(esl);
    if (!seal) return fail(state, "UserV4.esl does not parse");
    auto maker = x509::Certificate::parse(seal->maker_certificate(), x509::ParseOptions::relaxed());
    if (!maker) return fail(state, "maker certificate");
    auto key = maker->public_key_info().sm2_public_key();
    if (!key) return fail(state, "maker key");
    const BytesView tbs = seal->signed_bytes();
    const BytesView sig = seal->signature_value();
    const std::string_view id = crypto::k_default_sm2_id;
    for (auto _ : state) {
        EVP_PKEY_CTX* pctx = EVP_PKEY_CTX_new_from_pkey(nullptr, key->native(), nullptr);
        EVP_MD_CTX* mctx = EVP_MD_CTX_new();
        const bool ok = pctx && mctx && EVP_PKEY_CTX_set1_id(pctx, id.data(), id.size()) == 1 &&
                        (EVP_MD_CTX_set_pkey_ctx(mctx, pctx), true) &&
                        EVP_DigestVerifyInit_ex(mctx, nullptr, "SM3", nullptr, nullptr, key->native(), nullptr) == 1 &&
                        EVP_DigestVerify(mctx, sig.data(), sig.size(), tbs.data(), tbs.size()) == 1;
        EVP_MD_CTX_free(mctx);
        EVP_PKEY_CTX_free(pctx);
        if (!ok) return fail(state, "EVP_DigestVerify (is the seal signature DER?)");
    }
}

BENCHMARK(BM_Baseline_OpenSSL_SM2_Verify);
BENCHMARK(BM_SealVerify_UserV4);
BENCHMARK(BM_SignatureVerify_SignedValueV4);
BENCHMARK(BM_OfdVerify_1ofd);
BENCHMARK(BM_OfdVerify_h_ofd_2sig);
BENCHMARK(BM_OfdVerify_testImageNotFound_2sign);

// Console output as usual, plus the median CPU time per benchmark for the summary table (CPU
// time: the machine is shared, wall time also counts waiting for a core).
class CollectingReporter : public benchmark::ConsoleReporter {
public:
    CollectingReporter() : ConsoleReporter(isatty(STDOUT_FILENO) ? OO_ColorTabular : OO_Tabular) {}

    void ReportRuns(const std::vector<Run>& runs) override {
        ConsoleReporter::ReportRuns(runs);
        for (const auto& r : runs) {
            if (r.error_occurred) continue;
            const bool median = r.run_type == Run::RT_Aggregate && r.aggregate_name == "median";
            if (r.run_type == Run::RT_Aggregate && !median) continue;
            Entry& e = m_times[r.run_name.str()];
            if (median || !e.from_median) {
                e.ns = to_ns(r.GetAdjustedCPUTime(), r.time_unit);
                e.from_median = median;
            }
        }
    }

    void print_table() const {
        const auto base = m_times.find("BM_Baseline_OpenSSL_SM2_Verify");
        std::printf("\n%-36s %12s %10s %12s\n", "op", "time", "per s", "x SM2 verify");
        for (const auto& [name, e] : m_times) {
            const double ratio = base == m_times.end() ? 0 : e.ns / base->second.ns;
            std::printf("%-36s %12s %10.0f %12.2f\n", name.substr(3).c_str(), fmt(e.ns).c_str(), 1e9 / e.ns, ratio);
        }
        std::printf(
            "(CPU time per operation; 'x SM2 verify' = time / one raw OpenSSL EVP SM2 verify of the same seal\n"
            " signature. A seal check is 1 SM2 verify, an SES_Signature 2, an OFD 2 per signature plus unzip,\n"
            " XML and SM3 of every referenced file)\n");
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
    // As crypto_bench: 5 repetitions, random interleaving, medians only; later flags win.
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
