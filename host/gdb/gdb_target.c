/*
** gdb_target.c -- the dump behind struct kd_gdb_target (see gdb_target.h).
**
** Everything about the kernel is found by name in the debug info (member
** offsets, struct sizes), never hard-coded, so one binary serves any x86_64
** kernel whose types carry the members used here; a member that is missing
** leaves its register unavailable instead of failing the thread.
**
** Start-up only enumerates: the thread array holds task addresses, and
** names and registers are read when gdb asks for them (the server keeps
** registers per session), so tens of thousands of tasks cost one walk of the
** task list.
*/
#include "gdb_target.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/object.h"
#include "core/walk.h"
#include "unwind/cpus.h"
#include "unwind/unwind.h"

/* x86_64: user addresses lie below the canonical hole. */
#define USER_TOP 0x0000800000000000ull
/* Room for an executable's path (PATH_MAX) and a component (NAME_MAX). */
#define PATH_ROOM 4096
#define NAME_MAX_LEN 255

struct thread {
  uint64_t task;     /* task_struct; 0 when unknown (no scheduler data) */
  int note;          /* CPU note holding its registers, -1 when asleep */
};

struct kd_gdb_dump {
  struct kd_gdb_target vt;
  struct kd_program *prog;
  enum kd_gdb_mode mode;
  struct kd_type *task_type;     /* NULL without debug info */
  struct thread *threads;
  size_t n, cap;
  size_t initial;
  /* CPU register notes: the CPU each belongs to and its rq->curr */
  unsigned nnotes;
  unsigned *note_cpu;
  uint64_t *note_curr;
  int panic_note;                /* -1 when unknown */
  struct kd_unwinder *unwinder;  /* saved contexts (tasks mode), lazily */
  /* process mode */
  int64_t pid;
  uint64_t mm, leader, pgd_phys;
  uint64_t thread_size;
  /* user reads in the other modes: page-table root of the last thread */
  size_t pgd_idx;
  uint64_t pgd_root;
  int pgd_known;
};

/* ------------------------------------------------------------ helpers */

/* Byte offset of a member path, or UINT64_MAX when the type lacks it. */
static uint64_t offset_of(struct kd_type *t, const char *path) {
  uint64_t bits;
  struct kd_error *err = kd_member_offset(t, path, &bits, NULL);
  if (err) { kd_error_destroy(err); return UINT64_MAX; }
  return bits / 8;
}

static struct kd_type *find_type(struct kd_program *prog, const char *name) {
  struct kd_type *t = NULL;
  struct kd_error *err = kd_program_find_type(prog, name, &t);
  if (err) { kd_error_destroy(err); return NULL; }
  return t;
}

static struct kd_error *task_pid(struct kd_gdb_dump *d, uint64_t task,
                                 int64_t *pid) {
  uint64_t v;
  struct kd_error *err = kd_read_member_u64(d->prog, d->task_type, task, "pid", &v);
  if (err == NULL) *pid = (int64_t)v;
  return err;
}

/* task->comm, or "?" when unreadable. */
static void task_comm(struct kd_gdb_dump *d, uint64_t task, char *buf,
                      size_t len) {
  struct kd_object o, m;
  char *s = NULL;
  size_t n;
  kd_object_reference(&o, d->task_type, task);
  struct kd_error *err = kd_object_member(d->prog, &o, "comm", &m);
  if (err == NULL) err = kd_object_string(d->prog, &m, 64, &s, &n);
  snprintf(buf, len, "%s", err ? "?" : s);
  kd_error_destroy(err);
  free(s);
}

static struct kd_error *push_thread(struct kd_gdb_dump *d, uint64_t task,
                                    int note) {
  if (d->n == d->cap) {
    size_t cap = d->cap ? 2 * d->cap : 256;
    struct thread *t = realloc(d->threads, cap * sizeof *t);
    if (t == NULL) return kd_enomem;
    d->threads = t;
    d->cap = cap;
  }
  d->threads[d->n].task = task;
  d->threads[d->n].note = note;
  d->n++;
  return NULL;
}

/* The note whose CPU ran `task` at the crash, or -1. */
static int note_of_task(struct kd_gdb_dump *d, uint64_t task) {
  for (unsigned i = 0; task != 0 && i < d->nnotes; i++)
    if (d->note_curr[i] == task) return (int)i;
  return -1;
}

