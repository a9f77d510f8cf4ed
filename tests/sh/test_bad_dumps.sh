#!/bin/sh
# Damaged dumps and debug files (issue 16): each must give one line naming
# the input and exit 2 -- never a crash (libkdumpfile segfaulted on several
# of these before kdlua checked the headers itself), never a hang.
. "$(dirname "$0")/common.sh"
need_python3
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
KFX="$KDLUA_BUILD_DIR/tests/fixtures/kfx.vmcore"

# expect_bad NAME PATTERN -- command...: status 2, one stderr line holding
# PATTERN (and maybe the usage hint), no signal, no sanitizer report, done
# within 20 s
expect_bad() {
  name=$1 pat=$2
  shift 3
  timeout 20 "$@" >"$W/out" 2>"$W/err"
  got=$?
  if [ "$got" -eq 2 ] && [ "$(grep -v -c -- '--help for usage' "$W/err")" -eq 1 ] && grep -q -- "$pat" "$W/err" &&
     ! grep -q "Sanitizer\|runtime error" "$W/err"; then
    ok "$name"
  else
    fail "$name: status $got (want 2)"; show "$W/err"
  fi
}

python3 - "$D/vmcore" "$KFX" "$W" <<'EOF'
import struct, sys
dump, kfx, w = sys.argv[1], sys.argv[2], sys.argv[3]
d = open(dump, 'rb').read()
k = open(kfx, 'rb').read()
def put(name, data): open(w + '/' + name, 'wb').write(data)
# diskdump: one byte of VMCOREINFO, PAGESIZE 0, a note size of 2^62
line = d.find(b'\nSIZE(')
put('vmci-dot', d[:line + 1] + b'.' + d[line + 2:])
put('pagesize0', d.replace(b'PAGESIZE=4096', b'PAGESIZE=0000'))
put('pagesize-empty', d.replace(b'PAGESIZE=4096', b'PAGESIZE=\nX=1'))
bs = struct.unpack_from('<i', d, 428)[0]
b = bytearray(d); struct.pack_into('<Q', b, bs + 56, 1 << 62); put('note-huge', b)
b = bytearray(d); struct.pack_into('<Q', b, bs + 48, len(d) - 8); put('note-offset', b)
b = bytearray(d); struct.pack_into('<I', b, 436, 1 << 20); put('bitmap-huge', b)
b = bytearray(d); struct.pack_into('<i', b, 428, 0); put('blocksize0', b)
# ELF: class 1 in a 64-byte header, e_phentsize 0, e_phnum 60000, a
# PT_LOAD of 2^60 bytes, a note whose size runs past its segment
b = bytearray(k[:64]); b[4] = 1; put('elf-class1', b)
b = bytearray(k); b[4] = 7; put('elf-class7', b)
b = bytearray(k); struct.pack_into('<H', b, 54, 0); put('elf-phentsize0', b)
b = bytearray(k); struct.pack_into('<H', b, 56, 60000); put('elf-phnum', b)
phoff = struct.unpack_from('<Q', k, 32)[0]
phnum = struct.unpack_from('<H', k, 56)[0]
for i in range(phnum):
    ph = phoff + i * 56
    t, = struct.unpack_from('<I', k, ph)
    if t == 1 and 'elf-load-huge' not in locals():
        b = bytearray(k); struct.pack_into('<Q', b, ph + 32, 1 << 60); put('elf-load-huge', b)
        locals()['elf-load-huge'] = 1
    if t == 4:
        off = struct.unpack_from('<Q', k, ph + 8)[0]
        b = bytearray(k); struct.pack_into('<I', b, off + 4, 0x7ffffff0); put('elf-note-desc', b)
# found by tests/fuzz/fuzz_dump_open (libkdumpfile crashed or allocated
# gigabytes): no PT_LOAD, section headers far past the end, an unknown
# machine in a diskdump header
b = bytearray(k)
for i in range(phnum):
    if struct.unpack_from('<I', b, phoff + i * 56)[0] == 1: struct.pack_into('<I', b, phoff + i * 56, 0x2d)
put('elf-noload', b)
b = bytearray(k); struct.pack_into('<Q', b, 40, 0x60c0000003ea9d00); struct.pack_into('<HHH', b, 58, 0, 0, 0); put('elf-shoff', b)
b = bytearray(d[:65536]); b[272:278] = b'aarch6'; put('dd-machine', b)
EOF

V="$D/vmlinux"
expect_bad "VMCOREINFO key starting with '.'" "$W/vmci-dot: dump is truncated or corrupt (VMCOREINFO line .* malformed key" -- \
  "$BIN" -e 'print(1)' --vmcore "$W/vmci-dot" --vmlinux "$V"
