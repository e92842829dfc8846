#include <algorithm>
#include <climits>
#include <mutex>

#include "sqlite/migrations.h"
#include "yinxin/store/sqlite_revocation_store.h"

namespace yinxin::store {

using yinxin::sqlite::Database;
using yinxin::sqlite::Statement;
using yinxin::sqlite::StatementUse;
using yinxin::sqlite::Transaction;

namespace {

constexpr std::size_t k_max_page = 10'000;
constexpr std::size_t k_max_serial_octets = 20;
constexpr std::string_view k_rev_columns =
    "id, ca_id, serial, revoked_at, reason, invalidity_date, actor, ca_certificate";
constexpr std::string_view k_crl_columns =
    "ca_id, crl_number, delta_base, this_update, next_update, entries, crl_der, scope, status_change_id";

Result<std::string> serial_hex(BytesView serial) {
    if (serial.empty() || serial.size() > k_max_serial_octets)
        return make_error(Errc::invalid_argument, "serial must be 1..20 octets (RFC 5280 4.1.2.2)");
    return hex_encode(serial);
}

// The k_rev_columns starting at column `first`.
Result<ca::RevocationRecord> read_revocation(const Statement& s, int first = 0) {
    ca::RevocationRecord r;
    r.id = s.column_int(first);
    r.ca_id = s.column_text(first + 1);
    auto serial = hex_decode(s.column_text(first + 2));
    if (!serial) return make_error(Errc::store_io, "revocations row " + std::to_string(r.id) + ": bad serial");
    r.serial = std::move(serial).value();
    r.revoked_at = s.column_int(first + 3);
    r.reason = static_cast<int>(s.column_int(first + 4));
    if (!s.column_is_null(first + 5)) r.invalidity_date = s.column_int(first + 5);
    r.actor = s.column_text(first + 6);
    r.ca_certificate = s.column_int(first + 7) != 0;
    return r;
}

ca::CrlScope scope_from_text(const std::string& t) {
    if (t == "delta") return ca::CrlScope::delta;
    if (t == "arl") return ca::CrlScope::arl;
    return ca::CrlScope::full;
}

ca::CrlRecord read_crl(const Statement& s) {
    ca::CrlRecord c;
    c.ca_id = s.column_text(0);
    c.number = static_cast<std::uint64_t>(s.column_int(1));
    if (!s.column_is_null(2)) c.delta_base = static_cast<std::uint64_t>(s.column_int(2));
    c.this_update = s.column_int(3);
    c.next_update = s.column_int(4);
    c.entries = static_cast<std::uint64_t>(s.column_int(5));
    c.der = s.column_blob(6);
    c.scope = scope_from_text(s.column_text(7));
    if (!s.column_is_null(8)) c.status_change_id = s.column_int(8);
    return c;
}

}  // namespace

struct SqliteRevocationStore::Impl {
    std::mutex mu;
    Database db;
    SystemClock system_clock;
    const Clock* clock = nullptr;
    Statement sel_cert_status, sel_rev, ins_rev, del_rev, sel_rev_page;
    Statement sel_counter, upsert_counter, sel_max_crl, ins_crl, sel_latest;
    Statement bump_version, sel_version, sel_last_change, sel_changes, ins_signer, sel_signers;

    std::int64_t now() const { return to_unix(clock->now()); }

