// Shared fixtures for the profile tests: the repo's profiles, a throw-away issuing CA, a sample
// request per profile.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "yinxin/asn1/oids.h"
#include "yinxin/crypto/sm2.h"
#include "yinxin/profile/issuance.h"
#include "yinxin/profile/profile.h"
#include "yinxin/x509/extensions.h"
#include "yinxin/x509/public_key.h"

namespace yinxin::profile::test {

inline const ProfileSet& profiles() {
    static const ProfileSet set = [] {
        auto r = ProfileSet::load_directory(YINXIN_PROFILES_DIR);
        if (!r) throw std::runtime_error(r.error().to_string());
        return std::move(r).value();
    }();
    return set;
}

inline const Profile& profile(std::string_view id) {
    auto r = profiles().find(id);
    if (!r) throw std::runtime_error(r.error().to_string());
    return **r;
}

// 2026-01-01T00:00:00Z
inline TimePoint t0() { return from_unix(1767225600); }

inline const crypto::Sm2PrivateKey& subject_key() {
    static const crypto::Sm2PrivateKey k = crypto::Sm2PrivateKey::generate().value();
    return k;
}

inline IssuerContext issuer() {
    IssuerContext c;
    c.name = x509::Name::build({{"C", "CN"}, {"O", "某某市数字证书中心"}, {"CN", "Yinxin Test SM2 CA"}}).value();
    c.key_id = Bytes(20, 0xAB);
    c.not_before = t0() - std::chrono::days(365);
    c.not_after = t0() + std::chrono::days(3652 * 2);
    c.crl_url = "http://crl.example.gov.cn/ca1.crl";
    c.ocsp_url = "http://ocsp.example.gov.cn/";
    c.ca_issuers_url = "http://ca.example.gov.cn/ca1.cer";
    c.cps_oid = asn1::oids::any_policy;  // a test arc; real deployments configure the CPS OID
    c.cps_uri = "http://ca.example.gov.cn/cps";
    return c;
}

// 16 octets, top bit clear, as crypto::random_serial makes (fixed here: hermetic tests).
inline Bytes good_serial() {
    return {0x3a, 0x91, 0x0c, 0x7e, 0x55, 0xd2, 0x18, 0x6b, 0xe4, 0x27, 0x9f, 0x40, 0xb3, 0x08, 0xc6, 0x71};
}

inline CertificateRequestData sample_request(const Profile& p) {
    CertificateRequestData r;
    r.subject.emplace_back("C", "CN");
    if (p.subject_allows("ST")) r.subject.emplace_back("ST", "山东省");
    if (p.subject_allows("O")) r.subject.emplace_back("O", "某某市人民政府办公室");
    r.subject.emplace_back("CN", p.id() == "seal" ? "37030000001721" : "张三");
    r.spki_der = x509::SubjectPublicKeyInfo::from_sm2(subject_key().public_key()).der();
    for (const auto& spec : p.identity_extensions()) {
        r.identities.emplace_back(
            spec.name, spec.name.find("code") != std::string::npos ? "91370300MA3C5XYZ1Q" : "370302199001011234");
    }
    if (p.san_email()) r.san_emails.push_back("zhangsan@example.gov.cn");
    return r;
}

}  // namespace yinxin::profile::test
