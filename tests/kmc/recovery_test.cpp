// Key recovery (LD/T 03-2022 §6.4.5) under two-person control: holder recovery carried out by the
// KMC's staff or delivered through the CA's restore request, and judicial recovery with the
// officer's certificate and signature. Every refusal is checked, and that it was audited.
#include <gtest/gtest.h>

#include "kmc_fixture.h"
#include "yinxin/crypto/sm2_cipher.h"

namespace yinxin::kmc::test {
namespace {

class KmcRecoveryTest : public KmcFixture {
protected:
    void SetUp() override {
        KmcFixture::SetUp();
        if (HasFatalFailure()) return;
        holder = std::make_unique<Holder>(make_holder());
        user = user_info(*holder);
        auto d = m_client->apply(user);
        ASSERT_TRUE(d.ok()) << d.error().to_string();
        original = open_enveloped_key(d->enveloped_key, holder->sign_key).value().scalar();
        // The holder lost the USB key: a new signing key and certificate.
        renewed = std::make_unique<Holder>(make_holder());
    }

    std::string cert_no() const { return hex_encode(user.user_cert_no); }
    Bytes spki(const Holder& h) const { return Bytes(h.sign_cert.public_key_info().der()); }

    HolderRecoveryRequest holder_request() const {
        HolderRecoveryRequest q;
        q.ra_request_id = "req-00000000000000aa";
        q.org_node = "ra";
        q.ca_id = "demo-sub";
        q.cert_no = cert_no();
        q.holder_public_key = spki(*renewed);
        return q;
    }

