#include "yinxin/api/public_routes.h"

#include <cstdlib>
#include <string>

#include "yinxin/base/bytes.h"
#include "yinxin/ca/names.h"
#include "yinxin/x509/crl.h"

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

// "<id><ext>" → id; route-not-found otherwise.
Result<std::string_view> file_id(std::string_view file, std::string_view ext, std::string_view what) {
    if (file.size() <= ext.size() || file.substr(file.size() - ext.size()) != ext)
        return make_error(Errc::api_route_not_found, std::string(what));
    return file.substr(0, file.size() - ext.size());
}

// A certificate record as the public API shows it, with its revocation when `status` is given.
Result<nlohmann::json> certificate_json(const ca::CertificateRecord& rec, ca::RevocationStore* status) {
    const Bytes& serial = rec.serial;
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
        if (status != nullptr) {
            YX_ASSIGN_OR_RETURN(auto rev, status->revocation(rec.ca_id, serial));
            if (rev) {
                const auto reason = static_cast<x509::CrlReason>(rev->reason);
                j["status"] = reason == x509::CrlReason::certificate_hold ? "on_hold" : "revoked";
                j["revocation"] = {{"time", rev->revoked_at}, {"reason", std::string(x509::crl_reason_name(reason))}};
                if (rev->invalidity_date) j["revocation"]["invalidity_date"] = *rev->invalidity_date;
            }
        }
    }
    return j;
}

}  // namespace

Status add_public_ca_routes(Server& server, ca::CaRegistry& registry, ca::CertificateReader& reader,
                            ca::RevocationStore* status) {
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
        YX_ASSIGN_OR_RETURN(std::string_view id,
                            file_id(req.path_param("file"), ".cer", "CA certificates are served as /ca/<id>.cer"));
        YX_ASSIGN_OR_RETURN(auto c, registry.get_ca(id));
        if (c.certificate_der.empty())
            return make_error(Errc::api_route_not_found, "CA '" + c.id + "' has no certificate yet");
        // RFC 2585 3: a single DER certificate is application/pkix-cert.
        return Response::text(to_string(c.certificate_der), "application/pkix-cert");
    }));
    YX_TRY(server.add_route(
        "GET", "/api/v1/cas/{id}/certificates/{serial}", [&reader, status](const Request& req) -> Result<Response> {
            YX_ASSIGN_OR_RETURN(Bytes serial, hex_decode(req.path_param("serial")));
            YX_ASSIGN_OR_RETURN(auto rec, reader.certificate_by_serial(req.path_param("id"), serial));
            YX_ASSIGN_OR_RETURN(nlohmann::json j, certificate_json(rec, status));
            return Response::json(j);
        }));
    // Query by subject (LD/T 03 §6.4.6 query service): issued certificates whose subject contains
    // the text, newest first.
    YX_TRY(server.add_route("GET", "/api/v1/certificates", [&reader, status](const Request& req) -> Result<Response> {
        const auto subject = req.query_param("subject");
        if (!subject || subject->empty())
            return make_error(Errc::api_bad_request, "give ?subject=<part of the subject DN>");
        std::size_t limit = 20;
        if (auto l = req.query_param("limit")) {
            const std::string text(*l);
            char* end = nullptr;
            const unsigned long v = std::strtoul(text.c_str(), &end, 10);
            if (text.empty() || *end != '\0' || v == 0 || v > 100)
                return make_error(Errc::api_bad_request, "limit must be 1..100");
            limit = v;
        }
        YX_ASSIGN_OR_RETURN(auto found, reader.find_by_subject(req.query_param("ca").value_or(""), *subject, limit));
        auto list = nlohmann::json::array();
        for (const auto& rec : found) {
            YX_ASSIGN_OR_RETURN(nlohmann::json j, certificate_json(rec, status));
            list.push_back(std::move(j));
        }
        return Response::json({{"certificates", list}});
    }));
    // The chain of a CA up to its root, PEM, the CA first (for clients that need the intermediates).
    YX_TRY(server.add_route("GET", "/api/v1/cas/{id}/chain", [&registry](const Request& req) -> Result<Response> {
        std::string pem;
        std::string id(req.path_param("id"));
        for (int depth = 0; !id.empty(); ++depth) {
            if (depth > 8) return make_error(Errc::internal, "CA chain longer than 8 (a loop?)");
            YX_ASSIGN_OR_RETURN(auto c, registry.get_ca(id));
            if (c.certificate_der.empty())
                return make_error(Errc::api_route_not_found, "CA '" + c.id + "' has no certificate yet");
            pem += pem_encode("CERTIFICATE", c.certificate_der);
            id = c.parent_id;
        }
        return Response::text(pem, "application/pem-certificate-chain");
    }));
    if (status == nullptr) return ok_status();
    YX_TRY(server.add_route("GET", "/crl/{file}", [status](const Request& req) -> Result<Response> {
        // <id>.crl (full), <id>-delta.crl (delta), <id>.arl (authority revocation list).
        const std::string_view file = req.path_param("file");
        constexpr std::string_view k_what = "CRLs are served as /crl/<id>.crl, /crl/<id>-delta.crl and /crl/<id>.arl";
        ca::CrlScope scope = ca::CrlScope::full;
        std::string_view id;
        if (auto delta = file_id(file, "-delta.crl", k_what)) {
            scope = ca::CrlScope::delta;
            id = *delta;
        } else if (auto arl = file_id(file, ".arl", k_what)) {
            scope = ca::CrlScope::arl;
            id = *arl;
        } else {
            YX_ASSIGN_OR_RETURN(id, file_id(file, ".crl", k_what));
        }
        YX_ASSIGN_OR_RETURN(auto crl, status->latest_crl(id, scope));
        if (!crl)
            return make_error(Errc::api_route_not_found, "CA '" + std::string(id) + "' has no " +
                                                             std::string(ca::crl_scope_name(scope)) + " CRL yet");
        return Response::text(to_string(crl->der), "application/pkix-crl");
    }));
    return ok_status();
}

