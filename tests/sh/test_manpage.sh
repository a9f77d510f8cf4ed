#!/bin/sh
# test_manpage.sh -- kdlua(1) and the bash completion (issue 18), no dump:
#   * `cmake --install` into a scratch prefix puts the binary, its scripts,
#     the man page and the completion where man and bash-completion look,
#     and the installed kdlua finds its scripts;
#   * `man -l` renders the page without warnings, and it names every
#     command `kdlua --help` lists and every option of that listing;
#   * the completion script loads in bash (with and without bash-completion's
#     helpers) and completes commands, options, plugin names, emitter paths
#     and option values.
BIN=${KDLUA_BIN:-}
SRC=${KDLUA_SOURCE_DIR:-}
BUILD=${KDLUA_BUILD_DIR:-}
if [ -z "$BIN" ] || [ ! -x "$BIN" ] || [ -z "$SRC" ] || [ -z "$BUILD" ]; then
  echo "SKIP: KDLUA_BIN, KDLUA_SOURCE_DIR and KDLUA_BUILD_DIR are needed"
  exit 77
fi
for tool in man bash cmake; do
  if ! command -v $tool >/dev/null 2>&1; then
    [ "${CI:-}" = true ] && { echo "FAIL: $tool missing and CI=true"; exit 1; }
    echo "SKIP: $tool is not installed (setup.sh installs it)"
    exit 77
  fi
done
unset KDLUA_PROGRAMS KDLUA_SCRIPTS
. "$(dirname "$0")/counting.sh"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

# {====== install ======
if cmake --install "$BUILD" --prefix "$W/prefix" >"$W/install.log" 2>&1; then
  ok "cmake --install into a scratch prefix"
else
  fail "cmake --install"; sed 's/^/    /' "$W/install.log" | tail -5
fi
for f in bin/kdlua share/man/man1/kdlua.1 share/bash-completion/completions/kdlua \
         share/kdlua/commands/report.lua share/kdlua/lib/kernel/task.lua; do
  [ -f "$W/prefix/$f" ] && ok "installed $f" || fail "installed $f"
done
"$W/prefix/bin/kdlua" --help >"$W/ihelp" 2>&1 && grep -q "^  report " "$W/ihelp" \
  && ok "the installed kdlua lists its installed commands" \
  || fail "the installed kdlua lists its installed commands"
"$W/prefix/bin/kdlua" report --list-plugins 2>&1 | grep -q "currently enabled" \
  && ok "the installed kdlua finds its emitters" || fail "the installed kdlua finds its emitters"
# }======

# {====== the man page ======
PAGE=$SRC/docs/kdlua.1
MANWIDTH=80 man -l "$PAGE" >"$W/man.txt" 2>"$W/man.err" </dev/null
rc=$?
[ $rc -eq 0 ] && [ -s "$W/man.txt" ] && ok "man -l renders kdlua(1)" || fail "man -l renders kdlua(1) (rc $rc)"
# groff's own warnings (bad macros, unknown escapes)
if command -v groff >/dev/null 2>&1; then
  groff -man -Tutf8 -ww -z "$PAGE" 2>"$W/groff.err"
  [ ! -s "$W/groff.err" ] && ok "groff -ww: no warnings" || { fail "groff warnings"; head -5 "$W/groff.err"; }
fi
MANWIDTH=80 man "$W/prefix/share/man/man1/kdlua.1" >/dev/null 2>&1 </dev/null \
  && ok "the installed page renders" || fail "the installed page renders"
# what --help lists, the page names: every command and every option
"$BIN" --help >"$W/help"
awk '/^[A-Z].*:$/ { inlist = ($0 ~ /^Commands/); next } inlist && /^  [^ ]/ { print $1 }' "$W/help" >"$W/cmds"
[ -s "$W/cmds" ] || fail "no commands parsed from kdlua --help"
while read -r c; do
  if grep -qF -- "$c" "$W/man.txt"; then ok "the page names command $c"
  else fail "the page names command $c"; fi
done <"$W/cmds"
sed -n '/^Options/,$p' "$W/help" | grep -oE -- '--[a-z][a-z-]+' | sort -u >"$W/opts"
while read -r o; do
  if grep -qF -- "$o" "$W/man.txt"; then ok "the page names option $o"
  else fail "the page names option $o"; fi
done <"$W/opts"
# report's options too (its own --help)
"$BIN" report --help | grep -oE -- '--[a-z][a-z-]+' | sort -u >"$W/ropts"
while read -r o; do
  if grep -qF -- "$o" "$W/man.txt"; then ok "the page names report option $o"
  else fail "the page names report option $o"; fi
done <"$W/ropts"
# }======

# {====== bash completion ======
COMP=$SRC/host/cli/kdlua.bash
export PATH="$(dirname "$BIN"):$PATH"
# complete WORDS...: the candidates bash would offer for the last word
cat >"$W/complete.bash" <<'EOF'
set +e
[ -n "$WITH_BC" ] && [ -f /usr/share/bash-completion/bash_completion ] && . /usr/share/bash-completion/bash_completion
. "$COMP" || { echo "LOAD FAILED"; exit 1; }
COMP_WORDS=("$@")
COMP_CWORD=$(($# - 1))
COMP_LINE="$*"
COMP_POINT=${#COMP_LINE}
_kdlua
printf '%s\n' "${COMPREPLY[@]}" | sort
EOF
expect() {   # expect "what" "wanted line" words...
  what=$1 want=$2; shift 2
  for bc in "" 1; do
    got=$(WITH_BC=$bc COMP="$COMP" bash "$W/complete.bash" "$@" 2>"$W/bash.err")
    if printf '%s\n' "$got" | grep -qxF -- "$want"; then ok "$what${bc:+ (with bash-completion)}"
    else fail "$what${bc:+ (with bash-completion)}: want '$want' in: $(echo $got)"; head -3 "$W/bash.err"; fi
  done
}
bash -n "$COMP" && ok "the completion script parses" || fail "the completion script parses"
expect "a command" report kdlua re
expect "another command" repl kdlua re
expect "a command of the listing (Lua)" fidelity kdlua fi
expect "help COMMAND" info kdlua help in
expect "a global option" --vmcore kdlua --vm
expect "a report option" --list-plugins kdlua report --list
expect "an option after --vmcore FILE" --only-plugins kdlua --vmcore x report --only
expect "info's own option" --json kdlua info --js
expect "a plugin name after -o" kernel kdlua report -o ker
expect "the next plugin of a list" block,kernel kdlua report -o block,ker
expect "a plugin after --skip-plugins" networking kdlua report --skip-plugins netw
expect "an emitter path after fidelity --only" proc/modules kdlua fidelity a b --only proc/mod
expect "--compression values" zstd kdlua report --compression z
expect "gdbserver --mode values" tasks kdlua gdbserver --mode ta
# a program's own options, asked of `kdlua PROGRAM --help`
for f in "$SRC"/scripts/programs/*.lua; do
  [ -f "$f" ] || continue
  p=$(basename "$f" .lua)
  expect "a program name ($p)" "$p" kdlua "$(printf %.3s "$p")"
  opt=$("$BIN" "$p" --help 2>/dev/null | grep -oE -- '--[a-z][a-z-]+' | grep -v -- '--vmcore\|--vmlinux\|--help' | head -n 1)
  [ -n "$opt" ] && expect "$p's option $opt" "$opt" kdlua "$p" "$(printf %.5s "$opt")"
  break
done
# }======

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
