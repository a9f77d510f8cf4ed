#!/bin/sh
# test_repl.sh -- `kdlua repl` on the real dump.
#
# Piped input (stdin not a terminal) runs as one chunk; in a terminal,
# driven through tmux, the prompts, results, continuation lines, Ctrl-C
# and tab completion are checked on the screen.  The terminal part is
# skipped with a message when tmux is not installed.
#
# Environment (set by ctest): KDLUA_BIN, KDLUA_TEST_VMCORE_DIR.
# Exit 77 (skip) when kdlua is not built or the dump is absent, unless
# CI=true, where a missing dump is a failure.

set -u

. "$(dirname "$0")/common.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kdlua-repl.XXXXXX") || exit 1
sock="kdlua-repl-test-$$"
use_tmux=
cleanup() {
  # only our own server, on its own socket
  [ -n "$use_tmux" ] && tmux -L "$sock" kill-server >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# (common.sh: counters, ok, fail, show; check is this file's own, below)

# HOME points into $tmp so that the history file is ours to inspect
repl() {
  HOME="$tmp" "$BIN" repl --vmcore "$D/vmcore" --vmlinux "$D/vmlinux"
}

# ---------------------------------------------------------------- piped

printf 'print(1+1)\n' | repl >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ] && grep -qx 2 "$tmp/out"; then
  ok "piped print(1+1) prints 2"
else
  fail "piped print(1+1) prints 2 (exit $rc)"
  show "$tmp/out"; show "$tmp/err"
fi

printf 'for i=1,2 do\nprint(i)\nend\n' | repl >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ] && sed -n '/^1$/,$p' "$tmp/out" | grep -qx 2; then
  ok "piped multi-line chunk prints 1 and 2"
else
  fail "piped multi-line chunk prints 1 and 2 (exit $rc)"
  show "$tmp/out"; show "$tmp/err"
fi

printf 'error("boom")\n' | repl >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 1 ] && grep -q boom "$tmp/err"; then
  ok "piped error(\"boom\") exits 1 with boom on stderr"
else
  fail "piped error(\"boom\") exits 1 with boom on stderr (exit $rc)"
  show "$tmp/out"; show "$tmp/err"
fi

# every type name the debuginfo holds, for the REPL's completion
printf 'local t = kd.type_names(); local s = {}; for _, n in ipairs(t) do s[n] = true end\nprint(#t > 1000, s["struct task_struct"], s["u64"], s["enum pid_type"])\n' | repl >"$tmp/out" 2>"$tmp/err"
if grep -qx 'true	true	true	true' "$tmp/out"; then ok "kd.type_names() lists struct, typedef and enum names"
else fail "kd.type_names() lists struct, typedef and enum names"; show "$tmp/out"; show "$tmp/err"; fi

truth="$D/truth/proc/sys/kernel/hostname"
if [ -f "$truth" ]; then
  want=$(cat "$truth")
  printf 'print(kd.uts().nodename)\n' | repl >"$tmp/out" 2>"$tmp/err"
  rc=$?
  if [ $rc -eq 0 ] && grep -qxF -- "$want" "$tmp/out"; then
    ok "piped kd.uts().nodename is '$want'"
  else
    fail "piped kd.uts().nodename is '$want' (exit $rc)"
    show "$tmp/out"; show "$tmp/err"
  fi
else
  fail "ground truth $truth exists"
fi

# ------------------------------------------------------------- terminal

pane() { tmux -L "$sock" capture-pane -p -t repl 2>/dev/null; }
# the screen and its scrollback (long values scroll off the screen)
pane_all() { tmux -L "$sock" capture-pane -p -S - -t repl 2>/dev/null; }
# a clear screen and no scrollback: what is checked next is new
fresh() { keys C-l; tmux -L "$sock" clear-history -t repl; sleep 0.2; }

# poll SECONDS CMD...: run CMD every 0.1 s until it succeeds (1: timeout)
poll() {
  _n=0; _max=$(($1 * 10)); shift
  while [ $_n -lt $_max ]; do
    "$@" && return 0
    sleep 0.1
    _n=$((_n + 1))
  done
  return 1
}
screen_has() { pane | grep -Eq -- "$1"; }
last_line_is() { pane | grep -v '^ *$' | tail -n 1 | grep -Eq -- "$1"; }

