// Migration 5: one counter that every revocation, hold and release increments in its own
// transaction, so an OCSP responder (possibly another process) knows when its cached answers are
// stale without rereading every status.
#pragma once

#include <string_view>

namespace yinxin::store::sqlite::migrations {

inline constexpr std::string_view k_0005_status_version = R"sql(
CREATE TABLE status_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO status_version (id, version) VALUES (1, 0);
)sql";

}  // namespace yinxin::store::sqlite::migrations
