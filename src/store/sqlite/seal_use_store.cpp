#include <nlohmann/json.hpp>

#include <mutex>

#include "sqlite/migrations.h"
#include "yinxin/store/sqlite_seal_use_store.h"

namespace yinxin::store {

using sealsys::SealGrant;
using sealsys::SealPermission;
using sealsys::UseLogEntry;
using sealsys::UseRequest;
using sealsys::UseState;
using yinxin::sqlite::Database;
using yinxin::sqlite::Statement;
using yinxin::sqlite::StatementUse;
using yinxin::sqlite::Transaction;

namespace {

constexpr std::string_view k_grant_columns =
    "seal_code, staff_id, permission, staff_role, granted_by, granted_at, withdrawn_by, withdrawn_at";
// Every column but the document and result bytes.
constexpr std::string_view k_request_columns =
    "id, seal_code, seal_name, org_node, document_name, document_kind, document_sm3, document_size, purpose, stamp, "
    "state, requested_by, requester_role, requested_at, review_deadline, reviewed_by, reviewed_at, refuse_reason, "
    "decision_signature, decision_note, signed_by, signed_at, result_sm3, fetched_by, fetched_at, expired_at";
constexpr std::string_view k_log_columns =
    "seq, request_id, seal_code, seal_name, org_node, document_name, document_sm3, result_sm3, requested_by, "
    "reviewed_by, operator, signed_at";

Error corrupt(const std::string& what) { return make_error(Errc::store_io, "store: " + what); }

std::int64_t unix_of(TimePoint t) { return static_cast<std::int64_t>(to_unix(t)); }

void bind_text_or_null(Statement& s, int i, const std::string& v) {
    if (v.empty())
        s.bind_null(i);
    else
        s.bind(i, v);
}
void bind_time_or_null(Statement& s, int i, const std::optional<TimePoint>& t) {
    if (t)
        s.bind(i, unix_of(*t));
    else
        s.bind_null(i);
}
std::optional<TimePoint> time_or_null(const Statement& s, int i) {
    if (s.column_is_null(i)) return std::nullopt;
    return from_unix(s.column_int(i));
}
// NULL for nullopt, else the JSON array of the values (read back with json_each).
void bind_list_or_null(Statement& s, int i, const std::optional<std::vector<std::string>>& v) {
    if (v)
        s.bind(i, nlohmann::json(*v).dump());
    else
        s.bind_null(i);
}

std::string stamp_json(const std::optional<seal::OfdStamp>& stamp) {
    if (!stamp) return {};
    const ofd::Boundary& b = stamp->boundary;
    return nlohmann::json{{"page", stamp->page_index}, {"x", b.x}, {"y", b.y}, {"width", b.width}, {"height", b.height}}
        .dump();
}

Result<SealGrant> read_grant(const Statement& s) {
    SealGrant g;
    g.seal_code = s.column_text(0);
    g.staff_id = s.column_text(1);
    auto p = sealsys::permission_from_name(s.column_text(2));
    if (!p) return corrupt("seal_use_grants row " + g.seal_code + ":" + g.staff_id + ": bad permission");
    g.permission = *p;
    g.staff_role = s.column_text(3);
    g.granted_by = s.column_text(4);
    g.granted_at = from_unix(s.column_int(5));
    g.withdrawn_by = s.column_text(6);
    g.withdrawn_at = time_or_null(s, 7);
    return g;
}

Result<UseRequest> read_request(const Statement& s) {
    UseRequest r;
    r.id = s.column_text(0);
    r.seal_code = s.column_text(1);
    r.seal_name = s.column_text(2);
    r.org_node = s.column_text(3);
    r.document_name = s.column_text(4);
    auto kind = sealsys::document_kind_from_name(s.column_text(5));
    auto state = sealsys::use_state_from_name(s.column_text(10));
    if (!kind || !state) return corrupt("seal_use_requests row " + r.id + ": bad document kind or state");
    r.document_kind = *kind;
    r.document_sm3 = s.column_text(6);
    r.document_size = static_cast<std::uint64_t>(s.column_int(7));
    r.purpose = s.column_text(8);
    if (!s.column_is_null(9)) {
        auto j = nlohmann::json::parse(s.column_text(9), nullptr, false);
        if (!j.is_object() || !j.contains("page") || !j["page"].is_number_unsigned())
            return corrupt("seal_use_requests row " + r.id + ": bad stamp");
        seal::OfdStamp st;
        st.page_index = j["page"].get<std::size_t>();
        st.boundary.x = j.value("x", 0.0);
        st.boundary.y = j.value("y", 0.0);
        st.boundary.width = j.value("width", 0.0);
        st.boundary.height = j.value("height", 0.0);
        r.stamp = st;
    }
    r.state = *state;
    r.requested_by = s.column_text(11);
    r.requester_role = s.column_text(12);
    r.requested_at = from_unix(s.column_int(13));
    r.review_deadline = from_unix(s.column_int(14));
    r.reviewed_by = s.column_text(15);
    r.reviewed_at = time_or_null(s, 16);
    r.refuse_reason = s.column_text(17);
    r.decision_signature = s.column_blob(18);
    r.decision_note = s.column_text(19);
    r.signed_by = s.column_text(20);
    r.signed_at = time_or_null(s, 21);
    r.result_sm3 = s.column_text(22);
    r.fetched_by = s.column_text(23);
    r.fetched_at = time_or_null(s, 24);
    r.expired_at = time_or_null(s, 25);
    return r;
}

UseLogEntry read_log(const Statement& s) {
    UseLogEntry e;
    e.seq = s.column_int(0);
    e.request_id = s.column_text(1);
    e.seal_code = s.column_text(2);
    e.seal_name = s.column_text(3);
    e.org_node = s.column_text(4);
    e.document_name = s.column_text(5);
    e.document_sm3 = s.column_text(6);
    e.result_sm3 = s.column_text(7);
    e.requested_by = s.column_text(8);
    e.reviewed_by = s.column_text(9);
    e.operator_id = s.column_text(10);
    e.signed_at = from_unix(s.column_int(11));
    return e;
}

std::string state_of(UseState s) { return std::string(sealsys::use_state_name(s)); }

}  // namespace

struct SqliteSealUseStore::Impl {
    std::mutex mu;
    Database db;
    SystemClock system_clock;
    const Clock* clock = nullptr;
    Statement sel_active_grant, ins_grant, upd_withdraw, sel_grants_seal, sel_grants_staff;
    Statement sel_request, ins_request, sel_requests, sel_document, upd_request, upd_complete, ins_log;
    Statement sel_result, upd_fetch, sel_log, sel_overdue;

