#include <nlohmann/json.hpp>

#include <cstdio>
#include <mutex>

#include "sqlite/migrations.h"
#include "yinxin/sealsys/platform.h"
#include "yinxin/store/sqlite_sealsys_store.h"

namespace yinxin::store {

using sealsys::ApplicationState;
using sealsys::LifecycleRequest;
using sealsys::RequestState;
using sealsys::SealApplication;
using sealsys::SealRecord;
using sealsys::SealState;
using yinxin::sqlite::Database;
using yinxin::sqlite::Statement;
using yinxin::sqlite::Transaction;

namespace {

constexpr std::string_view k_app_columns =
    "id, org_node, state, form, picture, scope, delivery, csr, validity_days, materials, submitted_by, submitted_at, "
    "approved_by, approved_at, approval_signature, rejected_by, rejected_at, reject_reason, reject_signature, "
    "made_by, made_at, seal_code, delivered_by, delivered_at, received_by, origin_request, replaces";
constexpr int k_app_count = 27;
constexpr std::string_view k_seal_columns =
    "seal_code, application_id, org_node, credit_code, division_code, unit_name, seal_name, seal_type, delivery, "
    "scope, state, ca_id, serial, certificate, ses_seal, device_key_label, valid_from, valid_to, generation, made_by, "
    "made_at, changed_at, state_reason, replaces, filing_ref";
constexpr int k_seal_count = 25;
// The seal a change made in this one's place, computed from the new seal's `replaces`.
constexpr std::string_view k_replaced_by =
    "(SELECT s2.seal_code FROM seals s2 WHERE s2.replaces = seals.seal_code LIMIT 1)";
constexpr std::string_view k_request_columns =
    "id, kind, seal_code, org_node, state, reason, materials, new_form, new_picture, csr, validity_days, online, "
    "submitted_by, submitted_at, approved_by, approved_at, approval_signature, rejected_by, rejected_at, "
    "reject_reason, reject_signature, completed_by, completed_at, result";
constexpr int k_request_count = 24;

Error corrupt(const std::string& what) { return make_error(Errc::store_io, "store: " + what); }

std::string placeholders(int n, int from = 1) {
    std::string s;
    for (int i = 0; i < n; ++i) s += (i == 0 ? "?" : ", ?") + std::to_string(from + i);
    return s;
}

// Binds parameters ?1, ?2, ... in order.
class Binder {
public:
    explicit Binder(Statement& s) : m_s(s) {}
    Binder& text(std::string_view v) {
        m_s.bind(m_i++, v);
        return *this;
    }
    Binder& text_or_null(const std::string& v) {
        if (v.empty())
            m_s.bind_null(m_i++);
        else
            m_s.bind(m_i++, v);
        return *this;
    }
    Binder& integer(std::int64_t v) {
        m_s.bind(m_i++, v);
        return *this;
    }
    Binder& blob(BytesView v) {
        m_s.bind_blob(m_i++, v);
        return *this;
    }
    Binder& blob_or_null(BytesView v) {
        if (v.empty())
            m_s.bind_null(m_i++);
        else
            m_s.bind_blob(m_i++, v);
        return *this;
    }
    Binder& time(TimePoint t) { return integer(static_cast<std::int64_t>(to_unix(t))); }
    Binder& time_or_null(const std::optional<TimePoint>& t) {
        if (t) return time(*t);
        m_s.bind_null(m_i++);
        return *this;
    }

private:
    Statement& m_s;
    int m_i = 1;
};

// Reads columns 0, 1, ... in order.
class Columns {
public:
    explicit Columns(const Statement& s) : m_s(s) {}
    std::string text() { return m_s.column_text(m_i++); }
    std::int64_t integer() { return m_s.column_int(m_i++); }
    Bytes blob() { return m_s.column_blob(m_i++); }
    TimePoint time() { return from_unix(m_s.column_int(m_i++)); }
    std::optional<TimePoint> time_or_null() {
        const int i = m_i++;
        if (m_s.column_is_null(i)) return std::nullopt;
        return from_unix(m_s.column_int(i));
    }
    bool is_null() const { return m_s.column_is_null(m_i); }

private:
    const Statement& m_s;
    int m_i = 0;
};

nlohmann::json form_json(const sealsys::SealForm& f) {
    return nlohmann::json{{"credit_code", f.credit_code},
                          {"division_code", f.division_code},
                          {"unit_type", sealsys::unit_type_name(f.unit_type)},
                          {"unit_name", f.unit_name},
                          {"handler_name", f.handler_name},
                          {"handler_id_number", f.handler_id_number},
                          {"handler_mobile", f.handler_mobile},
                          {"unit_address", f.unit_address},
                          {"approving_unit_name", f.approving_unit_name},
                          {"approving_division_code", f.approving_division_code},
                          {"seal_name", f.seal_name},
                          {"seal_type", f.seal_type},
                          {"picture_type", f.picture_type},
                          {"width_mm", f.width_mm},
                          {"height_mm", f.height_mm}};
}

Result<sealsys::SealForm> form_of(const std::string& text, Bytes picture, const std::string& owner) {
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_object()) return corrupt(owner + ": bad form");
    sealsys::SealForm f;
    auto s = [&j](const char* k) { return j.value(k, std::string()); };
    f.credit_code = s("credit_code");
    f.division_code = s("division_code");
    f.unit_type = sealsys::unit_type_from_name(s("unit_type")).value_or(sealsys::UnitType::administrative_organ);
    f.unit_name = s("unit_name");
    f.handler_name = s("handler_name");
    f.handler_id_number = s("handler_id_number");
    f.handler_mobile = s("handler_mobile");
    f.unit_address = s("unit_address");
    f.approving_unit_name = s("approving_unit_name");
    f.approving_division_code = s("approving_division_code");
    f.seal_name = s("seal_name");
    f.seal_type = j.value("seal_type", std::int64_t{1});
    f.picture_type = s("picture_type");
    f.width_mm = j.value("width_mm", std::int64_t{0});
    f.height_mm = j.value("height_mm", std::int64_t{0});
    f.picture = std::move(picture);
    return f;
}

std::string materials_json(const std::vector<sealsys::MaterialInfo>& ms) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& m : ms)
        out.push_back({{"kind", sealsys::material_kind_name(m.kind)},
                       {"name", m.name},
                       {"sm3", hex_encode(m.sm3)},
                       {"size", m.size}});
    return out.dump();
}