    Status prepare_all() {
        const std::string rc(k_rev_columns);
        const std::string cc(k_crl_columns);
        struct Def {
            Statement* s;
            std::string sql;
        };
        const Def defs[] = {
            {&sel_cert_status, "SELECT status FROM certificates WHERE ca_id = ?1 AND serial = ?2"},
            {&sel_rev, "SELECT " + rc + " FROM revocations WHERE ca_id = ?1 AND serial = ?2"},
            {&ins_rev,
             "INSERT INTO revocations (ca_id, serial, revoked_at, reason, invalidity_date, actor, created_at, "
             "ca_certificate) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"},
            {&del_rev, "DELETE FROM revocations WHERE ca_id = ?1 AND serial = ?2"},
            {&sel_rev_page, "SELECT " + rc +
                                " FROM revocations WHERE ca_id = ?1 AND id > ?2 AND (?4 = 0 OR ca_certificate = 1) "
                                "ORDER BY id LIMIT ?3"},
            {&sel_last_change, "SELECT COALESCE(MAX(id), 0) FROM status_changes WHERE ca_id = ?1"},
            // Each serial once, at its newest change, with its revocation now (LEFT JOIN: none
            // after a release).
            {&sel_changes,
             "SELECT c.id, c.serial, c.changed_at, r.id, r.ca_id, r.serial, r.revoked_at, r.reason, "
             "r.invalidity_date, r.actor, r.ca_certificate FROM status_changes c LEFT JOIN revocations r ON r.ca_id = "
             "c.ca_id AND r.serial = c.serial "
             "WHERE c.ca_id = ?1 AND c.id > ?2 AND c.id = (SELECT MAX(c2.id) FROM status_changes c2 "
             "WHERE c2.ca_id = c.ca_id AND c2.serial = c.serial) ORDER BY c.id LIMIT ?3"},
            {&sel_counter, "SELECT last_number FROM crl_counters WHERE ca_id = ?1"},
            {&ins_signer,
             "INSERT INTO ocsp_signers (ca_id, serial, key_backend, key_index, key_label, not_before, not_after, "
             "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"},
            {&sel_signers,
             "SELECT o.serial, o.key_backend, o.key_index, o.key_label, o.not_before, o.not_after, c.certificate_der "
             "FROM ocsp_signers o JOIN certificates c ON c.ca_id = o.ca_id AND c.serial = o.serial "
             "WHERE o.ca_id = ?1 ORDER BY o.id DESC"},
            {&bump_version, "UPDATE status_version SET version = version + 1 WHERE id = 1"},
            {&sel_version, "SELECT version FROM status_version WHERE id = 1"},
            {&upsert_counter,
             "INSERT INTO crl_counters (ca_id, last_number) VALUES (?1, ?2) "
             "ON CONFLICT (ca_id) DO UPDATE SET last_number = excluded.last_number"},
            {&sel_max_crl, "SELECT COALESCE(MAX(crl_number), 0) FROM crls WHERE ca_id = ?1"},
            {&ins_crl,
             "INSERT INTO crls (ca_id, crl_number, delta_base, this_update, next_update, entries, crl_der, "
             "created_at, scope, status_change_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"},
            {&sel_latest,
             "SELECT " + cc + " FROM crls WHERE ca_id = ?1 AND scope = ?2 ORDER BY crl_number DESC LIMIT 1"},
        };
        for (const Def& d : defs) {
            YX_ASSIGN_OR_RETURN(*d.s, db.prepare(d.sql));
        }
        return ok_status();
    }

