#!/bin/sh
# test_fidelity.sh -- `kdlua fidelity` on a report of the shared dump.
#
# The report of the shared dump against its truth/ must pass (exit 0: every
# static file exact, every drifting file within tolerance), count at least
# FLOOR exact static files, and report every file of
# tests/fidelity_exact.txt `exact` (that list only grows).  A corrupted copy
# (one byte of proc/version, proc/meminfo's MemFree far off, proc/modules
# deleted) must fail (exit 1) naming those files; bad usage exits 2.
#
# Environment (set by ctest): KDLUA_BIN, KDLUA_TEST_VMCORE_DIR,
# KDLUA_SOURCE_DIR, KDLUA_CACHE_DIR.  Exit 77 (skip) when kdlua is not built
# or the dump is absent, unless CI=true, where a missing dump is a failure.

set -u

# exact static files of the shared dump's report: the summary's count may
# only grow (raise it when an emitter becomes exact)
FLOOR=798

SRC=${KDLUA_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
LIST=$SRC/tests/fidelity_exact.txt

. "$(dirname "$0")/common.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kdlua-fidelity-test.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

# rows marked failing ("!" before the class)
failing_rows() { grep -E '^(exact|within tolerance|differs|stub|missing|no truth|skipped) +!' "$1"; }
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit $?
}

# ------------------------------------------------------------ a report

mkdir -p "$tmp/r"
if ! "$BIN" report --vmcore "$D/vmcore" --vmlinux "$D/vmlinux" --debuginfo-dir "$D/modules" \
     --tmp-dir "$tmp/r" --quiet >"$tmp/report.out" 2>&1; then
  fail "kdlua report of the shared dump"
  show "$tmp/report.out"
  finish