Result<std::vector<sealsys::MaterialInfo>> materials_of(const std::string& text, const std::string& owner) {
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_array()) return corrupt(owner + ": bad materials");
    std::vector<sealsys::MaterialInfo> out;
    for (const auto& e : j) {
        if (!e.is_object()) return corrupt(owner + ": bad material");
        sealsys::MaterialInfo m;
        auto kind = sealsys::material_kind_from_name(e.value("kind", std::string()));
        auto sm3 = hex_decode(e.value("sm3", std::string()));
        if (!kind || !sm3) return corrupt(owner + ": bad material");
        m.kind = *kind;
        m.name = e.value("name", std::string());
        m.sm3 = std::move(sm3).value();
        m.size = e.value("size", std::size_t{0});
        out.push_back(std::move(m));
    }
    return out;
}

void bind_application(Statement& s, const SealApplication& a) {
    Binder b(s);
    b.text(a.id)
        .text(a.org_node)
        .text(sealsys::application_state_name(a.state))
        .text(form_json(a.form).dump())
        .blob(a.form.picture)
        .text(sealsys::code_scope_name(a.scope))
        .text(sealsys::delivery_name(a.delivery))
        .blob_or_null(a.csr)
        .integer(a.validity_days)
        .text(materials_json(a.materials))
        .text(a.submitted_by)
        .time(a.submitted_at)
        .text_or_null(a.approved_by)
        .time_or_null(a.approved_at)
        .text_or_null(a.approval_signature)
        .text_or_null(a.rejected_by)
        .time_or_null(a.rejected_at)
        .text_or_null(a.reject_reason)
        .text_or_null(a.reject_signature)
        .text_or_null(a.made_by)
        .time_or_null(a.made_at)
        .text_or_null(a.seal_code)
        .text_or_null(a.delivered_by)
        .time_or_null(a.delivered_at)
        .text_or_null(a.received_by)
        .text_or_null(a.origin_request)
        .text_or_null(a.replaces);
}

Result<SealApplication> read_application(const Statement& s) {
    Columns c(s);
    SealApplication a;
    a.id = c.text();
    a.org_node = c.text();
    auto state = sealsys::application_state_from_name(c.text());
    const std::string form = c.text();
    Bytes picture = c.blob();
    auto scope = sealsys::code_scope_from_name(c.text());
    auto delivery = sealsys::delivery_from_name(c.text());
    if (!state || !scope || !delivery) return corrupt("seal application " + a.id + ": bad state, scope or delivery");
    a.state = *state;
    a.scope = *scope;
    a.delivery = *delivery;
    YX_ASSIGN_OR_RETURN(a.form, form_of(form, std::move(picture), a.id));
    a.csr = c.blob();
    a.validity_days = static_cast<std::uint32_t>(c.integer());
    YX_ASSIGN_OR_RETURN(a.materials, materials_of(c.text(), a.id));
    a.submitted_by = c.text();
    a.submitted_at = c.time();
    a.approved_by = c.text();
    a.approved_at = c.time_or_null();
    a.approval_signature = c.text();
    a.rejected_by = c.text();
    a.rejected_at = c.time_or_null();
    a.reject_reason = c.text();
    a.reject_signature = c.text();
    a.made_by = c.text();
    a.made_at = c.time_or_null();
    a.seal_code = c.text();
    a.delivered_by = c.text();
    a.delivered_at = c.time_or_null();
    a.received_by = c.text();
    a.origin_request = c.text();
    a.replaces = c.text();
    return a;
}