/* ---------------------------------------------------------------- CPUs */

/* Which CPU each register note belongs to, its rq->curr and the panic CPU:
** host/unwind/cpus.c, shared with the unwinder. */
static struct kd_error *setup_cpus(struct kd_gdb_dump *d) {
  struct kd_cpu_notes notes;
  struct kd_error *err = kd_cpu_notes_load(d->prog, &notes);
  if (err) return err;
  d->nnotes = notes.n;
  d->note_cpu = notes.cpu;
  d->note_curr = notes.curr;
  d->panic_note = notes.panic_note;
  return NULL;
}

static uint64_t runqueue(struct kd_gdb_dump *d, unsigned cpu,
                         struct kd_type **rq_type) {
  return kd_cpu_runqueue(d->prog, cpu, rq_type);
}

/* ----------------------------------------------------------- threads */

static struct kd_error *threads_cpus(struct kd_gdb_dump *d) {
  if (d->nnotes == 0)
    return kd_error_create(KD_ERR_NODATA, "the dump has no CPU register "
                           "notes (NT_PRSTATUS): try --mode tasks");
  for (unsigned i = 0; i < d->nnotes; i++) {
    struct kd_error *err = push_thread(d, d->note_curr[i], (int)i);
    if (err) return err;
  }
  d->initial = d->panic_note >= 0 ? (size_t)d->panic_note : 0;
  return NULL;
}

/*
** Every task: first each CPU's idle task (rq->idle; they are not on the
** task list, CPU 0's is init_task), then the task list.
*/
static struct kd_error *threads_tasks(struct kd_gdb_dump *d) {
  unsigned *cpus = NULL;
  size_t ncpus = 0;
  struct kd_error *err = kd_program_cpu_mask(d->prog, "possible", &cpus,
                                             &ncpus);
  if (err || ncpus == 0) {   /* no mask: the CPUs of the notes */
    kd_error_destroy(err);
    free(cpus);
    cpus = malloc((d->nnotes + 1) * sizeof *cpus);
    if (cpus == NULL) return kd_enomem;
    for (unsigned i = 0; i < d->nnotes; i++) cpus[i] = d->note_cpu[i];
    ncpus = d->nnotes;
  }
  size_t nidle = 0;
  for (size_t i = 0; i < ncpus; i++) {
    struct kd_type *rq_type = NULL;
    uint64_t rq = runqueue(d, cpus[i], &rq_type), idle = 0;
    if (rq == 0 || rq_type == NULL) break;
    err = kd_read_member_u64(d->prog, rq_type, rq, "idle", &idle);
    if (err) { kd_error_destroy(err); continue; }
    if (idle == 0) continue;   /* a CPU never brought up */
    if ((err = push_thread(d, idle, note_of_task(d, idle)))) break;
    nidle++;
  }
  free(cpus);
  if (err) return err;
  struct kd_task_iter it;
  if ((err = kd_task_iter_init(d->prog, &it))) return err;
  for (;;) {
    uint64_t task;
    if ((err = kd_task_iter_next(d->prog, &it, &task))) {
      /* a broken link ends the walk: serve the tasks found so far */
      fprintf(stderr, "kdlua: gdbserver: task list walk stopped after %zu "
              "tasks: %s\n", d->n, err->message);
      kd_error_destroy(err);
      break;
    }
    if (task == 0) break;
    int dup = 0;
    for (size_t i = 0; i < nidle && !dup; i++) dup = d->threads[i].task == task;
    if (!dup && (err = push_thread(d, task, note_of_task(d, task))))
      return err;
  }
  d->initial = 0;
  for (size_t i = 0; d->panic_note >= 0 && i < d->n; i++)
    if (d->threads[i].note == d->panic_note) { d->initial = i; break; }
  return NULL;
}

/* The physical address of the page-table root of mm. */
static struct kd_error *mm_pgd(struct kd_gdb_dump *d, uint64_t mm,
                               uint64_t *root) {
  struct kd_type *mmt = find_type(d->prog, "struct mm_struct");
  if (mmt == NULL)
    return kd_error_create(KD_ERR_LOOKUP, "no struct mm_struct in the "
                           "debug info");
  uint64_t pgd;
  struct kd_error *err = kd_read_member_u64(d->prog, mmt, mm, "pgd", &pgd);
  if (err == NULL) err = kd_dump_vtop(d->prog->dump, pgd, root);
  return err;
}

