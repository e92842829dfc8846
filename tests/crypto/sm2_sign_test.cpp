#include <atomic>
#include <thread>

#include "sm2_test_util.h"
#include "yinxin/base/error.h"

namespace yinxin::crypto {
namespace {

using test::expect_clean_error_queue;
using yinxin::testing::load_kat;

Bytes vec(const Sm3Digest& d) { return {d.begin(), d.end()}; }

TEST(Sm2Sign, AnnexKnownAnswer) {
    // GM/T 0003.5-2012 Annex A on sm2p256v1: Z, e, and (r, s) for the fixed k.
    const auto v = load_kat("kat/sm2_sign.vec").at(0);
    const auto key = Sm2PrivateKey::from_scalar(v.bytes("D")).value();
    const auto pub = key.public_key();
    const std::string id = v.text("Id");
    const Bytes msg = v.bytes("Msg");

    const Sm3Digest z = sm2_z(pub, id).value();
    EXPECT_EQ(vec(z), v.bytes("Z"));
    const Sm3Digest e = sm2_e(z, msg).value();
    EXPECT_EQ(vec(e), v.bytes("E"));

    const Bytes expected = test::rs_der(v.bytes("R"), v.bytes("S"));
    auto sig = kat::sm2_sign_with_k(key, e, v.bytes("K"));
    ASSERT_TRUE(sig.ok()) << sig.error().to_string();
    EXPECT_EQ(hex_encode(*sig), hex_encode(expected));

    // The annex signature verifies through OpenSSL's EVP_DigestVerify with the ID, through the
    // precomputed-Z verifier, and in raw r||s form.
    EXPECT_TRUE(sm2_verify(pub, msg, expected, id).ok());
    const auto verifier = Sm2Verifier::create(pub, id).value();
    EXPECT_TRUE(verifier.verify(msg, expected).ok());
    EXPECT_TRUE(verifier.verify_digest(e, expected).ok());
    Bytes raw = v.bytes("R");
    const Bytes s = v.bytes("S");
    raw.insert(raw.end(), s.begin(), s.end());
    EXPECT_TRUE(sm2_verify(pub, msg, raw, id).ok());
    EXPECT_TRUE(verifier.verify(msg, raw).ok());
}

TEST(Sm2Sign, NegativeCasesFromFile) {
    int n = 0;
    for (const auto& v : load_kat("kat/sm2_sign_negative.vec")) {
        SCOPED_TRACE(v.where() + " " + v.text("Case"));
        const std::string expect = v.text("Expect");
        auto pub = Sm2PublicKey::from_point(test::point_of(v));
        if (!pub.ok()) {
            EXPECT_EQ(errc_name(pub.code()), expect) << pub.error().to_string();
            ++n;
            continue;
        }
        const std::string id = v.text("Id");
        const Bytes msg = v.bytes("Msg"), sig = v.bytes("Sig");
        const Status one_shot = sm2_verify(*pub, msg, sig, id);
        const Status pre = Sm2Verifier::create(*pub, id).value().verify(msg, sig);
        EXPECT_EQ(errc_name(one_shot.code()), expect) << (one_shot.ok() ? "" : one_shot.error().to_string());
        EXPECT_EQ(errc_name(pre.code()), expect) << (pre.ok() ? "" : pre.error().to_string());
        expect_clean_error_queue();
        ++n;
    }
    EXPECT_GE(n, 20);
}

TEST(Sm2Sign, OneShotAndPrecomputedAgreeBothWays) {
    const auto key = Sm2PrivateKey::generate().value();
    const auto pub = key.public_key();
    const std::string long_id(k_max_sm2_id_len, 'x');
    for (const std::string& id :
         {std::string(k_default_sm2_id), std::string(), std::string("ALICE123@YAHOO.COM"), long_id}) {
        SCOPED_TRACE(id.size());
        const auto signer = Sm2Signer::create(key, id).value();
        const auto verifier = Sm2Verifier::create(pub, id).value();
        EXPECT_EQ(signer.z(), sm2_z(pub, id).value());
        EXPECT_EQ(verifier.z(), signer.z());
        for (std::size_t len : {0u, 1u, 55u, 64u, 1000u, 70000u}) {
            Bytes msg(len);
            for (std::size_t i = 0; i < len; ++i) msg[i] = static_cast<std::uint8_t>(i * 7 + len);
            const Bytes a = sm2_sign(key, msg, id).value();        // EVP_DigestSign, ID on the ctx
            const Bytes b = signer.sign(msg).value();              // our Z, EVP_PKEY_sign on e
            EXPECT_TRUE(verifier.verify(msg, a).ok()) << len;      // one-shot → precomputed
            EXPECT_TRUE(sm2_verify(pub, msg, b, id).ok()) << len;  // precomputed → one-shot
            EXPECT_TRUE(sm2_verify(pub, msg, a, id).ok());
            EXPECT_TRUE(verifier.verify(msg, b).ok());
            // sign_digest over e = SM3(Z || M) is the same operation.
            const Bytes c = signer.sign_digest(sm2_e(signer.z(), msg).value()).value();
            EXPECT_TRUE(sm2_verify(pub, msg, c, id).ok());
        }
    }
}

TEST(Sm2Sign, IdMatters) {
    const auto key = Sm2PrivateKey::generate().value();
    const auto pub = key.public_key();
    const Bytes msg = to_bytes("the TBS bytes");
    const Bytes sig = sm2_sign(key, msg).value();  // default ID 1234567812345678
    EXPECT_TRUE(sm2_verify(pub, msg, sig).ok());
    // OpenSSL 3.0's default is the empty ID: the default-ID signature must not verify with it.
    EXPECT_EQ(sm2_verify(pub, msg, sig, "").code(), Errc::crypto_signature_invalid);
    EXPECT_EQ(Sm2Verifier::create(pub, "").value().verify(msg, sig).code(), Errc::crypto_signature_invalid);
    const Bytes empty_id_sig = sm2_sign(key, msg, "").value();
    EXPECT_TRUE(sm2_verify(pub, msg, empty_id_sig, "").ok());
    EXPECT_EQ(sm2_verify(pub, msg, empty_id_sig).code(), Errc::crypto_signature_invalid);
    // ID length limit: ENTL is 16 bits of bit length.
    const std::string too_long(k_max_sm2_id_len + 1, 'a');
    EXPECT_EQ(sm2_sign(key, msg, too_long).code(), Errc::crypto_bad_id);
    EXPECT_EQ(sm2_verify(pub, msg, sig, too_long).code(), Errc::crypto_bad_id);
    EXPECT_EQ(Sm2Signer::create(key, too_long).code(), Errc::crypto_bad_id);
    EXPECT_EQ(sm2_z(pub, too_long).code(), Errc::crypto_bad_id);
    expect_clean_error_queue();
}

TEST(Sm2Sign, WrongKeyAndRandomisedSignatures) {
    const auto key = Sm2PrivateKey::generate().value();
    const auto other = Sm2PrivateKey::generate().value();
    const Bytes msg = to_bytes("m");
    const Bytes s1 = sm2_sign(key, msg).value();
    const Bytes s2 = sm2_sign(key, msg).value();
    EXPECT_NE(s1, s2);  // fresh k each time
    EXPECT_EQ(sm2_verify(other.public_key(), msg, s1).code(), Errc::crypto_signature_invalid);
    EXPECT_EQ(Sm2Verifier::create(other.public_key()).value().verify(msg, s1).code(), Errc::crypto_signature_invalid);
    // Every encoding the signer produced is minimal DER.
    EXPECT_EQ(normalise_signature(s1).value().received, SignatureEncoding::der);
    expect_clean_error_queue();
}

TEST(Sm2Sign, KatSignWithKChecksK) {
    const auto key = test::kat_key();
    Sm3Digest e{};
    EXPECT_EQ(kat::sm2_sign_with_k(key, e, Bytes(32, 0)).code(), Errc::invalid_argument);
    EXPECT_EQ(kat::sm2_sign_with_k(key, e, Bytes(31, 1)).code(), Errc::invalid_argument);
    EXPECT_EQ(kat::sm2_sign_with_k(key, e, Bytes(32, 0xff)).code(), Errc::invalid_argument);
}

TEST(Sm2Sign, SignerIsUsableFromSeveralThreads) {
    const auto key = Sm2PrivateKey::generate().value();
    const auto signer = Sm2Signer::create(key).value();
    const auto verifier = Sm2Verifier::create(key.public_key()).value();
    std::atomic<int> failures{0};
    auto work = [&](int seed) {
        for (int i = 0; i < 40; ++i) {
            const Bytes msg = to_bytes("message " + std::to_string(seed * 1000 + i));
            auto sig = signer.sign(msg);
            if (!sig.ok() || !verifier.verify(msg, *sig).ok()) ++failures;
        }
    };
    std::thread t1(work, 1), t2(work, 2);
    t1.join();
    t2.join();
    EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace yinxin::crypto
