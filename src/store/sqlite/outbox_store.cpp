#include <mutex>

#include "sqlite/migrations.h"
#include "sqlite/outbox_sql.h"
#include "yinxin/store/sqlite_outbox_store.h"

namespace yinxin::store {

using yinxin::sqlite::Database;
using yinxin::sqlite::Statement;
using yinxin::sqlite::StatementUse;
using yinxin::sqlite::Transaction;

namespace {

constexpr std::size_t k_max_page = 10'000;
constexpr std::string_view k_columns =
    "id, event, channel, recipient, subject, body, object_id, dedup_key, state, attempts, next_attempt_at, "
    "last_error, created_at, delivered_at";
constexpr std::string_view k_insert =
    "INSERT INTO notifications (event, channel, recipient, subject, body, object_id, dedup_key, state, attempts, "
    "next_attempt_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', 0, ?8, ?8) "
    "ON CONFLICT (dedup_key) WHERE dedup_key IS NOT NULL DO NOTHING";

Result<ra::Notification> read_row(const Statement& s) {
    ra::Notification n;
    n.id = s.column_int(0);
    n.event = s.column_text(1);
    auto channel = ra::notify_channel_from_name(s.column_text(2));
    auto state = ra::notification_state_from_name(s.column_text(8));
    if (!channel || !state)
        return make_error(Errc::store_io, "notifications row " + std::to_string(n.id) + ": corrupt");
    n.channel = *channel;
    n.recipient = s.column_text(3);
    n.subject = s.column_text(4);
    n.body = s.column_text(5);
    n.object_id = s.column_text(6);
    if (!s.column_is_null(7)) n.dedup_key = s.column_text(7);
    n.state = *state;
    n.attempts = s.column_int(9);
    n.next_attempt_at = from_unix(s.column_int(10));
    if (!s.column_is_null(11)) n.last_error = s.column_text(11);
    n.created_at = from_unix(s.column_int(12));
    if (!s.column_is_null(13)) n.delivered_at = from_unix(s.column_int(13));
    return n;
}

Result<std::vector<ra::Notification>> read_rows(Statement& s) {
    std::vector<ra::Notification> out;
    for (;;) {
        YX_ASSIGN_OR_RETURN(bool row, s.step());
        if (!row) break;
        YX_ASSIGN_OR_RETURN(ra::Notification n, read_row(s));
        out.push_back(std::move(n));
    }
    return out;
}

Result<std::vector<std::int64_t>> insert_all(Database& db, Statement& ins, std::span<const ra::NewNotification> items,
                                             std::int64_t now_unix) {
    std::vector<std::int64_t> ids;
    ids.reserve(items.size());
    for (const auto& n : items) {
        StatementUse q(ins);
        q->bind(1, n.event)
            .bind(2, ra::notify_channel_name(n.channel))
            .bind(3, n.recipient)
            .bind(4, n.subject)
            .bind(5, n.body)
            .bind(6, n.object_id)
            .bind(8, now_unix);
        if (n.dedup_key.empty())
            q->bind_null(7);
        else
            q->bind(7, n.dedup_key);
        YX_TRY(q->run());
        ids.push_back(db.changes() == 1 ? db.last_insert_rowid() : 0);
    }
    return ids;
}

Status validate_all(std::span<const ra::NewNotification> items) {
    for (std::size_t i = 0; i < items.size(); ++i) {
        auto s = ra::validate_notification(items[i]);
        if (!s.ok()) return make_error(s.code(), "notification " + std::to_string(i + 1) + ": " + s.error().message);
    }
    return ok_status();
}

}  // namespace

namespace sqlite {

Result<std::vector<std::int64_t>> insert_notifications_with_ids(Database& db,
                                                                std::span<const ra::NewNotification> items,
                                                                std::int64_t now_unix) {
    YX_TRY(validate_all(items));
    if (items.empty()) return std::vector<std::int64_t>{};
    YX_ASSIGN_OR_RETURN(Statement ins, db.prepare(k_insert));
    // A savepoint nests in the caller's transaction (or is one of its own): a failed insert takes
    // the earlier ones of this call with it, and the caller decides about the rest.
    YX_TRY(db.exec("SAVEPOINT yx_notifications"));
    auto ids = insert_all(db, ins, items, now_unix);
    if (!ids.ok()) {
        (void)db.exec("ROLLBACK TO yx_notifications");
        (void)db.exec("RELEASE yx_notifications");
        return ids;
    }
    YX_TRY(db.exec("RELEASE yx_notifications"));
    return ids;
}

Status insert_notifications(Database& db, std::span<const ra::NewNotification> items, std::int64_t now_unix) {
    auto ids = insert_notifications_with_ids(db, items, now_unix);
    if (!ids.ok()) return std::move(ids).error();
    return ok_status();
}

}  // namespace sqlite

struct SqliteOutboxStore::Impl {
    std::mutex mu;
    Database db;
    Statement ins, sel_due, upd_claim, upd_delivered, upd_failed, upd_retry, sel_one, sel_list, sel_counts;

