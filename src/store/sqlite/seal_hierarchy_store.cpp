#include <nlohmann/json.hpp>

#include <mutex>

#include "sqlite/migrations.h"
#include "yinxin/store/sqlite_seal_hierarchy_store.h"

namespace yinxin::store {

using sealsys::ParentLink;
using sealsys::PeerRecord;
using sealsys::RemoteSealStatus;
using yinxin::sqlite::Database;
using yinxin::sqlite::Statement;
using yinxin::sqlite::Transaction;

namespace {

constexpr std::string_view k_peer_columns =
    "id, name, level, division_code, base_url, province, city, public_key, state, access_report, tested_at, "
    "submitted_by, submitted_at, approved_by, approved_at, approval_signature, certificate, serial, last_sequence, "
    "last_sync_at";
constexpr std::string_view k_remote_columns =
    "seal_code, status, changed_at, valid_from, valid_to, unit_name, seal_name, reason, source_peer, origin_system, "
    "version, received_at";
constexpr std::string_view k_link_columns =
    "parent_url, peer_id, certificate, parent_status_cert, next_sequence, pushed_event_id, pushed_remote_version, "
    "pulled_version, linked_at";

Error corrupt(const std::string& what) { return make_error(Errc::store_io, "store: " + what); }
std::int64_t secs(TimePoint t) { return static_cast<std::int64_t>(to_unix(t)); }

std::string report_json(const std::vector<sealsys::AccessCheck>& checks) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& c : checks) j.push_back({{"name", c.name}, {"passed", c.passed}, {"message", c.message}});
    return j.dump();
}

void bind_peer(Statement& s, const PeerRecord& p) {
    const auto& r = p.registration;
    s.bind(1, p.id);
    s.bind(2, r.name);
    s.bind(3, sealsys::system_level_name(r.level));
    s.bind(4, r.division_code);
    s.bind(5, r.base_url);
    s.bind(6, r.province);
    s.bind(7, r.city);
    s.bind_blob(8, r.public_key);
    s.bind(9, sealsys::peer_state_name(p.state));
    s.bind(10, report_json(p.access_report));
    s.bind(11, secs(p.tested_at));
    s.bind(12, p.submitted_by);
    s.bind(13, secs(p.submitted_at));
    if (p.approved_by.empty())
        s.bind_null(14);
    else
        s.bind(14, p.approved_by);
    if (p.approved_at)
        s.bind(15, secs(*p.approved_at));
    else
        s.bind_null(15);
    if (p.approval_signature.empty())
        s.bind_null(16);
    else
        s.bind(16, p.approval_signature);
    if (p.certificate_der.empty())
        s.bind_null(17);
    else
        s.bind_blob(17, p.certificate_der);
    if (p.serial_hex.empty())
        s.bind_null(18);
    else
        s.bind(18, p.serial_hex);
    s.bind(19, p.last_sequence);
    if (p.last_sync_at)
        s.bind(20, secs(*p.last_sync_at));
    else
        s.bind_null(20);
}

Result<PeerRecord> read_peer(const Statement& q) {
    PeerRecord p;
    p.id = q.column_text(0);
    p.registration.name = q.column_text(1);
    auto level = sealsys::system_level_from_name(q.column_text(2));
    auto state = sealsys::peer_state_from_name(q.column_text(8));
    if (!level || !state) return corrupt("seal_peers " + p.id + ": bad level or state");
    p.registration.level = *level;
    p.registration.division_code = q.column_text(3);
    p.registration.base_url = q.column_text(4);
    p.registration.province = q.column_text(5);
    p.registration.city = q.column_text(6);
    p.registration.public_key = q.column_blob(7);
    p.state = *state;
    auto report = nlohmann::json::parse(q.column_text(9), nullptr, false);
    if (!report.is_array()) return corrupt("seal_peers " + p.id + ": bad access report");
    for (const auto& c : report)
        p.access_report.push_back(sealsys::AccessCheck{c.value("name", std::string()), c.value("passed", false),
                                                       c.value("message", std::string())});
    p.tested_at = from_unix(q.column_int(10));
    p.submitted_by = q.column_text(11);
    p.submitted_at = from_unix(q.column_int(12));
    p.approved_by = q.column_text(13);
    if (!q.column_is_null(14)) p.approved_at = from_unix(q.column_int(14));
    p.approval_signature = q.column_text(15);
    p.certificate_der = q.column_blob(16);
    p.serial_hex = q.column_text(17);
    p.last_sequence = q.column_int(18);
    if (!q.column_is_null(19)) p.last_sync_at = from_unix(q.column_int(19));
    return p;
}

