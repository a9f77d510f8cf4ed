#!/usr/bin/env python3
# check_layout.py -- the include rule that keeps the folders the architecture.
#
# Each folder under host/ is a room; bindings/ is the Lua boundary.  A room
# may include its own headers and those of the rooms it builds on, never the
# other way round, so the arrows stay one-way:
#
#   base  <-  dump, debuginfo, archive  <-  core  <-  unwind  <-  gdb
#   unwind, archive  <-  bindings  <-  cli
#
# Library headers have one home too: libkdumpfile only in host/dump, Lua only
# in bindings/ and host/cli/ (the Lua boundary and the entry points).
#
# scripts/lib/kernel/ stays flat (like drgn's helpers/linux/), so each file's
# first comment must say what it covers and, on a "Mirrors:" line, which
# kernel files it follows (or "no kernel file: ..." with why).
#
# Usage: check_layout.py SOURCE_DIR.  Prints one line per broken include and
# "N passed, N failed" last; exits 1 when anything is broken.
import os
import re
import sys

# room -> the rooms its files may include (besides itself)
ALLOWED = {
    "base": set(),
    "dump": {"base"},
    "debuginfo": {"base"},
    "archive": {"base"},
    "core": {"base", "dump", "debuginfo"},
    "unwind": {"base", "dump", "debuginfo", "core"},
    "gdb": {"base", "dump", "debuginfo", "core", "unwind"},
    "bindings": {"base", "dump", "debuginfo", "archive", "core", "unwind"},
    "cli": {"base", "dump", "debuginfo", "archive", "core", "unwind", "gdb", "bindings"},
}
# system headers (by prefix) -> the only rooms that may include them
LIBRARY_HOMES = {
    "libkdumpfile/": {"dump"},
    "libaddrxlat": {"dump"},
    "lua.h": {"bindings", "cli"},
    "lauxlib.h": {"bindings", "cli"},
    "lualib.h": {"bindings", "cli"},
}
GENERATED = {"config.h"}  # made by CMake from host/base/config.h.in

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def room_of(rel):
    parts = rel.split(os.sep)
    if parts[0] == "bindings":
        return "bindings"
    if parts[0] == "host" and len(parts) == 3:
        return parts[1]
    return None


def main():
    src = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
    passed = failed = 0
    problems = []
    files = []
    for top in ("host", "bindings"):
        for dirpath, _, names in os.walk(os.path.join(src, top)):
            for n in names:
                if n.endswith((".c", ".h")):
                    files.append(os.path.relpath(os.path.join(dirpath, n), src))
    for rel in sorted(files):
        room = room_of(rel)
        if room is None or room not in ALLOWED:
            problems.append(f"{rel}: not in a known room (host/<room>/ or bindings/)")
            continue
        here = os.path.dirname(rel)
        with open(os.path.join(src, rel), encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                kind, name = m.groups()
                where = f"{rel}:{lineno}: {line.strip()}"
                if kind == "<":
                    for prefix, homes in LIBRARY_HOMES.items():
                        if name.startswith(prefix) and room not in homes:
                            problems.append(f"{where}: only {', '.join(sorted(homes))} may include it")
                    continue
                if name in GENERATED:
                    continue
                if "/" not in name:
                    # a bare name is a header of the same folder
                    target_room = room
                    path = os.path.join(here, name)
                elif name.startswith("bindings/"):
                    target_room = "bindings"
                    path = name
                else:
                    target_room = name.split("/", 1)[0]
                    path = os.path.join("host", name)
                if not os.path.exists(os.path.join(src, path)):
                    problems.append(f"{where}: no such header {path}")
                elif target_room != room and target_room not in ALLOWED[room]:
                    problems.append(f"{where}: {room} may not depend on {target_room}")
                else:
                    passed += 1
    kernel_lib = os.path.join(src, "scripts", "lib", "kernel")
    for n in sorted(os.listdir(kernel_lib)):
        if not n.endswith(".lua"):
            continue
        with open(os.path.join(kernel_lib, n), encoding="utf-8") as f:
            header = []
            for line in f:
                if not line.startswith("--"):
                    break
                header.append(line)
        if len(header) >= 2 and any(h.startswith("-- Mirrors: ") for h in header):
            passed += 1
        else:
            problems.append(f"scripts/lib/kernel/{n}: first comment lacks what it covers "
                            "and a '-- Mirrors: ' line")
    for p in problems:
        print("FAIL - " + p)
    failed = len(problems)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
