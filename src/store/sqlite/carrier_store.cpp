#include <nlohmann/json.hpp>

#include <mutex>

#include "sqlite/migrations.h"
#include "yinxin/store/sqlite_carrier_store.h"

namespace yinxin::store {

using yinxin::sqlite::Database;
using yinxin::sqlite::Statement;
using yinxin::sqlite::StatementUse;
using yinxin::sqlite::Transaction;

namespace {

constexpr std::string_view k_carrier_columns =
    "carrier_no, kind, model, vendor, delivery_batch, org_node, state, code_ciphertext, imported_by, imported_at, "
    "ca_id, serial, holder_name, holder_id_number, holder_org_node, assigned_by, assigned_at, retire_reason, "
    "retire_note, retired_by, retired_at";
constexpr std::string_view k_request_columns =
    "id, carrier_no, org_node, state, form, entered_by, entered_at, approved_by, approved_at, approval_signature, "
    "reviewed_by, reviewed_at, review_signature, rejected_by, rejected_at, reject_reason, reject_signature, "
    "released_by, released_at";

Error corrupt(const std::string& what) { return make_error(Errc::store_io, "store: " + what); }

void bind_text_or_null(Statement& s, int i, const std::string& v) {
    if (v.empty())
        s.bind_null(i);
    else
        s.bind(i, v);
}
void bind_time_or_null(Statement& s, int i, const std::optional<TimePoint>& t) {
    if (t)
        s.bind(i, static_cast<std::int64_t>(to_unix(*t)));
    else
        s.bind_null(i);
}
std::optional<TimePoint> time_or_null(const Statement& s, int i) {
    if (s.column_is_null(i)) return std::nullopt;
    return from_unix(s.column_int(i));
}

Result<ra::Carrier> read_carrier(const Statement& s) {
    ra::Carrier c;
    c.carrier_no = s.column_text(0);
    auto kind = ra::carrier_kind_from_name(s.column_text(1));
    auto state = ra::carrier_state_from_name(s.column_text(6));
    if (!kind || !state) return corrupt("carriers row " + c.carrier_no + ": bad kind or state");
    c.kind = *kind;
    c.model = s.column_text(2);
    c.vendor = s.column_text(3);
    c.delivery_batch = s.column_text(4);
    c.org_node = s.column_text(5);
    c.state = *state;
    c.code_ciphertext = s.column_blob(7);
    c.imported_by = s.column_text(8);
    c.imported_at = from_unix(s.column_int(9));
    c.ca_id = s.column_text(10);
    c.serial_hex = s.column_text(11);
    c.holder.name = s.column_text(12);
    c.holder.id_number = s.column_text(13);
    c.holder.org_node = s.column_text(14);
    c.assigned_by = s.column_text(15);
    c.assigned_at = time_or_null(s, 16);
    if (!s.column_is_null(17)) {
        auto reason = ra::retire_reason_from_name(s.column_text(17));
        if (!reason) return corrupt("carriers row " + c.carrier_no + ": bad retire reason");
        c.retire_reason = *reason;
    }
    c.retire_note = s.column_text(18);
    c.retired_by = s.column_text(19);
    c.retired_at = time_or_null(s, 20);
    return c;
}

std::string form_json(const ra::UnlockForm& f) {
    return nlohmann::json{{"name", f.name},           {"gender", ra::gender_name(f.gender)},
                          {"id_number", f.id_number}, {"province_city", f.province_city},
                          {"address", f.address},     {"postcode", f.postcode},
                          {"email", f.email},         {"phone", f.phone},
                          {"unit", f.unit},           {"position", f.position}}
        .dump();
}

Result<ra::UnlockRequest> read_request(const Statement& s) {
    ra::UnlockRequest r;
    r.id = s.column_text(0);
    r.form.carrier_no = s.column_text(1);
    r.org_node = s.column_text(2);
    auto state = ra::unlock_state_from_name(s.column_text(3));
    if (!state) return corrupt("carrier_unlock_requests row " + r.id + ": bad state");
    r.state = *state;
    auto j = nlohmann::json::parse(s.column_text(4), nullptr, false);
    if (!j.is_object()) return corrupt("carrier_unlock_requests row " + r.id + ": bad form");
    auto text = [&j](const char* k) { return j.value(k, std::string()); };
    r.form.name = text("name");
    r.form.gender = ra::gender_from_name(text("gender")).value_or(ra::Gender::male);
    r.form.id_number = text("id_number");
    r.form.province_city = text("province_city");
    r.form.address = text("address");
    r.form.postcode = text("postcode");
    r.form.email = text("email");
    r.form.phone = text("phone");
    r.form.unit = text("unit");
    r.form.position = text("position");
    r.entered_by = s.column_text(5);
    r.entered_at = from_unix(s.column_int(6));
    r.approved_by = s.column_text(7);
    r.approved_at = time_or_null(s, 8);
    r.approval_signature = s.column_text(9);
    r.reviewed_by = s.column_text(10);
    r.reviewed_at = time_or_null(s, 11);
    r.review_signature = s.column_text(12);
    r.rejected_by = s.column_text(13);
    r.rejected_at = time_or_null(s, 14);
    r.reject_reason = s.column_text(15);
    r.reject_signature = s.column_text(16);
    r.released_by = s.column_text(17);
    r.released_at = time_or_null(s, 18);
    return r;
}

std::string json_list(const std::vector<std::string>& v) { return nlohmann::json(v).dump(); }

}  // namespace

struct SqliteCarrierStore::Impl {
    std::mutex mu;
    Database db;
    SystemClock system_clock;
    const Clock* clock = nullptr;
    Statement sel_carrier, ins_carrier, upd_carrier, sel_carriers;
    Statement sel_request, sel_open_request, ins_request, upd_request, sel_requests;

