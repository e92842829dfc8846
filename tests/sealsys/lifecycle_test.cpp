// The seal lifecycle (LD/T 01.1-2022 §7.6-§7.10): every operation with its materials, signed
// approval, execution and effect on the seal status and on the seal certificate in the CA's
// revocation store (what CRLs and OCSP answer from); illegal transitions; the online self-service
// renewal signed with the seal's own key.
#include <gtest/gtest.h>

#include <string>

#include "sealsys_fixture.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/seal/ses.h"
#include "yinxin/seal/verify.h"
#include "yinxin/x509/crl.h"

namespace yinxin::sealsys::test {
namespace {

class Lifecycle : public SealSystemFixture {
protected:
    NewLifecycleRequest request(LifecycleKind kind, const SealRecord& seal, const std::string& reason = "原因说明") {
        NewLifecycleRequest r;
        r.kind = kind;
        r.seal_code = seal.seal_code;
        r.reason = reason;
        r.materials = materials(required_lifecycle_materials(kind));
        return r;
    }

    // zhang asks, apv approves (signed), op1 executes.
    LifecycleRequest run(const NewLifecycleRequest& in) {
        auto r = registry->request_lifecycle(as("zhang"), in);
        EXPECT_TRUE(r.ok()) << r.error().to_string();
        if (!r) return {};
        auto ok = registry->approve_lifecycle(as("apv"), r->id, sign("apv", "approve", *r));
        EXPECT_TRUE(ok.ok()) << ok.error().to_string();
        auto done = registry->execute_lifecycle(as("op1"), r->id);
        EXPECT_TRUE(done.ok()) << done.error().to_string();
        return done.ok() ? *done : LifecycleRequest{};
    }

    SealRecord reload(const std::string& code) {
        auto s = registry->get_seal(as("op1"), code);
        EXPECT_TRUE(s.ok()) << s.error().to_string();
        return s.ok() ? *s : SealRecord{};
    }

