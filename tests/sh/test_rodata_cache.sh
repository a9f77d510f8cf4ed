#!/bin/sh
# test_rodata_cache.sh -- kd.rodata_has (host/core/rodata.c), the probe of
# /proc lines that only their format string reveals: on every fixture its
# answers match the fixture's truth (status's "Kthread:" and "untag_mask:"
# lines), a first run scans the dump and keeps the answer under the
# kernel's build-id, a second run reads it from there with the same
# answers, a file that is not a cache is ignored, KDLUA_NO_CACHE reads and
# writes none; without a vmlinux (no section headers to narrow the scan to
# .rodata) the answers are the same.  Skips (77) without fixtures, fails then when CI=true.
set -u
. "$(dirname "$0")/fixture_dirs.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kdlua-rodata.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
. "$(dirname "$0")/counting.sh"

# the format strings of fs/proc/array.c's proc_pid_status (6.11+) and
# arch/x86/kernel/process_64.c's arch_proc_pid_thread_features (6.4+)
probe='local s = { "Kthread:\t%c\n", "untag_mask:\t%#lx\n", "kdlua: no such format %q\n" }
local r, src = kd.rodata_has(s)
print(table.concat({ src, r[s[1]] and 1 or 0, r[s[2]] and 1 or 0, r[s[3]] and 1 or 0 }, " "))'
for d in $dirs; do
  [ -f "$d/vmcore" ] || continue
  C=$tmp/cache-$(basename "$d")
  kd() { KDLUA_CACHE_DIR=$C "$KDLUA_BIN" -e "$probe" --vmcore "$d/vmcore" --vmlinux "$d/vmlinux" --no-modules 2>/dev/null; }
  st=$(ls "$d"/truth/pid/*/status | head -n 1)
  k=0; grep -q '^Kthread:' "$st" && k=1
  u=0; grep -q '^untag_mask:' "$st" && u=1
  want="$k $u 0"
  out=$(kd)
  check "$d: first run scans the dump, answers as the truth ($want): $out" test "$out" = "dump $want"
  f=$(ls "$C"/*.rodata 2>/dev/null | head -n 1)
  check "$d: the answer is kept under the build-id ($f)" test -n "$f"
  out=$(kd)
  check "$d: second run: from the cache, same answers: $out" test "$out" = "cache $want"
  # a file that is not one of ours is scanned over (and replaced)
  [ -n "$f" ] && printf 'garbage\n' >"$f"
  out=$(kd)
  check "$d: a damaged cache file is ignored: $out" test "$out" = "dump $want"
  out=$(KDLUA_NO_CACHE=1 kd)
  check "$d: KDLUA_NO_CACHE: scanned again: $out" test "$out" = "dump $want"
  # without a vmlinux (the dump's BTF): the whole [__start_rodata,
  # __end_rodata) is scanned (no section header says where .rodata is),
  # and the cache is named by VMCOREINFO's BUILD-ID
  out=$(KDLUA_NO_CACHE=1 "$KDLUA_BIN" -e "$probe" --vmcore "$d/vmcore" --no-vmlinux --no-modules 2>/dev/null)
  check "$d: --no-vmlinux: the same answers from the whole range: $out" test "$out" = "dump $want"
done
echo "$passed passed, $failed failed"
[ "$passed" -gt 0 ] && [ "$failed" -eq 0 ]