    Status prepare_all() {
        const std::string cc(k_carrier_columns);
        const std::string rc(k_request_columns);
        struct Def {
            Statement* s;
            std::string sql;
        };
        const Def defs[] = {
            {&sel_carrier, "SELECT " + cc + " FROM carriers WHERE carrier_no = ?1"},
            {&ins_carrier, "INSERT INTO carriers (" + cc +
                               ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, "
                               "?18, ?19, ?20, ?21)"},
            {&upd_carrier,
             "UPDATE carriers SET state = ?2, ca_id = ?3, serial = ?4, holder_name = ?5, holder_id_number = ?6, "
             "holder_org_node = ?7, assigned_by = ?8, assigned_at = ?9, retire_reason = ?10, retire_note = ?11, "
             "retired_by = ?12, retired_at = ?13 WHERE carrier_no = ?1 AND state = ?14"},
            {&sel_carriers, "SELECT " + cc +
                                " FROM carriers WHERE org_node IN (SELECT value FROM json_each(?1)) "
                                "AND (?2 IS NULL OR state = ?2) AND carrier_no > ?3 ORDER BY carrier_no LIMIT ?4"},
            {&sel_request, "SELECT " + rc + " FROM carrier_unlock_requests WHERE id = ?1"},
            {&sel_open_request,
             "SELECT id FROM carrier_unlock_requests WHERE carrier_no = ?1 "
             "AND state IN ('submitted', 'approved', 'reviewed')"},
            {&ins_request, "INSERT INTO carrier_unlock_requests (" + rc +
                               ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, "
                               "?18, ?19)"},
            {&upd_request,
             "UPDATE carrier_unlock_requests SET state = ?2, approved_by = ?3, approved_at = ?4, "
             "approval_signature = ?5, reviewed_by = ?6, reviewed_at = ?7, review_signature = ?8, rejected_by = ?9, "
             "rejected_at = ?10, reject_reason = ?11, reject_signature = ?12, released_by = ?13, released_at = ?14 "
             "WHERE id = ?1 AND state = ?15"},
            {&sel_requests, "SELECT " + rc +
                                " FROM carrier_unlock_requests WHERE org_node IN (SELECT value FROM json_each(?1)) "
                                "AND (?2 IS NULL OR state = ?2) AND (?3 = '' OR entered_by = ?3) AND id > ?4 "
                                "ORDER BY id LIMIT ?5"},
        };
        for (const Def& d : defs) {
            YX_ASSIGN_OR_RETURN(*d.s, db.prepare(d.sql));
        }
        return ok_status();
    }

