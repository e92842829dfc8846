// The ministry/province/city hierarchy of seal systems (LD/T 01.1-2022 §7.1-§7.3, §8.3; issue 8):
// registration of a subordinate system through the access test (接入测试), its system certificate
// from the parent's seal root, signed seal-status synchronisation, and the status of every seal
// registered below an instance (the ministry answers for all of them, §7.2 f).
//
// Registration (§7.3.2, §7.3.3). A business admin of the seal subsystem at the PARENT enters the
// child's name, level, division code, base URL (IP and port), province/city and public key — the
// SM2 key of the child's seal-status-system certificate, made in the child's own device
// (seal.system.register). The parent runs the access test against the child's interfaces at once:
//   health           GET  <base>/health answers 200
//   identity         GET  <base>/api/v1/sealsys/identity names the key being registered
//   seal_status      GET  <base>/api/v1/seal-status/<unknown code> answers a problem document with
//                    seal.not_found (the status query interface works)
//   revocation_list  GET  <base>/api/v1/seal-status/revocation-list verifies (CMS, SM2 with the ID)
//                    with the key being registered, chaining to the child's seal CA certificate
//   signed_probe     POST <base>/api/v1/sealsys/probe {nonce} answers an SM2 signature with that key
//                    over probe_text(nonce, base URL)
// Any failing check: seal.access_test_failed naming every failed check; nothing is registered (the
// attempt is audited). Passing: the peer is recorded as `tested`. A super admin (the second person,
// a different member) then approves with an SM2 signature over
//   auth::decision_text("approve", <peer id>, hex(peer_payload_hash(peer)))
// and the parent's seal CA issues the child a `seal-status-system` certificate for that key; the peer
// is `registered`. The child fetches that certificate and pins the parent (link_parent).
//
// Trust (docs/seal-system.md): in production every instance's seal certificates come from the one
// industry seal root (人社行业 CA 印章根). In the demo every instance runs its own demo hierarchy; the
// parent's registration certificate is what binds a child's key into the hierarchy, the ministry's seal
// root is the anchor registered system certificates chain to, and status messages are checked against
// the REGISTERED key (not against any certificate the sender presents).
//
// Status sync (§7.2 e/f). Upward: push_to_parent() sends every local status event and every status
// learnt from below since the last push, as a SyncMessage signed (SM2, explicit ID) with the status key
// in the device; the parent accepts it from a registered peer only, checking the signature against the
// registered key, the sequence number (strictly increasing per peer: a replay is refused) and the time
// (within max_clock_skew). Downward on request: pull_from_parent() asks the parent for what it knows
// (statuses from other branches and its own seals), checked against the parent's status certificate
// pinned at link time. `serve` also runs both by itself every `sync_interval_s` (scheduled_push,
// scheduled_pull: authorised as the system, audited like the member-driven runs).
//
// Transport: HTTP(S) through PeerTransport. In production every call between instances is mutual
// TLS (the transport presents the instance's TLS client certificate and checks the peer's server
// certificate; `require_https` refuses http:// peers), and the peer-to-peer routes refuse callers
// without a verified client certificate (api/seal_hierarchy_routes.h). Plain HTTP on loopback is
// for development only; the signed messages authenticate the content either way.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "yinxin/audit/audit.h"
#include "yinxin/auth/service.h"
#include "yinxin/base/bytes.h"
#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/base/rng.h"
#include "yinxin/ca/issuer.h"
#include "yinxin/device/device.h"
#include "yinxin/sealsys/model.h"
#include "yinxin/sealsys/registry.h"
#include "yinxin/sealsys/status_list.h"
#include "yinxin/sealsys/store.h"

