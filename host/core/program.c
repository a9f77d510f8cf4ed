/*
** program.c -- opening a dump with its debuginfo (see program.h).
*/
#include "program.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "debuginfo/debugcache.h"
#include "debuginfo/debuginfo.h"
#include "debuginfo/dwarf_finder.h"

#include <elfutils/libdwfl.h>

/* Types kdlua makes itself (pointers to, arrays of): a list of blocks. */
struct kd_type_arena {
  struct kd_type_arena *next;
  size_t used;
  struct kd_type types[64];
};

/* KASLR moves the kernel image, which is linked at or above this address;
** per-CPU symbols (offsets from 0) stay where they are. */
#define KERNEL_IMAGE_START 0xffffffff80000000ull

void kd_program_note(struct kd_program *prog, const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  char **n = realloc(prog->notes, (prog->nnotes + 1) * sizeof *n);
  if (n == NULL) return;
  prog->notes = n;
  prog->notes[prog->nnotes] = strdup(buf);
  if (prog->notes[prog->nnotes]) prog->nnotes++;
}

static struct kd_error *open_vmlinux(struct kd_program *prog) {
  if (prog->opts.no_vmlinux)
    return kd_program_open_btf(prog, "--no-vmlinux was given");
  const char *release = kd_dump_vmcoreinfo(prog->dump, "OSRELEASE");
  if (release == NULL) release = kd_dump_attr_string(prog->dump, "linux.uts.release");
  struct kd_debuginfo_query q = {
    .release = release,
    .build_id_hex = kd_dump_vmcoreinfo(prog->dump, "BUILD-ID"),
    .vmcore_path = prog->opts.vmcore,
    .dirs = prog->opts.debuginfo_dirs,
    .ndirs = prog->opts.ndebuginfo_dirs,
    .explicit_vmlinux = prog->opts.vmlinux,
    .force = prog->opts.force,
  };
  struct kd_debuginfo_result res = { 0 };
  struct kd_error *err = kd_debuginfo_find_vmlinux(&q, &res);
  for (size_t i = 0; i < res.nnotes; i++) kd_program_note(prog, "%s", res.notes[i]);
  if (err) {
    kd_debuginfo_result_free(&res);
    return err;
  }
  if (res.vmlinux_path == NULL) {
    char why[300];
    snprintf(why, sizeof why, "no vmlinux with debug info was found for %s",
             release ? release : "this dump");
    kd_debuginfo_result_free(&res);
    return kd_program_open_btf(prog, why);
  }
  prog->vmlinux_path = res.vmlinux_path;
  prog->build_id = res.build_id_hex;
  res.vmlinux_path = NULL;
  res.build_id_hex = NULL;
  kd_debuginfo_result_free(&res);

  char *usable = NULL, *warning = NULL;
  int created = 0;
  err = kd_debugcache_get(prog->vmlinux_path, prog->cache_dir, &usable,
                          &created, &warning);
  if (err) return err;
  if (warning) {
    kd_program_note(prog, "warning: %s", warning);
    /* a section that does not inflate is damage in the debug file: kept to
    ** explain the lookups that fail because of it (see explain_missing) */
    const char *inflate = strstr(warning, "cannot inflate");
    if (inflate) prog->dwarf_problem = strndup(inflate, strcspn(inflate, ";"));
    free(warning);
  }
  if (created) kd_program_note(prog, "wrote uncompressed copy %s", usable);
  prog->vmlinux_read_path = usable;
  kd_program_note(prog, "vmlinux: %s%s%s (build-id %s)", prog->vmlinux_path,
                  strcmp(usable, prog->vmlinux_path) ? ", read from " : "",
                  strcmp(usable, prog->vmlinux_path) ? usable : "",
                  prog->build_id ? prog->build_id : "none");

