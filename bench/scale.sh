#!/bin/bash
# scale.sh -- how the report grows with the number of tasks, next to drgn.
#
#   bench/scale.sh [BUILD_DIR] DUMP_DIR[:VMLINUX] ...
#
# For each dump (a folder with `vmcore`; `vmlinux` beside it unless given
# after a colon; `modules/` used when present): the task count, drgn's bare
# start-up on the same files, the whole default `kdlua report` (wall, CPU,
# peak RSS of every process) and with -j 1, and per-task figures: wall and
# CPU milliseconds per task, and -- with CALLGRIND=1 (valgrind; slow: run it
# on the small dump, or be patient) -- instructions per task of `-j 1`.
# The scale target (issue 15): report wall <= 2x drgn's bare start-up on a
# dump of >= 10,000 tasks, every process <= 120 MiB, both linear in tasks.
#
# The big dump: bench/make-scale-dump.sh (10,000 sleepers by default; it
# prints where it wrote the dump).  Example:
#   bench/scale.sh build ../shared/vmcore \
#     ~/.cache/kdlua-bench/dump-6.1.0-56-cloud-amd64-10000:../shared/vmcore/vmlinux
set -euo pipefail
B=build
if [ $# -gt 0 ] && [ -x "$1/kdlua" ]; then B=$1; shift; fi
[ $# -gt 0 ] || { sed -n '2,18p' "$0"; exit 2; }
N=${N:-3}
K="$B/kdlua"
here=$(dirname "$0")
. "$here/lib.sh"
command -v drgn >/dev/null || { echo "drgn not installed (apt-get install python3-drgn)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export KDLUA_CACHE_DIR="$tmp/cache"
printf 'import sys\nprint(prog["init_uts_ns"].name.release.string_().decode())\n' > "$tmp/uts.py"

printf '%-28s %7s %8s %8s %8s %7s %8s %8s %9s %s\n' dump tasks "drgn s" "report s" "-j1 s" ratio \
  "ms/task" "cpu/task" "Minstr/t" "peak MiB per process"
for spec in "$@"; do
  D=${spec%%:*}
  V=$D/vmlinux
  [ "$spec" != "$D" ] && V=${spec#*:}
  args=(--vmcore "$D/vmcore" --vmlinux "$V")
  [ -d "$D/modules" ] && args+=(--debuginfo-dir "$D/modules")
  "$K" -e 'print(kd.uts().release)' "${args[@]}" >/dev/null     # the debug cache, once
  tasks=$("$K" -e 'local n = 0 for _ in kd.tasks() do n = n + 1 end print(n)' "${args[@]}")
  rdir=$tmp/r; mkdir -p "$rdir"
  rep=(report "${args[@]}" --tmp-dir "$rdir" --quiet)
  read -r d_up k_rep < <(time_pair drgn -q -c "$D/vmcore" -s "$V" --no-default-symbols "$tmp/uts.py" -- \
                                   "$K" "${rep[@]}")
  k_rep1=$(time_cmd "$K" "${rep[@]}" -j 1)
  cpu=$( { /usr/bin/time -f '%U %S' "$K" "${rep[@]}" >/dev/null; } 2>&1 | tail -n 1 |
         awk '{print $1 + $2}')
  # each process's peak when it ended its share of the emitters (the
  # main process's then too), the kallsyms helper's, and the main
  # process's own peak at the very end
  procs=$("$K" "${rep[@]}" -v 2>&1 |
          sed -n -e 's/.*main process peak RSS \([0-9.]*\) MiB.*/main \1,/p' \
                 -e 's/.*\] process \([0-9]*\): .*peak RSS \([0-9.]*\) MiB.*/\2/p' \
                 -e 's/.*proc\/kallsyms: run by a helper .*peak RSS \([0-9.]*\) MiB.*/helper \1/p' |
          tr '\n' ' ')
  minstr=-
  if [ "${CALLGRIND:-0}" = 1 ] && command -v valgrind >/dev/null; then
    valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.%p" --trace-children=yes \
      "$K" "${rep[@]}" -j 1 >/dev/null 2>&1 || true
    total=$(cat "$tmp"/cg.* | sed -n 's/^totals: *\([0-9]*\).*/\1/p' | awk '{s += $1} END {printf "%.0f\n", s}')
    minstr=$(echo "$total / $tasks / 1000000" | bc -l | xargs printf '%.2f')
    rm -f "$tmp"/cg.*
  fi
  rm -rf "$rdir"
  printf '%-28s %7d %8.3f %8.3f %8.3f %6.2fx %8.3f %8.3f %9s %s\n' "$(basename "$D")" "$tasks" \
    "$d_up" "$k_rep" "$k_rep1" "$(echo "$k_rep / $d_up" | bc -l)" \
    "$(echo "$k_rep * 1000 / $tasks" | bc -l)" "$(echo "$cpu * 1000 / $tasks" | bc -l)" \
    "$minstr" "$procs"
done
echo "(median of $N; ratio = report wall / drgn bare start-up; cpu/task = CPU ms of the"
echo " whole process tree per task; Minstr/t = callgrind instructions per task, -j 1)"
