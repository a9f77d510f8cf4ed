#!/bin/sh
# test_report_ux.sh -- what a user sees of `kdlua report` (issue 18):
#   * on a terminal: a line while the dump opens, then a progress line
#     whose count only grows, each line erasing what the last one left,
#     nothing left behind at the end;
#   * root symlinks (df, mount, ip_addr, netstat, ...) for every target
#     file present, a stub target included;
#   * module debug files beside the vmcore (a modules/ folder, or the
#     .ko files themselves) found without --debuginfo-dir;
#   * the first start on a compressed debug file says once, on stderr,
#     that it wrote the uncompressed copy;
#   * the default .tar.xz compresses everything (proc/kallsyms included);
#     --store-kallsyms keeps the fast path, with the same content.
set -u
. "$(dirname "$0")/common.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kdlua-report-ux.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
DUMP="--vmcore $D/vmcore --vmlinux $D/vmlinux --debuginfo-dir $D/modules"

# {====== the terminal ======
if command -v script >/dev/null 2>&1; then
  mkdir "$tmp/tty"
  # shellcheck disable=SC2086
  script -qec "'$BIN' report $DUMP --tmp-dir '$tmp/tty' -j 2 --quiet" /dev/null >"$tmp/tty.out" 2>&1
  # every piece between two carriage returns
  tr '\r' '\n' <"$tmp/tty.out" | sed 's/\x1b\[K$/<EL>/' >"$tmp/pieces"
  sed -n 1,3p "$tmp/pieces" | sed 's/^/    /'
  if grep -q '^ Opening .*vmcore' "$tmp/pieces"; then ok "a line while the dump opens"
  else fail "a line while the dump opens"; fi
  grep '^ Running plugins: ' "$tmp/pieces" >"$tmp/progress"
  n=$(wc -l <"$tmp/progress")
  if [ "$n" -ge 2 ] && ! grep -v '^ Running plugins: [0-9]*/[0-9]* units ([a-z_]*)<EL>$' "$tmp/progress" | grep -q .; then
    ok "$n progress lines, each ending with erase-to-end-of-line"
  else
    fail "progress lines ($n) end with erase-to-end-of-line"; head -5 "$tmp/progress"
  fi
  if sed 's/^ Running plugins: \([0-9]*\)\/.*/\1/' "$tmp/progress" | awk 'NR > 1 && $1 <= prev { bad = 1 } { prev = $1 } END { exit bad }'; then
    ok "the progress count only grows"
  else
    fail "the progress count only grows"; tr '\n' ' ' <"$tmp/progress" | cut -c1-400
  fi
  # the end: the last piece erases the line, nothing printed after it
  last=$(tail -n 1 "$tmp/pieces")
  if [ "$last" = "<EL>" ]; then ok "the progress line is erased at the end, nothing left behind"
  else fail "the progress line is erased at the end (last piece: '$last')"; fi
else
  echo "SKIP terminal part: no script(1)"
fi
# }======

# {====== root symlinks, a stub target included ======
mkdir -p "$tmp/site" "$tmp/b"
cat >"$tmp/site/zz_stub.lua" <<'EOF'
emit{ command = "zzfake --all", plugin = "kernel", symlink = "zzfake",
      run = function() return stub("no such thing in a dump") end }
emit{ command = "zzsub x", plugin = "kernel", subdir = "namespaces/zz",
      run = function() return "in a subdir\n" end }
