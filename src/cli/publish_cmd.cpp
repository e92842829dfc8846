#include "publish_cmd.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <condition_variable>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "cli_util.h"
#include "signing_env.h"
#include "yinxin/api/server.h"
#include "yinxin/audit/audit.h"
#include "yinxin/ca/hierarchy.h"
#include "yinxin/device/soft_device.h"
#include "yinxin/publish/callback.h"
#include "yinxin/publish/ldap.h"
#include "yinxin/publish/publisher.h"
#include "yinxin/store/sqlite_audit_store.h"
#include "yinxin/store/sqlite_publication_store.h"
#include "yinxin/store/sqlite_store.h"

namespace yinxin::cli {
namespace {

namespace fs = std::filesystem;

// liblber writes to the directory with write(2): a directory that drops the connection in the
// middle of an operation would end the process with SIGPIPE instead of an LDAP_SERVER_DOWN that
// the publisher retries. Process-wide, so only where the publisher runs (serve, publish run).
void ignore_sigpipe() { (void)std::signal(SIGPIPE, SIG_IGN); }

std::string absolute(const std::string& path) { return path.empty() ? path : fs::absolute(path).string(); }

std::unique_ptr<store::SqlitePublicationStore> open_queue(const EnvArgs& a) {
    return take(store::SqlitePublicationStore::open(a.store_path()));
}

// The audit log of the store file; a record that cannot be written stops the command (an
// operation that cannot be audited must not go unnoticed).
struct AuditSide {
    std::unique_ptr<store::SqliteAuditStore> store;
    std::unique_ptr<audit::AuditLog> log;

    explicit AuditSide(const std::string& path)
        : store(take(store::SqliteAuditStore::open(path))),
          log(std::make_unique<audit::AuditLog>(*store, audit::AuditLogOptions{})) {}

