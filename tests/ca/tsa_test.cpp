// The RFC 3161 time-stamp authority: a delegated time-stamping certificate from the demo issuing
// CA, tokens signed by its key in the device, checked by Yinxin (cms::check_time_stamp) and by
// BouncyCastle's TSP implementation (bc/TspCheck.java); refusals with the right failInfo; and, the
// other way round, tokens of an independent TSA (`openssl ts -reply`, ECDSA P-256 with SHA-256)
// checked by Yinxin.
#include "yinxin/ca/tsa.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ca/ca_test_util.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/cms/timestamp.h"
#include "yinxin/x509/path.h"

namespace yinxin::ca::test {
namespace {

using yinxin::test::openssl;
using yinxin::test::openssl_available;

const asn1::Oid k_policy{"1.2.156.112570.150.2"};

class TsaTest : public CaFixture {
protected:
    void SetUp() override {
        CaFixture::SetUp();
        run_demo();
        auto ctx = context();
        auto signer = delegate_time_stamping(ctx, demo_config().publication, "demo-sub", 365);
        ASSERT_TRUE(signer.ok()) << signer.error().to_string();
        m_signer = *signer;
        auto tsa =
            TimeStampAuthority::open(m_signer, {ca_cert("demo-sub")}, k_policy,
                                     device_key_resolver(*m_device, "soft", std::string(k_key_pin)), m_clock, m_rng);
        ASSERT_TRUE(tsa.ok()) << tsa.error().to_string();
        m_tsa.emplace(std::move(tsa).value());
    }

    Bytes request(BytesView data, crypto::DigestAlgorithm alg = crypto::DigestAlgorithm::sm3,
                  Bytes nonce = {0x1f, 0x2e}, bool cert_req = true) {
        cms::TimeStampRequest req;
        req.imprint = cms::MessageImprint::of(alg, data).value();
        req.nonce = std::move(nonce);
        req.cert_req = cert_req;
        return req.encode().value();
    }

