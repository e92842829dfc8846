// Migration 10: the notification outbox (yinxin/ra/notify.h; docs/operations.md "Notifications").
// - notifications: one row per message to send, written by the RA workflows IN THE SAME
//   TRANSACTION as the state change it announces (store/sqlite/outbox_sql.h), delivered by e-mail
//   (SMTP) or webhook and retried with back-off until delivered. Rows are kept after delivery as
//   the record of what was sent and when.
// - dedup_key: at most one row per key ever (an expiry reminder is sent once per certificate and
//   lead time, however often the scan runs).
// - next_attempt_at: unix seconds; a row being delivered is claimed by moving it forward.
#pragma once

#include <string_view>

namespace yinxin::store::sqlite::migrations {

inline constexpr std::string_view k_0010_notifications = R"sql(
CREATE TABLE notifications (
    id              INTEGER PRIMARY KEY,
    event           TEXT NOT NULL,
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    object_id       TEXT NOT NULL,
    dedup_key       TEXT,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    delivered_at    INTEGER,
    CHECK ((state = 'delivered') = (delivered_at IS NOT NULL)),
    CHECK (dedup_key IS NULL OR dedup_key <> '')
);
CREATE UNIQUE INDEX notifications_dedup ON notifications (dedup_key) WHERE dedup_key IS NOT NULL;
CREATE INDEX notifications_due ON notifications (next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX notifications_object ON notifications (object_id, id);
)sql";

}  // namespace yinxin::store::sqlite::migrations