    Result<std::optional<ca::RevocationRecord>> find(std::string_view ca_id, const std::string& hex) {
        StatementUse q(sel_rev);
        q->bind(1, ca_id).bind(2, hex);
        YX_ASSIGN_OR_RETURN(bool row, q->step());
        if (!row) return std::optional<ca::RevocationRecord>{};
        YX_ASSIGN_OR_RETURN(ca::RevocationRecord r, read_revocation(*q));
        return std::optional<ca::RevocationRecord>{std::move(r)};
    }
};

SqliteRevocationStore::SqliteRevocationStore(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
SqliteRevocationStore::~SqliteRevocationStore() = default;

Result<std::unique_ptr<SqliteRevocationStore>> SqliteRevocationStore::open(const std::string& path,
                                                                           SqliteRevocationOptions options) {
    auto impl = std::make_unique<Impl>();
    impl->clock = options.clock != nullptr ? options.clock : &impl->system_clock;
    YX_ASSIGN_OR_RETURN(impl->db, sqlite::open_database(path, options.busy_timeout_ms));
    YX_TRY(sqlite::migrate(impl->db, impl->now()));
    YX_TRY(impl->prepare_all());
    return std::unique_ptr<SqliteRevocationStore>(new SqliteRevocationStore(std::move(impl)));
}

Status SqliteRevocationStore::revoke(const ca::RevocationRecord& r) {
    YX_ASSIGN_OR_RETURN(std::string hex, serial_hex(r.serial));
    if (r.reason < 0 || r.reason > 10 || r.reason == 7 || r.reason == 8)
        return make_error(Errc::invalid_argument, "reason " + std::to_string(r.reason) + " cannot be recorded");
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    {
        StatementUse q(m_impl->sel_cert_status);
        q->bind(1, r.ca_id).bind(2, hex);
        YX_ASSIGN_OR_RETURN(bool row, q->step());
        if (!row || q->column_text(0) != "issued")
            return make_error(Errc::store_not_found,
                              "CA '" + r.ca_id + "' has no issued certificate with serial " + hex);
    }
    YX_ASSIGN_OR_RETURN(auto existing, m_impl->find(r.ca_id, hex));
    if (existing) {
        if (existing->reason != 6 || r.reason == 6)
            return make_error(Errc::store_conflict, "certificate " + hex + " of CA '" + r.ca_id + "' is already " +
                                                        (existing->reason == 6 ? "on hold" : "revoked"));
        StatementUse d(m_impl->del_rev);
        d->bind(1, r.ca_id).bind(2, hex);
        YX_TRY(d->run());
    }
    {
        StatementUse ins(m_impl->ins_rev);
        ins->bind(1, r.ca_id).bind(2, hex).bind(3, r.revoked_at).bind(4, std::int64_t{r.reason});
        if (r.invalidity_date)
            ins->bind(5, *r.invalidity_date);
        else
            ins->bind_null(5);
        ins->bind(6, r.actor).bind(7, m_impl->now()).bind(8, std::int64_t{r.ca_certificate ? 1 : 0});
        YX_TRY(ins->run());
    }
    {
        StatementUse b(m_impl->bump_version);
        YX_TRY(b->run());
    }
    return tx.commit();
}

Status SqliteRevocationStore::release_hold(std::string_view ca_id, BytesView serial) {
    YX_ASSIGN_OR_RETURN(std::string hex, serial_hex(serial));
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    YX_ASSIGN_OR_RETURN(auto existing, m_impl->find(ca_id, hex));
    if (!existing || existing->reason != 6)
        return make_error(Errc::store_not_found,
                          "certificate " + hex + " of CA '" + std::string(ca_id) + "' is not on hold");
    {
        StatementUse d(m_impl->del_rev);
        d->bind(1, ca_id).bind(2, hex);
        YX_TRY(d->run());
    }
    {
        StatementUse b(m_impl->bump_version);
        YX_TRY(b->run());
    }
    return tx.commit();
}

Result<std::optional<ca::RevocationRecord>> SqliteRevocationStore::revocation(std::string_view ca_id,
                                                                              BytesView serial) {
    YX_ASSIGN_OR_RETURN(std::string hex, serial_hex(serial));
    std::lock_guard lock(m_impl->mu);
    return m_impl->find(ca_id, hex);
}

Result<ca::RevocationPage> SqliteRevocationStore::list_revocations(std::string_view ca_id, std::int64_t after_id,
                                                                   std::size_t limit, bool ca_certificates_only) {
    if (limit == 0 || limit > k_max_page) return make_error(Errc::invalid_argument, "page size must be 1..10000");
    std::lock_guard lock(m_impl->mu);
    StatementUse q(m_impl->sel_rev_page);
    q->bind(1, ca_id)
        .bind(2, after_id)
        .bind(3, static_cast<std::int64_t>(limit + 1))
        .bind(4, std::int64_t{ca_certificates_only ? 1 : 0});
    ca::RevocationPage page;
    for (;;) {
        YX_ASSIGN_OR_RETURN(bool row, q->step());
        if (!row) break;
        YX_ASSIGN_OR_RETURN(ca::RevocationRecord r, read_revocation(*q));
        page.records.push_back(std::move(r));
    }
    if (page.records.size() > limit) {
        page.records.resize(limit);
        page.next_after_id = page.records.back().id;
    }
    return page;
}

Status SqliteRevocationStore::add_ocsp_signer(const ca::OcspSignerRecord& signer) {
    YX_ASSIGN_OR_RETURN(std::string hex, serial_hex(signer.serial));
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    {
        StatementUse q(m_impl->sel_cert_status);
        q->bind(1, signer.ca_id).bind(2, hex);
        YX_ASSIGN_OR_RETURN(bool row, q->step());
        if (!row || q->column_text(0) != "issued")
            return make_error(Errc::store_not_found,
                              "CA '" + signer.ca_id + "' has no issued certificate with serial " + hex);
    }
    {
        StatementUse ins(m_impl->ins_signer);
        ins->bind(1, signer.ca_id)
            .bind(2, hex)
            .bind(3, signer.key.backend)
            .bind(4, signer.key.index)
            .bind(5, signer.key.label)
            .bind(6, signer.not_before)
            .bind(7, signer.not_after)
            .bind(8, m_impl->now());
        YX_TRY(ins->run());
    }
    return tx.commit();
}

Result<std::vector<ca::OcspSignerRecord>> SqliteRevocationStore::ocsp_signers(std::string_view ca_id) {
    std::lock_guard lock(m_impl->mu);
    StatementUse q(m_impl->sel_signers);
    q->bind(1, ca_id);
    std::vector<ca::OcspSignerRecord> out;
    for (;;) {
        YX_ASSIGN_OR_RETURN(bool row, q->step());
        if (!row) break;
        ca::OcspSignerRecord r;
        r.ca_id = std::string(ca_id);
        auto serial = hex_decode(q->column_text(0));
        if (!serial) return make_error(Errc::store_io, "ocsp_signers: bad serial");
        r.serial = std::move(serial).value();
        r.key.backend = q->column_text(1);
        r.key.index = q->column_int(2);
        r.key.label = q->column_text(3);
        r.not_before = q->column_int(4);
        r.not_after = q->column_int(5);
        r.certificate_der = q->column_blob(6);
        out.push_back(std::move(r));
    }
    return out;
}

Result<std::int64_t> SqliteRevocationStore::last_status_change(std::string_view ca_id) {
    std::lock_guard lock(m_impl->mu);
    StatementUse q(m_impl->sel_last_change);
    q->bind(1, ca_id);
    YX_ASSIGN_OR_RETURN(bool row, q->step());
    return row ? q->column_int(0) : std::int64_t{0};
}

Result<ca::StatusChangePage> SqliteRevocationStore::list_status_changes(std::string_view ca_id, std::int64_t after_id,
                                                                        std::size_t limit) {
    if (limit == 0 || limit > k_max_page) return make_error(Errc::invalid_argument, "page size must be 1..10000");
    std::lock_guard lock(m_impl->mu);
    StatementUse q(m_impl->sel_changes);
    q->bind(1, ca_id).bind(2, after_id).bind(3, static_cast<std::int64_t>(limit + 1));
    ca::StatusChangePage page;
    for (;;) {
        YX_ASSIGN_OR_RETURN(bool row, q->step());
        if (!row) break;
        ca::StatusChange c;
        c.id = q->column_int(0);
        auto serial = hex_decode(q->column_text(1));
        if (!serial) return make_error(Errc::store_io, "status_changes row " + std::to_string(c.id) + ": bad serial");
        c.serial = std::move(serial).value();
        c.changed_at = q->column_int(2);
        if (!q->column_is_null(3)) {
            YX_ASSIGN_OR_RETURN(ca::RevocationRecord r, read_revocation(*q, 3));
            c.current = std::move(r);
        }
        page.changes.push_back(std::move(c));
    }
    if (page.changes.size() > limit) {
        page.changes.resize(limit);
        page.next_after_id = page.changes.back().id;
    }
    return page;
}

Result<std::uint64_t> SqliteRevocationStore::next_crl_number(std::string_view ca_id) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    std::int64_t last = 0;
    {
        StatementUse q(m_impl->sel_counter);
        q->bind(1, ca_id);
        YX_ASSIGN_OR_RETURN(bool row, q->step());
        if (row) last = q->column_int(0);
    }
    {
        // Never below a stored CRL's number, even if the counter row were lost.
        StatementUse q(m_impl->sel_max_crl);
        q->bind(1, ca_id);
        YX_ASSIGN_OR_RETURN(bool row, q->step());
        if (row) last = std::max(last, q->column_int(0));
    }
    if (last == INT64_MAX) return make_error(Errc::limit_exceeded, "CRL numbers exhausted");
    {
        StatementUse u(m_impl->upsert_counter);
        u->bind(1, ca_id).bind(2, last + 1);
        YX_TRY(u->run());
    }
    YX_TRY(tx.commit());
    return static_cast<std::uint64_t>(last + 1);
}

Status SqliteRevocationStore::put_crl(const ca::CrlRecord& crl) {
    if (crl.number == 0 || crl.number > static_cast<std::uint64_t>(INT64_MAX) || crl.der.empty())
        return make_error(Errc::invalid_argument, "CRL number out of range or empty CRL");
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    {
        StatementUse ins(m_impl->ins_crl);
        ins->bind(1, crl.ca_id).bind(2, static_cast<std::int64_t>(crl.number));
        if (crl.delta_base)
            ins->bind(3, static_cast<std::int64_t>(*crl.delta_base));
        else
            ins->bind_null(3);
        ins->bind(4, crl.this_update)
            .bind(5, crl.next_update)
            .bind(6, static_cast<std::int64_t>(crl.entries))
            .bind_blob(7, crl.der)
            .bind(8, m_impl->now())
            .bind(9, ca::crl_scope_name(crl.scope));
        if (crl.status_change_id)
            ins->bind(10, *crl.status_change_id);
        else
            ins->bind_null(10);
        YX_TRY(ins->run());
    }
    return tx.commit();
}

Result<std::optional<ca::CrlRecord>> SqliteRevocationStore::latest_crl(std::string_view ca_id, ca::CrlScope scope) {
    std::lock_guard lock(m_impl->mu);
    StatementUse q(m_impl->sel_latest);
    q->bind(1, ca_id).bind(2, ca::crl_scope_name(scope));
    YX_ASSIGN_OR_RETURN(bool row, q->step());
    if (!row) return std::optional<ca::CrlRecord>{};
    return std::optional<ca::CrlRecord>{read_crl(*q)};
}

Result<std::int64_t> SqliteRevocationStore::status_version() {
    std::lock_guard lock(m_impl->mu);
    StatementUse q(m_impl->sel_version);
    YX_ASSIGN_OR_RETURN(bool row, q->step());
    if (!row) return make_error(Errc::store_io, "status_version row missing");
    return q->column_int(0);
}

}  // namespace yinxin::store