static struct kd_error *threads_process(struct kd_gdb_dump *d) {
  struct kd_task_iter it;
  struct kd_error *err = kd_task_iter_init(d->prog, &it);
  if (err) return err;
  int64_t tgid_of_tid = -1;
  for (;;) {
    uint64_t task, tgid, pid;
    if ((err = kd_task_iter_next(d->prog, &it, &task))) return err;
    if (task == 0) break;
    if ((err = kd_read_member_u64(d->prog, d->task_type, task, "tgid", &tgid)) ||
        (err = kd_read_member_u64(d->prog, d->task_type, task, "pid", &pid)))
      return err;
    if ((int64_t)pid == d->pid) tgid_of_tid = (int64_t)tgid;
    if ((int64_t)tgid != d->pid) continue;
    if ((err = push_thread(d, task, note_of_task(d, task)))) return err;
  }
  if (d->n == 0 && tgid_of_tid > 0)
    return kd_error_create(KD_ERR_LOOKUP, "pid %" PRId64 " is a thread of "
                           "process %" PRId64 ": use --pid %" PRId64, d->pid,
                           tgid_of_tid, tgid_of_tid);
  if (d->n == 0)
    return kd_error_create(KD_ERR_LOOKUP, "no process with pid %" PRId64
                           " in the dump", d->pid);
  /* the leader's mm, or a live thread's when the leader has exited */
  for (size_t i = 0; i < d->n && d->mm == 0; i++) {
    uint64_t mm;
    err = kd_read_member_u64(d->prog, d->task_type, d->threads[i].task, "mm", &mm);
    if (err) return err;
    if (mm) { d->mm = mm; d->leader = d->threads[i].task; }
  }
  char comm[64];
  task_comm(d, d->threads[0].task, comm, sizeof comm);
  if (d->mm == 0)
    return kd_error_create(KD_ERR_LOOKUP, "pid %" PRId64 " (%s) has no user "
                           "address space (a kernel thread, or exiting)",
                           d->pid, comm);
  if ((err = mm_pgd(d, d->mm, &d->pgd_phys)))
    return kd_error_wrap(err, "pid %" PRId64 " (%s): page tables", d->pid,
                         comm);
  /* makedumpfile -d 31 (the usual kdump level) drops user pages: say so
  ** now rather than answer every read with an error */
  struct kd_type *mmt = find_type(d->prog, "struct mm_struct");
  uint64_t arg_start = 0;
  if (mmt && kd_read_member_u64(d->prog, mmt, d->mm, "arg_start", &arg_start) == NULL &&
      arg_start != 0) {
    char c;
    size_t got;
    err = kd_dump_read_user(d->prog->dump, d->pgd_phys, arg_start, &c, 1,
                            &got);
    if (err && err->code == KD_ERR_NODATA) {
      kd_error_destroy(err);
      return kd_error_create(KD_ERR_NODATA, "pid %" PRId64 " (%s): the dump "
                             "does not contain its user pages (filtered out, "
                             "e.g. by makedumpfile -d 31); process mode needs "
                             "a dump that keeps user memory", d->pid, comm);
    }
    kd_error_destroy(err);   /* a page not present: reads will say so */
  }
  d->thread_size = kd_thread_size(d->prog);   /* for task_pt_regs */
  d->initial = 0;
  for (size_t i = 0; d->panic_note >= 0 && i < d->n; i++)
    if (d->threads[i].note == d->panic_note) { d->initial = i; break; }
  return NULL;
}

/* --------------------------------------------------------- registers */

struct reg_map { const char *name; unsigned reg; };

