// The SES_Signatures and seals embedded in the real OFD files of shared/interop/ofdrw (read with
// the ofd package reader, never copied): the seal-format side of the README table. References
// and the document verdicts are the OFD verifier's business (tests/ofd); here: every seal and
// signature parses, its signatures check out or fail as the table says, and the data hash
// (SM3 of Signature.xml for Type="Seal") matches.
#include <gtest/gtest.h>

#include <string>

#include "support/test_support.h"
#include "yinxin/asn1/oid.h"
#include "yinxin/ofd/package.h"
#include "yinxin/seal/ses.h"
#include "yinxin/seal/verify.h"

namespace yinxin::seal {
namespace {

struct Signed {
    Bytes value;      // SignedValue.dat
    Bytes signature;  // Signature.xml
    Bytes seal;       // Seal.esl, empty when the package has none
};

Signed read_sign(std::string_view ofd, std::string_view sign_dir) {
    Signed s;
    auto pkg = ofd::Package::read_file(test::shared_path("interop/ofdrw/" + std::string(ofd)));
    EXPECT_TRUE(pkg.ok()) << (pkg.ok() ? "" : pkg.error().to_string());
    if (!pkg) return s;
    const std::string dir = "/Doc_0/Signs/" + std::string(sign_dir) + "/";
    auto get = [&](const std::string& name) -> Bytes {
        if (!pkg->contains(dir + name)) return {};
        auto v = pkg->get(dir + name);
        return v.ok() ? Bytes(v->begin(), v->end()) : Bytes{};
    };
    s.value = get("SignedValue.dat");
    s.signature = get("Signature.xml");
    s.seal = get("Seal.esl");
    EXPECT_FALSE(s.value.empty()) << ofd << " " << sign_dir;
    return s;
}

Report verify_with_signature_xml(const Signed& s) {
    VerifyOptions o;
    o.time = from_unix(1795392000);
    o.data = BytesView(s.signature);
    return verify_signature(s.value, o);
}

void expect_intact(std::string_view ofd, std::string_view sign_dir) {
    const Signed s = read_sign(ofd, sign_dir);
    const Report r = verify_with_signature_xml(s);
    EXPECT_EQ(r.result_of("format"), CheckResult::pass) << ofd << " " << sign_dir << "\n" << r.to_text();
    EXPECT_EQ(r.result_of("signature"), CheckResult::pass) << ofd << " " << sign_dir << "\n" << r.to_text();
    EXPECT_EQ(r.result_of("seal_signature"), CheckResult::pass) << ofd << " " << sign_dir << "\n" << r.to_text();
    EXPECT_EQ(r.result_of("signer_in_cert_list"), CheckResult::pass) << ofd << " " << sign_dir << "\n" << r.to_text();
    EXPECT_EQ(r.result_of("data_hash"), CheckResult::pass) << ofd << " " << sign_dir << "\n" << r.to_text();
    EXPECT_TRUE(r.intact) << ofd << " " << sign_dir;
    if (!s.seal.empty()) {
        // GB/T 33190 / ofdrw OFDValidator: Seal.esl is the seal inside TBS_Sign, byte for byte.
        auto sig = SesSignature::parse(s.value);
        ASSERT_TRUE(sig.ok());
        EXPECT_TRUE(std::equal(s.seal.begin(), s.seal.end(), sig->seal_der().begin(), sig->seal_der().end()));
        EXPECT_TRUE(verify_seal(s.seal, VerifyOptions{}).intact) << ofd << " " << sign_dir;
    }
}

TEST(SealInOfd, ZhejiangTaxInvoiceSealWithAnOfdPicture) {
    expect_intact("1.ofd", "Sign_0");
    auto sig = SesSignature::parse(read_sign("1.ofd", "Sign_0").value);
    ASSERT_TRUE(sig.ok()) << sig.error().to_string();
    EXPECT_EQ(sig->seal().header().vendor_id, "GOMAIN");
    EXPECT_EQ(sig->seal().es_id(), "33010600000001");
    EXPECT_EQ(sig->seal().picture().type, "ofd");
}

TEST(SealInOfd, JiangsuTaxInvoice) { expect_intact("signedFile.ofd", "Sign_0"); }

TEST(SealInOfd, TwoOfdrwSealSignatures) {
    expect_intact("h.ofd", "Sign_0");
    expect_intact("h.ofd", "Sign_1");
}

TEST(SealInOfd, CegnSignatureWithRawRsAndImplicitTbsExtDatas) {
    expect_intact("keyword.ofd", "Sign_1");
    auto sig = SesSignature::parse(read_sign("keyword.ofd", "Sign_1").value);
    ASSERT_TRUE(sig.ok()) << sig.error().to_string();
    EXPECT_EQ(sig->signature_value().size(), 64U);  // raw r||s
    ASSERT_EQ(sig->ext_datas().size(), 1U);
    EXPECT_EQ(sig->ext_datas()[0].id.to_string(), "1.3.6.1.5.5.7.1.4");
    const Report r = verify_with_signature_xml(read_sign("keyword.ofd", "Sign_1"));
    EXPECT_NE(r.find("signature")->message.find("raw 64-byte"), std::string::npos) << r.to_text();
}

TEST(SealInOfd, TypeSignSignedDataIsNotAnSesSignature) {
    // keyword.ofd Sign_3 is a GB/T 35275 SignedData: a clear format error, not a crash.
    const Signed s = read_sign("keyword.ofd", "Sign_3");
    auto sig = SesSignature::parse(s.value);
    EXPECT_FALSE(sig.ok());
    EXPECT_EQ(verify_with_signature_xml(s).result_of("format"), CheckResult::fail);
}

TEST(SealInOfd, NonStandardV1SealParsesAndVerifiesButTheSignatureFails) {
    const Signed s = read_sign("n.ofd", "Sign_0");
    auto seal = Seal::parse(s.seal);
    ASSERT_TRUE(seal.ok()) << seal.error().to_string();
    EXPECT_EQ(seal->version(), SealVersion::v1);
    EXPECT_EQ(seal->header().vendor_id, "dms360.cn");
    EXPECT_TRUE(seal->property().certificates.empty());
    EXPECT_EQ(seal->property().other_cert_list_entries.size(), 1U);  // an IA5String "1"
    ASSERT_EQ(seal->ext_datas().size(), 1U);
    EXPECT_TRUE(seal->ext_datas()[0].critical);
    const Report sr = verify_seal(s.seal, VerifyOptions{});
    EXPECT_EQ(sr.result_of("seal_signature"), CheckResult::pass) << sr.to_text();

    auto sig = SesSignature::parse(s.value);
    ASSERT_TRUE(sig.ok()) << sig.error().to_string();
    EXPECT_EQ(sig->version(), SealVersion::v1);
    ASSERT_TRUE(sig->time_info().has_value());
    EXPECT_EQ(sig->time_info_text(), "2020-01-25T07:31:56.377Z");
    const Report r = verify_with_signature_xml(s);
    EXPECT_EQ(r.result_of("format"), CheckResult::pass) << r.to_text();
    EXPECT_EQ(r.result_of("seal_signature"), CheckResult::pass) << r.to_text();
    EXPECT_EQ(r.result_of("signature"), CheckResult::fail) << r.to_text();
    EXPECT_EQ(r.result_of("data_hash"), CheckResult::fail) << r.to_text();
    EXPECT_EQ(r.result_of("signer_in_cert_list"), CheckResult::fail) << r.to_text();
    EXPECT_FALSE(r.intact);
    EXPECT_FALSE(r.valid);
}

}  // namespace
}  // namespace yinxin::seal
