// SM2 public-key encryption (GB/T 32918.4) in the three encodings met in practice:
//   asn1    GM/T 0009 SM2Cipher ::= SEQUENCE { XCoordinate INTEGER, YCoordinate INTEGER,
//                                              HASH OCTET STRING(32), CipherText OCTET STRING }
//   c1c3c2  raw 04||x||y || C3 || C2 (GB/T 32918.4-2016 order; SDF/SKF blobs)
//   c1c2c3  raw 04||x||y || C2 || C3 (the 2010 draft order, still used by some libraries)
#pragma once

#include "yinxin/base/bytes.h"
#include "yinxin/base/result.h"
#include "yinxin/base/secure.h"
#include "yinxin/crypto/sm2.h"

namespace yinxin::crypto {

enum class Sm2CipherFormat { asn1, c1c3c2, c1c2c3 };

// An empty plaintext is crypto.bad_length (GB/T 32918.4 needs klen > 0).
Result<Bytes> sm2_encrypt(const Sm2PublicKey& key, BytesView plaintext, Sm2CipherFormat format = Sm2CipherFormat::asn1);
// Wrong key or modified ciphertext → crypto.decrypt_failed; malformed → crypto.bad_ciphertext.
// Lenient on input: BER definite lengths, coordinates shorter than 32 bytes, with a redundant 00,
// or (from careless encoders) with the high bit set and no 00; raw forms must start with 04.
Result<SecretBytes> sm2_decrypt(const Sm2PrivateKey& key, BytesView ciphertext,
                                Sm2CipherFormat format = Sm2CipherFormat::asn1);
// Re-encodes without decrypting; asn1 output is minimal DER.
Result<Bytes> sm2_cipher_convert(BytesView ciphertext, Sm2CipherFormat from, Sm2CipherFormat to);

}  // namespace yinxin::crypto
