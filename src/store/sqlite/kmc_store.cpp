#include <mutex>

#include "sqlite/migrations.h"
#include "yinxin/store/sqlite_kmc_store.h"

namespace yinxin::store {

using kmc::EscrowedKey;
using kmc::KeyState;
using kmc::RecoveryRecord;
using kmc::RecoveryState;
using yinxin::sqlite::Database;
using yinxin::sqlite::Statement;
using yinxin::sqlite::Transaction;

namespace {

constexpr std::string_view k_key_columns =
    "key_id, ca_id, cert_no, public_key, escrow, user_public_key, user_name, not_before, not_after, state, task_no, "
    "created_at, escrowed_at, revoked_at, archived_at, purged_at";
constexpr std::string_view k_recovery_columns =
    "id, kind, ra_request_id, org_node, ca_id, cert_no, key_id, target_public_key, case_reference, "
    "officer_certificate, officer_chain, officer_signature, approval_id, state, requested_by, requested_at, "
    "decided_by, decided_at, reason, completed_by, completed_at, output_sm3";
constexpr std::size_t k_max_page = 1000;

Error corrupt(const std::string& what) { return make_error(Errc::store_io, "store: corrupt row: " + what); }

std::int64_t unix_of(TimePoint t) { return static_cast<std::int64_t>(to_unix(t)); }

void bind_time_or_null(Statement& s, int i, const std::optional<TimePoint>& t) {
    if (t)
        s.bind(i, unix_of(*t));
    else
        s.bind_null(i);
}
void bind_text_or_null(Statement& s, int i, const std::string& v) {
    if (v.empty())
        s.bind_null(i);
    else
        s.bind(i, v);
}
void bind_blob_or_null(Statement& s, int i, const Bytes& v) {
    if (v.empty())
        s.bind_null(i);
    else
        s.bind_blob(i, v);
}
std::optional<TimePoint> time_or_null(const Statement& s, int i) {
    if (s.column_is_null(i)) return std::nullopt;
    return from_unix(s.column_int(i));
}

Result<EscrowedKey> read_key(const Statement& s) {
    EscrowedKey k;
    k.key_id = s.column_text(0);
    k.ca_id = s.column_text(1);
    k.cert_no = s.column_text(2);
    k.public_key = s.column_blob(3);
    k.escrow = s.column_blob(4);
    k.user_public_key = s.column_blob(5);
    k.user_name = s.column_text(6);
    k.not_before = from_unix(s.column_int(7));
    k.not_after = from_unix(s.column_int(8));
    auto state = kmc::key_state_from_name(s.column_text(9));
    if (!state) return corrupt("kmc_keys " + k.key_id + ": bad state");
    k.state = *state;
    k.task_no = s.column_int(10);
    k.created_at = from_unix(s.column_int(11));
    k.escrowed_at = from_unix(s.column_int(12));
    k.revoked_at = time_or_null(s, 13);
    k.archived_at = time_or_null(s, 14);
    k.purged_at = time_or_null(s, 15);
    return k;
}

Result<RecoveryRecord> read_recovery(const Statement& s) {
    RecoveryRecord r;
    r.id = s.column_text(0);
    auto kind = kmc::recovery_kind_from_name(s.column_text(1));
    auto state = kmc::recovery_state_from_name(s.column_text(13));
    if (!kind || !state) return corrupt("kmc_recoveries " + r.id + ": bad kind or state");
    r.kind = *kind;
    r.ra_request_id = s.column_text(2);
    r.org_node = s.column_text(3);
    r.ca_id = s.column_text(4);
    r.cert_no = s.column_text(5);
    r.key_id = s.column_text(6);
    r.target_public_key = s.column_blob(7);
    r.case_reference = s.column_text(8);
    r.officer_certificate = s.column_blob(9);
    r.officer_chain = s.column_blob(10);
    r.officer_signature = s.column_blob(11);
    r.approval_id = s.column_text(12);
    r.state = *state;
    r.requested_by = s.column_text(14);
    r.requested_at = from_unix(s.column_int(15));
    r.decided_by = s.column_text(16);
    r.decided_at = time_or_null(s, 17);
    r.reason = s.column_text(18);
    r.completed_by = s.column_text(19);
    r.completed_at = time_or_null(s, 20);
    r.output_sm3 = s.column_blob(21);
    return r;
}

template <class T, class F>
Result<std::vector<T>> collect(Statement& q, F&& read) {
    std::vector<T> out;
    for (;;) {
        YX_ASSIGN_OR_RETURN(bool row, q.step());
        if (!row) break;
        YX_ASSIGN_OR_RETURN(T v, read(q));
        out.push_back(std::move(v));
    }
    return out;
}

}  // namespace

struct SqliteKmcStore::Impl {
    std::mutex mu;
    Database db;
    SystemClock system_clock;
    const Clock* clock = nullptr;

