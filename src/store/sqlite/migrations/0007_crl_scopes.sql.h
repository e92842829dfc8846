// Migration 7: what delta CRLs and authority revocation lists need.
// - status_changes: one row per revocation, hold and release, written by triggers in the same
//   transaction as the change (a release deletes its revocations row, so the change log is the
//   only record that a delta CRL must list it as removeFromCRL). Rows are never deleted, so ids
//   follow commit order.
// - crls.scope ('full', 'delta', 'arl') and crls.status_change_id: the last change a CRL covers;
//   a delta lists the changes after its base's.
// - revocations.ca_certificate: whether the revoked certificate is a CA certificate (ARL, RFC 5280
//   5.2.5 onlyContainsCACerts). Rows from before this migration count as end-entity certificates.
#pragma once

#include <string_view>

namespace yinxin::store::sqlite::migrations {

inline constexpr std::string_view k_0007_crl_scopes = R"sql(
CREATE TABLE status_changes (
    id         INTEGER PRIMARY KEY,
    ca_id      TEXT NOT NULL,
    serial     TEXT NOT NULL,
    changed_at INTEGER NOT NULL
);
CREATE INDEX status_changes_by_ca ON status_changes (ca_id, id);
CREATE INDEX status_changes_by_serial ON status_changes (ca_id, serial, id);

CREATE TRIGGER status_change_on_revoke AFTER INSERT ON revocations BEGIN
    INSERT INTO status_changes (ca_id, serial, changed_at) VALUES (new.ca_id, new.serial, new.created_at);
END;
CREATE TRIGGER status_change_on_release AFTER DELETE ON revocations BEGIN
    INSERT INTO status_changes (ca_id, serial, changed_at)
    VALUES (old.ca_id, old.serial, CAST(strftime('%s', 'now') AS INTEGER));
END;

ALTER TABLE revocations ADD COLUMN ca_certificate INTEGER NOT NULL DEFAULT 0 CHECK (ca_certificate IN (0, 1));
ALTER TABLE crls ADD COLUMN scope TEXT NOT NULL DEFAULT 'full' CHECK (scope IN ('full', 'delta', 'arl'));
ALTER TABLE crls ADD COLUMN status_change_id INTEGER;
UPDATE crls SET scope = 'delta' WHERE delta_base IS NOT NULL;
CREATE INDEX crls_latest_by_scope ON crls (ca_id, scope, crl_number);
)sql";

}  // namespace yinxin::store::sqlite::migrations