void bind_seal(Statement& s, const SealRecord& r) {
    Binder b(s);
    b.text(r.seal_code)
        .text(r.application_id)
        .text(r.org_node)
        .text(r.credit_code)
        .text(r.division_code)
        .text(r.unit_name)
        .text(r.seal_name)
        .integer(r.seal_type)
        .text(sealsys::delivery_name(r.delivery))
        .text(sealsys::code_scope_name(r.scope))
        .text(sealsys::seal_state_name(r.state))
        .text(r.ca_id)
        .text_or_null(r.serial_hex)
        .blob_or_null(r.certificate_der)
        .blob_or_null(r.ses_seal_der);
    b.text_or_null(r.device_key_label);
    if (r.state == SealState::pending)
        b.time_or_null(std::nullopt).time_or_null(std::nullopt);
    else
        b.time(r.valid_from).time(r.valid_to);
    b.integer(r.generation)
        .text(r.made_by)
        .time(r.made_at)
        .time(r.changed_at)
        .text_or_null(r.state_reason)
        .text_or_null(r.replaces)
        .text_or_null(r.filing_ref);
}

Result<SealRecord> read_seal(const Statement& s) {
    Columns c(s);
    SealRecord r;
    r.seal_code = c.text();
    r.application_id = c.text();
    r.org_node = c.text();
    r.credit_code = c.text();
    r.division_code = c.text();
    r.unit_name = c.text();
    r.seal_name = c.text();
    r.seal_type = c.integer();
    auto delivery = sealsys::delivery_from_name(c.text());
    auto scope = sealsys::code_scope_from_name(c.text());
    auto state = sealsys::seal_state_from_name(c.text());
    if (!delivery || !scope || !state) return corrupt("seal " + r.seal_code + ": bad delivery, scope or state");
    r.delivery = *delivery;
    r.scope = *scope;
    r.state = *state;
    r.ca_id = c.text();
    r.serial_hex = c.text();
    r.certificate_der = c.blob();
    r.ses_seal_der = c.blob();
    r.device_key_label = c.text();
    r.valid_from = c.time_or_null().value_or(TimePoint{});
    r.valid_to = c.time_or_null().value_or(TimePoint{});
    r.generation = c.integer();
    r.made_by = c.text();
    r.made_at = c.time();
    r.changed_at = c.time();
    r.state_reason = c.text();
    r.replaces = c.text();
    r.filing_ref = c.text();
    r.replaced_by = c.text();
    return r;
}

void bind_request(Statement& s, const LifecycleRequest& r) {
    Binder b(s);
    b.text(r.id)
        .text(sealsys::lifecycle_kind_name(r.kind))
        .text(r.seal_code)
        .text(r.org_node)
        .text(sealsys::request_state_name(r.state))
        .text(r.reason)
        .text(materials_json(r.materials));
    if (r.new_form)
        b.text(form_json(*r.new_form).dump()).blob(r.new_form->picture);
    else
        b.text_or_null({}).blob_or_null({});
    b.blob_or_null(r.csr)
        .integer(r.validity_days)
        .integer(r.online ? 1 : 0)
        .text(r.submitted_by)
        .time(r.submitted_at)
        .text_or_null(r.approved_by)
        .time_or_null(r.approved_at)
        .text_or_null(r.approval_signature)
        .text_or_null(r.rejected_by)
        .time_or_null(r.rejected_at)
        .text_or_null(r.reject_reason)
        .text_or_null(r.reject_signature)
        .text_or_null(r.completed_by)
        .time_or_null(r.completed_at)
        .text_or_null(r.result);
}

Result<LifecycleRequest> read_request(const Statement& s) {
    Columns c(s);
    LifecycleRequest r;
    r.id = c.text();
    auto kind = sealsys::lifecycle_kind_from_name(c.text());
    r.seal_code = c.text();
    r.org_node = c.text();
    auto state = sealsys::request_state_from_name(c.text());
    if (!kind || !state) return corrupt("seal lifecycle request " + r.id + ": bad kind or state");
    r.kind = *kind;
    r.state = *state;
    r.reason = c.text();
    YX_ASSIGN_OR_RETURN(r.materials, materials_of(c.text(), r.id));
    const bool has_form = !c.is_null();
    const std::string form = c.text();
    Bytes picture = c.blob();
    if (has_form) {
        YX_ASSIGN_OR_RETURN(auto f, form_of(form, std::move(picture), r.id));
        r.new_form = std::move(f);
    }
    r.csr = c.blob();
    r.validity_days = static_cast<std::uint32_t>(c.integer());
    r.online = c.integer() != 0;
    r.submitted_by = c.text();
    r.submitted_at = c.time();
    r.approved_by = c.text();
    r.approved_at = c.time_or_null();
    r.approval_signature = c.text();
    r.rejected_by = c.text();
    r.rejected_at = c.time_or_null();
    r.reject_reason = c.text();
    r.reject_signature = c.text();
    r.completed_by = c.text();
    r.completed_at = c.time_or_null();
    r.result = c.text();
    return r;
}

