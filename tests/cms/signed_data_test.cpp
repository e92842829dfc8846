// GM/T 0010 (GB/T 35275) SignedData: real signatures from other producers (../shared/interop),
// round trips, tampering, and BouncyCastle as the independent implementation in both directions.
#include "yinxin/cms/signed_data.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "support/test_support.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/asn1/writer.h"
#include "yinxin/crypto/signature.h"
#include "yinxin/crypto/sm3.h"
#include "yinxin/ofd/package.h"
#include "yinxin/ofd/signatures.h"
#include "yinxin/x509/builder.h"

namespace yinxin::cms {
namespace {

namespace oids = asn1::oids;

struct TestSigner {
    crypto::Sm2PrivateKey key;
    x509::Certificate cert;
};

TestSigner make_signer(std::string_view cn, std::uint8_t serial) {
    auto key = crypto::Sm2PrivateKey::generate().value();
    auto name = x509::Name::build({{"C", "CN"}, {"O", "Yinxin Test"}, {"CN", cn}}).value();
    x509::TbsCertificateBuilder b;
    b.serial(Bytes{0x01, serial})
        .issuer(name)
        .subject(name)
        .validity(from_unix(1700000000), from_unix(1900000000))
        .public_key(key.public_key())
        .subject_key_identifier_from_key();
    auto cert = b.sign_with(key);
    if (!cert.ok()) ADD_FAILURE() << cert.error().to_string();
    return TestSigner{key, std::move(cert).value()};
}

const TestSigner& alice() {
    static const TestSigner s = make_signer("Alice", 7);
    return s;
}
const TestSigner& bob() {
    static const TestSigner s = make_signer("Bob", 8);
    return s;
}

const TimePoint k_signing_time = from_unix(1763906400);  // 2025-11-23T14:00:00Z

SignOptions default_options() {
    SignOptions o;
    o.signing_time = k_signing_time;
    return o;
}

Bytes build(BytesView content, const SignOptions& o = default_options(), const TestSigner& s = alice()) {
    auto der = sign(content, s.cert, software_signer(s.key), o);
    if (!der.ok()) {
        ADD_FAILURE() << der.error().to_string();
        return {};
    }
    return std::move(der).value();
}

Result<VerifyResult> verify_bytes(BytesView der, std::optional<BytesView> content, const VerifyOptions& o = {}) {
    YX_ASSIGN_OR_RETURN(auto sd, SignedData::parse(der));
    return verify(sd, content, o);
}

// --- Real files -----------------------------------------------------------------------------------

struct OfdSign {
    Bytes signature_xml;
    Bytes signed_value;
};

std::vector<OfdSign> sign_signatures(const char* file) {
    std::vector<OfdSign> out;
    auto pkg = ofd::Package::read_file(yinxin::test::shared_path(std::string("interop/ofdrw/") + file));
    if (!pkg.ok()) {
        ADD_FAILURE() << pkg.error().to_string();
        return out;
    }
    auto sigs = ofd::read_signatures(*pkg);
    if (!sigs.ok()) {
        ADD_FAILURE() << sigs.error().to_string();
        return out;
    }
    for (const auto& s : *sigs) {
        if (s.entry.type != ofd::SignatureType::sign) continue;
        auto xml = pkg->get(s.file.path);
        auto sv = pkg->get(s.file.signed_value);
        if (!xml.ok() || !sv.ok()) {
            ADD_FAILURE() << "missing parts of " << s.file.path;
            continue;
        }
        out.push_back(OfdSign{Bytes(xml->begin(), xml->end()), Bytes(sv->begin(), sv->end())});
    }
    return out;
}

TEST(CmsInterop, TestImageNotFoundBothSignaturesVerify) {
    // README: two GB/T 35275 detached SignedData over Signature.xml (gomain/Topsec); both valid.
    auto sigs = sign_signatures("testImageNotFound.ofd");
    ASSERT_EQ(sigs.size(), 2U);
    for (const auto& s : sigs) {
        auto sd = SignedData::parse(s.signed_value);
        ASSERT_TRUE(sd.ok()) << sd.error().to_string();
        EXPECT_EQ(sd->flavor(), Flavor::gm);
        EXPECT_EQ(sd->version(), 1);
        EXPECT_TRUE(sd->detached());
        EXPECT_EQ(sd->content_type(), oids::pkcs7_data);
        ASSERT_EQ(sd->certificates().size(), 1U);
        ASSERT_EQ(sd->signers().size(), 1U);
        const auto& si = sd->signers()[0];
        EXPECT_EQ(si.signature_algorithm.oid, oids::sm2_sign);
        EXPECT_EQ(si.digest_algorithm.oid, oids::sm3);
        ASSERT_TRUE(si.content_type.has_value());
        EXPECT_EQ(*si.content_type, oids::gm_data);
        const auto md = crypto::sm3(s.signature_xml);
        EXPECT_EQ(si.message_digest, Bytes(md.begin(), md.end()));

        auto r = verify(*sd, BytesView(s.signature_xml));
        ASSERT_TRUE(r.ok()) << r.error().to_string();
        EXPECT_TRUE(r->ok()) << r->status().error().to_string();
        EXPECT_EQ(r->binding, ContentBinding::detached);
        ASSERT_EQ(r->signers.size(), 1U);
        const auto& v = r->signers[0];
        EXPECT_EQ(v.signature, CheckOutcome::passed);
        EXPECT_EQ(v.message_digest, CheckOutcome::passed);
        EXPECT_EQ(v.content_type, CheckOutcome::passed);
        ASSERT_TRUE(v.signer_certificate.has_value());
        EXPECT_EQ(v.signer_certificate->serial_hex(), "69e2006c0025921f");
        ASSERT_TRUE(v.signing_time.has_value());
        EXPECT_EQ(to_unix(*v.signing_time), 1667294553);  // 221101092233Z

        // The same signature over a changed Signature.xml fails on the digest, naming it.
        Bytes changed = s.signature_xml;
        changed[changed.size() / 2] ^= 0x20;
        auto bad = verify(*sd, BytesView(changed));
        ASSERT_TRUE(bad.ok());
        EXPECT_FALSE(bad->ok());
        EXPECT_EQ(bad->signers[0].message_digest, CheckOutcome::failed);
        EXPECT_EQ(bad->signers[0].signature, CheckOutcome::passed);  // the attributes themselves are intact
        EXPECT_EQ(bad->status().code(), Errc::cms_digest_mismatch);

        // With the empty ID (OpenSSL 3.0's default) the real signature does not verify (spec §6.1).
        VerifyOptions empty_id;
        empty_id.sm2_id = "";
        auto wrong_id = verify(*sd, BytesView(s.signature_xml), empty_id);
        ASSERT_TRUE(wrong_id.ok());
        EXPECT_EQ(wrong_id->signers[0].signature, CheckOutcome::failed);

        // Detached without content: nothing to verify.
        EXPECT_EQ(verify(*sd, std::nullopt).code(), Errc::cms_content_missing);
    }
}

TEST(CmsInterop, KeywordSignSignsTheDigestAsAttachedContent) {
    // keyword.ofd Sign_3: eContent = SM3(Signature.xml), no attributes, raw r||s signature over
    // the eContent. README: cryptographically intact.
    auto sigs = sign_signatures("keyword.ofd");
    ASSERT_EQ(sigs.size(), 1U);
    auto sd = SignedData::parse(sigs[0].signed_value);
    ASSERT_TRUE(sd.ok()) << sd.error().to_string();
    EXPECT_FALSE(sd->detached());
    EXPECT_EQ(sd->content_type(), oids::gm_data);
    ASSERT_EQ(sd->signers().size(), 1U);
    EXPECT_FALSE(sd->signers()[0].has_signed_attrs());
    EXPECT_EQ(sd->signers()[0].signature.size(), 64U);
    auto r = verify(*sd, BytesView(sigs[0].signature_xml));
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_TRUE(r->ok()) << r->status().error().to_string();
    EXPECT_EQ(r->binding, ContentBinding::embedded_digest);
    EXPECT_EQ(r->signers[0].message_digest, CheckOutcome::not_applicable);
    // The attached content on its own verifies too.
    auto alone = verify(*sd, std::nullopt);
    ASSERT_TRUE(alone.ok());
    EXPECT_TRUE(alone->ok());
    EXPECT_EQ(alone->binding, ContentBinding::embedded);
    // Another document: the attached digest does not match it.
    EXPECT_EQ(verify(*sd, as_bytes("something else")).code(), Errc::cms_digest_mismatch);
}

TEST(CmsInterop, MutatedRealSignedDataNeverCrashes) {
    // Every seventh octet of a real SignedData flipped: parse and verify report, never crash. Flips
    // inside the signed attributes or the signature must not verify.
    auto sigs = sign_signatures("testImageNotFound.ofd");
    ASSERT_FALSE(sigs.empty());
    const Bytes& orig = sigs[0].signed_value;
    auto sd0 = SignedData::parse(orig);
    ASSERT_TRUE(sd0.ok());
    const auto& si0 = sd0->signers()[0];
    const auto covered_from = static_cast<std::size_t>(si0.signed_attrs_raw.data() - sd0->der().data()) + 2;
    const auto covered_to = static_cast<std::size_t>(si0.signature.data() - sd0->der().data()) + si0.signature.size();
    for (std::size_t i = 0; i < orig.size(); i += 7) {
        Bytes m = orig;
        m[i] ^= 0x5a;
        auto sd = SignedData::parse(m);
        if (!sd.ok()) continue;
        auto r = verify(*sd, BytesView(sigs[0].signature_xml));
        if (i >= covered_from && i < covered_to && r.ok()) {
            EXPECT_FALSE(r->ok()) << "flip at " << i;
        }
    }
}

// --- Round trips ------------------------------------------------------------------------------------

TEST(CmsRoundTrip, DetachedGmWithAttributes) {
    const Bytes content = to_bytes("<ofd:Signature>the bytes of Signature.xml</ofd:Signature>");
    Bytes der = build(content);
    auto sd = SignedData::parse(der);
    ASSERT_TRUE(sd.ok()) << sd.error().to_string();
    EXPECT_EQ(sd->flavor(), Flavor::gm);
    EXPECT_TRUE(sd->detached());
    EXPECT_EQ(sd->content_type(), oids::gm_data);
    ASSERT_EQ(sd->signers().size(), 1U);
    EXPECT_TRUE(sd->signers()[0].sid.matches(alice().cert));
    EXPECT_FALSE(sd->signers()[0].sid.matches(bob().cert));
    EXPECT_EQ(sd->signers()[0].signing_time, k_signing_time);
    // DER throughout: the strict reader accepts what we build.
    EXPECT_TRUE(asn1::read_single(der, asn1::ReaderOptions::der()).ok());

    auto r = verify(*sd, BytesView(content));
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->ok()) << r->status().error().to_string();
    EXPECT_EQ(r->signers[0].signer_certificate, alice().cert);
    EXPECT_EQ(r->signers[0].signing_time, k_signing_time);

