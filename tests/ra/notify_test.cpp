// The notification outbox end to end (issue 5 "Notifications reach a local SMTP sink and a webhook
// receiver started by the test"): notifications enqueued in a real SQLite store are delivered by
// NotificationDelivery to an SMTP server on 127.0.0.1 (tests/ra/smtp_sink.h; STARTTLS with a
// certificate made by the openssl CLI, AUTH PLAIN) and to a Beast webhook receiver
// (tests/publish/receiver.h). What arrives is decoded by Python's email package (an independent
// RFC 5322 / RFC 2047 / MIME implementation). A refusing or absent server leaves the notification
// pending with its error and back-off until it comes back; dedup keys; insert_notifications inside
// another store transaction commits or rolls back with it; strict configuration; `yinxin notify`.
#include "yinxin/ra/notify.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include <chrono>
#include <thread>

#include "publish/receiver.h"
#include "ra/smtp_sink.h"
#include "sqlite/migrations.h"
#include "sqlite/outbox_sql.h"
#include "support/test_support.h"
#include "yinxin/audit/audit.h"
#include "yinxin/store/sqlite_audit_store.h"
#include "yinxin/store/sqlite_outbox_store.h"

namespace yinxin::test {
namespace {

using namespace std::chrono_literals;
using ra::NewNotification;
using ra::Notification;
using ra::NotificationState;
using ra::NotifyChannel;

constexpr std::string_view k_python3 = YX_PYTHON3;

const TimePoint k_t0 = from_unix(1'790'000'000);  // 2026-09-21T14:13:20Z

constexpr std::string_view k_subject_zh = "【印信】您的数字证书申请已通过审核（申请号 A-2026-0001）";
constexpr std::string_view k_body_zh =
    "张三 您好：\n"
    "\n"
    "您的数字证书申请 A-2026-0001 已于今日审核通过。\n"
    ".这一行以句点开头\n"
    "..两个句点\n"
    ".\n"
    "请携带有效身份证件到受理点领取 USB Key。\n";

// Python's email package decodes the message as a mail client would.
constexpr std::string_view k_decode_py = R"py(
import sys, json, email, email.policy, email.utils
m = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=email.policy.default)
defects = [type(d).__name__ for d in m.defects]
for k in m.keys():
    defects += [type(d).__name__ for d in getattr(m[k], 'defects', [])]
print(json.dumps({
    'from': str(m['From']), 'to': str(m['To']), 'subject': str(m['Subject']),
    'date_unix': int(email.utils.parsedate_to_datetime(m['Date']).timestamp()),
    'message_id': str(m['Message-ID']), 'content_type': m.get_content_type(),
    'charset': m.get_content_charset(), 'cte': str(m['Content-Transfer-Encoding']),
    'event': str(m['X-Yinxin-Event']), 'body': m.get_content().replace('\r\n', '\n'),
    'defects': defects}))
)py";

NewNotification email(std::string recipient, std::string subject, std::string body, std::string object_id = "A-1",
                      std::string dedup = {}) {
    NewNotification n;
    n.event = "ra.application.approved";
    n.channel = NotifyChannel::email;
    n.recipient = std::move(recipient);
    n.subject = std::move(subject);
    n.body = std::move(body);
    n.object_id = std::move(object_id);
    n.dedup_key = std::move(dedup);
    return n;
}

NewNotification webhook(std::string name, std::string body, std::string event = "ra.certificate.revoked") {
    NewNotification n;
    n.event = std::move(event);
    n.channel = NotifyChannel::webhook;
    n.recipient = std::move(name);
    n.subject = "证书已撤销";
    n.body = std::move(body);
    n.object_id = "demo-sub:3f2a01";
    return n;
}

class Notify : public ::testing::Test {
protected:
    void SetUp() override {
        auto outbox = store::SqliteOutboxStore::open(store_path());
        ASSERT_TRUE(outbox.ok()) << outbox.error().to_string();
        m_outbox = std::move(outbox).value();
        auto audit_store = store::SqliteAuditStore::open(store_path());
        ASSERT_TRUE(audit_store.ok()) << audit_store.error().to_string();
        m_audit_store = std::move(audit_store).value();
        m_audit = std::make_unique<audit::AuditLog>(*m_audit_store, audit::AuditLogOptions{.clock = &m_clock});
    }

    std::string store_path() const { return m_dir.file("store.db"); }

    ra::SmtpConfig smtp_config(std::uint16_t port) const {
        ra::SmtpConfig c;
        c.host = "127.0.0.1";
        c.port = port;
        c.from = "ra@yinxin.example.gov.cn";
        c.starttls = false;
        c.timeout = 5s;
        return c;
    }
    ra::NotifyConfig config_with_smtp(std::uint16_t port) const {
        ra::NotifyConfig c;
        c.smtp = smtp_config(port);
        return c;
    }

    ra::NotificationDelivery delivery(ra::NotifyConfig config) {
        ra::DeliveryOptions o;
        o.audit = m_audit.get();
        o.audit_source = "test";
        return ra::NotificationDelivery(*m_outbox, m_clock, std::move(config), o);
    }

    std::vector<std::int64_t> enqueue(std::vector<NewNotification> items) {
        auto ids = m_outbox->enqueue(items, m_clock.now());
        EXPECT_TRUE(ids.ok()) << ids.error().to_string();
        return ids.ok() ? *ids : std::vector<std::int64_t>{};
    }

    Notification row(std::int64_t id) {
        auto n = m_outbox->find(id);
        EXPECT_TRUE(n.ok()) << n.error().to_string();
        return n.ok() ? *n : Notification{};
    }