    Result<std::optional<EscrowedKey>> find_key(std::string_view ca_id, std::string_view cert_no) {
        YX_ASSIGN_OR_RETURN(Statement q, db.prepare("SELECT " + std::string(k_key_columns) +
                                                    " FROM kmc_keys WHERE ca_id = ?1 AND cert_no = ?2"));
        q.bind(1, ca_id).bind(2, cert_no);
        YX_ASSIGN_OR_RETURN(bool row, q.step());
        if (!row) return std::optional<EscrowedKey>{};
        YX_ASSIGN_OR_RETURN(EscrowedKey k, read_key(q));
        return std::optional<EscrowedKey>{std::move(k)};
    }

    Result<std::optional<RecoveryRecord>> find_recovery(std::string_view id) {
        YX_ASSIGN_OR_RETURN(Statement q, db.prepare("SELECT " + std::string(k_recovery_columns) +
                                                    " FROM kmc_recoveries WHERE id = ?1"));
        q.bind(1, id);
        YX_ASSIGN_OR_RETURN(bool row, q.step());
        if (!row) return std::optional<RecoveryRecord>{};
        YX_ASSIGN_OR_RETURN(RecoveryRecord r, read_recovery(q));
        return std::optional<RecoveryRecord>{std::move(r)};
    }

    Status insert_key(const EscrowedKey& k) {
        YX_ASSIGN_OR_RETURN(Statement ins, db.prepare("INSERT INTO kmc_keys (" + std::string(k_key_columns) +
                                                      ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
                                                      "?13, ?14, ?15, ?16)"));
        ins.bind(1, k.key_id)
            .bind(2, k.ca_id)
            .bind(3, k.cert_no)
            .bind_blob(4, k.public_key)
            .bind_blob(5, k.escrow)
            .bind_blob(6, k.user_public_key)
            .bind(7, k.user_name)
            .bind(8, unix_of(k.not_before))
            .bind(9, unix_of(k.not_after))
            .bind(10, kmc::key_state_name(k.state))
            .bind(11, k.task_no)
            .bind(12, unix_of(k.created_at))
            .bind(13, unix_of(k.escrowed_at));
        bind_time_or_null(ins, 14, k.revoked_at);
        bind_time_or_null(ins, 15, k.archived_at);
        bind_time_or_null(ins, 16, k.purged_at);
        return ins.run();
    }

