#include "sqlite/migrations.h"

namespace yinxin::store::sqlite {

namespace {

using yinxin::sqlite::Database;
using yinxin::sqlite::Statement;
using yinxin::sqlite::Transaction;

Result<int> current_version(Database& db) {
    YX_ASSIGN_OR_RETURN(Statement s, db.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
    YX_ASSIGN_OR_RETURN(bool row, s.step());
    if (!row) return make_error(Errc::store_io, "store: corrupt row: schema_migrations");
    return static_cast<int>(s.column_int(0));
}

Result<bool> is_applied(Database& db, int version) {
    YX_ASSIGN_OR_RETURN(Statement s, db.prepare("SELECT 1 FROM schema_migrations WHERE version = ?1"));
    s.bind(1, std::int64_t{version});
    return s.step();
}

}  // namespace

Result<Database> open_database(const std::string& path, int busy_timeout_ms) {
    YX_ASSIGN_OR_RETURN(Database db, Database::open(path, {k_store_errors, true, busy_timeout_ms}));
    YX_TRY(db.exec("PRAGMA journal_mode = WAL"));
    YX_TRY(db.exec("PRAGMA synchronous = FULL"));
    YX_TRY(db.exec("PRAGMA foreign_keys = ON"));
    return db;
}

Result<int> migrate(Database& db, std::int64_t now_unix) {
    YX_TRY(
        db.exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)"));
    YX_ASSIGN_OR_RETURN(int v, current_version(db));
    const int latest = k_migrations.back().version;
    if (v > latest)
        return make_error(Errc::store_schema_newer, "store schema is at version " + std::to_string(v) +
                                                        ", this build knows up to " + std::to_string(latest));
    // By recorded version, not by the newest one: version 6 came after 7 was released, so a file
    // at 7 gets 6 on its next open. Each migration stands on its own (no migration reads what a
    // higher-numbered one created).
    for (const Migration& m : k_migrations) {
        YX_ASSIGN_OR_RETURN(bool done, is_applied(db, m.version));
        if (done) continue;
        YX_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(db));
        // Re-read under the write lock: another process may have migrated meanwhile.
        YX_ASSIGN_OR_RETURN(done, is_applied(db, m.version));
        if (done) continue;
        YX_TRY(db.exec(m.sql));
        YX_ASSIGN_OR_RETURN(
            Statement ins, db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)"));
        YX_TRY(ins.bind(1, std::int64_t{m.version}).bind(2, m.name).bind(3, now_unix).run());
        YX_TRY(tx.commit());
    }
    return current_version(db);
}

}  // namespace yinxin::store::sqlite
