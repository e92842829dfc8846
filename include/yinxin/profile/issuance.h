// From a profile and a checked request to the DER tbsCertificate (the "prepare" step of STYLE.md 5:
// prepare → lint → persist → sign).
//
// Validity is NOT clamped to the issuer's: not_after = not_before + the requested (or profile)
// days, and lint "validity_within_issuer" refuses a certificate that would outlive its issuer
// (Boulder's choice: the builder does what it is told, the linter is the single place that says
// no, and an operator sees which rule failed instead of a silently shortened certificate).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "yinxin/asn1/oid.h"
#include "yinxin/base/bytes.h"
#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/profile/profile.h"
#include "yinxin/x509/name.h"
#include "yinxin/x509/public_key.h"

namespace yinxin::profile {

// What the RA approved: the holder's attributes and key.
struct CertificateRequestData {
    // Subject DN in encoding order, by label (C, ST, L, O, OU, CN, E).
    std::vector<std::pair<std::string, std::string>> subject;
    Bytes spki_der;  // SubjectPublicKeyInfo DER (from the PKCS#10 request or the KMC)
    // GM/T 0015 identity values by extension name ("identify_code" → "110101199001011234").
    std::vector<std::pair<std::string, std::string>> identities;
    std::vector<std::string> san_emails;  // rfc822Name entries (profile.san_email)
    // Host names and IP literals of a TLS server (profile.san_hosts): an IPv4/IPv6 literal becomes
    // an iPAddress entry, anything else a dNSName (LDH labels, a leading "*." wildcard refused).
    std::vector<std::string> san_hosts;
    std::optional<std::uint32_t> validity_days;  // shorter than the profile's, when asked
};

// The issuing CA as the profile needs it. For a root_ca profile `name` and `key_id` are ignored:
// the certificate is self-issued and its AKI repeats its own SKI.
struct IssuerContext {
    x509::Name name;
    Bytes key_id;  // the issuer certificate's subjectKeyIdentifier
    TimePoint not_before{};
    TimePoint not_after{};
    std::string crl_url;               // cRLDistributionPoints fullName URI
    std::string arl_url;               // ... of CA certificates, when the issuer publishes an ARL
    std::string delta_crl_url;         // freshestCRL, when the issuer publishes delta CRLs
    std::string ocsp_url;              // AIA id-ad-ocsp
    std::string ca_issuers_url;        // AIA id-ad-caIssuers
    std::optional<asn1::Oid> cps_oid;  // certificatePolicies policy OID (SHECA: 1.2.156.112570.150)
    std::string cps_uri;               // id-qt-cps qualifier
    // tbsCertificate.signature: follows the issuer's key (x509::signature_algorithm_for).
    x509::AlgorithmIdentifier signature_algorithm = x509::AlgorithmIdentifier::sm2_with_sm3();
};

// Whether the profile issues this kind of subject key: "sm2" (SM2 curve, valid point) or
// "ecdsa-p256" (id-ecPublicKey on prime256v1).
bool key_algorithm_allowed(const Profile& profile, const x509::SubjectPublicKeyInfo& spki);

// The subject Name from request.subject, checked against the profile: every label allowed, every
// required label present, no empty value, at most one of each label except OU.
Result<x509::Name> build_subject(const Profile& profile, const CertificateRequestData& request);

// The DER tbsCertificate. Errors: profile.request_rejected (the request does not fit the profile:
// subject, identity extension not allowed or missing, SAN e-mail not allowed, validity longer than
// the profile's, key algorithm refused), profile.bad_field (issuer context missing a URL the
// profile needs), x509 errors from the builder.
// Extension order: basicConstraints, keyUsage, extKeyUsage, SKI, AKI, certificatePolicies,
// cRLDistributionPoints, AIA, subjectAltName, OCSP no-check, GM/T 0015 identities.
Result<Bytes> build_tbs(const Profile& profile, const CertificateRequestData& request, const IssuerContext& issuer,
                        BytesView serial, TimePoint not_before);

}  // namespace yinxin::profile
