#!/bin/sh
# test_cli_help.sh -- what a new user finds through --help (issue 18):
#   * `kdlua --help` lists every built-in command and every Lua command and
#     program file present, each with the summary of the file's own first
#     line `-- kdlua NAME: summary` (so the listing cannot drift), also from
#     --programs-dir and $KDLUA_PROGRAMS;
#   * `kdlua help CMD` prints exactly what `kdlua CMD --help` prints, exit 0;
#   * every command rejects an unknown option with exit 2 and names it;
#   * `report -o/-n/-e` with a plugin that does not exist: exit 2 naming it;
#   * `report --list-plugins` needs no dump and has no emitter errors;
#   * `info --json` parses and says what truth/ says (with the dump).
# The parts without a dump always run; the others skip when it is absent.
BIN=${KDLUA_BIN:-}
SRC=${KDLUA_SOURCE_DIR:-}
D=${KDLUA_TEST_VMCORE_DIR:-}
if [ -z "$BIN" ] || [ ! -x "$BIN" ] || [ -z "$SRC" ]; then
  echo "SKIP: kdlua binary or source dir not given (KDLUA_BIN, KDLUA_SOURCE_DIR)"
  exit 77
fi
SCRIPTS=$SRC/scripts
export KDLUA_SCRIPTS="$SCRIPTS"
unset KDLUA_PROGRAMS
. "$(dirname "$0")/counting.sh"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

"$BIN" --help >"$W/help" 2>"$W/help.err"
[ $? -eq 0 ] && ok "kdlua --help exits 0" || fail "kdlua --help exits 0"

# the summary column of NAME's row in the listing
row_summary() {
  awk -v n="$1" '$1 == n { sub(/^ *[^ ]+ +/, ""); print; exit }' "$2"
}

for b in run -e repl gdbserver help; do
  if grep -q "^  $b[ ]" "$W/help" || grep -q "^  $b\$" "$W/help"; then ok "built-in '$b' listed"
  else fail "built-in '$b' listed"; fi
done

# every Lua command and program file: the contract line, and its summary listed
for f in "$SCRIPTS"/commands/*.lua "$SCRIPTS"/programs/*.lua; do
  [ -f "$f" ] || continue
  name=$(basename "$f" .lua)
  first=$(sed -n 1p "$f")
  want=$(printf '%s\n' "$first" | sed -n "s/^-- kdlua $name: *//p")
  if [ -z "$want" ]; then
    fail "$f: first line is '-- kdlua $name: summary' (is: $first)"
    continue
  fi
  got=$(row_summary "$name" "$W/help")
  if [ "$got" = "$want" ]; then ok "--help lists $name with its own summary"
  else fail "--help lists $name with its own summary (want '$want', got '$got')"; fi
done
grep -q "report" "$W/help" && ok "report listed" || fail "report listed"

# extra program folders, by option and by environment
mkdir -p "$W/p1" "$W/p2"
printf -- '-- kdlua zzone: first extra program\nprint("one")\n' >"$W/p1/zzone.lua"
printf -- '-- kdlua zztwo: second extra program\nprint("two")\n' >"$W/p2/zztwo.lua"
printf -- 'print("no summary")\n' >"$W/p2/zzbad.lua"
KDLUA_PROGRAMS="$W/p2" "$BIN" --programs-dir "$W/p1" --help >"$W/help2"
[ "$(row_summary zzone "$W/help2")" = "first extra program" ] \
  && ok "--programs-dir program listed" || fail "--programs-dir program listed"
[ "$(row_summary zztwo "$W/help2")" = "second extra program" ] \
  && ok "\$KDLUA_PROGRAMS program listed" || fail "\$KDLUA_PROGRAMS program listed"
grep -q "^  zzbad .*no summary" "$W/help2" \
  && ok "a program without the summary line is listed as such" \
  || fail "a program without the summary line is listed as such"