    nlohmann::json decode(const std::string& message) {
        EXPECT_TRUE(executable_available(k_python3, "python3"));
        const auto script = m_dir / "decode.py";
        const auto file = m_dir / ("message-" + std::to_string(++m_decoded) + ".eml");
        write_file(script, k_decode_py);
        write_file(file, message);
        const std::vector<std::string> argv{std::string(k_python3), script.string(), file.string()};
        auto r = run_process(argv);
        EXPECT_EQ(r.exit_code, 0) << describe(argv, r);
        auto j = nlohmann::json::parse(r.output, nullptr, false);
        EXPECT_FALSE(j.is_discarded()) << r.output;
        return j;
    }

    std::vector<audit::AuditRecord> audit_records(const std::string& action) {
        auto recs = m_audit_store->read_range(1, 100000);
        EXPECT_TRUE(recs.ok());
        std::vector<audit::AuditRecord> out;
        if (!recs.ok()) return out;
        for (const auto& r : *recs)
            if (r.action == action) out.push_back(r);
        return out;
    }

    // A self-signed P-256 certificate for 127.0.0.1 made by the openssl CLI: the mail server's TLS
    // certificate and its own trust anchor.
    SmtpSink::TlsFiles make_tls(const std::string& name) {
        EXPECT_TRUE(openssl_available());
        const auto key = m_dir / (name + ".key.pem");
        const auto cert = m_dir / (name + ".cert.pem");
        auto r = openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                          "-keyout", key.string(), "-out", cert.string(), "-subj", "/CN=" + name, "-addext",
                          "subjectAltName=IP:127.0.0.1", "-days", "2"});
        EXPECT_EQ(r.exit_code, 0) << r.output;
        return {cert.string(), key.string()};
    }

    ScratchDir m_dir;
    FixedClock m_clock{k_t0};
    std::unique_ptr<store::SqliteOutboxStore> m_outbox;
    std::unique_ptr<store::SqliteAuditStore> m_audit_store;
    std::unique_ptr<audit::AuditLog> m_audit;
    int m_decoded = 0;
};

// ---- SMTP -------------------------------------------------------------------------------------

TEST_F(Notify, ChineseMailReachesTheSmtpSink) {
    SmtpSink sink;
    const auto ids =
        enqueue({email("zhangsan@example.gov.cn", std::string(k_subject_zh), std::string(k_body_zh)),
                 email("lisi@example.gov.cn", "Application A-2 rejected", "Reason: missing seal.\n", "A-2")});
    ASSERT_EQ(ids.size(), 2u);
    auto d = delivery(config_with_smtp(sink.port()));
    auto report = d.deliver_due();
    ASSERT_TRUE(report.ok()) << report.error().to_string();
    EXPECT_EQ(report->delivered, 2u);
    EXPECT_EQ(report->failed, 0u);
    EXPECT_FALSE(report->store_error.has_value());

    const auto got = sink.messages();
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].ehlo, "[127.0.0.1]");  // RFC 5321 4.1.3 address literal
    EXPECT_EQ(got[0].mail_from, "ra@yinxin.example.gov.cn");
    EXPECT_EQ(got[0].rcpt_to, std::vector<std::string>{"zhangsan@example.gov.cn"});
    EXPECT_EQ(got[0].mail_params, " BODY=8BITMIME");  // RFC 6152: UTF-8 text as is
    EXPECT_EQ(got[1].rcpt_to, std::vector<std::string>{"lisi@example.gov.cn"});
    EXPECT_EQ(got[1].mail_params, "");  // ASCII: 7bit

    // Dot-stuffing on the wire (RFC 5321 4.5.2), undone by the server.
    EXPECT_NE(got[0].wire.find("\r\n..这一行以句点开头\r\n"), std::string::npos);
    EXPECT_NE(got[0].wire.find("\r\n...两个句点\r\n"), std::string::npos);
    EXPECT_NE(got[0].wire.find("\r\n..\r\n"), std::string::npos);

    const auto m = decode(got[0].data);
    EXPECT_EQ(m["defects"].size(), 0u) << m.dump();
    EXPECT_EQ(m["subject"], std::string(k_subject_zh));
    EXPECT_EQ(m["body"], std::string(k_body_zh));
    EXPECT_EQ(m["to"], "zhangsan@example.gov.cn");
    EXPECT_EQ(m["from"], "ra@yinxin.example.gov.cn");
    EXPECT_EQ(m["date_unix"], to_unix(k_t0));
    EXPECT_EQ(m["content_type"], "text/plain");
    EXPECT_EQ(m["charset"], "utf-8");
    EXPECT_EQ(m["cte"], "8bit");
    EXPECT_EQ(m["event"], "ra.application.approved");
    EXPECT_EQ(m["message_id"],
              "<yinxin." + std::to_string(ids[0]) + "." + std::to_string(to_unix(k_t0)) + "@yinxin.example.gov.cn>");
    // The Subject is RFC 2047 encoded words, folded to lines of at most 76 characters.
    const std::string& raw = got[0].data;
    const std::string subject_field =
        raw.substr(raw.find("Subject: "), raw.find("\r\nMessage-ID:") - raw.find("Subject: "));
    EXPECT_NE(subject_field.find("=?UTF-8?B?"), std::string::npos);
    for (std::size_t start = 0; start < subject_field.size();) {
        const auto end = subject_field.find("\r\n", start);
        const auto len = (end == std::string::npos ? subject_field.size() : end) - start;
        EXPECT_LE(len, 76u) << subject_field;
        if (end == std::string::npos) break;
        start = end + 2;
    }
    const auto m2 = decode(got[1].data);
    EXPECT_EQ(m2["subject"], "Application A-2 rejected");
    EXPECT_EQ(m2["body"], "Reason: missing seal.\n");
    EXPECT_EQ(m2["cte"], "7bit");

    for (auto id : ids) {
        const auto n = row(id);
        EXPECT_EQ(n.state, NotificationState::delivered);
        EXPECT_EQ(n.delivered_at, k_t0);
        EXPECT_EQ(n.attempts, 0);
    }
    const auto audited = audit_records("ra.notification.deliver");
    ASSERT_EQ(audited.size(), 2u);
    EXPECT_TRUE(audited[0].success);
    EXPECT_EQ(audited[0].actor, "system");
    EXPECT_NE(audited[0].detail.find("zhangsan@example.gov.cn"), std::string::npos);
    // Nothing is sent twice.
    auto again = d.deliver_due();
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(again->events.empty());
    EXPECT_EQ(sink.messages().size(), 2u);
}

