// Yinxin makes a v4 seal and a detached SES_Signature with fresh SM2 keys, and verifies them:
// intact and valid with the right trust anchor; tampered data, a wrong anchor, expiry, a signer
// outside the seal's list and a tampered seal are each reported by the check that owns them.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "seal_test_util.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/crypto/signature.h"
#include "yinxin/crypto/sm3.h"
#include "yinxin/seal/ofd_verify.h"
#include "yinxin/seal/ses.h"
#include "yinxin/seal/verify.h"
#include "yinxin/x509/revocation.h"

namespace yinxin::seal {
namespace {

using namespace yinxin::seal::testing;  // NOLINT(google-build-using-namespace): test fixtures

struct Made {
    TestPki pki;
    Bytes seal;
    Bytes data;
    Bytes signature;
};

Made make_all() {
    Made m{make_pki(), {}, to_bytes("合同正文 contract body, any bytes \x01\x02\x03"), {}};
    auto seal = make_seal(seal_request(m.pki), m.pki.maker.der(), sm2_sign_callback(m.pki.maker_key));
    EXPECT_TRUE(seal.ok()) << seal.error().to_string();
    if (!seal) return m;
    m.seal = std::move(seal).value();
    auto sig = make_detached_signature(m.seal, m.data, "contract.pdf", m.pki.signer.der(), k_t0 + 10 * k_day,
                                       sm2_sign_callback(m.pki.signer_key));
    EXPECT_TRUE(sig.ok()) << sig.error().to_string();
    if (sig) m.signature = std::move(sig).value();
    return m;
}

VerifyOptions options_for(const Made& m, const x509::Certificate& anchor) {
    VerifyOptions o;
    o.time = k_t0 + 30 * k_day;
    o.trust_anchors = {anchor};
    o.data = BytesView(m.data);
    return o;
}

TEST(SealRoundTrip, MadeSealParsesWithTheRequestedFields) {
    const Made m = make_all();
    auto seal = Seal::parse(m.seal);
    ASSERT_TRUE(seal.ok()) << seal.error().to_string();
    EXPECT_EQ(seal->version(), SealVersion::v4);
    EXPECT_EQ(seal->header().vendor_id, "Yinxin");
    EXPECT_EQ(seal->es_id(), "33010600000001");
    EXPECT_EQ(seal->property().type, 3);
    EXPECT_EQ(seal->property().name, "测试单位电子印章");
    EXPECT_EQ(seal->property().valid_start, k_t0);
    EXPECT_EQ(seal->property().valid_end, k_t0 + 2 * 365 * k_day);
    ASSERT_EQ(seal->property().certificates.size(), 1U);
    EXPECT_TRUE(seal->property().certificates[0] == Bytes(m.pki.signer.der().begin(), m.pki.signer.der().end()));
    EXPECT_EQ(seal->picture().type, "PNG");
    EXPECT_EQ(seal->picture().data, test_picture());
    EXPECT_EQ(seal->picture().width_mm, 42);
    EXPECT_EQ(seal->signature_algorithm(), asn1::oids::sm2_with_sm3);
    EXPECT_TRUE(std::equal(seal->maker_certificate().begin(), seal->maker_certificate().end(),
                           m.pki.maker.der().begin(), m.pki.maker.der().end()));
    // The seal signature is DER SEQUENCE{r,s}, over SES_SealInfo.
    auto norm = crypto::normalise_signature(seal->signature_value());
    ASSERT_TRUE(norm.ok());
    EXPECT_EQ(norm->received, crypto::SignatureEncoding::der);
    EXPECT_TRUE(crypto::sm2_verify(m.pki.maker_key.public_key(), seal->seal_info_raw(), seal->signature_value()).ok());
}

TEST(SealRoundTrip, MadeSignatureParsesWithTheRequestedFields) {
    const Made m = make_all();
    auto sig = SesSignature::parse(m.signature);
    ASSERT_TRUE(sig.ok()) << sig.error().to_string();
    EXPECT_EQ(sig->version(), SealVersion::v4);
    EXPECT_TRUE(std::equal(sig->seal_der().begin(), sig->seal_der().end(), m.seal.begin(), m.seal.end()));
    ASSERT_TRUE(sig->time_info().has_value());
    EXPECT_EQ(*sig->time_info(), k_t0 + 10 * k_day);
    const auto digest = crypto::sm3(m.data);
    EXPECT_TRUE(std::equal(sig->data_hash().begin(), sig->data_hash().end(), digest.begin(), digest.end()));
    EXPECT_EQ(sig->property_info(), "contract.pdf");
    EXPECT_FALSE(sig->time_stamp().has_value());
    EXPECT_TRUE(crypto::sm2_verify(m.pki.signer_key.public_key(), sig->tbs_raw(), sig->signature_value()).ok());
}

TEST(SealRoundTrip, VerifiesIntactAndValidWithTheRightAnchor) {
    const Made m = make_all();
    const Report r = verify_signature(m.signature, options_for(m, m.pki.root));
    for (const auto& c : r.checks) {
        if (c.name == "time_stamp" || c.name == "revocation") {
            EXPECT_EQ(c.result, CheckResult::not_checked) << c.message;
        } else {
            EXPECT_EQ(c.result, CheckResult::pass) << c.name << ": " << c.message;
        }
    }
    EXPECT_TRUE(r.intact) << r.to_text();
    EXPECT_TRUE(r.valid) << r.to_text();
    EXPECT_EQ(r.signing_time, k_t0 + 10 * k_day);

    const Report s = verify_seal(m.seal, options_for(m, m.pki.root));
    EXPECT_TRUE(s.intact) << s.to_text();
    EXPECT_TRUE(s.valid) << s.to_text();
}

// Revocation of the signer's or maker's certificate (verify.h): revoked → fail and not valid, even
// after the claimed signing time (timeInfo is only the signer's claim); unknown → warn, still
// valid; good → pass. The checker sees every certificate of both paths with its issuer.
TEST(SealRoundTrip, RevocationOfTheSignerOrMakerCertificate) {
    const Made m = make_all();
    VerifyOptions o = options_for(m, m.pki.root);
    std::vector<std::string> asked;
    auto answer = x509::RevocationState::good;
    o.revocation = [&](const x509::Certificate& cert, const x509::Certificate& issuer) {
        asked.push_back(cert.subject().to_string() + " <- " + issuer.subject().to_string());
        x509::RevocationStatus st;
        st.state = cert == m.pki.signer ? answer : x509::RevocationState::good;
        st.revoked_at = k_t0 + 20 * k_day;  // after the signing time claimed in timeInfo
        st.reason = x509::CrlReason::superseded;
        st.source = "test CRL";
        st.message = "the CRL server did not answer";
        return st;
    };
    Report r = verify_signature(m.signature, o);
    EXPECT_EQ(r.result_of("revocation"), CheckResult::pass) << r.to_text();
    EXPECT_TRUE(r.valid);
    EXPECT_GE(asked.size(), 2u);  // the signer's and the maker's certificates, each once

    answer = x509::RevocationState::unknown;
    r = verify_signature(m.signature, o);
    EXPECT_EQ(r.result_of("revocation"), CheckResult::warn) << r.to_text();
    EXPECT_NE(r.find("revocation")->message.find("did not answer"), std::string::npos);
    EXPECT_TRUE(r.valid);

    answer = x509::RevocationState::revoked;
    r = verify_signature(m.signature, o);
    EXPECT_EQ(r.result_of("revocation"), CheckResult::fail) << r.to_text();
    EXPECT_NE(r.find("revocation")->message.find("superseded"), std::string::npos);
    EXPECT_TRUE(r.intact);
    EXPECT_FALSE(r.valid);
    EXPECT_EQ(status_of(r), DocumentStatus::invalid);
}
TEST(SealRoundTrip, TamperedDataFailsDataHashAndIsNotIntact) {
    const Made m = make_all();
    Bytes changed = m.data;
    changed[0] ^= 0x01;
    VerifyOptions o = options_for(m, m.pki.root);
    o.data = BytesView(changed);
    const Report r = verify_signature(m.signature, o);
    EXPECT_EQ(r.result_of("data_hash"), CheckResult::fail) << r.to_text();
    EXPECT_EQ(r.result_of("signature"), CheckResult::pass);
    EXPECT_FALSE(r.intact);
    EXPECT_FALSE(r.valid);
    // A precomputed digest is the same check.
    VerifyOptions d = options_for(m, m.pki.root);
    d.data.reset();
    d.data_digest = crypto::sm3(m.data);
    EXPECT_TRUE(verify_signature(m.signature, d).valid);
}

TEST(SealRoundTrip, WrongAnchorIsIntactButNotValid) {
    const Made m = make_all();
    const TestPki other = make_pki("Some Other Root");
    const Report r = verify_signature(m.signature, options_for(m, other.root));
    EXPECT_EQ(r.result_of("trust_chain"), CheckResult::fail) << r.to_text();
    EXPECT_TRUE(r.intact) << r.to_text();
    EXPECT_FALSE(r.valid);
    // No anchor at all: trust not established, still intact.
    VerifyOptions none = options_for(m, m.pki.root);
    none.trust_anchors.clear();
    const Report n = verify_signature(m.signature, none);
    EXPECT_EQ(n.result_of("trust_chain"), CheckResult::not_checked);
    EXPECT_TRUE(n.intact);
    EXPECT_FALSE(n.valid);
}

TEST(SealRoundTrip, TamperedSignatureOrSealBytesAreNotIntact) {
    const Made m = make_all();
    auto sig = SesSignature::parse(m.signature);
    ASSERT_TRUE(sig.ok());
    // Flip one octet of the picture inside the embedded SES_SealInfo: both the seal signature and
    // the signature over TBS_Sign (which contains the seal) break.
    Bytes tampered = m.signature;
    const auto pic = test_picture();
    auto at = std::search(tampered.begin(), tampered.end(), pic.begin(), pic.end());
    ASSERT_NE(at, tampered.end());
    at[3] ^= 0x20;  // "PNG" -> "PNg"
    const Report r = verify_signature(tampered, options_for(m, m.pki.root));
    EXPECT_EQ(r.result_of("format"), CheckResult::pass) << r.to_text();
    EXPECT_EQ(r.result_of("seal_signature"), CheckResult::fail) << r.to_text();
    EXPECT_EQ(r.result_of("signature"), CheckResult::fail) << r.to_text();
    EXPECT_FALSE(r.intact);

    // The same in a bare seal.
    Bytes seal = m.seal;
    auto p = std::search(seal.begin(), seal.end(), pic.begin(), pic.end());
    ASSERT_NE(p, seal.end());
    p[3] ^= 0x20;
    const Report s = verify_seal(seal, options_for(m, m.pki.root));
    EXPECT_EQ(s.result_of("seal_signature"), CheckResult::fail);
    EXPECT_FALSE(s.intact);
}

TEST(SealRoundTrip, SigningOutsideTheSealPeriodAndExpiredCertificatesFailValidityOnly) {
    const Made m = make_all();
    // Signed after the seal's validEnd (2 years) and the certificates' notAfter (3 years).
    auto late = make_detached_signature(m.seal, m.data, "late.pdf", m.pki.signer.der(), k_t0 + 4 * 365 * k_day,
                                        sm2_sign_callback(m.pki.signer_key));
    ASSERT_TRUE(late.ok()) << late.error().to_string();
    const Report r = verify_signature(*late, options_for(m, m.pki.root));
    EXPECT_EQ(r.result_of("seal_validity"), CheckResult::fail) << r.to_text();
    EXPECT_EQ(r.result_of("signer_certificate"), CheckResult::fail) << r.to_text();
    EXPECT_EQ(r.result_of("maker_certificate"), CheckResult::fail) << r.to_text();
    EXPECT_TRUE(r.intact);
    EXPECT_FALSE(r.valid);
}

TEST(SealRoundTrip, SignerNotInTheSealsCertListIsReported) {
    const Made m = make_all();
    // The maker signs with the seal although only the signer's certificate is listed.
    auto sig = make_detached_signature(m.seal, m.data, "x", m.pki.maker.der(), k_t0 + k_day,
                                       sm2_sign_callback(m.pki.maker_key));
    ASSERT_TRUE(sig.ok()) << sig.error().to_string();
    const Report r = verify_signature(*sig, options_for(m, m.pki.root));
    EXPECT_EQ(r.result_of("signature"), CheckResult::pass);
    EXPECT_EQ(r.result_of("signer_in_cert_list"), CheckResult::fail) << r.to_text();
    EXPECT_TRUE(r.intact);
    EXPECT_FALSE(r.valid);
}

TEST(SealRoundTrip, SignatureWithTimeStampAndExtDatas) {
    const Made m = make_all();
    SignatureRequest req;
    req.seal = m.seal;
    req.time = k_t0 + k_day;
    const auto digest = crypto::sm3(m.data);
    req.data_hash.assign(digest.begin(), digest.end());
    req.property_info = "/Doc_0/Signs/Sign_0/Signature.xml";
    req.signer_certificate.assign(m.pki.signer.der().begin(), m.pki.signer.der().end());
    req.ext_datas.push_back(ExtData{asn1::Oid("1.3.6.1.5.5.7.1.4"), true, to_bytes("ext value")});
    Bytes seen_signature;
    req.time_stamp = [&](BytesView s) -> Result<Bytes> {
        seen_signature.assign(s.begin(), s.end());
        return to_bytes("not a token");
    };
    auto der = make_signature(req, sm2_sign_callback(m.pki.signer_key));
    ASSERT_TRUE(der.ok()) << der.error().to_string();
    auto sig = SesSignature::parse(*der);
    ASSERT_TRUE(sig.ok()) << sig.error().to_string();
    ASSERT_EQ(sig->ext_datas().size(), 1U);
    EXPECT_EQ(sig->ext_datas()[0].id.to_string(), "1.3.6.1.5.5.7.1.4");
    EXPECT_TRUE(sig->ext_datas()[0].critical);
    EXPECT_EQ(sig->ext_datas()[0].value, to_bytes("ext value"));
    ASSERT_TRUE(sig->time_stamp().has_value());
    EXPECT_EQ(sig->time_stamp()->form, TimeStampForm::explicit_tagged);
    EXPECT_EQ(sig->time_stamp()->token, to_bytes("not a token"));
    // The time-stamp callback saw the signature value that was written.
    EXPECT_TRUE(std::equal(seen_signature.begin(), seen_signature.end(), sig->signature_value().begin(),
                           sig->signature_value().end()));
    const Report r = verify_signature(*sig, options_for(m, m.pki.root));
    EXPECT_EQ(r.result_of("time_stamp"), CheckResult::fail) << r.to_text();
    EXPECT_TRUE(r.intact);
    EXPECT_FALSE(r.valid);
}

TEST(SealRoundTrip, RawRsSignatureFromADeviceIsStoredAsDer) {
    const TestPki pki = make_pki();
    // A device that returns SDF-style raw r||s.
    SignCallback raw_signer = [&](BytesView tbs) -> Result<Bytes> {
        YX_ASSIGN_OR_RETURN(Bytes der, crypto::sm2_sign(pki.maker_key, tbs));
        return crypto::der_to_raw(der);
    };
    auto seal = make_seal(seal_request(pki), pki.maker.der(), raw_signer);
    ASSERT_TRUE(seal.ok()) << seal.error().to_string();
    auto parsed = Seal::parse(*seal);
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(crypto::normalise_signature(parsed->signature_value())->received, crypto::SignatureEncoding::der);
}

TEST(SealRoundTrip, BuilderRefusesBadInputs) {
    const TestPki pki = make_pki();
    const SignCallback sign = sm2_sign_callback(pki.maker_key);
    auto expect_refused = [&](SealRequest r, Errc code) {
        EXPECT_EQ(make_seal(r, pki.maker.der(), sign).code(), code);
    };
    SealRequest r = seal_request(pki);
    r.es_id.clear();
    expect_refused(r, Errc::seal_bad_request);
    r = seal_request(pki);
    r.picture.clear();
    expect_refused(r, Errc::seal_bad_request);
    r = seal_request(pki);
    r.valid_end = r.valid_start - k_day;
    expect_refused(r, Errc::seal_bad_request);
    r = seal_request(pki);
    r.signer_certificates.clear();
    expect_refused(r, Errc::seal_bad_request);
    r = seal_request(pki);
    r.signer_certificates[0] = to_bytes("not a certificate");
    expect_refused(r, Errc::seal_bad_request);
    EXPECT_EQ(make_seal(seal_request(pki), to_bytes("junk"), sign).code(), Errc::seal_bad_request);
    // Signed with the wrong key, or with the empty ID (OpenSSL 3.0's default, spec §6.1): refused.
    EXPECT_EQ(make_seal(seal_request(pki), pki.maker.der(), sm2_sign_callback(pki.signer_key)).code(),
              Errc::seal_signer_failed);
    EXPECT_EQ(make_seal(seal_request(pki), pki.maker.der(), sm2_sign_callback(pki.maker_key, "")).code(),
              Errc::seal_signer_failed);
    SignCallback failing = [](BytesView) -> Result<Bytes> { return make_error(Errc::device_locked, "locked"); };
    EXPECT_EQ(make_seal(seal_request(pki), pki.maker.der(), failing).code(), Errc::seal_signer_failed);
    SignCallback garbage = [](BytesView) -> Result<Bytes> { return to_bytes("xyz"); };
    EXPECT_EQ(make_seal(seal_request(pki), pki.maker.der(), garbage).code(), Errc::seal_signer_failed);

    // Signatures: the seal must parse, dataHash must not be empty.
    SignatureRequest s;
    s.seal = to_bytes("junk");
    s.data_hash = Bytes(32, 1);
    s.signer_certificate.assign(pki.signer.der().begin(), pki.signer.der().end());
    EXPECT_EQ(make_signature(s, sm2_sign_callback(pki.signer_key)).code(), Errc::seal_bad_request);
    s.seal = make_seal(seal_request(pki), pki.maker.der(), sign).value();
    s.data_hash.clear();
    EXPECT_EQ(make_signature(s, sm2_sign_callback(pki.signer_key)).code(), Errc::seal_bad_request);
}

}  // namespace
}  // namespace yinxin::seal
