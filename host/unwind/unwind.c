/*
** unwind.c -- the kernel stack unwinder (see unwind.h).
**
** The walk is arch/x86/kernel/unwind_orc.c's unwind_next_frame() step for
** step, run over the dumped memory: the same ORC entry lookup (the return
** address minus one for call frames, the exact pc after an interrupt), the
** same rules for finding the caller's sp, ip and bp, the same frame-pointer
** guess where ORC has no entry.  What the live kernel can take for granted
** is checked here: every stack read must fall in a stack the walk may use,
** a stack is left once and never re-entered, and sp must grow on a stack.
*/
#include "unwind.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/object.h"

#define MAX_FRAMES 256
#define PT_REGS_SIZE (KD_PT_NREGS * 8)
/* offsetof(struct pt_regs, ip): the hardware iret frame starts there */
#define IRET_FRAME_OFFSET (KD_PT_IP * 8)
/* x86_64 THREAD_SIZE without KASAN, when the debug info cannot tell us */
#define DEFAULT_THREAD_SIZE 16384
/* The kernel's LOOKUP_BLOCK_SIZE: orc_lookup has one entry per block of
** .text, plus one (arch/x86/include/asm/orc_lookup.h, vmlinux.lds.h);
** checked against the table's size before use. */
#define LOOKUP_BLOCK_SIZE 256

const char *const kd_pt_reg_names[KD_PT_NREGS] = {
  "r15", "r14", "r13", "r12", "bp", "bx", "r11", "r10", "r9", "r8", "ax",
  "cx", "dx", "si", "di", "orig_ax", "ip", "cs", "flags", "sp", "ss"
};

/* ORC register and frame-type numbers (arch/x86/include/asm/orc_types.h) */
enum {
  ORC_REG_UNDEFINED = 0, ORC_REG_PREV_SP = 1, ORC_REG_DX = 2, ORC_REG_DI = 3,
  ORC_REG_BP = 4, ORC_REG_SP = 5, ORC_REG_R10 = 6, ORC_REG_R13 = 7,
  ORC_REG_BP_INDIRECT = 8, ORC_REG_SP_INDIRECT = 9
};
/* Decoded frame types.  The numbering in memory changed in 6.3 (commit
** "x86/unwind/orc: Add 'signal' field to ORC metadata"): before it, 0 CALL,
** 1 REGS, 2 REGS_PARTIAL and an `end` bit; since, 0 UNDEFINED, 1
** END_OF_STACK, 2 CALL, 3 REGS, 4 REGS_PARTIAL and a `signal` bit. */
enum { T_UNDEFINED, T_END, T_CALL, T_REGS, T_REGS_PARTIAL };

struct orc {
  int16_t sp_off, bp_off;
  uint8_t sp_reg, bp_reg, type, signal;
};

/* the kernel's fallback for code without ORC data: a frame-pointer frame */
static const struct orc orc_fp_entry = {
  .sp_off = 16, .bp_off = -16, .sp_reg = ORC_REG_BP,
  .bp_reg = ORC_REG_PREV_SP, .type = T_CALL, .signal = 0
};

struct orc_table {
  uint64_t ip_tab, orc_tab, num;
  uint64_t lo, hi;                 /* the text it covers */
};

struct memo_slot {
  uint64_t ip;
  struct orc e;
  uint8_t state;                   /* 0 empty, 1 entry, 2 no entry */
};

enum stack_type {
  ST_TASK, ST_IRQ, ST_DF, ST_NMI, ST_DB, ST_MCE, ST_VC, ST_VC2, ST_N
};
static const char *const stack_names[ST_N] = {
  "task", "irq", "#DF", "nmi", "#DB", "#MC", "#VC", "#VC2"
};
static const char *const estack_members[] = {
  "DF_stack", "NMI_stack", "DB_stack", "MCE_stack", "VC_stack", "VC2_stack"
};
#define N_ESTACKS 6

/* the saved pcs of a recent task (kd_unwind_saved_pcs) */
struct saved_pcs {
  uint64_t task;                   /* 0: empty */
  uint32_t n;
  uint64_t pcs[KD_SAVED_PCS_MAX];
};
#define SAVED_SLOTS 256            /* a few report groups' tasks */

struct kd_unwinder {
  struct kd_program *prog;
  struct saved_pcs *saved;         /* SAVED_SLOTS, direct-mapped by task */
  /* text */
  uint64_t stext, etext, sinit, einit, sched0, sched1, lock0, lock1;
  uint64_t ret_from_fork, ret_from_fork_asm;
  /* ORC tables and how an entry is laid out */
  bool have_orc;
  unsigned esize;
  unsigned sp_off_bit, bp_off_bit, sp_reg_bit, bp_reg_bit, type_bit, type_bits;
  int flag_bit;                    /* `end` (old) or `signal` (new), -1 none */
  bool new_types;
  struct orc_table vmlinux;
  /* the kernel's fast index into vmlinux's table: orc_lookup[i] is the
  ** first entry of text block i (unwind_init() fills it at boot) */
  uint64_t lookup, lookup_blocks;
  struct orc_table *mods;
  size_t nmods;
  bool mods_loaded;
  struct memo_slot *memo;
  size_t memo_cap, memo_n;
  /* task_struct and the switch frame */
  struct kd_type *task_type;
  uint64_t off_stack, off_thread_sp;
  /* struct inactive_task_frame: size, and the offset of each register it
  ** saves (by pt_regs index; -1 when the kernel's frame lacks it) */
  uint64_t itf_size;
  int64_t itf_off[KD_PT_NREGS];
  uint64_t thread_size, irq_stack_size;
  /* per-CPU stacks */
  uint64_t hardirq_ptr_addr;       /* per-CPU address (before the offset) */
  uint64_t cea_ptr_addr;           /* &cea_exception_stacks, per-CPU */
  uint64_t backing_addr;           /* &exception_stacks, per-CPU */
  uint64_t est_off[N_ESTACKS], est_size[N_ESTACKS], est_back_off[N_ESTACKS];
  bool est_back_ok[N_ESTACKS];
  bool have_estacks, have_backing;
  struct kd_cpu_notes notes;
  /* vmlinux's DWARF CFI, opened when ORC first has no entry */
  enum kd_unwind_method method;
  bool cfi_tried;
  struct kd_source_map *cfi_map;
  Dwarf_CFI *cfi;
  uint64_t cfi_bias;
};

/* ------------------------------------------------------------ set-up */

static uint64_t sym(struct kd_program *prog, const char *name) {
  const struct kd_symbol *s = kd_symtab_lookup(prog->symtab, name);
  if (s) return s->address;
  uint64_t addr;
  struct kd_error *err = kd_program_find_symbol(prog, name, &addr, NULL);
  if (err) { kd_error_destroy(err); return 0; }
  return addr;
}

static struct kd_type *find_type(struct kd_program *prog, const char *name) {
  struct kd_type *t = NULL;
  struct kd_error *err = kd_program_find_type(prog, name, &t);
  if (err) { kd_error_destroy(err); return NULL; }
  return t;
}

