#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: install dependencies, build, run the power-on
# self-test, initialise the demo hierarchy in an embedded SQLite store (idempotently: a second run
# keeps the existing keys and CAs) and start the server on loopback, printing its URLs: HTTPS with
# a server certificate from the demo's own TLS CA, and plain HTTP for the http:// CRL/AIA URLs.
#
#   scripts/run.sh                    # data in ./yinxin-data, https://127.0.0.1:8443 + http://127.0.0.1:8080
#   YINXIN_DATA_DIR=/srv/yx YINXIN_LISTEN=127.0.0.1:9443 YINXIN_PLAIN_PORT=9080 scripts/run.sh
#
# DEMO ONLY: the custodian passwords and the CA key PIN below are printed and stored in the data
# directory so the demo starts unattended. A real installation runs the ceremonies of
# docs/operations.md with five custodians present and never writes their passwords to disk.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release

Y=./build/release/src/cli/yinxin
DATA="${YINXIN_DATA_DIR:-yinxin-data}"
LISTEN="${YINXIN_LISTEN:-127.0.0.1:8443}"
PLAIN_PORT="${YINXIN_PLAIN_PORT:-8080}"

$Y version
$Y selftest

umask 077
mkdir -p "$DATA"
if [[ ! -f "$DATA/demo-custodians.txt" ]]; then
  cat >"$DATA/demo-custodians.txt" <<'PW'
# DEMO custodian passwords (LD/T 03-2022 §8.3.6 b: 3 of 5 restore the device master key)
zhao:Demo-Zhao-2026!
qian:Demo-Qian-2026!
sun:Demo-Sun-2026!
li:Demo-Li-2026!
zhou:Demo-Zhou-2026!
PW
  grep -v '^#' "$DATA/demo-custodians.txt" | head -3 >"$DATA/demo-shares.txt"
  echo 'Demo-CA-Key-PIN-2026' >"$DATA/demo-pin.txt"
fi
if [[ ! -f "$DATA/device.db" ]]; then
  $Y device init --store "$DATA/device.db" --password-file "$DATA/demo-custodians.txt" \
    --custodian zhao --custodian qian --custodian sun --custodian li --custodian zhou --staff-db "$DATA/store.db"
fi
$Y ca init --config config/demo-ceremony.json --data-dir "$DATA" \
  --shares-file "$DATA/demo-shares.txt" --pin-file "$DATA/demo-pin.txt"
$Y ca list --data-dir "$DATA"
# Demo staff: one member per LD/T 03-2022 §5.4 role, each with a certificate from the demo sub CA.
$Y staff demo --data-dir "$DATA" --shares-file "$DATA/demo-shares.txt" --pin-file "$DATA/demo-pin.txt" \
  --out "$DATA/demo-staff"
# The HTTPS server certificate: a P-256 key made here (the TLS server reads it from the file, mode
# 0600), certified by the demo TLS CA through the same issuance pipeline as every certificate.
# Browsers and curl cannot check SM2 chains, so this CA is P-256 (docs/operations.md "HTTPS").
TLS="$DATA/tls"
if [[ ! -f "$TLS/server.pem" ]] || ! openssl x509 -in "$TLS/server.pem" -noout -checkend 2592000 >/dev/null; then
  mkdir -p "$TLS"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$TLS/server.key"
  openssl req -new -key "$TLS/server.key" -subj "/CN=localhost" -out "$TLS/server.csr"
  $Y cert issue --data-dir "$DATA" --shares-file "$DATA/demo-shares.txt" --pin-file "$DATA/demo-pin.txt" \
    --ca demo-tls-root --profile tls-server --csr "$TLS/server.csr" \
    --host localhost --host 127.0.0.1 --host ::1 --request-id "tls-server-$(date +%s)" --out "$TLS/server.pem"