    Status update_recovery(const RecoveryRecord& r, RecoveryState expected) {
        YX_ASSIGN_OR_RETURN(Statement u,
                            db.prepare("UPDATE kmc_recoveries SET state = ?2, decided_by = ?3, decided_at = ?4, "
                                       "reason = ?5, completed_by = ?6, completed_at = ?7, output_sm3 = ?8 "
                                       "WHERE id = ?1 AND state = ?9"));
        u.bind(1, r.id).bind(2, kmc::recovery_state_name(r.state));
        bind_text_or_null(u, 3, r.decided_by);
        bind_time_or_null(u, 4, r.decided_at);
        bind_text_or_null(u, 5, r.reason);
        bind_text_or_null(u, 6, r.completed_by);
        bind_time_or_null(u, 7, r.completed_at);
        bind_blob_or_null(u, 8, r.output_sm3);
        u.bind(9, kmc::recovery_state_name(expected));
        YX_TRY(u.run());
        if (db.changes() == 0) {
            YX_ASSIGN_OR_RETURN(auto now, find_recovery(r.id));
            if (!now) return make_error(Errc::kmc_not_found, "no recovery " + r.id);
            return make_error(Errc::kmc_illegal_state,
                              "recovery " + r.id + " is " + std::string(kmc::recovery_state_name(now->state)) +
                                  ", no longer " + std::string(kmc::recovery_state_name(expected)));
        }
        return ok_status();
    }

    // Moves keys matching `where` (with ?1 = a time) to `to`, setting `column` = now; returns them.
    Result<std::vector<EscrowedKey>> move_keys(const std::string& where, TimePoint bound, std::size_t limit,
                                               KeyState to, const std::string& column, TimePoint now) {
        YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(db));
        YX_ASSIGN_OR_RETURN(Statement q, db.prepare("SELECT " + std::string(k_key_columns) + " FROM kmc_keys WHERE " +
                                                    where + " ORDER BY not_after, key_id LIMIT ?2"));
        q.bind(1, unix_of(bound)).bind(2, static_cast<std::int64_t>(limit));
        YX_ASSIGN_OR_RETURN(std::vector<EscrowedKey> keys, collect<EscrowedKey>(q, read_key));
        const std::string wipe = to == KeyState::purged ? ", escrow = NULL" : "";
        YX_ASSIGN_OR_RETURN(Statement u, db.prepare("UPDATE kmc_keys SET state = ?2, " + column + " = ?3" + wipe +
                                                    " WHERE key_id = ?1 AND state = ?4"));
        for (EscrowedKey& k : keys) {
            u.reset();
            u.bind(1, k.key_id)
                .bind(2, kmc::key_state_name(to))
                .bind(3, unix_of(now))
                .bind(4, kmc::key_state_name(k.state));
            YX_TRY(u.run());
            if (db.changes() != 1)
                return make_error(Errc::store_conflict, "store: key " + k.key_id + " changed meanwhile");
            k.state = to;
            if (to == KeyState::purged) {
                k.escrow.clear();
                k.purged_at = now;
            } else {
                k.archived_at = now;
            }
        }
        YX_TRY(tx.commit());
        return keys;
    }
};

SqliteKmcStore::SqliteKmcStore(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
SqliteKmcStore::~SqliteKmcStore() = default;

Result<std::unique_ptr<SqliteKmcStore>> SqliteKmcStore::open(const std::string& path, SqliteKmcOptions options) {
    auto impl = std::make_unique<Impl>();
    impl->clock = options.clock != nullptr ? options.clock : &impl->system_clock;
    YX_ASSIGN_OR_RETURN(impl->db, sqlite::open_database(path, options.busy_timeout_ms));
    // Purged escrows (and replaced rows) are overwritten with zeros, not left in free pages.
    YX_TRY(impl->db.exec("PRAGMA secure_delete = ON"));
    YX_TRY(sqlite::migrate(impl->db, to_unix(impl->clock->now())));
    return std::unique_ptr<SqliteKmcStore>(new SqliteKmcStore(std::move(impl)));
}

Result<std::optional<kmc::TaskRecord>> SqliteKmcStore::find_task(std::string_view ca_id, std::int64_t task_no) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Statement q, m_impl->db.prepare("SELECT request_sm3, response, at FROM kmc_tasks "
                                                        "WHERE ca_id = ?1 AND task_no = ?2"));
    q.bind(1, ca_id).bind(2, task_no);
    YX_ASSIGN_OR_RETURN(bool row, q.step());
    if (!row) return std::optional<kmc::TaskRecord>{};
    kmc::TaskRecord t;
    t.ca_id = std::string(ca_id);
    t.task_no = task_no;
    t.request_sm3 = q.column_blob(0);
    t.response_der = q.column_blob(1);
    t.at = from_unix(q.column_int(2));
    return std::optional<kmc::TaskRecord>{std::move(t)};
}