    seal::Report verify(const SealRecord& s) {
        seal::VerifyOptions vo;
        vo.time = m_clock.now();
        vo.trust_anchors = {ca_cert("demo-seal-root")};
        return seal::verify_seal(s.ses_seal_der, vo);
    }
};

TEST_F(Lifecycle, LossRevokesForKeyCompromise) {
    const SealRecord seal = made_seal();
    const LifecycleRequest done = run(request(LifecycleKind::loss, seal, "USBKey 遗失"));
    EXPECT_EQ(done.state, RequestState::completed);
    EXPECT_EQ(done.completed_by, "op1");
    const SealRecord lost = reload(seal.seal_code);
    EXPECT_EQ(lost.state, SealState::lost);
    EXPECT_EQ(revocation_reason(lost), static_cast<int>(x509::CrlReason::key_compromise));
    auto st = registry->seal_status(seal.seal_code);
    YX_ASSERT_OK(st);
    EXPECT_EQ(st->status, SealStatus::lost);
    EXPECT_NE(st->reason.find("USBKey 遗失"), std::string::npos);
    // A lost seal takes no further request; a new seal is a new application.
    YX_EXPECT_CODE(registry->request_lifecycle(as("zhang"), request(LifecycleKind::cancel, seal)),
                   Errc::seal_illegal_state);
    YX_EXPECT_CODE(registry->execute_lifecycle(as("op1"), done.id), Errc::seal_illegal_state);
    const auto history = seal_store->status_history(seal.seal_code);
    YX_ASSERT_OK(history);
    ASSERT_EQ(history->size(), 2u);
    EXPECT_EQ((*history)[0].state, SealState::valid);
    EXPECT_EQ((*history)[1].state, SealState::lost);
    const auto executed = audit_records("seal.lifecycle.execute");
    ASSERT_EQ(executed.size(), 2u);
    EXPECT_TRUE(executed[0].success);
    EXPECT_FALSE(executed[1].success);
}

TEST_F(Lifecycle, CancellationRevokesForCessationOfOperation) {
    const SealRecord seal = made_seal(Delivery::central);
    const LifecycleRequest done = run(request(LifecycleKind::cancel, seal, "机构撤销"));
    EXPECT_EQ(done.state, RequestState::completed);
    const SealRecord cancelled = reload(seal.seal_code);
    EXPECT_EQ(cancelled.state, SealState::cancelled);
    EXPECT_EQ(revocation_reason(cancelled), static_cast<int>(x509::CrlReason::cessation_of_operation));
    auto central = registry->central_seal(seal.seal_code);
    YX_ASSERT_OK(central);
    EXPECT_EQ(central->state, "cancelled");
}

TEST_F(Lifecycle, ChangeCancelsTheOldSealAndMakesALinkedNewOne) {
    const SealRecord old = made_seal();
    NewLifecycleRequest in = request(LifecycleKind::change, old, "单位更名");
    SealForm renamed = form("济南市人力资源和社会保障局合同专用章");
    renamed.unit_name = "济南市人力资源和社会保障局（新）";
    renamed.credit_code = k_other_unit_code;
    in.new_form = renamed;
    // A token seal's change needs the new key's PKCS#10.
    YX_EXPECT_CODE(registry->request_lifecycle(as("zhang"), in), Errc::seal_application_invalid);
    in.csr = token_csr("changed");
    const LifecycleRequest done = run(in);
    ASSERT_EQ(done.state, RequestState::completed);
    const SealRecord cancelled = reload(old.seal_code);
    EXPECT_EQ(cancelled.state, SealState::cancelled);
    EXPECT_EQ(revocation_reason(cancelled), static_cast<int>(x509::CrlReason::affiliation_changed));
    // The new application (approved by the request) was made at once, with a new code.
    auto app = registry->get_application(as("op1"), done.result);
    YX_ASSERT_OK(app);
    EXPECT_EQ(app->state, ApplicationState::made);
    EXPECT_EQ(app->origin_request, done.id);
    EXPECT_EQ(app->replaces, old.seal_code);
    const SealRecord fresh = reload(app->seal_code);
    EXPECT_NE(fresh.seal_code, old.seal_code);
    EXPECT_EQ(fresh.state, SealState::valid);
    EXPECT_EQ(fresh.replaces, old.seal_code);
    EXPECT_EQ(cancelled.replaced_by, fresh.seal_code);
    EXPECT_EQ(fresh.unit_name, "济南市人力资源和社会保障局（新）");
    auto cert = x509::Certificate::parse(fresh.certificate_der);
    YX_ASSERT_OK(cert);
    EXPECT_EQ(cert->subject().get(asn1::oids::at_organization).value_or(""),
              k_other_unit_code + "济南市人力资源和社会保障局（新）");
    EXPECT_TRUE(verify(fresh).valid) << verify(fresh).to_text();
    // The new seal's materials are the change request's.
    auto m = registry->material(as("op1"), app->id, 0);
    YX_ASSERT_OK(m);
    EXPECT_EQ(m->kind, MaterialKind::reason_statement);
}

TEST_F(Lifecycle, RenewalIssuesANewCertificateForTheSameKey) {
    NewApplication in = application(Delivery::central, "电子公章");
    in.validity_days = 365;
    auto a = registry->submit(as("zhang"), in);
    YX_ASSERT_OK(a);
    YX_ASSERT_OK(registry->approve(as("apv"), a->id, sign("apv", "approve", *a)));
    auto made = registry->make(as("op1"), a->id);
    YX_ASSERT_OK(made);
    const SealRecord seal = *made;
    m_clock.advance(std::chrono::hours(24 * 300));
    NewLifecycleRequest renew = request(LifecycleKind::renew, seal, "到期续期");
    ASSERT_EQ(renew.materials.size(), 3u);  // Table 5: no establishment document
    renew.validity_days = 730;
    const LifecycleRequest done = run(renew);
    ASSERT_EQ(done.state, RequestState::completed);
    const SealRecord renewed = reload(seal.seal_code);
    EXPECT_EQ(renewed.state, SealState::valid);
    EXPECT_EQ(renewed.generation, 2);
    EXPECT_NE(renewed.serial_hex, seal.serial_hex);
    EXPECT_EQ(done.result, renewed.ca_id + ":" + renewed.serial_hex);
    EXPECT_GT(renewed.valid_to, seal.valid_to + std::chrono::hours(24 * 300));
    EXPECT_EQ(renewed.device_key_label, seal.device_key_label);
    auto old_cert = x509::Certificate::parse(seal.certificate_der);
    auto new_cert = x509::Certificate::parse(renewed.certificate_der);
    YX_ASSERT_OK(new_cert);
    EXPECT_EQ(new_cert->public_key_info().der(), old_cert->public_key_info().der());
    // The old certificate is superseded; the new one is not revoked.
    EXPECT_EQ(revocation_reason(seal), static_cast<int>(x509::CrlReason::superseded));
    EXPECT_FALSE(revocation_reason(renewed).has_value());
    auto ses = seal::Seal::parse(renewed.ses_seal_der);
    YX_ASSERT_OK(ses);
    EXPECT_EQ(ses->property().valid_end, new_cert->not_after());
    EXPECT_EQ(ses->picture().data, red_png());
    EXPECT_TRUE(verify(renewed).valid) << verify(renewed).to_text();
    auto central = registry->central_seal(seal.seal_code);
    YX_ASSERT_OK(central);
    EXPECT_EQ(central->ses_seal_der, renewed.ses_seal_der);
}

TEST_F(Lifecycle, ReplacementPutsANewKeyUnderTheSameCode) {
    const SealRecord seal = made_seal();
    NewLifecycleRequest in = request(LifecycleKind::replace, seal, "USBKey 损坏");
    // The new token must hold a new key.
    auto app = registry->get_application(as("op1"), seal.application_id);
    YX_ASSERT_OK(app);
    in.csr = app->csr;
    YX_EXPECT_CODE(registry->request_lifecycle(as("zhang"), in), Errc::seal_application_invalid);
    in.csr = token_csr("new token");
    const LifecycleRequest done = run(in);
    ASSERT_EQ(done.state, RequestState::completed);
    const SealRecord replaced = reload(seal.seal_code);
    EXPECT_EQ(replaced.seal_code, seal.seal_code);
    EXPECT_EQ(replaced.generation, 2);
    auto cert = x509::Certificate::parse(replaced.certificate_der);
    YX_ASSERT_OK(cert);
    EXPECT_EQ(cert->public_key_info().der(), x509::CertificationRequest::parse(in.csr)->public_key_info().der());
    EXPECT_EQ(cert->subject().get(asn1::oids::at_common_name).value_or(""), seal.seal_code);
    EXPECT_EQ(revocation_reason(seal), static_cast<int>(x509::CrlReason::superseded));
    EXPECT_TRUE(verify(replaced).valid);

    // A central seal gets a new key in the device.
    const SealRecord central = made_seal(Delivery::central, "电子公章");
    const LifecycleRequest c = run(request(LifecycleKind::replace, central));
    ASSERT_EQ(c.state, RequestState::completed);
    const SealRecord c2 = reload(central.seal_code);
    EXPECT_EQ(c2.device_key_label, "seal-" + central.seal_code + "-g2");
    auto key = m_device->find_key(c2.device_key_label);
    YX_ASSERT_OK(key);
    EXPECT_EQ(x509::Certificate::parse(c2.certificate_der)->public_key_info().der(), key->public_key);
}

TEST_F(Lifecycle, IllegalTransitionsAndBadRequestsWriteNothing) {
    const SealRecord seal = made_seal();
    // Missing material (Table 4).
    NewLifecycleRequest bad = request(LifecycleKind::cancel, seal);
    bad.materials.pop_back();
    YX_EXPECT_CODE(registry->request_lifecycle(as("zhang"), bad), Errc::seal_application_invalid);
    bad = request(LifecycleKind::cancel, seal, "");
    YX_EXPECT_CODE(registry->request_lifecycle(as("zhang"), bad), Errc::seal_application_invalid);
    YX_EXPECT_CODE(registry->request_lifecycle(as("zhang"), request(LifecycleKind::cancel, SealRecord{})),
                   Errc::seal_not_found);
    auto r = registry->request_lifecycle(as("zhang"), request(LifecycleKind::cancel, seal));
    YX_ASSERT_OK(r);
    // One open request per seal.
    YX_EXPECT_CODE(registry->request_lifecycle(as("zhang"), request(LifecycleKind::loss, seal)),
                   Errc::seal_illegal_state);
    // Not approved yet; the submitter may not approve; wrong roles.
    YX_EXPECT_CODE(registry->execute_lifecycle(as("op1"), r->id), Errc::seal_illegal_state);
    YX_EXPECT_CODE(registry->approve_lifecycle(as("zhang"), r->id, sign("zhang", "approve", *r)), Errc::auth_denied);
    YX_EXPECT_CODE(registry->approve_lifecycle(as("yongzhang"), r->id, sign("yongzhang", "approve", *r)),
                   Errc::auth_denied);
    auto rejected = registry->reject_lifecycle(as("apv"), r->id, "说明书未盖章", sign("apv", "reject", *r));
    YX_ASSERT_OK(rejected);
    EXPECT_EQ(rejected->state, RequestState::rejected);
    YX_EXPECT_CODE(registry->approve_lifecycle(as("apv"), r->id, sign("apv", "approve", *r)), Errc::seal_illegal_state);
    YX_EXPECT_CODE(registry->execute_lifecycle(as("op1"), r->id), Errc::seal_illegal_state);
    // The seal is untouched and its certificate not revoked.
    const SealRecord now = reload(seal.seal_code);
    EXPECT_EQ(now.state, SealState::valid);
    EXPECT_EQ(now.generation, 1);
    EXPECT_FALSE(revocation_reason(now).has_value());
    // After the rejection a new request may be made; an RA operator may not execute it.
    auto again = registry->request_lifecycle(as("zhang"), request(LifecycleKind::cancel, seal));
    YX_ASSERT_OK(again);
    YX_ASSERT_OK(registry->approve_lifecycle(as("apv"), again->id, sign("apv", "approve", *again)));
    YX_EXPECT_CODE(registry->execute_lifecycle(as("ra.op"), again->id), Errc::auth_denied);
    YX_EXPECT_CODE(registry->execute_lifecycle(as("qd.op"), again->id), Errc::auth_out_of_scope);
    EXPECT_FALSE(revocation_reason(now).has_value());
    const auto refused = audit_records("seal.lifecycle.execute");
    ASSERT_EQ(refused.size(), 4u);
    EXPECT_EQ(refused[2].error_code, static_cast<std::uint32_t>(Errc::auth_denied));
}

TEST_F(Lifecycle, OnlineRenewalWithTheSealKeyNeedsNoStaff) {
    NewApplication in = application(Delivery::token, "网上续期章");
    const std::string csr_hex = hex_encode(in.csr);
    in.validity_days = 200;
    auto a = registry->submit(as("zhang"), in);
    YX_ASSERT_OK(a);
    YX_ASSERT_OK(registry->approve(as("apv"), a->id, sign("apv", "approve", *a)));
    auto made = registry->make(as("op1"), a->id);
    YX_ASSERT_OK(made);
    const SealRecord seal = *made;
    const crypto::Sm2PrivateKey& seal_key = token_keys.at(csr_hex);
    m_clock.advance(std::chrono::hours(24 * 150));

    // Signed with another key: refused, nothing written.
    OnlineRenewal req;
    req.seal_code = seal.seal_code;
    req.validity_days = 365;
    const std::string text = online_renewal_text(seal.seal_code, seal.serial_hex, req.validity_days);
    const auto other = crypto::Sm2PrivateKey::generate().value();
    req.signature = crypto::sm2_sign(other, as_bytes(text)).value();
    YX_EXPECT_CODE(registry->renew_online(as("zhang"), req), Errc::auth_decision_signature_invalid);
    // Signed by the seal key over another validity: refused too.
    req.signature =
        crypto::sm2_sign(seal_key, as_bytes(online_renewal_text(seal.seal_code, seal.serial_hex, 30))).value();
    YX_EXPECT_CODE(registry->renew_online(as("zhang"), req), Errc::auth_decision_signature_invalid);
    EXPECT_EQ(reload(seal.seal_code).generation, 1);
    auto none = registry->list_lifecycle(as("op1"), std::nullopt, seal.seal_code);
    YX_ASSERT_OK(none);
    EXPECT_TRUE(none->empty());

    // Signed by the seal key: the seal user renews on their own.
    req.signature = crypto::sm2_sign(seal_key, as_bytes(text)).value();
    auto done = registry->renew_online(as("yongzhang"), req);
    YX_ASSERT_OK(done);
    EXPECT_TRUE(done->online);
    EXPECT_EQ(done->state, RequestState::completed);
    EXPECT_EQ(done->kind, LifecycleKind::renew);
    const SealRecord renewed = reload(seal.seal_code);
    EXPECT_EQ(renewed.generation, 2);
    EXPECT_GT(renewed.valid_to, seal.valid_to);
    auto cert = x509::Certificate::parse(renewed.certificate_der);
    YX_ASSERT_OK(cert);
    EXPECT_EQ(cert->public_key_info().der(), x509::Certificate::parse(seal.certificate_der)->public_key_info().der());
    EXPECT_EQ(revocation_reason(seal), static_cast<int>(x509::CrlReason::superseded));
    // The old signature does not renew again (it names the old certificate).
    YX_EXPECT_CODE(registry->renew_online(as("zhang"), req), Errc::auth_decision_signature_invalid);
    const auto audited = audit_records("seal.lifecycle.renew_online");
    ASSERT_EQ(audited.size(), 4u);
    EXPECT_TRUE(audited[2].success);
    EXPECT_EQ(audited[2].actor, "yongzhang");

    // A central seal's key is the system's: no online renewal.
    const SealRecord central = made_seal(Delivery::central, "电子公章");
    req.seal_code = central.seal_code;
    YX_EXPECT_CODE(registry->renew_online(as("zhang"), req), Errc::seal_illegal_state);
}

}  // namespace
}  // namespace yinxin::sealsys::test
