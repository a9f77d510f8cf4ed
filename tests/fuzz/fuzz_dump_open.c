/*
** fuzz_dump_open.c -- libFuzzer harness: a dump file's headers (diskdump,
** ELF, notes, VMCOREINFO) through kdlua's checks (host/dump/validate.c).
**
** With KDLUA_FUZZ_OPEN=1, what passes them also goes through the whole
** open, libkdumpfile included, in this process (KDLUA_NO_PROBE: no
** child), to find what libkdumpfile still crashes on, hangs on or
** allocates gigabytes for: each such finding becomes a check (two so far:
** an unknown machine in a diskdump header, an ELF core without PT_LOAD).
** CI runs the checks alone: libkdumpfile's own bugs are not ours to fix,
** and in kdlua the open is probed in a child (dump.c) whatever they are.
*/
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dump/dump.h"
#include "dump/validate.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool open_too;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc; (void)argv;
  const char *o = getenv("KDLUA_FUZZ_OPEN");
  open_too = o != NULL && strcmp(o, "1") == 0;
  setenv("KDLUA_NO_PROBE", "1", 1);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char why[160];
  kd_vmcoreinfo_valid((const char *)data, size, why, sizeof why);
  bool known;
  struct kd_error *err = kd_dump_validate_buffer(data, size, "fuzz", &known);
  if (err) {
    kd_error_destroy(err);
    return 0;
  }
  if (!known || !open_too) return 0;   /* unknown formats go to the probe child */
  int fd = memfd_create("fuzz-dump", MFD_CLOEXEC);
  if (fd < 0) return 0;
  if (write(fd, data, size) == (ssize_t)size) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    struct kd_dump *dump;
    err = kd_dump_open(path, &dump);
    if (err == NULL) {
      char buf[64];
      kd_error_destroy(kd_dump_read(dump, KD_PHYSADDR, 0, buf, sizeof buf));
      kd_dump_close(dump);
    }
    kd_error_destroy(err);
  }
  close(fd);
  return 0;
}
