#!/bin/sh
# test_fidelity.sh -- `kdlua fidelity` on a report of every fixture.
#
# For each fixture folder of $KDLUA_FIXTURE_DIRS (tests/with-fixtures.sh;
# a new folder is tested with no code change) a report is made and checked
# against the folder's truth/:
#   * no emitter fails (sos_logs/sos.log has no "emitter ... failed"),
#     but for the emitters its list names as known failures (that part of
#     the list only shrinks);
#   * every file of tests/fidelity_exact/<folder name>.txt is reported
#     `exact`, every "~ PATH" line exact or within tolerance (that list
#     only grows);
#   * where the list says `#! require-pass`: the checker passes (exit 0,
#     every static file exact, every drifting one within tolerance) and
#     counts at least `#! floor N` exact static files;
#   * the summary line (PASS/FAIL counts) is printed for every fixture.
# A folder without a list is reported (counts, emitter failures) only.
#
# On the dump single-dump tests use (KDLUA_TEST_VMCORE_DIR), also: the
# unpacked folder gives the archive's table, --json and --only work, a
# corrupted copy (one byte of proc/version, proc/meminfo's MemFree far off,
# proc/modules deleted) fails (exit 1) naming those files, bad usage exits 2.
#
# Environment (set by ctest): KDLUA_BIN, KDLUA_FIXTURE_DIRS,
# KDLUA_TEST_VMCORE_DIR, KDLUA_SOURCE_DIR.  Exit 77 (skip) when kdlua is not
# built or no dump is present, unless CI=true, where a missing dump is a
# failure.

set -u