/* NT_PRSTATUS register names as libkdumpfile spells them. */
static const struct reg_map note_regs[] = {
  { "rax", KD_GDB_REG_RAX }, { "rbx", KD_GDB_REG_RBX },
  { "rcx", KD_GDB_REG_RCX }, { "rdx", KD_GDB_REG_RDX },
  { "rsi", KD_GDB_REG_RSI }, { "rdi", KD_GDB_REG_RDI },
  { "rbp", KD_GDB_REG_RBP }, { "rsp", KD_GDB_REG_RSP },
  { "r8", KD_GDB_REG_R8 }, { "r9", KD_GDB_REG_R9 },
  { "r10", KD_GDB_REG_R10 }, { "r11", KD_GDB_REG_R11 },
  { "r12", KD_GDB_REG_R12 }, { "r13", KD_GDB_REG_R13 },
  { "r14", KD_GDB_REG_R14 }, { "r15", KD_GDB_REG_R15 },
  { "rip", KD_GDB_REG_RIP }, { "rflags", KD_GDB_REG_EFLAGS },
  { "cs", KD_GDB_REG_CS }, { "ss", KD_GDB_REG_SS },
  { "ds", KD_GDB_REG_DS }, { "es", KD_GDB_REG_ES },
  { "fs", KD_GDB_REG_FS }, { "gs", KD_GDB_REG_GS },
  { "fs_base", KD_GDB_REG_FS_BASE }, { "gs_base", KD_GDB_REG_GS_BASE },
  { "orig_rax", KD_GDB_REG_ORIG_RAX },
};

/* struct pt_regs members (x86_64 names). */
static const struct reg_map pt_regs_map[] = {
  { "ax", KD_GDB_REG_RAX }, { "bx", KD_GDB_REG_RBX },
  { "cx", KD_GDB_REG_RCX }, { "dx", KD_GDB_REG_RDX },
  { "si", KD_GDB_REG_RSI }, { "di", KD_GDB_REG_RDI },
  { "bp", KD_GDB_REG_RBP }, { "sp", KD_GDB_REG_RSP },
  { "r8", KD_GDB_REG_R8 }, { "r9", KD_GDB_REG_R9 },
  { "r10", KD_GDB_REG_R10 }, { "r11", KD_GDB_REG_R11 },
  { "r12", KD_GDB_REG_R12 }, { "r13", KD_GDB_REG_R13 },
  { "r14", KD_GDB_REG_R14 }, { "r15", KD_GDB_REG_R15 },
  { "ip", KD_GDB_REG_RIP }, { "flags", KD_GDB_REG_EFLAGS },
  { "cs", KD_GDB_REG_CS }, { "ss", KD_GDB_REG_SS },
  { "orig_ax", KD_GDB_REG_ORIG_RAX },
};

/* Saved user segment selectors and bases in task->thread. */
static const struct reg_map thread_segs[] = {
  { "thread.ds", KD_GDB_REG_DS }, { "thread.es", KD_GDB_REG_ES },
  { "thread.fsindex", KD_GDB_REG_FS }, { "thread.gsindex", KD_GDB_REG_GS },
  { "thread.fsbase", KD_GDB_REG_FS_BASE },
  { "thread.gsbase", KD_GDB_REG_GS_BASE },
};


static int is_selector(unsigned reg) {
  return reg >= KD_GDB_REG_CS && reg <= KD_GDB_REG_GS;
}

/* Fill the registers of `map` read from the struct of type t at addr.  A
** member the type lacks is skipped; a read that fails is an error. */
static struct kd_error *regs_from_struct(struct kd_gdb_dump *d,
                                         struct kd_type *t, uint64_t addr,
                                         const struct reg_map *map, size_t n,
                                         uint64_t *v, int *valid) {
  for (size_t i = 0; i < n; i++) {
    uint64_t x;
    struct kd_error *err = kd_read_member_u64(d->prog, t, addr, map[i].name, &x);
    if (err && err->code == KD_ERR_LOOKUP) { kd_error_destroy(err); continue; }
    if (err) return err;
    v[map[i].reg] = is_selector(map[i].reg) ? x & 0xffff : x;
    valid[map[i].reg] = 1;
  }
  return NULL;
}

static struct kd_error *regs_note(struct kd_gdb_dump *d, int note, uint64_t *v,
                                  int *valid) {
  int any = 0;
  for (size_t i = 0; i < sizeof note_regs / sizeof note_regs[0]; i++) {
    uint64_t x;
    struct kd_error *err = kd_dump_cpu_reg(d->prog->dump, (unsigned)note,
                                           note_regs[i].name, &x);
    if (err) { kd_error_destroy(err); continue; }
    v[note_regs[i].reg] = x;
    valid[note_regs[i].reg] = 1;
    any = 1;
  }
  if (!any)
    return kd_error_create(KD_ERR_NODATA, "CPU note %d has no registers", note);
  return NULL;
}

