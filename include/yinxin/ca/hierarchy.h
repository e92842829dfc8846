// CA hierarchy and key ceremonies (LD/T 03-2022 §8.3.6 a; LD/T 01.1-2022 §7.3.2; SHECA CPS CA key
// changeover).
//
// A ceremony config (one JSON file, see docs/operations.md "Key ceremony") lists the CAs to create:
//   root       self-signed (profile root-ca);
//   seal_root  印章根: self-signed, issues seal and seal-system certificates (profile seal-root-ca);
//   sub        issued by a parent CA of this installation (profile sub-ca), through the Issuer so the
//              certificate is persisted like any other;
//   external   the key is generated here, a PKCS#10 goes out, and the certificate issued by an
//              outside authority (the iTrus CPS's root is issued by the national root) is imported
//              later with import_external_certificate().
// Every step (key generated, CSR written, certificate signed, CA registered) is returned as a
// CeremonyStep and sent to the EventSink, for the audit log.
//
// Key changeover (rollover) of a self-signed CA produces three certificates (SHECA CPS,
// RFC 4210 4.4): NewWithNew (new key self-signed), NewWithOld (new key signed by the old key) and
// OldWithNew (old key signed by the new key). The old CA is then `retired`: it issues no more
// certificates, but keeps signing CRLs until its last issued certificate expires
// (may_sign_crls()).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "yinxin/base/bytes.h"
#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/base/rng.h"
#include "yinxin/ca/issuer.h"
#include "yinxin/ca/store.h"
#include "yinxin/device/device.h"
#include "yinxin/profile/profile.h"

namespace yinxin::ca {

struct CaSpec {
    std::string id;  // e.g. "mohrss-root-2026"
    std::string name;
    CaKind kind = CaKind::root;
    std::string parent_id;   // sub only
    std::string profile_id;  // default by kind: root-ca, seal-root-ca, sub-ca, (external) sub-ca
    std::vector<std::pair<std::string, std::string>> subject;  // C, ST, L, O, OU, CN in order
    device::KeyAlgorithm key_algorithm = device::KeyAlgorithm::sm2;
    std::string key_label;            // default: the CA id
    std::uint32_t validity_days = 0;  // 0: the profile's default
};

// The publication settings as JSON: the ceremony's "publication" object and <data-dir>/
// publication.json. base_url (http(s) URL), cps_oid, cps_uri (strings), delta_crls (boolean);
// unknown fields and wrong types are ca.bad_config naming the field. Absent fields keep their
// defaults.
Result<PublicationConfig> parse_publication(std::string_view json_text, std::string_view source);
std::string publication_json(const PublicationConfig& p);

struct CeremonyConfig {
    std::vector<CaSpec> cas;  // in creation order (a parent before its children)
    PublicationConfig publication;

    // Strict JSON: unknown keys, missing fields, duplicate ids, a sub CA whose parent is neither
    // earlier in the file nor already registered, are ca.bad_config naming the field.
    static Result<CeremonyConfig> parse(std::string_view json_text, std::string_view source);
    static Result<CeremonyConfig> load_file(const std::string& path);
};

struct CeremonyStep {
    int number = 0;
    std::string action;  // "key.generate", "csr.write", "certificate.sign", "ca.register", ...
    std::string ca_id;
    std::string detail;  // key index/label, serial, fingerprint, CSR file ...
    bool success = true;
    TimePoint at{};
};

struct CeremonyResult {
    std::vector<CeremonyStep> steps;
    std::vector<CaRecord> created;  // registered CAs (external ones once imported)
    // PKCS#10 DER for each external CA, by id: send to the outside authority.
    std::vector<std::pair<std::string, Bytes>> csrs;
};

// The environment a ceremony or rollover works in.
struct CaContext {
    CaStores stores;
    const profile::ProfileSet* profiles = nullptr;
    device::Device* device = nullptr;  // unlocked
    std::string device_backend = "soft";
    // PIN for the private key access right of keys created in this ceremony (>= 8 chars).
    std::string key_pin;
    const Clock* clock = nullptr;
    Rng* rng = nullptr;
    EventSink events;
};

// Runs the ceremony. CAs that already exist (same id) are skipped with a step saying so, so a
// re-run after an interruption completes what is missing (idempotent; the demo start-up relies
// on it). Keys are generated inside ctx.device.
Result<CeremonyResult> run_ceremony(const CeremonyConfig& config, CaContext& ctx);

// Imports the certificate an outside authority issued for an external CA's CSR: its public key
// must be the key generated for that CA (device key `key_label`, default: the CA id), it must be a
// CA certificate (basicConstraints cA, keyCertSign when keyUsage is present) valid now. Registers
// the CA (kind external, named by the certificate's CN). Importing the same certificate again
// returns the record; another certificate for a registered id is store.conflict. The outside
// authority's own signature is not checked here (its root is not registered in this installation).
Result<CaRecord> import_external_certificate(std::string_view ca_id, BytesView certificate_der, CaContext& ctx,
                                             std::string_view key_label = {});

struct RolloverResult {
    CaRecord new_ca;     // registered with id new_id, key generated in ctx.device
    Bytes new_with_new;  // self-signed (empty for a sub CA: its parent issues new_with_parent)
    Bytes new_with_old;  // new key certified by the old key
    Bytes old_with_new;  // old key certified by the new key
    std::vector<CeremonyStep> steps;
};
// Key changeover of a root or seal root (link certificates as above) or of a sub CA (a new key
// certified by the parent; the link certificates are then empty). The old CA becomes retired.
// The new CA keeps the old CA's subject name (RFC 4210 4.4), its key is labelled new_ca_id. The
// link certificates are CA certificates without pathLen (a built-in "ca-link" profile), valid
// from now until the old CA certificate's notAfter, and are persisted like any issuance:
// NewWithOld under the old CA, OldWithNew under the new one. External CAs are ca.unsupported.
Result<RolloverResult> rollover(std::string_view old_ca_id, std::string_view new_ca_id, CaContext& ctx,
                                const PublicationConfig& publication);

// True while a retired CA has issued certificates that have not expired at `now`: it must keep
// signing CRLs (SHECA CPS: the old key signs CRLs until its last certificate expires).
Result<bool> may_sign_crls(std::string_view ca_id, CaStores stores, TimePoint now);

// A KeyResolver for CAs whose keys live in `device` (KeyRef.backend == backend), granting the
// access right with `pin` on first use.
KeyResolver device_key_resolver(device::Device& device, std::string backend, std::string pin);

}  // namespace yinxin::ca
