/*
** fuzz_rsp.c -- libFuzzer harness: bytes from a gdb client through the RSP
** packet parser and the whole server session (host/gdb/gdbserver.c) on a
** small fake target: every packet kind, escapes, checksums, qXfer
** offsets, thread ids, memory reads.
*/
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <fcntl.h>

#include "gdb/gdbserver.h"
#include "gdb/rsp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t nthreads(void *ctx) { (void)ctx; return 3; }
static void thread_name(void *ctx, size_t idx, char *buf, size_t len) {
  (void)ctx;
  snprintf(buf, len, "CPU #%zu <&\"'>\x01\xff", idx);
}
static struct kd_error *thread_regs(void *ctx, size_t idx, uint64_t *values,
                                    int *valid, size_t nregs) {
  (void)ctx;
  if (idx == 2) return kd_error_create(KD_ERR_NODATA, "no registers");
  for (size_t i = 0; i < nregs; i++) { values[i] = i * 0x1111; valid[i] = (int)(i % 3 != 0); }
  return NULL;
}
static struct kd_error *read_memory(void *ctx, size_t idx, uint64_t addr, void *buf,
                                    size_t len, size_t *got) {
  (void)ctx; (void)idx;
  if (addr & 0x8000000000000000ull) {
    *got = 0;
    return kd_error_fault(KD_ERR_FAULT, addr, "unmapped");
  }
  size_t n = (addr & 0xfff) == 0xff0 ? len / 2 : len;
  memset(buf, 0xab, n);
  *got = n;
  return n < len ? kd_error_fault(KD_ERR_FAULT, addr + n, "hole") : NULL;
}
static struct kd_error *exec_file(void *ctx, size_t idx, char **path) {
  (void)ctx; (void)idx;
  *path = strdup("/usr/bin/true");
  return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct kd_rsp_parser p;
  kd_rsp_parser_init(&p);
  for (size_t pos = 0; pos < size;) {
    enum kd_rsp_event ev;
    size_t n = kd_rsp_parser_feed(&p, data + pos, size - pos, &ev);
    if (n == 0) break;
    pos += n;
  }
  int in = memfd_create("fuzz-rsp", MFD_CLOEXEC);
  int out = open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (in >= 0 && out >= 0 && write(in, data, size) == (ssize_t)size &&
      lseek(in, 0, SEEK_SET) == 0) {
    struct kd_gdb_target t = { .nthreads = nthreads, .thread_name = thread_name,
                               .thread_regs = thread_regs, .read_memory = read_memory,
                               .exec_file = exec_file };
    kd_error_destroy(kd_gdbserver_serve_fds(&t, in, out));
  }
  if (in >= 0) close(in);
  if (out >= 0) close(out);
  return 0;
}
