// Migration 17: the ministry/province/city hierarchy of seal systems (yinxin/sealsys/hierarchy.h;
// LD/T 01.1-2022 §7.2, §7.3).
// - seal_peers: subordinate systems that passed the access test (`tested`) and, after the signed
//   approval, got their system certificate (`registered`); last_sequence is the replay guard of
//   their signed status messages. Names and public keys are unique.
// - seal_remote_status: the status of seals made by other instances, one row per seal code, as
//   learnt from a child's push or a pull from the parent; `version` grows with every change (the
//   upward push forwards rows past its cursor).
// - seal_parent_link: at most one row: this instance's parent, our certificate from it, the pinned
//   parent status certificate, the next outgoing sequence and the push/pull cursors.
// Times are unix seconds.
#pragma once

#include <string_view>

namespace yinxin::store::sqlite::migrations {

inline constexpr std::string_view k_0017_seal_hierarchy = R"sql(
CREATE TABLE seal_peers (
    id                 TEXT PRIMARY KEY,
    name               TEXT NOT NULL UNIQUE,
    level              TEXT NOT NULL CHECK (level IN ('province', 'city')),
    division_code      TEXT NOT NULL,
    base_url           TEXT NOT NULL,
    province           TEXT NOT NULL,
    city               TEXT NOT NULL,
    public_key         BLOB NOT NULL UNIQUE,
    state              TEXT NOT NULL CHECK (state IN ('tested', 'registered')),
    access_report      TEXT NOT NULL,
    tested_at          INTEGER NOT NULL,
    submitted_by       TEXT NOT NULL,
    submitted_at       INTEGER NOT NULL,
    approved_by        TEXT,
    approved_at        INTEGER,
    approval_signature TEXT,
    certificate        BLOB,
    serial             TEXT,
    last_sequence      INTEGER NOT NULL DEFAULT 0,
    last_sync_at       INTEGER,
    CHECK (state = 'tested' OR certificate IS NOT NULL)
);

CREATE TABLE seal_remote_status (
    seal_code     TEXT PRIMARY KEY CHECK (length(seal_code) = 14 AND seal_code NOT GLOB '*[^0-9]*'),
    status        TEXT NOT NULL CHECK (status IN ('valid', 'lost', 'cancelled', 'expired')),
    changed_at    INTEGER NOT NULL,
    valid_from    INTEGER NOT NULL,
    valid_to      INTEGER NOT NULL,
    unit_name     TEXT NOT NULL,
    seal_name     TEXT NOT NULL,
    reason        TEXT NOT NULL,
    source_peer   TEXT NOT NULL,
    origin_system TEXT NOT NULL,
    version       INTEGER NOT NULL UNIQUE,
    received_at   INTEGER NOT NULL
);

CREATE TABLE seal_parent_link (
    id                      INTEGER PRIMARY KEY CHECK (id = 1),
    parent_url              TEXT NOT NULL,
    peer_id                 TEXT NOT NULL,
    certificate             BLOB NOT NULL,
    parent_status_cert      BLOB NOT NULL,
    next_sequence           INTEGER NOT NULL,
    pushed_event_id         INTEGER NOT NULL,
    pushed_remote_version   INTEGER NOT NULL,
    pulled_version          INTEGER NOT NULL,
    linked_at               INTEGER NOT NULL
);
)sql";

}  // namespace yinxin::store::sqlite::migrations
