#include "yinxin/crypto/signature.h"

#include <gtest/gtest.h>

namespace yinxin::crypto {
namespace {

Bytes h(std::string_view s) { return hex_decode(s).value(); }

const Bytes k_r = h("F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3");
const Bytes k_s = h("B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA");
// Minimal DER of (k_r, k_s): both need a 00 pad.
const Bytes k_der =
    h("3046022100F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"
      "022100B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA");

Bytes raw() {
    Bytes r = k_r;
    r.insert(r.end(), k_s.begin(), k_s.end());
    return r;
}

TEST(Signature, ThreeEncodingsNormaliseToTheSameDer) {
    auto d = normalise_signature(k_der);
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->der, k_der);
    EXPECT_EQ(d->received, SignatureEncoding::der);

    auto r = normalise_signature(raw());
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->der, k_der);
    EXPECT_EQ(r->received, SignatureEncoding::raw);

    // Long-form lengths everywhere and an extra 00 before r.
    const Bytes nm =
        h("30814A028200220000F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"
          "028121"
          "00B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA");
    auto n = normalise_signature(nm);
    ASSERT_TRUE(n.ok()) << n.error().to_string();
    EXPECT_EQ(n->der, k_der);
    EXPECT_EQ(n->received, SignatureEncoding::non_minimal_der);
}

TEST(Signature, SmallValuesArePaddedAndStripped) {
    Bytes small(64, 0);
    small[31] = 0x01;
    small[63] = 0x80;  // needs a 00 pad in DER
    const Bytes der = raw_to_der(small).value();
    EXPECT_EQ(der, h("3007020101020200 80"));
    EXPECT_EQ(der_to_raw(der).value(), small);
    EXPECT_EQ(der_to_raw(k_der).value(), raw());
    // Non-minimal DER to raw works too.
    EXPECT_EQ(der_to_raw(h("3009 02030000 01 0202 0080")).value(), small);
}

TEST(Signature, RawThatLooksLikeASequenceStaysRaw) {
    // 64 bytes starting with 30 3E that do not parse as DER are taken as r||s.
    Bytes r = raw();
    r[0] = 0x30;
    r[1] = 0x3e;
    auto n = normalise_signature(r);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(n->received, SignatureEncoding::raw);
    EXPECT_EQ(der_to_raw(n->der).value(), r);
}

TEST(Signature, Rejections) {
    const auto bad = [](const Bytes& b) { return normalise_signature(b).code(); };
    const Errc e = Errc::crypto_bad_signature_encoding;
    EXPECT_EQ(bad({}), e);
    EXPECT_EQ(bad(h("3006020100020101")), e);        // r = 0
    EXPECT_EQ(bad(h("3006020101020100")), e);        // s = 0
    EXPECT_EQ(bad(h("30060201FF020101")), e);        // r negative
    EXPECT_EQ(bad(h("3005020101020101")), e);        // length mismatch
    EXPECT_EQ(bad(h("300602010102010100")), e);      // trailing byte
    EXPECT_EQ(bad(h("3009020101020101020101")), e);  // three INTEGERs
    EXPECT_EQ(bad(h("3003020101")), e);              // one INTEGER
    EXPECT_EQ(bad(h("3106020101020101")), e);        // SET, not SEQUENCE
    EXPECT_EQ(bad(h("3006040101020101")), e);        // OCTET STRING for r
    EXPECT_EQ(bad(h("30800201010201010000")), e);    // indefinite length
    EXPECT_EQ(bad(h("3004020002 0101")), e);         // empty INTEGER
    Bytes wide = h("3026022101");                    // r of 33 significant octets
    wide.insert(wide.end(), 32, 0x11);
    wide.insert(wide.end(), {0x02, 0x01, 0x01});
    EXPECT_EQ(bad(wide), e);
    Bytes r0 = raw();
    std::fill(r0.begin(), r0.begin() + 32, 0);
    EXPECT_EQ(bad(r0), e);
    EXPECT_EQ(raw_to_der(Bytes(63, 1)).code(), e);
    EXPECT_EQ(raw_to_der(Bytes(65, 1)).code(), e);
    EXPECT_EQ(der_to_raw(raw()).code(), e);
}

}  // namespace
}  // namespace yinxin::crypto
