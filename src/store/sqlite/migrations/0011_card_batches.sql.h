// Migration 11: third-generation social-security card batches (LD/T 03-2022 §6.4.7): the
// card-issuance data the RA matches requests against, the batches (one per file, unique by the
// file's SM3) and their items with each item's result. Items point to certificates by the batch's
// CA and the serial; the CA finds them by request id "card:<batch>:<line>".
#pragma once

#include <string_view>

namespace yinxin::store::sqlite::migrations {

inline constexpr std::string_view k_0011_card_batches = R"sql(
CREATE TABLE card_records (
    card_number   TEXT PRIMARY KEY,
    id_number     TEXT NOT NULL,
    name          TEXT NOT NULL,
    division_code TEXT NOT NULL,
    org_node      TEXT NOT NULL,
    imported_by   TEXT NOT NULL,
    imported_at   INTEGER NOT NULL
);
CREATE INDEX card_records_id_number ON card_records (id_number);

CREATE TABLE card_batches (
    id           TEXT PRIMARY KEY,
    content_sm3  TEXT NOT NULL UNIQUE,
    mode         INTEGER NOT NULL CHECK (mode BETWEEN 1 AND 5),
    format       TEXT NOT NULL CHECK (format IN ('csv', 'jsonl')),
    ca_id        TEXT NOT NULL REFERENCES cas (id),
    profile_id   TEXT NOT NULL,
    org_node     TEXT NOT NULL,
    submitted_by TEXT NOT NULL,
    source       TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('pending', 'processing', 'done')),
    total        INTEGER NOT NULL CHECK (total > 0),
    issued       INTEGER NOT NULL DEFAULT 0,
    failed       INTEGER NOT NULL DEFAULT 0,
    lease_owner  TEXT,
    lease_until  INTEGER,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    completed_at INTEGER,
    CHECK (issued >= 0 AND failed >= 0 AND issued + failed <= total),
    CHECK ((state = 'done') = (issued + failed = total AND completed_at IS NOT NULL))
);
CREATE INDEX card_batches_unfinished ON card_batches (created_at) WHERE state <> 'done';

CREATE TABLE card_batch_items (
    batch_id    TEXT NOT NULL REFERENCES card_batches (id),
    line        INTEGER NOT NULL,
    card_number TEXT NOT NULL,
    id_number   TEXT NOT NULL,
    name        TEXT NOT NULL,
    key_kind    TEXT NOT NULL CHECK (key_kind IN ('spki', 'point', 'pkcs10')),
    key_data    BLOB NOT NULL,
    spki_sm3    TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'issuing', 'issued', 'failed')),
    serial      TEXT,
    error_code  INTEGER,
    message     TEXT,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (batch_id, line),
    CHECK ((status = 'issued') = (serial IS NOT NULL)),
    CHECK ((status = 'failed') = (error_code IS NOT NULL))
);
CREATE INDEX card_batch_items_open ON card_batch_items (batch_id, line) WHERE status IN ('pending', 'issuing');
CREATE INDEX card_batch_items_issued ON card_batch_items (card_number, spki_sm3) WHERE status = 'issued';
)sql";

}  // namespace yinxin::store::sqlite::migrations