  Dwarf *dwarf;
  int fd;
  err = kd_dwarf_open(usable, &dwarf, &fd);
  if (err) return err;
  struct kd_finder *f;
  err = kd_dwarf_finder_new(dwarf, fd, "vmlinux", prog->cache_dir,
                            prog->build_id, &f);
  if (err) {
    dwarf_end(dwarf);
    close(fd);
    return err;
  }
  if (strcmp(usable, prog->vmlinux_path) != 0) kd_dwarf_finder_own_copy(f);
  prog->finders = malloc(sizeof *prog->finders);
  if (prog->finders == NULL) { kd_finder_destroy(f); return kd_enomem; }
  prog->finders[prog->nfinders++] = f;
  prog->type_source = "DWARF";
  err = kd_symtab_add_elf(prog->symtab, usable, prog->kaslr_offset,
                          KERNEL_IMAGE_START);
  if (err) return err;
  /* its symbols' name hashes and address order, kept per build */
  const char *id = prog->build_id;
  char *cpath = NULL;
  if (id && *id && strlen(id) <= 128 && strspn(id, "0123456789abcdef") == strlen(id) &&
      prog->cache_dir && !kd_env_flag("KDLUA_NO_CACHE")) {
    size_t len = strlen(prog->cache_dir) + strlen(id) + 8;
    cpath = malloc(len);
    if (cpath) snprintf(cpath, len, "%s/%s.kdsym", prog->cache_dir, id);
  }
  kd_symtab_use_cache(prog->symtab, cpath);
  free(cpath);
  return NULL;
}

struct kd_error *kd_program_open(const struct kd_program_options *opts,
                                 struct kd_program **out) {
  *out = NULL;
  struct kd_program *prog = calloc(1, sizeof *prog);
  if (prog == NULL) return kd_enomem;
  prog->opts = *opts;
  prog->cache_dir = kd_debugcache_dir();
  struct kd_error *err = kd_dump_open_noted(opts->vmcore, prog->cache_dir, &prog->dump);
  if (err) goto fail;
  prog->kaslr_offset = kd_dump_kaslr_offset(prog->dump);
  err = kd_symtab_new(&prog->symtab);
  if (err) goto fail;
  kd_program_note(prog, "dump: %s (%s, %s)", opts->vmcore,
                  kd_dump_format(prog->dump), kd_dump_arch(prog->dump));
  err = open_vmlinux(prog);
  if (err) goto fail;
  const struct kd_symbol *pco = kd_symtab_lookup(prog->symtab, "__per_cpu_offset");
  if (pco) prog->per_cpu_offset_addr = pco->address;
  *out = prog;
  return NULL;
fail:
  kd_program_close(prog);
  return err;
}

void kd_program_close(struct kd_program *prog) {
  if (prog == NULL) return;
  for (size_t i = 0; i < prog->nfinders; i++) kd_finder_destroy(prog->finders[i]);
  free(prog->finders);
  if (prog->btf_base) kd_finder_destroy(prog->btf_base);
  free(prog->btf_base_problem);
  for (size_t i = 0; i < prog->nmodules; i++) {
    if (prog->modules[i].dwfl) dwfl_end(prog->modules[i].dwfl);
    free(prog->modules[i].name);
    free(prog->modules[i].debug_path);
    free(prog->modules[i].note);
    free(prog->modules[i].debug_str);
  }
  free(prog->modules);
  kd_error_destroy(prog->modules_error);
  free(prog->dwarf_problem);
  for (size_t i = 0; i < prog->nnotes; i++) free(prog->notes[i]);
  free(prog->notes);
  while (prog->synth) {
    struct kd_type_arena *n = prog->synth->next;
    free(prog->synth);
    prog->synth = n;
  }
  kd_symtab_free(prog->symtab);
  for (size_t i = 0; i < prog->nmissing; i++) free(prog->missing[i]);
  free(prog->missing);
  kd_dump_close(prog->dump);
  free(prog->vmlinux_path);
  free(prog->vmlinux_read_path);
  free(prog->build_id);
  free(prog->source_warning);
  free(prog->cache_dir);
  free(prog);
}

bool kd_program_has_types(struct kd_program *prog) { return prog->nfinders > 0; }

static struct kd_type *synth_type(struct kd_program *prog) {
  if (prog->synth == NULL || prog->synth->used == 64) {
    struct kd_type_arena *a = calloc(1, sizeof *a);
    if (a == NULL) return NULL;
    a->next = prog->synth;
    prog->synth = a;
  }
  struct kd_type *t = &prog->synth->types[prog->synth->used++];
  memset(t, 0, sizeof *t);
  t->members_loaded = true;
  return t;
}

struct kd_error *kd_program_pointer_type(struct kd_program *prog,
                                         struct kd_type *t,
                                         struct kd_type **out) {
  /* reuse an earlier one: scripts call container_of in loops */
  for (struct kd_type_arena *a = prog->synth; a; a = a->next)
    for (size_t i = 0; i < a->used; i++)
      if (a->types[i].kind == KD_TYPE_POINTER && a->types[i].target == t) {
        *out = &a->types[i];
        return NULL;
      }
  struct kd_type *p = synth_type(prog);
  if (p == NULL) return kd_enomem;
  p->kind = KD_TYPE_POINTER;
  p->size = 8;
  p->target = t;
  *out = p;
  return NULL;
}

