// Migration 6: publication to LDAP directories and push sync to business systems
// (yinxin/publish/queue.h; docs/operations.md "Publication: LDAP and push sync").
// - publication_targets: where objects go (kind 'ldap' or 'callback', a JSON configuration).
// - publication_queue: one row per object and enabled target, fed by the triggers below IN THE
//   SAME TRANSACTION that writes the object, so an object committed is an object queued, whatever
//   happens to the process or the directory afterwards. object_id is certificates.id or crls.id;
//   a CA certificate has none (the cas row ca_id: cas.id is TEXT and its rowid is not stable).
//   next_attempt_at 0 means due now (the triggers do not know the injected clock).
// - publication_opt_outs: holders who asked not to be listed in the directory (LDAP targets skip
//   their certificates; callbacks to registered business systems still carry them), by the
//   certificate (ca_id + serial) or by the RA request before issuance (request_id).
// Queue rows are kept after delivery (done/skipped) as the record of what was published.
#pragma once

#include <string_view>

namespace yinxin::store::sqlite::migrations {

inline constexpr std::string_view k_0006_publication = R"sql(
CREATE TABLE publication_targets (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('ldap', 'callback')),
    config     TEXT NOT NULL,
    enabled    INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    created_at INTEGER NOT NULL
);

CREATE TABLE publication_queue (
    id              INTEGER PRIMARY KEY,
    target_id       TEXT NOT NULL REFERENCES publication_targets (id),
    object_kind     TEXT NOT NULL CHECK (object_kind IN ('certificate', 'ca_certificate', 'crl')),
    ca_id           TEXT NOT NULL,
    object_id       INTEGER,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'done', 'skipped')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    done_at         INTEGER,
    CHECK ((object_kind = 'ca_certificate') = (object_id IS NULL)),
    CHECK ((state = 'pending') = (done_at IS NULL))
);
CREATE INDEX publication_queue_pending ON publication_queue (target_id, id) WHERE state = 'pending';

CREATE TABLE publication_opt_outs (
    id         INTEGER PRIMARY KEY,
    ca_id      TEXT,
    serial     TEXT,
    request_id TEXT,
    reason     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    CHECK ((ca_id IS NULL) = (serial IS NULL)),
    CHECK ((request_id IS NULL) <> (serial IS NULL))
);
CREATE UNIQUE INDEX publication_opt_outs_certificate ON publication_opt_outs (ca_id, serial) WHERE serial IS NOT NULL;
CREATE UNIQUE INDEX publication_opt_outs_request ON publication_opt_outs (request_id) WHERE request_id IS NOT NULL;

-- CertificateWriter::finalize is an UPDATE of the pending row (pending -> issued).
CREATE TRIGGER publication_on_certificate AFTER UPDATE OF status ON certificates
WHEN new.status = 'issued' AND old.status <> 'issued' BEGIN
    INSERT INTO publication_queue (target_id, object_kind, ca_id, object_id, state, created_at)
    SELECT t.id, 'certificate', new.ca_id, new.id, 'pending', CAST(strftime('%s', 'now') AS INTEGER)
    FROM publication_targets t WHERE t.enabled = 1 ORDER BY t.id;
END;

CREATE TRIGGER publication_on_crl AFTER INSERT ON crls BEGIN
    INSERT INTO publication_queue (target_id, object_kind, ca_id, object_id, state, created_at)
    SELECT t.id, 'crl', new.ca_id, new.id, 'pending', CAST(strftime('%s', 'now') AS INTEGER)
    FROM publication_targets t WHERE t.enabled = 1 ORDER BY t.id;
END;

CREATE TRIGGER publication_on_ca AFTER INSERT ON cas BEGIN
    INSERT INTO publication_queue (target_id, object_kind, ca_id, object_id, state, created_at)
    SELECT t.id, 'ca_certificate', new.id, NULL, 'pending', CAST(strftime('%s', 'now') AS INTEGER)
    FROM publication_targets t WHERE t.enabled = 1 ORDER BY t.id;
END;
)sql";

}  // namespace yinxin::store::sqlite::migrations
