#include "yinxin/store/sqlite_store.h"

#include <algorithm>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "sqlite/migrations.h"
#include "yinxin/base/bytes.h"
#include "yinxin/base/tlv.h"
#include "yinxin/crypto/sm3.h"

namespace yinxin::store {

using yinxin::sqlite::Database;
using yinxin::sqlite::Statement;
using yinxin::sqlite::StatementUse;
using yinxin::sqlite::Transaction;

namespace {

// RFC 5280 4.1.2.2: conforming CAs use serial numbers of at most 20 octets.
constexpr std::size_t k_max_serial_octets = 20;
constexpr std::size_t k_max_page = 1000;

constexpr std::string_view k_cert_columns =
    "id, ca_id, serial, tbs_der, certificate_der, fingerprint_sm3, subject_dn, not_before, not_after, "
    "status, profile_id, request_id, failure_reason, created_at";
constexpr std::string_view k_ca_columns =
    "id, name, subject_dn, certificate_der, key_backend, key_index, key_label, parent_id, status, kind, created_at";

std::string_view status_text(ca::CaStatus s) { return s == ca::CaStatus::active ? "active" : "retired"; }

std::string_view kind_text(ca::CaKind k) {
    switch (k) {
        case ca::CaKind::root: return "root";
        case ca::CaKind::sub: return "sub";
        case ca::CaKind::seal_root: return "seal_root";
        case ca::CaKind::external: return "external";
    }
    return "root";
}

Error corrupt(std::string what) { return make_error(Errc::store_io, "store: corrupt row: " + std::move(what)); }

Status check_serial(BytesView serial) {
    if (serial.empty() || serial.size() > k_max_serial_octets)
        return make_error(Errc::invalid_argument, "serial must be 1..20 octets (RFC 5280 4.1.2.2)");
    return ok_status();
}

// The TBSCertificate inside Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm,
// signatureValue } (RFC 5280 4.1), as the raw bytes received.
Result<BytesView> tbs_of(BytesView cert) {
    auto bad = [] { return make_error(Errc::invalid_argument, "certificate is not a DER SEQUENCE"); };
    auto outer = tlv::read_header(cert);
    if (!outer.ok() || outer->indefinite || outer->tag_class != 0 || outer->tag_number != 16 || !outer->constructed ||
        outer->header_len + outer->length != cert.size())
        return bad();
    const BytesView body = cert.subspan(outer->header_len, outer->length);
    auto inner = tlv::read_header(body);
    if (!inner.ok() || inner->indefinite) return bad();
    return body.first(inner->header_len + inner->length);
}

}  // namespace

struct SqliteStore::Impl {
    std::mutex mu;
    Database db;
    SystemClock system_clock;
    const Clock* clock = nullptr;
    int version = 0;

    Statement ins_ca, sel_cas, sel_ca, upd_ca_status;
    Statement sel_serial, ins_serial, ins_pending;
    Statement sel_state, upd_issued, upd_failed;
    Statement sel_by_serial, sel_by_fingerprint, sel_page, sel_pending_all, sel_pending_ca, sel_by_subject;

    std::int64_t now() const { return to_unix(clock->now()); }

    Status migrate() {
        YX_ASSIGN_OR_RETURN(version, sqlite::migrate(db, now()));
        return ok_status();
    }

