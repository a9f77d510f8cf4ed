/*
** test_btf.c -- without a vmlinux, kdlua reads the dump's own BTF and
** kallsyms (host/core/btf.c, host/debuginfo/btf_finder.c): on every
** fixture of $KDLUA_FIXTURE_DIRS, what they say must equal what the
** fixture's vmlinux says.
**
**  - every named struct, union and enum of the BTF, member by member
**    (name, bit offset, bit size, type spelled out) and enumerator by
**    enumerator, against the DWARF type of that name; typedefs by size;
**  - every per-CPU variable (BTF's VAR records) and every entry of
**    known_globals.c: the type's size and shape against DWARF's;
**  - every symbol of the dump's kallsyms has the same name and address in
**    the vmlinux symbol table;
**  - a corrupt or truncated BTF blob gives one error line, never a crash.
**
** Expected differences (tests/data/btf-vs-dwarf.txt says why) are counted
** and listed, not failed.  Skips (77) without fixtures unless CI=true.
*/
#define _GNU_SOURCE
#include "core/kallsyms.h"
#include "core/program.h"
#include "debuginfo/btf_finder.h"
#include "debuginfo/known_globals.h"
#include "base/fnv.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int passed, failed;

#define CHECK(cond, ...)                                         \
  do {                                                           \
    if (cond) {                                                  \
      passed++;                                                  \
    } else {                                                     \
      failed++;                                                  \
      if (failed < 60) {                                         \
        printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);   \
        printf(__VA_ARGS__);                                     \
        printf("\n");                                            \
      }                                                          \
    }                                                            \
  } while (0)

static struct kd_program *open_prog(const char *dir, bool btf) {
  char vmcore[4096], vmlinux[4096];
  snprintf(vmcore, sizeof vmcore, "%s/vmcore", dir);
  snprintf(vmlinux, sizeof vmlinux, "%s/vmlinux", dir);
  /* the DWARF side gets the fixture's module debug files, if any: module
  ** types are compared too (the BTF side has each module's own BTF) */
  static char modules[4096];
  static const char *dirs[1] = { modules };
  snprintf(modules, sizeof modules, "%s/modules", dir);
  struct kd_program_options o = { .vmcore = vmcore };
  if (btf) o.no_vmlinux = true; else o.vmlinux = vmlinux;
  if (!btf && access(modules, R_OK) == 0) {
    o.debuginfo_dirs = dirs;
    o.ndebuginfo_dirs = 1;
  }
  struct kd_program *p;
  struct kd_error *err = kd_program_open(&o, &p);
  if (err) {
    printf("FAIL %s: %s\n", dir, err->message);
    failed++;
    kd_error_destroy(err);
    return NULL;
  }
  return p;
}

/* BTF cannot tell a[0] from a flexible a[]: both read as "[]" here */
static void spell(struct kd_type *t, char *buf, size_t len) {
  kd_type_format(t, buf, len);
  char *p;
  while ((p = strstr(buf, "[0]")) != NULL) memmove(p + 1, p + 2, strlen(p + 2) + 1);
}

/* pahole writes int a[2][3] as int a[6]: the same bytes, one level */
static size_t flattened_arrays;

static bool same_flattened(struct kd_type *x, struct kd_type *y) {
  uint64_t nx = 1, ny = 1;
  while (x && x->kind == KD_TYPE_ARRAY) { nx *= x->length; x = x->target; }
  while (y && y->kind == KD_TYPE_ARRAY) { ny *= y->length; y = y->target; }
  char sx[600], sy[600];
  spell(x, sx, sizeof sx);
  spell(y, sy, sizeof sy);
  return nx == ny && strcmp(sx, sy) == 0;
}

static const char *kind_word(enum kd_type_kind k) {
  return k == KD_TYPE_STRUCT ? "struct " : k == KD_TYPE_UNION ? "union " :
         k == KD_TYPE_ENUM ? "enum " : "";
}

static int dup_names, dwarf_lacks;   /* names BTF defines more than once: skipped */
static size_t compared_types, compared_members;

