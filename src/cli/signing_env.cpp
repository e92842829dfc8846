#include "signing_env.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "yinxin/asn1/oid.h"
#include "yinxin/ca/hierarchy.h"
#include "yinxin/device/soft_device.h"

namespace yinxin::cli {

namespace fs = std::filesystem;

void add_store_options(CLI::App* c, EnvArgs& a) {
    c->add_option("--data-dir", a.data_dir, "Data directory holding store.db and device.db")->capture_default_str();
    c->add_option("--store", a.store, "SQLite store file (default <data-dir>/store.db)");
    c->add_flag("--json", a.json, "Machine-readable JSON output");
}

void add_signing_options(CLI::App* c, EnvArgs& a) {
    add_store_options(c, a);
    c->add_option("--device-store", a.device_store, "Soft device key store (default <data-dir>/device.db)");
    c->add_option("--shares-file", a.shares_file, "Custodian name:password lines, 3 or more (default: stdin)");
    c->add_option("--pin-file", a.pin_file, "File with the CA key PIN (default: env YINXIN_CA_KEY_PIN)");
    c->add_option("--profiles", a.profiles_dir, "Certificate profile directory")->capture_default_str();
    c->add_option("--base-url", a.base_url, "Base URL of the CRL/OCSP/caIssuers service (default: as at ca init)")
        ->capture_default_str()
        ->each([&a](const std::string&) { a.base_url_given = true; });
}

std::unique_ptr<store::SqliteStore> open_store(const EnvArgs& a) {
    fs::create_directories(fs::path(a.store_path()).parent_path().empty() ? fs::path(".")
                                                                          : fs::path(a.store_path()).parent_path());
    return take(store::SqliteStore::open(a.store_path()));
}

ca::CaStores stores_of(store::SqliteStore& s) { return ca::CaStores{&s, &s, &s, &s}; }

audit::AuditEvent audit_event_of(const ca::CaEvent& e) {
    audit::AuditEvent a;
    a.time = e.at;
    a.source = "cli";
    a.actor = cli_actor();
    a.role = "security_admin";
    a.action = e.action;
    a.target = e.ca_id + (e.serial_hex.empty() ? "" : ":" + e.serial_hex) +
               (e.request_id.empty() ? "" : " request " + e.request_id);
    a.detail = e.detail;
    if (!e.subject_dn.empty()) a.detail += (a.detail.empty() ? "" : "; ") + std::string("subject ") + e.subject_dn;
    if (!e.profile_id.empty()) a.detail += (a.detail.empty() ? "" : "; ") + std::string("profile ") + e.profile_id;
    a.success = e.success;
    if (!e.success) {
        a.error_code = static_cast<std::uint32_t>(e.error);
        if (!e.error_code.empty()) a.detail += (a.detail.empty() ? "" : "; ") + e.error_code;
    }
    return a;
}

std::string publication_path(const EnvArgs& a) {
    return (fs::path(a.store_path()).parent_path() / "publication.json").string();
}

Status save_publication(const EnvArgs& a, const ca::PublicationConfig& p) {
    return write_binary_file(publication_path(a), as_bytes(ca::publication_json(p)));
}

Result<ca::PublicationConfig> load_publication(const EnvArgs& a, bool base_url_given) {
    ca::PublicationConfig p;
    const std::string path = publication_path(a);
    if (fs::exists(path)) {
        YX_ASSIGN_OR_RETURN(Bytes raw, read_binary_file(path));
        YX_ASSIGN_OR_RETURN(p, ca::parse_publication(to_string(raw), path));
    }
    if (base_url_given || !fs::exists(path)) p.base_url = a.base_url;
    return p;
}

std::string tsa_path(const EnvArgs& a) { return (fs::path(a.store_path()).parent_path() / "tsa.json").string(); }

Status save_tsa(const EnvArgs& a, const TsaSettings& t) {
    const nlohmann::json j{{"ca_id", t.signer.ca_id},
                           {"key_backend", t.signer.key.backend},
                           {"key_index", t.signer.key.index},
                           {"key_label", t.signer.key.label},
                           {"policy", t.policy},
                           {"certificate_pem", pem_encode("CERTIFICATE", t.signer.certificate_der)}};
    return write_binary_file(tsa_path(a), as_bytes(j.dump(2) + "\n"));
}

Result<std::optional<TsaSettings>> load_tsa(const EnvArgs& a) {
    const std::string path = tsa_path(a);
    if (!fs::exists(path)) return std::optional<TsaSettings>{};
    YX_ASSIGN_OR_RETURN(Bytes raw, read_binary_file(path));
    const auto j = nlohmann::json::parse(to_string(raw), nullptr, false);
    if (!j.is_object() || !j.contains("ca_id") || !j.contains("key_index") || !j.contains("certificate_pem") ||
        !j.contains("policy")) {
        return make_error(Errc::invalid_argument,
                          path + ": not a TSA settings file (ca_id, key_index, policy, certificate_pem)");
    }
    TsaSettings t;
    try {
        t.signer.ca_id = j.at("ca_id").get<std::string>();
        t.signer.key.backend = j.value("key_backend", std::string("soft"));
        t.signer.key.index = j.at("key_index").get<std::int64_t>();
        t.signer.key.label = j.value("key_label", std::string());
        t.policy = j.at("policy").get<std::string>();
        YX_ASSIGN_OR_RETURN(t.signer.certificate_der,
                            pem_decode(j.at("certificate_pem").get<std::string>(), "CERTIFICATE"));
    } catch (const nlohmann::json::exception& e) {
        return make_error(Errc::invalid_argument, path + ": " + e.what());
    }
    return std::optional<TsaSettings>(std::move(t));
}

ca::EventSink SigningEnv::sink() {
    return [this](const ca::CaEvent& ev) {
        auto r = audit_log->append(audit_event_of(ev));
        if (!r.ok()) fail(r.error());
    };
}

void SigningEnv::audit_device(const device::DeviceEvent& ev) {
    audit::AuditEvent a;
    a.time = ev.at;
    a.source = "cli";
    a.actor = cli_actor();
    a.role = "security_admin";
    a.action = ev.action;
    a.target = ev.device_id;
    a.detail = "custodians " + join(ev.custodians);
    auto r = audit_log->append(a);
    if (!r.ok()) fail(r.error());
}

ca::CaContext context_of(SigningEnv& env, const Clock& clock, Rng& rng) {
    ca::CaContext ctx;
    ctx.stores = stores_of(*env.store);
    ctx.profiles = &env.profiles;
    ctx.device = env.device.get();
    ctx.device_backend = "soft";
    ctx.key_pin = env.pin;
    ctx.clock = &clock;
    ctx.rng = &rng;
    ctx.events = env.sink();
    return ctx;
}

std::unique_ptr<SigningEnv> open_signing_env(const EnvArgs& a) {
    auto env = std::make_unique<SigningEnv>();
    env->profiles = take(profile::ProfileSet::load_directory(a.profiles_dir));
    env->store = open_store(a);
    env->audit_store = take(store::SqliteAuditStore::open(a.store_path()));
    env->audit_log = std::make_unique<audit::AuditLog>(*env->audit_store, audit::AuditLogOptions{});
    device::SoftDeviceOptions o;
    o.create_if_missing = false;
    env->device = take(device::open_soft_device(a.device_path(), std::move(o)));
    auto shares = take(read_credentials_file(a.shares_file));
    auto unlocked = env->device->custodian_control()->unlock(shares);
    if (!unlocked.ok()) {
        audit::AuditEvent a_ev;
        a_ev.source = "cli";
        a_ev.actor = cli_actor();
        a_ev.action = "device.unlock";
        a_ev.target = a.device_path();
        (void)env->audit_log->append(a_ev.failed(unlocked.error()));
        fail(unlocked.error());
    }
    env->audit_device(unlocked.value());
    env->pin = take(read_secret(a.pin_file, "YINXIN_CA_KEY_PIN", "CA key PIN"));
    env->publication = take(load_publication(a, a.base_url_given));
    return env;
}

}  // namespace yinxin::cli
