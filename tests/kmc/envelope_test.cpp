// SM2EnvelopedKey (GB/T 35276 7.4) and GM/T 0092 CSRResponse: round trips with real SM2 keys,
// the lenient forms real producers write, and every malformed variant refused with a stable code.
#include "yinxin/kmc/envelope.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "kmc_fixture.h"
#include "yinxin/asn1/writer.h"
#include "yinxin/crypto/random.h"
#include "yinxin/crypto/sm2_cipher.h"
#include "yinxin/crypto/sm4.h"
#include "yinxin/x509/builder.h"

namespace yinxin::kmc {
namespace {

using crypto::Sm2PrivateKey;

// Builds an SM2EnvelopedKey field by field, so a test can break exactly one thing.
struct Parts {
    asn1::Oid alg = asn1::oids::sm4_ecb;
    std::optional<Bytes> params = Bytes{0x05, 0x00};  // NULL; nullopt: absent
    Bytes cipher;
    Bytes point;
    std::uint8_t point_unused = 0;
    Bytes enc;
    bool drop_last_field = false;
};

Bytes build(const Parts& p) {
    asn1::Writer w;
    w.sequence([&](asn1::Writer& s) {
        s.sequence([&](asn1::Writer& a) {
            a.oid(p.alg);
            if (p.params) a.raw(*p.params);
        });
        s.raw(p.cipher);
        s.bit_string(p.point, p.point_unused);
        if (!p.drop_last_field) s.bit_string(p.enc);
    });
    return w.finish().value();
}

class KmcEnvelopeTest : public ::testing::Test {
protected:
    // The parts of a valid envelope of `key` to `recipient`, made by hand (SM4-ECB, no padding).
    Parts valid_parts() {
        Parts p;
        const Bytes sym = rng.bytes(16).value();
        const SecretBytes d = key.scalar();
        p.enc = crypto::sm4_ecb_encrypt(sym, d, crypto::Padding::none).value();
        p.cipher = crypto::sm2_encrypt(recipient.public_key(), sym).value();
        p.point = key.public_key().point();
        return p;
    }

