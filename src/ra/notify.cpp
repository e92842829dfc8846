#include "yinxin/ra/notify.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "smtp.h"
#include "yinxin/audit/audit.h"
#include "yinxin/publish/callback.h"

namespace yinxin::ra {
namespace {

constexpr std::chrono::seconds k_first_retry{30};
constexpr std::chrono::seconds k_max_retry{3600};
constexpr std::size_t k_max_webhook_name = 64;

Error bad(const std::string& what) { return make_error(Errc::ra_bad_request, what); }

bool valid_event(std::string_view e) {
    // Lower-case dotted words, like audit actions: [a-z0-9_]+ ("." [a-z0-9_]+)+.
    if (e.empty() || e.size() > k_max_key || e.front() == '.' || e.back() == '.') return false;
    if (e.find("..") != std::string_view::npos || e.find('.') == std::string_view::npos) return false;
    return std::all_of(e.begin(), e.end(),
                       [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.'; });
}

bool valid_webhook_name(std::string_view n) {
    return !n.empty() && n.size() <= k_max_webhook_name && std::all_of(n.begin(), n.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
               c == '-';
    });
}

// Printable ASCII without spaces: ids go into headers and logs as they are.
bool valid_key(std::string_view k) {
    return k.size() <= k_max_key && std::all_of(k.begin(), k.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

// ---- configuration ----

Result<std::string> string_of(const nlohmann::json& v, const std::string& where) {
    if (!v.is_string()) return bad("notify.json: '" + where + "' must be a string");
    return v.get<std::string>();
}

Result<std::chrono::seconds> timeout_of(const nlohmann::json& v, const std::string& where) {
    if (!v.is_number_integer() || v.get<long long>() < 1 || v.get<long long>() > 300)
        return bad("notify.json: '" + where + "' must be an integer 1..300");
    return std::chrono::seconds(v.get<long long>());
}

Result<SmtpConfig> parse_smtp(const nlohmann::json& j) {
    if (!j.is_object()) return bad("notify.json: 'smtp' must be an object");
    SmtpConfig c;
    for (const auto& [key, v] : j.items()) {
        const std::string where = "smtp." + key;
        if (key == "host") {
            YX_ASSIGN_OR_RETURN(c.host, string_of(v, where));
        } else if (key == "port") {
            if (!v.is_number_integer() || v.get<long long>() < 1 || v.get<long long>() > 65535)
                return bad("notify.json: 'smtp.port' must be an integer 1..65535");
            c.port = static_cast<std::uint16_t>(v.get<long long>());
        } else if (key == "from") {
            YX_ASSIGN_OR_RETURN(c.from, string_of(v, where));
        } else if (key == "starttls") {
            if (!v.is_boolean()) return bad("notify.json: 'smtp.starttls' must be true or false");
            c.starttls = v.get<bool>();
        } else if (key == "ca_file") {
            YX_ASSIGN_OR_RETURN(c.ca_file, string_of(v, where));
        } else if (key == "username") {
            YX_ASSIGN_OR_RETURN(c.username, string_of(v, where));
        } else if (key == "password_file") {
            YX_ASSIGN_OR_RETURN(c.password_file, string_of(v, where));
        } else if (key == "timeout_seconds") {
            YX_ASSIGN_OR_RETURN(c.timeout, timeout_of(v, where));
        } else {
            return bad("notify.json: unknown key 'smtp." + key + "'");
        }
    }
    const bool host_ok =
        !c.host.empty() && c.host.size() <= 253 && std::all_of(c.host.begin(), c.host.end(), [](char ch) {
            return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
                   ch == '.' || ch == ':';
        });
    if (!host_ok) return bad("notify.json: 'smtp.host' must be a host name or an IP address");
    if (!smtp::valid_mailbox(c.from)) return bad("notify.json: 'smtp.from' must be an address like ra@example.gov.cn");
    if (c.username.empty() != c.password_file.empty())
        return bad("notify.json: 'smtp.username' and 'smtp.password_file' go together");
    if (c.username.find_first_of(std::string_view("\0\r\n", 3)) != std::string::npos)
        return bad("notify.json: 'smtp.username' must not contain NUL, CR or LF");
    return c;
}

Result<WebhookConfig> parse_webhook(const std::string& name, const nlohmann::json& j) {
    if (!valid_webhook_name(name))
        return bad("notify.json: webhook name '" + name + "': 1..64 characters of A-Z, a-z, 0-9, '.', '_', '-'");
    if (!j.is_object()) return bad("notify.json: 'webhooks." + name + "' must be an object");
    WebhookConfig c;
    const std::string prefix = "webhooks." + name + ".";
    for (const auto& [key, v] : j.items()) {
        const std::string where = prefix + key;
        if (key == "url") {
            YX_ASSIGN_OR_RETURN(c.url, string_of(v, where));
        } else if (key == "ca_file") {
            YX_ASSIGN_OR_RETURN(c.ca_file, string_of(v, where));
        } else if (key == "timeout_seconds") {
            YX_ASSIGN_OR_RETURN(c.timeout, timeout_of(v, where));
        } else {
            return bad("notify.json: unknown key '" + where + "'");
        }
    }
    // The same URL rules as a push-sync target (http(s)://host[:port][/path]).
    nlohmann::json check{{"url", c.url}};
    if (!c.ca_file.empty()) check["ca_file"] = c.ca_file;
    auto checked = publish::parse_callback_config(check.dump());
    if (!checked.ok()) return bad("notify.json: 'webhooks." + name + ".url': " + checked.error().message);
    return c;
}

std::string resolve_path(const std::filesystem::path& base, const std::string& file) {
    if (file.empty() || std::filesystem::path(file).is_absolute()) return file;
    return (base / file).lexically_normal().string();
}

// ---- delivery ----

std::string describe(const Notification& n) {
    std::string d = n.event + " by " + std::string(notify_channel_name(n.channel)) + " to " + n.recipient;
    if (!n.object_id.empty()) d += " (" + n.object_id + ")";
    return d;
}

// `unreachable`: no answer or a 5xx (the receiver is down); a 4xx is about this notification.
Status send_webhook(const std::string& name, const WebhookConfig& w, const Notification& n, bool* unreachable) {
    *unreachable = true;
    publish::CallbackConfig c;
    c.url = w.url;
    c.ca_file = w.ca_file;
    c.timeout = w.timeout;
    publish::CallbackRequest request;
    request.body = n.body;
    request.headers = {{"X-Yinxin-Event", n.event}, {"X-Yinxin-Notification-Id", std::to_string(n.id)}};
    if (!n.object_id.empty()) request.headers.emplace_back("X-Yinxin-Object-Id", n.object_id);
    auto answer = publish::post_callback(c, request);
    if (!answer.ok()) return make_error(Errc::ra_delivery_failed, "webhook '" + name + "': " + answer.error().message);
    *unreachable = answer->status >= 500;
    if (answer->status < 200 || answer->status > 299) {
        std::string body = answer->body.substr(0, 200);
        for (char& ch : body)
            if (static_cast<unsigned char>(ch) < 0x20) ch = ' ';
        return make_error(Errc::ra_delivery_failed, "webhook '" + name + "' (" + w.url + ") answered HTTP " +
                                                        std::to_string(answer->status) + ": " + body);
    }
    return ok_status();
}

}  // namespace

std::string_view notify_channel_name(NotifyChannel c) noexcept {
    return c == NotifyChannel::webhook ? "webhook" : "email";
}

std::optional<NotifyChannel> notify_channel_from_name(std::string_view name) noexcept {
    if (name == "email") return NotifyChannel::email;
    if (name == "webhook") return NotifyChannel::webhook;
    return std::nullopt;
}

std::string_view notification_state_name(NotificationState s) noexcept {
    return s == NotificationState::delivered ? "delivered" : "pending";
}

std::optional<NotificationState> notification_state_from_name(std::string_view name) noexcept {
    if (name == "pending") return NotificationState::pending;
    if (name == "delivered") return NotificationState::delivered;
    return std::nullopt;
}

bool valid_email_address(std::string_view address) noexcept { return smtp::valid_mailbox(address); }

Status validate_notification(const NewNotification& n) {
    if (!valid_event(n.event))
        return bad("notification event '" + n.event.substr(0, 80) +
                   "': lower-case dotted words, e.g. ra.application.approved");
    switch (n.channel) {
        case NotifyChannel::email:
            if (!smtp::valid_mailbox(n.recipient))
                return bad("notification recipient '" + n.recipient.substr(0, 80) +
                           "' is not an e-mail address (ASCII local@domain)");
            break;
        case NotifyChannel::webhook:
            if (!valid_webhook_name(n.recipient))
                return bad("notification recipient '" + n.recipient.substr(0, 80) +
                           "' is not a webhook name (1..64 characters of A-Z, a-z, 0-9, '.', '_', '-')");
            break;
    }
    if (n.subject.size() > k_max_subject || !smtp::valid_utf8_text(n.subject, false))
        return bad("notification subject: UTF-8 text of one line, at most " + std::to_string(k_max_subject) + " bytes");
    if (n.body.size() > k_max_body) return bad("notification body: at most " + std::to_string(k_max_body) + " bytes");
    if (n.channel == NotifyChannel::email && (n.body.empty() || !smtp::valid_utf8_text(n.body, true)))
        return bad("notification body: non-empty UTF-8 text without control characters");
    if (n.channel == NotifyChannel::webhook &&
        (nlohmann::json::parse(n.body, nullptr, false).is_discarded() || !smtp::valid_utf8_text(n.body, true)))
        return bad("notification body: a webhook sends a JSON document");
    if (!valid_key(n.object_id))
        return bad("notification object id: printable ASCII without spaces, at most " + std::to_string(k_max_key) +
                   " bytes");
    if (!valid_key(n.dedup_key))
        return bad("notification dedup key: printable ASCII without spaces, at most " + std::to_string(k_max_key) +
                   " bytes");
    return ok_status();
}

Result<NotifyConfig> parse_notify_config(std::string_view json_text) {
    auto j = nlohmann::json::parse(json_text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return bad("notify.json: not a JSON object");
    NotifyConfig c;
    for (const auto& [key, v] : j.items()) {
        if (key == "smtp") {
            YX_ASSIGN_OR_RETURN(c.smtp, parse_smtp(v));
        } else if (key == "webhooks") {
            if (!v.is_object()) return bad("notify.json: 'webhooks' must be an object of named webhooks");
            for (const auto& [name, w] : v.items()) {
                YX_ASSIGN_OR_RETURN(WebhookConfig wc, parse_webhook(name, w));
                c.webhooks.emplace(name, std::move(wc));
            }
        } else {
            return bad("notify.json: unknown key '" + key + "'");
        }
    }
    return c;
}

Result<NotifyConfig> load_notify_config(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return NotifyConfig{};
    std::ifstream f(path, std::ios::binary);
    if (!f) return make_error(Errc::io_error, "cannot read '" + path + "'");
    const std::string text{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
    auto parsed = parse_notify_config(text);
    if (!parsed.ok()) return make_error(Errc::ra_bad_request, path + ": " + parsed.error().message);
    NotifyConfig c = std::move(parsed).value();
    const auto base = std::filesystem::absolute(path, ec).parent_path();
    if (c.smtp) {
        c.smtp->ca_file = resolve_path(base, c.smtp->ca_file);
        c.smtp->password_file = resolve_path(base, c.smtp->password_file);
        if (!c.smtp->password_file.empty() && !std::ifstream(c.smtp->password_file))
            return make_error(Errc::ra_bad_request,
                              path + ": 'smtp.password_file' '" + c.smtp->password_file + "' cannot be read");
    }
    for (auto& [name, w] : c.webhooks) w.ca_file = resolve_path(base, w.ca_file);
    return c;
}

std::chrono::seconds retry_delay(std::int64_t failed_attempts) noexcept {
    std::chrono::seconds d = k_first_retry;
    for (std::int64_t i = 1; i < failed_attempts && d < k_max_retry; ++i) d *= 2;
    return std::min(d, k_max_retry);
}

NotificationDelivery::NotificationDelivery(Outbox& outbox, const Clock& clock, NotifyConfig config,
                                           DeliveryOptions options)
    : m_outbox(outbox), m_clock(clock), m_config(std::move(config)), m_options(std::move(options)) {}

Status NotificationDelivery::send(const Notification& n) {
    bool unreachable = false;
    return send(n, &unreachable);
}

Status NotificationDelivery::send(const Notification& n, bool* unreachable) {
    *unreachable = true;
    switch (n.channel) {
        case NotifyChannel::email: {
            if (!m_config.smtp)
                return make_error(Errc::ra_delivery_failed,
                                  "not sent: no SMTP server is configured (\"smtp\" in notify.json)");
            smtp::MailMessage m;
            m.id = n.id;
            m.event = n.event;
            m.from = m_config.smtp->from;
            m.to = n.recipient;
            m.subject = n.subject;
            m.body = n.body;
            m.date = m_clock.now();
            m.created_at = n.created_at;
            return smtp::send_mail(*m_config.smtp, m, m_options.ehlo_name, unreachable);
        }
        case NotifyChannel::webhook: {
            const auto it = m_config.webhooks.find(n.recipient);
            if (it == m_config.webhooks.end())
                return make_error(Errc::ra_delivery_failed, "not sent: no webhook named '" + n.recipient +
                                                                "' is configured (\"webhooks\" in notify.json)");
            return send_webhook(it->first, it->second, n, unreachable);
        }
    }
    return make_error(Errc::internal, "unknown notification channel");
}

Result<DeliveryReport> NotificationDelivery::deliver_due(std::size_t limit) {
    YX_ASSIGN_OR_RETURN(std::vector<Notification> due, m_outbox.due(m_clock.now(), limit));
    DeliveryReport report;
    // Servers that failed in this round: "email", or "webhook:<name>".
    std::map<std::string, Error> unreachable;
    for (const Notification& n : due) {
        DeliveryEvent ev;
        ev.id = n.id;
        ev.event = n.event;
        ev.channel = n.channel;
        ev.recipient = n.recipient;
        ev.object_id = n.object_id;
        ev.attempts = n.attempts;
        const std::string server = n.channel == NotifyChannel::email ? std::string("email") : "webhook:" + n.recipient;
        Status sent = ok_status();
        if (auto it = unreachable.find(server); it != unreachable.end()) {
            sent = make_error(Errc::ra_delivery_failed, "not attempted: " + it->second.message);
        } else {
            bool server_failure = false;
            sent = send(n, &server_failure);
            if (!sent.ok() && server_failure) unreachable.emplace(server, sent.error());
        }
        Status recorded = ok_status();
        if (sent.ok()) {
            ev.delivered = true;
            recorded = m_outbox.mark_delivered(n.id, m_clock.now());
            ++report.delivered;
        } else {
            ev.error = sent.error();
            ev.attempts = n.attempts + 1;
            ev.retry_at = m_clock.now() + retry_delay(ev.attempts);
            recorded = m_outbox.mark_failed(n.id, sent.error().message, *ev.retry_at);
            ++report.failed;
        }
        if (!recorded.ok() && !report.store_error) report.store_error = recorded.error();
        if (m_options.audit != nullptr) {
            audit::AuditEvent a;
            a.source = m_options.audit_source;
            a.actor = m_options.audit_actor;
            a.action = "ra.notification.deliver";
            a.target = "notification " + std::to_string(n.id);
            a.detail = describe(n);
            if (ev.error) {
                a.detail += "; attempt " + std::to_string(ev.attempts) + ", next at " + format_rfc3339(*ev.retry_at);
                a.failed(*ev.error);
            }
            auto appended = m_options.audit->append(a);
            if (!appended.ok() && !report.store_error) report.store_error = appended.error();
        }
        report.events.push_back(std::move(ev));
    }
    return report;
}

}  // namespace yinxin::ra