struct kd_error *kd_program_array_type(struct kd_program *prog,
                                       struct kd_type *t, uint64_t n,
                                       struct kd_type **out) {
  for (struct kd_type_arena *a = prog->synth; a; a = a->next)
    for (size_t i = 0; i < a->used; i++)
      if (a->types[i].kind == KD_TYPE_ARRAY && a->types[i].target == t &&
          a->types[i].length == n) {
        *out = &a->types[i];
        return NULL;
      }
  struct kd_type *p = synth_type(prog);
  if (p == NULL) return kd_enomem;
  p->kind = KD_TYPE_ARRAY;
  p->target = t;
  p->length = n;
  p->length_known = true;
  p->size = n * kd_type_sizeof(t);
  *out = p;
  return NULL;
}

static struct kd_error *no_types(struct kd_program *prog, const char *what) {
  if (prog->source_warning)
    return kd_error_create(KD_ERR_LOOKUP, "no type information for %s (%s)",
                           what, prog->source_warning);
  return kd_error_create(KD_ERR_LOOKUP, "no type information for %s (no "
                         "vmlinux debuginfo was found; use --vmlinux or "
                         "--debuginfo-dir)", what);
}

/* A lookup that failed on a debug file known to be damaged says so, rather
** than "no type information" alone. */
static struct kd_error *explain_missing(struct kd_program *prog, struct kd_error *err) {
  if (err == NULL || err->code != KD_ERR_LOOKUP || prog->dwarf_problem == NULL) return err;
  struct kd_error *e = kd_error_create(KD_ERR_LOOKUP, "%s (the debug file %s is damaged: %s)",
                                       err->message, prog->vmlinux_path, prog->dwarf_problem);
  kd_error_destroy(err);
  return e;
}

/*
** open_modules false: only the finders open now are asked (the vmlinux's,
** the modules' already opened), and a miss is not remembered as "defined
** nowhere", which only a search of the modules can tell.
*/
static struct kd_error *find_named(struct kd_program *prog,
                                   enum kd_type_kind kind, const char *name,
                                   struct kd_type **out, bool open_modules) {
  if (prog->nfinders == 0) return no_types(prog, name);
  char key[300];          /* "<kind>:<name>", made only once a pass missed */
  struct kd_error *first = NULL;
  for (int pass = 0; pass < 2; pass++) {
    for (size_t i = 0; i < prog->nfinders; i++) {
      struct kd_finder *f = prog->finders[i];
      struct kd_error *err = f->find_type(f->ctx, kind, name, out);
      if (err == NULL) {
        kd_error_destroy(first);
        return kd_program_complete_type(prog, *out);
      }
      if (err->code != KD_ERR_LOOKUP) { kd_error_destroy(first); return err; }
      if (first == NULL) first = err; else kd_error_destroy(err);
    }
    if (pass == 0) {
      snprintf(key, sizeof key, "%d:%s", (int)kind, name);
      for (size_t i = 0; i < prog->nmissing; i++)
        if (strcmp(prog->missing[i], key) == 0) return first;
    }
    if (!open_modules) return first;
    /* not in the kernel: open the debug files of the modules that may
    ** define it and ask again */
    if (pass == 0 && !prog->opts.no_modules) {
      struct kd_error *err = kd_program_load_modules(prog);
      if (err) kd_error_destroy(err);
      if (kd_program_open_all_module_dwarf(prog, name) > 0) {
        kd_error_destroy(first);
        first = NULL;
        continue;
      }
    }
    break;
  }
  /* found nowhere: remember, so asking again costs one pass */
  char **nm = realloc(prog->missing, (prog->nmissing + 1) * sizeof *nm);
  if (nm) {
    prog->missing = nm;
    if ((nm[prog->nmissing] = strdup(key)) != NULL) prog->nmissing++;
  }
  return first;
}