    crypto::OpensslRng rng;
    Sm2PrivateKey recipient = Sm2PrivateKey::generate().value();  // the holder's signing key
    Sm2PrivateKey key = Sm2PrivateKey::generate().value();        // the enveloped encryption key
};

TEST_F(KmcEnvelopeTest, RoundTripOpensWithTheSigningKeyOrADecryptCallback) {
    const Bytes der = make_enveloped_key(key, recipient.public_key(), rng).value();
    auto parsed = parse_enveloped_key(der);
    YX_ASSERT_OK(parsed);
    EXPECT_EQ(parsed->sym_algorithm, asn1::oids::sm4_ecb);
    EXPECT_EQ(parsed->public_key, key.public_key().point());
    EXPECT_EQ(parsed->encrypted_private_key.size(), 32u);
    EXPECT_EQ(encode_enveloped_key(*parsed).value(), der);

    auto opened = open_enveloped_key(der, recipient);
    YX_ASSERT_OK(opened);
    EXPECT_EQ(opened->scalar(), key.scalar());
    int calls = 0;
    auto via_callback = open_enveloped_key(der, [&](BytesView c) {
        ++calls;
        return crypto::sm2_decrypt(recipient, c);
    });
    YX_ASSERT_OK(via_callback);
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(via_callback->scalar(), key.scalar());
    // The SM4 ciphertext is the scalar under ECB without padding: 2 blocks, never the scalar itself.
    const SecretBytes d = key.scalar();
    EXPECT_NE(Bytes(d.begin(), d.end()), parsed->encrypted_private_key);
}

TEST_F(KmcEnvelopeTest, AnotherKeyDoesNotOpenIt) {
    const Bytes der = make_enveloped_key(key, recipient.public_key(), rng).value();
    const auto stranger = Sm2PrivateKey::generate().value();
    YX_EXPECT_CODE(open_enveloped_key(der, stranger), Errc::kmc_envelope_invalid);
    YX_EXPECT_CODE(open_enveloped_key(der, key), Errc::kmc_envelope_invalid);
}

TEST_F(KmcEnvelopeTest, LenientOnAbsentParametersTheBareSm4OidAndBerLengths) {
    Parts p = valid_parts();
    p.params.reset();
    auto absent = open_enveloped_key(build(p), recipient);
    YX_ASSERT_OK(absent);
    EXPECT_EQ(absent->scalar(), key.scalar());

    p.alg = asn1::oids::sm4;  // emmansun/gmsm accepts the bare SM4 OID too
    YX_ASSERT_OK(open_enveloped_key(build(p), recipient));

    // BER: the outer SEQUENCE with a non-minimal long-form length.
    const Bytes der = build(valid_parts());
    ASSERT_EQ(der[0], 0x30);
    ASSERT_EQ(der[1], 0x81);  // 128..255 content octets
    Bytes ber{0x30, 0x82, 0x00, der[2]};
    ber.insert(ber.end(), der.begin() + 3, der.end());
    auto opened = open_enveloped_key(ber, recipient);
    YX_ASSERT_OK(opened);
}

TEST_F(KmcEnvelopeTest, EveryMalformedVariantIsRefused) {
    const Parts good = valid_parts();
    const Bytes der = build(good);
    std::vector<std::pair<std::string, Bytes>> cases;
    cases.emplace_back("empty", Bytes{});
    cases.emplace_back("not a SEQUENCE", Bytes{0x04, 0x02, 0x01, 0x02});
    cases.emplace_back("truncated", Bytes(der.begin(), der.end() - 1));
    {
        Bytes t = der;
        t.push_back(0x05);
        t.push_back(0x00);
        cases.emplace_back("trailing data", t);
    }
    auto with = [&](const std::string& name, const std::function<void(Parts&)>& f) {
        Parts p = good;
        f(p);
        cases.emplace_back(name, build(p));
    };
    with("SM4-CBC", [](Parts& p) { p.alg = asn1::oids::sm4_cbc; });
    with("AES OID", [](Parts& p) { p.alg = asn1::Oid{"2.16.840.1.101.3.4.1.2"}; });
    with("IV as parameters", [](Parts& p) { p.params = Bytes{0x04, 0x02, 0xAA, 0xBB}; });
    with("SM2Cipher is not one", [](Parts& p) { p.cipher = Bytes{0x30, 0x03, 0x02, 0x01, 0x01}; });
    with("point of 64 bytes", [](Parts& p) { p.point.erase(p.point.begin()); });
    with("point off the curve", [](Parts& p) { p.point.back() ^= 0x01; });
    with("compressed point", [](Parts& p) {
        p.point.resize(33);
        p.point[0] = 0x02;
    });
    with("point with unused bits", [](Parts& p) { p.point_unused = 1; });
    with("encrypted key of 31 bytes", [](Parts& p) { p.enc.pop_back(); });
    with("encrypted key of 48 bytes (padded)", [](Parts& p) { p.enc.resize(48, 0x10); });
    with("no encrypted key", [](Parts& p) { p.drop_last_field = true; });
    // emmansun/gmsm sm2/sm2_envelopedkey_test.go TestParseEnvelopedPrivateKey (commit 0f3d767):
    // symAlgID is a bare OID instead of an AlgorithmIdentifier ...
    cases.emplace_back(
        "emmansun invalidASN1",
        hex_decode(
            "3081ea06082a811ccf550168013079022003858a7ca681c2e7034804d2bcece2d1c200e128ca973f3ad12541b59ec639cd02"
            "2100bcf5834c775d5d43615abc27d3aeee399985d30942c65cdbe95afc87d96b12860420f84efafe256413fb28af65a57d"
            "815cb9a2fc64f754ab29adc1a78e81c433cfe90410fd485762e9c5714a6ee008e76675a14c0441049355f3009f1db15d6a6f"
            "751531f3c4741a36a43d1146fc1b0f660314e5fc3b825ed2fda18cb2f624ac6afb370b3755bb267b5747dd8f15836c830b"
            "52d4a74d2c04206fd2ef53be43aaa7f0440e96aafd846096f993e254e2a79a9a5b583204487183")
            .value());
    // ... an SM4-CBC symAlgID ...
    cases.emplace_back(
        "emmansun invalidOID (SM4-CBC)",
        hex_decode(
            "3081ef300c06082a811ccf55016802050030780220760c5d4eb80f7ec4bb12026586e4badcd41c293b416618575894d927"
            "8214aa6c02203fea869801f94f1cf3839e9b666482703c86cef160af8a540daf9c6b9adff5b20420685f05616055daf4948e"
            "44d76c366b16745f7a487614c0542d16871baa34be8704104abfcab6cea65caf2c130b222ebe519903420004944a5887f6fa"
            "d9808516755e81c62f41566dab0f56ca55ad7909880acc051ce157694b11557eba725291166508868e6988c596a30472bef3"
            "2e03a3dcef6866270321003ec6b59fece00ca37336c12f6d529aa84be07597e315eda1b7b58b0bef2fead9")
            .value());
    // ... and an AlgorithmIdentifier where the SM2Cipher belongs.
    cases.emplace_back(
        "emmansun decryptErr",
        hex_decode(
            "308183300c06082a811ccf550168010500300c06082a811ccf55016801050003420004cb51edb59a99b3b6bc894f203465bf"
            "04045eb8a85f5a14ba7c894aadbba7f7b5093e568351675d4ffd6d90be77ae182656eb98a80289358cd4ad4d65fafec5dc0"
            "3210074bd8d993eeeb0220a664087b80478c43ddf322dd75e16db1642f5938ca34a0c")
            .value());

    for (const auto& [name, bytes] : cases) {
        auto parsed = parse_enveloped_key(bytes);
        EXPECT_FALSE(parsed.ok()) << name << " was accepted";
        if (!parsed.ok()) {
            EXPECT_EQ(parsed.code(), Errc::kmc_bad_message) << name << ": " << parsed.error().to_string();
        }
        auto opened = open_enveloped_key(bytes, recipient);
        EXPECT_FALSE(opened.ok()) << name << " opened";
        EXPECT_EQ(opened.code(), Errc::kmc_bad_message) << name;
    }
}

TEST_F(KmcEnvelopeTest, ModifiedCiphertextsAndAnotherPublicKeyDoNotOpen) {
    const Parts good = valid_parts();
    {
        Parts p = good;
        p.enc[5] ^= 0x40;  // the scalar's SM4 ciphertext
        YX_EXPECT_CODE(open_enveloped_key(build(p), recipient), Errc::kmc_envelope_invalid);
    }
    {
        Parts p = good;
        p.cipher[p.cipher.size() - 3] ^= 0x01;  // the SM4 key's SM2 ciphertext (C2)
        YX_EXPECT_CODE(open_enveloped_key(build(p), recipient), Errc::kmc_envelope_invalid);
    }
    {
        Parts p = good;  // a well-formed point of another key pair: the scalar does not match it
        p.point = Sm2PrivateKey::generate().value().public_key().point();
        YX_ASSERT_OK(parse_enveloped_key(build(p)));
        YX_EXPECT_CODE(open_enveloped_key(build(p), recipient), Errc::kmc_envelope_invalid);
    }
    {
        Parts p = good;  // the SM2 ciphertext of a 15-byte "key"
        p.cipher = crypto::sm2_encrypt(recipient.public_key(), rng.bytes(15).value()).value();
        YX_EXPECT_CODE(open_enveloped_key(build(p), recipient), Errc::kmc_envelope_invalid);
    }
}

TEST_F(KmcEnvelopeTest, MakingRefusesAScalarOfAnotherKey) {
    const SecretBytes d = key.scalar();
    const auto other = Sm2PrivateKey::generate().value();
    YX_EXPECT_CODE(make_enveloped_key(d, other.public_key(), recipient.public_key(), rng), Errc::kmc_envelope_invalid);
    YX_EXPECT_CODE(make_enveloped_key(BytesView(d).first(31), key.public_key(), recipient.public_key(), rng),
                   Errc::kmc_envelope_invalid);
}

// ---- GM/T 0092 CSRResponse ----------------------------------------------------------------------

x509::Certificate self_signed(const Sm2PrivateKey& subject_key, const std::string& cn) {
    crypto::OpensslRng r;
    x509::TbsCertificateBuilder b;
    const auto name = x509::Name::build({{"C", "CN"}, {"CN", cn}}).value();
    const TimePoint now = from_unix(1'795'000'000);
    b.serial(crypto::random_serial(r).value())
        .issuer(name)
        .subject(name)
        .validity(now, now + std::chrono::hours(24 * 365))
        .public_key(subject_key.public_key());
    return b.sign_with(subject_key).value();
}

TEST_F(KmcEnvelopeTest, CsrResponseRoundTripAndConsistencyChecks) {
    const auto sign_cert = self_signed(recipient, "holder sign");
    const auto enc_cert = self_signed(key, "holder encrypt");
    const Bytes envelope = make_enveloped_key(key, recipient.public_key(), rng).value();
    CsrResponse r{{sign_cert}, envelope, {enc_cert}};
    const Bytes der = encode_csr_response(r).value();
    auto parsed = parse_csr_response(der);
    YX_ASSERT_OK(parsed);
    ASSERT_EQ(parsed->sign_certificates.size(), 1u);
    EXPECT_EQ(parsed->sign_certificates[0], sign_cert);
    ASSERT_TRUE(parsed->encrypted_private_key.has_value());
    EXPECT_EQ(*parsed->encrypted_private_key, envelope);
    ASSERT_EQ(parsed->encrypt_certificates.size(), 1u);
    EXPECT_EQ(open_enveloped_key(*parsed->encrypted_private_key, recipient)->scalar(), key.scalar());

    // Only a signing certificate (a single-certificate response).
    YX_ASSERT_OK(parse_csr_response(encode_csr_response(CsrResponse{{sign_cert}, std::nullopt, {}}).value()));

    // [0] written IMPLICIT by another producer: the SEQUENCE's fields directly inside [0].
    {
        asn1::Writer w;
        w.sequence([&](asn1::Writer& s) {
            s.set_of([&](asn1::Writer& set) { set.raw(sign_cert.der()); });
            s.context_implicit(0, [&](asn1::Writer& e) { e.raw(envelope); });
            s.context_implicit(1,
                               [&](asn1::Writer& c) { c.set_of([&](asn1::Writer& set) { set.raw(enc_cert.der()); }); });
        });
        auto implicit = parse_csr_response(w.finish().value());
        YX_ASSERT_OK(implicit);
        EXPECT_EQ(*implicit->encrypted_private_key, envelope);
    }

    YX_EXPECT_CODE(encode_csr_response(CsrResponse{{}, std::nullopt, {}}), Errc::kmc_bad_message);
    YX_EXPECT_CODE(encode_csr_response(CsrResponse{{sign_cert}, envelope, {}}), Errc::kmc_bad_message);
    YX_EXPECT_CODE(encode_csr_response(CsrResponse{{sign_cert}, envelope, {sign_cert}}), Errc::kmc_bad_message);
    {
        asn1::Writer w;  // the same mismatch as received from elsewhere
        w.sequence([&](asn1::Writer& s) {
            s.set_of([&](asn1::Writer& set) { set.raw(sign_cert.der()); });
            s.context_explicit(0, [&](asn1::Writer& e) { e.raw(envelope); });
            s.context_implicit(
                1, [&](asn1::Writer& c) { c.set_of([&](asn1::Writer& set) { set.raw(sign_cert.der()); }); });
        });
        YX_EXPECT_CODE(parse_csr_response(w.finish().value()), Errc::kmc_bad_message);
    }
    YX_EXPECT_CODE(parse_csr_response(Bytes(der.begin(), der.end() - 2)), Errc::kmc_bad_message);
    YX_EXPECT_CODE(parse_csr_response(envelope), Errc::kmc_bad_message);
}

}  // namespace
}  // namespace yinxin::kmc
