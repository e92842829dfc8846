// Migration 14: dual certificates (双证书, LD/T 03-2022 §6.3 a; yinxin/ra/application.h
// DualKeyRecord). ra_requests.dual marks a request whose PKCS#10 key gets the signing certificate
// and a KMC-escrowed key the encryption certificate. ra_dual_keys keeps the encryption half step by
// step: the serial (the KMC's userCertNo) and the signed CARequest before the KMC is asked, then
// the encryption certificate and the CSRResponse handed to the holder (it carries the private key
// only SM2-enveloped to the holder's signing key).
#pragma once

#include <string_view>

namespace yinxin::store::sqlite::migrations {

inline constexpr std::string_view k_0014_dual_certificates = R"sql(
ALTER TABLE ra_requests ADD COLUMN dual INTEGER NOT NULL DEFAULT 0 CHECK (dual IN (0, 1));
CREATE TABLE ra_dual_keys (
    request_id        TEXT PRIMARY KEY REFERENCES ra_requests(id),
    sign_result       TEXT NOT NULL,
    encryption_serial BLOB NOT NULL CHECK (length(encryption_serial) BETWEEN 8 AND 20),
    kmc_request       BLOB NOT NULL,
    enc_result        TEXT NOT NULL DEFAULT '',
    csr_response      BLOB,
    kmc_revoked       INTEGER NOT NULL DEFAULT 0 CHECK (kmc_revoked IN (0, 1))
);
CREATE INDEX ra_dual_keys_sign ON ra_dual_keys(sign_result);
CREATE INDEX ra_dual_keys_enc ON ra_dual_keys(enc_result) WHERE enc_result <> '';
)sql";

}  // namespace yinxin::store::sqlite::migrations
