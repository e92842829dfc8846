// PKCS#10 certification requests (RFC 2986), as applicants submit them from USB keys and cards.
//
// verify_pop() checks the request's signature (proof of possession) over
// CertificationRequestInfo exactly as received, SM2 with an explicit signer ID: a request signed by
// `openssl req` without `-sigopt distid:1234567812345678` carries an empty-ID signature
// (gm-and-seal-formats §6.2) and fails with the default ID.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "yinxin/asn1/oid.h"
#include "yinxin/base/bytes.h"
#include "yinxin/base/result.h"
#include "yinxin/crypto/sm2.h"
#include "yinxin/x509/extensions.h"
#include "yinxin/x509/name.h"
#include "yinxin/x509/options.h"
#include "yinxin/x509/public_key.h"

namespace yinxin::x509 {

// Requests come from the outside world: 64 KiB is far above any real one (a few hundred bytes to
// a few KiB) and bounds the work an anonymous submitter can cause.
inline constexpr std::size_t k_default_csr_max_size = std::size_t{64} * 1024;

struct CsrAttribute {  // RFC 2986 4.1 Attribute
    asn1::Oid type;
    std::vector<Bytes> values;  // each AttributeValue TLV as received
};

class CertificationRequest {
public:
    static ParseOptions default_options() {
        ParseOptions o;
        o.max_size = k_default_csr_max_size;
        return o;
    }

    // Errors, each stable: x509.too_large (over options.max_size, checked before parsing),
    // x509.bad_encoding (garbage, truncated, not DER), x509.trailing_data, x509.bad_version
    // (version != 0), x509.bad_name, x509.bad_public_key, x509.bad_attribute (malformed
    // challengePassword or extensionRequest, repeated attribute), x509.bad_extension,
    // x509.duplicate_extension.
    static Result<CertificationRequest> parse(BytesView der, const ParseOptions& options = default_options());
    // "CERTIFICATE REQUEST" (RFC 7468 5) or the legacy "NEW CERTIFICATE REQUEST" label.
    static Result<CertificationRequest> parse_pem(std::string_view pem,
                                                  const ParseOptions& options = default_options());

    int version() const { return m_version; }  // always 0 (v1) once parsed
    const Name& subject() const { return m_subject; }
    const SubjectPublicKeyInfo& public_key_info() const { return m_spki; }
    const std::vector<CsrAttribute>& attributes() const { return m_attributes; }
    const std::optional<std::string>& challenge_password() const { return m_challenge_password; }
    // From the extensionRequest attribute (RFC 2985 5.4.2); empty when absent.
    const Extensions& requested_extensions() const { return m_extensions; }
    const AlgorithmIdentifier& signature_algorithm() const { return m_sig_alg; }
    BytesView signature_value() const { return m_signature; }
    // CertificationRequestInfo TLV as received: what the signature covers.
    BytesView info_raw() const { return m_info; }
    BytesView der() const { return *m_der; }
    std::string pem() const;

    // Proof of possession. Accepted keys: SM2 (signature SM2-with-SM3 with `sm2_id`), RSA of at
    // least 2048 bits, ECDSA on P-256 or P-384. Errors: x509.unsupported_curve (an EC key on any
    // other curve: secp256k1, P-192, P-521 ...), x509.weak_key (RSA < 2048),
    // x509.unsupported_algorithm, x509.signature_invalid.
    Status verify_pop(std::string_view sm2_id = crypto::k_default_sm2_id) const;

private:
    CertificationRequest() = default;

    std::shared_ptr<const Bytes> m_der;
    BytesView m_info;
    BytesView m_signature;
    int m_version = 0;
    Name m_subject;
    SubjectPublicKeyInfo m_spki;
    std::vector<CsrAttribute> m_attributes;
    std::optional<std::string> m_challenge_password;
    Extensions m_extensions;
    AlgorithmIdentifier m_sig_alg;
};

// Builds requests for tests and tools (applicants' own software builds real ones).
class CsrBuilder {
public:
    CsrBuilder& subject(const Name& name);
    CsrBuilder& public_key(const SubjectPublicKeyInfo& spki);
    CsrBuilder& public_key(const crypto::Sm2PublicKey& key);
    // PKCS#9 challengePassword (RFC 2985 5.4.1), written as UTF8String (PrintableString if it fits).
    CsrBuilder& challenge_password(std::string password);
    // Added to one extensionRequest attribute; duplicates are x509.duplicate_extension.
    CsrBuilder& add_extension(Extension ext);
    CsrBuilder& add_extension(Result<Extension> ext);
    CsrBuilder& signature_algorithm(const AlgorithmIdentifier& alg);

    // CertificationRequestInfo DER.
    Result<Bytes> build_info() const;
    const AlgorithmIdentifier& algorithm() const { return m_alg; }
    Result<CertificationRequest> sign_with(const crypto::Sm2PrivateKey& key,
                                           std::string_view sm2_id = crypto::k_default_sm2_id) const;

private:
    void fail(Errc code, std::string message);

    Status m_status;
    Name m_subject;
    std::optional<SubjectPublicKeyInfo> m_spki;
    std::optional<std::string> m_password;
    std::vector<Extension> m_extensions;
    AlgorithmIdentifier m_alg = AlgorithmIdentifier::sm2_with_sm3();
};

// CertificationRequest ::= SEQUENCE { certificationRequestInfo, signatureAlgorithm, signature }.
Result<Bytes> assemble_csr(BytesView info_der, const AlgorithmIdentifier& alg, BytesView signature);

}  // namespace yinxin::x509
