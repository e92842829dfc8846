#include <nlohmann/json.hpp>

#include <algorithm>
#include <mutex>

#include "sqlite/migrations.h"
#include "sqlite/outbox_sql.h"
#include "yinxin/store/sqlite_ra_store.h"

namespace yinxin::store {

using yinxin::sqlite::Database;
using yinxin::sqlite::Statement;
using yinxin::sqlite::Transaction;

namespace {

constexpr std::string_view k_columns =
    "id, kind, state, subject_kind, form_json, org_node, ca_id, profile_id, csr_der, target, revocation_reason, "
    "challenge_salt, challenge_hash, self_service, submitted_by, submitted_at, decision_due, approved_by, "
    "approved_at, reviewed_by, reviewed_at, rejected_by, reject_reason, rejected_at, result, completed_at, "
    "delivery, delivered_by, received_by, delivered_at, carrier_no, version, validity_days, dual";

Error corrupt(const std::string& id, std::string_view what) {
    return make_error(Errc::store_io, "ra_requests row " + id + ": bad " + std::string(what));
}

void bind_time(Statement& s, int i, const std::optional<TimePoint>& t) {
    if (t)
        s.bind(i, static_cast<std::int64_t>(to_unix(*t)));
    else
        s.bind_null(i);
}

std::optional<TimePoint> column_time(const Statement& s, int i) {
    if (s.column_is_null(i)) return std::nullopt;
    return from_unix(s.column_int(i));
}

std::string form_json(const ra::ApplicationForm& form) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [k, v] : form.fields) j[k] = v;
    return j.dump();
}

Result<ra::RaRequest> read_request(const Statement& s) {
    ra::RaRequest r;
    r.id = s.column_text(0);
    auto kind = ra::request_kind_from_name(s.column_text(1));
    auto state = ra::request_state_from_name(s.column_text(2));
    auto subject = ra::subject_kind_from_name(s.column_text(3));
    if (!kind || !state || !subject) return corrupt(r.id, "kind/state");
    r.kind = *kind;
    r.state = *state;
    r.form.kind = *subject;
    auto form = nlohmann::json::parse(s.column_text(4), nullptr, false);
    if (form.is_discarded() || !form.is_object()) return corrupt(r.id, "form");
    for (const auto& [k, v] : form.items()) {
        if (!v.is_string()) return corrupt(r.id, "form");
        r.form.fields.emplace(k, v.get<std::string>());
    }
    r.org_node = s.column_text(5);
    r.ca_id = s.column_text(6);
    r.profile_id = s.column_text(7);
    r.csr_der = s.column_blob(8);
    r.target = s.column_text(9);
    r.revocation_reason = static_cast<std::uint8_t>(s.column_int(10));
    r.challenge_salt = s.column_blob(11);
    r.challenge_hash = s.column_blob(12);
    r.self_service = s.column_int(13) != 0;
    r.submitted_by = s.column_text(14);
    r.submitted_at = from_unix(s.column_int(15));
    r.decision_due = from_unix(s.column_int(16));
    r.approved_by = s.column_text(17);
    r.approved_at = column_time(s, 18);
    r.reviewed_by = s.column_text(19);
    r.reviewed_at = column_time(s, 20);
    r.rejected_by = s.column_text(21);
    r.reject_reason = s.column_text(22);
    r.rejected_at = column_time(s, 23);
    r.result = s.column_text(24);
    r.completed_at = column_time(s, 25);
    if (!s.column_is_null(26)) {
        auto d = ra::delivery_method_from_name(s.column_text(26));
        if (!d) return corrupt(r.id, "delivery");
        r.delivery = *d;
    }
    r.delivered_by = s.column_text(27);
    r.received_by = s.column_text(28);
    r.delivered_at = column_time(s, 29);
    r.carrier_no = s.column_text(30);
    r.version = s.column_int(31);
    r.validity_days = static_cast<std::uint32_t>(s.column_int(32));
    r.dual = s.column_int(33) != 0;
    return r;
}

