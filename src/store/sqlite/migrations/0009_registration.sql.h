// Migration 9: registration requests of LD/T 03-2022 §6.4 (include/yinxin/ra/application.h) and
// the history of their transitions. A request row changes only by compare-and-set on `version`;
// each transition appends one ra_request_events row in the same transaction.
#pragma once

#include <string_view>

namespace yinxin::store::sqlite::migrations {

inline constexpr std::string_view k_0009_registration = R"sql(
CREATE TABLE ra_requests (
    id                TEXT PRIMARY KEY,
    kind              TEXT NOT NULL CHECK (kind IN ('issue', 'renewal', 'change', 'revocation', 'suspension',
                                                    'unsuspension', 'key_recovery', 'judicial_recovery')),
    state             TEXT NOT NULL CHECK (state IN ('submitted', 'approved', 'reviewed', 'completed', 'delivered',
                                                     'rejected')),
    subject_kind      TEXT NOT NULL CHECK (subject_kind IN ('person', 'organisation', 'device', 'carrier')),
    form_json         TEXT NOT NULL,
    region            TEXT NOT NULL,
    email             TEXT NOT NULL,
    org_node          TEXT NOT NULL,
    ca_id             TEXT NOT NULL,
    profile_id        TEXT NOT NULL,
    csr_der           BLOB,
    target            TEXT NOT NULL,
    revocation_reason INTEGER NOT NULL,
    validity_days     INTEGER NOT NULL,
    challenge_salt    BLOB,
    challenge_hash    BLOB,
    self_service      INTEGER NOT NULL,
    submitted_by      TEXT NOT NULL,
    submitted_at      INTEGER NOT NULL,
    decision_due      INTEGER NOT NULL,
    approved_by       TEXT NOT NULL,
    approved_at       INTEGER,
    reviewed_by       TEXT NOT NULL,
    reviewed_at       INTEGER,
    rejected_by       TEXT NOT NULL,
    reject_reason     TEXT NOT NULL,
    rejected_at       INTEGER,
    result            TEXT NOT NULL,
    completed_at      INTEGER,
    delivery          TEXT CHECK (delivery IN ('mail', 'courier', 'collection', 'online')),
    delivered_by      TEXT NOT NULL,
    received_by       TEXT NOT NULL,
    delivered_at      INTEGER,
    carrier_no        TEXT NOT NULL,
    version           INTEGER NOT NULL,
    CHECK ((state = 'rejected') = (rejected_at IS NOT NULL)),
    CHECK ((state IN ('completed', 'delivered')) = (completed_at IS NOT NULL)),
    CHECK ((state = 'delivered') = (delivered_at IS NOT NULL))
);
CREATE INDEX ra_requests_open ON ra_requests (decision_due) WHERE state IN ('submitted', 'approved', 'reviewed');
CREATE INDEX ra_requests_node ON ra_requests (org_node, id);
CREATE INDEX ra_requests_result ON ra_requests (result) WHERE result <> '';

CREATE TABLE ra_request_events (
    seq        INTEGER PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES ra_requests (id),
    at         INTEGER NOT NULL,
    actor      TEXT NOT NULL,
    role       TEXT NOT NULL,
    action     TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state   TEXT NOT NULL,
    signature  TEXT NOT NULL,
    detail     TEXT NOT NULL
);
CREATE INDEX ra_request_events_request ON ra_request_events (request_id, seq);
)sql";

}  // namespace yinxin::store::sqlite::migrations
