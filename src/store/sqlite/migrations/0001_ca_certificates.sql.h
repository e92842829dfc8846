// Migration 1: the CA registry, the serial reservations and the certificates table.
// Plain SQL that PostgreSQL also accepts except where noted: INTEGER PRIMARY KEY is SQLite's rowid
// alias (PostgreSQL: BIGINT GENERATED ALWAYS AS IDENTITY), BLOB is BYTEA there, and the unix-second
// INTEGER columns would be BIGINT.
#pragma once

#include <string_view>

namespace yinxin::store::sqlite::migrations {

inline constexpr std::string_view k_0001_ca_certificates = R"sql(
CREATE TABLE cas (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    subject_dn      TEXT NOT NULL,
    certificate_der BLOB NOT NULL,
    key_backend     TEXT NOT NULL,
    key_index       INTEGER NOT NULL,
    key_label       TEXT NOT NULL,
    parent_id       TEXT REFERENCES cas (id),
    status          TEXT NOT NULL CHECK (status IN ('active', 'retired')),
    kind            TEXT NOT NULL CHECK (kind IN ('root', 'sub', 'seal_root', 'external')),
    created_at      INTEGER NOT NULL
);

-- Every serial a CA ever used or reserved. Rows are never deleted: the UNIQUE constraint is what
-- keeps a serial from being reused, also after a crash (ARCHITECTURE.md, data never lost).
CREATE TABLE serials (
    id         INTEGER PRIMARY KEY,
    ca_id      TEXT NOT NULL REFERENCES cas (id),
    serial     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (ca_id, serial)
);

-- One row per issuance: written 'pending' with the linted TBS before signing, then 'issued' with
-- the certificate, or 'failed'. The CHECK keeps a half-written row from ever being committed.
CREATE TABLE certificates (
    id              INTEGER PRIMARY KEY,
    ca_id           TEXT NOT NULL,
    serial          TEXT NOT NULL,
    tbs_der         BLOB NOT NULL,
    certificate_der BLOB,
    fingerprint_sm3 TEXT UNIQUE,
    subject_dn      TEXT NOT NULL,
    not_before      INTEGER NOT NULL,
    not_after       INTEGER NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'issued', 'failed')),
    profile_id      TEXT NOT NULL,
    request_id      TEXT NOT NULL,
    failure_reason  TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (ca_id, serial),
    FOREIGN KEY (ca_id, serial) REFERENCES serials (ca_id, serial),
    CHECK ((status = 'issued') = (certificate_der IS NOT NULL AND fingerprint_sm3 IS NOT NULL)),
    CHECK ((status = 'failed') = (failure_reason IS NOT NULL))
);

CREATE INDEX certificates_pending ON certificates (created_at) WHERE status = 'pending';
CREATE INDEX certificates_request ON certificates (request_id);
)sql";

}  // namespace yinxin::store::sqlite::migrations
