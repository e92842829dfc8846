// `yinxin serve --listen 127.0.0.1:8443 [--tls-cert F --tls-key F [--plain-port 8080] [--client-ca F]] [--data-dir D]`
#include "serve_cmd.h"

#include <CLI/CLI.hpp>

#include <charconv>
#include <condition_variable>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "cli_util.h"
#include "notify_cmd.h"
#include "publish_cmd.h"
#include "serve_kmc.h"
#include "serve_seal_hierarchy.h"
#include "serve_seal_system.h"
#include "serve_seal_use.h"
#include "signing_env.h"
#include "yinxin/api/card_batch_routes.h"
#include "yinxin/api/carrier_routes.h"
#include "yinxin/api/console_routes.h"
#include "yinxin/api/kmc_routes.h"
#include "yinxin/api/public_routes.h"
#include "yinxin/api/publication_routes.h"
#include "yinxin/api/ra_routes.h"
#include "yinxin/api/server.h"
#include "yinxin/api/staff_routes.h"
#include "yinxin/asn1/oid.h"
#include "yinxin/audit/audit.h"
#include "yinxin/auth/service.h"
#include "yinxin/base/clock.h"
#include "yinxin/ca/hierarchy.h"
#include "yinxin/ca/ocsp.h"
#include "yinxin/ca/status.h"
#include "yinxin/ca/tsa.h"
#include "yinxin/crypto/random.h"
#include "yinxin/device/soft_device.h"
#include "yinxin/profile/profile.h"
#include "yinxin/ra/workflow.h"
#include "yinxin/store/sqlite_audit_store.h"
#include "yinxin/store/sqlite_auth_store.h"
#include "yinxin/store/sqlite_card_batch_store.h"
#include "yinxin/store/sqlite_carrier_store.h"
#include "yinxin/store/sqlite_publication_store.h"
#include "yinxin/store/sqlite_ra_store.h"
#include "yinxin/store/sqlite_revocation_store.h"
#include "yinxin/store/sqlite_store.h"
#include "yinxin/x509/certificate.h"

