// Migration 8: delegated OCSP responders (RFC 6960 4.2.2.2). A CA's OCSP-signing certificate is an
// ordinary certificate it issued (profile ocsp-signing, in `certificates`); this table names the
// device key behind it so a responder can sign with it.
#pragma once

#include <string_view>

namespace yinxin::store::sqlite::migrations {

inline constexpr std::string_view k_0008_ocsp_signers = R"sql(
CREATE TABLE ocsp_signers (
    id          INTEGER PRIMARY KEY,
    ca_id       TEXT NOT NULL REFERENCES cas (id),
    serial      TEXT NOT NULL,
    key_backend TEXT NOT NULL,
    key_index   INTEGER NOT NULL,
    key_label   TEXT NOT NULL,
    not_before  INTEGER NOT NULL,
    not_after   INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (ca_id, serial),
    FOREIGN KEY (ca_id, serial) REFERENCES certificates (ca_id, serial)
);
)sql";

}  // namespace yinxin::store::sqlite::migrations
