#!/bin/bash
# make-example-dump.sh [OUT] -- make examples/dump/vmcore, the small real crash
# dump kdlua's README starts with: a Debian 12 cloud kernel booted in QEMU
# (TCG) with a busybox initramfs, crashed with sysrq-c, dumped with QEMU's
# dump-guest-memory and filtered with `makedumpfile -c -d 31` (kernel pages
# only, zlib).  No debuginfo is shipped or needed: kdlua reads the kernel's
# own BTF and kallsyms from the dump (README "Without a vmlinux").
#
# Needs (Debian 12): qemu-system-x86 makedumpfile busybox-static cpio
# python3, apt access to download (not install) the kernel package, and a
# built kdlua ($KDLUA, default ../build/kdlua) to find the kernel text.
# Takes 2-4 minutes of both cores; runs niced.
# Environment: KPKG (kernel package, default: what linux-image-cloud-amd64
# depends on), WORK (scratch, default $TMPDIR/kdlua-example).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-$HERE/dump}
WORK=${WORK:-${TMPDIR:-/tmp}/kdlua-example}
rm -rf "$WORK"; mkdir -p "$WORK"; cd "$WORK"

KPKG=${KPKG:-$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image-/{print $2; exit}')}
apt-get download "$KPKG" >/dev/null
dpkg-deb -x ./"$KPKG"_*.deb kpkg
VMLINUZ=$(ls kpkg/boot/vmlinuz-*)
echo "kernel: $VMLINUZ"

# the guest: busybox and an init that starts a few processes, then crashes
R=$WORK/root
mkdir -p "$R"/{bin,proc,sys,dev,tmp}
cp /bin/busybox "$R/bin/busybox"
for a in $(/bin/busybox --list); do [ -e "$R/bin/$a" ] || ln -s busybox "$R/bin/$a"; done
# QEMU's vmcoreinfo device gets the guest's VMCOREINFO through fw_cfg: the
# dump has none (and makedumpfile refuses it) without this module
install -D -m644 "$(find kpkg/lib/modules -name 'qemu_fw_cfg.ko*' | head -1)" "$R/lib/qemu_fw_cfg.ko"
cat > "$R/init" <<'EOF'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
insmod /lib/qemu_fw_cfg.ko
hostname kdlua-example
ip link set lo up
ip addr add 127.0.0.1/8 dev lo
sleep 1001 &
sleep 1002 | cat &
(while :; do sleep 1; done) &
nc -l -p 8080 </dev/null >/dev/null &
echo "example: processes started"
sleep 2
echo 1 > /proc/sys/kernel/sysrq
echo c > /proc/sysrq-trigger
EOF
chmod 755 "$R/init"
(cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) | gzip -9 > initramfs.cpio.gz

nice -n 19 qemu-system-x86_64 -accel tcg,thread=multi -cpu max,-la57 -smp 2 -m ${MEM:-128M} \
  -nographic -no-reboot -kernel "$VMLINUZ" -initrd initramfs.cpio.gz \
  -append "console=ttyS0,115200 panic=0 quiet" -device vmcoreinfo \
  -serial file:serial.log -monitor none -qmp unix:qmp.sock,server=on,wait=off \
  </dev/null >qemu.out 2>&1 &
QEMU=$!
t=0
until grep -q -- '---\[ end Kernel panic' serial.log 2>/dev/null; do
  sleep 2; t=$((t + 2))
  kill -0 $QEMU 2>/dev/null || { echo "qemu died" >&2; cat qemu.out >&2; exit 1; }
  [ $t -lt 600 ] || { echo "no panic after $t s" >&2; tail -20 serial.log >&2; kill $QEMU; exit 1; }
done
sleep 5   # the other CPU reaches its stop loop
echo "panic after ~$t s"

python3 "$HERE/../tests/tools/qemu_dump.py" qmp.sock "$WORK/dump.elf"
sleep 2; kill $QEMU 2>/dev/null || true
# Kernel text is 14 of the ~50 MiB of kernel pages and kdlua reads no code
# (ORC unwind tables are data): zero it, so that makedumpfile's -d 1 drops
# it like any zero page.  Where it is: _stext/_etext from the dump's own
# kallsyms, moved to physical by VMCOREINFO's phys_base.
KDLUA=${KDLUA:-$HERE/../build/kdlua}
range=$("$KDLUA" -e '
  local s, e = kd.symbol_address("_stext"), kd.symbol_address("_etext")
  local base = tonumber(kd.vmcoreinfo():match("NUMBER%(phys_base%)=(%S+)"))
  local function phys(v) return v - 0xffffffff80000000 + base end
  print(string.format("%d %d", phys(s), phys(e)))' --vmcore dump.elf --no-vmlinux 2>/dev/null)
python3 - dump.elf $range <<'EOF2'
import struct, sys
start, end = int(sys.argv[2]), int(sys.argv[3])
with open(sys.argv[1], 'r+b') as f:
    h = f.read(64)
    phoff, = struct.unpack_from('<Q', h, 32)
    phentsize, phnum = struct.unpack_from('<HH', h, 54)
    zeroed = 0
    for i in range(phnum):
        f.seek(phoff + i * phentsize)
        p_type, _, off, _, paddr, filesz = struct.unpack('<IIQQQQ', f.read(40))
        lo, hi = max(start, paddr), min(end, paddr + filesz)
        if p_type != 1 or lo >= hi: continue
        f.seek(off + lo - paddr); f.write(bytes(hi - lo)); zeroed += hi - lo
print("kernel text zeroed: %d KiB at physical 0x%x" % (zeroed >> 10, start))
EOF2
nice -n 19 makedumpfile -c -d 31 dump.elf vmcore | tail -2
mkdir -p "$OUT"
install -m644 vmcore "$OUT/vmcore"
cp serial.log "$OUT/serial-console.log"
echo "$KPKG" > "$OUT/KERNEL"
ls -la "$OUT/vmcore"
