#!/usr/bin/env bash
# Regenerates the CSR fixtures of tests/data/csr with the Debian 12 openssl CLI (3.0.19) and byte
# edits. Keys are throw-away keys made in a temporary directory and deleted at the end; only the
# requests are kept. See README.md for what each file is for and the error it must produce.
set -euo pipefail
out="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

cat > sm2_ext.cnf <<'EOF'
[req]
distinguished_name = dn
attributes = attrs
prompt = no
[dn]
C = CN
O = Yinxin Test
CN = csr sm2 distid
[attrs]
challengePassword = pass1234
EOF

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:SM2 -out sm2.key
# Good: SM2 signed WITH the GM/T 0009 default ID (gm-and-seal-formats §6.2).
openssl req -new -config sm2_ext.cnf -key sm2.key -sm3 -sigopt distid:1234567812345678 \
  -addext "subjectAltName=email:zhangsan@example.cn,DNS:www.example.cn,URI:https://www.example.cn/" \
  -addext "keyUsage=critical,digitalSignature,nonRepudiation" \
  -out "$out/good_sm2_distid.csr.pem"
# The same key signed by `openssl req` WITHOUT -sigopt: OpenSSL 3.0 uses an EMPTY ID (§6.1).
openssl req -new -key sm2.key -sm3 -subj "/C=CN/O=Yinxin Test/CN=csr sm2 empty id" \
  -out "$out/sm2_empty_id.csr.pem"

openssl ecparam -name prime256v1 -genkey -noout -out p256.key
openssl req -new -key p256.key -sha256 -subj "/C=CN/O=Yinxin Test/CN=csr p256" -out "$out/good_p256.csr.pem"
openssl ecparam -name secp384r1 -genkey -noout -out p384.key
openssl req -new -key p384.key -sha384 -subj "/C=CN/O=Yinxin Test/CN=csr p384" -out "$out/good_p384.csr.pem"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa2048.key
openssl req -new -key rsa2048.key -sha256 -subj "/C=CN/O=Yinxin Test/CN=csr rsa2048" -out "$out/good_rsa2048.csr.pem"

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out rsa1024.key
openssl req -new -key rsa1024.key -sha256 -subj "/C=CN/O=Yinxin Test/CN=csr rsa1024" -out "$out/rsa1024.csr.pem"
openssl ecparam -name secp256k1 -genkey -noout -out k1.key
openssl req -new -key k1.key -sha256 -subj "/C=CN/O=Yinxin Test/CN=csr secp256k1" -out "$out/secp256k1.csr.pem"
openssl ecparam -name prime192v1 -genkey -noout -out p192.key
openssl req -new -key p192.key -sha256 -subj "/C=CN/O=Yinxin Test/CN=csr p192" -out "$out/p192.csr.pem"

# Oversize: a correctly signed SM2 request over 64 KiB (a 70000-character private extension).
big=$(head -c 70000 /dev/zero | tr '\0' 'A')
openssl req -new -key sm2.key -sm3 -sigopt distid:1234567812345678 -subj "/C=CN/O=Yinxin Test/CN=csr oversize" \
  -addext "1.2.3.4.5=ASN1:UTF8String:$big" -outform DER -out "$out/oversize.csr.der"

# Byte edits of the good SM2 request.
openssl req -in "$out/good_sm2_distid.csr.pem" -outform DER -out good.der
python3 - "$out" <<'EOF'
import sys
out = sys.argv[1]
good = bytearray(open("good.der", "rb").read())

def save(name, data):
    open(f"{out}/{name}", "wb").write(bytes(data))

# Bad signature: the last octet of s inside the signature BIT STRING.
bad = bytearray(good); bad[-1] ^= 0x01; save("bad_signature.csr.der", bad)
# Tampered CertificationRequestInfo: one letter of the CN ("csr sm2 distid" -> "csr sm2 distiD").
i = good.index(b"csr sm2 distid"); t = bytearray(good); t[i + 13] = ord("D"); save("tampered_info.csr.der", t)
# Truncated: the last 10 octets removed.
save("truncated.csr.der", good[:-10])
# Trailing garbage after a complete request.
save("trailing_garbage.csr.der", good + b"GARBAGE")
# Version 1 instead of 0: the first INTEGER of CertificationRequestInfo (02 01 00 -> 02 01 01).
v = bytearray(good); j = v.index(b"\x02\x01\x00"); v[j + 2] = 1; save("version1.csr.der", v)
# Not DER at all.
save("garbage.csr.der", b"this is not a certification request\n")
EOF
echo "fixtures written to $out"