static void compare_type(struct kd_program *dw, struct kd_program *bt,
                         enum kd_type_kind kind, const char *name) {
  char cname[300];
  snprintf(cname, sizeof cname, "%s%s", kind_word(kind), name);
  struct kd_type *a, *b;
  struct kd_error *e1 = kd_program_find_type(dw, cname, &a);
  struct kd_error *e2 = kd_program_find_type(bt, cname, &b);
  if (e1 && e2 == NULL) {
    /* a type only nested inside another in the DWARF (the finder indexes
    ** top-level names), or a declaration there */
    kd_error_destroy(e1);
    dwarf_lacks++;
    return;
  }
  CHECK(e1 == NULL && e2 == NULL, "%s: DWARF %s, BTF %s", cname,
        e1 ? e1->message : "ok", e2 ? e2->message : "ok");
  kd_error_destroy(e1);
  kd_error_destroy(e2);
  if (e1 || e2) return;
  compared_types++;
  kd_error_destroy(kd_type_load(a));
  kd_error_destroy(kd_type_load(b));
  if (kind == KD_TYPE_ENUM && kd_type_sizeof(a) == 0) {
    dwarf_lacks++;   /* only declared in the vmlinux DWARF (and in BTF) */
    return;
  }
  CHECK(kd_type_sizeof(a) == kd_type_sizeof(b), "%s: size %" PRIu64 " vs %" PRIu64,
        cname, kd_type_sizeof(a), kd_type_sizeof(b));
  if (kind == KD_TYPE_TYPEDEF) {
    CHECK(kd_type_resolve(a)->kind == kd_type_resolve(b)->kind, "%s: kind", cname);
    return;
  }
  kd_error_destroy(kd_type_load(a));
  kd_error_destroy(kd_type_load(b));
  if (kind == KD_TYPE_ENUM) {
    CHECK(a->nenumerators == b->nenumerators, "%s: %zu vs %zu enumerators",
          cname, a->nenumerators, b->nenumerators);
    CHECK(a->is_signed == b->is_signed, "%s: signedness", cname);
    for (size_t i = 0; i < a->nenumerators && i < b->nenumerators; i++)
      CHECK(strcmp(a->enumerators[i].name, b->enumerators[i].name) == 0 &&
            a->enumerators[i].value == b->enumerators[i].value,
            "%s: %s=%" PRId64 " vs %s=%" PRId64, cname, a->enumerators[i].name,
            a->enumerators[i].value, b->enumerators[i].name, b->enumerators[i].value);
    return;
  }
  CHECK(a->nmembers == b->nmembers, "%s: %zu vs %zu members", cname,
        a->nmembers, b->nmembers);
  for (size_t i = 0; i < a->nmembers && i < b->nmembers; i++) {
    const struct kd_member *x = &a->members[i], *y = &b->members[i];
    char sx[600], sy[600];
    spell(x->type, sx, sizeof sx);
    spell(y->type, sy, sizeof sy);
    compared_members++;
    if (strcmp(sx, sy) != 0 && x->type->kind == KD_TYPE_ARRAY &&
        x->type->target->kind == KD_TYPE_ARRAY && same_flattened(x->type, y->type) &&
        x->bit_offset == y->bit_offset) {
      flattened_arrays++;
      continue;
    }
    CHECK(((x->name == NULL) == (y->name == NULL)) &&
          (x->name == NULL || strcmp(x->name, y->name) == 0) &&
          x->bit_offset == y->bit_offset && x->bit_size == y->bit_size &&
          strcmp(sx, sy) == 0,
          "%s.%s: DWARF %s @%" PRIu64 ":%u, BTF %s %s @%" PRIu64 ":%u", cname,
          x->name ? x->name : "<anon>", sx, x->bit_offset, x->bit_size,
          y->name ? y->name : "<anon>", sy, y->bit_offset, y->bit_size);
  }
}

struct seen { uint64_t hash; };