namespace yinxin::cli {

namespace {

struct ServeOptions {
    std::string listen = "127.0.0.1:8080";
    std::string tls_cert;
    std::string tls_key;
    std::optional<std::uint16_t> plain_port;
    std::string client_ca;
    bool require_client_cert = false;
    bool allow_insecure_http = false;
    std::string data_dir;
    std::string role = "all";
    std::string device_store;  // default <data-dir>/device.db
    std::string shares_file;   // with --pin-file: unlock the device, answer OCSP with the CA keys
    std::string pin_file;
    std::string profiles_dir = YINXIN_DEFAULT_PROFILES_DIR;
    std::string ra_webhook;         // notification webhook name for every registration event ("" = e-mail only)
    unsigned crl_interval = 86400;  // seconds: a full CRL at least this often (role all, with the keys)
    std::string crl_daily_at;       // "HH:MM" UTC, also then
    // Seconds between rounds of the publication queue (role all); 0: off.
    unsigned publish_interval = 10;
    // Seconds between rounds of the notification outbox (role all; <data-dir>/notify.json); 0: off.
    unsigned notify_interval = 30;
    unsigned threads = 2;
    unsigned handler_threads = 4;
    std::uint64_t max_body_bytes = std::uint64_t{1024} * 1024;
    double grace_seconds = 10;
};

// "127.0.0.1:8080", "[::1]:8080", "0.0.0.0:443".
Result<std::pair<std::string, std::uint16_t>> parse_listen(const std::string& s) {
    std::string host;
    std::string port;
    if (!s.empty() && s.front() == '[') {
        const auto close = s.find(']');
        if (close == std::string::npos || close + 1 >= s.size() || s[close + 1] != ':') {
            return make_error(Errc::invalid_argument, "--listen '" + s + "': expected [v6-address]:port");
        }
        host = s.substr(1, close - 1);
        port = s.substr(close + 2);
    } else {
        const auto colon = s.rfind(':');
        if (colon == std::string::npos)
            return make_error(Errc::invalid_argument, "--listen '" + s + "': expected host:port");
        host = s.substr(0, colon);
        port = s.substr(colon + 1);
    }
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || ptr != port.data() + port.size() || value > 65535 || host.empty()) {
        return make_error(Errc::invalid_argument, "--listen '" + s + "': bad port");
    }
    return std::make_pair(host, static_cast<std::uint16_t>(value));
}

// The "publication" configuration (CRL DP / AIA base URL, CPS OID and URI; `yinxin ca init` writes
// it): read by config.read, replaced through PUT /api/v1/config/publication after a second
// person's approval. The file is replaced atomically (write + rename).
api::ConfigEntry publication_entry(const std::string& data_dir) {
    const std::string path = (std::filesystem::path(data_dir) / "publication.json").string();
    api::ConfigEntry e;
    e.read = [path]() -> Result<nlohmann::json> {
        if (!std::filesystem::exists(path)) return nlohmann::json::object();
        YX_ASSIGN_OR_RETURN(Bytes raw, read_binary_file(path));
        auto j = nlohmann::json::parse(to_string(raw), nullptr, false);
        if (j.is_discarded()) return make_error(Errc::invalid_argument, path + " is not JSON");
        return j;
    };
    e.write = [path](const nlohmann::json& v) -> Status {
        if (!v.is_object()) return make_error(Errc::api_bad_request, "publication must be a JSON object");
        if (!v.contains("base_url"))
            return make_error(Errc::api_bad_request, "publication.base_url must be an http:// or https:// URL");
        auto parsed = ca::parse_publication(v.dump(), "publication");
        if (!parsed) return make_error(Errc::api_bad_request, parsed.error().message);
        const std::string tmp = path + ".tmp";
        YX_TRY(write_binary_file(tmp, as_bytes(v.dump(2) + "\n")));
        std::error_code ec;
        std::filesystem::rename(tmp, path, ec);
        if (ec) return make_error(Errc::io_error, "replacing " + path + ": " + ec.message());
        return ok_status();
    };
    return e;
}

// The side that signs: the device unlocked with the custodians' shares (audited), the OCSP
// responder and, in the CA process (role all), the CRL schedule.
struct OcspSide {
    SystemClock clock;
    std::unique_ptr<device::Device> device;
    std::string pin;
    std::unique_ptr<store::SqliteAuditStore> audit_store;
    std::unique_ptr<audit::AuditLog> audit_log;
    std::unique_ptr<ca::OcspResponder> responder;
    crypto::OpensslRng rng;                       // TSA serial numbers
    std::unique_ptr<ca::TimeStampAuthority> tsa;  // when <data-dir>/tsa.json exists
    std::unique_ptr<ca::StatusService> status_service;
    ca::CrlSchedule schedule;
    ca::PublicationConfig publication;
    std::mutex mu;
    std::condition_variable wake;
    bool stopping = false;
    std::thread scheduler;

