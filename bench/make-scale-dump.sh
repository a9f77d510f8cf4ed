#!/bin/bash
# make-scale-dump.sh -- a real crash dump of a Debian kernel with many tasks,
# for the scale benchmark (bench/scale.sh).  Built once into a cache folder,
# never committed.
#
#   bench/make-scale-dump.sh [-n SLEEPERS] [-t THREADED_PROCS] [-T THREADS_EACH]
#                            [-k KERNEL_RELEASE] [-c CPUS] [-m MEM_MB] [-o OUT_DIR]
#
# Defaults: 10000 sleeping processes, 20 processes of 16 threads, the Debian
# cloud kernel 6.1.0-56-cloud-amd64 (whose reduced vmlinux the shared fixture
# ships: the same package build has the same build-id, so no -dbg download
# is needed to open the dump), 2 CPUs, 3 GiB.  OUT_DIR defaults to
# ${KDLUA_BENCH_CACHE:-~/.cache/kdlua-bench}/dump-<release>-<SLEEPERS>.
#
# How, as the shared fixtures were made (../shared/vmcore*/make-fixture.sh):
# the kernel package is fetched with `apt-get download` and unpacked with
# `dpkg-deb -x`; a busybox initramfs whose /init starts the sleepers (shells
# each forking a fan-out of `sleep`), the threaded processes (a static C
# helper) and then crashes the kernel with sysrq-c; QEMU (TCG: this machine
# has no KVM) boots it; QMP `dump-guest-memory` writes an ELF dump;
# `makedumpfile -c -d 31` filters it as kdump does by default (user, cache,
# free and zero pages dropped).  A few minutes under TCG for 10,000 tasks.
#
# Needs (Debian 12): qemu-system-x86 busybox-static makedumpfile gcc libc6-dev
# cpio python3 (installed on first use with apt-get when missing and root).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)

SLEEPERS=10000 TPROCS=20 TEACH=16 KREL=6.1.0-56-cloud-amd64 CPUS=2 MEM=3072 OUT=
while getopts "n:t:T:k:c:m:o:h" opt; do
  case $opt in
    n) SLEEPERS=$OPTARG ;; t) TPROCS=$OPTARG ;; T) TEACH=$OPTARG ;;
    k) KREL=$OPTARG ;; c) CPUS=$OPTARG ;; m) MEM=$OPTARG ;; o) OUT=$OPTARG ;;
    *) sed -n '2,25p' "$0"; exit 2 ;;
  esac
done
CACHE=${KDLUA_BENCH_CACHE:-$HOME/.cache/kdlua-bench}
OUT=${OUT:-$CACHE/dump-$KREL-$SLEEPERS}
W=$CACHE/work-$KREL-$SLEEPERS
TIMEOUT=${TIMEOUT:-3600}

need() {  # need CMD PACKAGE
  command -v "$1" >/dev/null 2>&1 && return
  if [ "$(id -u)" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$2" >/dev/null
  else
    echo "make-scale-dump: $1 is missing (apt-get install $2)" >&2; exit 2
  fi
}
need qemu-system-x86_64 qemu-system-x86
need makedumpfile makedumpfile
need cpio cpio
need gcc gcc
need python3 python3
[ -x /bin/busybox ] || need busybox busybox-static

if [ -f "$OUT/vmcore" ]; then echo "$OUT/vmcore exists"; exit 0; fi
mkdir -p "$W" "$OUT"

# ---- the kernel, unpacked, not installed
K=$W/kernel
if [ ! -f "$K/boot/vmlinuz-$KREL" ]; then
  (cd "$W" && rm -f linux-image-"$KREL"_*.deb && apt-get download -q "linux-image-$KREL" >/dev/null)
  rm -rf "$K"; dpkg-deb -x "$W"/linux-image-"$KREL"_*.deb "$K"
fi

# ---- the initramfs
R=$W/root
rm -rf "$R"; mkdir -p "$R"/{bin,proc,sys,dev,tmp}
cp /bin/busybox "$R/bin/busybox"
for a in $(/bin/busybox --list); do [ -e "$R/bin/$a" ] || ln -s busybox "$R/bin/$a"; done
cat > "$W/threads.c" <<'EOF'
/* threads N: N-1 extra threads, all sleeping, until killed */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
static void *idle(void *a) { (void)a; for (;;) pause(); return NULL; }
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 4;
  for (int i = 1; i < n; i++) { pthread_t t; pthread_create(&t, NULL, idle, NULL); }
  for (;;) pause();
}
EOF
gcc -O2 -static -pthread -o "$R/bin/threads" "$W/threads.c"
# qemu_fw_cfg hands the kernel's VMCOREINFO to QEMU's vmcoreinfo device, so
# the ELF dump carries it (makedumpfile and every reader need it)
fwcfg=$(find "$K/lib/modules/$KREL" -name 'qemu_fw_cfg.ko*' | head -1)
[ -n "$fwcfg" ] || { echo "make-scale-dump: no qemu_fw_cfg module in $KREL" >&2; exit 2; }
case $fwcfg in
  *.xz) xz -dc "$fwcfg" > "$R/qemu_fw_cfg.ko" ;;
  *.zst) zstd -qdc "$fwcfg" > "$R/qemu_fw_cfg.ko" ;;
  *) cp "$fwcfg" "$R/qemu_fw_cfg.ko" ;;