std::string json_list(const std::vector<std::string>& v) { return nlohmann::json(v).dump(); }

Status check_limit(std::size_t limit) {
    if (limit == 0 || limit > sealsys::k_max_page)
        return make_error(Errc::invalid_argument, "page size must be 1..1000");
    return ok_status();
}

}  // namespace

struct SqliteSealSystemStore::Impl {
    std::mutex mu;
    Database db;
    SystemClock system_clock;
    const Clock* clock = nullptr;

    Result<Statement> prepare(const std::string& sql) { return db.prepare(sql); }

    template <class T, class Read>
    Result<std::optional<T>> one(const std::string& sql, const std::string& key, Read read) {
        YX_ASSIGN_OR_RETURN(Statement q, prepare(sql));
        q.bind(1, key);
        YX_ASSIGN_OR_RETURN(bool row, q.step());
        if (!row) return std::optional<T>{};
        YX_ASSIGN_OR_RETURN(T v, read(q));
        return std::optional<T>{std::move(v)};
    }

    Result<std::optional<SealApplication>> find_application(std::string_view id) {
        return one<SealApplication>("SELECT " + std::string(k_app_columns) + " FROM seal_applications WHERE id = ?1",
                                    std::string(id), read_application);
    }
    Result<std::optional<SealRecord>> find_seal(std::string_view code) {
        return one<SealRecord>("SELECT " + std::string(k_seal_columns) + ", " + std::string(k_replaced_by) +
                                   " FROM seals WHERE seal_code = ?1",
                               std::string(code), read_seal);
    }
    Result<std::optional<LifecycleRequest>> find_request(std::string_view id) {
        return one<LifecycleRequest>(
            "SELECT " + std::string(k_request_columns) + " FROM seal_lifecycle_requests WHERE id = ?1", std::string(id),
            read_request);
    }

    Status insert_app(const SealApplication& a) {
        YX_ASSIGN_OR_RETURN(auto same, find_application(a.id));
        if (same) return make_error(Errc::seal_duplicate, "seal application " + a.id + " exists already");
        YX_ASSIGN_OR_RETURN(Statement ins, prepare("INSERT INTO seal_applications (" + std::string(k_app_columns) +
                                                   ") VALUES (" + placeholders(k_app_count) + ")"));
        bind_application(ins, a);
        return ins.run();
    }

    Status update_app(const SealApplication& a, ApplicationState expected) {
        YX_ASSIGN_OR_RETURN(Statement u, prepare("UPDATE seal_applications SET (" + std::string(k_app_columns) +
                                                 ") = (" + placeholders(k_app_count) + ") WHERE id = ?1 AND state = ?" +
                                                 std::to_string(k_app_count + 1)));
        bind_application(u, a);
        u.bind(k_app_count + 1, sealsys::application_state_name(expected));
        YX_TRY(u.run());
        if (db.changes() == 0) {
            YX_ASSIGN_OR_RETURN(auto now, find_application(a.id));
            if (!now) return make_error(Errc::seal_not_found, "no seal application " + a.id);
            return make_error(Errc::seal_illegal_state, "seal application " + a.id + " is " +
                                                            std::string(sealsys::application_state_name(now->state)) +
                                                            ", no longer " +
                                                            std::string(sealsys::application_state_name(expected)));
        }
        return ok_status();
    }

