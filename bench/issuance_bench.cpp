// Issuance throughput (issue 3): certificates per second through the whole pipeline of
// ca::Issuer (PKCS#10 check, profile, lint, persist serial + TBS, sign in the soft device,
// finalize) on an SQLite store, beside the SM2 signature alone — through the device and directly
// with OpenSSL 3's EVP API (the baseline) — so the signing share of an issuance is visible.
//
//   issuance_bench [--benchmark_filter=...] [Google Benchmark flags]
//
// Wall time, not CPU time: an issuance waits for two durable SQLite commits (WAL, synchronous
// FULL), and that wait is part of what an operator sees. Run on a release build
// (scripts/bench.sh); results in docs/performance.md.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "yinxin/base/clock.h"
#include "yinxin/ca/hierarchy.h"
#include "yinxin/ca/issuer.h"
#include "yinxin/crypto/random.h"
#include "yinxin/crypto/sm2.h"
#include "yinxin/device/soft_device.h"
#include "yinxin/profile/profile.h"
#include "yinxin/store/sqlite_store.h"
#include "yinxin/x509/csr.h"
#include "yinxin/x509/name.h"

namespace {

using namespace yinxin;
namespace fs = std::filesystem;

constexpr std::string_view k_pin = "bench-ca-key-pin";

template <class T>
T must(Result<T> r, const char* what) {
    if (!r.ok()) {
        std::fprintf(stderr, "issuance_bench: %s: %s\n", what, r.error().to_string().c_str());
        std::exit(1);
    }
    return std::move(r).value();
}

// A soft device with a root and a sub CA, an SQLite store and an Issuer, in a scratch directory.
struct World {
    World() {
        dir = fs::temp_directory_path() / ("yinxin-issuance-bench-" + std::to_string(::getpid()));
        fs::remove_all(dir);
        fs::create_directories(dir);
        profiles = must(profile::ProfileSet::load_directory(YINXIN_PROFILES_DIR), "profiles");
        store = must(store::SqliteStore::open((dir / "store.db").string()), "store");
        device::SoftDeviceOptions o;
        o.pbkdf2_iterations = 10'000;
        dev = must(device::open_soft_device((dir / "device.db").string(), std::move(o)), "device");
        std::vector<device::Credential> custodians;
        for (const char* n : {"alice", "bob", "carol", "dave", "erin"})
            custodians.emplace_back(n, std::string(n) + "-password");
        must(dev->custodian_control()->init(custodians, 3, device::unchecked_custodian_policy()), "custodian init");
        must(dev->custodian_control()->unlock(std::span(custodians).first(3)), "unlock");

        auto cfg = must(ca::CeremonyConfig::parse(R"({
          "publication": {"base_url": "http://127.0.0.1:8080", "cps_oid": "2.999.156.1",
                          "cps_uri": "http://127.0.0.1:8080/cps"},
          "cas": [
            {"id": "bench-root", "name": "Bench Root", "kind": "root",
             "subject": [["C", "CN"], ["O", "Yinxin Bench"], ["CN", "Bench Root CA"]]},
            {"id": "bench-sub", "name": "Bench Sub", "kind": "sub", "parent": "bench-root",
             "subject": [["C", "CN"], ["O", "Yinxin Bench"], ["CN", "Bench Sub CA"]]}
          ]})",
                                                  "bench"),
                        "ceremony config");
        ca::CaContext ctx;
        ctx.stores = ca::CaStores{store.get(), store.get(), store.get(), store.get()};
        ctx.profiles = &profiles;
        ctx.device = dev.get();
        ctx.key_pin = std::string(k_pin);
        ctx.clock = &clock;
        ctx.rng = &rng;
        must(ca::run_ceremony(cfg, ctx), "ceremony");
        issuer = std::make_unique<ca::Issuer>(ctx.stores, profiles,
                                              ca::device_key_resolver(*dev, "soft", std::string(k_pin)),
                                              cfg.publication, clock, rng);

