#include <algorithm>
#include <chrono>
#include <mutex>

#include "sqlite/migrations.h"
#include "yinxin/store/sqlite_auth_store.h"

namespace yinxin::store {

using yinxin::sqlite::Database;
using yinxin::sqlite::Statement;
using yinxin::sqlite::Transaction;

namespace {

constexpr std::string_view k_node_columns = "id, parent_id, kind, name, sponsored, quota_remaining, created_at";
constexpr std::string_view k_staff_columns =
    "id, display_name, phone, id_number, birth_date, role, subsystem, org_node, active, custodian, created_by, "
    "created_at, deactivated_at, certificate_der, pw_salt, pw_iterations, pw_hash, pw_set_at, must_change_password, "
    "failed_logins, locked_until";
constexpr std::string_view k_approval_columns =
    "id, kind, payload_hash, requester, approvers, org_node, status, decided_by, reason, created_at, expires_at, "
    "decided_at";

Error corrupt(std::string what) { return make_error(Errc::store_io, "store: corrupt row: " + std::move(what)); }

std::int64_t secs(TimePoint t) { return to_unix(t); }

void bind_opt_time(Statement& s, int i, const std::optional<TimePoint>& t) {
    if (t)
        s.bind(i, secs(*t));
    else
        s.bind_null(i);
}

std::optional<TimePoint> opt_time(const Statement& s, int i) {
    if (s.column_is_null(i)) return std::nullopt;
    return from_unix(s.column_int(i));
}

Result<auth::OrgNode> read_node(const Statement& s) {
    auth::OrgNode n;
    n.id = s.column_text(0);
    n.parent_id = s.column_is_null(1) ? std::string() : s.column_text(1);
    const auto kind = auth::org_kind_from_name(s.column_text(2));
    if (!kind) return corrupt("auth_org_nodes.kind");
    n.kind = *kind;
    n.name = s.column_text(3);
    n.sponsored = s.column_int(4) != 0;
    n.quota_remaining = s.column_int(5);
    n.created_at = from_unix(s.column_int(6));
    return n;
}

Result<auth::StaffRecord> read_staff(const Statement& s) {
    auth::StaffRecord r;
    r.id = s.column_text(0);
    r.display_name = s.column_text(1);
    r.phone = s.column_text(2);
    r.id_number = s.column_text(3);
    r.birth_date = s.column_text(4);
    const auto role = auth::role_from_name(s.column_text(5));
    if (!role) return corrupt("auth_staff.role");
    r.role = *role;
    const auto sub = auth::subsystem_from_name(s.column_text(6));
    if (!sub) return corrupt("auth_staff.subsystem");
    r.subsystem = *sub;
    r.org_node = s.column_text(7);
    r.active = s.column_int(8) != 0;
    r.custodian = s.column_int(9) != 0;
    r.created_by = s.column_text(10);
    r.created_at = from_unix(s.column_int(11));
    r.deactivated_at = opt_time(s, 12);
    r.certificate_der = s.column_blob(13);
    r.password.salt = s.column_blob(14);
    r.password.iterations = static_cast<unsigned>(s.column_int(15));
    r.password.hash = s.column_blob(16);
    r.password.set_at = from_unix(s.column_int(17));
    r.must_change_password = s.column_int(18) != 0;
    r.failed_logins = static_cast<std::uint32_t>(s.column_int(19));
    r.locked_until = opt_time(s, 20);
    return r;
}

Result<auth::Approval> read_approval(const Statement& s) {
    auth::Approval a;
    a.id = s.column_text(0);
    const auto kind = auth::action_from_name(s.column_text(1));
    if (!kind) return corrupt("auth_approvals.kind");
    a.kind = *kind;
    a.payload_hash = s.column_blob(2);
    a.requester = s.column_text(3);
    // Approver roles as names, so a renumbered enum cannot silently change who may approve.
    const std::string names = s.column_text(4);
    std::size_t pos = 0;
    std::uint32_t bits = 0;
    while (pos < names.size()) {
        const std::size_t comma = std::min(names.find(',', pos), names.size());
        const auto role = auth::role_from_name(std::string_view(names).substr(pos, comma - pos));
        if (!role) return corrupt("auth_approvals.approvers");
        bits |= 1U << static_cast<unsigned>(*role);
        pos = comma + 1;
    }
    a.approvers = auth::RoleSet::from_bits(bits);
    a.org_node = s.column_text(5);
    const auto st = auth::approval_status_from_name(s.column_text(6));
    if (!st) return corrupt("auth_approvals.status");
    a.status = *st;
    a.decided_by = s.column_text(7);
    a.reason = s.column_text(8);
    a.created_at = from_unix(s.column_int(9));
    a.expires_at = from_unix(s.column_int(10));
    a.decided_at = opt_time(s, 11);
    return a;
}

}  // namespace

struct SqliteAuthStore::Impl {
    std::mutex mu;
    Database db;

