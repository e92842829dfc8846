// Helpers shared by the SM2 test files.
#pragma once

#include <gtest/gtest.h>
#include <openssl/err.h>

#include "kat_file.h"
#include "yinxin/crypto/signature.h"
#include "yinxin/crypto/sm2.h"

namespace yinxin::crypto::test {

inline Sm2PrivateKey kat_key() {
    const auto v = yinxin::testing::load_kat("kat/sm2_sign.vec").at(0);
    return Sm2PrivateKey::from_scalar(v.bytes("D")).value();
}

inline Bytes point_of(const yinxin::testing::KatVector& v) {
    Bytes p{0x04};
    const Bytes x = v.bytes("Px"), y = v.bytes("Py");
    p.insert(p.end(), x.begin(), x.end());
    p.insert(p.end(), y.begin(), y.end());
    return p;
}

inline Bytes rs_der(const Bytes& r, const Bytes& s) {
    Bytes raw = r;
    raw.insert(raw.end(), s.begin(), s.end());
    return raw_to_der(raw).value();
}

// Every failure path must leave OpenSSL's error queue empty for the next caller.
inline void expect_clean_error_queue() { EXPECT_EQ(ERR_peek_error(), 0u) << "OpenSSL error queue not cleared"; }

}  // namespace yinxin::crypto::test
