// A small SM2 PKI for seal tests: a root CA, a seal maker (organisation) certificate and a seal
// holder (signer) certificate, all made with fresh keys through x509::TbsCertificateBuilder.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "yinxin/crypto/sm2.h"
#include "yinxin/seal/ses.h"
#include "yinxin/x509/builder.h"
#include "yinxin/x509/certificate.h"

namespace yinxin::seal::testing {

inline constexpr auto k_day = std::chrono::hours(24);
// 2025-01-01T00:00:00Z: every certificate and seal in these tests is valid for years around it.
inline const TimePoint k_t0 = from_unix(1735689600);

struct TestPki {
    crypto::Sm2PrivateKey root_key;
    x509::Certificate root;
    crypto::Sm2PrivateKey maker_key;
    x509::Certificate maker;
    crypto::Sm2PrivateKey signer_key;
    x509::Certificate signer;
};

inline x509::Certificate issue(const crypto::Sm2PrivateKey& issuer_key, const x509::Name& issuer,
                               const crypto::Sm2PublicKey& subject_key, const x509::Name& subject, bool ca,
                               std::uint8_t serial) {
    x509::TbsCertificateBuilder b;
    const Bytes serial_bytes{0x01, serial};
    b.serial(serial_bytes)
        .issuer(issuer)
        .subject(subject)
        .validity(k_t0 - 365 * k_day, k_t0 + 3 * 365 * k_day)
        .public_key(subject_key)
        .subject_key_identifier_from_key();
    if (ca) {
        b.basic_constraints({true, std::nullopt})
            .key_usage(x509::KeyUsage::of({x509::KeyUsageBit::key_cert_sign, x509::KeyUsageBit::crl_sign}));
    } else {
        b.basic_constraints({false, std::nullopt})
            .key_usage(x509::KeyUsage::of({x509::KeyUsageBit::digital_signature, x509::KeyUsageBit::non_repudiation}));
    }
    auto cert = b.sign_with(issuer_key);
    if (!cert) throw std::runtime_error("test PKI: " + cert.error().to_string());
    return std::move(cert).value();
}

inline TestPki make_pki(std::string_view root_cn = "Yinxin Seal Test Root") {
    auto root_key = crypto::Sm2PrivateKey::generate().value();
    auto maker_key = crypto::Sm2PrivateKey::generate().value();
    auto signer_key = crypto::Sm2PrivateKey::generate().value();
    const auto root_name = x509::Name::build({{"C", "CN"}, {"O", "Yinxin Test"}, {"CN", root_cn}}).value();
    const auto maker_name = x509::Name::build({{"C", "CN"}, {"O", "Yinxin Test"}, {"CN", "Seal Maker"}}).value();
    const auto signer_name =
        x509::Name::build({{"C", "CN"}, {"O", "91330100MA2CFXXX0X Test Bureau"}, {"CN", "33010600000001"}}).value();
    x509::Certificate root = issue(root_key, root_name, root_key.public_key(), root_name, true, 1);
    x509::Certificate maker = issue(root_key, root_name, maker_key.public_key(), maker_name, false, 2);
    x509::Certificate signer = issue(root_key, root_name, signer_key.public_key(), signer_name, false, 3);
    return TestPki{root_key, root, maker_key, maker, signer_key, signer};
}

// A tiny but real PNG signature + IHDR prefix; the seal format does not decode the picture.
inline Bytes test_picture() {
    return {0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52};
}

inline SealRequest seal_request(const TestPki& pki) {
    SealRequest r;
    r.vendor_id = "Yinxin";
    r.es_id = "33010600000001";
    r.type = 3;
    r.name = "测试单位电子印章";
    r.create_date = k_t0;
    r.valid_start = k_t0;
    r.valid_end = k_t0 + 2 * 365 * k_day;
    r.signer_certificates.emplace_back(pki.signer.der().begin(), pki.signer.der().end());
    r.picture_type = "PNG";
    r.picture = test_picture();
    r.width_mm = 42;
    r.height_mm = 42;
    return r;
}

}  // namespace yinxin::seal::testing
