// The CRL builder and parser (crl.h): a round trip with an SM2 key, reason codes and invalidity
// dates, the empty CRL, 100,000 entries built and parsed, and the builder's refusals.
#include "yinxin/x509/crl.h"

#include <gtest/gtest.h>

#include "yinxin/asn1/oids.h"
#include "yinxin/crypto/sm2.h"

namespace yinxin::x509 {
namespace {

const TimePoint k_t0 = from_unix(1'790'000'000);  // 2026-09-21

struct Signed {
    Bytes der;
    crypto::Sm2PrivateKey key;
};

CrlBuilder base_builder(std::uint64_t number) {
    CrlBuilder b;
    b.issuer(Name::build({{"C", "CN"}, {"O", "Yinxin Test"}, {"CN", "Test CA"}}).value())
        .this_update(k_t0)
        .next_update(k_t0 + std::chrono::hours(24))
        .authority_key_identifier(Bytes(20, 0xAB))
        .crl_number(number);
    return b;
}

Signed sign(const CrlBuilder& b) {
    auto key = crypto::Sm2PrivateKey::generate().value();
    const Bytes tbs = b.build_tbs().value();
    const Bytes sig = crypto::sm2_sign(key, tbs).value();
    return {assemble_crl(tbs, b.algorithm(), sig).value(), key};
}

TEST(Crl, RoundTripWithReasonsAndInvalidityDates) {
    CrlBuilder b = base_builder(7);
    ASSERT_TRUE(b.add({.serial = {0x01, 0x23},
                       .revoked_at = k_t0 - std::chrono::hours(2),
                       .reason = CrlReason::key_compromise,
                       .invalidity_date = k_t0 - std::chrono::hours(30)})
                    .ok());
    ASSERT_TRUE(b.add({.serial = {0x80, 0x01},
                       .revoked_at = k_t0 - std::chrono::hours(1),
                       .reason = CrlReason::certificate_hold,
                       .invalidity_date = std::nullopt})
                    .ok());
    ASSERT_TRUE(
        b.add({.serial = {0x7f}, .revoked_at = k_t0, .reason = CrlReason::unspecified, .invalidity_date = std::nullopt})
            .ok());
    b.issuing_distribution_point("http://127.0.0.1:8080/crl/ca.crl", false).freshest_crl("http://x/delta.crl");
    const Signed s = sign(b);
    auto crl = Crl::parse(s.der);
    ASSERT_TRUE(crl.ok()) << crl.error().to_string();
    EXPECT_EQ(crl->version(), 2);
    EXPECT_EQ(crl->signature_algorithm().oid, asn1::oids::sm2_with_sm3);
    EXPECT_EQ(crl->crl_number(), std::optional<std::uint64_t>(7));
    EXPECT_FALSE(crl->delta_base().has_value());
    EXPECT_EQ(crl->authority_key_id(), std::optional<Bytes>(Bytes(20, 0xAB)));
    EXPECT_EQ(crl->this_update(), k_t0);
    EXPECT_EQ(crl->next_update(), std::optional<TimePoint>(k_t0 + std::chrono::hours(24)));
    ASSERT_EQ(crl->entries().size(), 3u);
    const auto* a = crl->find(Bytes{0x01, 0x23});
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->reason, CrlReason::key_compromise);
    EXPECT_EQ(a->invalidity_date, std::optional<TimePoint>(k_t0 - std::chrono::hours(30)));
    // A serial with the high bit set is a positive INTEGER with a leading zero octet on the wire.
    ASSERT_NE(crl->find(Bytes{0x80, 0x01}), nullptr);
    EXPECT_EQ(crl->find(Bytes{0x80, 0x01})->reason, CrlReason::certificate_hold);
    EXPECT_EQ(crl->find(Bytes{0x7f})->reason, CrlReason::unspecified);
    EXPECT_EQ(crl->find(Bytes{0x02}), nullptr);

    const auto spki = SubjectPublicKeyInfo::from_sm2(s.key.public_key());
    EXPECT_TRUE(crl->verify_signature_with(spki).ok());
    EXPECT_FALSE(crl->verify_signature_with(spki, "another-id").ok());
    Bytes tampered = s.der;
    tampered[tampered.size() / 2] ^= 0x01;
    auto t = Crl::parse(tampered);
    EXPECT_TRUE(!t.ok() || !t->verify_signature_with(spki).ok());
}

TEST(Crl, EmptyDeltaAndArl) {
    CrlBuilder b = base_builder(12);
    b.delta_crl_indicator(10).issuing_distribution_point("http://x/arl.crl", true);
    EXPECT_EQ(b.entry_count(), 0u);
    auto crl = Crl::parse(sign(b).der);
    ASSERT_TRUE(crl.ok()) << crl.error().to_string();
    EXPECT_TRUE(crl->entries().empty());
    EXPECT_EQ(crl->delta_base(), std::optional<std::uint64_t>(10));
    EXPECT_TRUE(crl->only_ca_certs());
}

TEST(Crl, HundredThousandEntriesStream) {
    CrlBuilder b = base_builder(1);
    for (std::uint32_t i = 1; i <= 100'000; ++i) {
        const Bytes serial{0x10, static_cast<std::uint8_t>(i >> 16), static_cast<std::uint8_t>(i >> 8),
                           static_cast<std::uint8_t>(i)};
        ASSERT_TRUE(b.add({.serial = serial,
                           .revoked_at = k_t0,
                           .reason = CrlReason::superseded,
                           .invalidity_date = std::nullopt})
                        .ok());
    }
    EXPECT_EQ(b.entry_count(), 100'000u);
    const Signed s = sign(b);
    EXPECT_GT(s.der.size(), 100'000u * 20);
    auto crl = Crl::parse(s.der);
    ASSERT_TRUE(crl.ok()) << crl.error().to_string();
    EXPECT_EQ(crl->entries().size(), 100'000u);
    EXPECT_TRUE(crl->verify_signature_with(SubjectPublicKeyInfo::from_sm2(s.key.public_key())).ok());
}

TEST(Crl, BuilderRefusals) {
    CrlBuilder b = base_builder(1);
    EXPECT_EQ(b.add({.serial = {}, .revoked_at = k_t0, .reason = CrlReason::unspecified, .invalidity_date = {}}).code(),
              Errc::invalid_argument);
    EXPECT_EQ(
        b.add({.serial = {0x00, 0x01}, .revoked_at = k_t0, .reason = CrlReason::unspecified, .invalidity_date = {}})
            .code(),
        Errc::invalid_argument);
    CrlBuilder late = base_builder(1);
    late.next_update(k_t0 - std::chrono::seconds(1));
    EXPECT_EQ(late.build_tbs().code(), Errc::x509_bad_validity);
    CrlBuilder no_number;
    no_number.issuer(Name::build({{"CN", "x"}}).value())
        .this_update(k_t0)
        .next_update(k_t0)
        .authority_key_identifier(Bytes{1});
    EXPECT_EQ(no_number.build_tbs().code(), Errc::invalid_argument);
    const Bytes tbs = base_builder(1).build_tbs().value();
    EXPECT_EQ(assemble_crl(tbs, AlgorithmIdentifier::ecdsa_with_sha256(), Bytes{0x30, 0x00}).code(),
              Errc::x509_algorithm_mismatch);
}

TEST(Crl, ReasonNames) {
    for (int v : {0, 1, 2, 3, 4, 5, 6, 8, 9, 10}) {
        auto r = crl_reason_from_int(v);
        ASSERT_TRUE(r.ok()) << v;
        EXPECT_EQ(parse_crl_reason(crl_reason_name(*r)).value(), *r);
    }
    EXPECT_EQ(crl_reason_from_int(7).code(), Errc::invalid_argument);
    EXPECT_EQ(parse_crl_reason("compromised").code(), Errc::invalid_argument);
}

}  // namespace
}  // namespace yinxin::x509
