// The OCSP responder (RFC 6960; LD/T 03-2022 §6.4.6): answers from the store the CAs issue into,
// so a revocation is visible in the next response, and signs with the CA's own key in the device
// (SM2 with the signer ID; the TLS CA's with ECDSA), or with a delegated OCSP-signing certificate
// of the CA (RFC 6960 4.2.2.2) when one is valid, sending that certificate with the answer. It can run in its own
// process
// (`yinxin serve --role ocsp`) beside the CA, reading the same store.
//
// Every answer is a DER OCSPResponse: failures are the unsigned statuses of RFC 6960 2.3
// (malformedRequest for what does not parse, unauthorized for a CertID of no CA here, tryLater
// when the key cannot sign now, internalError for the rest), never an exception or an HTTP error.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "yinxin/base/bytes.h"
#include "yinxin/base/clock.h"
#include "yinxin/ca/hierarchy.h"
#include "yinxin/ca/issuer.h"
#include "yinxin/ca/store.h"
#include "yinxin/x509/ocsp.h"

namespace yinxin::ca {

struct OcspPolicy {
    // nextUpdate − thisUpdate of each answer: how long a client may cache it.
    std::chrono::seconds validity{std::chrono::hours(1)};
    std::size_t max_certs_per_request = 64;
    // Answers to requests without a nonce (one CertID) are kept, signed, and served again until
    // half their validity has passed or any status changes (RevocationStore::status_version), as
    // RFC 5019 2.2 allows. 0 turns the cache off.
    std::size_t cache_entries = 100'000;
};

struct OcspOutcome {
    Bytes response;  // DER OCSPResponse
    x509::OcspResponseStatus status = x509::OcspResponseStatus::internal_error;
    std::string ca_id;     // the CA that answered (successful only)
    std::size_t good = 0;  // per SingleResponse
    std::size_t revoked = 0;
    std::size_t unknown = 0;
    std::string detail;   // why, for a failure (logs; never sent)
    bool cached = false;  // served from the cache of signed answers
};

// Makes a delegated responder for a CA: a new SM2 key in the device (label "<ca>-ocsp-<unix time>"),
// an ocsp-signing certificate (id-kp-OCSPSigning, id-pkix-ocsp-nocheck, so short-lived) issued by
// the CA for it, subject C and O of the CA with CN "<CA CN> OCSP", recorded in `status` so the
// responders sign with it from their next reload (within a minute). Audited as "ca.ocsp.delegate"
// plus the issuance events.
Result<OcspSignerRecord> delegate_ocsp_signing(CaContext& ctx, const PublicationConfig& publication,
                                               RevocationStore& status, std::string_view ca_id,
                                               std::uint32_t validity_days);

class OcspResponder {
public:
    OcspResponder(CaStores stores, RevocationStore& status, KeyResolver keys, const Clock& clock,
                  OcspPolicy policy = {});

    // `ca_id` is the CA of the request URL (<base_url>/ocsp/<ca_id>); empty accepts any CA here.
    OcspOutcome respond(BytesView request_der, std::string_view ca_id = {});

private:
    struct Issuer {
        CaRecord ca;
        x509::SubjectPublicKeyInfo key;
        x509::AlgorithmIdentifier alg;
        std::map<std::string, std::pair<Bytes, Bytes>> hashes;  // hash OID → (name hash, key hash)
        // The responder that signs for the CA: the CA itself, or its newest valid delegate.
        CaRecord signer;  // the CA, or the CA with the delegate's key reference
        x509::SubjectPublicKeyInfo signer_key;
        x509::AlgorithmIdentifier signer_alg;
        Bytes delegate_certificate;  // empty when the CA signs
    };
    const Issuer* find_issuer(const x509::CertId& id);
    Status load_issuers();
    Status pick_delegate(Issuer& is);

    CaStores m_stores;
    RevocationStore& m_status;
    KeyResolver m_keys;
    const Clock& m_clock;
    OcspPolicy m_policy;
    std::mutex m_mutex;  // guards the issuer table and the key cache
    std::vector<Issuer> m_issuers;
    std::chrono::steady_clock::time_point m_loaded{};
    std::map<std::string, SigningKey> m_signing;  // resolved keys by CA id
    struct Cached {
        OcspOutcome outcome;
        std::int64_t version = 0;
        TimePoint refresh_at{};
    };
    std::map<std::string, Cached> m_cache;  // by URL CA + CertID DER
};

}  // namespace yinxin::ca
