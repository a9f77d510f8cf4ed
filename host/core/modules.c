/*
** modules.c -- loaded kernel modules: the `modules` list, each module's
** in-memory kallsyms (so module symbols resolve without any file), and its
** debug file relocated by libdwfl (so module types and variables work).
*/
#define _GNU_SOURCE  /* memmem */
#include "program.h"

#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdbool.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "debuginfo/debuginfo.h"
#include "debuginfo/dwarf_finder.h"
#include "object.h"
#include "base/input.h"

/* Elf64_Sym as the kernel keeps it in mod_kallsyms.symtab */
struct ksym64 {
  uint32_t st_name;
  unsigned char st_info, st_other;
  uint16_t st_shndx;
  uint64_t st_value, st_size;
};

/* nm-style letter from ELF binding and type, for kernels without the
** kallsyms `typetab` (which, when present, holds the real letter) */
static char sym_letter(const struct ksym64 *s) {
  int bind = s->st_info >> 4, type = s->st_info & 15;
  char c = type == 2 /* STT_FUNC */ ? 't' : 'd';
  return bind == 1 || bind == 2 ? (char)(c - 32) : c;
}

static struct kd_error *add_module_symbols(struct kd_program *prog,
                                           struct kd_type *mod_t,
                                           uint64_t mod, const char *name) {
  uint64_t ks;
  struct kd_error *err = kd_read_member_u64(prog, mod_t, mod, "kallsyms", &ks);
  if (err) return err;
  if (ks == 0) return NULL;
  struct kd_type *mk;
  err = kd_program_find_type(prog, "struct mod_kallsyms", &mk);
  if (err) return err;
  uint64_t symtab, num, strtab, typetab = 0;
  if ((err = kd_read_member_u64(prog, mk, ks, "symtab", &symtab)) ||
      (err = kd_read_member_u64(prog, mk, ks, "num_symtab", &num)) ||
      (err = kd_read_member_u64(prog, mk, ks, "strtab", &strtab)))
    return err;
  struct kd_error *e2 = kd_read_member_u64(prog, mk, ks, "typetab", &typetab);
  kd_error_destroy(e2);
  if (num > 1000000) return kd_error_create(KD_ERR_FORMAT, "module %s: "
                                             "implausible symbol count", name);
  for (uint64_t i = 1; i < num; i++) {
    struct ksym64 s;
    err = kd_program_read(prog, symtab + i * sizeof s, &s, sizeof s);
    if (err) return err;
    if (s.st_value == 0 || s.st_shndx == 0) continue;
    char *sname;
    size_t len;
    err = kd_program_read_string(prog, strtab + s.st_name, 256, &sname, &len);
    if (err) return err;
    char letter = sym_letter(&s);
    if (typetab) {
      char c;
      if (kd_program_read(prog, typetab + i, &c, 1) == NULL && c > ' ') letter = c;
    }
    if (len) err = kd_symtab_add(prog->symtab, sname, s.st_value, s.st_size,
                                 letter, name);
    free(sname);
    if (err) return err;
  }
  return NULL;
}

/*
** Open a module's debug file with libdwfl, which applies the ET_REL
** relocations to its DWARF (string offsets and cross-unit references of a
** .ko are relocations), and add a finder over it.  Done on demand: a
** machine with hundreds of modules should not pay for all of them when a
** script looks up one module type.
*/
struct kd_error *kd_program_module_dwarf(struct kd_program *prog,
                                         struct kd_module *m) {
  if (m->dwarf_tried || m->debug_path == NULL) return NULL;
  m->dwarf_tried = true;
  /* may_define is not asked once the DWARF is open: its strings go */
  prog->debug_str_kept -= m->debug_str_size;
  free(m->debug_str);
  m->debug_str = NULL;
  m->debug_str_size = 0;
  m->debug_str_tried = false;
  static const Dwfl_Callbacks cb = {
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .section_address = dwfl_offline_section_address,
  };
  Dwfl *dwfl = dwfl_begin(&cb);
  if (dwfl == NULL) return kd_enomem;
  Dwfl_Module *dm = dwfl_report_offline(dwfl, m->name, m->debug_path, -1);
  dwfl_report_end(dwfl, NULL, NULL);
  Dwarf_Addr bias;
  Dwarf *dw = dm ? dwfl_module_getdwarf(dm, &bias) : NULL;
  if (dw == NULL) {
    char buf[512];
    snprintf(buf, sizeof buf, "%s: no usable DWARF: %s", m->debug_path,
             dwfl_errmsg(-1));
    free(m->note);
    m->note = strdup(buf);
    kd_program_note(prog, "module %s: %s", m->name, buf);
    dwfl_end(dwfl);
    return NULL;
  }
  char label[300];
  snprintf(label, sizeof label, "module %s", m->name);
  struct kd_finder *f;
  struct kd_error *err = kd_dwarf_finder_new(dw, -1, label, NULL, NULL, &f);
  if (err) { dwfl_end(dwfl); return err; }
  struct kd_finder **nf = realloc(prog->finders, (prog->nfinders + 1) * sizeof *nf);
  if (nf == NULL) { kd_finder_destroy(f); dwfl_end(dwfl); return kd_enomem; }
  prog->finders = nf;
  prog->finders[prog->nfinders++] = f;
  m->finder = f;
  m->dwfl = dwfl;
  return NULL;
}