expect_bad "VMCOREINFO PAGESIZE=0" "$W/pagesize0: .*PAGESIZE" -- \
  "$BIN" -e 'print(1)' --vmcore "$W/pagesize0" --vmlinux "$V"
expect_bad "VMCOREINFO PAGESIZE= (empty; the fuzzer's over-read)" "$W/pagesize-empty: .*PAGESIZE" -- \
  "$BIN" -e 'print(1)' --vmcore "$W/pagesize-empty" --vmlinux "$V"
expect_bad "diskdump note size 2^62" "$W/note-huge: .*notes" -- \
  "$BIN" -e 'print(1)' --vmcore "$W/note-huge" --vmlinux "$V"
expect_bad "diskdump notes past the end" "$W/note-offset: .*notes" -- \
  "$BIN" -e 'print(1)' --vmcore "$W/note-offset" --vmlinux "$V"
expect_bad "diskdump bitmaps past the end" "$W/bitmap-huge: .*bitmaps" -- \
  "$BIN" -e 'print(1)' --vmcore "$W/bitmap-huge" --vmlinux "$V"
expect_bad "diskdump block size 0" "$W/blocksize0: .*block size" -- \
  "$BIN" -e 'print(1)' --vmcore "$W/blocksize0" --vmlinux "$V"
expect_bad "diskdump of an unknown machine" "$W/dd-machine: .*unknown machine" -- \
  "$BIN" -e 'print(1)' --vmcore "$W/dd-machine"
for f in elf-class1 elf-class7 elf-phentsize0 elf-phnum elf-load-huge elf-note-desc elf-noload elf-shoff; do
  expect_bad "ELF $f" "$W/$f: dump is truncated or corrupt" -- \
    "$BIN" -e 'print(1)' --vmcore "$W/$f"
done
# a crash inside libkdumpfile that no check foresaw: the open is probed in
# a child first, so it is one line, not a dead kdlua
KDLUA_FAULT=probe-crash expect_bad "libkdumpfile crash in the probe" \
  "$D/vmcore: not a readable kernel dump (libkdumpfile failed on it: .*signal 11" -- \
  "$BIN" -e 'print(1)' --vmcore "$D/vmcore"

KDLUA_FAULT=probe-hang expect_bad "libkdumpfile looping in the probe" \
  "$D/vmcore: not a readable kernel dump (libkdumpfile failed on it: .*did not finish in 2 s" -- \
  "$BIN" -e 'print(1)' --vmcore "$D/vmcore"

# FIFOs and directories: refused at once (open() of a FIFO used to block)
mkfifo "$W/fifo"
expect_bad "FIFO as --vmcore" "$W/fifo: not a regular file" -- \
  "$BIN" -e 'print(1)' --vmcore "$W/fifo"
expect_bad "FIFO as --vmlinux" "$W/fifo: not a regular file" -- \
  "$BIN" -e 'print(1)' --vmcore "$D/vmcore" --vmlinux "$W/fifo"
expect_bad "directory as --vmlinux" "$W: is a directory" -- \
  "$BIN" -e 'print(1)' --vmcore "$D/vmcore" --vmlinux "$W"

# misleading messages: say what is wrong with which file
SZ=$(stat -c %s "$D/vmcore")
head -c $((SZ * 3 / 10)) "$D/vmcore" >"$W/cut30"
head -c $((SZ * 9 / 10)) "$D/vmcore" >"$W/cut90"
expect_bad "dump cut at 30%: truncated, not a vmlinux mismatch" "$W/cut30: dump is truncated: it is" -- \
  "$BIN" -e 'print(1)' --vmcore "$W/cut30" --vmlinux "$V"
out=$("$BIN" -e 'print(kd.release())' --vmcore "$W/cut90" --vmlinux "$V" 2>"$W/err")
check "dump cut at 90%: opens, with a warning naming it" \
  sh -c '[ -n "$1" ] && grep -q "^kdlua: warning: $2: dump is truncated" "$3"' - "$out" "$W/cut90" "$W/err"
head -c 40000000 "$V" >"$W/vmlinux-cut"
expect_bad "truncated vmlinux" "vmlinux $W/vmlinux-cut: file is truncated" -- \
  "$BIN" -e 'print(1)' --vmcore "$D/vmcore" --vmlinux "$W/vmlinux-cut"
