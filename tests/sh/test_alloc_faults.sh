#!/bin/sh
# Allocation fault injection (issue 16): with the test-only switch
# KDLUA_FAULT=alloc-every=N every Nth allocation of the C core fails (the
# --wrap'ed malloc family, host/base/faultalloc.c), with lua-alloc-every=N
# every Nth growing allocation of the Lua states; children-only spares the
# report's supervisor and fails only its workers'.  For each setting a
# report of the shared dump either lands (exit 0, the archive whole, each
# failure recorded: emitters that failed or files stubbed "allocation(s)
# failed", in sos.log and the manifest, and every file still kept as real
# is byte for byte the clean report's) or, where the supervisor itself ran
# out, exits 2 with the one line "kdlua: out of memory" and leaves no
# partial file.  Never a crash (also under ASan), never a hang.
. "$(dirname "$0")/common.sh"
need_python3
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

# run NAME [VAR=VALUE...]: a report (-j 2) in $W/NAME.o; sets rc, arc
run() { run_report "$@" -- -j 2; mkdir -p "$W/$1"; }

# the faulted run's real files against the clean one's; prints the count
# of real, not real, and differing files, then each differing path
compare() {
  python3 - "$W/clean" "$W/$1" <<'PY'
import json, os, sys
clean, bad = sys.argv[1], sys.argv[2]
m = json.load(open(bad + "/sos_reports/manifest.json"))
real, other = [], 0
for p in m["components"]["report"]["plugins"].values():
    for f in p["files"]:
        st = f["kdlua_status"]
        keys = [st] if isinstance(st, str) else sorted(st)
        if keys == ["real"]: real += f["files_copied"]
        else: other += len(f["files_copied"])
    for c in p["commands"]:
        if c["kdlua_status"] == "real": real.append(c["filepath"])
        else: other += 1
differ = [p for p in real
          if not os.path.exists(os.path.join(bad, p)) or
          open(os.path.join(clean, p), "rb").read() != open(os.path.join(bad, p), "rb").read()]
print(len(real), other, len(differ))
for p in differ: print(p)
PY
}

run clean
if [ $rc -ne 0 ] || [ -z "$arc" ]; then
  fail "clean: report exits 0 with its archive (exit $rc)"; show "$W/clean.err"
  echo "$passed passed, $failed failed"; exit 1
fi
tar -xJf "$W/clean.o/$arc" -C "$W/clean" --strip-components=1

# The first: start-up itself fails (exit 2, one line).  alloc-every=97 and
# 499, lua-alloc-every=15013 (which once crashed the supervisor: a failed
# enumeration's log line concatenated a nil) and 100003 fail the supervisor
# part-way (a report when it copes, exit 2 when it cannot).  The
# children-only ones must land.
for spec in alloc-every=7 alloc-every=97 alloc-every=499 lua-alloc-every=15013 lua-alloc-every=100003 \
            alloc-every=31,children-only lua-alloc-every=1009,children-only \
            lua-alloc-every=20011,children-only alloc-every=97,lua-alloc-every=20011,children-only; do
  r=$(echo "$spec" | tr ',=' '__')
  run "$r" KDLUA_FAULT="$spec"
  # what it says, but the switch's own count lines
  grep -v '^kdlua: KDLUA_FAULT: ' "$W/$r.err" >"$W/$r.said"
  check "$spec: no hang (exit $rc)" [ $rc -ne 124 ]
  check "$spec: no crash (exit $rc)" [ $rc -lt 128 ]
  check "$spec: no sanitizer or allocator report" \
    sh -c "! grep -qE 'Sanitizer|runtime error|double free|corrupted|free\(\)' '$W/$r.err'"
  # (workers do not say theirs: children-only is checked by what failed)
  case $spec in *children-only*) ;; *)
    check "$spec: failures were injected" grep -qE ' [1-9][0-9]* of [0-9]+ (C|Lua)' "$W/$r.err";;
  esac
  check "$spec: no partial file left" sh -c "! ls -A '$W/$r.o' | grep -q part"
  if [ $rc -eq 2 ] && [ -z "$arc" ]; then
    case $spec in *children-only*) fail "$spec: the supervisor is spared: the report lands";; esac
    check "$spec: exit 2 says so in one line" \
      sh -c "[ \"\$(cat '$W/$r.said')\" = 'kdlua: out of memory' ]"
    [ "$(cat "$W/$r.said")" = "kdlua: out of memory" ] || show "$W/$r.err"
    continue
  fi
  if [ $rc -ne 0 ] || [ -z "$arc" ]; then
    fail "$spec: report exits 0 with its archive, or 2 with one line (exit $rc)"; show "$W/$r.err"
    continue
  fi
  ok "$spec: report lands"
  tar -xJf "$W/$r.o/$arc" -C "$W/$r" --strip-components=1
  compare "$r" >"$W/$r.cmp"
  set -- $(head -n 1 "$W/$r.cmp")
  check "$spec: every file kept as real is the clean report's ($3 of $1 differ)" [ "$3" -eq 0 ]
  [ "$3" -eq 0 ] || show "$W/$r.cmp"
  case $spec in *children-only*)
    check "$spec: some outputs not real ($2)" [ "$2" -gt "$(compare clean | head -n 1 | cut -d' ' -f2)" ]
    check "$spec: sos.log records the failures" \
      grep -qE "(failed: (out of memory|not enough memory))|allocation\(s\) failed" "$W/$r/sos_logs/sos.log"
  esac
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
