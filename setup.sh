#!/bin/bash
# setup.sh -- on a fresh Debian 12 machine: install what kdlua needs, build
# it, install it (so `kdlua` is on PATH, with its man page and bash
# completion), and run it on an example dump.
#
#   bash setup.sh                 # deps, build, install, report + info on the example dump
#                                 # (as root, or a user who may sudo)
#   bash setup.sh --no-run        # deps, build and install only (used by CI)
#
# The example dump is the first of: $KDLUA_EXAMPLE_DUMP (a vmcore file or a
# folder holding `vmcore`), $KDLUA_TEST_VMCORE_DIR, ../shared/vmcore beside
# this checkout, a vmcore under examples/.  A `vmlinux` and a `modules/`
# folder beside it are used when present.  Without any, setup.sh says how to
# run kdlua on your own dump and exits 0: the build is what it was asked for.
# KDLUA_PREFIX=DIR installs there instead of /usr/local (no root needed,
# e.g. KDLUA_PREFIX=~/.local).
set -euo pipefail
cd "$(dirname "$0")"
run=1
[ "${1:-}" = "--no-run" ] && run=0

SUDO=
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
# build: compiler, cmake, the five libraries of the design, liblzma (the
# .tar.xz is written through it: host/archive/kdarchive.c), nettle (the archive's
# SHA-256, with the CPU's SHA extensions), libedit for the
# REPL; tests: gdb (gdbserver tests), tmux (terminal REPL test), python3
# (JSON checks), xz-utils and zstd (archive checks), makedumpfile (re-filters
# the dump to test a dump without user pages), sosreport (`sos clean` must
# accept the report), man-db (the man page must render: `man -l`),
# bash-completion (where the completion script goes, and the test that it
# completes), clang (libFuzzer: the harnesses of tests/fuzz)
pkgs="build-essential cmake pkg-config
  liblua5.4-dev libkdumpfile-dev libdw-dev libelf-dev libarchive-dev liblzma-dev
  nettle-dev libcjson-dev libedit-dev
  gdb tmux python3 xz-utils zstd makedumpfile sosreport ca-certificates man-db bash-completion clang"
all_installed() {
  local n
  # shellcheck disable=SC2086
  n=$(dpkg-query -W -f='${Status}\n' $pkgs 2>/dev/null | grep -c "install ok installed" || true)
  # shellcheck disable=SC2086
  [ "$n" -eq "$(echo $pkgs | wc -w)" ]
}
if all_installed; then
  echo "setup.sh: the Debian packages are installed already"
else
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  $SUDO apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"

# install: the binary, its Lua scripts, the man page, the bash completion
if [ -n "${KDLUA_PREFIX:-}" ]; then
  cmake --install build --prefix "$KDLUA_PREFIX" >/dev/null
  KDLUA=$KDLUA_PREFIX/bin/kdlua
else
  $SUDO cmake --install build >/dev/null
  KDLUA=$(command -v kdlua || echo /usr/local/bin/kdlua)
fi
echo "setup.sh: installed $KDLUA (man kdlua; kdlua --help)"

[ "$run" = 1 ] || exit 0

# the example dump
find_dump() {
  local c
  for c in "${KDLUA_EXAMPLE_DUMP:-}" "${KDLUA_TEST_VMCORE_DIR:-}" ../shared/vmcore; do
    [ -n "$c" ] || continue
    [ -f "$c" ] && { echo "$c"; return; }
    [ -f "$c/vmcore" ] && { echo "$c/vmcore"; return; }
  done
  find -L examples -type f \( -name vmcore -o -name 'vmcore.*' -o -name '*.vmcore' \) \
    2>/dev/null | sort | head -n 1
}
V=$(find_dump)
if [ -z "$V" ]; then
  cat <<EOF
setup.sh: kdlua is built and installed; no example dump was found
  (looked at \$KDLUA_EXAMPLE_DUMP, \$KDLUA_TEST_VMCORE_DIR, ../shared/vmcore, examples/).
Run it on your own dump:
  kdlua report --vmcore /path/to/vmcore [--vmlinux /path/to/vmlinux]
or let setup.sh do it:
  KDLUA_EXAMPLE_DUMP=/path/to/vmcore bash setup.sh
EOF
  exit 0
fi
Vd=$(dirname "$V")
args=(--vmcore "$V")
[ -f "$Vd/vmlinux" ] && args+=(--vmlinux "$Vd/vmlinux")
[ -d "$Vd/modules" ] && args+=(--debuginfo-dir "$Vd/modules")
echo "setup.sh: kdlua report ${args[*]}"
# the main job: a sos-report-shaped archive of the example dump
"$KDLUA" report "${args[@]}" --tmp-dir "${KDLUA_REPORT_DIR:-/var/tmp}"
"$KDLUA" info "${args[@]}"