    Result<bool> exists(std::string_view sql, std::string_view key) {
        YX_ASSIGN_OR_RETURN(Statement s, db.prepare(sql));
        s.bind(1, key);
        return s.step();
    }

    Status write_history(const auth::StaffRecord& r) {
        YX_ASSIGN_OR_RETURN(Statement del, db.prepare("DELETE FROM auth_password_history WHERE staff_id = ?1"));
        YX_TRY(del.bind(1, r.id).run());
        YX_ASSIGN_OR_RETURN(Statement ins,
                            db.prepare("INSERT INTO auth_password_history (staff_id, position, salt, iterations, "
                                       "hash, set_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
        for (std::size_t i = 0; i < r.password_history.size(); ++i) {
            const auth::PasswordHash& h = r.password_history[i];
            ins.reset();
            YX_TRY(ins.bind(1, r.id)
                       .bind(2, static_cast<std::int64_t>(i))
                       .bind_blob(3, h.salt)
                       .bind(4, std::int64_t{h.iterations})
                       .bind_blob(5, h.hash)
                       .bind(6, secs(h.set_at))
                       .run());
        }
        return ok_status();
    }

    Status read_history(auth::StaffRecord& r) {
        YX_ASSIGN_OR_RETURN(Statement s, db.prepare("SELECT salt, iterations, hash, set_at FROM auth_password_history "
                                                    "WHERE staff_id = ?1 ORDER BY position"));
        s.bind(1, r.id);
        r.password_history.clear();
        for (;;) {
            YX_ASSIGN_OR_RETURN(bool row, s.step());
            if (!row) break;
            auth::PasswordHash h;
            h.salt = s.column_blob(0);
            h.iterations = static_cast<unsigned>(s.column_int(1));
            h.hash = s.column_blob(2);
            h.set_at = from_unix(s.column_int(3));
            r.password_history.push_back(std::move(h));
        }
        return ok_status();
    }

    Result<std::vector<auth::StaffRecord>> select_staff(std::string_view where, std::string_view key) {
        YX_ASSIGN_OR_RETURN(Statement s, db.prepare("SELECT " + std::string(k_staff_columns) + " FROM auth_staff " +
                                                    std::string(where) + " ORDER BY id"));
        if (!key.empty()) s.bind(1, key);
        std::vector<auth::StaffRecord> out;
        for (;;) {
            YX_ASSIGN_OR_RETURN(bool row, s.step());
            if (!row) break;
            YX_ASSIGN_OR_RETURN(auth::StaffRecord r, read_staff(s));
            out.push_back(std::move(r));
        }
        for (auth::StaffRecord& r : out) YX_TRY(read_history(r));
        return out;
    }

    // quota_remaining += delta, refusing to go below zero; the new value.
    Result<std::int64_t> change_quota(std::string_view node_id, std::int64_t delta) {
        YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(db));
        YX_ASSIGN_OR_RETURN(Statement sel,
                            db.prepare("SELECT sponsored, quota_remaining FROM auth_org_nodes WHERE id = ?1"));
        sel.bind(1, node_id);
        YX_ASSIGN_OR_RETURN(bool row, sel.step());
        if (!row) return make_error(Errc::auth_not_found, "no organisation node '" + std::string(node_id) + "'");
        if (sel.column_int(0) == 0)
            return make_error(Errc::auth_not_sponsored,
                              "'" + std::string(node_id) + "' is not a sponsored acceptance point");
        const std::int64_t left = sel.column_int(1);
        if (left + delta < 0)
            return make_error(Errc::auth_quota_exhausted, "'" + std::string(node_id) + "' has " + std::to_string(left) +
                                                              " prepaid certificates left, " + std::to_string(-delta) +
                                                              " needed");
        YX_ASSIGN_OR_RETURN(Statement upd, db.prepare("UPDATE auth_org_nodes SET quota_remaining = ?2 WHERE id = ?1"));
        YX_TRY(upd.bind(1, node_id).bind(2, left + delta).run());
        YX_TRY(tx.commit());
        return left + delta;
    }
};

SqliteAuthStore::SqliteAuthStore(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
SqliteAuthStore::~SqliteAuthStore() = default;

Result<std::unique_ptr<SqliteAuthStore>> SqliteAuthStore::open(const std::string& path, SqliteAuthOptions options) {
    auto impl = std::make_unique<Impl>();
    YX_ASSIGN_OR_RETURN(impl->db, sqlite::open_database(path, options.busy_timeout_ms));
    const auto now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    YX_TRY(sqlite::migrate(impl->db, now));
    return std::unique_ptr<SqliteAuthStore>(new SqliteAuthStore(std::move(impl)));
}

// --- organisation ---------------------------------------------------------------------------

Status SqliteAuthStore::insert_org_node(const auth::OrgNode& n) {
    std::lock_guard lock(m_impl->mu);
    Database& db = m_impl->db;
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(db));
    YX_ASSIGN_OR_RETURN(bool dup, m_impl->exists("SELECT 1 FROM auth_org_nodes WHERE id = ?1", n.id));
    if (dup) return make_error(Errc::auth_duplicate, "organisation node '" + n.id + "' exists");
    if (!n.parent_id.empty()) {
        YX_ASSIGN_OR_RETURN(bool parent, m_impl->exists("SELECT 1 FROM auth_org_nodes WHERE id = ?1", n.parent_id));
        if (!parent) return make_error(Errc::auth_bad_org_tree, "no parent node '" + n.parent_id + "'");
    }
    YX_ASSIGN_OR_RETURN(Statement s, db.prepare("INSERT INTO auth_org_nodes (" + std::string(k_node_columns) +
                                                ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
    s.bind(1, n.id);
    if (n.parent_id.empty())
        s.bind_null(2);
    else
        s.bind(2, n.parent_id);
    YX_TRY(s.bind(3, auth::org_kind_name(n.kind))
               .bind(4, n.name)
               .bind(5, std::int64_t{n.sponsored ? 1 : 0})
               .bind(6, n.quota_remaining)
               .bind(7, secs(n.created_at))
               .run());
    return tx.commit();
}

Result<std::optional<auth::OrgNode>> SqliteAuthStore::find_org_node(std::string_view id) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Statement s, m_impl->db.prepare("SELECT " + std::string(k_node_columns) +
                                                        " FROM auth_org_nodes WHERE id = ?1"));
    s.bind(1, id);
    YX_ASSIGN_OR_RETURN(bool row, s.step());
    if (!row) return std::optional<auth::OrgNode>();
    YX_ASSIGN_OR_RETURN(auth::OrgNode n, read_node(s));
    return std::optional<auth::OrgNode>(std::move(n));
}

Result<std::vector<auth::OrgNode>> SqliteAuthStore::org_nodes() {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Statement s, m_impl->db.prepare("SELECT " + std::string(k_node_columns) +
                                                        " FROM auth_org_nodes ORDER BY created_at, id"));
    std::vector<auth::OrgNode> out;
    for (;;) {
        YX_ASSIGN_OR_RETURN(bool row, s.step());
        if (!row) break;
        YX_ASSIGN_OR_RETURN(auth::OrgNode n, read_node(s));
        out.push_back(std::move(n));
    }
    return out;
}

Result<std::int64_t> SqliteAuthStore::consume_quota(std::string_view node_id, std::int64_t count) {
    if (count < 1) return make_error(Errc::invalid_argument, "quota count must be positive");
    std::lock_guard lock(m_impl->mu);
    return m_impl->change_quota(node_id, -count);
}

Result<std::int64_t> SqliteAuthStore::add_quota(std::string_view node_id, std::int64_t count) {
    if (count < 1) return make_error(Errc::invalid_argument, "quota count must be positive");
    std::lock_guard lock(m_impl->mu);
    return m_impl->change_quota(node_id, count);
}

// --- staff ----------------------------------------------------------------------------------

Result<std::int64_t> SqliteAuthStore::staff_count() {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Statement s, m_impl->db.prepare("SELECT COUNT(*) FROM auth_staff"));
    YX_ASSIGN_OR_RETURN(bool row, s.step());
    if (!row) return corrupt("COUNT(*)");
    return s.column_int(0);
}

