/*
** program.h -- a dump with everything needed to read it as typed kernel
** objects: the dump, the symbol tables, the type finders (vmlinux, then
** modules), per-CPU offsets and the list of files used.
*/
#ifndef KD_PROGRAM_H
#define KD_PROGRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dump/dump.h"
#include "base/error.h"
#include "debuginfo/symbols.h"
#include "debuginfo/types.h"

struct kd_program_options {
  const char *vmcore;
  const char *vmlinux;                 /* NULL: search */
  const char *const *debuginfo_dirs;
  size_t ndebuginfo_dirs;
  bool force;                          /* accept mismatching debuginfo */
  bool no_modules;                     /* skip module debuginfo */
  bool no_vmlinux;                     /* use the dump's BTF and kallsyms */
  int verbose;
};

struct kd_module {
  char *name;
  uint64_t address;       /* struct module * */
  uint64_t base, size;    /* core layout */
  char *debug_path;       /* NULL when not found */
  char *note;             /* why no debug info, or NULL */
  struct kd_finder *finder;
  void *dwfl;             /* Dwfl * owning the finder's Dwarf */
  bool dwarf_tried;       /* debug file opened (or failed) already */
  bool btf_tried;         /* BTF in the dump read (or failed) already */
  /* the debug file's .debug_str, inflated once (may_define), or NULL */
  char *debug_str;
  size_t debug_str_size;
  bool debug_str_tried;
};

struct kd_program {
  struct kd_dump *dump;
  struct kd_symtab *symtab;
  struct kd_finder **finders;   /* [0] vmlinux when found, then modules */
  size_t nfinders;
  char *vmlinux_path;           /* as found */
  char *vmlinux_read_path;      /* what libdw reads (maybe the cache copy) */
  char *dwarf_problem;          /* why the debug file's DWARF is unreadable, or NULL */
  char *build_id;               /* of the vmlinux, hex */
  /* with a vmlinux: the dump's vmlinux BTF, read when a module without
  ** DWARF takes its types from its split BTF (btf.c); not a finder of its
  ** own (the vmlinux DWARF answers the kernel's names), and why it could
  ** not be read */
  struct kd_finder *btf_base;
  char *btf_base_problem;
  /* where types and kernel symbols come from: "DWARF" (a vmlinux), "BTF"
  ** (the dump's own BTF and kallsyms, btf.c) or NULL (none) */
  const char *type_source;
  /* one line for stderr when kdlua works without a vmlinux, or has no
  ** types at all (what is missing, what to do); NULL otherwise */
  char *source_warning;
  char *cache_dir;
  uint64_t kaslr_offset;
  /* what was used and why, for `info` and the report manifest */
  char **notes;
  size_t nnotes;
  struct kd_module *modules;
  size_t nmodules;
  bool modules_loaded;
  /* why the module list could not be read whole (answered again to every
  ** later caller: a short list must not pass for the whole one) */
  struct kd_error *modules_error;
  /* per-CPU */
  uint64_t per_cpu_offset_addr;  /* &__per_cpu_offset, 0 if unknown */
  struct kd_type_arena *synth;   /* pointer/array types made by kdlua */
  struct kd_program_options opts;
  char **dirs_copy;
  /* type names found nowhere, kernel or modules ("<kind>:<name>"): asked
  ** again (scripts probe for names of other kernel versions), they fail
  ** without another search */
  char **missing;
  size_t nmissing;
  /* bytes of the modules' .debug_str kept inflated (a budget) */
  size_t debug_str_kept;
};

struct kd_error *kd_program_open(const struct kd_program_options *opts,
                                 struct kd_program **out);