    // openssl asn1parse (independent parser) reads it and shows the GM OIDs.
    yinxin::test::ScratchDir dir;
    yinxin::test::write_file(dir / "sd.der", der);
    auto p = yinxin::test::openssl({"asn1parse", "-inform", "DER", "-in", (dir / "sd.der").string()});
    EXPECT_EQ(p.exit_code, 0) << p.output;
    EXPECT_NE(p.output.find("1.2.156.10197.6.1.4.2.2"), std::string::npos) << p.output;
    EXPECT_NE(p.output.find("signingTime"), std::string::npos);
}

TEST(CmsRoundTrip, Variants) {
    const Bytes content = to_bytes("content bytes");
    {
        SignOptions o = default_options();
        o.signed_attributes = false;
        auto r = verify_bytes(build(content, o), BytesView(content));
        ASSERT_TRUE(r.ok());
        EXPECT_TRUE(r->ok());
        EXPECT_EQ(r->signers[0].message_digest, CheckOutcome::not_applicable);
        EXPECT_FALSE(r->signers[0].signing_time.has_value());
    }
    {
        SignOptions o = default_options();
        o.flavor = Flavor::pkcs7;
        o.signature_algorithm = oids::sm2_with_sm3;
        Bytes der = build(content, o);
        auto sd = SignedData::parse(der);
        ASSERT_TRUE(sd.ok());
        EXPECT_EQ(sd->flavor(), Flavor::pkcs7);
        EXPECT_EQ(sd->content_type(), oids::pkcs7_data);
        auto r = verify(*sd, BytesView(content));
        ASSERT_TRUE(r.ok());
        EXPECT_TRUE(r->ok());
    }
    {
        SignOptions o = default_options();
        o.attach_content = true;
        Bytes der = build(content, o);
        auto r = verify_bytes(der, std::nullopt);
        ASSERT_TRUE(r.ok());
        EXPECT_TRUE(r->ok());
        EXPECT_EQ(r->binding, ContentBinding::embedded);
        EXPECT_EQ(verify_bytes(der, as_bytes("other")).code(), Errc::cms_digest_mismatch);
    }
    {
        // Signer certificate delivered outside the SignedData.
        SignOptions o = default_options();
        o.include_signer_certificate = false;
        Bytes der = build(content, o);
        auto missing = verify_bytes(der, BytesView(content));
        ASSERT_TRUE(missing.ok());
        EXPECT_FALSE(missing->ok());
        EXPECT_EQ(missing->signers[0].signer_found, CheckOutcome::failed);
        EXPECT_EQ(missing->status().code(), Errc::cms_signer_not_found);
        VerifyOptions vo;
        vo.extra_certificates = {bob().cert, alice().cert};
        auto found = verify_bytes(der, BytesView(content), vo);
        ASSERT_TRUE(found.ok());
        EXPECT_TRUE(found->ok());
    }
    {
        // Signer identified by subjectKeyIdentifier (RFC 5652 5.3).
        SignOptions o = default_options();
        o.identify_by_subject_key_identifier = true;
        Bytes der = build(content, o);
        auto sd = SignedData::parse(der);
        ASSERT_TRUE(sd.ok()) << sd.error().to_string();
        EXPECT_EQ(sd->version(), 3);
        const auto& sid = sd->signers()[0].sid;
        EXPECT_FALSE(sid.issuer.has_value());
        EXPECT_EQ(sid.subject_key_identifier, alice().cert.extensions().subject_key_identifier());
        EXPECT_TRUE(sid.matches(alice().cert));
        EXPECT_FALSE(sid.matches(bob().cert));
        auto r = verify(*sd, BytesView(content));
        ASSERT_TRUE(r.ok());
        EXPECT_TRUE(r->ok()) << r->status().error().to_string();
        EXPECT_EQ(r->signers[0].signer_certificate, alice().cert);
    }
    {
        // A signer ID other than the default: the self-check and verification use it.
        SignOptions o = default_options();
        o.sm2_id = "ALICE@example";
        auto der = sign(content, alice().cert, software_signer(alice().key, "ALICE@example"), o);
        ASSERT_TRUE(der.ok()) << der.error().to_string();
        EXPECT_FALSE(verify_bytes(*der, BytesView(content))->ok());
        VerifyOptions vo;
        vo.sm2_id = "ALICE@example";
        EXPECT_TRUE(verify_bytes(*der, BytesView(content), vo)->ok());
    }
}

TEST(CmsRoundTrip, SigningRefusesWhatWouldNotVerify) {
    const Bytes content = to_bytes("x");
    // Bob's key with Alice's certificate.
    EXPECT_EQ(sign(content, alice().cert, software_signer(bob().key), default_options()).code(),
              Errc::cms_signature_invalid);
    // Signing with one ID while claiming another.
    EXPECT_EQ(sign(content, alice().cert, software_signer(alice().key, "other"), default_options()).code(),
              Errc::cms_signature_invalid);
    SignOptions no_time;
    EXPECT_EQ(sign(content, alice().cert, software_signer(alice().key), no_time).code(), Errc::invalid_argument);
    // A device that fails: its error comes through.
    SignFunction broken = [](BytesView) -> Result<Bytes> { return make_error(Errc::device_locked, "locked"); };
    EXPECT_EQ(sign(content, alice().cert, broken, default_options()).code(), Errc::device_locked);
    // Raw r||s from a device is accepted and stored as DER.
    SignFunction raw = [](BytesView m) -> Result<Bytes> {
        YX_ASSIGN_OR_RETURN(Bytes der, crypto::sm2_sign(alice().key, m));
        return crypto::der_to_raw(der);
    };
    auto der = sign(content, alice().cert, raw, default_options());
    ASSERT_TRUE(der.ok()) << der.error().to_string();
    EXPECT_TRUE(verify_bytes(*der, BytesView(content))->ok());
}

TEST(CmsTamper, ContentAttributesAndSignature) {
    const Bytes content = to_bytes("the document");
    const Bytes der = build(content);
    auto sd = SignedData::parse(der);
    ASSERT_TRUE(sd.ok());
    const auto& si = sd->signers()[0];
    const auto attrs_at = static_cast<std::size_t>(si.signed_attrs_raw.data() - sd->der().data());
    const auto sig_at = static_cast<std::size_t>(si.signature.data() - sd->der().data());

    // Content changed: digest fails, signature over the attributes still holds.
    auto r1 = verify(*sd, as_bytes("the d0cument"));
    ASSERT_TRUE(r1.ok());
    EXPECT_EQ(r1->signers[0].message_digest, CheckOutcome::failed);
    EXPECT_EQ(r1->status().code(), Errc::cms_digest_mismatch);

    // Signing time changed inside the signed attributes: the signature fails.
    Bytes t = der;
    bool flipped = false;
    for (std::size_t i = attrs_at; i + 15 < sig_at; ++i) {
        if (t[i] == 0x17 && t[i + 1] == 0x0d) {  // UTCTime, 13 octets
            t[i + 2 + 11] ^= 0x01;               // a seconds digit
            flipped = true;
            break;
        }
    }
    ASSERT_TRUE(flipped);
    auto r2 = verify_bytes(t, BytesView(content));
    ASSERT_TRUE(r2.ok()) << r2.error().to_string();
    EXPECT_EQ(r2->signers[0].message_digest, CheckOutcome::passed);
    EXPECT_EQ(r2->signers[0].signature, CheckOutcome::failed);
    EXPECT_EQ(r2->status().code(), Errc::cms_signature_invalid);

    // Signature value changed (last octet of s).
    Bytes s = der;
    s[sig_at + si.signature.size() - 1] ^= 0x01;
    auto r3 = verify_bytes(s, BytesView(content));
    ASSERT_TRUE(r3.ok());
    EXPECT_EQ(r3->signers[0].signature, CheckOutcome::failed);
    EXPECT_FALSE(r3->ok());
}

TEST(CmsParse, Refusals) {
    EXPECT_EQ(SignedData::parse(to_bytes("garbage")).code(), Errc::cms_bad_encoding);
    EXPECT_EQ(SignedData::parse(Bytes{}).code(), Errc::cms_bad_encoding);
    // EnvelopedData is not SignedData.
    asn1::Writer w;
    w.sequence([](asn1::Writer& s) {
        s.oid(oids::gm_enveloped_data);
        s.context_explicit(0, [](asn1::Writer& c) { c.sequence([](asn1::Writer&) {}); });
    });
    EXPECT_EQ(SignedData::parse(w.finish().value()).code(), Errc::cms_unsupported);
    // Every truncation of a valid structure is an error, never a crash.
    const Bytes der = build(to_bytes("abc"));
    for (std::size_t n = 0; n < der.size(); n += 7) {
        EXPECT_FALSE(SignedData::parse(BytesView(der).first(n)).ok()) << n;
    }
    // No SignerInfo.
    asn1::Writer e;
    e.sequence([](asn1::Writer& ci) {
        ci.oid(oids::gm_signed_data);
        ci.context_explicit(0, [](asn1::Writer& x) {
            x.sequence([](asn1::Writer& sd) {
                sd.integer(1);
                sd.set_of([](asn1::Writer&) {});
                sd.sequence([](asn1::Writer& eci) { eci.oid(oids::gm_data); });
                sd.set_of([](asn1::Writer&) {});
            });
        });
    });
    auto empty = SignedData::parse(e.finish().value());
    ASSERT_TRUE(empty.ok()) << empty.error().to_string();
    EXPECT_EQ(verify(*empty, as_bytes("x")).code(), Errc::cms_no_signer);
}

// --- BouncyCastle ---------------------------------------------------------------------------------

yinxin::test::ProcessResult run_bc(const std::vector<std::string>& args) {
    std::vector<std::string> argv{std::string(yinxin::test::k_java), "-cp",
                                  yinxin::test::bouncycastle_classpath(YX_CMS_CLASS_DIR), "CmsCheck"};
    argv.insert(argv.end(), args.begin(), args.end());
    return yinxin::test::run_process(argv);
}

TEST(CmsBouncyCastle, VerifiesYinxinSignedData) {
    ASSERT_TRUE(yinxin::test::bouncycastle_available());
    yinxin::test::ScratchDir dir;
    const Bytes content = to_bytes("Signature.xml bytes for BouncyCastle");
    yinxin::test::write_file(dir / "content.bin", content);
    yinxin::test::write_file(dir / "other.bin", as_bytes("other content"));
    // BouncyCastle names CMS signature algorithms by digest + digestEncryptionAlgorithm; it knows
    // SM2-with-SM3 (1.2.156.10197.1.501), not GM/T 0010's 1.2.156.10197.1.301.1.
    std::vector<std::string> args{"verify"};
    for (Flavor flavor : {Flavor::gm, Flavor::pkcs7}) {
        SignOptions o = default_options();
        o.flavor = flavor;
        o.signature_algorithm = oids::sm2_with_sm3;
        const auto file = dir / (flavor == Flavor::gm ? "gm.der" : "pkcs7.der");
        yinxin::test::write_file(file, build(content, o));
        args.push_back(file.string());
        args.push_back((dir / "content.bin").string());
        // And over other content BouncyCastle must refuse it (the check is not vacuous).
        args.push_back(file.string());
        args.push_back((dir / "other.bin").string());
    }
    auto r = run_bc(args);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    std::vector<std::string> lines;
    std::istringstream in(r.output);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    ASSERT_EQ(lines.size(), 4U) << r.output;
    EXPECT_EQ(lines[0], "OK 1") << r.output;
    EXPECT_EQ(lines[1].rfind("FAIL", 0), 0U) << r.output;
    EXPECT_EQ(lines[2], "OK 1") << r.output;
    EXPECT_EQ(lines[3].rfind("FAIL", 0), 0U) << r.output;
}

TEST(CmsBouncyCastle, YinxinVerifiesBouncyCastleSignedData) {
    ASSERT_TRUE(yinxin::test::bouncycastle_available());
    yinxin::test::ScratchDir dir;
    const Bytes content = to_bytes("content signed by BouncyCastle");
    yinxin::test::write_file(dir / "content.bin", content);
    yinxin::test::write_file(dir / "cert.der", alice().cert.der());
    const auto pk8 = alice().key.pkcs8_der();
    yinxin::test::write_file(dir / "key.pk8", BytesView(pk8.data(), pk8.size()));
    auto r = run_bc({"sign", (dir / "cert.der").string(), (dir / "key.pk8").string(), (dir / "content.bin").string(),
                     (dir / "bc.der").string()});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const Bytes der = yinxin::test::read_file(dir / "bc.der");
    auto sd = SignedData::parse(der);
    ASSERT_TRUE(sd.ok()) << sd.error().to_string();
    EXPECT_EQ(sd->flavor(), Flavor::pkcs7);
    EXPECT_TRUE(sd->detached());
    auto v = verify(*sd, BytesView(content));
    ASSERT_TRUE(v.ok()) << v.error().to_string();
    EXPECT_TRUE(v->ok()) << v->status().error().to_string();
    EXPECT_EQ(v->signers[0].signer_certificate, alice().cert);
    EXPECT_TRUE(v->signers[0].signing_time.has_value());
    EXPECT_FALSE(verify(*sd, as_bytes("tampered"))->ok());
}

}  // namespace
}  // namespace yinxin::cms