static int u64cmp(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static void compare_types(struct kd_program *dw, struct kd_program *bt,
                          size_t finder) {
  struct kd_finder *f = bt->finders[finder];
  uint32_t first = kd_btf_first_id(f), n = kd_btf_count(f);
  /* names defined twice (two different `struct x` in two files) cannot
  ** be compared by name: count them first */
  uint64_t *h = malloc(((size_t)n + 1) * sizeof *h);
  size_t nh = 0;
  for (uint32_t id = first; id < first + n; id++) {
    const char *name;
    enum kd_type_kind k = kd_btf_kind_name(f, id, &name);
    if (name && (k == KD_TYPE_STRUCT || k == KD_TYPE_UNION || k == KD_TYPE_ENUM ||
                 k == KD_TYPE_TYPEDEF))
      h[nh++] = kd_fnv1a_str(name) * 31 + (uint64_t)k;
  }
  qsort(h, nh, sizeof *h, u64cmp);
  for (uint32_t id = first; id < first + n; id++) {
    const char *name;
    enum kd_type_kind k = kd_btf_kind_name(f, id, &name);
    if (name == NULL || !(k == KD_TYPE_STRUCT || k == KD_TYPE_UNION ||
                          k == KD_TYPE_ENUM || k == KD_TYPE_TYPEDEF))
      continue;
    uint64_t key = kd_fnv1a_str(name) * 31 + (uint64_t)k;
    uint64_t *p = bsearch(&key, h, nh, sizeof *h, u64cmp);
    if ((p > h && p[-1] == key) || (p + 1 < h + nh && p[1] == key)) {
      dup_names++;
      continue;
    }
    compare_type(dw, bt, k, name);
  }
  free(h);
}

/* types of globals: the shape must be the same */
static void compare_variable(struct kd_program *dw, struct kd_program *bt,
                             const char *name) {
  uint64_t a1, a2;
  struct kd_type *t1, *t2;
  struct kd_error *e1 = kd_program_find_symbol(dw, name, &a1, &t1);
  if (e1) { kd_error_destroy(e1); return; }   /* not in this kernel */
  struct kd_error *e2 = kd_program_find_symbol(bt, name, &a2, &t2);
  CHECK(e2 == NULL, "variable %s: %s", name, e2 ? e2->message : "");
  if (e2) { kd_error_destroy(e2); return; }
  char s1[300], s2[300];
  kd_type_format(t1, s1, sizeof s1);
  kd_type_format(t2, s2, sizeof s2);
  struct kd_type *r1 = kd_type_resolve(t1), *r2 = kd_type_resolve(t2);
  CHECK(a1 == a2 && kd_type_sizeof(t1) == kd_type_sizeof(t2) &&
        r1->kind == r2->kind &&
        (r1->kind != KD_TYPE_ARRAY || !r1->length_known || r1->length == r2->length),
        "variable %s: DWARF %s (%" PRIu64 " bytes) at %" PRIx64 ", BTF %s (%"
        PRIu64 " bytes) at %" PRIx64, name, s1, kd_type_sizeof(t1), a1, s2,
        kd_type_sizeof(t2), a2);
}

static size_t compared_symbols, excused;

/* "symbol NAME" lines of tests/btf-vs-dwarf.txt (NAME* a prefix) */
static char **expected;
static size_t nexpected;

static void load_expected(void) {
  char path[4096];
  const char *src = getenv("KDLUA_SOURCE_DIR");
  snprintf(path, sizeof path, "%s/tests/btf-vs-dwarf.txt", src ? src : ".");
  FILE *f = fopen(path, "r");
  if (f == NULL) { printf("FAIL cannot read %s\n", path); failed++; return; }
  char line[512];
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "symbol ", 7) != 0) continue;
    line[strcspn(line, "\n")] = '\0';
    expected = realloc(expected, (nexpected + 1) * sizeof *expected);
    expected[nexpected++] = strdup(line + 7);
  }
  fclose(f);
}

static bool expected_symbol(const char *name) {
  for (size_t i = 0; i < nexpected; i++) {
    size_t l = strlen(expected[i]);
    if (l && expected[i][l - 1] == '*' ? strncmp(name, expected[i], l - 1) == 0
                                       : strcmp(name, expected[i]) == 0)
      return true;
  }
  return false;
}

static void compare_symbols(struct kd_program *dw, struct kd_program *bt) {
  size_t n = kd_symtab_count(dw->symtab);
  uint64_t *keys = malloc((n ? n : 1) * sizeof *keys);
  for (size_t i = 0; i < n; i++) {
    const struct kd_symbol *s = kd_symtab_at(dw->symtab, i);
    keys[i] = kd_fnv1a_str(s->name) ^ (s->address * 0x9e3779b97f4a7c15ull);
  }
  qsort(keys, n, sizeof *keys, u64cmp);
  size_t m = kd_symtab_count(bt->symtab), missing = 0;
  for (size_t i = 0; i < m; i++) {
    const struct kd_symbol *s = kd_symtab_at(bt->symtab, i);
    if (s->module) continue;
    uint64_t k = kd_fnv1a_str(s->name) ^ (s->address * 0x9e3779b97f4a7c15ull);
    compared_symbols++;
    if (bsearch(&k, keys, n, sizeof *keys, u64cmp) == NULL) {
      /* the few symbols kallsyms has and a vmlinux cannot (see
      ** tests/data/btf-vs-dwarf.txt) are counted, not failed */
      const struct kd_symbol *d = kd_symtab_lookup(dw->symtab, s->name);
      if (d == NULL && expected_symbol(s->name)) { excused++; continue; }
      if (missing++ < 10)
        printf("symbol %s %c at %" PRIx64 ": vmlinux has %s at %" PRIx64 "\n",
               s->name, s->type, s->address, d ? d->name : "none",
               d ? d->address : 0);
    }
  }
  CHECK(missing == 0, "%zu kallsyms symbols differ from the vmlinux's", missing);
  free(keys);
}

