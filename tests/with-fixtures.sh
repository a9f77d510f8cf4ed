#!/bin/sh
# with-fixtures.sh -- every ctest test runs through this, so the fixtures are
# found when the test runs, not when the build was configured.
#
#   KDLUA_FIXTURES         the folder holding fixture folders (default: ../shared
#                          beside the source tree).  A fixture folder is any
#                          subfolder with a `vmcore` (vmlinux, modules/, truth/
#                          and reference/ beside it): a new one is tested with
#                          no code change.
#
# Exports, for the test:
#   KDLUA_FIXTURE_DIRS     every fixture folder, sorted, one per line
#   KDLUA_TEST_VMCORE_DIR  the dump single-dump tests use: as given, else
#                          $KDLUA_FIXTURES/vmcore, else the first fixture
# A test that finds no dump skips (exit 77), or fails when CI=true.
src=${KDLUA_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
: "${KDLUA_FIXTURES:=$src/../shared}"
dirs=
if [ -d "$KDLUA_FIXTURES" ]; then
  dirs=$(for v in "$KDLUA_FIXTURES"/*/vmcore; do
           [ -f "$v" ] && (cd "$(dirname "$v")" && pwd)
         done | LC_ALL=C sort)
fi
if [ -z "${KDLUA_TEST_VMCORE_DIR:-}" ]; then
  if [ -f "$KDLUA_FIXTURES/vmcore/vmcore" ]; then
    KDLUA_TEST_VMCORE_DIR=$(cd "$KDLUA_FIXTURES/vmcore" && pwd)
  else
    KDLUA_TEST_VMCORE_DIR=$(printf '%s\n' "$dirs" | sed -n 1p)
  fi
fi
export KDLUA_FIXTURES KDLUA_FIXTURE_DIRS="$dirs" KDLUA_TEST_VMCORE_DIR
exec "$@"
