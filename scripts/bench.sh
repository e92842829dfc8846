#!/usr/bin/env bash
# Builds the release tree and runs every benchmark program. Each prints its figures beside a
# baseline measured in the same run (OpenSSL 3's own EVP calls) and the ratio. Results go to
# docs/performance.md by hand, with this command.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh release
for b in build/release/bench/*_bench; do
  [[ -x "$b" ]] || continue
  echo "== $b"
  "$b" "$@"
done