/* a BTF blob made wrong in a few ways: one error each, no crash */
static void bad_blobs(struct kd_program *bt) {
  const struct kd_symbol *start = kd_symtab_lookup(bt->symtab, "__start_BTF");
  const struct kd_symbol *stop = kd_symtab_lookup(bt->symtab, "__stop_BTF");
  if (start == NULL || stop == NULL) return;
  size_t len = (size_t)(stop->address - start->address);
  unsigned char *orig = malloc(len);
  if (kd_program_read(bt, start->address, orig, len) != NULL) { free(orig); return; }
  struct { const char *what; size_t cut; size_t at; unsigned char val; } cases[] = {
    { "truncated to 10 bytes", 10, 0, 0 },
    { "truncated in the middle", 0, 0, 0 },
    { "bad magic", 0, 0, 0x00 },
    { "unknown kind", 0, 24 + 4 + 3, 0x1f },   /* first record's info */
    { "string offset out of range", 0, 24 + 3, 0x7f },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    size_t l = cases[i].cut ? cases[i].cut : len;
    if (i == 1) l = len / 2;
    unsigned char *b = malloc(len);
    memcpy(b, orig, len);
    if (i >= 2) b[cases[i].at] = cases[i].val;
    struct kd_finder *f = NULL;
    struct kd_error *err = kd_btf_finder_new(b, l, "test", NULL, &f);
    CHECK(err != NULL && f == NULL && strchr(err->message, '\n') == NULL &&
          strstr(err->message, "BTF") != NULL,
          "%s: %s", cases[i].what, err ? err->message : "accepted");
    if (err) printf("  %s -> %s\n", cases[i].what, err->message);
    kd_error_destroy(err);
    kd_finder_destroy(f);
  }
  /* random damage to the type records: an error or a finder whose every
  ** lookup answers (an error or a type), never a crash (the ASan build
  ** runs this) */
  unsigned seed = 17;
  size_t rejected = 0, survived = 0;
  for (int round = 0; round < 200; round++) {
    unsigned char *b = malloc(len);
    memcpy(b, orig, len);
    for (int k = 0; k < 4; k++) {
      seed = seed * 1103515245u + 12345u;
      size_t at = 24 + (seed >> 8) % (len < 65536 ? len - 24 : 65536);
      seed = seed * 1103515245u + 12345u;
      b[at] = (unsigned char)(seed >> 16);
    }
    struct kd_finder *f = NULL;
    struct kd_error *err = kd_btf_finder_new(b, len, "fuzz", NULL, &f);
    if (err) { rejected++; kd_error_destroy(err); continue; }
    survived++;
    for (uint32_t id = 1; id < 3000 && id < kd_btf_count(f); id++) {
      const char *name;
      enum kd_type_kind k = kd_btf_kind_name(f, id, &name);
      if (name == NULL || (k != KD_TYPE_STRUCT && k != KD_TYPE_UNION && k != KD_TYPE_ENUM))
        continue;
      struct kd_type *t;
      struct kd_error *e = f->find_type(f->ctx, k, name, &t);
      if (e == NULL) e = kd_type_load(t);
      kd_error_destroy(e);
    }
    kd_finder_destroy(f);
  }
  printf("  200 randomly damaged blobs: %zu rejected, %zu read without a crash\n",
         rejected, survived);
  CHECK(rejected + survived == 200, "fuzz rounds");
  free(orig);
}

