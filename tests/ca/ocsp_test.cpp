// The OCSP responder (ocsp.h): good / revoked (time, reason) / unknown from the store, a revocation
// and a hold visible in the very next answer, the nonce echoed, SHA-1, SHA-256 and SM3 CertIDs, the
// unsigned error statuses, and every signed response verified by Yinxin and by BouncyCastle
// (bc/OcspCheck.java, SM2 with the explicit signer ID); the TLS CA's P-256 answer by OpenSSL too.
#include "yinxin/ca/ocsp.h"

#include <gtest/gtest.h>

#include "ca_test_util.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/ca/status.h"
#include "yinxin/store/sqlite_revocation_store.h"

namespace yinxin::ca::test {
namespace {

namespace oids = asn1::oids;
using x509::CertStatus;
using x509::OcspResponseStatus;

class OcspTest : public CaFixture {
protected:
    void SetUp() override {
        CaFixture::SetUp();
        run_demo();
        auto st = store::SqliteRevocationStore::open(store_path(), {.busy_timeout_ms = 5000, .clock = &m_clock});
        ASSERT_TRUE(st.ok()) << st.error().to_string();
        m_status = std::move(st).value();
    }

    OcspResponder responder(KeyResolver keys = {}) {
        if (!keys) keys = device_key_resolver(*m_device, "soft", std::string(k_key_pin));
        return OcspResponder(stores(), *m_status, std::move(keys), m_clock);
    }

    Bytes issue_one(const std::string& request_id) {
        IssueRequest r;
        r.ca_id = "demo-sub";
        r.profile_id = "personnel-sign";
        r.csr = make_csr({{"C", "CN"}, {"O", "Applicant Org"}, {"CN", "holder " + request_id}});
        r.data = request_data(*profiles().find("personnel-sign").value());
        r.request_id = request_id;
        auto issued = issuer().issue(r);
        EXPECT_TRUE(issued.ok()) << issued.error().to_string();
        return issued.ok() ? issued->serial : Bytes{};
    }

    x509::CertId id_of(const std::string& ca, BytesView serial, const asn1::Oid& hash = oids::sha1) {
        const auto cert = ca_cert(ca);
        return x509::cert_id_for(hash, cert.subject(), cert.public_key_info(), serial).value();
    }

    Bytes request(const std::vector<x509::CertId>& ids, std::optional<Bytes> nonce = std::nullopt) {
        return x509::OcspRequest::build(ids, std::move(nonce)).value();
    }

    // The parsed response, its signature checked with the CA's key and the GM signer ID.
    x509::OcspResponse checked(const OcspOutcome& out, const std::string& ca) {
        EXPECT_EQ(out.status, OcspResponseStatus::successful) << out.detail;
        auto r = x509::OcspResponse::parse(out.response);
        EXPECT_TRUE(r.ok()) << r.error().to_string();
        if (!r.ok()) return {};
        EXPECT_TRUE(r->verify_signature_with(ca_cert(ca).public_key_info()).ok());
        return std::move(r).value();
    }

    std::vector<std::string> bouncycastle(const Bytes& response, const std::string& ca,
                                          std::optional<Bytes> responder_der = std::nullopt) {
        yinxin::test::write_file(m_dir / "resp.der", response);
        yinxin::test::write_file(m_dir / "responder.der", responder_der ? *responder_der : ca_cert(ca).der());
        const std::vector<std::string> argv{std::string(yinxin::test::k_java),
                                            "-cp",
                                            yinxin::test::bouncycastle_classpath(YX_CA_BC_CLASS_DIR),
                                            "OcspCheck",
                                            (m_dir / "resp.der").string(),
                                            (m_dir / "responder.der").string()};
        auto r = yinxin::test::run_process(argv);
        EXPECT_EQ(r.exit_code, 0) << yinxin::test::describe(argv, r);
        std::vector<std::string> lines;
        std::istringstream in(r.output);
        for (std::string line; std::getline(in, line);) lines.push_back(line);
        return lines;
    }