    std::unique_ptr<Holder> holder;
    std::unique_ptr<Holder> renewed;
    AppUserInfo user;
    SecretBytes original;
};

TEST_F(KmcRecoveryTest, HolderRecoveryNeedsAnOperatorAndADifferentApprover) {
    const HolderRecoveryRequest q = holder_request();
    YX_EXPECT_CODE(m_kmc->start_holder_recovery(Caller{"ra.op"}, q), Errc::auth_denied);
    YX_EXPECT_CODE(m_kmc->start_holder_recovery(Caller{"kmc.branch.op"}, q), Errc::auth_out_of_scope);
    HolderRecoveryRequest unknown = q;
    unknown.cert_no = "0abc";
    YX_EXPECT_CODE(m_kmc->start_holder_recovery(Caller{"kmc.op1"}, unknown), Errc::kmc_not_found);
    HolderRecoveryRequest bad_key = q;
    bad_key.holder_public_key = {0x30, 0x00};
    YX_EXPECT_CODE(m_kmc->start_holder_recovery(Caller{"kmc.op1"}, bad_key), Errc::kmc_bad_message);

    auto started = m_kmc->start_holder_recovery(Caller{"kmc.op1", "10.0.0.5:4431"}, q);
    YX_ASSERT_OK(started);
    EXPECT_EQ(started->state, RecoveryState::pending);
    EXPECT_EQ(started->cert_no, cert_no());
    YX_EXPECT_CODE(m_kmc->start_holder_recovery(Caller{"kmc.op2"}, q), Errc::kmc_duplicate);

    // One person alone: not before a second person approved, and not by approving oneself.
    YX_EXPECT_CODE(m_kmc->execute_recovery(Caller{"kmc.op1"}, started->id), Errc::kmc_recovery_denied);
    YX_EXPECT_CODE(m_kmc->approve_recovery(Caller{"kmc.op1"}, started->id), Errc::kmc_recovery_denied);
    // Another operator is not in the second-approver column (business_admin).
    YX_EXPECT_CODE(m_kmc->approve_recovery(Caller{"kmc.op2"}, started->id), Errc::auth_denied);
    auto approved = m_kmc->approve_recovery(Caller{"kmc.admin"}, started->id);
    YX_ASSERT_OK(approved);
    EXPECT_EQ(approved->state, RecoveryState::approved);
    EXPECT_EQ(approved->decided_by, "kmc.admin");
    YX_EXPECT_CODE(m_kmc->approve_recovery(Caller{"kmc.admin"}, started->id), Errc::kmc_illegal_state);
    // The approver does not carry it out.
    YX_EXPECT_CODE(m_kmc->execute_recovery(Caller{"kmc.admin"}, started->id), Errc::auth_denied);

    auto done = m_kmc->execute_recovery(Caller{"kmc.op2"}, started->id);
    YX_ASSERT_OK(done);
    EXPECT_EQ(done->record.state, RecoveryState::completed);
    EXPECT_EQ(done->record.completed_by, "kmc.op2");
    // Re-enveloped to the holder's CURRENT signing key: the old one no longer opens it.
    auto key = open_enveloped_key(done->enveloped_key, renewed->sign_key);
    YX_ASSERT_OK(key);
    EXPECT_EQ(key->scalar(), original);
    YX_EXPECT_CODE(open_enveloped_key(done->enveloped_key, holder->sign_key), Errc::kmc_envelope_invalid);
    YX_EXPECT_CODE(m_kmc->execute_recovery(Caller{"kmc.op1"}, started->id), Errc::kmc_illegal_state);
    EXPECT_EQ(m_kmc->get_recovery(started->id)->state, RecoveryState::completed);

    EXPECT_EQ(count_audit("kmc.recovery.start", true), 1u);
    EXPECT_EQ(count_audit("kmc.recovery.start", false), 5u);
    EXPECT_EQ(count_audit("kmc.recovery.approve", true), 1u);
    EXPECT_EQ(count_audit("kmc.recovery.approve", false), 3u);
    EXPECT_EQ(count_audit("kmc.recovery.execute", true), 1u);
    EXPECT_EQ(count_audit("kmc.recovery.execute", false), 3u);
    bool named = false;
    for (const auto& r : audit_records())
        if (r.action == "kmc.recovery.execute" && r.success)
            named = r.actor == "kmc.op2" && r.detail.find("approved by kmc.admin") != std::string::npos &&
                    r.detail.find("started by kmc.op1") != std::string::npos;
    EXPECT_TRUE(named);
}

TEST_F(KmcRecoveryTest, ARejectedRecoveryIsNeverCarriedOut) {
    auto started = m_kmc->start_holder_recovery(Caller{"kmc.op1"}, holder_request());
    YX_ASSERT_OK(started);
    YX_EXPECT_CODE(m_kmc->reject_recovery(Caller{"kmc.admin"}, started->id, ""), Errc::kmc_bad_message);
    YX_EXPECT_CODE(m_kmc->reject_recovery(Caller{"kmc.op1"}, started->id, "mine"), Errc::kmc_recovery_denied);
    auto rejected = m_kmc->reject_recovery(Caller{"kmc.admin"}, started->id, "identity documents incomplete");
    YX_ASSERT_OK(rejected);
    EXPECT_EQ(rejected->state, RecoveryState::rejected);
    YX_EXPECT_CODE(m_kmc->execute_recovery(Caller{"kmc.op2"}, started->id), Errc::kmc_illegal_state);
    YX_EXPECT_CODE(m_kmc->approve_recovery(Caller{"kmc.admin"}, started->id), Errc::kmc_illegal_state);
    // A new request for the key may be started again.
    YX_ASSERT_OK(m_kmc->start_holder_recovery(Caller{"kmc.op2"}, holder_request()));
}

TEST_F(KmcRecoveryTest, TheCaDeliversOnlyAnApprovedHolderRecovery) {
    auto refused = m_client->restore(user.user_cert_no, spki(*renewed));
    YX_EXPECT_CODE(refused, Errc::kmc_error_response);
    EXPECT_NE(refused.error().message.find("kmc.recovery_denied"), std::string::npos) << refused.error().message;

    auto started = m_kmc->start_holder_recovery(Caller{"kmc.op1"}, holder_request());
    YX_ASSERT_OK(started);
    YX_EXPECT_CODE(m_client->restore(user.user_cert_no, spki(*renewed)), Errc::kmc_error_response);
    YX_ASSERT_OK(m_kmc->approve_recovery(Caller{"kmc.admin"}, started->id));
    // Approved for the renewed key only: a restore to another key is refused.
    const Holder third = make_holder();
    YX_EXPECT_CODE(m_client->restore(user.user_cert_no, spki(third)), Errc::kmc_error_response);

    auto delivered = m_client->restore(user.user_cert_no, spki(*renewed));
    YX_ASSERT_OK(delivered);
    EXPECT_EQ(open_enveloped_key(delivered->enveloped_key, renewed->sign_key)->scalar(), original);
    const auto rec = m_kmc->get_recovery(started->id).value();
    EXPECT_EQ(rec.state, RecoveryState::completed);
    EXPECT_EQ(rec.completed_by, "ca:demo-sub");
    // Once.
    YX_EXPECT_CODE(m_client->restore(user.user_cert_no, spki(*renewed)), Errc::kmc_error_response);
    YX_EXPECT_CODE(m_kmc->execute_recovery(Caller{"kmc.op2"}, started->id), Errc::kmc_illegal_state);
}

TEST_F(KmcRecoveryTest, TheRaRequestCheckIsAsked) {
    KmcConfig config;
    config.check_ra_request = [](std::string_view id, RecoveryKind kind, std::string_view, std::string_view) -> Status {
        if (id == "req-00000000000000aa" && kind == RecoveryKind::holder) return ok_status();
        return make_error(Errc::ra_illegal_transition, "request " + std::string(id) + " is not a reviewed recovery");
    };
    open_services(config);
    HolderRecoveryRequest q = holder_request();
    q.ra_request_id = "req-00000000000000bb";
    YX_EXPECT_CODE(m_kmc->start_holder_recovery(Caller{"kmc.op1"}, q), Errc::ra_illegal_transition);
    YX_ASSERT_OK(m_kmc->start_holder_recovery(Caller{"kmc.op1"}, holder_request()));
}

class KmcJudicialTest : public KmcRecoveryTest {
protected:
    JudicialRecoveryRequest request(const Holder& officer, const crypto::Sm2PrivateKey& signer) {
        JudicialRecoveryRequest q;
        q.ra_request_id = "req-00000000000000cc";
        q.ca_id = "demo-sub";
        q.cert_no = cert_no();
        q.medium_public_key = medium.public_key().spki_der();
        q.case_reference = "（2026）鲁01刑初123号";
        q.officer_certificate.assign(officer.sign_cert.der().begin(), officer.sign_cert.der().end());
        q.officer_chain.emplace_back(m_ca_cert->der().begin(), m_ca_cert->der().end());
        q.officer_signature = crypto::sm2_sign(signer, as_bytes(judicial_request_text(q))).value();
        return q;
    }

