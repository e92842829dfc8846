#include <mutex>

#include "sqlite/migrations.h"
#include "yinxin/store/sqlite_card_batch_store.h"

namespace yinxin::store {

using yinxin::sqlite::Database;
using yinxin::sqlite::Statement;
using yinxin::sqlite::StatementUse;
using yinxin::sqlite::Transaction;

namespace {

constexpr std::size_t k_max_page = 10'000;
constexpr std::string_view k_batch_columns =
    "id, content_sm3, mode, format, ca_id, profile_id, org_node, submitted_by, source, state, total, issued, "
    "failed, lease_owner, lease_until, created_at, updated_at, completed_at";
constexpr std::string_view k_item_columns =
    "i.line, i.card_number, i.id_number, i.name, i.key_kind, i.key_data, i.spki_sm3, i.status, i.serial, "
    "i.error_code, i.message";
constexpr int k_item_column_count = 11;

Error corrupt(std::string_view what) { return make_error(Errc::store_io, "store: corrupt row: " + std::string(what)); }

std::optional<ra::BatchState> batch_state_from(const std::string& t) {
    if (t == "pending") return ra::BatchState::pending;
    if (t == "processing") return ra::BatchState::processing;
    if (t == "done") return ra::BatchState::done;
    return std::nullopt;
}

std::optional<ra::ItemStatus> item_status_from(const std::string& t) {
    if (t == "pending") return ra::ItemStatus::pending;
    if (t == "issuing") return ra::ItemStatus::issuing;
    if (t == "issued") return ra::ItemStatus::issued;
    if (t == "failed") return ra::ItemStatus::failed;
    return std::nullopt;
}

std::optional<ra::KeyKind> key_kind_from(const std::string& t) {
    if (t == "spki") return ra::KeyKind::spki;
    if (t == "point") return ra::KeyKind::point;
    if (t == "pkcs10") return ra::KeyKind::pkcs10;
    return std::nullopt;
}

Result<ra::CardBatch> read_batch(const Statement& s) {
    ra::CardBatch b;
    b.id = s.column_text(0);
    b.content_sm3 = s.column_text(1);
    auto mode = ra::card_mode_from_number(s.column_int(2));
    auto state = batch_state_from(s.column_text(9));
    if (!mode || !state) return corrupt("card_batches " + b.id);
    b.mode = *mode;
    b.format = s.column_text(3);
    b.ca_id = s.column_text(4);
    b.profile_id = s.column_text(5);
    b.org_node = s.column_text(6);
    b.submitted_by = s.column_text(7);
    b.source = s.column_text(8);
    b.state = *state;
    b.total = s.column_int(10);
    b.issued = s.column_int(11);
    b.failed = s.column_int(12);
    if (!s.column_is_null(13)) b.lease_owner = s.column_text(13);
    if (!s.column_is_null(14)) b.lease_until = s.column_int(14);
    b.created_at = s.column_int(15);
    b.updated_at = s.column_int(16);
    if (!s.column_is_null(17)) b.completed_at = s.column_int(17);
    return b;
}

// The item columns (k_item_columns) starting at column `at`.
Result<ra::BatchItem> read_item(const Statement& s, int at = 0) {
    ra::BatchItem it;
    it.line = s.column_int(at);
    it.card_number = s.column_text(at + 1);
    it.id_number = s.column_text(at + 2);
    it.name = s.column_text(at + 3);
    auto kind = key_kind_from(s.column_text(at + 4));
    auto status = item_status_from(s.column_text(at + 7));
    if (!kind || !status) return corrupt("card_batch_items line " + std::to_string(it.line));
    it.key_kind = *kind;
    it.key_data = s.column_blob(at + 5);
    it.spki_sm3 = s.column_text(at + 6);
    it.status = *status;
    if (!s.column_is_null(at + 8)) it.serial_hex = s.column_text(at + 8);
    if (!s.column_is_null(at + 9)) it.error_code = static_cast<std::uint32_t>(s.column_int(at + 9));
    if (!s.column_is_null(at + 10)) it.message = s.column_text(at + 10);
    return it;
}

Result<ra::CardRecord> read_card(const Statement& s) {
    ra::CardRecord r;
    r.card_number = s.column_text(0);
    r.id_number = s.column_text(1);
    r.name = s.column_text(2);
    r.division_code = s.column_text(3);
    r.org_node = s.column_text(4);
    r.imported_by = s.column_text(5);
    r.imported_at = s.column_int(6);
    return r;
}

bool same_holder(const ra::CardRecord& a, const ra::CardRecord& b) {
    return a.id_number == b.id_number && a.name == b.name && a.division_code == b.division_code &&
           a.org_node == b.org_node;
}

}  // namespace

struct SqliteCardBatchStore::Impl {
    std::mutex mu;
    Database db;
    Statement sel_card, ins_card, ins_batch, ins_item, sel_batch, sel_batch_content, sel_unfinished, upd_lease,
        upd_release, sel_open, upd_item, upd_counters, upd_reopen_items, upd_reopen_batch, sel_cert_request,
        sel_issued_card, sel_results, sel_latest;