EOF
# shellcheck disable=SC2086
"$BIN" report $DUMP --tmp-dir "$tmp/b" --build --emitters-dir "$tmp/site" --quiet >/dev/null 2>"$tmp/b.err"
top=$(ls -d "$tmp"/b/sosvmcore-* 2>/dev/null | head -n 1)
if [ -n "$top" ] && [ -d "$top" ]; then
  for name in $(sed -n 's/.*symlink = "\([^"]*\)".*/\1/p' "$KDLUA_SOURCE_DIR"/scripts/emitters/*.lua | sort -u) zzfake; do
    if [ -L "$top/$name" ] && [ -f "$top/$name" ]; then
      ok "root symlink $name -> $(readlink "$top/$name")"
    else
      fail "root symlink $name (to an existing file)"
    fi
  done
  if grep -q "no such thing in a dump" "$top/zzfake" 2>/dev/null; then ok "the stub's symlink reaches the stub"
  else fail "the stub's symlink reaches the stub"; fi
  # emit{subdir=}: sos's add_cmd_output(subdir=...) folder under the plugin's
  if [ "$(cat "$top/sos_commands/kernel/namespaces/zz/zzsub_x" 2>/dev/null)" = "in a subdir" ]; then
    ok "a command with subdir lands in sos_commands/<plugin>/<subdir>/"
  else fail "a command with subdir lands in sos_commands/<plugin>/<subdir>/"; fi
else
  fail "report --build made a folder"; show "$tmp/b.err"
fi
# }======

# {====== module debug files beside the vmcore ======
mods() {   # number of modules with debuginfo
  "$BIN" -e 'local n = 0 for _, m in ipairs(kd.modules()) do if m.debuginfo then n = n + 1 end end print(n)' "$@"
}
want=$(mods --vmcore "$D/vmcore" --vmlinux "$D/vmlinux" --debuginfo-dir "$D/modules")
mkdir -p "$tmp/beside" "$tmp/flat"
ln -s "$D/vmcore" "$tmp/beside/vmcore"
ln -s "$D/vmlinux" "$tmp/beside/vmlinux"
ln -s "$D/modules" "$tmp/beside/modules"
got=$(mods --vmcore "$tmp/beside/vmcore")
if [ "${want:-0}" -gt 0 ] && [ "$got" = "$want" ]; then
  ok "modules/ beside the vmcore: $got module debug files without --debuginfo-dir"
else fail "modules/ beside the vmcore ($got, want $want)"; fi
ln -s "$D/vmcore" "$tmp/flat/vmcore"
ln -s "$D/vmlinux" "$tmp/flat/vmlinux"
find -L "$D/modules" -name '*.ko' -o -name '*.ko.debug' | while read -r f; do ln -s "$f" "$tmp/flat/"; done
got=$(mods --vmcore "$tmp/flat/vmcore")
if [ "$got" = "$want" ]; then ok ".ko files beside the vmcore: $got found"
else fail ".ko files beside the vmcore ($got, want $want)"; fi
# }======

# {====== the first start's uncompressed copy ======
fresh="$tmp/cache"
KDLUA_CACHE_DIR="$fresh" "$BIN" -e 'print(1)' --vmcore "$D/vmcore" --vmlinux "$D/vmlinux" >/dev/null 2>"$tmp/c1.err"
KDLUA_CACHE_DIR="$fresh" "$BIN" -e 'print(1)' --vmcore "$D/vmcore" --vmlinux "$D/vmlinux" >/dev/null 2>"$tmp/c2.err"
if [ "$(grep -c 'wrote an uncompressed copy' "$tmp/c1.err")" = 1 ] && grep -q "$fresh" "$tmp/c1.err" \
   && grep -q KDLUA_NO_CACHE "$tmp/c1.err"; then
  ok "the first start says where it wrote the copy and how to turn it off"
else fail "the first start says it wrote the copy"; show "$tmp/c1.err"; fi
if ! grep -q 'uncompressed copy' "$tmp/c2.err"; then ok "the second start says nothing of it"
else fail "the second start says nothing of it"; show "$tmp/c2.err"; fi
# }======

# {====== default compression ======
mkdir -p "$tmp/z1" "$tmp/z2"
# shellcheck disable=SC2086
"$BIN" report $DUMP --tmp-dir "$tmp/z1" -o kernel --quiet >/dev/null 2>&1
# shellcheck disable=SC2086
"$BIN" report $DUMP --tmp-dir "$tmp/z2" -o kernel --store-kallsyms --quiet >/dev/null 2>&1
a1=$(ls "$tmp"/z1/*.tar.xz 2>/dev/null | head -n 1)
a2=$(ls "$tmp"/z2/*.tar.xz 2>/dev/null | head -n 1)
if [ -n "$a1" ] && [ -n "$a2" ]; then
  s1=$(stat -c %s "$a1"); s2=$(stat -c %s "$a2")
  echo "    default $s1 bytes, --store-kallsyms $s2 bytes"
  if [ $((s1 * 2)) -lt "$s2" ]; then ok "the default archive compresses proc/kallsyms ($s1 < $s2 / 2)"
  else fail "the default archive compresses proc/kallsyms ($s1 vs $s2)"; fi
  xz -dc "$a1" | tar -xOf - --wildcards '*/proc/kallsyms' >"$tmp/k1"
  xz -dc "$a2" | tar -xOf - --wildcards '*/proc/kallsyms' >"$tmp/k2"
  if [ -s "$tmp/k1" ] && cmp -s "$tmp/k1" "$tmp/k2"; then ok "both hold the same proc/kallsyms"
  else fail "both hold the same proc/kallsyms"; fi
else
  fail "both archives written"
fi
# }======

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
