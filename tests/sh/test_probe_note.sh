#!/bin/sh
# The open's probe (a child that opens the dump first, so that a crash of
# libkdumpfile is one line, not a dead kdlua) is skipped for a file that
# passed it before: host/dump/dump.c passed_note.  The note names the
# file's identity and the code's; a file changed since, a damaged file, a
# run with KDLUA_NO_CACHE set or a fault injected into the probe never rely
# on one, and a file's new note replaces its old ones.
# (The notes go to the tests' cache folder, beside the other tests' notes:
# only those of this test's own copies, told by their inode, are counted.)
. "$(dirname "$0")/common.sh"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
C=${KDLUA_CACHE_DIR:-$W/cache}
export KDLUA_CACHE_DIR="$C"
# notes FILE: the notes of FILE's device and inode
notes() {
  key=$(stat -c '%d %i' "$1" | { read -r dev ino; printf 'dump-opened-%x-%x-' "$dev" "$ino"; })
  ls "$C" 2>/dev/null | grep -c "^$key"
}
# open_dump FILE [VAR=VALUE...]: what kdlua prints of the dump's release
open_dump() {
  f=$1; shift
  env "$@" "$BIN" -e 'print(kd.uts().release)' --vmcore "$f" --vmlinux "$D/vmlinux" \
    --no-modules 2>&1
}
release=$(open_dump "$D/vmcore")

cp "$D/vmcore" "$W/a"
out=$(open_dump "$W/a")
check "first open reads the dump" [ "$out" = "$release" ]
check "a file that passed the probe is noted once" [ "$(notes "$W/a")" -eq 1 ]
out=$(open_dump "$W/a")
check "the noted file opens again" [ "$out" = "$release" ]
check "... without a second note" [ "$(notes "$W/a")" -eq 1 ]

# a note is not a pass for the file changed since: its ctime moved
touch "$W/a"
out=$(open_dump "$W/a")
check "a changed file opens" [ "$out" = "$release" ]
check "... probed and noted again, the old note removed" [ "$(notes "$W/a")" -eq 1 ]
check "... the note names the new ctime" \
  [ -n "$(ls "$C" | grep "^dump-opened-.*-$(stat -c %Z "$W/a")\.")" ]

# a fault injected into the probe still runs it, note or not
out=$(open_dump "$W/a" KDLUA_FAULT=probe-crash)
case $out in
  *"not a readable kernel dump (libkdumpfile failed on it"*) ok "probe-crash probes a noted file" ;;
  *) fail "probe-crash on a noted file: $out" ;;
esac

# no notes without the cache, nor for a file that does not open
cp "$D/vmcore" "$W/b"
open_dump "$W/b" KDLUA_NO_CACHE=1 >/dev/null
check "KDLUA_NO_CACHE=1 writes no note" [ "$(notes "$W/b")" -eq 0 ]
open_dump "$W/b" KDLUA_NO_CACHE=yes >/dev/null
check "KDLUA_NO_CACHE=yes neither (read as every cache switch is)" [ "$(notes "$W/b")" -eq 0 ]
head -c 65536 "$D/vmcore" > "$W/c"
open_dump "$W/c" >/dev/null
check "a damaged file is not noted" [ "$(notes "$W/c")" -eq 0 ]

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
