#!/usr/bin/env bash
# OCSP responses per second on loopback (issue 6 target: >= 20,000/s on 2 cores), Yinxin's responder
# (`yinxin serve --role ocsp`) beside OpenSSL 3.0's own (`openssl ocsp -index ... -multi`) measured in
# the same run with the same load generator (Debian's wrk), each answering the same kind of request
# (one SHA-1 CertID, no nonce) for an SM2 CA. Prints both rates and the ratio.
#
#   bench/ocsp_load.sh [path/to/yinxin]       default build/release/src/cli/yinxin
#   DURATION=10 CONNECTIONS=32 THREADS=2 bench/ocsp_load.sh
#
# Without a nonce Yinxin signs an answer once and serves it again until its status changes or half
# its validity has passed (RFC 5019 2.2); `openssl ocsp` signs every answer. A second line measures
# Yinxin with a fresh nonce in every request (every answer signed), using wrk's Lua request hook.
# OpenSSL 3.0's responder takes a port number only and listens on every interface for the run;
# Yinxin listens on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
Y="$(realpath "${1:-build/release/src/cli/yinxin}")"
DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-2}"
command -v wrk >/dev/null || { echo "ocsp_load: wrk missing (apt-get install -y wrk)"; exit 1; }

W="$(mktemp -d)"
PIDS=()
cleanup() {
  # `openssl ocsp -multi` forks workers that keep spinning when only their parent is killed.
  for p in "${PIDS[@]}"; do pkill -TERM -P "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$W"
}
trap cleanup EXIT

# --- Yinxin: a root and an operating CA in a scratch data directory, one issued certificate.
printf 'a:bench-pass-1\nb:bench-pass-2\nc:bench-pass-3\nd:bench-pass-4\ne:bench-pass-5\n' >"$W/custodians.txt"
head -3 "$W/custodians.txt" >"$W/shares.txt"
echo 'bench-ca-key-pin' >"$W/pin.txt"
mkdir -p "$W/data"
"$Y" device init --store "$W/data/device.db" --password-file "$W/custodians.txt" --iterations 10000 \
  --custodian a --custodian b --custodian c --custodian d --custodian e >/dev/null
cat >"$W/ceremony.json" <<'JSON'
{"publication": {"base_url": "http://127.0.0.1:8080", "cps_oid": "2.999.1", "cps_uri": "http://127.0.0.1:8080/cps"},
 "cas": [{"id": "root", "name": "Bench Root", "kind": "root", "subject": [["C", "CN"], ["O", "Bench"], ["CN", "Bench Root"]]},
         {"id": "sub", "name": "Bench Sub", "kind": "sub", "parent": "root",
          "subject": [["C", "CN"], ["O", "Bench"], ["CN", "Bench Sub"]]}]}
JSON
S=(--data-dir "$W/data" --shares-file "$W/shares.txt" --pin-file "$W/pin.txt")
"$Y" ca init --config "$W/ceremony.json" "${S[@]}" >/dev/null
openssl genpkey -algorithm SM2 -out "$W/holder.key" 2>/dev/null
openssl req -new -key "$W/holder.key" -subj "/C=CN/O=Bench/CN=Holder" -sm3 -sigopt distid:1234567812345678 \
  -out "$W/holder.csr"
"$Y" cert issue "${S[@]}" --ca sub --profile personnel-sign --csr "$W/holder.csr" --out "$W/holder.pem" >/dev/null
"$Y" ca show sub --data-dir "$W/data" --out "$W/sub.pem" >/dev/null
openssl ocsp -issuer "$W/sub.pem" -cert "$W/holder.pem" -no_nonce -reqout "$W/req.der" >/dev/null

# --- OpenSSL: its own SM2 CA with an index file for the same kind of certificate.
openssl genpkey -algorithm SM2 -out "$W/ossl-ca.key" 2>/dev/null
openssl req -new -x509 -key "$W/ossl-ca.key" -sm3 -sigopt distid:1234567812345678 -subj "/C=CN/O=Bench/CN=OpenSSL CA" \
  -days 30 -out "$W/ossl-ca.pem"
openssl req -new -key "$W/holder.key" -subj "/C=CN/O=Bench/CN=Holder" -out "$W/ossl.csr"
openssl x509 -req -in "$W/ossl.csr" -CA "$W/ossl-ca.pem" -CAkey "$W/ossl-ca.key" -sm3 -days 10 -set_serial 0x1234 \
  -out "$W/ossl-holder.pem" 2>/dev/null
