// Push sync to business systems: signed HTTP callbacks to a receiver started by the test on
// loopback. Each callback's SM2 signature (with the ID 1234567812345678) is checked with Yinxin
// code (publish::verify_callback, the pinned CA certificate) and with the openssl CLI; the empty
// ID that OpenSSL 3.0 defaults to fails, as gm-and-seal-formats.md §6.1 warns. A receiver that
// answers 500 gets every object once it answers 200: nothing lost, order kept. HTTPS checks the
// receiver's certificate against the target's CA file.
#include "yinxin/publish/callback.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "publish/publish_test_util.h"
#include "publish/receiver.h"
#include "publish/slapd.h"

namespace yinxin::publish::test {
namespace {

using yinxin::test::openssl;
using yinxin::test::Receiver;
using yinxin::test::write_file;

class CallbackPublish : public PublishFixture {
protected:
    Target callback_target(const std::string& id, const std::string& url, const std::string& ca_file = {}) {
        CallbackConfig c;
        c.url = url;
        c.ca_file = ca_file;
        c.timeout = std::chrono::seconds(5);
        return Target{.id = id, .kind = TargetKind::callback, .config = callback_config_json(c)};
    }

    // The receiver's check, with the CA certificate it pinned (from the store here).
    Status verify(const Receiver::Request& r) {
        auto body = nlohmann::json::parse(r.body);
        const std::string ca_id = body["ca_id"];
        return verify_callback(r.body, header(r, k_header_signature), header(r, k_header_algorithm),
                               header(r, k_header_signer_sm3), ca_cert(ca_id).der(), header(r, k_header_signer_id));
    }
    static std::string header(const Receiver::Request& r, std::string_view name) {
        auto it = r.headers.find(std::string(name));
        return it == r.headers.end() ? std::string() : it->second;
    }

    // A self-signed P-256 certificate for 127.0.0.1 made by the openssl CLI: the receiver's TLS
    // certificate and its own trust anchor.
    Receiver::TlsFiles make_tls(const std::string& name) {
        const auto key = m_dir / (name + ".key.pem");
        const auto cert = m_dir / (name + ".cert.pem");
        auto r = openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                          "-keyout", key.string(), "-out", cert.string(), "-subj", "/CN=" + name, "-addext",
                          "subjectAltName=IP:127.0.0.1", "-days", "2"});
        EXPECT_EQ(r.exit_code, 0) << r.output;
        return {cert.string(), key.string()};
    }
};

