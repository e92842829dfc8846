#include "serve_seal_hierarchy.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <exception>
#include <filesystem>
#include <iostream>
#include <map>
#include <thread>
#include <utility>

#include "cli_util.h"
#include "http_client.h"
#include "yinxin/api/seal_hierarchy_routes.h"
#include "yinxin/crypto/random.h"
#include "yinxin/store/sqlite_seal_hierarchy_store.h"

namespace yinxin::cli {
namespace {

// The instances of the process, by server (serve has one; tests may start several in a process).
std::mutex& servings_mu() {
    static std::mutex mu;
    return mu;
}
std::map<const api::Server*, SealHierarchyServing*>& servings() {
    static std::map<const api::Server*, SealHierarchyServing*> m;
    return m;
}

// The client side of mutual TLS towards other instances.
struct PeerTls {
    std::string cacert;
    std::string client_certificate;
    std::string client_key;
};

struct Settings {
    sealsys::HierarchyConfig config;
    std::int64_t sync_interval_s = 300;
    std::optional<PeerTls> tls;
};

// A scheduled run every this many seconds at most (a day).
constexpr std::int64_t k_max_interval_s = 86400;

struct HierarchySide {
    SystemClock clock;
    crypto::OpensslRng rng;
    std::unique_ptr<store::SqliteSealHierarchyStore> store;
    std::shared_ptr<sealsys::Hierarchy> hierarchy;
    // The scheduled sync (the CRL schedule's pattern in serve_cmd.cpp: a thread waiting on a
    // condition variable with a timeout, woken to stop).
    std::mutex mu;
    std::condition_variable wake;
    bool stopping = false;
    std::thread scheduler;

