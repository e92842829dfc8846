// Migration 2: the audit log (LD/T 03-2022 §8.3.8) and its signed checkpoints (yinxin/audit/audit.h).
// `id` is the physical position (rowid alias), `seq` the chain position: verify walks by id, so a
// record moved, inserted or removed shows up as a seq out of place. Times are Unix milliseconds.
// The triggers make the tables append-only for every connection (PostgreSQL: REVOKE UPDATE, DELETE
// plus a BEFORE UPDATE OR DELETE trigger raising an exception).
#pragma once

#include <string_view>

namespace yinxin::store::sqlite::migrations {

inline constexpr std::string_view k_0002_audit = R"sql(
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    seq         INTEGER NOT NULL,
    time_ms     INTEGER NOT NULL,
    source      TEXT NOT NULL,
    actor       TEXT NOT NULL,
    role        TEXT NOT NULL,
    action      TEXT NOT NULL,
    target      TEXT NOT NULL,
    detail      TEXT NOT NULL,
    success     INTEGER NOT NULL CHECK (success IN (0, 1)),
    error_code  INTEGER NOT NULL,
    prev_hash   BLOB NOT NULL,
    record_hash BLOB NOT NULL
);
CREATE UNIQUE INDEX audit_log_seq ON audit_log (seq);

CREATE TABLE audit_checkpoints (
    id          INTEGER PRIMARY KEY,
    seq         INTEGER NOT NULL,
    record_hash BLOB NOT NULL,
    time_ms     INTEGER NOT NULL,
    key_index   INTEGER NOT NULL,
    public_key  BLOB NOT NULL,
    sm2_id      TEXT NOT NULL,
    signature   BLOB NOT NULL
);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
)sql";

}  // namespace yinxin::store::sqlite::migrations
