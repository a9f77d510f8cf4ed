#!/bin/bash
# setup.sh -- on a fresh Debian 12 machine: install what kdlua needs, build
# it, and run it on the example dump.
#
#   bash setup.sh                 # install deps, build, report + info on the example dump
#                                 # (as root, or a user who may sudo)
#   bash setup.sh --no-run        # install deps and build only (used by CI)
#
# The example dump is ../shared/vmcore beside this checkout, or
# $KDLUA_TEST_VMCORE_DIR.
set -euo pipefail
cd "$(dirname "$0")"
run=1
[ "${1:-}" = "--no-run" ] && run=0

SUDO=
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# build: compiler, cmake, the five libraries of the design, liblzma (the
# .tar.xz is written through it: host/archive/kdarchive.c), nettle (the archive's
# SHA-256, with the CPU's SHA extensions), libedit for the
# REPL; tests: gdb (gdbserver tests), tmux (terminal REPL test), python3
# (JSON checks), xz-utils and zstd (archive checks), makedumpfile (re-filters
# the dump to test a dump without user pages), sosreport (`sos clean` must
# accept the report)
$SUDO apt-get install -y -qq --no-install-recommends \
  build-essential cmake pkg-config \
  liblua5.4-dev libkdumpfile-dev libdw-dev libelf-dev libarchive-dev liblzma-dev \
  nettle-dev libcjson-dev libedit-dev \
  gdb tmux python3 xz-utils zstd makedumpfile sosreport ca-certificates >/dev/null

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"

if [ "$run" = 1 ]; then
  D="${KDLUA_TEST_VMCORE_DIR:-../shared/vmcore}"
  # the main job: a sos-report-shaped archive of the example dump
  ./build/kdlua report --vmcore "$D/vmcore" --vmlinux "$D/vmlinux" \
    --debuginfo-dir "$D/modules" --tmp-dir "${KDLUA_REPORT_DIR:-/var/tmp}"
  ./build/kdlua info --vmcore "$D/vmcore" --vmlinux "$D/vmlinux" \
    --debuginfo-dir "$D/modules"
fi
