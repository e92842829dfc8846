// Seal application and making (LD/T 01.1-2022 §7.5): the fields and materials checked, the signed
// approval, the seal code, the seal certificate from the demo seal root, the SES_Seal signed by the
// seal-maker-system key in the device (checked by seal::verify_seal and directly with the maker
// certificate), delivery to a token or to the server for centralized use, and role refusals.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "sealsys_fixture.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/seal/ses.h"
#include "yinxin/seal/verify.h"
#include "yinxin/x509/path.h"

namespace yinxin::sealsys::test {
namespace {

class Making : public SealSystemFixture {};

TEST_F(Making, BadFieldsAndMissingMaterialsAreRefusedAndNothingIsStored) {
    struct Case {
        const char* what;
        std::function<void(NewApplication&)> spoil;
    };
    const std::vector<Case> cases = {
        {"credit code check character", [](NewApplication& a) { a.form.credit_code = "11370100MB2867521U"; }},
        {"credit code alphabet", [](NewApplication& a) { a.form.credit_code = "11370100MB286752IT"; }},
        {"ID number check digit", [](NewApplication& a) { a.form.handler_id_number = "110105194912310021"; }},
        {"ID number birth date", [](NewApplication& a) { a.form.handler_id_number = "110105194913310028"; }},
        {"division code", [](NewApplication& a) { a.form.division_code = "990100"; }},
        {"approving division", [](NewApplication& a) { a.form.approving_division_code = "37010"; }},
        {"mobile", [](NewApplication& a) { a.form.handler_mobile = "0531888800"; }},
        {"empty seal name", [](NewApplication& a) { a.form.seal_name.clear(); }},
        {"picture is not a PNG", [](NewApplication& a) { a.form.picture = to_bytes("GIF89a......"); }},
        {"picture size", [](NewApplication& a) { a.form.width_mm = 500; }},
        {"missing material",
         [](NewApplication& a) {
             a.materials.erase(std::remove_if(a.materials.begin(), a.materials.end(),
                                              [](const Material& m) { return m.kind == MaterialKind::handler_id; }),
                               a.materials.end());
         }},
        {"empty material", [](NewApplication& a) { a.materials[0].content.clear(); }},
        {"token without a PKCS#10", [](NewApplication& a) { a.csr.clear(); }},
        {"PKCS#10 with a broken proof of possession", [](NewApplication& a) { a.csr[a.csr.size() - 5] ^= 0x01; }},
    };
    for (const Case& c : cases) {
        NewApplication a = application();
        c.spoil(a);
        auto r = registry->submit(as("zhang"), a);
        ASSERT_FALSE(r.ok()) << c.what;
        EXPECT_EQ(r.code(), Errc::seal_application_invalid) << c.what << ": " << r.error().to_string();
    }
    auto list = registry->list_applications(as("op1"), std::nullopt);
    YX_ASSERT_OK(list);
    EXPECT_TRUE(list->empty());
    // Every refusal is in the audit log with its code.
    const auto records = audit_records("seal.application.submit");
    ASSERT_EQ(records.size(), cases.size());
    for (const auto& rec : records) {
        EXPECT_FALSE(rec.success);
        EXPECT_EQ(rec.error_code, static_cast<std::uint32_t>(Errc::seal_application_invalid));
        EXPECT_EQ(rec.actor, "zhang");
    }
    // A missing material names itself.
    NewApplication a = application();
    a.materials.pop_back();
    auto r = registry->submit(as("zhang"), a);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("establishment_document"), std::string::npos) << r.error().to_string();
}

TEST_F(Making, ApplyApproveMakeDeliverToAToken) {
    NewApplication in = application(Delivery::token, "济南市人力资源和社会保障局业务专用章");
    auto a = registry->submit(as("zhang"), in);
    YX_ASSERT_OK(a);
    EXPECT_EQ(a->state, ApplicationState::submitted);
    EXPECT_EQ(a->materials.size(), 4u);
    EXPECT_EQ(a->id.substr(0, 3), "sa-");
    // The material is kept with its SM3.
    auto m = registry->material(as("op1"), a->id, 1);
    YX_ASSERT_OK(m);
    EXPECT_EQ(m->content, in.materials[1].content);
    EXPECT_EQ(material_info(*m).sm3, a->materials[1].sm3);

    // Only an approved application is made; the approval is signed over the payload.
    YX_EXPECT_CODE(registry->make(as("op1"), a->id), Errc::seal_illegal_state);
    SealApplication other = *a;
    other.form.seal_name = "合同专用章";
    YX_EXPECT_CODE(registry->approve(as("apv"), a->id, sign("apv", "approve", other)),
                   Errc::auth_decision_signature_invalid);
    YX_EXPECT_CODE(registry->approve(as("apv"), a->id, sign("op1", "approve", *a)),
                   Errc::auth_decision_signature_invalid);
    auto approved = registry->approve(as("apv"), a->id, sign("apv", "approve", *a));
    YX_ASSERT_OK(approved);
    EXPECT_EQ(approved->state, ApplicationState::approved);
    EXPECT_NE(approved->approval_signature.find("approve signed by apv"), std::string::npos);
    YX_EXPECT_CODE(registry->approve(as("apv"), a->id, sign("apv", "approve", *a)), Errc::seal_illegal_state);

    auto seal = registry->make(as("op1"), a->id);
    YX_ASSERT_OK(seal);
    // The industry code: division 370100 and the division's first sequence number.
    EXPECT_EQ(seal->seal_code, "37010000000001");
    EXPECT_TRUE(valid_seal_code(seal->seal_code));
    EXPECT_EQ(seal->state, SealState::valid);
    EXPECT_EQ(seal->generation, 1);
    EXPECT_EQ(seal->filing_ref.substr(0, 21), "local:37010000000001:");
    YX_EXPECT_CODE(registry->make(as("op1"), a->id), Errc::seal_illegal_state);

    // The seal certificate: issued by demo-seal-root for the token's key, CN = the seal code.
    auto cert = x509::Certificate::parse(seal->certificate_der);
    YX_ASSERT_OK(cert);
    EXPECT_EQ(cert->subject().get(asn1::oids::at_common_name).value_or(""), seal->seal_code);
    EXPECT_EQ(cert->subject().get(asn1::oids::at_organization).value_or(""),
              k_unit_code + "济南市人力资源和社会保障局");
    auto csr = x509::CertificationRequest::parse(in.csr);
    YX_ASSERT_OK(csr);
    EXPECT_EQ(cert->public_key_info().der(), csr->public_key_info().der());
    const x509::Certificate root = ca_cert("demo-seal-root");
    const auto path = x509::validate_path(*cert, {}, {root}, m_clock.now());
    EXPECT_TRUE(path.ok()) << path.message;
    const auto maker_path = x509::validate_path(registry->maker_certificate(), {}, {root}, m_clock.now());
    EXPECT_TRUE(maker_path.ok()) << maker_path.message;

    // The SES_Seal: esID is the code, the seal certificate is in the list, the maker signed it.
    auto ses = seal::Seal::parse(seal->ses_seal_der);
    YX_ASSERT_OK(ses);
    EXPECT_EQ(ses->es_id(), seal->seal_code);
    EXPECT_EQ(ses->property().name, "济南市人力资源和社会保障局业务专用章");
    ASSERT_EQ(ses->property().certificates.size(), 1u);
    EXPECT_EQ(ses->property().certificates[0], seal->certificate_der);
    EXPECT_EQ(ses->picture().data, red_png());
    EXPECT_EQ(ses->picture().width_mm, 42);
    const auto maker_der = registry->maker_certificate().der();
    EXPECT_TRUE(std::equal(maker_der.begin(), maker_der.end(), ses->maker_certificate().begin(),
                           ses->maker_certificate().end()));
    auto maker_key = registry->maker_certificate().public_key_info().sm2_public_key();
    YX_ASSERT_OK(maker_key);
    EXPECT_TRUE(crypto::sm2_verify(*maker_key, ses->signed_bytes(), ses->signature_value()).ok());
    seal::VerifyOptions vo;
    vo.time = m_clock.now();
    vo.trust_anchors = {root};
    const seal::Report report = seal::verify_seal(seal->ses_seal_der, vo);
    EXPECT_TRUE(report.intact) << report.to_text();
    EXPECT_TRUE(report.valid) << report.to_text();

    // A second seal of the division takes the next number.
    const SealRecord second = made_seal(Delivery::token, "合同专用章");
    EXPECT_EQ(second.seal_code, "37010000000002");

    // Delivery to the token: the handler downloads the SES_Seal and the certificate.
    auto pkg = registry->download(as("zhang"), seal->seal_code);
    YX_ASSERT_OK(pkg);
    EXPECT_EQ(pkg->ses_seal_der, seal->ses_seal_der);
    EXPECT_EQ(pkg->certificate_der, seal->certificate_der);
    ASSERT_EQ(pkg->chain.size(), 1u);
    YX_EXPECT_CODE(registry->deliver(as("zhang"), a->id, ""), Errc::auth_denied);
    auto delivered = registry->deliver(as("op1"), a->id, "");
    YX_ASSERT_OK(delivered);
    EXPECT_EQ(delivered->state, ApplicationState::delivered);
    EXPECT_EQ(delivered->received_by, "张三");
    EXPECT_EQ(delivered->seal_code, seal->seal_code);
    YX_EXPECT_CODE(registry->deliver(as("op1"), a->id, ""), Errc::seal_illegal_state);

    // Status published: valid, from the making.
    auto st = registry->seal_status(seal->seal_code);
    YX_ASSERT_OK(st);
    EXPECT_EQ(st->status, SealStatus::valid);
    EXPECT_EQ(st->valid_to, cert->not_after());
    const auto made = audit_records("seal.make");
    ASSERT_EQ(made.size(), 4u);  // refused before approval, made, made again (refused), the second seal
    EXPECT_TRUE(made[1].success);
    EXPECT_NE(made[1].detail.find(seal->seal_code), std::string::npos);
}

TEST_F(Making, CentralSealKeyIsMadeInsideTheDevice) {
    NewApplication in = application(Delivery::central, "电子公章");
    in.scope = CodeScope::cross_industry;
    in.validity_days = 365;
    auto a = registry->submit(as("op2"), in);
    YX_ASSERT_OK(a);
    YX_EXPECT_CODE(registry->approve(as("op2"), a->id, sign("op2", "approve", *a)), Errc::auth_same_person);
    YX_ASSERT_OK(registry->approve(as("op1"), a->id, sign("op1", "approve", *a)));
    auto seal = registry->make(as("op1"), a->id);
    YX_ASSERT_OK(seal);
    EXPECT_EQ(seal->device_key_label, "seal-" + seal->seal_code);
    auto key = m_device->find_key(seal->device_key_label);
    YX_ASSERT_OK(key);
    auto cert = x509::Certificate::parse(seal->certificate_der);
    YX_ASSERT_OK(cert);
    EXPECT_EQ(cert->public_key_info().der(), key->public_key);
    EXPECT_EQ(cert->not_after() - cert->not_before(), std::chrono::hours(24 * 365) - std::chrono::seconds(1));

    auto central = registry->central_seal(seal->seal_code);
    YX_ASSERT_OK(central);
    EXPECT_EQ(central->device_key_label, seal->device_key_label);
    EXPECT_EQ(central->ses_seal_der, seal->ses_seal_der);
    EXPECT_EQ(central->state, "valid");
    EXPECT_EQ(central->org_node, "jinan.hall");
    EXPECT_EQ(central->unit_name, "济南市人力资源和社会保障局");
    EXPECT_EQ(central->valid_to, cert->not_after());
    // The seal key signs inside the device and verifies with the seal certificate.
    auto granted = m_device->get_private_key_access_right(key->index, ca::test::k_key_pin);
    YX_ASSERT_OK(granted);
    auto sig = m_device->sign(key->index, as_bytes("document"));
    YX_ASSERT_OK(sig);
    EXPECT_TRUE(crypto::sm2_verify(cert->public_key_info().sm2_public_key().value(), as_bytes("document"), *sig).ok());
    // A central seal is not handed out; a token seal is not a central one.
    YX_EXPECT_CODE(registry->download(as("op1"), seal->seal_code), Errc::seal_illegal_state);
    const SealRecord token = made_seal();
    YX_EXPECT_CODE(registry->central_seal(token.seal_code), Errc::seal_not_found);
    YX_EXPECT_CODE(registry->central_seal("37010099999999"), Errc::seal_not_found);
}

TEST_F(Making, RejectionIsSignedAndFinal) {
    auto a = registry->submit(as("zhang"), application());
    YX_ASSERT_OK(a);
    YX_EXPECT_CODE(registry->reject(as("apv"), a->id, "", sign("apv", "reject", *a)), Errc::seal_application_invalid);
    YX_EXPECT_CODE(registry->reject(as("apv"), a->id, "材料不全", sign("apv", "approve", *a)),
                   Errc::auth_decision_signature_invalid);
    auto r = registry->reject(as("apv"), a->id, "材料不全", sign("apv", "reject", *a));
    YX_ASSERT_OK(r);
    EXPECT_EQ(r->state, ApplicationState::rejected);
    EXPECT_EQ(r->reject_reason, "材料不全");
    YX_EXPECT_CODE(registry->approve(as("apv"), a->id, sign("apv", "approve", *a)), Errc::seal_illegal_state);
    YX_EXPECT_CODE(registry->make(as("op1"), a->id), Errc::seal_illegal_state);
    auto again = registry->get_application(as("zhang"), a->id);
    YX_ASSERT_OK(again);
    EXPECT_EQ(again->state, ApplicationState::rejected);
}

TEST_F(Making, WrongRolesAreDeniedAndAudited) {
    auto a = registry->submit(as("zhang"), application());
    YX_ASSERT_OK(a);
    YX_ASSERT_OK(registry->approve(as("apv"), a->id, sign("apv", "approve", *a)));
    // A business operator of the RA subsystem, and one of another branch.
    YX_EXPECT_CODE(registry->make(as("ra.op"), a->id), Errc::auth_denied);
    YX_EXPECT_CODE(registry->make(as("qd.op"), a->id), Errc::auth_out_of_scope);
    YX_EXPECT_CODE(registry->make(as("apv"), a->id), Errc::auth_denied);
    // A seal user may not apply; an applicant only as the handler named in the form.
    YX_EXPECT_CODE(registry->submit(as("yongzhang"), application()), Errc::auth_denied);
    NewApplication someone_else = application();
    someone_else.form.handler_id_number = "370102198001011237";
    ASSERT_TRUE(ra::valid_citizen_id(someone_else.form.handler_id_number));
    YX_EXPECT_CODE(registry->submit(as("zhang"), someone_else), Errc::auth_denied);
    const auto made = audit_records("seal.make");
    ASSERT_EQ(made.size(), 3u);
    for (const auto& rec : made) {
        EXPECT_FALSE(rec.success);
        EXPECT_EQ(rec.target, a->id);
    }
    EXPECT_EQ(made[0].actor, "ra.op");
    EXPECT_EQ(made[0].error_code, static_cast<std::uint32_t>(Errc::auth_denied));
    EXPECT_EQ(made[1].error_code, static_cast<std::uint32_t>(Errc::auth_out_of_scope));
    // Nothing was made.
    auto seals = registry->list_seals(as("op1"), std::nullopt);
    YX_ASSERT_OK(seals);
    EXPECT_TRUE(seals->empty());
    // Applicants see their own applications only; staff of another branch see none.
    auto mine = registry->list_applications(as("zhang"), std::nullopt);
    YX_ASSERT_OK(mine);
    EXPECT_EQ(mine->size(), 1u);
    auto theirs = registry->list_applications(as("qd.op"), std::nullopt);
    YX_ASSERT_OK(theirs);
    EXPECT_TRUE(theirs->empty());
    YX_EXPECT_CODE(registry->get_application(as("qd.op"), a->id), Errc::auth_out_of_scope);
}

TEST_F(Making, SystemSignersAreMadeOnceAndReopened) {
    const auto maker_serial = registry->maker_certificate().serial_hex();
    const auto status_serial = registry->status_certificate().serial_hex();
    EXPECT_NE(maker_serial, status_serial);
    EXPECT_EQ(audit_records("sealsys.signer.create").size(), 2u);
    // A second registry over the same store finds them (no new keys, no new certificates).
    SealSystemConfig config;
    config.key_pin = std::string(ca::test::k_key_pin);
    SealRegistry again(*seal_store, *auth, *audit_log, *seal_issuer, *status, *m_store, *m_store, *m_device, platform,
                       m_clock, rng, config);
    YX_ASSERT_OK(again.open_signers());
    EXPECT_EQ(again.maker_certificate().serial_hex(), maker_serial);
    EXPECT_EQ(again.status_certificate().serial_hex(), status_serial);
    EXPECT_EQ(audit_records("sealsys.signer.create").size(), 2u);
    EXPECT_EQ(registry->maker_certificate().subject().get(asn1::oids::at_common_name).value_or(""),
              "济南市人社电子印章系统 电子印章制作系统");
}

}  // namespace
}  // namespace yinxin::sealsys::test
