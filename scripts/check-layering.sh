#!/usr/bin/env bash
# Fails when a lower layer includes a higher one (ARCHITECTURE.md "Library layers"; STYLE.md 2).
# Modules on the same rank may not include each other either, except where listed in ALLOWED.
set -euo pipefail
root="${1:-.}"
declare -A RANK=(
  [base]=1 [crypto]=2 [sqlite]=2 [asn1]=3 [x509]=4 [cms]=4 [ofd]=4 [profile]=5
  [device]=6 [audit]=6 [ca]=6 [kmc]=6 [ra]=6 [status]=6 [seal]=6 [auth]=6 [publish]=6 [sealsys]=6
  [store]=7 [api]=8 [cli]=9 [server]=9
)
# Same-rank edges that are part of the design: x509 uses cms? no; cms uses x509 (certificates in SignedData);
# ca/kmc/seal/status use device (keys never leave it); ra is the only caller of ca and kmc; everybody writes audit;
# publish (the directory publisher and push sync of status) reads CA records and signs with CA keys through ca.
ALLOWED=" cms->x509 ofd->cms ofd->x509 ca->device kmc->device kmc->auth seal->device status->device ra->ca ra->device ra->kmc ra->seal ra->auth ra->publish ca->audit kmc->audit ra->audit seal->audit status->audit auth->audit device->audit audit->device publish->ca publish->device publish->audit sealsys->ca sealsys->seal sealsys->device sealsys->auth sealsys->audit sealsys->ra "
status=0
for dir in "$root"/src/*/ "$root"/include/yinxin/*/; do
  [[ -d "$dir" ]] || continue
  mod=$(basename "$dir")
  [[ -n "${RANK[$mod]:-}" ]] || { echo "layering: unknown module '$mod' (add it to scripts/check-layering.sh)"; status=1; continue; }
  while IFS= read -r line; do
    file=${line%%:*}
    inc=$(sed -E 's/.*#include +"yinxin\/([a-z0-9_]+)\/.*/\1/' <<<"$line")
    [[ "$inc" == "$mod" ]] && continue
    [[ -n "${RANK[$inc]:-}" ]] || { echo "layering: $file includes unknown module '$inc'"; status=1; continue; }
    if (( RANK[$inc] > RANK[$mod] )) || { (( RANK[$inc] == RANK[$mod] )) && [[ "$ALLOWED" != *" $mod->$inc "* ]]; }; then
      echo "layering: $file ($mod, layer ${RANK[$mod]}) includes $inc (layer ${RANK[$inc]})"
      status=1
    fi
  done < <(grep -rHE '#include +"yinxin/' "$dir" || true)
done
if (( status == 0 )); then echo "layering: ok"; fi
exit $status