// Binds every column but id (?1) and version, in k_columns order from ?2.
void bind_request(Statement& s, const ra::RaRequest& r) {
    s.bind(1, r.id)
        .bind(2, ra::request_kind_name(r.kind))
        .bind(3, ra::request_state_name(r.state))
        .bind(4, ra::subject_kind_name(r.form.kind))
        .bind(5, form_json(r.form))
        .bind(6, r.org_node)
        .bind(7, r.ca_id)
        .bind(8, r.profile_id);
    if (r.csr_der.empty())
        s.bind_null(9);
    else
        s.bind_blob(9, r.csr_der);
    s.bind(10, r.target).bind(11, std::int64_t{r.revocation_reason});
    if (r.challenge_hash.empty()) {
        s.bind_null(12).bind_null(13);
    } else {
        s.bind_blob(12, r.challenge_salt).bind_blob(13, r.challenge_hash);
    }
    s.bind(14, std::int64_t{r.self_service ? 1 : 0})
        .bind(15, r.submitted_by)
        .bind(16, static_cast<std::int64_t>(to_unix(r.submitted_at)))
        .bind(17, static_cast<std::int64_t>(to_unix(r.decision_due)))
        .bind(18, r.approved_by);
    bind_time(s, 19, r.approved_at);
    s.bind(20, r.reviewed_by);
    bind_time(s, 21, r.reviewed_at);
    s.bind(22, r.rejected_by).bind(23, r.reject_reason);
    bind_time(s, 24, r.rejected_at);
    s.bind(25, r.result);
    bind_time(s, 26, r.completed_at);
    if (r.delivery)
        s.bind(27, ra::delivery_method_name(*r.delivery));
    else
        s.bind_null(27);
    s.bind(28, r.delivered_by).bind(29, r.received_by);
    bind_time(s, 30, r.delivered_at);
    s.bind(31, r.carrier_no).bind(32, r.version);
    s.bind(33, std::int64_t{r.validity_days});
    s.bind(34, r.form.get("province_city")).bind(35, r.form.get("email"));
    s.bind(36, std::int64_t{r.dual ? 1 : 0});
}

}  // namespace

struct SqliteRaStore::Impl {
    std::mutex mu;
    Database db;
    SystemClock system_clock;
    const Clock* clock = nullptr;

    std::int64_t now() const { return to_unix(clock->now()); }