/*
** A task that is not running: the registers its switch frame saved, as the
** unwinder reads them (host/unwind/: the same frame its traces start
** from): rip = where it resumes in __schedule, rsp above the frame.  The
** other registers were not saved and stay unavailable.
*/
static struct kd_error *regs_switched(struct kd_gdb_dump *d, uint64_t task,
                                      uint64_t *v, int *valid) {
  static const unsigned to_gdb[KD_PT_NREGS] = {
    [KD_PT_R15] = KD_GDB_REG_R15, [KD_PT_R14] = KD_GDB_REG_R14,
    [KD_PT_R13] = KD_GDB_REG_R13, [KD_PT_R12] = KD_GDB_REG_R12,
    [KD_PT_BP] = KD_GDB_REG_RBP, [KD_PT_BX] = KD_GDB_REG_RBX,
    [KD_PT_R11] = KD_GDB_REG_R11, [KD_PT_R10] = KD_GDB_REG_R10,
    [KD_PT_R9] = KD_GDB_REG_R9, [KD_PT_R8] = KD_GDB_REG_R8,
    [KD_PT_AX] = KD_GDB_REG_RAX, [KD_PT_CX] = KD_GDB_REG_RCX,
    [KD_PT_DX] = KD_GDB_REG_RDX, [KD_PT_SI] = KD_GDB_REG_RSI,
    [KD_PT_DI] = KD_GDB_REG_RDI, [KD_PT_ORIG_AX] = KD_GDB_REG_ORIG_RAX,
    [KD_PT_IP] = KD_GDB_REG_RIP, [KD_PT_CS] = KD_GDB_REG_CS,
    [KD_PT_FLAGS] = KD_GDB_REG_EFLAGS, [KD_PT_SP] = KD_GDB_REG_RSP,
    [KD_PT_SS] = KD_GDB_REG_SS,
  };
  struct kd_error *err = NULL;
  if (d->unwinder == NULL && (err = kd_unwinder_open(d->prog, &d->unwinder)))
    return err;
  uint64_t regs[KD_PT_NREGS];
  bool ok[KD_PT_NREGS];
  if ((err = kd_unwind_switch_regs(d->unwinder, task, regs, ok))) return err;
  for (int r = 0; r < KD_PT_NREGS; r++) {
    if (!ok[r]) continue;
    v[to_gdb[r]] = regs[r];
    valid[to_gdb[r]] = 1;
  }
  return NULL;
}

/*
** The user registers of a task: the struct pt_regs that kernel entry
** pushed at the top of its stack, task_pt_regs() =
** task->stack + THREAD_SIZE - sizeof(struct pt_regs) (x86_64 has no
** padding above it).  Selectors and bases come from task->thread, where
** the context switch saves them; for a task on a CPU at the crash the
** FS base register itself (its note) is newer, as the kernel leaves it
** alone.
*/
static struct kd_error *regs_user(struct kd_gdb_dump *d, const struct thread *th,
                                  uint64_t *v, int *valid) {
  struct kd_type *pt = find_type(d->prog, "struct pt_regs");
  if (pt == NULL || kd_type_sizeof(pt) == 0)
    return kd_error_create(KD_ERR_LOOKUP, "no struct pt_regs in the debug info");
  uint64_t stack;
  struct kd_error *err = kd_read_member_u64(d->prog, d->task_type, th->task, "stack",
                                   &stack);
  if (err) return kd_error_wrap(err, "task 0x%" PRIx64, th->task);
  if (stack == 0)
    return kd_error_create(KD_ERR_NODATA, "task 0x%" PRIx64 " has no stack "
                           "(exited)", th->task);
  uint64_t regs = stack + d->thread_size - kd_type_sizeof(pt);
  err = regs_from_struct(d, pt, regs, pt_regs_map,
                         sizeof pt_regs_map / sizeof pt_regs_map[0], v, valid);
  if (err) {
    memset(valid, 0, KD_GDB_NREGS * sizeof *valid);
    return kd_error_wrap(err, "task 0x%" PRIx64 " user registers", th->task);
  }
  err = regs_from_struct(d, d->task_type, th->task, thread_segs,
                         sizeof thread_segs / sizeof thread_segs[0], v, valid);
  kd_error_destroy(err);   /* selectors are a bonus */
  uint64_t fs_base;
  if (th->note >= 0) {
    err = kd_dump_cpu_reg(d->prog->dump, (unsigned)th->note, "fs_base", &fs_base);
    if (err == NULL) { v[KD_GDB_REG_FS_BASE] = fs_base; valid[KD_GDB_REG_FS_BASE] = 1; }
    kd_error_destroy(err);
  }
  return NULL;
}