TEST_F(Notify, Base64BodyWhenTheServerHasNo8BitMime) {
    SmtpSink sink(SmtpSink::Options{.eight_bit_mime = false});
    std::string long_line(1200, 'x');  // longer than RFC 5322's 998: base64 even for ASCII
    enqueue({email("zhangsan@example.gov.cn", std::string(k_subject_zh), std::string(k_body_zh)),
             email("wangwu@example.gov.cn", "long", "a\n" + long_line + "\nb\n")});
    auto report = delivery(config_with_smtp(sink.port())).deliver_due();
    ASSERT_TRUE(report.ok()) << report.error().to_string();
    EXPECT_EQ(report->delivered, 2u);
    const auto got = sink.messages();
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].mail_params, "");
    const auto m = decode(got[0].data);
    EXPECT_EQ(m["cte"], "base64");
    EXPECT_EQ(m["subject"], std::string(k_subject_zh));
    EXPECT_EQ(m["body"], std::string(k_body_zh));
    EXPECT_EQ(m["defects"].size(), 0u) << m.dump();
    const auto m2 = decode(got[1].data);
    EXPECT_EQ(m2["cte"], "base64");
    EXPECT_EQ(m2["body"], "a\n" + long_line + "\nb\n");
}

TEST_F(Notify, StartTlsAndAuthPlain) {
    const auto tls = make_tls("mail");
    const auto other = make_tls("someone-else");
    SmtpSink sink(SmtpSink::Options{.tls = tls, .username = "ra-robot", .password = "s3cret-口令"});
    write_file(m_dir / "smtp.secret", "s3cret-口令\n");
    write_file(m_dir / "wrong.secret", "guess\n");
    ra::NotifyConfig c = config_with_smtp(sink.port());
    c.smtp->starttls = true;
    c.smtp->ca_file = tls.certificate_chain;
    c.smtp->username = "ra-robot";
    c.smtp->password_file = m_dir.file("smtp.secret");

    const auto ids = enqueue({email("zhangsan@example.gov.cn", std::string(k_subject_zh), std::string(k_body_zh))});
    auto report = delivery(c).deliver_due();
    ASSERT_TRUE(report.ok());
    ASSERT_EQ(report->delivered, 1u) << (report->events.empty() || !report->events[0].error
                                             ? std::string()
                                             : report->events[0].error->to_string());
    auto got = sink.messages();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_TRUE(got[0].tls);
    EXPECT_EQ(got[0].auth_user, "ra-robot");
    const auto cmds = sink.commands();
    ASSERT_GE(cmds.size(), 4u);
    EXPECT_TRUE(cmds[0].starts_with("EHLO "));
    EXPECT_EQ(cmds[1], "STARTTLS");
    EXPECT_TRUE(cmds[2].starts_with("EHLO "));  // RFC 3207 4.2: again after the handshake
    EXPECT_TRUE(cmds[3].starts_with("AUTH PLAIN "));
    EXPECT_EQ(decode(got[0].data)["body"], std::string(k_body_zh));

    // A wrong password: refused, pending, and the password is in no error text.
    c.smtp->password_file = m_dir.file("wrong.secret");
    const auto id2 = enqueue({email("lisi@example.gov.cn", "x", "y\n")})[0];
    report = delivery(c).deliver_due();
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report->failed, 1u);
    auto n = row(id2);
    EXPECT_EQ(n.state, NotificationState::pending);
    EXPECT_NE(n.last_error.find("535"), std::string::npos) << n.last_error;
    EXPECT_EQ(n.last_error.find("guess"), std::string::npos);

    // A server whose certificate does not chain to ca_file: the handshake fails, nothing is sent
    // in clear after STARTTLS.
    c.smtp->password_file = m_dir.file("smtp.secret");
    c.smtp->ca_file = other.certificate_chain;
    m_clock.advance(1h);
    const std::size_t before = sink.commands().size();
    report = delivery(c).deliver_due();
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report->failed, 1u);
    n = row(id2);
    EXPECT_EQ(n.attempts, 2);
    EXPECT_NE(n.last_error.find("STARTTLS handshake failed"), std::string::npos) << n.last_error;
    const auto after = sink.commands();
    ASSERT_EQ(after.size(), before + 2);  // EHLO, STARTTLS; no AUTH, no MAIL
    EXPECT_EQ(after.back(), "STARTTLS");
    EXPECT_EQ(sink.messages().size(), 1u);
    (void)ids;
}

TEST_F(Notify, StartTlsRequiredButNotOffered) {
    SmtpSink sink;  // no STARTTLS
    ra::NotifyConfig c = config_with_smtp(sink.port());
    c.smtp->starttls = true;
    const auto id = enqueue({email("zhangsan@example.gov.cn", "x", "y\n")})[0];
    auto report = delivery(c).deliver_due();
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report->failed, 1u);
    EXPECT_NE(row(id).last_error.find("does not offer STARTTLS"), std::string::npos) << row(id).last_error;
    EXPECT_TRUE(sink.messages().empty());
}

