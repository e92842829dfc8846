// The issuance pipeline (issuer.h): validate → prepare → lint → persist → sign → finalize, what is
// persisted when a step refuses, and recovery of pending rows.
#include "yinxin/ca/issuer.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ca_test_util.h"
#include "yinxin/x509/path.h"

namespace yinxin::ca::test {
namespace {

using yinxin::test::data_path;
using yinxin::test::read_file;

class IssuerTest : public CaFixture {
protected:
    void SetUp() override {
        CaFixture::SetUp();
        run_demo();
    }

    IssueRequest personnel_request() {
        IssueRequest r;
        r.ca_id = "demo-sub";
        r.profile_id = "personnel-sign";
        r.csr = make_csr({{"C", "CN"}, {"O", "Applicant Org"}, {"CN", "applicant"}});
        r.data = request_data(*profiles().find("personnel-sign").value());
        r.request_id = "req-1";
        return r;
    }

    std::size_t rows(const std::string& ca_id) { return all_certificates(ca_id).size(); }
};

TEST_F(IssuerTest, RootSubLeafValidatesAndIsPersisted) {
    auto iss = issuer();
    auto r = iss.issue(personnel_request());
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    auto leaf = x509::Certificate::parse(r->certificate_der);
    ASSERT_TRUE(leaf.ok()) << leaf.error().to_string();
    EXPECT_EQ(leaf->serial_hex(), hex_encode(r->serial));
    EXPECT_EQ(r->serial.size(), 16u);

    const auto root = ca_cert("demo-root");
    const auto sub = ca_cert("demo-sub");
    EXPECT_TRUE(root.is_self_issued());
    EXPECT_EQ(sub.issuer(), root.subject());
    EXPECT_EQ(leaf->issuer(), sub.subject());
    auto path = x509::validate_path(*leaf, {sub}, {root}, t0() + std::chrono::hours(1));
    EXPECT_TRUE(path.ok()) << path.status().error().to_string();
    // The SM2 ID matters on every certificate.
    x509::PathOptions wrong_id;
    wrong_id.sm2_id = "";
    EXPECT_FALSE(x509::validate_path(*leaf, {sub}, {root}, t0() + std::chrono::hours(1), wrong_id).ok());

    // Persisted as issued, with the TBS that was signed.
    auto rec = m_store->certificate_by_serial("demo-sub", r->serial);
    ASSERT_TRUE(rec.ok()) << rec.error().to_string();
    EXPECT_EQ(rec->status, CertificateStatus::issued);
    EXPECT_EQ(rec->certificate_der, r->certificate_der);
    EXPECT_EQ(rec->tbs_der, Bytes(leaf->tbs_raw().begin(), leaf->tbs_raw().end()));
    EXPECT_EQ(rec->profile_id, "personnel-sign");
    EXPECT_EQ(rec->request_id, "req-1");
    EXPECT_EQ(rec->subject_dn, leaf->subject().to_string());
    EXPECT_EQ(rec->not_before, to_unix(leaf->not_before()));
    EXPECT_EQ(rec->not_after, to_unix(leaf->not_after()));
    EXPECT_TRUE(m_store->list_pending("").value().empty());

    // The approved subject (data.subject) wins over the CSR's.
    EXPECT_EQ(leaf->subject().get(asn1::oids::at_common_name).value_or(""), "张三 personnel-sign");
    // URLs point at the issuing CA (issuer.h PublicationConfig).
    ASSERT_TRUE(leaf->extensions().crl_distribution_points().has_value());

    ASSERT_FALSE(m_events.empty());
    EXPECT_EQ(m_events.back().action, "ca.issue");
    EXPECT_TRUE(m_events.back().success);
    EXPECT_EQ(m_events.back().serial_hex, leaf->serial_hex());
}

TEST_F(IssuerTest, CsrSubjectIsUsedWhenNoneIsApproved) {
    auto iss = issuer();
    auto req = personnel_request();
    req.data.subject.clear();
    auto r = iss.issue(req);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    auto leaf = x509::Certificate::parse(r->certificate_der).value();
    EXPECT_EQ(leaf.subject().to_string(), "CN=applicant,O=Applicant Org,C=CN");
}

TEST_F(IssuerTest, KmcKeyWithoutCsr) {
    auto iss = issuer();
    IssueRequest req;
    req.ca_id = "demo-sub";
    req.profile_id = "personnel-encrypt";
    req.data = request_data(*profiles().find("personnel-encrypt").value());
    auto key = crypto::Sm2PrivateKey::generate().value();
    m_subject_keys.push_back(key);
    req.data.spki_der = key.public_key().spki_der();
    auto r = iss.issue(req);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    // Neither CSR nor key: refused.
    req.data.spki_der.clear();
    EXPECT_EQ(iss.issue(req).code(), Errc::ca_bad_csr);
}

struct BadCsr {
    const char* file;
    Errc expected;
};

// Every bad fixture of tests/data/csr (README there), and the well-formed foreign-key ones, which
// no profile issues (SM2 only).
TEST_F(IssuerTest, BadCsrFixturesAreRefusedAndNothingIsPersisted) {
    const BadCsr cases[] = {
        {"sm2_empty_id.csr.pem", Errc::x509_signature_invalid},
        {"rsa1024.csr.pem", Errc::x509_weak_key},
        {"secp256k1.csr.pem", Errc::x509_unsupported_curve},
        {"p192.csr.pem", Errc::x509_unsupported_curve},
        {"oversize.csr.der", Errc::x509_too_large},
        {"bad_signature.csr.der", Errc::x509_signature_invalid},
        {"tampered_info.csr.der", Errc::x509_signature_invalid},
        {"truncated.csr.der", Errc::x509_bad_encoding},
        {"trailing_garbage.csr.der", Errc::x509_trailing_data},
        {"version1.csr.der", Errc::x509_bad_version},
        {"garbage.csr.der", Errc::x509_bad_encoding},
        {"good_p256.csr.pem", Errc::ca_bad_csr},
        {"good_p384.csr.pem", Errc::ca_bad_csr},
        {"good_rsa2048.csr.pem", Errc::ca_bad_csr},
    };
    auto iss = issuer();
    const std::size_t before = rows("demo-sub");
    for (const auto& c : cases) {
        SCOPED_TRACE(c.file);
        IssueRequest req = personnel_request();
        req.csr = read_file(data_path(std::string("csr/") + c.file));
        m_events.clear();
        auto r = iss.issue(req);
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.code(), c.expected) << r.error().to_string();
        EXPECT_FALSE(r.error().message.empty());
        ASSERT_EQ(m_events.size(), 1u);
        EXPECT_EQ(m_events[0].action, "ca.issue.failed");
        EXPECT_EQ(m_events[0].error_code, errc_name(c.expected));
        EXPECT_EQ(rows("demo-sub"), before);
        EXPECT_TRUE(m_store->list_pending("").value().empty());
    }
    // The good SM2 fixture passes the same path (the rows check above is not vacuous).
    IssueRequest good = personnel_request();
    good.csr = read_file(data_path("csr/good_sm2_distid.csr.pem"));
    auto ok = iss.issue(good);
    ASSERT_TRUE(ok.ok()) << ok.error().to_string();
    EXPECT_EQ(rows("demo-sub"), before + 1);
}

TEST_F(IssuerTest, NoSerialIsReservedForARefusedRequest) {
    // With a replayed RNG the refused request and the next good one draw the same serial: the
    // good one only succeeds if the refusal reserved nothing.
    auto make = [&](std::uint64_t seed) { return std::make_unique<FixedRng>(seed); };
    auto rng1 = make(77);
    Issuer bad_iss(stores(), profiles(), device_key_resolver(*m_device, "soft", std::string(k_key_pin)),
                   demo_config().publication, m_clock, *rng1);
    IssueRequest bad = personnel_request();
    bad.data.validity_days = 4000;  // longer than the sub CA's remaining life and the profile's
    auto r1 = bad_iss.issue(bad);
    ASSERT_FALSE(r1.ok());
    auto rng2 = make(77);
    Issuer good_iss(stores(), profiles(), device_key_resolver(*m_device, "soft", std::string(k_key_pin)),
                    demo_config().publication, m_clock, *rng2);
    auto r2 = good_iss.issue(personnel_request());
    ASSERT_TRUE(r2.ok()) << r2.error().to_string();
}

TEST_F(IssuerTest, LintFailurePersistsNothing) {
    auto iss = issuer();
    const std::size_t before = rows("demo-sub");
    // cardholder-sign allows 3652 days, as long as the sub CA's whole life; one day later the
    // certificate would outlive its issuer: lint validity_within_issuer.
    m_clock.advance(std::chrono::days(1));
    IssueRequest req;
    req.ca_id = "demo-sub";
    req.profile_id = "cardholder-sign";
    req.csr = make_csr({{"C", "CN"}, {"CN", "cardholder"}});
    req.data = request_data(*profiles().find("cardholder-sign").value());
    auto r = iss.issue(req);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.code(), Errc::lint_failed);
    EXPECT_NE(r.error().message.find("validity_within_issuer"), std::string::npos) << r.error().message;
    EXPECT_EQ(rows("demo-sub"), before);
    EXPECT_TRUE(m_store->list_pending("").value().empty());
    // A shorter period fits.
    req.data.validity_days = 3000;
    EXPECT_TRUE(iss.issue(req).ok());
}

