// The publication worker: takes the due rows of each target from the queue (queue.h) in order and
// delivers them to LDAP directories (ldap.h) and business systems (callback.h).
//
// Per target and round: the oldest pending rows in id order; each is delivered and marked done,
// or marked skipped with the reason (a holder who opted out of the directory; a CA certificate
// issued by a parent, which its own CA row publishes as cACertificate; a subject that cannot name
// a directory entry). On the first failure the row gets attempts + 1, the error and a next
// attempt after an exponential back-off (base · 2^(attempts-1), capped), and the target stops for
// this round: nothing overtakes it, so a directory receives CRL n before CRL n+1. A directory
// that is down for a day loses nothing; its rows wait and go out in order when it is back.
//
// Every delivery, skip and failure is reported as a PublishEvent for the audit log ("publish.ldap",
// "publish.callback", with ".skipped" and ".failed").
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "yinxin/audit/audit.h"
#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/ca/issuer.h"
#include "yinxin/ca/store.h"
#include "yinxin/publish/queue.h"

namespace yinxin::publish {

struct PublishEvent {
    // "publish.ldap", "publish.callback", "publish.ldap.skipped", "publish.callback.failed", ...
    std::string action;
    std::string target_id;
    std::int64_t item_id = 0;
    std::string object;  // "certificate demo-sub:3f0a...", "crl demo-sub #12 (full)", "ca_certificate demo-root"
    bool success = true;
    Errc error = Errc::ok;
    std::string detail;
    TimePoint at{};
};
using PublishEventSink = std::function<void(const PublishEvent&)>;

// The audit record of an event: actor `actor`, source `source` (the publisher runs unattended:
// "system" from "serve", or the operator's "cli:<login>" for `yinxin publish run`).
audit::AuditEvent audit_event_of(const PublishEvent& e, const std::string& source, const std::string& actor);

struct PublisherOptions {
    std::chrono::seconds backoff_base{5};
    std::chrono::seconds backoff_cap{std::chrono::minutes(5)};
    // Rows per target and round, so one long queue does not hold up the others.
    std::size_t max_per_round = 10'000;
    // Signs callbacks with the CA keys. Empty: callback targets wait for a process that holds the
    // keys (they are reported as waiting, their rows stay untouched).
    ca::KeyResolver keys;
};

// The delay before the next attempt after `attempts` failures (1, 2, ...).
std::chrono::seconds backoff_delay(std::int64_t attempts, const PublisherOptions& options);

struct TargetReport {
    std::string target_id;
    TargetKind kind = TargetKind::ldap;
    std::size_t delivered = 0;
    std::size_t skipped = 0;
    std::optional<Error> failure;  // the failure that stopped the target this round
    std::int64_t failed_item = 0;
    bool waiting_for_key = false;  // a callback target without PublisherOptions::keys
};

struct RoundReport {
    std::vector<TargetReport> targets;
    std::size_t delivered() const;
    std::size_t failed() const;
};

class Publisher {
public:
    Publisher(PublicationQueue& queue, ca::CaRegistry& cas, const Clock& clock, PublishEventSink events,
              PublisherOptions options = {});

    // One round over every enabled target. `ignore_backoff`: rows waiting for their next attempt
    // are due now (an operator who knows the directory is back). The outer error is the store's
    // (the queue cannot be read); delivery failures are in the report and the rows.
    Result<RoundReport> run_once(bool ignore_backoff = false);

private:
    TargetReport run_target(const Target& target, bool ignore_backoff);

    PublicationQueue& m_queue;
    ca::CaRegistry& m_cas;
    const Clock& m_clock;
    PublishEventSink m_events;
    PublisherOptions m_options;
};

}  // namespace yinxin::publish
