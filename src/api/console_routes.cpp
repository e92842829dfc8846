#include "yinxin/api/console_routes.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "console_assets.h"
#include "yinxin/auth/roles.h"
#include "yinxin/ra/application.h"

namespace yinxin::api {
namespace {

// Scripts, styles, images and fonts only from the console itself; the API on the same origin; no
// inline script or style, no eval, no plugins, no framing (clickjacking), no <base> rewriting, no
// form posts (the console sends JSON with fetch). Trusted Types forbid string DOM sinks
// (innerHTML and friends) outright: the console builds every node with createElement/textContent.
constexpr std::string_view k_csp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'; require-trusted-types-for 'script'; trusted-types 'none'";

void add_security_headers(Response& r) {
    r.headers.emplace_back("Content-Security-Policy", std::string(k_csp));
    r.headers.emplace_back("Referrer-Policy", "no-referrer");
    r.headers.emplace_back("X-Frame-Options", "DENY");
    r.headers.emplace_back("Cross-Origin-Opener-Policy", "same-origin");
    r.headers.emplace_back("Cross-Origin-Resource-Policy", "same-origin");
    r.headers.emplace_back("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()");
}

Response redirect_to_console() {
    Response r;
    r.status = 302;
    r.headers.emplace_back("Location", "/console/");
    r.content_type = "text/plain; charset=utf-8";
    r.body = "see /console/\n";
    return r;
}

std::string_view syntax_name(ra::FieldSyntax s) {
    using S = ra::FieldSyntax;
    switch (s) {
        case S::text: return "text";
        case S::gender: return "gender";
        case S::id_number: return "id_number";
        case S::postcode: return "postcode";
        case S::email: return "email";
        case S::phone: return "phone";
        case S::org_code: return "org_code";
        case S::mac: return "mac";
        case S::ip: return "ip";
        case S::carrier: return "carrier";
    }
    return "text";
}

nlohmann::json role_names(auth::RoleSet set) {
    auto out = nlohmann::json::array();
    for (auth::Role r : auth::k_all_roles)
        if (set.contains(r)) out.push_back(std::string(auth::role_name(r)));
    return out;
}

}  // namespace

std::string_view console_content_security_policy() noexcept { return k_csp; }

nlohmann::json console_metadata(const ConsoleOptions& options) {
    nlohmann::json roles = nlohmann::json::array();
    for (auth::Role r : auth::k_all_roles) {
        std::uint32_t managed = 0;
        for (auth::Role other : auth::k_all_roles)
            if (auth::may_manage(r, other)) managed |= 1U << static_cast<unsigned>(other);
        roles.push_back({{"name", std::string(auth::role_name(r))},
                         {"staff", auth::is_staff_role(r)},
                         {"manages", role_names(auth::RoleSet::from_bits(managed))}});
    }
    nlohmann::json actions = nlohmann::json::array();
    for (const auth::ActionInfo& a : auth::action_table()) {
        actions.push_back({{"name", std::string(a.name)},
                           {"subsystem", std::string(auth::subsystem_name(a.subsystem))},
                           {"scoped", a.scoped},
                           {"roles", role_names(a.allowed)},
                           {"approvers", role_names(a.approvers)},
                           {"description", std::string(a.description)}});
    }
    nlohmann::json forms = nlohmann::json::object();
    for (ra::SubjectKind k :
         {ra::SubjectKind::person, ra::SubjectKind::organisation, ra::SubjectKind::device, ra::SubjectKind::carrier}) {
        auto fields = nlohmann::json::array();
        for (const ra::FieldSpec& f : ra::form_fields(k))
            fields.push_back({{"key", std::string(f.key)},
                              {"label_zh", std::string(f.label_zh)},
                              {"required", f.required},
                              {"syntax", std::string(syntax_name(f.syntax))}});
        forms[std::string(ra::subject_kind_name(k))] = {{"fields", fields},
                                                        {"profile", std::string(ra::default_profile(k))}};
    }
    using K = ra::RequestKind;
    auto kinds = nlohmann::json::array();
    for (K k : {K::issue, K::renewal, K::change, K::revocation, K::suspension, K::unsuspension, K::key_recovery,
                K::judicial_recovery})
        kinds.push_back(std::string(ra::request_kind_name(k)));
    using St = ra::RequestState;
    auto states = nlohmann::json::array();
    for (St s : {St::submitted, St::approved, St::reviewed, St::completed, St::delivered, St::rejected})
        states.push_back(std::string(ra::request_state_name(s)));
    auto subsystems = nlohmann::json::array();
    for (auth::Subsystem s : auth::k_all_subsystems) subsystems.push_back(std::string(auth::subsystem_name(s)));
    return {{"sm2_id", options.sm2_id}, {"roles", roles},           {"actions", actions},      {"forms", forms},
            {"request_kinds", kinds},   {"request_states", states}, {"subsystems", subsystems}};
}

Status add_console_routes(Server& server, const ConsoleOptions& options) {
    auto redirect = [](const Request&) -> Result<Response> { return redirect_to_console(); };
    YX_TRY(server.add_route("GET", "/", redirect));
    YX_TRY(server.add_route("GET", "/console", redirect));

    // Assets: one literal route each (the router's 404 answers every other path under /console/).
    const console_assets::Asset* index = nullptr;
    for (const console_assets::Asset& a : console_assets::all()) {
        if (a.path == "index.html") index = &a;
        auto serve = [&a](const Request&) -> Result<Response> {
            Response r;
            r.content_type = std::string(a.content_type);
            r.body.assign(reinterpret_cast<const char*>(a.data), a.size);
            add_security_headers(r);
            return r;
        };
        YX_TRY(server.add_route("GET", "/console/" + std::string(a.path), serve));
    }
    if (index == nullptr) return make_error(Errc::api_bad_config, "the embedded console has no index.html");
    YX_TRY(server.add_route("GET", "/console/", [index](const Request&) -> Result<Response> {
        Response r;
        r.content_type = std::string(index->content_type);
        r.body.assign(reinterpret_cast<const char*>(index->data), index->size);
        add_security_headers(r);
        return r;
    }));

    auto meta = std::make_shared<const std::string>(console_metadata(options).dump());
    YX_TRY(server.add_route("GET", "/console/meta.json", [meta](const Request&) -> Result<Response> {
        Response r;
        r.content_type = std::string(k_json);
        r.body = *meta;
        add_security_headers(r);
        return r;
    }));
    return ok_status();
}

}  // namespace yinxin::api
