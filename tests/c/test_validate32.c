/*
** test_validate32.c -- the checks of 32-bit diskdump ("KDUMP   ") headers
** that host/dump/validate.c makes before libkdumpfile sees a file, on
** crafted files (no 32-bit dump is among the fixtures).
**
** Layouts, from makedumpfile's diskdump_mod.h as a 32-bit machine's
** compiler lays it out (the same facts libkdumpfile's diskdump.c reads):
** struct disk_dump_header with an 8-byte struct timeval, so block_size,
** sub_hdr_size, bitmap_blocks and max_mapnr at 416, 420, 424, 428 and
** nr_cpus at 448; struct kdump_sub_header in the next block, with 4-byte
** `unsigned long`s and 8-byte off_t / unsigned long long fields, 4-byte
** aligned on i386 (packed: offset_vmcoreinfo 20, size 28, offset_note 32,
** size 40, offset_eraseinfo 44, size 52, max_mapnr_64 72) or 8-byte
** aligned on 32-bit ARM (padded: 24, 32, 40, 48, 56, 64, 88).  A reader
** takes the packed layout when its VMCOREINFO is absent or lies between
** the sub-header's block and the bitmaps (libkdumpfile's rule).
**
** Each bad variant must be refused with one message naming the file,
** each good one accepted -- and, with KDLUA_BIN set, `kdlua info` on a bad
** one exits 2 with one line (never a libkdumpfile crash).
*/
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dump/validate.h"

static int passed, failed;

static void check(int ok, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void check(int ok, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  printf("%s - ", ok ? "ok" : "FAIL");
  vprintf(fmt, ap);
  printf("\n");
  va_end(ap);
  if (ok) passed++; else failed++;
}

#define BS 4096u
#define SUB_BLOCKS 1u
#define BITMAP_BLOCKS 2u
#define DATA_START ((1 + SUB_BLOCKS + BITMAP_BLOCKS) * BS)
#define FILE_SIZE (DATA_START + 24 + BS)
#define VMCI_AT (BS + 512)       /* in the sub-header's block */
#define NOTE_AT (BS + 2048)

static const char vmcoreinfo[] = "OSRELEASE=6.1.0-test\nPAGESIZE=4096\nSYMBOL(init_uts_ns)=c1a00000\n";

struct dump { unsigned char d[FILE_SIZE]; int big; };

static void put(struct dump *f, size_t off, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; i++) {
    int k = f->big ? bytes - 1 - i : i;
    f->d[off + (size_t)k] = (unsigned char)(v >> (8 * i));
  }
}

/* A well-formed version-6 dump of `machine` with the sub-header in the
** given layout (padded: 8-byte aligned), VMCOREINFO in the sub-header's
** block and an ELF note holding it. */
static void make(struct dump *f, const char *machine, int padded, int big) {
  memset(f, 0, sizeof *f);
  f->big = big;
  memcpy(f->d, "KDUMP   ", 8);
  put(f, 8, 6, 4);                                  /* header_version */
  memcpy(f->d + 12 + 4 * 65, machine, strlen(machine));
  put(f, 416, BS, 4);
  put(f, 420, SUB_BLOCKS, 4);
  put(f, 424, BITMAP_BLOCKS, 4);
  put(f, 428, 1000, 4);                             /* max_mapnr */
  put(f, 448, 1, 4);                                /* nr_cpus */
  size_t vmci_len = sizeof vmcoreinfo - 1;
  memcpy(f->d + VMCI_AT, vmcoreinfo, vmci_len);
  /* the note: namesz 11 "VMCOREINFO", descsz, type 0 */
  put(f, NOTE_AT, 11, 4);
  put(f, NOTE_AT + 4, vmci_len, 4);
  memcpy(f->d + NOTE_AT + 12, "VMCOREINFO", 11);
  memcpy(f->d + NOTE_AT + 24, vmcoreinfo, vmci_len);
  size_t note_len = 24 + ((vmci_len + 3) & ~(size_t)3);
  size_t sh = BS;
  int o_vmci = padded ? 24 : 20, o_note = padded ? 40 : 32, o_mapnr = padded ? 88 : 72;
  put(f, sh + (size_t)o_vmci, VMCI_AT, 8);
  put(f, sh + (size_t)o_vmci + (padded ? 8 : 8), vmci_len, 4);
  put(f, sh + (size_t)o_note, NOTE_AT, 8);
  put(f, sh + (size_t)o_note + 8, note_len, 4);
  put(f, sh + (size_t)o_mapnr, 1000, 8);
  /* one page descriptor, its data right after it */
  put(f, DATA_START, DATA_START + 24, 8);
  put(f, DATA_START + 8, BS, 4);
}

/* validate; want_bad: expect a refusal whose message holds `pattern` */
static void expect(const char *name, struct dump *f, int want_bad, const char *pattern) {
  bool known;
  struct kd_error *err = kd_dump_validate_buffer(f->d, sizeof f->d, "crafted.vmcore", &known);
  if (!want_bad) {
    check(err == NULL && known, "%s: accepted%s%s", name, err ? ": " : "", err ? err->message : "");
  } else {
    check(err != NULL && strstr(err->message, "crafted.vmcore") &&
          (pattern == NULL || strstr(err->message, pattern)),
          "%s: refused (%s)", name, err ? err->message : "accepted");
  }
  kd_error_destroy(err);
}

