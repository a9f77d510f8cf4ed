#!/usr/bin/env python3
# qemu_dump.py QMP_SOCKET OUT.elf: stop a QEMU guest through its QMP socket,
# write its memory as an ELF core (dump-guest-memory, no paging), quit QEMU,
# then put the core's program headers where makedumpfile looks for them.
# Shared by examples/make-example-dump.sh, bench/make-scale-dump.sh and
# tests/fixtures/make-smp-fixture.sh.
import json
import socket
import struct
import sys


def dump(qmp_path, out):
    s = socket.socket(socket.AF_UNIX)
    s.connect(qmp_path)
    f = s.makefile('rw')

    def reply():  # the next answer, skipping asynchronous events
        while True:
            m = json.loads(f.readline())
            if 'event' not in m:
                return m

    reply()  # the greeting
    for cmd in ({"execute": "qmp_capabilities"}, {"execute": "stop"},
                {"execute": "dump-guest-memory",
                 "arguments": {"paging": False, "protocol": "file:" + out}},
                {"execute": "quit"}):
        f.write(json.dumps(cmd) + "\n")
        f.flush()
        try:
            r = reply()
        except (ValueError, OSError):
            if cmd["execute"] == "quit":  # QEMU may close before it answers
                break
            raise
        if 'error' in r:
            sys.exit("qmp: %s" % r)


def program_headers_first(path):
    # QEMU 7.2 writes the section headers before the program headers;
    # makedumpfile 1.7.2 expects the program headers right after the ELF
    # header (e_phoff == 64): swap the two tables in place.
    with open(path, 'r+b') as f:
        h = bytearray(f.read(64))
        phoff, shoff = struct.unpack_from('<QQ', h, 32)
        _, phentsize, phnum, shentsize, shnum, _ = struct.unpack_from('<HHHHHH', h, 52)
        if phoff == 64:
            return
        f.seek(shoff)
        sh = f.read(shnum * shentsize)
        f.seek(phoff)
        ph = f.read(phnum * phentsize)
        f.seek(64)
        f.write(ph)
        f.write(sh)
        struct.pack_into('<QQ', h, 32, 64, 64 + len(ph))
        f.seek(0)
        f.write(h)


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit("usage: qemu_dump.py QMP_SOCKET OUT.elf")
    dump(sys.argv[1], sys.argv[2])
    program_headers_first(sys.argv[2])