void kd_program_close(struct kd_program *prog);
void kd_program_note(struct kd_program *prog, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* No vmlinux: take the kernel's symbols from the dump's kallsyms and its
** types from the dump's BTF (btf.c).  Sets type_source and
** source_warning; an error only for out of memory. */
struct kd_error *kd_program_open_btf(struct kd_program *prog,
                                     const char *why_no_vmlinux);
/* A module's split BTF (struct module's btf_data), added to the finders. */
struct kd_error *kd_program_module_btf(struct kd_program *prog,
                                       struct kd_type *mod_t,
                                       struct kd_module *m);
/* A module without DWARF (none in its debug file, or no debug file) next
** to a DWARF vmlinux: its types from its BTF in the dump (once); its note
** says so, starting with `why`.  An error only for out of memory. */
struct kd_error *kd_program_module_btf_fallback(struct kd_program *prog,
                                                struct kd_module *m,
                                                const char *why);
/* Module m's types, once: its debug file's DWARF, else (next to a DWARF
** vmlinux) its BTF in the dump.  Source lines need only the DWARF
** (kd_program_module_dwarf), which does not read the BTF. */
struct kd_error *kd_program_module_types(struct kd_program *prog,
                                         struct kd_module *m);
/* Did module `module`'s types come from its BTF? */
bool kd_program_module_types_from_btf(struct kd_program *prog,
                                      const char *module);
/* Type of a global the BTF does not describe, from known_globals.h,
** checked against the room the symbol has; KD_ERR_LOOKUP if unknown. */
struct kd_error *kd_program_known_global(struct kd_program *prog,
                                         const char *name, uint64_t address,
                                         struct kd_type **type);

/* Find a type by C name: "struct task_struct", "unsigned long", "u64",
** "struct list_head *", "char [16]". */
struct kd_error *kd_program_find_type(struct kd_program *prog, const char *name,
                                      struct kd_type **out);
/* The same from the finders open now only (the vmlinux's and the modules'
** already opened): no module debug file is opened to look, and a miss is
** not remembered (a type found there that the vmlinux only declares is
** still completed as kd_program_find_type does).  For probing a core kernel type that one release has and
** another lacks, which no module defines: a miss by kd_program_find_type
** reads every module's .debug_str first (~20 M instructions on a small
** machine's ten modules, in each process that asks). */
struct kd_error *kd_program_find_open_type(struct kd_program *prog, const char *name,
                                           struct kd_type **out);
/* Value of the enumerator `name` (anonymous enums' too: the kernel's
** flag and size constants) from the finders open now -- the vmlinux's and
** the modules' whose types were already asked for; no module is opened to
** look.  KD_ERR_LOOKUP when none has it; KD_ERR_OTHER when enums disagree
** on its value. */
struct kd_error *kd_program_find_constant(struct kd_program *prog, const char *name,
                                          int64_t *value);
/* A struct/union/enum its finder only declares: the definition from
** another finder (a module's), when one has it. */
struct kd_error *kd_program_complete_type(struct kd_program *prog,
                                          struct kd_type *t);
/* A global: address (symbol table, then VMCOREINFO) and type (finders). */
struct kd_error *kd_program_find_symbol(struct kd_program *prog,
                                        const char *name, uint64_t *address,
                                        struct kd_type **type);
/* Pointer to `t`, array of `n` `t` (synthesised when DWARF has none). */
struct kd_error *kd_program_pointer_type(struct kd_program *prog,
                                         struct kd_type *t,
                                         struct kd_type **out);
struct kd_error *kd_program_array_type(struct kd_program *prog,
                                       struct kd_type *t, uint64_t n,
                                       struct kd_type **out);
/* Is there any type information at all? */
bool kd_program_has_types(struct kd_program *prog);

struct kd_error *kd_program_read(struct kd_program *prog, uint64_t addr,
                                 void *buf, size_t len);
struct kd_error *kd_program_read_u64(struct kd_program *prog, uint64_t addr,
                                     uint64_t *v);
/* Kernel string at addr, at most max bytes (NUL not included); malloc'ed. */
struct kd_error *kd_program_read_string(struct kd_program *prog, uint64_t addr,
                                        size_t max, char **out, size_t *len);

/* Per-CPU: __per_cpu_offset[cpu]. */
struct kd_error *kd_program_per_cpu_offset(struct kd_program *prog,
                                           unsigned cpu, uint64_t *off);
/* Possible/present/online CPU numbers from the kernel masks; `which` is
** "online", "present" or "possible".  *cpus malloc'ed. */
struct kd_error *kd_program_cpu_mask(struct kd_program *prog, const char *which,
                                     unsigned **cpus, size_t *n);
/* Load the module list, module symbols (from memory) and where each
** module's debug file is (lazy; done once).  The debug files themselves are
** opened only when a lookup needs them: */
struct kd_error *kd_program_load_modules(struct kd_program *prog);
/* Open the DWARF of module `m` (once) and add it to the finders. */
struct kd_error *kd_program_module_dwarf(struct kd_program *prog,
                                         struct kd_module *m);
/* Give back memory that can be had again (mapped debug-file pages, free
** heap): call before a phase that needs memory, e.g. forking or writing. */
void kd_program_release_memory(struct kd_program *prog);
/* Open the DWARF of every module not opened yet whose debug file may
** define `name` (NULL: every one); returns how many were added. */
size_t kd_program_open_all_module_dwarf(struct kd_program *prog, const char *name);

#endif
