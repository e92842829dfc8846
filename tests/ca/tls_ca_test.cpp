// The TLS certificate authority: an ECDSA P-256 root made by the same ceremony as the SM2 CAs,
// issuing tls-server certificates (serverAuth, host names and IP addresses in subjectAltName)
// through the same pipeline. The chain is checked by `openssl verify` with the host and IP, the way
// curl and browsers check it; and the two worlds stay apart: an SM2 CA never issues a P-256 profile
// and the TLS CA never issues a GM one.
#include <gtest/gtest.h>

#include "ca_test_util.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/ca/hierarchy.h"
#include "yinxin/ca/issuer.h"
#include "yinxin/crypto/foreign.h"
#include "yinxin/x509/csr.h"

namespace yinxin::ca::test {
namespace {

using yinxin::test::openssl;
using yinxin::test::openssl_available;
using yinxin::test::write_file;

constexpr std::string_view k_tls_ceremony = R"json({
  "publication": {"base_url": "http://127.0.0.1:8080", "cps_oid": "2.999.156.1", "cps_uri": "http://127.0.0.1:8080/cps"},
  "cas": [
    {"id": "tls-root", "name": "Test TLS Root", "kind": "root", "profile": "tls-root-ca", "key_algorithm": "ecdsa-p256",
     "subject": [["C", "CN"], ["O", "Yinxin Test"], ["CN", "Yinxin Test TLS Root CA"]]}
  ]
})json";

class TlsCaTest : public CaFixture {
protected:
    void SetUp() override {
        CaFixture::SetUp();
        run_demo();
        auto config = CeremonyConfig::parse(k_tls_ceremony, "tls");
        ASSERT_TRUE(config.ok()) << config.error().to_string();
        auto ctx = context();
        auto r = run_ceremony(*config, ctx);
        ASSERT_TRUE(r.ok()) << r.error().to_string();
    }

    // A P-256 PKCS#10 signed with ecdsa-with-SHA256, as `openssl req` makes it.
    static Bytes p256_csr(const crypto::EcdsaP256PrivateKey& key, const std::string& cn) {
        x509::CsrBuilder b;
        b.subject(x509::Name::build({{"CN", cn}}).value())
            .public_key(x509::SubjectPublicKeyInfo::parse(key.spki_der()).value())
            .signature_algorithm(x509::AlgorithmIdentifier::ecdsa_with_sha256());
        const Bytes info = b.build_info().value();
        const Bytes sig = key.sign_sha256(info).value();
        return x509::assemble_csr(info, b.algorithm(), sig).value();
    }

    IssueRequest tls_request(const std::string& ca, const Bytes& csr, std::vector<std::string> hosts) {
        IssueRequest r;
        r.ca_id = ca;
        r.profile_id = "tls-server";
        r.csr = csr;
        r.data.subject = {{"CN", "localhost"}};
        r.data.san_hosts = std::move(hosts);
        r.request_id = "tls-" + std::to_string(++m_requests);
        return r;
    }

    int m_requests = 0;
};

