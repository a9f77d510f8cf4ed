# counting.sh -- sourced by every shell test (common.sh sources it for the
# tests that need the dump): the pass/fail counters and the ok/fail/check/show
# helpers.  A test ends with `echo "$passed passed, $failed failed"` and
# `[ "$failed" -eq 0 ]`.
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1"; }
check() {  # check "description" command...
  what=$1; shift
  if "$@"; then ok "$what"; else fail "$what"; fi
}
show() { echo "--- $1:"; sed -n '1,40s/^/    /p' "$1"; }
