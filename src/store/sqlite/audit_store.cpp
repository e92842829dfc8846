#include <algorithm>
#include <chrono>
#include <climits>
#include <filesystem>
#include <mutex>

#include "sqlite/migrations.h"
#include "yinxin/store/sqlite_audit_store.h"

namespace yinxin::store {

using yinxin::sqlite::Database;
using yinxin::sqlite::Statement;
using yinxin::sqlite::StatementUse;
using yinxin::sqlite::Transaction;

namespace {

constexpr std::size_t k_max_page = 10'000;
constexpr std::string_view k_columns =
    "id, seq, time_ms, source, actor, role, action, target, detail, success, error_code, prev_hash, record_hash";

audit::AuditRecord read_record(Statement& s) {
    audit::AuditRecord r;
    r.row_id = s.column_int(0);
    r.seq = static_cast<std::uint64_t>(s.column_int(1));
    r.time = audit::from_unix_ms(s.column_int(2));
    r.source = s.column_text(3);
    r.actor = s.column_text(4);
    r.role = s.column_text(5);
    r.action = s.column_text(6);
    r.target = s.column_text(7);
    r.detail = s.column_text(8);
    r.success = s.column_int(9) != 0;
    r.error_code = static_cast<std::uint32_t>(s.column_int(10));
    r.prev_hash = s.column_blob(11);
    r.record_hash = s.column_blob(12);
    return r;
}

Result<std::vector<audit::AuditRecord>> read_all(Statement& s) {
    std::vector<audit::AuditRecord> out;
    for (;;) {
        YX_ASSIGN_OR_RETURN(bool row, s.step());
        if (!row) break;
        out.push_back(read_record(s));
    }
    return out;
}

}  // namespace

struct SqliteAuditStore::Impl {
    std::mutex mu;
    Database db;
    Statement sel_last, ins_record, sel_range, sel_scan, ins_checkpoint, sel_checkpoints;

