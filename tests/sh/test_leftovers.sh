#!/bin/sh
# Partial leftovers (issue 16): SIGHUP and SIGQUIT end a report as SIGTERM
# does (nothing left behind); the partial files and trees of runs that died
# without a handler (SIGKILL) are removed by the next run once their writer
# is gone; a debug-cache temporary of a dead writer is removed at the next
# use of the cache, even when the copy it was making exists by now.
. "$(dirname "$0")/common.sh"
W=$(mktemp -d)
bgpid=
trap '[ -n "$bgpid" ] && kill "$bgpid" 2>/dev/null; rm -rf "$W"' EXIT
mkdir "$W/slow"
cat >"$W/slow/slow.lua" <<'EOF'
emit{ path = "site/slow", plugin = "site",
      run = function() local t = os.clock() + 20 while os.clock() < t do end return "x" end }
EOF

for sig in HUP:1 QUIT:3; do
  num=${sig#*:} sig=${sig%:*}
  mkdir "$W/out-$sig"
  "$BIN" report --vmcore "$D/vmcore" --vmlinux "$D/vmlinux" --tmp-dir "$W/out-$sig" \
    --emitters-dir "$W/slow" --emitter-timeout 30 -j 2 >/dev/null 2>"$W/$sig.err" &
  bgpid=$!
  sleep 2
  kill -$sig "$bgpid" 2>/dev/null
  wait "$bgpid"
  rc=$?
  bgpid=
  want=$((128 + num))
  check "SIG$sig: exit status $want (got $rc)" test $rc -eq $want
  check "SIG$sig: nothing left in the tmp-dir" test -z "$(ls -A "$W/out-$sig")"
  check "SIG$sig: handled as SIGTERM is" grep -q "interrupted, partial report removed" "$W/$sig.err"
done

# the leftovers of a SIGKILLed run: a dead pid (a process that has ended)
sh -c 'exit 0' &
dead=$!
wait $dead
O=$W/out
mkdir -p "$O/.sosvmcore-a-2026-01-01-abcdefg.part-$dead-Xy12Ab/proc"
echo x >"$O/.sosvmcore-a-2026-01-01-abcdefg.part-$dead-Xy12Ab/proc/version"
echo x >"$O/.sosvmcore-b-2026-01-01-abcdefg.tar.xz.part-$dead-Qw34Er"
echo x >"$O/.sosvmcore-c-2026-01-01-abcdefg.tar.xz.part-$dead-Zx56Cv"    # fresh: kept
echo x >"$O/.sosvmcore-d-2026-01-01-abcdefg.tar.xz.part-$$-Rt78Yu"      # alive: kept
echo x >"$O/.notours.part-x"                                             # not ours: kept
touch -d '5 minutes ago' "$O/.sosvmcore-a-2026-01-01-abcdefg.part-$dead-Xy12Ab" \
  "$O/.sosvmcore-b-2026-01-01-abcdefg.tar.xz.part-$dead-Qw34Er" \
  "$O/.sosvmcore-d-2026-01-01-abcdefg.tar.xz.part-$$-Rt78Yu" "$O/.notours.part-x"
"$BIN" report --vmcore "$D/vmcore" --vmlinux "$D/vmlinux" --tmp-dir "$O" -o kernel -j 1 \
  -v >/dev/null 2>"$W/stale.err"
check "stale: the dead run's partial tree is removed" \
  test ! -e "$O/.sosvmcore-a-2026-01-01-abcdefg.part-$dead-Xy12Ab"
check "stale: the dead run's partial archive is removed" \
  test ! -e "$O/.sosvmcore-b-2026-01-01-abcdefg.tar.xz.part-$dead-Qw34Er"
check "stale: a fresh one is kept" test -e "$O/.sosvmcore-c-2026-01-01-abcdefg.tar.xz.part-$dead-Zx56Cv"
check "stale: a live writer's is kept" test -e "$O/.sosvmcore-d-2026-01-01-abcdefg.tar.xz.part-$$-Rt78Yu"
check "stale: other files are kept" test -e "$O/.notours.part-x"
check "stale: sos.log says so" grep -q "removed 2 partial report" "$W/stale.err"

# a debug-cache temporary of a dead writer, beside a copy that exists
C=${KDLUA_CACHE_DIR:?}
mkdir -p "$C"
echo x >"$C/zz-leftover-test-$$-vmlinux.tmp.$dead"
"$BIN" -e 'print(1)' --vmcore "$D/vmcore" --vmlinux "$D/vmlinux" >/dev/null 2>&1
check "debug cache: a dead writer's temporary is removed" test ! -e "$C/zz-leftover-test-$$-vmlinux.tmp.$dead"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
