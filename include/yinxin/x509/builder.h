// Building certificates: the TBS DER, then assembly with a signature made elsewhere.
//
// The issuance pipeline (STYLE.md 5: prepare → lint → persist → sign) signs in the CA layer: the
// device signs tbs DER bytes from build_tbs(), and assemble_certificate() wraps them. Nothing here
// signs except sign_with(), which is for tests and tools.
//
//     TbsCertificateBuilder b;
//     b.serial(serial).issuer(ca_name).subject(name).validity(from, to).public_key(spki)
//      .basic_constraints({.ca = false}).key_usage(KeyUsage::of({KeyUsageBit::digital_signature}));
//     YX_ASSIGN_OR_RETURN(Bytes tbs, b.build_tbs());
//     ... signature = device.sign(tbs) ...
//     YX_ASSIGN_OR_RETURN(Bytes cert, assemble_certificate(tbs, AlgorithmIdentifier::sm2_with_sm3(), signature));
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "yinxin/base/bytes.h"
#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/crypto/sm2.h"
#include "yinxin/x509/certificate.h"
#include "yinxin/x509/extensions.h"
#include "yinxin/x509/name.h"
#include "yinxin/x509/public_key.h"

namespace yinxin::x509 {

// Setters record the first error (like asn1::Writer); build_tbs() returns it.
class TbsCertificateBuilder {
public:
    TbsCertificateBuilder() = default;

    // 1 or 3 (v2 has no use); v3 by default. Extensions require v3 (RFC 5280 4.1.2.9).
    TbsCertificateBuilder& version(int v);
    // Unsigned big-endian magnitude; RFC 5280 4.1.2.2: positive and at most 20 octets
    // (x509.bad_serial otherwise). See crypto::random_serial.
    TbsCertificateBuilder& serial(BytesView magnitude);
    // tbsCertificate.signature; SM2-with-SM3 by default. Must equal the algorithm given to
    // assemble_certificate (RFC 5280 4.1.2.3).
    TbsCertificateBuilder& signature_algorithm(const AlgorithmIdentifier& alg);
    TbsCertificateBuilder& issuer(const Name& name);
    TbsCertificateBuilder& subject(const Name& name);
    // RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; not_after < not_before is
    // x509.bad_validity.
    TbsCertificateBuilder& validity(TimePoint not_before, TimePoint not_after);
    TbsCertificateBuilder& public_key(const SubjectPublicKeyInfo& spki);
    TbsCertificateBuilder& public_key(const crypto::Sm2PublicKey& key);

    // Any extension; a second one with the same OID is x509.duplicate_extension. Extensions are
    // written in the order added.
    TbsCertificateBuilder& add_extension(Extension ext);
    TbsCertificateBuilder& add_extension(Result<Extension> ext);
    TbsCertificateBuilder& basic_constraints(const BasicConstraints& v, bool critical = true);
    TbsCertificateBuilder& key_usage(KeyUsage v, bool critical = true);
    TbsCertificateBuilder& ext_key_usage(const ExtendedKeyUsage& v, bool critical = false);
    TbsCertificateBuilder& subject_key_identifier(BytesView key_id);
    // keyIdentifier from the subject key (extensions.h key_identifier()).
    TbsCertificateBuilder& subject_key_identifier_from_key();
    TbsCertificateBuilder& authority_key_identifier(BytesView key_id);
    TbsCertificateBuilder& crl_distribution_points(const std::vector<std::string>& uris);
    // RFC 5280 4.2.1.15 freshestCRL (non-critical): where the delta CRLs are.
    TbsCertificateBuilder& freshest_crl(const std::vector<std::string>& uris);
    TbsCertificateBuilder& authority_info_access(const std::vector<std::string>& ocsp,
                                                 const std::vector<std::string>& ca_issuers);
    TbsCertificateBuilder& certificate_policies(const CertificatePolicies& v, bool critical = false);
    TbsCertificateBuilder& subject_alt_name(const SubjectAltName& v, bool critical = false);
    TbsCertificateBuilder& ocsp_no_check();
    TbsCertificateBuilder& gm_identity(const GmIdentity& v, bool critical = false);

    // The DER tbsCertificate. Serial, issuer, validity and public key are required
    // (base.invalid_argument when missing); an empty subject is allowed only with a
    // subjectAltName (RFC 5280 4.1.2.6).
    Result<Bytes> build_tbs() const;
    const AlgorithmIdentifier& algorithm() const { return m_alg; }

    // Tests and tools only: signs build_tbs() with an in-memory SM2 key (the signer ID
    // defaults to GM/T 0009's) and returns the parsed certificate.
    Result<Certificate> sign_with(const crypto::Sm2PrivateKey& key,
                                  std::string_view sm2_id = crypto::k_default_sm2_id) const;

private:
    void fail(Errc code, std::string message);

    Status m_status;
    int m_version = 3;
    std::optional<Bytes> m_serial;
    AlgorithmIdentifier m_alg = AlgorithmIdentifier::sm2_with_sm3();
    std::optional<Name> m_issuer;
    Name m_subject;
    std::optional<TimePoint> m_not_before;
    std::optional<TimePoint> m_not_after;
    std::optional<SubjectPublicKeyInfo> m_spki;
    std::vector<Extension> m_extensions;
};

// Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }.
// `tbs_der` is spliced verbatim. The TBS's inner signature algorithm must equal `alg`
// (x509.algorithm_mismatch); the result is parsed back strictly before it is returned.
Result<Bytes> assemble_certificate(BytesView tbs_der, const AlgorithmIdentifier& alg, BytesView signature);

}  // namespace yinxin::x509
