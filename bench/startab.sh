#!/bin/bash
# startab.sh -- two kdlua builds' reports side by side, in turns (old, new,
# old, new...), for changes to the main process's serial start and end.
#
#   bench/startab.sh OLD_KDLUA NEW_KDLUA DUMP_DIR[:VMLINUX] [N]
#
# Medians of N (default 7) runs each: wall, CPU (user+sys) and minor page
# faults of all processes (/usr/bin/time); the main thread's own CPU
# (task-clock, ms) and minor faults (perf stat --no-inherit: no workers,
# no helper, no writer threads -- the serial path); and from the `-v`
# timeline: start+discovery, planning, commit, writing (seconds, the clock
# inside the main process) and the main process's peak RSS.  A shared
# machine's wall times drift; CPU and faults less; callgrind figures not
# at all.
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,12p' "$0"; exit 2; }
OLD=$1 NEW=$2 spec=$3 N=${4:-7}
D=${spec%%:*}
V=$D/vmlinux
[ "$spec" != "$D" ] && V=${spec#*:}
args=(--vmcore "$D/vmcore" --vmlinux "$V")
[ -d "$D/modules" ] && args+=(--debuginfo-dir "$D/modules")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
one() {  # one run of build $1 -> a line of figures
  local out=$tmp/r
  mkdir -p "$out"
  /usr/bin/time -o "$tmp/t" -f '%e %U %S %R' \
    perf stat --no-inherit -e task-clock,minor-faults -x, -o "$tmp/p" \
    "$1" report "${args[@]}" --tmp-dir "$out" --quiet -v 2>"$tmp/log" >/dev/null
  rm -rf "$out"
  read -r wall user sys flt <"$tmp/t"
  local disc plan commit write rss
  disc=$(sed -n 's/.*timing: start+discovery \([0-9.]*\) s.*/\1/p' "$tmp/log")
  plan=$(sed -n 's/.*planned in \([0-9.]*\) s.*/\1/p' "$tmp/log")
  commit=$(sed -n 's/.*results committed in \([0-9.]*\) s.*/\1/p' "$tmp/log")
  write=$(sed -n 's/.*(writing \([0-9.]*\) s).*/\1/p' "$tmp/log")
  rss=$(sed -n 's/.*main process peak RSS \([0-9.]*\) MiB.*/\1/p' "$tmp/log")
  local mcpu mflt
  mcpu=$(awk -F, '$3 == "task-clock" {printf "%.0f", $1}' "$tmp/p")
  mflt=$(awk -F, '$3 == "minor-faults" {print $1}' "$tmp/p")
  echo "$wall $(echo "$user + $sys" | bc -l) $flt ${mcpu:-0} ${mflt:-0} ${disc:-0} ${plan:-0} ${commit:-0} ${write:-0} ${rss:-0}"
}
one "$OLD" >/dev/null; one "$NEW" >/dev/null     # caches of both, once
for _ in $(seq "$N"); do
  one "$OLD" >>"$tmp/old"
  one "$NEW" >>"$tmp/new"
done
col() { awk -v c="$1" '{print $c}' "$2" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '%-5s %6s %6s %7s %8s %8s %9s %6s %6s %6s %8s\n' build wall cpu minflt "main ms" "main flt" \
  discovery plan commit write "main MiB"
for b in old new; do
  printf '%-5s' "$b"
  for c in 1 2 3 4 5 6 7 8 9 10; do printf ' %7s' "$(col $c "$tmp/$b")"; done
  echo
done