Status SqliteAuthStore::insert_staff(const auth::StaffRecord& r) {
    std::lock_guard lock(m_impl->mu);
    Database& db = m_impl->db;
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(db));
    YX_ASSIGN_OR_RETURN(bool dup, m_impl->exists("SELECT 1 FROM auth_staff WHERE id = ?1", r.id));
    if (dup) return make_error(Errc::auth_duplicate, "staff member '" + r.id + "' exists");
    YX_ASSIGN_OR_RETURN(bool node, m_impl->exists("SELECT 1 FROM auth_org_nodes WHERE id = ?1", r.org_node));
    if (!node) return make_error(Errc::auth_bad_org_tree, "no organisation node '" + r.org_node + "'");
    YX_ASSIGN_OR_RETURN(Statement s, db.prepare("INSERT INTO auth_staff (" + std::string(k_staff_columns) +
                                                ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
                                                "?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)"));
    s.bind(1, r.id)
        .bind(2, r.display_name)
        .bind(3, r.phone)
        .bind(4, r.id_number)
        .bind(5, r.birth_date)
        .bind(6, auth::role_name(r.role))
        .bind(7, auth::subsystem_name(r.subsystem))
        .bind(8, r.org_node)
        .bind(9, std::int64_t{r.active ? 1 : 0})
        .bind(10, std::int64_t{r.custodian ? 1 : 0})
        .bind(11, r.created_by)
        .bind(12, secs(r.created_at));
    bind_opt_time(s, 13, r.deactivated_at);
    s.bind_blob(14, r.certificate_der)
        .bind_blob(15, r.password.salt)
        .bind(16, std::int64_t{r.password.iterations})
        .bind_blob(17, r.password.hash)
        .bind(18, secs(r.password.set_at))
        .bind(19, std::int64_t{r.must_change_password ? 1 : 0})
        .bind(20, std::int64_t{r.failed_logins});
    bind_opt_time(s, 21, r.locked_until);
    YX_TRY(s.run());
    YX_TRY(m_impl->write_history(r));
    return tx.commit();
}