Status SqliteKmcStore::commit_task(const kmc::TaskCommit& c) {
    std::lock_guard lock(m_impl->mu);
    Database& db = m_impl->db;
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(db));
    {
        YX_ASSIGN_OR_RETURN(Statement q, db.prepare("SELECT 1 FROM kmc_tasks WHERE ca_id = ?1 AND task_no = ?2"));
        q.bind(1, c.task.ca_id).bind(2, c.task.task_no);
        YX_ASSIGN_OR_RETURN(bool row, q.step());
        if (row)
            return make_error(Errc::kmc_duplicate, "task " + std::to_string(c.task.task_no) + " of CA '" +
                                                       c.task.ca_id + "' was answered already");
    }
    for (const std::string& id : c.pool_keys_taken) {
        YX_ASSIGN_OR_RETURN(Statement d, db.prepare("DELETE FROM kmc_pool WHERE key_id = ?1"));
        d.bind(1, id);
        YX_TRY(d.run());
        if (db.changes() != 1)
            return make_error(Errc::kmc_pool_empty, "pool key " + id + " was taken by another request meanwhile");
    }
    for (const EscrowedKey& k : c.new_keys) {
        YX_ASSIGN_OR_RETURN(auto existing, m_impl->find_key(k.ca_id, k.cert_no));
        if (existing)
            return make_error(Errc::kmc_duplicate,
                              "CA '" + k.ca_id + "' certificate " + k.cert_no + " already has an escrowed key");
        YX_TRY(m_impl->insert_key(k));
    }
    for (const kmc::RevokeMark& m : c.revocations) {
        YX_ASSIGN_OR_RETURN(Statement u, db.prepare("UPDATE kmc_keys SET state = 'revoked', revoked_at = ?3 "
                                                    "WHERE ca_id = ?1 AND cert_no = ?2 AND state = 'active'"));
        u.bind(1, m.ca_id).bind(2, m.cert_no).bind(3, unix_of(c.revoked_at));
        YX_TRY(u.run());
        if (db.changes() != 1) {
            YX_ASSIGN_OR_RETURN(auto k, m_impl->find_key(m.ca_id, m.cert_no));
            if (!k) return make_error(Errc::kmc_not_found, "CA '" + m.ca_id + "' has no escrowed key for " + m.cert_no);
            return make_error(Errc::kmc_illegal_state, "the key of certificate " + m.cert_no + " is " +
                                                           std::string(kmc::key_state_name(k->state)));
        }
    }
    if (c.completed_recovery) YX_TRY(m_impl->update_recovery(*c.completed_recovery, RecoveryState::approved));
    {
        YX_ASSIGN_OR_RETURN(Statement ins,
                            db.prepare("INSERT INTO kmc_tasks (ca_id, task_no, request_sm3, response, at) "
                                       "VALUES (?1, ?2, ?3, ?4, ?5)"));
        ins.bind(1, c.task.ca_id)
            .bind(2, c.task.task_no)
            .bind_blob(3, c.task.request_sm3)
            .bind_blob(4, c.task.response_der)
            .bind(5, unix_of(c.task.at));
        YX_TRY(ins.run());
    }
    return tx.commit();
}