    Status prepare_all() {
        const std::string cert_cols(k_cert_columns);
        const std::string ca_cols(k_ca_columns);
        struct Def {
            Statement* s;
            std::string sql;
        };
        const Def defs[] = {
            {&ins_ca, "INSERT INTO cas (" + ca_cols + ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"},
            {&sel_cas, "SELECT " + ca_cols + " FROM cas ORDER BY created_at, id"},
            {&sel_ca, "SELECT " + ca_cols + " FROM cas WHERE id = ?1"},
            {&upd_ca_status, "UPDATE cas SET status = ?2 WHERE id = ?1"},
            {&sel_serial, "SELECT 1 FROM serials WHERE ca_id = ?1 AND serial = ?2"},
            {&ins_serial, "INSERT INTO serials (ca_id, serial, created_at) VALUES (?1, ?2, ?3)"},
            {&ins_pending,
             "INSERT INTO certificates (ca_id, serial, tbs_der, subject_dn, not_before, not_after, status, "
             "profile_id, request_id, created_at, updated_at) "
             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?7, ?8, ?9, ?9)"},
            {&sel_state, "SELECT status, tbs_der FROM certificates WHERE ca_id = ?1 AND serial = ?2"},
            {&upd_issued,
             "UPDATE certificates SET status = 'issued', certificate_der = ?3, fingerprint_sm3 = ?4, updated_at = ?5 "
             "WHERE ca_id = ?1 AND serial = ?2 AND status = 'pending'"},
            {&upd_failed,
             "UPDATE certificates SET status = 'failed', failure_reason = ?3, updated_at = ?4 "
             "WHERE ca_id = ?1 AND serial = ?2 AND status = 'pending'"},
            {&sel_by_serial, "SELECT " + cert_cols + " FROM certificates WHERE ca_id = ?1 AND serial = ?2"},
            {&sel_by_fingerprint, "SELECT " + cert_cols + " FROM certificates WHERE fingerprint_sm3 = ?1"},
            {&sel_page, "SELECT " + cert_cols + " FROM certificates WHERE ca_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3"},
            // LIKE is case-insensitive for ASCII; %, _ and \ in the search are escaped.
            {&sel_by_subject, "SELECT " + cert_cols +
                                  " FROM certificates WHERE status = 'issued' AND (?1 = '' OR ca_id = ?1) "
                                  "AND subject_dn LIKE ?2 ESCAPE '\\' ORDER BY id DESC LIMIT ?3"},
            {&sel_pending_all, "SELECT " + cert_cols + " FROM certificates WHERE status = 'pending' ORDER BY id"},
            {&sel_pending_ca,
             "SELECT " + cert_cols + " FROM certificates WHERE status = 'pending' AND ca_id = ?1 ORDER BY id"},
        };
        for (const Def& d : defs) {
            YX_ASSIGN_OR_RETURN(*d.s, db.prepare(d.sql));
        }
        return ok_status();
    }

    static Result<ca::CaRecord> read_ca(Statement& s) {
        ca::CaRecord r;
        r.id = s.column_text(0);
        r.name = s.column_text(1);
        r.subject_dn = s.column_text(2);
        r.certificate_der = s.column_blob(3);
        r.key.backend = s.column_text(4);
        r.key.index = s.column_int(5);
        r.key.label = s.column_text(6);
        r.parent_id = s.column_is_null(7) ? std::string() : s.column_text(7);
        const std::string st = s.column_text(8);
        if (st == "active")
            r.status = ca::CaStatus::active;
        else if (st == "retired")
            r.status = ca::CaStatus::retired;
        else
            return corrupt("cas.status '" + st + "'");
        const std::string k = s.column_text(9);
        if (k == "root")
            r.kind = ca::CaKind::root;
        else if (k == "sub")
            r.kind = ca::CaKind::sub;
        else if (k == "seal_root")
            r.kind = ca::CaKind::seal_root;
        else if (k == "external")
            r.kind = ca::CaKind::external;
        else
            return corrupt("cas.kind '" + k + "'");
        r.created_at = s.column_int(10);
        return r;
    }

    static Result<ca::CertificateRecord> read_cert(Statement& s) {
        ca::CertificateRecord r;
        r.id = s.column_int(0);
        r.ca_id = s.column_text(1);
        auto serial = hex_decode(s.column_text(2));
        if (!serial.ok()) return corrupt("certificates.serial");
        r.serial = std::move(serial).value();
        r.tbs_der = s.column_blob(3);
        r.certificate_der = s.column_is_null(4) ? Bytes() : s.column_blob(4);
        if (!s.column_is_null(5)) {
            auto fp = hex_decode(s.column_text(5));
            if (!fp.ok()) return corrupt("certificates.fingerprint_sm3");
            r.fingerprint_sm3 = std::move(fp).value();
        }
        r.subject_dn = s.column_text(6);
        r.not_before = s.column_int(7);
        r.not_after = s.column_int(8);
        const std::string st = s.column_text(9);
        if (st == "pending")
            r.status = ca::CertificateStatus::pending;
        else if (st == "issued")
            r.status = ca::CertificateStatus::issued;
        else if (st == "failed")
            r.status = ca::CertificateStatus::failed;
        else
            return corrupt("certificates.status '" + st + "'");
        r.profile_id = s.column_text(10);
        r.request_id = s.column_text(11);
        r.failure_reason = s.column_is_null(12) ? std::string() : s.column_text(12);
        r.created_at = s.column_int(13);
        return r;
    }

    // Inserts the serial reservation; the caller holds the write transaction.
    Status insert_serial(std::string_view ca_id, const std::string& serial_hex) {
        {
            StatementUse q(sel_serial);
            q->bind(1, ca_id).bind(2, serial_hex);
            YX_ASSIGN_OR_RETURN(bool taken, q->step());
            if (taken)
                return make_error(Errc::store_duplicate_serial,
                                  "serial " + serial_hex + " was already used by CA '" + std::string(ca_id) + "'");
        }
        StatementUse ins(ins_serial);
        ins->bind(1, ca_id).bind(2, serial_hex).bind(3, now());
        auto st = ins->run();
        // The UNIQUE (ca_id, serial) constraint is the real guard (PostgreSQL: unique_violation).
        if (st.code() == Errc::store_conflict)
            return make_error(Errc::store_duplicate_serial, "serial " + serial_hex + ": " + st.error().message);
        return st;
    }

    Status require_ca(std::string_view ca_id) {
        StatementUse q(sel_ca);
        q->bind(1, ca_id);
        YX_ASSIGN_OR_RETURN(bool found, q->step());
        if (!found) return make_error(Errc::store_not_found, "no CA '" + std::string(ca_id) + "'");
        return ok_status();
    }

    // The pending row's TBS, or not_found / conflict when there is none or it is no longer pending.
    Result<Bytes> pending_tbs(std::string_view ca_id, const std::string& serial_hex) {
        StatementUse q(sel_state);
        q->bind(1, ca_id).bind(2, serial_hex);
        YX_ASSIGN_OR_RETURN(bool found, q->step());
        if (!found)
            return make_error(Errc::store_not_found,
                              "no pending certificate " + serial_hex + " for CA '" + std::string(ca_id) + "'");
        const std::string st = q->column_text(0);
        if (st != "pending")
            return make_error(Errc::store_conflict, "certificate " + serial_hex + " is " + st + ", not pending");
        return q->column_blob(1);
    }

    Result<std::vector<ca::CertificateRecord>> read_all(Statement& s) {
        std::vector<ca::CertificateRecord> out;
        for (;;) {
            YX_ASSIGN_OR_RETURN(bool row, s.step());
            if (!row) break;
            YX_ASSIGN_OR_RETURN(auto rec, read_cert(s));
            out.push_back(std::move(rec));
        }
        return out;
    }
};

SqliteStore::SqliteStore(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
SqliteStore::~SqliteStore() = default;

int SqliteStore::latest_schema_version() noexcept { return sqlite::k_migrations.back().version; }
int SqliteStore::schema_version() const noexcept { return m_impl->version; }

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path, SqliteOptions options) {
    auto impl = std::make_unique<Impl>();
    impl->clock = options.clock ? options.clock : &impl->system_clock;
    YX_ASSIGN_OR_RETURN(impl->db, sqlite::open_database(path, options.busy_timeout_ms));
    YX_TRY(impl->migrate());
    YX_TRY(impl->prepare_all());
    return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(impl)));
}