/* Bit offset and size of member `path` of t; false when absent. */
static bool member_bits(struct kd_type *t, const char *path, uint64_t *bit,
                        uint64_t *size_bits) {
  if (t == NULL) return false;
  const struct kd_member *m = NULL;
  struct kd_error *err = kd_member_offset(t, path, bit, &m);
  if (err || m == NULL) { kd_error_destroy(err); return false; }
  if (size_bits)
    *size_bits = m->bit_size ? m->bit_size : kd_type_sizeof(m->type) * 8;
  return true;
}

/* A symbol of vmlinux's own table, 0 when absent: unlike sym(), no
** search of VMCOREINFO or of the modules' debug files (a probe for a
** name another kernel version has must stay cheap). */
static uint64_t own_sym(struct kd_program *prog, const char *name) {
  const struct kd_symbol *s = kd_symtab_lookup(prog->symtab, name);
  return s ? s->address : 0;
}

/*
** THREAD_SIZE.  The linker script brackets init_task's stack with two
** symbols THREAD_SIZE apart (include/asm-generic/vmlinux.lds.h,
** INIT_TASK_DATA): asked first, since they cost a hash lookup while a
** type that is absent (6.1's DWARF has no union thread_union) costs a
** search of every module's debug file.
*/
uint64_t kd_thread_size(struct kd_program *prog) {
  /* __{start,end}_init_task until the rename to __{start,end}_init_stack
  ** (6.12 has the new names) */
  uint64_t size = 0, lo, hi;
  if (((lo = own_sym(prog, "__start_init_stack")) && (hi = own_sym(prog, "__end_init_stack"))) ||
      ((lo = own_sym(prog, "__start_init_task")) && (hi = own_sym(prog, "__end_init_task"))))
    size = hi > lo ? hi - lo : 0;
  if (size == 0 || (size & (size - 1)) != 0) {
    struct kd_type *t = find_type(prog, "union thread_union");
    size = t ? kd_type_sizeof(t) : 0;
  }
  if (size == 0) {
    const struct kd_symbol *s = kd_symtab_lookup(prog->symtab, "init_stack");
    if (s) size = s->size;
  }
  /* a stack is a power of two of pages */
  if (size < 4096 || (size & (size - 1)) != 0) size = DEFAULT_THREAD_SIZE;
  return size;
}

static uint64_t read_le(const uint8_t *b, unsigned n) {
  uint64_t v = 0;
  for (unsigned i = 0; i < n && i < 8; i++) v |= (uint64_t)b[i] << (8 * i);
  return v;
}

static uint64_t bits_of(uint64_t w, unsigned bit, unsigned n) {
  return (w >> bit) & ((1ull << n) - 1);
}

/*
** Where struct orc_entry keeps its fields: from the debug info when it has
** the type, else the x86_64 layout of every kernel since 4.14, with the
** frame-type numbering guessed from the data (see guess_new_types).
*/
static void orc_layout(struct kd_unwinder *u) {
  struct kd_type *t = find_type(u->prog, "struct orc_entry");
  u->esize = t ? (unsigned)kd_type_sizeof(t) : 6;
  if (u->esize == 0 || u->esize > 8) u->esize = 6;
  uint64_t b, s;
  u->sp_off_bit = member_bits(t, "sp_offset", &b, NULL) ? (unsigned)b : 0;
  u->bp_off_bit = member_bits(t, "bp_offset", &b, NULL) ? (unsigned)b : 16;
  u->sp_reg_bit = member_bits(t, "sp_reg", &b, NULL) ? (unsigned)b : 32;
  u->bp_reg_bit = member_bits(t, "bp_reg", &b, NULL) ? (unsigned)b : 36;
  u->type_bit = 40;
  u->type_bits = 0;
  if (member_bits(t, "type", &b, &s)) { u->type_bit = (unsigned)b; u->type_bits = (unsigned)s; }
  u->flag_bit = -1;
  if (member_bits(t, "signal", &b, NULL)) {          /* 6.3 and later */
    u->flag_bit = (int)b;
    u->new_types = true;
    if (u->type_bits == 0) u->type_bits = 3;
  } else if (member_bits(t, "end", &b, NULL)) {      /* before 6.3 */
    u->flag_bit = (int)b;
    u->new_types = false;
    if (u->type_bits == 0) u->type_bits = 2;
  }
}

/*
** Without the type, which numbering?  Most entries describe call frames:
** CALL is 0 in the old numbering and 2 in the new, and the new CALL read
** as old is a REGS_PARTIAL, which only entry code has.  Count both.
*/
static void guess_new_types(struct kd_unwinder *u) {
  unsigned old_call = 0, new_call = 0;
  uint64_t n = u->vmlinux.num < 512 ? u->vmlinux.num : 512;
  for (uint64_t i = 0; i < n; i++) {
    uint8_t raw[8];
    struct kd_error *err = kd_program_read(u->prog, u->vmlinux.orc_tab + i * u->esize,
                                           raw, u->esize);
    if (err) { kd_error_destroy(err); break; }
    uint64_t w = read_le(raw, u->esize);
    if (bits_of(w, 40, 2) == 0) old_call++;
    if (bits_of(w, 40, 3) == 2) new_call++;
  }
  u->new_types = new_call > old_call;
  u->type_bits = u->new_types ? 3 : 2;
  u->flag_bit = u->new_types ? 43 : 42;
}

static void estacks_layout(struct kd_unwinder *u) {
  struct kd_program *prog = u->prog;
  u->cea_ptr_addr = sym(prog, "cea_exception_stacks");
  struct kd_type *t = find_type(prog, "struct cea_exception_stacks");
  struct kd_type *bt = find_type(prog, "struct exception_stacks");
  if (u->cea_ptr_addr == 0 || t == NULL) return;
  u->have_estacks = true;
  for (int i = 0; i < N_ESTACKS; i++) {
    uint64_t b, s;
    if (member_bits(t, estack_members[i], &b, &s)) {
      u->est_off[i] = b / 8;
      u->est_size[i] = s / 8;
    }
  }
  /* the backing store the entry area maps, read when the entry-area
  ** mapping itself is not in the dump */
  u->backing_addr = sym(prog, "exception_stacks");
  if (u->backing_addr && bt) {
    u->have_backing = true;
    for (int i = 0; i < N_ESTACKS; i++) {
      uint64_t b;
      if (member_bits(bt, estack_members[i], &b, NULL)) {
        u->est_back_off[i] = b / 8;
        u->est_back_ok[i] = true;
      }
    }
  }
}

