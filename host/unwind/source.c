/*
** source.c -- file, line and inlined calls of a kernel text address, from
** vmlinux's DWARF (see unwind.h, kd_source_*).
**
** A Dwarf handle of its own on the file the type finder reads (the
** uncompressed cache copy when there is one): the finder keeps its handle
** private, and a second dwarf_begin() on a mapped file costs little.  The
** line table of a unit is decoded on its first question (libdw keeps it),
** so callers that do not ask pay nothing.  Addresses in module text are
** answered from the module's debug file, placed where the module was
** loaded (modsource.c); a module without usable DWARF answers nothing.
*/
#include "unwind.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "debuginfo/dwarf_finder.h"
#include "modsource.h"

/* Answers remembered per address: the same return addresses recur in
** every task's stack, and one answer costs tens of microseconds (the walk
** down the unit's DIEs).  Bounded: at MEMO_MAX addresses it starts
** afresh, so that the addresses of the traces at hand are the ones kept. */
#define MEMO_MAX 8192
struct memo_slot {
  uint64_t addr;
  bool used, found;
  struct kd_source src;
};

struct kd_source_map {
  Dwarf *dwarf;
  int fd;
  uint64_t bias;     /* runtime address - DWARF address (KASLR) */
  struct kd_mod_sources *mods;
  struct memo_slot *memo;   /* open addressing, 2 * MEMO_MAX slots */
  size_t memo_n;
};

struct kd_error *kd_source_map_open(struct kd_program *prog,
                                    struct kd_source_map **out) {
  const char *path = prog->vmlinux_read_path ? prog->vmlinux_read_path : prog->vmlinux_path;
  if (path == NULL)
    return kd_error_create(KD_ERR_NODATA, "no vmlinux debug info: no source lines");
  struct kd_source_map *m = calloc(1, sizeof *m);
  if (m == NULL) return kd_enomem;
  m->mods = kd_mod_sources_new(prog);
  if (m->mods == NULL) { free(m); return kd_enomem; }
  struct kd_error *err = kd_dwarf_open(path, &m->dwarf, &m->fd);
  if (err) { kd_mod_sources_free(m->mods); free(m); return err; }
  m->bias = prog->kaslr_offset;
  *out = m;
  return NULL;
}

struct Dwarf *kd_source_map_dwarf(struct kd_source_map *m, uint64_t *bias) {
  *bias = m->bias;
  return m->dwarf;
}

void kd_source_map_close(struct kd_source_map *m) {
  if (m == NULL) return;
  kd_mod_sources_free(m->mods);
  free(m->memo);
  dwarf_end(m->dwarf);
  if (m->fd >= 0) close(m->fd);
  free(m);
}

/* The name of an inlined subroutine: its own or its abstract origin's. */
static const char *inlined_name(Dwarf_Die *die) {
  Dwarf_Attribute a;
  if (dwarf_attr_integrate(die, DW_AT_name, &a)) return dwarf_formstring(&a);
  return NULL;
}

/*
** Down the DIE tree through the scopes that contain a (functions, lexical
** blocks, inlined calls), noting each inlined call.  dwarf_getscopes() is
** not used: with dwz's imported units it stops short of the outer inlined
** calls.
*/
static void descend(Dwarf_Die *die, Dwarf_Addr a, Dwarf_Files *files,
                    size_t nfiles, struct kd_inlined *chain, int *n,
                    int depth) {
  Dwarf_Die child;
  if (depth > 64 || dwarf_child(die, &child) != 0) return;
  do {
    int tag = dwarf_tag(&child);
    if (tag != DW_TAG_subprogram && tag != DW_TAG_inlined_subroutine &&
        tag != DW_TAG_lexical_block)
      continue;
    if (dwarf_haspc(&child, a) != 1) continue;
    if (tag == DW_TAG_inlined_subroutine && *n < KD_SOURCE_MAX_INLINED) {
      struct kd_inlined *in = &chain[(*n)++];
      in->function = inlined_name(&child);
      in->call_file = NULL;
      in->call_line = 0;
      Dwarf_Attribute at;
      Dwarf_Word w;
      if (files && dwarf_attr(&child, DW_AT_call_file, &at) &&
          dwarf_formudata(&at, &w) == 0 && w < nfiles)
        in->call_file = dwarf_filesrc(files, w, NULL, NULL);
      if (dwarf_attr(&child, DW_AT_call_line, &at) && dwarf_formudata(&at, &w) == 0)
        in->call_line = (int)w;
    }
    descend(&child, a, files, nfiles, chain, n, depth + 1);
    return;
  } while (dwarf_siblingof(&child, &child) == 0);
}

Dwarf_CFI *kd_source_module_cfi(struct kd_source_map *m, uint64_t addr,
                                 uint64_t *dwarf_addr) {
  Dwarf_Addr a;
  Dwarf_CFI *cfi = kd_mod_sources_cfi(m->mods, addr, &a);
  if (cfi) *dwarf_addr = a;
  return cfi;
}

/* file, line and inlined calls at address a of dw (see kd_source_lookup) */
static bool lookup_in(Dwarf *dw, Dwarf_Addr a, struct kd_source *out) {
  Dwarf_Die cu;
  if (dwarf_addrdie(dw, a, &cu) == NULL) return false;
  Dwarf_Line *line = dwarf_getsrc_die(&cu, a);
  if (line) {
    int n = 0;
    out->file = dwarf_linesrc(line, NULL, NULL);
    if (dwarf_lineno(line, &n) == 0) out->line = n;
  }
  /* the inlined calls at a, found outermost first from the unit down */
  Dwarf_Files *files = NULL;
  size_t nfiles = 0;
  if (dwarf_getsrcfiles(&cu, &files, &nfiles) != 0) files = NULL;
  struct kd_inlined chain[KD_SOURCE_MAX_INLINED];
  int n = 0;
  descend(&cu, a, files, nfiles, chain, &n, 0);
  for (int i = 0; i < n; i++) out->inlined[i] = chain[n - 1 - i];
  out->ninlined = n;
  return out->file != NULL || out->ninlined > 0;
}

static bool lookup_uncached(struct kd_source_map *m, uint64_t addr,
                            struct kd_source *out) {
  out->file = NULL;
  out->line = 0;
  out->ninlined = 0;
  Dwarf_Addr a;
  Dwarf *mod = kd_mod_sources_dwarf(m->mods, addr, &a);
  if (mod) return lookup_in(mod, a, out);
  return lookup_in(m->dwarf, addr - m->bias, out);
}

bool kd_source_lookup(struct kd_source_map *m, uint64_t addr,
                      struct kd_source *out) {
  const size_t cap = 2 * MEMO_MAX;
  if (m->memo == NULL && (m->memo = calloc(cap, sizeof *m->memo)) == NULL)
    return lookup_uncached(m, addr, out);
  size_t j = (size_t)(addr * 0x9e3779b97f4a7c15ull >> 20) & (cap - 1);
  while (m->memo[j].used) {
    if (m->memo[j].addr == addr) {
      *out = m->memo[j].src;
      return m->memo[j].found;
    }
    j = (j + 1) & (cap - 1);
  }
  bool found = lookup_uncached(m, addr, out);
  if (m->memo_n >= MEMO_MAX) {
    memset(m->memo, 0, cap * sizeof *m->memo);
    m->memo_n = 0;
    j = (size_t)(addr * 0x9e3779b97f4a7c15ull >> 20) & (cap - 1);
  }
  m->memo[j] = (struct memo_slot){ addr, true, found, *out };
  m->memo_n++;
  return found;
}