# help CMD == CMD --help, for every command
cmds="run -e repl gdbserver"
for f in "$SCRIPTS"/commands/*.lua "$SCRIPTS"/programs/*.lua; do
  [ -f "$f" ] && cmds="$cmds $(basename "$f" .lua)"
done
for c in $cmds; do
  "$BIN" help "$c" >"$W/a" 2>&1; ra=$?
  "$BIN" "$c" --help >"$W/b" 2>&1; rb=$?
  if [ $ra -eq 0 ] && [ $rb -eq 0 ] && [ -s "$W/a" ] && cmp -s "$W/a" "$W/b" \
     && ! cmp -s "$W/a" "$W/help"; then
    ok "kdlua help $c == kdlua $c --help (exit 0, its own text)"
  else
    fail "kdlua help $c == kdlua $c --help (exit $ra/$rb)"; sed 's/^/    /' "$W/a" | head -5
  fi
done
"$BIN" help no-such-command >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 2 ] && grep -q "no-such-command" "$W/err" \
  && ok "help of an unknown command: exit 2 naming it" \
  || fail "help of an unknown command: exit 2 naming it (rc $rc)"
"$BIN" --bogus-option >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 2 ] && grep -q -- "--bogus-option" "$W/err" \
  && ok "kdlua --bogus-option: exit 2 naming it" || fail "kdlua --bogus-option: exit 2 (rc $rc)"

# report's plugin names and list, no dump needed
"$BIN" report --list-plugins >"$W/list" 2>"$W/list.err"; rc=$?
if [ $rc -eq 0 ] && grep -q "currently enabled" "$W/list" && ! grep -q "skipped because of errors" "$W/list" \
   && [ ! -s "$W/list.err" ]; then
  ok "report --list-plugins without a dump: every emitter file registers"
else
  fail "report --list-plugins without a dump (rc $rc)"; grep -A3 "errors" "$W/list" "$W/list.err" | head
fi
for opt in -o -n -e; do
  "$BIN" report $opt kernel,no_such_plugin --tmp-dir "$W" >/dev/null 2>"$W/err"; rc=$?
  if [ $rc -eq 2 ] && grep -q "no_such_plugin" "$W/err" && [ -z "$(ls "$W" | grep '^sosvmcore')" ]; then
    ok "report $opt with an unknown plugin: exit 2 naming it, no archive"
  else
    fail "report $opt with an unknown plugin (rc $rc)"; cat "$W/err"
  fi
done

if [ -z "$D" ] || [ ! -f "$D/vmcore" ]; then
  if [ "${CI:-}" = true ]; then fail "no dump at '$D/vmcore' and CI=true"; fi
  echo "$passed passed, $failed failed (the parts with a dump skipped: no dump at '$D/vmcore')"
  [ $failed -eq 0 ] || exit 1
  exit 77
fi
DUMP="--vmcore $D/vmcore --vmlinux $D/vmlinux --debuginfo-dir $D/modules"

# every command rejects an unknown option (with a dump, so that it is the
# option and not the missing dump that is refused)
for c in $cmds; do
  case $c in
    run) args="run --bogus-option x.lua" ;;
    -e) args="-e print(1) --bogus-option" ;;
    *) args="$c --bogus-option" ;;
  esac
  # shellcheck disable=SC2086
  timeout 60 "$BIN" $args $DUMP </dev/null >/dev/null 2>"$W/err"; rc=$?
  if [ $rc -eq 2 ] && grep -q -- "--bogus-option" "$W/err"; then
    ok "kdlua $c --bogus-option: exit 2 naming it"
  else
    fail "kdlua $c --bogus-option: exit 2 naming it (rc $rc)"; head -3 "$W/err"
  fi
done
# shellcheck disable=SC2086
"$BIN" report -o no_such_plugin --tmp-dir "$W" $DUMP >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 2 ] && grep -q no_such_plugin "$W/err" && [ -z "$(ls "$W" | grep '^sosvmcore')" ] \
  && ok "report -o unknown with the dump: exit 2, no archive" \
  || fail "report -o unknown with the dump (rc $rc)"

# info --json: a JSON object whose release/nodename are the live system's
# shellcheck disable=SC2086
"$BIN" info --json $DUMP >"$W/info.json" 2>"$W/err"; rc=$?
if [ $rc -eq 0 ] && python3 - "$W/info.json" "$D/truth" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
t = sys.argv[2]
rel = open(t + "/proc/sys/kernel/osrelease").read().strip()
host = open(t + "/proc/sys/kernel/hostname").read().strip()
ver = open(t + "/proc/sys/kernel/version").read().strip()
assert j["release"] == rel, (j["release"], rel)
assert j["nodename"] == host, (j["nodename"], host)
assert j["version"] == ver, (j["version"], ver)
assert isinstance(j["tasks"], int) and j["tasks"] > 1, j["tasks"]
assert isinstance(j["cpus"], int) and j["cpus"] >= 1, j["cpus"]
assert "panic" in j and not j["panic"].startswith('"')
EOF
then ok "info --json: release, nodename, version as truth/ says, counts as numbers"
else fail "info --json (rc $rc)"; head -5 "$W/err"; fi

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