TEST_F(IssuerTest, UnknownCaProfileAndRootProfileAreRefused) {
    auto iss = issuer();
    auto req = personnel_request();
    req.ca_id = "no-such-ca";
    EXPECT_EQ(iss.issue(req).code(), Errc::ca_not_found);
    req = personnel_request();
    req.profile_id = "no-such-profile";
    EXPECT_EQ(iss.issue(req).code(), Errc::profile_not_found);
    req = personnel_request();
    req.profile_id = "root-ca";
    EXPECT_EQ(iss.issue(req).code(), Errc::profile_request_rejected);
    // The external CA is not registered before its certificate is imported.
    req = personnel_request();
    req.ca_id = "demo-external";
    EXPECT_EQ(iss.issue(req).code(), Errc::ca_not_found);
}

TEST_F(IssuerTest, SigningFailureFailsThePendingRow) {
    // The key resolver hands out a key index the device does not have: the row is recorded, the
    // device refuses, the row is failed with the reason and the serial stays reserved.
    KeyResolver wrong = [this](const CaRecord&) -> Result<SigningKey> {
        return SigningKey{.device = m_device.get(), .index = 999};
    };
    auto iss = issuer(wrong);
    auto r = iss.issue(personnel_request());
    ASSERT_FALSE(r.ok());
    auto all = all_certificates("demo-sub");
    ASSERT_FALSE(all.empty());
    EXPECT_EQ(all.back().status, CertificateStatus::failed);
    EXPECT_FALSE(all.back().failure_reason.empty());
    EXPECT_EQ(m_store->reserve_serial("demo-sub", all.back().serial).code(), Errc::store_duplicate_serial);

    // A key of another CA signs, but the signature does not verify with the CA certificate.
    KeyResolver other = [this](const CaRecord&) -> Result<SigningKey> {
        auto root =
            device_key_resolver(*m_device, "soft", std::string(k_key_pin))(m_store->get_ca("demo-root").value());
        return root;
    };
    auto iss2 = issuer(other);
    auto r2 = iss2.issue(personnel_request());
    EXPECT_EQ(r2.code(), Errc::ca_key_mismatch);
    EXPECT_EQ(all_certificates("demo-sub").back().status, CertificateStatus::failed);
}