Status SqliteStore::add_ca(const ca::CaRecord& r) {
    if (r.id.empty()) return make_error(Errc::invalid_argument, "CA id is empty");
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    {
        StatementUse q(m_impl->sel_ca);
        q->bind(1, r.id);
        YX_ASSIGN_OR_RETURN(bool exists, q->step());
        if (exists) return make_error(Errc::store_conflict, "CA '" + r.id + "' already exists");
    }
    if (!r.parent_id.empty()) YX_TRY(m_impl->require_ca(r.parent_id));
    {
        StatementUse ins(m_impl->ins_ca);
        ins->bind(1, r.id).bind(2, r.name).bind(3, r.subject_dn).bind_blob(4, r.certificate_der);
        ins->bind(5, r.key.backend).bind(6, r.key.index).bind(7, r.key.label);
        if (r.parent_id.empty())
            ins->bind_null(8);
        else
            ins->bind(8, r.parent_id);
        ins->bind(9, status_text(r.status)).bind(10, kind_text(r.kind)).bind(11, m_impl->now());
        YX_TRY(ins->run());
    }
    return tx.commit();
}

Result<std::vector<ca::CaRecord>> SqliteStore::list_cas() {
    std::lock_guard lock(m_impl->mu);
    StatementUse q(m_impl->sel_cas);
    std::vector<ca::CaRecord> out;
    for (;;) {
        YX_ASSIGN_OR_RETURN(bool row, q->step());
        if (!row) break;
        YX_ASSIGN_OR_RETURN(auto rec, Impl::read_ca(*q));
        out.push_back(std::move(rec));
    }
    return out;
}