# wait_for ERE SECONDS: until a line of the screen matches
wait_for() { poll "$2" screen_has "$1"; }
# wait_last_line ERE SECONDS: until the last non-blank line matches (the
# check that follows says why, on a timeout)
wait_last_line() { poll "$2" last_line_is "$1"; }

keys() { tmux -L "$sock" send-keys -t repl "$@"; }
text() { tmux -L "$sock" send-keys -t repl -l -- "$1"; }

# check_all NAME ERE [SECONDS]: as check, in the scrollback too
all_has() { pane_all | grep -Eq -- "$1"; }
check_all() {
  if poll "${3:-10}" all_has "$2"; then
    ok "terminal: $1"
  else
    fail "terminal: $1 (no line matching /$2/)"
    pane_all | tail -n 15 | sed 's/^/    | /'
  fi
}

# check NAME ERE [SECONDS]
check() {
  if wait_for "$2" "${3:-10}"; then
    ok "terminal: $1"
  else
    fail "terminal: $1 (no line matching /$2/)"
    pane | sed 's/^/    | /'
  fi
}

if ! command -v tmux >/dev/null 2>&1; then
  echo "SKIP terminal part: tmux is not installed"
else
  use_tmux=1
  # private server and config: remain-on-exit keeps the screen after
  # kdlua ends
  cat >"$tmp/tmux.conf" <<'EOF'
