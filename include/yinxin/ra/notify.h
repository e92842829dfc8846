// Notifications to applicants, holders and business systems (issue 5 "Notifications"): approval,
// rejection, issuance, revocation, suspension and expiry reminders. iTrus CPS: "RA auto-emails the
// applicant on approval and on rejection", the rejection reason "在 24 小时内"; SHECA CPS §4.2: the
// rejection notice within 24 h, and the opt-in "跟进服务" telling a subscribed party when a given
// certificate is revoked (§2.2.3).
//
// A persistent outbox: the workflow writes the notification in the SAME store transaction as the
// state change it announces (store/sqlite/outbox_sql.h insert_notifications), so a committed
// approval is an approval that will be announced, whatever happens to the process or the mail
// server afterwards. NotificationDelivery sends what is due through an SMTP server (RFC 5321, with
// STARTTLS and AUTH PLAIN) or an HTTP(S) webhook, and retries every failure with capped exponential
// back-off until it is delivered: nothing is ever dropped (every attempt's error is kept).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"

namespace yinxin::audit {
class AuditLog;
}

namespace yinxin::ra {

enum class NotifyChannel : std::uint8_t { email, webhook };
std::string_view notify_channel_name(NotifyChannel c) noexcept;  // "email" / "webhook"
std::optional<NotifyChannel> notify_channel_from_name(std::string_view name) noexcept;

enum class NotificationState : std::uint8_t { pending, delivered };
std::string_view notification_state_name(NotificationState s) noexcept;  // "pending" / "delivered"
std::optional<NotificationState> notification_state_from_name(std::string_view name) noexcept;

// Limits (bytes) checked by validate_notification, so one row stays small.
inline constexpr std::size_t k_max_subject = 512;
inline constexpr std::size_t k_max_body = std::size_t{256} * 1024;
inline constexpr std::size_t k_max_key = 256;  // event, recipient, object_id, dedup_key

struct NewNotification {
    // Lower-case dotted name: "ra.application.approved", "ra.application.rejected",
    // "ra.certificate.issued", "ra.certificate.revoked", "ra.certificate.suspended",
    // "ra.certificate.expiring", ...
    std::string event;
    NotifyChannel channel = NotifyChannel::email;
    // email: an ASCII addr-spec ("zhangsan@example.gov.cn"); webhook: the NAME of a configured
    // webhook ("default"; [A-Za-z0-9._-], 1..64).
    std::string recipient;
    // UTF-8. email: the Subject (RFC 2047 encoded when not plain ASCII); webhook: not sent (kept
    // for the operator's list).
    std::string subject;
    // email: text/plain UTF-8; webhook: a JSON document, POSTed as is.
    std::string body;
    std::string object_id;  // application id, "<ca>:<serial hex>", ...
    // Non-empty: at most one notification with this key is ever added (e.g. "expiring:<ca>:<serial>:30d").
    std::string dedup_key;
};

// ra.bad_request for a malformed item (the message names the field).
Status validate_notification(const NewNotification& n);
// Whether an e-mail notification can be sent to `address` (the recipient rule above). Check the
// applicant's address when the form is accepted: a notification to a bad one is refused, and
// with it the transaction that carries it.
bool valid_email_address(std::string_view address) noexcept;

struct Notification {
    std::int64_t id = 0;
    std::string event;
    NotifyChannel channel = NotifyChannel::email;
    std::string recipient;
    std::string subject;
    std::string body;
    std::string object_id;
    std::string dedup_key;
    NotificationState state = NotificationState::pending;
    std::int64_t attempts = 0;  // failed attempts so far
    TimePoint next_attempt_at;  // pending: not sent before this
    std::string last_error;     // the last failure ("" when none)
    TimePoint created_at;
    std::optional<TimePoint> delivered_at;
};

struct NotificationFilter {
    std::optional<NotificationState> state;  // none: every state
    std::string object_id;                   // empty: any object
    std::int64_t after_id = 0;               // paging: rows with a larger id
    std::size_t limit = 100;                 // 1..10000
};

struct OutboxCounts {
    std::int64_t pending = 0;
    std::int64_t failing = 0;  // pending with at least one failed attempt
    std::int64_t delivered = 0;
};

// A delivery attempt claims a row for this long (see Outbox::due): a crash between the claim and
// the outcome makes the row due again afterwards, so it is sent at least once.
inline constexpr std::chrono::seconds k_claim_lease{600};

// The persistent outbox: the narrow store interface the delivery is given (STYLE.md 4); the SQLite
// implementation is store/sqlite_outbox_store.h.
class Outbox {
public:
    virtual ~Outbox() = default;