python3 - "$V" "$W/vmlinux-baddwarf" <<'PY'
import re, subprocess, sys
out = subprocess.run(['readelf', '-SW', sys.argv[1]], capture_output=True, text=True).stdout
m = re.search(r'\]\s+\.debug_info\s+\S+\s+[0-9a-f]+\s+([0-9a-f]+)\s+([0-9a-f]+)', out)
off, size = int(m.group(1), 16), int(m.group(2), 16)
d = bytearray(open(sys.argv[1], 'rb').read())
for i in range(off + size // 2, off + size // 2 + 64): d[i] ^= 0xff
open(sys.argv[2], 'wb').write(d)
PY
KDLUA_CACHE_DIR=$W/cache "$BIN" -e 'print(kd.symbol("init_task").comm)' --vmcore "$D/vmcore" \
  --vmlinux "$W/vmlinux-baddwarf" >/dev/null 2>"$W/err"
check "corrupt compressed DWARF: the inflate error is given" \
  grep -q "is damaged: cannot inflate .debug_info" "$W/err"
rm -rf "$W/cache" "$W/vmlinux-baddwarf" "$W/vmlinux-cut"
expect_bad "unwritable --tmp-dir" "cannot write in --tmp-dir /proc/sys" -- \
  "$BIN" report --vmcore "$D/vmcore" --vmlinux "$V" --tmp-dir /proc/sys
expect_bad "missing --emitters-dir" "emitters-dir $W/none is not a directory" -- \
  "$BIN" report --vmcore "$D/vmcore" --vmlinux "$V" --tmp-dir "$W" --emitters-dir "$W/none"
mkdir "$W/nl" "$W/nl-out"
cat >"$W/nl/a.lua" <<'LUA'
emit{ path = "site/a\nb", plugin = "site", run = function() return "x" end }
LUA
cat >"$W/nl/b.lua" <<'LUA'
emit{ path = "site/c\\d", plugin = "site", run = function() return "x" end }
LUA
cat >"$W/nl/c.lua" <<'LUA'
emit{ path = "ok/fine", plugin = "site", run = function() return "x" end }
LUA
"$BIN" report --vmcore "$D/vmcore" --vmlinux "$V" --tmp-dir "$W/nl-out" --emitters-dir "$W/nl" \
  -o site >/dev/null 2>&1
arc=$(ls "$W/nl-out"/*.tar.xz)
tar -tJf "$arc" >"$W/members"
tar -xJOf "$arc" --wildcards '*/sos_logs/sos.log' >"$W/nl.log"
check "paths with a newline or a backslash are refused, not archived" \
  sh -c 'grep -q "/ok/fine$" "$1" && ! grep -q "/site/" "$1" && [ "$(grep -c "control character or a backslash" "$2")" -eq 2 ]' \
  - "$W/members" "$W/nl.log"

# the debug cache is keyed on the source file, not the build-id alone: a
# vmlinux with the same build-id and an edited symbol table must neither
# use nor leave a copy the pristine file would then use
mkdir "$W/pristine" "$W/edited" "$W/moved"
cp "$V" "$W/pristine/vmlinux"
python3 -c 'import sys
d = open(sys.argv[1], "rb").read()
open(sys.argv[2], "wb").write(d.replace(b"\0saved_command_line\0", b"\0saved_command_linX\0"))' \
  "$V" "$W/edited/vmlinux"
syms() {
  KDLUA_CACHE_DIR=$W/cache2 "$BIN" -e 'print(kd.symbol_address("saved_command_line") ~= nil,
    kd.symbol_address("saved_command_linX") ~= nil)' --vmcore "$D/vmcore" --vmlinux "$1" -v 2>"$W/err"
}
check "debug cache: the pristine file's symbols" [ "$(syms "$W/pristine/vmlinux")" = "true	false" ]
check "debug cache: the edited file's own symbols, not the pristine copy's" \
  [ "$(syms "$W/edited/vmlinux")" = "false	true" ]
check "debug cache: the pristine file again: not the edited copy's" \
  [ "$(syms "$W/pristine/vmlinux")" = "true	false" ]
cp -p "$W/pristine/vmlinux" "$W/moved/vmlinux"
check "debug cache: the same content elsewhere reuses the copy" \
  sh -c '[ "$1" = "true	false" ] && ! grep -q "wrote uncompressed copy" "$2"' - "$(syms "$W/moved/vmlinux")" "$W/err"
rm -rf "$W/cache2" "$W/pristine" "$W/edited" "$W/moved"

# the Lua surface: wrong arguments are errors, not wrong answers or crashes
kd_err() {  # NAME PATTERN CODE: exit 1 with PATTERN on stderr, no signal
  timeout 20 "$BIN" -e "$3" --vmcore "$D/vmcore" --vmlinux "$V" >"$W/out" 2>"$W/err"
  got=$?
  if [ "$got" -eq 1 ] && grep -q -- "$2" "$W/err"; then ok "$1"
  else fail "$1: status $got"; show "$W/err"; fi
}
kd_err "kd.object('int[-1]') refused" "bad type name 'int\[-1\]'" 'print(kd.object("int[-1]", 0))'
kd_err "bytes_ of a huge array: the size in the message" "object too large (100000000 bytes)" \
  'print(kd.object("char[100000000]", kd.symbol_address("init_task")):bytes_())'
# a wrong KERNELOFFSET in VMCOREINFO (one hex digit changed): kernel
# memory reads fail; `info` must still print every field of a good dump's,
# the unreadable ones as "? (why)", never drop them or print PANIC: ""
python3 - "$D/vmcore" "$W/koff.vmcore" <<'EOF'
import sys
d = open(sys.argv[1], 'rb').read()
i = d.find(b'KERNELOFFSET=') + 13
e = d.find(b'\n', i)
v = d[i:e]
nv = (b'%x' % (int(v, 16) ^ 0x1000000)).rjust(len(v), b'0')[-len(v):]
open(sys.argv[2], 'wb').write(d[:i] + nv + d[e:])
EOF
"$BIN" info --vmcore "$D/vmcore" --vmlinux "$V" 2>/dev/null | sed 's/:.*//' >"$W/info-fields.good"
timeout 60 "$BIN" info --vmcore "$W/koff.vmcore" --vmlinux "$V" >"$W/koff.info" 2>"$W/koff.err"
check "wrong KERNELOFFSET: info exits 0" [ $? -eq 0 ]
sed 's/:.*//' "$W/koff.info" >"$W/info-fields.koff"
check "wrong KERNELOFFSET: info prints every field a good dump has" cmp -s "$W/info-fields.good" "$W/info-fields.koff"
check "wrong KERNELOFFSET: unreadable fields say so" grep -q '^ *\(DATE\|UPTIME\|MEMORY\|TAINTED\|TASKS\): ? (' "$W/koff.info"
check "wrong KERNELOFFSET: no empty PANIC" sh -c "! grep -q '^ *PANIC: \"\"' '$W/koff.info'"
# damaged page descriptors (every 7th says its page is 2 GiB): `info`
# keeps every field; each line is the good dump's or says '?' with why,
# and DAMAGED counts the failed reads -- never a quietly different value
python3 - "$D/vmcore" "$W/pd.vmcore" <<'EOF'
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read())
bs, sub, bmb = struct.unpack_from('<iiI', d, 428)   # diskdump header, x86_64
pd0 = (1 + sub + bmb) * bs                           # the page descriptors
first = struct.unpack_from('<q', d, pd0)[0]          # page data starts there
for i in range(0, (first - pd0) // 24, 7):
    struct.pack_into('<I', d, pd0 + i * 24 + 8, 0x7fffffff)
open(sys.argv[2], 'wb').write(d)
EOF
"$BIN" info --vmcore "$D/vmcore" --vmlinux "$V" 2>/dev/null | grep -v "^ *DUMPFILE:" >"$W/good.info"
timeout 60 "$BIN" info --vmcore "$W/pd.vmcore" --vmlinux "$V" 2>/dev/null | grep -v "^ *DUMPFILE:" >"$W/pd.info"
check "damaged page descriptors: info says DAMAGED" grep -q "^ *DAMAGED: [1-9]" "$W/pd.info"
check "damaged page descriptors: every line the good dump's, or marked '?'" \
  sh -c "grep -v '^ *DAMAGED:' '$W/pd.info' | grep -v '?' | grep -vxFf '$W/good.info' | { ! grep .; }"
check "damaged page descriptors: no field dropped" \
  sh -c "[ \$(grep -vc '^ *DAMAGED:' '$W/pd.info') -eq \$(wc -l <'$W/good.info') ]"
# an empty --debuginfo-dir (UBSan: qsort(NULL, 0) once)
mkdir -p "$W/empty-debuginfo"
out=$("$BIN" -e 'print(kd.symbol_address("init_task") ~= nil)' --vmcore "$D/vmcore" --vmlinux "$V" \
  --debuginfo-dir "$W/empty-debuginfo" 2>&1)
check "an empty --debuginfo-dir: no complaint" [ "$out" = "true" ]
# found by tests/fuzz/fuzz_kd_api: the trace of a CPU without a register
# note freed an uninitialized pointer (a double free under ASan)
kd_err "kd.stack_trace of a CPU the dump has no registers for" "no registers for CPU 4000" \
  'print(kd.stack_trace(4000))'
out=$("$BIN" -e 'print(kd.cpu_registers(1 << 32), kd.cpu_registers(-1))' --vmcore "$D/vmcore" --vmlinux "$V" 2>&1)
check "kd.cpu_registers(1<<32) is nil, not CPU 0" [ "$out" = "nil	nil" ]
out=$("$BIN" -e 'local r = debug.getregistry()
  for k in pairs(r) do if k ~= 1 and k ~= 2 then r[k] = nil end end
  print(kd.symbol_address("init_task") ~= nil)' --vmcore "$D/vmcore" --vmlinux "$V" 2>&1)
check "kd works after the Lua registry is cleared" [ "$out" = "true" ]

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