    std::unique_ptr<store::SqliteRevocationStore> m_status;
};

TEST_F(OcspTest, GoodRevokedHeldAndUnknownWithNonce) {
    const Bytes good = issue_one("good");
    const Bytes revoked = issue_one("revoked");
    const Bytes held = issue_one("held");
    StatusService status(stores(), *m_status, device_key_resolver(*m_device, "soft", std::string(k_key_pin)), m_clock,
                         {});
    auto ocsp = responder();

    // Before any revocation every issued certificate is good.
    auto before = checked(ocsp.respond(request({id_of("demo-sub", revoked)})), "demo-sub");
    ASSERT_EQ(before.responses.size(), 1u);
    EXPECT_EQ(before.responses[0].status, CertStatus::good);

    ASSERT_TRUE(status
                    .revoke({.ca_id = "demo-sub",
                             .serial = revoked,
                             .reason = x509::CrlReason::key_compromise,
                             .invalidity_date = std::nullopt,
                             .actor = "op"})
                    .ok());
    ASSERT_TRUE(status
                    .revoke({.ca_id = "demo-sub",
                             .serial = held,
                             .reason = x509::CrlReason::certificate_hold,
                             .invalidity_date = std::nullopt,
                             .actor = "op"})
                    .ok());

    const Bytes nonce{0x04, 0x10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    const Bytes never{0x7a, 0x7a, 0x7a};
    const auto out = ocsp.respond(request({id_of("demo-sub", good), id_of("demo-sub", revoked), id_of("demo-sub", held),
                                           id_of("demo-sub", never)},
                                          nonce),
                                  "demo-sub");
    EXPECT_EQ(out.ca_id, "demo-sub");
    EXPECT_EQ(out.good, 1u);
    EXPECT_EQ(out.revoked, 2u);
    EXPECT_EQ(out.unknown, 1u);
    const auto r = checked(out, "demo-sub");
    EXPECT_EQ(r.nonce, std::optional<Bytes>(nonce));
    const Bytes expected_key_hash =
        x509::ocsp_hash(oids::sha1, ca_cert("demo-sub").public_key_info().key_bytes()).value();
    EXPECT_EQ(r.responder_key_hash, std::optional<Bytes>(expected_key_hash));
    ASSERT_EQ(r.responses.size(), 4u);
    EXPECT_EQ(r.responses[0].status, CertStatus::good);
    EXPECT_EQ(r.responses[1].status, CertStatus::revoked);
    EXPECT_EQ(r.responses[1].reason, std::optional<x509::CrlReason>(x509::CrlReason::key_compromise));
    EXPECT_EQ(r.responses[1].revoked_at, t0());
    EXPECT_EQ(r.responses[2].status, CertStatus::revoked);
    EXPECT_EQ(r.responses[2].reason, std::optional<x509::CrlReason>(x509::CrlReason::certificate_hold));
    EXPECT_EQ(r.responses[3].status, CertStatus::unknown);
    for (const auto& s : r.responses) {
        EXPECT_EQ(s.this_update, t0());
        EXPECT_EQ(s.next_update, std::optional<TimePoint>(t0() + std::chrono::hours(1)));
    }
    // The CertIDs come back exactly as they were asked.
    EXPECT_EQ(r.responses[0].id.raw, id_of("demo-sub", good).raw);

    const auto bc = bouncycastle(out.response, "demo-sub");
    ASSERT_FALSE(bc.empty());
    EXPECT_EQ(bc[0], "OK status=0 responses=4");
    ASSERT_EQ(bc.size(), 5u);
    EXPECT_NE(bc[1].find(" good"), std::string::npos) << bc[1];
    EXPECT_NE(bc[2].find(" revoked 1"), std::string::npos) << bc[2];
    EXPECT_NE(bc[3].find(" revoked 6"), std::string::npos) << bc[3];
    EXPECT_NE(bc[4].find(" unknown"), std::string::npos) << bc[4];

    // Unsuspended: good again in the next answer.
    ASSERT_TRUE(status.release_hold("demo-sub", held, "op").ok());
    auto after = checked(ocsp.respond(request({id_of("demo-sub", held)})), "demo-sub");
    ASSERT_EQ(after.responses.size(), 1u);
    EXPECT_EQ(after.responses[0].status, CertStatus::good);
    EXPECT_FALSE(after.nonce.has_value());
}

// Answers without a nonce are signed once and served again, until a status changes.
TEST_F(OcspTest, CachedAnswersFollowEveryStatusChange) {
    const Bytes serial = issue_one("c");
    StatusService status(stores(), *m_status, device_key_resolver(*m_device, "soft", std::string(k_key_pin)), m_clock,
                         {});
    auto ocsp = responder();
    const Bytes req = request({id_of("demo-sub", serial)});
    const auto first = ocsp.respond(req, "demo-sub");
    EXPECT_FALSE(first.cached);
    const auto second = ocsp.respond(req, "demo-sub");
    EXPECT_TRUE(second.cached);
    EXPECT_EQ(second.response, first.response);
    // A nonce always gets a fresh signature.
    EXPECT_FALSE(ocsp.respond(request({id_of("demo-sub", serial)}, Bytes{0x04, 0x01, 0x07}), "demo-sub").cached);

    ASSERT_TRUE(status
                    .revoke({.ca_id = "demo-sub",
                             .serial = serial,
                             .reason = x509::CrlReason::superseded,
                             .invalidity_date = std::nullopt,
                             .actor = "op"})
                    .ok());
    const auto after = ocsp.respond(req, "demo-sub");
    EXPECT_FALSE(after.cached);
    auto r = checked(after, "demo-sub");
    ASSERT_EQ(r.responses.size(), 1u);
    EXPECT_EQ(r.responses[0].status, CertStatus::revoked);
    EXPECT_TRUE(ocsp.respond(req, "demo-sub").cached);
    // Another responder (another process) over the same store sees the same status.
    auto other = responder();
    auto r2 = checked(other.respond(req, "demo-sub"), "demo-sub");
    EXPECT_EQ(r2.responses[0].status, CertStatus::revoked);
}

TEST_F(OcspTest, Sha256AndSm3CertIds) {
    const Bytes serial = issue_one("h");
    auto ocsp = responder();
    for (const auto& h : {oids::sha256, oids::sm3}) {
        SCOPED_TRACE(h.to_string());
        auto r = checked(ocsp.respond(request({id_of("demo-sub", serial, h)})), "demo-sub");
        ASSERT_EQ(r.responses.size(), 1u);
        EXPECT_EQ(r.responses[0].status, CertStatus::good);
        EXPECT_EQ(r.responses[0].id.hash_algorithm.oid, h);
    }
}

TEST_F(OcspTest, ErrorsAreUnsignedStatuses) {
    const Bytes serial = issue_one("e");
    auto ocsp = responder();
    auto status_of = [](const OcspOutcome& o) {
        auto r = x509::OcspResponse::parse(o.response);
        EXPECT_TRUE(r.ok());
        EXPECT_TRUE(!r.ok() || r->responses.empty());
        return r.ok() ? r->status : OcspResponseStatus::internal_error;
    };
    EXPECT_EQ(status_of(ocsp.respond(to_bytes("not DER"))), OcspResponseStatus::malformed_request);
    EXPECT_EQ(status_of(ocsp.respond({})), OcspResponseStatus::malformed_request);
    // A CertID of an issuer this responder does not know.
    auto stranger = x509::CertId::make(oids::sha1, Bytes(20, 1), Bytes(20, 2), serial);
    EXPECT_EQ(status_of(ocsp.respond(request({stranger}))), OcspResponseStatus::unauthorized);
    // Two CAs in one request, or a CA other than the URL's.
    EXPECT_EQ(status_of(ocsp.respond(request({id_of("demo-sub", serial), id_of("demo-root", serial)}))),
              OcspResponseStatus::unauthorized);
    EXPECT_EQ(status_of(ocsp.respond(request({id_of("demo-sub", serial)}), "demo-root")),
              OcspResponseStatus::unauthorized);
    // An unsupported CertID hash.
    auto md5 = x509::CertId::make(asn1::Oid("1.2.840.113549.2.5"), Bytes(16, 1), Bytes(16, 2), serial);
    EXPECT_EQ(status_of(ocsp.respond(request({md5}))), OcspResponseStatus::unauthorized);
    // The key cannot sign now (device locked, PIN refused): tryLater, nothing signed.
    auto locked = responder(
        [](const CaRecord&) -> Result<SigningKey> { return make_error(Errc::device_locked, "device is locked"); });
    const auto out = locked.respond(request({id_of("demo-sub", serial)}));
    EXPECT_EQ(status_of(out), OcspResponseStatus::try_later);
    EXPECT_NE(out.detail.find("device.locked"), std::string::npos) << out.detail;
    // An error response is what RFC 6960 says: SEQUENCE { ENUMERATED } and nothing else.
    EXPECT_EQ(x509::ocsp_error_response(OcspResponseStatus::try_later), (Bytes{0x30, 0x03, 0x0a, 0x01, 0x03}));
}

TEST_F(OcspTest, TheTlsCaAnswersWithEcdsaThatOpensslVerifies) {
    auto config = CeremonyConfig::parse(R"json({
  "publication": {"base_url": "http://127.0.0.1:8080"},
  "cas": [{"id": "tls-root", "name": "TLS Root", "kind": "root", "profile": "tls-root-ca",
           "key_algorithm": "ecdsa-p256", "subject": [["C", "CN"], ["O", "Yinxin Test"], ["CN", "TLS Root"]]}]
})json",
                                        "tls");
    ASSERT_TRUE(config.ok()) << config.error().to_string();
    auto ctx = context();
    ASSERT_TRUE(run_ceremony(*config, ctx).ok());
    auto ocsp = responder();
    const auto out = ocsp.respond(request({id_of("tls-root", Bytes{0x01, 0x02})}, Bytes{0x04, 0x02, 0xAA, 0xBB}));
    const auto r = checked(out, "tls-root");
    EXPECT_EQ(r.signature_algorithm.oid, oids::ecdsa_with_sha256);
    ASSERT_EQ(r.responses.size(), 1u);
    EXPECT_EQ(r.responses[0].status, CertStatus::unknown);
    const auto bc = bouncycastle(out.response, "tls-root");
    ASSERT_FALSE(bc.empty());
    EXPECT_EQ(bc[0], "OK status=0 responses=1");

