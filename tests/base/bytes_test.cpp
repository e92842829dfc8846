#include "yinxin/base/bytes.h"

#include <gtest/gtest.h>

#include "yinxin/base/secure.h"

namespace yinxin {
namespace {

TEST(Hex, RoundTripAndErrors) {
    Bytes b{0x00, 0x01, 0xab, 0xff};
    EXPECT_EQ(hex_encode(b), "0001abff");
    EXPECT_EQ(*hex_decode("0001ABff"), b);
    EXPECT_EQ(*hex_decode("00 01\nab ff"), b);
    EXPECT_EQ(hex_decode("abc").code(), Errc::bad_hex);
    EXPECT_EQ(hex_decode("zz").code(), Errc::bad_hex);
    EXPECT_TRUE(hex_decode("")->empty());
}

// RFC 4648 §10 test vectors.
TEST(Base64, Rfc4648Vectors) {
    const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                           {"f", "Zg=="},
                                                           {"fo", "Zm8="},
                                                           {"foo", "Zm9v"},
                                                           {"foob", "Zm9vYg=="},
                                                           {"fooba", "Zm9vYmE="},
                                                           {"foobar", "Zm9vYmFy"}};
    for (auto [plain, enc] : vectors) {
        EXPECT_EQ(base64_encode(as_bytes(plain)), enc);
        EXPECT_EQ(to_string(*base64_decode(enc)), plain);
    }
}

TEST(Base64, RejectsMalformed) {
    EXPECT_EQ(base64_decode("Zg=").code(), Errc::bad_base64);
    EXPECT_EQ(base64_decode("Z!==").code(), Errc::bad_base64);
    EXPECT_EQ(base64_decode("Zg==Zg==").code(), Errc::bad_base64);
    EXPECT_EQ(base64_decode("Zh==").code(), Errc::bad_base64);  // non-zero padding bits
    EXPECT_EQ(to_string(*base64_decode("Zm9v\r\nYmFy")), "foobar");
}

TEST(Pem, RoundTripMultipleBlocks) {
    Bytes a(100, 0x41), b{1, 2, 3};
    std::string text = pem_encode("CERTIFICATE", a) + "junk between\n" + pem_encode("X509 CRL", b);
    auto blocks = pem_decode_all(text);
    ASSERT_TRUE(blocks.ok());
    ASSERT_EQ(blocks->size(), 2u);
    EXPECT_EQ((*blocks)[0].label, "CERTIFICATE");
    EXPECT_EQ((*blocks)[0].der, a);
    EXPECT_EQ(*pem_decode(text, "X509 CRL"), b);
    EXPECT_EQ(pem_decode(text, "PRIVATE KEY").code(), Errc::bad_pem);
    EXPECT_EQ(pem_decode_all("no pem here").code(), Errc::bad_pem);
    EXPECT_EQ(pem_decode_all("-----BEGIN X-----\nZm9v\n").code(), Errc::bad_pem);
    EXPECT_EQ(pem_decode_all("-----BEGIN X-----\nProc-Type: 4,ENCRYPTED\n\nZm9v\n-----END X-----\n").code(),
              Errc::bad_pem);
}

TEST(Secure, ConstantTimeEqualAndZero) {
    Bytes a{1, 2, 3}, b{1, 2, 3}, c{1, 2, 4};
    EXPECT_TRUE(constant_time_equal(a, b));
    EXPECT_FALSE(constant_time_equal(a, c));
    EXPECT_FALSE(constant_time_equal(a, Bytes{1, 2}));
    secure_zero(a.data(), a.size());
    EXPECT_EQ(a, (Bytes{0, 0, 0}));
    SecretBytes s = to_secret(b);
    s.resize(1000);  // reallocation goes through the zeroizing allocator
    EXPECT_EQ(s[0], 1);
}

}  // namespace
}  // namespace yinxin
