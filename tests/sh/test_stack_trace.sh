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

# `kdlua bt` itself, on the first fixture: crash's layout, its options,
# bad input
F=$(printf '%s\n' "$KDLUA_FIXTURE_DIRS" | sed -n 1p)
mods=
[ -d "$F/modules" ] && mods="--debuginfo-dir $F/modules"
O="$KDLUA_BUILD_DIR/bt.out"
kbt() { "$BIN" bt "$@" --vmcore "$F/vmcore" --vmlinux "$F/vmlinux" $mods; }
crash_pid=$(cat "$F/truth/crash_pid")
kbt > "$O" 2>&1
check "bt: without arguments, the task that crashed (pid $crash_pid)" \
  sh -c 'head -n 1 "$1" | grep -q "^PID: $2 .*TASK: [0-9a-f]*  CPU: [0-9]* *COMMAND: \""' - "$O" "$crash_pid"
check "bt: numbered frames as crash prints them" grep -q '^ #1 \[[0-9a-f]\{16\}\] [a-z_]* at [0-9a-f]\{16\}$' "$O"
check "bt: user registers block" grep -q '^    ORIG_RAX: [0-9a-f]\{16\}  CS: 0033  SS: 002b$' "$O"
kbt "$crash_pid" > "$O.pid" 2>&1
check "bt PID: the same trace" cmp -s "$O" "$O.pid"
ncpu=$(kbt -a 2>/dev/null | grep -c '^PID: ')
check "bt -a: one trace per CPU with saved registers ($ncpu)" [ "$ncpu" -ge 2 ]
kbt -c 0 > "$O.c0" 2>&1
check "bt -c 0: CPU 0's task" sh -c 'head -n 1 "$1" | grep -q "CPU: 0 "' - "$O.c0"
kbt -f > "$O.f" 2>&1
check "bt -f: stack words under the frames" grep -q '^    [0-9a-f]\{16\}: [0-9a-f]\{16\}' "$O.f"
kbt -l > "$O.l" 2>&1
check "bt -l: a source line under the frames" grep -q '^    [A-Za-z0-9/_.-]*\.[chS]: [0-9][0-9]*$' "$O.l"
kbt --json -a > "$O.json" 2>&1
check "bt --json: valid JSON with frames" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert isinstance(d, list) and len(d) >= 2
assert all(t["frames"] and "reliable" in t and t["stop_reason"] for t in d)
assert any(f["kind"] == "user_regs" or f["kind"] == "irq" for t in d for f in t["frames"])
' "$O.json"
kbt --help > "$O.help" 2>&1
check "bt --help: usage, exit 0" sh -c '[ $? -eq 0 ] && grep -q "^usage: kdlua bt" "$1"' - "$O.help"
kbt 999999 > "$O.bad" 2>&1
rc=$?
check "bt 999999: exit 2, one line naming the pid" sh -c '[ "$1" -eq 2 ] && [ $(wc -l < "$2") -eq 1 ] && grep -q 999999 "$2"' - "$rc" "$O.bad"
kbt --bogus > "$O.bad" 2>&1
rc=$?
check "bt --bogus: exit 2" [ "$rc" -eq 2 ]
kbt -c 4096 > "$O.bad" 2>&1
rc=$?
check "bt -c 4096: exit 2, no such CPU" sh -c '[ "$1" -eq 2 ] && grep -q "CPU 4096" "$2"' - "$rc" "$O.bad"
head -n 1 "$KDLUA_SOURCE_DIR/scripts/commands/bt.lua" | grep -q '^-- kdlua bt: '
check "bt.lua starts with its one-line summary" [ $? -eq 0 ]
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
