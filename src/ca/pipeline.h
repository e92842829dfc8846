// Internal to the ca module: the prepare → lint → persist → sign → finalize pipeline shared by
// Issuer::issue (profiles from the ProfileSet) and the hierarchy (sub CAs, rollover link
// certificates with a built-in profile), plus small helpers.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/base/rng.h"
#include "yinxin/ca/hierarchy.h"
#include "yinxin/ca/issuer.h"
#include "yinxin/ca/store.h"
#include "yinxin/profile/issuance.h"
#include "yinxin/profile/profile.h"
#include "yinxin/x509/certificate.h"
#include "yinxin/x509/name.h"

namespace yinxin::ca::detail {

struct PipelineInput {
    const profile::Profile* profile = nullptr;
    const CaRecord* ca = nullptr;
    profile::CertificateRequestData data;
    std::string request_id;
    TimePoint not_before{};
    std::optional<Bytes> serial;  // preset (IssueRequest::serial); empty: random
};

// Steps 2-3 of issuer.h: a linted TBS with a fresh serial, ready to persist, and the ca.issue event
// that will report it. A failure is reported to `events` (nothing persisted) and returned.
struct PreparedIssuance {
    PendingIssuance pending;
    CaEvent event;
};
Result<PreparedIssuance> prepare_issuance(const PipelineInput& in, const PublicationConfig& publication, Rng& rng,
                                          const Clock& clock, const EventSink& events);

// Step 5 for a recorded issuance: the signed certificate, or the error after failing the pending
// row (fail_pending) and reporting ca.issue.failed.
Result<Bytes> sign_prepared(const PreparedIssuance& p, const SigningKey& key,
                            const x509::SubjectPublicKeyInfo& issuer_spki, CaStores stores, const Clock& clock,
                            const EventSink& events);

// A "ca.issue" event for a request (serial and subject filled in later).
CaEvent issue_event(std::string_view ca_id, std::string_view profile_id, std::string_view request_id);

// Reports `ev` as "<its action>.failed" (ca.issue.failed, ca.revoke.failed, ...) with `e` and what
// became of the request (`outcome`), after any detail the event already carries.
void emit_failure(const EventSink& events, CaEvent ev, const Error& e, std::string_view outcome, const Clock& clock);

// Steps 2-6 of issuer.h for a request that has passed validation: the caller has resolved `key`
// (it must be the key of `ca`). Reports ca.issue / ca.issue.failed to `events`.
Result<IssuedCertificate> run_pipeline(const PipelineInput& in, const SigningKey& key, CaStores stores,
                                       const PublicationConfig& publication, Rng& rng, const Clock& clock,
                                       const EventSink& events);

// The TBS wrapped with a placeholder signature and parsed, to read back what build_tbs wrote
// (subject, validity) without a second encoder. The placeholder never leaves the ca module.
// `alg` is the TBS's own signature algorithm (the outer one must match it).
Result<x509::Certificate> parse_tbs(BytesView tbs_der, const x509::AlgorithmIdentifier& alg);

// Signs `tbs` with `key`, assembles the certificate and verifies the signature with
// `issuer_spki` (a device that signed with the wrong key or ID is caught before anything is
// published).
Result<Bytes> sign_and_assemble(const SigningKey& key, BytesView tbs, const x509::SubjectPublicKeyInfo& issuer_spki);

// Subject attributes by label in encoding order (profile::CertificateRequestData::subject).
// ca.bad_csr for an attribute without a label or a multi-valued RDN.
Result<std::vector<std::pair<std::string, std::string>>> name_to_pairs(const x509::Name& name);

// Seconds precision: certificates carry whole seconds, and the lints compare the parsed values.
inline TimePoint whole_seconds(TimePoint t) { return std::chrono::floor<std::chrono::seconds>(t); }

// Days from `from` so that from + days - 1 s <= until (build_tbs's notAfter rule); 0 when none fit.
std::uint32_t days_until(TimePoint from, TimePoint until);

void emit(const EventSink& events, CaEvent ev, const Clock& clock);

// A delegated signer of a CA (OCSP responder, TSA): a new SM2 key in the device labelled
// "<ca>-<kind>-<unix time>" and a certificate of `profile_id` issued by the CA for it, subject C
// and O of the CA and CN "<CA CN> <cn_suffix>". `ev` gets the key label, serial and subject.
struct Delegate {
    std::string ca_id;
    KeyRef key;
    IssuedCertificate issued;
    x509::Certificate certificate;
};
Result<Delegate> issue_delegate(CaContext& ctx, const PublicationConfig& publication, std::string_view ca_id,
                                std::string_view profile_id, std::string_view kind, std::string_view cn_suffix,
                                std::uint32_t validity_days, CaEvent& ev);

}  // namespace yinxin::ca::detail
