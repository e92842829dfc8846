// Issue 3 "Checked by": issue every end-entity profile of profiles/ from fresh SM2 requests, then
// check each certificate with three implementations: Yinxin's path validation, the openssl CLI
// (the signature over the TBS with the GM ID, extracted with `openssl asn1parse`, not trusted from
// our parser), and BouncyCastle (bc/ChainCheck.java: explicit SM3withSM2 checks and BC's PKIX
// validator over the whole chain).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <sstream>

#include "ca_test_util.h"
#include "yinxin/x509/path.h"

namespace yinxin::ca::test {
namespace {

using yinxin::test::bouncycastle_available;
using yinxin::test::bouncycastle_classpath;
using yinxin::test::describe;
using yinxin::test::openssl;
using yinxin::test::openssl_available;
using yinxin::test::read_file;
using yinxin::test::read_text;
using yinxin::test::run_process;
using yinxin::test::write_file;

// Seal and seal-system certificates come from the seal root (LD/T 01.1 §7.3.2), the rest from
// the issuing sub CA.
bool from_seal_root(const std::string& profile_id) { return profile_id.rfind("seal", 0) == 0; }

struct Issued {
    std::string profile_id;
    x509::Certificate cert;
    std::vector<x509::Certificate> intermediates;
    x509::Certificate root;
    x509::Certificate issuer;
};

// Offsets of the depth-1 elements of a DER certificate as `openssl asn1parse` reports them:
// tbsCertificate, signatureAlgorithm, signatureValue.
std::vector<std::string> top_level_offsets(const std::string& asn1parse_output) {
    std::vector<std::string> out;
    std::istringstream in(asn1parse_output);
    std::string line;
    while (std::getline(in, line)) {
        const auto colon = line.find(':');
        if (colon == std::string::npos || line.find("d=1 ") == std::string::npos) continue;
        std::string off = line.substr(0, colon);
        off.erase(0, off.find_first_not_of(' '));
        out.push_back(off);
    }
    return out;
}

bool issues_sm2(const profile::Profile& p) {
    const auto& algs = p.key_algorithms();
    return std::find(algs.begin(), algs.end(), "sm2") != algs.end();
}

class CrossCheckTest : public CaFixture {
protected:
    std::vector<Issued> issue_every_profile() {
        run_demo();
        auto iss = issuer();
        const auto root = ca_cert("demo-root");
        const auto sub = ca_cert("demo-sub");
        const auto seal_root = ca_cert("demo-seal-root");
        std::vector<Issued> out;
        for (const auto& id : profiles().ids()) {
            const auto& p = *profiles().find(id).value();
            if (p.is_ca() || !issues_sm2(p)) continue;  // the TLS CA's P-256 profile: tls_ca_test.cpp
            IssueRequest req;
            req.ca_id = from_seal_root(id) ? "demo-seal-root" : "demo-sub";
            req.profile_id = id;
            req.csr = make_csr({{"C", "CN"}, {"CN", "applicant " + id}});
            req.data = request_data(p);
            req.request_id = "xcheck-" + id;
            auto r = iss.issue(req);
            EXPECT_TRUE(r.ok()) << id << ": " << (r.ok() ? "" : r.error().to_string());
            if (!r.ok()) continue;
            auto cert = x509::Certificate::parse(r->certificate_der).value();
            if (from_seal_root(id))
                out.push_back({id, cert, {}, seal_root, seal_root});
            else
                out.push_back({id, cert, {sub}, root, sub});
        }
        return out;
    }
};

TEST_F(CrossCheckTest, EveryProfileValidatesWithYinxinOpensslAndBouncyCastle) {
    ASSERT_TRUE(openssl_available());
    ASSERT_TRUE(bouncycastle_available());
    const auto issued = issue_every_profile();
    // Every SM2 end-entity profile of profiles/ (13 today), nothing skipped.
    std::size_t end_entity = 0;
    for (const auto& id : profiles().ids())
        end_entity += !profiles().find(id).value()->is_ca() && issues_sm2(*profiles().find(id).value());
    ASSERT_EQ(issued.size(), end_entity);
    ASSERT_GE(issued.size(), 13u);
    const TimePoint at = t0() + std::chrono::hours(1);

    // 1. Yinxin's RFC 5280 path validation with the GM ID on every certificate.
    for (const auto& i : issued) {
        auto path = x509::validate_path(i.cert, i.intermediates, {i.root}, at);
        EXPECT_TRUE(path.ok()) << i.profile_id << ": " << path.status().error().to_string();
    }

    // 2. The openssl CLI: TBS and signature cut out by `openssl asn1parse`, verified with
    //    `openssl pkeyutl -digest sm3 -pkeyopt distid:1234567812345678` under the issuer's key
    //    exported by `openssl x509 -pubkey`. The same check with another ID must fail, so the ID
    //    really is part of the check.
    const auto& dir = m_dir.path();
    std::map<std::string, x509::Certificate> cas{
        {"sub", ca_cert("demo-sub")}, {"root", ca_cert("demo-root")}, {"seal-root", ca_cert("demo-seal-root")}};
    std::vector<std::pair<std::string, std::string>> checks;  // certificate file, issuer name
    for (const auto& [name, cert] : cas) write_file(dir / (name + ".der"), cert.der());
    for (const auto& i : issued) {
        write_file(dir / (i.profile_id + ".der"), i.cert.der());
        checks.emplace_back(i.profile_id, from_seal_root(i.profile_id) ? "seal-root" : "sub");
    }
    checks.emplace_back("sub", "root");
    checks.emplace_back("root", "root");
    checks.emplace_back("seal-root", "seal-root");
    for (const auto& name : {"root", "sub", "seal-root"}) {
        const std::vector<std::string> argv{"x509",
                                            "-inform",
                                            "DER",
                                            "-in",
                                            (dir / (std::string(name) + ".der")).string(),
                                            "-noout",
                                            "-pubkey",
                                            "-out",
                                            (dir / (std::string(name) + ".pub.pem")).string()};
        auto r = openssl(argv);
        ASSERT_EQ(r.exit_code, 0) << describe(argv, r);
    }
    for (const auto& [cert_name, issuer_name] : checks) {
        SCOPED_TRACE(cert_name);
        const std::string der = (dir / (cert_name + ".der")).string();
        auto parsed = openssl({"asn1parse", "-inform", "DER", "-in", der});
        ASSERT_EQ(parsed.exit_code, 0) << parsed.output;
        const auto offs = top_level_offsets(parsed.output);
        ASSERT_EQ(offs.size(), 3u) << parsed.output;
        const std::string tbs = (dir / (cert_name + ".tbs")).string();
        const std::string sig = (dir / (cert_name + ".sig")).string();
        auto t = openssl({"asn1parse", "-inform", "DER", "-in", der, "-strparse", offs[0], "-noout", "-out", tbs});
        ASSERT_EQ(t.exit_code, 0) << t.output;
        // -strparse on the BIT STRING drops the unused-bits octet: the SM2 SEQUENCE{r, s}.
        auto s = openssl({"asn1parse", "-inform", "DER", "-in", der, "-strparse", offs[2], "-noout", "-out", sig});
        ASSERT_EQ(s.exit_code, 0) << s.output;
        // openssl's cut is the TBS we persisted and signed.
        const std::string wanted = cert_name;  // a structured binding cannot be captured in C++20
        const x509::Certificate& c =
            cas.count(wanted) ? cas.at(wanted) : std::find_if(issued.begin(), issued.end(), [&](const Issued& i) {
                                                     return i.profile_id == wanted;
                                                 })->cert;
        EXPECT_EQ(read_file(tbs), Bytes(c.tbs_raw().begin(), c.tbs_raw().end()));
        const std::string pub = (dir / (issuer_name + ".pub.pem")).string();
        for (const auto& [distid, expected] :
             {std::pair<std::string, std::string>{"distid:1234567812345678", "Signature Verified Successfully"},
              std::pair<std::string, std::string>{"distid:1234567812345679", "Signature Verification Failure"}}) {
            const std::vector<std::string> argv{"pkeyutl", "-verify",  "-pubin", "-inkey", pub, "-rawin",   "-digest",
                                                "sm3",     "-pkeyopt", distid,   "-in",    tbs, "-sigfile", sig};
            auto v = openssl(argv);
            EXPECT_EQ(v.output.substr(0, v.output.find('\n')), expected) << describe(argv, v);
            EXPECT_EQ(v.exit_code, expected == "Signature Verified Successfully" ? 0 : 1) << describe(argv, v);
        }
    }

    // 3. BouncyCastle: every chain, leaf to root, in one JVM.
    std::string chains;
    for (const auto& i : issued) {
        chains += i.profile_id + " " + (dir / (i.profile_id + ".der")).string();
        if (!from_seal_root(i.profile_id))
            chains += " " + (dir / "sub.der").string() + " " + (dir / "root.der").string();
        else
            chains += " " + (dir / "seal-root.der").string();
        chains += "\n";
    }
    chains += "sub-ca " + (dir / "sub.der").string() + " " + (dir / "root.der").string() + "\n";
    write_file(dir / "chains.txt", chains);
    const std::vector<std::string> argv{std::string(yinxin::test::k_java),
                                        "-cp",
                                        bouncycastle_classpath(YX_CA_BC_CLASS_DIR),
                                        "ChainCheck",
                                        (dir / "chains.txt").string(),
                                        (dir / "bc.out").string(),
                                        std::to_string(to_unix(at))};
    auto r = run_process(argv);
    ASSERT_EQ(r.exit_code, 0) << describe(argv, r);
    const std::string out = read_text(dir / "bc.out");
    std::size_t ok_lines = 0;
    std::istringstream lines(out);
    std::string line;
    while (std::getline(lines, line)) {
        EXPECT_NE(line.find(" OK"), std::string::npos) << "BouncyCastle: " << line;
        ok_lines += line.find(" OK") != std::string::npos;
    }
    EXPECT_EQ(ok_lines, 2 * (issued.size() + 1)) << out;

    // A tampered certificate is refused by BouncyCastle (the checker is not a rubber stamp).
    Bytes bad(issued[0].cert.der().begin(), issued[0].cert.der().end());
    bad[bad.size() - 5] ^= 0x01;  // inside s
    write_file(dir / "bad.der", bad);
    write_file(dir / "chains-bad.txt",
               "bad " + (dir / "bad.der").string() + " " +
                   (dir / (from_seal_root(issued[0].profile_id) ? "seal-root.der" : "sub.der")).string() +
                   (from_seal_root(issued[0].profile_id) ? "" : " " + (dir / "root.der").string()) + "\n");
    const std::vector<std::string> argv_bad{std::string(yinxin::test::k_java),
                                            "-cp",
                                            bouncycastle_classpath(YX_CA_BC_CLASS_DIR),
                                            "ChainCheck",
                                            (dir / "chains-bad.txt").string(),
                                            (dir / "bc-bad.out").string(),
                                            std::to_string(to_unix(at))};
    auto rb = run_process(argv_bad);
    ASSERT_EQ(rb.exit_code, 0) << describe(argv_bad, rb);
    const std::string bad_out = read_text(dir / "bc-bad.out");
    EXPECT_NE(bad_out.find("bad explicit FAIL"), std::string::npos) << bad_out;
    EXPECT_NE(bad_out.find("bad pkix FAIL"), std::string::npos) << bad_out;
}

}  // namespace
}  // namespace yinxin::ca::test