    Status prepare_all() {
        const std::string bc(k_batch_columns);
        const std::string ic(k_item_columns);
        struct Def {
            Statement* s;
            std::string sql;
        };
        const Def defs[] = {
            {&sel_card,
             "SELECT card_number, id_number, name, division_code, org_node, imported_by, imported_at "
             "FROM card_records WHERE card_number = ?1"},
            {&ins_card,
             "INSERT INTO card_records (card_number, id_number, name, division_code, org_node, imported_by, "
             "imported_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"},
            {&ins_batch,
             "INSERT INTO card_batches (id, content_sm3, mode, format, ca_id, profile_id, org_node, submitted_by, "
             "source, state, total, issued, failed, created_at, updated_at) "
             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'pending', ?10, 0, 0, ?11, ?11)"},
            {&ins_item,
             "INSERT INTO card_batch_items (batch_id, line, card_number, id_number, name, key_kind, key_data, "
             "spki_sm3, status, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'pending', ?9)"},
            {&sel_batch, "SELECT " + bc + " FROM card_batches WHERE id = ?1"},
            {&sel_batch_content, "SELECT " + bc + " FROM card_batches WHERE content_sm3 = ?1"},
            {&sel_unfinished, "SELECT id FROM card_batches WHERE state <> 'done' ORDER BY created_at, rowid"},
            {&upd_lease,
             "UPDATE card_batches SET lease_owner = ?2, lease_until = ?3 WHERE id = ?1 AND "
             "(lease_owner IS NULL OR lease_owner = ?2 OR lease_until < ?4 OR ?5 = 1)"},
            {&upd_release,
             "UPDATE card_batches SET lease_owner = NULL, lease_until = NULL WHERE id = ?1 AND lease_owner = ?2"},
            {&sel_open, "SELECT " + ic +
                            " FROM card_batch_items i WHERE i.batch_id = ?1 AND i.status IN ('pending', 'issuing') "
                            "ORDER BY i.line LIMIT ?2"},
            {&upd_item,
             "UPDATE card_batch_items SET status = ?3, serial = ?4, error_code = ?5, message = ?6, updated_at = ?7 "
             "WHERE batch_id = ?1 AND line = ?2 AND status IN ('pending', 'issuing')"},
            // SQLite evaluates every SET expression on the row as it was.
            {&upd_counters,
             "UPDATE card_batches SET issued = issued + ?2, failed = failed + ?3, updated_at = ?4, "
             "state = CASE WHEN issued + failed + ?2 + ?3 = total THEN 'done' ELSE 'processing' END, "
             "completed_at = CASE WHEN issued + failed + ?2 + ?3 = total THEN ?4 ELSE NULL END WHERE id = ?1"},
            {&upd_reopen_items,
             "UPDATE card_batch_items SET status = 'pending', error_code = NULL, message = NULL, updated_at = ?2 "
             "WHERE batch_id = ?1 AND status = 'failed'"},
            {&upd_reopen_batch,
             "UPDATE card_batches SET failed = failed - ?2, state = 'processing', completed_at = NULL, "
             "updated_at = ?3 WHERE id = ?1"},
            {&sel_cert_request,
             "SELECT status, serial FROM certificates WHERE ca_id = ?1 AND request_id = ?2 ORDER BY CASE status "
             "WHEN 'issued' THEN 0 WHEN 'pending' THEN 1 ELSE 2 END, id DESC LIMIT 1"},
            {&sel_issued_card,
             "SELECT batch_id, line, serial FROM card_batch_items WHERE card_number = ?1 AND spki_sm3 = ?2 AND "
             "status = 'issued' LIMIT 1"},
            {&sel_results, "SELECT " + ic +
                               ", c.certificate_der FROM card_batch_items i JOIN card_batches b ON b.id = i.batch_id "
                               "LEFT JOIN certificates c ON c.ca_id = b.ca_id AND c.serial = i.serial "
                               "WHERE i.batch_id = ?1 AND i.line > ?2 ORDER BY i.line LIMIT ?3"},
            {&sel_latest, "SELECT " + ic +
                              ", c.certificate_der, b.ca_id FROM card_batch_items i JOIN card_batches b ON b.id = "
                              "i.batch_id JOIN certificates c ON c.ca_id = b.ca_id AND c.serial = i.serial "
                              "WHERE i.card_number = ?1 AND i.status = 'issued' ORDER BY i.updated_at DESC, c.id "
                              "DESC LIMIT 1"},
        };
        for (const Def& d : defs) {
            YX_ASSIGN_OR_RETURN(*d.s, db.prepare(d.sql));
        }
        return ok_status();
    }

