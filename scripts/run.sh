#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: install dependencies, build, run the power-on
# self-test, initialise the demo hierarchy in an embedded SQLite store (idempotently: a second run
# keeps the existing keys and CAs) and start the HTTP server on loopback, printing its URLs.
#
#   scripts/run.sh                    # data in ./yinxin-data, server on 127.0.0.1:8080
#   YINXIN_DATA_DIR=/srv/yx YINXIN_LISTEN=127.0.0.1:9000 scripts/run.sh
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
LISTEN="${YINXIN_LISTEN:-127.0.0.1:8080}"

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
# Sign the head of the audit log with the audit key held in the device.
$Y audit checkpoint --data-dir "$DATA" --shares-file "$DATA/demo-shares.txt" --pin-file "$DATA/demo-pin.txt"
echo
echo "DEMO staff logins (login role password key certificate):"
grep -v '^#' "$DATA/demo-staff/logins.txt" | sed 's/^/  /'
echo "log in (password + SM2-signed challenge), then use the token with curl:"
echo "  echo 'Bm5^Xc1@Gw' > /tmp/pw; $Y staff login --url http://$LISTEN --login auditor --password-file /tmp/pw --key $DATA/demo-staff/auditor.key.pem"
echo "  curl -H 'Authorization: Bearer <token>' http://$LISTEN/api/v1/audit/verify"
echo "demo data directory: $DATA (custodian passwords: $DATA/demo-custodians.txt; CA key PIN: $DATA/demo-pin.txt)"
echo "issue a certificate: $Y cert issue --data-dir $DATA --shares-file $DATA/demo-shares.txt --pin-file $DATA/demo-pin.txt --ca demo-sub --profile personnel-sign --csr req.pem"
echo
exec $Y serve --listen "$LISTEN" --data-dir "$DATA"
