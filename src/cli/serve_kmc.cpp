#include "serve_kmc.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <utility>

#include "cli_util.h"
#include "http_client.h"
#include "yinxin/ca/hierarchy.h"
#include "yinxin/ra/workflow.h"
#include "yinxin/x509/certificate.h"

namespace yinxin::cli {

namespace {

std::string in_dir(const std::string& data_dir, const std::string& path) {
    if (path.empty() || std::filesystem::path(path).is_absolute()) return path;
    return (std::filesystem::path(data_dir) / path).string();
}

Result<x509::Certificate> read_certificate(const std::string& path) {
    YX_ASSIGN_OR_RETURN(Bytes raw, read_binary_file(path));
    const std::string text = to_string(raw);
    if (text.find("-----BEGIN") != std::string::npos) return x509::Certificate::parse_pem(text);
    return x509::Certificate::parse(raw);
}

// POSTs a CARequest to the KMC process over mutual TLS.
kmc::Transport https_transport(HttpTarget target) {
    return [target = std::move(target)](BytesView request) -> Result<Bytes> {
        HttpCall call;
        call.method = "POST";
        call.path = "/api/v1/kmc";
        call.body = to_string(request);
        call.content_type = "application/octet-stream";
        call.body_limit = std::uint64_t{1024} * 1024;
        YX_ASSIGN_OR_RETURN(HttpReply reply, http_call(target, call));
        if (reply.status != 200)
            return make_error(Errc::io_error, "the KMC at " + target.host + ":" + target.port + " answered HTTP " +
                                                  std::to_string(reply.status) + ": " + reply.body.substr(0, 300));
        const BytesView body = as_bytes(reply.body);
        return Bytes(body.begin(), body.end());
    };
}

// A recovery must stand on an RA request (form A.4) of its kind for the same certificate that both
// departments have approved and reviewed (LD/T 03-2022 §6.4.5 figures 5 and 6).
kmc::RaRequestCheck ra_request_check(ra::RaStore& ra) {
    return [&ra](std::string_view id, kmc::RecoveryKind kind, std::string_view ca_id,
                 std::string_view cert_no) -> Status {
        YX_ASSIGN_OR_RETURN(auto found, ra.find_request(id));
        const std::string name(id);
        if (!found) return make_error(Errc::kmc_recovery_denied, "no RA request '" + name + "'");
        const ra::RequestKind want =
            kind == kmc::RecoveryKind::holder ? ra::RequestKind::key_recovery : ra::RequestKind::judicial_recovery;
        if (found->kind != want)
            return make_error(Errc::kmc_recovery_denied,
                              "RA request " + name + " is a " + std::string(ra::request_kind_name(found->kind)) +
                                  " request, not " + std::string(ra::request_kind_name(want)));
        if (found->state != ra::RequestState::reviewed)
            return make_error(Errc::kmc_recovery_denied,
                              "RA request " + name + " is " + std::string(ra::request_state_name(found->state)) +
                                  ": the 主管部门 and the certificate management department must both have decided");
        YX_ASSIGN_OR_RETURN(auto ref, ra::parse_certificate_ref(found->target));
        std::string magnitude = hex_encode(ref.second);
        magnitude.erase(0, magnitude.find_first_not_of('0'));
        std::string asked(cert_no);
        std::transform(asked.begin(), asked.end(), asked.begin(), [](unsigned char c) { return std::tolower(c); });
        asked.erase(0, asked.find_first_not_of('0'));
        if (ref.first != ca_id || magnitude != asked)
            return make_error(Errc::kmc_recovery_denied, "RA request " + name + " is for " + found->target + ", not " +
                                                             std::string(ca_id) + ":" + std::string(cert_no));
        return ok_status();
    };
}

}  // namespace

std::string kmc_settings_path(const std::string& data_dir) {
    return (std::filesystem::path(data_dir) / "kmc.json").string();
}

Status save_kmc_settings(const std::string& data_dir, const KmcSettings& s) {
    nlohmann::json j{{"ca", s.ca}, {"certificate", s.certificate}};
    if (!s.url.empty()) {
        j["url"] = s.url;
        j["cacert"] = s.cacert;
        j["client_certificate"] = s.client_certificate;
        j["client_key"] = s.client_key;
    }
    const std::string path = kmc_settings_path(data_dir);
    const std::string tmp = path + ".tmp";
    YX_TRY(write_binary_file(tmp, as_bytes(j.dump(2) + "\n")));
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) return make_error(Errc::io_error, "replacing " + path + ": " + ec.message());
    return ok_status();
}

