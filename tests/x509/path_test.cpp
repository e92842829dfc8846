#include "yinxin/x509/path.h"

#include <gtest/gtest.h>

#include <functional>

#include "test_util.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/asn1/writer.h"

namespace yinxin::x509 {
namespace {

namespace oids = asn1::oids;
using namespace testing;       // NOLINT(google-build-using-namespace): test helpers
using namespace yinxin::test;  // NOLINT(google-build-using-namespace): test helpers

class Path : public ::testing::Test {
protected:
    static Chain& chain() {
        static Chain c;  // key generation is the slow part: one chain for the whole suite
        return c;
    }
    const Chain& c = chain();

    // A sub CA variant signed by the root.
    Certificate sub_with(const std::function<void(TbsCertificateBuilder&)>& adjust, std::string_view id = k_gm_id) {
        auto b = ca_builder(c.sub_name, c.root_name, c.sub_key.public_key(), c.root_spki, 20, 0);
        adjust(b);
        return must(b.sign_with(c.root_key, id));
    }
    // A leaf variant signed by the sub CA.
    Certificate leaf_with(const std::function<void(TbsCertificateBuilder&)>& adjust) {
        auto b = leaf_builder(c.leaf_name, c.sub_name, c.leaf_key.public_key(), c.sub_spki, 30);
        adjust(b);
        return must(b.sign_with(c.sub_key));
    }
    PathResult validate(const Certificate& leaf, const std::vector<Certificate>& inter, TimePoint t = t0(),
                        const PathOptions& opt = {}) {
        return validate_path(leaf, inter, {c.root}, t, opt);
    }
};

#define EXPECT_PATH_FAIL(result, errc, idx)                               \
    do {                                                                  \
        const PathResult& r_ = (result);                                  \
        EXPECT_EQ(r_.code, errc) << r_.status().error().to_string();      \
        EXPECT_EQ(r_.index, static_cast<std::size_t>(idx)) << r_.message; \
        EXPECT_FALSE(r_.ok());                                            \
    } while (false)

TEST_F(Path, RootSubLeafValidates) {
    const PathResult r = validate(c.leaf, {c.sub});
    ASSERT_TRUE(r.ok()) << r.status().error().to_string();
    ASSERT_EQ(r.path.size(), 2u);
    EXPECT_TRUE(r.path[0] == c.leaf);
    EXPECT_TRUE(r.path[1] == c.sub);
    ASSERT_TRUE(r.anchor.has_value());
    EXPECT_TRUE(*r.anchor == c.root);
    EXPECT_TRUE(r.status().ok());
    // Unrelated and duplicate intermediates, and the root among them, change nothing.
    const Certificate other = load_cert("x509/openssl_sm2_sub.pem");
    EXPECT_TRUE(validate(c.leaf, {other, c.root, c.sub, c.sub}).ok());
}

TEST_F(Path, TheIdAppliesToEveryCertificate) {
    PathOptions empty;
    empty.sm2_id = "";
    EXPECT_PATH_FAIL(validate(c.leaf, {c.sub}, t0(), empty), Errc::x509_path_signature_invalid, 0);
    // The leaf is fine but the sub CA was signed with the empty ID: OpenSSL's `verify -vfyopt`
    // would miss this (it sets the ID on the leaf only, gm-and-seal-formats §6.3).
    const Certificate sub_empty = sub_with([](TbsCertificateBuilder&) {}, "");
    EXPECT_PATH_FAIL(validate(c.leaf, {sub_empty}), Errc::x509_path_signature_invalid, 1);
}

TEST_F(Path, Validity) {
    EXPECT_PATH_FAIL(validate(c.leaf, {c.sub}, t0() + 400 * k_day), Errc::x509_path_expired, 0);
    EXPECT_PATH_FAIL(validate(c.leaf, {c.sub}, t0() - 31 * k_day), Errc::x509_path_not_yet_valid, 0);
    const Certificate short_sub =
        sub_with([](TbsCertificateBuilder& b) { b.validity(t0() - 400 * k_day, t0() - k_day); });
    EXPECT_PATH_FAIL(validate(c.leaf, {short_sub}), Errc::x509_path_expired, 1);
    // An expired trust anchor: index = path size (the anchor), unless anchor validity is off.
    auto rb = ca_builder(c.root_name, c.root_name, c.root_key.public_key(), c.root_spki, 1);
    rb.validity(t0() - 400 * k_day, t0() - k_day);
    const Certificate old_root = must(rb.sign_with(c.root_key));
    const PathResult r = validate_path(c.leaf, {c.sub}, {old_root}, t0());
    EXPECT_PATH_FAIL(r, Errc::x509_path_expired, 2);
    EXPECT_NE(r.status().error().message.find("trust anchor"), std::string::npos);
    PathOptions lax;
    lax.check_anchor_validity = false;
    EXPECT_TRUE(validate_path(c.leaf, {c.sub}, {old_root}, t0(), lax).ok());
}

TEST_F(Path, NoIssuer) {
    const PathResult r = validate(c.leaf, {});
    EXPECT_PATH_FAIL(r, Errc::x509_path_no_issuer, 0);
    EXPECT_NE(r.message.find("Yinxin Test Sub CA"), std::string::npos) << r.message;
    EXPECT_PATH_FAIL(validate_path(c.leaf, {c.sub}, {}, t0()), Errc::x509_path_no_issuer, 1);
}

TEST_F(Path, IssuerMustBeACa) {
    const Certificate no_bc = [&] {
        TbsCertificateBuilder b;
        b.serial(serial_of(21)).issuer(c.root_name).subject(c.sub_name).validity(t0() - k_day, t0() + k_day);
        b.public_key(c.sub_key.public_key()).key_usage(KeyUsage::of({KeyUsageBit::key_cert_sign}));
        return must(b.sign_with(c.root_key));
    }();
    EXPECT_PATH_FAIL(validate(c.leaf, {no_bc}), Errc::x509_path_not_ca, 1);
    const Certificate not_ca = [&] {
        TbsCertificateBuilder b;
        b.serial(serial_of(22)).issuer(c.root_name).subject(c.sub_name).validity(t0() - k_day, t0() + k_day);
        b.public_key(c.sub_key.public_key()).basic_constraints({false, std::nullopt});
        return must(b.sign_with(c.root_key));
    }();
    EXPECT_PATH_FAIL(validate(c.leaf, {not_ca}), Errc::x509_path_not_ca, 1);
}

TEST_F(Path, IssuerKeyUsageMustAssertKeyCertSign) {
    const Certificate bad = [&] {
        TbsCertificateBuilder b;
        b.serial(serial_of(23)).issuer(c.root_name).subject(c.sub_name).validity(t0() - k_day, t0() + k_day);
        b.public_key(c.sub_key.public_key())
            .basic_constraints({true, std::nullopt})
            .key_usage(KeyUsage::of({KeyUsageBit::digital_signature, KeyUsageBit::crl_sign}));
        return must(b.sign_with(c.root_key));
    }();
    EXPECT_PATH_FAIL(validate(c.leaf, {bad}), Errc::x509_path_bad_key_usage, 1);
    // RFC 5280 6.1.4 (n) applies only when keyUsage is present.
    const Certificate no_ku = [&] {
        TbsCertificateBuilder b;
        b.serial(serial_of(24)).issuer(c.root_name).subject(c.sub_name).validity(t0() - k_day, t0() + k_day);
        b.public_key(c.sub_key.public_key()).basic_constraints({true, std::nullopt});
        return must(b.sign_with(c.root_key));
    }();
    EXPECT_TRUE(validate(c.leaf, {no_ku}).ok());
}

TEST_F(Path, UnknownCriticalExtensions) {
    const Certificate leaf = leaf_with([](TbsCertificateBuilder& b) {
        b.add_extension(Extension{asn1::Oid("1.2.3.4.5"), true, {0x05, 0x00}});
    });
    EXPECT_PATH_FAIL(validate(leaf, {c.sub}), Errc::x509_path_unknown_critical, 0);
    PathOptions opt;
    opt.extra_known_critical.push_back(asn1::Oid("1.2.3.4.5"));
    EXPECT_TRUE(validate(leaf, {c.sub}, t0(), opt).ok());
    // The same extension non-critical is ignored.
    const Certificate nc = leaf_with([](TbsCertificateBuilder& b) {
        b.add_extension(Extension{asn1::Oid("1.2.3.4.5"), false, {0x05, 0x00}});
    });
    EXPECT_TRUE(validate(nc, {c.sub}).ok());
    // nameConstraints is not processed here, so a critical one refuses the sub CA.
    const Certificate nc_sub = sub_with([](TbsCertificateBuilder& b) {
        b.add_extension(Extension{oids::ce_name_constraints, true, {0x30, 0x00}});
    });
    EXPECT_PATH_FAIL(validate(c.leaf, {nc_sub}), Errc::x509_path_unknown_critical, 1);
}

TEST_F(Path, MaximumLength) {
    PathOptions opt;
    opt.max_path_length = 1;
    EXPECT_PATH_FAIL(validate(c.leaf, {c.sub}, t0(), opt), Errc::x509_path_too_long, 0);
    opt.max_path_length = 2;
    EXPECT_TRUE(validate(c.leaf, {c.sub}, t0(), opt).ok());
}

TEST_F(Path, PathLenConstraint) {
    // root → sub (pathLen 0) → sub2 → leaf: one intermediate below a CA that allows none.
    const auto sub2_key = new_key();
    const Name sub2_name = make_name({{"C", "CN"}, {"O", "印信测试"}, {"CN", "Yinxin Test Sub CA 2"}});
    const auto sub2_spki = SubjectPublicKeyInfo::from_sm2(sub2_key.public_key());
    const Certificate sub2 =
        must(ca_builder(sub2_name, c.sub_name, sub2_key.public_key(), c.sub_spki, 40).sign_with(c.sub_key));
    const Certificate leaf2 =
        must(leaf_builder(c.leaf_name, sub2_name, c.leaf_key.public_key(), sub2_spki, 41).sign_with(sub2_key));
    EXPECT_PATH_FAIL(validate(leaf2, {sub2, c.sub}), Errc::x509_path_len_exceeded, 2);
    auto b = ca_builder(c.sub_name, c.root_name, c.sub_key.public_key(), c.root_spki, 42, 1);
    const Certificate sub_ok = must(b.sign_with(c.root_key));
    const PathResult r = validate(leaf2, {sub2, sub_ok});
    ASSERT_TRUE(r.ok()) << r.status().error().to_string();
    EXPECT_EQ(r.path.size(), 3u);
}

TEST_F(Path, UndecodableExtensionFromLenientParse) {
    // certificatePolicies whose value is not a SEQUENCE; assembled by hand because the builder's
    // own strict parse would refuse it.
    auto b = leaf_builder(c.leaf_name, c.sub_name, c.leaf_key.public_key(), c.sub_spki, 31);
    b.add_extension(Extension{oids::ce_certificate_policies, false, {0x02, 0x01, 0x01}});
    const Bytes tbs = b.build_tbs().value();
    const Bytes sig = crypto::sm2_sign(c.sub_key, tbs).value();
    asn1::Writer w;
    w.sequence([&](asn1::Writer& s) {
        s.raw(tbs);
        s.raw(AlgorithmIdentifier::sm2_with_sm3().raw);
        s.bit_string(sig);
    });
    const Bytes der = w.finish().value();
    EXPECT_EQ(Certificate::parse(der).code(), Errc::x509_bad_extension);
    const Certificate lenient = must(Certificate::parse(der, ParseOptions::relaxed()));
    EXPECT_PATH_FAIL(validate(lenient, {c.sub}), Errc::x509_path_bad_extension, 0);
}

TEST_F(Path, RevocationHook) {
    PathOptions opt;
    std::vector<std::string> seen;
    opt.revocation = [&](const Certificate& cert, const Certificate& issuer, std::size_t index) -> Status {
        seen.push_back(std::to_string(index) + ":" + *cert.subject().get(oids::at_common_name) + "<" +
                       *issuer.subject().get(oids::at_common_name));
        if (index == 0) return make_error(Errc::x509_path_revoked, "revoked (keyCompromise) at 2025-12-01");
        return ok_status();
    };
    const PathResult r = validate(c.leaf, {c.sub}, t0(), opt);
    EXPECT_PATH_FAIL(r, Errc::x509_path_revoked, 0);
    EXPECT_EQ(seen, std::vector<std::string>{"0:张三<Yinxin Test Sub CA"});
    seen.clear();
    opt.revocation = [&](const Certificate& cert, const Certificate& issuer, std::size_t index) -> Status {
        seen.push_back(std::to_string(index) + ":" + *cert.subject().get(oids::at_common_name) + "<" +
                       *issuer.subject().get(oids::at_common_name));
        return ok_status();
    };
    EXPECT_TRUE(validate(c.leaf, {c.sub}, t0(), opt).ok());
    EXPECT_EQ(seen,
              (std::vector<std::string>{"0:张三<Yinxin Test Sub CA", "1:Yinxin Test Sub CA<Yinxin Test Root CA"}));
}

TEST_F(Path, TheReportedFailureIsFromTheFurthestCandidatePath) {
    // A decoy issuer with the sub CA's name (no SKI, so the leaf's AKI does not exclude it) fails
    // its signature check; the real path is complete but the leaf is revoked: that is reported.
    const auto k = new_key();
    TbsCertificateBuilder b;
    b.serial(serial_of(95)).issuer(c.root_name).subject(c.sub_name).validity(t0() - k_day, t0() + k_day);
    b.public_key(k.public_key()).basic_constraints({true, std::nullopt});
    const Certificate decoy = must(b.sign_with(c.root_key));
    PathOptions opt;
    opt.revocation = [](const Certificate&, const Certificate&, std::size_t index) -> Status {
        if (index == 0) return make_error(Errc::x509_path_revoked, "revoked");
        return ok_status();
    };
    const PathResult r = validate(c.leaf, {decoy, c.sub}, t0(), opt);
    EXPECT_PATH_FAIL(r, Errc::x509_path_revoked, 0);
    ASSERT_EQ(r.path.size(), 2u);
    EXPECT_TRUE(r.path[1] == c.sub);
    EXPECT_TRUE(validate(c.leaf, {decoy, c.sub}).ok());
}

TEST_F(Path, KeyIdentifiersChooseAmongIssuersWithTheSameName) {
    // A re-keyed sub CA: same name, new key. The leaf's AKI points at the new key.
    const auto new_sub_key = new_key();
    const auto new_sub_spki = SubjectPublicKeyInfo::from_sm2(new_sub_key.public_key());
    const Certificate new_sub =
        must(ca_builder(c.sub_name, c.root_name, new_sub_key.public_key(), c.root_spki, 50, 0).sign_with(c.root_key));
    const Certificate leaf =
        must(leaf_builder(c.leaf_name, c.sub_name, c.leaf_key.public_key(), new_sub_spki, 51).sign_with(new_sub_key));
    const PathResult r = validate(leaf, {c.sub, new_sub});
    ASSERT_TRUE(r.ok()) << r.status().error().to_string();
    EXPECT_TRUE(r.path[1] == new_sub);
    // Without key identifiers the builder tries both and keeps the one whose signature verifies.
    TbsCertificateBuilder b;
    b.serial(serial_of(52)).issuer(c.sub_name).subject(c.leaf_name).validity(t0() - k_day, t0() + k_day);
    b.public_key(c.leaf_key.public_key());
    const Certificate plain = must(b.sign_with(new_sub_key));
    const PathResult p = validate(plain, {c.sub, new_sub});
    ASSERT_TRUE(p.ok()) << p.status().error().to_string();
    EXPECT_TRUE(p.path[1] == new_sub);
    // Only the old key available: its AKI mismatch excludes it.
    EXPECT_PATH_FAIL(validate(leaf, {c.sub}), Errc::x509_path_no_issuer, 0);
    // Only the old key and no AKI: the signature is what fails.
    EXPECT_PATH_FAIL(validate(plain, {c.sub}), Errc::x509_path_signature_invalid, 0);
}

TEST_F(Path, SearchWorkIsBounded) {
    // Many issuers with the sub CA's name and no key identifiers: each needs a signature check.
    std::vector<Certificate> decoys;
    for (std::uint8_t n = 0; n < 6; ++n) {
        const auto k = new_key();
        TbsCertificateBuilder b;
        b.serial(serial_of(static_cast<std::uint8_t>(80 + n))).issuer(c.root_name).subject(c.sub_name);
        b.validity(t0() - k_day, t0() + k_day).public_key(k.public_key()).basic_constraints({true, std::nullopt});
        decoys.push_back(must(b.sign_with(c.root_key)));
    }
    TbsCertificateBuilder b;
    b.serial(serial_of(90)).issuer(c.sub_name).subject(c.leaf_name).validity(t0() - k_day, t0() + k_day);
    b.public_key(c.leaf_key.public_key());
    const Certificate plain = must(b.sign_with(c.sub_key));
    std::vector<Certificate> inter = decoys;
    inter.push_back(c.sub);
    EXPECT_TRUE(validate(plain, inter).ok());
    PathOptions opt;
    opt.max_signature_checks = 4;
    EXPECT_PATH_FAIL(validate(plain, inter, t0(), opt), Errc::x509_path_search_limit, 0);
}

TEST_F(Path, LeafThatIsATrustAnchor) {
    const PathResult r = validate(c.root, {});
    ASSERT_TRUE(r.ok()) << r.status().error().to_string();
    EXPECT_EQ(r.path.size(), 1u);
    EXPECT_PATH_FAIL(validate(c.root, {}, t0() + 4000 * k_day), Errc::x509_path_expired, 0);
}

TEST_F(Path, CrossCertificatesDoNotLoop) {
    const auto ka = new_key();
    const auto kb = new_key();
    const Name a = make_name({{"CN", "Loop A"}});
    const Name b = make_name({{"CN", "Loop B"}});
    const auto sa = SubjectPublicKeyInfo::from_sm2(ka.public_key());
    const auto sb = SubjectPublicKeyInfo::from_sm2(kb.public_key());
    const Certificate a_by_b = must(ca_builder(a, b, ka.public_key(), sb, 60).sign_with(kb));
    const Certificate b_by_a = must(ca_builder(b, a, kb.public_key(), sa, 61).sign_with(ka));
    const Certificate leaf = must(leaf_builder(c.leaf_name, a, c.leaf_key.public_key(), sa, 62).sign_with(ka));
    const PathResult r = validate(leaf, {a_by_b, b_by_a});
    EXPECT_PATH_FAIL(r, Errc::x509_path_no_issuer, 2);
    EXPECT_EQ(r.path.size(), 3u);
}

TEST_F(Path, AnchorConstraintsAreOptional) {
    // RFC 5280 6.1.1 (d): the anchor is a name and a key. A root without keyCertSign still anchors
    // the path unless check_anchor_constraints asks otherwise.
    TbsCertificateBuilder b;
    b.serial(serial_of(70)).issuer(c.root_name).subject(c.root_name).validity(t0() - k_day, t0() + k_day);
    b.public_key(c.root_key.public_key()).key_usage(KeyUsage::of({KeyUsageBit::digital_signature}));
    const Certificate weak_root = must(b.sign_with(c.root_key));
    EXPECT_TRUE(validate_path(c.leaf, {c.sub}, {weak_root}, t0()).ok());
    PathOptions strict;
    strict.check_anchor_constraints = true;
    EXPECT_PATH_FAIL(validate_path(c.leaf, {c.sub}, {weak_root}, t0(), strict), Errc::x509_path_not_ca, 2);
    EXPECT_TRUE(validate_path(c.leaf, {c.sub}, {c.root}, t0(), strict).ok());
}

TEST_F(Path, StatusNamesTheCertificate) {
    const PathResult r = validate(c.leaf, {c.sub}, t0() + 400 * k_day);
    const Status s = r.status();
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.code(), Errc::x509_path_expired);
    EXPECT_NE(s.error().to_string().find("[4052 x509.path_expired] certificate 0 (CN=张三,"), std::string::npos)
        << s.error().to_string();
}

// The chain made by the openssl CLI (tests/data/x509): OpenSSL 3.0's own `verify -vfyopt` fails on
// the intermediate (gm-and-seal-formats §6.3); with the ID on every certificate it validates.
TEST(PathOpenssl, OpensslMadeChainValidates) {
    const Certificate root = load_cert("x509/openssl_sm2_root.pem");
    const Certificate sub = load_cert("x509/openssl_sm2_sub.pem");
    const Certificate leaf = load_cert("x509/openssl_sm2_leaf.pem");
    const TimePoint when = leaf.not_before() + k_day;
    const PathResult r = validate_path(leaf, {sub}, {root}, when);
    ASSERT_TRUE(r.ok()) << r.status().error().to_string();
    EXPECT_EQ(r.path.size(), 2u);
    PathOptions empty;
    empty.sm2_id = "";
    EXPECT_EQ(validate_path(leaf, {sub}, {root}, when, empty).code, Errc::x509_path_signature_invalid);
    // OpenSSL reproduces the trap: the intermediate fails under its own verifier.
    ASSERT_TRUE(openssl_available());
    auto v = openssl({"verify", "-CAfile", data_path("x509/openssl_sm2_root.pem"), "-untrusted",
                      data_path("x509/openssl_sm2_sub.pem"), "-vfyopt", "distid:1234567812345678",
                      data_path("x509/openssl_sm2_leaf.pem")});
    EXPECT_NE(v.exit_code, 0) << v.output;
}

}  // namespace
}  // namespace yinxin::x509