Result<RemoteSealStatus> read_remote(const Statement& q) {
    RemoteSealStatus r;
    r.info.seal_code = q.column_text(0);
    auto st = sealsys::seal_status_from_name(q.column_text(1));
    if (!st) return corrupt("seal_remote_status " + r.info.seal_code + ": bad status");
    r.info.status = *st;
    r.info.changed_at = from_unix(q.column_int(2));
    r.info.valid_from = from_unix(q.column_int(3));
    r.info.valid_to = from_unix(q.column_int(4));
    r.info.unit_name = q.column_text(5);
    r.info.seal_name = q.column_text(6);
    r.info.reason = q.column_text(7);
    r.source_peer = q.column_text(8);
    r.origin_system = q.column_text(9);
    r.version = q.column_int(10);
    r.received_at = from_unix(q.column_int(11));
    return r;
}

}  // namespace

struct SqliteSealHierarchyStore::Impl {
    std::mutex mu;
    Database db;

    Result<std::optional<PeerRecord>> find_peer(std::string_view id) {
        YX_ASSIGN_OR_RETURN(Statement q,
                            db.prepare("SELECT " + std::string(k_peer_columns) + " FROM seal_peers WHERE id = ?1"));
        q.bind(1, id);
        YX_ASSIGN_OR_RETURN(bool row, q.step());
        if (!row) return std::optional<PeerRecord>{};
        YX_ASSIGN_OR_RETURN(PeerRecord p, read_peer(q));
        return std::optional<PeerRecord>{std::move(p)};
    }

    Result<std::optional<ParentLink>> parent() {
        YX_ASSIGN_OR_RETURN(
            Statement q, db.prepare("SELECT " + std::string(k_link_columns) + " FROM seal_parent_link WHERE id = 1"));
        YX_ASSIGN_OR_RETURN(bool row, q.step());
        if (!row) return std::optional<ParentLink>{};
        ParentLink l;
        l.parent_url = q.column_text(0);
        l.peer_id = q.column_text(1);
        l.certificate_der = q.column_blob(2);
        l.parent_status_certificate_der = q.column_blob(3);
        l.next_sequence = q.column_int(4);
        l.pushed_event_id = q.column_int(5);
        l.pushed_remote_version = q.column_int(6);
        l.pulled_version = q.column_int(7);
        l.linked_at = from_unix(q.column_int(8));
        return std::optional<ParentLink>{std::move(l)};
    }

