#!/bin/sh
# test_each_fixture.sh -- runs every tests/lua/each_fixture/*.lua once per
# fixture folder (KDLUA_FIXTURE_DIRS, one per line, from with-fixtures.sh),
# each against that fixture's truth/: the kernel-layout branches a library
# takes are checked on every kernel the fixtures hold, so a third fixture
# needs no change here.  Skips (77) without fixtures, fails then when CI=true.
set -u
. "$(dirname "$0")/fixture_dirs.sh"
SRC=${KDLUA_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
rc=0
runs=0
for t in "$SRC"/tests/lua/each_fixture/*.lua; do
  for d in $dirs; do
    echo "== $(basename "$t") on $d"
    if KDLUA_TEST_VMCORE_DIR=$d sh "$SRC/tests/run-lua-test.sh" "$t"; then :; else rc=1; fi
    runs=$((runs + 1))
  done
done
echo "$runs run(s)"
exit $rc