    HierarchySide() = default;
    HierarchySide(const HierarchySide&) = delete;
    HierarchySide& operator=(const HierarchySide&) = delete;
    ~HierarchySide() { stop_scheduler(); }
    void stop_scheduler() {
        {
            std::lock_guard lock(mu);
            stopping = true;
        }
        wake.notify_all();
        if (scheduler.joinable() && scheduler.get_id() != std::this_thread::get_id()) scheduler.join();
    }
};

std::string in_dir(const std::string& data_dir, const std::string& path) {
    if (path.empty() || std::filesystem::path(path).is_absolute()) return path;
    return (std::filesystem::path(data_dir) / path).string();
}

// "<file>: <setting> <what>", for a bad setting.
Error setting_error(const std::string& where, const std::string& setting, std::string_view what) {
    return make_error(Errc::invalid_argument, where + ": " + setting + " " + std::string(what));
}

Result<PeerTls> load_tls(const std::string& data_dir, const std::string& where, const nlohmann::json& j) {
    if (!j.is_object()) return make_error(Errc::invalid_argument, where + ": \"tls\" must be an object");
    PeerTls t;
    for (const auto& [key, value] : j.items()) {
        if (!value.is_string()) return setting_error(where, "tls." + key, "must be a string (a file)");
        const std::string file = in_dir(data_dir, value.get<std::string>());
        if (key == "cacert") {
            t.cacert = file;
        } else if (key == "client_certificate") {
            t.client_certificate = file;
        } else if (key == "client_key") {
            t.client_key = file;
        } else {
            return setting_error(where, "tls." + key, "is not a setting");
        }
        if (!std::filesystem::is_regular_file(file))
            return setting_error(where, "tls." + key, "'" + file + "' is not a file");
    }
    if (t.cacert.empty())
        return make_error(Errc::invalid_argument,
                          where + ": tls needs \"cacert\" (the CA the peers' server certificates chain to)");
    if (t.client_certificate.empty() != t.client_key.empty())
        return make_error(Errc::invalid_argument,
                          where + ": tls \"client_certificate\" and \"client_key\" go together");
    return t;
}

Result<Settings> load_settings(const std::string& data_dir, const std::string& default_name) {
    Settings s;
    s.config.system_name = default_name;
    const auto path = std::filesystem::path(data_dir) / "sealsys-hierarchy.json";
    if (!std::filesystem::exists(path)) return s;
    const std::string where = path.string();
    YX_ASSIGN_OR_RETURN(Bytes raw, read_binary_file(where));
    auto j = nlohmann::json::parse(to_string(raw), nullptr, false);
    if (!j.is_object()) return make_error(Errc::invalid_argument, where + " is not a JSON object");
    for (const auto& [key, value] : j.items()) {
        if (key == "tls") {
            YX_ASSIGN_OR_RETURN(s.tls, load_tls(data_dir, where, value));
            continue;
        }
        if (key == "sync_interval_s") {
            if (!value.is_number_integer() || value.get<std::int64_t>() < 0 ||
                value.get<std::int64_t>() > k_max_interval_s)
                return make_error(Errc::invalid_argument, where + ": sync_interval_s must be 0 (off) .. 86400 seconds");
            s.sync_interval_s = value.get<std::int64_t>();
            continue;
        }
        if (!value.is_string()) return setting_error(where, key, "must be a string");
        if (key == "name") {
            s.config.system_name = value.get<std::string>();
        } else if (key == "level") {
            auto l = sealsys::system_level_from_name(value.get<std::string>());
            if (!l) return make_error(Errc::invalid_argument, where + ": level must be ministry, province or city");
            s.config.level = *l;
        } else {
            return setting_error(where, key, "is not a setting");
        }
    }
    return s;
}

// Every call to another instance: HTTPS with the peer's server certificate checked against
// tls.cacert and our client certificate presented (mutual TLS); plain http:// only where allowed
// (Hierarchy refuses it when this instance serves TLS).
sealsys::PeerTransport peer_transport(std::optional<PeerTls> tls) {
    return [tls = std::move(tls)](const std::string& method, const std::string& url,
                                  const std::string& body) -> Result<sealsys::PeerReply> {
        auto target = parse_http_url(url, tls ? tls->cacert : std::string());
        if (!target) return make_error(Errc::seal_peer_unreachable, url + ": " + target.error().message);
        HttpTarget t = std::move(target).value();
        if (t.tls && tls) {
            t.client_cert = tls->client_certificate;
            t.client_key = tls->client_key;
        }
        HttpCall c;
        c.method = method;
        c.body = body;
        if (!body.empty()) c.content_type = "application/json";
        c.timeout = std::chrono::seconds(30);
        auto r = http_call(t, c);
        if (!r) return make_error(Errc::seal_peer_unreachable, url + ": " + r.error().message);
        return sealsys::PeerReply{r->status, std::move(r->body)};
    };
}

// One scheduled round: push up, then pull down. Each is audited by the hierarchy; a failure is
// logged here and the next round tries again (a failed push is resent whole, see hierarchy.h).
void scheduled_round(sealsys::Hierarchy& h) {
    if (auto r = h.scheduled_push(); !r) {
        std::cerr << "seal hierarchy: scheduled push: " << r.error().to_string() << std::endl;
    } else if (*r && (*r)->sent > 0) {
        std::cout << "seal hierarchy: scheduled push: sequence " << (*r)->sequence << ", " << (*r)->sent
                  << " statuses sent, " << (*r)->accepted << " accepted" << std::endl;
    }
    if (auto r = h.scheduled_pull(); !r) {
        std::cerr << "seal hierarchy: scheduled pull: " << r.error().to_string() << std::endl;
    } else if (*r && (*r)->sent > 0) {
        std::cout << "seal hierarchy: scheduled pull: " << (*r)->sent << " statuses up to version " << (*r)->sequence
                  << std::endl;
    }
}

void start_schedule(HierarchySide& side, std::chrono::seconds every) {
    side.scheduler = std::thread([&side, every] {
        std::unique_lock lock(side.mu);
        while (!side.stopping) {
            side.wake.wait_for(lock, every, [&side] { return side.stopping; });
            if (side.stopping) break;
            lock.unlock();
            // Exceptions are bugs (STYLE.md 9), but one must not take serve down from this thread.
            try {
                scheduled_round(*side.hierarchy);
            } catch (const std::exception& e) {
                std::cerr << "seal hierarchy: scheduled sync: internal error (a bug): " << e.what() << std::endl;
            }
            lock.lock();
        }
    });
}

}  // namespace

SealHierarchyServing::SealHierarchyServing(const api::Server& server, Transport transport)
    : m_server(&server), m_transport(transport) {
    std::lock_guard lock(servings_mu());
    servings()[m_server] = this;
}

SealHierarchyServing::~SealHierarchyServing() {
    stop();
    std::lock_guard lock(servings_mu());
    if (auto it = servings().find(m_server); it != servings().end() && it->second == this) servings().erase(it);
}

void SealHierarchyServing::stop() {
    std::vector<std::function<void()>> stops;
    {
        std::lock_guard lock(m_mu);
        stops.swap(m_stops);
    }
    for (auto& s : stops) s();
}

SealHierarchyServing* SealHierarchyServing::find(const api::Server& server) {
    std::lock_guard lock(servings_mu());
    auto it = servings().find(&server);
    return it == servings().end() ? nullptr : it->second;
}

void SealHierarchyServing::adopt(std::function<void()> stop) {
    std::lock_guard lock(m_mu);
    m_stops.push_back(std::move(stop));
}

Result<std::shared_ptr<sealsys::Hierarchy>> mount_seal_hierarchy(api::Server& server, const std::string& data_dir,
                                                                 sealsys::SealRegistry& registry,
                                                                 sealsys::SealSystemStore& seal_store,
                                                                 ca::Issuer& issuer, device::Device& device,
                                                                 auth::AuthService& auth, audit::AuditLog& audit) {
    YX_ASSIGN_OR_RETURN(Settings settings, load_settings(data_dir, registry.config().system_name));
    SealHierarchyServing* serving = SealHierarchyServing::find(server);
    const SealHierarchyServing::Transport transport =
        serving != nullptr ? serving->transport() : SealHierarchyServing::Transport{};
    settings.config.require_https = transport.tls;
    auto side = std::make_shared<HierarchySide>();
    const std::string db = (std::filesystem::path(data_dir) / "store.db").string();
    YX_ASSIGN_OR_RETURN(side->store, store::SqliteSealHierarchyStore::open(db));
    const std::string name = settings.config.system_name;
    const std::string level{sealsys::system_level_name(settings.config.level)};
    const bool client_tls = settings.tls && !settings.tls->client_certificate.empty();
    side->hierarchy = std::make_shared<sealsys::Hierarchy>(*side->store, registry, seal_store, auth, audit, issuer,
                                                           device, peer_transport(settings.tls), side->clock, side->rng,
                                                           std::move(settings.config));
    YX_TRY(side->hierarchy->open());
    YX_TRY(api::add_seal_hierarchy_routes(server, {side->hierarchy.get(), &auth, &audit, transport.tls}));
    server.add_health_check("seal-hierarchy", [side]() -> Status {
        auto p = side->store->parent();
        return p.ok() ? ok_status() : Status(p.error());
    });
    std::cout << "seal hierarchy: " << name << " (" << level << ")" << std::endl;
    if (!transport.tls) {
        std::cout << "seal hierarchy: peers over plain HTTP (development only: production requires TLS, "
                     "--tls-cert and --client-ca)"
                  << std::endl;
    } else if (!transport.client_ca) {
        std::cout << "seal hierarchy: no --client-ca: the peer routes refuse every caller (mutual TLS)" << std::endl;
    } else {
        std::cout << "seal hierarchy: peer routes over mutual TLS; outgoing calls "
                  << (client_tls
                          ? "present the client certificate of sealsys-hierarchy.json"
                          : "present NO client certificate (sealsys-hierarchy.json has no tls client_certificate)")
                  << std::endl;
    }
    if (serving != nullptr && settings.sync_interval_s > 0) {
        start_schedule(*side, std::chrono::seconds(settings.sync_interval_s));
        // The serving object stops the thread before the device, staff and audit log go away; the
        // side itself stays alive with the server.
        serving->adopt([side] { side->stop_scheduler(); });
        std::cout << "seal hierarchy: scheduled sync every " << settings.sync_interval_s << " s" << std::endl;
    }
    return std::shared_ptr<sealsys::Hierarchy>(side, side->hierarchy.get());
}

}  // namespace yinxin::cli
