#!/usr/bin/env bash
# Regenerates the certificate fixtures of tests/data/x509 with the Debian 12 openssl CLI (3.0.19):
# third-party encodings and signatures for the x509 tests (STYLE.md 10). Keys are throw-away keys
# made in a temporary directory and deleted at the end; only certificates are kept.
set -euo pipefail
out="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
ID=distid:1234567812345678

cat > ext.cnf <<'EOF'
[sub]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
crlDistributionPoints = URI:http://crl.example.cn/root.crl
certificatePolicies = @pol

[leaf]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = clientAuth,emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = email:zhangsan@example.cn,DNS:www.example.cn,URI:https://www.example.cn/,dirName:alt_dn
crlDistributionPoints = URI:http://crl.example.cn/sub.crl,URI:ldap://ldap.example.cn/cn=sub
authorityInfoAccess = OCSP;URI:http://ocsp.example.cn/,caIssuers;URI:http://ca.example.cn/sub.cer
certificatePolicies = @pol
noCheck = ignored
# GM/T 0015 identity extensions: IdentifyCode with an EXPLICIT [0] (XiPKI style), the others a
# bare PrintableString; 1.2.156.10260.4.4 USCC (2023) and the legacy 1.2.86.11.7.3.
1.2.156.10260.4.1.1 = ASN1:EXPLICIT:0C,PRINTABLESTRING:110101199003071234
1.2.156.10260.4.1.4 = ASN1:PRINTABLESTRING:12345678-9
1.2.156.10260.4.4 = ASN1:PRINTABLESTRING:91330100MA2CFXXX0X
1.2.86.11.7.3 = ASN1:PRINTABLESTRING:330100000012345

[pol]
policyIdentifier = 1.2.156.112559.1.1.1
CPS.1 = "http://www.example.cn/cps"

[alt_dn]
C = CN
O = Alt Org
CN = Alt Name
EOF

# SM2 chain signed WITH the GM/T 0009 default ID at every level.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:SM2 -out root.key
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:SM2 -out sub.key
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:SM2 -out leaf.key
cat > root.cnf <<'EOF'
[req]
distinguished_name = dn
prompt = no
utf8 = yes
string_mask = utf8only
x509_extensions = root
[dn]
C = CN
O = Yinxin 测试
CN = Yinxin OpenSSL SM2 Root
[root]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
EOF
openssl req -x509 -new -config root.cnf -key root.key -sm3 -sigopt $ID -days 7300 -out "$out/openssl_sm2_root.pem"
openssl req -new -key sub.key -sm3 -sigopt $ID -utf8 -subj "/C=CN/O=Yinxin 测试/CN=Yinxin OpenSSL SM2 Sub CA" \
  -out sub.csr
openssl x509 -req -in sub.csr -CA "$out/openssl_sm2_root.pem" -CAkey root.key -CAcreateserial -CAserial ca.srl -sm3 \
  -sigopt $ID -vfyopt $ID -days 3650 -extfile ext.cnf -extensions sub -out "$out/openssl_sm2_sub.pem"
openssl req -new -key leaf.key -sm3 -sigopt $ID -utf8 \
  -subj "/C=CN/ST=浙江省/L=杭州市/O=测试单位/OU=信息中心/CN=张三/emailAddress=zhangsan@example.cn/serialNumber=110101199003071234" \
  -out leaf.csr
openssl x509 -req -in leaf.csr -CA "$out/openssl_sm2_sub.pem" -CAkey sub.key -CAcreateserial -CAserial ca.srl -sm3 \
  -sigopt $ID -vfyopt $ID -days 365 -extfile ext.cnf -extensions leaf -out "$out/openssl_sm2_leaf.pem"

# Self-signed SM2 certificate made WITHOUT -sigopt: its signature uses OpenSSL 3.0's EMPTY ID.
openssl req -x509 -new -key root.key -sm3 -days 7300 -subj "/C=CN/O=Yinxin Test/CN=Empty ID Root" \
  -out "$out/openssl_sm2_emptyid_root.pem"

# Foreign algorithms for the signature dispatch (self-signed).
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.key
openssl req -x509 -new -key rsa.key -sha256 -days 7300 -subj "/C=CN/CN=Yinxin RSA SHA-256" \
  -out "$out/openssl_rsa_sha256.pem"
# (RSA with SM3, 1.2.156.10197.1.504, is refused by the OpenSSL 3.0 provider: "digest not allowed".)
openssl req -x509 -new -key rsa.key -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 \
  -sigopt rsa_mgf1_md:sha256 -days 7300 -subj "/C=CN/CN=Yinxin RSA-PSS" -out "$out/openssl_rsa_pss.pem"
openssl ecparam -name prime256v1 -genkey -noout -out p256.key
openssl req -x509 -new -key p256.key -sha256 -days 7300 -subj "/C=CN/CN=Yinxin ECDSA P-256" \
  -out "$out/openssl_ecdsa_p256.pem"
openssl ecparam -name secp384r1 -genkey -noout -out p384.key
openssl req -x509 -new -key p384.key -sha384 -days 7300 -subj "/C=CN/CN=Yinxin ECDSA P-384" \
  -out "$out/openssl_ecdsa_p384.pem"
echo "fixtures written to $out"