TEST_F(TlsCaTest, P256RootIssuesServerCertificatesThatOpensslAccepts) {
    const x509::Certificate root = ca_cert("tls-root");
    EXPECT_EQ(root.signature_algorithm().oid, asn1::oids::ecdsa_with_sha256);
    EXPECT_TRUE(root.public_key_info().is_p256());

    auto key = crypto::EcdsaP256PrivateKey::generate().value();
    auto iss = issuer();
    auto issued = iss.issue(tls_request("tls-root", p256_csr(key, "localhost"), {"localhost", "127.0.0.1", "::1"}));
    ASSERT_TRUE(issued.ok()) << issued.error().to_string();
    auto leaf = x509::Certificate::parse(issued->certificate_der).value();
    EXPECT_EQ(leaf.signature_algorithm().oid, asn1::oids::ecdsa_with_sha256);
    EXPECT_TRUE(leaf.verify_signature_with(root.public_key_info()).ok());
    const auto& san = leaf.extensions().subject_alt_name();
    ASSERT_TRUE(san.has_value());
    ASSERT_EQ(san->names.size(), 3u);
    EXPECT_EQ(san->names[0].type, x509::GeneralNameType::dns_name);
    EXPECT_EQ(san->names[1].type, x509::GeneralNameType::ip_address);
    EXPECT_EQ(san->names[1].ip, (Bytes{127, 0, 0, 1}));
    EXPECT_EQ(san->names[2].ip.size(), 16u);
    // Persisted like every other certificate.
    EXPECT_EQ(all_certificates("tls-root").size(), 1u);

    // The independent check: OpenSSL's verifier with the host and address a client connects to.
    ASSERT_TRUE(openssl_available());
    write_file(m_dir / "root.pem", pem_encode("CERTIFICATE", root.der()));
    write_file(m_dir / "leaf.pem", pem_encode("CERTIFICATE", leaf.der()));
    const std::string at = std::to_string(to_unix(t0() + std::chrono::hours(1)));
    for (const std::vector<std::string>& name :
         {std::vector<std::string>{"-verify_hostname", "localhost"}, {"-verify_ip", "127.0.0.1"}}) {
        std::vector<std::string> args{"verify",    "-attime",      at,        "-purpose",
                                      "sslserver", "-x509_strict", "-CAfile", (m_dir / "root.pem").string()};
        args.insert(args.end(), name.begin(), name.end());
        args.push_back((m_dir / "leaf.pem").string());
        auto r = openssl(args);
        EXPECT_EQ(r.exit_code, 0) << r.output;
        EXPECT_NE(r.output.find(": OK"), std::string::npos) << r.output;
    }
    auto wrong = openssl({"verify", "-attime", at, "-CAfile", (m_dir / "root.pem").string(), "-verify_hostname",
                          "yinxin.example", (m_dir / "leaf.pem").string()});
    EXPECT_NE(wrong.exit_code, 0) << wrong.output;
}

TEST_F(TlsCaTest, TheTwoWorldsStayApart) {
    auto key = crypto::EcdsaP256PrivateKey::generate().value();
    const Bytes csr = p256_csr(key, "localhost");
    auto iss = issuer();
    // The SM2 operating CA does not issue the P-256 server profile ...
    auto r = iss.issue(tls_request("demo-sub", csr, {"localhost"}));
    EXPECT_EQ(r.code(), Errc::profile_request_rejected) << (r.ok() ? "" : r.error().to_string());
    // ... and the TLS CA issues no GM profile, even for an SM2 key.
    IssueRequest gm;
    gm.ca_id = "tls-root";
    gm.profile_id = "personnel-sign";
    gm.csr = make_csr({{"C", "CN"}, {"O", "Applicant Org"}, {"CN", "applicant"}});
    gm.data = request_data(*profiles().find("personnel-sign").value());
    gm.request_id = "gm-under-tls";
    EXPECT_EQ(iss.issue(gm).code(), Errc::profile_request_rejected);
    // An SM2 key for the tls-server profile is refused by the key policy.
    IssueRequest sm2_key = tls_request("tls-root", make_csr({{"CN", "localhost"}}), {"localhost"});
    EXPECT_EQ(iss.issue(sm2_key).code(), Errc::ca_bad_csr);
    // A server certificate names its hosts, and only well-formed ones.
    EXPECT_EQ(iss.issue(tls_request("tls-root", csr, {})).code(), Errc::profile_request_rejected);
    EXPECT_EQ(iss.issue(tls_request("tls-root", csr, {"bad_host!"})).code(), Errc::profile_request_rejected);
    EXPECT_EQ(iss.issue(tls_request("tls-root", csr, {"-lead.example"})).code(), Errc::profile_request_rejected);
    // Host names belong to the TLS profile only.
    IssueRequest gm_hosts = gm;
    gm_hosts.ca_id = "demo-sub";
    gm_hosts.request_id = "gm-with-hosts";
    gm_hosts.data.san_hosts = {"localhost"};
    EXPECT_EQ(iss.issue(gm_hosts).code(), Errc::profile_request_rejected);
    // Nothing of the refusals was persisted.
    EXPECT_TRUE(all_certificates("tls-root").empty());
}

}  // namespace
}  // namespace yinxin::ca::test