TEST_F(Notify, RefusalAndOutageAreRetriedWithBackoffUntilDelivered) {
    EXPECT_EQ(ra::retry_delay(1), 30s);
    EXPECT_EQ(ra::retry_delay(2), 60s);
    EXPECT_EQ(ra::retry_delay(3), 120s);
    EXPECT_EQ(ra::retry_delay(8), 3600s);  // 30 s * 2^7 = 3840 s, capped
    EXPECT_EQ(ra::retry_delay(1000), 3600s);

    auto sink = std::make_unique<SmtpSink>();
    const std::uint16_t port = sink->port();
    sink->answer_rcpt_with(550);
    const auto id = enqueue({email("zhangsan@example.gov.cn", std::string(k_subject_zh), std::string(k_body_zh))})[0];
    const auto other = enqueue({email("lisi@example.gov.cn", "other", "other\n", "A-9")})[0];
    auto d = delivery(config_with_smtp(port));

    // 1. The server refuses the recipient (5xx): pending, attempt 1, next in 30 s.
    auto report = d.deliver_due();
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report->failed, 2u);
    auto n = row(id);
    EXPECT_EQ(n.state, NotificationState::pending);
    EXPECT_EQ(n.attempts, 1);
    EXPECT_EQ(n.next_attempt_at, k_t0 + 30s);
    EXPECT_NE(n.last_error.find("RCPT TO <zhangsan@example.gov.cn> refused (permanent): 550"), std::string::npos)
        << n.last_error;
    ASSERT_EQ(report->events.size(), 2u);
    EXPECT_EQ(report->events[0].error->code, Errc::ra_delivery_failed);
    EXPECT_EQ(report->events[0].retry_at, k_t0 + 30s);
    // Not due before its back-off.
    m_clock.advance(29s);
    report = d.deliver_due();
    ASSERT_TRUE(report.ok());
    EXPECT_TRUE(report->events.empty());

    // 2. The server is down: attempt 2, next in 60 s.
    sink.reset();
    m_clock.advance(1s);
    report = d.deliver_due();
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report->failed, 2u);
    n = row(id);
    EXPECT_EQ(n.attempts, 2);
    EXPECT_EQ(n.next_attempt_at, k_t0 + 30s + 60s);
    EXPECT_NE(n.last_error.find("cannot connect"), std::string::npos) << n.last_error;
    EXPECT_TRUE(row(other).last_error.starts_with("not attempted: ")) << row(other).last_error;

    // 3. It answers the end of DATA with 451 (temporary): attempt 3, next in 120 s.
    sink = std::make_unique<SmtpSink>(SmtpSink::Options{.port = port});
    sink->answer_data_with(451);
    m_clock.advance(60s);
    report = d.deliver_due();
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report->failed, 2u);
    n = row(id);
    EXPECT_EQ(n.attempts, 3);
    EXPECT_NE(n.last_error.find("end of message refused (temporary): 451"), std::string::npos) << n.last_error;

    // 4. It is back: delivered, with the failures on record.
    sink->answer_data_with(250);
    m_clock.advance(120s);
    report = d.deliver_due();
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report->delivered, 2u);
    n = row(id);
    EXPECT_EQ(n.state, NotificationState::delivered);
    EXPECT_EQ(n.attempts, 3);
    EXPECT_EQ(n.delivered_at, k_t0 + 210s);
    EXPECT_EQ(row(other).state, NotificationState::delivered);
    const auto got = sink->messages();
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(decode(got[0].data)["subject"], std::string(k_subject_zh));

    const auto audited = audit_records("ra.notification.deliver");
    ASSERT_EQ(audited.size(), 8u);  // 3 failures and 1 delivery each
    EXPECT_FALSE(audited[0].success);
    EXPECT_EQ(audited[0].error_code, static_cast<std::uint32_t>(Errc::ra_delivery_failed));
    EXPECT_TRUE(audited.back().success);
}

TEST_F(Notify, StalledServerTimesOut) {
    SmtpSink sink(SmtpSink::Options{.stall = true});
    ra::NotifyConfig c = config_with_smtp(sink.port());
    c.smtp->timeout = 1s;
    const auto ids = enqueue({email("zhangsan@example.gov.cn", "x", "y\n"), email("lisi@example.gov.cn", "x", "y\n"),
                              email("wangwu@example.gov.cn", "x", "y\n")});
    const auto start = std::chrono::steady_clock::now();
    auto report = delivery(c).deliver_due();
    const auto took = std::chrono::steady_clock::now() - start;
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report->failed, 3u);
    // One timeout for the round, not one per notification: the others are not attempted.
    EXPECT_LT(took, 2500ms);
    EXPECT_EQ(sink.connections(), 1u);
    EXPECT_NE(row(ids[0]).last_error.find("greeting: no answer within 1 s"), std::string::npos)
        << row(ids[0]).last_error;
    for (auto id : {ids[1], ids[2]}) {
        const auto n = row(id);
        EXPECT_TRUE(n.last_error.starts_with("not attempted: SMTP 127.0.0.1:")) << n.last_error;
        EXPECT_EQ(n.attempts, 1);
        EXPECT_EQ(n.next_attempt_at, k_t0 + 30s);
    }
}

// ---- webhooks ---------------------------------------------------------------------------------

TEST_F(Notify, WebhookReachesTheReceiverAndIsRetried) {
    Receiver receiver;
    ra::NotifyConfig c;
    c.webhooks["default"] = ra::WebhookConfig{
        .url = "http://127.0.0.1:" + std::to_string(receiver.port()) + "/yinxin/notify", .ca_file = {}, .timeout = 2s};
    const std::string body =
        R"({"event":"ra.certificate.revoked","ca":"demo-sub","serial":"3f2a01","reason":"keyCompromise","holder":"张三"})";
    receiver.answer_with(503);
    const auto id = enqueue({webhook("default", body)})[0];
    auto d = delivery(c);
    auto report = d.deliver_due();
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report->failed, 1u);
    auto n = row(id);
    EXPECT_EQ(n.state, NotificationState::pending);
    EXPECT_NE(n.last_error.find("answered HTTP 503"), std::string::npos) << n.last_error;

    receiver.answer_with(200);
    m_clock.advance(30s);
    report = d.deliver_due();
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report->delivered, 1u);
    const auto got = receiver.requests();
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[1].target, "/yinxin/notify");
    EXPECT_EQ(got[1].body, body);  // as is
    EXPECT_EQ(got[1].headers.at("Content-Type"), "application/json");
    EXPECT_EQ(got[1].headers.at("X-Yinxin-Event"), "ra.certificate.revoked");
    EXPECT_EQ(got[1].headers.at("X-Yinxin-Notification-Id"), std::to_string(id));
    EXPECT_EQ(got[1].headers.at("X-Yinxin-Object-Id"), "demo-sub:3f2a01");
    EXPECT_EQ(nlohmann::json::parse(got[1].body)["holder"], "张三");
    n = row(id);
    EXPECT_EQ(n.state, NotificationState::delivered);
    EXPECT_EQ(n.attempts, 1);

    // The receiver is gone (its socket still listens, nobody answers): a timeout, pending.
    receiver.stop();
    const auto id2 = enqueue({webhook("default", "{}", "ra.certificate.suspended")})[0];
    report = d.deliver_due();
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report->failed, 1u);
    EXPECT_NE(row(id2).last_error.find("webhook 'default'"), std::string::npos) << row(id2).last_error;
}