    // OpenSSL checks a P-256 response itself: the responder is the CA, the CA the trust anchor.
    ASSERT_TRUE(yinxin::test::openssl_available());
    yinxin::test::write_file(m_dir / "tls-resp.der", out.response);
    yinxin::test::write_file(m_dir / "tls-root.pem", pem_encode("CERTIFICATE", ca_cert("tls-root").der()));
    auto v = yinxin::test::openssl({"ocsp", "-respin", (m_dir / "tls-resp.der").string(), "-CAfile",
                                    (m_dir / "tls-root.pem").string(), "-VAfile", (m_dir / "tls-root.pem").string(),
                                    "-no_nonce", "-resp_text"});
    EXPECT_EQ(v.exit_code, 0) << v.output;
    EXPECT_NE(v.output.find("Response verify OK"), std::string::npos) << v.output;
}

TEST_F(OcspTest, ADelegatedResponderSignsAndSendsItsCertificate) {
    const Bytes serial = issue_one("d");
    auto ctx = context();
    auto delegate = delegate_ocsp_signing(ctx, demo_config().publication, *m_status, "demo-sub", 30);
    ASSERT_TRUE(delegate.ok()) << delegate.error().to_string();
    EXPECT_TRUE(
        std::any_of(m_events.begin(), m_events.end(), [](const CaEvent& e) { return e.action == "ca.ocsp.delegate"; }));
    auto cert = x509::Certificate::parse(delegate->certificate_der);
    ASSERT_TRUE(cert.ok()) << cert.error().to_string();
    ASSERT_TRUE(cert->extensions().ext_key_usage().has_value());
    EXPECT_TRUE(cert->verify_signature_with(ca_cert("demo-sub").public_key_info()).ok());

    auto resp = responder();
    auto out = resp.respond(request({id_of("demo-sub", serial)}, Bytes{1, 2, 3, 4, 5, 6, 7, 8}));
    ASSERT_EQ(out.status, OcspResponseStatus::successful) << out.detail;
    auto parsed = x509::OcspResponse::parse(out.response);
    ASSERT_TRUE(parsed.ok()) << parsed.error().to_string();
    // Signed by the delegate's key, which is named byKey and whose certificate comes along.
    EXPECT_TRUE(parsed->verify_signature_with(cert->public_key_info()).ok());
    EXPECT_FALSE(parsed->verify_signature_with(ca_cert("demo-sub").public_key_info()).ok());
    EXPECT_EQ(parsed->responder_key_hash, x509::ocsp_hash(oids::sha1, cert->public_key_info().key_bytes()).value());
    ASSERT_EQ(parsed->certs.size(), 1u);
    EXPECT_EQ(parsed->certs[0], delegate->certificate_der);
    const auto bc = bouncycastle(out.response, "demo-sub", delegate->certificate_der);
    ASSERT_FALSE(bc.empty());
    EXPECT_EQ(bc[0].rfind("OK status=0 responses=1", 0), 0u) << bc[0];

    // Revoking the delegate's certificate sends the CA back to signing itself.
    auto svc = StatusService(stores(), *m_status, device_key_resolver(*m_device, "soft", std::string(k_key_pin)),
                             m_clock, [](const CaEvent&) {});
    ASSERT_TRUE(svc.revoke({.ca_id = "demo-sub",
                            .serial = delegate->serial,
                            .reason = x509::CrlReason::key_compromise,
                            .invalidity_date = std::nullopt,
                            .actor = "op"})
                    .ok());
    auto fresh = responder();
    auto again = fresh.respond(request({id_of("demo-sub", serial)}));
    checked(again, "demo-sub");
}

}  // namespace
}  // namespace yinxin::ca::test
