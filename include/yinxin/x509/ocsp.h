// OCSP (RFC 6960): the request a client sends, the response a responder signs, and a parser for
// responses (clients and tests). Only the basic response type (id-pkix-ocsp-basic) exists.
//
// CertID hashes: SHA-1 (what the openssl client and most browsers send), SHA-256 and SM3 (GM
// clients). A responder answers a CertID with the hash algorithm it came with.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "yinxin/asn1/oid.h"
#include "yinxin/base/bytes.h"
#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/crypto/sm2.h"
#include "yinxin/x509/crl.h"
#include "yinxin/x509/name.h"
#include "yinxin/x509/public_key.h"

namespace yinxin::x509 {

// CertID ::= SEQUENCE { hashAlgorithm, issuerNameHash, issuerKeyHash, serialNumber }
struct CertId {
    AlgorithmIdentifier hash_algorithm;
    Bytes issuer_name_hash;
    Bytes issuer_key_hash;
    Bytes serial;  // magnitude
    Bytes raw;     // the CertID TLV as received (echoed in the answer) or as built
    static CertId make(const asn1::Oid& hash, BytesView name_hash, BytesView key_hash, BytesView serial);
};

// The digest of `data` by CertID hash OID (sha1, sha256, sm3); x509.unsupported_algorithm otherwise.
Result<Bytes> ocsp_hash(const asn1::Oid& hash, BytesView data);
// issuerNameHash and issuerKeyHash of a CA certificate (its subject DER and its subjectPublicKey
// BIT STRING value, RFC 6960 4.1.1).
Result<CertId> cert_id_for(const asn1::Oid& hash, const Name& issuer, const SubjectPublicKeyInfo& issuer_key,
                           BytesView serial);

struct OcspRequest {
    std::vector<CertId> certs;
    std::optional<Bytes> nonce;  // the id-pkix-ocsp-nonce extension's value, as sent (RFC 8954)
    bool has_signature = false;  // optionalSignature present (not checked here)

    // x509.bad_encoding (→ malformedRequest) for anything that is not an OCSPRequest with at least
    // one CertID; at most `max_certs` CertIDs (limit_exceeded).
    static Result<OcspRequest> parse(BytesView der, std::size_t max_certs = 64);
    // DER of a request for `certs` with an optional nonce (tests and clients).
    static Result<Bytes> build(const std::vector<CertId>& certs, std::optional<Bytes> nonce);
};

enum class OcspResponseStatus : std::uint8_t {
    successful = 0,
    malformed_request = 1,
    internal_error = 2,
    try_later = 3,
    sig_required = 5,
    unauthorized = 6,
};

// An unsigned OCSPResponse with only the status (RFC 6960 2.3).
Bytes ocsp_error_response(OcspResponseStatus status);

enum class CertStatus : std::uint8_t { good, revoked, unknown };

struct SingleResponse {
    CertId id;
    CertStatus status = CertStatus::unknown;
    TimePoint revoked_at{};           // revoked
    std::optional<CrlReason> reason;  // revoked, when known
    TimePoint this_update{};
    std::optional<TimePoint> next_update;
};

// ResponseData → BasicOCSPResponse → OCSPResponse.
class OcspResponseBuilder {
public:
    OcspResponseBuilder& signature_algorithm(const AlgorithmIdentifier& alg);
    // ResponderID byKey: SHA-1 of the responder key's subjectPublicKey (RFC 6960 4.2.1).
    OcspResponseBuilder& responder_key(const SubjectPublicKeyInfo& key);
    OcspResponseBuilder& produced_at(TimePoint t);
    OcspResponseBuilder& nonce(BytesView value);
    OcspResponseBuilder& add(SingleResponse r);
    // Certificates sent with the response (a delegated responder's certificate).
    OcspResponseBuilder& certificate(BytesView der);

    // The tbsResponseData the responder signs.
    Result<Bytes> build_tbs() const;
    // The whole OCSPResponse for `tbs` (from build_tbs) and its signature.
    Result<Bytes> assemble(BytesView tbs, BytesView signature) const;
    const AlgorithmIdentifier& algorithm() const { return m_alg; }

private:
    AlgorithmIdentifier m_alg = AlgorithmIdentifier::sm2_with_sm3();
    Bytes m_key_hash;
    std::optional<TimePoint> m_produced;
    std::optional<Bytes> m_nonce;
    std::vector<SingleResponse> m_responses;
    std::vector<Bytes> m_certs;
};

// A parsed OCSPResponse (clients, tests).
struct OcspResponse {
    OcspResponseStatus status = OcspResponseStatus::internal_error;
    // The rest is set for a successful response only.
    Bytes tbs;
    AlgorithmIdentifier signature_algorithm;
    Bytes signature;
    std::optional<Bytes> responder_key_hash;  // byKey
    std::optional<Name> responder_name;       // byName
    TimePoint produced_at{};
    std::vector<SingleResponse> responses;
    std::optional<Bytes> nonce;
    std::vector<Bytes> certs;

    static Result<OcspResponse> parse(BytesView der);
    Status verify_signature_with(const SubjectPublicKeyInfo& key,
                                 std::string_view sm2_id = crypto::k_default_sm2_id) const;
};

}  // namespace yinxin::x509