TEST_F(Notify, UnconfiguredChannelsStayPendingWithAClearError) {
    const auto ids = enqueue({email("zhangsan@example.gov.cn", "x", "y\n"), webhook("billing", "{}")});
    auto d = delivery(ra::NotifyConfig{});
    auto report = d.deliver_due();
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report->failed, 2u);
    EXPECT_EQ(row(ids[0]).state, NotificationState::pending);
    EXPECT_NE(row(ids[0]).last_error.find("no SMTP server is configured"), std::string::npos);
    EXPECT_NE(row(ids[1]).last_error.find("no webhook named 'billing' is configured"), std::string::npos);
    auto counts = m_outbox->counts();
    ASSERT_TRUE(counts.ok());
    EXPECT_EQ(counts->pending, 2);
    EXPECT_EQ(counts->failing, 2);
    EXPECT_EQ(counts->delivered, 0);

    // Configured later: delivered.
    SmtpSink sink;
    m_clock.advance(30s);
    report = delivery(config_with_smtp(sink.port())).deliver_due();
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report->delivered, 1u);
    EXPECT_EQ(report->failed, 1u);
    EXPECT_EQ(row(ids[0]).state, NotificationState::delivered);
    EXPECT_EQ(row(ids[1]).state, NotificationState::pending);
}

// ---- the outbox -------------------------------------------------------------------------------

TEST_F(Notify, DedupKeyAddsANotificationOnlyOnce) {
    auto first = enqueue({email("zhangsan@example.gov.cn", "到期提醒", "您的证书将于 30 天后到期。\n", "demo-sub:01",
                                "expiring:demo-sub:01:30d")});
    ASSERT_EQ(first.size(), 1u);
    EXPECT_GT(first[0], 0);
    auto second =
        enqueue({email("zhangsan@example.gov.cn", "到期提醒", "again\n", "demo-sub:01", "expiring:demo-sub:01:30d"),
                 email("zhangsan@example.gov.cn", "到期提醒", "7 天\n", "demo-sub:01", "expiring:demo-sub:01:7d"),
                 email("zhangsan@example.gov.cn", "到期提醒", "7 天 again\n", "demo-sub:01", "expiring:demo-sub:01:7d"),
                 email("zhangsan@example.gov.cn", "no key", "a\n"), email("zhangsan@example.gov.cn", "no key", "a\n")});
    ASSERT_EQ(second.size(), 5u);
    EXPECT_EQ(second[0], 0);
    EXPECT_GT(second[1], first[0]);
    EXPECT_EQ(second[2], 0);
    EXPECT_GT(second[3], 0);
    EXPECT_GT(second[4], second[3]);  // no key: no de-duplication
    ra::NotificationFilter f;
    f.object_id = "demo-sub:01";
    auto rows = m_outbox->list(f);
    ASSERT_TRUE(rows.ok());
    ASSERT_EQ(rows->size(), 2u);
    EXPECT_EQ((*rows)[0].body, "您的证书将于 30 天后到期。\n");
    EXPECT_EQ((*rows)[0].dedup_key, "expiring:demo-sub:01:30d");
    // Still once after delivery.
    ASSERT_TRUE(m_outbox->mark_delivered(first[0], k_t0).ok());
    EXPECT_EQ(enqueue({email("zhangsan@example.gov.cn", "x", "y\n", "demo-sub:01", "expiring:demo-sub:01:30d")})[0], 0);
}

TEST_F(Notify, BadInputIsRefusedAndNothingIsStored) {
    const auto good = email("zhangsan@example.gov.cn", "ok", "ok\n");
    struct Case {
        std::string what;
        NewNotification n;
    };
    std::vector<Case> cases;
    auto add = [&](std::string what, auto change) {
        NewNotification n = good;
        change(n);
        cases.push_back({std::move(what), std::move(n)});
    };
    add("event", [](NewNotification& n) { n.event = "Approved"; });
    add("event", [](NewNotification& n) { n.event = "ra..approved"; });
    add("recipient", [](NewNotification& n) { n.recipient = "张三@example.gov.cn"; });
    add("recipient", [](NewNotification& n) { n.recipient = "zhangsan@example.gov.cn\r\nRCPT TO:<x@evil>"; });
    add("recipient", [](NewNotification& n) { n.recipient = "Zhang <zhangsan@example.gov.cn>"; });
    add("recipient", [](NewNotification& n) {
        n.channel = NotifyChannel::webhook;
        n.recipient = "https://x.example/";
        n.body = "{}";
    });
    add("subject", [](NewNotification& n) { n.subject = "line\r\nBcc: victim@example.gov.cn"; });
    add("subject", [](NewNotification& n) { n.subject = std::string("\xe4\xb8", 2); });  // truncated UTF-8
    add("subject", [](NewNotification& n) { n.subject = std::string(600, 'a'); });
    add("body", [](NewNotification& n) { n.body = std::string("\xc0\xaf", 2); });  // overlong
    add("body", [](NewNotification& n) { n.body = ""; });
    add("body", [](NewNotification& n) { n.body = std::string(ra::k_max_body + 1, 'a'); });
    add("body", [](NewNotification& n) {
        n.channel = NotifyChannel::webhook;
        n.recipient = "default";
        n.body = "not json";
    });
    add("object id", [](NewNotification& n) { n.object_id = "A 1"; });
    add("dedup key", [](NewNotification& n) { n.dedup_key = std::string(300, 'k'); });
    for (const auto& c : cases) {
        const std::vector<NewNotification> batch{good, c.n};
        auto r = m_outbox->enqueue(batch, k_t0);
        ASSERT_FALSE(r.ok()) << c.what;
        EXPECT_EQ(r.code(), Errc::ra_bad_request) << c.what;
        EXPECT_NE(r.error().message.find("notification 2: notification " + c.what), std::string::npos)
            << r.error().message;
    }
    auto counts = m_outbox->counts();
    ASSERT_TRUE(counts.ok());
    EXPECT_EQ(counts->pending, 0);
    auto rows = m_outbox->list({});
    ASSERT_TRUE(rows.ok());
    EXPECT_TRUE(rows->empty());
}