/* kdlua info on the file: exit 2, one line naming it */
static void cli(const char *name, struct dump *f) {
  const char *bin = getenv("KDLUA_BIN");
  if (bin == NULL || access(bin, X_OK) != 0) return;
  char path[] = "/tmp/kdlua-v32-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0 || write(fd, f->d, sizeof f->d) != (ssize_t)sizeof f->d) {
    check(0, "%s: cannot write %s", name, path);
    if (fd >= 0) { close(fd); unlink(path); }
    return;
  }
  close(fd);
  char cmd[512];
  snprintf(cmd, sizeof cmd, "timeout 20 '%s' info --vmcore '%s' --no-vmlinux 2>&1 >/dev/null "
           "| grep -v -- '--help for usage'; exit ${PIPESTATUS:-0}", bin, path);
  char out[4096] = "";
  snprintf(cmd, sizeof cmd, "timeout 20 '%s' info --vmcore '%s' --no-vmlinux >/dev/null 2>%s.err; "
           "echo $?", bin, path, path);
  FILE *p = popen(cmd, "r");
  int rc = -1;
  if (p) {
    if (fscanf(p, "%d", &rc) != 1) rc = -1;
    pclose(p);
  }
  char errpath[64];
  snprintf(errpath, sizeof errpath, "%s.err", path);
  FILE *e = fopen(errpath, "r");
  int lines = 0, named = 0;
  if (e) {
    while (fgets(out, sizeof out, e)) {
      if (strstr(out, "--help for usage")) continue;
      lines++;
      if (strstr(out, path)) named = 1;
    }
    fclose(e);
  }
  check(rc == 2 && lines == 1 && named, "%s: kdlua info exits 2 (%d) with one line (%d) naming the file",
        name, rc, lines);
  unlink(errpath);
  unlink(path);
}

int main(void) {
  static struct dump f;

  make(&f, "i686", 0, 0);
  expect("i686, 4-byte aligned sub-header", &f, 0, NULL);
  make(&f, "armv7l", 1, 0);
  expect("armv7l, 8-byte aligned sub-header", &f, 0, NULL);
  make(&f, "ppc", 0, 1);
  expect("ppc (big-endian), 4-byte aligned sub-header", &f, 0, NULL);

  make(&f, "i686", 0, 0);
  put(&f, BS + 28, 0x7ffffff0, 4);
  expect("i686: VMCOREINFO of 2 GiB", &f, 1, "VMCOREINFO");
  cli("i686: VMCOREINFO of 2 GiB", &f);

  make(&f, "i686", 0, 0);
  f.d[VMCI_AT + sizeof "OSRELEASE=6.1.0-test\n" - 1] = '.';
  expect("i686: VMCOREINFO key starting with '.'", &f, 1, "malformed key");
  cli("i686: VMCOREINFO key starting with '.'", &f);

  make(&f, "i686", 0, 0);
  put(&f, BS + 32, FILE_SIZE - 8, 8);
  expect("i686: notes running past the end of the file", &f, 1, "notes");

  make(&f, "i686", 0, 0);
  put(&f, BS + 40, 0xfffffff0u, 4);
  expect("i686: a note size of 4 GiB", &f, 1, "notes");
  cli("i686: a note size of 4 GiB", &f);

  make(&f, "i686", 0, 0);
  put(&f, BS + 52, 1u << 30, 4);
  put(&f, BS + 44, VMCI_AT, 8);
  expect("i686: erase info of 1 GiB", &f, 1, "erase info");

  make(&f, "i686", 0, 0);
  put(&f, BS + 72, 1ull << 40, 8);
  expect("i686: max_mapnr_64 past the bitmaps", &f, 1, "page frames");

  make(&f, "i686", 0, 0);
  put(&f, NOTE_AT + 4, 0x10000, 4);
  expect("i686: a note whose size runs past its part", &f, 1, "runs past");

  make(&f, "armv7l", 1, 0);
  put(&f, BS + 48, 0x7ffffff0, 4);
  expect("armv7l: a note size of 2 GiB (8-byte aligned layout)", &f, 1, "8-byte aligned");
  cli("armv7l: a note size of 2 GiB", &f);

  make(&f, "armv7l", 1, 0);
  put(&f, BS + 88, 1ull << 40, 8);
  expect("armv7l: max_mapnr_64 past the bitmaps", &f, 1, "page frames");

  make(&f, "ppc", 0, 1);
  put(&f, BS + 40, 0xfffffff0u, 4);
  expect("ppc: a note size of 4 GiB (big-endian)", &f, 1, "notes");

  /* the header block's own fields, 32-bit positions */
  make(&f, "i686", 0, 0);
  put(&f, 416, 3000, 4);
  expect("i686: block size 3000", &f, 1, "block size");
  make(&f, "i686", 0, 0);
  put(&f, 424, 1u << 24, 4);
  expect("i686: bitmaps past the end of the file", &f, 1, "bitmaps");

  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