    void append(const std::string& action, const std::string& target, const std::string& detail,
                const Error* error = nullptr) {
        audit::AuditEvent ev;
        ev.source = "cli";
        ev.actor = cli_actor();
        ev.role = "business_admin";  // LD/T 03-2022 §8.3.8 b: system configuration
        ev.action = action;
        ev.target = target;
        ev.detail = detail;
        if (error != nullptr) ev.failed(*error);
        auto r = log->append(ev);
        if (!r.ok()) fail(r.error());
    }
};

// Audits the outcome of an operation as `action` (a failure too) and fails the command on error.
void audited(AuditSide& audit, const std::string& action, const std::string& target, const std::string& detail,
             const Status& result) {
    if (!result.ok()) {
        audit.append(action, target, detail, &result.error());
        fail(result.error());
    }
    audit.append(action, target, detail);
}

std::string target_url(const publish::Target& t) {
    auto j = nlohmann::json::parse(t.config, nullptr, false);
    return j.is_object() && j.contains("url") && j["url"].is_string() ? j["url"].get<std::string>() : std::string();
}

// ---- publish target ------------------------------------------------------------------------

struct TargetArgs {
    EnvArgs env;
    std::string id;
    std::string ldap_url;
    std::string bind_dn;
    std::string password_file;
    std::string base_dn;
    bool start_tls = false;
    std::string callback_url;
    std::string ca_file;
    unsigned timeout = 10;
    bool disabled = false;
};

void run_target_add(const TargetArgs& a) {
    if (a.ldap_url.empty() == a.callback_url.empty())
        fail(make_error(Errc::invalid_argument, "give either --ldap URL or --callback URL"));
    publish::Target t;
    t.id = a.id;
    t.enabled = !a.disabled;
    if (!a.ldap_url.empty()) {
        publish::LdapConfig c;
        c.url = a.ldap_url;
        c.bind_dn = a.bind_dn;
        c.password_file = absolute(a.password_file);
        c.base_dn = a.base_dn;
        c.ca_file = absolute(a.ca_file);
        c.start_tls = a.start_tls;
        c.timeout = std::chrono::seconds(a.timeout);
        t.kind = publish::TargetKind::ldap;
        t.config = publish::ldap_config_json(c);
        (void)take(publish::parse_ldap_config(t.config));
        if (!std::ifstream(c.password_file))
            fail(make_error(Errc::publish_bad_config, "--password-file '" + a.password_file + "' cannot be read"));
    } else {
        if (!a.bind_dn.empty() || !a.password_file.empty() || !a.base_dn.empty() || a.start_tls)
            fail(make_error(Errc::invalid_argument,
                            "--bind-dn, --password-file, --base-dn, --start-tls go with --ldap"));
        publish::CallbackConfig c;
        c.url = a.callback_url;
        c.ca_file = absolute(a.ca_file);
        c.timeout = std::chrono::seconds(a.timeout);
        t.kind = publish::TargetKind::callback;
        t.config = publish::callback_config_json(c);
        (void)take(publish::parse_callback_config(t.config));
    }
    auto queue = open_queue(a.env);
    AuditSide audit(a.env.store_path());
    const std::string detail =
        std::string(publish::target_kind_name(t.kind)) + " " + target_url(t) + (t.enabled ? "" : " (disabled)");
    audited(audit, "publish.target.add", t.id, detail, queue->add_target(t));
    std::int64_t queued = 0;
    for (const auto& c : take(queue->counts()))
        if (c.target_id == t.id && c.state == publish::ItemState::pending) queued = c.count;
    if (a.env.json) {
        std::cout << nlohmann::json{{"id", t.id},
                                    {"kind", std::string(publish::target_kind_name(t.kind))},
                                    {"enabled", t.enabled},
                                    {"config", nlohmann::json::parse(t.config)},
                                    {"queued", queued}}
                         .dump()
                  << std::endl;
    } else {
        std::cout << "target " << t.id << " (" << publish::target_kind_name(t.kind) << ", " << target_url(t)
                  << ") added; " << queued << " objects queued (CA certificates and newest CRLs)" << std::endl;
    }
}

void run_target_list(const EnvArgs& env) {
    auto queue = open_queue(env);
    const auto targets = take(queue->list_targets());
    std::map<std::string, std::map<std::string, std::int64_t>> counts;
    for (const auto& c : take(queue->counts()))
        counts[c.target_id][std::string(publish::item_state_name(c.state))] = c.count;
    nlohmann::json list = nlohmann::json::array();
    for (const auto& t : targets) {
        auto& n = counts[t.id];
        if (env.json) {
            list.push_back({{"id", t.id},
                            {"kind", std::string(publish::target_kind_name(t.kind))},
                            {"enabled", t.enabled},
                            {"config", nlohmann::json::parse(t.config, nullptr, false)},
                            {"created_at", format_rfc3339(from_unix(t.created_at))},
                            {"pending", n["pending"]},
                            {"done", n["done"]},
                            {"skipped", n["skipped"]}});
        } else {
            std::cout << t.id << "  " << publish::target_kind_name(t.kind) << "  " << target_url(t) << "  "
                      << (t.enabled ? "enabled" : "disabled") << "  pending " << n["pending"] << ", done " << n["done"]
                      << ", skipped " << n["skipped"] << "\n";
        }
    }
    if (env.json)
        std::cout << list.dump() << std::endl;
    else if (targets.empty())
        std::cout << "no publication targets (yinxin publish target add)" << std::endl;
}

struct EnableArgs {
    EnvArgs env;
    std::string id;
};

void run_target_enable(const EnableArgs& a, bool enabled) {
    auto queue = open_queue(a.env);
    AuditSide audit(a.env.store_path());
    audited(audit, enabled ? "publish.target.enable" : "publish.target.disable", a.id, "",
            queue->set_target_enabled(a.id, enabled));
    std::cout << "target " << a.id << (enabled ? " enabled" : " disabled") << std::endl;
}

// ---- publish queue ---------------------------------------------------------------------------

struct QueueArgs {
    EnvArgs env;
    std::string target;
    bool all = false;
    std::size_t limit = 100;
    std::int64_t after = 0;
};

void run_queue(const QueueArgs& a) {
    auto queue = open_queue(a.env);
    publish::QueueFilter f;
    f.target_id = a.target;
    f.pending_only = !a.all;
    f.after_id = a.after;
    f.limit = a.limit;
    const auto items = take(queue->list_items(f));
    nlohmann::json list = nlohmann::json::array();
    for (const auto& it : items) {
        const std::string object = std::string(publish::object_kind_name(it.object_kind)) + " " + it.ca_id +
                                   (it.object_id ? " #" + std::to_string(*it.object_id) : "");
        if (a.env.json) {
            nlohmann::json j{{"id", it.id},
                             {"target", it.target_id},
                             {"object_kind", std::string(publish::object_kind_name(it.object_kind))},
                             {"ca_id", it.ca_id},
                             {"state", std::string(publish::item_state_name(it.state))},
                             {"attempts", it.attempts},
                             {"created_at", format_rfc3339(from_unix(it.created_at))}};
            if (it.object_id) j["object_id"] = *it.object_id;
            if (it.next_attempt_at != 0) j["next_attempt_at"] = format_rfc3339(from_unix(it.next_attempt_at));
            if (!it.last_error.empty()) j["last_error"] = it.last_error;
            if (it.done_at) j["done_at"] = format_rfc3339(from_unix(*it.done_at));
            list.push_back(std::move(j));
        } else {
            std::cout << "#" << it.id << "  " << it.target_id << "  " << object << "  "
                      << publish::item_state_name(it.state);
            if (it.attempts > 0) {
                std::cout << "  attempts " << it.attempts;
                if (it.state == publish::ItemState::pending)
                    std::cout << ", next " << format_rfc3339(from_unix(it.next_attempt_at));
            }
            if (!it.last_error.empty()) std::cout << "\n      " << it.last_error;
            std::cout << "\n";
        }
    }
    if (a.env.json)
        std::cout << list.dump() << std::endl;
    else if (items.empty())
        std::cout << (a.all ? "the queue is empty" : "nothing pending") << std::endl;
}

// ---- publish run -----------------------------------------------------------------------------

struct RunArgs {
    EnvArgs env;
    bool once = false;
    bool ignore_backoff = false;
    unsigned interval = 10;
};

// The device unlocked with the custodians' shares (audited), so callbacks can be signed.
struct KeySide {
    std::unique_ptr<device::Device> device;
    std::string pin;
};

std::unique_ptr<KeySide> unlock_keys(const EnvArgs& a, AuditSide& audit) {
    if (a.shares_file.empty() != a.pin_file.empty())
        fail(make_error(Errc::invalid_argument, "--shares-file and --pin-file go together"));
    if (a.shares_file.empty()) return nullptr;
    auto side = std::make_unique<KeySide>();
    device::SoftDeviceOptions dopt;
    dopt.create_if_missing = false;
    side->device = take(device::open_soft_device(a.device_path(), std::move(dopt)));
    auto shares = take(read_credentials_file(a.shares_file));
    auto unlocked = side->device->custodian_control()->unlock(shares);
    if (!unlocked.ok()) {
        audit.append("device.unlock", a.device_path(), "publish: callback signing", &unlocked.error());
        fail(unlocked.error());
    }
    audit.append("device.unlock", a.device_path(),
                 "publish: callback signing; custodians " + join(unlocked->custodians));
    side->pin = take(read_secret(a.pin_file, "YINXIN_CA_KEY_PIN", "CA key PIN"));
    return side;
}

// Prints what a round did; returns whether it delivered or skipped anything.
bool print_round(const publish::RoundReport& r, std::set<std::string>& warned, bool json, nlohmann::json* out) {
    bool progress = false;
    for (const auto& t : r.targets) {
        progress = progress || t.delivered > 0 || t.skipped > 0;
        if (json && out != nullptr) {
            nlohmann::json j{{"target", t.target_id}, {"delivered", t.delivered}, {"skipped", t.skipped}};
            if (t.failure) {
                j["failed_item"] = t.failed_item;
                j["error"] = error_json(*t.failure);
            }
            if (t.waiting_for_key) j["waiting_for_key"] = true;
            out->push_back(std::move(j));
            continue;
        }
        if (t.delivered > 0 || t.skipped > 0)
            std::cout << "publication: " << t.target_id << ": " << t.delivered << " delivered, " << t.skipped
                      << " skipped" << std::endl;
        if (t.failure)
            std::cerr << "publication: " << t.target_id << ": row #" << t.failed_item
                      << " failed, will be retried: " << t.failure->to_string() << std::endl;
        if (t.waiting_for_key && warned.insert(t.target_id).second)
            std::cerr << "publication: " << t.target_id
                      << ": callbacks are signed with the CA keys; run with --shares-file and --pin-file" << std::endl;
    }
    return progress;
}

class Worker final : public PublishWorker {
public:
    Worker(const std::string& store_path, std::chrono::seconds interval, ca::KeyResolver keys, std::string source)
        : m_interval(interval), m_source(std::move(source)) {
        ignore_sigpipe();
        m_cas = take(store::SqliteStore::open(store_path));
        m_queue = take(store::SqlitePublicationStore::open(store_path));
        m_audit_store = take(store::SqliteAuditStore::open(store_path));
        m_audit = std::make_unique<audit::AuditLog>(*m_audit_store, audit::AuditLogOptions{});
        publish::PublisherOptions o;
        o.keys = std::move(keys);
        m_publisher = std::make_unique<publish::Publisher>(
            *m_queue, *m_cas, m_clock,
            [this](const publish::PublishEvent& e) {
                auto r = m_audit->append(publish::audit_event_of(e, m_source, "system"));
                if (!r.ok()) std::cerr << "audit: " << r.error().to_string() << std::endl;
            },
            std::move(o));
        m_thread = std::thread([this] { loop(); });
    }
    ~Worker() override { stop(); }
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    void stop() override {
        {
            std::lock_guard lock(m_mu);
            m_stopping = true;
        }
        m_wake.notify_all();
        if (m_thread.joinable()) m_thread.join();
    }

private:
    void loop() {
        std::unique_lock lock(m_mu);
        while (!m_stopping) {
            lock.unlock();
            auto r = m_publisher->run_once();
            if (!r)
                std::cerr << "publication: " << r.error().to_string() << std::endl;
            else
                print_round(*r, m_warned, false, nullptr);
            lock.lock();
            m_wake.wait_for(lock, m_interval, [this] { return m_stopping; });
        }
    }

