#include "yinxin/publish/publisher.h"

#include <algorithm>
#include <limits>
#include <memory>

#include "yinxin/publish/callback.h"
#include "yinxin/publish/ldap.h"
#include "yinxin/x509/certificate.h"

namespace yinxin::publish {

namespace {

constexpr std::size_t k_batch = 100;

struct Outcome {
    bool skipped = false;
    std::string detail;  // what was done, or why it was skipped
};

// One target's transport for one round.
class Channel {
public:
    virtual ~Channel() = default;
    virtual Result<Outcome> deliver(const QueueItem& item, const PublishObject& object) = 0;
};

bool is_ca_certificate(const x509::Certificate& c) {
    const auto& bc = c.extensions().basic_constraints();
    return bc && bc->ca;
}

constexpr std::string_view k_ca_skip =
    "a CA certificate: its CA's own row publishes it (cACertificate;binary, business type ca_certificate)";

Outcome skipped(std::string why) { return Outcome{true, std::move(why)}; }

class LdapChannel final : public Channel {
public:
    explicit LdapChannel(LdapConfig config) : m_config(std::move(config)) {}

    Result<Outcome> deliver(const QueueItem&, const PublishObject& object) override {
        // A certificate names its holder's entry; a CA certificate and a CRL the CA's entry.
        const bool holder = object.kind == ObjectKind::certificate;
        YX_ASSIGN_OR_RETURN(x509::Certificate subject_cert,
                            x509::Certificate::parse(holder ? object.der : object.ca_certificate_der));
        if (holder) {
            // Issue 6: certificates of holders who opted out are not listed.
            if (object.opted_out) return skipped("the holder opted out of directory publication");
            if (is_ca_certificate(subject_cert)) return skipped(std::string(k_ca_skip));
        }
        auto dn = entry_dn(subject_cert.subject(), m_config.base_dn);
        if (!dn) {
            if (dn.code() == Errc::publish_unsupported_name) return skipped(dn.error().to_string());
            return std::move(dn).error();
        }
        YX_ASSIGN_OR_RETURN(std::string entry, dn_string(*dn));
        if (!m_directory) {
            YX_ASSIGN_OR_RETURN(m_directory, LdapDirectory::connect(m_config));
        }
        std::string attribute;
        Status s;
        switch (object.kind) {
            case ObjectKind::certificate:
                attribute = "userCertificate;binary";
                s = m_directory->publish_certificate(subject_cert);
                break;
            case ObjectKind::ca_certificate:
                attribute = "cACertificate;binary";
                s = m_directory->publish_ca_certificate(subject_cert);
                break;
            case ObjectKind::crl:
                attribute = object.scope == ca::CrlScope::delta ? "deltaRevocationList;binary"
                            : object.scope == ca::CrlScope::arl ? "authorityRevocationList;binary"
                                                                : "certificateRevocationList;binary";
                s = m_directory->publish_crl(subject_cert, object.scope, object.der);
                break;
        }
        if (!s.ok()) {
            if (s.code() == Errc::publish_unsupported_name) return skipped(s.error().to_string());
            if (s.code() == Errc::publish_unreachable) m_directory.reset();
            return std::move(s).error();
        }
        return Outcome{false, attribute + " of " + entry + " at " + m_config.url};
    }

private:
    LdapConfig m_config;
    std::unique_ptr<LdapDirectory> m_directory;
};

class CallbackChannel final : public Channel {
public:
    CallbackChannel(CallbackConfig config, ca::CaRegistry& cas, const ca::KeyResolver& keys, const Clock& clock)
        : m_config(std::move(config)), m_cas(cas), m_keys(keys), m_clock(clock) {}