    Status insert_materials(const std::string& owner, std::span<const sealsys::Material> materials) {
        YX_ASSIGN_OR_RETURN(Statement ins,
                            prepare("INSERT INTO seal_materials (owner_id, idx, kind, name, sm3, content) "
                                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
        std::int64_t idx = 0;
        for (const auto& m : materials) {
            const sealsys::MaterialInfo info = sealsys::material_info(m);
            ins.reset();
            ins.bind(1, owner)
                .bind(2, idx++)
                .bind(3, sealsys::material_kind_name(m.kind))
                .bind(4, m.name)
                .bind_blob(5, info.sm3)
                .bind_blob(6, m.content);
            YX_TRY(ins.run());
        }
        return ok_status();
    }

    Status insert_request(const LifecycleRequest& r) {
        YX_ASSIGN_OR_RETURN(auto same, find_request(r.id));
        if (same) return make_error(Errc::seal_duplicate, "seal lifecycle request " + r.id + " exists already");
        {
            YX_ASSIGN_OR_RETURN(Statement q, prepare("SELECT id FROM seal_lifecycle_requests WHERE seal_code = ?1 "
                                                     "AND state IN ('submitted', 'approved')"));
            q.bind(1, r.seal_code);
            YX_ASSIGN_OR_RETURN(bool row, q.step());
            if (row)
                return make_error(Errc::seal_illegal_state,
                                  "seal " + r.seal_code + " has an open request (" + q.column_text(0) + ")");
        }
        YX_ASSIGN_OR_RETURN(Statement ins,
                            prepare("INSERT INTO seal_lifecycle_requests (" + std::string(k_request_columns) +
                                    ") VALUES (" + placeholders(k_request_count) + ")"));
        bind_request(ins, r);
        return ins.run();
    }

    Status update_request(const LifecycleRequest& r, RequestState expected) {
        YX_ASSIGN_OR_RETURN(Statement u,
                            prepare("UPDATE seal_lifecycle_requests SET (" + std::string(k_request_columns) + ") = (" +
                                    placeholders(k_request_count) + ") WHERE id = ?1 AND state = ?" +
                                    std::to_string(k_request_count + 1)));
        bind_request(u, r);
        u.bind(k_request_count + 1, sealsys::request_state_name(expected));
        YX_TRY(u.run());
        if (db.changes() == 0) {
            YX_ASSIGN_OR_RETURN(auto now, find_request(r.id));
            if (!now) return make_error(Errc::seal_not_found, "no seal lifecycle request " + r.id);
            return make_error(Errc::seal_illegal_state, "seal lifecycle request " + r.id + " is " +
                                                            std::string(sealsys::request_state_name(now->state)) +
                                                            ", no longer " +
                                                            std::string(sealsys::request_state_name(expected)));
        }
        return ok_status();
    }

    // Replaces the seal row when it is still (expected state, expected generation).
    Status update_seal(const SealRecord& s, SealState expected, std::int64_t expected_generation) {
        YX_ASSIGN_OR_RETURN(Statement u, prepare("UPDATE seals SET (" + std::string(k_seal_columns) + ") = (" +
                                                 placeholders(k_seal_count) + ") WHERE seal_code = ?1 AND state = ?" +
                                                 std::to_string(k_seal_count + 1) + " AND generation = ?" +
                                                 std::to_string(k_seal_count + 2)));
        bind_seal(u, s);
        u.bind(k_seal_count + 1, sealsys::seal_state_name(expected)).bind(k_seal_count + 2, expected_generation);
        YX_TRY(u.run());
        if (db.changes() == 0) {
            YX_ASSIGN_OR_RETURN(auto now, find_seal(s.seal_code));
            if (!now) return make_error(Errc::seal_not_found, "no seal " + s.seal_code);
            return make_error(Errc::seal_illegal_state,
                              "seal " + s.seal_code + " is " + std::string(sealsys::seal_state_name(now->state)) +
                                  " (generation " + std::to_string(now->generation) + "), it changed meanwhile");
        }
        return ok_status();
    }

    Status add_event(const SealRecord& s) {
        YX_ASSIGN_OR_RETURN(Statement ins, prepare("INSERT INTO seal_status_events (seal_code, state, at, reason) "
                                                   "VALUES (?1, ?2, ?3, ?4)"));
        ins.bind(1, s.seal_code)
            .bind(2, sealsys::seal_state_name(s.state))
            .bind(3, static_cast<std::int64_t>(to_unix(s.changed_at)))
            .bind(4, s.state_reason);
        return ins.run();
    }
};

SqliteSealSystemStore::SqliteSealSystemStore(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
SqliteSealSystemStore::~SqliteSealSystemStore() = default;

Result<std::unique_ptr<SqliteSealSystemStore>> SqliteSealSystemStore::open(const std::string& path,
                                                                           SqliteSealSystemOptions options) {
    auto impl = std::make_unique<Impl>();
    impl->clock = options.clock != nullptr ? options.clock : &impl->system_clock;
    YX_ASSIGN_OR_RETURN(impl->db, sqlite::open_database(path, options.busy_timeout_ms));
    YX_TRY(sqlite::migrate(impl->db, to_unix(impl->clock->now())));
    return std::unique_ptr<SqliteSealSystemStore>(new SqliteSealSystemStore(std::move(impl)));
}

// --- applications ------------------------------------------------------------------------------

Status SqliteSealSystemStore::insert_application(const SealApplication& a,
                                                 std::span<const sealsys::Material> materials) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    YX_TRY(m_impl->insert_app(a));
    YX_TRY(m_impl->insert_materials(a.id, materials));
    return tx.commit();
}

Result<std::optional<SealApplication>> SqliteSealSystemStore::find_application(std::string_view id) {
    std::lock_guard lock(m_impl->mu);
    return m_impl->find_application(id);
}

Result<std::vector<SealApplication>> SqliteSealSystemStore::list_applications(const sealsys::ApplicationFilter& f) {
    YX_TRY(check_limit(f.limit));
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Statement q,
                        m_impl->prepare("SELECT " + std::string(k_app_columns) +
                                        " FROM seal_applications WHERE org_node IN (SELECT value FROM json_each(?1)) "
                                        "AND (?2 IS NULL OR state = ?2) AND (?3 = '' OR submitted_by = ?3) "
                                        "AND id > ?4 ORDER BY id LIMIT ?5"));
    q.bind(1, json_list(f.org_nodes));
    if (f.state)
        q.bind(2, sealsys::application_state_name(*f.state));
    else
        q.bind_null(2);
    q.bind(3, f.submitted_by).bind(4, f.after_id).bind(5, static_cast<std::int64_t>(f.limit));
    std::vector<SealApplication> out;
    for (;;) {
        YX_ASSIGN_OR_RETURN(bool row, q.step());
        if (!row) break;
        YX_ASSIGN_OR_RETURN(SealApplication a, read_application(q));
        out.push_back(std::move(a));
    }
    return out;
}

Status SqliteSealSystemStore::update_application(const SealApplication& a, ApplicationState expected) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    YX_TRY(m_impl->update_app(a, expected));
    return tx.commit();
}