    Status prepare_all() {
        const std::string cols(k_columns);
        struct Def {
            Statement* s;
            std::string sql;
        };
        const Def defs[] = {
            {&sel_last, "SELECT " + cols + " FROM audit_log ORDER BY seq DESC, id DESC LIMIT 1"},
            {&ins_record,
             "INSERT INTO audit_log (seq, time_ms, source, actor, role, action, target, detail, success, error_code, "
             "prev_hash, record_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"},
            {&sel_range, "SELECT " + cols + " FROM audit_log WHERE seq >= ?1 ORDER BY seq, id LIMIT ?2"},
            {&sel_scan, "SELECT " + cols + " FROM audit_log WHERE id > ?1 ORDER BY id LIMIT ?2"},
            {&ins_checkpoint,
             "INSERT INTO audit_checkpoints (seq, record_hash, time_ms, key_index, public_key, sm2_id, signature) "
             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"},
            {&sel_checkpoints,
             "SELECT id, seq, record_hash, time_ms, key_index, public_key, sm2_id, signature FROM audit_checkpoints "
             "ORDER BY id"},
        };
        for (const Def& d : defs) {
            YX_ASSIGN_OR_RETURN(*d.s, db.prepare(d.sql));
        }
        return ok_status();
    }

    Result<std::optional<audit::AuditRecord>> head() {
        StatementUse q(sel_last);
        YX_ASSIGN_OR_RETURN(bool row, q->step());
        if (!row) return std::optional<audit::AuditRecord>{};
        return std::optional<audit::AuditRecord>{read_record(*q)};
    }
};

SqliteAuditStore::SqliteAuditStore(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
SqliteAuditStore::~SqliteAuditStore() = default;

Result<std::unique_ptr<SqliteAuditStore>> SqliteAuditStore::open(const std::string& path, SqliteAuditOptions options) {
    if (!options.create_if_missing) {
        std::error_code ec;
        if (!std::filesystem::exists(path, ec))
            return make_error(Errc::not_found, "audit store '" + path + "' does not exist");
    }
    auto impl = std::make_unique<Impl>();
    YX_ASSIGN_OR_RETURN(impl->db, sqlite::open_database(path, options.busy_timeout_ms));
    const auto now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    YX_TRY(sqlite::migrate(impl->db, now));
    YX_TRY(impl->prepare_all());
    return std::unique_ptr<SqliteAuditStore>(new SqliteAuditStore(std::move(impl)));
}

Status SqliteAuditStore::append(const audit::AuditRecord& r) {
    if (r.seq == 0 || r.seq > static_cast<std::uint64_t>(INT64_MAX))
        return make_error(Errc::invalid_argument, "audit record seq out of range");
    std::lock_guard lock(m_impl->mu);
    // BEGIN IMMEDIATE: the head read and the insert happen under the write lock, so two writers
    // (threads or processes) can never both extend the same head.
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    YX_ASSIGN_OR_RETURN(auto head, m_impl->head());
    const std::uint64_t want_seq = head ? head->seq + 1 : 1;
    const Bytes want_prev = head ? head->record_hash : Bytes(audit::k_hash_len, 0);
    if (r.seq != want_seq || r.prev_hash != want_prev)
        return make_error(Errc::audit_conflict, "audit head moved: record " + std::to_string(r.seq) +
                                                    " does not extend record " + std::to_string(want_seq - 1));
    {
        StatementUse ins(m_impl->ins_record);
        ins->bind(1, static_cast<std::int64_t>(r.seq))
            .bind(2, audit::to_unix_ms(r.time))
            .bind(3, r.source)
            .bind(4, r.actor)
            .bind(5, r.role)
            .bind(6, r.action)
            .bind(7, r.target)
            .bind(8, r.detail)
            .bind(9, std::int64_t{r.success ? 1 : 0})
            .bind(10, std::int64_t{r.error_code})
            .bind_blob(11, r.prev_hash)
            .bind_blob(12, r.record_hash);
        YX_TRY(ins->run());
    }
    return tx.commit();
}

Result<std::optional<audit::AuditRecord>> SqliteAuditStore::last() {
    std::lock_guard lock(m_impl->mu);
    return m_impl->head();
}

Result<std::vector<audit::AuditRecord>> SqliteAuditStore::read_range(std::uint64_t from_seq, std::size_t limit) {
    if (from_seq > static_cast<std::uint64_t>(INT64_MAX)) return std::vector<audit::AuditRecord>{};
    std::lock_guard lock(m_impl->mu);
    StatementUse q(m_impl->sel_range);
    q->bind(1, static_cast<std::int64_t>(from_seq)).bind(2, static_cast<std::int64_t>(std::min(limit, k_max_page)));
    return read_all(*q);
}

Result<std::vector<audit::AuditRecord>> SqliteAuditStore::scan(std::int64_t after_row_id, std::size_t limit) {
    std::lock_guard lock(m_impl->mu);
    StatementUse q(m_impl->sel_scan);
    q->bind(1, after_row_id).bind(2, static_cast<std::int64_t>(std::min(limit, k_max_page)));
    return read_all(*q);
}

Status SqliteAuditStore::add_checkpoint(const audit::AuditCheckpoint& c) {
    if (c.seq > static_cast<std::uint64_t>(INT64_MAX))
        return make_error(Errc::invalid_argument, "audit checkpoint seq out of range");
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    {
        StatementUse ins(m_impl->ins_checkpoint);
        ins->bind(1, static_cast<std::int64_t>(c.seq))
            .bind_blob(2, c.record_hash)
            .bind(3, audit::to_unix_ms(c.time))
            .bind(4, std::int64_t{c.key_index})
            .bind_blob(5, c.public_key)
            .bind(6, c.sm2_id)
            .bind_blob(7, c.signature);
        YX_TRY(ins->run());
    }
    return tx.commit();
}

Result<std::vector<audit::AuditCheckpoint>> SqliteAuditStore::checkpoints() {
    std::lock_guard lock(m_impl->mu);
    StatementUse q(m_impl->sel_checkpoints);
    std::vector<audit::AuditCheckpoint> out;
    for (;;) {
        YX_ASSIGN_OR_RETURN(bool row, q->step());
        if (!row) break;
        audit::AuditCheckpoint c;
        c.id = q->column_int(0);
        c.seq = static_cast<std::uint64_t>(q->column_int(1));
        c.record_hash = q->column_blob(2);
        c.time = audit::from_unix_ms(q->column_int(3));
        c.key_index = static_cast<device::KeyIndex>(q->column_int(4));
        c.public_key = q->column_blob(5);
        c.sm2_id = q->column_text(6);
        c.signature = q->column_blob(7);
        out.push_back(std::move(c));
    }
    return out;
}

}  // namespace yinxin::store