SRC=${KDLUA_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
LISTS=$SRC/tests/fidelity_exact

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

FIXTURES=${KDLUA_FIXTURE_DIRS:-$D}
[ -n "$FIXTURES" ] || FIXTURES=$D

# ------------------------------------------------------------ every fixture

# one_fixture DIR: report, emitter failures, the exact list, PASS when required
one_fixture() {
  fx=$1
  name=$(basename "$fx")
  w=$tmp/fx-$name
  mkdir -p "$w/r" "$w/x"
  list=$LISTS/$name.txt
  if ! "$BIN" report --vmcore "$fx/vmcore" --vmlinux "$fx/vmlinux" --debuginfo-dir "$fx/modules" \
       --tmp-dir "$w/r" --quiet >"$w/report.out" 2>&1; then
    fail "[$name] kdlua report"
    show "$w/report.out"
    return
  fi
  arc=$(ls "$w/r"/*.tar.xz 2>/dev/null | head -n 1)
  if [ -z "$arc" ]; then fail "[$name] kdlua report wrote a .tar.xz"; return; fi
  tar -xf "$arc" -C "$w/x"
  R=$(ls -d "$w/x"/*/ | head -n 1)
  R=${R%/}

  # emitter failures, against the known ones of the list
  sed -n 's/.* ERROR: \[plugin:[^]]*\] emitter \([^ ]*\) .* failed: .*/\1/p' "$R/sos_logs/sos.log" |
    LC_ALL=C sort -u >"$w/failed.got"
  if [ -f "$list" ]; then
    sed -n 's/^#! known-failing-emitter  *\([^ ]*\).*/\1/p' "$list" | LC_ALL=C sort -u >"$w/failed.known"
  else
    : >"$w/failed.known"
  fi
  LC_ALL=C comm -23 "$w/failed.got" "$w/failed.known" >"$w/failed.new"
  if [ -s "$w/failed.new" ]; then
    fail "[$name] emitters failed:"
    while read -r p; do grep -F "emitter $p " "$R/sos_logs/sos.log" | sed -n '1s/^.* ERROR: /    /p'; done <"$w/failed.new"
  else
    ok "[$name] no emitter failed ($(wc -l <"$w/failed.known") known failure(s) allowed)"
  fi
  LC_ALL=C comm -13 "$w/failed.got" "$w/failed.known" | sed "s/^/    [$name] known failure no longer fails (drop it from the list): /"

  "$BIN" fidelity "$arc" "$fx/truth" >"$w/fid.out" 2>"$w/fid.err"
  rc=$?
  sline=$(grep '^summary: ' "$w/fid.out")
  vline=$(grep -E '^(PASS|FAIL)' "$w/fid.out")
  echo "    [$name] $sline"
  echo "    [$name] $vline"
  if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
    fail "[$name] kdlua fidelity ran (exit $rc)"; show "$w/fid.err"; return
  fi

  if [ ! -f "$list" ]; then
    echo "    [$name] no tests/fidelity_exact/$name.txt: counts reported only"
    return
  fi

  # every file of the list is reported exact ("~ PATH": a drifting file,
  # exact or within tolerance)
  awk '$1 == "exact" { print $3 }' "$w/fid.out" | LC_ALL=C sort -u >"$w/exact.got"
  grep -v -e '^#' -e '^[[:space:]]*$' -e '^~ ' "$list" | LC_ALL=C sort -u >"$w/exact.want"
  awk '$1 == "exact" && $2 == "drifting" { print $3 }
       $1 == "within" && $3 == "drifting" { print $4 }' "$w/fid.out" | LC_ALL=C sort -u >"$w/within.got"
  sed -n 's/^~ //p' "$list" | LC_ALL=C sort -u >"$w/within.want"
  n_within=$(wc -l <"$w/within.want")
  LC_ALL=C comm -13 "$w/within.got" "$w/within.want" >"$w/within.lost"
  if [ ! -s "$w/within.lost" ]; then
    ok "[$name] all $n_within drifting files (~) of tests/fidelity_exact/$name.txt within tolerance"
  else
    fail "[$name] drifting files (~) of tests/fidelity_exact/$name.txt not within tolerance:"
    sed -n '1,30s/^/    /p' "$w/within.lost"
    for p in $(sed -n '1,10p' "$w/within.lost"); do grep -F " $p" "$w/fid.out" | sed 's/^/      /' | head -n 3; done
  fi
  n_list=$(wc -l <"$w/exact.want")
  LC_ALL=C comm -13 "$w/exact.got" "$w/exact.want" >"$w/exact.lost"
  if [ ! -s "$w/exact.lost" ] && [ "$n_list" -gt 0 ]; then
    ok "[$name] all $n_list files of tests/fidelity_exact/$name.txt are exact"
  else
    fail "[$name] files of tests/fidelity_exact/$name.txt not reported exact:"
    sed -n '1,30s/^/    /p' "$w/exact.lost"
    for p in $(sed -n '1,10p' "$w/exact.lost"); do grep -F " $p" "$w/fid.out" | sed 's/^/      /' | head -n 3; done
  fi

  if grep -q '^#! require-pass' "$list"; then
    if [ $rc -eq 0 ]; then ok "[$name] fidelity exits 0"
    else fail "[$name] fidelity exits 0 (exit $rc)"; failing_rows "$w/fid.out" | sed -n '1,40s/^/    /p'; fi
    check "[$name] PASS line" grep -q "^PASS: every static file exact, every drifting file within tolerance" "$w/fid.out"
    n_exact=$(echo "$sline" | sed -n 's/.*static exact \([0-9]*\)\/\([0-9]*\).*/\1/p')
    n_static=$(echo "$sline" | sed -n 's/.*static exact \([0-9]*\)\/\([0-9]*\).*/\2/p')
    floor=$(sed -n 's/^#! floor  *\([0-9]*\).*/\1/p' "$list" | head -n 1)
    if [ -n "$floor" ]; then
      if [ -n "$n_exact" ] && [ "$n_exact" -ge "$floor" ]; then ok "[$name] at least $floor exact static files ($n_exact)"
      else fail "[$name] at least $floor exact static files (summary: '$sline')"; fi
    fi
    check "[$name] every static file exact ($n_exact of $n_static)" test "${n_exact:-x}" = "${n_static:-y}"
    check "[$name] no row fails" test "$(failing_rows "$w/fid.out" | wc -l)" -eq 0
  fi
}

n_fx=0
for fx in $FIXTURES; do
  [ -f "$fx/vmcore" ] && [ -d "$fx/truth" ] || continue
  n_fx=$((n_fx + 1))
  one_fixture "$fx"
done
check "at least one fixture was checked ($n_fx)" test "$n_fx" -gt 0

# ------------------------------------------------------------ the single-dump checks

name=$(basename "$D")
arc=$(ls "$tmp/fx-$name/r"/*.tar.xz 2>/dev/null | head -n 1)
if [ -z "$arc" ]; then
  mkdir -p "$tmp/r"
  "$BIN" report --vmcore "$D/vmcore" --vmlinux "$D/vmlinux" --debuginfo-dir "$D/modules" \
    --tmp-dir "$tmp/r" --quiet >"$tmp/report.out" 2>&1
  arc=$(ls "$tmp/r"/*.tar.xz 2>/dev/null | head -n 1)
fi
if [ -z "$arc" ]; then fail "a report of $D"; finish; fi

"$BIN" fidelity "$arc" "$T" >"$tmp/good.out" 2>"$tmp/good.err"
rc=$?
check "fidelity of $name's archive exits 0 (exit $rc)" test $rc -eq 0

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
