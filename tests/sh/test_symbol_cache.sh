#!/bin/sh
# test_symbol_cache.sh -- the per-build cache of the vmlinux symbols' name
# hashes and address order (host/debuginfo/symbols.c, "<build-id>.kdsym"):
# on every fixture, names looked up and addresses symbolized -- kernel
# text, data, per-CPU offsets, modules' symbols merged in from the dump --
# answer as the fixture's truth (/proc/kallsyms of the running machine,
# real KASLR addresses) on a first run (which writes the file), a second
# (which reads it), with a damaged file (ignored) and with KDLUA_NO_CACHE;
# the four runs print the same.  Skips (77) without fixtures, fails then
# when CI=true.
set -u
. "$(dirname "$0")/fixture_dirs.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kdlua-symcache.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
. "$(dirname "$0")/counting.sh"

# every 97th symbol of the truth whose address and name no other symbol
# shares (an alias's preferred name is the symbolizer's choice, not
# kallsyms'; a name many files use for a local is found once):
# kd.symbol_address(name) must give its address and kd.symbolize(address)
# its name, offset 0 and module; then a sweep of symbolize over the kernel
# image and the low per-CPU offsets, compared between the runs only
probe='local bad, n = 0, 0
for l in io.lines(os.getenv("SAMPLE")) do
  local a, name, mod = l:match("^(%x+) %a (%S+)%s*%[?([^%]]*)")
  local addr = math.tointeger(tonumber(a, 16) - (1 << 64))
  if tonumber(a:sub(1, 1), 16) < 8 then addr = math.tointeger(tonumber(a, 16)) end
  n = n + 1
  local ok, got = pcall(kd.symbol_address, name)
  local sn, so, sm = kd.symbolize(addr)
  local okm = (mod == "" and sm == nil) or sm == mod
  if not ok or got ~= addr or sn ~= name or so ~= 0 or not okm then
    bad = bad + 1
    io.stderr:write(string.format("%s: %s %s %s %s %s\n", l, tostring(got), tostring(sn),
                                  tostring(so), tostring(sm), tostring(ok)))
  end
end
local sweep = {}
local s, e = kd.symbol_address("_stext"), kd.symbol_address("_end")
for a = s, e, 0x1f1f do
  local sn, so, sm = kd.symbolize(a)
  sweep[#sweep + 1] = tostring(sn) .. tostring(so) .. tostring(sm)
end
print(n, bad, #sweep)
io.stdout:write(table.concat(sweep, "\n"), "\n")'
for d in $dirs; do
  [ -f "$d/vmcore" ] && [ -f "$d/truth/proc/kallsyms.xz" ] || continue
  C=$tmp/cache-$(basename "$d")
  args="--vmcore $d/vmcore --vmlinux $d/vmlinux"
  [ -d "$d/modules" ] && args="$args --debuginfo-dir $d/modules"
  SAMPLE=$tmp/sample-$(basename "$d")
  xz -dc "$d/truth/proc/kallsyms.xz" |
    awk '$2 !~ /^[aAuU]$/ { n[$1]++; m[$3]++; l[$1] = $0; nm[$1] = $3 }
         END { for (a in n) if (n[a] == 1 && m[nm[a]] == 1) print l[a] }' |
    sort | awk 'NR % 97 == 0' >"$SAMPLE"
  export SAMPLE
  kd() { KDLUA_CACHE_DIR=$C "$KDLUA_BIN" -e "$probe" $args 2>"$tmp/err"; }
  kd >"$tmp/out1"
  set -- $(head -n 1 "$tmp/out1")
  check "$d: first run: $1 sampled symbols of the truth, $2 wrong, a sweep of $3 addresses" \
    test "${1:-0}" -gt 50 -a "${2:-1}" = 0 -a "${3:-0}" -gt 1000
  [ "${2:-1}" = 0 ] || show "$tmp/err"
  f=$(ls "$C"/*.kdsym 2>/dev/null | head -n 1)
  check "$d: the hashes and order are kept under the build-id ($f)" test -n "$f"
  kd >"$tmp/out2"
  check "$d: second run, from the cache: the same answers" cmp -s "$tmp/out1" "$tmp/out2"
  [ -n "$f" ] && printf 'garbage\n' >"$f"
  kd >"$tmp/out3"
  check "$d: a damaged cache file is ignored: the same answers" cmp -s "$tmp/out1" "$tmp/out3"
  g=$(ls "$C"/*.kdsym 2>/dev/null | head -n 1)
  check "$d: ... and written again" test -n "$g" -a "$(head -c 7 "$g" 2>/dev/null)" != garbage
  KDLUA_NO_CACHE=1 KDLUA_CACHE_DIR=$C "$KDLUA_BIN" -e "$probe" $args >"$tmp/out4" 2>/dev/null
  check "$d: KDLUA_NO_CACHE: the same answers" cmp -s "$tmp/out1" "$tmp/out4"
done
echo "$passed passed, $failed failed"
[ "$passed" -gt 0 ] && [ "$failed" -eq 0 ]