    Result<std::optional<ra::CardBatch>> one_batch(Statement& s, std::string_view key) {
        StatementUse q(s);
        q->bind(1, key);
        YX_ASSIGN_OR_RETURN(bool row, q->step());
        if (!row) return std::optional<ra::CardBatch>{};
        YX_ASSIGN_OR_RETURN(ra::CardBatch b, read_batch(*q));
        return std::optional<ra::CardBatch>(std::move(b));
    }

    Result<ra::CardBatch> existing_batch(std::string_view id) {
        YX_ASSIGN_OR_RETURN(auto b, one_batch(sel_batch, id));
        if (!b) return make_error(Errc::ra_not_found, "no card batch '" + std::string(id) + "'");
        return std::move(*b);
    }
};

SqliteCardBatchStore::SqliteCardBatchStore(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
SqliteCardBatchStore::~SqliteCardBatchStore() = default;

Result<std::unique_ptr<SqliteCardBatchStore>> SqliteCardBatchStore::open(const std::string& path,
                                                                         SqliteCardBatchOptions options) {
    auto impl = std::make_unique<Impl>();
    YX_ASSIGN_OR_RETURN(impl->db, sqlite::open_database(path, options.busy_timeout_ms));
    YX_TRY(sqlite::migrate(impl->db, to_unix(SystemClock().now())));
    YX_TRY(impl->prepare_all());
    return std::unique_ptr<SqliteCardBatchStore>(new SqliteCardBatchStore(std::move(impl)));
}

Result<ra::CardImportCounts> SqliteCardBatchStore::import_card_records(std::span<const ra::CardRecord> records) {
    std::lock_guard lock(m_impl->mu);
    ra::CardImportCounts counts;
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    for (const ra::CardRecord& r : records) {
        {
            StatementUse q(m_impl->sel_card);
            q->bind(1, r.card_number);
            YX_ASSIGN_OR_RETURN(bool row, q->step());
            if (row) {
                YX_ASSIGN_OR_RETURN(ra::CardRecord old, read_card(*q));
                if (!same_holder(old, r))
                    return make_error(Errc::ra_duplicate, "card " + r.card_number +
                                                              " is in the card-issuance data already, with other "
                                                              "holder data (nothing imported)");
                ++counts.unchanged;
                continue;
            }
        }
        StatementUse q(m_impl->ins_card);
        q->bind(1, r.card_number)
            .bind(2, r.id_number)
            .bind(3, r.name)
            .bind(4, r.division_code)
            .bind(5, r.org_node)
            .bind(6, r.imported_by)
            .bind(7, r.imported_at);
        YX_TRY(q->run());
        ++counts.added;
    }
    YX_TRY(tx.commit());
    return counts;
}

Result<std::optional<ra::CardRecord>> SqliteCardBatchStore::card_record(std::string_view card_number) {
    std::lock_guard lock(m_impl->mu);
    StatementUse q(m_impl->sel_card);
    q->bind(1, card_number);
    YX_ASSIGN_OR_RETURN(bool row, q->step());
    if (!row) return std::optional<ra::CardRecord>{};
    YX_ASSIGN_OR_RETURN(ra::CardRecord r, read_card(*q));
    return std::optional<ra::CardRecord>(std::move(r));
}

Status SqliteCardBatchStore::create_batch(const ra::CardBatch& b, std::span<const ra::BatchItem> items) {
    if (items.empty() || static_cast<std::int64_t>(items.size()) != b.total)
        return make_error(Errc::invalid_argument, "a batch's total must be its number of items (at least one)");
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    // Checked under the write lock: a second submission of the same file finds the first.
    for (auto* s : {&m_impl->sel_batch_content, &m_impl->sel_batch}) {
        YX_ASSIGN_OR_RETURN(auto existing, m_impl->one_batch(*s, s == &m_impl->sel_batch ? b.id : b.content_sm3));
        if (existing)
            return make_error(Errc::ra_duplicate, "batch " + existing->id + " has the same content or id already");
    }
    {
        StatementUse q(m_impl->ins_batch);
        q->bind(1, b.id)
            .bind(2, b.content_sm3)
            .bind(3, std::int64_t{static_cast<int>(b.mode)})
            .bind(4, b.format)
            .bind(5, b.ca_id)
            .bind(6, b.profile_id)
            .bind(7, b.org_node)
            .bind(8, b.submitted_by)
            .bind(9, b.source)
            .bind(10, b.total)
            .bind(11, b.created_at);
        auto st = q->run();
        if (!st.ok() && st.code() == Errc::store_conflict)
            return make_error(Errc::ca_not_found, "batch " + b.id + " names CA '" + b.ca_id + "', which is unknown");
        YX_TRY(st);
    }
    for (const ra::BatchItem& it : items) {
        StatementUse q(m_impl->ins_item);
        q->bind(1, b.id)
            .bind(2, it.line)
            .bind(3, it.card_number)
            .bind(4, it.id_number)
            .bind(5, it.name)
            .bind(6, ra::key_kind_name(it.key_kind))
            .bind_blob(7, it.key_data)
            .bind(8, it.spki_sm3)
            .bind(9, b.created_at);
        YX_TRY(q->run());
    }
    return tx.commit();
}

Result<ra::CardBatch> SqliteCardBatchStore::batch(std::string_view id) {
    std::lock_guard lock(m_impl->mu);
    return m_impl->existing_batch(id);
}

Result<std::optional<ra::CardBatch>> SqliteCardBatchStore::batch_by_content(std::string_view content_sm3) {
    std::lock_guard lock(m_impl->mu);
    return m_impl->one_batch(m_impl->sel_batch_content, content_sm3);
}

Result<std::vector<std::string>> SqliteCardBatchStore::unfinished_batches() {
    std::lock_guard lock(m_impl->mu);
    StatementUse q(m_impl->sel_unfinished);
    std::vector<std::string> out;
    for (;;) {
        YX_ASSIGN_OR_RETURN(bool row, q->step());
        if (!row) break;
        out.push_back(q->column_text(0));
    }
    return out;
}

Status SqliteCardBatchStore::acquire_lease(std::string_view id, std::string_view owner, std::int64_t now,
                                           std::int64_t until, bool take_over) {
    std::lock_guard lock(m_impl->mu);
    {
        StatementUse q(m_impl->upd_lease);
        q->bind(1, id).bind(2, owner).bind(3, until).bind(4, now).bind(5, std::int64_t{take_over ? 1 : 0});
        YX_TRY(q->run());
        if (m_impl->db.changes() == 1) return ok_status();
    }
    YX_ASSIGN_OR_RETURN(ra::CardBatch b, m_impl->existing_batch(id));
    return make_error(Errc::ra_conflict, "batch " + b.id + " is being processed by " + b.lease_owner +
                                             " (lease until " + format_rfc3339(from_unix(b.lease_until)) +
                                             "); when that process is known to be gone, take it over");
}

Status SqliteCardBatchStore::release_lease(std::string_view id, std::string_view owner) {
    std::lock_guard lock(m_impl->mu);
    StatementUse q(m_impl->upd_release);
    q->bind(1, id).bind(2, owner);
    return q->run();
}

Result<std::vector<ra::BatchItem>> SqliteCardBatchStore::open_items(std::string_view id, std::size_t limit) {
    if (limit == 0 || limit > k_max_page) return make_error(Errc::invalid_argument, "page size must be 1..10000");
    std::lock_guard lock(m_impl->mu);
    StatementUse q(m_impl->sel_open);
    q->bind(1, id).bind(2, static_cast<std::int64_t>(limit));
    std::vector<ra::BatchItem> out;
    for (;;) {
        YX_ASSIGN_OR_RETURN(bool row, q->step());
        if (!row) break;
        YX_ASSIGN_OR_RETURN(ra::BatchItem it, read_item(*q));
        out.push_back(std::move(it));
    }
    return out;
}

Result<ra::CardBatch> SqliteCardBatchStore::update_items(std::string_view id, std::span<const ra::ItemUpdate> updates,
                                                         std::int64_t now) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    YX_TRY(m_impl->existing_batch(id));
    std::int64_t issued = 0;
    std::int64_t failed = 0;
    for (const ra::ItemUpdate& u : updates) {
        StatementUse q(m_impl->upd_item);
        q->bind(1, id).bind(2, u.line).bind(3, ra::item_status_name(u.status));
        if (u.status == ra::ItemStatus::issued) {
            q->bind(4, u.serial_hex);
            ++issued;
        } else {
            q->bind_null(4);
        }
        if (u.status == ra::ItemStatus::failed) {
            q->bind(5, std::int64_t{u.error_code}).bind(6, u.message);
            ++failed;
        } else {
            q->bind_null(5).bind_null(6);
        }
        q->bind(7, now);
        YX_TRY(q->run());
        if (m_impl->db.changes() != 1)
            return make_error(Errc::ra_conflict, "item on line " + std::to_string(u.line) + " of batch " +
                                                     std::string(id) + " is not open (done by another run?)");
    }
    {
        StatementUse q(m_impl->upd_counters);
        q->bind(1, id).bind(2, issued).bind(3, failed).bind(4, now);
        YX_TRY(q->run());
    }
    YX_ASSIGN_OR_RETURN(ra::CardBatch b, m_impl->existing_batch(id));
    YX_TRY(tx.commit());
    return b;
}

Result<ra::CardBatch> SqliteCardBatchStore::reopen_failed(std::string_view id, std::int64_t now) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    YX_TRY(m_impl->existing_batch(id));
    std::int64_t reopened = 0;
    {
        StatementUse q(m_impl->upd_reopen_items);
        q->bind(1, id).bind(2, now);
        YX_TRY(q->run());
        reopened = m_impl->db.changes();
    }
    if (reopened == 0)
        return make_error(Errc::ra_illegal_transition, "batch " + std::string(id) + " has no failed items");
    {
        StatementUse q(m_impl->upd_reopen_batch);
        q->bind(1, id).bind(2, reopened).bind(3, now);
        YX_TRY(q->run());
    }
    YX_ASSIGN_OR_RETURN(ra::CardBatch b, m_impl->existing_batch(id));
    YX_TRY(tx.commit());
    return b;
}

