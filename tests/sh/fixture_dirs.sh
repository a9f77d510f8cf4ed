# fixture_dirs.sh -- sourced by the shell tests that run once per fixture
# folder: sets `dirs` (KDLUA_FIXTURE_DIRS, one folder a line, from
# with-fixtures.sh) and skips (exit 77) when there is none -- but fails when
# CI=true, where the fixtures are always present.  KDLUA_BIN must be set.
: "${KDLUA_BIN:?KDLUA_BIN not set}"
dirs=${KDLUA_FIXTURE_DIRS:-}
if [ -z "$dirs" ]; then
  if [ "${CI:-}" = true ]; then echo "FAIL: no fixture folders and CI=true"; exit 1; fi
  echo "SKIP: no fixture folders (KDLUA_FIXTURES)"; exit 77
fi
