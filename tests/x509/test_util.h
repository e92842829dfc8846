// Helpers shared by the x509 tests: fixture certificates and a root → sub CA → leaf SM2 chain
// made with our builders. Processes (the openssl CLI), scratch directories, files and fixture
// paths come from tests/support/test_support.h (yinxin::test). Test code only.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "support/test_support.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/base/bytes.h"
#include "yinxin/crypto/sm2.h"
#include "yinxin/x509/builder.h"
#include "yinxin/x509/certificate.h"
#include "yinxin/x509/name.h"

namespace yinxin::x509::testing {

inline Certificate load_cert(std::string_view rel, const ParseOptions& opt = {}) {
    auto c = Certificate::parse_pem(test::read_text(test::data_path(rel)), opt);
    if (!c.ok()) throw std::runtime_error("fixture " + std::string(rel) + ": " + c.error().to_string());
    return std::move(c).value();
}

inline Name make_name(std::initializer_list<std::pair<std::string_view, std::string_view>> attrs) {
    auto n = Name::build(attrs);
    if (!n.ok()) throw std::runtime_error(n.error().to_string());
    return std::move(n).value();
}

inline crypto::Sm2PrivateKey new_key() {
    auto k = crypto::Sm2PrivateKey::generate();
    if (!k.ok()) throw std::runtime_error(k.error().to_string());
    return std::move(k).value();
}

// 2026-01-01T00:00:00Z, the "now" of the chain tests.
inline TimePoint t0() { return from_unix(1767225600); }
inline constexpr auto k_day = std::chrono::hours(24);

inline Bytes serial_of(std::uint8_t n) { return Bytes{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, n}; }

// Builder for a CA or leaf certificate with the usual GM extensions; tests adjust it before signing.
inline TbsCertificateBuilder ca_builder(const Name& subject, const Name& issuer, const crypto::Sm2PublicKey& key,
                                        const SubjectPublicKeyInfo& issuer_key, std::uint8_t serial,
                                        std::optional<std::uint32_t> path_len = std::nullopt) {
    TbsCertificateBuilder b;
    const auto spki = SubjectPublicKeyInfo::from_sm2(key);
    b.serial(serial_of(serial))
        .issuer(issuer)
        .subject(subject)
        .validity(t0() - 365 * k_day, t0() + 3650 * k_day)
        .public_key(spki)
        .basic_constraints({true, path_len})
        .key_usage(KeyUsage::of({KeyUsageBit::key_cert_sign, KeyUsageBit::crl_sign}))
        .subject_key_identifier(key_identifier(spki.key_bytes()))
        .authority_key_identifier(key_identifier(issuer_key.key_bytes()));
    return b;
}

inline TbsCertificateBuilder leaf_builder(const Name& subject, const Name& issuer, const crypto::Sm2PublicKey& key,
                                          const SubjectPublicKeyInfo& issuer_key, std::uint8_t serial) {
    TbsCertificateBuilder b;
    const auto spki = SubjectPublicKeyInfo::from_sm2(key);
    b.serial(serial_of(serial))
        .issuer(issuer)
        .subject(subject)
        .validity(t0() - 30 * k_day, t0() + 365 * k_day)
        .public_key(spki)
        .basic_constraints({false, std::nullopt}, false)
        .key_usage(KeyUsage::of({KeyUsageBit::digital_signature, KeyUsageBit::non_repudiation}))
        .subject_key_identifier(key_identifier(spki.key_bytes()))
        .authority_key_identifier(key_identifier(issuer_key.key_bytes()));
    return b;
}

inline Certificate must(Result<Certificate> r) {
    if (!r.ok()) throw std::runtime_error(r.error().to_string());
    return std::move(r).value();
}

// root → sub CA → leaf, all SM2, signed with the GM/T 0009 default ID.
struct Chain {
    crypto::Sm2PrivateKey root_key = new_key();
    crypto::Sm2PrivateKey sub_key = new_key();
    crypto::Sm2PrivateKey leaf_key = new_key();
    Name root_name = make_name({{"C", "CN"}, {"O", "印信测试"}, {"CN", "Yinxin Test Root CA"}});
    Name sub_name = make_name({{"C", "CN"}, {"O", "印信测试"}, {"OU", "业务部"}, {"CN", "Yinxin Test Sub CA"}});
    Name leaf_name = make_name({{"C", "CN"}, {"ST", "浙江省"}, {"L", "杭州市"}, {"O", "印信测试"}, {"CN", "张三"}});
    SubjectPublicKeyInfo root_spki = SubjectPublicKeyInfo::from_sm2(root_key.public_key());
    SubjectPublicKeyInfo sub_spki = SubjectPublicKeyInfo::from_sm2(sub_key.public_key());

    Certificate root = must(ca_builder(root_name, root_name, root_key.public_key(), root_spki, 1).sign_with(root_key));
    Certificate sub = must(ca_builder(sub_name, root_name, sub_key.public_key(), root_spki, 2, 0).sign_with(root_key));
    Certificate leaf = must(leaf_builder(leaf_name, sub_name, leaf_key.public_key(), sub_spki, 3).sign_with(sub_key));
};

}  // namespace yinxin::x509::testing
