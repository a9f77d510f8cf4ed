#!/bin/sh
# test_chunkcache.sh -- the cache of compiled bundled scripts
# (bindings/lua_chunkcache.c): entries are written, used, replaced when the
# source changes, ignored when corrupt, never made for scripts outside the
# scripts root, and errors still name the source file and line.
#
# Runs on the synthetic fixture (tests/fixtures), with a private copy of
# scripts/ and a private cache directory.  Environment (set by ctest):
# KDLUA_BIN, KDLUA_SOURCE_DIR, KDLUA_BUILD_DIR.

set -u
BIN=${KDLUA_BIN:?}
fx=$KDLUA_BUILD_DIR/tests/fixtures
[ -f "$fx/kfx.vmcore" ] || { echo "synthetic fixture $fx/kfx.vmcore was not built"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kdlua-chunkcache.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

. "$(dirname "$0")/counting.sh"

S=$tmp/scripts
cp -r "$KDLUA_SOURCE_DIR/scripts" "$S"
C=$tmp/cache/not/yet/made
kd() {  # kd LUA-CHUNK: run it on the fixture with the private scripts and cache
  KDLUA_CACHE_DIR=$C "$BIN" --scripts "$S" -e "$1" --vmcore "$fx/kfx.vmcore" \
    --vmlinux "$fx/kstructs.elf" --no-modules
}
entries() { ls "$C/lua" 2>/dev/null | grep -c '\.luac$'; }

out=$(kd 'print(require("report.util").first_line("a\nb"))' 2>&1)
check "a bundled library loads (first run, compiled from text)" test "$out" = a
n1=$(entries)
check "its compiled form is cached ($n1 entries)" test "$n1" -ge 1
out=$(kd 'print(require("report.util").first_line("a\nb"))' 2>&1)
check "second run: the same result, from the cache" test "$out" = a
check "second run: no new entries" test "$(entries)" -eq "$n1"

# a changed source replaces its entry
printf '\nfunction M.marker() return "changed" end\n' >>"$S/lib/report/util.lua"
sed -i 's/^return M$//' "$S/lib/report/util.lua"
printf 'return M\n' >>"$S/lib/report/util.lua"
out=$(kd 'print(require("report.util").marker())' 2>&1)
check "an edited library is recompiled, not taken from the stale entry" test "$out" = changed

# a corrupt entry is ignored: truncated, or its bytecode damaged (one byte
# near the end flipped; lua_load must never see it)
for f in "$C"/lua/*.luac; do
  python3 -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); b[-3]^=0x55; open(p,"wb").write(b)' "$f" 2>/dev/null ||
    printf 'garbage' >"$f"
done
out=$(kd 'print(require("report.util").marker())' 2>&1)
check "damaged entries: the text is loaded instead" test "$out" = changed
for f in "$C"/lua/*.luac; do printf 'garbage' >"$f"; done
out=$(kd 'print(require("report.util").marker())' 2>&1)
check "truncated entries: the text is loaded instead" test "$out" = changed

# errors name the source file and line, from the cache as from the text
mkdir -p "$S/lib/cct"
printf 'local M = {}\nfunction M.boom()\n  error("boom here")\nend\nreturn M\n' >"$S/lib/cct/boom.lua"
for run in text cache; do
  out=$(kd 'require("cct.boom").boom()' 2>&1)
  case $out in
    *"$S/lib/cct/boom.lua:3: boom here"*) ok "error location from the $run: boom.lua:3" ;;
    *) fail "error location from the $run"; echo "$out" | sed 's/^/    /' ;;
  esac
done

# scripts outside the scripts root are never cached
n=$(entries)
printf 'print("outside")\n' >"$tmp/outside.lua"
out=$(KDLUA_CACHE_DIR=$C "$BIN" --scripts "$S" run "$tmp/outside.lua" --vmcore "$fx/kfx.vmcore" \
      --vmlinux "$fx/kstructs.elf" --no-modules 2>&1)
check "a program outside the scripts root runs" test "$out" = outside
check "and is not cached" test "$(entries)" -eq "$n"

# KDLUA_NO_CHUNK_CACHE turns it off
rm -rf "$C"
out=$(KDLUA_NO_CHUNK_CACHE=1 kd 'print(require("report.util").marker())' 2>&1)
check "KDLUA_NO_CHUNK_CACHE=1: loads" test "$out" = changed
check "KDLUA_NO_CHUNK_CACHE=1: writes nothing" test "$(entries)" -eq 0

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