Result<sealsys::Material> SqliteSealSystemStore::material(std::string_view owner_id, std::size_t index) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(
        Statement q,
        m_impl->prepare("SELECT kind, name, content FROM seal_materials WHERE owner_id = ?1 AND idx = ?2"));
    q.bind(1, owner_id).bind(2, static_cast<std::int64_t>(index));
    YX_ASSIGN_OR_RETURN(bool row, q.step());
    if (!row)
        return make_error(Errc::seal_not_found,
                          "no material " + std::to_string(index) + " of " + std::string(owner_id));
    sealsys::Material m;
    auto kind = sealsys::material_kind_from_name(q.column_text(0));
    if (!kind) return corrupt("material of " + std::string(owner_id) + ": bad kind");
    m.kind = *kind;
    m.name = q.column_text(1);
    m.content = q.column_blob(2);
    return m;
}

// --- seals -------------------------------------------------------------------------------------

Result<std::string> SqliteSealSystemStore::reserve_seal(const SealRecord& pending, std::optional<std::string> code) {
    if (!sealsys::valid_division_code(pending.division_code))
        return make_error(Errc::seal_application_invalid, "division code '" + pending.division_code + "' is not valid");
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    {
        YX_ASSIGN_OR_RETURN(Statement q, m_impl->prepare("SELECT seal_code FROM seals WHERE application_id = ?1"));
        q.bind(1, pending.application_id);
        YX_ASSIGN_OR_RETURN(bool row, q.step());
        if (row)
            return make_error(Errc::seal_illegal_state,
                              "application " + pending.application_id + " has seal " + q.column_text(0));
    }
    std::string chosen;
    if (code) {
        if (!sealsys::valid_seal_code(*code))
            return make_error(Errc::seal_application_invalid, "'" + *code + "' is not a 14-digit seal code");
        YX_ASSIGN_OR_RETURN(auto taken, m_impl->find_seal(*code));
        if (taken) return make_error(Errc::seal_duplicate, "seal code " + *code + " is taken");
        chosen = *code;
    } else {
        // §7.4 industry code: the division's next 8-digit sequence, skipping any number a national
        // code took already.
        YX_ASSIGN_OR_RETURN(Statement next,
                            m_impl->prepare("INSERT INTO seal_code_sequences (division, last) VALUES (?1, 1) "
                                            "ON CONFLICT (division) DO UPDATE SET last = last + 1 "
                                            "WHERE last < 99999999 RETURNING last"));
        for (;;) {
            next.reset();
            next.bind(1, pending.division_code);
            YX_ASSIGN_OR_RETURN(bool row, next.step());
            if (!row)
                return make_error(Errc::seal_application_invalid,
                                  "division " + pending.division_code + " has used all 99999999 seal codes");
            char seq[16];
            std::snprintf(seq, sizeof seq, "%08lld", static_cast<long long>(next.column_int(0)));
            next.reset();
            chosen = pending.division_code + seq;
            YX_ASSIGN_OR_RETURN(auto taken, m_impl->find_seal(chosen));
            if (!taken) break;
        }
    }
    SealRecord row = pending;
    row.seal_code = chosen;
    row.state = SealState::pending;
    YX_ASSIGN_OR_RETURN(Statement ins, m_impl->prepare("INSERT INTO seals (" + std::string(k_seal_columns) +
                                                       ") VALUES (" + placeholders(k_seal_count) + ")"));
    bind_seal(ins, row);
    YX_TRY(ins.run());
    YX_TRY(tx.commit());
    return chosen;
}