TEST_F(CallbackPublish, SignedCallbacksSurviveAFailingReceiver) {
    ASSERT_TRUE(yinxin::test::openssl_available());
    Receiver receiver;
    receiver.answer_with(500);
    const std::string url = "http://127.0.0.1:" + std::to_string(receiver.port()) + "/yinxin/sync";
    ASSERT_TRUE(m_queue->add_target(callback_target("biz", url)).ok());
    const auto [serial, der] = issue("cb-1", "Qian Jiu");
    auto svc = status_service();
    const ca::CrlRecord crl = revoke(svc, serial);

    auto pub = publisher();
    auto round = pub.run_once();
    ASSERT_TRUE(round.ok()) << round.error().to_string();
    ASSERT_TRUE(round->targets[0].failure.has_value());
    EXPECT_EQ(round->targets[0].failure->code, Errc::publish_rejected);
    EXPECT_NE(round->targets[0].failure->message.find("HTTP 500"), std::string::npos);
    ASSERT_EQ(receiver.requests().size(), 1u);
    auto pending = rows("biz", true);
    ASSERT_EQ(pending.size(), 5u);  // 3 CA certificates, the certificate, the CRL
    EXPECT_EQ(pending[0].attempts, 1);
    EXPECT_EQ(count_events("publish.callback.failed"), 1u);

    // The receiver works again: everything arrives, in order, after the back-off.
    receiver.answer_with(200);
    m_clock.advance(std::chrono::seconds(5));
    round = pub.run_once();
    ASSERT_TRUE(round.ok());
    EXPECT_FALSE(round->targets[0].failure) << round->targets[0].failure->to_string();
    EXPECT_EQ(round->targets[0].delivered, 5u);
    EXPECT_TRUE(rows("biz", true).empty());
    EXPECT_EQ(count_events("publish.callback"), 5u);

    const auto got = receiver.requests();
    ASSERT_EQ(got.size(), 6u);
    std::vector<std::string> types;
    std::int64_t last_id = 0;
    for (std::size_t i = 1; i < got.size(); ++i) {
        const auto& r = got[i];
        EXPECT_EQ(r.target, "/yinxin/sync");
        EXPECT_EQ(r.headers.at("Content-Type"), "application/json");
        ASSERT_TRUE(verify(r).ok()) << verify(r).error().to_string() << "\n" << r.body;
        auto j = nlohmann::json::parse(r.body);
        EXPECT_EQ(j["version"], 1);
        EXPECT_EQ(j["sync_time"], format_rfc3339(m_clock.now()));
        const std::int64_t id = j["delivery_id"];
        EXPECT_GT(id, last_id);
        last_id = id;
        EXPECT_EQ(header(r, k_header_delivery), std::to_string(id));
        EXPECT_EQ(header(r, k_header_algorithm), "SM2-with-SM3");
        EXPECT_EQ(header(r, k_header_signer_id), "1234567812345678");
        types.push_back(j["business_type"]);
        const Bytes object = base64_decode(j["object"].get<std::string>()).value();
        if (j["business_type"] == "certificate") {
            EXPECT_EQ(object, der);
            EXPECT_EQ(j["ca_id"], "demo-sub");
            EXPECT_EQ(j["serial"], x509::Certificate::parse(der)->serial_hex());
        } else if (j["business_type"] == "crl") {
            EXPECT_EQ(object, crl.der);
            EXPECT_EQ(j["crl_number"], crl.number);
            EXPECT_EQ(j["crl_scope"], "full");
        } else {
            EXPECT_EQ(object, ca_der(j["ca_id"]));
        }
    }
    EXPECT_EQ(types,
              (std::vector<std::string>{"ca_certificate", "ca_certificate", "ca_certificate", "certificate", "crl"}));
    // The failed attempt carried the same row and a valid signature too.
    EXPECT_TRUE(verify(got[0]).ok());
    EXPECT_EQ(nlohmann::json::parse(got[0].body)["delivery_id"], nlohmann::json::parse(got[1].body)["delivery_id"]);

    // The openssl CLI as an independent verifier of the CRL callback: with the GM ID it verifies,
    // with OpenSSL 3.0's default empty ID it does not.
    const auto& last = got.back();
    write_file(m_dir / "body.json", last.body);
    write_file(m_dir / "sig.der", base64_decode(header(last, k_header_signature)).value());
    write_file(m_dir / "ca.der", ca_cert("demo-sub").der());
    auto pub_pem = openssl({"x509", "-inform", "DER", "-in", (m_dir / "ca.der").string(), "-pubkey", "-noout", "-out",
                            (m_dir / "ca-pub.pem").string()});
    ASSERT_EQ(pub_pem.exit_code, 0) << pub_pem.output;
    auto ok = openssl({"dgst", "-sm3", "-verify", (m_dir / "ca-pub.pem").string(), "-sigopt", "distid:1234567812345678",
                       "-signature", (m_dir / "sig.der").string(), (m_dir / "body.json").string()});
    EXPECT_EQ(ok.exit_code, 0) << ok.output;
    EXPECT_NE(ok.output.find("Verified OK"), std::string::npos) << ok.output;
    auto pkeyutl = openssl({"pkeyutl", "-verify", "-rawin", "-digest", "sm3", "-pubin", "-inkey",
                            (m_dir / "ca-pub.pem").string(), "-pkeyopt", "distid:1234567812345678", "-in",
                            (m_dir / "body.json").string(), "-sigfile", (m_dir / "sig.der").string()});
    EXPECT_EQ(pkeyutl.exit_code, 0) << pkeyutl.output;
    auto empty_id = openssl({"dgst", "-sm3", "-verify", (m_dir / "ca-pub.pem").string(), "-signature",
                             (m_dir / "sig.der").string(), (m_dir / "body.json").string()});
    EXPECT_NE(empty_id.exit_code, 0) << empty_id.output;

    // What a receiver must refuse: a changed body, another signer, missing headers.
    std::string tampered = last.body;
    tampered[tampered.find("\"crl\"") + 1] = 'C';
    EXPECT_EQ(verify_callback(tampered, header(last, k_header_signature), "SM2-with-SM3",
                              header(last, k_header_signer_sm3), ca_cert("demo-sub").der())
                  .code(),
              Errc::x509_signature_invalid);
    EXPECT_EQ(verify_callback(last.body, header(last, k_header_signature), "SM2-with-SM3",
                              header(last, k_header_signer_sm3), ca_cert("demo-root").der())
                  .code(),
              Errc::publish_bad_callback);
    EXPECT_EQ(
        verify_callback(last.body, "", "SM2-with-SM3", header(last, k_header_signer_sm3), ca_cert("demo-sub").der())
            .code(),
        Errc::publish_bad_callback);
}

TEST_F(CallbackPublish, HttpsChecksTheReceiversCertificate) {
    ASSERT_TRUE(yinxin::test::openssl_available());
    const auto tls = make_tls("receiver");
    const auto other = make_tls("someone-else");
    Receiver receiver(tls);
    const std::string url = "https://127.0.0.1:" + std::to_string(receiver.port()) + "/sync";
    ASSERT_TRUE(m_queue->add_target(callback_target("biz-tls", url, tls.certificate_chain)).ok());
    ASSERT_TRUE(m_queue->add_target(callback_target("biz-wrong-ca", url, other.certificate_chain)).ok());
    auto pub = publisher();
    auto round = pub.run_once();
    ASSERT_TRUE(round.ok());
    ASSERT_EQ(round->targets.size(), 2u);
    const auto& good = round->targets[0].target_id == "biz-tls" ? round->targets[0] : round->targets[1];
    const auto& bad = round->targets[0].target_id == "biz-tls" ? round->targets[1] : round->targets[0];
    EXPECT_FALSE(good.failure) << good.failure->to_string();
    EXPECT_EQ(good.delivered, 3u);
    ASSERT_TRUE(bad.failure.has_value());
    EXPECT_EQ(bad.failure->code, Errc::publish_unreachable);
    EXPECT_NE(bad.failure->message.find("TLS handshake"), std::string::npos) << bad.failure->message;
    EXPECT_EQ(receiver.requests().size(), 3u);
    for (const auto& r : receiver.requests()) EXPECT_TRUE(verify(r).ok()) << r.body;
}

