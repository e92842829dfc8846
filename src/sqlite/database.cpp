#include "yinxin/sqlite/database.h"

#include <sqlite3.h>

#include <climits>
#include <filesystem>

namespace yinxin::sqlite {

namespace {

// Constraint failures are the caller's business (duplicate serial, duplicate label), a busy or
// locked database is a retryable conflict, everything else is an I/O-class failure of the file.
Errc map_code(const ErrorCodes& codes, int extended) {
    switch (extended & 0xff) {
        case SQLITE_CONSTRAINT:
        case SQLITE_BUSY:
        case SQLITE_LOCKED: return codes.conflict;
        default: return codes.io;
    }
}

Error connection_error(const ErrorCodes& codes, sqlite3* db, std::string_view what) {
    std::string msg(codes.prefix);
    msg += ": ";
    msg += what;
    msg += ": ";
    msg += db ? sqlite3_errmsg(db) : "no database";
    return make_error(db ? map_code(codes, sqlite3_extended_errcode(db)) : codes.io, std::move(msg));
}

}  // namespace

Result<Database> Database::open(const std::string& path, const OpenOptions& options) {
    const ErrorCodes& codes = options.errors;
    if (!options.create) {
        std::error_code ec;
        if (!std::filesystem::exists(path, ec))
            return make_error(Errc::not_found, std::string(codes.prefix) + " '" + path + "' does not exist");
    }
    sqlite3* db = nullptr;
    const int flags = SQLITE_OPEN_READWRITE | (options.create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
    const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
        sqlite3_close(db);
        return make_error(codes.io, "cannot open " + std::string(codes.prefix) + " '" + path + "': " + msg);
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, options.busy_timeout_ms);
    return Database(db, codes);
}

Database::~Database() {
    if (m_db) sqlite3_close_v2(m_db);
}

Database& Database::operator=(Database&& other) noexcept {
    if (this != &other) {
        if (m_db) sqlite3_close_v2(m_db);
        m_db = other.m_db;
        m_errors = other.m_errors;
        other.m_db = nullptr;
    }
    return *this;
}

Error Database::last_error(std::string_view what) const { return connection_error(m_errors, m_db, what); }

Status Database::exec(std::string_view sql) {
    const std::string s(sql);
    char* err = nullptr;
    const int rc = sqlite3_exec(m_db, s.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
        std::string msg = err ? err : sqlite3_errstr(rc);
        sqlite3_free(err);
        return make_error(map_code(m_errors, rc), std::string(m_errors.prefix) + ": " + msg);
    }
    return ok_status();
}

Result<Statement> Database::prepare(std::string_view sql) {
    sqlite3_stmt* s = nullptr;
    if (sql.size() > INT_MAX) return make_error(Errc::invalid_argument, "SQL too long");
    // PERSISTENT: most statements are prepared once per connection and reused (StatementUse).
    if (sqlite3_prepare_v3(m_db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &s, nullptr) !=
        SQLITE_OK)
        return last_error("prepare");
    return Statement(s, m_errors);
}

std::int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(m_db); }
int Database::changes() const { return sqlite3_changes(m_db); }

Statement::~Statement() {
    if (m_stmt) sqlite3_finalize(m_stmt);
}

Statement& Statement::operator=(Statement&& other) noexcept {
    if (this != &other) {
        if (m_stmt) sqlite3_finalize(m_stmt);
        m_stmt = other.m_stmt;
        m_errors = other.m_errors;
        m_bind_error = other.m_bind_error;
        other.m_stmt = nullptr;
    }
    return *this;
}

Statement& Statement::bind(int i, std::int64_t v) {
    if (sqlite3_bind_int64(m_stmt, i, v) != SQLITE_OK) m_bind_error = i;
    return *this;
}

Statement& Statement::bind(int i, std::string_view text) {
    // A default-constructed view has no data pointer, which SQLite would bind as NULL: text is text.
    const char* data = text.data() != nullptr ? text.data() : "";
    if (sqlite3_bind_text64(m_stmt, i, data, text.size(), SQLITE_TRANSIENT, SQLITE_UTF8) != SQLITE_OK) m_bind_error = i;
    return *this;
}

Statement& Statement::bind_blob(int i, BytesView blob) {
    // A zero-length blob must still be a BLOB, not NULL: pass a non-null pointer.
    static const std::uint8_t k_empty = 0;
    const void* p = blob.empty() ? &k_empty : blob.data();
    if (sqlite3_bind_blob64(m_stmt, i, p, blob.size(), SQLITE_TRANSIENT) != SQLITE_OK) m_bind_error = i;
    return *this;
}

Statement& Statement::bind_null(int i) {
    if (sqlite3_bind_null(m_stmt, i) != SQLITE_OK) m_bind_error = i;
    return *this;
}

Result<bool> Statement::step() {
    if (m_bind_error)
        return make_error(m_errors.bind,
                          std::string(m_errors.prefix) + ": cannot bind parameter " + std::to_string(m_bind_error));
    const int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return connection_error(m_errors, sqlite3_db_handle(m_stmt), "step");
}

Status Statement::run() {
    YX_ASSIGN_OR_RETURN(bool row, step());
    (void)row;
    return ok_status();
}

void Statement::reset() noexcept {
    if (!m_stmt) return;
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
    m_bind_error = 0;
}

std::int64_t Statement::column_int(int i) const { return sqlite3_column_int64(m_stmt, i); }

std::string Statement::column_text(int i) const {
    const auto* p = sqlite3_column_text(m_stmt, i);
    const int n = sqlite3_column_bytes(m_stmt, i);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n)) : std::string();
}

Bytes Statement::column_blob(int i) const {
    const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(m_stmt, i));
    const int n = sqlite3_column_bytes(m_stmt, i);
    return p ? Bytes(p, p + n) : Bytes();
}

bool Statement::column_is_null(int i) const { return sqlite3_column_type(m_stmt, i) == SQLITE_NULL; }

Result<Transaction> Transaction::begin(Database& db) {
    YX_TRY(db.exec("BEGIN IMMEDIATE"));
    return Transaction(db);
}

Transaction::~Transaction() {
    if (m_open) (void)m_db->exec("ROLLBACK");
}

Status Transaction::commit() {
    if (!m_open) return make_error(Errc::internal, "transaction already finished");
    auto st = m_db->exec("COMMIT");
    if (!st.ok()) return st;  // still open: the destructor rolls back
    m_open = false;
    return ok_status();
}

}  // namespace yinxin::sqlite
