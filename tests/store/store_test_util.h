// Helpers for the store tests: temporary store files, fake certificates whose first element is a
// given TBS (the store only checks that framing, never the signature), raw SQLite queries.
#pragma once

#include <sqlite3.h>
#include <unistd.h>

#include <random>
#include <string>

#include "support/test_support.h"
#include "yinxin/base/bytes.h"
#include "yinxin/base/tlv.h"
#include "yinxin/ca/store.h"
#include "yinxin/store/sqlite_store.h"

namespace yinxin::store::test {

// A scratch directory per test under <build>/test_tmp (tests/support/test_support.h), removed when
// the test passed and kept for inspection when it failed; file(name) gives a path inside it.
using TempDir = ::yinxin::test::ScratchDir;

inline ca::CaRecord test_ca(const std::string& id, const std::string& parent = {}) {
    ca::CaRecord r;
    r.id = id;
    r.name = "Test CA " + id;
    r.subject_dn = "CN=" + id + ",O=Yinxin Test,C=CN";
    r.certificate_der = {0x30, 0x03, 0x02, 0x01, 0x01};
    r.key = {"soft", 3, id + "-key"};
    r.parent_id = parent;
    r.kind = parent.empty() ? ca::CaKind::root : ca::CaKind::sub;
    return r;
}

// TBSCertificate stand-in: SEQUENCE { INTEGER serial, OCTET STRING filler }.
inline Bytes fake_tbs(BytesView serial, std::uint64_t salt) {
    Bytes content;
    tlv::append_tlv(content, 0x02, tlv::unsigned_integer_content(serial));
    Bytes filler(40);
    for (std::size_t i = 0; i < filler.size(); ++i) filler[i] = static_cast<std::uint8_t>((salt >> (i % 8)) + i);
    tlv::append_tlv(content, 0x04, filler);
    Bytes out;
    tlv::append_tlv(out, 0x30, content);
    return out;
}

// Certificate ::= SEQUENCE { tbs, AlgorithmIdentifier sm2-with-sm3, BIT STRING } (RFC 5280 4.1).
inline Bytes fake_cert(BytesView tbs) {
    Bytes content(tbs.begin(), tbs.end());
    const Bytes alg = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x83, 0x75};  // 1.2.156.10197.1.501
    content.insert(content.end(), alg.begin(), alg.end());
    Bytes sig(65, 0x5a);
    sig[0] = 0x00;
    tlv::append_tlv(content, 0x03, sig);
    Bytes out;
    tlv::append_tlv(out, 0x30, content);
    return out;
}

inline ca::PendingIssuance pending_for(const std::string& ca_id, const Bytes& serial, const std::string& request) {
    ca::PendingIssuance p;
    p.ca_id = ca_id;
    p.serial = serial;
    p.tbs_der = fake_tbs(serial, serial.empty() ? 0 : serial.back());
    p.subject_dn = "CN=holder " + request + ",C=CN";
    p.not_before = 1'780'000'000;
    p.not_after = 1'811'536'000;
    p.profile_id = "person-sign";
    p.request_id = request;
    return p;
}

inline Bytes serial_n(std::uint64_t n) {
    Bytes s(9);
    s[0] = 0x40;  // positive and 9 octets long, like a 64-bit random serial with a prefix
    for (int i = 0; i < 8; ++i) s[static_cast<std::size_t>(8 - i)] = static_cast<std::uint8_t>(n >> (8 * i));
    return s;
}

// A single-value query on a separate raw connection (white-box checks).
inline std::string query_text(const std::string& path, const std::string& sql) {
    sqlite3* db = nullptr;
    std::string out = "<error>";
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK) {
            const int rc = sqlite3_step(st);
            if (rc == SQLITE_ROW) {
                const auto* t = sqlite3_column_text(st, 0);
                out = t ? reinterpret_cast<const char*>(t) : "<null>";
            } else if (rc == SQLITE_DONE) {
                out = "<none>";
            }
        }
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return out;
}

inline long long query_int(const std::string& path, const std::string& sql) {
    const std::string t = query_text(path, sql);
    return (t.empty() || t[0] == '<') ? -1 : std::stoll(t);
}

}  // namespace yinxin::store::test