    Result<Outcome> deliver(const QueueItem& item, const PublishObject& object) override {
        if (object.kind == ObjectKind::certificate) {
            YX_ASSIGN_OR_RETURN(x509::Certificate cert, x509::Certificate::parse(object.der));
            if (is_ca_certificate(cert)) return skipped(std::string(k_ca_skip));
        }
        // The CA whose object it is signs: the receiver pins that CA's certificate.
        YX_ASSIGN_OR_RETURN(ca::CaRecord ca, m_cas.get_ca(object.ca_id));
        YX_ASSIGN_OR_RETURN(ca::SigningKey key, m_keys(ca));
        YX_ASSIGN_OR_RETURN(CallbackRequest request,
                            sign_callback(callback_body(item, object, m_clock.now()), key, ca.certificate_der));
        request.headers.emplace_back(k_header_delivery, std::to_string(item.id));
        YX_ASSIGN_OR_RETURN(HttpAnswer answer, post_callback(m_config, request));
        if (answer.status < 200 || answer.status > 299) {
            std::string excerpt = answer.body.substr(0, 200);
            std::replace_if(
                excerpt.begin(), excerpt.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
            return make_error(Errc::publish_rejected, "POST " + m_config.url + ": HTTP " +
                                                          std::to_string(answer.status) +
                                                          (excerpt.empty() ? "" : ": " + excerpt));
        }
        return Outcome{false, "POST " + m_config.url + ": HTTP " + std::to_string(answer.status)};
    }

private:
    CallbackConfig m_config;
    ca::CaRegistry& m_cas;
    const ca::KeyResolver& m_keys;
    const Clock& m_clock;
};

std::string describe(const QueueItem& item, const PublishObject* object) {
    std::string s(object_kind_name(item.object_kind));
    s += " " + item.ca_id;
    if (object == nullptr) return s;
    if (object->kind == ObjectKind::certificate) {
        s += ":" + hex_encode(object->serial);
    } else if (object->kind == ObjectKind::crl) {
        s += " #" + std::to_string(object->crl_number) + " (" + std::string(ca::crl_scope_name(object->scope)) + ")";
    }
    return s;
}

}  // namespace

audit::AuditEvent audit_event_of(const PublishEvent& e, const std::string& source, const std::string& actor) {
    audit::AuditEvent a;
    a.time = e.at;
    a.source = source;
    a.actor = actor;
    a.action = e.action;
    a.target = e.target_id + " #" + std::to_string(e.item_id) + " " + e.object;
    a.detail = e.detail;
    a.success = e.success;
    if (!e.success) a.error_code = static_cast<std::uint32_t>(e.error);
    return a;
}

std::chrono::seconds backoff_delay(std::int64_t attempts, const PublisherOptions& options) {
    const std::int64_t shift = std::clamp<std::int64_t>(attempts - 1, 0, 30);
    const std::int64_t base = std::max<std::int64_t>(options.backoff_base.count(), 1);
    const std::int64_t cap = std::max<std::int64_t>(options.backoff_cap.count(), base);
    if (base > (cap >> shift)) return std::chrono::seconds(cap);
    return std::chrono::seconds(std::min(cap, base << shift));
}

std::size_t RoundReport::delivered() const {
    std::size_t n = 0;
    for (const auto& t : targets) n += t.delivered;
    return n;
}
std::size_t RoundReport::failed() const {
    return static_cast<std::size_t>(
        std::count_if(targets.begin(), targets.end(), [](const TargetReport& t) { return t.failure.has_value(); }));
}

Publisher::Publisher(PublicationQueue& queue, ca::CaRegistry& cas, const Clock& clock, PublishEventSink events,
                     PublisherOptions options)
    : m_queue(queue), m_cas(cas), m_clock(clock), m_events(std::move(events)), m_options(std::move(options)) {}

Result<RoundReport> Publisher::run_once(bool ignore_backoff) {
    YX_ASSIGN_OR_RETURN(std::vector<Target> targets, m_queue.list_targets());
    RoundReport report;
    for (const auto& t : targets) {
        if (!t.enabled) continue;
        report.targets.push_back(run_target(t, ignore_backoff));
    }
    return report;
}

TargetReport Publisher::run_target(const Target& target, bool ignore_backoff) {
    TargetReport rep;
    rep.target_id = target.id;
    rep.kind = target.kind;
    const std::string action = target.kind == TargetKind::ldap ? "publish.ldap" : "publish.callback";
    auto emit = [&](const QueueItem& item, const PublishObject* object, std::string_view suffix, const Error* error,
                    std::string detail) {
        if (!m_events) return;
        PublishEvent ev;
        ev.action = action + std::string(suffix);
        ev.target_id = target.id;
        ev.item_id = item.id;
        ev.object = describe(item, object);
        ev.success = error == nullptr;
        if (error != nullptr) {
            ev.error = error->code;
            detail += (detail.empty() ? "" : "; ") + error->to_string();
        }
        ev.detail = std::move(detail);
        ev.at = m_clock.now();
        m_events(ev);
    };
    if (target.kind == TargetKind::callback && !m_options.keys) {
        rep.waiting_for_key = true;
        return rep;
    }

    std::unique_ptr<Channel> channel;
    std::optional<Error> config_error;
    if (target.kind == TargetKind::ldap) {
        auto c = parse_ldap_config(target.config);
        if (c)
            channel = std::make_unique<LdapChannel>(std::move(c).value());
        else
            config_error = c.error();
    } else {
        auto c = parse_callback_config(target.config);
        if (c)
            channel = std::make_unique<CallbackChannel>(std::move(c).value(), m_cas, m_options.keys, m_clock);
        else
            config_error = c.error();
    }

    std::size_t handled = 0;
    while (handled < m_options.max_per_round) {
        const std::int64_t now = ignore_backoff ? std::numeric_limits<std::int64_t>::max() : to_unix(m_clock.now());
        auto items = m_queue.next_due(target.id, now, std::min(k_batch, m_options.max_per_round - handled));
        if (!items) {
            rep.failure = items.error();
            return rep;
        }
        if (items->empty()) return rep;
        for (const QueueItem& item : *items) {
            ++handled;
            Result<Outcome> outcome = config_error ? Result<Outcome>(*config_error) : Result<Outcome>(Outcome{});
            std::optional<PublishObject> object;
            if (!config_error) {
                auto loaded = m_queue.load(item);
                if (loaded) {
                    object = std::move(loaded).value();
                    outcome = channel->deliver(item, *object);
                } else {
                    outcome = std::move(loaded).error();
                }
            }
            const std::int64_t t = to_unix(m_clock.now());
            const PublishObject* obj = object ? &*object : nullptr;
            if (outcome.ok() && !outcome->skipped) {
                if (auto s = m_queue.mark_done(item.id, t); !s.ok()) {
                    rep.failure = s.error();
                    return rep;
                }
                ++rep.delivered;
                emit(item, obj, "", nullptr, outcome->detail);
                continue;
            }
            if (outcome.ok()) {
                if (auto s = m_queue.mark_skipped(item.id, outcome->detail, t); !s.ok()) {
                    rep.failure = s.error();
                    return rep;
                }
                ++rep.skipped;
                emit(item, obj, ".skipped", nullptr, outcome->detail);
                continue;
            }
            // The first failure stops the target for this round: nothing overtakes this row.
            const Error& e = outcome.error();
            const std::int64_t next = t + backoff_delay(item.attempts + 1, m_options).count();
            const Status marked = m_queue.mark_failed(item.id, e.to_string(), next);
            rep.failure = e;
            rep.failed_item = item.id;
            emit(item, obj, ".failed", &e,
                 "attempt " + std::to_string(item.attempts + 1) + ", next at " + format_rfc3339(from_unix(next)));
            if (!marked.ok()) rep.failure = marked.error();
            return rep;
        }
    }
    return rep;
}

}  // namespace yinxin::publish
