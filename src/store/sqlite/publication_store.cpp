#include <algorithm>
#include <mutex>

#include "sqlite/migrations.h"
#include "yinxin/store/sqlite_publication_store.h"

namespace yinxin::store {

using yinxin::sqlite::Database;
using yinxin::sqlite::Statement;
using yinxin::sqlite::StatementUse;
using yinxin::sqlite::Transaction;

namespace {

constexpr std::size_t k_max_page = 10'000;
constexpr std::string_view k_item_columns =
    "id, target_id, object_kind, ca_id, object_id, state, attempts, next_attempt_at, last_error, created_at, done_at";

std::optional<publish::ObjectKind> object_kind_from(const std::string& t) {
    if (t == "certificate") return publish::ObjectKind::certificate;
    if (t == "ca_certificate") return publish::ObjectKind::ca_certificate;
    if (t == "crl") return publish::ObjectKind::crl;
    return std::nullopt;
}

std::optional<publish::ItemState> state_from(const std::string& t) {
    if (t == "pending") return publish::ItemState::pending;
    if (t == "done") return publish::ItemState::done;
    if (t == "skipped") return publish::ItemState::skipped;
    return std::nullopt;
}

ca::CrlScope scope_from(const std::string& t) {
    if (t == "delta") return ca::CrlScope::delta;
    if (t == "arl") return ca::CrlScope::arl;
    return ca::CrlScope::full;
}

Result<publish::QueueItem> read_item(const Statement& s) {
    publish::QueueItem it;
    it.id = s.column_int(0);
    it.target_id = s.column_text(1);
    auto kind = object_kind_from(s.column_text(2));
    auto state = state_from(s.column_text(5));
    if (!kind || !state)
        return make_error(Errc::store_io, "publication_queue row " + std::to_string(it.id) + ": corrupt");
    it.object_kind = *kind;
    it.ca_id = s.column_text(3);
    if (!s.column_is_null(4)) it.object_id = s.column_int(4);
    it.state = *state;
    it.attempts = s.column_int(6);
    it.next_attempt_at = s.column_int(7);
    if (!s.column_is_null(8)) it.last_error = s.column_text(8);
    it.created_at = s.column_int(9);
    if (!s.column_is_null(10)) it.done_at = s.column_int(10);
    return it;
}

Result<std::vector<publish::QueueItem>> read_items(Statement& s) {
    std::vector<publish::QueueItem> out;
    for (;;) {
        YX_ASSIGN_OR_RETURN(bool row, s.step());
        if (!row) break;
        YX_ASSIGN_OR_RETURN(publish::QueueItem it, read_item(s));
        out.push_back(std::move(it));
    }
    return out;
}

bool valid_target_id(std::string_view id) {
    return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
               c == '-';
    });
}

}  // namespace

struct SqlitePublicationStore::Impl {
    std::mutex mu;
    Database db;
    SystemClock system_clock;
    const Clock* clock = nullptr;
    Statement ins_target, backfill_cas, backfill_crls, sel_targets, upd_enabled, sel_pending, sel_cert, sel_ca, sel_crl,
        upd_done, upd_skipped, upd_failed, upd_requeue, sel_items, sel_counts, ins_opt_out;

    std::int64_t now() const { return to_unix(clock->now()); }