static struct kd_error *t_regs(void *ctx, size_t idx, uint64_t *v, int *valid,
                               size_t nregs) {
  struct kd_gdb_dump *d = ctx;
  if (idx >= d->n || nregs < KD_GDB_NREGS)
    return kd_error_create(KD_ERR_OTHER, "no thread %zu", idx + 1);
  const struct thread *th = &d->threads[idx];
  if (d->mode == KD_GDB_MODE_PROCESS) return regs_user(d, th, v, valid);
  if (th->note >= 0) return regs_note(d, th->note, v, valid);
  if (th->task == 0 || d->task_type == NULL)
    return kd_error_create(KD_ERR_NODATA, "no registers for thread %zu",
                           idx + 1);
  return regs_switched(d, th->task, v, valid);
}

/* ------------------------------------------------------- the target */

static size_t t_nthreads(void *ctx) {
  struct kd_gdb_dump *d = ctx;
  return d->n;
}

static size_t t_initial(void *ctx) {
  struct kd_gdb_dump *d = ctx;
  return d->initial;
}

static void t_name(void *ctx, size_t idx, char *buf, size_t len) {
  struct kd_gdb_dump *d = ctx;
  if (idx >= d->n) { snprintf(buf, len, "?"); return; }
  uint64_t task = d->threads[idx].task;
  int64_t pid = -1;
  char comm[64];
  struct kd_error *err = task && d->task_type ? task_pid(d, task, &pid)
                       : kd_error_create(KD_ERR_NODATA, "no task");
  if (err == NULL) task_comm(d, task, comm, sizeof comm);
  if (d->mode == KD_GDB_MODE_CPUS) {
    unsigned cpu = d->note_cpu[idx];
    if (err) snprintf(buf, len, "CPU #%u", cpu);
    else if (pid == 0) snprintf(buf, len, "CPU #%u idle", cpu);
    else snprintf(buf, len, "CPU #%u pid %" PRId64 " %s", cpu, pid, comm);
  } else if (err) {
    snprintf(buf, len, "task 0x%" PRIx64, task);
  } else {
    snprintf(buf, len, "pid %" PRId64 " %s", pid, comm);
  }
  kd_error_destroy(err);
}

/* The user address space of thread idx's task (cpus and tasks modes), for
** reads below USER_TOP: lets gdb follow a stack into user space. */
static struct kd_error *thread_pgd(struct kd_gdb_dump *d, size_t idx,
                                   uint64_t *root) {
  if (d->pgd_known && d->pgd_idx == idx) { *root = d->pgd_root; return NULL; }
  uint64_t task = d->threads[idx].task, mm = 0;
  struct kd_error *err = NULL;
  if (task == 0 || d->task_type == NULL)
    return kd_error_create(KD_ERR_FAULT, "no task: no user address space");
  if ((err = kd_read_member_u64(d->prog, d->task_type, task, "mm", &mm))) return err;
  if (mm == 0)
    return kd_error_create(KD_ERR_FAULT, "kernel thread: no user address "
                           "space");
  if ((err = mm_pgd(d, mm, root))) return err;
  d->pgd_idx = idx;
  d->pgd_root = *root;
  d->pgd_known = 1;
  return NULL;
}

static struct kd_error *t_read(void *ctx, size_t idx, uint64_t addr, void *buf,
                               size_t len, size_t *got) {
  struct kd_gdb_dump *d = ctx;
  *got = 0;
  if (d->mode == KD_GDB_MODE_PROCESS)
    return kd_dump_read_user(d->prog->dump, d->pgd_phys, addr, buf, len, got);
  if (addr < USER_TOP && idx < d->n) {
    uint64_t root;
    struct kd_error *err = thread_pgd(d, idx, &root);
    if (err) return err;
    return kd_dump_read_user(d->prog->dump, root, addr, buf, len, got);
  }
  return kd_dump_read_partial(d->prog->dump, KD_KVADDR, addr, buf, len, got);
}

/* Prepend "/name" to the path being built backwards in buf[*pos..]. */
static int prepend(char *buf, size_t *pos, const char *name) {
  size_t n = strlen(name);
  if (n + 1 > *pos) return -1;
  *pos -= n;
  memcpy(buf + *pos, name, n);
  buf[--*pos] = '/';
  return 0;
}

