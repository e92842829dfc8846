// Parser edge cases: garbage and truncated inputs give seal.* errors (never a crash), the three
// timeStamp forms, certListType 2, unknown seal types, lenient v1 time text.
#include <gtest/gtest.h>

#include <functional>
#include <random>

#include "seal_test_util.h"
#include "support/test_support.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/asn1/writer.h"
#include "yinxin/crypto/signature.h"
#include "yinxin/crypto/sm3.h"
#include "yinxin/seal/ses.h"
#include "yinxin/seal/verify.h"

namespace yinxin::seal {
namespace {

using namespace yinxin::seal::testing;  // NOLINT(google-build-using-namespace): test fixtures

bool is_seal_error(Errc c) {
    const auto n = static_cast<std::uint32_t>(c);
    return n >= 10001 && n < 11000;
}

TEST(SealParse, GarbageIsASealError) {
    for (const Bytes& in : {Bytes{}, Bytes{0x30}, Bytes{0x30, 0x00}, Bytes{0x04, 0x01, 0x00}, to_bytes("hello world"),
                            Bytes{0x30, 0x84, 0xff, 0xff, 0xff, 0xff}, Bytes{0x30, 0x03, 0x02, 0x01, 0x04}}) {
        auto s = Seal::parse(in);
        ASSERT_FALSE(s.ok());
        EXPECT_TRUE(is_seal_error(s.code())) << s.error().to_string();
        auto g = SesSignature::parse(in);
        ASSERT_FALSE(g.ok());
        EXPECT_TRUE(is_seal_error(g.code())) << g.error().to_string();
        // The verifier reports a format failure, never throws.
        const Report r = verify_seal(in, VerifyOptions{});
        EXPECT_EQ(r.result_of("format"), CheckResult::fail);
        ASSERT_TRUE(r.error.has_value());
        EXPECT_FALSE(r.intact);
        EXPECT_NE(r.to_json_string().find("\"error\""), std::string::npos);
    }
}

// Every truncation of real files (and of Yinxin-made ones) is an error; the verifier never
// crashes (run under ASan/UBSan).
TEST(SealParse, EveryTruncationIsAnError) {
    for (const char* f : {"UserV1.esl", "UserV4.esl", "UserV5_ts.esl", "SignedValueV4.dat"}) {
        const Bytes der = test::read_file(test::shared_path(std::string("interop/ofdrw/") + f));
        ASSERT_FALSE(der.empty());
        // Every length for the first 64 octets and the last 200, then a stride through the middle.
        for (std::size_t n = 0; n < der.size(); n += (n < 64 || n + 200 > der.size()) ? 1 : 97) {
            const BytesView cut(der.data(), n);
            auto s = Seal::parse(cut);
            auto g = SesSignature::parse(cut);
            EXPECT_FALSE(s.ok() || g.ok()) << f << " truncated to " << n;
            if (!s.ok()) {
                EXPECT_TRUE(is_seal_error(s.code())) << s.error().to_string();
            }
            if (!g.ok()) {
                EXPECT_TRUE(is_seal_error(g.code())) << g.error().to_string();
            }
        }
    }
}

TEST(SealParse, RandomBitFlipsNeverCrash) {
    const Bytes der = test::read_file(test::shared_path("interop/ofdrw/SignedValueV4.dat"));
    std::mt19937 rng(7);
    std::size_t parsed = 0;
    for (int i = 0; i < 300; ++i) {
        Bytes m = der;
        // Flip bits in the first 1200 octets, where the headers and structure are.
        for (int k = 0; k < 3; ++k) m[rng() % 1200] ^= static_cast<std::uint8_t>(1U << (rng() % 8));
        const Report r = verify_signature(m, VerifyOptions{});
        if (r.result_of("format") == CheckResult::pass) ++parsed;
        // A changed byte inside TBS_Sign must never leave the signature intact.
        EXPECT_FALSE(r.intact && m != der);
    }
    EXPECT_GT(parsed, 0U);  // some flips hit only content, and those must be caught by signatures
}

TEST(SealParse, WrongIdAndVersionAreSpecificErrors) {
    const Bytes der = test::read_file(test::shared_path("interop/ofdrw/UserV4.esl"));
    Bytes bad_id = der;
    ASSERT_EQ(bad_id[12], 'E');
    bad_id[12] = 'X';  // SES_Header.id "ES" -> "XS"
    EXPECT_EQ(Seal::parse(bad_id).code(), Errc::seal_bad_header);
    Bytes bad_version = der;
    ASSERT_EQ(bad_version[16], 0x04);
    bad_version[16] = 0x03;
    EXPECT_EQ(Seal::parse(bad_version).code(), Errc::seal_unsupported_version);
    bad_version[16] = 0x01;  // v1 header on a 4-field (v4) SESeal
    EXPECT_EQ(Seal::parse(bad_version).code(), Errc::seal_version_mismatch);
    // TBS_Sign.version 5 around a v4 seal.
    Bytes sig = test::read_file(test::shared_path("interop/ofdrw/SignedValueV4.dat"));
    ASSERT_EQ(sig[10], 0x04);
    sig[10] = 0x05;
    EXPECT_EQ(SesSignature::parse(sig).code(), Errc::seal_version_mismatch);
}

// Builds SESeal/SES_Signature variants by hand around a made seal's parts.
class SealVariants : public ::testing::Test {
protected:
    void SetUp() override {
        seal_der = make_seal(seal_request(pki), pki.maker.der(), sm2_sign_callback(pki.maker_key)).value();
    }

