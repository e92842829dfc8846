// Migration 13: the key management centre (yinxin/kmc/store.h; LD/T 03-2022 §6.3 a, §6.4.5).
// - kmc_keys: one row per escrowed encryption key pair, unique per (CA, certificate number).
//   `escrow` is the scalar SM2-encrypted to the device's escrow key, never the key itself; a purged
//   key keeps its row (a tombstone, escrow NULL) so a certificate number is never reused.
// - kmc_pool: pre-generated key pairs (escrowed the same way) not given to anybody yet.
// - kmc_tasks: every answered CA task (taskNO per CA) with the request's SM3 and the signed answer.
// - kmc_recoveries: holder and judicial recoveries with their two-person approval; at most one open
//   (pending or approved) recovery per key (partial unique index).
// Times are unix seconds.
#pragma once

#include <string_view>

namespace yinxin::store::sqlite::migrations {

inline constexpr std::string_view k_0013_kmc = R"sql(
CREATE TABLE kmc_keys (
    key_id          TEXT PRIMARY KEY,
    ca_id           TEXT NOT NULL,
    cert_no         TEXT NOT NULL CHECK (length(cert_no) > 0 AND cert_no NOT GLOB '*[^0-9a-f]*'),
    public_key      BLOB NOT NULL,
    escrow          BLOB,
    user_public_key BLOB NOT NULL,
    user_name       TEXT NOT NULL,
    not_before      INTEGER NOT NULL,
    not_after       INTEGER NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('active', 'revoked', 'archived', 'purged')),
    task_no         INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    escrowed_at     INTEGER NOT NULL,
    revoked_at      INTEGER,
    archived_at     INTEGER,
    purged_at       INTEGER,
    UNIQUE (ca_id, cert_no),
    CHECK ((state = 'purged') = (escrow IS NULL))
);
CREATE INDEX kmc_keys_expiry ON kmc_keys (state, not_after);

CREATE TABLE kmc_pool (
    key_id     TEXT PRIMARY KEY,
    public_key BLOB NOT NULL,
    escrow     BLOB NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE kmc_tasks (
    ca_id       TEXT NOT NULL,
    task_no     INTEGER NOT NULL,
    request_sm3 BLOB NOT NULL,
    response    BLOB NOT NULL,
    at          INTEGER NOT NULL,
    PRIMARY KEY (ca_id, task_no)
);

CREATE TABLE kmc_recoveries (
    id                  TEXT PRIMARY KEY,
    kind                TEXT NOT NULL CHECK (kind IN ('holder', 'judicial')),
    ra_request_id       TEXT NOT NULL,
    org_node            TEXT NOT NULL,
    ca_id               TEXT NOT NULL,
    cert_no             TEXT NOT NULL,
    key_id              TEXT NOT NULL REFERENCES kmc_keys (key_id),
    target_public_key   BLOB NOT NULL,
    case_reference      TEXT NOT NULL,
    officer_certificate BLOB,
    officer_chain       BLOB,
    officer_signature   BLOB,
    approval_id         TEXT NOT NULL,
    state               TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'completed', 'rejected')),
    requested_by        TEXT NOT NULL,
    requested_at        INTEGER NOT NULL,
    decided_by          TEXT,
    decided_at          INTEGER,
    reason              TEXT,
    completed_by        TEXT,
    completed_at        INTEGER,
    output_sm3          BLOB,
    CHECK ((state = 'completed') = (completed_at IS NOT NULL))
);
CREATE UNIQUE INDEX kmc_recoveries_open ON kmc_recoveries (key_id) WHERE state IN ('pending', 'approved');
CREATE INDEX kmc_recoveries_key ON kmc_recoveries (ca_id, cert_no, state);
)sql";

}  // namespace yinxin::store::sqlite::migrations
