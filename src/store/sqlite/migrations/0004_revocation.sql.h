// Migration 4: certificate status — revocations and holds, CRL numbers, and the signed CRLs.
// The revocations row of a certificate exists while it is revoked or on hold (reason 6); lifting
// a hold deletes it. CRL numbers come from crl_counters so a number is never reused even when the
// CRL it was reserved for was never stored (RFC 5280 5.2.3).
#pragma once

#include <string_view>

namespace yinxin::store::sqlite::migrations {

inline constexpr std::string_view k_0004_revocation = R"sql(
CREATE TABLE revocations (
    id              INTEGER PRIMARY KEY,
    ca_id           TEXT NOT NULL,
    serial          TEXT NOT NULL,
    revoked_at      INTEGER NOT NULL,
    reason          INTEGER NOT NULL CHECK (reason IN (0, 1, 2, 3, 4, 5, 6, 9, 10)),
    invalidity_date INTEGER,
    actor           TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    UNIQUE (ca_id, serial),
    FOREIGN KEY (ca_id, serial) REFERENCES certificates (ca_id, serial)
);

CREATE TABLE crl_counters (
    ca_id       TEXT PRIMARY KEY REFERENCES cas (id),
    last_number INTEGER NOT NULL
);

CREATE TABLE crls (
    id          INTEGER PRIMARY KEY,
    ca_id       TEXT NOT NULL REFERENCES cas (id),
    crl_number  INTEGER NOT NULL,
    delta_base  INTEGER,
    this_update INTEGER NOT NULL,
    next_update INTEGER NOT NULL,
    entries     INTEGER NOT NULL,
    crl_der     BLOB NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (ca_id, crl_number)
);
CREATE INDEX crls_latest ON crls (ca_id, delta_base IS NULL, crl_number);
)sql";

}  // namespace yinxin::store::sqlite::migrations
