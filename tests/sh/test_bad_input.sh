#!/bin/sh
# Bad input: each case must give one clear line naming the input on stderr,
# the documented exit status, and never a crash (no signal, no sanitizer
# report).
D="$KDLUA_TEST_VMCORE_DIR"
K="$KDLUA_BIN"
if [ ! -f "$D/vmcore" ]; then
  if [ "$CI" = true ]; then echo "FAIL: dump missing at $D/vmcore"; exit 1; fi
  echo "SKIP: dump missing at $D/vmcore"; exit 77
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0

# expect NAME STATUS PATTERN -- command...
expect() {
  name=$1 want=$2 pat=$3
  shift 4
  "$@" >"$T/out" 2>"$T/err"
  got=$?
  lines=$(grep -c . "$T/err")
  # usage/input errors are one line (+ the usage hint); script errors
  # carry a traceback
  if [ "$want" -ne 2 ]; then lines=0; fi
  if [ "$got" -eq "$want" ] && grep -q -- "$pat" "$T/err" && [ "$lines" -le 2 ] &&
     ! grep -q "Sanitizer\|runtime error\|Segmentation" "$T/err"; then
    pass=$((pass + 1)); echo "ok   $name"
  else
    fail=$((fail + 1)); echo "FAIL $name: status $got (want $want), stderr:"; sed 's/^/     /' "$T/err"
  fi
}

expect "missing dump file" 2 "$T/nope: cannot open dump" -- \
  "$K" -e 'print(1)' --vmcore "$T/nope"
printf 'this is not a dump\n' > "$T/notadump"
expect "not a dump" 2 "$T/notadump: not a readable kernel dump" -- \
  "$K" -e 'print(1)' --vmcore "$T/notadump"
head -c 65536 "$D/vmcore" > "$T/truncated"
expect "truncated dump" 2 "$T/truncated: dump is truncated or corrupt" -- \
  "$K" -e 'print(1)' --vmcore "$T/truncated"
expect "no dump given" 2 "no dump given" -- "$K" -e 'print(1)'
expect "unknown command" 2 "unknown command" -- "$K" frobnicate --vmcore "$D/vmcore"
expect "missing vmlinux file" 2 "$T/novmlinux" -- \
  "$K" -e 'print(1)' --vmcore "$D/vmcore" --vmlinux "$T/novmlinux"
expect "vmlinux not ELF" 2 "$T/notadump" -- \
  "$K" -e 'print(1)' --vmcore "$D/vmcore" --vmlinux "$T/notadump"
FX="$KDLUA_BUILD_DIR/tests/fixtures/kstructs.elf"
expect "wrong vmlinux (build-id mismatch)" 2 "does not match the dump" -- \
  "$K" -e 'print(1)' --vmcore "$D/vmcore" --vmlinux "$FX"
expect "script error" 1 "boom" -- "$K" -e 'error("boom")' --vmcore "$D/vmcore" --vmlinux "$D/vmlinux"
expect "missing script" 2 "$T/none.lua" -- "$K" run "$T/none.lua" --vmcore "$D/vmcore"

# no debuginfo anywhere: the dump opens with its own BTF and kallsyms, says
# so in one line on stderr; a global BTF has no type for says why not
mkdir "$T/alone" && ln -s "$D/vmcore" "$T/alone/vmcore"
out=$(HOME="$T" "$K" -e 'print(kd.symbol("init_task").comm:string_())' --vmcore "$T/alone/vmcore" 2>"$T/err")
if [ "$out" = "swapper/0" ] && [ "$(wc -l <"$T/err")" -eq 1 ] &&
   grep -q "no vmlinux.*types from the dump's BTF" "$T/err"; then
  pass=$((pass + 1)); echo "ok   no debuginfo: BTF and kallsyms, one line on stderr"
else
  fail=$((fail + 1)); echo "FAIL no debuginfo: got '$out'"; sed 's/^/     /' "$T/err"
fi
HOME="$T" expect "no debuginfo: untyped global explains" 1 "no type information for variable panic_notifier_list" -- \
  "$K" -e 'print(kd.symbol("panic_notifier_list"))' --vmcore "$T/alone/vmcore"

# --force accepts a mismatching vmlinux with a warning instead of failing
if "$K" -e 'print(kd.release())' --vmcore "$D/vmcore" --vmlinux "$FX" --force -v >"$T/out" 2>&1 &&
   grep -q "6.1" "$T/out"; then
  pass=$((pass + 1)); echo "ok   --force overrides the mismatch"
else
  fail=$((fail + 1)); echo "FAIL --force"; sed 's/^/     /' "$T/out"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
