// The OCSP responder (RFC 6960; LD/T 03-2022 §6.4.6): answers from the store the CAs issue into,
// so a revocation is visible in the next response, and signs with the CA's own key in the device
// (SM2 with the signer ID; the TLS CA's with ECDSA). It can run in its own process
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
    };
    const Issuer* find_issuer(const x509::CertId& id);
    Status load_issuers();

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
