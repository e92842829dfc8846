#include "yinxin/crypto/sm2_cipher.h"

#include "sm2_test_util.h"
#include "yinxin/base/tlv.h"

namespace yinxin::crypto {
namespace {

using test::expect_clean_error_queue;
using yinxin::testing::load_kat;

constexpr Sm2CipherFormat k_formats[] = {Sm2CipherFormat::asn1, Sm2CipherFormat::c1c3c2, Sm2CipherFormat::c1c2c3};

Bytes plain(const SecretBytes& s) { return {s.begin(), s.end()}; }

TEST(Sm2Cipher, AnnexKnownAnswer) {
    // GM/T 0003.5-2012 Annex C on sm2p256v1, with the fixed k.
    const auto v = load_kat("kat/sm2_encrypt.vec").at(0);
    const auto key = Sm2PrivateKey::from_scalar(v.bytes("D")).value();
    const Bytes msg = v.bytes("Msg");
    auto raw = kat::sm2_encrypt_with_k(key.public_key(), msg, v.bytes("K"));
    ASSERT_TRUE(raw.ok()) << raw.error().to_string();
    EXPECT_EQ(hex_encode(*raw), hex_encode(v.bytes("CipherC1C3C2")));
    EXPECT_EQ(hex_encode(sm2_cipher_convert(*raw, Sm2CipherFormat::c1c3c2, Sm2CipherFormat::asn1).value()),
              hex_encode(v.bytes("CipherAsn1")));
    EXPECT_EQ(sm2_cipher_convert(*raw, Sm2CipherFormat::c1c3c2, Sm2CipherFormat::c1c2c3).value(),
              v.bytes("CipherC1C2C3"));
    // OpenSSL decrypts the annex ciphertext in every encoding after conversion.
    EXPECT_EQ(plain(sm2_decrypt(key, v.bytes("CipherAsn1")).value()), msg);
    EXPECT_EQ(plain(sm2_decrypt(key, v.bytes("CipherC1C3C2"), Sm2CipherFormat::c1c3c2).value()), msg);
    EXPECT_EQ(plain(sm2_decrypt(key, v.bytes("CipherC1C2C3"), Sm2CipherFormat::c1c2c3).value()), msg);
}

TEST(Sm2Cipher, RoundTripsInEveryFormat) {
    const auto key = Sm2PrivateKey::generate().value();
    for (auto f : k_formats) {
        for (std::size_t len : {1u, 16u, 31u, 32u, 33u, 200u, 1000u}) {
            SCOPED_TRACE(::testing::Message() << "format " << static_cast<int>(f) << " len " << len);
            Bytes msg(len);
            for (std::size_t i = 0; i < len; ++i) msg[i] = static_cast<std::uint8_t>(i ^ 0xa5);
            auto ct = sm2_encrypt(key.public_key(), msg, f);
            ASSERT_TRUE(ct.ok()) << ct.error().to_string();
            if (f != Sm2CipherFormat::asn1) {
                EXPECT_EQ(ct->size(), 65 + 32 + len);
            }
            EXPECT_EQ(plain(sm2_decrypt(key, *ct, f).value()), msg);
            // Conversions are lossless in every direction.
            for (auto g : k_formats) {
                const Bytes there = sm2_cipher_convert(*ct, f, g).value();
                EXPECT_EQ(sm2_cipher_convert(there, g, f).value(), *ct);
                EXPECT_EQ(plain(sm2_decrypt(key, there, g).value()), msg);
            }
        }
    }
}

TEST(Sm2Cipher, WrongKeyAndTamperingFail) {
    const auto key = Sm2PrivateKey::generate().value();
    const auto other = Sm2PrivateKey::generate().value();
    const Bytes msg = to_bytes("session key 0123");
    const Bytes ct = sm2_encrypt(key.public_key(), msg, Sm2CipherFormat::c1c3c2).value();
    EXPECT_EQ(sm2_decrypt(other, ct, Sm2CipherFormat::c1c3c2).code(), Errc::crypto_decrypt_failed);
    expect_clean_error_queue();
    // C1 (a coordinate), C3 and C2 each modified.
    for (std::size_t pos :
         {std::size_t{10}, std::size_t{64}, std::size_t{70}, std::size_t{96}, std::size_t{97}, ct.size() - 1}) {
        Bytes t = ct;
        t[pos] ^= 0x01;
        EXPECT_EQ(sm2_decrypt(key, t, Sm2CipherFormat::c1c3c2).code(), Errc::crypto_decrypt_failed) << pos;
        expect_clean_error_queue();
    }
    // Decoding the raw blob in the wrong order swaps C2 and C3: the hash check fails.
    EXPECT_EQ(sm2_decrypt(key, ct, Sm2CipherFormat::c1c2c3).code(), Errc::crypto_decrypt_failed);
    expect_clean_error_queue();
}

TEST(Sm2Cipher, MalformedIsBadCiphertext) {
    const auto key = Sm2PrivateKey::generate().value();
    const Bytes asn1 = sm2_encrypt(key.public_key(), to_bytes("x"), Sm2CipherFormat::asn1).value();
    const Bytes raw = sm2_cipher_convert(asn1, Sm2CipherFormat::asn1, Sm2CipherFormat::c1c3c2).value();
    EXPECT_EQ(sm2_decrypt(key, BytesView(asn1).first(asn1.size() - 1)).code(), Errc::crypto_bad_ciphertext);
    Bytes trailing = asn1;
    trailing.push_back(0);
    EXPECT_EQ(sm2_decrypt(key, trailing).code(), Errc::crypto_bad_ciphertext);
    EXPECT_EQ(sm2_decrypt(key, Bytes{}).code(), Errc::crypto_bad_ciphertext);
    EXPECT_EQ(sm2_decrypt(key, BytesView(raw).first(96), Sm2CipherFormat::c1c3c2).code(), Errc::crypto_bad_ciphertext);
    Bytes no04 = raw;
    no04[0] = 0x02;
    EXPECT_EQ(sm2_decrypt(key, no04, Sm2CipherFormat::c1c3c2).code(), Errc::crypto_bad_ciphertext);
    // HASH of 31 bytes.
    Bytes body;
    tlv::append_tlv(body, 0x02, Bytes(32, 0x11));
    tlv::append_tlv(body, 0x02, Bytes(32, 0x22));
    tlv::append_tlv(body, 0x04, Bytes(31, 0x33));
    tlv::append_tlv(body, 0x04, Bytes(5, 0x44));
    Bytes seq;
    tlv::append_tlv(seq, 0x30, body);
    EXPECT_EQ(sm2_cipher_convert(seq, Sm2CipherFormat::asn1, Sm2CipherFormat::c1c3c2).code(),
              Errc::crypto_bad_ciphertext);
    // A 34-byte coordinate is wider than 256 bits.
    body.clear();
    tlv::append_tlv(body, 0x02, Bytes{0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01});
    tlv::append_tlv(body, 0x02, Bytes(32, 0x22));
    tlv::append_tlv(body, 0x04, Bytes(32, 0x33));
    tlv::append_tlv(body, 0x04, Bytes(5, 0x44));
    seq.clear();
    tlv::append_tlv(seq, 0x30, body);
    EXPECT_EQ(sm2_cipher_convert(seq, Sm2CipherFormat::asn1, Sm2CipherFormat::c1c3c2).code(),
              Errc::crypto_bad_ciphertext);
    EXPECT_EQ(sm2_encrypt(key.public_key(), Bytes{}).code(), Errc::crypto_bad_length);
    expect_clean_error_queue();
}

TEST(Sm2Cipher, AcceptsLenientCoordinateEncodings) {
    // Find a k whose C1 has an x coordinate starting 00 0x..7x (about 1 in 512), so the minimal
    // DER INTEGER is shorter than 32 bytes; then re-encode the coordinates as other encoders do:
    // padded to 33 bytes with 00, or 32 bytes with the high bit set and no 00 (y).
    const auto key = Sm2PrivateKey::generate().value();
    const Bytes msg = to_bytes("lenient");
    Bytes raw;
    Bytes k(32, 0);
    for (int i = 1; i < 20000; ++i) {
        k[30] = static_cast<std::uint8_t>(i >> 8);
        k[31] = static_cast<std::uint8_t>(i);
        raw = kat::sm2_encrypt_with_k(key.public_key(), msg, k).value();
        if (raw[1] == 0x00 && raw[2] < 0x80) break;
    }
    ASSERT_TRUE(raw[1] == 0x00 && raw[2] < 0x80) << "no k with a short x found";
    const Bytes der = sm2_cipher_convert(raw, Sm2CipherFormat::c1c3c2, Sm2CipherFormat::asn1).value();
    EXPECT_LT(der[3], 0x20);  // minimal DER: x INTEGER shorter than 32 octets
    EXPECT_EQ(plain(sm2_decrypt(key, der).value()), msg);

    const BytesView x(raw.data() + 1, 32), y(raw.data() + 33, 32), c3(raw.data() + 65, 32);
    const BytesView c2 = BytesView(raw).subspan(97);
    Bytes padded_x{0x00, 0x00};  // 33 octets: redundant leading zeros
    padded_x.insert(padded_x.end(), x.begin() + 1, x.end());
    Bytes body;
    tlv::append_tlv(body, 0x02, padded_x);
    tlv::append_tlv(body, 0x02, y);  // no 00 even when y's top bit is set
    tlv::append_tlv(body, 0x04, c3);
    tlv::append_tlv(body, 0x04, c2);
    Bytes lenient;
    lenient.push_back(0x30);
    lenient.push_back(0x81);  // non-minimal length form
    lenient.push_back(static_cast<std::uint8_t>(body.size()));
    lenient.insert(lenient.end(), body.begin(), body.end());
    EXPECT_EQ(plain(sm2_decrypt(key, lenient).value()), msg);
    EXPECT_EQ(sm2_cipher_convert(lenient, Sm2CipherFormat::asn1, Sm2CipherFormat::asn1).value(), der);
}

}  // namespace
}  // namespace yinxin::crypto