printf 'V\t%s\t\t1234\tunknown\t/C=CN/O=Bench/CN=Holder\n' "$(date -u -d '+10 days' +%y%m%d%H%M%SZ)" >"$W/index.txt"
openssl ocsp -issuer "$W/ossl-ca.pem" -cert "$W/ossl-holder.pem" -no_nonce -reqout "$W/ossl-req.der" >/dev/null

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
YPORT=$(free_port)
OPORT=$(free_port)
"$Y" serve --role ocsp --listen "127.0.0.1:$YPORT" "${S[@]}" --threads 2 --handler-threads 2 >"$W/serve.log" 2>&1 &
PIDS+=($!)
openssl ocsp -index "$W/index.txt" -CA "$W/ossl-ca.pem" -rsigner "$W/ossl-ca.pem" -rkey "$W/ossl-ca.key" \
  -port "$OPORT" -multi 2 >"$W/ossl.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 50); do
  curl -sf "http://127.0.0.1:$YPORT/health" >/dev/null 2>&1 && break
  sleep 0.2
done
for _ in $(seq 1 50); do
  curl -s -o /dev/null -H 'Content-Type: application/ocsp-request' --data-binary @"$W/ossl-req.der" \
    "http://127.0.0.1:$OPORT/" && break
  sleep 0.2
done

# Both answer the request once, correctly, before the load.
curl -sf -H 'Content-Type: application/ocsp-request' --data-binary @"$W/req.der" \
  "http://127.0.0.1:$YPORT/ocsp/sub" -o "$W/y.resp"
openssl ocsp -respin "$W/y.resp" -noverify -resp_text | grep -q 'Cert Status: good'
curl -sf -H 'Content-Type: application/ocsp-request' --data-binary @"$W/ossl-req.der" \
  "http://127.0.0.1:$OPORT/" -o "$W/o.resp"
openssl ocsp -respin "$W/o.resp" -noverify -resp_text | grep -q 'Cert Status: good'

post_lua() {  # $1: request file; $2: "nonce" to vary a nonce per request
  cat <<LUA
local f = io.open("$1", "rb"); local body = f:read("*all"); f:close()
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/ocsp-request"
wrk.body = body
LUA
}
post_lua "$W/req.der" >"$W/y.lua"
post_lua "$W/ossl-req.der" >"$W/o.lua"
# A fresh 16-octet nonce per request: the request with a nonce extension appended to the DER is
# built by openssl once per distinct nonce; wrk cycles through 256 prepared requests.
for i in $(seq 1 256); do openssl ocsp -issuer "$W/sub.pem" -cert "$W/holder.pem" -reqout "$W/n$i.der" >/dev/null; done
{
  echo 'local reqs = {}'
  echo "for i = 1, 256 do local f = io.open(\"$W/n\" .. i .. \".der\", \"rb\"); reqs[i] = f:read(\"*all\"); f:close() end"
  echo 'local n = 0'
  echo 'request = function() n = n % 256 + 1; return wrk.format("POST", nil, {["Content-Type"] = "application/ocsp-request"}, reqs[n]) end'
} >"$W/yn.lua"

rate() {  # $1 lua, $2 url → requests/s
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" -s "$1" "$2" | awk '/Requests\/sec/ {print $2}'
}
Y_RATE=$(rate "$W/y.lua" "http://127.0.0.1:$YPORT/ocsp/sub")
O_RATE=$(rate "$W/o.lua" "http://127.0.0.1:$OPORT/")
YN_RATE=$(rate "$W/yn.lua" "http://127.0.0.1:$YPORT/ocsp/sub")

echo
printf '%-58s %12s\n' "OCSP responder (loopback, wrk -t$THREADS -c$CONNECTIONS, ${DURATION}s)" "responses/s"
printf '%-58s %12.0f\n' "Yinxin serve --role ocsp, no nonce (cached signed answers)" "$Y_RATE"
printf '%-58s %12.0f\n' "Yinxin serve --role ocsp, fresh nonce (every answer signed)" "$YN_RATE"
printf '%-58s %12.0f\n' "openssl ocsp -index -multi 2 (baseline, every answer signed)" "$O_RATE"
awk -v y="$Y_RATE" -v n="$YN_RATE" -v o="$O_RATE" 'BEGIN {
  printf "Yinxin vs OpenSSL: %.1fx (no nonce), %.1fx (nonce)\n", y / o, n / o }'