    Status prepare_all() {
        const std::string gc(k_grant_columns);
        const std::string rc(k_request_columns);
        const std::string lc(k_log_columns);
        struct Def {
            Statement* s;
            std::string sql;
        };
        const Def defs[] = {
            {&sel_active_grant, "SELECT " + gc +
                                    " FROM seal_use_grants WHERE seal_code = ?1 AND staff_id = ?2 AND permission = ?3 "
                                    "AND withdrawn_at IS NULL"},
            {&ins_grant,
             "INSERT INTO seal_use_grants (seal_code, staff_id, permission, staff_role, granted_by, granted_at) "
             "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"},
            {&upd_withdraw,
             "UPDATE seal_use_grants SET withdrawn_by = ?4, withdrawn_at = ?5 WHERE seal_code = ?1 AND staff_id = ?2 "
             "AND permission = ?3 AND withdrawn_at IS NULL"},
            {&sel_grants_seal, "SELECT " + gc +
                                   " FROM seal_use_grants WHERE seal_code = ?1 AND withdrawn_at IS NULL "
                                   "ORDER BY staff_id, permission"},
            {&sel_grants_staff, "SELECT " + gc +
                                    " FROM seal_use_grants WHERE staff_id = ?1 AND withdrawn_at IS NULL "
                                    "ORDER BY seal_code, permission"},
            {&sel_request, "SELECT " + rc + " FROM seal_use_requests WHERE id = ?1"},
            {&ins_request, "INSERT INTO seal_use_requests (" + rc +
                               ", document) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
                               "?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27)"},
            {&sel_requests, "SELECT " + rc +
                                " FROM seal_use_requests WHERE "
                                "(?1 IS NULL OR org_node IN (SELECT value FROM json_each(?1))) "
                                "AND (?2 IS NULL OR seal_code IN (SELECT value FROM json_each(?2))) "
                                "AND (?3 = '' OR seal_code = ?3) AND (?4 = '' OR requested_by = ?4) "
                                "AND (?5 IS NULL OR state = ?5) AND id > ?6 ORDER BY id LIMIT ?7"},
            {&sel_document, "SELECT document FROM seal_use_requests WHERE id = ?1"},
            {&upd_request,
             "UPDATE seal_use_requests SET state = ?2, reviewed_by = ?3, reviewed_at = ?4, refuse_reason = ?5, "
             "decision_signature = ?6, decision_note = ?7, expired_at = ?8 WHERE id = ?1 AND state = ?9"},
            {&upd_complete,
             "UPDATE seal_use_requests SET state = 'signed', signed_by = ?2, signed_at = ?3, result_sm3 = ?4, "
             "result = ?5 WHERE id = ?1 AND state = 'approved'"},
            {&ins_log,
             "INSERT INTO seal_use_log (request_id, seal_code, seal_name, org_node, document_name, document_sm3, "
             "result_sm3, requested_by, reviewed_by, operator, signed_at) "
             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"},
            {&sel_result, "SELECT state, result, fetched_by, fetched_at FROM seal_use_requests WHERE id = ?1"},
            {&upd_fetch,
             "UPDATE seal_use_requests SET fetched_by = ?2, fetched_at = ?3, result = NULL "
             "WHERE id = ?1 AND state = 'signed' AND fetched_at IS NULL"},
            {&sel_log, "SELECT " + lc +
                           " FROM seal_use_log WHERE "
                           "(?1 IS NULL OR org_node IN (SELECT value FROM json_each(?1))) "
                           "AND (?2 = '' OR seal_code = ?2) AND (?3 IS NULL OR signed_at >= ?3) "
                           "AND (?4 IS NULL OR signed_at <= ?4) AND seq > ?5 ORDER BY seq LIMIT ?6"},
            {&sel_overdue,
             "SELECT id FROM seal_use_requests WHERE state = 'requested' AND review_deadline <= ?1 "
             "ORDER BY review_deadline, id LIMIT ?2"},
        };
        for (const Def& d : defs) {
            YX_ASSIGN_OR_RETURN(*d.s, db.prepare(d.sql));
        }
        return ok_status();
    }

    Result<std::optional<SealGrant>> find_active_grant(std::string_view seal_code, std::string_view staff_id,
                                                       SealPermission p) {
        StatementUse q(sel_active_grant);
        q->bind(1, seal_code).bind(2, staff_id).bind(3, sealsys::permission_name(p));
        YX_ASSIGN_OR_RETURN(bool row, q->step());
        if (!row) return std::optional<SealGrant>{};
        YX_ASSIGN_OR_RETURN(SealGrant g, read_grant(*q));
        return std::optional<SealGrant>{std::move(g)};
    }

    Result<std::optional<UseRequest>> find_request(std::string_view id) {
        StatementUse q(sel_request);
        q->bind(1, id);
        YX_ASSIGN_OR_RETURN(bool row, q->step());
        if (!row) return std::optional<UseRequest>{};
        YX_ASSIGN_OR_RETURN(UseRequest r, read_request(*q));
        return std::optional<UseRequest>{std::move(r)};
    }

    Result<std::vector<SealGrant>> grants(Statement& st, std::string_view key) {
        StatementUse q(st);
        q->bind(1, key);
        std::vector<SealGrant> out;
        for (;;) {
            YX_ASSIGN_OR_RETURN(bool row, q->step());
            if (!row) break;
            YX_ASSIGN_OR_RETURN(SealGrant g, read_grant(*q));
            out.push_back(std::move(g));
        }
        return out;
    }

    // After a compare-and-set that changed nothing: why.
    Error lost_race(std::string_view id, std::string_view expected) {
        auto now = find_request(id);
        if (!now) return now.error();
        if (!*now) return make_error(Errc::seal_not_found, "no seal-use request '" + std::string(id) + "'");
        return make_error(Errc::seal_illegal_state, "seal-use request " + std::string(id) + " is " +
                                                        state_of((*now)->state) + ", no longer " +
                                                        std::string(expected));
    }
};

SqliteSealUseStore::SqliteSealUseStore(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
SqliteSealUseStore::~SqliteSealUseStore() = default;

Result<std::unique_ptr<SqliteSealUseStore>> SqliteSealUseStore::open(const std::string& path,
                                                                     SqliteSealUseOptions options) {
    auto impl = std::make_unique<Impl>();
    impl->clock = options.clock != nullptr ? options.clock : &impl->system_clock;
    YX_ASSIGN_OR_RETURN(impl->db, sqlite::open_database(path, options.busy_timeout_ms));
    YX_TRY(sqlite::migrate(impl->db, to_unix(impl->clock->now())));
    YX_TRY(impl->prepare_all());
    return std::unique_ptr<SqliteSealUseStore>(new SqliteSealUseStore(std::move(impl)));
}

// --- grants --------------------------------------------------------------------------------------

Status SqliteSealUseStore::insert_grant(const SealGrant& g) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    YX_ASSIGN_OR_RETURN(auto existing, m_impl->find_active_grant(g.seal_code, g.staff_id, g.permission));
    if (existing)
        return make_error(Errc::seal_duplicate, "'" + g.staff_id + "' holds '" +
                                                    std::string(sealsys::permission_name(g.permission)) + "' on seal " +
                                                    g.seal_code + " since " + format_rfc3339(existing->granted_at));
    {
        StatementUse ins(m_impl->ins_grant);
        ins->bind(1, g.seal_code)
            .bind(2, g.staff_id)
            .bind(3, sealsys::permission_name(g.permission))
            .bind(4, g.staff_role)
            .bind(5, g.granted_by)
            .bind(6, unix_of(g.granted_at));
        YX_TRY(ins->run());
    }
    return tx.commit();
}

Result<SealGrant> SqliteSealUseStore::withdraw_grant(std::string_view seal_code, std::string_view staff_id,
                                                     SealPermission permission, std::string_view withdrawn_by,
                                                     TimePoint at) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    YX_ASSIGN_OR_RETURN(auto existing, m_impl->find_active_grant(seal_code, staff_id, permission));
    if (!existing)
        return make_error(Errc::seal_not_found, "'" + std::string(staff_id) + "' holds no '" +
                                                    std::string(sealsys::permission_name(permission)) +
                                                    "' permission on seal " + std::string(seal_code));
    {
        StatementUse u(m_impl->upd_withdraw);
        u->bind(1, seal_code)
            .bind(2, staff_id)
            .bind(3, sealsys::permission_name(permission))
            .bind(4, withdrawn_by)
            .bind(5, unix_of(at));
        YX_TRY(u->run());
    }
    YX_TRY(tx.commit());
    SealGrant g = std::move(*existing);
    g.withdrawn_by = std::string(withdrawn_by);
    g.withdrawn_at = at;
    return g;
}

Result<bool> SqliteSealUseStore::has_grant(std::string_view seal_code, std::string_view staff_id,
                                           SealPermission permission) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(auto g, m_impl->find_active_grant(seal_code, staff_id, permission));
    return g.has_value();
}

