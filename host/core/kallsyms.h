/*
** kallsyms.h -- the kernel's own compressed symbol table, read from the
** dump: /proc/kallsyms's core part is 100k lines of token expansion, which
** is the report's hottest loop when done in Lua.
*/
#ifndef KD_KALLSYMS_H
#define KD_KALLSYMS_H

#include "program.h"

/* Append "<address> <type> <name>\n" for every core kernel symbol, in
** index order, as /proc/kallsyms prints them (%px with `digits` hex
** digits; symbols with an empty name skipped).  *text is malloc'ed. */
struct kd_error *kd_kallsyms_core_text(struct kd_program *prog, int digits,
                                       char **text, size_t *len,
                                       size_t *count);

/* /proc/kallsyms's lines of the module whose struct module is at `mod`:
** "<address> <type> <name>\t[<label>]\n" for each symbol with a name, in
** its symtab's order, the type upper-cased when the module exports the
** name with that value.  *text is malloc'ed. */
struct kd_error *kd_kallsyms_module_text(struct kd_program *prog, uint64_t mod,
                                         const char *label, int digits,
                                         char **text, size_t *len,
                                         size_t *count);

/* Add every core kernel symbol of the dump's kallsyms to prog->symtab
** (names without the type letter, which becomes the symbol's type; sizes
** unknown, 0): the kernel's symbol table when there is no vmlinux.  The
** tables are found through VMCOREINFO (Linux 6.0+). */
struct kd_error *kd_kallsyms_load_symtab(struct kd_program *prog,
                                         size_t *count);

#endif
