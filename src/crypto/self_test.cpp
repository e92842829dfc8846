#include "yinxin/crypto/self_test.h"

#include "yinxin/base/bytes.h"
#include "yinxin/crypto/sm2.h"
#include "yinxin/crypto/sm2_cipher.h"
#include "yinxin/crypto/sm3.h"
#include "yinxin/crypto/sm4.h"

namespace yinxin::crypto {
namespace {

void add(SelfTestReport& report, std::string name, bool ok, std::string detail = {}) {
    report.items.push_back(SelfTestItem{std::move(name), ok, std::move(detail)});
}

Bytes must_hex(std::string_view h) { return hex_decode(h).value(); }

}  // namespace

SelfTestReport run_self_tests() {
    SelfTestReport report;

    // GB/T 32905-2016 Annex A.1: SM3("abc").
    {
        auto d = sm3(as_bytes("abc"));
        auto want = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0";
        add(report, "sm3-kat", hex_encode(d) == want);
    }
    // GB/T 32907-2016 Annex A.1: SM4 single block.
    {
        auto key = must_hex("0123456789abcdeffedcba9876543210");
        auto ct = sm4_ecb_encrypt(key, key, Padding::none);
        add(report, "sm4-kat", ct.ok() && hex_encode(*ct) == "681edf34d206965e86b3e94f536e4246",
            ct.ok() ? "" : ct.error().to_string());
    }
    // SM2 pairwise consistency with a fresh key, and the distinguishing-ID trap of OpenSSL 3.0
    // (gm-and-seal-formats.md §6.1): a default-ID signature must not verify under the empty ID.
    {
        auto key = Sm2PrivateKey::generate();
        if (!key) {
            add(report, "sm2-keygen", false, key.error().to_string());
            return report;
        }
        auto pub = key->public_key();
        auto msg = as_bytes("yinxin self-test");
        auto sig = sm2_sign(*key, msg);
        bool ok = sig.ok() && sm2_verify(pub, msg, *sig).ok();
        add(report, "sm2-sign-verify", ok, sig.ok() ? "" : sig.error().to_string());
        bool id_bound = sig.ok() && !sm2_verify(pub, msg, *sig, "").ok();
        add(report, "sm2-distid-bound", id_bound, id_bound ? "" : "signature verified under the empty ID");
        auto ct = sm2_encrypt(pub, msg);
        auto pt = ct.ok() ? sm2_decrypt(*key, *ct) : Result<SecretBytes>(ct.error());
        add(report, "sm2-encrypt-decrypt", pt.ok() && Bytes(pt->begin(), pt->end()) == Bytes(msg.begin(), msg.end()),
            pt.ok() ? "" : pt.error().to_string());
    }
    return report;
}

}  // namespace yinxin::crypto