TEST_F(CallbackPublish, UnreachableReceiverAndMissingKeysLoseNothing) {
    const auto port = yinxin::test::free_loopback_port();
    ASSERT_TRUE(m_queue->add_target(callback_target("gone", "http://127.0.0.1:" + std::to_string(port) + "/x")).ok());
    // Without the CA keys a callback target is not attempted at all.
    auto keyless = publisher(false);
    auto round = keyless.run_once();
    ASSERT_TRUE(round.ok());
    EXPECT_TRUE(round->targets[0].waiting_for_key);
    EXPECT_EQ(rows("gone", true)[0].attempts, 0);
    // With them, a refused connection is a failure with a retry.
    auto pub = publisher();
    round = pub.run_once();
    ASSERT_TRUE(round.ok());
    ASSERT_TRUE(round->targets[0].failure.has_value());
    EXPECT_EQ(round->targets[0].failure->code, Errc::publish_unreachable);
    EXPECT_EQ(rows("gone", true).size(), 3u);
    EXPECT_EQ(rows("gone", true)[0].attempts, 1);
}

// The P-256 TLS CA signs its callbacks with ECDSA-SHA256 (its only key); the headers say so and
// the openssl CLI verifies them with plain SHA-256.
TEST_F(CallbackPublish, TlsCaCallbacksAreSignedWithEcdsa) {
    ASSERT_TRUE(yinxin::test::openssl_available());
    auto config = ca::CeremonyConfig::parse(R"json({"cas": [{"id": "tls-root", "name": "Test TLS Root",
        "kind": "root", "profile": "tls-root-ca", "key_algorithm": "ecdsa-p256",
        "subject": [["C", "CN"], ["O", "Yinxin Test"], ["CN", "Yinxin Test TLS Root CA"]]}]})json",
                                            "tls");
    ASSERT_TRUE(config.ok()) << config.error().to_string();
    auto ctx = context();
    ASSERT_TRUE(ca::run_ceremony(*config, ctx).ok());
    Receiver receiver;
    ASSERT_TRUE(
        m_queue->add_target(callback_target("biz", "http://127.0.0.1:" + std::to_string(receiver.port()) + "/")).ok());
    auto pub = publisher();
    auto round = pub.run_once();
    ASSERT_TRUE(round.ok());
    EXPECT_EQ(round->targets[0].delivered, 4u);
    const auto got = receiver.requests();
    auto tls = std::find_if(got.begin(), got.end(), [](const Receiver::Request& r) {
        return nlohmann::json::parse(r.body)["ca_id"] == "tls-root";
    });
    ASSERT_NE(tls, got.end());
    EXPECT_EQ(header(*tls, k_header_algorithm), "ecdsa-with-SHA256");
    EXPECT_EQ(header(*tls, k_header_signer_id), "");
    EXPECT_TRUE(verify(*tls).ok()) << verify(*tls).error().to_string();
    write_file(m_dir / "tls-body.json", tls->body);
    write_file(m_dir / "tls-sig.der", base64_decode(header(*tls, k_header_signature)).value());
    write_file(m_dir / "tls-ca.der", ca_der("tls-root"));
    ASSERT_EQ(openssl({"x509", "-inform", "DER", "-in", (m_dir / "tls-ca.der").string(), "-pubkey", "-noout", "-out",
                       (m_dir / "tls-pub.pem").string()})
                  .exit_code,
              0);
    auto ok = openssl({"dgst", "-sha256", "-verify", (m_dir / "tls-pub.pem").string(), "-signature",
                       (m_dir / "tls-sig.der").string(), (m_dir / "tls-body.json").string()});
    EXPECT_EQ(ok.exit_code, 0) << ok.output;
}

TEST(CallbackConfigs, StrictParsing) {
    EXPECT_TRUE(parse_callback_config(R"({"url":"https://biz.example.gov.cn/sync","ca_file":"/ca.pem"})").ok());
    EXPECT_TRUE(parse_callback_config(R"({"url":"http://[::1]:8080/x","timeout_seconds":3})").ok());
    for (const char* bad : {
             R"({"url":"ftp://x/"})",
             R"({"url":"http://x:99999/"})",
             R"({"url":"http://user@x/"})",
             R"({"url":"http://127.0.0.1/","ca_file":"/ca.pem"})",
             R"({"url":"https://x/","secret":"x"})",
             R"({"url":"https:///"})",
         }) {
        EXPECT_EQ(parse_callback_config(bad).code(), Errc::publish_bad_config) << bad;
    }
}

}  // namespace
}  // namespace yinxin::publish::test