    Status prepare_all() {
        const std::string ic(k_item_columns);
        struct Def {
            Statement* s;
            std::string sql;
        };
        const Def defs[] = {
            {&ins_target,
             "INSERT INTO publication_targets (id, kind, config, enabled, created_at) VALUES (?1, ?2, ?3, ?4, ?5)"},
            // A new target gets the CA certificates (parents first: creation order) ...
            {&backfill_cas,
             "INSERT INTO publication_queue (target_id, object_kind, ca_id, object_id, state, created_at) "
             "SELECT ?1, 'ca_certificate', id, NULL, 'pending', ?2 FROM cas ORDER BY created_at, rowid"},
            // ... then the newest full CRL and ARL of each CA, and its newest delta when it is newer
            // than that full CRL (an older delta is superseded).
            {&backfill_crls,
             "INSERT INTO publication_queue (target_id, object_kind, ca_id, object_id, state, created_at) "
             "SELECT ?1, 'crl', c.ca_id, c.id, 'pending', ?2 FROM crls c "
             "WHERE c.crl_number = (SELECT MAX(c2.crl_number) FROM crls c2 WHERE c2.ca_id = c.ca_id AND c2.scope = "
             "c.scope) AND (c.scope <> 'delta' OR c.crl_number > (SELECT COALESCE(MAX(c3.crl_number), 0) FROM crls c3 "
             "WHERE c3.ca_id = c.ca_id AND c3.scope = 'full')) ORDER BY c.id"},
            {&sel_targets, "SELECT id, kind, config, enabled, created_at FROM publication_targets ORDER BY id"},
            {&upd_enabled, "UPDATE publication_targets SET enabled = ?2 WHERE id = ?1"},
            {&sel_pending,
             "SELECT " + ic +
                 " FROM publication_queue WHERE target_id = ?1 AND state = 'pending' ORDER BY id LIMIT ?2"},
            {&sel_cert,
             "SELECT c.certificate_der, c.serial, c.request_id, c.status, a.certificate_der, "
             "EXISTS (SELECT 1 FROM publication_opt_outs o WHERE (o.ca_id = c.ca_id AND o.serial = c.serial) OR "
             "o.request_id = c.request_id) FROM certificates c JOIN cas a ON a.id = c.ca_id WHERE c.id = ?1"},
            {&sel_ca, "SELECT certificate_der FROM cas WHERE id = ?1"},
            {&sel_crl,
             "SELECT r.ca_id, r.crl_der, r.scope, r.crl_number, r.delta_base, r.this_update, r.next_update, "
             "a.certificate_der FROM crls r JOIN cas a ON a.id = r.ca_id WHERE r.id = ?1"},
            {&upd_done,
             "UPDATE publication_queue SET state = 'done', done_at = ?2 WHERE id = ?1 AND state = 'pending'"},
            {&upd_skipped,
             "UPDATE publication_queue SET state = 'skipped', done_at = ?2, last_error = ?3 "
             "WHERE id = ?1 AND state = 'pending'"},
            {&upd_failed,
             "UPDATE publication_queue SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3 "
             "WHERE id = ?1 AND state = 'pending'"},
            {&upd_requeue,
             "UPDATE publication_queue SET state = 'pending', done_at = NULL, next_attempt_at = 0 WHERE id = ?1"},
            {&sel_items, "SELECT " + ic +
                             " FROM publication_queue WHERE (?1 = '' OR target_id = ?1) AND (?2 = 0 OR state = "
                             "'pending') AND id > ?3 ORDER BY id LIMIT ?4"},
            {&sel_counts,
             "SELECT target_id, state, COUNT(*) FROM publication_queue GROUP BY target_id, state "
             "ORDER BY target_id, state"},
            {&ins_opt_out,
             "INSERT INTO publication_opt_outs (ca_id, serial, request_id, reason, created_at) "
             "VALUES (?1, ?2, ?3, ?4, ?5)"},
        };
        for (const Def& d : defs) {
            YX_ASSIGN_OR_RETURN(*d.s, db.prepare(d.sql));
        }
        return ok_status();
    }

    // An UPDATE of one pending row: store.not_found / store.conflict when it changed nothing.
    Status update_pending(Statement& s, std::int64_t item_id) {
        YX_TRY(s.run());
        if (db.changes() == 1) return ok_status();
        return make_error(Errc::store_conflict,
                          "publication row " + std::to_string(item_id) + " does not exist or is not pending");
    }
};