    // Upserts one status unless the stored one changed later; returns whether the row changed.
    Result<bool> upsert(const RemoteSealStatus& r) {
        {
            YX_ASSIGN_OR_RETURN(Statement q, db.prepare("SELECT changed_at, status FROM seal_remote_status "
                                                        "WHERE seal_code = ?1"));
            q.bind(1, r.info.seal_code);
            YX_ASSIGN_OR_RETURN(bool row, q.step());
            if (row) {
                const std::int64_t stored = q.column_int(0);
                if (stored > secs(r.info.changed_at)) return false;
                if (stored == secs(r.info.changed_at) && q.column_text(1) == sealsys::seal_status_name(r.info.status))
                    return false;
            }
        }
        YX_ASSIGN_OR_RETURN(Statement v, db.prepare("SELECT COALESCE(MAX(version), 0) + 1 FROM seal_remote_status"));
        YX_ASSIGN_OR_RETURN(bool vrow, v.step());
        if (!vrow) return corrupt("seal_remote_status: no version");
        const std::int64_t version = v.column_int(0);
        YX_ASSIGN_OR_RETURN(Statement u,
                            db.prepare("INSERT OR REPLACE INTO seal_remote_status (" + std::string(k_remote_columns) +
                                       ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"));
        u.bind(1, r.info.seal_code);
        u.bind(2, sealsys::seal_status_name(r.info.status));
        u.bind(3, secs(r.info.changed_at));
        u.bind(4, secs(r.info.valid_from));
        u.bind(5, secs(r.info.valid_to));
        u.bind(6, r.info.unit_name);
        u.bind(7, r.info.seal_name);
        u.bind(8, r.info.reason);
        u.bind(9, r.source_peer);
        u.bind(10, r.origin_system);
        u.bind(11, version);
        u.bind(12, secs(r.received_at));
        YX_TRY(u.run());
        return true;
    }
};

SqliteSealHierarchyStore::SqliteSealHierarchyStore(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
SqliteSealHierarchyStore::~SqliteSealHierarchyStore() = default;

Result<std::unique_ptr<SqliteSealHierarchyStore>> SqliteSealHierarchyStore::open(const std::string& path,
                                                                                 int busy_timeout_ms,
                                                                                 const Clock* clock) {
    SystemClock system_clock;
    const Clock& c = clock != nullptr ? *clock : system_clock;
    auto impl = std::make_unique<Impl>();
    YX_ASSIGN_OR_RETURN(impl->db, sqlite::open_database(path, busy_timeout_ms));
    YX_TRY(sqlite::migrate(impl->db, to_unix(c.now())));
    return std::unique_ptr<SqliteSealHierarchyStore>(new SqliteSealHierarchyStore(std::move(impl)));
}

Status SqliteSealHierarchyStore::insert_peer(const PeerRecord& peer) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    {
        YX_ASSIGN_OR_RETURN(
            Statement q, m_impl->db.prepare("SELECT id FROM seal_peers WHERE id = ?1 OR name = ?2 OR public_key = ?3"));
        q.bind(1, peer.id);
        q.bind(2, peer.registration.name);
        q.bind_blob(3, peer.registration.public_key);
        YX_ASSIGN_OR_RETURN(bool row, q.step());
        if (row)
            return make_error(
                Errc::seal_duplicate,
                "a seal system with this id, name or public key is entered already (" + q.column_text(0) + ")");
    }
    YX_ASSIGN_OR_RETURN(Statement ins, m_impl->db.prepare("INSERT INTO seal_peers (" + std::string(k_peer_columns) +
                                                          ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
                                                          "?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)"));
    bind_peer(ins, peer);
    YX_TRY(ins.run());
    return tx.commit();
}

Result<std::optional<PeerRecord>> SqliteSealHierarchyStore::find_peer(std::string_view id) {
    std::lock_guard lock(m_impl->mu);
    return m_impl->find_peer(id);
}

Result<std::vector<PeerRecord>> SqliteSealHierarchyStore::list_peers() {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Statement q,
                        m_impl->db.prepare("SELECT " + std::string(k_peer_columns) + " FROM seal_peers ORDER BY id"));
    std::vector<PeerRecord> out;
    for (;;) {
        YX_ASSIGN_OR_RETURN(bool row, q.step());
        if (!row) break;
        YX_ASSIGN_OR_RETURN(PeerRecord p, read_peer(q));
        out.push_back(std::move(p));
    }
    return out;
}

Status SqliteSealHierarchyStore::register_peer(const PeerRecord& peer) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    YX_ASSIGN_OR_RETURN(
        Statement u, m_impl->db.prepare("UPDATE seal_peers SET state = 'registered', approved_by = ?2, approved_at = "
                                        "?3, approval_signature = ?4, certificate = ?5, serial = ?6 "
                                        "WHERE id = ?1 AND state = 'tested'"));
    u.bind(1, peer.id);
    u.bind(2, peer.approved_by);
    u.bind(3, secs(peer.approved_at.value_or(TimePoint{})));
    u.bind(4, peer.approval_signature);
    u.bind_blob(5, peer.certificate_der);
    u.bind(6, peer.serial_hex);
    YX_TRY(u.run());
    if (m_impl->db.changes() != 1)
        return make_error(Errc::seal_illegal_state, "seal system '" + peer.id + "' is not waiting for approval");
    return tx.commit();
}

