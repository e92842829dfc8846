// Adding notifications from other SQLite stores (internal to store/): the RA workflow's state change
// and the notification announcing it commit together, or neither does. Call inside the store's
// own open transaction on the same connection; the inserts sit in a SAVEPOINT, so a failure leaves
// nothing of them behind (and outside a transaction they are one on their own).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "yinxin/base/result.h"
#include "yinxin/ra/notify.h"
#include "yinxin/sqlite/database.h"

namespace yinxin::store::sqlite {

// Validates every item first (ra.bad_request, nothing inserted), then inserts them due at
// `now_unix`. An item whose dedup_key exists already is skipped without error.
Status insert_notifications(yinxin::sqlite::Database& db, std::span<const ra::NewNotification> items,
                            std::int64_t now_unix);
// The same, returning the new ids in item order (0 for a skipped duplicate).
Result<std::vector<std::int64_t>> insert_notifications_with_ids(yinxin::sqlite::Database& db,
                                                                std::span<const ra::NewNotification> items,
                                                                std::int64_t now_unix);

}  // namespace yinxin::store::sqlite