namespace yinxin::sealsys {

enum class SystemLevel : std::uint8_t { ministry, province, city };
std::string_view system_level_name(SystemLevel v) noexcept;
std::optional<SystemLevel> system_level_from_name(std::string_view s) noexcept;

enum class PeerState : std::uint8_t { tested, registered };
std::string_view peer_state_name(PeerState v) noexcept;
std::optional<PeerState> peer_state_from_name(std::string_view s) noexcept;

// §7.3.2 a: what is entered for a subordinate system.
struct PeerRegistration {
    std::string name;
    SystemLevel level = SystemLevel::city;
    std::string division_code;  // GB/T 2260, 6 digits
    std::string base_url;       // http(s)://IP:port
    std::string province;
    std::string city;
    Bytes public_key;  // SubjectPublicKeyInfo DER, SM2
};
// seal.application_invalid naming the first bad field.
Status validate_registration(const PeerRegistration& r);

struct AccessCheck {
    std::string name;
    bool passed = false;
    std::string message;
};

struct PeerRecord {
    std::string id;  // "sp-" + 16 lower-case hex digits
    PeerRegistration registration;
    PeerState state = PeerState::tested;
    std::vector<AccessCheck> access_report;
    TimePoint tested_at{};
    std::string submitted_by;
    TimePoint submitted_at{};
    std::string approved_by;
    std::optional<TimePoint> approved_at;
    std::string approval_signature;
    Bytes certificate_der;  // registered: the seal-status-system certificate from our seal root
    std::string serial_hex;
    std::int64_t last_sequence = 0;  // the highest sync sequence accepted from the peer
    std::optional<TimePoint> last_sync_at;
};
// The bytes the approval covers: id, every registration field (SPKI in hex) and the access report.
std::string peer_payload(const PeerRecord& p);
Bytes peer_payload_hash(const PeerRecord& p);

// What the signed probe of the access test covers.
std::string probe_text(BytesView nonce, std::string_view base_url);

// A seal's status as known from another instance (from below via push, from above via pull).
struct RemoteSealStatus {
    SealStatusInfo info;
    std::string source_peer;    // the peer id it came from ("parent" for a pull)
    std::string origin_system;  // the name of the system that made the seal
    std::int64_t version = 0;   // local, increasing with every change (what is forwarded upward)
    TimePoint received_at{};
};

// The signed status message. JSON (UTF-8) bytes, signed as sent:
//   {"type":"yinxin-seal-status-sync/1","from":<peer id at the receiver, or "parent">,
//    "system":<sender name>,"sequence":N,"time":<unix seconds>,
//    "entries":[{"seal_code","status","changed_at","valid_from","valid_to","unit_name","seal_name",
//                "reason","origin"}]}
// and carried as {"message": base64(bytes), "signature": base64(DER SM2 signature)}.
inline constexpr std::string_view k_sync_type = "yinxin-seal-status-sync/1";
struct SyncEntry {
    SealStatusInfo info;
    std::string origin;  // the system that made the seal
};
struct SyncMessage {
    std::string from;
    std::string system;
    std::int64_t sequence = 0;
    TimePoint time{};
    std::vector<SyncEntry> entries;
};
std::string encode_sync_message(const SyncMessage& m);
// seal.bad_sync_message for anything malformed (bad JSON, type, code, status, missing field).
Result<SyncMessage> decode_sync_message(std::string_view json);

// The child's view of its parent (link_parent).
struct ParentLink {
    std::string parent_url;
    std::string peer_id;                     // our id at the parent
    Bytes certificate_der;                   // our system certificate from the parent's seal root
    Bytes parent_status_certificate_der;     // pinned: downward messages verify with its key
    std::int64_t next_sequence = 1;          // of the next message we send up
    std::int64_t pushed_event_id = 0;        // local status events sent up to this id
    std::int64_t pushed_remote_version = 0;  // remote statuses sent up to this version
    std::int64_t pulled_version = 0;         // the parent's cursor of the last pull
    TimePoint linked_at{};
};

// The narrow store of the hierarchy (migration 0017). Each call one transaction.
class HierarchyStore {
public:
    virtual ~HierarchyStore() = default;
    // seal.duplicate when the id, the name or the public key is registered (or tested) already.
    virtual Status insert_peer(const PeerRecord& peer) = 0;
    virtual Result<std::optional<PeerRecord>> find_peer(std::string_view id) = 0;
    virtual Result<std::vector<PeerRecord>> list_peers() = 0;
    // tested → registered (compare-and-set: seal.illegal_state otherwise).
    virtual Status register_peer(const PeerRecord& peer) = 0;
    // Accepting a sync message: the peer's last_sequence must still be below `sequence`
    // (seal.bad_sync_message "replayed" otherwise); sets it, and upserts every status whose
    // changed_at is not older than the stored one (each upsert takes a new version). Returns how
    // many rows changed.
    virtual Result<std::size_t> accept_sync(std::string_view peer_id, std::int64_t sequence, TimePoint at,
                                            const std::vector<RemoteSealStatus>& statuses) = 0;
    // Statuses learnt from a pull (no sequence bookkeeping beyond the link's cursor).
    virtual Status store_pulled(const std::vector<RemoteSealStatus>& statuses, std::int64_t pulled_version) = 0;
    virtual Result<std::optional<RemoteSealStatus>> find_remote(std::string_view seal_code) = 0;
    // Remote statuses with version > after, oldest first.
    virtual Result<std::vector<RemoteSealStatus>> remote_after(std::int64_t after, std::size_t limit) = 0;
    // Local seal status events (seal_status_events of migration 14) with id > after, with each
    // seal's current data; `last_id` is the newest id returned.
    struct LocalEvents {
        std::vector<SealStatusInfo> statuses;
        std::int64_t last_id = 0;
    };
    virtual Result<LocalEvents> local_events_after(std::int64_t after, std::size_t limit) = 0;