struct kd_error *kd_unwinder_open(struct kd_program *prog,
                                  struct kd_unwinder **out) {
  const char *arch = kd_dump_arch(prog->dump);
  if (arch == NULL || strcmp(arch, "x86_64") != 0)
    return kd_error_create(KD_ERR_OTHER, "stack unwinding is implemented for "
                           "x86_64 only (this dump: %s)", arch ? arch : "unknown");
  struct kd_unwinder *u = calloc(1, sizeof *u);
  if (u == NULL) return kd_enomem;
  u->prog = prog;
  u->stext = sym(prog, "_stext");
  u->etext = sym(prog, "_etext");
  u->sinit = sym(prog, "_sinittext");
  u->einit = sym(prog, "_einittext");
  u->sched0 = sym(prog, "__sched_text_start");
  u->sched1 = sym(prog, "__sched_text_end");
  u->lock0 = sym(prog, "__lock_text_start");
  u->lock1 = sym(prog, "__lock_text_end");
  u->ret_from_fork = sym(prog, "ret_from_fork");
  u->ret_from_fork_asm = sym(prog, "ret_from_fork_asm");   /* 6.6+ */

  uint64_t ip0 = sym(prog, "__start_orc_unwind_ip");
  uint64_t ip1 = sym(prog, "__stop_orc_unwind_ip");
  uint64_t orc0 = sym(prog, "__start_orc_unwind");
  if (ip0 && ip1 > ip0 && orc0) {
    u->have_orc = true;
    u->vmlinux = (struct orc_table){ ip0, orc0, (ip1 - ip0) / 4, u->stext, u->etext };
    orc_layout(u);
    if (u->flag_bit < 0) guess_new_types(u);
    uint64_t l0 = sym(prog, "orc_lookup"), l1 = sym(prog, "orc_lookup_end");
    /* use it only when its size is the one the block size implies */
    if (l0 && l1 > l0 && u->etext > u->stext &&
        (l1 - l0) / 4 == (u->etext - u->stext + LOOKUP_BLOCK_SIZE - 1) / LOOKUP_BLOCK_SIZE + 1) {
      u->lookup = l0;
      u->lookup_blocks = (l1 - l0) / 4;
    }
  }

  u->task_type = find_type(prog, "struct task_struct");
  uint64_t b;
  if (u->task_type) {
    if (member_bits(u->task_type, "stack", &b, NULL)) u->off_stack = b / 8;
    if (member_bits(u->task_type, "thread.sp", &b, NULL)) u->off_thread_sp = b / 8;
  }
  /* what __switch_to_asm pushes: x86_64 since 4.9, r15 r14 r13 r12 bx bp
  ** ret_addr; from the type when the debug info has it */
  static const struct { int reg; const char *member; } itf_members[] = {
    { KD_PT_R15, "r15" }, { KD_PT_R14, "r14" }, { KD_PT_R13, "r13" },
    { KD_PT_R12, "r12" }, { KD_PT_BX, "bx" }, { KD_PT_BP, "bp" },
    { KD_PT_IP, "ret_addr" },
  };
  struct kd_type *itf = find_type(prog, "struct inactive_task_frame");
  for (int r = 0; r < KD_PT_NREGS; r++) u->itf_off[r] = -1;
  u->itf_size = itf ? kd_type_sizeof(itf) : u->task_type ? 0 : 56;
  /* debug info without the type: a kernel before 4.9, whose switch frame
  ** was another; no debug info at all: assume the 4.9+ layout */
  for (size_t i = 0; i < sizeof itf_members / sizeof itf_members[0]; i++) {
    if (itf == NULL && u->task_type != NULL) continue;
    if (itf == NULL) u->itf_off[itf_members[i].reg] = (int64_t)i * 8;
    else if (member_bits(itf, itf_members[i].member, &b, NULL))
      u->itf_off[itf_members[i].reg] = (int64_t)(b / 8);
  }
  u->thread_size = kd_thread_size(prog);
  /* sizeof(struct irq_stack): the size of the per-CPU object every
  ** CPU's IRQ stack is (irq_stack_backing_store, arch/x86/kernel/irq_64.c),
  ** else the type */
  const struct kd_symbol *irq_store = kd_symtab_lookup(prog->symtab, "irq_stack_backing_store");
  u->irq_stack_size = irq_store ? irq_store->size : 0;
  if (u->irq_stack_size == 0) {
    struct kd_type *irqs = find_type(prog, "struct irq_stack");
    u->irq_stack_size = irqs ? kd_type_sizeof(irqs) : 0;
  }
  if (u->irq_stack_size == 0) u->irq_stack_size = u->thread_size;
  /* 6.2 moved hardirq_stack_ptr into struct pcpu_hot */
  uint64_t hot = sym(prog, "pcpu_hot");
  struct kd_type *hot_t = hot ? find_type(prog, "struct pcpu_hot") : NULL;
  if (hot_t && member_bits(hot_t, "hardirq_stack_ptr", &b, NULL))
    u->hardirq_ptr_addr = hot + b / 8;
  else
    u->hardirq_ptr_addr = sym(prog, "hardirq_stack_ptr");
  estacks_layout(u);

  struct kd_error *err = kd_cpu_notes_load(prog, &u->notes);
  if (err) { kd_unwinder_close(u); return err; }
  *out = u;
  return NULL;
}

void kd_unwinder_close(struct kd_unwinder *u) {
  if (u == NULL) return;
  kd_source_map_close(u->cfi_map);   /* ends the CFI with its Dwarf */
  kd_cpu_notes_free(&u->notes);
  free(u->mods);
  free(u->memo);
  free(u->saved);
  free(u);
}

uint64_t kd_unwinder_thread_size(const struct kd_unwinder *u) {
  return u->thread_size;
}

void kd_unwinder_set_method(struct kd_unwinder *u, enum kd_unwind_method m) {
  u->method = m;
}

const struct kd_cpu_notes *kd_unwinder_cpu_notes(struct kd_unwinder *u) {
  return &u->notes;
}

int kd_unwinder_task_cpu(struct kd_unwinder *u, uint64_t task) {
  int note = kd_cpu_notes_of_task(&u->notes, task);
  return note < 0 ? -1 : (int)u->notes.cpu[note];
}

/* Each module's ORC table (struct module's arch.orc_unwind_ip, orc_unwind,
** num_orcs), read once, when an address outside vmlinux first needs it. */
static void load_module_tables(struct kd_unwinder *u) {
  u->mods_loaded = true;
  struct kd_program *prog = u->prog;
  struct kd_error *err = kd_program_load_modules(prog);
  if (err) { kd_error_destroy(err); return; }
  struct kd_type *mt = find_type(prog, "struct module");
  uint64_t b_ip, b_orc, b_num, s_num;
  if (mt == NULL || prog->nmodules == 0 ||
      !member_bits(mt, "arch.orc_unwind_ip", &b_ip, NULL) ||
      !member_bits(mt, "arch.orc_unwind", &b_orc, NULL) ||
      !member_bits(mt, "arch.num_orcs", &b_num, &s_num))
    return;
  u->mods = calloc(prog->nmodules, sizeof *u->mods);
  if (u->mods == NULL) return;
  for (size_t i = 0; i < prog->nmodules; i++) {
    struct kd_module *m = &prog->modules[i];
    uint64_t ipt = 0, orct = 0, num = 0;
    err = kd_program_read_u64(prog, m->address + b_ip / 8, &ipt);
    if (err == NULL) err = kd_program_read_u64(prog, m->address + b_orc / 8, &orct);
    if (err == NULL) {
      uint32_t n32 = 0;
      err = kd_program_read(prog, m->address + b_num / 8, &n32, sizeof n32);
      num = n32;
    }
    if (err) { kd_error_destroy(err); continue; }
    if (ipt == 0 || orct == 0 || num == 0) continue;
    u->mods[u->nmods++] = (struct orc_table){ ipt, orct, num, m->base, m->base + m->size };
  }
}