esac
cat > "$R/init" <<EOF
#!/bin/sh
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
insmod /qemu_fw_cfg.ko
echo 1 > /proc/sys/kernel/sysrq
echo 4194304 > /proc/sys/kernel/pid_max 2>/dev/null
echo 4194304 > /proc/sys/kernel/threads-max 2>/dev/null
# fan-outs of 100 sleepers, each under its own shell, so the process tree has depth
n=0
while [ \$n -lt $SLEEPERS ]; do
  k=\$(( $SLEEPERS - n )); [ \$k -gt 100 ] && k=100
  sh -c "i=0; while [ \\\$i -lt \$k ]; do sleep 100000 & i=\\\$((i+1)); done; wait" &
  n=\$((n + k))
done
i=0; while [ \$i -lt $TPROCS ]; do threads $TEACH & i=\$((i+1)); done
want=\$(( $SLEEPERS + $SLEEPERS / 100 + $TPROCS ))
t=0
while :; do
  have=\$(ls -d /proc/[0-9]* 2>/dev/null | wc -l)
  [ \$have -ge \$want ] && break
  t=\$((t+1)); [ \$t -gt 3000 ] && break
  sleep 1
done
echo "kdlua-scale: \$have processes running, crashing" > /dev/console
sleep 2
echo c > /proc/sysrq-trigger
EOF
chmod 755 "$R/init"
(cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) | gzip -1 > "$W/initramfs.cpio.gz"

# ---- boot until the panic
rm -f "$W/serial.log" "$W/qmp.sock" "$W/dump.elf"
qemu-system-x86_64 -accel tcg,thread=multi -cpu max,-la57 -smp "$CPUS" -m "$MEM" \
  -nographic -no-reboot -kernel "$K/boot/vmlinuz-$KREL" -initrd "$W/initramfs.cpio.gz" \
  -append "console=ttyS0,115200 panic=0 quiet" \
  -serial "file:$W/serial.log" -monitor none -qmp "unix:$W/qmp.sock,server=on,wait=off" \
  -device vmcoreinfo -nic none </dev/null > "$W/qemu.out" 2>&1 &
qpid=$!
trap 'kill $qpid 2>/dev/null || true' EXIT
t=0
until grep -q -- '---\[ end Kernel panic' "$W/serial.log" 2>/dev/null; do
  sleep 5; t=$((t + 5))
  kill -0 $qpid 2>/dev/null || { echo "qemu died:"; cat "$W/qemu.out"; exit 1; }
  [ $t -lt "$TIMEOUT" ] || { echo "no panic after $TIMEOUT s"; tail -20 "$W/serial.log"; exit 1; }
done
sleep 5
grep "kdlua-scale:" "$W/serial.log" || true

# ---- dump, make the ELF readable by makedumpfile, filter
python3 "$HERE/../tests/tools/qemu_dump.py" "$W/qmp.sock" "$W/dump.elf"
kill $qpid 2>/dev/null || true
chmod u+w "$W/dump.elf"
rm -f "$OUT/vmcore.part"
makedumpfile -c -d 31 "$W/dump.elf" "$OUT/vmcore.part" 2>&1 | tail -3
mv "$OUT/vmcore.part" "$OUT/vmcore"
cp "$W/serial.log" "$OUT/serial-console.log"
rm -f "$W/dump.elf"
echo "wrote $OUT/vmcore ($(stat -c %s "$OUT/vmcore") bytes)"
