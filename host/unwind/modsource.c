/*
** modsource.c -- the DWARF of module code: where a text address of a
** loaded module lies in its debug file, for source lines, inlined calls and
** DWARF CFI (see modsource.h).
**
** A module's debug file is a relocatable object (.ko): each section starts
** at 0 and the loader placed it somewhere in module memory.  The core
** opens the file with libdwfl (kd_program_module_dwarf), which relocates the
** DWARF to a layout of its own choosing; this file maps the runtime address
** to that layout section by section: the runtime start of each section from
** the dump's struct module (sect_attrs, what /sys/module/<m>/sections/ shows),
** its start in libdwfl's layout from the section headers libdwfl updated.
** The section contents of a .ko are placed as a block, so an offset inside
** a section is the same in both.
**
** Before a module's DWARF is used, its file is checked against the dump: the
** function symbols of the file, placed the same way, must each start where
** the dump's kallsyms of that module has a symbol.  A debug file of another
** build would give wrong lines; it gives none instead.
*/
#include "modsource.h"

#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/object.h"

/* how many function symbols the check compares (a mismatched build moves
** most functions; a few dozen, spread over the file, show it) */
#define CHECK_SYMBOLS 64

struct text_section {
  uint64_t lo, hi;       /* runtime */
  uint64_t mod_lo;       /* in libdwfl's layout of the module */
};

struct mod_source {
  bool tried;
  Dwarf *dwarf;          /* owned by the module's Dwfl (core) */
  Dwarf_CFI *cfi;        /* owned by dwarf */
  bool cfi_tried;
  struct text_section *secs;
  size_t nsecs;
  uint64_t dwbias;       /* libdwfl's module address - DWARF address */
};

struct kd_mod_sources {
  struct kd_program *prog;
  struct mod_source *mods;   /* one per prog->modules[i] */
  size_t nmods;
};

struct kd_mod_sources *kd_mod_sources_new(struct kd_program *prog) {
  struct kd_mod_sources *s = calloc(1, sizeof *s);
  if (s) s->prog = prog;
  return s;
}

void kd_mod_sources_free(struct kd_mod_sources *s) {
  if (s == NULL) return;
  for (size_t i = 0; i < s->nmods; i++) free(s->mods[i].secs);
  free(s->mods);
  free(s);
}

/* One runtime section address of a loaded module, by name. */
struct runtime_section {
  char *name;
  uint64_t address;
};

static void free_runtime(struct runtime_section *rs, size_t n) {
  for (size_t i = 0; i < n; i++) free(rs[i].name);
  free(rs);
}

/*
** The section addresses the loader chose, from struct module's sect_attrs
** (struct module_sect_attrs: nsections, then attrs[] of {name, address}).
** The name moved in 5.8 ("module: sysfs: use a bin_attribute for section
** attributes"): battr.attr.name since, `name` before.  Kernels without
** CONFIG_SYSFS or CONFIG_KALLSYMS have no sect_attrs: no section map, so no
** module lines.
*/
static struct kd_error *runtime_sections(struct kd_program *prog,
                                         const struct kd_module *m,
                                         struct runtime_section **out,
                                         size_t *nout) {
  *out = NULL;
  *nout = 0;
  struct kd_type *mod_t, *attrs_t, *attr_t;
  struct kd_error *err;
  if ((err = kd_program_find_type(prog, "struct module", &mod_t)) ||
      (err = kd_program_find_type(prog, "struct module_sect_attrs", &attrs_t)) ||
      (err = kd_program_find_type(prog, "struct module_sect_attr", &attr_t)))
    return err;
  uint64_t sa, nsec, attrs_bit, addr_bit, name_bit;
  if ((err = kd_read_member_u64(prog, mod_t, m->address, "sect_attrs", &sa)))
    return err;
  if (sa == 0) return kd_error_create(KD_ERR_NODATA, "no sect_attrs");
  if ((err = kd_read_member_u64(prog, attrs_t, sa, "nsections", &nsec)) ||
      (err = kd_member_offset(attrs_t, "attrs", &attrs_bit, NULL)) ||
      (err = kd_member_offset(attr_t, "address", &addr_bit, NULL)))
    return err;
  err = kd_member_offset(attr_t, "battr.attr.name", &name_bit, NULL);
  if (err) {
    kd_error_destroy(err);
    if ((err = kd_member_offset(attr_t, "name", &name_bit, NULL))) return err;
  }
  uint64_t esize = kd_type_sizeof(attr_t);
  if (nsec == 0 || nsec > 4096 || esize == 0)
    return kd_error_fault(KD_ERR_FORMAT, sa, "module %s: implausible "
                          "sect_attrs (%" PRIu64 " sections)", m->name, nsec);
  struct runtime_section *rs = calloc(nsec, sizeof *rs);
  if (rs == NULL) return kd_enomem;
  size_t n = 0;
  for (uint64_t i = 0; i < nsec; i++) {
    uint64_t a = sa + attrs_bit / 8 + i * esize, np;
    if ((err = kd_program_read_u64(prog, a + name_bit / 8, &np)) ||
        (err = kd_program_read_u64(prog, a + addr_bit / 8, &rs[n].address)))
      break;
    size_t len;
    if ((err = kd_program_read_string(prog, np, 256, &rs[n].name, &len))) break;
    n++;
  }
  if (err) { free_runtime(rs, n); return err; }
  *out = rs;
  *nout = n;
  return NULL;
}