/*
** The executable's path as the process saw it, as d_path() builds it:
** dentry names up to the mount root, then across each mount to its
** mountpoint in the parent mount, until the process's root
** (task->fs->root) or the root of the mount tree.
*/
static struct kd_error *exec_path(struct kd_gdb_dump *d, char **out) {
  struct kd_program *prog = d->prog;
  struct kd_type *mmt = find_type(prog, "struct mm_struct");
  struct kd_type *ft = find_type(prog, "struct file");
  struct kd_type *dt = find_type(prog, "struct dentry");
  struct kd_type *vt = find_type(prog, "struct vfsmount");
  struct kd_type *mt = find_type(prog, "struct mount");
  struct kd_type *fst = find_type(prog, "struct fs_struct");
  if (!mmt || !ft || !dt || !vt)
    return kd_error_create(KD_ERR_LOOKUP, "no file system types in the "
                           "debug info");
  uint64_t file, dentry, vfsmnt;
  struct kd_error *err = kd_read_member_u64(prog, mmt, d->mm, "exe_file", &file);
  if (err) return err;
  if (file == 0)
    return kd_error_create(KD_ERR_NODATA, "the process has no executable");
  if ((err = kd_read_member_u64(prog, ft, file, "f_path.dentry", &dentry)) ||
      (err = kd_read_member_u64(prog, ft, file, "f_path.mnt", &vfsmnt)))
    return err;
  uint64_t root_dentry = 0, root_mnt = 0, fs = 0;
  if (fst && kd_read_member_u64(prog, d->task_type, d->leader, "fs", &fs) == NULL && fs) {
    kd_error_destroy(kd_read_member_u64(prog, fst, fs, "root.dentry", &root_dentry));
    kd_error_destroy(kd_read_member_u64(prog, fst, fs, "root.mnt", &root_mnt));
  }
  uint64_t mnt_in_mount = mt ? offset_of(mt, "mnt") : UINT64_MAX;
  char *buf = malloc(PATH_ROOM);
  if (buf == NULL) return kd_enomem;
  size_t pos = PATH_ROOM - 1;
  buf[pos] = '\0';
  for (int guard = 0; guard < PATH_ROOM / 2; guard++) {
    if (dentry == root_dentry && vfsmnt == root_mnt) break;
    uint64_t mnt_root, parent;
    if ((err = kd_read_member_u64(prog, vt, vfsmnt, "mnt_root", &mnt_root)) ||
        (err = kd_read_member_u64(prog, dt, dentry, "d_parent", &parent)))
      break;
    if (dentry == mnt_root || parent == dentry) {
      /* the root of a mount: continue at its mountpoint in the parent */
      if (mnt_in_mount == UINT64_MAX) break;
      uint64_t mount = vfsmnt - mnt_in_mount, up, mountpoint;
      if ((err = kd_read_member_u64(prog, mt, mount, "mnt_parent", &up)) ||
          (err = kd_read_member_u64(prog, mt, mount, "mnt_mountpoint", &mountpoint)))
        break;
      if (up == mount || up == 0) break;
      dentry = mountpoint;
      vfsmnt = up + mnt_in_mount;
      continue;
    }
    uint64_t name_ptr;
    char *name = NULL;
    size_t n;
    if ((err = kd_read_member_u64(prog, dt, dentry, "d_name.name", &name_ptr)) ||
        (err = kd_program_read_string(prog, name_ptr, NAME_MAX_LEN, &name, &n)))
      break;
    int full = prepend(buf, &pos, name);
    free(name);
    if (full) {
      err = kd_error_create(KD_ERR_FORMAT, "executable path too long");
      break;
    }
    dentry = parent;
  }
  if (err) { free(buf); return kd_error_wrap(err, "executable path"); }
  if (buf[pos] == '\0') buf[--pos] = '/';
  memmove(buf, buf + pos, PATH_ROOM - pos);
  *out = buf;
  return NULL;
}

static struct kd_error *t_exec_file(void *ctx, size_t idx, char **path) {
  return exec_path(ctx, path);
}

