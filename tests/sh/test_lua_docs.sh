#!/bin/sh
# test_lua_docs.sh -- docs/lua-libraries.md stays true (issue 18):
#   * it is exactly what docs/gen-lua-libraries.py makes of the sources of
#     scripts/lib/kernel/*.lua: every public function has its line, every
#     module its section and example (no dump needed);
#   * every module's example runs on every fixture dump without an error and
#     prints something.
SRC=${KDLUA_SOURCE_DIR:-}
BIN=${KDLUA_BIN:-}
if [ -z "$SRC" ] || [ -z "$BIN" ] || ! command -v python3 >/dev/null 2>&1; then
  echo "SKIP: KDLUA_SOURCE_DIR, KDLUA_BIN and python3 are needed"
  exit 77
fi
. "$(dirname "$0")/counting.sh"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

if python3 "$SRC/docs/gen-lua-libraries.py" --check "$SRC" >"$W/check" 2>&1; then
  ok "docs/lua-libraries.md is what the sources make it"
else
  fail "docs/lua-libraries.md is what the sources make it"; head -40 "$W/check"
fi
# independently of the generator: every `function M.x` has its entry
for f in "$SRC"/scripts/lib/kernel/*.lua; do
  m=$(basename "$f" .lua)
  missing=$(sed -n 's/^function M\.\([A-Za-z_0-9]*\).*/\1/p' "$f" | while read -r fn; do
    grep -qF -- "- \`$m.$fn(" "$SRC/docs/lua-libraries.md" || echo "$fn"
  done)
  [ -z "$missing" ] && ok "kernel.$m: every function M.x listed" \
    || fail "kernel.$m: not listed: $(echo $missing)"
done

# the examples, on every fixture dump
python3 - "$SRC/docs/gen-lua-libraries.py" "$W" <<'EOF'
import importlib.util, sys
spec = importlib.util.spec_from_file_location("gen", sys.argv[1])
gen = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gen)
for name, code in gen.EXAMPLES.items():
    with open(f"{sys.argv[2]}/ex_{name}.lua", "w") as f:
        f.write(code + "\n")
EOF
dirs=${KDLUA_FIXTURE_DIRS:-$KDLUA_TEST_VMCORE_DIR}
ran=0
for d in $dirs; do
  [ -f "$d/vmcore" ] || continue
  ran=1
  set -- --vmcore "$d/vmcore"
  [ -f "$d/vmlinux" ] && set -- "$@" --vmlinux "$d/vmlinux"
  [ -d "$d/modules" ] && set -- "$@" --debuginfo-dir "$d/modules"
  for ex in "$W"/ex_*.lua; do
    m=$(basename "$ex" .lua); m=${m#ex_}
    if timeout 120 "$BIN" run "$ex" "$@" >"$W/out" 2>"$W/err" && [ -s "$W/out" ]; then
      ok "$(basename "$d"): the example of kernel.$m runs ($(wc -l <"$W/out") lines)"
    else
      fail "$(basename "$d"): the example of kernel.$m"; head -3 "$W/err"
    fi
  done
done
if [ $ran = 0 ]; then
  [ "${CI:-}" = true ] && fail "no fixture dump and CI=true"
  echo "$passed passed, $failed failed (examples skipped: no dump)"
  [ $failed -eq 0 ] || exit 1
  exit 77
fi
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
