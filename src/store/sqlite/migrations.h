// The SQLite backend's numbered schema migrations (STYLE.md 14, after Boulder sa/db): applied in
// order, one transaction each, recorded in schema_migrations. Append only: a released migration
// is never edited; a change is a new number.
#pragma once

#include <array>
#include <string_view>

#include "sqlite/migrations/0001_ca_certificates.sql.h"

namespace yinxin::store::sqlite {

struct Migration {
    int version;
    std::string_view name;
    std::string_view sql;
};

inline constexpr std::array k_migrations{
    Migration{1, "ca_certificates", migrations::k_0001_ca_certificates},
};

}  // namespace yinxin::store::sqlite
