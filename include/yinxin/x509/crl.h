// X.509 v2 certificate revocation lists (RFC 5280 §5): the builder a CA signs with its device key,
// and a parser that reads and checks a CRL (ours or another producer's).
//
// The builder is streaming: each entry is DER-encoded as it is added and only the encoded bytes are
// kept, so a CRL of 1,000,000 entries costs its own size in memory (about 40 MB), nothing per entry.
//
//   CrlBuilder b;
//   b.signature_algorithm(alg).issuer(ca.subject()).this_update(now).next_update(now + 24h)
//    .authority_key_identifier(ski).crl_number(42);
//   for (...) YX_TRY(b.add(entry));
//   YX_ASSIGN_OR_RETURN(Bytes tbs, b.build_tbs());
//   YX_ASSIGN_OR_RETURN(Bytes crl, assemble_crl(tbs, alg, device.sign(tbs)));
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "yinxin/base/bytes.h"
#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/crypto/sm2.h"
#include "yinxin/x509/name.h"
#include "yinxin/x509/options.h"
#include "yinxin/x509/public_key.h"

namespace yinxin::x509 {

// RFC 5280 5.3.1 CRLReason (7 is not used).
enum class CrlReason : std::uint8_t {
    unspecified = 0,
    key_compromise = 1,
    ca_compromise = 2,
    affiliation_changed = 3,
    superseded = 4,
    cessation_of_operation = 5,
    certificate_hold = 6,
    remove_from_crl = 8,
    privilege_withdrawn = 9,
    aa_compromise = 10,
};
// RFC 5280 names: "unspecified", "keyCompromise", "cACompromise", "affiliationChanged",
// "superseded", "cessationOfOperation", "certificateHold", "removeFromCRL", "privilegeWithdrawn",
// "aACompromise".
std::string_view crl_reason_name(CrlReason r) noexcept;
// By RFC 5280 name, or by number; base.invalid_argument otherwise.
Result<CrlReason> parse_crl_reason(std::string_view name);
Result<CrlReason> crl_reason_from_int(std::int64_t v);

struct RevokedEntry {
    Bytes serial;  // positive INTEGER magnitude, big-endian, no leading zero
    TimePoint revoked_at{};
    // unspecified is written without a reasonCode extension (RFC 5280 5.3.1: SHOULD be absent).
    CrlReason reason = CrlReason::unspecified;
    std::optional<TimePoint> invalidity_date;  // RFC 5280 5.3.2, GeneralizedTime
};

class CrlBuilder {
public:
    // tbsCertList.signature; must equal the algorithm given to assemble_crl (SM2-with-SM3 default).
    CrlBuilder& signature_algorithm(const AlgorithmIdentifier& alg);
    CrlBuilder& issuer(const Name& name);
    CrlBuilder& this_update(TimePoint t);
    CrlBuilder& next_update(TimePoint t);
    // RFC 5280 5.2.1 (MUST) and 5.2.3 (MUST, non-critical, monotonically increasing).
    CrlBuilder& authority_key_identifier(BytesView key_id);
    CrlBuilder& crl_number(std::uint64_t n);
    // RFC 5280 5.2.4: a delta CRL, critical, naming the base CRL's number.
    CrlBuilder& delta_crl_indicator(std::uint64_t base_crl_number);
    // RFC 5280 5.2.5 issuingDistributionPoint (critical): the URL this CRL is published at, and for
    // an authority revocation list (ARL) onlyContainsCACerts.
    CrlBuilder& issuing_distribution_point(std::string uri, bool only_ca_certs);
    // RFC 5280 5.2.6 freshestCRL: where the delta CRLs for this full CRL are (non-critical).
    CrlBuilder& freshest_crl(std::string uri);

    // Encodes one entry now. base.invalid_argument for an empty or non-positive serial.
    Status add(const RevokedEntry& e);
    std::size_t entry_count() const noexcept { return m_count; }

    // x509.bad_validity when nextUpdate is before thisUpdate; base.invalid_argument when the issuer,
    // the times, the AKI or the CRL number is missing.
    Result<Bytes> build_tbs() const;
    const AlgorithmIdentifier& algorithm() const { return m_alg; }

private:
    AlgorithmIdentifier m_alg = AlgorithmIdentifier::sm2_with_sm3();
    std::optional<Name> m_issuer;
    std::optional<TimePoint> m_this_update;
    std::optional<TimePoint> m_next_update;
    Bytes m_aki;
    std::optional<std::uint64_t> m_number;
    std::optional<std::uint64_t> m_delta_base;
    std::optional<std::string> m_idp_uri;
    bool m_idp_only_ca = false;
    std::optional<std::string> m_freshest;
    Bytes m_entries;  // the revokedCertificates SEQUENCE's content
    std::size_t m_count = 0;
};

// CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue BIT STRING }.
// x509.algorithm_mismatch when `alg` differs from the TBS's own.
Result<Bytes> assemble_crl(BytesView tbs_der, const AlgorithmIdentifier& alg, BytesView signature);

// A parsed CRL. Entries are decoded on parse (a 1,000,000-entry CRL is about 100 MB this way); the
// extensions this code knows are decoded, unknown non-critical ones skipped, an unknown critical
// CRL or entry extension is x509.bad_extension (RFC 5280 5.2 / 5.3: such a CRL must not be used).
// Strict parsing with room for large CRLs (256 MiB; certificates default to 1 MiB).
ParseOptions crl_parse_options(bool lenient = false);

class Crl {
public:
    static Result<Crl> parse(BytesView der, const ParseOptions& options = crl_parse_options());

    BytesView der() const { return *m_der; }
    BytesView tbs_der() const { return m_tbs; }
    int version() const { return m_version; }  // 2 for v2
    const AlgorithmIdentifier& signature_algorithm() const { return m_alg; }
    const Name& issuer() const { return m_issuer; }
    TimePoint this_update() const { return m_this_update; }
    const std::optional<TimePoint>& next_update() const { return m_next_update; }
    const std::optional<std::uint64_t>& crl_number() const { return m_number; }
    const std::optional<std::uint64_t>& delta_base() const { return m_delta_base; }
    const std::optional<Bytes>& authority_key_id() const { return m_aki; }
    bool only_ca_certs() const { return m_only_ca; }
    const std::vector<RevokedEntry>& entries() const { return m_entries; }
    // The entry for `serial` (magnitude), or nullptr.
    const RevokedEntry* find(BytesView serial) const;

    // x509.signature_invalid when the signature does not verify with the issuer's key and ID.
    Status verify_signature_with(const SubjectPublicKeyInfo& issuer_key,
                                 std::string_view sm2_id = crypto::k_default_sm2_id) const;

private:
    std::shared_ptr<const Bytes> m_der;  // shared: copies keep m_tbs valid
    BytesView m_tbs;
    int m_version = 1;
    AlgorithmIdentifier m_alg;
    Bytes m_signature;
    Name m_issuer;
    TimePoint m_this_update{};
    std::optional<TimePoint> m_next_update;
    std::optional<std::uint64_t> m_number;
    std::optional<std::uint64_t> m_delta_base;
    std::optional<Bytes> m_aki;
    bool m_only_ca = false;
    std::vector<RevokedEntry> m_entries;
};

}  // namespace yinxin::x509