Result<std::optional<auth::StaffRecord>> SqliteAuthStore::find_staff(std::string_view id) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(auto rows, m_impl->select_staff("WHERE id = ?1", id));
    if (rows.empty()) return std::optional<auth::StaffRecord>();
    return std::optional<auth::StaffRecord>(std::move(rows.front()));
}

Result<std::vector<auth::StaffRecord>> SqliteAuthStore::staff() {
    std::lock_guard lock(m_impl->mu);
    return m_impl->select_staff("", "");
}

Status SqliteAuthStore::update_staff(const auth::StaffRecord& r) {
    std::lock_guard lock(m_impl->mu);
    Database& db = m_impl->db;
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(db));
    // `active` and `deactivated_at` change only through deactivate_staff: a stale record written
    // back after a deactivation cannot bring the member back.
    YX_ASSIGN_OR_RETURN(Statement s,
                        db.prepare("UPDATE auth_staff SET display_name = ?2, phone = ?3, id_number = ?4, "
                                   "birth_date = ?5, role = ?6, subsystem = ?7, org_node = ?8, custodian = ?9, "
                                   "certificate_der = ?10, pw_salt = ?11, pw_iterations = ?12, pw_hash = ?13, "
                                   "pw_set_at = ?14, must_change_password = ?15, failed_logins = ?16, "
                                   "locked_until = ?17 WHERE id = ?1"));
    s.bind(1, r.id)
        .bind(2, r.display_name)
        .bind(3, r.phone)
        .bind(4, r.id_number)
        .bind(5, r.birth_date)
        .bind(6, auth::role_name(r.role))
        .bind(7, auth::subsystem_name(r.subsystem))
        .bind(8, r.org_node)
        .bind(9, std::int64_t{r.custodian ? 1 : 0})
        .bind_blob(10, r.certificate_der)
        .bind_blob(11, r.password.salt)
        .bind(12, std::int64_t{r.password.iterations})
        .bind_blob(13, r.password.hash)
        .bind(14, secs(r.password.set_at))
        .bind(15, std::int64_t{r.must_change_password ? 1 : 0})
        .bind(16, std::int64_t{r.failed_logins});
    bind_opt_time(s, 17, r.locked_until);
    YX_TRY(s.run());
    if (db.changes() == 0) return make_error(Errc::auth_not_found, "no staff member '" + r.id + "'");
    YX_TRY(m_impl->write_history(r));
    return tx.commit();
}

