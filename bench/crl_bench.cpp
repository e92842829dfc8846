// CRL generation time and peak memory (issue 6): a CRL of N revoked entries (reason codes on a
// third, invalidity dates on a fifth) encoded by x509::CrlBuilder, signed with SM2 and the signer
// ID and assembled — beside the same CRL made with OpenSSL 3's own X509_CRL API (X509_REVOKED per
// entry, X509_CRL_sort, X509_CRL_sign with the same SM2 key), the baseline measured in the same
// run. Parsing the result back (x509::Crl::parse vs d2i_X509_CRL) is reported too.
//
//   crl_bench [N ...]            default: 100000 1000000
//
// Every measurement runs in its own child process, so "peak memory" is that child's maximum
// resident set (getrusage RUSAGE_CHILDREN after wait) and one scenario's garbage does not inflate
// the next. Wall time includes everything the CA does after it has the revocation list in memory.
// Targets (issue 6): 1,000,000 entries in ≤ 3 s and ≤ 500 MB. Run on a release build
// (scripts/bench.sh); results in docs/performance.md.
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "yinxin/crypto/sm2.h"
#include "yinxin/x509/crl.h"

namespace {

using namespace yinxin;

const TimePoint k_now = from_unix(1'790'000'000);

Bytes serial_of(std::uint32_t i) {
    // 16-octet serials like the CA's (random_serial), distinct per entry.
    Bytes s(16, 0x5A);
    s[0] = 0x3C;
    s[12] = static_cast<std::uint8_t>(i >> 24);
    s[13] = static_cast<std::uint8_t>(i >> 16);
    s[14] = static_cast<std::uint8_t>(i >> 8);
    s[15] = static_cast<std::uint8_t>(i);
    return s;
}

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "crl_bench: %s\n", what.c_str());
    std::_Exit(2);
}

// Yinxin: builder → TBS → SM2 signature → CertificateList. Returns the DER size.
std::size_t yinxin_generate(std::uint32_t n, const crypto::Sm2PrivateKey& key, Bytes* out) {
    x509::CrlBuilder b;
    b.issuer(x509::Name::build({{"C", "CN"}, {"O", "Yinxin Bench"}, {"CN", "Bench CA"}}).value())
        .this_update(k_now)
        .next_update(k_now + std::chrono::hours(24))
        .authority_key_identifier(Bytes(20, 0xAB))
        .crl_number(1);
    for (std::uint32_t i = 0; i < n; ++i) {
        x509::RevokedEntry e{.serial = serial_of(i),
                             .revoked_at = k_now - std::chrono::seconds(i),
                             .reason = i % 3 == 0 ? x509::CrlReason::key_compromise : x509::CrlReason::unspecified,
                             .invalidity_date = std::nullopt};
        if (i % 5 == 0) e.invalidity_date = k_now - std::chrono::hours(48);
        if (!b.add(e).ok()) die("CrlBuilder::add");
    }
    auto tbs = b.build_tbs();
    if (!tbs) die("build_tbs: " + tbs.error().to_string());
    auto sig = crypto::sm2_sign(key, *tbs);
    if (!sig) die("sm2_sign");
    auto der = x509::assemble_crl(*tbs, b.algorithm(), *sig);
    if (!der) die("assemble_crl: " + der.error().to_string());
    const std::size_t size = der->size();
    if (out != nullptr) *out = std::move(der).value();
    return size;
}