Result<std::optional<KmcSettings>> load_kmc_settings(const std::string& data_dir) {
    const std::string path = kmc_settings_path(data_dir);
    if (!std::filesystem::exists(path)) return std::optional<KmcSettings>{};
    YX_ASSIGN_OR_RETURN(Bytes raw, read_binary_file(path));
    auto j = nlohmann::json::parse(to_string(raw), nullptr, false);
    if (j.is_discarded() || !j.is_object()) return make_error(Errc::invalid_argument, path + " is not a JSON object");
    KmcSettings s;
    auto text = [&j](const char* name) {
        return j.contains(name) && j[name].is_string() ? j[name].get<std::string>() : "";
    };
    s.ca = text("ca");
    s.certificate = text("certificate");
    s.url = text("url");
    s.cacert = text("cacert");
    s.client_certificate = text("client_certificate");
    s.client_key = text("client_key");
    if (s.ca.empty() || s.certificate.empty())
        return make_error(Errc::invalid_argument, path + ": \"ca\" and \"certificate\" are required");
    if (!s.url.empty() && (s.cacert.empty() || s.client_certificate.empty() || s.client_key.empty()))
        return make_error(
            Errc::invalid_argument,
            path + ": a KMC reached by \"url\" needs \"cacert\", \"client_certificate\" and \"client_key\"");
    return std::optional<KmcSettings>{std::move(s)};
}

Result<std::unique_ptr<KmcSide>> open_kmc_side(const std::string& role, const std::string& data_dir,
                                               device::Device& device, const std::string& pin, ca::CaRegistry& cas,
                                               auth::AuthService& auth, audit::AuditLog& audit) {
    YX_ASSIGN_OR_RETURN(auto settings, load_kmc_settings(data_dir));
    if (!settings) return std::unique_ptr<KmcSide>{};
    auto side = std::make_unique<KmcSide>();
    YX_ASSIGN_OR_RETURN(x509::Certificate kmc_cert, read_certificate(in_dir(data_dir, settings->certificate)));
    YX_ASSIGN_OR_RETURN(ca::CaRecord ca, cas.get_ca(settings->ca));
    YX_ASSIGN_OR_RETURN(x509::Certificate ca_cert, x509::Certificate::parse(ca.certificate_der));
    side->remote = role == "all" && !settings->url.empty();
    kmc::Transport transport;
    if (role == "kmc" || !side->remote) {
        const std::string db = (std::filesystem::path(data_dir) / "store.db").string();
        YX_ASSIGN_OR_RETURN(side->store, store::SqliteKmcStore::open(db));
        YX_ASSIGN_OR_RETURN(kmc::KmcKeys keys, kmc::open_kmc_keys(device, pin, audit));
        kmc::KmcConfig config;
        config.trusted_cas.push_back(kmc::TrustedCa{settings->ca, ca_cert});
        if (role == "all") {
            // In the CA's process the RA requests are in the same store. A KMC process of its own
            // only records the id (the RA's queue is not replicated to it yet).
            YX_ASSIGN_OR_RETURN(side->ra_store, store::SqliteRaStore::open(db));
            config.check_ra_request = ra_request_check(*side->ra_store);
        }
        // Judicial officers' certificates chain to the roots of this installation.
        YX_ASSIGN_OR_RETURN(auto all, cas.list_cas());
        for (const auto& c : all) {
            if (!c.parent_id.empty() || c.certificate_der.empty()) continue;
            auto root = x509::Certificate::parse(c.certificate_der);
            if (root) config.judicial_trust_anchors.push_back(*root);
        }
        YX_ASSIGN_OR_RETURN(side->service,
                            kmc::KmcService::create(*side->store, keys, kmc_cert, auth, audit, side->clock, config));
        transport = [svc = side->service.get()](BytesView request) -> Result<Bytes> {
            return svc->handle(request, "local");
        };
    } else {
        YX_ASSIGN_OR_RETURN(HttpTarget target, parse_http_url(settings->url, in_dir(data_dir, settings->cacert)));
        target.client_cert = in_dir(data_dir, settings->client_certificate);
        target.client_key = in_dir(data_dir, settings->client_key);
        transport = https_transport(std::move(target));
    }
    if (role == "all") {
        // The CA signs its requests with its own key in the device.
        auto resolver = ca::device_key_resolver(device, "soft", pin);
        YX_ASSIGN_OR_RETURN(ca::SigningKey key, resolver(ca));
        kmc::SignFunction sign = [dev = key.device, index = key.index, id = key.sm2_id](BytesView m) {
            return dev->sign(index, m, id);
        };
        side->client = std::make_unique<kmc::KmcClient>(ca_cert, std::move(sign), kmc_cert, std::move(transport),
                                                        side->clock, side->rng);
    }
    return side;
}

}  // namespace yinxin::cli
