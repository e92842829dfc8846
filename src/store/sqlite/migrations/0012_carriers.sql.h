// Migration 12: certificate carriers (USB keys and cards) and their PIN-unlock requests
// (yinxin/ra/carrier.h; LD/T 03-2022 §6.4.1 g, §6.6, 表 A.4).
// - carriers: the inventory, keyed by the 16-digit number printed on the carrier. code_ciphertext is
//   the unblock code (SO PIN / PUK) SM2-encrypted to a device key; the code itself is never stored.
// - carrier_unlock_requests: form A.4 and its decisions. At most one open (submitted, approved or
//   reviewed) request per carrier (partial unique index). A released request records who received
//   the code and when; released_at set means the code was handed out and never will be again.
// Times are unix seconds.
#pragma once

#include <string_view>

namespace yinxin::store::sqlite::migrations {

inline constexpr std::string_view k_0012_carriers = R"sql(
CREATE TABLE carriers (
    carrier_no      TEXT PRIMARY KEY CHECK (length(carrier_no) = 16 AND carrier_no NOT GLOB '*[^0-9]*'),
    kind            TEXT NOT NULL CHECK (kind IN ('usb_key', 'card')),
    model           TEXT NOT NULL,
    vendor          TEXT NOT NULL,
    delivery_batch  TEXT NOT NULL,
    org_node        TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('in_stock', 'assigned', 'retired')),
    code_ciphertext BLOB NOT NULL,
    imported_by     TEXT NOT NULL,
    imported_at     INTEGER NOT NULL,
    ca_id           TEXT,
    serial          TEXT,
    holder_name     TEXT,
    holder_id_number TEXT,
    holder_org_node TEXT,
    assigned_by     TEXT,
    assigned_at     INTEGER,
    retire_reason   TEXT CHECK (retire_reason IN ('lost', 'damaged', 'returned')),
    retire_note     TEXT,
    retired_by      TEXT,
    retired_at      INTEGER,
    CHECK (state <> 'assigned' OR (assigned_at IS NOT NULL AND serial IS NOT NULL)),
    CHECK ((state = 'retired') = (retired_at IS NOT NULL))
);
CREATE INDEX carriers_node_state ON carriers (org_node, state, carrier_no);
CREATE INDEX carriers_certificate ON carriers (ca_id, serial) WHERE serial IS NOT NULL;

CREATE TABLE carrier_unlock_requests (
    id                 TEXT PRIMARY KEY,
    carrier_no         TEXT NOT NULL REFERENCES carriers (carrier_no),
    org_node           TEXT NOT NULL,
    state              TEXT NOT NULL CHECK (state IN ('submitted', 'approved', 'reviewed', 'released', 'rejected')),
    form               TEXT NOT NULL,
    entered_by         TEXT NOT NULL,
    entered_at         INTEGER NOT NULL,
    approved_by        TEXT,
    approved_at        INTEGER,
    approval_signature TEXT,
    reviewed_by        TEXT,
    reviewed_at        INTEGER,
    review_signature   TEXT,
    rejected_by        TEXT,
    rejected_at        INTEGER,
    reject_reason      TEXT,
    reject_signature   TEXT,
    released_by        TEXT,
    released_at        INTEGER,
    CHECK ((state = 'released') = (released_at IS NOT NULL)),
    CHECK ((state = 'rejected') = (rejected_at IS NOT NULL))
);
CREATE UNIQUE INDEX carrier_unlock_open ON carrier_unlock_requests (carrier_no)
    WHERE state IN ('submitted', 'approved', 'reviewed');
CREATE INDEX carrier_unlock_node ON carrier_unlock_requests (org_node, id);
)sql";

}  // namespace yinxin::store::sqlite::migrations