    // A v4 seal with the given SES_ESPropertyInfo body, signed by the maker; `sig_value` may
    // re-encode the signature (raw r||s, non-minimal DER).
    Bytes seal_with_property(const std::function<void(asn1::Writer&)>& property,
                             const std::function<Bytes(const Bytes&)>& sig_value = {}) const {
        asn1::Writer w;
        w.sequence([&](asn1::Writer& info) {
            info.sequence([&](asn1::Writer& h) {
                h.ia5_string("ES");
                h.integer(4);
                h.ia5_string("test");
            });
            info.ia5_string("id");
            info.sequence([&](asn1::Writer& p) { property(p); });
            info.sequence([&](asn1::Writer& pic) {
                pic.ia5_string("ofd");
                pic.octet_string(to_bytes("PK.."));
                pic.integer(40);
                pic.integer(30);
            });
        });
        const Bytes info = w.finish().value();
        Bytes sig = crypto::sm2_sign(pki.maker_key, info).value();
        if (sig_value) sig = sig_value(sig);
        asn1::Writer s;
        s.sequence([&](asn1::Writer& q) {
            q.raw(info);
            q.octet_string(pki.maker.der());
            q.oid(asn1::oids::sm2_with_sm3);
            q.bit_string(sig);
        });
        return s.finish().value();
    }

    void standard_property(asn1::Writer& p, std::int64_t type, std::int64_t list_type,
                           const std::function<void(asn1::Writer&)>& list) const {
        p.integer(type);
        p.utf8_string("名称");
        p.integer(list_type);
        p.sequence([&](asn1::Writer& l) { list(l); });
        p.generalized_time(k_t0);
        p.generalized_time(k_t0);
        p.generalized_time(k_t0 + 365 * k_day);
    }

    // A v4 SES_Signature over `seal` with `tail` after the signature (the timeStamp variants).
    Bytes signature_with_tail(BytesView seal, const std::function<void(asn1::Writer&)>& tail) const {
        asn1::Writer w;
        w.sequence([&](asn1::Writer& tbs) {
            tbs.integer(4);
            tbs.raw(seal);
            tbs.generalized_time(k_t0 + k_day);
            tbs.bit_string(Bytes(32, 0xab));
            tbs.ia5_string("file");
        });
        const Bytes tbs = w.finish().value();
        const Bytes sig = crypto::sm2_sign(pki.signer_key, tbs).value();
        asn1::Writer s;
        s.sequence([&](asn1::Writer& q) {
            q.raw(tbs);
            q.octet_string(pki.signer.der());
            q.oid(asn1::oids::sm2_with_sm3);
            q.bit_string(sig);
            tail(q);
        });
        return s.finish().value();
    }

    VerifyOptions at_t0() const {
        VerifyOptions o;
        o.time = k_t0 + 2 * k_day;
        o.trust_anchors = {pki.root};
        return o;
    }

