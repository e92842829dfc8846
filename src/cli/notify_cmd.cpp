#include "notify_cmd.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <condition_variable>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>

#include "cli_util.h"
#include "signing_env.h"
#include "yinxin/api/server.h"
#include "yinxin/audit/audit.h"
#include "yinxin/ra/notify.h"
#include "yinxin/store/sqlite_audit_store.h"
#include "yinxin/store/sqlite_outbox_store.h"

namespace yinxin::cli {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t k_round = 100;

// A webhook receiver that drops the connection mid-request must not end the process with SIGPIPE.
void ignore_sigpipe() { (void)std::signal(SIGPIPE, SIG_IGN); }

struct NotifyArgs {
    EnvArgs env;
    std::string config;  // default <data-dir>/notify.json

    std::string config_path() const {
        return config.empty() ? (fs::path(env.data_dir) / "notify.json").string() : config;
    }
};

std::unique_ptr<store::SqliteOutboxStore> open_outbox(const EnvArgs& a) {
    return take(store::SqliteOutboxStore::open(a.store_path()));
}

// The audit log of the store file; a record that cannot be written stops the command.
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
        ev.role = "business_operator";  // LD/T 03-2022 §8.3.8 c: the RA operator's follow-up
        ev.action = action;
        ev.target = target;
        ev.detail = detail;
        if (error != nullptr) ev.failed(*error);
        auto r = log->append(ev);
        if (!r.ok()) fail(r.error());
    }
};

std::string time_text(TimePoint t) { return format_rfc3339(t); }

nlohmann::json notification_json(const ra::Notification& n, bool with_body) {
    nlohmann::json j{{"id", n.id},
                     {"event", n.event},
                     {"channel", std::string(ra::notify_channel_name(n.channel))},
                     {"recipient", n.recipient},
                     {"subject", n.subject},
                     {"object_id", n.object_id},
                     {"state", std::string(ra::notification_state_name(n.state))},
                     {"attempts", n.attempts},
                     {"created_at", time_text(n.created_at)}};
    if (!n.dedup_key.empty()) j["dedup_key"] = n.dedup_key;
    if (n.state == ra::NotificationState::pending) j["next_attempt_at"] = time_text(n.next_attempt_at);
    if (!n.last_error.empty()) j["last_error"] = n.last_error;
    if (n.delivered_at) j["delivered_at"] = time_text(*n.delivered_at);
    if (with_body) j["body"] = n.body;
    return j;
}

void print_line(const ra::Notification& n) {
    std::cout << "#" << n.id << "  " << n.event << "  " << ra::notify_channel_name(n.channel) << " " << n.recipient
              << "  " << ra::notification_state_name(n.state);
    if (n.delivered_at) std::cout << " " << time_text(*n.delivered_at);
    if (n.attempts > 0) {
        std::cout << "  attempts " << n.attempts;
        if (n.state == ra::NotificationState::pending) std::cout << ", next " << time_text(n.next_attempt_at);
    }
    if (!n.object_id.empty()) std::cout << "  (" << n.object_id << ")";
    if (!n.last_error.empty()) std::cout << "\n      " << n.last_error;
    std::cout << "\n";
}

// ---- notify list / show ------------------------------------------------------------------------

struct ListArgs {
    EnvArgs env;
    std::string state;
    std::string object_id;
    std::int64_t after = 0;
    std::size_t limit = 100;
};

void run_list(const ListArgs& a) {
    ra::NotificationFilter f;
    if (!a.state.empty()) f.state = ra::notification_state_from_name(a.state);
    f.object_id = a.object_id;
    f.after_id = a.after;
    f.limit = a.limit;
    auto outbox = open_outbox(a.env);
    const auto rows = take(outbox->list(f));
    if (a.env.json) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& n : rows) list.push_back(notification_json(n, false));
        std::cout << list.dump() << std::endl;
        return;
    }
    for (const auto& n : rows) print_line(n);
    const auto c = take(outbox->counts());
    std::cout << (rows.empty() ? "no notifications listed; " : "") << c.pending << " pending (" << c.failing
              << " failing), " << c.delivered << " delivered" << std::endl;
}

struct IdArgs {
    EnvArgs env;
    std::int64_t id = 0;
};

void run_show(const IdArgs& a) {
    auto outbox = open_outbox(a.env);
    const auto n = take(outbox->find(a.id));
    if (a.env.json) {
        std::cout << notification_json(n, true).dump() << std::endl;
        return;
    }
    print_line(n);
    std::cout << "subject: " << n.subject << "\n\n" << n.body << std::endl;
}

// ---- notify retry --------------------------------------------------------------------------------

