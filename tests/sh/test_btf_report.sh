#!/bin/sh
# test_btf_report.sh -- a report without any debuginfo (the dump's own BTF
# and kallsyms) equals the report with the vmlinux, on every fixture of
# $KDLUA_FIXTURE_DIRS: every file byte for byte but those listed as
# "report PATH" in tests/btf-vs-dwarf.txt (which says why).  Also: the
# automatic fallback when no vmlinux is found says so on stderr, in
# sos_logs/sos.log and in the manifest's vmcore section; --no-vmlinux
# with --vmlinux is a usage error.
#
# Environment (set by ctest): KDLUA_BIN, KDLUA_FIXTURE_DIRS,
# KDLUA_SOURCE_DIR.  Exit 77 (skip) without dumps unless CI=true.

set -u

. "$(dirname "$0")/common.sh"
need_python3

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kdlua-btf.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

EXPECTED=$KDLUA_SOURCE_DIR/tests/btf-vs-dwarf.txt
# excused NAME FILE: is FILE excused for fixture NAME?
excused() {
  while read -r key pattern; do
    case $key in report|"report@$1") ;; *) continue ;; esac
    # shellcheck disable=SC2254
    case $2 in $pattern) return 0 ;; esac
  done <"$EXPECTED"
  return 1
}

n=0
printf '%s\n' "${KDLUA_FIXTURE_DIRS:-$D}" | while IFS= read -r dir; do
  [ -f "$dir/vmcore" ] && [ -f "$dir/vmlinux" ] && printf '%s\n' "$dir"
done >"$tmp/dirs"

while IFS= read -r dir; do
  n=$((n + 1))
  name=$(basename "$dir")
  mods=
  [ -d "$dir/modules" ] && mods="--debuginfo-dir $dir/modules"
  mkdir -p "$tmp/dw$n" "$tmp/btf$n"
  # shellcheck disable=SC2086
  "$BIN" report --vmcore "$dir/vmcore" --vmlinux "$dir/vmlinux" $mods \
    --build --tmp-dir "$tmp/dw$n" >/dev/null 2>"$tmp/dw$n.err" ||
    { fail "$name: report with the vmlinux"; sed 's/^/     /' "$tmp/dw$n.err"; continue; }
  "$BIN" report --vmcore "$dir/vmcore" --no-vmlinux \
    --build --tmp-dir "$tmp/btf$n" >/dev/null 2>"$tmp/btf$n.err" ||
    { fail "$name: report with --no-vmlinux"; sed 's/^/     /' "$tmp/btf$n.err"; continue; }
  a=$(ls -d "$tmp/dw$n"/sos*/) b=$(ls -d "$tmp/btf$n"/sos*/)
  (cd "$a" && find . -type f | sed 's|^\./||' | sort) >"$tmp/files-dw"
  (cd "$b" && find . -type f | sed 's|^\./||' | sort) >"$tmp/files-btf"
  check "$name: the same files with and without the vmlinux" cmp -s "$tmp/files-dw" "$tmp/files-btf"
  diffs=0
  while IFS= read -r f; do
    excused "$name" "$f" && continue
    if ! cmp -s "$a/$f" "$b/$f"; then
      diffs=$((diffs + 1))
      echo "     differs: $f"
      diff "$a/$f" "$b/$f" 2>/dev/null | head -5 | sed 's/^/       /'
    fi
  done <"$tmp/files-dw"
  check "$name: every file not excused in btf-vs-dwarf.txt is byte-identical ($diffs differ)" \
    [ "$diffs" -eq 0 ]
  check "$name: the manifest says the types came from BTF" python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
def find(o):
    if isinstance(o, dict):
        if o.get("types") == "BTF" and "--no-vmlinux" in (o.get("types_note") or ""):
            return True
        return any(find(v) for v in o.values())
    if isinstance(o, list):
        return any(find(v) for v in o)
    return False
sys.exit(0 if find(m) else 1)' "$b/sos_reports/manifest.json"
  check "$name: sos.log warns that there was no vmlinux" \
    grep -q "WARNING: \[report\] --no-vmlinux was given: types from the dump's BTF" "$b/sos_logs/sos.log"
done <"$tmp/dirs"

# no vmlinux anywhere: chosen by itself, one line on stderr
mkdir "$tmp/alone" && ln -s "$D/vmcore" "$tmp/alone/vmcore"
HOME=$tmp "$BIN" -e 'print(kd.dump_info().type_source)' --vmcore "$tmp/alone/vmcore" \
  >"$tmp/auto.out" 2>"$tmp/auto.err"
check "automatic: types from BTF when no vmlinux is found" grep -qx BTF "$tmp/auto.out"
check "automatic: one line on stderr says so" sh -c \
  "[ \$(wc -l <'$tmp/auto.err') -eq 1 ] && grep -q 'no vmlinux with debug info was found.*BTF' '$tmp/auto.err'"

# bad input, on copies of the example dump with VMCOREINFO edited in place
# (same length): no kallsyms entries (a kernel before 6.0), and kallsyms
# at an address the dump cannot read.  One line each; the dump still opens
# for what needs no types; info (which needs them) exits 2.
python3 - "$KDLUA_SOURCE_DIR/examples/dump/vmcore" "$tmp" <<'EOF'
import re, sys
src = open(sys.argv[1], 'rb').read()
m = re.search(rb'SYMBOL\(kallsyms_names\)=([0-9a-f]+)', src)
open(sys.argv[2] + '/nokallsyms', 'wb').write(
    src.replace(b'SYMBOL(kallsyms_names)=', b'SYMBOL(kallsyms_namez)='))
bad = b'ffffffff00001000'.rjust(len(m.group(1)), b'f')
open(sys.argv[2] + '/unreadable', 'wb').write(
    src.replace(m.group(0), b'SYMBOL(kallsyms_names)=' + bad))
EOF
bad_case() {  # bad_case FILE MESSAGE
  HOME=$tmp "$BIN" info --vmcore "$tmp/$1" >/dev/null 2>"$tmp/$1.err"
  rc=$?
  good=no
  [ "$rc" -eq 2 ] && [ "$(wc -l <"$tmp/$1.err")" -eq 1 ] &&
    grep -qF "$2" "$tmp/$1.err" && grep -q -- '--vmlinux' "$tmp/$1.err" && good=yes
  check "$1: info exits 2 with one line naming what is missing" [ "$good" = yes ]
  [ "$good" = yes ] || sed 's/^/     /' "$tmp/$1.err"
  out=$(HOME=$tmp "$BIN" -e 'print(kd.uts().nodename)' --vmcore "$tmp/$1" 2>/dev/null)
  check "$1: what needs no types still works" [ "$out" = kdlua-example ]
}
bad_case nokallsyms "does not locate the kernel's kallsyms (Linux 6.0+ does)"
bad_case unreadable "kallsyms tables cannot be read (cannot read memory at 0xffffffff00001000"

"$BIN" -e 'print(1)' --vmcore "$D/vmcore" --vmlinux "$D/vmlinux" --no-vmlinux \
  >/dev/null 2>"$tmp/both.err"
check "--no-vmlinux with --vmlinux: usage error" [ $? -eq 2 ]

[ "$(wc -l <"$tmp/dirs")" -gt 0 ] || fail "no fixture with a vmcore and a vmlinux"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
