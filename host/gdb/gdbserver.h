/*
** gdbserver.h -- serve a crash dump to gdb over the remote serial protocol.
**
** The protocol side (gdbserver.c, rsp.c) knows nothing about dumps: the dump
** side plugs in through struct kd_gdb_target.  Threads are numbered 1..n on
** the wire; every callback takes the 0-based index (thread id - 1).
**
** A dump cannot run: continue and step requests (c C s S vCont;...) are
** answered at once with a console message (`O` packet) and a stop reply
** "T00thread:<current>;" so gdb prints "Program stopped." and returns to its
** prompt instead of hanging or stepping forever.  Writes of memory and
** registers and breakpoints are refused with E replies.
*/
#ifndef KD_GDBSERVER_H
#define KD_GDBSERVER_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/*
** Register numbers on the wire: the order of the target description
** (gdb_x86_64.c), which is also the order gdbserver uses for amd64 Linux,
** so `p n` means the same with or without the description.  Only the
** general registers can come from a dump; the x87 and SSE registers are
** described because gdb's amd64 architecture requires them, and are always
** sent as unavailable.
*/
enum kd_gdb_reg {
  KD_GDB_REG_RAX, KD_GDB_REG_RBX, KD_GDB_REG_RCX, KD_GDB_REG_RDX,
  KD_GDB_REG_RSI, KD_GDB_REG_RDI, KD_GDB_REG_RBP, KD_GDB_REG_RSP,
  KD_GDB_REG_R8, KD_GDB_REG_R9, KD_GDB_REG_R10, KD_GDB_REG_R11,
  KD_GDB_REG_R12, KD_GDB_REG_R13, KD_GDB_REG_R14, KD_GDB_REG_R15,
  KD_GDB_REG_RIP,                   /* 16 */
  KD_GDB_REG_EFLAGS,                /* 17, 32 bits */
  KD_GDB_REG_CS, KD_GDB_REG_SS, KD_GDB_REG_DS,   /* 18..23, 32 bits each */
  KD_GDB_REG_ES, KD_GDB_REG_FS, KD_GDB_REG_GS,
  KD_GDB_REG_ST0,                   /* 24..31: st0-st7, 80 bits, never sent */
  KD_GDB_REG_FCTRL = KD_GDB_REG_ST0 + 8,   /* 32..39: fctrl fstat ftag */
  KD_GDB_REG_FOP = KD_GDB_REG_FCTRL + 7,   /* fiseg fioff foseg fooff fop */
  KD_GDB_REG_XMM0,                  /* 40..55: xmm0-xmm15, 128 bits */
  KD_GDB_REG_MXCSR = KD_GDB_REG_XMM0 + 16, /* 56, 32 bits */
  KD_GDB_REG_ORIG_RAX,              /* 57 */
  KD_GDB_REG_FS_BASE,               /* 58 */
  KD_GDB_REG_GS_BASE,               /* 59 */
  KD_GDB_NREGS                      /* 60 */
};

/* Size in bytes of register `regno` on the wire (0 if out of range). */
size_t kd_gdb_reg_size(unsigned regno);
/* Its name in the target description ("rip", "fs_base"...), or NULL. */
const char *kd_gdb_reg_name(unsigned regno);
/* The target description: `target.xml` is the only annex.  Returns the
** document and its length, or NULL for an unknown annex. */
const char *kd_gdb_x86_64_target_xml(const char *annex, size_t *len);

struct kd_gdb_target {
  void *ctx;
  /* Number of threads, at least 1; asked once per session. */
  size_t (*nthreads)(void *ctx);
  /* Name shown by `info threads` (e.g. "CPU #0 pid 386 sh"): write a
  ** NUL-terminated string of at most len bytes into buf.  Any bytes are
  ** fine: they are XML- and binary-escaped by the server. */
  void (*thread_name)(void *ctx, size_t idx, char *buf, size_t len);
  /* Fill the register file in wire order (enum kd_gdb_reg): values[i] and
  ** valid[i], which arrive zeroed, so leave unknown registers alone.
  ** nregs is KD_GDB_NREGS.  Registers wider than 64 bits are sent as
  ** unavailable whatever valid[] says.  Called lazily when gdb first asks,
  ** once per thread and session (the server keeps the result).  An error
  ** is logged and the registers are all sent as unavailable ('x'), so one
  ** broken task does not break `info threads`. */
  struct kd_error *(*thread_regs)(void *ctx, size_t idx, uint64_t *values,
                                  int *valid, size_t nregs);
  /* Read len bytes at virtual address addr as seen by thread idx (kernel or
  ** that task's user space).  Set *got to the bytes read before a hole; an
  ** error with *got == 0 becomes E14 (KD_ERR_FAULT, KD_ERR_NODATA) or E05
  ** (anything else); with *got > 0 the bytes read are sent and the error
  ** is dropped.  len is at most 8192 (KD_RSP_PACKET_SIZE / 2, rsp.h). */
  struct kd_error *(*read_memory)(void *ctx, size_t idx, uint64_t addr,
                                  void *buf, size_t len, size_t *got);
  /* Optional (NULL = not offered): contents for qXfer:exec-file:read and
  ** qXfer:auxv:read of thread idx's process.  The server frees *path /
  ** *data with free(). */
  struct kd_error *(*exec_file)(void *ctx, size_t idx, char **path);
  struct kd_error *(*auxv)(void *ctx, size_t idx, void **data, size_t *len);
  /* Optional: 0-based index of the thread current at connect (e.g. the
  ** panicking CPU); thread 0 when NULL or out of range. */
  size_t (*initial_thread)(void *ctx);
  /* Optional: diagnostics (target errors, session errors of the listener);
  ** one line without newline.  NULL = silent. */
  void (*log)(void *ctx, const char *msg);
};

/* Serve one session on already-connected descriptors (a socket, or stdin and
** stdout for `target remote | kdlua gdbserver --stdio`).  Returns NULL when
** gdb detaches (D), kills (k, vKill) or closes the connection (also in the
** middle of a packet); an error on a failed read or write.  SIGPIPE is
** ignored while serving and restored on return.  Does not close the fds. */
struct kd_error *kd_gdbserver_serve_fds(const struct kd_gdb_target *t,
                                        int in_fd, int out_fd);

/* Listen on host_port ("127.0.0.1:1234", "[::1]:1234", ":1234" or "1234"
** meaning 127.0.0.1; NULL = "127.0.0.1:1234"; port 0 = any free port) with
** SO_REUSEADDR, and serve clients, each in a process of its own (so one idle
** or flooding client never blocks the others), max_sessions of them
** (0 or less = forever).  on_listening (optional) is called once listening with the
** actual address ("127.0.0.1:40123").  A failed session is logged and the
** next client accepted; errors are those of setting up or accept(). */
struct kd_error *kd_gdbserver_listen(const struct kd_gdb_target *t,
                                     const char *host_port, int max_sessions,
                                     void (*on_listening)(const char *addr,
                                                          void *arg),
                                     void *arg);

#endif
