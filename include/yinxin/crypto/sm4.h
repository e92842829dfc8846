// SM4 block cipher (GB/T 32907 / GM/T 0002) in ECB, CBC, CTR and GCM modes, through OpenSSL 3.
#pragma once

#include "yinxin/base/bytes.h"
#include "yinxin/base/result.h"
#include "yinxin/base/secure.h"

namespace yinxin::crypto {

inline constexpr std::size_t k_sm4_key_len = 16;
inline constexpr std::size_t k_sm4_block_len = 16;
inline constexpr std::size_t k_sm4_gcm_tag_len = 16;

enum class Padding { none, pkcs7 };

// Keys must be 16 bytes (crypto.bad_length otherwise). With Padding::none the input length must be a
// multiple of 16. Decryption with PKCS#7 fails with crypto.decrypt_failed on bad padding.
Result<Bytes> sm4_ecb_encrypt(BytesView key, BytesView plaintext, Padding padding = Padding::none);
Result<Bytes> sm4_ecb_decrypt(BytesView key, BytesView ciphertext, Padding padding = Padding::none);
Result<Bytes> sm4_cbc_encrypt(BytesView key, BytesView iv, BytesView plaintext, Padding padding = Padding::pkcs7);
Result<Bytes> sm4_cbc_decrypt(BytesView key, BytesView iv, BytesView ciphertext, Padding padding = Padding::pkcs7);
// CTR with a 16-byte initial counter block; encryption and decryption are the same operation.
Result<Bytes> sm4_ctr(BytesView key, BytesView iv, BytesView data);

// GCM (NIST SP 800-38D with SM4, RFC 8998). Output of seal is ciphertext || 16-byte tag;
// open verifies the tag (crypto.auth_tag_mismatch) before returning any plaintext. OpenSSL 3.0
// has no SM4-GCM: the mode is Yinxin's (SM4 from OpenSSL, GHASH with PCLMULQDQ when the CPU has
// it, else a table-free portable one). IV: any non-empty length, 12 bytes recommended; an IV
// must never repeat under one key. Empty IV or sealed input shorter than the tag → crypto.bad_length.
Result<Bytes> sm4_gcm_seal(BytesView key, BytesView iv, BytesView aad, BytesView plaintext);
Result<SecretBytes> sm4_gcm_open(BytesView key, BytesView iv, BytesView aad, BytesView sealed);

}  // namespace yinxin::crypto