/*
** Can a module's debug file define something called `name`?  GCC and
** clang put every DWARF name of four characters or more in .debug_str
** (DW_FORM_strp/strx; GCC inlines only strings shorter than the offset), so
** a file whose .debug_str lacks the bytes "name\0" cannot define it.
** Opening a module's DWARF with libdwfl (every debug section inflated,
** relocations applied) costs ~3 ms and ~2 MiB, so a lookup of a name no
** module has -- scripts probe for names of other kernel versions -- cost
** 34 ms and 17 MiB on a guest with ten modules.  Inflating every module's
** .debug_str for each such name still cost 3 ms (6.1 fixture) to 12 ms
** (6.12) a name, paid again in each report worker: the inflated strings
** are kept, up to DEBUG_STR_BUDGET bytes in all, and later names are a
** memmem.  Short names and unreadable files answer "maybe".
*/
#define DEBUG_STR_BUDGET (24u << 20)

/* m->debug_str filled from its file when it fits the budget; false when
** the file cannot be read (the caller answers "maybe") */
static bool read_debug_str(struct kd_program *prog, struct kd_module *m,
                           const char *name, size_t nlen, bool *found) {
  const char *why;
  int fd = kd_open_input(m->debug_path, &why);
  if (fd < 0) return false;
  elf_version(EV_CURRENT);
  Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
  bool ok = false;
  GElf_Shdr sh;
  Elf_Scn *scn = kd_elf_section(elf, ".debug_str", &sh);
  Elf_Data *d = scn ? kd_elf_section_data(scn, &sh) : NULL;
  if (d) {
    ok = true;
    *found = memmem(d->d_buf, d->d_size, name, nlen) != NULL;
    if (prog->debug_str_kept + d->d_size <= DEBUG_STR_BUDGET &&
        (m->debug_str = malloc(d->d_size ? d->d_size : 1)) != NULL) {
      memcpy(m->debug_str, d->d_buf, d->d_size);
      m->debug_str_size = d->d_size;
      prog->debug_str_kept += d->d_size;
    }
  }
  if (elf) elf_end(elf);
  close(fd);
  /* a file over the budget, or without a readable .debug_str, is read
  ** again for the next name, as before */
  m->debug_str_tried = m->debug_str != NULL;
  return ok;
}

static bool may_define(struct kd_program *prog, struct kd_module *m,
                       const char *name) {
  size_t nlen = strlen(name) + 1;   /* with the NUL */
  if (nlen < 5) return true;
  if (m->debug_str_tried)
    return memmem(m->debug_str, m->debug_str_size, name, nlen) != NULL;
  bool found = true;
  if (!read_debug_str(prog, m, name, nlen, &found)) return true;
  return found;
}

size_t kd_program_open_all_module_dwarf(struct kd_program *prog, const char *name) {
  size_t added = 0;
  for (size_t i = 0; i < prog->nmodules; i++) {
    struct kd_module *m = &prog->modules[i];
    /* a module without DWARF is asked through its BTF (btf.c), which
    ** has no cheap "may it define" test: read once, then a finder */
    if (m->finder || m->btf_tried) continue;
    if (name && m->debug_path && !m->dwarf_tried && !may_define(prog, m, name)) continue;
    struct kd_error *err = kd_program_module_types(prog, m);
    if (err) {
      kd_program_note(prog, "module %s: %s", m->name, err->message);
      kd_error_destroy(err);
    }
    if (m->finder) added++;
  }
  return added;
}