Status SqliteKmcStore::add_to_pool(std::span<const kmc::PooledKey> keys) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    YX_ASSIGN_OR_RETURN(Statement ins,
                        m_impl->db.prepare("INSERT INTO kmc_pool (key_id, public_key, escrow, created_at) "
                                           "VALUES (?1, ?2, ?3, ?4)"));
    for (const kmc::PooledKey& k : keys) {
        ins.reset();
        ins.bind(1, k.key_id).bind_blob(2, k.public_key).bind_blob(3, k.escrow).bind(4, unix_of(k.created_at));
        YX_TRY(ins.run());
    }
    return tx.commit();
}

Result<std::vector<kmc::PooledKey>> SqliteKmcStore::peek_pool(std::size_t n) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Statement q, m_impl->db.prepare("SELECT key_id, public_key, escrow, created_at FROM kmc_pool "
                                                        "ORDER BY created_at, key_id LIMIT ?1"));
    q.bind(1, static_cast<std::int64_t>(n));
    return collect<kmc::PooledKey>(q, [](const Statement& s) -> Result<kmc::PooledKey> {
        return kmc::PooledKey{s.column_text(0), s.column_blob(1), s.column_blob(2), from_unix(s.column_int(3))};
    });
}

Result<std::size_t> SqliteKmcStore::pool_size() {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Statement q, m_impl->db.prepare("SELECT COUNT(*) FROM kmc_pool"));
    YX_ASSIGN_OR_RETURN(bool row, q.step());
    if (!row) return corrupt("kmc_pool count");
    return static_cast<std::size_t>(q.column_int(0));
}

Result<std::optional<EscrowedKey>> SqliteKmcStore::find_key(std::string_view ca_id, std::string_view cert_no) {
    std::lock_guard lock(m_impl->mu);
    return m_impl->find_key(ca_id, cert_no);
}

Result<std::vector<EscrowedKey>> SqliteKmcStore::list_keys(const kmc::KeyFilter& f) {
    if (f.limit == 0 || f.limit > k_max_page) return make_error(Errc::invalid_argument, "page size must be 1..1000");
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Statement q, m_impl->db.prepare("SELECT " + std::string(k_key_columns) +
                                                        " FROM kmc_keys WHERE (?1 = '' OR ca_id = ?1) AND "
                                                        "(?2 IS NULL OR state = ?2) AND key_id > ?3 "
                                                        "ORDER BY key_id LIMIT ?4"));
    q.bind(1, f.ca_id);
    if (f.state)
        q.bind(2, kmc::key_state_name(*f.state));
    else
        q.bind_null(2);
    q.bind(3, f.after_key_id).bind(4, static_cast<std::int64_t>(f.limit));
    return collect<EscrowedKey>(q, read_key);
}

Result<std::vector<EscrowedKey>> SqliteKmcStore::archive_expired(TimePoint now, std::size_t limit) {
    std::lock_guard lock(m_impl->mu);
    return m_impl->move_keys("state IN ('active', 'revoked') AND not_after <= ?1", now, limit, KeyState::archived,
                             "archived_at", now);
}

Result<std::vector<EscrowedKey>> SqliteKmcStore::purge_archived(TimePoint cutoff, TimePoint now, std::size_t limit) {
    std::lock_guard lock(m_impl->mu);
    return m_impl->move_keys("state = 'archived' AND not_after <= ?1", cutoff, limit, KeyState::purged, "purged_at",
                             now);
}