static int first_module(Dwfl_Module *dm, void **ud, const char *name,
                        Dwarf_Addr base, void *arg) {
  (void)ud; (void)name; (void)base;
  *(Dwfl_Module **)arg = dm;
  return DWARF_CB_ABORT;
}

/* The runtime address of the module address a (libdwfl's layout), or 0. */
static uint64_t to_runtime(const struct mod_source *ms, uint64_t a) {
  for (size_t i = 0; i < ms->nsecs; i++) {
    const struct text_section *s = &ms->secs[i];
    if (a >= s->mod_lo && a < s->mod_lo + (s->hi - s->lo))
      return s->lo + (a - s->mod_lo);
  }
  return 0;
}

/*
** Is the debug file the build the dump loaded?  Every checked function
** symbol of the file must start exactly where a symbol of the same module
** starts in the dump's kallsyms.
*/
static bool same_build(struct kd_program *prog, const struct kd_module *m,
                       Dwfl_Module *dm, const struct mod_source *ms) {
  int nsyms = dwfl_module_getsymtab(dm);
  if (nsyms <= 0) return false;
  int step = nsyms / CHECK_SYMBOLS > 1 ? nsyms / CHECK_SYMBOLS : 1;
  int checked = 0;
  for (int i = 1; i < nsyms; i += step) {
    GElf_Sym sym;
    GElf_Addr addr;
    const char *name = dwfl_module_getsym_info(dm, i, &sym, &addr, NULL, NULL, NULL);
    if (name == NULL || *name == '\0' || GELF_ST_TYPE(sym.st_info) != STT_FUNC)
      continue;
    uint64_t rt = to_runtime(ms, addr);
    if (rt == 0) continue;   /* not in a text section the module kept */
    const struct kd_symbol *k = kd_symtab_by_address(prog->symtab, rt);
    if (k == NULL || k->address != rt || k->module == NULL || strcmp(k->module, m->name) != 0)
      return false;
    checked++;
  }
  return checked > 0;
}

