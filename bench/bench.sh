#!/bin/bash
# bench.sh -- kdlua next to drgn on the same dump, in one run, as ratios.
#
#   bench/bench.sh [BUILD_DIR] [DUMP_DIR] [FULL_VMLINUX]
#
# Cases: start-up to the first answer (kernel release), a full task walk
# printing pid/tgid/ppid/state/comm, and the whole default `kdlua report`
# (and with -j 1) against drgn's bare start-up (its target: <= 0.3x, < 100
# MiB peak RSS).  Each is run N times (default 11) after one warm-up, kdlua
# and drgn in turns; the median wall time is reported.  kdlua runs warm (its
# uncompressed-debuginfo copy and name index already cached) and, once, cold
# (empty cache dir), because the first use of a compressed vmlinux pays ~1 s.
# With FULL_VMLINUX (the -dbg package's file) the same cases run again on it.
set -euo pipefail
B=${1:-build}
D=${2:-../shared/vmcore}
FULL=${3:-/usr/lib/debug/boot/vmlinux-6.1.0-56-cloud-amd64}
N=${N:-11}
K="$B/kdlua"
here=$(dirname "$0")
command -v drgn >/dev/null || { echo "drgn not installed (apt-get install python3-drgn)"; exit 1; }
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT
export KDLUA_CACHE_DIR="$cache"

. "$here/lib.sh"

run_set() {
  local vml=$1 label=$2
  local drgn_args=(-q -c "$D/vmcore" -s "$vml" --no-default-symbols)
  local kd_args=(--vmcore "$D/vmcore" --vmlinux "$vml")
  local kd_args_nm=("${kd_args[@]}" --no-modules)
  rm -rf "${cache:?}"/*
  s=$(now); "$K" -e 'print(kd.uts().release)' "${kd_args_nm[@]}" >/dev/null; e=$(now)
  cold=$(echo "$e - $s" | bc -l)
  read -r d_up k_up < <(time_pair drgn "${drgn_args[@]}" "$D/reference/drgn/uts.py" -- \
                                   "$K" -e 'print(kd.uts().release)' "${kd_args_nm[@]}")
  read -r d_tw k_tw < <(time_pair drgn "${drgn_args[@]}" "$D/reference/drgn/tasks.py" -- \
                                   "$K" run "$here/tasks.lua" "${kd_args_nm[@]}")
  printf '%-38s %9s %9s %8s\n' "[$label]" "drgn s" "kdlua s" "ratio"
  printf '%-38s %9.3f %9.3f %8.3f\n' "start-up to kernel release" "$d_up" "$k_up" "$(echo "$k_up / $d_up" | bc -l)"
  printf '%-38s %9.3f %9.3f %8.3f\n' "task walk (pid/tgid/ppid/state/comm)" "$d_tw" "$k_tw" "$(echo "$k_tw / $d_tw" | bc -l)"
  printf '%-38s %9s %9.3f %8.3f\n' "kdlua cold start (empty cache)" "" "$cold" "$(echo "$cold / $d_up" | bc -l)"
  # the report: its target is <= 0.3x drgn's bare start-up, < 100 MiB peak
  # RSS.  Default -j (one process per CPU, at most 4) and -j 1.
  local rdir
  rdir=$(mktemp -d)
  local rep_args=(report "${kd_args[@]}" --debuginfo-dir "$D/modules" --tmp-dir "$rdir" --quiet)
  # the report timed in turns with drgn's start-up; its ratio is taken to
  # the lower of that and the start-up timed beside kdlua's: after a report
  # run drgn may start slower (with the full vmlinux ~0.33 s instead of
  # ~0.23 s), which would flatter the ratio
  local d_rep d_min
  read -r d_rep k_rep < <(time_pair drgn "${drgn_args[@]}" "$D/reference/drgn/uts.py" -- \
                                     "$K" "${rep_args[@]}")
  d_min=$(printf '%s\n%s\n' "$d_up" "$d_rep" | sort -g | head -n 1)
  k_rep1=$(time_cmd "$K" "${rep_args[@]}" -j 1)
  rss=$( { /usr/bin/time -f '%M' "$K" "${rep_args[@]}" >/dev/null; } 2>&1 | tail -n 1)
  # each process's own peak, as the report logs it
  procs=$("$K" "${rep_args[@]}" -v 2>&1 | sed -n 's/.*\] process \([0-9]*\): .*peak RSS \([0-9.]*\) MiB.*/\1:\2/p' | tr '\n' ' ')
  # what people mail: the size of the default archive (the last one made)
  size=$(ls -t "$rdir"/*.tar.xz | head -n 1 | xargs stat -c %s)
  rm -rf "$rdir"
  printf '%-38s %9.3f %9.3f %8.3f\n' "kdlua report vs drgn bare start-up" \
    "$d_min" "$k_rep" "$(echo "$k_rep / $d_min" | bc -l)"
  printf '%-38s %9.3f %9.3f %8.3f\n' "kdlua report -j 1" "$d_min" "$k_rep1" "$(echo "$k_rep1 / $d_min" | bc -l)"
  printf '%-38s %9s %8.1fM  (per process: %s MiB)\n' "kdlua report peak RSS" "" "$(echo "$rss / 1024" | bc -l)" "$procs"
  printf '%-38s %9s %8.2fM\n' "kdlua report archive (.tar.xz)" "" "$(echo "$size / 1048576" | bc -l)"
}

echo "kdlua bench: $D (median of $N runs; ratio = kdlua / drgn, lower is better)"
run_set "$D/vmlinux" "reduced vmlinux (compressed DWARF)"
if [ -f "$FULL" ]; then
  run_set "$FULL" "full vmlinux ($FULL)"
else
  echo "[full vmlinux] not installed: apt-get install linux-image-6.1.0-56-cloud-amd64-dbg"
fi
# same output as drgn's walk?
if diff <(drgn -q -c "$D/vmcore" -s "$D/vmlinux" --no-default-symbols "$D/reference/drgn/tasks.py") \
        <("$K" run "$here/tasks.lua" --vmcore "$D/vmcore" --vmlinux "$D/vmlinux") >/dev/null; then
  echo "task walk output: identical to drgn's"
else
  echo "task walk output: DIFFERS from drgn's"
fi
