/*
** modsource.h -- the DWARF of loaded modules' code, placed where the
** module was loaded: for source lines (source.c) and the unwinder's DWARF
** CFI steps (unwind.c).
*/
#ifndef KD_MODSOURCE_H
#define KD_MODSOURCE_H

#include <elfutils/libdw.h>
#include <stdint.h>

#include "core/program.h"

struct kd_mod_sources;

/* NULL when out of memory.  Modules are read lazily, per question. */
struct kd_mod_sources *kd_mod_sources_new(struct kd_program *prog);
void kd_mod_sources_free(struct kd_mod_sources *s);

/* The DWARF of the module whose text holds runtime address `addr`, and
** addr as that DWARF has it; NULL when addr is in no module's text, or
** that module has no DWARF, no section addresses, or its debug file is of
** another build (noted once per module). */
Dwarf *kd_mod_sources_dwarf(struct kd_mod_sources *s, uint64_t addr,
                            Dwarf_Addr *dwarf_addr);
/* The same module's .debug_frame CFI; NULL as above or when it has none. */
Dwarf_CFI *kd_mod_sources_cfi(struct kd_mod_sources *s, uint64_t addr,
                              Dwarf_Addr *dwarf_addr);

#endif