    std::chrono::seconds m_interval;
    std::string m_source;
    SystemClock m_clock;
    std::unique_ptr<store::SqliteStore> m_cas;
    std::unique_ptr<store::SqlitePublicationStore> m_queue;
    std::unique_ptr<store::SqliteAuditStore> m_audit_store;
    std::unique_ptr<audit::AuditLog> m_audit;
    std::unique_ptr<publish::Publisher> m_publisher;
    std::set<std::string> m_warned;
    std::mutex m_mu;
    std::condition_variable m_wake;
    bool m_stopping = false;
    std::thread m_thread;
};

void run_publish(const RunArgs& a) {
    ignore_sigpipe();
    AuditSide audit(a.env.store_path());
    auto keys = unlock_keys(a.env, audit);
    ca::KeyResolver resolver;
    if (keys) resolver = ca::device_key_resolver(*keys->device, "soft", keys->pin);
    if (!a.once) {
        api::TerminationSignals signals;
        auto worker = start_publish_worker(a.env.store_path(), std::chrono::seconds(a.interval), resolver, "cli");
        std::cout << "publishing every " << a.interval << " s until SIGINT/SIGTERM" << std::endl;
        const int sig = signals.wait();
        std::cout << "signal " << sig << ": stopping" << std::endl;
        worker->stop();
        return;
    }
    SystemClock clock;
    auto cas = open_store(a.env);
    auto queue = open_queue(a.env);
    bool audit_failed = false;
    publish::PublisherOptions o;
    o.keys = resolver;
    publish::Publisher publisher(
        *queue, *cas, clock,
        [&](const publish::PublishEvent& e) {
            auto r = audit.log->append(publish::audit_event_of(e, "cli", cli_actor()));
            if (!r.ok()) {
                std::cerr << "audit: " << r.error().to_string() << std::endl;
                audit_failed = true;
            }
        },
        std::move(o));
    // Rounds until one does nothing: a target that failed waits for its back-off (only the first
    // round ignores it, when asked), the others drain.
    std::set<std::string> warned;
    std::map<std::string, std::optional<Error>> last_failure;
    nlohmann::json rounds = nlohmann::json::array();
    for (bool first = true;; first = false) {
        const auto report = take(publisher.run_once(first && a.ignore_backoff));
        for (const auto& t : report.targets) {
            if (t.failure || t.delivered > 0 || t.skipped > 0) last_failure[t.target_id] = t.failure;
        }
        if (!print_round(report, warned, a.env.json, &rounds)) break;
    }
    std::size_t failed = 0;
    for (const auto& [id, f] : last_failure) failed += f ? 1 : 0;
    if (a.env.json) std::cout << rounds.dump() << std::endl;
    if (audit_failed) fail(make_error(Errc::audit_conflict, "some publication events could not be audited"));
    if (failed > 0)
        fail(make_error(Errc::publish_unreachable,
                        std::to_string(failed) + " target(s) failed; their rows wait (yinxin publish queue)"));
}

// ---- opt-out, retry, skip --------------------------------------------------------------------

struct OptOutArgs {
    EnvArgs env;
    std::string ca_id;
    std::string serial;
    std::string request_id;
    std::string reason = "holder request";
};

void run_opt_out(const OptOutArgs& a) {
    publish::OptOut o;
    o.ca_id = a.ca_id;
    if (!a.serial.empty()) o.serial = take(hex_decode(a.serial));
    o.request_id = a.request_id;
    o.reason = a.reason;
    auto queue = open_queue(a.env);
    AuditSide audit(a.env.store_path());
    const std::string target = a.request_id.empty() ? a.ca_id + ":" + a.serial : "request " + a.request_id;
    audited(audit, "publish.opt_out", target, a.reason, queue->add_opt_out(o));
    std::cout << target << ": not published to directories from now on" << std::endl;
}

struct ItemArgs {
    EnvArgs env;
    std::int64_t item = 0;
    std::string reason;
};

void run_retry(const ItemArgs& a) {
    auto queue = open_queue(a.env);
    AuditSide audit(a.env.store_path());
    audited(audit, "publish.retry", "#" + std::to_string(a.item), "", queue->requeue(a.item));
    std::cout << "row #" << a.item << " is pending, due now" << std::endl;
}

void run_skip(const ItemArgs& a) {
    SystemClock clock;
    auto queue = open_queue(a.env);
    AuditSide audit(a.env.store_path());
    const std::string reason = "skipped by " + cli_actor() + (a.reason.empty() ? "" : ": " + a.reason);
    audited(audit, "publish.skip", "#" + std::to_string(a.item), reason,
            queue->mark_skipped(a.item, reason, to_unix(clock.now())));
    std::cout << "row #" << a.item << " skipped" << std::endl;
}

}  // namespace

std::unique_ptr<PublishWorker> start_publish_worker(const std::string& store_path, std::chrono::seconds interval,
                                                    ca::KeyResolver keys, const std::string& source) {
    return std::make_unique<Worker>(store_path, interval, std::move(keys), source);
}

void register_publish_commands(CLI::App& app) {
    auto* publish = app.add_subcommand(
        "publish", "Publication to LDAP directories and signed push sync to business systems (a persistent queue)");
    publish->require_subcommand(1);

    auto* target = publish->add_subcommand("target", "Publication targets: LDAP directories and callback URLs");
    target->require_subcommand(1);
    auto add = std::make_shared<TargetArgs>();
    auto* c = target->add_subcommand("add",
                                     "Add a target; the CA certificates and the newest CRLs are queued for it at once");
    add_store_options(c, add->env);
    c->add_option("--id", add->id, "Target id (A-Z a-z 0-9 . _ -)")->required();
    c->add_option("--ldap", add->ldap_url, "LDAP directory URL, ldap://host:port or ldaps://host:port");
    c->add_option("--bind-dn", add->bind_dn, "LDAP: the DN to bind as");
    c->add_option("--password-file", add->password_file, "LDAP: file whose first line is the bind password");
    c->add_option("--base-dn", add->base_dn, "LDAP: entries are named by subject DN under this DN");
    c->add_flag("--start-tls", add->start_tls, "LDAP: StartTLS on an ldap:// connection (with --ca-file)");
    c->add_option("--callback", add->callback_url, "Business system URL for signed callbacks, https:// or http://");
    c->add_option("--ca-file", add->ca_file,
                  "CA certificate(s) (PEM) the directory's or receiver's TLS certificate chains to");
    c->add_option("--timeout", add->timeout, "Seconds per connection and request")
        ->capture_default_str()
        ->check(CLI::Range(1, 300));
    c->add_flag("--disabled", add->disabled, "Add it disabled (nothing is queued for it)");
    c->callback([add] { run_target_add(*add); });

    auto list = std::make_shared<EnvArgs>();
    c = target->add_subcommand("list", "The targets with their queue counts");
    add_store_options(c, *list);
    c->callback([list] { run_target_list(*list); });

    for (const bool enable : {true, false}) {
        auto e = std::make_shared<EnableArgs>();
        c = target->add_subcommand(enable ? "enable" : "disable",
                                   enable ? "Queue new objects for the target again"
                                          : "Queue nothing new for the target (its pending rows wait)");
        add_store_options(c, e->env);
        c->add_option("--id", e->id, "Target id")->required();
        c->callback([e, enable] { run_target_enable(*e, enable); });
    }

    auto q = std::make_shared<QueueArgs>();
    c = publish->add_subcommand("queue", "Pending rows with their attempts and last error (--all: delivered too)");
    add_store_options(c, q->env);
    c->add_option("--target", q->target, "Only this target");
    c->add_flag("--all", q->all, "Done and skipped rows too");
    c->add_option("--after", q->after, "Rows after this id (paging)");
    c->add_option("--limit", q->limit, "At most this many rows")->capture_default_str()->check(CLI::Range(1, 10000));
    c->callback([q] { run_queue(*q); });

    auto run = std::make_shared<RunArgs>();
    c = publish->add_subcommand("run", "Deliver the queue: every --interval until SIGINT/SIGTERM, or once");
    add_store_options(c, run->env);
    c->add_flag("--once", run->once, "Deliver what is due, then exit (1 when a target failed)");
    c->add_flag("--ignore-backoff", run->ignore_backoff, "With --once: rows waiting for a retry are due now");
    c->add_option("--interval", run->interval, "Seconds between rounds")
        ->capture_default_str()
        ->check(CLI::Range(1, 3600));
    c->add_option("--device-store", run->env.device_store, "Soft device key store (default <data-dir>/device.db)");
    c->add_option("--shares-file", run->env.shares_file,
                  "Custodian name:password lines: unlock the device so callbacks are signed with the CA keys");
    c->add_option("--pin-file", run->env.pin_file, "File with the CA key PIN (with --shares-file)");
    c->callback([run] { run_publish(*run); });

    auto opt = std::make_shared<OptOutArgs>();
    c = publish->add_subcommand("opt-out", "A holder who asked not to be listed in directories (LDAP targets skip)");
    add_store_options(c, opt->env);
    c->add_option("--ca", opt->ca_id, "Issuing CA id (with --serial)");
    c->add_option("--serial", opt->serial, "Certificate serial (hex)");
    c->add_option("--request", opt->request_id, "Or the RA request id, before the certificate is issued");
    c->add_option("--reason", opt->reason, "Recorded with the opt-out")->capture_default_str();
    c->callback([opt] { run_opt_out(*opt); });

    auto retry = std::make_shared<ItemArgs>();
    c = publish->add_subcommand("retry", "Put a row back to pending, due now (a skipped one too)");
    add_store_options(c, retry->env);
    c->add_option("--item", retry->item, "Queue row id")->required();
    c->callback([retry] { run_retry(*retry); });

    auto skip = std::make_shared<ItemArgs>();
    c = publish->add_subcommand("skip", "Give up a pending row that cannot be delivered (its target moves on)");
    add_store_options(c, skip->env);
    c->add_option("--item", skip->item, "Queue row id")->required();
    c->add_option("--reason", skip->reason, "Why (kept with the row and in the audit log)");
    c->callback([skip] { run_skip(*skip); });
}

}  // namespace yinxin::cli