    TestPki pki = make_pki();
    Bytes seal_der;
};

TEST_F(SealVariants, CertDigestListAndUnknownTypeAreKept) {
    const auto digest = crypto::sm3(pki.signer.der());
    const Bytes der = seal_with_property([&](asn1::Writer& p) {
        standard_property(p, 15, 2, [&](asn1::Writer& l) {
            l.sequence([&](asn1::Writer& d) {
                d.printable_string("SM3");
                d.octet_string(digest);
            });
        });
    });
    auto s = Seal::parse(der);
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    EXPECT_EQ(s->property().type, 15);
    EXPECT_EQ(s->property().cert_list_type, CertListType::digests);
    ASSERT_EQ(s->property().cert_digests.size(), 1U);
    EXPECT_EQ(s->property().cert_digests[0].hash_name, "SM3");
    EXPECT_EQ(s->picture().type, "ofd");
    EXPECT_EQ(s->picture().width_mm, 40);
    EXPECT_EQ(s->picture().height_mm, 30);
    // A signature by the listed signer binds through the digest.
    auto sig = make_detached_signature(der, to_bytes("d"), "d", pki.signer.der(), k_t0 + k_day,
                                       sm2_sign_callback(pki.signer_key));
    ASSERT_TRUE(sig.ok()) << sig.error().to_string();
    VerifyOptions o = at_t0();
    const Bytes data = to_bytes("d");
    o.data = BytesView(data);
    const Report r = verify_signature(*sig, o);
    EXPECT_EQ(r.result_of("signer_in_cert_list"), CheckResult::pass) << r.to_text();
    EXPECT_TRUE(r.valid) << r.to_text();
}

TEST_F(SealVariants, UnknownCertListTypeIsABadField) {
    const Bytes der = seal_with_property([&](asn1::Writer& p) { standard_property(p, 4, 7, [](asn1::Writer&) {}); });
    EXPECT_EQ(Seal::parse(der).code(), Errc::seal_bad_field);
}

TEST_F(SealVariants, RawAndNonMinimalDerSignatureValuesVerify) {
    auto property = [&](asn1::Writer& p) {
        standard_property(p, 4, 1, [&](asn1::Writer& l) { l.octet_string(pki.signer.der()); });
    };
    const Bytes raw = seal_with_property(property, [](const Bytes& der) { return crypto::der_to_raw(der).value(); });
    Report r = verify_seal(raw, at_t0());
    EXPECT_EQ(r.result_of("seal_signature"), CheckResult::pass) << r.to_text();
    EXPECT_NE(r.find("seal_signature")->message.find("raw 64-byte"), std::string::npos);

    // Non-minimal DER (Koal many-ofd Sign_2, spec §1.3): a redundant 00 before r and s.
    const Bytes non_minimal = seal_with_property(property, [](const Bytes& der) {
        const Bytes rs = crypto::der_to_raw(der).value();
        Bytes out{0x30, 0x46, 0x02, 0x21, 0x00};
        out.insert(out.end(), rs.begin(), rs.begin() + 32);
        out.insert(out.end(), {0x02, 0x21, 0x00});
        out.insert(out.end(), rs.begin() + 32, rs.end());
        // A leading 00 is redundant when the next octet's top bit is clear.
        return out;
    });
    r = verify_seal(non_minimal, at_t0());
    EXPECT_EQ(r.result_of("seal_signature"), CheckResult::pass) << r.to_text();
}

TEST_F(SealVariants, TimeStampInAllThreeForms) {
    const Bytes token = to_bytes("TST!");
    struct Case {
        TimeStampForm form;
        std::function<void(asn1::Writer&)> tail;
    };
    const std::vector<Case> cases{
        {TimeStampForm::explicit_tagged,
         [&](asn1::Writer& q) { q.context_explicit(0, [&](asn1::Writer& x) { x.bit_string(token); }); }},
        {TimeStampForm::implicit_tagged,
         [&](asn1::Writer& q) { q.context_implicit(0, [&](asn1::Writer& x) { x.bit_string(token); }); }},
        {TimeStampForm::untagged, [&](asn1::Writer& q) { q.bit_string(token); }},
    };
    for (const auto& c : cases) {
        const Bytes der = signature_with_tail(seal_der, c.tail);
        auto sig = SesSignature::parse(der);
        ASSERT_TRUE(sig.ok()) << sig.error().to_string();
        ASSERT_TRUE(sig->time_stamp().has_value());
        EXPECT_EQ(sig->time_stamp()->form, c.form);
        EXPECT_EQ(sig->time_stamp()->token, token);
        const Report r = verify_signature(der, at_t0());
        EXPECT_EQ(r.result_of("signature"), CheckResult::pass) << r.to_text();
        EXPECT_EQ(r.result_of("time_stamp"), CheckResult::fail) << r.to_text();
    }
}

TEST_F(SealVariants, V1SignatureWithTimeAsIsoTextInABitString) {
    // GM/T 0031-2014 TBS_Sign around the real v1 seal; timeInfo as the dms360 producer writes it.
    const Bytes v1_seal = test::read_file(test::shared_path("interop/ofdrw/UserV1.esl"));
    asn1::Writer w;
    w.sequence([&](asn1::Writer& out) {
        out.sequence([&](asn1::Writer& tbs) {
            tbs.integer(1);
            tbs.raw(v1_seal);
            tbs.bit_string(to_bytes("2020-01-25T07:31:56.377Z"));
            tbs.bit_string(Bytes(32, 1));
            tbs.ia5_string("/Doc_0/Signs/Sign_0/Signature.xml");
            tbs.octet_string(pki.signer.der());
            tbs.oid(asn1::oids::sm2_with_sm3);
        });
        out.bit_string(Bytes(64, 2));
    });
    const Bytes der = w.finish().value();
    auto sig = SesSignature::parse(der);
    ASSERT_TRUE(sig.ok()) << sig.error().to_string();
    EXPECT_EQ(sig->version(), SealVersion::v1);
    EXPECT_EQ(sig->time_info_text(), "2020-01-25T07:31:56.377Z");
    ASSERT_TRUE(sig->time_info().has_value());
    EXPECT_EQ(to_unix(*sig->time_info()), 1579937516);
    const Report r = verify_signature(der, at_t0());
    EXPECT_EQ(r.result_of("format"), CheckResult::pass);
    EXPECT_EQ(r.result_of("seal_signature"), CheckResult::pass) << r.to_text();
    EXPECT_EQ(r.result_of("signature"), CheckResult::fail) << r.to_text();  // 64 octets of 02
    EXPECT_FALSE(r.intact);
}

}  // namespace
}  // namespace yinxin::seal