Result<std::optional<ra::IssuedRef>> SqliteCardBatchStore::certificate_for_request(std::string_view ca_id,
                                                                                   std::string_view request_id) {
    std::lock_guard lock(m_impl->mu);
    StatementUse q(m_impl->sel_cert_request);
    q->bind(1, ca_id).bind(2, request_id);
    YX_ASSIGN_OR_RETURN(bool row, q->step());
    if (!row) return std::optional<ra::IssuedRef>{};
    ra::IssuedRef ref;
    const std::string status = q->column_text(0);
    ref.status = status == "issued"   ? ca::CertificateStatus::issued
                 : status == "failed" ? ca::CertificateStatus::failed
                                      : ca::CertificateStatus::pending;
    ref.serial_hex = q->column_text(1);
    return std::optional<ra::IssuedRef>(std::move(ref));
}

Result<std::optional<ra::PriorIssue>> SqliteCardBatchStore::issued_for_card(std::string_view card_number,
                                                                            std::string_view spki_sm3) {
    std::lock_guard lock(m_impl->mu);
    StatementUse q(m_impl->sel_issued_card);
    q->bind(1, card_number).bind(2, spki_sm3);
    YX_ASSIGN_OR_RETURN(bool row, q->step());
    if (!row) return std::optional<ra::PriorIssue>{};
    return std::optional<ra::PriorIssue>(ra::PriorIssue{q->column_text(0), q->column_int(1), q->column_text(2)});
}