    ~OcspSide() { stop_scheduler(); }
    void stop_scheduler() {
        {
            std::lock_guard lock(mu);
            stopping = true;
        }
        wake.notify_all();
        if (scheduler.joinable()) scheduler.join();
    }
};

// Publishes the scheduled CRLs now and then every 30 seconds checks what is due (a CRL at least
// every interval, and at the daily time). Each CRL and failure is in the audit log.
void start_crl_schedule(OcspSide& side, store::SqliteStore& store, store::SqliteRevocationStore& status) {
    side.scheduler = std::thread([&side, &store, &status] {
        const ca::CaStores stores{&store, &store, &store, &store};
        std::unique_lock lock(side.mu);
        while (!side.stopping) {
            lock.unlock();
            auto r = ca::run_crl_schedule(*side.status_service, stores, status, side.schedule, side.clock.now());
            if (!r) {
                std::cerr << "CRL schedule: " << r.error().to_string() << std::endl;
            } else {
                for (const auto& c : r->issued)
                    std::cout << "CRL schedule: " << ca::crl_scope_name(c.scope) << " CRL " << c.number << " of "
                              << c.ca_id << " (" << c.entries << " entries)" << std::endl;
                for (const auto& [id, e] : r->failed)
                    std::cerr << "CRL schedule: " << id << ": " << e.to_string() << std::endl;
            }
            lock.lock();
            side.wake.wait_for(lock, std::chrono::seconds(30), [&side] { return side.stopping; });
        }
    });
}

std::unique_ptr<OcspSide> open_ocsp_side(const ServeOptions& o, store::SqliteStore& store,
                                         store::SqliteRevocationStore& status) {
    auto side = std::make_unique<OcspSide>();
    device::SoftDeviceOptions dopt;
    dopt.create_if_missing = false;
    const std::string device_path =
        o.device_store.empty() ? (std::filesystem::path(o.data_dir) / "device.db").string() : o.device_store;
    side->device = take(device::open_soft_device(device_path, std::move(dopt)));
    auto shares = take(read_credentials_file(o.shares_file));
    side->audit_store = take(store::SqliteAuditStore::open((std::filesystem::path(o.data_dir) / "store.db").string()));
    side->audit_log = std::make_unique<audit::AuditLog>(*side->audit_store, audit::AuditLogOptions{});
    audit::AuditLog& log = *side->audit_log;
    audit::AuditEvent ev;
    ev.source = "cli";
    ev.actor = cli_actor();
    ev.role = "security_admin";
    ev.action = "device.unlock";
    ev.target = device_path;
    ev.detail = "serve: OCSP responder";
    auto unlocked = side->device->custodian_control()->unlock(shares);
    if (!unlocked) {
        (void)log.append(ev.failed(unlocked.error()));
        fail(unlocked.error());
    }
    if (auto r = log.append(ev); !r.ok()) fail(r.error());
    side->pin = take(read_secret(o.pin_file, "YINXIN_CA_KEY_PIN", "CA key PIN"));
    side->responder =
        std::make_unique<ca::OcspResponder>(ca::CaStores{&store, &store, &store, &store}, status,
                                            ca::device_key_resolver(*side->device, "soft", side->pin), side->clock);
    // The RFC 3161 TSA of `yinxin tsa delegate`, with its issuing CA's certificate as the chain.
    EnvArgs env;
    env.data_dir = o.data_dir;
    if (auto t = take(load_tsa(env))) {
        std::vector<x509::Certificate> chain;
        if (auto ca = store.get_ca(t->signer.ca_id); ca && !ca->certificate_der.empty()) {
            chain.push_back(take(x509::Certificate::parse(ca->certificate_der)));
        }
        side->tsa = std::make_unique<ca::TimeStampAuthority>(take(ca::TimeStampAuthority::open(
            t->signer, std::move(chain), take(asn1::Oid::from_string(t->policy)),
            ca::device_key_resolver(*side->device, "soft", side->pin), side->clock, side->rng)));
    }
    if (o.role == "all") {
        // Only the CA process signs CRLs: OCSP processes are scaled out and would race for numbers.
        ca::PublicationConfig& publication = side->publication;
        const auto pub_path = std::filesystem::path(o.data_dir) / "publication.json";
        if (std::filesystem::exists(pub_path)) {
            const Bytes raw = take(read_binary_file(pub_path.string()));
            publication = take(ca::parse_publication(to_string(raw), pub_path.string()));
        }
        side->schedule.interval = std::chrono::seconds(o.crl_interval);
        if (!o.crl_daily_at.empty()) side->schedule.daily_at = take(ca::parse_time_of_day(o.crl_daily_at));
        check(ca::validate(side->schedule));
        ca::EventSink sink = [log = side->audit_log.get()](const ca::CaEvent& e) {
            auto r = log->append(audit_event_of(e));
            if (!r.ok()) std::cerr << "audit: " << r.error().to_string() << std::endl;
        };
        side->status_service =
            std::make_unique<ca::StatusService>(ca::CaStores{&store, &store, &store, &store}, status,
                                                ca::device_key_resolver(*side->device, "soft", side->pin), side->clock,
                                                std::move(sink), ca::crl_policy_for(publication));
        start_crl_schedule(*side, store, status);
    }
    return side;
}

// The staff side of the data directory: auth store, audit log, auth service (one SQLite file).
struct StaffSide {
    SystemClock clock;
    crypto::OpensslRng rng;
    std::unique_ptr<store::SqliteAuthStore> auth_store;
    std::unique_ptr<store::SqliteAuditStore> audit_store;
    std::unique_ptr<audit::AuditLog> audit_log;
    std::unique_ptr<auth::AuthService> auth;
};

// The registration side (issue 5): requests, the issuer and status service with the CA keys, the
// workflow, and its periodic jobs (expiry reminders, holds that outlive their certificate).
struct RaSide {
    SystemClock clock;
    crypto::OpensslRng rng;
    profile::ProfileSet profiles;
    std::unique_ptr<store::SqliteRaStore> store;
    std::unique_ptr<ca::Issuer> issuer;
    std::unique_ptr<ra::Workflow> workflow;
    std::unique_ptr<store::SqliteCarrierStore> carrier_store;
    std::unique_ptr<ra::CarrierService> carriers;
    // Social-security card batches (§6.4.7): their own issuer, whose per-certificate events are not
    // audited one by one (each chunk's audit record lists its serials).
    std::unique_ptr<store::SqliteCardBatchStore> card_store;
    std::unique_ptr<ca::Issuer> card_issuer;
    std::unique_ptr<ra::CardBatchService> cards;
    std::unique_ptr<ra::CardBatchWorker> card_worker;
    std::mutex mu;
    std::condition_variable wake;
    bool stopping = false;
    std::thread jobs;

