// PKCS#12 (RFC 7292) key files holding an SM2 key, as `openssl pkcs12 -export`, browsers and
// token vendors write them: for the offline seal tool and signing clients whose keys are not in a
// Yinxin device. Read through OpenSSL 3 (PBES2/PBKDF2 and the legacy PBE algorithms the default
// provider supports; the MAC is checked).
#pragma once

#include <string_view>
#include <vector>

#include "yinxin/base/bytes.h"
#include "yinxin/base/result.h"
#include "yinxin/crypto/sm2.h"

namespace yinxin::crypto {

struct Pkcs12Contents {
    Sm2PrivateKey key;
    Bytes certificate;                   // DER of the key's certificate; empty when the file has none
    std::vector<Bytes> ca_certificates;  // DER of the other certificates
};

// Errors: crypto.bad_key (not PKCS#12, a wrong password or MAC, no key, a key that is not SM2).
Result<Pkcs12Contents> read_pkcs12(BytesView der, std::string_view password);

}  // namespace yinxin::crypto