TEST_F(Notify, InsertNotificationsCommitsOrRollsBackWithTheCallersTransaction) {
    auto db = store::sqlite::open_database(store_path(), 5000);
    ASSERT_TRUE(db.ok()) << db.error().to_string();
    ASSERT_TRUE(db->exec("CREATE TABLE probe_applications (id TEXT PRIMARY KEY, state TEXT NOT NULL)").ok());
    const std::vector<NewNotification> items{
        email("zhangsan@example.gov.cn", "已批准", "申请 P-1 已批准\n", "P-1"),
        webhook("default", R"({"application":"P-1","state":"approved"})", "ra.application.approved")};

    // The workflow's state change and its notifications, rolled back together.
    {
        auto tx = sqlite::Transaction::begin(*db);
        ASSERT_TRUE(tx.ok());
        ASSERT_TRUE(db->exec("INSERT INTO probe_applications VALUES ('P-1', 'approved')").ok());
        ASSERT_TRUE(store::sqlite::insert_notifications(*db, items, to_unix(k_t0)).ok());
        // No commit: the transaction ends here.
    }
    auto rows = m_outbox->list({});
    ASSERT_TRUE(rows.ok());
    EXPECT_TRUE(rows->empty());

    // ... and committed together.
    {
        auto tx = sqlite::Transaction::begin(*db);
        ASSERT_TRUE(tx.ok());
        ASSERT_TRUE(db->exec("INSERT INTO probe_applications VALUES ('P-1', 'approved')").ok());
        auto ids = store::sqlite::insert_notifications_with_ids(*db, items, to_unix(k_t0));
        ASSERT_TRUE(ids.ok()) << ids.error().to_string();
        ASSERT_EQ(ids->size(), 2u);
        // A bad item in the same transaction: refused, nothing of it inserted, the caller's work
        // and the earlier notifications untouched.
        auto bad = items;
        bad[1].body = "not json";
        auto r = store::sqlite::insert_notifications(*db, bad, to_unix(k_t0));
        EXPECT_EQ(r.code(), Errc::ra_bad_request);
        ASSERT_TRUE(tx->commit().ok());
    }
    rows = m_outbox->list({});
    ASSERT_TRUE(rows.ok());
    ASSERT_EQ(rows->size(), 2u);
    EXPECT_EQ((*rows)[0].subject, "已批准");
    EXPECT_EQ((*rows)[0].created_at, k_t0);
    EXPECT_EQ((*rows)[1].channel, NotifyChannel::webhook);
    auto st = db->prepare("SELECT COUNT(*) FROM probe_applications");
    ASSERT_TRUE(st.ok());
    ASSERT_TRUE(st->step().value());
    EXPECT_EQ(st->column_int(0), 1);

    // Outside any transaction the savepoint is a transaction of its own.
    ASSERT_TRUE(store::sqlite::insert_notifications(*db, std::span(items).subspan(0, 1), to_unix(k_t0)).ok());
    EXPECT_EQ(m_outbox->list({})->size(), 3u);
}

TEST_F(Notify, ClaimsSettlementsAndOperatorRetry) {
    const auto ids = enqueue({email("a@example.gov.cn", "1", "1\n"), email("b@example.gov.cn", "2", "2\n"),
                              email("c@example.gov.cn", "3", "3\n")});
    // A second worker does not get what the first one claimed.
    auto first = m_outbox->due(k_t0, 2);
    ASSERT_TRUE(first.ok());
    ASSERT_EQ(first->size(), 2u);
    EXPECT_EQ((*first)[0].id, ids[0]);
    auto second = m_outbox->due(k_t0, 10);
    ASSERT_TRUE(second.ok());
    ASSERT_EQ(second->size(), 1u);
    EXPECT_EQ((*second)[0].id, ids[2]);
    EXPECT_TRUE(m_outbox->due(k_t0, 10)->empty());
    // A worker that died after its claim: due again when the lease ends.
    EXPECT_TRUE(m_outbox->due(k_t0 + ra::k_claim_lease - 1s, 10)->empty());
    EXPECT_EQ(m_outbox->due(k_t0 + ra::k_claim_lease, 10)->size(), 3u);

    ASSERT_TRUE(m_outbox->mark_delivered(ids[0], k_t0).ok());
    EXPECT_EQ(m_outbox->mark_delivered(ids[0], k_t0).code(), Errc::ra_illegal_transition);
    EXPECT_EQ(m_outbox->mark_failed(ids[0], "x", k_t0).code(), Errc::ra_illegal_transition);
    EXPECT_EQ(m_outbox->retry_now(ids[0], k_t0).code(), Errc::ra_illegal_transition);
    EXPECT_EQ(m_outbox->retry_now(999, k_t0).code(), Errc::ra_not_found);
    EXPECT_EQ(m_outbox->find(999).code(), Errc::ra_not_found);
    EXPECT_EQ(m_outbox->due(k_t0, 0).code(), Errc::invalid_argument);

    ASSERT_TRUE(m_outbox->mark_failed(ids[1], "SMTP down", k_t0 + 1h).ok());
    ASSERT_TRUE(m_outbox->retry_now(ids[1], k_t0 + 1min).ok());
    auto n = row(ids[1]);
    EXPECT_EQ(n.next_attempt_at, k_t0 + 1min);
    EXPECT_EQ(n.attempts, 1);
    EXPECT_EQ(n.last_error, "SMTP down");

    ra::NotificationFilter f;
    f.state = NotificationState::pending;
    auto pending = m_outbox->list(f);
    ASSERT_TRUE(pending.ok());
    ASSERT_EQ(pending->size(), 2u);
    f.after_id = (*pending)[0].id;
    EXPECT_EQ(m_outbox->list(f)->size(), 1u);
    f = {};
    f.state = NotificationState::delivered;
    EXPECT_EQ(m_outbox->list(f)->size(), 1u);
}

