#!/usr/bin/env bash
# The unit's offline security review (systemd-analyze security --offline=true; needs no
# systemd as PID 1): prints the table, fails when the overall exposure is above THRESHOLD or
# when a setting that still adds exposure is not justified in DOC.
# Usage: unit_security.sh UNIT THRESHOLD DOC    (exit 77: systemd-analyze missing, skipped)
set -euo pipefail
unit=${1:?usage: unit_security.sh UNIT THRESHOLD DOC} threshold=${2:?} doc=${3:?}
if ! command -v systemd-analyze > /dev/null; then
  echo "systemd-analyze is not installed (Debian package systemd)"
  exit 77
fi
table=$(systemd-analyze security --offline=true --no-pager "$unit")
echo "$table"
overall=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<< "$table")
if [ -z "$overall" ]; then
  echo "FAIL: no overall exposure in the output of systemd-analyze" >&2
  exit 1
fi
status=0
echo
echo "settings that add exposure (each must be justified in $doc):"
# Lines "✗ NAME  DESCRIPTION  EXPOSURE"; the name is the second field.
# The doc's tables escape | inside code spans as \|.
justified=$(sed 's/\\|/|/g' "$doc")
while read -r name exposure; do
  if grep -qF -- "\`$name\`" <<< "$justified"; then
    echo "  $name $exposure: justified"
  else
    echo "  $name $exposure: NOT justified in $doc" >&2
    status=1
  fi
done < <(awk '$1 == "✗" { print $2, $NF }' <<< "$table")
if awk -v o="$overall" -v t="$threshold" 'BEGIN { exit !(o > t) }'; then
  echo "FAIL: overall exposure $overall is above $threshold" >&2
  status=1
else
  echo "overall exposure $overall (threshold $threshold)"
fi
exit $status
