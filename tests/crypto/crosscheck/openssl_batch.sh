#!/bin/sh
# Batch driver for the openssl CLI side of the SM2 cross-checks (tests/crypto/crosscheck_openssl_test.cpp).
# One shell process runs the whole batch, but every message is still a separate `openssl pkeyutl`
# run, so each message is checked on its own and reported by index.
#
# usage: openssl_batch.sh <openssl> verify|sign <dir> <count> [pkeyutl options, e.g. -pkeyopt distid:...]
#   verify: checks <dir>/sig<i> over <dir>/msg<i> with <dir>/pub.pem, prints one line per message:
#           "<i> OK", "<i> MISMATCH" (the CLI says "Signature Verification Failure") or
#           "<i> ERROR <rc> <log>" (anything else: bad option, unreadable key, ...)
#   sign:   signs <dir>/msg<i> with <dir>/key.pem into <dir>/sig<i>; prints "<i> OK" or "<i> ERROR <rc> <log>"
# OpenSSL 3.0 pkeyutl exits 1 both for a wrong signature and for other errors, so the verdict is
# read from its first output line rather than from the exit status alone.
set -u
openssl=$1
mode=$2
dir=$3
count=$4
shift 4
log=$dir/pkeyutl.log

i=0
while [ "$i" -lt "$count" ]; do
    case $mode in
    verify)
        "$openssl" pkeyutl -verify -pubin -inkey "$dir/pub.pem" -rawin -digest sm3 "$@" \
            -in "$dir/msg$i" -sigfile "$dir/sig$i" >"$log" 2>&1
        rc=$?
        first=
        read -r first <"$log"
        if [ "$rc" -eq 0 ] && [ "$first" = "Signature Verified Successfully" ]; then
            echo "$i OK"
        elif [ "$rc" -eq 1 ] && [ "$first" = "Signature Verification Failure" ]; then
            echo "$i MISMATCH"
        else
            echo "$i ERROR $rc $(tr '\n' ' ' <"$log")"
        fi
        ;;
    sign)
        rm -f "$dir/sig$i"
        if "$openssl" pkeyutl -sign -inkey "$dir/key.pem" -rawin -digest sm3 "$@" \
            -in "$dir/msg$i" -out "$dir/sig$i" >"$log" 2>&1; then
            echo "$i OK"
        else
            echo "$i ERROR $? $(tr '\n' ' ' <"$log")"
        fi
        ;;
    *)
        echo "unknown mode $mode" >&2
        exit 2
        ;;
    esac
    i=$((i + 1))
done
