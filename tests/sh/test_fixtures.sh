#!/bin/sh
# test_fixtures.sh -- which fixture folders this run found (with-fixtures.sh),
# and that kdlua opens each one: `kdlua info` exits 0 and names the release
# the live system printed (truth/proc/sys/kernel/osrelease, when present).
# Skips when there is none, fails when CI=true.
. "$(dirname "$0")/common.sh"

echo "fixtures under ${KDLUA_FIXTURES:-?}:"
printf '%s\n' "$KDLUA_FIXTURE_DIRS" | sed 's/^/    /'
for F in $KDLUA_FIXTURE_DIRS; do
  name=$(basename "$F")
  mods=
  [ -d "$F/modules" ] && mods="--debuginfo-dir $F/modules"
  out=$("$BIN" info --vmcore "$F/vmcore" --vmlinux "$F/vmlinux" $mods 2>&1)
  check "$name: kdlua info exits 0" [ $? -eq 0 ]
  rel=$(cat "$F/truth/proc/sys/kernel/osrelease" 2>/dev/null)
  if [ -n "$rel" ]; then
    check "$name: RELEASE is the live system's $rel" \
      sh -c 'printf "%s\n" "$1" | grep -q "RELEASE: $2\$"' - "$out" "$rel"
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
