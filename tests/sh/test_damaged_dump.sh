#!/bin/sh
# Damaged page data (issue 16): a page that does not inflate must surface --
# the emitter fails or stubs with the reason and the address, the manifest
# and sos.log say so -- never a silently short file.  Two ways: flipped
# bytes in the compressed page holding part of kallsyms_names (the report
# used to keep a proc/kallsyms of 52,074 lines instead of 88,265 as "real"),
# and the test-only fault injection KDLUA_FAULT=read-every=N (every Nth page
# the dump inflates fails), where the files known to have been cut short
# before (kallsyms, lsof, misc, filesystems, ps) are either identical to a
# clean report's or marked.  Nothing may hang.
. "$(dirname "$0")/common.sh"
need_python3
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
V="$D/vmlinux"

# report NAME [VAR=VALUE...]: a report of $DUMP (-j 2), extracted in $W/NAME
report() { run_report "$@" -- -j 2; landed "$1"; }

# status NAME PATH: real, stub or failed, as the manifest says
status() { manifest_status "$W/$1" "$2"; }

# ---------------------------------------------------- flipped page bytes
A=$("$BIN" -e 'local a, b = kd.symbol_address("kallsyms_names"), kd.symbol_address("kallsyms_markers")
  print(string.format("%d %d", a + (b - a) // 2, tonumber(kd.vmcoreinfo("NUMBER(phys_base)"))))' \
  --vmcore "$D/vmcore" --vmlinux "$V")
python3 - "$D/vmcore" "$W/flipped.vmcore" $A <<'EOF'
import struct, sys
# damage the compressed data of the diskdump page holding kernel-text
# address VADDR: pfn -> its bit in the dumpable bitmap -> page descriptor
dump, out, vaddr, phys_base = sys.argv[1], sys.argv[2], int(sys.argv[3]) % 2**64, int(sys.argv[4])
d = bytearray(open(dump, 'rb').read())
bs, sub, bmb = struct.unpack_from('<iiI', d, 428)
pfn = ((vaddr - 0xffffffff80000000 + phys_base) % 2**64) // bs
bitmap2 = (1 + sub) * bs + bmb * bs // 2
bit = lambda i: (d[bitmap2 + i // 8] >> (i % 8)) & 1
assert bit(pfn), "page not in the dump"
idx = sum(bin(b).count('1') for b in d[bitmap2:bitmap2 + pfn // 8]) + sum(bit(i) for i in range(pfn - pfn % 8, pfn))
off, size, flags = struct.unpack_from('<qII', d, (1 + sub + bmb) * bs + idx * 24)
assert flags != 0, "page not compressed"
for i in range(size // 4, size // 4 + 32): d[off + i] ^= 0x5a
open(out, 'wb').write(d)
EOF
DUMP=$W/flipped.vmcore
if report flipped; then
  st=$(status flipped proc/kallsyms)
  check "flipped: proc/kallsyms is not kept as real (it is: $st)" [ "$st" != real ]
  check "flipped: ... its file says why, with the address" \
    grep -q "^# kdlua: .*0xffffffff[0-9a-f]*.*Decompres" "$W/flipped/proc/kallsyms"
  check "flipped: sos.log names it" grep -q "proc/kallsyms.*Decompres" "$W/flipped/sos_logs/sos.log"
  check "flipped: stderr counts the damaged reads" grep -q "read(s) of damaged dump data" "$W/flipped.err"
fi
out=$("$BIN" -e 'print(pcall(kd.kallsyms_core_text)); print((kd.damage()))' --vmcore "$W/flipped.vmcore" --vmlinux "$V" 2>&1)
check "flipped: kd.kallsyms_core_text fails instead of a short list" \
  [ "$(echo "$out" | head -n 1 | cut -f1)" = false ]
check "flipped: kd.damage() counts it" [ "$(echo "$out" | tail -n 1)" -ge 1 ]

# ---------------------------------------------------- injected faults
DUMP=$D/vmcore
report clean
for n in 53 13; do
  r=every$n
  report $r KDLUA_FAULT=read-every=$n || continue
  check "$r: stderr counts the damaged reads" grep -q "read(s) of damaged dump data" "$W/$r.err"
  check "$r: sos.log warns" grep -q "WARNING: .*damaged dump data" "$W/$r/sos_logs/sos.log"
  for p in proc/kallsyms proc/misc proc/filesystems sos_commands/process/lsof_-b_M_-n_-l_-c \
           sos_commands/process/ps_auxwww sos_commands/process/ps_alxwww; do
    st=$(status $r $p)
    if [ "$st" = real ]; then
      check "$r: $p is real and whole" cmp -s "$W/clean/$p" "$W/$r/$p"
    else
      check "$r: $p ($st) starts with the reason" grep -q "^# kdlua: " "$W/$r/$p"
    fi
  done
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