static struct kd_error *load_modules(struct kd_program *prog);

struct kd_error *kd_program_load_modules(struct kd_program *prog) {
  if (!prog->modules_loaded) {
    prog->modules_loaded = true;
    prog->modules_error = load_modules(prog);
  }
  const struct kd_error *e = prog->modules_error;
  if (e == NULL) return NULL;
  if (e == kd_enomem) return kd_enomem;
  kd_dump_note_damage(prog->dump, e);   /* each caller gets a short answer */
  return kd_error_fault(e->code, e->address, "%s", e->message);
}

static struct kd_error *load_modules(struct kd_program *prog) {
  uint64_t head;
  struct kd_error *err = kd_program_find_symbol(prog, "modules", &head, NULL);
  if (err) return err;
  struct kd_type *mod_t;
  err = kd_program_find_type(prog, "struct module", &mod_t);
  if (err) return err;
  uint64_t list_off;
  err = kd_member_offset(mod_t, "list", &list_off, NULL);
  if (err) return err;
  list_off /= 8;
  struct kd_module_finder *mf = NULL;
  const char *release = kd_dump_vmcoreinfo(prog->dump, "OSRELEASE");
  err = kd_module_finder_new(release, prog->opts.debuginfo_dirs,
                             prog->opts.ndebuginfo_dirs, &mf);
  if (err) return err;
  uint64_t pos;
  err = kd_program_read_u64(prog, head, &pos);
  size_t n = 0;
  while (err == NULL && pos != head) {
    if (++n > 100000) {
      err = kd_error_fault(KD_ERR_FORMAT, pos, "module list does not end "
                           "(corrupt or cyclic) at 0x%" PRIx64, pos);
      break;
    }
    uint64_t mod = pos - list_off;
    struct kd_object o, nm;
    kd_object_reference(&o, mod_t, mod);
    char *name = NULL;
    size_t len;
    err = kd_object_member(prog, &o, "name", &nm);
    if (err == NULL) err = kd_object_string(prog, &nm, 64, &name, &len);
    if (err) break;
    struct kd_module *mods = realloc(prog->modules, (prog->nmodules + 1) * sizeof *mods);
    if (mods == NULL) { free(name); err = kd_enomem; break; }
    prog->modules = mods;
    struct kd_module *m = &prog->modules[prog->nmodules++];
    memset(m, 0, sizeof *m);
    m->name = name;
    m->address = mod;
    /* 6.4+ replaced core_layout with mem[MOD_TEXT] */
    struct kd_error *e2 = kd_read_member_u64(prog, mod_t, mod, "core_layout.base", &m->base);
    if (e2 == NULL) e2 = kd_read_member_u64(prog, mod_t, mod, "core_layout.size", &m->size);
    if (e2) {
      kd_error_destroy(e2);
      e2 = kd_read_member_u64(prog, mod_t, mod, "mem[0].base", &m->base);
      if (e2 == NULL) e2 = kd_read_member_u64(prog, mod_t, mod, "mem[0].size", &m->size);
    }
    kd_error_destroy(e2);
    e2 = add_module_symbols(prog, mod_t, mod, name);
    if (e2) {
      kd_program_note(prog, "module %s: symbols unreadable: %s", name, e2->message);
      kd_error_destroy(e2);
    }
    if (prog->type_source && strcmp(prog->type_source, "BTF") == 0) {
      /* no vmlinux: module types come from the module's own BTF, which
      ** builds on the vmlinux BTF (a module's DWARF would not) */
      m->dwarf_tried = true;
      e2 = kd_program_module_btf(prog, mod_t, m);
      if (e2) {
        kd_program_note(prog, "module %s: BTF unusable: %s", name, e2->message);
        kd_error_destroy(e2);
      }
      m->note = strdup(m->finder ? "types from its BTF" : "no BTF");
      err = kd_program_read_u64(prog, pos, &pos);
      continue;
    }
    const char *path = kd_module_finder_lookup(mf, name);
    if (path) {
      m->debug_path = strdup(path);
      kd_program_note(prog, "module %s: debuginfo %s", name, path);
    } else {
      const char *why = kd_module_finder_why(mf, name);
      m->note = strdup(why ? why : "no debug file found");
      kd_program_note(prog, "module %s: no debuginfo (%s)", name, m->note);
    }
    err = kd_program_read_u64(prog, pos, &pos);
  }
  kd_module_finder_free(mf);
  return err;
}