        auto key = must(crypto::Sm2PrivateKey::generate(), "key");
        auto name = must(x509::Name::build({{"C", "CN"}, {"O", "Yinxin Bench"}, {"CN", "Zhang San"}}), "name");
        auto csr = must(x509::CsrBuilder().subject(name).public_key(key.public_key()).sign_with(key), "csr");
        request.ca_id = "bench-sub";
        request.profile_id = "personnel-sign";
        request.csr.assign(csr.der().begin(), csr.der().end());

        auto sub = must(store->get_ca("bench-sub"), "sub");
        sub_key_index = static_cast<device::KeyIndex>(sub.key.index);
        must(dev->get_private_key_access_right(sub_key_index, k_pin), "access right");
        // A certificate-sized message for the signature-only benchmarks.
        tbs.assign(620, 0x5a);
        sw_key = must(crypto::Sm2PrivateKey::generate(), "key");
    }
    ~World() {
        issuer.reset();
        store.reset();
        dev.reset();
        std::error_code ec;
        fs::remove_all(dir, ec);
    }

    fs::path dir;
    SystemClock clock;
    crypto::OpensslRng rng;
    profile::ProfileSet profiles;
    std::unique_ptr<store::SqliteStore> store;
    std::unique_ptr<device::Device> dev;
    std::unique_ptr<ca::Issuer> issuer;
    ca::IssueRequest request;
    device::KeyIndex sub_key_index = 0;
    Bytes tbs;
    crypto::Sm2PrivateKey sw_key = must(crypto::Sm2PrivateKey::generate(), "key");
};

World& world() {
    static World w;
    return w;
}