    Status prepare_all() {
        const std::string c(k_columns);
        struct Def {
            Statement* s;
            std::string sql;
        };
        const Def defs[] = {
            {&ins, std::string(k_insert)},
            {&sel_due, "SELECT " + c +
                           " FROM notifications WHERE state = 'pending' AND next_attempt_at <= ?1 "
                           "ORDER BY next_attempt_at, id LIMIT ?2"},
            {&upd_claim, "UPDATE notifications SET next_attempt_at = ?2 WHERE id = ?1 AND state = 'pending'"},
            {&upd_delivered,
             "UPDATE notifications SET state = 'delivered', delivered_at = ?2 WHERE id = ?1 AND state = 'pending'"},
            {&upd_failed,
             "UPDATE notifications SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3 "
             "WHERE id = ?1 AND state = 'pending'"},
            {&upd_retry, "UPDATE notifications SET next_attempt_at = ?2 WHERE id = ?1 AND state = 'pending'"},
            {&sel_one, "SELECT " + c + " FROM notifications WHERE id = ?1"},
            {&sel_list, "SELECT " + c +
                            " FROM notifications WHERE (?1 = '' OR state = ?1) AND (?2 = '' OR object_id = ?2) "
                            "AND id > ?3 ORDER BY id LIMIT ?4"},
            {&sel_counts,
             "SELECT COALESCE(SUM(state = 'pending'), 0), COALESCE(SUM(state = 'pending' AND attempts > 0), 0), "
             "COALESCE(SUM(state = 'delivered'), 0) FROM notifications"},
        };
        for (const Def& d : defs) {
            YX_ASSIGN_OR_RETURN(*d.s, db.prepare(d.sql));
        }
        return ok_status();
    }

    Result<ra::Notification> find(std::int64_t id) {
        StatementUse q(sel_one);
        q->bind(1, id);
        YX_ASSIGN_OR_RETURN(bool row, q->step());
        if (!row) return make_error(Errc::ra_not_found, "no notification " + std::to_string(id));
        return read_row(*q);
    }