    Result<std::optional<ra::Carrier>> find_carrier(std::string_view no) {
        StatementUse q(sel_carrier);
        q->bind(1, no);
        YX_ASSIGN_OR_RETURN(bool row, q->step());
        if (!row) return std::optional<ra::Carrier>{};
        YX_ASSIGN_OR_RETURN(ra::Carrier c, read_carrier(*q));
        return std::optional<ra::Carrier>{std::move(c)};
    }

    Result<std::optional<ra::UnlockRequest>> find_request(std::string_view id) {
        StatementUse q(sel_request);
        q->bind(1, id);
        YX_ASSIGN_OR_RETURN(bool row, q->step());
        if (!row) return std::optional<ra::UnlockRequest>{};
        YX_ASSIGN_OR_RETURN(ra::UnlockRequest r, read_request(*q));
        return std::optional<ra::UnlockRequest>{std::move(r)};
    }
};

SqliteCarrierStore::SqliteCarrierStore(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
SqliteCarrierStore::~SqliteCarrierStore() = default;

Result<std::unique_ptr<SqliteCarrierStore>> SqliteCarrierStore::open(const std::string& path,
                                                                     SqliteCarrierOptions options) {
    auto impl = std::make_unique<Impl>();
    impl->clock = options.clock != nullptr ? options.clock : &impl->system_clock;
    YX_ASSIGN_OR_RETURN(impl->db, sqlite::open_database(path, options.busy_timeout_ms));
    YX_TRY(sqlite::migrate(impl->db, to_unix(impl->clock->now())));
    YX_TRY(impl->prepare_all());
    return std::unique_ptr<SqliteCarrierStore>(new SqliteCarrierStore(std::move(impl)));
}

Status SqliteCarrierStore::insert_carriers(std::span<const ra::Carrier> carriers) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    for (const ra::Carrier& c : carriers) {
        YX_ASSIGN_OR_RETURN(auto existing, m_impl->find_carrier(c.carrier_no));
        if (existing)
            return make_error(Errc::ra_duplicate, "carrier " + c.carrier_no + " is already in the inventory (" +
                                                      std::string(ra::carrier_state_name(existing->state)) + ", " +
                                                      existing->org_node + ")");
        StatementUse ins(m_impl->ins_carrier);
        ins->bind(1, c.carrier_no)
            .bind(2, ra::carrier_kind_name(c.kind))
            .bind(3, c.model)
            .bind(4, c.vendor)
            .bind(5, c.delivery_batch)
            .bind(6, c.org_node)
            .bind(7, ra::carrier_state_name(c.state))
            .bind_blob(8, c.code_ciphertext)
            .bind(9, c.imported_by)
            .bind(10, static_cast<std::int64_t>(to_unix(c.imported_at)));
        bind_text_or_null(*ins, 11, c.ca_id);
        bind_text_or_null(*ins, 12, c.serial_hex);
        bind_text_or_null(*ins, 13, c.holder.name);
        bind_text_or_null(*ins, 14, c.holder.id_number);
        bind_text_or_null(*ins, 15, c.holder.org_node);
        bind_text_or_null(*ins, 16, c.assigned_by);
        bind_time_or_null(*ins, 17, c.assigned_at);
        if (c.retire_reason)
            ins->bind(18, ra::retire_reason_name(*c.retire_reason));
        else
            ins->bind_null(18);
        bind_text_or_null(*ins, 19, c.retire_note);
        bind_text_or_null(*ins, 20, c.retired_by);
        bind_time_or_null(*ins, 21, c.retired_at);
        YX_TRY(ins->run());
    }
    return tx.commit();
}

Result<std::optional<ra::Carrier>> SqliteCarrierStore::find_carrier(std::string_view carrier_no) {
    std::lock_guard lock(m_impl->mu);
    return m_impl->find_carrier(carrier_no);
}

Result<std::vector<ra::Carrier>> SqliteCarrierStore::list_carriers(const ra::CarrierFilter& filter) {
    if (filter.limit == 0 || filter.limit > ra::k_max_page)
        return make_error(Errc::invalid_argument, "page size must be 1..1000");
    std::lock_guard lock(m_impl->mu);
    StatementUse q(m_impl->sel_carriers);
    q->bind(1, json_list(filter.org_nodes));
    if (filter.state)
        q->bind(2, ra::carrier_state_name(*filter.state));
    else
        q->bind_null(2);
    q->bind(3, filter.after_carrier_no).bind(4, static_cast<std::int64_t>(filter.limit));
    std::vector<ra::Carrier> out;
    for (;;) {
        YX_ASSIGN_OR_RETURN(bool row, q->step());
        if (!row) break;
        YX_ASSIGN_OR_RETURN(ra::Carrier c, read_carrier(*q));
        out.push_back(std::move(c));
    }
    return out;
}

Status SqliteCarrierStore::update_carrier(const ra::Carrier& c, ra::CarrierState expected) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    {
        StatementUse u(m_impl->upd_carrier);
        u->bind(1, c.carrier_no).bind(2, ra::carrier_state_name(c.state));
        bind_text_or_null(*u, 3, c.ca_id);
        bind_text_or_null(*u, 4, c.serial_hex);
        bind_text_or_null(*u, 5, c.holder.name);
        bind_text_or_null(*u, 6, c.holder.id_number);
        bind_text_or_null(*u, 7, c.holder.org_node);
        bind_text_or_null(*u, 8, c.assigned_by);
        bind_time_or_null(*u, 9, c.assigned_at);
        if (c.retire_reason)
            u->bind(10, ra::retire_reason_name(*c.retire_reason));
        else
            u->bind_null(10);
        bind_text_or_null(*u, 11, c.retire_note);
        bind_text_or_null(*u, 12, c.retired_by);
        bind_time_or_null(*u, 13, c.retired_at);
        u->bind(14, ra::carrier_state_name(expected));
        YX_TRY(u->run());
    }
    if (m_impl->db.changes() == 0) {
        YX_ASSIGN_OR_RETURN(auto now, m_impl->find_carrier(c.carrier_no));
        if (!now) return make_error(Errc::ra_not_found, "no carrier " + c.carrier_no);
        return make_error(Errc::ra_conflict, "carrier " + c.carrier_no + " is " +
                                                 std::string(ra::carrier_state_name(now->state)) + ", no longer " +
                                                 std::string(ra::carrier_state_name(expected)));
    }
    return tx.commit();
}