// One certificate per call: the full pipeline with two durable commits.
void BM_Issue(benchmark::State& state) {
    auto& w = world();
    for (auto _ : state) {
        auto r = w.issuer->issue(w.request);
        if (!r.ok()) return state.SkipWithError(r.error().to_string().c_str());
        benchmark::DoNotOptimize(r);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// A batch of `range(0)` certificates per call (Issuer::issue_batch: two durable commits per
// batch instead of two per certificate). Items are certificates.
void BM_IssueBatch(benchmark::State& state) {
    auto& w = world();
    const std::vector<ca::IssueRequest> batch(static_cast<std::size_t>(state.range(0)), w.request);
    for (auto _ : state) {
        auto r = w.issuer->issue_batch(batch);
        if (!r.ok()) return state.SkipWithError(r.error().to_string().c_str());
        for (const auto& item : *r)
            if (!item.ok()) return state.SkipWithError(item.error().to_string().c_str());
        benchmark::DoNotOptimize(r);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

// The SM2 signature an issuance makes, through the soft device (SM3(Z||M) and sign, key
// unwrapped from the SM4-sealed store once at access-right time).
void BM_DeviceSign(benchmark::State& state) {
    auto& w = world();
    for (auto _ : state) {
        auto s = w.dev->sign(w.sub_key_index, w.tbs);
        if (!s.ok()) return state.SkipWithError("device sign");
        benchmark::DoNotOptimize(s);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// Baseline: the same signature straight through OpenSSL 3's EVP API with the ID set.
void BM_OpenSSL_SM2_Sign(benchmark::State& state) {
    auto& w = world();
    const std::string_view id = crypto::k_default_sm2_id;
    unsigned char sig[80];
    for (auto _ : state) {
        EVP_PKEY_CTX* pctx = EVP_PKEY_CTX_new_from_pkey(nullptr, w.sw_key.native(), nullptr);
        EVP_MD_CTX* mctx = EVP_MD_CTX_new();
        std::size_t len = sizeof sig;
        const bool ok =
            pctx && mctx && EVP_PKEY_CTX_set1_id(pctx, id.data(), id.size()) == 1 &&
            (EVP_MD_CTX_set_pkey_ctx(mctx, pctx), true) &&
            EVP_DigestSignInit_ex(mctx, nullptr, "SM3", nullptr, nullptr, w.sw_key.native(), nullptr) == 1 &&
            EVP_DigestSign(mctx, sig, &len, w.tbs.data(), w.tbs.size()) == 1;
        EVP_MD_CTX_free(mctx);
        EVP_PKEY_CTX_free(pctx);
        if (!ok) return state.SkipWithError("EVP_DigestSign");
        benchmark::DoNotOptimize(sig);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

BENCHMARK(BM_Issue)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_IssueBatch)->Arg(10)->Arg(100)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_DeviceSign)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_OpenSSL_SM2_Sign)->UseRealTime()->Unit(benchmark::kMicrosecond);

class TableReporter : public benchmark::ConsoleReporter {
public:
    TableReporter() : ConsoleReporter(isatty(STDOUT_FILENO) ? OO_ColorTabular : OO_Tabular) {}
    void ReportRuns(const std::vector<Run>& runs) override {
        ConsoleReporter::ReportRuns(runs);
        for (const auto& r : runs) {
            if (r.error_occurred) continue;
            const bool median = r.run_type == Run::RT_Aggregate && r.aggregate_name == "median";
            if (r.run_type == Run::RT_Aggregate && !median) continue;
            // Microseconds (Unit above) per item: a batch run's time is divided by its size.
            // run_name.str() carries "/real_time"; the key is the function and its argument.
            const std::string key = r.run_name.function_name + (r.run_name.args.empty() ? "" : "/" + r.run_name.args);
            const double per_item = r.GetAdjustedRealTime() / static_cast<double>(batch_size(key));
            auto& e = m_us[key];
            if (median || !e.second) e = {per_item, median};
        }
    }
    void print_table() const {
        auto get = [&](const char* n) {
            auto it = m_us.find(n);
            return it == m_us.end() ? 0.0 : it->second.first;
        };
        const double issue = get("BM_Issue"), dev = get("BM_DeviceSign"), ossl = get("BM_OpenSSL_SM2_Sign");
        if (issue <= 0 || dev <= 0 || ossl <= 0) return;
        std::printf("\n%-34s %12s %14s\n", "measure", "us/op", "per second");
        std::printf("%-34s %12.1f %14.0f\n", "issue one certificate (pipeline)", issue, 1e6 / issue);
        for (const char* b : {"BM_IssueBatch/10", "BM_IssueBatch/100"}) {
            const double v = get(b);
            if (v <= 0) continue;
            const std::string label = std::string("issue in batches of ") + (b + 14) + " (per cert)";
            std::printf("%-34s %12.1f %14.0f\n", label.c_str(), v, 1e6 / v);
        }
        std::printf("%-34s %12.1f %14.0f\n", "SM2 sign in the soft device", dev, 1e6 / dev);
        std::printf("%-34s %12.1f %14.0f\n", "SM2 sign, OpenSSL EVP (baseline)", ossl, 1e6 / ossl);
        std::printf("\nSM2 signing share of an issuance: %.0f%% (device sign / issue)\n", 100.0 * dev / issue);
        std::printf("device sign vs OpenSSL baseline: %.2fx\n", dev / ossl);
        std::printf("issuance vs OpenSSL baseline signature: %.1fx\n", issue / ossl);
        if (const double b = get("BM_IssueBatch/100"); b > 0) {
            std::printf("SM2 signing share in batches of 100: %.0f%%\n", 100.0 * dev / b);
            std::printf("batch of 100 vs one by one: %.1fx the throughput\n", issue / b);
        }
    }

private:
    // The Arg of a BM_IssueBatch/<n> run (1 for the others).
    static std::size_t batch_size(const std::string& name) {
        const auto slash = name.find('/');
        if (name.rfind("BM_IssueBatch/", 0) != 0 || slash == std::string::npos) return 1;
        return static_cast<std::size_t>(std::stoul(name.substr(slash + 1)));
    }
    std::map<std::string, std::pair<double, bool>> m_us;
};

}  // namespace

int main(int argc, char** argv) {
    std::vector<char*> args{argv[0]};
    std::string d1 = "--benchmark_repetitions=3", d2 = "--benchmark_min_time=0.5",
                d3 = "--benchmark_report_aggregates_only=true";
    for (std::string* d : {&d1, &d2, &d3}) args.push_back(d->data());
    for (int i = 1; i < argc; ++i) args.push_back(argv[i]);
    int n = static_cast<int>(args.size());
    args.push_back(nullptr);
    benchmark::Initialize(&n, args.data());
    if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
    world();  // set up outside the timed runs
    TableReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    reporter.print_table();
    benchmark::Shutdown();
    return 0;
}