    ~RaSide() { stop_jobs(); }
    void stop_jobs() {
        if (card_worker) card_worker->stop();
        {
            std::lock_guard lock(mu);
            stopping = true;
        }
        wake.notify_all();
        if (jobs.joinable()) jobs.join();
    }
};

std::unique_ptr<RaSide> open_ra_side(const ServeOptions& o, store::SqliteStore& store,
                                     store::SqliteRevocationStore& status, OcspSide& keys, StaffSide& staff) {
    auto side = std::make_unique<RaSide>();
    const std::string db = (std::filesystem::path(o.data_dir) / "store.db").string();
    side->profiles = take(profile::ProfileSet::load_directory(o.profiles_dir));
    side->store = take(store::SqliteRaStore::open(db));
    ca::EventSink sink = [log = keys.audit_log.get()](const ca::CaEvent& e) {
        auto r = log->append(audit_event_of(e));
        if (!r.ok()) std::cerr << "audit: " << r.error().to_string() << std::endl;
    };
    side->issuer = std::make_unique<ca::Issuer>(ca::CaStores{&store, &store, &store, &store}, side->profiles,
                                                ca::device_key_resolver(*keys.device, "soft", keys.pin),
                                                keys.publication, side->clock, side->rng, std::move(sink));
    ra::WorkflowConfig config;
    config.webhook = o.ra_webhook;
    side->workflow = std::make_unique<ra::Workflow>(*side->store, *staff.auth, *side->issuer, *keys.status_service,
                                                    store, status, *staff.audit_log, side->clock, side->rng, config);
    // Carriers (USB keys, cards) and their unblock codes, sealed to a key in the device.
    side->carrier_store = take(store::SqliteCarrierStore::open(db));
    ra::CodeKey code_key = take(ra::open_code_key(*keys.device, keys.pin, *staff.audit_log));
    side->carriers = std::make_unique<ra::CarrierService>(*side->carrier_store, *staff.auth, *staff.audit_log,
                                                          std::move(code_key), side->clock, side->rng, &store);
    side->workflow->set_carriers(side->carriers.get());
    side->card_store = take(store::SqliteCardBatchStore::open(db));
    ca::EventSink recoveries = [log = keys.audit_log.get()](const ca::CaEvent& e) {
        if (e.action.rfind("ca.recover", 0) != 0) return;
        auto r = log->append(audit_event_of(e));
        if (!r.ok()) std::cerr << "audit: " << r.error().to_string() << std::endl;
    };
    side->card_issuer = std::make_unique<ca::Issuer>(ca::CaStores{&store, &store, &store, &store}, side->profiles,
                                                     ca::device_key_resolver(*keys.device, "soft", keys.pin),
                                                     keys.publication, side->clock, side->rng, std::move(recoveries));
    side->cards = std::make_unique<ra::CardBatchService>(
        ra::CardBatchDeps{side->card_store.get(), side->card_issuer.get(), &store, &side->profiles, staff.auth.get(),
                          staff.audit_log.get(), &side->clock, &side->rng});
    side->card_worker = std::make_unique<ra::CardBatchWorker>(*side->cards, [](const std::string& id, const Error& e) {
        std::cerr << "card batch " << id << ": " << e.to_string() << std::endl;
    });
    check(side->card_worker->start());
    // Hourly: reminders for certificates expiring within two months (once each), and holds that
    // outlived their certificate.
    side->jobs = std::thread([s = side.get()] {
        std::unique_lock lock(s->mu);
        while (!s->stopping) {
            lock.unlock();
            if (auto r = s->workflow->queue_expiry_reminders(); !r)
                std::cerr << "RA reminders: " << r.error().to_string() << std::endl;
            if (auto r = s->workflow->revoke_expired_holds(); !r)
                std::cerr << "RA holds: " << r.error().to_string() << std::endl;
            lock.lock();
            s->wake.wait_for(lock, std::chrono::hours(1), [s] { return s->stopping; });
        }
    });
    return side;
}

void run_serve(const ServeOptions& o) {
    auto where = take(parse_listen(o.listen));
    api::ServerConfig config;
    config.address = where.first;
    config.port = where.second;
    config.io_threads = o.threads;
    config.handler_threads = o.handler_threads;
    config.limits.max_body_bytes = o.max_body_bytes;
    config.allow_plain_http_on_non_loopback = o.allow_insecure_http;
    config.version = YINXIN_VERSION;
    if (!o.tls_cert.empty() || !o.tls_key.empty()) {
        if (o.tls_cert.empty() || o.tls_key.empty()) {
            fail(make_error(Errc::invalid_argument, "--tls-cert and --tls-key go together"));
        }
        api::TlsConfig tls;
        tls.certificate_chain_file = o.tls_cert;
        tls.private_key_file = o.tls_key;
        tls.client_ca_file = o.client_ca;
        tls.require_client_certificate = o.require_client_cert;
        config.tls = tls;
        config.plain_port = o.plain_port;
    } else if (o.plain_port) {
        fail(make_error(Errc::invalid_argument, "--plain-port is a second listener next to HTTPS (--tls-cert)"));
    } else if (!o.client_ca.empty()) {
        fail(make_error(Errc::invalid_argument, "--client-ca needs --tls-cert and --tls-key"));
    }
    if (!o.data_dir.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(o.data_dir, ec);
        if (ec) fail(make_error(Errc::io_error, "--data-dir '" + o.data_dir + "': " + ec.message()));
    }

    // Installed before the server starts, so a signal during start-up is not fatal.
    api::TerminationSignals signals;
    api::Server server(config);
    // The operator console at /console/ (docs/console.md).
    check(api::add_console_routes(server));
    // The embedded store of the data directory (created by `yinxin ca init`): public CA routes.
    std::unique_ptr<store::SqliteStore> store;
    std::unique_ptr<store::SqliteRevocationStore> status;
    std::unique_ptr<StaffSide> staff;
    std::unique_ptr<OcspSide> ocsp;
    std::unique_ptr<RaSide> ra_side;
    std::unique_ptr<KmcSide> kmc_side;
    // The seal hierarchy (serve_seal_hierarchy.h): mutual TLS for its peer routes when serving TLS, and
    // its scheduled sync, stopped when this goes (before the sides above, which it uses).
    SealHierarchyServing seal_hierarchy(server, {config.tls.has_value(), !o.client_ca.empty()});
    if (o.role != "all" && o.role != "ocsp" && o.role != "kmc")
        fail(make_error(Errc::invalid_argument, "--role is all, ocsp or kmc"));
    if (o.shares_file.empty() != o.pin_file.empty())
        fail(make_error(Errc::invalid_argument, "--shares-file and --pin-file go together"));
    if ((o.role == "ocsp" || o.role == "kmc") && (o.data_dir.empty() || o.shares_file.empty()))
        fail(
            make_error(Errc::invalid_argument, "--role " + o.role + " needs --data-dir, --shares-file and --pin-file"));
    if (!o.data_dir.empty()) {
        store = take(store::SqliteStore::open((std::filesystem::path(o.data_dir) / "store.db").string()));
        status = take(store::SqliteRevocationStore::open((std::filesystem::path(o.data_dir) / "store.db").string()));
        check(api::add_public_ca_routes(server, *store, *store, status.get()));
        if (!o.shares_file.empty()) {
            ocsp = open_ocsp_side(o, *store, *status);
            if (o.role != "kmc") {
                check(api::add_ocsp_routes(server, *ocsp->responder));
                if (ocsp->tsa) check(api::add_tsa_routes(server, *ocsp->tsa));
            }
        }
    }
    if (store && (o.role == "all" || o.role == "kmc")) {
        const std::string db = (std::filesystem::path(o.data_dir) / "store.db").string();
        staff = std::make_unique<StaffSide>();
        staff->auth_store = take(store::SqliteAuthStore::open(db));
        staff->audit_store = take(store::SqliteAuditStore::open(db));
        staff->audit_log = std::make_unique<audit::AuditLog>(*staff->audit_store, audit::AuditLogOptions{});
        staff->auth = std::make_unique<auth::AuthService>(*staff->auth_store, staff->clock, staff->rng);
        api::StaffApi sapi;
        sapi.auth = staff->auth.get();
        sapi.audit = staff->audit_log.get();
        sapi.audit_store = staff->audit_store.get();
        sapi.config["publication"] = publication_entry(o.data_dir);
        check(api::add_staff_routes(server, sapi));
        // The publication queue, read-only (targets, pending and failing rows) for the console.
        check(api::add_publication_routes(server, {take(store::SqlitePublicationStore::open(db)), staff->auth.get()}));
        // The key management centre of <data-dir>/kmc.json (dual certificates, key recovery).
        if (ocsp) {
            kmc_side = take(
                open_kmc_side(o.role, o.data_dir, *ocsp->device, ocsp->pin, *store, *staff->auth, *staff->audit_log));
            if (o.role == "kmc" && !kmc_side)
                fail(make_error(Errc::invalid_argument,
                                "--role kmc: no kmc.json in the data directory (yinxin kmc init)"));
            if (kmc_side && kmc_side->service)
                check(api::add_kmc_routes(server, {kmc_side->service.get(), staff->auth.get(), o.role == "kmc"}));
        }
        // Registration needs the CA keys to act on reviewed requests.
        if (ocsp && o.role == "all") {
            ra_side = open_ra_side(o, *store, *status, *ocsp, *staff);
            if (kmc_side && kmc_side->client) ra_side->workflow->set_kmc(kmc_side->client.get());
            check(api::add_ra_routes(server, *ra_side->workflow, *staff->auth));
            check(
                api::add_carrier_routes(server, {ra_side->carriers.get(), staff->auth.get(), staff->audit_log.get()}));
            check(api::add_card_batch_routes(
                server, {ra_side->cards.get(), ra_side->card_worker.get(), staff->auth.get(), staff->audit_log.get()}));
            // The seal making and status publishing systems (docs/seal-system.md); seal_lookup is the
            // registry's central_seal for the centralized-use part.
            const CentralSealLookup seal_lookup = take(mount_seal_system(
                server, {o.data_dir, o.profiles_dir, ocsp->device.get(), ocsp->pin, store.get(),
                         ocsp->status_service.get(), ocsp->publication, staff->auth.get(), staff->audit_log.get()}));
            // Centralized seal use with approval (docs/operations.md) over the registry's central seals.
            check(serve_seal_use(server, o.data_dir, *ocsp->device, ocsp->pin, *staff->auth, *staff->audit_log,
                                 seal_lookup));
        }
    }
    // Publication (docs/operations.md): the CA process drains the queue to LDAP directories and
    // business systems; callbacks are signed with the CA keys, so only with --shares-file.
    std::unique_ptr<PublishWorker> publisher;
    if (store && o.role == "all" && o.publish_interval > 0) {
        publisher = start_publish_worker(
            (std::filesystem::path(o.data_dir) / "store.db").string(), std::chrono::seconds(o.publish_interval),
            ocsp ? ca::device_key_resolver(*ocsp->device, "soft", ocsp->pin) : ca::KeyResolver{}, "serve");
    }
    // Notifications (registration outbox): SMTP and webhooks of <data-dir>/notify.json.
    std::unique_ptr<NotifyWorker> notifier;
    if (store && o.role == "all" && o.notify_interval > 0) {
        notifier = start_notify_worker((std::filesystem::path(o.data_dir) / "store.db").string(),
                                       (std::filesystem::path(o.data_dir) / "notify.json").string(),
                                       std::chrono::seconds(o.notify_interval), "serve");
    }
    if (store) {
        server.add_health_check("store", [s = store.get()]() -> Status {
            auto cas = s->list_cas();
            return cas.ok() ? ok_status() : Status(cas.error());
        });
    }
    check(server.start());
    const std::string url = server.url();
    std::cout << "listening on " << url << "\n";
    if (!server.plain_url().empty())
        std::cout << "listening on " << server.plain_url() << " (plain HTTP, loopback: CRL and certificate URLs)\n";
    std::cout << "  health:  " << url << "/health\n"
              << "  metrics: " << url << "/metrics" << std::endl;
    if (store) {
        std::cout << "  CAs:     " << url << "/api/v1/cas" << std::endl;
        if (staff)
            std::cout << "  staff:   " << url << "/api/v1/auth/login (password + certificate; see docs/openapi.yaml)"
                      << std::endl;
        if (ra_side) std::cout << "  RA:      " << url << "/api/v1/ra/requests" << std::endl;
        if (kmc_side)
            std::cout << "  KMC:     "
                      << (kmc_side->service ? url + "/api/v1/kmc (GM/T 0014), " + url + "/api/v1/kmc/recoveries"
                                            : "remote (kmc.json url): dual certificates through it")
                      << std::endl;
        if (ocsp && ocsp->tsa) std::cout << "  TSA:     " << url << "/api/v1/tsa (RFC 3161)" << std::endl;
        auto cas = store->list_cas();
        if (cas.ok()) {
            for (const auto& c : cas.value())
                std::cout << "  CA cert: " << url << "/ca/" << c.id << ".cer" << std::endl;
            const std::string crl_base = server.plain_url().empty() ? url : server.plain_url();
            for (const auto& c : cas.value())
                std::cout << "  CRL:     " << crl_base << "/crl/" << c.id << ".crl" << std::endl;
            if (ocsp) {
                for (const auto& c : cas.value())
                    std::cout << "  OCSP:    " << crl_base << "/ocsp/" << c.id << std::endl;
            }
        }
    }
    const int sig = signals.wait();
    std::cout << "signal " << sig << ": shutting down" << std::endl;
    if (ra_side) ra_side->stop_jobs();
    if (ocsp) ocsp->stop_scheduler();
    if (publisher) publisher->stop();
    if (notifier) notifier->stop();
    const bool clean = server.stop(std::chrono::milliseconds(static_cast<long long>(o.grace_seconds * 1000.0)));
    std::cout << (clean ? "stopped" : "stopped (requests still running at the deadline were cut off)") << std::endl;
}

}  // namespace