static const struct orc_table *table_of(struct kd_unwinder *u, uint64_t ip) {
  if (u->have_orc && ((ip >= u->stext && ip < u->etext) ||
                      (ip >= u->sinit && ip < u->einit)))
    return &u->vmlinux;
  if (!u->mods_loaded) load_module_tables(u);
  for (size_t i = 0; i < u->nmods; i++)
    if (ip >= u->mods[i].lo && ip < u->mods[i].hi) return &u->mods[i];
  return NULL;
}

static bool in_module_text(struct kd_unwinder *u, uint64_t ip) {
  struct kd_program *prog = u->prog;
  if (!prog->modules_loaded) {
    struct kd_error *err = kd_program_load_modules(prog);
    kd_error_destroy(err);
  }
  for (size_t i = 0; i < prog->nmodules; i++)
    if (ip >= prog->modules[i].base && ip < prog->modules[i].base + prog->modules[i].size)
      return true;
  return false;
}

/* __kernel_text_address() */
static bool kernel_text(struct kd_unwinder *u, uint64_t ip) {
  if ((ip >= u->stext && ip < u->etext) || (ip >= u->sinit && ip < u->einit))
    return true;
  return in_module_text(u, ip);
}

/* in_sched_functions() */
static bool sched_text(struct kd_unwinder *u, uint64_t ip) {
  return (ip >= u->sched0 && ip < u->sched1) || (ip >= u->lock0 && ip < u->lock1);
}

static bool decode(struct kd_unwinder *u, uint64_t addr, struct orc *e) {
  uint8_t raw[8];
  struct kd_error *err = kd_program_read(u->prog, addr, raw, u->esize);
  if (err) { kd_error_destroy(err); return false; }
  uint64_t w = read_le(raw, u->esize);
  e->sp_off = (int16_t)bits_of(w, u->sp_off_bit, 16);
  e->bp_off = (int16_t)bits_of(w, u->bp_off_bit, 16);
  e->sp_reg = (uint8_t)bits_of(w, u->sp_reg_bit, 4);
  e->bp_reg = (uint8_t)bits_of(w, u->bp_reg_bit, 4);
  unsigned type = (unsigned)bits_of(w, u->type_bit, u->type_bits);
  unsigned flag = u->flag_bit >= 0 ? (unsigned)bits_of(w, (unsigned)u->flag_bit, 1) : 0;
  if (u->new_types) {
    e->type = type <= T_REGS_PARTIAL ? (uint8_t)type : T_UNDEFINED;
    e->signal = (uint8_t)flag;
  } else {
    /* before 6.3: an undefined sp register ends the stack when `end` is
    ** set, and is an error otherwise; REGS frames are signal frames */
    static const uint8_t old[4] = { T_CALL, T_REGS, T_REGS_PARTIAL, T_UNDEFINED };
    e->type = old[type & 3];
    if (e->sp_reg == ORC_REG_UNDEFINED) e->type = flag ? T_END : T_UNDEFINED;
    e->signal = e->type == T_REGS || e->type == T_REGS_PARTIAL;
  }
  return true;
}

/* Narrow a search of vmlinux's table to [*lo, *hi] with orc_lookup, as
** orc_find() does: one read instead of a dozen pages of a binary search. */
static void lookup_range(struct kd_unwinder *u, const struct orc_table *t,
                         uint64_t ip, int64_t *lo, int64_t *hi) {
  if (t != &u->vmlinux || u->lookup == 0 || ip < u->stext || ip >= u->etext) return;
  uint64_t idx = (ip - u->stext) / LOOKUP_BLOCK_SIZE;
  if (idx + 1 >= u->lookup_blocks) return;
  uint32_t b[2];
  struct kd_error *err = kd_program_read(u->prog, u->lookup + idx * 4, b, sizeof b);
  if (err) { kd_error_destroy(err); return; }
  if (b[0] > b[1] || (uint64_t)b[1] + 1 > t->num) return;   /* not filled in */
  *lo = b[0];
  *hi = (int64_t)b[1];   /* stop = orc_lookup[idx + 1] + 1, exclusive */
}

/* __orc_find(): the last entry whose ip is <= ip */
static bool orc_search(struct kd_unwinder *u, const struct orc_table *t,
                       uint64_t ip, struct orc *e) {
  int64_t lo = 0, hi = (int64_t)t->num - 1, found = -1;
  lookup_range(u, t, ip, &lo, &hi);
  while (lo <= hi) {
    int64_t mid = lo + (hi - lo) / 2;
    uint64_t a = t->ip_tab + (uint64_t)mid * 4;
    int32_t rel;
    struct kd_error *err = kd_program_read(u->prog, a, &rel, sizeof rel);
    if (err) { kd_error_destroy(err); return false; }
    uint64_t v = a + (uint64_t)(int64_t)rel;
    if (v <= ip) { found = mid; lo = mid + 1; } else hi = mid - 1;
  }
  if (found < 0) return false;
  return decode(u, t->orc_tab + (uint64_t)found * u->esize, e);
}

/* orc_find(), remembered per ip: a few hundred return addresses recur in
** every task's stack */
static bool orc_find(struct kd_unwinder *u, uint64_t ip, struct orc *e) {
  if (u->memo_n * 2 >= u->memo_cap) {
    size_t cap = u->memo_cap ? u->memo_cap * 2 : 1024;
    struct memo_slot *m = calloc(cap, sizeof *m);
    if (m == NULL) goto uncached;
    for (size_t i = 0; i < u->memo_cap; i++) {
      if (!u->memo[i].state) continue;
      size_t j = (size_t)(u->memo[i].ip * 0x9e3779b97f4a7c15ull >> 20) & (cap - 1);
      while (m[j].state) j = (j + 1) & (cap - 1);
      m[j] = u->memo[i];
    }
    free(u->memo);
    u->memo = m;
    u->memo_cap = cap;
  }
  size_t j = (size_t)(ip * 0x9e3779b97f4a7c15ull >> 20) & (u->memo_cap - 1);
  while (u->memo[j].state) {
    if (u->memo[j].ip == ip) {
      if (u->memo[j].state == 2) return false;
      *e = u->memo[j].e;
      return true;
    }
    j = (j + 1) & (u->memo_cap - 1);
  }
  const struct orc_table *t = table_of(u, ip);
  bool ok = t && orc_search(u, t, ip, e);
  u->memo[j].ip = ip;
  u->memo[j].state = ok ? 1 : 2;
  if (ok) u->memo[j].e = *e;
  u->memo_n++;
  return ok;
uncached:
  t = table_of(u, ip);
  return t && orc_search(u, t, ip, e);
}

/* --------------------------------------------------------------- walk */

struct stack_range {
  uint64_t lo, hi;
  uint64_t alt;          /* backing address of lo, 0 if none */
  bool present;
};

struct walk {
  struct kd_unwinder *u;
  struct kd_trace *t;
  struct stack_range stacks[ST_N];
  uint32_t visited;
  int cur;               /* stack of sp, -1 unknown */
  uint64_t ip, sp, bp;
  bool signal;
  /* registers at ip, when known (a CPU note, or pt_regs on the stack) */
  bool regs_valid, full_regs, prev_valid;
  uint64_t regs_addr;
  uint64_t regs[KD_PT_NREGS], prev[KD_PT_NREGS];
  enum kd_frame_kind kind;   /* of the frame at ip */
  bool emit_regs;            /* this frame's registers are new */
};