TEST_F(Notify, ConfigurationIsParsedStrictly) {
    auto ok = ra::parse_notify_config(R"({
        "smtp": {"host": "smtp.example.gov.cn", "port": 587, "from": "ra@example.gov.cn", "starttls": true,
                 "ca_file": "/etc/yinxin/smtp-ca.pem", "username": "ra", "password_file": "smtp.secret",
                 "timeout_seconds": 20},
        "webhooks": {"default": {"url": "https://biz.example.gov.cn/notify", "ca_file": "biz-ca.pem",
                                 "timeout_seconds": 5},
                     "social-security": {"url": "http://127.0.0.1:9000/n"}}})");
    ASSERT_TRUE(ok.ok()) << ok.error().to_string();
    ASSERT_TRUE(ok->smtp.has_value());
    EXPECT_EQ(ok->smtp->port, 587);
    EXPECT_EQ(ok->smtp->timeout, 20s);
    EXPECT_EQ(ok->webhooks.size(), 2u);
    EXPECT_EQ(ok->webhooks.at("default").timeout, 5s);
    EXPECT_EQ(ok->webhooks.at("social-security").timeout, 10s);
    auto minimal = ra::parse_notify_config(R"({"smtp": {"host": "mail", "from": "ra@example.gov.cn"}})");
    ASSERT_TRUE(minimal.ok()) << minimal.error().to_string();
    EXPECT_TRUE(minimal->smtp->starttls);  // safe default
    EXPECT_EQ(minimal->smtp->port, 25);

    const std::vector<std::pair<std::string, std::string>> bad{
        {R"([])", "not a JSON object"},
        {R"({"smtp": {"host": "h", "from": "ra@x.cn"}, "sms": {}})", "unknown key 'sms'"},
        {R"({"smtp": {"host": "h", "from": "ra@x.cn", "tls": true}})", "unknown key 'smtp.tls'"},
        {R"({"smtp": {"host": "h", "from": "ra@x.cn", "port": 70000}})", "smtp.port"},
        {R"({"smtp": {"host": "h", "from": "ra@x.cn", "port": "25"}})", "smtp.port"},
        {R"({"smtp": {"host": "h", "from": "RA <ra@x.cn>"}})", "smtp.from"},
        {R"({"smtp": {"host": "", "from": "ra@x.cn"}})", "smtp.host"},
        {R"({"smtp": {"host": "h", "from": "ra@x.cn", "starttls": "yes"}})", "smtp.starttls"},
        {R"({"smtp": {"host": "h", "from": "ra@x.cn", "username": "ra"}})", "go together"},
        {R"({"smtp": {"host": "h", "from": "ra@x.cn", "timeout_seconds": 0}})", "smtp.timeout_seconds"},
        {R"({"webhooks": {"default": {"url": "ftp://x/"}}})", "webhooks.default.url"},
        {R"({"webhooks": {"default": {"url": "http://x/", "ca_file": "ca.pem"}}})", "webhooks.default.url"},
        {R"({"webhooks": {"default": {"url": "https://x/", "secret": "s"}}})", "unknown key 'webhooks.default.secret'"},
        {R"({"webhooks": {"bad name": {"url": "https://x/"}}})", "webhook name"},
        {R"({"webhooks": ["https://x/"]})", "'webhooks' must be an object"},
    };
    for (const auto& [text, what] : bad) {
        auto r = ra::parse_notify_config(text);
        ASSERT_FALSE(r.ok()) << text;
        EXPECT_EQ(r.code(), Errc::ra_bad_request) << text;
        EXPECT_NE(r.error().message.find(what), std::string::npos) << text << " → " << r.error().message;
    }

    // Files: a missing one configures nothing; relative names are relative to the file.
    auto none = ra::load_notify_config(m_dir.file("absent.json"));
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none->smtp.has_value());
    EXPECT_TRUE(none->webhooks.empty());
    write_file(
        m_dir / "notify.json",
        R"({"smtp": {"host": "127.0.0.1", "from": "ra@x.cn", "username": "ra", "password_file": "smtp.secret"}})");
    auto unreadable = ra::load_notify_config(m_dir.file("notify.json"));
    EXPECT_EQ(unreadable.code(), Errc::ra_bad_request);
    write_file(m_dir / "smtp.secret", "pw\n");
    auto loaded = ra::load_notify_config(m_dir.file("notify.json"));
    ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
    EXPECT_EQ(loaded->smtp->password_file, m_dir.file("smtp.secret"));
}

// ---- the command line -------------------------------------------------------------------------

ProcessResult yinxin_cli(std::vector<std::string> args) {
    args.insert(args.begin(), std::string(k_yinxin_cli));
    return run_process(args);
}

TEST_F(Notify, CliListRunRetryAndCheck) {
    const std::string dir = m_dir.str();
    std::uint16_t port = 0;
    {
        SmtpSink probe;  // a free port, with nobody listening on it afterwards
        port = probe.port();
    }
    write_file(m_dir / "notify.json", R"({"smtp": {"host": "127.0.0.1", "port": )" + std::to_string(port) +
                                          R"(, "from": "ra@yinxin.example.gov.cn", "starttls": false,
                                              "timeout_seconds": 5}})");
    SystemClock system;
    auto ids = m_outbox->enqueue(std::vector<NewNotification>{email("zhangsan@example.gov.cn",
                                                                    std::string(k_subject_zh), std::string(k_body_zh))},
                                 system.now());
    ASSERT_TRUE(ids.ok());
    const std::int64_t id = (*ids)[0];

    auto r = yinxin_cli({"notify", "check", "--data-dir", dir});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("smtp: 127.0.0.1:" + std::to_string(port)), std::string::npos) << r.output;

    // The mail server is down: exit 1, the notification waits with its error.
    r = yinxin_cli({"notify", "run", "--once", "--data-dir", dir});
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("ra.delivery_failed"), std::string::npos) << r.output;
    r = yinxin_cli({"notify", "list", "--state", "pending", "--json", "--data-dir", dir});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    auto list = nlohmann::json::parse(r.output);
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0]["id"], id);
    EXPECT_EQ(list[0]["attempts"], 1);
    EXPECT_EQ(list[0]["subject"], std::string(k_subject_zh));
    EXPECT_NE(list[0]["last_error"].get<std::string>().find("cannot connect"), std::string::npos);

    // Back, but the notification waits for its back-off until an operator retries it.
    SmtpSink sink(SmtpSink::Options{.port = port});
    r = yinxin_cli({"notify", "run", "--once", "--data-dir", dir});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("nothing due"), std::string::npos) << r.output;
    EXPECT_TRUE(sink.messages().empty());
    r = yinxin_cli({"notify", "retry", std::to_string(id), "--data-dir", dir});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = yinxin_cli({"notify", "run", "--once", "--json", "--data-dir", dir});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(nlohmann::json::parse(r.output)["delivered"], 1);
    ASSERT_EQ(sink.messages().size(), 1u);
    EXPECT_EQ(decode(sink.messages()[0].data)["body"], std::string(k_body_zh));

    r = yinxin_cli({"notify", "list", "--state", "delivered", "--json", "--data-dir", dir});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    list = nlohmann::json::parse(r.output);
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0]["state"], "delivered");
    r = yinxin_cli({"notify", "show", std::to_string(id), "--data-dir", dir});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("请携带有效身份证件"), std::string::npos) << r.output;
    r = yinxin_cli({"notify", "list", "--data-dir", dir});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("0 pending (0 failing), 1 delivered"), std::string::npos) << r.output;

    // Retrying a delivered one is refused (and audited as a failure).
    r = yinxin_cli({"notify", "retry", std::to_string(id), "--data-dir", dir});
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("ra.illegal_transition"), std::string::npos) << r.output;

    // A bad configuration is refused before anything is sent.
    write_file(m_dir / "notify.json", R"({"smtp": {"host": "127.0.0.1", "from": "ra@x.cn", "tls": true}})");
    r = yinxin_cli({"notify", "run", "--once", "--data-dir", dir});
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("unknown key 'smtp.tls'"), std::string::npos) << r.output;

    const auto retries = audit_records("ra.notification.retry");
    ASSERT_EQ(retries.size(), 2u);
    EXPECT_TRUE(retries[0].success);
    EXPECT_FALSE(retries[1].success);
    EXPECT_EQ(audit_records("ra.notification.deliver").size(), 2u);  // the failure and the delivery
}

