/*
** unwind.h -- the one kernel stack unwinder: every backtrace, /proc/<pid>/
** stack, wchan and `kdlua bt` come from here.
**
** x86_64.  The walk follows the kernel's own ORC tables, read from the
** dumped memory (vmlinux's __start_orc_unwind* and each module's
** arch.orc_unwind*), exactly as arch/x86/kernel/unwind_orc.c does on the
** live machine; code without ORC data (and kernels built without ORC) is
** walked by frame pointers, and the trace is then marked unreliable.
** pt_regs left on the stack by interrupts, exceptions, NMIs and system calls
** are followed, and the walk crosses from a CPU's IRQ and exception stacks
** back to the task stack.  It stops at user-mode registers, at the end of
** the stack, or at a bad frame (marked: the walk never loops).
**
** The first frame comes from a sleeping task's saved switch frame
** (thread.sp -> struct inactive_task_frame), or, for a task running at the
** crash, from the registers the dump saved for its CPU.
*/
#ifndef KD_UNWIND_H
#define KD_UNWIND_H

#include <stdbool.h>
#include <stdint.h>

#include "core/program.h"
#include "cpus.h"

/* How the frame's pc was reached. */
enum kd_frame_kind {
  KD_FRAME_CALL,        /* a return address, or the registers of a CPU note */
  KD_FRAME_IRQ,         /* interrupted by a hardware interrupt (pt_regs) */
  KD_FRAME_EXCEPTION,   /* interrupted by an exception, e.g. a page fault */
  KD_FRAME_NMI,         /* interrupted by an NMI */
  KD_FRAME_USER_REGS    /* the user-mode registers saved at kernel entry */
};

/* struct pt_regs of x86_64, in its (ABI-fixed) order. */
enum kd_pt_reg {
  KD_PT_R15, KD_PT_R14, KD_PT_R13, KD_PT_R12, KD_PT_BP, KD_PT_BX,
  KD_PT_R11, KD_PT_R10, KD_PT_R9, KD_PT_R8, KD_PT_AX, KD_PT_CX, KD_PT_DX,
  KD_PT_SI, KD_PT_DI, KD_PT_ORIG_AX, KD_PT_IP, KD_PT_CS, KD_PT_FLAGS,
  KD_PT_SP, KD_PT_SS, KD_PT_NREGS
};
extern const char *const kd_pt_reg_names[KD_PT_NREGS];   /* "r15" .. "ss" */

struct kd_frame {
  uint64_t pc;           /* a return address, or the exact interrupted pc */
  uint64_t sp;           /* the stack pointer in this frame */
  enum kd_frame_kind kind;
  const char *stack;     /* which stack sp lies on: "task", "irq", "nmi",
                         ** "#DF" ... (the exception stacks), NULL if none */
  bool sched;            /* pc in scheduler or lock text (in_sched_functions) */
  bool kernel_text;      /* pc in kernel or module text */
  bool has_regs;         /* regs[] holds the registers at pc */
  uint64_t regs_addr;    /* where those pt_regs lie (0: from a CPU note) */
  uint64_t regs[KD_PT_NREGS];
};

struct kd_trace {
  uint64_t task;         /* 0 when unknown */
  int cpu;               /* CPU whose registers started it, -1 for a saved frame */
  struct kd_frame *frames;
  size_t n, cap;
  bool reliable;         /* every step followed ORC data to a proper end
                         ** (DWARF CFI and frame pointers are not checked
                         ** the way the kernel checks ORC: unreliable) */
  char stop_reason[120]; /* "user mode", "end of stack", "bad frame: ..." */
};

struct kd_unwinder;

/* The unwinder of `prog` (tables are found lazily, once).  Errors: another
** architecture. */
struct kd_error *kd_unwinder_open(struct kd_program *prog,
                                  struct kd_unwinder **out);
void kd_unwinder_close(struct kd_unwinder *u);
const struct kd_cpu_notes *kd_unwinder_cpu_notes(struct kd_unwinder *u);

/* Trace of `task` (struct task_struct *): from its CPU's registers when it
** was running at the crash, else from its saved switch frame.  A walk that
** stops early is not an error (see stop_reason); errors are for input that
** is no task (unreadable task_struct, no types). */
struct kd_error *kd_unwind_task(struct kd_unwinder *u, uint64_t task,
                                struct kd_trace *out);