Result<std::size_t> SqliteSealHierarchyStore::accept_sync(std::string_view peer_id, std::int64_t sequence, TimePoint at,
                                                          const std::vector<RemoteSealStatus>& statuses) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    YX_ASSIGN_OR_RETURN(Statement u,
                        m_impl->db.prepare("UPDATE seal_peers SET last_sequence = ?2, last_sync_at = ?3 "
                                           "WHERE id = ?1 AND state = 'registered' AND last_sequence < ?2"));
    u.bind(1, peer_id);
    u.bind(2, sequence);
    u.bind(3, secs(at));
    YX_TRY(u.run());
    if (m_impl->db.changes() != 1)
        return make_error(Errc::seal_bad_sync_message, "sync message " + std::to_string(sequence) + " from '" +
                                                           std::string(peer_id) +
                                                           "' replayed (not above the last accepted sequence)");
    std::size_t changed = 0;
    for (const auto& s : statuses) {
        YX_ASSIGN_OR_RETURN(bool c, m_impl->upsert(s));
        if (c) ++changed;
    }
    YX_TRY(tx.commit());
    return changed;
}

Status SqliteSealHierarchyStore::store_pulled(const std::vector<RemoteSealStatus>& statuses,
                                              std::int64_t pulled_version) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    for (const auto& s : statuses) YX_TRY(m_impl->upsert(s));
    YX_ASSIGN_OR_RETURN(Statement u,
                        m_impl->db.prepare("UPDATE seal_parent_link SET pulled_version = ?1 WHERE id = 1"));
    u.bind(1, pulled_version);
    YX_TRY(u.run());
    return tx.commit();
}

Result<std::optional<RemoteSealStatus>> SqliteSealHierarchyStore::find_remote(std::string_view seal_code) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Statement q, m_impl->db.prepare("SELECT " + std::string(k_remote_columns) +
                                                        " FROM seal_remote_status WHERE seal_code = ?1"));
    q.bind(1, seal_code);
    YX_ASSIGN_OR_RETURN(bool row, q.step());
    if (!row) return std::optional<RemoteSealStatus>{};
    YX_ASSIGN_OR_RETURN(RemoteSealStatus r, read_remote(q));
    return std::optional<RemoteSealStatus>{std::move(r)};
}

Result<std::vector<RemoteSealStatus>> SqliteSealHierarchyStore::remote_after(std::int64_t after, std::size_t limit) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Statement q, m_impl->db.prepare("SELECT " + std::string(k_remote_columns) +
                                                        " FROM seal_remote_status WHERE version > ?1 "
                                                        "ORDER BY version LIMIT ?2"));
    q.bind(1, after);
    q.bind(2, static_cast<std::int64_t>(limit));
    std::vector<RemoteSealStatus> out;
    for (;;) {
        YX_ASSIGN_OR_RETURN(bool row, q.step());
        if (!row) break;
        YX_ASSIGN_OR_RETURN(RemoteSealStatus r, read_remote(q));
        out.push_back(std::move(r));
    }
    return out;
}