    // An UPDATE of one pending row: ra.not_found, or ra.illegal_transition when it is delivered.
    Status update_pending(Statement& s, std::int64_t id) {
        YX_TRY(s.run());
        if (db.changes() == 1) return ok_status();
        YX_ASSIGN_OR_RETURN(ra::Notification n, find(id));
        return make_error(Errc::ra_illegal_transition, "notification " + std::to_string(id) + " was delivered at " +
                                                           format_rfc3339(n.delivered_at.value_or(TimePoint{})));
    }
};

SqliteOutboxStore::SqliteOutboxStore(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
SqliteOutboxStore::~SqliteOutboxStore() = default;

Result<std::unique_ptr<SqliteOutboxStore>> SqliteOutboxStore::open(const std::string& path,
                                                                   SqliteOutboxOptions options) {
    auto impl = std::make_unique<Impl>();
    YX_ASSIGN_OR_RETURN(impl->db, sqlite::open_database(path, options.busy_timeout_ms));
    YX_TRY(sqlite::migrate(impl->db, to_unix(std::chrono::system_clock::now())));
    YX_TRY(impl->prepare_all());
    return std::unique_ptr<SqliteOutboxStore>(new SqliteOutboxStore(std::move(impl)));
}

Result<std::vector<std::int64_t>> SqliteOutboxStore::enqueue(std::span<const ra::NewNotification> items,
                                                             TimePoint now) {
    YX_TRY(validate_all(items));
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    YX_ASSIGN_OR_RETURN(std::vector<std::int64_t> ids, insert_all(m_impl->db, m_impl->ins, items, to_unix(now)));
    YX_TRY(tx.commit());
    return ids;
}

Result<std::vector<ra::Notification>> SqliteOutboxStore::due(TimePoint now, std::size_t limit) {
    if (limit == 0 || limit > k_max_page) return make_error(Errc::invalid_argument, "page size must be 1..10000");
    std::lock_guard lock(m_impl->mu);
    // Read and claim under the write lock, so two workers never take the same row.
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    std::vector<ra::Notification> rows;
    {
        StatementUse q(m_impl->sel_due);
        q->bind(1, to_unix(now)).bind(2, static_cast<std::int64_t>(limit));
        YX_ASSIGN_OR_RETURN(rows, read_rows(*q));
    }
    const std::int64_t lease_end = to_unix(now + ra::k_claim_lease);
    for (const auto& n : rows) {
        StatementUse q(m_impl->upd_claim);
        q->bind(1, n.id).bind(2, lease_end);
        YX_TRY(q->run());
    }
    YX_TRY(tx.commit());
    return rows;
}

Status SqliteOutboxStore::mark_delivered(std::int64_t id, TimePoint at) {
    std::lock_guard lock(m_impl->mu);
    StatementUse q(m_impl->upd_delivered);
    q->bind(1, id).bind(2, to_unix(at));
    return m_impl->update_pending(*q, id);
}

Status SqliteOutboxStore::mark_failed(std::int64_t id, std::string_view error, TimePoint next_attempt_at) {
    std::lock_guard lock(m_impl->mu);
    StatementUse q(m_impl->upd_failed);
    q->bind(1, id).bind(2, error.substr(0, 2000)).bind(3, to_unix(next_attempt_at));
    return m_impl->update_pending(*q, id);
}

Status SqliteOutboxStore::retry_now(std::int64_t id, TimePoint now) {
    std::lock_guard lock(m_impl->mu);
    StatementUse q(m_impl->upd_retry);
    q->bind(1, id).bind(2, to_unix(now));
    return m_impl->update_pending(*q, id);
}

Result<std::vector<ra::Notification>> SqliteOutboxStore::list(const ra::NotificationFilter& filter) {
    if (filter.limit == 0 || filter.limit > k_max_page)
        return make_error(Errc::invalid_argument, "page size must be 1..10000");
    std::lock_guard lock(m_impl->mu);
    StatementUse q(m_impl->sel_list);
    // An empty string_view may have no data pointer, which SQLite would bind as NULL.
    q->bind(1, filter.state ? ra::notification_state_name(*filter.state) : std::string_view(""))
        .bind(2, filter.object_id)
        .bind(3, filter.after_id)
        .bind(4, static_cast<std::int64_t>(filter.limit));
    return read_rows(*q);
}

Result<ra::Notification> SqliteOutboxStore::find(std::int64_t id) {
    std::lock_guard lock(m_impl->mu);
    return m_impl->find(id);
}

Result<ra::OutboxCounts> SqliteOutboxStore::counts() {
    std::lock_guard lock(m_impl->mu);
    StatementUse q(m_impl->sel_counts);
    YX_ASSIGN_OR_RETURN(bool row, q->step());
    if (!row) return make_error(Errc::store_io, "notifications: no counts");
    return ra::OutboxCounts{q->column_int(0), q->column_int(1), q->column_int(2)};
}

}  // namespace yinxin::store
