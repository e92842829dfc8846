// Migration 16: centralized seal use with approval (yinxin/sealsys/use.h; LD/T 01.1-2022 §8.1.2, §8.2).
// - seal_use_grants: a member's "use" or "review" permission on one seal code; withdrawn grants stay
//   (withdrawn_by/at) as the history of who could use a seal when. One active grant per seal, member
//   and permission (partial unique index).
// - seal_use_requests: each request with the submitted document (kept for the audit trail), the
//   reviewer's signed decision, the signing and the one-time hand-out of the result: `result` holds
//   the signed bytes until they are fetched, then only result_sm3 remains.
// - seal_use_log: §8.2.4 b 3, one line per signing (object, seal, requester, reviewer, operator,
//   time); append-only, enforced by triggers.
// Times are unix seconds.
#pragma once

#include <string_view>

namespace yinxin::store::sqlite::migrations {

inline constexpr std::string_view k_0016_seal_use = R"sql(
CREATE TABLE seal_use_grants (
    id           INTEGER PRIMARY KEY,
    seal_code    TEXT NOT NULL,
    staff_id     TEXT NOT NULL,
    permission   TEXT NOT NULL CHECK (permission IN ('use', 'review')),
    staff_role   TEXT NOT NULL,
    granted_by   TEXT NOT NULL,
    granted_at   INTEGER NOT NULL,
    withdrawn_by TEXT,
    withdrawn_at INTEGER,
    CHECK ((withdrawn_by IS NULL) = (withdrawn_at IS NULL))
);
CREATE UNIQUE INDEX seal_use_grants_active ON seal_use_grants (seal_code, staff_id, permission)
    WHERE withdrawn_at IS NULL;
CREATE INDEX seal_use_grants_staff ON seal_use_grants (staff_id) WHERE withdrawn_at IS NULL;

CREATE TABLE seal_use_requests (
    id                 TEXT PRIMARY KEY,
    seal_code          TEXT NOT NULL,
    seal_name          TEXT NOT NULL,
    org_node           TEXT NOT NULL,
    document_name      TEXT NOT NULL,
    document_kind      TEXT NOT NULL CHECK (document_kind IN ('ofd', 'file')),
    document_sm3       TEXT NOT NULL CHECK (length(document_sm3) = 64),
    document_size      INTEGER NOT NULL CHECK (document_size > 0),
    document           BLOB NOT NULL,
    purpose            TEXT NOT NULL,
    stamp              TEXT,
    state              TEXT NOT NULL CHECK (state IN ('requested', 'approved', 'refused', 'signed', 'expired')),
    requested_by       TEXT NOT NULL,
    requester_role     TEXT NOT NULL,
    requested_at       INTEGER NOT NULL,
    review_deadline    INTEGER NOT NULL,
    reviewed_by        TEXT,
    reviewed_at        INTEGER,
    refuse_reason      TEXT,
    decision_signature BLOB,
    decision_note      TEXT,
    signed_by          TEXT,
    signed_at          INTEGER,
    result_sm3         TEXT,
    result             BLOB,
    fetched_by         TEXT,
    fetched_at         INTEGER,
    expired_at         INTEGER,
    CHECK (state IN ('requested', 'expired') OR (reviewed_at IS NOT NULL AND decision_signature IS NOT NULL)),
    CHECK ((state = 'signed') = (signed_at IS NOT NULL AND result_sm3 IS NOT NULL)),
    CHECK ((state = 'expired') = (expired_at IS NOT NULL)),
    CHECK (fetched_at IS NULL OR (state = 'signed' AND result IS NULL))
);
CREATE INDEX seal_use_requests_node ON seal_use_requests (org_node, id);
CREATE INDEX seal_use_requests_seal ON seal_use_requests (seal_code, id);
CREATE INDEX seal_use_requests_requester ON seal_use_requests (requested_by, id);
CREATE INDEX seal_use_requests_open ON seal_use_requests (review_deadline) WHERE state = 'requested';

CREATE TABLE seal_use_log (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id    TEXT NOT NULL UNIQUE REFERENCES seal_use_requests (id),
    seal_code     TEXT NOT NULL,
    seal_name     TEXT NOT NULL,
    org_node      TEXT NOT NULL,
    document_name TEXT NOT NULL,
    document_sm3  TEXT NOT NULL,
    result_sm3    TEXT NOT NULL,
    requested_by  TEXT NOT NULL,
    reviewed_by   TEXT NOT NULL,
    operator      TEXT NOT NULL,
    signed_at     INTEGER NOT NULL
);
CREATE INDEX seal_use_log_seal ON seal_use_log (seal_code, signed_at);
CREATE INDEX seal_use_log_time ON seal_use_log (signed_at);
CREATE TRIGGER seal_use_log_no_update BEFORE UPDATE ON seal_use_log
BEGIN
    SELECT RAISE(ABORT, 'seal_use_log is append-only');
END;
CREATE TRIGGER seal_use_log_no_delete BEFORE DELETE ON seal_use_log
BEGIN
    SELECT RAISE(ABORT, 'seal_use_log is append-only');
END;
)sql";

}  // namespace yinxin::store::sqlite::migrations