void run_retry(const IdArgs& a) {
    SystemClock clock;
    auto outbox = open_outbox(a.env);
    AuditSide audit(a.env.store_path());
    const std::string target = "notification " + std::to_string(a.id);
    auto s = outbox->retry_now(a.id, clock.now());
    if (!s.ok()) {
        audit.append("ra.notification.retry", target, "", &s.error());
        fail(s.error());
    }
    audit.append("ra.notification.retry", target, "due now");
    if (a.env.json)
        std::cout << notification_json(take(outbox->find(a.id)), false).dump() << std::endl;
    else
        std::cout << "notification #" << a.id << " is due now (yinxin notify run --once, or the server's worker)"
                  << std::endl;
}

// ---- notify check --------------------------------------------------------------------------------

void run_check(const NotifyArgs& a) {
    const std::string path = a.config_path();
    const bool exists = fs::exists(path);
    const auto c = take(ra::load_notify_config(path));
    nlohmann::json hooks = nlohmann::json::object();
    for (const auto& [name, w] : c.webhooks) hooks[name] = w.url;
    if (a.env.json) {
        nlohmann::json j{{"file", path}, {"exists", exists}, {"webhooks", hooks}};
        if (c.smtp)
            j["smtp"] = {{"host", c.smtp->host},
                         {"port", c.smtp->port},
                         {"from", c.smtp->from},
                         {"starttls", c.smtp->starttls},
                         {"auth", !c.smtp->username.empty()}};
        std::cout << j.dump() << std::endl;
        return;
    }
    std::cout << path << (exists ? "" : " (missing: nothing is configured, notifications wait)") << "\n";
    if (c.smtp)
        std::cout << "smtp: " << c.smtp->host << ":" << c.smtp->port << " from " << c.smtp->from
                  << (c.smtp->starttls ? ", STARTTLS" : ", no TLS") << (c.smtp->username.empty() ? "" : ", AUTH PLAIN")
                  << "\n";
    else
        std::cout << "smtp: not configured (e-mail notifications wait)\n";
    for (const auto& [name, w] : c.webhooks) std::cout << "webhook " << name << ": " << w.url << "\n";
    std::cout << std::flush;
}

// ---- notify run ----------------------------------------------------------------------------------

struct RunArgs {
    NotifyArgs n;
    bool once = false;
    unsigned interval = 10;
};

void print_event(const ra::DeliveryEvent& e) {
    if (e.delivered) {
        std::cout << "notification #" << e.id << " (" << e.event << ") delivered to " << e.recipient << std::endl;
    } else {
        std::cerr << "notification #" << e.id << " (" << e.event << ") to " << e.recipient << " failed (attempt "
                  << e.attempts << "), retry at " << format_rfc3339(e.retry_at.value_or(TimePoint{})) << ": "
                  << (e.error ? e.error->message : std::string()) << std::endl;
    }
}

class Worker final : public NotifyWorker {
public:
    Worker(const std::string& store_path, std::string config_path, std::chrono::seconds interval, std::string source)
        : m_config_path(std::move(config_path)), m_interval(interval), m_source(std::move(source)) {
        ignore_sigpipe();
        m_outbox = take(store::SqliteOutboxStore::open(store_path));
        m_audit_store = take(store::SqliteAuditStore::open(store_path));
        m_audit = std::make_unique<audit::AuditLog>(*m_audit_store, audit::AuditLogOptions{});
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
    void round() {
        auto config = ra::load_notify_config(m_config_path);
        if (!config.ok()) {
            // Once per distinct problem, not every round.
            if (config.error().message != m_last_problem)
                std::cerr << "notifications: " << config.error().to_string() << std::endl;
            m_last_problem = config.error().message;
            return;
        }
        m_last_problem.clear();
        ra::DeliveryOptions o;
        o.audit = m_audit.get();
        o.audit_source = m_source;
        ra::NotificationDelivery delivery(*m_outbox, m_clock, std::move(config).value(), o);
        for (;;) {
            auto r = delivery.deliver_due(k_round);
            if (!r.ok()) {
                std::cerr << "notifications: " << r.error().to_string() << std::endl;
                return;
            }
            for (const auto& e : r->events) print_event(e);
            if (r->store_error) std::cerr << "notifications: " << r->store_error->to_string() << std::endl;
            if (r->events.size() < k_round || stopping()) return;
        }
    }

    bool stopping() {
        std::lock_guard lock(m_mu);
        return m_stopping;
    }

    void loop() {
        std::unique_lock lock(m_mu);
        while (!m_stopping) {
            lock.unlock();
            round();
            lock.lock();
            m_wake.wait_for(lock, m_interval, [this] { return m_stopping; });
        }
    }

    std::string m_config_path;
    std::chrono::seconds m_interval;
    std::string m_source;
    std::string m_last_problem;
    SystemClock m_clock;
    std::unique_ptr<store::SqliteOutboxStore> m_outbox;
    std::unique_ptr<store::SqliteAuditStore> m_audit_store;
    std::unique_ptr<audit::AuditLog> m_audit;
    std::mutex m_mu;
    std::condition_variable m_wake;
    bool m_stopping = false;
    std::thread m_thread;
};

void run_notify(const RunArgs& a) {
    ignore_sigpipe();
    const std::string config_path = a.n.config_path();
    auto config = take(ra::load_notify_config(config_path));  // a bad file fails at once
    if (!a.once) {
        api::TerminationSignals signals;
        auto worker = start_notify_worker(a.n.env.store_path(), config_path, std::chrono::seconds(a.interval), "cli");
        std::cout << "delivering notifications every " << a.interval << " s until SIGINT/SIGTERM" << std::endl;
        const int sig = signals.wait();
        std::cout << "signal " << sig << ": stopping" << std::endl;
        worker->stop();
        return;
    }
    SystemClock clock;
    auto outbox = open_outbox(a.n.env);
    AuditSide audit(a.n.env.store_path());
    ra::DeliveryOptions o;
    o.audit = audit.log.get();
    o.audit_source = "cli";
    o.audit_actor = cli_actor();
    ra::NotificationDelivery delivery(*outbox, clock, std::move(config), o);
    std::size_t delivered = 0;
    std::size_t failed = 0;
    nlohmann::json events = nlohmann::json::array();
    for (;;) {
        const auto r = take(delivery.deliver_due(k_round));
        for (const auto& e : r.events) {
            if (a.n.env.json) {
                nlohmann::json j{
                    {"id", e.id}, {"event", e.event}, {"recipient", e.recipient}, {"delivered", e.delivered}};
                if (e.error) j["error"] = error_json(*e.error);
                if (e.retry_at) j["retry_at"] = format_rfc3339(*e.retry_at);
                events.push_back(std::move(j));
            } else {
                print_event(e);
            }
        }
        delivered += r.delivered;
        failed += r.failed;
        if (r.store_error) fail(*r.store_error);
        if (r.events.size() < k_round) break;
    }
    if (a.n.env.json)
        std::cout << nlohmann::json{{"delivered", delivered}, {"failed", failed}, {"events", events}}.dump()
                  << std::endl;
    else if (delivered == 0 && failed == 0)
        std::cout << "nothing due" << std::endl;
    if (failed > 0)
        fail(make_error(
            Errc::ra_delivery_failed,
            std::to_string(failed) + " notification(s) failed; they wait for their retry (yinxin notify list)"));
}

}  // namespace

