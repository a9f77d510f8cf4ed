#!/bin/sh
# Runs one tests/lua/test_*.lua file inside the real host.
# A first line "-- kdlua-test: dump=kfx" selects the synthetic ELF fixture
# (built from source in tests/fixtures); otherwise the real dump in
# $KDLUA_TEST_VMCORE_DIR is used, and a missing dump skips (exit 77) unless
# CI=true, where it fails.
t="$1"
: "${KDLUA_BIN:?KDLUA_BIN not set}"
if head -n 1 "$t" | grep -q 'dump=kfx'; then
  fx="$KDLUA_BUILD_DIR/tests/fixtures"
  if [ ! -f "$fx/kfx.vmcore" ]; then
    echo "synthetic fixture $fx/kfx.vmcore was not built"; exit 1
  fi
  exec "$KDLUA_BIN" run "$KDLUA_SOURCE_DIR/tests/lua/runner.lua" "$t" \
    --vmcore "$fx/kfx.vmcore" --vmlinux "$fx/kstructs.elf" --no-modules
fi
D="$KDLUA_TEST_VMCORE_DIR"
if [ ! -f "$D/vmcore" ]; then
  if [ "$CI" = true ]; then
    echo "FAIL: real dump not found at $D/vmcore (set KDLUA_TEST_VMCORE_DIR)"; exit 1
  fi
  echo "SKIP: real dump not found at $D/vmcore (set KDLUA_TEST_VMCORE_DIR)"; exit 77
fi
exec "$KDLUA_BIN" run "$KDLUA_SOURCE_DIR/tests/lua/runner.lua" "$t" \
  --vmcore "$D/vmcore" --vmlinux "$D/vmlinux" --debuginfo-dir "$D/modules"
