// Real SM2 certificates from another system: the ofdrw test chain behind its seals
// (gm-and-seal-formats §2: ROOT.p12 + sign_cert.pem, "chain OK with ID"). The files stay in
// ../shared/interop; the root is extracted from the PKCS#12 at test time, certificates only.
#include <gtest/gtest.h>

#include <filesystem>

#include "test_util.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/x509/path.h"

namespace yinxin::x509 {
namespace {

namespace oids = asn1::oids;
using namespace testing;       // NOLINT(google-build-using-namespace): test helpers
using namespace yinxin::test;  // NOLINT(google-build-using-namespace): test helpers

class Ofdrw : public ::testing::Test {
protected:
    void SetUp() override {
        const std::string p12 = shared_path("interop/ofdrw/ROOT.p12");
        const std::string leaf_pem = shared_path("interop/ofdrw/sign_cert.pem");
        ASSERT_TRUE(std::filesystem::exists(p12)) << p12 << " missing (the shared interop material)";
        ASSERT_TRUE(std::filesystem::exists(leaf_pem)) << leaf_pem;
        ASSERT_TRUE(openssl_available());
        // BouncyCastle wrote the PKCS#12 with RC2-40: OpenSSL 3 needs the legacy provider (§6.9).
        const auto out = dir / "root.pem";
        auto r = openssl({"pkcs12", "-legacy", "-in", p12, "-passin", "pass:123456", "-nokeys", "-out", out.string()});
        ASSERT_EQ(r.exit_code, 0) << r.output;
        auto roots = Certificate::parse_pem_all(read_text(out));
        ASSERT_TRUE(roots.ok()) << roots.error().to_string();
        ASSERT_EQ(roots->size(), 1u);
        root = std::make_unique<Certificate>(roots->front());
        auto l = Certificate::parse_pem(read_text(leaf_pem));
        ASSERT_TRUE(l.ok()) << l.error().to_string();
        leaf = std::make_unique<Certificate>(*l);
    }

    ScratchDir dir;
    std::unique_ptr<Certificate> root;
    std::unique_ptr<Certificate> leaf;
    // Inside both validity periods (leaf 2021-07-29 .. 2023-07-29, root 2020-04-21 .. 2030-04-21).
    TimePoint when = from_unix(1640995200);  // 2022-01-01
};

TEST_F(Ofdrw, ParsesStrictly) {
    EXPECT_EQ(root->subject().to_display_string(),
              "C=CN, O=OFD R&W, ST=Zhejiang, L=Hangzhou, CN=OFD Reader and WriterROOT Certificate");
    EXPECT_TRUE(root->is_self_issued());
    EXPECT_TRUE(leaf->issuer() == root->subject());
    EXPECT_EQ(leaf->subject().get(oids::at_common_name), "Test Certificate");
    EXPECT_EQ(leaf->serial_hex(), "017af20e3374");
    EXPECT_TRUE(leaf->public_key_info().is_sm2());
    EXPECT_FALSE(leaf->extensions().basic_constraints()->ca);
    EXPECT_TRUE(leaf->extensions().ext_key_usage()->has(oids::kp_client_auth));
    EXPECT_NE(leaf->extensions().find(oids::netscape_cert_type), nullptr);
    // The root's keyUsage is digitalSignature + nonRepudiation: no keyCertSign.
    EXPECT_FALSE(root->extensions().key_usage()->has(KeyUsageBit::key_cert_sign));
    EXPECT_TRUE(root->extensions().basic_constraints()->ca);
}

TEST_F(Ofdrw, SignatureVerifiesWithTheIdAndFailsWithTheEmptyId) {
    EXPECT_TRUE(leaf->verify_signature_with(root->public_key_info(), k_gm_id).ok());
    EXPECT_EQ(leaf->verify_signature_with(root->public_key_info(), "").code(), Errc::x509_signature_invalid);
    EXPECT_TRUE(root->verify_signature_with(root->public_key_info(), k_gm_id).ok());
    EXPECT_EQ(root->verify_signature_with(root->public_key_info(), "").code(), Errc::x509_signature_invalid);
}

TEST_F(Ofdrw, PathValidation) {
    const PathResult ok = validate_path(*leaf, {}, {*root}, when);
    ASSERT_TRUE(ok.ok()) << ok.status().error().to_string();
    PathOptions empty;
    empty.sm2_id = "";
    const PathResult bad = validate_path(*leaf, {}, {*root}, when, empty);
    EXPECT_EQ(bad.code, Errc::x509_path_signature_invalid);
    EXPECT_EQ(bad.index, 0u);
    const PathResult expired = validate_path(*leaf, {}, {*root}, from_unix(1704067200));  // 2024-01-01
    EXPECT_EQ(expired.code, Errc::x509_path_expired);
    EXPECT_EQ(expired.index, 0u);
    // RFC 5280 6.1.1 (d): the anchor's own keyUsage is not checked by default; asked to, the
    // ofdrw root (no keyCertSign) is refused.
    PathOptions strict;
    strict.check_anchor_constraints = true;
    const PathResult anchor = validate_path(*leaf, {}, {*root}, when, strict);
    EXPECT_EQ(anchor.code, Errc::x509_path_bad_key_usage);
    EXPECT_EQ(anchor.index, 1u);
}

}  // namespace
}  // namespace yinxin::x509