TEST_F(IssuerTest, BatchIssuesEachRequestAndRefusesBadOnesAlone) {
    auto iss = issuer();
    std::vector<IssueRequest> batch;
    for (int i = 0; i < 6; ++i) {
        auto r = personnel_request();
        r.request_id = "batch-" + std::to_string(i);
        batch.push_back(std::move(r));
    }
    batch[2].csr = Bytes{0x30, 0x03, 0x02, 0x01, 0x01};  // garbage CSR
    batch[4].profile_id = "no-such-profile";
    const std::size_t before = rows("demo-sub");
    m_events.clear();
    auto r = iss.issue_batch(batch);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    ASSERT_EQ(r->size(), batch.size());
    const auto root = ca_cert("demo-root");
    const auto sub = ca_cert("demo-sub");
    for (std::size_t i = 0; i < batch.size(); ++i) {
        const auto& item = (*r)[i];
        if (i == 2 || i == 4) {
            EXPECT_FALSE(item.ok()) << i;
            continue;
        }
        ASSERT_TRUE(item.ok()) << i << ": " << item.error().to_string();
        auto leaf = x509::Certificate::parse(item->certificate_der).value();
        EXPECT_TRUE(x509::validate_path(leaf, {sub}, {root}, t0() + std::chrono::hours(1)).ok());
        auto rec = m_store->certificate_by_serial("demo-sub", item->serial).value();
        EXPECT_EQ(rec.status, CertificateStatus::issued);
        EXPECT_EQ(rec.request_id, batch[i].request_id);
        EXPECT_EQ(rec.certificate_der, item->certificate_der);
    }
    EXPECT_EQ((*r)[4].code(), Errc::profile_not_found);
    // Only the four good ones were persisted; nothing is left pending.
    EXPECT_EQ(rows("demo-sub"), before + 4);
    EXPECT_TRUE(m_store->list_pending("").value().empty());
    // One event per request: four issued, two refused.
    std::size_t ok = 0, failed = 0;
    for (const auto& e : m_events) (e.success ? ok : failed) += e.action.rfind("ca.issue", 0) == 0 ? 1 : 0;
    EXPECT_EQ(ok, 4u);
    EXPECT_EQ(failed, 2u);
}