static void one_fixture(const char *dir) {
  char p[4096];
  snprintf(p, sizeof p, "%s/vmlinux", dir);
  if (access(p, R_OK) != 0) { printf("skip %s: no vmlinux\n", dir); return; }
  struct kd_program *dw = open_prog(dir, false), *bt = open_prog(dir, true);
  if (dw == NULL || bt == NULL) goto out;
  CHECK(bt->type_source && strcmp(bt->type_source, "BTF") == 0,
        "%s: types not from BTF: %s", dir,
        bt->source_warning ? bt->source_warning : "?");
  if (bt->nfinders == 0) goto out;
  size_t f0 = (size_t)failed;
  compared_types = compared_members = compared_symbols = excused = 0;
  dup_names = dwarf_lacks = 0;
  flattened_arrays = 0;
  compare_types(dw, bt, 0);
  printf("%s: %zu types (%zu members) compared, %d names defined twice "
         "skipped, %d not defined in the DWARF, %zu multi-dimensional "
         "arrays flattened by BTF, %zu failures\n", dir, compared_types,
         compared_members, dup_names, dwarf_lacks, flattened_arrays,
         (size_t)failed - f0);
  /* modules: each one's split BTF against its debug file */
  f0 = (size_t)failed;
  size_t types_before = compared_types;
  int lacks_before = dwarf_lacks;
  struct kd_error *merr = kd_program_load_modules(bt);
  CHECK(merr == NULL, "%s: modules: %s", dir, merr ? merr->message : "");
  kd_error_destroy(merr);
  size_t nmod = bt->nfinders;
  for (size_t i = 1; i < nmod; i++) compare_types(dw, bt, i);
  printf("%s: %zu module BTFs, %zu module types compared, %d not in the "
         "modules' debug files, %zu failures\n", dir, nmod - 1,
         compared_types - types_before, dwarf_lacks - lacks_before,
         (size_t)failed - f0);
  f0 = (size_t)failed;
  const char *type;
  for (size_t i = 0; kd_known_global_at(i, &type); i++) {
    const char *name = kd_known_global_at(i, &type);
    compare_variable(dw, bt, name);
  }
  /* per-CPU variables: BTF's own VAR records */
  struct kd_finder *f = bt->finders[0];
  for (uint32_t id = kd_btf_first_id(f); id < kd_btf_first_id(f) + kd_btf_count(f); id++) {
    const char *name;
    kd_btf_kind_name(f, id, &name);
    if (name == NULL) continue;
    struct kd_type *t;
    struct kd_error *err = f->find_variable(f->ctx, name, &t);
    if (err) { kd_error_destroy(err); continue; }
    compare_variable(dw, bt, name);
  }
  printf("%s: globals compared, %zu failures\n", dir, (size_t)failed - f0);
  f0 = (size_t)failed;
  compare_symbols(dw, bt);
  printf("%s: %zu kallsyms symbols compared, %zu expected differences "
         "(tests/btf-vs-dwarf.txt), %zu failures\n", dir, compared_symbols,
         excused, (size_t)failed - f0);
  bad_blobs(bt);
out:
  kd_program_close(dw);
  kd_program_close(bt);
}

int main(void) {
  const char *dirs = getenv("KDLUA_FIXTURE_DIRS");
  int any = 0;
  load_expected();
  /* kd_known_global_type bsearches the table */
  const char *prev = NULL, *ty;
  for (size_t i = 0; kd_known_global_at(i, &ty); i++) {
    const char *name = kd_known_global_at(i, &ty);
    CHECK(prev == NULL || strcmp(prev, name) < 0, "known_globals.c: %s after %s",
          name, prev ? prev : "");
    CHECK(kd_known_global_type(name) == ty, "known_globals.c: %s not found", name);
    prev = name;
  }
  if (dirs) {
    char *copy = strdup(dirs), *save = NULL;
    for (char *d = strtok_r(copy, "\n", &save); d; d = strtok_r(NULL, "\n", &save)) {
      char p[4096];
      snprintf(p, sizeof p, "%s/vmcore", d);
      if (access(p, R_OK) != 0) continue;
      any = 1;
      one_fixture(d);
    }
    free(copy);
  }
  if (!any) {
    const char *ci = getenv("CI");
    printf("no fixture dumps\n");
    return ci && strcmp(ci, "true") == 0 ? 1 : 77;
  }
  printf("%d passed, %d failed\n", passed, failed);
  for (size_t i = 0; i < nexpected; i++) free(expected[i]);
  free(expected);
  return failed ? 1 : 0;
}