Status SqliteCarrierStore::insert_unlock_request(const ra::UnlockRequest& r) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    YX_ASSIGN_OR_RETURN(auto same_id, m_impl->find_request(r.id));
    if (same_id) return make_error(Errc::ra_duplicate, "unlock request " + r.id + " exists already");
    {
        StatementUse q(m_impl->sel_open_request);
        q->bind(1, r.form.carrier_no);
        YX_ASSIGN_OR_RETURN(bool row, q->step());
        if (row)
            return make_error(Errc::ra_duplicate, "carrier " + r.form.carrier_no + " has an open unlock request (" +
                                                      q->column_text(0) + ")");
    }
    {
        StatementUse ins(m_impl->ins_request);
        ins->bind(1, r.id)
            .bind(2, r.form.carrier_no)
            .bind(3, r.org_node)
            .bind(4, ra::unlock_state_name(r.state))
            .bind(5, form_json(r.form))
            .bind(6, r.entered_by)
            .bind(7, static_cast<std::int64_t>(to_unix(r.entered_at)));
        bind_text_or_null(*ins, 8, r.approved_by);
        bind_time_or_null(*ins, 9, r.approved_at);
        bind_text_or_null(*ins, 10, r.approval_signature);
        bind_text_or_null(*ins, 11, r.reviewed_by);
        bind_time_or_null(*ins, 12, r.reviewed_at);
        bind_text_or_null(*ins, 13, r.review_signature);
        bind_text_or_null(*ins, 14, r.rejected_by);
        bind_time_or_null(*ins, 15, r.rejected_at);
        bind_text_or_null(*ins, 16, r.reject_reason);
        bind_text_or_null(*ins, 17, r.reject_signature);
        bind_text_or_null(*ins, 18, r.released_by);
        bind_time_or_null(*ins, 19, r.released_at);
        YX_TRY(ins->run());
    }
    return tx.commit();
}