    Status insert_event(const ra::RequestEvent& e) {
        YX_ASSIGN_OR_RETURN(Statement s, db.prepare("INSERT INTO ra_request_events (request_id, at, actor, role, "
                                                    "action, from_state, to_state, signature, detail) VALUES "
                                                    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
        s.bind(1, e.request_id)
            .bind(2, static_cast<std::int64_t>(to_unix(e.at)))
            .bind(3, e.actor)
            .bind(4, e.role)
            .bind(5, e.action)
            .bind(6, ra::request_state_name(e.from))
            .bind(7, ra::request_state_name(e.to))
            .bind(8, e.signature)
            .bind(9, e.detail);
        return s.run();
    }

    Result<std::optional<ra::RaRequest>> find(std::string_view id) {
        YX_ASSIGN_OR_RETURN(Statement s,
                            db.prepare("SELECT " + std::string(k_columns) + " FROM ra_requests WHERE id = ?1"));
        s.bind(1, id);
        YX_ASSIGN_OR_RETURN(bool row, s.step());
        if (!row) return std::optional<ra::RaRequest>{};
        YX_ASSIGN_OR_RETURN(ra::RaRequest r, read_request(s));
        return std::optional<ra::RaRequest>{std::move(r)};
    }
};

SqliteRaStore::SqliteRaStore(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
SqliteRaStore::~SqliteRaStore() = default;

Result<std::unique_ptr<SqliteRaStore>> SqliteRaStore::open(const std::string& path, SqliteRaOptions options) {
    auto impl = std::make_unique<Impl>();
    impl->clock = options.clock != nullptr ? options.clock : &impl->system_clock;
    YX_ASSIGN_OR_RETURN(impl->db, sqlite::open_database(path, options.busy_timeout_ms));
    YX_TRY(sqlite::migrate(impl->db, impl->now()));
    return std::unique_ptr<SqliteRaStore>(new SqliteRaStore(std::move(impl)));
}

Status SqliteRaStore::insert_request(const ra::RaRequest& request, const ra::RequestEvent& event,
                                     std::span<const ra::NewNotification> notes) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    YX_ASSIGN_OR_RETURN(auto existing, m_impl->find(request.id));
    if (existing) return make_error(Errc::ra_duplicate, "request " + request.id + " exists");
    YX_ASSIGN_OR_RETURN(
        Statement s,
        m_impl->db.prepare("INSERT INTO ra_requests (" + std::string(k_columns) +
                           ", region, email) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
                           "?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, "
                           "?32, ?33, ?36, ?34, ?35)"));
    bind_request(s, request);
    YX_TRY(s.run());
    YX_TRY(m_impl->insert_event(event));
    YX_TRY(sqlite::insert_notifications(m_impl->db, notes, m_impl->now()));
    return tx.commit();
}

Result<std::optional<ra::RaRequest>> SqliteRaStore::find_request(std::string_view id) {
    std::lock_guard lock(m_impl->mu);
    return m_impl->find(id);
}

Status SqliteRaStore::update_request(const ra::RaRequest& request, std::int64_t expected_version,
                                     const ra::RequestEvent& event, std::span<const ra::NewNotification> notes) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    YX_ASSIGN_OR_RETURN(
        Statement s, m_impl->db.prepare(
                         "UPDATE ra_requests SET kind = ?2, state = ?3, subject_kind = ?4, form_json = ?5, "
                         "org_node = ?6, ca_id = ?7, profile_id = ?8, csr_der = ?9, target = ?10, "
                         "revocation_reason = ?11, challenge_salt = ?12, challenge_hash = ?13, self_service = ?14, "
                         "submitted_by = ?15, submitted_at = ?16, decision_due = ?17, approved_by = ?18, "
                         "approved_at = ?19, reviewed_by = ?20, reviewed_at = ?21, rejected_by = ?22, "
                         "reject_reason = ?23, rejected_at = ?24, result = ?25, completed_at = ?26, delivery = ?27, "
                         "delivered_by = ?28, received_by = ?29, delivered_at = ?30, carrier_no = ?31, "
                         "version = ?32, validity_days = ?33, region = ?34, email = ?35, dual = ?36 WHERE id = ?1 AND "
                         "version = ?37"));
    bind_request(s, request);
    s.bind(37, expected_version);
    YX_TRY(s.run());
    if (m_impl->db.changes() != 1)
        return make_error(Errc::ra_conflict, "request " + request.id + " was changed by somebody else first");
    YX_TRY(m_impl->insert_event(event));
    YX_TRY(sqlite::insert_notifications(m_impl->db, notes, m_impl->now()));
    return tx.commit();
}

Result<std::vector<ra::RaRequest>> SqliteRaStore::list_requests(const ra::RequestFilter& f) {
    if (f.limit == 0 || f.limit > 1000) return make_error(Errc::invalid_argument, "page size must be 1..1000");
    std::string sql = "SELECT " + std::string(k_columns) + " FROM ra_requests WHERE id > ?1";
    if (f.state) sql += " AND state = ?2";
    if (f.kind) sql += " AND kind = ?3";
    if (!f.submitted_by.empty()) sql += " AND submitted_by = ?4";
    if (f.decision_due_before) sql += " AND decision_due < ?5 AND state IN ('submitted', 'approved', 'reviewed')";
    if (!f.org_nodes.empty()) sql += " AND org_node IN (SELECT value FROM json_each(?6))";
    sql += " ORDER BY id LIMIT ?7";
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Statement s, m_impl->db.prepare(sql));
    s.bind(1, f.after_id);
    if (f.state) s.bind(2, ra::request_state_name(*f.state));
    if (f.kind) s.bind(3, ra::request_kind_name(*f.kind));
    if (!f.submitted_by.empty()) s.bind(4, f.submitted_by);
    if (f.decision_due_before) s.bind(5, static_cast<std::int64_t>(to_unix(*f.decision_due_before)));
    if (!f.org_nodes.empty()) s.bind(6, nlohmann::json(f.org_nodes).dump());
    s.bind(7, static_cast<std::int64_t>(f.limit));
    std::vector<ra::RaRequest> out;
    for (;;) {
        YX_ASSIGN_OR_RETURN(bool row, s.step());
        if (!row) break;
        YX_ASSIGN_OR_RETURN(ra::RaRequest r, read_request(s));
        out.push_back(std::move(r));
    }
    return out;
}

Result<std::vector<ra::RequestEvent>> SqliteRaStore::history(std::string_view request_id) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Statement s, m_impl->db.prepare("SELECT seq, request_id, at, actor, role, action, from_state, "
                                                        "to_state, signature, detail FROM ra_request_events WHERE "
                                                        "request_id = ?1 ORDER BY seq"));
    s.bind(1, request_id);
    std::vector<ra::RequestEvent> out;
    for (;;) {
        YX_ASSIGN_OR_RETURN(bool row, s.step());
        if (!row) break;
        ra::RequestEvent e;
        e.seq = s.column_int(0);
        e.request_id = s.column_text(1);
        e.at = from_unix(s.column_int(2));
        e.actor = s.column_text(3);
        e.role = s.column_text(4);
        e.action = s.column_text(5);
        auto from = ra::request_state_from_name(s.column_text(6));
        auto to = ra::request_state_from_name(s.column_text(7));
        if (!from || !to) return corrupt(e.request_id, "event state");
        e.from = *from;
        e.to = *to;
        e.signature = s.column_text(8);
        e.detail = s.column_text(9);
        out.push_back(std::move(e));
    }
    return out;
}