Result<std::vector<SealGrant>> SqliteSealUseStore::list_grants(std::string_view seal_code) {
    std::lock_guard lock(m_impl->mu);
    return m_impl->grants(m_impl->sel_grants_seal, seal_code);
}

Result<std::vector<SealGrant>> SqliteSealUseStore::grants_of(std::string_view staff_id) {
    std::lock_guard lock(m_impl->mu);
    return m_impl->grants(m_impl->sel_grants_staff, staff_id);
}

// --- requests ------------------------------------------------------------------------------------

Status SqliteSealUseStore::insert_request(const UseRequest& r, BytesView document) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    YX_ASSIGN_OR_RETURN(auto same_id, m_impl->find_request(r.id));
    if (same_id) return make_error(Errc::seal_duplicate, "seal-use request " + r.id + " exists already");
    {
        StatementUse ins(m_impl->ins_request);
        ins->bind(1, r.id)
            .bind(2, r.seal_code)
            .bind(3, r.seal_name)
            .bind(4, r.org_node)
            .bind(5, r.document_name)
            .bind(6, sealsys::document_kind_name(r.document_kind))
            .bind(7, r.document_sm3)
            .bind(8, static_cast<std::int64_t>(r.document_size))
            .bind(9, r.purpose);
        bind_text_or_null(*ins, 10, stamp_json(r.stamp));
        ins->bind(11, state_of(r.state))
            .bind(12, r.requested_by)
            .bind(13, r.requester_role)
            .bind(14, unix_of(r.requested_at))
            .bind(15, unix_of(r.review_deadline));
        bind_text_or_null(*ins, 16, r.reviewed_by);
        bind_time_or_null(*ins, 17, r.reviewed_at);
        bind_text_or_null(*ins, 18, r.refuse_reason);
        if (r.decision_signature.empty())
            ins->bind_null(19);
        else
            ins->bind_blob(19, r.decision_signature);
        bind_text_or_null(*ins, 20, r.decision_note);
        bind_text_or_null(*ins, 21, r.signed_by);
        bind_time_or_null(*ins, 22, r.signed_at);
        bind_text_or_null(*ins, 23, r.result_sm3);
        bind_text_or_null(*ins, 24, r.fetched_by);
        bind_time_or_null(*ins, 25, r.fetched_at);
        bind_time_or_null(*ins, 26, r.expired_at);
        ins->bind_blob(27, document);
        YX_TRY(ins->run());
    }
    return tx.commit();
}

