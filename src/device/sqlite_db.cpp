#include "sqlite_db.h"

#include <sqlite3.h>

#include <climits>
#include <filesystem>

namespace yinxin::device::detail {

Result<Db> Db::open(const std::string& path, bool create) {
    if (!create) {
        std::error_code ec;
        if (!std::filesystem::exists(path, ec))
            return make_error(Errc::not_found, "device store '" + path + "' does not exist");
    }
    sqlite3* db = nullptr;
    const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
    const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
        sqlite3_close(db);
        return make_error(Errc::device_store_error, "cannot open device store '" + path + "': " + msg);
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, 5000);
    return Db(db);
}

Db::~Db() {
    if (m_db) sqlite3_close_v2(m_db);
}

Db& Db::operator=(Db&& other) noexcept {
    if (this != &other) {
        if (m_db) sqlite3_close_v2(m_db);
        m_db = other.m_db;
        other.m_db = nullptr;
    }
    return *this;
}

Error Db::error(std::string_view what) const {
    std::string msg(what);
    msg += ": ";
    msg += m_db ? sqlite3_errmsg(m_db) : "no database";
    return make_error(Errc::device_store_error, std::move(msg));
}

Status Db::exec(std::string_view sql) {
    const std::string s(sql);
    char* err = nullptr;
    if (sqlite3_exec(m_db, s.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
        std::string msg = err ? err : "unknown error";
        sqlite3_free(err);
        return make_error(Errc::device_store_error, "device store: " + msg);
    }
    return ok_status();
}

Result<Stmt> Db::prepare(std::string_view sql) {
    sqlite3_stmt* s = nullptr;
    if (sql.size() > INT_MAX) return make_error(Errc::invalid_argument, "SQL too long");
    if (sqlite3_prepare_v2(m_db, sql.data(), static_cast<int>(sql.size()), &s, nullptr) != SQLITE_OK)
        return error("device store: prepare");
    return Stmt(this, s);
}

std::int64_t Db::last_insert_rowid() const { return sqlite3_last_insert_rowid(m_db); }
int Db::changes() const { return sqlite3_changes(m_db); }

Stmt::~Stmt() {
    if (m_stmt) sqlite3_finalize(m_stmt);
}

Stmt& Stmt::bind(int i, std::int64_t v) {
    if (sqlite3_bind_int64(m_stmt, i, v) != SQLITE_OK) m_bind_error = i;
    return *this;
}

Stmt& Stmt::bind(int i, std::string_view text) {
    if (sqlite3_bind_text64(m_stmt, i, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8) != SQLITE_OK)
        m_bind_error = i;
    return *this;
}

Stmt& Stmt::bind(int i, BytesView blob) {
    // A zero-length blob must still be a BLOB, not NULL: pass a non-null pointer.
    static const std::uint8_t k_empty = 0;
    const void* p = blob.empty() ? &k_empty : blob.data();
    if (sqlite3_bind_blob64(m_stmt, i, p, blob.size(), SQLITE_TRANSIENT) != SQLITE_OK) m_bind_error = i;
    return *this;
}

Result<bool> Stmt::step() {
    if (m_bind_error)
        return make_error(Errc::device_store_error, "device store: bind parameter " + std::to_string(m_bind_error));
    const int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return m_db->error("device store: step");
}

Status Stmt::run() {
    YX_ASSIGN_OR_RETURN(bool row, step());
    (void)row;
    return ok_status();
}

std::int64_t Stmt::column_int(int i) const { return sqlite3_column_int64(m_stmt, i); }

std::string Stmt::column_text(int i) const {
    const auto* p = sqlite3_column_text(m_stmt, i);
    const int n = sqlite3_column_bytes(m_stmt, i);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n)) : std::string();
}

Bytes Stmt::column_blob(int i) const {
    const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(m_stmt, i));
    const int n = sqlite3_column_bytes(m_stmt, i);
    return p ? Bytes(p, p + n) : Bytes();
}

bool Stmt::column_is_null(int i) const { return sqlite3_column_type(m_stmt, i) == SQLITE_NULL; }

Result<Transaction> Transaction::begin(Db& db) {
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

}  // namespace yinxin::device::detail