Result<std::optional<ra::UnlockRequest>> SqliteCarrierStore::find_unlock_request(std::string_view id) {
    std::lock_guard lock(m_impl->mu);
    return m_impl->find_request(id);
}

Result<std::vector<ra::UnlockRequest>> SqliteCarrierStore::list_unlock_requests(const ra::UnlockFilter& filter) {
    if (filter.limit == 0 || filter.limit > ra::k_max_page)
        return make_error(Errc::invalid_argument, "page size must be 1..1000");
    std::lock_guard lock(m_impl->mu);
    StatementUse q(m_impl->sel_requests);
    q->bind(1, json_list(filter.org_nodes));
    if (filter.state)
        q->bind(2, ra::unlock_state_name(*filter.state));
    else
        q->bind_null(2);
    q->bind(3, filter.entered_by).bind(4, filter.after_id).bind(5, static_cast<std::int64_t>(filter.limit));
    std::vector<ra::UnlockRequest> out;
    for (;;) {
        YX_ASSIGN_OR_RETURN(bool row, q->step());
        if (!row) break;
        YX_ASSIGN_OR_RETURN(ra::UnlockRequest r, read_request(*q));
        out.push_back(std::move(r));
    }
    return out;
}

Status SqliteCarrierStore::update_unlock_request(const ra::UnlockRequest& r, ra::UnlockState expected) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    {
        StatementUse u(m_impl->upd_request);
        u->bind(1, r.id).bind(2, ra::unlock_state_name(r.state));
        bind_text_or_null(*u, 3, r.approved_by);
        bind_time_or_null(*u, 4, r.approved_at);
        bind_text_or_null(*u, 5, r.approval_signature);
        bind_text_or_null(*u, 6, r.reviewed_by);
        bind_time_or_null(*u, 7, r.reviewed_at);
        bind_text_or_null(*u, 8, r.review_signature);
        bind_text_or_null(*u, 9, r.rejected_by);
        bind_time_or_null(*u, 10, r.rejected_at);
        bind_text_or_null(*u, 11, r.reject_reason);
        bind_text_or_null(*u, 12, r.reject_signature);
        bind_text_or_null(*u, 13, r.released_by);
        bind_time_or_null(*u, 14, r.released_at);
        u->bind(15, ra::unlock_state_name(expected));
        YX_TRY(u->run());
    }
    if (m_impl->db.changes() == 0) {
        YX_ASSIGN_OR_RETURN(auto now, m_impl->find_request(r.id));
        if (!now) return make_error(Errc::ra_not_found, "no unlock request " + r.id);
        return make_error(Errc::ra_conflict, "unlock request " + r.id + " is " +
                                                 std::string(ra::unlock_state_name(now->state)) + ", no longer " +
                                                 std::string(ra::unlock_state_name(expected)));
    }
    return tx.commit();
}

}  // namespace yinxin::store