Result<std::optional<UseRequest>> SqliteSealUseStore::find_request(std::string_view id) {
    std::lock_guard lock(m_impl->mu);
    return m_impl->find_request(id);
}

Result<std::vector<UseRequest>> SqliteSealUseStore::list_requests(const sealsys::UseRequestFilter& f) {
    if (f.limit == 0 || f.limit > sealsys::k_max_use_page)
        return make_error(Errc::invalid_argument, "page size must be 1..1000");
    std::lock_guard lock(m_impl->mu);
    StatementUse q(m_impl->sel_requests);
    bind_list_or_null(*q, 1, f.org_nodes);
    bind_list_or_null(*q, 2, f.seal_codes);
    q->bind(3, f.seal_code).bind(4, f.requested_by);
    if (f.state)
        q->bind(5, state_of(*f.state));
    else
        q->bind_null(5);
    q->bind(6, f.after_id).bind(7, static_cast<std::int64_t>(f.limit));
    std::vector<UseRequest> out;
    for (;;) {
        YX_ASSIGN_OR_RETURN(bool row, q->step());
        if (!row) break;
        YX_ASSIGN_OR_RETURN(UseRequest r, read_request(*q));
        out.push_back(std::move(r));
    }
    return out;
}

Result<Bytes> SqliteSealUseStore::document(std::string_view id) {
    std::lock_guard lock(m_impl->mu);
    StatementUse q(m_impl->sel_document);
    q->bind(1, id);
    YX_ASSIGN_OR_RETURN(bool row, q->step());
    if (!row) return make_error(Errc::seal_not_found, "no seal-use request '" + std::string(id) + "'");
    return q->column_blob(0);
}

