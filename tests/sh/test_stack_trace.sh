#!/bin/sh
# test_stack_trace.sh -- the unwinder against truth/ and reference/ of every
# fixture (tests/lua/stack_checks.lua says what is checked).
. "$(dirname "$0")/common.sh"

for F in $KDLUA_FIXTURE_DIRS; do
  mods=
  [ -d "$F/modules" ] && mods="--debuginfo-dir $F/modules"
  "$BIN" run "$KDLUA_SOURCE_DIR/tests/lua/stack_checks.lua" "$F" \
    --vmcore "$F/vmcore" --vmlinux "$F/vmlinux" $mods > "$KDLUA_BUILD_DIR/stack_checks.out" 2>&1
  rc=$?
  cat "$KDLUA_BUILD_DIR/stack_checks.out"
  check "$(basename "$F"): stack_checks.lua exits 0" [ $rc -eq 0 ]
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