Result<std::optional<SealRecord>> SqliteSealSystemStore::find_seal(std::string_view seal_code) {
    std::lock_guard lock(m_impl->mu);
    return m_impl->find_seal(seal_code);
}

Result<std::optional<SealRecord>> SqliteSealSystemStore::seal_for_application(std::string_view application_id) {
    std::lock_guard lock(m_impl->mu);
    return m_impl->one<SealRecord>("SELECT " + std::string(k_seal_columns) + ", " + std::string(k_replaced_by) +
                                       " FROM seals WHERE application_id = ?1",
                                   std::string(application_id), read_seal);
}

Result<std::vector<SealRecord>> SqliteSealSystemStore::list_seals(const sealsys::SealFilter& f) {
    YX_TRY(check_limit(f.limit));
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Statement q,
                        m_impl->prepare("SELECT " + std::string(k_seal_columns) + ", " + std::string(k_replaced_by) +
                                        " FROM seals WHERE org_node IN (SELECT value FROM json_each(?1)) "
                                        "AND state <> 'pending' AND (?2 IS NULL OR state = ?2) "
                                        "AND seal_code > ?3 ORDER BY seal_code LIMIT ?4"));
    q.bind(1, json_list(f.org_nodes));
    if (f.state)
        q.bind(2, sealsys::seal_state_name(*f.state));
    else
        q.bind_null(2);
    q.bind(3, f.after_code).bind(4, static_cast<std::int64_t>(f.limit));
    std::vector<SealRecord> out;
    for (;;) {
        YX_ASSIGN_OR_RETURN(bool row, q.step());
        if (!row) break;
        YX_ASSIGN_OR_RETURN(SealRecord s, read_seal(q));
        out.push_back(std::move(s));
    }
    return out;
}

Status SqliteSealSystemStore::finish_making(const SealRecord& seal, const SealApplication& application,
                                            ApplicationState expected) {
    if (seal.state != SealState::valid)
        return make_error(Errc::invalid_argument, "finish_making: the seal must be valid");
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    YX_ASSIGN_OR_RETURN(auto row, m_impl->find_seal(seal.seal_code));
    if (!row) return make_error(Errc::seal_not_found, "no seal " + seal.seal_code);
    YX_TRY(m_impl->update_seal(seal, SealState::pending, row->generation));
    YX_TRY(m_impl->update_app(application, expected));
    YX_TRY(m_impl->add_event(seal));
    return tx.commit();
}

// --- lifecycle ---------------------------------------------------------------------------------

Status SqliteSealSystemStore::insert_lifecycle(const LifecycleRequest& r,
                                               std::span<const sealsys::Material> materials) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    YX_TRY(m_impl->insert_request(r));
    YX_TRY(m_impl->insert_materials(r.id, materials));
    return tx.commit();
}

Result<std::optional<LifecycleRequest>> SqliteSealSystemStore::find_lifecycle(std::string_view id) {
    std::lock_guard lock(m_impl->mu);
    return m_impl->find_request(id);
}

Result<std::vector<LifecycleRequest>> SqliteSealSystemStore::list_lifecycle(const sealsys::LifecycleFilter& f) {
    YX_TRY(check_limit(f.limit));
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Statement q,
                        m_impl->prepare("SELECT " + std::string(k_request_columns) +
                                        " FROM seal_lifecycle_requests WHERE org_node IN (SELECT value FROM "
                                        "json_each(?1)) AND (?2 IS NULL OR state = ?2) AND (?3 = '' OR seal_code = ?3) "
                                        "AND (?4 = '' OR submitted_by = ?4) AND id > ?5 ORDER BY id LIMIT ?6"));
    q.bind(1, json_list(f.org_nodes));
    if (f.state)
        q.bind(2, sealsys::request_state_name(*f.state));
    else
        q.bind_null(2);
    q.bind(3, f.seal_code).bind(4, f.submitted_by).bind(5, f.after_id).bind(6, static_cast<std::int64_t>(f.limit));
    std::vector<LifecycleRequest> out;
    for (;;) {
        YX_ASSIGN_OR_RETURN(bool row, q.step());
        if (!row) break;
        YX_ASSIGN_OR_RETURN(LifecycleRequest r, read_request(q));
        out.push_back(std::move(r));
    }
    return out;
}

Status SqliteSealSystemStore::update_lifecycle(const LifecycleRequest& r, RequestState expected) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    YX_TRY(m_impl->update_request(r, expected));
    return tx.commit();
}