fi
if [[ ! -f "$DATA/tsa.json" ]]; then
  # The RFC 3161 time-stamp authority of the issuing CA (`yinxin seal sign --tsa .../api/v1/tsa`).
  $Y tsa delegate --ca demo-sub --data-dir "$DATA" --shares-file "$DATA/demo-shares.txt" --pin-file "$DATA/demo-pin.txt"
fi
if [[ ! -f "$DATA/kmc.json" ]]; then
  # The key management centre inside the server: dual certificates ("dual": true on a request),
  # escrowed encryption keys and key recovery (docs/operations.md "Key management centre").
  $Y kmc init --ca demo-sub --data-dir "$DATA" --shares-file "$DATA/demo-shares.txt" --pin-file "$DATA/demo-pin.txt"
fi
$Y ca show demo-tls-root --data-dir "$DATA" --out "$TLS/ca.pem" >/dev/null
# A CRL of every CA, so the CRL distribution points answer from the start (cron: `crl issue --all`
# at least daily; every revocation signs a new one at once).
$Y crl issue --all --data-dir "$DATA" --shares-file "$DATA/demo-shares.txt" --pin-file "$DATA/demo-pin.txt"
# Sign the head of the audit log with the audit key held in the device.
$Y audit checkpoint --data-dir "$DATA" --shares-file "$DATA/demo-shares.txt" --pin-file "$DATA/demo-pin.txt"
echo
echo "DEMO staff logins (login role password key certificate):"
grep -v '^#' "$DATA/demo-staff/logins.txt" | sed 's/^/  /'
echo "log in (password + SM2-signed challenge), then use the token with curl:"
echo "  echo 'Bm5^Xc1@Gw' > /tmp/pw; $Y staff login --url https://$LISTEN --cacert $TLS/ca.pem --login auditor --password-file /tmp/pw --key $DATA/demo-staff/auditor.key.pem"
echo "  curl --cacert $TLS/ca.pem -H 'Authorization: Bearer <token>' https://$LISTEN/api/v1/audit/verify"
echo "registration (LD/T 03 §6.4): holder submits, ra.approver approves, ra.operator reviews: https://$LISTEN/api/v1/ra/requests (docs/operations.md)"
echo "dual certificates: submit with \"dual\": true, then GET /api/v1/ra/requests/<id>/key-response; $Y kmc open-envelope --help"
echo "time stamps (RFC 3161): https://$LISTEN/api/v1/tsa; seal tool: $Y seal sign --help, $Y seal verify --help"
echo "operator console (zh-CN, English switch): https://$LISTEN/console/ — log in with a login above: password and its .key.pem file (read in the browser, never uploaded)"
echo "electronic seals (LD/T 01.1, docs/seal-system.md): applications https://$LISTEN/api/v1/seal/applications, seals https://$LISTEN/api/v1/seal/seals,"
echo "  status https://$LISTEN/api/v1/seal-status/<seal code> and the signed list https://$LISTEN/api/v1/seal-status/revocation-list,"
echo "  centralized use https://$LISTEN/api/v1/seal-use/requests (seal.user asks, seal.reviewer approves; grants by sealuse.admin)"
echo "HTTPS trust anchor (the demo TLS root, P-256): $TLS/ca.pem"
echo "demo data directory: $DATA (custodian passwords: $DATA/demo-custodians.txt; CA key PIN: $DATA/demo-pin.txt)"
echo "issue a certificate: $Y cert issue --data-dir $DATA --shares-file $DATA/demo-shares.txt --pin-file $DATA/demo-pin.txt --ca demo-sub --profile personnel-sign --csr req.pem"
echo
# The shares unlock the device in the server too, so the CA keys answer OCSP (DEMO: unattended).
exec $Y serve --listen "$LISTEN" --tls-cert "$TLS/server.pem" --tls-key "$TLS/server.key" --plain-port "$PLAIN_PORT" \
  --data-dir "$DATA" --shares-file "$DATA/demo-shares.txt" --pin-file "$DATA/demo-pin.txt"