/* Trace of what CPU `cpu` was running (its register note). */
struct kd_error *kd_unwind_cpu(struct kd_unwinder *u, unsigned cpu,
                               struct kd_trace *out);
void kd_trace_free(struct kd_trace *t);

/*
** What stack_trace_save_tsk() records for `task` (/proc/<pid>/stack, and
** wchan's first entry): the pcs of its trace while they are kernel text,
** scheduler and lock functions left out, at most max into pcs; *n says
** how many.  Lists of up to KD_SAVED_PCS_MAX are remembered for the last
** tasks asked, so that /proc/<pid>/stack and wchan of one task (which a
** report asks one after the other) cost one walk.  Errors as
** kd_unwind_task.
*/
#define KD_SAVED_PCS_MAX 64
struct kd_error *kd_unwind_saved_pcs(struct kd_unwinder *u, uint64_t task,
                                     uint64_t *pcs, size_t max, size_t *n);

/* THREAD_SIZE: the size of a task's kernel stack. */
uint64_t kd_unwinder_thread_size(const struct kd_unwinder *u);
/* The same, worked out from the program without an unwinder (gdbserver's
** task_pt_regs); the unwinder keeps what this gave when it opened. */
uint64_t kd_thread_size(struct kd_program *prog);

/* The registers a task that is not running saved when it was switched out
** (struct inactive_task_frame at thread.sp: r15, r14, r13, r12, bx, bp),
** with ip = where it resumes and sp = above the frame: what its trace
** starts from, and what gdbserver's tasks mode serves.  valid[] says which
** the kernel's frame has. */
struct kd_error *kd_unwind_switch_regs(struct kd_unwinder *u, uint64_t task,
                                       uint64_t regs[KD_PT_NREGS],
                                       bool valid[KD_PT_NREGS]);

/* Which tables a walk follows first.  AUTO: ORC, then DWARF CFI (the
** .debug_frame of vmlinux, or of the module whose code it is) where ORC
** has no entry, then frame pointers.  The others start at that
** method (and fall back to the ones after it): for kernels without ORC
** and to compare the methods. */
enum kd_unwind_method { KD_UNWIND_AUTO, KD_UNWIND_DWARF, KD_UNWIND_FP };
void kd_unwinder_set_method(struct kd_unwinder *u, enum kd_unwind_method m);

/* The CPU `task` was running on at the crash (its register note), or -1. */
int kd_unwinder_task_cpu(struct kd_unwinder *u, uint64_t task);

/*
** Source positions (source.c): file and line of a kernel text address,
** and the calls inlined there, from the DWARF line table and scopes of
** vmlinux, or of the module whose text holds the address (its debug file
** placed where the dump's struct module says it was loaded; modsource.c).
** Strings belong to the map.
*/
#define KD_SOURCE_MAX_INLINED 8
struct kd_inlined {
  const char *function;  /* the inlined function */
  const char *call_file; /* where it was inlined (in the next outer one) */
  int call_line;
};
struct kd_source {
  const char *file;      /* innermost position, NULL if unknown */
  int line;
  int ninlined;          /* inlined calls at the address, innermost first */
  struct kd_inlined inlined[KD_SOURCE_MAX_INLINED];
};
struct kd_source_map;
struct kd_error *kd_source_map_open(struct kd_program *prog,
                                    struct kd_source_map **out);
/* vmlinux's Dwarf of the map and the KASLR offset (runtime - DWARF
** address), for the unwinder's CFI steps. */
struct Dwarf *kd_source_map_dwarf(struct kd_source_map *m, uint64_t *bias);
void kd_source_map_close(struct kd_source_map *m);
/* The .debug_frame CFI of the module whose text holds addr, and addr as
** that CFI has it; NULL when addr is in no module with usable DWARF. */
struct Dwarf_CFI_s;
struct Dwarf_CFI_s *kd_source_module_cfi(struct kd_source_map *m, uint64_t addr,
                                         uint64_t *dwarf_addr);
/* false when the DWARF does not cover addr */
bool kd_source_lookup(struct kd_source_map *m, uint64_t addr,
                      struct kd_source *out);

#endif
