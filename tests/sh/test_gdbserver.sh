#!/bin/sh
# test_gdbserver.sh -- `kdlua gdbserver` with real gdb (batch mode) on the
# shared dump, in its three modes, over --stdio and TCP.
#
# Expected values never come from the server under test: thread counts,
# memory words and pids come from `kdlua -e`, the panic path from crash's
# bt, sleeping stacks from drgn's, hostname and command line from the live
# system's truth/.
#
# Environment (set by ctest): KDLUA_BIN, KDLUA_TEST_VMCORE_DIR.  Exit 77
# (skip) when kdlua, the dump or gdb is missing, unless CI=true (then a
# failure).  Every gdb run is bounded by `timeout`.

set -u

BIN=${KDLUA_BIN:-}
D=${KDLUA_TEST_VMCORE_DIR:-}
GDB_TIMEOUT=180

skip() {
  if [ "${CI:-}" = true ]; then echo "FAIL: $1 and CI=true"; exit 1; fi
  echo "SKIP: $1"
  exit 77
}
[ -n "$BIN" ] && [ -x "$BIN" ] || skip "kdlua binary not found (KDLUA_BIN='$BIN')"
[ -n "$D" ] && [ -f "$D/vmcore" ] || skip "no dump at '$D/vmcore'"
command -v gdb >/dev/null 2>&1 || skip "gdb is not installed"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kdlua-gdb.XXXXXX") || exit 1
server=
cleanup() {
  # only the server this script started, by its pid
  [ -n "$server" ] && kill "$server" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $1"; }
check() {  # check NAME COMMAND...: ok when the command succeeds
  name=$1
  shift
  if "$@"; then ok "$name"; else not_ok "$name"; fi
}
show() {
  echo "--- $1:"
  sed 's/^/    /' "$1" | head -n "${2:-60}"
}

DUMP="--vmcore $D/vmcore --vmlinux $D/vmlinux --debuginfo-dir $D/modules"
kd() {  # kd 'LUA': run a chunk against the dump
  # shellcheck disable=SC2086
  "$BIN" -e "$1" $DUMP
}
# The command line gdb runs for `target remote | ...` (through /bin/sh).
stdio_cmd() {
  echo "'$BIN' gdbserver --stdio $* --vmcore '$D/vmcore' --vmlinux '$D/vmlinux' --debuginfo-dir '$D/modules'"
}
# run_gdb OUT -ex CMD ...: gdb in batch mode, output (both streams) in OUT
run_gdb() {
  out=$1
  shift
  env -u DEBUGINFOD_URLS timeout "$GDB_TIMEOUT" gdb -batch -nx \
    -iex 'set debuginfod enabled off' -iex 'set width 0' \
    -iex 'set height 0' -iex 'set confirm off' "$@" >"$out" 2>&1
}
# Names of the threads of `info threads` output
thread_lines() { grep -E '^[* ] +[0-9]+ +Thread [0-9]+ ' "$1"; }

# -------------------------------------------------------- the announcement

"$BIN" gdbserver --stdio $DUMP </dev/null >"$tmp/ann.out" 2>"$tmp/ann.err"
rc=$?
off=$(kd 'print(kd.vmcoreinfo("KERNELOFFSET") or "0")')
file_cmd=$(sed -n 's/^  file //p' "$tmp/ann.err")
if [ $rc -eq 0 ] && [ ! -s "$tmp/ann.out" ] &&
   [ "$file_cmd" = "$D/vmlinux -o 0x$off" ] &&
   grep -q '^  target remote | .*kdlua gdbserver --stdio' "$tmp/ann.err"; then
  ok "start-up prints the gdb commands on stderr (file ... -o 0x$off), nothing on stdout"
else
  not_ok "start-up prints the gdb commands (status $rc, file line '$file_cmd', KERNELOFFSET $off)"
  show "$tmp/ann.err"
  show "$tmp/ann.out"
fi
[ -n "$file_cmd" ] || file_cmd="$D/vmlinux -o 0x$off"

# --------------------------------------------------------------- cpus mode

nnotes=$(kd 'local n = 0 while kd.cpu_registers(n) do n = n + 1 end print(n)')
crash_pid=$(cat "$D/truth/crash_pid")
hostname=$(cat "$D/truth/proc/sys/kernel/hostname")
words=$(kd 'local a = kd.symbol_address("init_task")
  local t = {} for i = 0, 3 do t[#t + 1] = string.format("0x%016x", kd.read_u64(a + 8 * i)) end
  print(table.concat(t, " "))')

run_gdb "$tmp/cpus" -ex "file $file_cmd" -ex "target remote | $(stdio_cmd)" \
  -ex 'info threads' -ex 'bt' -ex 'p init_uts_ns.name.nodename' \
  -ex 'x/4gx &init_task'

n=$(thread_lines "$tmp/cpus" | grep -c '"CPU #[0-9]*')
check "cpus: info threads lists one thread per CPU note ($n of $nnotes)" \
  [ "$n" -eq "$nnotes" -a "$nnotes" -gt 0 ]
check "cpus: the current thread is the panicking CPU running pid $crash_pid" \
  grep -Eq "^\* +[0-9]+ +Thread [0-9]+ \"CPU #[0-9]+ pid $crash_pid " "$tmp/cpus"

# the panic path as crash's bt has it, up to the system call, in order
# (".cold" parts are the same functions)
sed -n 's/^ *#[0-9]* \[[0-9a-f]*\] \([A-Za-z_][A-Za-z0-9_]*\).* at .*/\1/p' \
  "$D/reference/crash/crash_bt.txt" | awk '{print} /^do_syscall_64$/ {exit}' \
  >"$tmp/crash_frames"
grep -E '^#[0-9]+ ' "$tmp/cpus" |
  sed -E 's/^#[0-9]+ +(0x[0-9a-f]+ in )?([A-Za-z_][A-Za-z0-9_.]*).*/\2/; s/\..*//' \
  >"$tmp/gdb_frames"
# is every line of $1 in $2, in the same order?
in_order() {
  awk 'BEGIN { n = 0; i = 0 }
       NR == FNR { want[n++] = $0; next }
       i < n && $0 == want[i] { i++ }
       END { exit i == n ? 0 : 1 }' "$1" "$2"
}
if [ -s "$tmp/crash_frames" ] && grep -qx panic "$tmp/gdb_frames" &&
   grep -Eqx 'sysrq_handle_crash|__handle_sysrq' "$tmp/gdb_frames" &&
   in_order "$tmp/crash_frames" "$tmp/gdb_frames"; then
  ok "cpus: bt of the panic CPU is crash's panic path ($(tr '\n' ' ' <"$tmp/crash_frames"))"
else
  not_ok "cpus: bt of the panic CPU follows crash's panic path"
  show "$tmp/crash_frames"
  show "$tmp/cpus"
fi
check "cpus: p init_uts_ns.name.nodename is the hostname '$hostname'" \
  grep -q "^\$1 = \"$hostname\"" "$tmp/cpus"
got=$(grep -A1 '<init_task>:' "$tmp/cpus" | sed 's/^[^:]*://' |
  grep -oE '0x[0-9a-f]{16}' | tr '\n' ' ' | sed 's/ $//')
check "cpus: x/4gx &init_task equals kd.read_u64 ($words)" [ "$got" = "$words" ]
[ $failed -eq 0 ] || show "$tmp/cpus"

# -------------------------------------------------------------- tasks mode

# every task of the task list, plus each CPU's idle task (not on the list)
ntasks=$(kd 'local n, seen = 0, {}
  for _ in kd.tasks() do n = n + 1 end
  for _, cpu in ipairs(kd.cpus("possible")) do
    local idle = kd.per_cpu("runqueues", cpu).idle
    if not idle:is_null_() and not seen[idle:value_()] then
      seen[idle:value_()] = true
      n = n + 1
    end
  end
  print(n)')
run_gdb "$tmp/tasks" -ex "file $file_cmd" \
  -ex "target remote | $(stdio_cmd --mode tasks)" -ex 'info threads'
n=$(thread_lines "$tmp/tasks" | grep -c '"pid [0-9]* ')
check "tasks: one thread per task incl. idle tasks ($n of $ntasks)" \
  [ "$n" -eq "$ntasks" -a "$ntasks" -gt 0 ]
check "tasks: the current thread is pid $crash_pid (on the panic CPU)" \
  grep -Eq "^\* +[0-9]+ +Thread [0-9]+ \"pid $crash_pid " "$tmp/tasks"

# A sleeping task whose drgn stack goes through __schedule (pid > 2: drgn
# mistakes the notes' pr_pid 1 and 2 for pids), and its frames.
awk '/^PID / { pid = $2; state = ""; frames = ""
              for (i = 3; i < NF; i++) if ($i == "STATE") state = $(i + 1)
              next }
     /^#[0-9]/ { f = $2; sub(/\+.*/, "", f); sub(/\..*/, "", f)
                 if (f ~ /^[A-Za-z_][A-Za-z0-9_]*$/) frames = frames " " f }
     /^$/ { if (pid > 2 && state == "S" && frames ~ / __schedule /) {
              print pid frames; exit } }' \
  "$D/reference/drgn_bt_all.txt" >"$tmp/sleeper"
read -r spid sframes <"$tmp/sleeper"
tid=$(sed -nE "s/^[* ] +([0-9]+) +Thread [0-9]+ \"pid $spid .*/\1/p" "$tmp/tasks" | head -n 1)
if [ -n "$tid" ]; then
  run_gdb "$tmp/sleep" -ex "file $file_cmd" \
    -ex "target remote | $(stdio_cmd --mode tasks)" -ex "thread $tid" -ex 'bt'
  grep -E '^#[0-9]+ ' "$tmp/sleep" |
    sed -E 's/^#[0-9]+ +(0x[0-9a-f]+ in )?([A-Za-z_][A-Za-z0-9_.]*).*/\2/; s/\..*//' \
    >"$tmp/sleep_frames"
  missing=
  for f in $sframes; do grep -qx "$f" "$tmp/sleep_frames" || missing="$missing $f"; done
  if grep -Eqx '__schedule|schedule' "$tmp/sleep_frames" && [ -z "$missing" ]; then
    ok "tasks: thread $tid (pid $spid, asleep) bt has drgn's frames:$sframes"
  else
    not_ok "tasks: bt of sleeping pid $spid (missing:$missing)"
    show "$tmp/sleep"
  fi
else
  not_ok "tasks: no thread for sleeping pid '$spid' (from drgn_bt_all.txt)"
  show "$tmp/tasks"
fi

# ------------------------------------------------------------ process mode

pid=$(kd 'for t in kd.tasks() do
  if t.comm:string_() == "fxthreads" and t.pid == t.tgid then print(t.pid) break end end')
nthr=$(kd "local n = 0 for t in kd.tasks() do if t.tgid == ${pid:-0} then n = n + 1 end end print(n)")
arg_start=$(kd "for t in kd.tasks() do if t.pid == ${pid:-0} then print(kd.hex(t.mm.arg_start)) end end")
truth_arg=$(tr '\0' '\n' <"$D/truth/pid/${pid:-0}/cmdline" 2>/dev/null | head -n 1)
run_gdb "$tmp/proc" -ex "target remote | $(stdio_cmd --mode process --pid "${pid:-0}")" \
  -ex 'info threads' -ex "x/s $arg_start" -ex 'info auxv'
n=$(thread_lines "$tmp/proc" | grep -c '"pid [0-9]* ')
nw=$(thread_lines "$tmp/proc" | grep -c '"pid [0-9]* fxworker-')
check "process: pid $pid (fxthreads) shows its $nthr threads ($n, $nw fxworker)" \
  [ -n "$pid" -a "$n" -eq "$nthr" -a "$n" -eq 5 -a "$nw" -eq 4 ]
check "process: x/s mm->arg_start reads '$truth_arg' (truth cmdline)" \
  grep -Eq "^$arg_start:[[:space:]]+\"$truth_arg\"" "$tmp/proc"
check "process: qXfer:auxv gives the vector (AT_PAGESZ 4096 ... AT_NULL)" \
  grep -Eq 'AT_PAGESZ .* 4096' "$tmp/proc"
[ $failed -eq 0 ] || show "$tmp/proc"

"$BIN" gdbserver --stdio --pid "${pid:-0}" $DUMP </dev/null >/dev/null 2>"$tmp/pann"
truth_exe=$(cat "$D/truth/pid/${pid:-0}/exe" 2>/dev/null)
check "process: start-up names the executable '$truth_exe' (file $truth_exe)" \
  grep -qx "  file $truth_exe" "$tmp/pann"

# bad pids: one line, exit 2
one_line_exit2() {  # NAME PATTERN ARGS...
  name=$1 pat=$2
  shift 2
  "$BIN" gdbserver --stdio "$@" $DUMP </dev/null >"$tmp/bad.out" 2>"$tmp/bad.err"
  rc=$?
  if [ $rc -eq 2 ] && [ "$(wc -l <"$tmp/bad.err")" -eq 1 ] &&
     grep -q -- "$pat" "$tmp/bad.err" && [ ! -s "$tmp/bad.out" ]; then
    ok "$name: $(cat "$tmp/bad.err")"
  else
    not_ok "$name (status $rc)"
    show "$tmp/bad.err"
  fi
}
one_line_exit2 "process: no such pid" "no process with pid 999999" --pid 999999
one_line_exit2 "process: a kernel thread" "no user address space" --pid 2
one_line_exit2 "process: --pid not a number" "bad --pid" --pid x1
one_line_exit2 "unknown mode" "unknown mode" --mode threads

# The same dump filtered as kdump usually does (-d 31 drops user pages):
# process mode must refuse in one line.  Needs makedumpfile.
if command -v makedumpfile >/dev/null 2>&1 &&
   makedumpfile -c -d 31 "$D/vmcore" "$tmp/vmcore-d31" >"$tmp/mkd.log" 2>&1; then
  "$BIN" gdbserver --stdio --pid "${pid:-0}" --vmcore "$tmp/vmcore-d31" \
    --vmlinux "$D/vmlinux" </dev/null >/dev/null 2>"$tmp/filt.err"
  rc=$?
  if [ $rc -eq 2 ] && [ "$(wc -l <"$tmp/filt.err")" -eq 1 ] &&
     grep -q 'does not contain its user pages' "$tmp/filt.err"; then
    ok "process: user pages filtered out (-d 31): $(cat "$tmp/filt.err")"
  else
    not_ok "process: filtered dump (status $rc)"
    show "$tmp/filt.err"
  fi
  rm -f "$tmp/vmcore-d31"
else
  echo "ok - process: filtered-dump check skipped (no makedumpfile)"
fi

# --------------------------------------------------------------------- TCP

"$BIN" gdbserver --listen 127.0.0.1:0 $DUMP >"$tmp/srv.out" 2>"$tmp/srv.err" &
server=$!
addr=
i=0
while [ $i -lt 600 ] && kill -0 "$server" 2>/dev/null; do
  addr=$(sed -n 's/^  target remote \(127\.0\.0\.1:[0-9][0-9]*\)$/\1/p' "$tmp/srv.err")
  [ -n "$addr" ] && break
  sleep 0.1
  i=$((i + 1))
done
if [ -n "$addr" ]; then
  run_gdb "$tmp/tcp" -ex "target remote $addr" -ex 'info threads'
  n=$(thread_lines "$tmp/tcp" | grep -c '"CPU #')
  check "tcp: --listen 127.0.0.1:0 reports $addr; info threads has $n of $nnotes CPUs" \
    [ "$n" -eq "$nnotes" ]
  # a second client on the same server, while one client connected and
  # sends nothing and another floods it with packets and never reads: each
  # is served by a process of its own, so neither blocks gdb
  port=${addr##*:}
  python3 -c 'import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); time.sleep(120)' "$port" &
  idle=$!
  python3 -c 'import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
t = time.time()
try:
    while time.time() - t < 120: s.sendall(b"$m0,4000#a1" * 256)
except OSError: pass' "$port" &
  flood=$!
  sleep 0.5
  run_gdb "$tmp/tcp2" -ex "target remote $addr" -ex 'info threads'
  n=$(thread_lines "$tmp/tcp2" | grep -c '"CPU #')
  check "tcp: a second connection is served, beside an idle and a flooding client" \
    [ "$n" -eq "$nnotes" ]
  kill "$idle" "$flood" 2>/dev/null
  wait "$idle" "$flood" 2>/dev/null
else
  not_ok "tcp: the server did not report its address"
  show "$tmp/srv.err"
fi
kill "$server" 2>/dev/null
wait "$server" 2>/dev/null
server=

# the server's stderr reaches gdb's output: no sanitizer report anywhere
if grep -l 'Sanitizer\|runtime error:' "$tmp"/* >"$tmp/san" 2>/dev/null; then
  not_ok "sanitizer reports in: $(tr '\n' ' ' <"$tmp/san")"
else
  ok "no sanitizer report from the server"
fi

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