TEST_F(IssuerTest, BatchLevelRefusalsPersistNothing) {
    auto iss = issuer();
    const std::size_t before = rows("demo-sub");
    std::vector<IssueRequest> batch{personnel_request(), personnel_request()};
    batch[1].ca_id = "demo-root";
    EXPECT_EQ(iss.issue_batch(batch).code(), Errc::invalid_argument);
    batch[1].ca_id = "no-such-ca";
    batch[0].ca_id = "no-such-ca";
    EXPECT_EQ(iss.issue_batch(batch).code(), Errc::ca_not_found);
    std::vector<IssueRequest> huge(Issuer::k_max_batch + 1, personnel_request());
    EXPECT_EQ(iss.issue_batch(huge).code(), Errc::invalid_argument);
    EXPECT_TRUE(iss.issue_batch({}).value().empty());
    EXPECT_EQ(rows("demo-sub"), before);

    // The device refuses every signature: each row is failed, none issued, none pending.
    KeyResolver wrong = [this](const CaRecord&) -> Result<SigningKey> {
        return SigningKey{.device = m_device.get(), .index = 999};
    };
    auto bad = issuer(wrong);
    std::vector<IssueRequest> three(3, personnel_request());
    auto r = bad.issue_batch(three);
    ASSERT_TRUE(r.ok());
    for (const auto& item : *r) EXPECT_FALSE(item.ok());
    auto all = all_certificates("demo-sub");
    ASSERT_EQ(all.size(), before + 3);
    for (std::size_t i = before; i < all.size(); ++i) EXPECT_EQ(all[i].status, CertificateStatus::failed);
    EXPECT_TRUE(m_store->list_pending("").value().empty());
}

