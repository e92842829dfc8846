// RAII over the SQLite C API, shared by every module that keeps state in an SQLite file (the soft
// device's key store, the store layer): Database, Statement (prepared once, reset after each use),
// StatementUse, Transaction (BEGIN IMMEDIATE ... COMMIT, rollback on destruction).
//
// The wrapper has no error band of its own: each caller passes the codes its failures are reported
// with (ErrorCodes), so a device key store still fails with device.store_error and the CA store
// with store.io / store.conflict.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "yinxin/base/bytes.h"
#include "yinxin/base/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace yinxin::sqlite {

// How failures are reported. `prefix` starts every message ("store", "device store"); it must be
// a string literal or otherwise outlive the Database and its statements.
struct ErrorCodes {
    // Open, I/O, corruption, full disk, and anything not listed below.
    Errc io = Errc::internal;
    // Constraint violations and a busy or locked database: a retryable or caller-visible conflict.
    Errc conflict = Errc::internal;
    // A bind call failed (a bug: wrong index or out of memory).
    Errc bind = Errc::internal;
    std::string_view prefix = "sqlite";
};

struct OpenOptions {
    ErrorCodes errors;
    // When false a missing file is base.not_found instead of being created.
    bool create = true;
    int busy_timeout_ms = 5000;
};

class Statement;

class Database {
public:
    // Opens read-write with extended result codes and a busy timeout. The connection is not
    // internally serialised (SQLITE_OPEN_NOMUTEX): callers guard it with their own mutex.
    static Result<Database> open(const std::string& path, const OpenOptions& options);
    Database() = default;
    ~Database();
    Database(Database&& other) noexcept : m_db(other.m_db), m_errors(other.m_errors) { other.m_db = nullptr; }
    Database& operator=(Database&& other) noexcept;
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    // One or more statements; result rows (e.g. from PRAGMA journal_mode) are ignored.
    Status exec(std::string_view sql);
    Result<Statement> prepare(std::string_view sql);
    // The error for the connection's last failure, mapped with the caller's ErrorCodes.
    Error last_error(std::string_view what) const;
    std::int64_t last_insert_rowid() const;
    int changes() const;
    const ErrorCodes& error_codes() const noexcept { return m_errors; }
    sqlite3* native() const noexcept { return m_db; }

private:
    Database(sqlite3* db, const ErrorCodes& errors) : m_db(db), m_errors(errors) {}
    sqlite3* m_db = nullptr;
    ErrorCodes m_errors;
};

class Statement {
public:
    Statement() = default;
    ~Statement();
    Statement(Statement&& other) noexcept
        : m_stmt(other.m_stmt), m_errors(other.m_errors), m_bind_error(other.m_bind_error) {
        other.m_stmt = nullptr;
    }
    Statement& operator=(Statement&& other) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    // Parameters are 1-based (SQLite ?N; PostgreSQL would be $N).
    Statement& bind(int i, std::int64_t v);
    Statement& bind(int i, std::string_view text);
    Statement& bind_blob(int i, BytesView blob);
    Statement& bind_null(int i);

    // true: a row is available; false: done.
    Result<bool> step();
    // Runs a statement that returns no rows.
    Status run();
    // Back to the start with bindings cleared, so the prepared statement can be reused.
    void reset() noexcept;

    std::int64_t column_int(int i) const;
    std::string column_text(int i) const;
    Bytes column_blob(int i) const;
    bool column_is_null(int i) const;

private:
    friend class Database;
    // The statement finds its connection through sqlite3_db_handle, so moving the Database that
    // prepared it does not leave it pointing at a stale object.
    Statement(sqlite3_stmt* s, const ErrorCodes& errors) : m_stmt(s), m_errors(errors) {}
    sqlite3_stmt* m_stmt = nullptr;
    ErrorCodes m_errors;
    int m_bind_error = 0;
};

// Resets a cached statement when the scope ends, whatever path leaves it.
class StatementUse {
public:
    explicit StatementUse(Statement& s) : m_s(s) {}
    ~StatementUse() { m_s.reset(); }
    StatementUse(const StatementUse&) = delete;
    StatementUse& operator=(const StatementUse&) = delete;
    Statement* operator->() { return &m_s; }
    Statement& operator*() { return m_s; }

private:
    Statement& m_s;
};

// BEGIN IMMEDIATE takes the write lock at the start, so two processes sharing a file never both
// pass a uniqueness check or allocate the same index (PostgreSQL: BEGIN; UNIQUE decides there).
class Transaction {
public:
    static Result<Transaction> begin(Database& db);
    ~Transaction();
    Transaction(Transaction&& other) noexcept : m_db(other.m_db), m_open(other.m_open) { other.m_open = false; }
    Transaction& operator=(Transaction&&) = delete;
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    Status commit();

private:
    explicit Transaction(Database& db) : m_db(&db), m_open(true) {}
    Database* m_db;
    bool m_open;
};

}  // namespace yinxin::sqlite
