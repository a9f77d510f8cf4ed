/*
** btf.c -- a program without a vmlinux: kernel symbols from the dump's own
** kallsyms (kallsyms.c, found through VMCOREINFO, Linux 6.0+), types from
** the dump's own BTF (CONFIG_DEBUG_INFO_BTF: the vmlinux blob between
** __start_BTF and __stop_BTF, each module's in its struct module), and the
** types of the few globals kdlua reads that BTF does not describe from
** known_globals.h.  See program.h.
*/
#include "program.h"

#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "debuginfo/btf_finder.h"
#include "debuginfo/debuginfo.h"
#include "debuginfo/known_globals.h"
#include "kallsyms.h"
#include "object.h"

/* the vmlinux BTF of a distribution kernel is 4-6 MiB */
#define BTF_MAX_SIZE ((uint64_t)256 << 20)

static void set_warning(struct kd_program *prog, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void set_warning(struct kd_program *prog, const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  free(prog->source_warning);
  prog->source_warning = strdup(buf);
  kd_program_note(prog, "%s", buf);
}

/* Read `len` bytes at `addr` into a new buffer. */
static struct kd_error *read_blob(struct kd_program *prog, uint64_t addr,
                                  uint64_t len, unsigned char **out) {
  unsigned char *blob = malloc(len ? (size_t)len : 1);
  if (blob == NULL) return kd_enomem;
  struct kd_error *err = kd_program_read(prog, addr, blob, (size_t)len);
  if (err) { free(blob); return err; }
  *out = blob;
  return NULL;
}

struct kd_error *kd_program_open_btf(struct kd_program *prog,
                                     const char *why_no_vmlinux) {
  size_t nsyms = 0;
  struct kd_error *err = kd_kallsyms_load_symtab(prog, &nsyms);
  if (err == kd_enomem) return err;
  if (err) {
    if (kd_dump_vmcoreinfo(prog->dump, "SYMBOL(kallsyms_names)"))
      set_warning(prog, "%s, and the kernel's kallsyms tables cannot be read "
                  "(%s): no symbols or types; give --vmlinux FILE",
                  why_no_vmlinux, err->message);
    else
      set_warning(prog, "%s, and the dump's VMCOREINFO does not locate the "
                  "kernel's kallsyms (Linux 6.0+ does): no symbols or types; "
                  "give --vmlinux FILE", why_no_vmlinux);
    kd_error_destroy(err);
    return NULL;
  }
  kd_program_note(prog, "symbols: %zu from the dump's kallsyms", nsyms);
  const struct kd_symbol *start = kd_symtab_lookup(prog->symtab, "__start_BTF");
  const struct kd_symbol *stop = kd_symtab_lookup(prog->symtab, "__stop_BTF");
  if (start == NULL || stop == NULL) {
    set_warning(prog, "%s, and the kernel has no BTF (no __start_BTF in its "
                "kallsyms: built without CONFIG_DEBUG_INFO_BTF): symbols only, "
                "no types; give --vmlinux FILE", why_no_vmlinux);
    return NULL;
  }
  uint64_t size = stop->address - start->address;
  if (stop->address <= start->address || size > BTF_MAX_SIZE) {
    set_warning(prog, "%s, and the kernel's BTF bounds are implausible "
                "(__start_BTF 0x%" PRIx64 ", __stop_BTF 0x%" PRIx64 "): "
                "symbols only, no types; give --vmlinux FILE", why_no_vmlinux,
                start->address, stop->address);
    return NULL;
  }
  unsigned char *blob = NULL;
  err = read_blob(prog, start->address, size, &blob);
  if (err == kd_enomem) return err;
  if (err) {
    set_warning(prog, "%s, and the kernel's BTF (%" PRIu64 " bytes at 0x%"
                PRIx64 ") is not in the dump (%s): symbols only, no types; "
                "give --vmlinux FILE", why_no_vmlinux, size, start->address,
                err->message);
    kd_error_destroy(err);
    return NULL;
  }
  struct kd_finder *f;
  err = kd_btf_finder_new(blob, (size_t)size, "vmlinux", NULL, &f);
  if (err == kd_enomem) return err;
  if (err) {
    set_warning(prog, "%s, and %s: symbols only, no types; give --vmlinux "
                "FILE", why_no_vmlinux, err->message);
    kd_error_destroy(err);
    return NULL;
  }
  struct kd_finder **nf = realloc(prog->finders, (prog->nfinders + 1) * sizeof *nf);
  if (nf == NULL) { kd_finder_destroy(f); return kd_enomem; }
  prog->finders = nf;
  prog->finders[prog->nfinders++] = f;
  prog->type_source = "BTF";
  set_warning(prog, "%s: types from the dump's BTF (%u types), symbols from "
              "its kallsyms (%zu); source lines, variable locations and the "
              "types of most global variables need --vmlinux FILE",
              why_no_vmlinux, kd_btf_count(f), nsyms);
  return NULL;
}

/*
** Where a module's BTF is once loaded: kernel/bpf/btf.c keeps a copy of it
** (struct btf's data, which /sys/kernel/btf/<module> shows) for each module
** on its btf_modules list, and the module's own btf_data is freed by then
** on newer kernels.
*/
static struct kd_error *btf_of_module(struct kd_program *prog, uint64_t mod,
                                      uint64_t *data, uint64_t *size) {
  uint64_t head, pos, off;
  struct kd_type *bm_t, *btf_t;
  struct kd_error *err = kd_program_find_symbol(prog, "btf_modules", &head, NULL);
  if (err == NULL) err = kd_program_find_type(prog, "struct btf_module", &bm_t);
  if (err == NULL) err = kd_program_find_type(prog, "struct btf", &btf_t);
  if (err == NULL) err = kd_member_offset(bm_t, "list", &off, NULL);
  if (err == NULL) err = kd_program_read_u64(prog, head, &pos);
  for (int n = 0; err == NULL && pos != head && n < 100000; n++) {
    uint64_t entry = pos - off / 8, owner, btf;
    err = kd_read_member_u64(prog, bm_t, entry, "module", &owner);
    if (err == NULL && owner == mod) {
      err = kd_read_member_u64(prog, bm_t, entry, "btf", &btf);
      if (err == NULL) err = kd_read_member_u64(prog, btf_t, btf, "data", data);
      if (err == NULL) err = kd_read_member_u64(prog, btf_t, btf, "data_size", size);
      return err;
    }
    if (err == NULL) err = kd_program_read_u64(prog, pos, &pos);
  }
  *data = *size = 0;
  return err;
}

/*
** The vmlinux BTF from the debug vmlinux's own .BTF section, when it kept
** one: the same bytes as the kernel's (the build-ids matched), read
** without looking up struct btf in DWARF (a large CU) or inflating ~1200
** dump pages.  False when there is none.
*/
static bool btf_from_vmlinux_file(struct kd_program *prog,
                                  unsigned char **blob, uint64_t *size) {
  const char *path = prog->vmlinux_read_path ? prog->vmlinux_read_path
                                             : prog->vmlinux_path;
  if (path == NULL) return false;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  elf_version(EV_CURRENT);
  Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
  bool found = false;
  GElf_Shdr sh;
  Elf_Scn *scn = kd_elf_section(elf, ".BTF", &sh);
  Elf_Data *d = scn && sh.sh_type == SHT_PROGBITS ? kd_elf_section_data(scn, &sh) : NULL;
  if (d && d->d_size > 0 && d->d_size <= BTF_MAX_SIZE && (*blob = malloc(d->d_size)) != NULL) {
    memcpy(*blob, d->d_buf, d->d_size);
    *size = d->d_size;
    found = true;
  }
  if (elf) elf_end(elf);
  close(fd);
  return found;
}

/*
** Where the vmlinux BTF is: between __start_BTF and __stop_BTF, which a
** debug vmlinux's symbol table may lack (linker-script symbols of a
** section that was stripped from it); else where kernel/bpf/btf.c's
** btf_vmlinux (struct btf, parsed by then if any module's BTF was
** registered) says.
*/
static struct kd_error *vmlinux_btf_bounds(struct kd_program *prog,
                                           uint64_t *data, uint64_t *size) {
  const struct kd_symbol *start = kd_symtab_lookup(prog->symtab, "__start_BTF");
  const struct kd_symbol *stop = kd_symtab_lookup(prog->symtab, "__stop_BTF");
  struct kd_error *err = NULL;
  if (start && stop) {
    *data = start->address;
    *size = stop->address > start->address ? stop->address - start->address : 0;
  } else {
    uint64_t addr, btf;
    struct kd_type *btf_t;
    err = kd_program_find_symbol(prog, "btf_vmlinux", &addr, NULL);
    if (err == NULL) err = kd_program_find_type(prog, "struct btf", &btf_t);
    if (err == NULL) err = kd_program_read_u64(prog, addr, &btf);
    if (err == NULL && btf == 0)
      err = kd_error_create(KD_ERR_LOOKUP, "the kernel never parsed its BTF "
                            "(btf_vmlinux is NULL)");
    if (err == NULL) err = kd_read_member_u64(prog, btf_t, btf, "data", data);
    if (err == NULL) err = kd_read_member_u64(prog, btf_t, btf, "data_size", size);
    if (err) {
      struct kd_error *e = kd_error_create(KD_ERR_LOOKUP, "the kernel's BTF is "
                                           "not located (no __start_BTF symbol; "
                                           "btf_vmlinux: %s)", err->message);
      kd_error_destroy(err);
      return e;
    }
    *size &= 0xffffffffu;        /* an unsigned int (u32) */
  }
  if (*size == 0 || *size > BTF_MAX_SIZE)
    return kd_error_create(KD_ERR_FORMAT, "the kernel's BTF size is "
                           "implausible (%" PRIu64 " bytes at 0x%" PRIx64 ")",
                           *size, *data);
  return NULL;
}

/*
** The base of the modules' split BTF.  Without a vmlinux it is the kernel's
** finder itself; with one, the dump's vmlinux BTF is read once, kept apart
** (prog->btf_base: the vmlinux DWARF answers the kernel's own type names)
** and only the type ids of module BTF resolve through it.  A failure is
** remembered: every module would fail the same way.
*/
static struct kd_error *btf_base(struct kd_program *prog, struct kd_finder **out) {
  *out = NULL;
  if (prog->nfinders && kd_btf_finder_is(prog->finders[0])) {
    *out = prog->finders[0];
    return NULL;
  }
  if (prog->btf_base) { *out = prog->btf_base; return NULL; }
  if (prog->btf_base_problem)
    return kd_error_create(KD_ERR_LOOKUP, "%s", prog->btf_base_problem);
  uint64_t data = 0, size = 0;
  unsigned char *blob = NULL;
  struct kd_error *err = NULL;
  if (!btf_from_vmlinux_file(prog, &blob, &size)) {
    err = vmlinux_btf_bounds(prog, &data, &size);
    if (err == NULL) err = read_blob(prog, data, size, &blob);
  }
  if (err == NULL) err = kd_btf_finder_new(blob, (size_t)size, "vmlinux",
                                           NULL, &prog->btf_base);
  if (err == kd_enomem) return err;
  if (err) {
    prog->btf_base_problem = strdup(err->message);
    return err;
  }
  kd_program_note(prog, "vmlinux BTF from the dump: %u types (the base of "
                  "module BTF)", kd_btf_count(prog->btf_base));
  *out = prog->btf_base;
  return NULL;
}

struct kd_error *kd_program_module_btf(struct kd_program *prog,
                                       struct kd_type *mod_t,
                                       struct kd_module *m) {
  m->btf_tried = true;
  struct kd_finder *base;
  struct kd_error *err = btf_base(prog, &base);
  if (err) return err;
  uint64_t data = 0, size = 0;
  /* CONFIG_DEBUG_INFO_BTF_MODULES (5.11+) */
  err = kd_read_member_u64(prog, mod_t, m->address, "btf_data", &data);
  if (err == NULL) err = kd_read_member_u64(prog, mod_t, m->address, "btf_data_size", &size);
  if (err) { kd_error_destroy(err); return NULL; }
  if (data == 0) {
    err = btf_of_module(prog, m->address, &data, &size);
    if (err) return err;
  }
  size &= 0xffffffffu;          /* an unsigned int (u32) */
  if (data == 0 || size == 0) return NULL;
  if (size > BTF_MAX_SIZE)
    return kd_error_create(KD_ERR_FORMAT, "module %s: implausible BTF size %"
                           PRIu64, m->name, size);
  unsigned char *blob = NULL;
  err = read_blob(prog, data, size, &blob);
  if (err) return err;
  char label[300];
  snprintf(label, sizeof label, "module %s", m->name);
  struct kd_finder *f;
  err = kd_btf_finder_new(blob, (size_t)size, label, base, &f);
  if (err) return err;
  struct kd_finder **nf = realloc(prog->finders, (prog->nfinders + 1) * sizeof *nf);
  if (nf == NULL) { kd_finder_destroy(f); return kd_enomem; }
  prog->finders = nf;
  prog->finders[prog->nfinders++] = f;
  m->finder = f;
  return NULL;
}

/*
** A module whose debug file has no DWARF (a symbols-only .ko: distributions
** trim their -dbg packages, and the fixture's nfsd.ko is one) or that has
** no debug file at all, next to a DWARF vmlinux: its types come from its
** BTF in the dump, split BTF on top of the dump's vmlinux BTF.  `why` says
** why DWARF is not used and becomes the start of the module's note.
*/
struct kd_error *kd_program_module_btf_fallback(struct kd_program *prog,
                                                struct kd_module *m,
                                                const char *why) {
  if (m->btf_tried || m->finder) return NULL;
  struct kd_type *mod_t;
  struct kd_error *err = kd_program_find_type(prog, "struct module", &mod_t);
  if (err == NULL) err = kd_program_module_btf(prog, mod_t, m);
  if (err == kd_enomem) return err;
  char note[600];
  if (m->finder)
    snprintf(note, sizeof note, "%s; types from its BTF", why);
  else
    snprintf(note, sizeof note, "%s; no BTF either%s%s", why,
             err ? ": " : "", err ? err->message : "");
  kd_error_destroy(err);
  free(m->note);
  m->note = strdup(note);
  if (m->finder)
    kd_program_note(prog, "module %s: types from its BTF in the dump (%u "
                    "types)", m->name, kd_btf_count(m->finder));
  return NULL;
}

struct kd_error *kd_program_module_types(struct kd_program *prog,
                                         struct kd_module *m) {
  struct kd_error *err = kd_program_module_dwarf(prog, m);
  if (err || m->finder || m->btf_tried || prog->type_source == NULL ||
      strcmp(prog->type_source, "DWARF") != 0)
    return err;
  return kd_program_module_btf_fallback(prog, m, m->note ? m->note : "no debug file found");
}

bool kd_program_module_types_from_btf(struct kd_program *prog,
                                      const char *module) {
  for (size_t i = 0; module && i < prog->nmodules; i++)
    if (strcmp(prog->modules[i].name, module) == 0)
      return kd_btf_finder_is(prog->modules[i].finder);
  return false;
}

/*
** Split "T [len]" into T and an element count, the length forms of
** known_globals.c resolved against this kernel; room is what the symbol
** has before the next one (0 if unknown).
*/
static struct kd_error *array_length(struct kd_program *prog, const char *name,
                                     uint64_t address, const char *len,
                                     struct kd_type *elem, uint64_t room,
                                     uint64_t *n) {
  char what[128];
  size_t l = strcspn(len, "]");
  snprintf(what, sizeof what, "%.*s", (int)(l < sizeof what ? l : sizeof what - 1), len);
  if (strncmp(what, "enum:", 5) == 0) {
    int64_t v;
    for (size_t i = 0; i < prog->nfinders; i++)   /* the kernel's, then modules' */
      if (kd_btf_enumerator(prog->finders[i], what + 5, &v) == 0 && v >= 0) {
        *n = (uint64_t)v;
        return NULL;
      }
  } else if (strncmp(what, "bits:", 5) == 0) {
    struct kd_type *t;
    struct kd_error *err = kd_program_find_type(prog, what + 5, &t);
    if (err) return err;
    *n = kd_type_sizeof(t) * 8;
    if (*n) return NULL;
  } else if (strcmp(what, "room") == 0) {
    uint64_t es = kd_type_sizeof(elem);
    if (room && es) { *n = room / es; return NULL; }
  } else if (strcmp(what, "sentinel") == 0 || strcmp(what, "nonzero") == 0) {
    /* sentinel: up to and with the first all-zero element (SNMP_MIB_SENTINEL,
    ** a NULL pointer, a string's NUL); nonzero: the room less the all-zero
    ** elements at its end (alignment padding after the last entry) */
    uint64_t es = kd_type_sizeof(elem);
    if (room && es && room <= (1u << 20)) {
      unsigned char *buf = malloc((size_t)room);
      if (buf == NULL) return kd_enomem;
      struct kd_error *err = kd_program_read(prog, address, buf, (size_t)room);
      if (err) { free(buf); return err; }
      uint64_t count = room / es, found = 0;
      bool sentinel = what[0] == 's';
      for (uint64_t i = 0; i < count; i++) {
        bool zero = true;
        for (uint64_t k = 0; k < es && zero; k++) zero = buf[i * es + k] == 0;
        if (sentinel && zero) { found = i + 1; break; }
        if (!sentinel && !zero) found = i + 1;
      }
      free(buf);
      if (found) { *n = found; return NULL; }
    }
  } else if (strncmp(what, "as:", 3) == 0) {
    /* as long as another table entry (MAX_SWAPFILES arrays) */
    uint64_t a;
    struct kd_type *t;
    struct kd_error *err = kd_program_find_symbol(prog, what + 3, &a, &t);
    if (err) return err;
    t = kd_type_resolve(t);
    if (t->kind == KD_TYPE_ARRAY && t->length_known) { *n = t->length; return NULL; }
  } else {
    char *end;
    *n = strtoull(what, &end, 10);
    if (*what && *end == '\0') return NULL;
  }
  return kd_error_create(KD_ERR_LOOKUP, "no type information for variable "
                         "%s: its length (%s) is unknown here", name, what);
}

struct kd_error *kd_program_known_global(struct kd_program *prog,
                                         const char *name, uint64_t address,
                                         struct kd_type **type) {
  const char *spelling = kd_known_global_type(name);
  if (spelling == NULL)
    return kd_error_create(KD_ERR_LOOKUP, "no type information for variable "
                           "%s: the dump's BTF describes per-CPU variables "
                           "only (name the type: kd.object(\"struct x\", "
                           "kd.symbol_address(\"%s\")), or give --vmlinux)",
                           name, name);
  /* a wrong table entry must not read past the variable: kallsyms puts
  ** the next symbol at or after its end */
  uint64_t next = kd_symtab_next_address(prog->symtab, address);
  uint64_t room = next > address ? next - address : 0;
  char base[256];
  const char *bracket = strchr(spelling, '[');
  size_t blen = bracket ? (size_t)(bracket - spelling) : strlen(spelling);
  snprintf(base, sizeof base, "%.*s", (int)blen, spelling);
  struct kd_type *t;
  struct kd_error *err;
  if (strncmp(base, "struct {", 8) == 0) {
    /* an unnamed struct, known by its members' names */
    char members[200];
    snprintf(members, sizeof members, "%.*s", (int)strcspn(base + 8, "}"), base + 8);
    err = prog->nfinders ? kd_btf_find_anonymous(prog->finders[0], members, &t)
                         : kd_error_create(KD_ERR_LOOKUP, "no BTF");
  } else {
    err = kd_program_find_type(prog, base, &t);
  }
  if (err) return err;
  if (bracket) {
    uint64_t n = 0;
    err = array_length(prog, name, address, bracket + 1, t, room, &n);
    if (err == NULL) err = kd_program_array_type(prog, t, n, &t);
    if (err) return err;
  }
  uint64_t size = kd_type_sizeof(t);
  if (next > address && size > next - address)
    return kd_error_create(KD_ERR_LOOKUP, "no type information for variable "
                           "%s: %s (%" PRIu64 " bytes) does not fit before the "
                           "next symbol (%" PRIu64 " bytes on)", name,
                           spelling, size, next - address);
  *type = t;
  return NULL;
}
