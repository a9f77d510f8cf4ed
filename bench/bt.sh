#!/bin/bash
# bt.sh -- the stack trace of every task, kdlua (kd.stack_trace, the C
# unwinder) next to drgn (prog.stack_trace), on the same dump and vmlinux,
# in one run.
#
#   bench/bt.sh [BUILD_DIR] [DUMP_DIR]...     (default: every ../shared/*/)
#
# Both sides walk every task of the task list and name each frame's
# function, twice in one process (first pass: dump pages and unwind tables
# read for the first time; second pass: cached), and print CPU time per
# task (bench/bt_kdlua.lua, bench/bt_drgn.py).  Each side runs N times
# (default 5), in turns; the medians are printed with the ratio
# kdlua / drgn.  Whole-run wall times (start-up included) are printed too.
set -euo pipefail
B=${1:-build}
shift || true
DIRS=("$@")
if [ ${#DIRS[@]} -eq 0 ]; then
  for v in ../shared/*/vmcore; do DIRS+=("$(dirname "$v")"); done
fi
N=${N:-5}
K="$B/kdlua"
here=$(dirname "$0")
command -v drgn >/dev/null || { echo "drgn not installed (apt-get install python3-drgn)"; exit 1; }

. "$here/lib.sh"   # now, median
field() { tr ' ' '\n' | awk -v k="$1" 'p {print; exit} $0 == k {p = 1}'; }

for D in "${DIRS[@]}"; do
  mods=()
  [ -d "$D/modules" ] && mods=(--debuginfo-dir "$D/modules")
  dmods=()
  [ -d "$D/modules" ] && while IFS= read -r ko; do dmods+=(-s "$ko"); done < <(find "$D/modules" -name '*.ko')
  kd_cmd=("$K" run "$here/bt_kdlua.lua" --vmcore "$D/vmcore" --vmlinux "$D/vmlinux" "${mods[@]}")
  dr_cmd=(drgn -q -c "$D/vmcore" -s "$D/vmlinux" "${dmods[@]}" --no-default-symbols "$here/bt_drgn.py")
  "${kd_cmd[@]}" >/dev/null   # warm the debuginfo cache
  k1=(); k2=(); kw=(); d1=(); d2=(); dw=()
  for _ in $(seq "$N"); do
    s=$(now); out=$("${kd_cmd[@]}"); e=$(now)
    kw+=("$(echo "$e - $s" | bc -l)")
    k1+=("$(echo "$out" | field first_pass_us_per_task)"); k2+=("$(echo "$out" | field second_pass_us_per_task)")
    ntasks=$(echo "$out" | field tasks)
    s=$(now); out=$("${dr_cmd[@]}" 2>/dev/null | tail -n 1); e=$(now)
    dw+=("$(echo "$e - $s" | bc -l)")
    d1+=("$(echo "$out" | field first_pass_us_per_task)"); d2+=("$(echo "$out" | field second_pass_us_per_task)")
  done
  m() { printf '%s\n' "$@" | median; }
  K1=$(m "${k1[@]}"); K2=$(m "${k2[@]}"); KW=$(m "${kw[@]}")
  D1=$(m "${d1[@]}"); D2=$(m "${d2[@]}"); DW=$(m "${dw[@]}")
  echo "== $(basename "$D"): $ntasks tasks, median of $N runs"
  printf '%-44s %12s %12s %8s\n' "" "drgn" "kdlua" "ratio"
  printf '%-44s %12.1f %12.1f %8.4f\n' "first pass, CPU us per task" "$D1" "$K1" "$(echo "$K1 / $D1" | bc -l)"
  printf '%-44s %12.1f %12.1f %8.4f\n' "second pass (cached), CPU us per task" "$D2" "$K2" "$(echo "$K2 / $D2" | bc -l)"
  printf '%-44s %12.3f %12.3f %8.4f\n' "whole run, wall s (start-up, 2 passes)" "$DW" "$KW" "$(echo "$KW / $DW" | bc -l)"
  # what -l adds: source lines of module code next to vmlinux's
  # (bench/bt_lines_kdlua.lua; kdlua only, CPU time, median of N)
  lo=(); lm=(); lv=(); lc=()
  for _ in $(seq "$N"); do
    out=$("$K" run "$here/bt_lines_kdlua.lua" 2000 --vmcore "$D/vmcore" --vmlinux "$D/vmlinux" "${mods[@]}")
    lo+=("$(echo "$out" | field open_ms_per_module)"); lm+=("$(echo "$out" | field uncached_module_us)")
    lv+=("$(echo "$out" | field uncached_vmlinux_us)"); lc+=("$(echo "$out" | field cached_lines_us_per_frame)")
  done
  echo "   -l, $(echo "$out" | field modules_with_dwarf) modules with DWARF:" \
       "open $(m "${lo[@]}") ms a module;" \
       "first lookup of an address $(m "${lm[@]}") us in module code, $(m "${lv[@]}") us in vmlinux;" \
       "cached $(m "${lc[@]}") us a frame"
done
