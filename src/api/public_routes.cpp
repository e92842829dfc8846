#include "yinxin/api/public_routes.h"

#include <string>

#include "yinxin/base/bytes.h"
#include "yinxin/ca/names.h"

namespace yinxin::api {
namespace {

nlohmann::json ca_summary(const ca::CaRecord& c) {
    return {{"id", c.id},
            {"name", c.name},
            {"kind", std::string(ca::ca_kind_name(c.kind))},
            {"status", c.status == ca::CaStatus::active ? "active" : "retired"},
            {"subject", c.subject_dn},
            {"parent", c.parent_id},
            {"certificate_url", "/ca/" + c.id + ".cer"}};
}

}  // namespace

Status add_public_ca_routes(Server& server, ca::CaRegistry& registry, ca::CertificateReader& reader) {
    YX_TRY(server.add_route("GET", "/api/v1/cas", [&registry](const Request&) -> Result<Response> {
        YX_ASSIGN_OR_RETURN(auto cas, registry.list_cas());
        auto list = nlohmann::json::array();
        for (const auto& c : cas) list.push_back(ca_summary(c));
        return Response::json({{"cas", list}});
    }));
    YX_TRY(server.add_route("GET", "/api/v1/cas/{id}", [&registry](const Request& req) -> Result<Response> {
        YX_ASSIGN_OR_RETURN(auto c, registry.get_ca(req.path_param("id")));
        auto j = ca_summary(c);
        if (!c.certificate_der.empty()) j["certificate_pem"] = pem_encode("CERTIFICATE", c.certificate_der);
        return Response::json(j);
    }));
    YX_TRY(server.add_route("GET", "/ca/{file}", [&registry](const Request& req) -> Result<Response> {
        std::string_view file = req.path_param("file");
        constexpr std::string_view ext = ".cer";
        if (file.size() <= ext.size() || file.substr(file.size() - ext.size()) != ext)
            return make_error(Errc::api_route_not_found, "CA certificates are served as /ca/<id>.cer");
        YX_ASSIGN_OR_RETURN(auto c, registry.get_ca(file.substr(0, file.size() - ext.size())));
        if (c.certificate_der.empty())
            return make_error(Errc::api_route_not_found, "CA '" + c.id + "' has no certificate yet");
        // RFC 2585 3: a single DER certificate is application/pkix-cert.
        return Response::text(to_string(c.certificate_der), "application/pkix-cert");
    }));
    YX_TRY(server.add_route(
        "GET", "/api/v1/cas/{id}/certificates/{serial}", [&reader](const Request& req) -> Result<Response> {
            YX_ASSIGN_OR_RETURN(Bytes serial, hex_decode(req.path_param("serial")));
            YX_ASSIGN_OR_RETURN(auto rec, reader.certificate_by_serial(req.path_param("id"), serial));
            nlohmann::json j{{"ca_id", rec.ca_id},
                             {"serial", hex_encode(rec.serial)},
                             {"status", std::string(ca::certificate_status_name(rec.status))},
                             {"subject", rec.subject_dn},
                             {"not_before", rec.not_before},
                             {"not_after", rec.not_after},
                             {"profile", rec.profile_id}};
            if (rec.status == ca::CertificateStatus::issued) {
                j["certificate_pem"] = pem_encode("CERTIFICATE", rec.certificate_der);
                j["fingerprint_sm3"] = hex_encode(rec.fingerprint_sm3);
            }
            return Response::json(j);
        }));
    return ok_status();
}

}  // namespace yinxin::api