std::unique_ptr<NotifyWorker> start_notify_worker(const std::string& store_path, const std::string& config_path,
                                                  std::chrono::seconds interval, const std::string& source) {
    return std::make_unique<Worker>(store_path, config_path, interval, source);
}

void register_notify_commands(CLI::App& app) {
    auto* notify = app.add_subcommand(
        "notify", "The notification outbox: e-mail (SMTP) and webhook notices to applicants and business systems");
    notify->require_subcommand(1);

    auto list = std::make_shared<ListArgs>();
    auto* c = notify->add_subcommand("list", "Notifications with their state, attempts and last error");
    add_store_options(c, list->env);
    c->add_option("--state", list->state, "Only pending or delivered ones")
        ->check(CLI::IsMember({"pending", "delivered"}));
    c->add_option("--object", list->object_id, "Only those about this object (application id, <ca>:<serial>)");
    c->add_option("--after", list->after, "Notifications after this id (paging)");
    c->add_option("--limit", list->limit, "At most this many")->capture_default_str()->check(CLI::Range(1, 10000));
    c->callback([list] { run_list(*list); });

    auto show = std::make_shared<IdArgs>();
    c = notify->add_subcommand("show", "One notification with its subject and body");
    add_store_options(c, show->env);
    c->add_option("id", show->id, "Notification id")->required();
    c->callback([show] { run_show(*show); });

    auto run = std::make_shared<RunArgs>();
    c = notify->add_subcommand("run", "Deliver what is due: every --interval until SIGINT/SIGTERM, or once");
    add_store_options(c, run->n.env);
    c->add_option("--config", run->n.config, "Notification configuration (default <data-dir>/notify.json)");
    c->add_flag("--once", run->once, "Deliver what is due, then exit (1 when a notification failed)");
    c->add_option("--interval", run->interval, "Seconds between rounds")
        ->capture_default_str()
        ->check(CLI::Range(1, 3600));
    c->callback([run] { run_notify(*run); });

    auto retry = std::make_shared<IdArgs>();
    c = notify->add_subcommand("retry", "Make a pending notification due now (drops its back-off)");
    add_store_options(c, retry->env);
    c->add_option("id", retry->id, "Notification id")->required();
    c->callback([retry] { run_retry(*retry); });

    auto check_args = std::make_shared<NotifyArgs>();
    c = notify->add_subcommand("check", "Check the notification configuration (notify.json) and print it");
    add_store_options(c, check_args->env);
    c->add_option("--config", check_args->config, "Notification configuration (default <data-dir>/notify.json)");
    c->callback([check_args] { run_check(*check_args); });
}

}  // namespace yinxin::cli
