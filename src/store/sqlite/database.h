// RAII over the SQLite C API for the store layer: Database, Statement (prepared once, reset after
// each use), Transaction (BEGIN IMMEDIATE ... COMMIT, rollback on destruction).
//
// src/device/sqlite_db.h has a similar few-line wrapper for the soft device's key store; device
// sits below store and may not include it, so the two are kept apart (reported to the lead).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "yinxin/base/bytes.h"
#include "yinxin/base/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace yinxin::store::sqlite {

class Statement;

class Database {
public:
    // Opens (creating when absent) read-write with extended result codes and a busy timeout.
    static Result<Database> open(const std::string& path, int busy_timeout_ms);
    Database() = default;
    ~Database();
    Database(Database&& other) noexcept : m_db(other.m_db) { other.m_db = nullptr; }
    Database& operator=(Database&& other) noexcept;
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    // One or more statements; result rows (e.g. from PRAGMA journal_mode) are ignored.
    Status exec(std::string_view sql);
    Result<Statement> prepare(std::string_view sql);
    // The error for the connection's last failure, mapped to the store band.
    Error last_error(std::string_view what) const;
    sqlite3* native() const noexcept { return m_db; }

private:
    explicit Database(sqlite3* db) : m_db(db) {}
    sqlite3* m_db = nullptr;
};

class Statement {
public:
    Statement() = default;
    ~Statement();
    Statement(Statement&& other) noexcept : m_db(other.m_db), m_stmt(other.m_stmt) { other.m_stmt = nullptr; }
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
    Statement(const Database* db, sqlite3_stmt* s) : m_db(db), m_stmt(s) {}
    const Database* m_db = nullptr;
    sqlite3_stmt* m_stmt = nullptr;
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
// pass a uniqueness check (PostgreSQL: BEGIN; the UNIQUE constraints decide there).
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

}  // namespace yinxin::store::sqlite