fi
arc=$(ls "$tmp/r"/*.tar.xz 2>/dev/null | head -n 1)
check "kdlua report wrote a .tar.xz" test -n "$arc"
[ -n "$arc" ] || finish

# ------------------------------------------------------------ the archive passes

"$BIN" fidelity "$arc" "$T" >"$tmp/good.out" 2>"$tmp/good.err"
rc=$?
if [ $rc -eq 0 ]; then ok "fidelity of the archive exits 0"
else fail "fidelity of the archive exits 0 (exit $rc)"; grep -E -A3 '^[a-z ]+ +!' "$tmp/good.out" | sed -n '1,60s/^/    /p'; show "$tmp/good.err"; fi
check "PASS line" grep -q "^PASS: every static file exact, every drifting file within tolerance" "$tmp/good.out"
sline=$(grep '^summary: ' "$tmp/good.out")
echo "    $sline"
n_exact=$(echo "$sline" | sed -n 's/.*static exact \([0-9]*\)\/\([0-9]*\).*/\1/p')
n_static=$(echo "$sline" | sed -n 's/.*static exact \([0-9]*\)\/\([0-9]*\).*/\2/p')
if [ -n "$n_exact" ] && [ "$n_exact" -ge "$FLOOR" ]; then ok "at least $FLOOR exact static files ($n_exact)"
else fail "at least $FLOOR exact static files (summary: '$sline')"; fi
check "every static file exact ($n_exact of $n_static)" test "${n_exact:-x}" = "${n_static:-y}"
check "no row fails" test "$(failing_rows "$tmp/good.out" | wc -l)" -eq 0

# every file of the list is reported exact
awk '$1 == "exact" { print $3 }' "$tmp/good.out" | LC_ALL=C sort -u >"$tmp/exact.got"
grep -v -e '^#' -e '^[[:space:]]*$' "$LIST" | LC_ALL=C sort -u >"$tmp/exact.want"
n_list=$(wc -l <"$tmp/exact.want")
LC_ALL=C comm -13 "$tmp/exact.got" "$tmp/exact.want" >"$tmp/exact.lost"
if [ ! -s "$tmp/exact.lost" ] && [ "$n_list" -gt 0 ]; then
  ok "all $n_list files of tests/fidelity_exact.txt are exact"
else
  fail "files of tests/fidelity_exact.txt not reported exact:"
  sed -n '1,30s/^/    /p' "$tmp/exact.lost"
  for p in $(sed -n '1,10p' "$tmp/exact.lost"); do grep -F " $p" "$tmp/good.out" | sed 's/^/      /' | head -n 3; done
fi

# the unpacked folder gives the same result as the archive
mkdir "$tmp/x"
tar -xf "$arc" -C "$tmp/x"
R=$(ls -d "$tmp/x"/*/ | head -n 1)
R=${R%/}
"$BIN" fidelity "$R" "$T" >"$tmp/dir.out" 2>&1
rc=$?
check "fidelity of the unpacked folder exits 0" test $rc -eq 0
check "folder and archive give the same table" cmp -s "$tmp/good.out" "$tmp/dir.out"

# machine-readable rows
"$BIN" fidelity "$R" "$T" --json >"$tmp/good.json" 2>&1
check "--json exits 0" test $? -eq 0
if command -v python3 >/dev/null 2>&1; then
  if python3 - "$tmp/good.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["pass"] is True, "pass"
rows = {r["path"]: r for r in d["rows"]}
assert rows["proc/version"]["status"] == "exact", rows.get("proc/version")
assert rows["proc/meminfo"]["status"] in ("exact", "within tolerance"), rows.get("proc/meminfo")
assert rows["sos_commands/kernel/sysctl_-a"]["status"] == "stub", "sysctl stub"
assert rows["sos_commands/kernel/sysctl_-a"]["reason"], "stub reason"
assert d["summary"]["static_exact"] == d["summary"]["static"]
assert not any(r["failing"] for r in d["rows"])
EOF
  then ok "--json: rows, statuses, stub reasons, summary"
  else fail "--json content"; fi
else
  check "--json output looks like JSON" grep -q '"summary_line"' "$tmp/good.json"
fi

"$BIN" fidelity "$R" "$T" --only 'proc/net/*' >"$tmp/only.out" 2>&1
check "--only 'proc/net/*' exits 0" test $? -eq 0
check "--only keeps only matching rows" test "$(awk 'NR > 1 && NF > 2 && $0 !~ /^ / && $0 !~ /^(summary|PASS|FAIL)/' "$tmp/only.out" | grep -vc ' proc/net/')" -eq 0
check "--only: proc/net/tcp is exact" grep -Eq '^exact +static +proc/net/tcp$' "$tmp/only.out"

# ------------------------------------------------------------ a corrupted copy fails

B=$tmp/bad
cp -R "$R" "$B"
sed -i '1s/^Linux/Linuy/' "$B/proc/version"                            # one byte
sed -i 's/^MemFree: *[0-9]*/MemFree:        99999999/' "$B/proc/meminfo"  # far outside its tolerance
rm -f "$B/proc/modules"                                                # a file deleted
check "the copy was corrupted" sh -c "! cmp -s '$B/proc/version' '$R/proc/version' && ! cmp -s '$B/proc/meminfo' '$R/proc/meminfo' && test ! -e '$B/proc/modules'"
"$BIN" fidelity "$B" "$T" >"$tmp/bad.out" 2>&1
rc=$?
check "fidelity of the corrupted copy exits 1 (exit $rc)" test $rc -eq 1
check "FAIL line" grep -q '^FAIL: ' "$tmp/bad.out"
check "proc/version reported as differing" grep -Eq '^differs +!static +proc/version( |$)' "$tmp/bad.out"
check "the first differing line of proc/version, both sides" \
  sh -c "grep -A3 -E '^differs +!static +proc/version' '$tmp/bad.out' | grep -q 'report: Linuy version' &&
         grep -A3 -E '^differs +!static +proc/version' '$tmp/bad.out' | grep -q 'truth:  Linux version'"
check "proc/meminfo reported as differing at MemFree" grep -Eq '^differs +!drifting +proc/meminfo +-- MemFree' "$tmp/bad.out"
check "proc/modules reported missing" grep -Eq '^missing +!static +proc/modules( |$)' "$tmp/bad.out"
check "exactly these three rows fail" test "$(failing_rows "$tmp/bad.out" | wc -l)" -eq 3
"$BIN" fidelity "$B" "$T" --only 'proc/cmdline' >/dev/null 2>&1
check "--only an intact file of the corrupted copy exits 0" test $? -eq 0
"$BIN" fidelity "$B" "$T" --only 'proc/meminfo' -v >"$tmp/bad-v.out" 2>&1
check "-v --only proc/meminfo exits 1 and shows the value and its bounds" \
  sh -c "test $? -eq 1 && grep -q '99999999' '$tmp/bad-v.out' && grep -q 'not in \[' '$tmp/bad-v.out'"

# ------------------------------------------------------------ bad usage: exit 2

usage() {  # usage "description" args...
  what=$1; shift
  "$BIN" fidelity "$@" >"$tmp/u.out" 2>"$tmp/u.err"
  urc=$?
  if [ $urc -eq 2 ] && [ "$(wc -l <"$tmp/u.err")" -eq 1 ]; then ok "$what: exit 2, one line"
  else fail "$what: exit $urc"; show "$tmp/u.err"; fi
}
usage "no arguments"
usage "one argument" "$R"
usage "three arguments" "$R" "$T" "$T"
usage "unknown option" "$R" "$T" --frobnicate
usage "missing archive" "$tmp/nonexistent.tar.xz" "$T"
check "the message names the missing archive" grep -q "nonexistent.tar.xz" "$tmp/u.err"
usage "missing truth folder" "$R" "$tmp/no-truth"
check "the message names the truth folder" grep -q "no-truth" "$tmp/u.err"
mkdir "$tmp/empty"
usage "a folder that is no report" "$tmp/empty" "$T"
printf 'not a tar\n' >"$tmp/junk.tar.xz"
usage "an archive that does not unpack" "$tmp/junk.tar.xz" "$T"
usage "a file that is no archive" "$T/crash_pid" "$T"

finish