Result<ca::CaRecord> SqliteStore::get_ca(std::string_view id) {
    std::lock_guard lock(m_impl->mu);
    StatementUse q(m_impl->sel_ca);
    q->bind(1, id);
    YX_ASSIGN_OR_RETURN(bool found, q->step());
    if (!found) return make_error(Errc::store_not_found, "no CA '" + std::string(id) + "'");
    return Impl::read_ca(*q);
}

Status SqliteStore::set_ca_status(std::string_view id, ca::CaStatus status) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    YX_TRY(m_impl->require_ca(id));
    {
        StatementUse u(m_impl->upd_ca_status);
        u->bind(1, id).bind(2, status_text(status));
        YX_TRY(u->run());
    }
    return tx.commit();
}

Status SqliteStore::reserve_serial(std::string_view ca_id, BytesView serial) {
    YX_TRY(check_serial(serial));
    const std::string serial_hex = hex_encode(serial);
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    YX_TRY(m_impl->require_ca(ca_id));
    YX_TRY(m_impl->insert_serial(ca_id, serial_hex));
    return tx.commit();
}

Status SqliteStore::record_pending(const ca::PendingIssuance& p) { return record_pending_batch(std::span(&p, 1)); }

Status SqliteStore::record_pending_batch(std::span<const ca::PendingIssuance> batch) {
    if (batch.size() > ca::k_max_store_batch)
        return make_error(Errc::invalid_argument, "a batch of " + std::to_string(batch.size()) +
                                                      " pending issuances, more than " +
                                                      std::to_string(ca::k_max_store_batch));
    std::vector<std::string> serials;
    serials.reserve(batch.size());
    for (const auto& p : batch) {
        YX_TRY(check_serial(p.serial));
        if (p.tbs_der.empty()) return make_error(Errc::invalid_argument, "pending issuance without a TBS");
        if (p.not_after < p.not_before) return make_error(Errc::invalid_argument, "notAfter before notBefore");
        serials.push_back(hex_encode(p.serial));
    }
    std::lock_guard lock(m_impl->mu);
    // STYLE.md 5: the serial reservations and the linted TBSs commit together or not at all.
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    const std::int64_t now = m_impl->now();
    for (std::size_t i = 0; i < batch.size(); ++i) {
        const auto& p = batch[i];
        YX_TRY(m_impl->require_ca(p.ca_id));
        YX_TRY(m_impl->insert_serial(p.ca_id, serials[i]));
        StatementUse ins(m_impl->ins_pending);
        ins->bind(1, p.ca_id).bind(2, serials[i]).bind_blob(3, p.tbs_der).bind(4, p.subject_dn);
        ins->bind(5, p.not_before).bind(6, p.not_after).bind(7, p.profile_id).bind(8, p.request_id);
        ins->bind(9, now);
        YX_TRY(ins->run());
    }
    return tx.commit();
}

Status SqliteStore::finalize(std::string_view ca_id, BytesView serial, BytesView certificate_der) {
    const ca::SignedCertificate one{.ca_id = std::string(ca_id),
                                    .serial = Bytes(serial.begin(), serial.end()),
                                    .certificate_der = Bytes(certificate_der.begin(), certificate_der.end())};
    return finalize_batch(std::span(&one, 1));
}

Status SqliteStore::finalize_batch(std::span<const ca::SignedCertificate> batch) {
    if (batch.size() > ca::k_max_store_batch)
        return make_error(Errc::invalid_argument, "a batch of " + std::to_string(batch.size()) +
                                                      " certificates, more than " +
                                                      std::to_string(ca::k_max_store_batch));
    struct Item {
        std::string serial_hex;
        std::string fingerprint;
        BytesView tbs;
    };
    std::vector<Item> items;
    items.reserve(batch.size());
    for (const auto& c : batch) {
        YX_TRY(check_serial(c.serial));
        YX_ASSIGN_OR_RETURN(BytesView tbs, tbs_of(c.certificate_der));
        items.push_back({hex_encode(c.serial), hex_encode(crypto::sm3(c.certificate_der)), tbs});
    }
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    const std::int64_t now = m_impl->now();
    for (std::size_t i = 0; i < batch.size(); ++i) {
        const auto& c = batch[i];
        const Item& it = items[i];
        YX_ASSIGN_OR_RETURN(Bytes recorded, m_impl->pending_tbs(c.ca_id, it.serial_hex));
        // The certificate must carry exactly the TBS that was linted and persisted before signing.
        if (!std::equal(recorded.begin(), recorded.end(), it.tbs.begin(), it.tbs.end()))
            return make_error(Errc::store_conflict,
                              "certificate " + it.serial_hex + " does not contain the recorded TBSCertificate");
        StatementUse u(m_impl->upd_issued);
        u->bind(1, c.ca_id).bind(2, it.serial_hex).bind_blob(3, c.certificate_der).bind(4, it.fingerprint);
        u->bind(5, now);
        YX_TRY(u->run());
    }
    return tx.commit();
}