set -g remain-on-exit on
set -g default-shell /bin/sh
set -g default-terminal screen
set -g status off
EOF
  export KDLUA_REPL_TEST_HOME="$tmp"
  export KDLUA_BIN KDLUA_TEST_VMCORE_DIR="$D"
  # The exit status goes to a file: tmux can be slow to reap the process
  # and report #{pane_dead_status}.  The shell catches SIGINT so that a
  # Ctrl-C meant for kdlua does not end it too (kdlua itself starts with
  # the default action: caught signals are reset by exec).
  # shellcheck disable=SC2016 # expanded by the pane's shell
  tmux -L "$sock" -f "$tmp/tmux.conf" new-session -d -s repl -x 100 -y 40 \
    'trap : INT
     HOME="$KDLUA_REPL_TEST_HOME" "$KDLUA_BIN" repl \
       --vmcore "$KDLUA_TEST_VMCORE_DIR/vmcore" \
       --vmlinux "$KDLUA_TEST_VMCORE_DIR/vmlinux"
     echo $? >"$KDLUA_REPL_TEST_HOME/exit-status"'

  # opening the dump may take a while: a longer wait for the first prompt
  # (capture-pane drops trailing blanks, so "kd> " may show as "kd>")
  if ! wait_for '^kd>( |$)' 120; then
    fail "terminal: the kd> prompt appears"
    pane | sed 's/^/    | /'
  else
    ok "terminal: the kd> prompt appears"

    text '1+1'; keys Enter
    check "1+1 shows 2" '^2 *$'
    text '1+1'; keys Enter  # a repeat: one history entry only

    text 'for i=1,2 do'; keys Enter
    check "an open block gets the >> prompt" '^>>( |$)'
    text 'print(i*100)'; keys Enter
    text 'end'; keys Enter
    check "the block runs when closed" '^200 *$'

    text 'kd.sy'; keys Tab
    check "kd.sy<Tab> completes to kd.symbol" '^kd> kd\.symbol'

    # Ctrl-C at the prompt drops the line: what follows runs alone.  The
    # next text waits for the fresh prompt: typed while the interrupt is
    # still being handled, the terminal's input flush could eat it
    keys C-c
    wait_last_line '^kd> *$' 5
    text 'print("after" .. "-ctrl-c")'; keys Enter
    check "Ctrl-C at the prompt clears the line" '^after-ctrl-c *$'

    text 'while true do end'; keys Enter
    sleep 1
    keys C-c
    check "Ctrl-C interrupts a running chunk" 'interrupted!'
    text 'print("still" .. "-alive")'; keys Enter
    check "the loop goes on after the interrupt" '^still-alive *$'

    # values as a kernel engineer reads them (issue 18); what they must
    # show comes from truth/ where the live system said it
    host=$(cat "$D/truth/proc/sys/kernel/hostname" 2>/dev/null)
    rel=$(cat "$D/truth/proc/sys/kernel/osrelease" 2>/dev/null)
    fresh
    text 'kd.uts()'; keys Enter
    check_all "a table prints its fields: nodename" "^[[:space:]]+nodename = \"$host\",\$"
    check_all "a table prints its fields: release" "^[[:space:]]+release = \"$rel\",\$"
    fresh
    text 't = kd.symbol("init_task")'; keys Enter
    text 't.comm'; keys Enter
    check_all "a char array prints as its string" '^"swapper/0" *$'
    fresh
    text 't'; keys Enter
    check_all "a struct prints drgn-style: its head" '^\*\(struct task_struct \*\)0x[0-9a-f]+ = \{'
    check_all "a struct prints its members: .comm" '^[[:space:]]+\.comm = "swapper/0",'
    check_all "a long struct is truncated, saying how to see more" '^\.\.\. \(more than [0-9]+ lines'
    fresh
    text 't.sched_class'; keys Enter
    check_all "a pointer prints (type *)0x... <symbol>" '^\((const )?struct sched_class \*\)0x[0-9a-f]+ <idle_sched_class>'
    fresh
    text 'kd.symbol("jiffies") + 1 == kd.symbol("jiffies"):value_() + 1, kd.symbol("jiffies") > 0'; keys Enter
    check_all "an integer object in arithmetic and comparisons" '^true[[:space:]]+true *$'
    fresh
    text 'kd.read(0, 8)'; keys Enter
    check_all "an error prints one line: code and message" '^error: fault: .*0x0'
    sleep 0.5
    if pane_all | grep -q 'stack traceback'; then
      fail "terminal: no traceback unless asked"; pane_all | sed 's/^/    | /'
    else ok "terminal: no traceback unless asked"; fi
    text 'kd.traceback()'; keys Enter
    check_all "kd.traceback() shows where the last error came from" '^stack traceback:'
    fresh
    text 'help'; keys Enter
    check_all "help prints the REPL's help" '^kdlua REPL'
    text 'help(kd.symbol)'; keys Enter
    check_all "help(kd.symbol) prints its line" '^kd\.symbol\(name\) -> object'
    fresh
    text 'help(t)'; keys Enter
    check_all "help(obj) prints its type's layout" '^  /\* 0x[0-9a-f]+ \*/  char \[16\] comm;'
    fresh
    text 'kd.symbol_address("init_ta'; keys Tab
    check_all "Tab completes a symbol name inside kd.symbol_address(\"" '^kd> kd\.symbol_address\("init_task'
    text '")'; keys Enter
    check_all "the completed call runs" '^-?[0-9]+ \(0x[0-9a-f]+\) *$'
    fresh
    text 'kd.type("struct task_stru'; keys Tab
    check_all "Tab completes a type name inside kd.type(\"" '^kd> kd\.type\("struct task_struct' 60
    text '").size'; keys Enter
    check_all "the completed type's size" '^[0-9]+ *$' 

    keys C-d
    _n=0
    while [ ! -s "$tmp/exit-status" ] && [ $_n -lt 100 ]; do
      sleep 0.1
      _n=$((_n + 1))
    done
    status=$(cat "$tmp/exit-status" 2>/dev/null)
    if [ "$status" = 0 ]; then
      ok "terminal: Ctrl-D exits with status 0"
    else
      fail "terminal: Ctrl-D exits with status 0 (status '$status')"
      pane | sed 's/^/    | /'
    fi

    hist="$tmp/.kdlua_history"
    if [ -f "$hist" ] && grep -q '^1+1$' "$hist" &&
       [ "$(grep -c '^1+1$' "$hist")" -eq 1 ]; then
      ok "terminal: history written to ~/.kdlua_history"
    else
      fail "terminal: history written to ~/.kdlua_history"
      [ -f "$hist" ] && show "$hist"
    fi
  fi
fi

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