/*
** A struct, union or enum that its finder only declares (the vmlinux
** declares struct svc_xprt, sunrpc.ko defines it) takes the definition
** of the first finder that has one, module debug files opened as for a
** lookup by name.  Nothing happens when nobody defines it.
*/
struct kd_error *kd_program_complete_type(struct kd_program *prog,
                                          struct kd_type *t) {
  t = kd_type_resolve(t);
  if (t == NULL || t->is_complete || t->name == NULL ||
      (t->kind != KD_TYPE_STRUCT && t->kind != KD_TYPE_UNION &&
       t->kind != KD_TYPE_ENUM))
    return NULL;
  struct kd_error *err = kd_type_load(t);   /* its own finder first */
  if (err || t->is_complete) return err;
  /* defined nowhere (an opaque type): asked again, answered at once */
  char key[300];
  snprintf(key, sizeof key, "decl%d:%s", (int)t->kind, t->name);
  for (size_t i = 0; i < prog->nmissing; i++)
    if (strcmp(prog->missing[i], key) == 0) return NULL;
  for (int pass = 0; pass < 2; pass++) {
    for (size_t i = 0; i < prog->nfinders; i++) {
      struct kd_finder *f = prog->finders[i];
      if (f == t->finder) continue;
      struct kd_type *full;
      err = f->find_type(f->ctx, t->kind, t->name, &full);
      if (err) {
        if (err->code != KD_ERR_LOOKUP) return err;
        kd_error_destroy(err);
        continue;
      }
      if (full != t && !full->is_complete) kd_error_destroy(kd_type_load(full));
      if (full != t && full->is_complete) return kd_type_adopt_definition(t, full);
    }
    if (pass == 1 || prog->opts.no_modules) break;
    err = kd_program_load_modules(prog);
    kd_error_destroy(err);
    if (kd_program_open_all_module_dwarf(prog, t->name) == 0) break;
  }
  char **nm = realloc(prog->missing, (prog->nmissing + 1) * sizeof *nm);
  if (nm) {
    prog->missing = nm;
    if ((nm[prog->nmissing] = strdup(key)) != NULL) prog->nmissing++;
  }
  return NULL;
}

void kd_program_release_memory(struct kd_program *prog) {
  for (size_t i = 0; i < prog->nfinders; i++) {
    struct kd_finder *f = prog->finders[i];
    if (f->release) f->release(f->ctx);
  }
  malloc_trim(0);
}

/*
** Parse a C type name: optional tag keyword, a (possibly multi-word) base
** name, then any number of '*' and "[n]" suffixes.
*/
struct kd_error *kd_program_find_constant(struct kd_program *prog, const char *name,
                                          int64_t *value) {
  for (size_t i = 0; i < prog->nfinders; i++) {
    struct kd_finder *f = prog->finders[i];
    if (f->find_constant == NULL) continue;
    struct kd_error *err = f->find_constant(f->ctx, name, value);
    if (err == NULL || err->code != KD_ERR_LOOKUP) return err;
    kd_error_destroy(err);
  }
  return kd_error_create(KD_ERR_LOOKUP, "no enumerator %s in the debug info open now", name);
}

static struct kd_error *find_type(struct kd_program *prog, const char *name,
                                  struct kd_type **out, bool open_modules) {
  char base[256];
  const char *p = name;
  while (isspace((unsigned char)*p)) p++;
  enum kd_type_kind kind = KD_TYPE_ANY;
  static const struct { const char *kw; enum kd_type_kind kind; } tags[] = {
    { "struct ", KD_TYPE_STRUCT }, { "union ", KD_TYPE_UNION },
    { "enum ", KD_TYPE_ENUM }, { "typedef ", KD_TYPE_TYPEDEF } };
  for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++) {
    size_t n = strlen(tags[i].kw);
    if (strncmp(p, tags[i].kw, n) == 0) {
      kind = tags[i].kind;
      p += n;
      break;
    }
  }
  const char *end = p + strcspn(p, "*[");
  while (end > p && isspace((unsigned char)end[-1])) end--;
  size_t blen = (size_t)(end - p);
  if (blen == 0 || blen >= sizeof base)
    return kd_error_create(KD_ERR_LOOKUP, "bad type name '%s'", name);
  /* collapse runs of blanks ("unsigned  long") */
  size_t k = 0;
  for (const char *q = p; q < end; q++) {
    if (isspace((unsigned char)*q)) {
      if (k && base[k - 1] != ' ') base[k++] = ' ';
    } else {
      base[k++] = *q;
    }
  }
  base[k] = '\0';
  struct kd_type *t;
  struct kd_error *err;
  if (kind == KD_TYPE_ANY && strcmp(base, "void") == 0) {
    static struct kd_type void_type = { .kind = KD_TYPE_VOID, .name = "void",
                                        .members_loaded = true };
    t = &void_type;
  } else {
    err = find_named(prog, kind, base, &t, open_modules);
    if (err) return explain_missing(prog, err);
  }
  for (const char *q = end; *q; q++) {
    if (isspace((unsigned char)*q)) continue;
    if (*q == '*') {
      err = kd_program_pointer_type(prog, t, &t);
      if (err) return err;
    } else if (*q == '[') {
      char *e;
      const char *digits = q + 1;
      while (isspace((unsigned char)*digits)) digits++;
      /* strtoull takes "-1" as 2^64-1: only plain digits make a length */
      if (!isdigit((unsigned char)*digits))
        return kd_error_create(KD_ERR_LOOKUP, "bad type name '%s'", name);
      errno = 0;
      unsigned long long n = strtoull(digits, &e, 0);
      if (*e != ']' || errno == ERANGE || n > (1ull << 40))
        return kd_error_create(KD_ERR_LOOKUP, "bad type name '%s'", name);
      err = kd_program_array_type(prog, t, n, &t);
      if (err) return err;
      q = e;
    } else {
      return kd_error_create(KD_ERR_LOOKUP, "bad type name '%s'", name);
    }
  }
  *out = t;
  return NULL;
}

