/*
** symbols.h -- symbol tables: name -> address and address -> name+offset.
**
** The kernel's come from the vmlinux ELF .symtab (moved by the KASLR
** offset); modules add theirs from the kallsyms each module keeps in
** memory, so module symbols resolve even without module debuginfo.
*/
#ifndef KD_SYMBOLS_H
#define KD_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

struct kd_symtab;

struct kd_symbol {
  const char *name;
  uint64_t address;
  uint64_t size;
  char type;            /* nm-style letter: T t D d B b R r A ... */
  const char *module;   /* NULL for the kernel */
};

struct kd_error *kd_symtab_new(struct kd_symtab **out);
void kd_symtab_free(struct kd_symtab *tab);
/* Add the symbols of ELF file `path` moved by `offset` (only those at or
** above `relocate_from` are moved: per-CPU symbols are offsets, not
** addresses, and KASLR does not move them). */
struct kd_error *kd_symtab_add_elf(struct kd_symtab *tab, const char *path,
                                   uint64_t offset, uint64_t relocate_from);
/* The symbols added so far (a vmlinux's) are the same for every start of
** this build: keep their name hashes and address order in the file `path`
** (read now when it fits them; written after the first full sort).  NULL:
** no cache. */
void kd_symtab_use_cache(struct kd_symtab *tab, const char *path);
/* Add one symbol; strings are copied. */
struct kd_error *kd_symtab_add(struct kd_symtab *tab, const char *name,
                               uint64_t address, uint64_t size, char type,
                               const char *module);
/* Exact name lookup (globals preferred over locals). */
const struct kd_symbol *kd_symtab_lookup(struct kd_symtab *tab,
                                         const char *name);
/* The symbol containing `addr` (or the closest one below it within
** `max_distance` when sizes are unknown); NULL if none. */
const struct kd_symbol *kd_symtab_by_address(struct kd_symtab *tab,
                                             uint64_t addr);
/* Address of the first symbol above `addr` (0 if none): the kernel's %pS
** and kallsyms measure a symbol up to there, not by its ELF size. */
uint64_t kd_symtab_next_address(struct kd_symtab *tab, uint64_t addr);
size_t kd_symtab_count(struct kd_symtab *tab);
const struct kd_symbol *kd_symtab_at(struct kd_symtab *tab, size_t i);
/* Write the kernel's symbols as an ELF file of symbols only, for gdb's
** `symbol-file` when there is no vmlinux. */
struct kd_error *kd_symtab_write_elf(struct kd_symtab *tab, const char *path);
/* Set the size of symbol i (kallsyms learns sizes after adding). */
void kd_symtab_set_size(struct kd_symtab *tab, size_t i, uint64_t size);

#endif
