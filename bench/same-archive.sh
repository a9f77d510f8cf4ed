#!/bin/bash
# same-archive.sh -- are two `kdlua report` archives the same apart from run
# times?  Extracts both and diffs them; the lines that carry durations, dates
# and the archive's random name are masked first.
#
#   bench/same-archive.sh A.tar.xz B.tar.xz
set -euo pipefail
[ $# -eq 2 ] || { sed -n '2,6p' "$0"; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for i in 1 2; do
  mkdir -p "$tmp/$i"
  a=$1; [ "$i" = 2 ] && a=$2
  tar -xJf "$a" -C "$tmp/$i"
  mv "$tmp/$i"/* "$tmp/$i/sos"
done
# run times, the report's own name/date, how units were spread over the
# processes, the page cache's hit counts and --tmp-dir are the expected
# differences
mask='/wrote uncompressed copy /d; s/peak RSS [0-9.]+ MiB/peak RSS <M>/g;
      /\] process [0-9]+: .* units in /d; /dump page cache: /d; /"(cmdline|run_time)": /d;
      s/[0-9]+\.[0-9]+ ?s\b/<T>/g; s/[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9:,.]+/<DATE>/g;
      s/sosvmcore-[A-Za-z0-9_.-]*-[a-z]{7}/<NAME>/g; s/"(duration|elapsed|start|end|[a-z_]*time[a-z_]*)": *[0-9.e+-]+/"\1": <T>/g'
find "$tmp/1/sos" "$tmp/2/sos" -type f \( -path '*/sos_logs/*' -o -path '*/sos_reports/*' \
     -o -name 'manifest.json' -o -name 'version.txt' \) -print0 |
  xargs -0 -r sed -E -i "$mask"
if diff -r -q "$tmp/1/sos" "$tmp/2/sos" >"$tmp/d"; then
  echo "same (apart from run times)"
else
  cat "$tmp/d"; diff -r "$tmp/1/sos" "$tmp/2/sos" | head -40; exit 1
fi