Result<sealsys::HierarchyStore::LocalEvents> SqliteSealHierarchyStore::local_events_after(std::int64_t after,
                                                                                          std::size_t limit) {
    std::lock_guard lock(m_impl->mu);
    // The newest event per seal in the window, with the seal's current data (a seal changed twice
    // is sent once, as it is now).
    YX_ASSIGN_OR_RETURN(Statement q,
                        m_impl->db.prepare("SELECT e.id, s.seal_code, s.state, s.changed_at, s.valid_from, s.valid_to, "
                                           "s.unit_name, s.seal_name, COALESCE(s.state_reason, '') "
                                           "FROM seal_status_events e JOIN seals s ON s.seal_code = e.seal_code "
                                           "WHERE e.id > ?1 ORDER BY e.id LIMIT ?2"));
    q.bind(1, after);
    q.bind(2, static_cast<std::int64_t>(limit));
    LocalEvents out;
    std::vector<std::string> seen;
    for (;;) {
        YX_ASSIGN_OR_RETURN(bool row, q.step());
        if (!row) break;
        out.last_id = q.column_int(0);
        sealsys::SealStatusInfo info;
        info.seal_code = q.column_text(1);
        const std::string state = q.column_text(2);
        if (state == "pending") continue;
        auto st = sealsys::seal_status_from_name(state);
        if (!st) return corrupt("seals " + info.seal_code + ": bad state");
        info.status = *st;
        info.changed_at = from_unix(q.column_int(3));
        info.valid_from = from_unix(q.column_int(4));
        info.valid_to = from_unix(q.column_int(5));
        info.unit_name = q.column_text(6);
        info.seal_name = q.column_text(7);
        info.reason = q.column_text(8);
        bool dup = false;
        for (const auto& c : seen) dup = dup || c == info.seal_code;
        if (dup) continue;
        seen.push_back(info.seal_code);
        out.statuses.push_back(std::move(info));
    }
    return out;
}

Result<std::optional<ParentLink>> SqliteSealHierarchyStore::parent() {
    std::lock_guard lock(m_impl->mu);
    return m_impl->parent();
}

Status SqliteSealHierarchyStore::set_parent(const ParentLink& l) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    YX_ASSIGN_OR_RETURN(
        Statement u, m_impl->db.prepare("INSERT OR REPLACE INTO seal_parent_link (id, " + std::string(k_link_columns) +
                                        ") VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
    u.bind(1, l.parent_url);
    u.bind(2, l.peer_id);
    u.bind_blob(3, l.certificate_der);
    u.bind_blob(4, l.parent_status_certificate_der);
    u.bind(5, l.next_sequence);
    u.bind(6, l.pushed_event_id);
    u.bind(7, l.pushed_remote_version);
    u.bind(8, l.pulled_version);
    u.bind(9, secs(l.linked_at));
    YX_TRY(u.run());
    return tx.commit();
}

Result<std::int64_t> SqliteSealHierarchyStore::take_sequence() {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    YX_ASSIGN_OR_RETURN(auto link, m_impl->parent());
    if (!link) return make_error(Errc::seal_illegal_state, "no parent link");
    YX_ASSIGN_OR_RETURN(
        Statement u, m_impl->db.prepare("UPDATE seal_parent_link SET next_sequence = next_sequence + 1 WHERE id = 1"));
    YX_TRY(u.run());
    YX_TRY(tx.commit());
    return link->next_sequence;
}

Status SqliteSealHierarchyStore::set_push_cursor(std::int64_t event_id, std::int64_t remote_version) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    YX_ASSIGN_OR_RETURN(Statement u, m_impl->db.prepare("UPDATE seal_parent_link SET pushed_event_id = ?1, "
                                                        "pushed_remote_version = ?2 WHERE id = 1"));
    u.bind(1, event_id);
    u.bind(2, remote_version);
    YX_TRY(u.run());
    return tx.commit();
}

}  // namespace yinxin::store