// A crash after persist: the pending row as a killed process leaves it (record_pending with the
// linted TBS, then nothing). recover_pending() signs that TBS with that serial.
TEST_F(IssuerTest, RecoveryFinalizesPendingWithRecordedTbsAndSerial) {
    // First a normal issuance, so the CA has issued rows besides the one left pending.
    auto iss = issuer();
    auto first = iss.issue(personnel_request());
    ASSERT_TRUE(first.ok()) << first.error().to_string();
    const auto sub = ca_cert("demo-sub");

    // A TBS like the pipeline makes, with a new serial (prepare + lint as issue() would).
    const auto& profile = *profiles().find("personnel-sign").value();
    auto ctx = issuer_context(m_store->get_ca("demo-sub").value(), demo_config().publication);
    ASSERT_TRUE(ctx.ok());
    auto data = request_data(profile);
    data.spki_der = crypto::Sm2PrivateKey::generate().value().public_key().spki_der();
    const Bytes serial{0x51, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10};
    auto tbs = profile::build_tbs(profile, data, *ctx, serial, t0());
    ASSERT_TRUE(tbs.ok()) << tbs.error().to_string();
    PendingIssuance p{.ca_id = "demo-sub",
                      .serial = serial,
                      .tbs_der = *tbs,
                      .subject_dn = "CN=crash",
                      .not_before = to_unix(t0()),
                      .not_after = to_unix(t0()) + 86400,
                      .profile_id = "personnel-sign",
                      .request_id = "req-crash"};
    ASSERT_TRUE(m_store->record_pending(p).ok());

    // Restart: the first recovery attempt cannot get the key → left pending; the second finishes.
    close_all();
    open_all();
    auto key_fail = Issuer(
        stores(), profiles(),
        [](const CaRecord&) -> Result<SigningKey> { return make_error(Errc::device_locked, "device locked"); },
        demo_config().publication, m_clock, m_rng);
    auto rep0 = key_fail.recover_pending();
    ASSERT_TRUE(rep0.ok()) << rep0.error().to_string();
    EXPECT_TRUE(rep0->finalized.empty());
    ASSERT_EQ(rep0->failed.size(), 1u);
    EXPECT_EQ(m_store->list_pending("").value().size(), 1u) << "a missing key leaves the row pending";

    auto rep = issuer().recover_pending();
    ASSERT_TRUE(rep.ok()) << rep.error().to_string();
    ASSERT_EQ(rep->finalized.size(), 1u);
    EXPECT_EQ(rep->finalized[0], "demo-sub:" + hex_encode(serial));
    EXPECT_TRUE(rep->failed.empty());
    auto row = m_store->certificate_by_serial("demo-sub", serial);
    ASSERT_TRUE(row.ok());
    EXPECT_EQ(row->status, CertificateStatus::issued);
    auto cert = x509::Certificate::parse(row->certificate_der).value();
    EXPECT_EQ(Bytes(cert.tbs_raw().begin(), cert.tbs_raw().end()), *tbs);
    EXPECT_EQ(Bytes(cert.serial().begin(), cert.serial().end()), serial);
    EXPECT_TRUE(x509::validate_path(cert, {sub}, {ca_cert("demo-root")}, t0() + std::chrono::hours(1)).ok());
    EXPECT_TRUE(m_store->list_pending("").value().empty());
    // Nothing left: a second recovery is a no-op.
    auto again = issuer().recover_pending();
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(again->finalized.empty());
    EXPECT_TRUE(again->failed.empty());
}

// The real soft device with a crash point: the process ends inside sign(), i.e. after the
// pending row was committed and before the certificate exists (STYLE.md 13 crash points).
class CrashOnSignDevice final : public device::Device {
public:
    explicit CrashOnSignDevice(device::Device& inner) : m_inner(inner) {}
    device::DeviceInfo info() const override { return m_inner.info(); }
    Result<std::vector<device::KeyInfo>> list_keys() const override { return m_inner.list_keys(); }
    Result<device::KeyInfo> find_key(std::string_view label) const override { return m_inner.find_key(label); }
    Result<device::GeneratedKey> generate_key_pair(device::KeyAlgorithm alg, std::string_view label,
                                                   std::string_view pin) override {
        return m_inner.generate_key_pair(alg, label, pin);
    }
    Result<Bytes> export_public_key(device::KeyIndex index) const override { return m_inner.export_public_key(index); }
    Result<device::DeviceEvent> get_private_key_access_right(device::KeyIndex index, std::string_view pin) override {
        return m_inner.get_private_key_access_right(index, pin);
    }
    Result<device::DeviceEvent> release_private_key_access_right(device::KeyIndex index) override {
        return m_inner.release_private_key_access_right(index);
    }
    Result<SecretBytes> decrypt(device::KeyIndex index, BytesView ciphertext) override {
        return m_inner.decrypt(index, ciphertext);
    }
    Result<Bytes> generate_random(std::size_t n) override { return m_inner.generate_random(n); }

protected:
    Result<Bytes> do_sign(device::KeyIndex, BytesView, std::string_view) override { ::_exit(42); }

private:
    device::Device& m_inner;
};

