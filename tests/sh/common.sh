# common.sh -- sourced by the shell tests that run kdlua on the shared dump.
#
# Sets BIN (kdlua) and D (the dump folder) from ctest's environment, skips
# (exit 77) when kdlua is not built or the dump is absent -- but fails when
# CI=true, where the dump is always present -- and defines the counters and
# the ok/fail/check/show helpers.  The test prints "N passed, N failed" at
# the end with finish_counts.

BIN=${KDLUA_BIN:-}
D=${KDLUA_TEST_VMCORE_DIR:-}

if [ -z "$BIN" ] || [ ! -x "$BIN" ]; then
  echo "SKIP: kdlua binary not found (KDLUA_BIN='$BIN')"
  exit 77
fi
if [ -z "$D" ] || [ ! -f "$D/vmcore" ]; then
  if [ "${CI:-}" = true ]; then
    echo "FAIL: no dump at '$D/vmcore' and CI=true"
    exit 1
  fi
  echo "SKIP: no dump at '$D/vmcore'"
  exit 77
fi

# python3 parses the JSON files the report writes
need_python3() {
  if ! command -v python3 >/dev/null 2>&1; then
    echo "SKIP: python3 is needed to parse the JSON files"
    exit 77
  fi
}

T=$D/truth
. "$(dirname "$0")/counting.sh"

# run_report NAME [VAR=VALUE...] [-- REPORT-OPTION...]: `kdlua report` of
# ${DUMP:-$D/vmcore} with $D's vmlinux and modules, in an environment with
# each VAR=VALUE (no spaces in them), the archive into $W/NAME.o, stdout and
# stderr into $W/NAME.out and $W/NAME.err; sets rc, arc (the archive's file
# name, empty when none) and secs.  $W is the caller's.
run_report() {
  name=$1; shift
  envs=
  while [ $# -gt 0 ]; do
    case $1 in --) shift; break ;; *=*) envs="$envs $1"; shift ;; *) break ;; esac
  done
  mkdir -p "$W/$name.o"
  s0=$(date +%s)
  # shellcheck disable=SC2086  # each VAR=VALUE is one word
  env $envs timeout 300 "$BIN" report --vmcore "${DUMP:-$D/vmcore}" --vmlinux "$D/vmlinux" \
    --debuginfo-dir "$D/modules" --tmp-dir "$W/$name.o" "$@" >"$W/$name.out" 2>"$W/$name.err"
  rc=$?
  secs=$(( $(date +%s) - s0 ))
  arc=$(ls "$W/$name.o" | grep '\.tar\.xz$' | head -n 1)
}

# landed NAME: after run_report, ok when it exited 0 with its archive, which
# is then extracted into $W/NAME; else a failure with its stderr (status 1)
landed() {
  name=$1
  if [ "$rc" -ne 0 ] || [ -z "$arc" ]; then
    fail "$name: report exits 0 with its archive (exit $rc after $secs s)"; show "$W/$name.err"; return 1
  fi
  ok "$name: report exits 0 with its archive ($secs s)"
  mkdir -p "$W/$name"
  tar -xJf "$W/$name.o/$arc" -C "$W/$name" --strip-components=1
}

# manifest_status DIR PATH: PATH's kdlua_status in the extracted report DIR's
# manifest (real, stub, failed; "absent" when no file or command is PATH)
manifest_status() {
  python3 - "$1" "$2" <<'PY'
import json, sys
m = json.load(open(sys.argv[1] + "/sos_reports/manifest.json"))
for p in m["components"]["report"]["plugins"].values():
    for f in p["files"]:
        if sys.argv[2] in f["files_copied"]:
            print(" ".join(sorted(f["kdlua_status"]))); sys.exit(0)
    for c in p["commands"]:
        if c["filepath"] == sys.argv[2]:
            print(c["kdlua_status"]); sys.exit(0)
print("absent")
PY
}