struct kd_error *kd_program_find_type(struct kd_program *prog, const char *name,
                                      struct kd_type **out) {
  return find_type(prog, name, out, true);
}

struct kd_error *kd_program_find_open_type(struct kd_program *prog, const char *name,
                                           struct kd_type **out) {
  return find_type(prog, name, out, false);
}

struct kd_error *kd_program_find_symbol(struct kd_program *prog,
                                        const char *name, uint64_t *address,
                                        struct kd_type **type) {
  const struct kd_symbol *s = kd_symtab_lookup(prog->symtab, name);
  if (s == NULL && !prog->modules_loaded && !prog->opts.no_modules) {
    struct kd_error *err = kd_program_load_modules(prog);
    if (err) kd_error_destroy(err);
    s = kd_symtab_lookup(prog->symtab, name);
  }
  if (s != NULL) {
    *address = s->address;
  } else {
    /* VMCOREINFO names a few symbols even without debuginfo */
    char key[256];
    snprintf(key, sizeof key, "SYMBOL(%s)", name);
    const char *v = kd_dump_vmcoreinfo(prog->dump, key);
    if (v == NULL && prog->nfinders == 0)
      return no_types(prog, name);
    if (v == NULL)
      return kd_error_create(KD_ERR_LOOKUP, "no symbol named '%s'", name);
    *address = strtoull(v, NULL, 16);
  }
  if (type == NULL) return NULL;
  *type = NULL;
  if (prog->nfinders == 0) return no_types(prog, name);
  /* a module's symbol: its type is in that module's debug file */
  if (s != NULL && s->module != NULL)
    for (size_t i = 0; i < prog->nmodules; i++)
      if (strcmp(prog->modules[i].name, s->module) == 0) {
        struct kd_error *err = kd_program_module_types(prog, &prog->modules[i]);
        if (err) return err;
      }
  struct kd_error *first = NULL;
  for (size_t i = 0; i < prog->nfinders; i++) {
    struct kd_finder *f = prog->finders[i];
    struct kd_error *err = f->find_variable(f->ctx, name, type);
    if (err == NULL) { kd_error_destroy(first); return NULL; }
    if (err->code != KD_ERR_LOOKUP) { kd_error_destroy(first); return err; }
    if (first == NULL) first = err; else kd_error_destroy(err);
  }
  /* BTF has types for per-CPU variables only: other globals kdlua reads
  ** have theirs written down (known_globals.h); so for the globals of a
  ** module whose types came from its BTF next to a DWARF vmlinux */
  if ((prog->type_source && strcmp(prog->type_source, "BTF") == 0) ||
      (s != NULL && kd_program_module_types_from_btf(prog, s->module))) {
    struct kd_error *err = kd_program_known_global(prog, name, *address, type);
    if (err == NULL || err->code != KD_ERR_LOOKUP) {
      kd_error_destroy(first);
      return err;
    }
    kd_error_destroy(err);
  }
  return explain_missing(prog, first);
}

struct kd_error *kd_program_read(struct kd_program *prog, uint64_t addr,
                                 void *buf, size_t len) {
  return kd_dump_read(prog->dump, KD_KVADDR, addr, buf, len);
}

struct kd_error *kd_program_read_u64(struct kd_program *prog, uint64_t addr,
                                     uint64_t *v) {
  return kd_dump_read(prog->dump, KD_KVADDR, addr, v, sizeof *v);
}