TEST_F(Notify, BackgroundWorkerDeliversWhatIsEnqueued) {
    SmtpSink sink;
    Receiver receiver;
    write_file(m_dir / "notify.json", R"({"smtp": {"host": "127.0.0.1", "port": )" + std::to_string(sink.port()) +
                                          R"(, "from": "ra@yinxin.example.gov.cn", "starttls": false},
                      "webhooks": {"default": {"url": "http://127.0.0.1:)" +
                                          std::to_string(receiver.port()) + R"(/hook"}}})");
    std::vector<std::string> argv{
        std::string(k_yinxin_cli), "notify", "run", "--interval", "1", "--data-dir", m_dir.str()};
    int fd = -1;
    std::string error;
    const pid_t pid = spawn_process(argv, &fd, &error);
    ASSERT_GT(pid, 0) << error;

    SystemClock system;
    ASSERT_TRUE(
        m_outbox
            ->enqueue(std::vector<NewNotification>{email("zhangsan@example.gov.cn", "签发通知", "证书已签发。\n"),
                                                   webhook("default", R"({"serial":"01"})")},
                      system.now())
            .ok());
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while ((sink.messages().empty() || receiver.requests().empty()) && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(100ms);
    ::kill(pid, SIGTERM);
    std::string output;
    char buf[4096];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) output.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    EXPECT_EQ(wait_exit_code(pid), 0) << output;
    ASSERT_EQ(sink.messages().size(), 1u) << output;
    EXPECT_EQ(decode(sink.messages()[0].data)["subject"], "签发通知");
    ASSERT_EQ(receiver.requests().size(), 1u) << output;
    EXPECT_EQ(receiver.requests()[0].body, R"({"serial":"01"})");
    auto counts = m_outbox->counts();
    ASSERT_TRUE(counts.ok());
    EXPECT_EQ(counts->delivered, 2);
    EXPECT_EQ(audit_records("ra.notification.deliver").size(), 2u);
    EXPECT_EQ(audit_records("ra.notification.deliver")[0].actor, "system");
}

}  // namespace
}  // namespace yinxin::test
