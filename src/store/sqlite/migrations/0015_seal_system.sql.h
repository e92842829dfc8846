// Migration 15: the seal making and status publishing systems (yinxin/sealsys/registry.h;
// LD/T 01.1-2022 §7.5-§7.10, §6).
// - seal_applications: §7.5 applications (form as JSON, the picture apart) and their decisions.
// - seal_materials: the files of Tables 1-6, by owner (application or lifecycle request) and position.
// - seal_code_sequences: the last 8-digit sequence used per division code (industry seal codes,
//   allocated in the transaction that inserts the seal row).
// - seals: one row per seal code; `pending` while the certificate and SES_Seal are being made.
//   One seal per application (unique application_id).
// - seal_lifecycle_requests: change, loss, cancel, renew, replace; at most one open (submitted or
//   approved) request per seal (partial unique index).
// - seal_status_events: every status change (made, renewed, lost, cancelled); its newest id is the
//   version of the published revocation list.
// - seal_system_signers: the seal-maker-system and seal-status-system device keys and certificates.
// Times are unix seconds.
#pragma once

#include <string_view>

namespace yinxin::store::sqlite::migrations {

inline constexpr std::string_view k_0015_seal_system = R"sql(
CREATE TABLE seal_applications (
    id                 TEXT PRIMARY KEY,
    org_node           TEXT NOT NULL,
    state              TEXT NOT NULL CHECK (state IN ('submitted', 'approved', 'rejected', 'made', 'delivered')),
    form               TEXT NOT NULL,
    picture            BLOB NOT NULL,
    scope              TEXT NOT NULL CHECK (scope IN ('industry', 'cross_industry')),
    delivery           TEXT NOT NULL CHECK (delivery IN ('token', 'central')),
    csr                BLOB,
    validity_days      INTEGER NOT NULL,
    materials          TEXT NOT NULL,
    submitted_by       TEXT NOT NULL,
    submitted_at       INTEGER NOT NULL,
    approved_by        TEXT,
    approved_at        INTEGER,
    approval_signature TEXT,
    rejected_by        TEXT,
    rejected_at        INTEGER,
    reject_reason      TEXT,
    reject_signature   TEXT,
    made_by            TEXT,
    made_at            INTEGER,
    seal_code          TEXT,
    delivered_by       TEXT,
    delivered_at       INTEGER,
    received_by        TEXT,
    origin_request     TEXT,
    replaces           TEXT,
    CHECK (state NOT IN ('made', 'delivered') OR seal_code IS NOT NULL)
);
CREATE INDEX seal_applications_node ON seal_applications (org_node, id);

CREATE TABLE seal_materials (
    owner_id TEXT NOT NULL,
    idx      INTEGER NOT NULL,
    kind     TEXT NOT NULL,
    name     TEXT NOT NULL,
    sm3      BLOB NOT NULL CHECK (length(sm3) = 32),
    content  BLOB NOT NULL,
    PRIMARY KEY (owner_id, idx)
);

CREATE TABLE seal_code_sequences (
    division TEXT PRIMARY KEY CHECK (length(division) = 6 AND division NOT GLOB '*[^0-9]*'),
    last     INTEGER NOT NULL CHECK (last BETWEEN 1 AND 99999999)
);

CREATE TABLE seals (
    seal_code        TEXT PRIMARY KEY CHECK (length(seal_code) = 14 AND seal_code NOT GLOB '*[^0-9]*'),
    application_id   TEXT NOT NULL UNIQUE REFERENCES seal_applications (id),
    org_node         TEXT NOT NULL,
    credit_code      TEXT NOT NULL,
    division_code    TEXT NOT NULL,
    unit_name        TEXT NOT NULL,
    seal_name        TEXT NOT NULL,
    seal_type        INTEGER NOT NULL,
    delivery         TEXT NOT NULL CHECK (delivery IN ('token', 'central')),
    scope            TEXT NOT NULL CHECK (scope IN ('industry', 'cross_industry')),
    state            TEXT NOT NULL CHECK (state IN ('pending', 'valid', 'lost', 'cancelled')),
    ca_id            TEXT NOT NULL,
    serial           TEXT,
    certificate      BLOB,
    ses_seal         BLOB,
    device_key_label TEXT,
    valid_from       INTEGER,
    valid_to         INTEGER,
    generation       INTEGER NOT NULL,
    made_by          TEXT NOT NULL,
    made_at          INTEGER NOT NULL,
    changed_at       INTEGER NOT NULL,
    state_reason     TEXT,
    replaces         TEXT,
    filing_ref       TEXT,
    CHECK (state = 'pending' OR (certificate IS NOT NULL AND ses_seal IS NOT NULL AND serial IS NOT NULL))
);
CREATE INDEX seals_node ON seals (org_node, seal_code);
CREATE INDEX seals_revoked ON seals (seal_code) WHERE state IN ('lost', 'cancelled');
CREATE INDEX seals_replaces ON seals (replaces) WHERE replaces IS NOT NULL;

CREATE TABLE seal_lifecycle_requests (
    id                 TEXT PRIMARY KEY,
    kind               TEXT NOT NULL CHECK (kind IN ('change', 'loss', 'cancel', 'renew', 'replace')),
    seal_code          TEXT NOT NULL REFERENCES seals (seal_code),
    org_node           TEXT NOT NULL,
    state              TEXT NOT NULL CHECK (state IN ('submitted', 'approved', 'rejected', 'completed')),
    reason             TEXT NOT NULL,
    materials          TEXT NOT NULL,
    new_form           TEXT,
    new_picture        BLOB,
    csr                BLOB,
    validity_days      INTEGER NOT NULL,
    online             INTEGER NOT NULL CHECK (online IN (0, 1)),
    submitted_by       TEXT NOT NULL,
    submitted_at       INTEGER NOT NULL,
    approved_by        TEXT,
    approved_at        INTEGER,
    approval_signature TEXT,
    rejected_by        TEXT,
    rejected_at        INTEGER,
    reject_reason      TEXT,
    reject_signature   TEXT,
    completed_by       TEXT,
    completed_at       INTEGER,
    result             TEXT
);
CREATE UNIQUE INDEX seal_lifecycle_open ON seal_lifecycle_requests (seal_code)
    WHERE state IN ('submitted', 'approved');
CREATE INDEX seal_lifecycle_node ON seal_lifecycle_requests (org_node, id);

CREATE TABLE seal_status_events (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    seal_code TEXT NOT NULL REFERENCES seals (seal_code),
    state     TEXT NOT NULL CHECK (state IN ('valid', 'lost', 'cancelled')),
    at        INTEGER NOT NULL,
    reason    TEXT NOT NULL
);
CREATE INDEX seal_status_events_seal ON seal_status_events (seal_code, id);

CREATE TABLE seal_system_signers (
    role        TEXT PRIMARY KEY CHECK (role IN ('maker', 'status')),
    key_label   TEXT NOT NULL,
    certificate BLOB NOT NULL,
    created_at  INTEGER NOT NULL
);
)sql";

}  // namespace yinxin::store::sqlite::migrations