    virtual Result<std::optional<ParentLink>> parent() = 0;
    virtual Status set_parent(const ParentLink& link) = 0;
    // Takes the next sequence number (persisted before the message is sent).
    virtual Result<std::int64_t> take_sequence() = 0;
    virtual Status set_push_cursor(std::int64_t event_id, std::int64_t remote_version) = 0;

protected:
    HierarchyStore() = default;
    HierarchyStore(const HierarchyStore&) = default;
    HierarchyStore& operator=(const HierarchyStore&) = default;
};

// How the hierarchy reaches other instances (the server wires it to its HTTP client).
struct PeerReply {
    unsigned status = 0;
    std::string body;
};
using PeerTransport =
    std::function<Result<PeerReply>(const std::string& method, const std::string& url, const std::string& json_body)>;

struct HierarchyConfig {
    std::string system_name;  // this instance's name in messages
    SystemLevel level = SystemLevel::ministry;
    std::string sm2_id{crypto::k_default_sm2_id};
    std::chrono::seconds max_clock_skew{std::chrono::minutes(10)};
    std::size_t max_entries = 1000;  // per message
    // This instance serves TLS: peer base URLs and the parent URL must be https:// (production).
    bool require_https = false;
};

struct SyncResult {
    std::size_t sent = 0;      // entries pushed / pulled
    std::size_t accepted = 0;  // rows the receiver changed
    std::int64_t sequence = 0;
};

class Hierarchy final : public SealStatusSource {
public:
    Hierarchy(HierarchyStore& store, SealRegistry& registry, SealSystemStore& seal_store, auth::AuthService& auth,
              audit::AuditLog& audit, ca::Issuer& issuer, device::Device& device, PeerTransport transport,
              const Clock& clock, Rng& rng, HierarchyConfig config);

    // Opens the status key (the instance key) from the device. Call once after the registry's
    // open_signers().
    Status open();

    // What GET /api/v1/sealsys/identity shows (public).
    struct Identity {
        std::string name;
        SystemLevel level = SystemLevel::ministry;
        Bytes public_key;  // SPKI DER of the status key
        Bytes status_certificate_der;
        Bytes seal_ca_certificate_der;
    };
    Result<Identity> identity();
    // The signed probe of the access test: SM2 over probe_text(nonce, base_url) with the status key.
    Result<Bytes> sign_probe(BytesView nonce, std::string_view base_url);

