# common.sh -- sourced by the shell tests that run kdlua on the shared dump.
#
# Sets BIN (kdlua) and D (the dump folder) from ctest's environment, skips
# (exit 77) when kdlua is not built or the dump is absent -- but fails when
# CI=true, where the dump is always present -- and defines the counters and
# the ok/fail/check/show helpers.  The test prints "N passed, N failed" at
# the end with finish_counts.

BIN=${KDLUA_BIN:-}
D=${KDLUA_TEST_VMCORE_DIR:-}

if [ -z "$BIN" ] || [ ! -x "$BIN" ]; then
  echo "SKIP: kdlua binary not found (KDLUA_BIN='$BIN')"
  exit 77
fi
if [ -z "$D" ] || [ ! -f "$D/vmcore" ]; then
  if [ "${CI:-}" = true ]; then
    echo "FAIL: no dump at '$D/vmcore' and CI=true"
    exit 1
  fi
  echo "SKIP: no dump at '$D/vmcore'"
  exit 77
fi

# python3 parses the JSON files the report writes
need_python3() {
  if ! command -v python3 >/dev/null 2>&1; then
    echo "SKIP: python3 is needed to parse the JSON files"
    exit 77
  fi
}

T=$D/truth
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1"; }
check() {  # check "description" command...
  what=$1; shift
  if "$@"; then ok "$what"; else fail "$what"; fi
}
show() { echo "--- $1:"; sed -n '1,40s/^/    /p' "$1"; }