// OpenSSL 3.0: the same entries through X509_CRL.
std::size_t openssl_generate(std::uint32_t n, EVP_PKEY* pkey, std::vector<unsigned char>* out) {
    X509_CRL* crl = X509_CRL_new();
    X509_CRL_set_version(crl, X509_CRL_VERSION_2);
    X509_NAME* name = X509_NAME_new();
    X509_NAME_add_entry_by_txt(name, "C", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("CN"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("Yinxin Bench"), -1, -1,
                               0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("Bench CA"), -1, -1,
                               0);
    X509_CRL_set_issuer_name(crl, name);
    X509_NAME_free(name);
    const long long now = to_unix(k_now);
    ASN1_TIME* t = ASN1_TIME_set(nullptr, static_cast<time_t>(now));
    X509_CRL_set1_lastUpdate(crl, t);
    ASN1_TIME_set(t, static_cast<time_t>(now + 86400));
    X509_CRL_set1_nextUpdate(crl, t);
    ASN1_INTEGER* number = ASN1_INTEGER_new();
    ASN1_INTEGER_set(number, 1);
    X509_CRL_add1_ext_i2d(crl, NID_crl_number, number, 0, 0);
    ASN1_INTEGER_free(number);
    ASN1_OCTET_STRING* kid = ASN1_OCTET_STRING_new();
    const Bytes key_id(20, 0xAB);
    ASN1_OCTET_STRING_set(kid, key_id.data(), static_cast<int>(key_id.size()));
    AUTHORITY_KEYID* akid = AUTHORITY_KEYID_new();
    akid->keyid = kid;
    X509_CRL_add1_ext_i2d(crl, NID_authority_key_identifier, akid, 0, 0);
    AUTHORITY_KEYID_free(akid);
    for (std::uint32_t i = 0; i < n; ++i) {
        X509_REVOKED* r = X509_REVOKED_new();
        const Bytes s = serial_of(i);
        BIGNUM* bn = BN_bin2bn(s.data(), static_cast<int>(s.size()), nullptr);
        ASN1_INTEGER* serial = BN_to_ASN1_INTEGER(bn, nullptr);
        X509_REVOKED_set_serialNumber(r, serial);
        ASN1_INTEGER_free(serial);
        BN_free(bn);
        ASN1_TIME_set(t, static_cast<time_t>(now - i));
        X509_REVOKED_set_revocationDate(r, t);
        if (i % 3 == 0) {
            ASN1_ENUMERATED* reason = ASN1_ENUMERATED_new();
            ASN1_ENUMERATED_set(reason, 1);
            X509_REVOKED_add1_ext_i2d(r, NID_crl_reason, reason, 0, 0);
            ASN1_ENUMERATED_free(reason);
        }
        if (i % 5 == 0) {
            ASN1_GENERALIZEDTIME* inv = ASN1_GENERALIZEDTIME_set(nullptr, static_cast<time_t>(now - 48 * 3600));
            X509_REVOKED_add1_ext_i2d(r, NID_invalidity_date, inv, 0, 0);
            ASN1_GENERALIZEDTIME_free(inv);
        }
        X509_CRL_add0_revoked(crl, r);
    }
    ASN1_TIME_free(t);
    X509_CRL_sort(crl);
    if (X509_CRL_sign(crl, pkey, EVP_sm3()) <= 0) die("X509_CRL_sign");
    unsigned char* der = nullptr;
    const int len = i2d_X509_CRL(crl, &der);
    if (len <= 0) die("i2d_X509_CRL");
    if (out != nullptr) out->assign(der, der + len);
    OPENSSL_free(der);
    X509_CRL_free(crl);
    return static_cast<std::size_t>(len);
}

struct Measured {
    double seconds = 0;
    double peak_mb = 0;
    std::size_t bytes = 0;
};

// Runs `body` (returns a byte count) in a child; wall time and the child's peak RSS.
template <class F>
Measured in_child(F body) {
    int fds[2];
    if (pipe(fds) != 0) die("pipe");
    const auto t0 = std::chrono::steady_clock::now();
    const pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
        ::close(fds[0]);
        const std::size_t bytes = body();
        if (::write(fds[1], &bytes, sizeof bytes) != static_cast<ssize_t>(sizeof bytes)) std::_Exit(3);
        std::_Exit(0);
    }
    ::close(fds[1]);
    std::size_t bytes = 0;
    if (::read(fds[0], &bytes, sizeof bytes) != static_cast<ssize_t>(sizeof bytes)) die("child failed");
    ::close(fds[0]);
    int status = 0;
    struct rusage ru {};
    if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) die("child failed");
    const auto t1 = std::chrono::steady_clock::now();
    return {std::chrono::duration<double>(t1 - t0).count(), static_cast<double>(ru.ru_maxrss) / 1024.0, bytes};
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::uint32_t> sizes;
    // Numbers are sizes; anything else (Google Benchmark flags from scripts/bench.sh) is ignored.
    for (int i = 1; i < argc; ++i)
        if (argv[i][0] >= '0' && argv[i][0] <= '9')
            sizes.push_back(static_cast<std::uint32_t>(std::strtoul(argv[i], nullptr, 10)));
    if (sizes.empty()) sizes = {100'000, 1'000'000};

    auto key = crypto::Sm2PrivateKey::generate();
    if (!key) die("SM2 key");
    EVP_PKEY* pkey = key->native();
    // The process's own footprint before any CRL (a child starts from it).
    struct rusage self {};
    getrusage(RUSAGE_SELF, &self);
    std::printf("crl_bench: parent RSS %.1f MB (children start from this)\n\n",
                static_cast<double>(self.ru_maxrss) / 1024.0);
    std::printf("%-10s %-34s %10s %10s %10s\n", "entries", "measure", "seconds", "peak MB", "CRL MB");
    for (const std::uint32_t n : sizes) {
        const Measured y = in_child([&] { return yinxin_generate(n, *key, nullptr); });
        const Measured o = in_child([&] { return openssl_generate(n, pkey, nullptr); });
        const Measured yp = in_child([&] {
            Bytes der;
            yinxin_generate(n, *key, &der);
            const auto t0 = std::chrono::steady_clock::now();
            auto crl = x509::Crl::parse(der);
            if (!crl || crl->entries().size() != n) die("Crl::parse");
            const auto t1 = std::chrono::steady_clock::now();
            return static_cast<std::size_t>(std::chrono::duration<double, std::micro>(t1 - t0).count());
        });
        const Measured op = in_child([&] {
            std::vector<unsigned char> der;
            openssl_generate(n, pkey, &der);
            const auto t0 = std::chrono::steady_clock::now();
            const unsigned char* p = der.data();
            X509_CRL* crl = d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size()));
            if (crl == nullptr || sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl)) != static_cast<int>(n))
                die("d2i_X509_CRL");
            X509_CRL_free(crl);
            const auto t1 = std::chrono::steady_clock::now();
            return static_cast<std::size_t>(std::chrono::duration<double, std::micro>(t1 - t0).count());
        });
        const double mb = 1024.0 * 1024.0;
        std::printf("%-10u %-34s %10.2f %10.1f %10.1f\n", n, "generate + sign, Yinxin", y.seconds, y.peak_mb,
                    static_cast<double>(y.bytes) / mb);
        std::printf("%-10u %-34s %10.2f %10.1f %10.1f\n", n, "generate + sign, OpenSSL (baseline)", o.seconds,
                    o.peak_mb, static_cast<double>(o.bytes) / mb);
        std::printf("%-10u %-34s %10.2f %10s %10s\n", n, "parse, Yinxin", static_cast<double>(yp.bytes) / 1e6, "", "");
        std::printf("%-10u %-34s %10.2f %10s %10s\n", n, "parse, OpenSSL d2i (baseline)",
                    static_cast<double>(op.bytes) / 1e6, "", "");
        std::printf("%-10u Yinxin vs OpenSSL: time %.2fx, peak memory %.2fx\n\n", n, y.seconds / o.seconds,
                    y.peak_mb / o.peak_mb);
    }
    return 0;
}