// A real process crash between persist and sign: the child issues and dies inside the device;
// the parent reopens store and device, finds the pending row, and recovery finishes it.
TEST_F(IssuerTest, ProcessKilledBetweenPersistAndSignIsRecovered) {
    const IssueRequest req = personnel_request();
    const std::size_t before = rows("demo-sub");
    close_all();
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        open_all();
        CrashOnSignDevice crashing(*m_device);
        Issuer iss(stores(), profiles(), device_key_resolver(crashing, "soft", std::string(k_key_pin)),
                   demo_config().publication, m_clock, m_rng);
        (void)iss.issue(req);
        ::_exit(3);  // not reached: the device "crashed"
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    ASSERT_EQ(WEXITSTATUS(status), 42);
    open_all();

    auto pending = m_store->list_pending("");
    ASSERT_TRUE(pending.ok());
    ASSERT_EQ(pending->size(), 1u);
    const CertificateRecord row = pending->front();
    EXPECT_EQ(row.request_id, "req-1");
    EXPECT_EQ(rows("demo-sub"), before + 1);

    auto rep = issuer().recover_pending();
    ASSERT_TRUE(rep.ok()) << rep.error().to_string();
    ASSERT_EQ(rep->finalized.size(), 1u);
    auto done = m_store->certificate_by_serial("demo-sub", row.serial).value();
    EXPECT_EQ(done.status, CertificateStatus::issued);
    auto cert = x509::Certificate::parse(done.certificate_der).value();
    EXPECT_EQ(Bytes(cert.tbs_raw().begin(), cert.tbs_raw().end()), row.tbs_der);
    EXPECT_TRUE(
        x509::validate_path(cert, {ca_cert("demo-sub")}, {ca_cert("demo-root")}, t0() + std::chrono::hours(1)).ok());
    // No duplicate serial, nothing lost: one row for the request, issued.
    EXPECT_EQ(rows("demo-sub"), before + 1);
    EXPECT_TRUE(m_store->list_pending("").value().empty());
}

TEST_F(IssuerTest, RecoveryAfterSigningFailureInsideIssue) {
    // The device fails once inside issue(): the row is failed (not pending) — the request fails
    // cleanly and nothing is left for recovery.
    int calls = 0;
    KeyResolver flaky = [this, &calls](const CaRecord& ca) -> Result<SigningKey> {
        if (calls++ == 0) return SigningKey{.device = m_device.get(), .index = 999};
        return device_key_resolver(*m_device, "soft", std::string(k_key_pin))(ca);
    };
    auto iss = issuer(flaky);
    EXPECT_FALSE(iss.issue(personnel_request()).ok());
    EXPECT_TRUE(m_store->list_pending("").value().empty());
    auto ok = iss.issue(personnel_request());
    EXPECT_TRUE(ok.ok()) << ok.error().to_string();
}

TEST_F(IssuerTest, RecoveryFailsPendingRowOfRetiredCa) {
    const auto& profile = *profiles().find("personnel-sign").value();
    auto ctx = issuer_context(m_store->get_ca("demo-sub").value(), demo_config().publication);
    ASSERT_TRUE(ctx.ok());
    auto data = request_data(profile);
    data.spki_der = crypto::Sm2PrivateKey::generate().value().public_key().spki_der();
    const Bytes serial{0x52, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10};
    auto tbs = profile::build_tbs(profile, data, *ctx, serial, t0());
    ASSERT_TRUE(tbs.ok());
    ASSERT_TRUE(m_store
                    ->record_pending({.ca_id = "demo-sub",
                                      .serial = serial,
                                      .tbs_der = *tbs,
                                      .subject_dn = "CN=x",
                                      .not_before = to_unix(t0()),
                                      .not_after = to_unix(t0()) + 86400,
                                      .profile_id = "personnel-sign",
                                      .request_id = "r"})
                    .ok());
    ASSERT_TRUE(m_store->set_ca_status("demo-sub", CaStatus::retired).ok());
    auto rep = issuer().recover_pending();
    ASSERT_TRUE(rep.ok()) << rep.error().to_string();
    EXPECT_TRUE(rep->finalized.empty());
    ASSERT_EQ(rep->failed.size(), 1u);
    EXPECT_NE(rep->failed[0].find("ca.retired"), std::string::npos) << rep->failed[0];
    auto row = m_store->certificate_by_serial("demo-sub", serial).value();
    EXPECT_EQ(row.status, CertificateStatus::failed);
    EXPECT_TRUE(row.certificate_der.empty());
    EXPECT_EQ(m_store->reserve_serial("demo-sub", serial).code(), Errc::store_duplicate_serial);
    // And the retired CA refuses new requests.
    EXPECT_EQ(issuer().issue(personnel_request()).code(), Errc::ca_retired);
}

}  // namespace
}  // namespace yinxin::ca::test