/*
** Map module m's text sections from runtime to DWARF addresses, once:
** false (and a note) when the module has no usable DWARF, no section
** addresses, or a debug file of another build.
*/
static bool prepare(struct kd_program *prog, struct kd_module *m,
                    struct mod_source *ms) {
  ms->tried = true;
  struct kd_error *err = kd_program_module_dwarf(prog, m);
  if (err) {
    kd_program_note(prog, "module %s: no source lines: %s", m->name, err->message);
    kd_error_destroy(err);
    return false;
  }
  Dwfl_Module *dm = NULL;
  if (m->dwfl == NULL) return false;   /* no debug file or no DWARF (noted) */
  dwfl_getmodules(m->dwfl, first_module, &dm, 0);
  Dwarf_Addr dwbias, ebias;
  Dwarf *dw = dm ? dwfl_module_getdwarf(dm, &dwbias) : NULL;
  Elf *elf = dm ? dwfl_module_getelf(dm, &ebias) : NULL;
  size_t shstrndx;
  if (dw == NULL || elf == NULL || elf_getshdrstrndx(elf, &shstrndx) != 0) return false;

  struct runtime_section *rs;
  size_t nrs;
  if ((err = runtime_sections(prog, m, &rs, &nrs))) {
    kd_program_note(prog, "module %s: no source lines: section addresses "
                    "unknown: %s", m->name, err->message);
    kd_error_destroy(err);
    return false;
  }
  Elf_Scn *scn = NULL;
  while ((scn = elf_nextscn(elf, scn)) != NULL) {
    GElf_Shdr sh;
    if (gelf_getshdr(scn, &sh) == NULL) continue;
    if (!(sh.sh_flags & SHF_ALLOC) || !(sh.sh_flags & SHF_EXECINSTR) || sh.sh_size == 0)
      continue;
    const char *name = elf_strptr(elf, shstrndx, sh.sh_name);
    /* init code is freed after loading: its addresses belong to others */
    if (name == NULL || strncmp(name, ".init", 5) == 0) continue;
    const struct runtime_section *r = NULL;
    for (size_t i = 0; i < nrs; i++)
      if (strcmp(rs[i].name, name) == 0) { r = &rs[i]; break; }
    if (r == NULL || r->address == 0) continue;
    struct text_section *ns = realloc(ms->secs, (ms->nsecs + 1) * sizeof *ns);
    if (ns == NULL) break;
    ms->secs = ns;
    /* libdwfl's layout is in the section headers (plus the Elf's bias) */
    ms->secs[ms->nsecs++] = (struct text_section){
      r->address, r->address + sh.sh_size, sh.sh_addr + ebias };
  }
  free_runtime(rs, nrs);
  ms->dwbias = dwbias;
  if (ms->nsecs == 0 || !same_build(prog, m, dm, ms)) {
    kd_program_note(prog, "module %s: no source lines: %s", m->name,
                    ms->nsecs == 0 ? "no text section placed"
                                   : "the debug file is not the loaded build");
    free(ms->secs);
    ms->secs = NULL;
    ms->nsecs = 0;
    return false;
  }
  ms->dwarf = dw;
  return true;
}

/* The module whose text holds addr, prepared; NULL if none or unusable. */
static struct mod_source *module_at(struct kd_mod_sources *s, uint64_t addr,
                                    Dwarf_Addr *dwarf_addr) {
  struct kd_program *prog = s->prog;
  if (!prog->modules_loaded || prog->nmodules == 0) return NULL;
  if (s->nmods != prog->nmodules) {
    struct mod_source *mods = calloc(prog->nmodules, sizeof *mods);
    if (mods == NULL) return NULL;
    for (size_t i = 0; i < s->nmods; i++) free(s->mods[i].secs);
    free(s->mods);
    s->mods = mods;
    s->nmods = prog->nmodules;
  }
  for (size_t i = 0; i < prog->nmodules; i++) {
    struct kd_module *m = &prog->modules[i];
    if (addr < m->base || addr >= m->base + m->size) continue;
    struct mod_source *ms = &s->mods[i];
    if (!ms->tried) prepare(prog, m, ms);
    for (size_t k = 0; k < ms->nsecs; k++) {
      if (addr >= ms->secs[k].lo && addr < ms->secs[k].hi) {
        /* the DWARF's addresses are the module's less its bias */
        *dwarf_addr = ms->secs[k].mod_lo + (addr - ms->secs[k].lo) - ms->dwbias;
        return ms->dwarf ? ms : NULL;
      }
    }
    return NULL;
  }
  return NULL;
}

Dwarf *kd_mod_sources_dwarf(struct kd_mod_sources *s, uint64_t addr,
                            Dwarf_Addr *dwarf_addr) {
  struct mod_source *ms = module_at(s, addr, dwarf_addr);
  return ms ? ms->dwarf : NULL;
}

Dwarf_CFI *kd_mod_sources_cfi(struct kd_mod_sources *s, uint64_t addr,
                              Dwarf_Addr *dwarf_addr) {
  struct mod_source *ms = module_at(s, addr, dwarf_addr);
  if (ms == NULL) return NULL;
  if (!ms->cfi_tried) {
    ms->cfi_tried = true;
    ms->cfi = dwarf_getcfi(ms->dwarf);   /* .debug_frame of the file */
  }
  return ms->cfi;
}
