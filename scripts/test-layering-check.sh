#!/usr/bin/env bash
# Self-test of check-layering.sh: a tree where base includes crypto must be rejected, and a clean
# tree accepted. Guards against the check silently passing everything.
set -euo pipefail
check="$(cd "$(dirname "$0")" && pwd)/check-layering.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src/base" "$tmp/src/crypto" "$tmp/include/yinxin/base"
echo '#include "yinxin/base/bytes.h"' > "$tmp/src/crypto/ok.cpp"
"$check" "$tmp" >/dev/null || { echo "clean tree rejected"; exit 1; }
echo '#include "yinxin/crypto/sm2.h"' > "$tmp/src/base/bad.cpp"
if "$check" "$tmp" >/dev/null; then echo "upward include (base -> crypto) was not detected"; exit 1; fi
rm "$tmp/src/base/bad.cpp"
mkdir -p "$tmp/src/ca" "$tmp/src/seal"
echo '#include "yinxin/seal/seal.h"' > "$tmp/src/ca/bad.cpp"
if "$check" "$tmp" >/dev/null; then echo "sideways include (ca -> seal) was not detected"; exit 1; fi
echo "check-layering self-test: ok"
