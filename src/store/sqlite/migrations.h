// The SQLite backend's numbered schema migrations (STYLE.md 14, after Boulder sa/db): applied in
// order, one transaction each, recorded in schema_migrations. Append only: a released migration
// is never edited; a change is a new number.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "sqlite/migrations/0001_ca_certificates.sql.h"
#include "sqlite/migrations/0002_audit.sql.h"
#include "sqlite/migrations/0003_auth.sql.h"
#include "sqlite/migrations/0004_revocation.sql.h"
#include "sqlite/migrations/0005_status_version.sql.h"
#include "sqlite/migrations/0006_publication.sql.h"
#include "sqlite/migrations/0007_crl_scopes.sql.h"
#include "sqlite/migrations/0008_ocsp_signers.sql.h"
#include "sqlite/migrations/0009_registration.sql.h"
#include "sqlite/migrations/0010_notifications.sql.h"
#include "sqlite/migrations/0011_card_batches.sql.h"
#include "sqlite/migrations/0012_carriers.sql.h"
#include "sqlite/migrations/0013_kmc.sql.h"
#include "sqlite/migrations/0014_dual_certificates.sql.h"
#include "sqlite/migrations/0015_seal_system.sql.h"
#include "sqlite/migrations/0016_seal_use.sql.h"
#include "sqlite/migrations/0017_seal_hierarchy.sql.h"
#include "yinxin/base/result.h"
#include "yinxin/sqlite/database.h"

namespace yinxin::store::sqlite {

struct Migration {
    int version;
    std::string_view name;
    std::string_view sql;
};

inline constexpr std::array k_migrations{
    Migration{1, "ca_certificates", migrations::k_0001_ca_certificates},
    Migration{2, "audit", migrations::k_0002_audit},
    Migration{3, "auth", migrations::k_0003_auth},
    Migration{4, "revocation", migrations::k_0004_revocation},
    Migration{5, "status_version", migrations::k_0005_status_version},
    Migration{6, "publication", migrations::k_0006_publication},
    Migration{7, "crl_scopes", migrations::k_0007_crl_scopes},
    Migration{8, "ocsp_signers", migrations::k_0008_ocsp_signers},
    Migration{9, "registration", migrations::k_0009_registration},
    Migration{10, "notifications", migrations::k_0010_notifications},
    Migration{11, "card_batches", migrations::k_0011_card_batches},
    Migration{12, "carriers", migrations::k_0012_carriers},
    Migration{13, "kmc", migrations::k_0013_kmc},
    Migration{14, "dual_certificates", migrations::k_0014_dual_certificates},
    Migration{15, "seal_system", migrations::k_0015_seal_system},
    Migration{16, "seal_use", migrations::k_0016_seal_use},
    Migration{17, "seal_hierarchy", migrations::k_0017_seal_hierarchy},
};

// Every store connection reports SQLite failures in the store band: constraint, busy and locked
// are store.conflict, the rest store.io.
inline constexpr yinxin::sqlite::ErrorCodes k_store_errors{Errc::store_io, Errc::store_conflict, Errc::internal,
                                                           "store"};

// Opens (creating when absent) with the store's durability settings: WAL + synchronous=FULL (a
// commit is durable once it returns, also across power loss) and foreign keys on (off by default
// in SQLite and per connection). PostgreSQL has none of these; durability is the server's setting.
Result<yinxin::sqlite::Database> open_database(const std::string& path, int busy_timeout_ms);

// Applies the pending migrations, one transaction each, and returns the version the file is at.
// A migration is pending when its version is not recorded, also below the newest recorded one:
// numbers were reserved out of order (6 after 7), so a file at 7 still gets 6.
// store.schema_newer when the file was written by a newer build (it is left untouched).
Result<int> migrate(yinxin::sqlite::Database& db, std::int64_t now_unix);

}  // namespace yinxin::store::sqlite