Status SqliteAuthStore::deactivate_staff(std::string_view id, TimePoint at) {
    std::lock_guard lock(m_impl->mu);
    Database& db = m_impl->db;
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(db));
    YX_ASSIGN_OR_RETURN(Statement upd, db.prepare("UPDATE auth_staff SET active = 0, deactivated_at = ?2, "
                                                  "custodian = 0 WHERE id = ?1"));
    YX_TRY(upd.bind(1, id).bind(2, secs(at)).run());
    if (db.changes() == 0) return make_error(Errc::auth_not_found, "no staff member '" + std::string(id) + "'");
    YX_ASSIGN_OR_RETURN(Statement del, db.prepare("DELETE FROM auth_sessions WHERE staff_id = ?1"));
    YX_TRY(del.bind(1, id).run());
    return tx.commit();
}

// --- sessions -------------------------------------------------------------------------------

Status SqliteAuthStore::insert_session(const auth::Session& s) {
    std::lock_guard lock(m_impl->mu);
    Database& db = m_impl->db;
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(db));
    YX_ASSIGN_OR_RETURN(Statement ins, db.prepare("INSERT INTO auth_sessions (token_hash, staff_id, created_at, "
                                                  "last_seen, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)"));
    YX_TRY(ins.bind_blob(1, s.token_hash)
               .bind(2, s.staff_id)
               .bind(3, secs(s.created_at))
               .bind(4, secs(s.last_seen))
               .bind(5, secs(s.expires_at))
               .run());
    return tx.commit();
}

Result<std::optional<auth::Session>> SqliteAuthStore::find_session(BytesView token_hash) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Statement s,
                        m_impl->db.prepare("SELECT token_hash, staff_id, created_at, last_seen, expires_at "
                                           "FROM auth_sessions WHERE token_hash = ?1"));
    s.bind_blob(1, token_hash);
    YX_ASSIGN_OR_RETURN(bool row, s.step());
    if (!row) return std::optional<auth::Session>();
    auth::Session out;
    out.token_hash = s.column_blob(0);
    out.staff_id = s.column_text(1);
    out.created_at = from_unix(s.column_int(2));
    out.last_seen = from_unix(s.column_int(3));
    out.expires_at = from_unix(s.column_int(4));
    return std::optional<auth::Session>(std::move(out));
}

