// Migration 3: the auth module (yinxin/auth/store.h): the RA organisation tree with sponsored
// acceptance-point quotas, staff with their password hashes and history, sessions (only the SM3
// hash of a token) and two-person approvals. Times are Unix seconds.
#pragma once

#include <string_view>

namespace yinxin::store::sqlite::migrations {

inline constexpr std::string_view k_0003_auth = R"sql(
CREATE TABLE auth_org_nodes (
    id              TEXT PRIMARY KEY,
    parent_id       TEXT REFERENCES auth_org_nodes (id),
    kind            TEXT NOT NULL CHECK (kind IN ('ra', 'branch', 'acceptance_point')),
    name            TEXT NOT NULL,
    sponsored       INTEGER NOT NULL CHECK (sponsored IN (0, 1)),
    quota_remaining INTEGER NOT NULL CHECK (quota_remaining >= 0),
    created_at      INTEGER NOT NULL
);
CREATE INDEX auth_org_nodes_parent ON auth_org_nodes (parent_id);

CREATE TABLE auth_staff (
    id                   TEXT PRIMARY KEY,
    display_name         TEXT NOT NULL,
    phone                TEXT NOT NULL,
    id_number            TEXT NOT NULL,
    birth_date           TEXT NOT NULL,
    role                 TEXT NOT NULL,
    subsystem            TEXT NOT NULL,
    org_node             TEXT NOT NULL REFERENCES auth_org_nodes (id),
    active               INTEGER NOT NULL CHECK (active IN (0, 1)),
    custodian            INTEGER NOT NULL CHECK (custodian IN (0, 1)),
    created_by           TEXT NOT NULL,
    created_at           INTEGER NOT NULL,
    deactivated_at       INTEGER,
    certificate_der      BLOB NOT NULL,
    pw_salt              BLOB NOT NULL,
    pw_iterations        INTEGER NOT NULL,
    pw_hash              BLOB NOT NULL,
    pw_set_at            INTEGER NOT NULL,
    must_change_password INTEGER NOT NULL CHECK (must_change_password IN (0, 1)),
    failed_logins        INTEGER NOT NULL,
    locked_until         INTEGER
);

CREATE TABLE auth_password_history (
    staff_id   TEXT NOT NULL REFERENCES auth_staff (id),
    position   INTEGER NOT NULL,
    salt       BLOB NOT NULL,
    iterations INTEGER NOT NULL,
    hash       BLOB NOT NULL,
    set_at     INTEGER NOT NULL,
    PRIMARY KEY (staff_id, position)
);

CREATE TABLE auth_sessions (
    token_hash BLOB PRIMARY KEY,
    staff_id   TEXT NOT NULL REFERENCES auth_staff (id),
    created_at INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX auth_sessions_staff ON auth_sessions (staff_id);

CREATE TABLE auth_approvals (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    payload_hash  BLOB NOT NULL,
    requester     TEXT NOT NULL REFERENCES auth_staff (id),
    approvers     TEXT NOT NULL,
    org_node      TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'executed')),
    decided_by    TEXT NOT NULL,
    reason        TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    decided_at    INTEGER
);
)sql";

}  // namespace yinxin::store::sqlite::migrations