    // Validates every item (ra.bad_request: nothing is added) and adds them in one transaction,
    // due at `now`. Returns one id per item, in order; an item whose dedup_key exists already is
    // silently not added (its id is 0).
    virtual Result<std::vector<std::int64_t>> enqueue(std::span<const NewNotification> items, TimePoint now) = 0;
    // Claims up to `limit` (1..10000) pending rows due at `now` (next_attempt_at <= now), oldest
    // due first: in one transaction their next_attempt_at moves to now + k_claim_lease, so a second
    // worker on the same file does not send them too. Each one is then settled with mark_delivered
    // or mark_failed.
    virtual Result<std::vector<Notification>> due(TimePoint now, std::size_t limit) = 0;
    // pending → delivered. ra.not_found, or ra.illegal_transition when it was delivered already.
    virtual Status mark_delivered(std::int64_t id, TimePoint at) = 0;
    // A failed attempt: attempts + 1, last_error, next_attempt_at. The row stays pending.
    // ra.not_found / ra.illegal_transition as above.
    virtual Status mark_failed(std::int64_t id, std::string_view error, TimePoint next_attempt_at) = 0;
    // An operator's retry: a pending row is due at `now` (its back-off is dropped; attempts and
    // last_error are kept). ra.illegal_transition for a delivered one.
    virtual Status retry_now(std::int64_t id, TimePoint now) = 0;
    // By id, ascending.
    virtual Result<std::vector<Notification>> list(const NotificationFilter& filter) = 0;
    // ra.not_found when there is none.
    virtual Result<Notification> find(std::int64_t id) = 0;
    virtual Result<OutboxCounts> counts() = 0;
};

// ---- configuration ------------------------------------------------------------------------------

struct SmtpConfig {
    std::string host;  // name or address of the submission server
    std::uint16_t port = 25;
    std::string from;  // envelope sender and From: an ASCII addr-spec
    // RFC 3207 STARTTLS before anything else is sent; the server's certificate must chain to
    // ca_file (the system trust store when empty) and name `host` (RFC 9525). Off only for a relay
    // on the same host.
    bool starttls = true;
    std::string ca_file;
    // AUTH PLAIN (RFC 4616) when set; the password is the first line of password_file, read at
    // each delivery (never stored in the configuration). Never sent in clear: needs starttls, or a
    // loopback host.
    std::string username;
    std::string password_file;
    std::chrono::seconds timeout{30};  // per connection step (connect, each command, the message)
};

struct WebhookConfig {
    std::string url;      // https://host[:port]/path (http:// for loopback and tests)
    std::string ca_file;  // https: the CA of the receiver's certificate (system trust store when empty)
    std::chrono::seconds timeout{10};
};

// <data-dir>/notify.json:
//   {"smtp": {"host": "smtp.example.gov.cn", "port": 587, "from": "ra@example.gov.cn",
//             "starttls": true, "ca_file": "/etc/yinxin/smtp-ca.pem", "username": "ra",
//             "password_file": "/etc/yinxin/smtp.secret", "timeout_seconds": 30},
//    "webhooks": {"default": {"url": "https://biz.example.gov.cn/notify", "ca_file": "...",
//                             "timeout_seconds": 10}}}
// Both sections are optional: a notification for a channel (or webhook name) that is not
// configured stays pending with that as its last error.
struct NotifyConfig {
    std::optional<SmtpConfig> smtp;
    std::map<std::string, WebhookConfig> webhooks;
};

// Strict: unknown keys, wrong types, out-of-range numbers, a bad address or URL, a username
// without a password file (or the reverse) are ra.bad_request naming the key. File names are
// taken as given (load_notify_config resolves relative ones).
Result<NotifyConfig> parse_notify_config(std::string_view json_text);
// Reads and parses the file; relative ca_file and password_file names are relative to the file's
// directory. A missing file is an empty configuration (nothing configured); an unreadable one is
// base.io_error.
Result<NotifyConfig> load_notify_config(const std::string& path);

// ---- delivery -----------------------------------------------------------------------------------

// Back-off after the n-th failed attempt (n >= 1): 30 s, 60 s, 120 s, ... at most 1 h.
std::chrono::seconds retry_delay(std::int64_t failed_attempts) noexcept;

// One attempt's outcome, for the audit log and the operator.
struct DeliveryEvent {
    std::int64_t id = 0;
    std::string event;
    NotifyChannel channel = NotifyChannel::email;
    std::string recipient;
    std::string object_id;
    bool delivered = false;
    std::optional<Error> error;         // when not delivered
    std::int64_t attempts = 0;          // failed attempts including this one
    std::optional<TimePoint> retry_at;  // when not delivered
};

struct DeliveryReport {
    std::size_t delivered = 0;
    std::size_t failed = 0;
    std::vector<DeliveryEvent> events;  // every attempt of the call, in order
    // Set when an outcome could not be recorded in the outbox or the audit log (the attempt itself
    // is not repeated in this call; the row becomes due again when its claim lapses).
    std::optional<Error> store_error;
};

struct DeliveryOptions {
    // Each attempt is audited as "ra.notification.deliver" (success or failure) when set.
    audit::AuditLog* audit = nullptr;
    std::string audit_source = "local";
    std::string audit_actor = "system";
    // SMTP EHLO name; empty: the address literal of the local end ("[127.0.0.1]", RFC 5321 4.1.3).
    std::string ehlo_name;
};

// Sends what is due. Not thread-safe; one per worker. The Outbox, Clock and audit log must outlive it.
class NotificationDelivery {
public:
    NotificationDelivery(Outbox& outbox, const Clock& clock, NotifyConfig config, DeliveryOptions options = {});

    // Claims up to `limit` due notifications and sends each one: delivered, or failed with its
    // error and the next attempt after retry_delay(). When a server cannot be reached (or is not
    // configured) the round does not try it again for the other notifications it claimed: they
    // fail with "not attempted: ..." and the same back-off, so a stalled server costs one timeout
    // per round, not one per notification. Fails only when the outbox cannot be read.
    Result<DeliveryReport> deliver_due(std::size_t limit = 100);

    // Sends one notification now without touching the outbox: ra.delivery_failed with the
    // server's answer, the network error, or why it was not sent (channel or webhook not configured).
    Status send(const Notification& n);

private:
    // `unreachable` is set when the failure is the server's or the configuration's, not this
    // notification's: the rest of the round does not try the same server again.
    Status send(const Notification& n, bool* unreachable);

    Outbox& m_outbox;
    const Clock& m_clock;
    NotifyConfig m_config;
    DeliveryOptions m_options;
};

}  // namespace yinxin::ra