Status SqliteAuthStore::touch_session(BytesView token_hash, TimePoint last_seen) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(
        Statement s,
        m_impl->db.prepare("UPDATE auth_sessions SET last_seen = MAX(last_seen, ?2) WHERE token_hash = ?1"));
    return s.bind_blob(1, token_hash).bind(2, secs(last_seen)).run();
}

Status SqliteAuthStore::delete_session(BytesView token_hash) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Statement s, m_impl->db.prepare("DELETE FROM auth_sessions WHERE token_hash = ?1"));
    return s.bind_blob(1, token_hash).run();
}

Status SqliteAuthStore::delete_sessions_of(std::string_view staff_id) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Statement s, m_impl->db.prepare("DELETE FROM auth_sessions WHERE staff_id = ?1"));
    return s.bind(1, staff_id).run();
}

// --- approvals ------------------------------------------------------------------------------

Status SqliteAuthStore::insert_approval(const auth::Approval& a) {
    std::lock_guard lock(m_impl->mu);
    Database& db = m_impl->db;
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(db));
    YX_ASSIGN_OR_RETURN(bool dup, m_impl->exists("SELECT 1 FROM auth_approvals WHERE id = ?1", a.id));
    if (dup) return make_error(Errc::auth_duplicate, "approval '" + a.id + "' exists");
    YX_ASSIGN_OR_RETURN(Statement s, db.prepare("INSERT INTO auth_approvals (" + std::string(k_approval_columns) +
                                                ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"));
    s.bind(1, a.id)
        .bind(2, auth::action_name(a.kind))
        .bind_blob(3, a.payload_hash)
        .bind(4, a.requester)
        .bind(5, a.approvers.to_string())
        .bind(6, a.org_node)
        .bind(7, auth::approval_status_name(a.status))
        .bind(8, a.decided_by)
        .bind(9, a.reason)
        .bind(10, secs(a.created_at))
        .bind(11, secs(a.expires_at));
    bind_opt_time(s, 12, a.decided_at);
    YX_TRY(s.run());
    return tx.commit();
}

Result<std::optional<auth::Approval>> SqliteAuthStore::find_approval(std::string_view id) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Statement s, m_impl->db.prepare("SELECT " + std::string(k_approval_columns) +
                                                        " FROM auth_approvals WHERE id = ?1"));
    s.bind(1, id);
    YX_ASSIGN_OR_RETURN(bool row, s.step());
    if (!row) return std::optional<auth::Approval>();
    YX_ASSIGN_OR_RETURN(auth::Approval a, read_approval(s));
    return std::optional<auth::Approval>(std::move(a));
}

Status SqliteAuthStore::update_approval(const auth::Approval& a, auth::ApprovalStatus expected) {
    std::lock_guard lock(m_impl->mu);
    Database& db = m_impl->db;
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(db));
    YX_ASSIGN_OR_RETURN(Statement s, db.prepare("UPDATE auth_approvals SET status = ?2, decided_by = ?3, reason = ?4, "
                                                "decided_at = ?5 WHERE id = ?1 AND status = ?6"));
    s.bind(1, a.id).bind(2, auth::approval_status_name(a.status)).bind(3, a.decided_by).bind(4, a.reason);
    bind_opt_time(s, 5, a.decided_at);
    s.bind(6, auth::approval_status_name(expected));
    YX_TRY(s.run());
    if (db.changes() == 0)
        return make_error(Errc::store_conflict,
                          "approval '" + a.id + "' is no longer " + std::string(auth::approval_status_name(expected)));
    return tx.commit();
}

}  // namespace yinxin::store