Result<std::vector<ra::ResultRow>> SqliteCardBatchStore::result_rows(std::string_view id, std::int64_t after_line,
                                                                     std::size_t limit) {
    if (limit == 0 || limit > k_max_page) return make_error(Errc::invalid_argument, "page size must be 1..10000");
    std::lock_guard lock(m_impl->mu);
    StatementUse q(m_impl->sel_results);
    q->bind(1, id).bind(2, after_line).bind(3, static_cast<std::int64_t>(limit));
    std::vector<ra::ResultRow> out;
    for (;;) {
        YX_ASSIGN_OR_RETURN(bool row, q->step());
        if (!row) break;
        ra::ResultRow r;
        YX_ASSIGN_OR_RETURN(r.item, read_item(*q));
        if (!q->column_is_null(k_item_column_count)) r.certificate_der = q->column_blob(k_item_column_count);
        if (r.item.status == ra::ItemStatus::issued && r.certificate_der.empty())
            return corrupt("card_batch_items line " + std::to_string(r.item.line) + ": issued without a certificate");
        out.push_back(std::move(r));
    }
    return out;
}

Result<std::optional<std::pair<ra::ResultRow, std::string>>> SqliteCardBatchStore::latest_for_card(
    std::string_view card_number) {
    std::lock_guard lock(m_impl->mu);
    StatementUse q(m_impl->sel_latest);
    q->bind(1, card_number);
    YX_ASSIGN_OR_RETURN(bool row, q->step());
    if (!row) return std::optional<std::pair<ra::ResultRow, std::string>>{};
    ra::ResultRow r;
    YX_ASSIGN_OR_RETURN(r.item, read_item(*q));
    r.certificate_der = q->column_blob(k_item_column_count);
    return std::optional<std::pair<ra::ResultRow, std::string>>(
        std::make_pair(std::move(r), q->column_text(k_item_column_count + 1)));
}

}  // namespace yinxin::store