Status SqliteSealUseStore::update_request(const UseRequest& r, UseState expected) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    {
        StatementUse u(m_impl->upd_request);
        u->bind(1, r.id).bind(2, state_of(r.state));
        bind_text_or_null(*u, 3, r.reviewed_by);
        bind_time_or_null(*u, 4, r.reviewed_at);
        bind_text_or_null(*u, 5, r.refuse_reason);
        if (r.decision_signature.empty())
            u->bind_null(6);
        else
            u->bind_blob(6, r.decision_signature);
        bind_text_or_null(*u, 7, r.decision_note);
        bind_time_or_null(*u, 8, r.expired_at);
        u->bind(9, state_of(expected));
        YX_TRY(u->run());
    }
    if (m_impl->db.changes() == 0) return m_impl->lost_race(r.id, state_of(expected));
    return tx.commit();
}

Status SqliteSealUseStore::complete_request(const UseRequest& r, BytesView result, const UseLogEntry& e) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    {
        StatementUse u(m_impl->upd_complete);
        u->bind(1, r.id).bind(2, r.signed_by).bind(3, unix_of(r.signed_at.value_or(e.signed_at)));
        u->bind(4, r.result_sm3).bind_blob(5, result);
        YX_TRY(u->run());
    }
    if (m_impl->db.changes() == 0) return m_impl->lost_race(r.id, "approved");
    {
        StatementUse ins(m_impl->ins_log);
        ins->bind(1, e.request_id)
            .bind(2, e.seal_code)
            .bind(3, e.seal_name)
            .bind(4, e.org_node)
            .bind(5, e.document_name)
            .bind(6, e.document_sm3)
            .bind(7, e.result_sm3)
            .bind(8, e.requested_by)
            .bind(9, e.reviewed_by)
            .bind(10, e.operator_id)
            .bind(11, unix_of(e.signed_at));
        YX_TRY(ins->run());
    }
    return tx.commit();
}