Result<std::optional<std::string>> SqliteRaStore::certificate_for_request(std::string_view request_id) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Statement s, m_impl->db.prepare("SELECT ca_id, serial FROM certificates WHERE request_id = ?1 "
                                                        "AND status = 'issued' ORDER BY id LIMIT 1"));
    s.bind(1, request_id);
    YX_ASSIGN_OR_RETURN(bool row, s.step());
    if (!row) return std::optional<std::string>{};
    return std::optional<std::string>{s.column_text(0) + ":" + s.column_text(1)};
}

Result<std::optional<ra::RaRequest>> SqliteRaStore::request_for_certificate(std::string_view certificate_ref) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Statement s, m_impl->db.prepare("SELECT " + std::string(k_columns) +
                                                        " FROM ra_requests WHERE result = ?1 AND kind IN ('issue', "
                                                        "'renewal', 'change') ORDER BY submitted_at LIMIT 1"));
    s.bind(1, certificate_ref);
    YX_ASSIGN_OR_RETURN(bool row, s.step());
    if (!row) return std::optional<ra::RaRequest>{};
    YX_ASSIGN_OR_RETURN(ra::RaRequest r, read_request(s));
    return std::optional<ra::RaRequest>{std::move(r)};
}

Result<std::vector<ra::ExpiringCertificate>> SqliteRaStore::expiring(TimePoint now, TimePoint until,
                                                                     std::size_t limit) {
    if (limit == 0 || limit > 10'000) return make_error(Errc::invalid_argument, "limit must be 1..10000");
    std::lock_guard lock(m_impl->mu);
    // End-entity certificates only (CA certificates come from profiles named *-ca).
    YX_ASSIGN_OR_RETURN(
        Statement s,
        m_impl->db.prepare(
            "SELECT c.ca_id, c.serial, c.subject_dn, c.profile_id, c.not_after, COALESCE(r.id, ''), "
            "COALESCE(r.email, ''), COALESCE(r.org_node, '') FROM certificates c "
            "LEFT JOIN revocations v ON v.ca_id = c.ca_id AND v.serial = c.serial "
            "LEFT JOIN ra_requests r ON r.result = c.ca_id || ':' || c.serial AND r.kind IN ('issue', 'renewal', "
            "'change') WHERE c.status = 'issued' AND v.id IS NULL AND c.profile_id NOT LIKE '%-ca' "
            "AND c.not_after >= ?1 AND c.not_after < ?2 ORDER BY c.not_after, c.id LIMIT ?3"));
    s.bind(1, static_cast<std::int64_t>(to_unix(now)))
        .bind(2, static_cast<std::int64_t>(to_unix(until)))
        .bind(3, static_cast<std::int64_t>(limit));
    std::vector<ra::ExpiringCertificate> out;
    for (;;) {
        YX_ASSIGN_OR_RETURN(bool row, s.step());
        if (!row) break;
        ra::ExpiringCertificate e;
        e.ca_id = s.column_text(0);
        e.serial_hex = s.column_text(1);
        e.subject_dn = s.column_text(2);
        e.profile_id = s.column_text(3);
        e.not_after = from_unix(s.column_int(4));
        e.request_id = s.column_text(5);
        e.email = s.column_text(6);
        e.org_node = s.column_text(7);
        out.push_back(std::move(e));
    }
    return out;
}

Result<std::vector<std::string>> SqliteRaStore::expired_holds(TimePoint now, std::size_t limit) {
    if (limit == 0 || limit > 10'000) return make_error(Errc::invalid_argument, "limit must be 1..10000");
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Statement s, m_impl->db.prepare("SELECT v.ca_id, v.serial FROM revocations v JOIN certificates "
                                                        "c ON c.ca_id = v.ca_id AND c.serial = v.serial WHERE "
                                                        "v.reason = 6 AND c.not_after <= ?1 ORDER BY v.id LIMIT ?2"));
    s.bind(1, static_cast<std::int64_t>(to_unix(now))).bind(2, static_cast<std::int64_t>(limit));
    std::vector<std::string> out;
    for (;;) {
        YX_ASSIGN_OR_RETURN(bool row, s.step());
        if (!row) break;
        out.push_back(s.column_text(0) + ":" + s.column_text(1));
    }
    return out;
}

Result<std::vector<ra::StatisticsRow>> SqliteRaStore::statistics(TimePoint from, TimePoint to, TimePoint now,
                                                                 std::span<const std::string> org_nodes) {
    std::lock_guard lock(m_impl->mu);
    std::string sql =
        "SELECT r.org_node, c.profile_id, r.region, CASE WHEN v.reason = 6 THEN 'suspended' WHEN v.id IS NOT NULL "
        "THEN 'revoked' WHEN c.not_after < ?3 THEN 'expired' ELSE 'valid' END AS st, "
        "strftime('%Y-%m', c.not_before, 'unixepoch') AS period, COUNT(*) FROM certificates c "
        "JOIN ra_requests r ON r.result = c.ca_id || ':' || c.serial AND r.kind IN ('issue', 'renewal', 'change') "
        "LEFT JOIN revocations v ON v.ca_id = c.ca_id AND v.serial = c.serial "
        "WHERE c.status = 'issued' AND c.not_before >= ?1 AND c.not_before < ?2";
    if (!org_nodes.empty()) sql += " AND r.org_node IN (SELECT value FROM json_each(?4))";
    sql += " GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5";
    YX_ASSIGN_OR_RETURN(Statement s, m_impl->db.prepare(sql));
    s.bind(1, static_cast<std::int64_t>(to_unix(from)))
        .bind(2, static_cast<std::int64_t>(to_unix(to)))
        .bind(3, static_cast<std::int64_t>(to_unix(now)));
    if (!org_nodes.empty())
        s.bind(4, nlohmann::json(std::vector<std::string>(org_nodes.begin(), org_nodes.end())).dump());
    std::vector<ra::StatisticsRow> out;
    for (;;) {
        YX_ASSIGN_OR_RETURN(bool row, s.step());
        if (!row) break;
        out.push_back({s.column_text(0), s.column_text(1), s.column_text(2), s.column_text(3), s.column_text(4),
                       s.column_int(5)});
    }
    return out;
}

Result<std::size_t> SqliteRaStore::add_notifications(std::span<const ra::NewNotification> notes) {
    if (notes.empty()) return std::size_t{0};
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    YX_ASSIGN_OR_RETURN(auto ids, sqlite::insert_notifications_with_ids(m_impl->db, notes, m_impl->now()));
    YX_TRY(tx.commit());
    return static_cast<std::size_t>(std::count_if(ids.begin(), ids.end(), [](std::int64_t id) { return id != 0; }));
}

namespace {

constexpr std::string_view k_dual_columns =
    "request_id, sign_result, encryption_serial, kmc_request, enc_result, csr_response, kmc_revoked";

Result<std::optional<ra::DualKeyRecord>> read_dual_key(Statement& s) {
    YX_ASSIGN_OR_RETURN(bool row, s.step());
    if (!row) return std::optional<ra::DualKeyRecord>{};
    ra::DualKeyRecord d;
    d.request_id = s.column_text(0);
    d.sign_result = s.column_text(1);
    d.encryption_serial = s.column_blob(2);
    d.kmc_request = s.column_blob(3);
    d.enc_result = s.column_text(4);
    d.csr_response = s.column_blob(5);
    d.kmc_revoked = s.column_int(6) != 0;
    return std::optional<ra::DualKeyRecord>{std::move(d)};
}

}  // namespace

Result<std::optional<ra::DualKeyRecord>> SqliteRaStore::dual_key(std::string_view request_id) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Statement s, m_impl->db.prepare("SELECT " + std::string(k_dual_columns) +
                                                        " FROM ra_dual_keys WHERE request_id = ?1"));
    s.bind(1, request_id);
    return read_dual_key(s);
}

Result<std::optional<ra::DualKeyRecord>> SqliteRaStore::dual_key_for_certificate(std::string_view certificate_ref) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Statement s, m_impl->db.prepare("SELECT " + std::string(k_dual_columns) +
                                                        " FROM ra_dual_keys WHERE sign_result = ?1 OR "
                                                        "(enc_result <> '' AND enc_result = ?1) LIMIT 1"));
    s.bind(1, certificate_ref);
    return read_dual_key(s);
}

Status SqliteRaStore::save_dual_key(const ra::DualKeyRecord& d) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Statement s,
                        m_impl->db.prepare("INSERT OR REPLACE INTO ra_dual_keys (" + std::string(k_dual_columns) +
                                           ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
    s.bind(1, d.request_id).bind(2, d.sign_result).bind_blob(3, d.encryption_serial).bind_blob(4, d.kmc_request);
    s.bind(5, d.enc_result);
    if (d.csr_response.empty())
        s.bind_null(6);
    else
        s.bind_blob(6, d.csr_response);
    s.bind(7, std::int64_t{d.kmc_revoked ? 1 : 0});
    return s.run();
}

}  // namespace yinxin::store