Status SqliteKmcStore::insert_recovery(const RecoveryRecord& r) {
    std::lock_guard lock(m_impl->mu);
    Database& db = m_impl->db;
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(db));
    YX_ASSIGN_OR_RETURN(auto same, m_impl->find_recovery(r.id));
    if (same) return make_error(Errc::kmc_duplicate, "recovery " + r.id + " exists already");
    {
        YX_ASSIGN_OR_RETURN(Statement q, db.prepare("SELECT id FROM kmc_recoveries WHERE key_id = ?1 "
                                                    "AND state IN ('pending', 'approved')"));
        q.bind(1, r.key_id);
        YX_ASSIGN_OR_RETURN(bool row, q.step());
        if (row)
            return make_error(Errc::kmc_duplicate, "the key of certificate " + r.cert_no + " has an open recovery (" +
                                                       q.column_text(0) + ")");
    }
    YX_ASSIGN_OR_RETURN(Statement ins,
                        db.prepare("INSERT INTO kmc_recoveries (" + std::string(k_recovery_columns) +
                                   ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
                                   "?17, ?18, ?19, ?20, ?21, ?22)"));
    ins.bind(1, r.id)
        .bind(2, kmc::recovery_kind_name(r.kind))
        .bind(3, r.ra_request_id)
        .bind(4, r.org_node)
        .bind(5, r.ca_id)
        .bind(6, r.cert_no)
        .bind(7, r.key_id)
        .bind_blob(8, r.target_public_key)
        .bind(9, r.case_reference);
    bind_blob_or_null(ins, 10, r.officer_certificate);
    bind_blob_or_null(ins, 11, r.officer_chain);
    bind_blob_or_null(ins, 12, r.officer_signature);
    ins.bind(13, r.approval_id)
        .bind(14, kmc::recovery_state_name(r.state))
        .bind(15, r.requested_by)
        .bind(16, unix_of(r.requested_at));
    bind_text_or_null(ins, 17, r.decided_by);
    bind_time_or_null(ins, 18, r.decided_at);
    bind_text_or_null(ins, 19, r.reason);
    bind_text_or_null(ins, 20, r.completed_by);
    bind_time_or_null(ins, 21, r.completed_at);
    bind_blob_or_null(ins, 22, r.output_sm3);
    YX_TRY(ins.run());
    return tx.commit();
}

Result<std::optional<RecoveryRecord>> SqliteKmcStore::find_recovery(std::string_view id) {
    std::lock_guard lock(m_impl->mu);
    return m_impl->find_recovery(id);
}

Result<std::optional<RecoveryRecord>> SqliteKmcStore::find_approved_holder_recovery(std::string_view ca_id,
                                                                                    std::string_view cert_no,
                                                                                    BytesView target_public_key) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Statement q, m_impl->db.prepare("SELECT " + std::string(k_recovery_columns) +
                                                        " FROM kmc_recoveries WHERE ca_id = ?1 AND cert_no = ?2 "
                                                        "AND kind = 'holder' AND state = 'approved' "
                                                        "AND target_public_key = ?3"));
    q.bind(1, ca_id).bind(2, cert_no).bind_blob(3, target_public_key);
    YX_ASSIGN_OR_RETURN(bool row, q.step());
    if (!row) return std::optional<RecoveryRecord>{};
    YX_ASSIGN_OR_RETURN(RecoveryRecord r, read_recovery(q));
    return std::optional<RecoveryRecord>{std::move(r)};
}

Status SqliteKmcStore::update_recovery(const RecoveryRecord& r, RecoveryState expected) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    YX_TRY(m_impl->update_recovery(r, expected));
    return tx.commit();
}

Result<std::vector<RecoveryRecord>> SqliteKmcStore::list_recoveries(std::optional<RecoveryState> state,
                                                                    std::string_view after_id, std::size_t limit) {
    if (limit == 0 || limit > k_max_page) return make_error(Errc::invalid_argument, "page size must be 1..1000");
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Statement q, m_impl->db.prepare("SELECT " + std::string(k_recovery_columns) +
                                                        " FROM kmc_recoveries WHERE (?1 IS NULL OR state = ?1) "
                                                        "AND id > ?2 ORDER BY id LIMIT ?3"));
    if (state)
        q.bind(1, kmc::recovery_state_name(*state));
    else
        q.bind_null(1);
    q.bind(2, after_id).bind(3, static_cast<std::int64_t>(limit));
    return collect<RecoveryRecord>(q, read_recovery);
}

}  // namespace yinxin::store
