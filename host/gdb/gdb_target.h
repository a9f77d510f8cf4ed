/*
** gdb_target.h -- the dump as gdb sees it: threads, registers and memory
** behind struct kd_gdb_target (gdbserver.h), in three modes.
**
**   cpus     one thread per CPU register note (NT_PRSTATUS), kernel memory
**   tasks    one thread per task (idle tasks included): running tasks take
**            their CPU's note, sleeping ones their saved switch frame
**   process  the threads of one process, their user registers
**            (task_pt_regs) and its user address space (mm->pgd)
**
** x86_64 only: the register layouts read here (NT_PRSTATUS names,
** struct inactive_task_frame, struct pt_regs) are those of x86_64 kernels,
** and the target description served is amd64.  Other architectures get a
** clear error at start.
*/
#ifndef KD_GDB_TARGET_H
#define KD_GDB_TARGET_H

#include <stdint.h>

#include "gdbserver.h"
#include "core/program.h"

enum kd_gdb_mode { KD_GDB_MODE_CPUS, KD_GDB_MODE_TASKS, KD_GDB_MODE_PROCESS };

struct kd_gdb_dump;

/* Build the target for `mode` (pid: the process of KD_GDB_MODE_PROCESS).
** Errors are those of bad input: no CPU notes, no such process, a kernel
** thread, user pages filtered out of the dump, another architecture. */
struct kd_error *kd_gdb_dump_open(struct kd_program *prog,
                                  enum kd_gdb_mode mode, int64_t pid,
                                  struct kd_gdb_dump **out);
void kd_gdb_dump_close(struct kd_gdb_dump *d);
/* The vtable to pass to kd_gdbserver_serve_fds / kd_gdbserver_listen; it
** lives as long as d. */
const struct kd_gdb_target *kd_gdb_dump_target(struct kd_gdb_dump *d);
/* Thread count, and the 0-based thread gdb starts on (the panic CPU). */
size_t kd_gdb_dump_nthreads(struct kd_gdb_dump *d);
size_t kd_gdb_dump_initial(struct kd_gdb_dump *d);
/* Process mode: pid of the process served and its executable as the process
** saw it (malloc'ed), or NULL when unknown. */
int64_t kd_gdb_dump_pid(struct kd_gdb_dump *d);
char *kd_gdb_dump_exec_path(struct kd_gdb_dump *d);

/* `kdlua gdbserver [--listen HOST:PORT | --stdio] [--mode M] [--pid N]`:
** argv holds the arguments after the command that main.c did not take.
** Returns the exit status: 0 ok, 1 a failed session, 2 bad usage or input. */
int kd_gdbserver_main(struct kd_program *prog, int argc, char **argv);

#endif
