/*
** known_globals.h -- the C types of the kernel globals kdlua's own scripts
** read, for when the only type information is the dump's BTF: BTF
** describes per-CPU variables (DATASEC/VAR records) but no other global, so
** `kd.symbol("init_task")` would have an address and no type.  Each entry
** is the declaration in the kernel headers; tests/c/test_btf.c checks every
** entry against the vmlinux DWARF of each fixture.  A global not listed
** here: `kd.object("struct x", kd.symbol_address("x"))`.
*/
#ifndef KD_KNOWN_GLOBALS_H
#define KD_KNOWN_GLOBALS_H

#include <stddef.h>

/* The C spelling of global `name`'s type ("struct task_struct",
** "long unsigned int", "char *", "char *[enum:NR_SOFTIRQS]": see
** known_globals.c for the array lengths), or NULL. */
const char *kd_known_global_type(const char *name);
/* Entry i (name and type), NULL past the end: for tests. */
const char *kd_known_global_at(size_t i, const char **type);

#endif