Status SqliteStore::fail_pending(std::string_view ca_id, BytesView serial, std::string_view reason) {
    YX_TRY(check_serial(serial));
    const std::string serial_hex = hex_encode(serial);
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    YX_ASSIGN_OR_RETURN(Bytes recorded, m_impl->pending_tbs(ca_id, serial_hex));
    (void)recorded;
    {
        StatementUse u(m_impl->upd_failed);
        u->bind(1, ca_id).bind(2, serial_hex).bind(3, reason).bind(4, m_impl->now());
        YX_TRY(u->run());
    }
    return tx.commit();
}

Result<ca::CertificateRecord> SqliteStore::certificate_by_serial(std::string_view ca_id, BytesView serial) {
    const std::string serial_hex = hex_encode(serial);
    std::lock_guard lock(m_impl->mu);
    StatementUse q(m_impl->sel_by_serial);
    q->bind(1, ca_id).bind(2, serial_hex);
    YX_ASSIGN_OR_RETURN(bool found, q->step());
    if (!found)
        return make_error(Errc::store_not_found,
                          "no certificate " + serial_hex + " for CA '" + std::string(ca_id) + "'");
    return Impl::read_cert(*q);
}

Result<ca::CertificateRecord> SqliteStore::certificate_by_fingerprint(BytesView fingerprint_sm3) {
    const std::string fp = hex_encode(fingerprint_sm3);
    std::lock_guard lock(m_impl->mu);
    StatementUse q(m_impl->sel_by_fingerprint);
    q->bind(1, fp);
    YX_ASSIGN_OR_RETURN(bool found, q->step());
    if (!found) return make_error(Errc::store_not_found, "no certificate with SM3 fingerprint " + fp);
    return Impl::read_cert(*q);
}

Result<std::vector<ca::CertificateRecord>> SqliteStore::find_by_subject(std::string_view ca_id,
                                                                        std::string_view subject_part,
                                                                        std::size_t limit) {
    if (subject_part.empty()) return make_error(Errc::invalid_argument, "search for a part of the subject");
    if (limit == 0 || limit > 100) return make_error(Errc::invalid_argument, "at most 1..100 results");
    std::string pattern = "%";
    for (char c : subject_part) {
        if (c == '%' || c == '_' || c == '\\') pattern += '\\';
        pattern += c;
    }
    pattern += '%';
    std::lock_guard lock(m_impl->mu);
    StatementUse q(m_impl->sel_by_subject);
    q->bind(1, ca_id).bind(2, pattern).bind(3, static_cast<std::int64_t>(limit));
    return m_impl->read_all(*q);
}

Result<ca::CertificatePage> SqliteStore::list_certificates(std::string_view ca_id, std::int64_t after_id,
                                                           std::size_t limit) {
    if (limit == 0 || limit > k_max_page) return make_error(Errc::invalid_argument, "page size must be 1..1000");
    std::lock_guard lock(m_impl->mu);
    StatementUse q(m_impl->sel_page);
    // One row more than asked tells whether another page follows.
    q->bind(1, ca_id).bind(2, after_id).bind(3, static_cast<std::int64_t>(limit + 1));
    YX_ASSIGN_OR_RETURN(auto rows, m_impl->read_all(*q));
    ca::CertificatePage page;
    if (rows.size() > limit) {
        rows.resize(limit);
        page.next_after_id = rows.back().id;
    }
    page.records = std::move(rows);
    return page;
}

Result<std::vector<ca::CertificateRecord>> SqliteStore::list_pending(std::string_view ca_id) {
    std::lock_guard lock(m_impl->mu);
    if (ca_id.empty()) {
        StatementUse q(m_impl->sel_pending_all);
        return m_impl->read_all(*q);
    }
    StatementUse q(m_impl->sel_pending_ca);
    q->bind(1, ca_id);
    return m_impl->read_all(*q);
}

}  // namespace yinxin::store