Result<Bytes> SqliteSealUseStore::take_result(std::string_view id, std::string_view fetched_by, TimePoint at) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    Bytes content;
    {
        StatementUse q(m_impl->sel_result);
        q->bind(1, id);
        YX_ASSIGN_OR_RETURN(bool row, q->step());
        if (!row) return make_error(Errc::seal_not_found, "no seal-use request '" + std::string(id) + "'");
        const std::string state = q->column_text(0);
        if (state != "signed")
            return make_error(Errc::seal_illegal_state,
                              "seal-use request " + std::string(id) + " is " + state + ": nothing was signed");
        if (!q->column_is_null(3))
            return make_error(Errc::seal_illegal_state, "the signed document of request " + std::string(id) +
                                                            " was fetched by " + q->column_text(2) + " already");
        content = q->column_blob(1);
    }
    {
        StatementUse u(m_impl->upd_fetch);
        u->bind(1, id).bind(2, fetched_by).bind(3, unix_of(at));
        YX_TRY(u->run());
    }
    if (m_impl->db.changes() == 0) return m_impl->lost_race(id, "unfetched");
    YX_TRY(tx.commit());
    return content;
}

Result<std::vector<UseLogEntry>> SqliteSealUseStore::list_use_log(const sealsys::UseLogFilter& f) {
    if (f.limit == 0 || f.limit > sealsys::k_max_use_page)
        return make_error(Errc::invalid_argument, "page size must be 1..1000");
    std::lock_guard lock(m_impl->mu);
    StatementUse q(m_impl->sel_log);
    bind_list_or_null(*q, 1, f.org_nodes);
    q->bind(2, f.seal_code);
    bind_time_or_null(*q, 3, f.from);
    bind_time_or_null(*q, 4, f.to);
    q->bind(5, f.after_seq).bind(6, static_cast<std::int64_t>(f.limit));
    std::vector<UseLogEntry> out;
    for (;;) {
        YX_ASSIGN_OR_RETURN(bool row, q->step());
        if (!row) break;
        out.push_back(read_log(*q));
    }
    return out;
}

Result<std::vector<std::string>> SqliteSealUseStore::overdue_requests(TimePoint now, std::size_t limit) {
    std::lock_guard lock(m_impl->mu);
    StatementUse q(m_impl->sel_overdue);
    q->bind(1, unix_of(now)).bind(2, static_cast<std::int64_t>(limit));
    std::vector<std::string> out;
    for (;;) {
        YX_ASSIGN_OR_RETURN(bool row, q->step());
        if (!row) break;
        out.push_back(q->column_text(0));
    }
    return out;
}

}  // namespace yinxin::store