    crypto::Sm2PrivateKey medium = crypto::Sm2PrivateKey::generate().value();  // 司法专用载体
};

TEST_F(KmcJudicialTest, NeedsTheOfficersSignatureAndTheSecondApprover) {
    const Holder officer = make_holder();  // a person certificate from demo-sub, chaining to demo-root
    const Caller op1{"kmc.op1"};

    JudicialRecoveryRequest unsigned_q = request(officer, officer.sign_key);
    unsigned_q.officer_signature.clear();
    YX_EXPECT_CODE(m_kmc->start_judicial_recovery(op1, unsigned_q), Errc::kmc_recovery_denied);
    const auto impostor = crypto::Sm2PrivateKey::generate().value();
    YX_EXPECT_CODE(m_kmc->start_judicial_recovery(op1, request(officer, impostor)), Errc::kmc_recovery_denied);
    JudicialRecoveryRequest other_medium = request(officer, officer.sign_key);
    other_medium.medium_public_key = crypto::Sm2PrivateKey::generate().value().public_key().spki_der();
    YX_EXPECT_CODE(m_kmc->start_judicial_recovery(op1, other_medium), Errc::kmc_recovery_denied);
    // A certificate that does not chain to the judicial trust anchor.
    {
        const auto self_key = crypto::Sm2PrivateKey::generate().value();
        x509::TbsCertificateBuilder b;
        const auto name = x509::Name::build({{"C", "CN"}, {"CN", "Self-made Officer"}}).value();
        b.serial(crypto::random_serial(m_os_rng).value())
            .issuer(name)
            .subject(name)
            .validity(m_clock.now() - std::chrono::hours(1), m_clock.now() + std::chrono::hours(24))
            .public_key(self_key.public_key());
        const Holder fake{self_key, b.sign_with(self_key).value()};
        JudicialRecoveryRequest q = request(fake, self_key);
        q.officer_chain.clear();
        YX_EXPECT_CODE(m_kmc->start_judicial_recovery(op1, q), Errc::kmc_recovery_denied);
    }
    YX_EXPECT_CODE(m_kmc->start_judicial_recovery(Caller{"ra.op"}, request(officer, officer.sign_key)),
                   Errc::auth_denied);

    auto started = m_kmc->start_judicial_recovery(op1, request(officer, officer.sign_key));
    YX_ASSERT_OK(started);
    EXPECT_EQ(started->kind, RecoveryKind::judicial);
    EXPECT_EQ(started->case_reference, "（2026）鲁01刑初123号");
    YX_EXPECT_CODE(m_kmc->execute_recovery(op1, started->id), Errc::kmc_recovery_denied);
    YX_EXPECT_CODE(m_kmc->approve_recovery(op1, started->id), Errc::kmc_recovery_denied);
    YX_ASSERT_OK(m_kmc->approve_recovery(Caller{"kmc.admin"}, started->id));
    auto done = m_kmc->execute_recovery(Caller{"kmc.op2"}, started->id);
    YX_ASSERT_OK(done);
    // The encrypted key file for the dedicated medium opens with the medium's key only.
    EXPECT_EQ(open_enveloped_key(done->enveloped_key, medium)->scalar(), original);
    YX_EXPECT_CODE(open_enveloped_key(done->enveloped_key, holder->sign_key), Errc::kmc_envelope_invalid);
    YX_EXPECT_CODE(open_enveloped_key(done->enveloped_key, officer.sign_key), Errc::kmc_envelope_invalid);
    EXPECT_EQ(count_audit("kmc.recovery.judicial.start", false), 5u);
    EXPECT_EQ(count_audit("kmc.recovery.judicial.start", true), 1u);
}

TEST_F(KmcJudicialTest, TheOfficersCertificateIsCheckedAgainWhenCarriedOut) {
    const Holder officer = make_holder();
    auto started = m_kmc->start_judicial_recovery(Caller{"kmc.op1"}, request(officer, officer.sign_key));
    YX_ASSERT_OK(started);
    YX_ASSERT_OK(m_kmc->approve_recovery(Caller{"kmc.admin"}, started->id));
    // Meanwhile the judicial trust anchor was replaced: the officer's certificate no longer chains.
    KmcConfig config;
    config.judicial_trust_anchors.push_back(ca_cert("demo-seal-root"));
    open_services(config);
    YX_EXPECT_CODE(m_kmc->execute_recovery(Caller{"kmc.op2"}, started->id), Errc::kmc_recovery_denied);
    EXPECT_EQ(m_kmc->get_recovery(started->id)->state, RecoveryState::approved);
    open_services();
    auto done = m_kmc->execute_recovery(Caller{"kmc.op2"}, started->id);
    YX_ASSERT_OK(done);
    EXPECT_EQ(open_enveloped_key(done->enveloped_key, medium)->scalar(), original);
}

}  // namespace
}  // namespace yinxin::kmc::test