SqlitePublicationStore::SqlitePublicationStore(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
SqlitePublicationStore::~SqlitePublicationStore() = default;

Result<std::unique_ptr<SqlitePublicationStore>> SqlitePublicationStore::open(const std::string& path,
                                                                             SqlitePublicationOptions options) {
    auto impl = std::make_unique<Impl>();
    impl->clock = options.clock != nullptr ? options.clock : &impl->system_clock;
    YX_ASSIGN_OR_RETURN(impl->db, sqlite::open_database(path, options.busy_timeout_ms));
    YX_TRY(sqlite::migrate(impl->db, impl->now()));
    YX_TRY(impl->prepare_all());
    return std::unique_ptr<SqlitePublicationStore>(new SqlitePublicationStore(std::move(impl)));
}

Status SqlitePublicationStore::add_target(const publish::Target& target) {
    if (!valid_target_id(target.id))
        return make_error(Errc::invalid_argument,
                          "target id '" + target.id + "': 1..64 characters of A-Z, a-z, 0-9, '.', '_', '-'");
    std::lock_guard lock(m_impl->mu);
    const std::int64_t now = m_impl->now();
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    {
        StatementUse q(m_impl->ins_target);
        q->bind(1, target.id)
            .bind(2, publish::target_kind_name(target.kind))
            .bind(3, target.config)
            .bind(4, std::int64_t{target.enabled ? 1 : 0})
            .bind(5, now);
        auto s = q->run();
        if (!s.ok()) {
            if (s.code() == Errc::store_conflict)
                return make_error(Errc::store_conflict, "publication target '" + target.id + "' exists");
            return s;
        }
    }
    if (target.enabled) {
        for (Statement* s : {&m_impl->backfill_cas, &m_impl->backfill_crls}) {
            StatementUse q(*s);
            q->bind(1, target.id).bind(2, now);
            YX_TRY(q->run());
        }
    }
    return tx.commit();
}

Result<std::vector<publish::Target>> SqlitePublicationStore::list_targets() {
    std::lock_guard lock(m_impl->mu);
    StatementUse q(m_impl->sel_targets);
    std::vector<publish::Target> out;
    for (;;) {
        YX_ASSIGN_OR_RETURN(bool row, q->step());
        if (!row) break;
        publish::Target t;
        t.id = q->column_text(0);
        t.kind = q->column_text(1) == "callback" ? publish::TargetKind::callback : publish::TargetKind::ldap;
        t.config = q->column_text(2);
        t.enabled = q->column_int(3) != 0;
        t.created_at = q->column_int(4);
        out.push_back(std::move(t));
    }
    return out;
}

Status SqlitePublicationStore::set_target_enabled(std::string_view id, bool enabled) {
    std::lock_guard lock(m_impl->mu);
    StatementUse q(m_impl->upd_enabled);
    q->bind(1, id).bind(2, std::int64_t{enabled ? 1 : 0});
    YX_TRY(q->run());
    if (m_impl->db.changes() != 1)
        return make_error(Errc::store_not_found, "no publication target '" + std::string(id) + "'");
    return ok_status();
}

Result<std::vector<publish::QueueItem>> SqlitePublicationStore::next_due(std::string_view target_id, std::int64_t now,
                                                                         std::size_t limit) {
    if (limit == 0 || limit > k_max_page) return make_error(Errc::invalid_argument, "page size must be 1..10000");
    std::lock_guard lock(m_impl->mu);
    StatementUse q(m_impl->sel_pending);
    q->bind(1, target_id).bind(2, static_cast<std::int64_t>(limit));
    YX_ASSIGN_OR_RETURN(std::vector<publish::QueueItem> items, read_items(*q));
    // Order is kept: nothing after a row that waits for its next attempt.
    auto waiting = std::find_if(items.begin(), items.end(),
                                [now](const publish::QueueItem& it) { return it.next_attempt_at > now; });
    items.erase(waiting, items.end());
    return items;
}

Result<publish::PublishObject> SqlitePublicationStore::load(const publish::QueueItem& item) {
    std::lock_guard lock(m_impl->mu);
    publish::PublishObject o;
    o.kind = item.object_kind;
    o.ca_id = item.ca_id;
    const std::string what =
        std::string(publish::object_kind_name(item.object_kind)) + " of publication row " + std::to_string(item.id);
    switch (item.object_kind) {
        case publish::ObjectKind::certificate: {
            if (!item.object_id) return make_error(Errc::store_io, what + ": no object id");
            StatementUse q(m_impl->sel_cert);
            q->bind(1, *item.object_id);
            YX_ASSIGN_OR_RETURN(bool row, q->step());
            if (!row || q->column_text(3) != "issued") return make_error(Errc::store_not_found, what + ": not found");
            o.der = q->column_blob(0);
            auto serial = hex_decode(q->column_text(1));
            if (!serial) return make_error(Errc::store_io, what + ": bad serial");
            o.serial = std::move(serial).value();
            o.request_id = q->column_text(2);
            o.ca_certificate_der = q->column_blob(4);
            o.opted_out = q->column_int(5) != 0;
            return o;
        }
        case publish::ObjectKind::ca_certificate: {
            StatementUse q(m_impl->sel_ca);
            q->bind(1, item.ca_id);
            YX_ASSIGN_OR_RETURN(bool row, q->step());
            if (!row) return make_error(Errc::store_not_found, what + ": no CA '" + item.ca_id + "'");
            o.der = q->column_blob(0);
            o.ca_certificate_der = o.der;
            return o;
        }
        case publish::ObjectKind::crl: {
            if (!item.object_id) return make_error(Errc::store_io, what + ": no object id");
            StatementUse q(m_impl->sel_crl);
            q->bind(1, *item.object_id);
            YX_ASSIGN_OR_RETURN(bool row, q->step());
            if (!row) return make_error(Errc::store_not_found, what + ": not found");
            o.ca_id = q->column_text(0);
            o.der = q->column_blob(1);
            o.scope = scope_from(q->column_text(2));
            o.crl_number = static_cast<std::uint64_t>(q->column_int(3));
            if (!q->column_is_null(4)) o.delta_base = static_cast<std::uint64_t>(q->column_int(4));
            o.this_update = q->column_int(5);
            o.next_update = q->column_int(6);
            o.ca_certificate_der = q->column_blob(7);
            return o;
        }
    }
    return make_error(Errc::internal, what + ": unknown kind");
}

Status SqlitePublicationStore::mark_done(std::int64_t item_id, std::int64_t now) {
    std::lock_guard lock(m_impl->mu);
    StatementUse q(m_impl->upd_done);
    q->bind(1, item_id).bind(2, now);
    return m_impl->update_pending(*q, item_id);
}

Status SqlitePublicationStore::mark_skipped(std::int64_t item_id, std::string_view reason, std::int64_t now) {
    std::lock_guard lock(m_impl->mu);
    StatementUse q(m_impl->upd_skipped);
    q->bind(1, item_id).bind(2, now).bind(3, reason);
    return m_impl->update_pending(*q, item_id);
}

Status SqlitePublicationStore::mark_failed(std::int64_t item_id, std::string_view error, std::int64_t next_attempt_at) {
    std::lock_guard lock(m_impl->mu);
    StatementUse q(m_impl->upd_failed);
    q->bind(1, item_id).bind(2, error).bind(3, next_attempt_at);
    return m_impl->update_pending(*q, item_id);
}

Status SqlitePublicationStore::requeue(std::int64_t item_id) {
    std::lock_guard lock(m_impl->mu);
    StatementUse q(m_impl->upd_requeue);
    q->bind(1, item_id);
    YX_TRY(q->run());
    if (m_impl->db.changes() != 1)
        return make_error(Errc::store_not_found, "no publication row " + std::to_string(item_id));
    return ok_status();
}

Result<std::vector<publish::QueueItem>> SqlitePublicationStore::list_items(const publish::QueueFilter& filter) {
    if (filter.limit == 0 || filter.limit > k_max_page)
        return make_error(Errc::invalid_argument, "page size must be 1..10000");
    std::lock_guard lock(m_impl->mu);
    StatementUse q(m_impl->sel_items);
    q->bind(1, filter.target_id)
        .bind(2, std::int64_t{filter.pending_only ? 1 : 0})
        .bind(3, filter.after_id)
        .bind(4, static_cast<std::int64_t>(filter.limit));
    return read_items(*q);
}

Result<std::vector<publish::PublicationQueue::Count>> SqlitePublicationStore::counts() {
    std::lock_guard lock(m_impl->mu);
    StatementUse q(m_impl->sel_counts);
    std::vector<Count> out;
    for (;;) {
        YX_ASSIGN_OR_RETURN(bool row, q->step());
        if (!row) break;
        auto state = state_from(q->column_text(1));
        if (!state) return make_error(Errc::store_io, "publication_queue: corrupt state");
        out.push_back(Count{q->column_text(0), *state, q->column_int(2)});
    }
    return out;
}

Status SqlitePublicationStore::add_opt_out(const publish::OptOut& o) {
    const bool by_certificate = !o.ca_id.empty() || !o.serial.empty();
    if (by_certificate == !o.request_id.empty() || (by_certificate && (o.ca_id.empty() || o.serial.empty())))
        return make_error(Errc::invalid_argument, "an opt-out names a certificate (CA and serial) or a request id");
    std::lock_guard lock(m_impl->mu);
    StatementUse q(m_impl->ins_opt_out);
    if (by_certificate) {
        q->bind(1, o.ca_id).bind(2, hex_encode(o.serial)).bind_null(3);
    } else {
        q->bind_null(1).bind_null(2).bind(3, o.request_id);
    }
    q->bind(4, o.reason).bind(5, m_impl->now());
    auto s = q->run();
    if (!s.ok() && s.code() == Errc::store_conflict)
        return make_error(Errc::store_conflict,
                          by_certificate
                              ? "certificate " + hex_encode(o.serial) + " of CA '" + o.ca_id + "' has opted out already"
                              : "request '" + o.request_id + "' has opted out already");
    return s;
}

}  // namespace yinxin::store