    TsaSigner m_signer;
    std::optional<TimeStampAuthority> m_tsa;
};

TEST_F(TsaTest, DelegatedCertificateIsATsaCertificate) {
    const auto cert = x509::Certificate::parse(m_signer.certificate_der).value();
    const auto* eku = cert.extensions().find(asn1::oids::ce_ext_key_usage);
    ASSERT_NE(eku, nullptr);
    EXPECT_TRUE(eku->critical);
    ASSERT_TRUE(cert.extensions().ext_key_usage());
    EXPECT_EQ(cert.extensions().ext_key_usage()->purposes, std::vector<asn1::Oid>{asn1::oids::kp_time_stamping});
    EXPECT_NE(cert.subject().to_string().find("TSA"), std::string::npos);
    const auto path = x509::validate_path(cert, {ca_cert("demo-sub")}, {ca_cert("demo-root")}, t0());
    EXPECT_TRUE(path.ok()) << path.status().error().to_string();
    bool audited = false;
    for (const auto& e : m_events) audited = audited || e.action == "ca.tsa.delegate";
    EXPECT_TRUE(audited);
}

TEST_F(TsaTest, TokenChecksOutInYinxinAndBouncyCastle) {
    const Bytes data = to_bytes("signature value to be time-stamped");
    for (auto alg : {crypto::DigestAlgorithm::sm3, crypto::DigestAlgorithm::sha256}) {
        SCOPED_TRACE(std::string(crypto::to_string(alg)));
        const auto out = m_tsa->respond(request(data, alg));
        ASSERT_EQ(out.status, cms::PkiStatus::granted) << out.detail;
        const auto resp = cms::TimeStampResponse::parse(out.response).value();
        ASSERT_TRUE(resp.granted());
        const auto token = cms::TimeStampToken::parse(resp.token);
        ASSERT_TRUE(token.ok()) << token.error().to_string();
        EXPECT_EQ(token->info().policy, k_policy);
        EXPECT_EQ(token->info().gen_time, t0());
        EXPECT_EQ(token->info().accuracy, std::chrono::microseconds(1'000'000));
        EXPECT_EQ(token->info().serial.size(), 16u);
        // certReq: the TSA certificate and its CA travel with the token.
        EXPECT_EQ(token->signed_data().certificates().size(), 2u);

        cms::TimeStampCheckOptions co;
        co.nonce = {0x1f, 0x2e};
        auto checked = cms::check_time_stamp(*token, data, co);
        ASSERT_TRUE(checked.ok()) << checked.error().to_string();
        EXPECT_EQ(checked->gen_time, t0());
        EXPECT_EQ(Bytes(checked->tsa_certificate.der().begin(), checked->tsa_certificate.der().end()),
                  m_signer.certificate_der);

        // Other data, another nonce: refused with time_stamp_mismatch.
        EXPECT_EQ(cms::check_time_stamp(*token, to_bytes("other"), co).code(), Errc::cms_time_stamp_mismatch);
        co.nonce = {0x01};
        EXPECT_EQ(cms::check_time_stamp(*token, data, co).code(), Errc::cms_time_stamp_mismatch);

        // BouncyCastle: signature (SM3withSM2, default ID), ESS certificate ID, EKU, imprint.
        const auto dir = m_dir.path();
        yinxin::test::write_file(dir / "resp.tsr", out.response);
        yinxin::test::write_file(dir / "data.bin", data);
        yinxin::test::write_file(dir / "tsa.der", m_signer.certificate_der);
        const std::vector<std::string> java{std::string(yinxin::test::k_java),
                                            "-cp",
                                            yinxin::test::bouncycastle_classpath(YX_CA_BC_CLASS_DIR),
                                            "TspCheck",
                                            (dir / "resp.tsr").string(),
                                            (dir / "data.bin").string(),
                                            (dir / "tsa.der").string()};
        auto bc = yinxin::test::run_process(java);
        ASSERT_EQ(bc.exit_code, 0) << yinxin::test::describe(java, bc);
        EXPECT_EQ(bc.output.rfind("OK genTime=" + std::to_string(to_unix(t0())), 0), 0u) << bc.output;
        EXPECT_NE(bc.output.find("policy=" + k_policy.to_string()), std::string::npos) << bc.output;
    }
}

TEST_F(TsaTest, TokenWithoutCertificatesNeedsTheTsaCertificate) {
    const Bytes data = to_bytes("x");
    const auto out = m_tsa->respond(request(data, crypto::DigestAlgorithm::sm3, {}, false));
    ASSERT_EQ(out.status, cms::PkiStatus::granted) << out.detail;
    const auto token = cms::TimeStampToken::parse(cms::TimeStampResponse::parse(out.response)->token).value();
    EXPECT_TRUE(token.signed_data().certificates().empty());
    EXPECT_EQ(cms::check_time_stamp(token, data).code(), Errc::cms_signer_not_found);
    cms::TimeStampCheckOptions co;
    co.extra_certificates.push_back(x509::Certificate::parse(m_signer.certificate_der).value());
    EXPECT_TRUE(cms::check_time_stamp(token, data, co).ok());
}

TEST_F(TsaTest, RefusalsCarryTheirFailureInfo) {
    auto failure = [&](BytesView req) {
        const auto out = m_tsa->respond(req);
        EXPECT_EQ(out.status, cms::PkiStatus::rejection);
        const auto resp = cms::TimeStampResponse::parse(out.response);
        EXPECT_TRUE(resp.ok()) << resp.error().to_string();
        EXPECT_TRUE(resp->token.empty());
        return resp->failure_bits;
    };
    const auto bit = [](cms::PkiFailure f) { return std::uint32_t{1} << static_cast<unsigned>(f); };
    EXPECT_EQ(failure(to_bytes("not DER")), bit(cms::PkiFailure::bad_data_format));
    EXPECT_EQ(failure(request(to_bytes("x"), crypto::DigestAlgorithm::sha1)), bit(cms::PkiFailure::bad_alg));
    cms::TimeStampRequest other;
    other.imprint = cms::MessageImprint::of(crypto::DigestAlgorithm::sm3, to_bytes("x")).value();
    other.policy = asn1::Oid("1.2.3.4");
    EXPECT_EQ(failure(other.encode().value()), bit(cms::PkiFailure::unaccepted_policy));
    // A hashedMessage of the wrong length for its algorithm.
    cms::TimeStampRequest short_hash;
    short_hash.imprint.algorithm = crypto::DigestAlgorithm::sha256;
    short_hash.imprint.hashed_message = Bytes(20, 0xab);
    EXPECT_EQ(failure(short_hash.encode().value()), bit(cms::PkiFailure::bad_alg));
}

// Tokens of an independent TSA: OpenSSL's `ts -reply` with an ECDSA P-256 key and SHA-256.
TEST_F(TsaTest, TokensOfOpenSslTsaAreChecked) {
    ASSERT_TRUE(openssl_available());
    const auto dir = m_dir.path();
    const std::string key = (dir / "ossl-tsa.key").string();
    const std::string crt = (dir / "ossl-tsa.crt").string();
    auto r = openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
                      "-out", crt, "-subj", "/CN=OpenSSL Test TSA", "-days", "3650", "-addext",
                      "extendedKeyUsage=critical,timeStamping", "-addext", "keyUsage=critical,digitalSignature"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    yinxin::test::write_file(dir / "tsaserial", to_bytes("01\n"));
    const std::string cnf = "[ tsa ]\ndefault_tsa = tsa1\n[ tsa1 ]\nserial = " + (dir / "tsaserial").string() +
                            "\ncrypto_device = builtin\nsigner_digest = sha256\ndefault_policy = 1.2.3.4.1\n"
                            "digests = sha256, sha384, sha512\naccuracy = secs:1\ness_cert_id_alg = sha256\n"
                            "ordering = no\ntsa_name = no\ness_cert_id_chain = no\n";
    yinxin::test::write_file(dir / "ts.cnf", to_bytes(cnf));

    const Bytes data = to_bytes("an SES_Signature value");
    const Bytes nonce{0x42, 0x17, 0x99};
    yinxin::test::write_file(dir / "q.tsq", request(data, crypto::DigestAlgorithm::sha256, nonce));
    r = openssl({"ts", "-reply", "-config", (dir / "ts.cnf").string(), "-queryfile", (dir / "q.tsq").string(), "-inkey",
                 key, "-signer", crt, "-out", (dir / "r.tsr").string()});
    ASSERT_EQ(r.exit_code, 0) << r.output;

    const Bytes der = yinxin::test::read_file(dir / "r.tsr");
    const auto resp = cms::TimeStampResponse::parse(der);
    ASSERT_TRUE(resp.ok()) << resp.error().to_string();
    ASSERT_TRUE(resp->granted()) << resp->status_text;
    const auto token = cms::TimeStampToken::parse(resp->token);
    ASSERT_TRUE(token.ok()) << token.error().to_string();
    EXPECT_EQ(token->info().policy, asn1::Oid("1.2.3.4.1"));
    cms::TimeStampCheckOptions co;
    co.nonce = nonce;
    auto checked = cms::check_time_stamp(*token, data, co);
    ASSERT_TRUE(checked.ok()) << checked.error().to_string();
    EXPECT_EQ(checked->tsa_certificate.subject().to_string(), "CN=OpenSSL Test TSA");
    EXPECT_EQ(cms::check_time_stamp(*token, to_bytes("changed"), co).code(), Errc::cms_time_stamp_mismatch);

    // And OpenSSL reads the request it answered and the tokens Yinxin's TSA makes.
    const auto ours = m_tsa->respond(yinxin::test::read_file(dir / "q.tsq"));
    ASSERT_EQ(ours.status, cms::PkiStatus::granted) << ours.detail;
    yinxin::test::write_file(dir / "ours.tsr", ours.response);
    r = openssl({"ts", "-reply", "-in", (dir / "ours.tsr").string(), "-text"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("Status: Granted"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("Policy OID: 1.2.156.112570.150.2"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("Nonce: 0x421799"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace yinxin::ca::test