static int stack_of(struct walk *w, uint64_t addr, uint64_t len) {
  for (int i = 0; i < ST_N; i++) {
    struct stack_range *s = &w->stacks[i];
    if (s->present && addr >= s->lo && addr + len <= s->hi && addr + len > addr)
      return i;
  }
  return -1;
}

static void stop(struct walk *w, bool bad, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void stop(struct walk *w, bool bad, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char buf[100];
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  snprintf(w->t->stop_reason, sizeof w->t->stop_reason, "%s%s",
           bad ? "bad frame: " : "", buf);
  if (bad) w->t->reliable = false;
}

/* Read stack memory: only inside a stack this walk may use. */
static bool stack_read(struct walk *w, uint64_t addr, void *buf, size_t len) {
  int s = stack_of(w, addr, len);
  if (s < 0) return false;
  struct kd_error *err = kd_program_read(w->u->prog, addr, buf, len);
  if (err && w->stacks[s].alt) {
    kd_error_destroy(err);
    err = kd_program_read(w->u->prog, w->stacks[s].alt + (addr - w->stacks[s].lo),
                          buf, len);
  }
  if (err) { kd_error_destroy(err); return false; }
  return true;
}

static bool deref(struct walk *w, uint64_t addr, uint64_t *v) {
  return stack_read(w, addr, v, sizeof *v);
}

static bool get_reg(struct walk *w, int reg, uint64_t *v) {
  if (!w->regs_valid) return false;
  if (w->full_regs) { *v = w->regs[reg]; return true; }
  if (w->prev_valid) { *v = w->prev[reg]; return true; }
  return false;
}

static bool push_frame(struct walk *w) {
  struct kd_trace *t = w->t;
  if (t->n == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 16;
    struct kd_frame *f = realloc(t->frames, cap * sizeof *f);
    if (f == NULL) {
      stop(w, true, "out of memory");
      return false;
    }
    t->frames = f;
    t->cap = cap;
  }
  struct kd_frame *f = &t->frames[t->n++];
  f->pc = w->ip;
  f->sp = w->sp;
  f->kind = w->kind;
  int st = stack_of(w, w->sp, 8);
  f->stack = st >= 0 ? stack_names[st] : NULL;
  f->kernel_text = kernel_text(w->u, w->ip);
  f->sched = sched_text(w->u, w->ip);
  f->has_regs = w->emit_regs;
  f->regs_addr = w->emit_regs ? w->regs_addr : 0;
  if (w->emit_regs) memcpy(f->regs, w->regs, sizeof f->regs);
  else memset(f->regs, 0, sizeof f->regs);
  return true;
}

static bool user_mode(const uint64_t *regs) { return (regs[KD_PT_CS] & 3) != 0; }

static bool has_prefix(const char *s, const char *p) {
  return strncmp(s, p, strlen(p)) == 0;
}

/*
** What kind of entry left pt_regs at `regs_addr`, found through the entry
** code at `entry_ip`: an NMI or exception stack says it, else the entry
** point's name (asm_exc_* exceptions, asm_sysvec_* and common_interrupt
** interrupts, the names of 5.8 and later; older kernels' *_interrupt).
*/
static enum kd_frame_kind entry_kind(struct walk *w, uint64_t entry_ip,
                                     uint64_t regs_addr) {
  if (user_mode(w->regs)) return KD_FRAME_USER_REGS;
  int s = stack_of(w, regs_addr, 8);
  if (s == ST_NMI) return KD_FRAME_NMI;
  if (s >= ST_DF) return KD_FRAME_EXCEPTION;
  const struct kd_symbol *sy = kd_symtab_by_address(w->u->prog->symtab, entry_ip);
  if (sy == NULL || sy->name == NULL) return KD_FRAME_EXCEPTION;
  const char *n = sy->name;
  if (strstr(n, "nmi")) return KD_FRAME_NMI;
  if (has_prefix(n, "asm_sysvec_") || has_prefix(n, "asm_common_interrupt") ||
      has_prefix(n, "asm_spurious_interrupt") || has_prefix(n, "irq_entries_start") ||
      has_prefix(n, "spurious_entries_start") || has_prefix(n, "common_interrupt") ||
      strstr(n, "_interrupt"))
    return KD_FRAME_IRQ;
  return KD_FRAME_EXCEPTION;
}

/* Note which stack sp is on; false when it is a stack left before. */
static bool enter_stack(struct walk *w) {
  int s = stack_of(w, w->sp, 8);
  if (s == w->cur) return true;
  if (s >= 0 && (w->visited & (1u << s))) return false;
  if (s >= 0) w->visited |= 1u << s;
  w->cur = s;
  return true;
}

/* ---------------------------------------------------------- DWARF CFI */

/* x86_64 DWARF register numbers */
enum { DW_RBP = 6, DW_RSP = 7, DW_RA = 16 };

/* The CFI that covers lookup (vmlinux's, or the module's whose text holds
** it) and lookup as that CFI has it; NULL when none does. */
static Dwarf_CFI *cfi_of(struct kd_unwinder *u, uint64_t lookup,
                         uint64_t *dwarf_pc) {
  if (!u->cfi_tried) {
    u->cfi_tried = true;
    struct kd_error *err = kd_source_map_open(u->prog, &u->cfi_map);
    if (err) { kd_error_destroy(err); return NULL; }
    u->cfi = dwarf_getcfi(kd_source_map_dwarf(u->cfi_map, &u->cfi_bias));
  }
  if (u->cfi_map == NULL) return NULL;
  if (lookup >= u->stext && lookup < u->etext) {
    *dwarf_pc = lookup - u->cfi_bias;
    return u->cfi;
  }
  /* module code: its debug file's .debug_frame, placed where it was loaded */
  return kd_source_module_cfi(u->cfi_map, lookup, dwarf_pc);
}

/*
** Evaluate the few DWARF expression operations CFI uses on x86_64
** kernels: registers sp and bp (the only ones a walk keeps), the CFA,
** constants, plus.  *is_value: the expression ends in DW_OP_stack_value
** (a value, not the address of one).  false: an operation it cannot do.
*/
static bool cfi_eval(const Dwarf_Op *ops, size_t n, uint64_t sp, uint64_t bp,
                     uint64_t cfa, uint64_t *out, bool *is_value) {
  uint64_t st[8];
  size_t top = 0;
  *is_value = false;
  for (size_t i = 0; i < n; i++) {
    uint8_t op = ops[i].atom;
    if (top >= 7) return false;
    if (op == DW_OP_breg0 + DW_RSP) st[top++] = sp + ops[i].number;
    else if (op == DW_OP_breg0 + DW_RBP) st[top++] = bp + ops[i].number;
    else if (op == DW_OP_bregx && ops[i].number == DW_RSP) st[top++] = sp + ops[i].number2;
    else if (op == DW_OP_bregx && ops[i].number == DW_RBP) st[top++] = bp + ops[i].number2;
    else if (op == DW_OP_call_frame_cfa) st[top++] = cfa;
    else if (op >= DW_OP_lit0 && op <= DW_OP_lit31) st[top++] = op - DW_OP_lit0;
    else if (op == DW_OP_consts || op == DW_OP_constu || op == DW_OP_const1u ||
             op == DW_OP_const1s || op == DW_OP_const2u || op == DW_OP_const2s ||
             op == DW_OP_const4u || op == DW_OP_const4s || op == DW_OP_const8u ||
             op == DW_OP_const8s)
      st[top++] = ops[i].number;
    else if (op == DW_OP_plus_uconst && top >= 1) st[top - 1] += ops[i].number;
    else if (op == DW_OP_plus && top >= 2) { st[top - 2] += st[top - 1]; top--; }
    else if (op == DW_OP_minus && top >= 2) { st[top - 2] -= st[top - 1]; top--; }
    else if (op == DW_OP_stack_value && i == n - 1) *is_value = true;
    else return false;
  }
  if (top != 1) return false;
  *out = st[0];
  return true;
}

/*
** One step by the .debug_frame of vmlinux or of the module whose code it
** is: 1 stepped, 0 the walk ends here (stop_reason set), -1 no CFI covers
** the pc (try frame pointers).
*/
static int cfi_step(struct walk *w, uint64_t lookup) {
  uint64_t dwarf_pc;
  Dwarf_CFI *cfi = cfi_of(w->u, lookup, &dwarf_pc);
  if (cfi == NULL) return -1;
  Dwarf_Frame *frame = NULL;
  if (dwarf_cfi_addrframe(cfi, dwarf_pc, &frame) != 0) return -1;
  int ret = -1;
  Dwarf_Op *ops, mem[3];
  size_t n;
  uint64_t cfa, ra_loc, v;
  bool is_value;
  if (dwarf_frame_cfa(frame, &ops, &n) != 0 ||
      !cfi_eval(ops, n, w->sp, w->bp, 0, &cfa, &is_value))
    goto out;   /* a CFA on another register: not kept by the walk */
  if (dwarf_frame_register(frame, DW_RA, mem, &ops, &n) != 0) goto out;
  if (n == 0) {
    stop(w, false, "end of stack (DWARF CFI: return address undefined)");
    ret = 0;
    goto out;
  }
  if (!cfi_eval(ops, n, w->sp, w->bp, cfa, &ra_loc, &is_value)) goto out;
  uint64_t ip = ra_loc;
  if (!is_value && !stack_read(w, ra_loc, &ip, 8)) {
    stop(w, true, "unreadable stack at %#" PRIx64 " (DWARF CFI)", ra_loc);
    ret = 0;
    goto out;
  }
  uint64_t bp = w->bp;
  if (dwarf_frame_register(frame, DW_RBP, mem, &ops, &n) == 0 && n > 0 &&
      cfi_eval(ops, n, w->sp, w->bp, cfa, &v, &is_value)) {
    if (is_value) bp = v;
    else if (!stack_read(w, v, &bp, 8)) {
      stop(w, true, "unreadable saved bp at %#" PRIx64 " (DWARF CFI)", v);
      ret = 0;
      goto out;
    }
  }
  w->ip = ip;
  w->sp = cfa;
  w->bp = bp;
  w->signal = false;
  w->regs_valid = w->prev_valid = false;
  w->kind = KD_FRAME_CALL;
  w->emit_regs = false;
  w->t->reliable = false;
  ret = 1;
out:
  free(frame);
  return ret;
}

/* The checks after every step: the end of the stack, a stack left and
** entered again, sp outside the stacks or not growing on one. */
static bool after_step(struct walk *w, uint64_t orig_ip, uint64_t prev_sp,
                       int prev_stack) {
  /* user registers: one more frame, then the end */
  if (w->regs_valid && user_mode(w->regs)) return true;
  /* a kernel thread's first frame returns to zeroed registers */
  if (w->ip == 0) {
    stop(w, false, "end of stack");
    return false;
  }
  if (!enter_stack(w)) {
    stop(w, true, "stack entered twice at %#" PRIx64, w->sp);
    return false;
  }
  if (w->cur < 0) {
    stop(w, true, "sp %#" PRIx64 " outside the stacks", w->sp);
    return false;
  }
  if (w->cur == prev_stack && w->sp <= prev_sp) {
    stop(w, true, "stack going the wrong way at %#" PRIx64, orig_ip);
    return false;
  }
  return true;
}

/* unwind_next_frame(): false when the walk ends (stop_reason set). */
static bool step(struct walk *w) {
  struct kd_unwinder *u = w->u;
  uint64_t orig_ip = w->ip, prev_sp = w->sp, sp, tmp;
  int prev_stack = w->cur;
  bool indirect = false;

  if (w->regs_valid && w->full_regs && user_mode(w->regs)) {
    stop(w, false, "user mode");
    return false;
  }
  struct orc e;
  uint64_t lookup = w->signal ? w->ip : w->ip - 1;
  if ((!u->have_orc || u->method == KD_UNWIND_FP) && (w->bp & 1)) {
    /* a kernel built with frame pointers marks the pt_regs of an entry by
    ** setting bit 0 of bp (ENCODE_FRAME_POINTER; unwind_frame.c) */
    uint64_t regs = w->bp & ~1ull;
    if (!stack_read(w, regs, w->regs, PT_REGS_SIZE)) {
      stop(w, true, "unreadable pt_regs at %#" PRIx64, regs);
      return false;
    }
    w->ip = w->regs[KD_PT_IP];
    w->sp = w->regs[KD_PT_SP];
    w->bp = w->regs[KD_PT_BP];
    w->regs_addr = regs;
    w->regs_valid = w->full_regs = true;
    w->prev_valid = false;
    w->signal = true;
    w->kind = entry_kind(w, orig_ip, regs);
    w->emit_regs = true;
    w->t->reliable = false;
    if (user_mode(w->regs)) return true;
    if (!enter_stack(w) || w->cur < 0) {
      stop(w, true, "sp %#" PRIx64 " outside the stacks", w->sp);
      return false;
    }
    return true;
  }
  bool found = u->have_orc && u->method == KD_UNWIND_AUTO && orc_find(u, lookup, &e);
  if (!found) {
    /* no ORC for this pc: DWARF CFI (vmlinux's or the module's), else
    ** frame pointers (the kernel's own guess for code ORC does not know:
    ** BPF, trampolines) */
    if (u->method != KD_UNWIND_FP) {
      int r = cfi_step(w, lookup);
      if (r == 0) return false;
      if (r == 1) return after_step(w, orig_ip, prev_sp, prev_stack);
    }
    e = orc_fp_entry;
    w->t->reliable = false;
  } else if (e.type == T_UNDEFINED) {
    stop(w, true, "no unwind data at %#" PRIx64, lookup);
    return false;
  } else if (e.type == T_END) {
    stop(w, false, "end of stack");
    return false;
  }
  w->signal = e.signal;

  switch (e.sp_reg) {
  case ORC_REG_SP: sp = w->sp + (uint64_t)(int64_t)e.sp_off; break;
  case ORC_REG_BP: sp = w->bp + (uint64_t)(int64_t)e.sp_off; break;
  case ORC_REG_SP_INDIRECT: sp = w->sp; indirect = true; break;
  case ORC_REG_BP_INDIRECT: sp = w->bp + (uint64_t)(int64_t)e.sp_off; indirect = true; break;
  case ORC_REG_R10: case ORC_REG_R13: case ORC_REG_DI: case ORC_REG_DX: {
    int reg = e.sp_reg == ORC_REG_R10 ? KD_PT_R10 : e.sp_reg == ORC_REG_R13 ? KD_PT_R13
            : e.sp_reg == ORC_REG_DI ? KD_PT_DI : KD_PT_DX;
    if (!get_reg(w, reg, &sp)) {
      stop(w, true, "sp in register %s, unknown at %#" PRIx64, kd_pt_reg_names[reg], orig_ip);
      return false;
    }
    break;
  }
  default:
    stop(w, true, "unknown sp register %u at %#" PRIx64, e.sp_reg, orig_ip);
    return false;
  }
  if (indirect) {
    if (!deref(w, sp, &sp)) {
      stop(w, true, "unreadable stack at %#" PRIx64, sp);
      return false;
    }
    if (e.sp_reg == ORC_REG_SP_INDIRECT) sp += (uint64_t)(int64_t)e.sp_off;
  }

  switch (e.type) {
  case T_CALL:
    if (!deref(w, sp - 8, &w->ip)) {
      stop(w, true, "unreadable stack at %#" PRIx64, sp - 8);
      return false;
    }
    w->sp = sp;
    w->regs_valid = w->prev_valid = false;
    w->kind = KD_FRAME_CALL;
    w->emit_regs = false;
    break;
  case T_REGS:
    if (!stack_read(w, sp, w->regs, PT_REGS_SIZE)) {
      stop(w, true, "unreadable pt_regs at %#" PRIx64, sp);
      return false;
    }
    w->ip = w->regs[KD_PT_IP];
    w->sp = w->regs[KD_PT_SP];
    w->regs_addr = sp;
    w->regs_valid = w->full_regs = true;
    w->prev_valid = false;
    w->kind = entry_kind(w, orig_ip, sp);
    w->emit_regs = true;
    break;
  case T_REGS_PARTIAL: {
    uint64_t iret[5];
    if (!stack_read(w, sp, iret, sizeof iret)) {
      stop(w, true, "unreadable iret frame at %#" PRIx64, sp);
      return false;
    }
    if (w->regs_valid && w->full_regs) {
      memcpy(w->prev, w->regs, sizeof w->prev);
      w->prev_valid = true;
    }
    memset(w->regs, 0, sizeof w->regs);
    memcpy(&w->regs[KD_PT_IP], iret, sizeof iret);
    w->ip = iret[0];
    w->sp = iret[3];
    w->regs_addr = sp - IRET_FRAME_OFFSET;
    w->regs_valid = true;
    w->full_regs = false;
    w->kind = entry_kind(w, orig_ip, sp);
    w->emit_regs = false;
    break;
  }
  default:
    stop(w, true, "unknown frame type at %#" PRIx64, orig_ip);
    return false;
  }

  switch (e.bp_reg) {
  case ORC_REG_UNDEFINED:
    if (get_reg(w, KD_PT_BP, &tmp)) w->bp = tmp;
    break;
  case ORC_REG_PREV_SP:
    if (!deref(w, sp + (uint64_t)(int64_t)e.bp_off, &w->bp)) {
      stop(w, true, "unreadable saved bp at %#" PRIx64, sp + (uint64_t)(int64_t)e.bp_off);
      return false;
    }
    break;
  case ORC_REG_BP:
    if (!deref(w, w->bp + (uint64_t)(int64_t)e.bp_off, &w->bp)) {
      stop(w, true, "unreadable saved bp at %#" PRIx64, w->bp + (uint64_t)(int64_t)e.bp_off);
      return false;
    }
    break;
  default:
    stop(w, true, "unknown bp register %u at %#" PRIx64, e.bp_reg, orig_ip);
    return false;
  }

  return after_step(w, orig_ip, prev_sp, prev_stack);
}

static void walk(struct walk *w) {
  w->t->reliable = true;
  w->cur = -1;
  if (!enter_stack(w) || w->cur < 0) {
    if (push_frame(w)) stop(w, true, "sp %#" PRIx64 " outside the stacks", w->sp);
    return;
  }
  for (;;) {
    if (w->t->n >= MAX_FRAMES) {
      stop(w, true, "more than %d frames", MAX_FRAMES);
      return;
    }
    if (!push_frame(w)) return;
    if (w->kind == KD_FRAME_USER_REGS) {
      stop(w, false, "user mode");
      return;
    }
    if (!step(w)) return;
  }
}

static struct kd_error *task_stack(struct kd_unwinder *u, uint64_t task,
                                   uint64_t *lo) {
  if (u->task_type == NULL || u->off_stack == 0)
    return kd_error_create(KD_ERR_TYPE, "no type information for struct "
                           "task_struct: cannot find the task's stack");
  struct kd_error *err = kd_program_read_u64(u->prog, task + u->off_stack, lo);
  if (err) return kd_error_wrap(err, "task %#" PRIx64, task);
  return NULL;
}

/* The stacks a CPU's trace may use besides the task's: its IRQ stack and
** its exception stacks. */
static void cpu_stacks(struct walk *w, unsigned cpu) {
  struct kd_unwinder *u = w->u;
  uint64_t off;
  struct kd_error *err = kd_program_per_cpu_offset(u->prog, cpu, &off);
  if (err) { kd_error_destroy(err); return; }
  uint64_t top;
  if (u->hardirq_ptr_addr &&
      (err = kd_program_read_u64(u->prog, u->hardirq_ptr_addr + off, &top)) == NULL &&
      top) {
    /* hardirq_stack_ptr points at the top-most word (in_irq_stack()) */
    w->stacks[ST_IRQ] = (struct stack_range){ top + 8 - u->irq_stack_size, top + 8, 0, true };
  }
  kd_error_destroy(err);
  err = NULL;
  uint64_t base;
  if (u->have_estacks &&
      (err = kd_program_read_u64(u->prog, u->cea_ptr_addr + off, &base)) == NULL && base) {
    for (int i = 0; i < N_ESTACKS; i++) {
      if (u->est_size[i] == 0) continue;
      uint64_t alt = u->have_backing && u->est_back_ok[i] ? u->backing_addr + off + u->est_back_off[i] : 0;
      w->stacks[ST_DF + i] = (struct stack_range){ base + u->est_off[i],
        base + u->est_off[i] + u->est_size[i], alt, true };
    }
  }
  kd_error_destroy(err);
}

static void trace_init(struct kd_trace *t, uint64_t task, int cpu) {
  memset(t, 0, sizeof *t);
  t->task = task;
  t->cpu = cpu;
}

static struct kd_error *unwind_note(struct kd_unwinder *u, int note,
                                    uint64_t task, struct kd_trace *out) {
  static const char *const note_names[KD_PT_NREGS] = {
    "r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8", "rax",
    "rcx", "rdx", "rsi", "rdi", "orig_rax", "rip", "cs", "rflags", "rsp", "ss"
  };
  unsigned cpu = u->notes.cpu[note];
  trace_init(out, task, (int)cpu);
  struct walk w = { .u = u, .t = out };
  for (int r = 0; r < KD_PT_NREGS; r++) {
    struct kd_error *err = kd_dump_cpu_reg(u->prog->dump, (unsigned)note, note_names[r], &w.regs[r]);
    if (err && (r == KD_PT_IP || r == KD_PT_SP))
      return kd_error_wrap(err, "CPU %u: registers", cpu);
    kd_error_destroy(err);
  }
  if (task) {
    uint64_t lo;
    struct kd_error *err = task_stack(u, task, &lo);
    if (err) kd_error_destroy(err);
    else if (lo) w.stacks[ST_TASK] = (struct stack_range){ lo, lo + u->thread_size, 0, true };
  }
  cpu_stacks(&w, cpu);
  w.ip = w.regs[KD_PT_IP];
  w.sp = w.regs[KD_PT_SP];
  w.bp = w.regs[KD_PT_BP];
  w.signal = true;                  /* the exact pc, not a return address */
  w.regs_valid = w.full_regs = true;
  w.regs_addr = 0;
  w.emit_regs = true;
  w.kind = user_mode(w.regs) ? KD_FRAME_USER_REGS : KD_FRAME_CALL;
  walk(&w);
  return NULL;
}

struct kd_error *kd_unwind_task(struct kd_unwinder *u, uint64_t task,
                                struct kd_trace *out) {
  int note = kd_cpu_notes_of_task(&u->notes, task);
  if (note >= 0) return unwind_note(u, note, task, out);
  trace_init(out, task, -1);
  uint64_t lo, tsp;
  struct kd_error *err = task_stack(u, task, &lo);
  if (err) return err;
  if ((err = kd_program_read_u64(u->prog, task + u->off_thread_sp, &tsp)))
    return kd_error_wrap(err, "task %#" PRIx64 ": thread.sp", task);
  out->reliable = false;
  if (lo == 0) {
    snprintf(out->stop_reason, sizeof out->stop_reason,
             "no stack (task->stack is NULL: the task has exited, or this is no task)");
    return NULL;
  }
  struct walk w = { .u = u, .t = out };
  w.stacks[ST_TASK] = (struct stack_range){ lo, lo + u->thread_size, 0, true };
  /* __unwind_start() of a task that is not running: its switch frame */
  uint64_t frame[2];
  if (u->itf_off[KD_PT_BP] < 0 || u->itf_off[KD_PT_IP] < 0 ||
      !stack_read(&w, tsp + (uint64_t)u->itf_off[KD_PT_BP], &frame[0], 8) ||
      !stack_read(&w, tsp + (uint64_t)u->itf_off[KD_PT_IP], &frame[1], 8)) {
    snprintf(out->stop_reason, sizeof out->stop_reason,
             "bad frame: saved sp %#" PRIx64 " unreadable or outside the stack", tsp);
    return NULL;
  }
  w.sp = tsp + u->itf_size;
  w.bp = frame[0];
  w.ip = frame[1];
  w.signal = w.ip != 0 && (w.ip == u->ret_from_fork_asm || w.ip == u->ret_from_fork);
  w.kind = KD_FRAME_CALL;
  walk(&w);
  return NULL;
}

struct kd_error *kd_unwind_switch_regs(struct kd_unwinder *u, uint64_t task,
                                       uint64_t regs[KD_PT_NREGS],
                                       bool valid[KD_PT_NREGS]) {
  for (int r = 0; r < KD_PT_NREGS; r++) { regs[r] = 0; valid[r] = false; }
  if (u->task_type == NULL || u->off_thread_sp == 0)
    return kd_error_create(KD_ERR_TYPE, "no type information for struct "
                           "task_struct: cannot find the saved context");
  uint64_t tsp;
  struct kd_error *err = kd_program_read_u64(u->prog, task + u->off_thread_sp, &tsp);
  if (err) return kd_error_wrap(err, "task %#" PRIx64 ": thread.sp", task);
  for (int r = 0; r < KD_PT_NREGS; r++) {
    if (u->itf_off[r] < 0) continue;
    err = kd_program_read_u64(u->prog, tsp + (uint64_t)u->itf_off[r], &regs[r]);
    if (err) {
      for (int k = 0; k < KD_PT_NREGS; k++) valid[k] = false;
      return kd_error_wrap(err, "task %#" PRIx64 " saved context", task);
    }
    valid[r] = true;
  }
  regs[KD_PT_SP] = tsp + u->itf_size;
  valid[KD_PT_SP] = true;
  return NULL;
}

struct kd_error *kd_unwind_cpu(struct kd_unwinder *u, unsigned cpu,
                               struct kd_trace *out) {
  int note = kd_cpu_notes_of_cpu(&u->notes, cpu);
  if (note < 0)
    return kd_error_create(KD_ERR_LOOKUP, "the dump has no registers for "
                           "CPU %u", cpu);
  return unwind_note(u, note, u->notes.curr[note], out);
}

void kd_trace_free(struct kd_trace *t) {
  free(t->frames);
  t->frames = NULL;
  t->n = t->cap = 0;
}

/* stack_trace_save_tsk()'s filter over a trace: kernel text only, the
** scheduler's and lock functions left out (stack_trace_consume_entry_nosched) */
static size_t saved_of_trace(const struct kd_trace *t, uint64_t *pcs, size_t max) {
  size_t n = 0;
  for (size_t i = 0; i < t->n && n < max; i++) {
    if (!t->frames[i].kernel_text) break;
    if (t->frames[i].sched) continue;
    pcs[n++] = t->frames[i].pc;
  }
  return n;
}

struct kd_error *kd_unwind_saved_pcs(struct kd_unwinder *u, uint64_t task,
                                     uint64_t *pcs, size_t max, size_t *n) {
  *n = 0;
  struct saved_pcs *slot = NULL;
  if (max <= KD_SAVED_PCS_MAX && task != 0) {
    if (u->saved == NULL) u->saved = calloc(SAVED_SLOTS, sizeof *u->saved);
    if (u->saved) slot = &u->saved[(task * 0x9e3779b97f4a7c15ull >> 32) % SAVED_SLOTS];
  }
  if (slot && slot->task == task) {
    *n = slot->n < max ? slot->n : max;
    memcpy(pcs, slot->pcs, *n * sizeof *pcs);
    return NULL;
  }
  struct kd_trace t = { 0 };
  struct kd_error *err = kd_unwind_task(u, task, &t);
  if (err) { kd_trace_free(&t); return err; }
  if (slot) {
    /* the whole list, whatever this caller asked for */
    slot->n = (uint32_t)saved_of_trace(&t, slot->pcs, KD_SAVED_PCS_MAX);
    slot->task = task;
    *n = slot->n < max ? slot->n : max;
    memcpy(pcs, slot->pcs, *n * sizeof *pcs);
  } else {
    *n = saved_of_trace(&t, pcs, max);
  }
  kd_trace_free(&t);
  return NULL;
}