Status SqliteSealSystemStore::apply_lifecycle(const sealsys::LifecycleEffect& e) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    if (e.insert) {
        // The open-request check runs against the request itself: insert it as not yet completed.
        LifecycleRequest open = e.request;
        open.state = RequestState::approved;
        YX_TRY(m_impl->insert_request(open));
        YX_TRY(m_impl->update_request(e.request, RequestState::approved));
    } else {
        YX_TRY(m_impl->update_request(e.request, e.expected_request));
    }
    for (const sealsys::SealUpdate& u : e.seals) {
        YX_TRY(m_impl->update_seal(u.seal, u.expected, u.expected_generation));
        if (u.seal.state != u.expected || u.seal.generation != u.expected_generation) YX_TRY(m_impl->add_event(u.seal));
    }
    if (e.new_application) YX_TRY(m_impl->insert_app(*e.new_application));
    return tx.commit();
}

// --- status publishing -------------------------------------------------------------------------

Result<std::vector<SealRecord>> SqliteSealSystemStore::list_revoked(std::string_view after_code, std::size_t limit) {
    YX_TRY(check_limit(limit));
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Statement q,
                        m_impl->prepare("SELECT " + std::string(k_seal_columns) + ", " + std::string(k_replaced_by) +
                                        " FROM seals WHERE state IN ('lost', 'cancelled') "
                                        "AND seal_code > ?1 ORDER BY seal_code LIMIT ?2"));
    q.bind(1, after_code).bind(2, static_cast<std::int64_t>(limit));
    std::vector<SealRecord> out;
    for (;;) {
        YX_ASSIGN_OR_RETURN(bool row, q.step());
        if (!row) break;
        YX_ASSIGN_OR_RETURN(SealRecord s, read_seal(q));
        out.push_back(std::move(s));
    }
    return out;
}

Result<std::int64_t> SqliteSealSystemStore::status_version() {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Statement q, m_impl->prepare("SELECT coalesce(max(id), 0) FROM seal_status_events"));
    YX_ASSIGN_OR_RETURN(bool row, q.step());
    return row ? q.column_int(0) : 0;
}

Result<std::vector<sealsys::StatusEvent>> SqliteSealSystemStore::status_history(std::string_view seal_code) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Statement q, m_impl->prepare("SELECT id, seal_code, state, at, reason FROM seal_status_events "
                                                     "WHERE seal_code = ?1 ORDER BY id"));
    q.bind(1, seal_code);
    std::vector<sealsys::StatusEvent> out;
    for (;;) {
        YX_ASSIGN_OR_RETURN(bool row, q.step());
        if (!row) break;
        sealsys::StatusEvent e;
        e.id = q.column_int(0);
        e.seal_code = q.column_text(1);
        auto state = sealsys::seal_state_from_name(q.column_text(2));
        if (!state) return corrupt("seal status event " + std::to_string(e.id) + ": bad state");
        e.state = *state;
        e.at = from_unix(q.column_int(3));
        e.reason = q.column_text(4);
        out.push_back(std::move(e));
    }
    return out;
}

// --- system signers ----------------------------------------------------------------------------

Result<std::optional<sealsys::SystemSigner>> SqliteSealSystemStore::find_signer(sealsys::SignerRole role) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Statement q, m_impl->prepare("SELECT key_label, certificate, created_at "
                                                     "FROM seal_system_signers WHERE role = ?1"));
    q.bind(1, sealsys::signer_role_name(role));
    YX_ASSIGN_OR_RETURN(bool row, q.step());
    if (!row) return std::optional<sealsys::SystemSigner>{};
    sealsys::SystemSigner s;
    s.role = role;
    s.key_label = q.column_text(0);
    s.certificate_der = q.column_blob(1);
    s.created_at = from_unix(q.column_int(2));
    return std::optional<sealsys::SystemSigner>{std::move(s)};
}

Status SqliteSealSystemStore::insert_signer(const sealsys::SystemSigner& s) {
    std::lock_guard lock(m_impl->mu);
    YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(m_impl->db));
    {
        YX_ASSIGN_OR_RETURN(Statement q, m_impl->prepare("SELECT 1 FROM seal_system_signers WHERE role = ?1"));
        q.bind(1, sealsys::signer_role_name(s.role));
        YX_ASSIGN_OR_RETURN(bool row, q.step());
        if (row)
            return make_error(Errc::seal_duplicate, "the seal " + std::string(sealsys::signer_role_name(s.role)) +
                                                        " system has a key already");
    }
    YX_ASSIGN_OR_RETURN(Statement ins, m_impl->prepare("INSERT INTO seal_system_signers (role, key_label, certificate, "
                                                       "created_at) VALUES (?1, ?2, ?3, ?4)"));
    ins.bind(1, sealsys::signer_role_name(s.role))
        .bind(2, s.key_label)
        .bind_blob(3, s.certificate_der)
        .bind(4, static_cast<std::int64_t>(to_unix(s.created_at)));
    YX_TRY(ins.run());
    return tx.commit();
}

}  // namespace yinxin::store
