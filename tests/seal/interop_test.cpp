// Every .esl and .dat file in shared/interop/ofdrw gives exactly the result the interop README
// table states (issue 7 "Checked by"). The files are read in place, never copied.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "support/test_support.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/crypto/signature.h"
#include "yinxin/seal/ses.h"
#include "yinxin/seal/verify.h"
#include "yinxin/x509/certificate.h"
#include "yinxin/x509/path.h"

namespace yinxin::seal {
namespace {

Bytes interop(std::string_view name) {
    return test::read_file(test::shared_path("interop/ofdrw/" + std::string(name)));
}

// A fixed "now" (tests are hermetic): 2026-11-23, after every ofdrw certificate expired.
const TimePoint k_now = from_unix(1795392000);

VerifyOptions now_options() {
    VerifyOptions o;
    o.time = k_now;
    return o;
}

std::string dump(const Report& r) { return r.to_text(); }

TEST(SealInterop, UserV1ParsesAsV1AndItsSignatureOverSealInfoCertAlgVerifies) {
    const Bytes der = interop("UserV1.esl");
    auto seal = Seal::parse(der);
    ASSERT_TRUE(seal.ok()) << seal.error().to_string();
    EXPECT_EQ(seal->version(), SealVersion::v1);
    EXPECT_EQ(seal->header().id, "ES");
    EXPECT_EQ(seal->header().vendor_id, "OFDR&WTest");
    EXPECT_EQ(seal->es_id(), "40C8CDD24DEF43388B86E62CCE1D6832");
    EXPECT_EQ(seal->property().type, 1);
    EXPECT_EQ(seal->property().certificates.size(), 1U);
    EXPECT_EQ(seal->picture().type, "PNG");
    EXPECT_EQ(seal->picture().width_mm, 40);
    EXPECT_EQ(seal->signature_algorithm(), asn1::oids::sm2_with_sm3);
    // v1 signs SEQUENCE{sealInfo, cert, alg}: not a slice of the input, and not SES_SealInfo.
    EXPECT_NE(seal->signed_bytes().size(), seal->seal_info_raw().size());
    EXPECT_EQ(seal->signed_bytes()[0], 0x30);

    const Report r = verify_seal(der, now_options());
    EXPECT_EQ(r.result_of("format"), CheckResult::pass) << dump(r);
    EXPECT_EQ(r.result_of("seal_signature"), CheckResult::pass) << dump(r);
    EXPECT_TRUE(r.intact) << dump(r);
    // Expired (2020-2022) and no trust anchor given: intact, not valid.
    EXPECT_EQ(r.result_of("seal_validity"), CheckResult::fail) << dump(r);
    EXPECT_EQ(r.result_of("trust_chain"), CheckResult::not_checked) << dump(r);
    EXPECT_FALSE(r.valid);
    EXPECT_EQ(r.version, 1);
}

TEST(SealInterop, UserV4ParsesAsV4AndItsSignatureOverSealInfoAsReceivedVerifies) {
    const Bytes der = interop("UserV4.esl");
    auto seal = Seal::parse(der);
    ASSERT_TRUE(seal.ok()) << seal.error().to_string();
    EXPECT_EQ(seal->version(), SealVersion::v4);
    EXPECT_EQ(seal->property().type, 3);
    EXPECT_EQ(seal->property().cert_list_type, CertListType::certificates);
    EXPECT_EQ(seal->property().certificates.size(), 1U);
    EXPECT_EQ(seal->es_id(), "51f044b76510434e9bc67a1185c2fba5");
    EXPECT_EQ(seal->picture().width_mm, 40);
    EXPECT_EQ(seal->picture().height_mm, 40);
    EXPECT_FALSE(seal->time_stamp().has_value());
    // The signed bytes are SES_SealInfo exactly as received, at its offset in the file.
    EXPECT_EQ(seal->signed_bytes().data(), seal->seal_info_raw().data());
    ASSERT_EQ(seal->seal_info_raw().size(), 16389U + 4U);
    EXPECT_TRUE(std::equal(seal->seal_info_raw().begin(), seal->seal_info_raw().end(), der.begin() + 4));

    const Report r = verify_seal(*seal, now_options());
    EXPECT_EQ(r.result_of("seal_signature"), CheckResult::pass) << dump(r);
    EXPECT_TRUE(r.intact) << dump(r);
    EXPECT_FALSE(r.valid);
}

TEST(SealInterop, UserV5ParsesAsV5AndVerifies) {
    const Bytes der = interop("UserV5.esl");
    auto seal = Seal::parse(der);
    ASSERT_TRUE(seal.ok()) << seal.error().to_string();
    EXPECT_EQ(seal->version(), SealVersion::v5);
    EXPECT_EQ(seal->header().vendor_id, "OFDR&WTestV5");
    EXPECT_FALSE(seal->time_stamp().has_value());
    const Report r = verify_seal(der, now_options());
    EXPECT_EQ(r.result_of("seal_signature"), CheckResult::pass) << dump(r);
    EXPECT_EQ(r.result_of("time_stamp"), CheckResult::not_checked) << dump(r);
    EXPECT_TRUE(r.intact) << dump(r);
}

TEST(SealInterop, UserV5TsHasADummyTimeStampReportedPresentButNotAToken) {
    const Bytes der = interop("UserV5_ts.esl");
    auto seal = Seal::parse(der);
    ASSERT_TRUE(seal.ok()) << seal.error().to_string();
    EXPECT_EQ(seal->version(), SealVersion::v5);
    ASSERT_TRUE(seal->time_stamp().has_value());
    EXPECT_EQ(seal->time_stamp()->form, TimeStampForm::explicit_tagged);
    EXPECT_EQ(seal->time_stamp()->token.size(), 3U);  // BIT STRING of 4 octets: unused-bits octet + 3
    // This seal's signature value is a 69-octet DER SEQUENCE (r or s shorter than 32 octets).
    auto norm = crypto::normalise_signature(seal->signature_value());
    ASSERT_TRUE(norm.ok());

    const Report r = verify_seal(der, now_options());
    EXPECT_EQ(r.result_of("format"), CheckResult::pass) << dump(r);
    EXPECT_EQ(r.result_of("seal_signature"), CheckResult::pass) << dump(r);
    const Check* ts = r.find("time_stamp");
    ASSERT_NE(ts, nullptr);
    EXPECT_EQ(ts->result, CheckResult::fail) << dump(r);
    EXPECT_NE(ts->message.find("present"), std::string::npos);
    EXPECT_NE(ts->message.find("not a valid time-stamp token"), std::string::npos);
    EXPECT_TRUE(r.intact) << dump(r);
    EXPECT_FALSE(r.valid);
}

void expect_signed_value(std::string_view file, SealVersion version) {
    const Bytes der = interop(file);
    auto sig = SesSignature::parse(der);
    ASSERT_TRUE(sig.ok()) << file << ": " << sig.error().to_string();
    EXPECT_EQ(sig->version(), version);
    EXPECT_EQ(sig->seal().version(), version);
    EXPECT_EQ(sig->property_info(), "/Doc_0/Signs/Sign_0/Signature.xml");
    EXPECT_EQ(sig->data_hash().size(), 32U);
    ASSERT_TRUE(sig->time_info().has_value());
    EXPECT_FALSE(sig->time_stamp().has_value());
    // TBS_Sign is a slice of the input.
    EXPECT_EQ(sig->tbs_raw().data(), sig->der().data() + 4);

    const Report r = verify_signature(der, now_options());
    EXPECT_EQ(r.result_of("format"), CheckResult::pass) << dump(r);
    EXPECT_EQ(r.result_of("signature"), CheckResult::pass) << dump(r);
    EXPECT_EQ(r.result_of("seal_signature"), CheckResult::pass) << dump(r);
    EXPECT_EQ(r.result_of("signer_in_cert_list"), CheckResult::pass) << dump(r);
    const Check* hash = r.find("data_hash");
    ASSERT_NE(hash, nullptr);
    EXPECT_EQ(hash->result, CheckResult::not_checked) << dump(r);
    EXPECT_EQ(r.result_of("trust_chain"), CheckResult::not_checked) << dump(r);
    EXPECT_TRUE(r.intact) << dump(r);
    EXPECT_FALSE(r.valid) << dump(r);
    EXPECT_EQ(r.signing_time_source, "time_info");
    EXPECT_EQ(r.sm2_id, "1234567812345678");
}

TEST(SealInterop, SignedValueV4SignatureAndEmbeddedSealVerifyDataHashNotChecked) {
    expect_signed_value("SignedValueV4.dat", SealVersion::v4);
}

TEST(SealInterop, SignedValueV5SignatureAndEmbeddedSealVerifyDataHashNotChecked) {
    expect_signed_value("SignedValueV5.dat", SealVersion::v5);
}

TEST(SealInterop, SignedValueWithWrongDataReportsDataHashMismatch) {
    VerifyOptions o = now_options();
    const Bytes other = to_bytes("not the Signature.xml that was signed");
    o.data = BytesView(other);
    const Report r = verify_signature(interop("SignedValueV4.dat"), o);
    EXPECT_EQ(r.result_of("signature"), CheckResult::pass);
    EXPECT_EQ(r.result_of("data_hash"), CheckResult::fail) << dump(r);
    EXPECT_FALSE(r.intact);
}

TEST(SealInterop, HebeiGedeSealParsesButItsSignatureIsInvalid) {
    const Bytes der = interop("SESealData.DER");
    auto seal = Seal::parse(der);
    ASSERT_TRUE(seal.ok()) << seal.error().to_string();
    EXPECT_EQ(seal->version(), SealVersion::v4);
    EXPECT_EQ(seal->header().vendor_id, "Vid HebeiGede");
    EXPECT_EQ(seal->picture().type, "GIF");
    EXPECT_EQ(seal->property().type, 4);
    EXPECT_EQ(seal->property().certificates.size(), 2U);
    ASSERT_EQ(seal->ext_datas().size(), 3U);
    EXPECT_EQ(seal->ext_datas()[0].id.to_string(), "1.2.156.112600.7.1");
    EXPECT_FALSE(seal->ext_datas()[0].critical);  // `critical FALSE` written explicitly
    EXPECT_TRUE(seal->ext_datas()[1].critical);
    EXPECT_EQ(yinxin::to_string(seal->ext_datas()[2].value), "HeBeiBaoDingShiCeShiDanWeiMingCheng");

    const Report r = verify_seal(der, now_options());
    EXPECT_EQ(r.result_of("format"), CheckResult::pass) << dump(r);
    EXPECT_EQ(r.result_of("seal_signature"), CheckResult::fail) << dump(r);
    EXPECT_FALSE(r.intact);
    EXPECT_FALSE(r.valid);
}

// The ofdrw test chain: ROOT.p12 (RC2-40, hence -legacy; spec §2) holds the root that issued the
// seals' maker and signer certificates (2020-2022) and sign_cert.pem (2021-2023).
std::vector<x509::Certificate> ofdrw_root() {
    test::ScratchDir dir;
    const std::vector<std::string> argv{std::string(test::k_openssl_cli),
                                        "pkcs12",
                                        "-legacy",
                                        "-in",
                                        test::shared_path("interop/ofdrw/ROOT.p12"),
                                        "-passin",
                                        "pass:123456",
                                        "-nokeys",
                                        "-out",
                                        (dir / "root.pem").string()};
    const auto r = test::run_process(argv);
    EXPECT_EQ(r.exit_code, 0) << test::describe(argv, r);
    auto certs = x509::Certificate::parse_pem_all(test::read_text(dir / "root.pem"), x509::ParseOptions::relaxed());
    EXPECT_TRUE(certs.ok());
    return certs.ok() ? *certs : std::vector<x509::Certificate>{};
}

TEST(SealInterop, WithTheOfdrwRootTheSignedValueIsValidAtItsSigningTime) {
    ASSERT_TRUE(test::openssl_available());
    const auto roots = ofdrw_root();
    ASSERT_EQ(roots.size(), 1U);
    VerifyOptions o = now_options();
    o.trust_anchors = roots;
    for (const char* f : {"SignedValueV4.dat"}) {
        const Report r = verify_signature(interop(f), o);
        // GB/T 38540 step 4: certificates and the seal period at the signing time (timeInfo
        // 2020-10-12), when all were valid; the expiry since then is a warning.
        EXPECT_EQ(r.result_of("trust_chain"), CheckResult::pass) << r.to_text();
        EXPECT_EQ(r.result_of("signer_certificate"), CheckResult::warn) << r.to_text();
        EXPECT_TRUE(r.intact) << r.to_text();
        EXPECT_TRUE(r.valid) << r.to_text();
    }
    // The bare seals at the verification time (2026): intact, trusted, but expired.
    const Report expired = verify_seal(interop("UserV4.esl"), o);
    EXPECT_EQ(expired.result_of("trust_chain"), CheckResult::fail) << expired.to_text();
    EXPECT_TRUE(expired.intact);
    EXPECT_FALSE(expired.valid);
    // ... and valid at a time inside their period.
    o.time = from_unix(1609459200);  // 2021-01-01
    for (const char* f : {"UserV1.esl", "UserV4.esl"}) {
        const Report r = verify_seal(interop(f), o);
        EXPECT_TRUE(r.valid) << f << "\n" << r.to_text();
    }
    // sign_cert.pem (re-issued 2021) chains to the same root.
    auto pem = x509::Certificate::parse_pem(test::read_text(test::shared_path("interop/ofdrw/sign_cert.pem")),
                                            x509::ParseOptions::relaxed());
    ASSERT_TRUE(pem.ok()) << pem.error().to_string();
    const auto path = x509::validate_path(*pem, {}, roots, from_unix(1672531200));  // 2023-01-01
    EXPECT_TRUE(path.ok()) << path.message;
}

TEST(SealInterop, JsonReportHasStableFields) {
    const Report r = verify_signature(interop("SignedValueV4.dat"), now_options());
    const std::string json = r.to_json_string();
    for (const char* field :
         {"\"kind\": \"signature\"", "\"intact\": true", "\"valid\": false", "\"checks\"", "\"name\": \"data_hash\"",
          "\"result\": \"not_checked\"", "\"sm2_id\": \"1234567812345678\"",
          "\"signing_time\": \"2020-10-12T11:14:03Z\"", "\"es_id\": \"51f044b76510434e9bc67a1185c2fba5\""}) {
        EXPECT_NE(json.find(field), std::string::npos) << field << " missing in\n" << json;
    }
}

}  // namespace
}  // namespace yinxin::seal