void register_serve_commands(CLI::App& app) {
    auto opts = std::make_shared<ServeOptions>();
    auto* serve = app.add_subcommand("serve", "Run the HTTP API server until SIGINT/SIGTERM");
    serve->add_option("--listen", opts->listen, "Address and port, e.g. 127.0.0.1:8080 or [::1]:8443 (port 0: any)")
        ->capture_default_str();
    serve->add_option("--tls-cert", opts->tls_cert, "Server certificate chain (PEM), enables HTTPS");
    serve->add_option("--tls-key", opts->tls_key, "Server private key (PEM)");
    serve->add_option("--plain-port", opts->plain_port,
                      "With HTTPS on a loopback address: also serve plain HTTP on this port (the demo's http:// "
                      "CRL and AIA URLs)");
    serve->add_option("--client-ca", opts->client_ca, "CA bundle (PEM) for client certificates (staff, systems)");
    serve->add_flag("--require-client-cert", opts->require_client_cert, "Refuse TLS clients without a certificate");
    serve->add_flag("--allow-insecure-http", opts->allow_insecure_http,
                    "Allow plain HTTP on a non-loopback address (only behind a local TLS terminator)");
    serve->add_option("--data-dir", opts->data_dir, "Directory for the embedded store");
    serve
        ->add_option("--role", opts->role,
                     "all: every route; ocsp: the status services only (OCSP, CRLs, CA certificates), a process "
                     "that can be scaled out beside the CA; kmc: the key management centre of kmc.json alone "
                     "(CA requests need a TLS client certificate: --client-ca)")
        ->capture_default_str();
    serve->add_option("--shares-file", opts->shares_file,
                      "Custodian name:password lines: unlock the device so the CA keys answer OCSP");
    serve->add_option("--pin-file", opts->pin_file, "File with the CA key PIN (with --shares-file)");
    serve
        ->add_option("--crl-interval", opts->crl_interval,
                     "With --shares-file (role all): sign each CA's CRLs when its newest is this many seconds old")
        ->capture_default_str()
        ->check(CLI::Range(60, 86400));
    serve->add_option("--crl-daily-at", opts->crl_daily_at, "With --shares-file: also sign CRLs daily at HH:MM UTC");
    serve
        ->add_option("--publish-interval", opts->publish_interval,
                     "Role all: deliver the publication queue (LDAP, signed callbacks) every this many seconds; 0: off")
        ->capture_default_str()
        ->check(CLI::Range(0, 3600));
    serve
        ->add_option("--notify-interval", opts->notify_interval,
                     "Role all: deliver the notification outbox (notify.json: SMTP, webhooks) every this many seconds; "
                     "0: off")
        ->capture_default_str()
        ->check(CLI::Range(0, 3600));
    serve->add_option("--profiles", opts->profiles_dir, "Certificate profile directory (registration)")
        ->capture_default_str();
    serve->add_option("--ra-webhook", opts->ra_webhook,
                      "Name of a notification webhook (notify.json) that receives every registration event");
    serve->add_option("--device-store", opts->device_store, "Soft device key store (default <data-dir>/device.db)");
    serve->add_option("--threads", opts->threads, "Network I/O threads")
        ->capture_default_str()
        ->check(CLI::Range(1, 64));
    serve->add_option("--handler-threads", opts->handler_threads, "Request handler threads")
        ->capture_default_str()
        ->check(CLI::Range(1, 256));
    serve->add_option("--max-body-bytes", opts->max_body_bytes, "Default request body limit")->capture_default_str();
    serve->add_option("--shutdown-grace", opts->grace_seconds, "Seconds in-flight requests get on shutdown")
        ->capture_default_str();
    serve->callback([opts] { run_serve(*opts); });
}

}  // namespace yinxin::cli