struct kd_error *kd_program_read_string(struct kd_program *prog, uint64_t addr,
                                        size_t max, char **out, size_t *len) {
  size_t cap = max < 256 ? max + 1 : 257, n = 0;
  char *s = malloc(cap);
  if (s == NULL) return kd_enomem;
  /* read page by page so a string ending just before a hole still reads */
  while (n < max) {
    char chunk[256];
    size_t want = max - n < sizeof chunk ? max - n : sizeof chunk;
    uint64_t page_left = 4096 - ((addr + n) & 4095);
    if (want > page_left) want = (size_t)page_left;
    struct kd_error *err = kd_program_read(prog, addr + n, chunk, want);
    if (err) { free(s); return err; }
    size_t l = strnlen(chunk, want);
    if (n + l + 1 > cap) {
      size_t ncap = cap * 2 > n + l + 1 ? cap * 2 : n + l + 1;
      char *g = realloc(s, ncap);
      if (g == NULL) { free(s); return kd_enomem; }
      s = g;
      cap = ncap;
    }
    memcpy(s + n, chunk, l);
    n += l;
    if (l < want) break;
  }
  s[n] = '\0';
  *out = s;
  *len = n;
  return NULL;
}

struct kd_error *kd_program_per_cpu_offset(struct kd_program *prog,
                                           unsigned cpu, uint64_t *off) {
  if (prog->per_cpu_offset_addr == 0)
    return kd_error_create(KD_ERR_LOOKUP, "no symbol __per_cpu_offset: per-CPU "
                           "data cannot be located");
  struct kd_type *t;
  uint64_t addr;
  struct kd_error *err = kd_program_find_symbol(prog, "__per_cpu_offset", &addr, &t);
  if (err == NULL) {
    t = kd_type_resolve(t);
    if (t && t->kind == KD_TYPE_ARRAY && t->length_known && cpu >= t->length)
      return kd_error_create(KD_ERR_LOOKUP, "CPU %u is beyond NR_CPUS (%" PRIu64 ")",
                             cpu, t->length);
  } else {
    kd_error_destroy(err);
  }
  return kd_program_read_u64(prog, prog->per_cpu_offset_addr + 8ull * cpu, off);
}

/*
** Read a struct cpumask behind a symbol (`__cpu_online_mask`...) and list
** the set bits below nr_cpu_ids.
*/
struct kd_error *kd_program_cpu_mask(struct kd_program *prog, const char *which,
                                     unsigned **cpus, size_t *n) {
  char sym[64];
  snprintf(sym, sizeof sym, "__cpu_%s_mask", which);
  uint64_t addr;
  struct kd_type *t = NULL;
  struct kd_error *err = kd_program_find_symbol(prog, sym, &addr, &t);
  if (err && err->code != KD_ERR_LOOKUP) return err;
  if (err) {
    /* older kernels: cpu_online_mask was a pointer variable */
    kd_error_destroy(err);
    snprintf(sym, sizeof sym, "cpu_%s_mask", which);
    err = kd_program_find_symbol(prog, sym, &addr, NULL);
    if (err) return err;
    t = NULL;
  }
  uint64_t nbits = 8192, nr_cpu_ids = 0;
  if (t) {
    uint64_t sz = kd_type_sizeof(t);
    if (sz) nbits = sz * 8;
  }
  uint64_t nci_addr;
  struct kd_error *e2 = kd_program_find_symbol(prog, "nr_cpu_ids", &nci_addr, NULL);
  if (e2 == NULL) {
    uint32_t v;
    e2 = kd_program_read(prog, nci_addr, &v, 4);
    if (e2 == NULL) nr_cpu_ids = v;
  }
  kd_error_destroy(e2);
  if (nr_cpu_ids && nr_cpu_ids < nbits) nbits = nr_cpu_ids;
  size_t words = (size_t)((nbits + 63) / 64);
  uint64_t *bits = malloc(words * 8);
  *cpus = malloc((size_t)nbits * sizeof **cpus + 1);
  if (bits == NULL || *cpus == NULL) {
    free(bits);
    free(*cpus);
    *cpus = NULL;   /* the caller frees what it gets back */
    return kd_enomem;
  }
  err = kd_program_read(prog, addr, bits, words * 8);
  if (err) {
    free(bits);
    free(*cpus);
    *cpus = NULL;
    return err;
  }
  *n = 0;
  for (uint64_t i = 0; i < nbits; i++)
    if (bits[i / 64] >> (i % 64) & 1) (*cpus)[(*n)++] = (unsigned)i;
  free(bits);
  return NULL;
}