/* mm->saved_auxv: (type, value) pairs of unsigned long up to AT_NULL. */
static struct kd_error *t_auxv(void *ctx, size_t idx, void **data,
                               size_t *len) {
  struct kd_gdb_dump *d = ctx;
  struct kd_type *mmt = find_type(d->prog, "struct mm_struct");
  if (mmt == NULL)
    return kd_error_create(KD_ERR_LOOKUP, "no struct mm_struct in the "
                           "debug info");
  uint64_t bits;
  const struct kd_member *m;
  struct kd_error *err = kd_member_offset(mmt, "saved_auxv", &bits, &m);
  if (err) return err;
  uint64_t size = kd_type_sizeof(m->type);
  if (size < 16 || size > 65536)
    return kd_error_create(KD_ERR_FORMAT, "odd mm->saved_auxv size %" PRIu64,
                           size);
  uint64_t *auxv = malloc((size_t)size);
  if (auxv == NULL) return kd_enomem;
  if ((err = kd_program_read(d->prog, d->mm + bits / 8, auxv, (size_t)size))) {
    free(auxv);
    return err;
  }
  size_t n = (size_t)size / 16, used = n;
  for (size_t i = 0; i < n; i++)
    if (auxv[2 * i] == 0) { used = i + 1; break; }   /* AT_NULL */
  *data = auxv;
  *len = used * 16;
  return NULL;
}

static void t_log(void *ctx, const char *msg) {
  fprintf(stderr, "kdlua: %s\n", msg);
}

/* ------------------------------------------------------------ public */

struct kd_error *kd_gdb_dump_open(struct kd_program *prog,
                                  enum kd_gdb_mode mode, int64_t pid,
                                  struct kd_gdb_dump **out) {
  const char *arch = kd_dump_arch(prog->dump);
  if (strcmp(arch, "x86_64") != 0)
    return kd_error_create(KD_ERR_FORMAT, "gdbserver knows x86_64 dumps only "
                           "(this one is %s)", arch);
  struct kd_gdb_dump *d = calloc(1, sizeof *d);
  if (d == NULL) return kd_enomem;
  d->prog = prog;
  d->mode = mode;
  d->pid = pid;
  d->panic_note = -1;
  d->task_type = find_type(prog, "struct task_struct");
  struct kd_error *err = NULL;
  if (mode != KD_GDB_MODE_CPUS && d->task_type == NULL)
    err = kd_error_create(KD_ERR_LOOKUP, "--mode %s needs the kernel's debug "
                          "info (struct task_struct)",
                          mode == KD_GDB_MODE_TASKS ? "tasks" : "process");
  if (err == NULL) err = setup_cpus(d);
  if (err == NULL)
    err = mode == KD_GDB_MODE_CPUS ? threads_cpus(d)
        : mode == KD_GDB_MODE_TASKS ? threads_tasks(d)
        : threads_process(d);
  if (err == NULL && d->n == 0)
    err = kd_error_create(KD_ERR_NODATA, "no threads to serve");
  if (err) { kd_gdb_dump_close(d); return err; }
  d->vt = (struct kd_gdb_target){
    .ctx = d, .nthreads = t_nthreads, .thread_name = t_name,
    .thread_regs = t_regs, .read_memory = t_read,
    .initial_thread = t_initial, .log = t_log,
  };
  if (mode == KD_GDB_MODE_PROCESS) {
    d->vt.exec_file = t_exec_file;
    d->vt.auxv = t_auxv;
  }
  *out = d;
  return NULL;
}

void kd_gdb_dump_close(struct kd_gdb_dump *d) {
  if (d == NULL) return;
  free(d->threads);
  free(d->note_cpu);
  free(d->note_curr);
  kd_unwinder_close(d->unwinder);
  free(d);
}

const struct kd_gdb_target *kd_gdb_dump_target(struct kd_gdb_dump *d) {
  return &d->vt;
}

size_t kd_gdb_dump_nthreads(struct kd_gdb_dump *d) { return d->n; }
size_t kd_gdb_dump_initial(struct kd_gdb_dump *d) { return d->initial; }
int64_t kd_gdb_dump_pid(struct kd_gdb_dump *d) { return d->pid; }

char *kd_gdb_dump_exec_path(struct kd_gdb_dump *d) {
  char *path = NULL;
  if (d->mode != KD_GDB_MODE_PROCESS) return NULL;
  struct kd_error *err = exec_path(d, &path);
  if (err) { kd_error_destroy(err); return NULL; }
  return path;
}
