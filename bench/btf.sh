#!/bin/bash
# btf.sh -- kdlua without a vmlinux (the dump's own BTF and kallsyms) next
# to kdlua with the vmlinux and drgn with the vmlinux, on the same dump.
#
#   bench/btf.sh [BUILD_DIR] [DUMP_DIR]
#
# Cases: start-up to the first typed answer (init_task's comm), and the
# whole default `kdlua report` with BTF and with the vmlinux.  Each command
# runs N times (default 11) after a warm-up, the three in turns (a shared
# machine drifts by 10-20% over minutes; turns make it drift alike), and the
# median wall time and peak RSS are printed with the ratios.  kdlua with the
# vmlinux runs warm (its uncompressed copy and name index cached).
set -euo pipefail
B=${1:-build}
D=${2:-../shared/vmcore}
N=${N:-11}
K="$B/kdlua"
command -v drgn >/dev/null || { echo "drgn not installed (apt-get install python3-drgn)"; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# sample NAME CMD...: one wall time and peak RSS (KB) appended to NAME's files
sample() {
  local name=$1; shift
  local s e
  s=$(now)
  /usr/bin/time -o "$out/rss" -f "%M" "$@" >/dev/null 2>&1
  e=$(now)
  echo "$e - $s" | bc -l >>"$out/$name.t"
  tail -1 "$out/rss" >>"$out/$name.m"
}
report() { rm -rf "$out/r"; mkdir -p "$out/r"; "$K" report --vmcore "$D/vmcore" "$@" --tmp-dir "$out/r"; }

typed='print(kd.symbol("init_task").comm:string_())'
first_btf() { "$K" -e "$typed" --vmcore "$D/vmcore" --no-vmlinux; }
first_dwarf() { "$K" -e "$typed" --vmcore "$D/vmcore" --vmlinux "$D/vmlinux"; }
first_drgn() { drgn -q -c "$D/vmcore" -s "$D/vmlinux" --no-default-symbols "$out/first.py"; }
report_btf() { report --no-vmlinux; }
report_dwarf() { report --vmlinux "$D/vmlinux"; }

echo 'print(prog["init_task"].comm.string_().decode())' >"$out/first.py"
# warm-up (and a check that each works)
for f in first_btf first_dwarf first_drgn report_btf report_dwarf; do
  $f >/dev/null 2>&1 || { echo "$f failed" >&2; exit 1; }
done
export -f first_btf first_dwarf first_drgn report_btf report_dwarf report
export K D out typed
for _ in $(seq "$N"); do
  sample first_btf bash -c first_btf
  sample first_dwarf bash -c first_dwarf
  sample first_drgn bash -c first_drgn
  sample report_btf bash -c report_btf
  sample report_dwarf bash -c report_dwarf
done

t() { median <"$out/$1.t"; }
m() { median <"$out/$1.m"; }
ratio() { echo "scale=2; $1 / $2" | bc -l; }
echo "dump: $D, $N runs each, median wall time (peak RSS)"
printf '%-38s %7.3f s (%s KB)\n' "first typed answer, BTF + kallsyms" "$(t first_btf)" "$(m first_btf)"
printf '%-38s %7.3f s (%s KB)\n' "first typed answer, vmlinux" "$(t first_dwarf)" "$(m first_dwarf)"
printf '%-38s %7.3f s (%s KB)\n' "first typed answer, drgn + vmlinux" "$(t first_drgn)" "$(m first_drgn)"
printf '%-38s %7.3f s (%s KB)\n' "report, BTF + kallsyms" "$(t report_btf)" "$(m report_btf)"
printf '%-38s %7.3f s (%s KB)\n' "report, vmlinux" "$(t report_dwarf)" "$(m report_dwarf)"
echo "ratios: first answer BTF/vmlinux $(ratio "$(t first_btf)" "$(t first_dwarf)")x," \
     "BTF/drgn $(ratio "$(t first_btf)" "$(t first_drgn)")x;" \
     "report BTF/vmlinux $(ratio "$(t report_btf)" "$(t report_dwarf)")x," \
     "report BTF/drgn start-up $(ratio "$(t report_btf)" "$(t first_drgn)")x"