namespace {

constexpr std::string_view k_ocsp_request = "application/ocsp-request";
constexpr std::string_view k_ocsp_response = "application/ocsp-response";
constexpr std::uint64_t k_max_ocsp_request = std::uint64_t{64} * 1024;

Response ocsp_answer(ca::OcspResponder& responder, BytesView der, std::string_view ca_id) {
    const ca::OcspOutcome out = responder.respond(der, ca_id);
    Response r = Response::text(to_string(out.response), std::string(k_ocsp_response));
    if (out.status == x509::OcspResponseStatus::successful) {
        // RFC 5019 6.2: a response without a nonce may be cached until its nextUpdate.
        auto parsed = x509::OcspRequest::parse(der);
        if (parsed && !parsed->nonce) r.headers.push_back({"Cache-Control", "max-age=300, public, no-transform"});
    } else {
        r.headers.push_back({"Cache-Control", "no-store"});
    }
    return r;
}

}  // namespace

Status add_ocsp_routes(Server& server, ca::OcspResponder& responder) {
    RouteOptions post;
    post.consumes = {std::string(k_ocsp_request)};
    post.max_body_bytes = k_max_ocsp_request;
    YX_TRY(server.add_route(
        "POST", "/ocsp/{id}",
        [&responder](const Request& req) -> Result<Response> {
            return ocsp_answer(responder, as_bytes(req.body), req.path_param("id"));
        },
        post));
    YX_TRY(server.add_route(
        "POST", "/ocsp",
        [&responder](const Request& req) -> Result<Response> { return ocsp_answer(responder, as_bytes(req.body), {}); },
        post));
    YX_TRY(server.add_route("GET", "/ocsp/{id}/{request}", [&responder](const Request& req) -> Result<Response> {
        auto der = base64_decode(req.path_param("request"));
        if (!der) {
            Response r =
                Response::text(to_string(x509::ocsp_error_response(x509::OcspResponseStatus::malformed_request)),
                               std::string(k_ocsp_response));
            return r;
        }
        return ocsp_answer(responder, *der, req.path_param("id"));
    }));
    return ok_status();
}

Status add_tsa_routes(Server& server, ca::TimeStampAuthority& tsa) {
    RouteOptions post;
    post.consumes = {"application/timestamp-query"};
    post.max_body_bytes = 16 * 1024;  // a TimeStampReq is a hash and a few small fields
    for (const char* path : {"/api/v1/tsa", "/tsa"}) {
        YX_TRY(server.add_route(
            "POST", path,
            [&tsa](const Request& req) -> Result<Response> {
                const cms::TsaOutcome out = tsa.respond(as_bytes(req.body));
                Response r = Response::text(to_string(out.response), "application/timestamp-reply");
                r.headers.push_back({"Cache-Control", "no-store"});
                return r;
            },
            post));
    }
    return ok_status();
}

}  // namespace yinxin::api