    // The access test alone (接入测试系统; seal.system.register). Never stores anything.
    Result<std::vector<AccessCheck>> access_test(const Caller& who, const PeerRegistration& reg);
    // Entry + access test: the peer is stored as `tested`; seal.access_test_failed otherwise.
    Result<PeerRecord> submit_peer(const Caller& who, const PeerRegistration& reg);
    // The second person (a super admin other than the submitter) approves, signed; the certificate
    // is issued and the peer is `registered`.
    Result<PeerRecord> approve_peer(const Caller& who, std::string_view id, BytesView signature);
    Result<PeerRecord> get_peer(const Caller& who, std::string_view id);
    Result<std::vector<PeerRecord>> list_peers(const Caller& who);
    // Public: a registered peer's certificate and our seal CA and status certificates (for the child).
    struct PeerCertificate {
        Bytes certificate_der;
        Bytes seal_ca_der;
        Bytes status_certificate_der;
    };
    Result<PeerCertificate> peer_certificate(std::string_view id);

    // Child side (seal.system.register): fetches our certificate from the parent, checks it is
    // for our status key and chains to the parent's seal CA, and pins the parent.
    Result<ParentLink> link_parent(const Caller& who, std::string_view parent_url, std::string_view peer_id);
    Result<std::optional<ParentLink>> parent_link() { return m_store.parent(); }

    // --- sync (seal.status.sync) ---
    Result<SyncResult> push_to_parent(const Caller& who);
    Result<SyncResult> pull_from_parent(const Caller& who);
    // The scheduled sync of `serve`: the same push and pull, authorised as the system itself (the
    // operator enabled it in the instance's settings), audited with actor and role "system".
    // Without a parent link there is nothing to do: std::nullopt and no audit record.
    Result<std::optional<SyncResult>> scheduled_push();
    Result<std::optional<SyncResult>> scheduled_pull();
    // Parent side: a message from a registered child (peer route; the signature authenticates the
    // content, mutual TLS the caller). `transport` (e.g. the TLS client certificate's subject and
    // fingerprint) goes into the audit record.
    Result<SyncResult> receive_sync(const Caller& from, BytesView message, BytesView signature,
                                    std::string_view transport = {});
    // Parent side: what a registered child asks for on a pull (signed by our status key). The
    // request itself is signed by the child over "yinxin-seal-status-pull/1\n<peer>\n<after>\n<time>\n".
    struct SignedMessage {
        Bytes message;
        Bytes signature;
    };
    Result<SignedMessage> answer_pull(const Caller& from, std::string_view peer_id, std::int64_t after,
                                      std::int64_t time, BytesView signature, std::string_view transport = {});

    // Local status first, then what was learnt from other instances (§7.2 f, §8.3).
    Result<SealStatusInfo> seal_status(std::string_view seal_code) override;

private:
    struct Note {
        std::string role;
        std::string target;
        std::string detail;
    };
    template <class T, class F>
    Result<T> audited(const Caller& who, std::string_view action, Note& note, F&& body) {
        Result<T> r = body();
        const Error* err = r.ok() ? nullptr : &r.error();
        auto written = write_audit(who, action, note, err);
        if (!written && r) return std::move(written).error();
        return r;
    }
    Status write_audit(const Caller& who, std::string_view action, const Note& note, const Error* error);
    Result<auth::StaffRecord> authorize(const Caller& who, auth::Action action, Note& note);
    Status authorize_read(const Caller& who);
    Result<std::vector<AccessCheck>> run_access_test(const PeerRegistration& reg);
    Status check_url_scheme(std::string_view field, std::string_view url) const;
    // The bodies of push_to_parent / pull_from_parent after authorisation.
    Result<SyncResult> push_now(Note& note);
    Result<SyncResult> pull_now(Note& note);
    Result<Bytes> sign(BytesView message);
    Result<SignedMessage> sign_message(const SyncMessage& m);

    HierarchyStore& m_store;
    SealRegistry& m_registry;
    SealSystemStore& m_seal_store;
    auth::AuthService& m_auth;
    audit::AuditLog& m_audit;
    ca::Issuer& m_issuer;
    device::Device& m_device;
    PeerTransport m_transport;
    const Clock& m_clock;
    Rng& m_rng;
    HierarchyConfig m_config;
    std::optional<device::KeyIndex> m_key;
    std::mutex m_rng_mu;
    std::mutex m_sync_mu;  // one push or pull at a time
};

}  // namespace yinxin::sealsys
