#!/bin/sh
# test_example_dump.sh -- the dump shipped in examples/dump (README there)
# opens with no debuginfo at all, and `kdlua info` and `kdlua report` say
# what the guest was (hostname, release, panic, its processes).  Needs no
# fixture: it never skips for want of ../shared.
set -u
BIN=${KDLUA_BIN:?}
V=$KDLUA_SOURCE_DIR/examples/dump/vmcore
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kdlua-example.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/counting.sh"

HOME=$tmp "$BIN" info --vmcore "$V" >"$tmp/info" 2>"$tmp/info.err"
check "info runs" [ $? -eq 0 ]
check "info: hostname" grep -q "NODENAME: kdlua-example$" "$tmp/info"
check "info: release" grep -q "RELEASE: 6.1.0-57-cloud-amd64$" "$tmp/info"
check "info: the panic" grep -q 'PANIC: "Kernel panic - not syncing: sysrq triggered crash"' "$tmp/info"
check "info: types from BTF" grep -q "DEBUGINFO: none found: types from the dump's BTF" "$tmp/info"
check "one line on stderr says so" sh -c "[ \$(wc -l <'$tmp/info.err') -eq 1 ] && grep -q BTF '$tmp/info.err'"

mkdir "$tmp/r"
HOME=$tmp "$BIN" report --vmcore "$V" --build --tmp-dir "$tmp/r" >/dev/null 2>"$tmp/r.err"
check "report runs with no emitter failing" sh -c "[ $? -eq 0 ] && ! grep -q failed '$tmp/r.err'"
r=$(ls -d "$tmp"/r/sos*/ 2>/dev/null | head -1)
# makedumpfile -d 31 dropped user pages: command lines read as [comm]
check "report: ps has the guest's processes" sh -c \
  "[ \$(grep -c ' \[sleep\]\$' '$r/ps') -ge 2 ] && grep -q ' \[nc\]\$' '$r/ps'"
check "report: the module whose BTF was read" grep -q "^qemu_fw_cfg " "$r/proc/modules"
check "report: hostname" grep -qx kdlua-example "$r/proc/sys/kernel/hostname"

# gdbserver without a vmlinux: the announcement names an ELF of the
# kallsyms symbols, with which gdb names the panic's functions
if command -v gdb >/dev/null 2>&1; then
  HOME=$tmp "$BIN" gdbserver --stdio --vmcore "$V" </dev/null 2>"$tmp/ann" >/dev/null
  elf=$(sed -n 's/^  symbol-file //p' "$tmp/ann")
  check "gdbserver: announces symbol-file with the kallsyms ELF" [ -s "$elf" ]
  env -u DEBUGINFOD_URLS timeout 120 gdb -batch -nx -iex 'set debuginfod enabled off' \
    -iex 'set confirm off' -ex "symbol-file $elf" \
    -ex "target remote | '$BIN' gdbserver --stdio --vmcore '$V'" -ex 'bt 3' \
    >"$tmp/gdb.out" 2>&1
  check "gdb: the crashing CPU's backtrace names panic()" grep -q " in panic ()" "$tmp/gdb.out"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
