/*
** dwarf_finder.c -- kd_finder over DWARF (see dwarf_finder.h).
*/
#include "dwarf_finder.h"
#include "debuginfo.h"

#include <dwarf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/child.h"
#include "arena.h"
#include "debugcache.h"
#include "base/fnv.h"
#include "base/input.h"


/* {====== name index ====== */

enum index_kind {
  IDX_VARIABLE = 1, IDX_VARIABLE_DECL, IDX_STRUCT, IDX_UNION, IDX_ENUM,
  IDX_TYPEDEF, IDX_BASE, IDX_STRUCT_DECL, IDX_UNION_DECL, IDX_ENUM_DECL,
  /* a variable's entry may instead hold the offset of its type's DIE: see
  ** build_index; 0 stands for void */
  IDX_VARIABLE_TYPE, IDX_VARIABLE_DECL_TYPE
};

struct index_entry {
  uint64_t hash;
  uint64_t off_kind;   /* die offset << 4 | kind */
};

#define INDEX_MAGIC 0x31584449414c444bull   /* "KDLADIX1" */
#define INDEX_VERSION 2

struct index_header {
  uint64_t magic;
  uint64_t version;
  uint64_t count;
  uint64_t info_size;  /* size of .debug_info, a cheap identity check */
};

static int entry_cmp(const void *a, const void *b) {
  const struct index_entry *x = a, *y = b;
  if (x->hash != y->hash) return x->hash < y->hash ? -1 : 1;
  if (x->off_kind != y->off_kind) return x->off_kind < y->off_kind ? -1 : 1;
  return 0;
}

/* }====== */

struct intern_slot {
  uint64_t off;
  struct kd_type *type;
};

struct dwarf_finder {
  struct kd_finder finder;
  char *label;
  Dwarf *dwarf;
  int fd;                       /* >= 0 when owned */
  struct kd_arena arena;
  /* die offset -> type */
  struct intern_slot *intern;
  size_t intern_cap, intern_count;
  /* name index */
  struct index_entry *index;
  size_t nindex;
  void *index_map;              /* when mapped from the cache */
  size_t index_map_size;
  /* enumerator constants (see "constants" below) */
  struct const_entry *consts;
  size_t nconsts;
  void *consts_map;
  size_t consts_map_size;
  int consts_built;
  int index_cached;
  int index_built;
  double index_seconds;
  char *cache_dir, *cache_key;
  struct kd_type void_type;
  /* the debug file's mapping (see drop_mapped_pages) */
  char *map_base;
  size_t map_size;
  unsigned types_since_drop;
  bool own_copy;                /* the debug file is our cache copy */
};

/*
** libdw maps the whole debug file and, to find the unit of a DIE, reads
** every unit header before it: a few type lookups touch pages all over a
** 100+ MiB file, and each touched page stays in our RSS.  They are clean
** pages of a read-only private file mapping (libelf maps with PROT_READ
** for ELF_C_READ_MMAP, so no page was ever copied-on-write), so dropping
** them now and then is free of risk: a later access faults them back in
** from the page cache.
*/
static void df_release(void *ctx) {
  struct dwarf_finder *df = ctx;
  df->types_since_drop = 0;
  if (df->map_base) madvise(df->map_base, df->map_size, MADV_DONTNEED);
  if (df->index_map) madvise(df->index_map, df->index_map_size, MADV_DONTNEED);
}

/*
** How many of this process's resident pages are file pages (statm's
** "shared": mapped files, the debug file's among them); SIZE_MAX if unknown
** (no /proc: then the pages are dropped every time, as before).
*/
static size_t resident_file_bytes(void) {
  char buf[128];
  int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return SIZE_MAX;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return SIZE_MAX;
  buf[n] = '\0';
  unsigned long size, resident, shared;
  if (sscanf(buf, "%lu %lu %lu", &size, &resident, &shared) != 3) return SIZE_MAX;
  return (size_t)shared * (size_t)sysconf(_SC_PAGESIZE);
}

/*
** Every 64 types, the mapped pages are dropped -- but only once the
** process's resident file pages pass MAPPED_BUDGET.  How fast they grow
** depends on the page cache: pages read in by our own faults are mapped
** one by one, but a debug copy written moments ago sits in large folios,
** and a fault then maps much more of it (a report's main process peaked at
** 115 MiB there without drops).  Dropping at a fixed pace kept that in
** check but, in the usual case, made every process fault the same pages
** in again and again: ~45 ms of a report's CPU.
*/
#define MAPPED_BUDGET ((size_t)24 << 20)

static void drop_mapped_pages(struct dwarf_finder *df) {
  if (df->map_base == NULL) return;
  if (++df->types_since_drop < 64) return;
  df->types_since_drop = 0;
  if (resident_file_bytes() < MAPPED_BUDGET) return;
  df_release(df);
}

static struct kd_error *type_from_die(struct dwarf_finder *df, Dwarf_Die *die,
                                      struct kd_type **out);

static uint64_t debug_info_size(Dwarf *dwarf) {
  GElf_Shdr sh;
  return kd_elf_section(dwarf_getelf(dwarf), ".debug_info", &sh) ? sh.sh_size : 0;
}

static char *index_path(struct dwarf_finder *df) {
  if (df->cache_dir == NULL || df->cache_key == NULL) return NULL;
  size_t n = strlen(df->cache_dir) + strlen(df->cache_key) + 32;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s/%s.kdidx", df->cache_dir, df->cache_key);
  return p;
}

static int load_cached_index(struct dwarf_finder *df) {
  char *path = index_path(df);
  if (path == NULL) return 0;
  size_t size;
  const struct index_header *h = kd_cache_map(path, sizeof *h, &size);
  free(path);
  if (h == NULL) return 0;
  if (h->magic != INDEX_MAGIC || h->version != INDEX_VERSION ||
      h->info_size != debug_info_size(df->dwarf) ||
      sizeof *h + h->count * sizeof(struct index_entry) != size) {
    munmap((void *)h, size);
    return 0;
  }
  df->index_map = (void *)h;
  df->index_map_size = size;
  df->index = (struct index_entry *)(h + 1);
  df->nindex = h->count;
  df->index_cached = 1;
  return 1;
}

static void save_index(struct dwarf_finder *df) {
  char *path = index_path(df);
  if (path == NULL) return;
  struct index_header h = { INDEX_MAGIC, INDEX_VERSION, df->nindex,
                            debug_info_size(df->dwarf) };
  const void *parts[] = { &h, df->index };
  size_t sizes[] = { sizeof h, df->nindex * sizeof *df->index };
  kd_cache_write_parts(path, parts, sizes, 2);
  free(path);
}

static int index_kind_of(Dwarf_Die *die) {
  bool decl = dwarf_hasattr(die, DW_AT_declaration);
  switch (dwarf_tag(die)) {
    case DW_TAG_variable: return decl ? IDX_VARIABLE_DECL : IDX_VARIABLE;
    case DW_TAG_structure_type:
    case DW_TAG_class_type: return decl ? IDX_STRUCT_DECL : IDX_STRUCT;
    case DW_TAG_union_type: return decl ? IDX_UNION_DECL : IDX_UNION;
    case DW_TAG_enumeration_type: return decl ? IDX_ENUM_DECL : IDX_ENUM;
    case DW_TAG_typedef: return IDX_TYPEDEF;
    case DW_TAG_base_type: return IDX_BASE;
    default: return 0;
  }
}

/*
** Walk the top-level DIEs of every unit (partial units included: dwz moves
** shared types there) and record the named ones.  Siblings are skipped via
** DW_AT_sibling, so function bodies are never read.
*/
static struct kd_error *build_index(struct dwarf_finder *df) {
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  size_t cap = 1 << 16, n = 0;
  struct index_entry *idx = malloc(cap * sizeof *idx);
  if (idx == NULL) return kd_enomem;
  Dwarf_Off off = 0, next;
  size_t hsize;
  while (dwarf_next_unit(df->dwarf, off, &next, &hsize, NULL, NULL, NULL,
                         NULL, NULL, NULL) == 0) {
    Dwarf_Die cu, child;
    if (dwarf_offdie(df->dwarf, off + hsize, &cu) != NULL &&
        dwarf_child(&cu, &child) == 0) {
      do {
        int kind = index_kind_of(&child);
        if (kind == 0) continue;
        const char *name = dwarf_diename(&child);
        if (name == NULL) continue;
        if (n == cap) {
          cap *= 2;
          struct index_entry *g = realloc(idx, cap * sizeof *idx);
          if (g == NULL) { free(idx); return kd_enomem; }
          idx = g;
        }
        idx[n].hash = kd_fnv1a_str(name);
        idx[n].off_kind = (dwarf_dieoffset(&child) << 4) | (uint64_t)kind;
        if (kind == IDX_VARIABLE || kind == IDX_VARIABLE_DECL) {
          /* Record where the variable's type is, not the variable: libdw
          ** must intern every unit before a DIE to read it, and variables
          ** sit in the compile units after dwz's shared partial units, so
          ** reading one costs ~17 MiB; their types mostly do not. */
          Dwarf_Attribute a;
          Dwarf_Die td;
          uint64_t toff = 0;
          if (dwarf_attr_integrate(&child, DW_AT_type, &a) &&
              dwarf_formref_die(&a, &td) != NULL)
            toff = dwarf_dieoffset(&td);
          idx[n].off_kind = (toff << 4) |
              (uint64_t)(kind == IDX_VARIABLE ? IDX_VARIABLE_TYPE
                                              : IDX_VARIABLE_DECL_TYPE);
        }
        n++;
      } while (dwarf_siblingof(&child, &child) == 0);
    }
    off = next;
  }
  qsort(idx, n, sizeof *idx, entry_cmp);
  df->index = idx;
  df->nindex = n;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  df->index_seconds = (double)(t1.tv_sec - t0.tv_sec) +
                      (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  save_index(df);
  return NULL;
}

/* in a child (child.h): the walk interns every unit, ~180 MB for a
** kernel, and only the index file it leaves matters */
static int build_index_child(void *arg, char *msg, size_t cap) {
  struct kd_error *err = build_index(arg);
  if (err == NULL) return 0;
  snprintf(msg, cap, "%s", err->message);
  kd_error_destroy(err);
  return 1;
}

static struct kd_error *ensure_index(struct dwarf_finder *df) {
  if (df->index_built) return NULL;
  df->index_built = 1;
  if (load_cached_index(df)) return NULL;
  /* with a cache to leave it in, the index is built by a child and read
  ** from there; otherwise (or should the child fail) here */
  char msg[256];
  if (df->cache_dir && df->cache_key && kd_make_dirs(df->cache_dir) == 0 &&
      access(df->cache_dir, W_OK) == 0 &&
      kd_run_in_child(build_index_child, df, msg, sizeof msg) == 0) {
    /* the child read the whole debug file and wrote the index: both are
    ** mapped by every later start (debugcache.c, "settle") */
    char *ipath = index_path(df);
    if (ipath) kd_cache_file_settle(ipath);
    free(ipath);
    if (df->own_copy) kd_cache_fd_settle(df->fd);
    if (load_cached_index(df)) return NULL;
  }
  return build_index(df);
}

/*
** Find the DIE of `name` among the index kinds accepted by `want` (a
** bitmask of 1 << kind), preferring the earliest kind in `order`.
*/
static int index_lookup(struct dwarf_finder *df, const char *name,
                        const int *order, size_t norder, Dwarf_Die *out) {
  uint64_t h = kd_fnv1a_str(name);
  size_t lo = 0, hi = df->nindex;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (df->index[mid].hash < h) lo = mid + 1; else hi = mid;
  }
  for (size_t k = 0; k < norder; k++) {
    for (size_t i = lo; i < df->nindex && df->index[i].hash == h; i++) {
      if ((int)(df->index[i].off_kind & 15) != order[k]) continue;
      Dwarf_Die die;
      if (dwarf_offdie(df->dwarf, df->index[i].off_kind >> 4, &die) == NULL)
        continue;
      const char *n = dwarf_diename(&die);
      if (n && strcmp(n, name) == 0) {
        *out = die;
        return 1;
      }
    }
  }
  return 0;
}

/* {====== DIE -> kd_type ====== */

static struct kd_type *intern_get(struct dwarf_finder *df, uint64_t off) {
  if (df->intern_cap == 0) return NULL;
  size_t mask = df->intern_cap - 1;
  for (size_t i = (size_t)(off * 0x9e3779b97f4a7c15ull >> 20) & mask;;
       i = (i + 1) & mask) {
    if (df->intern[i].type == NULL) return NULL;
    if (df->intern[i].off == off) return df->intern[i].type;
  }
}

static int intern_put(struct dwarf_finder *df, uint64_t off, struct kd_type *t) {
  if (df->intern_count * 2 >= df->intern_cap) {
    size_t ncap = df->intern_cap ? df->intern_cap * 2 : 1024;
    struct intern_slot *n = calloc(ncap, sizeof *n);
    if (n == NULL) return -1;
    for (size_t i = 0; i < df->intern_cap; i++) {
      if (df->intern[i].type == NULL) continue;
      size_t j = (size_t)(df->intern[i].off * 0x9e3779b97f4a7c15ull >> 20) & (ncap - 1);
      while (n[j].type) j = (j + 1) & (ncap - 1);
      n[j] = df->intern[i];
    }
    free(df->intern);
    df->intern = n;
    df->intern_cap = ncap;
  }
  size_t mask = df->intern_cap - 1;
  size_t i = (size_t)(off * 0x9e3779b97f4a7c15ull >> 20) & mask;
  while (df->intern[i].type) i = (i + 1) & mask;
  df->intern[i].off = off;
  df->intern[i].type = t;
  df->intern_count++;
  return 0;
}

static struct kd_error *dwarf_failure(struct dwarf_finder *df, const char *what) {
  return kd_error_create(KD_ERR_FORMAT, "%s: %s: %s", df->label, what,
                         dwarf_errmsg(-1));
}

static uint64_t die_size(Dwarf_Die *die) {
  Dwarf_Word w;
  Dwarf_Attribute a;
  if (dwarf_attr_integrate(die, DW_AT_byte_size, &a) && dwarf_formudata(&a, &w) == 0)
    return w;
  return 0;
}

/* Type referred to by DW_AT_type of `die`; void when it has none. */
static struct kd_error *referenced_type(struct dwarf_finder *df, Dwarf_Die *die,
                                        struct kd_type **out) {
  Dwarf_Attribute a;
  Dwarf_Die t;
  if (dwarf_attr_integrate(die, DW_AT_type, &a) == NULL) {
    *out = &df->void_type;
    return NULL;
  }
  if (dwarf_formref_die(&a, &t) == NULL)
    return dwarf_failure(df, "bad DW_AT_type reference");
  return type_from_die(df, &t, out);
}

static struct kd_error *array_from_die(struct dwarf_finder *df, Dwarf_Die *die,
                                       struct kd_type *t) {
  /* int a[2][3] is one DIE with two subranges: build nested arrays,
  ** outermost first. */
  struct kd_type *elem;
  struct kd_error *err = referenced_type(df, die, &elem);
  if (err) return err;
  Dwarf_Die sub;
  uint64_t lengths[8];
  bool known[8];
  int nsub = 0;
  if (dwarf_child(die, &sub) == 0) {
    do {
      if (dwarf_tag(&sub) != DW_TAG_subrange_type || nsub == 8) continue;
      Dwarf_Attribute a;
      Dwarf_Word w;
      known[nsub] = false;
      lengths[nsub] = 0;
      if (dwarf_attr(&sub, DW_AT_count, &a) && dwarf_formudata(&a, &w) == 0) {
        lengths[nsub] = w;
        known[nsub] = true;
      } else if (dwarf_attr(&sub, DW_AT_upper_bound, &a)) {
        /* libdw sign-extends DW_FORM_data1/2/4 in dwarf_formsdata, so
        ** char buf[256] (upper bound 255 in one byte) read as -1; only
        ** DW_FORM_sdata is signed, and a[0]'s bound is -1 or all ones */
        Dwarf_Sword s;
        Dwarf_Word u;
        unsigned form = dwarf_whatform(&a);
        bool is_signed = form == DW_FORM_sdata || form == DW_FORM_implicit_const;
        if (is_signed ? dwarf_formsdata(&a, &s) == 0 : dwarf_formudata(&a, &u) == 0) {
          if (!is_signed) s = u == UINT64_MAX || (form == DW_FORM_data4 && u == UINT32_MAX)
                                  ? -1 : (Dwarf_Sword)u;
          if (s >= 0) {
            lengths[nsub] = (uint64_t)s + 1;
            known[nsub] = true;
          } else if (s == -1) {
            lengths[nsub] = 0;
            known[nsub] = true;   /* a[0] */
          }
        }
      }
      nsub++;
    } while (dwarf_siblingof(&sub, &sub) == 0);
  }
  if (nsub == 0) { known[0] = false; lengths[0] = 0; nsub = 1; }
  for (int i = nsub - 1; i >= 1; i--) {
    struct kd_type *inner = kd_arena_alloc(&df->arena, sizeof *inner);
    if (inner == NULL) return kd_enomem;
    inner->kind = KD_TYPE_ARRAY;
    inner->target = elem;
    inner->length = lengths[i];
    inner->length_known = known[i];
    inner->size = known[i] ? lengths[i] * kd_type_sizeof(elem) : 0;
    inner->finder = &df->finder;
    elem = inner;
  }
  t->target = elem;
  t->length = lengths[0];
  t->length_known = known[0];
  t->size = known[0] ? lengths[0] * kd_type_sizeof(elem) : 0;
  return NULL;
}

static struct kd_error *type_from_die(struct dwarf_finder *df, Dwarf_Die *die,
                                      struct kd_type **out) {
  uint64_t off = dwarf_dieoffset(die);
  struct kd_type *t = intern_get(df, off);
  if (t) { *out = t; return NULL; }
  int tag = dwarf_tag(die);
  switch (tag) {
    case DW_TAG_const_type:
    case DW_TAG_volatile_type:
    case DW_TAG_restrict_type:
    case DW_TAG_atomic_type:
    case DW_TAG_immutable_type: {
      /* qualifiers do not change how memory is read: look through them */
      struct kd_error *err = referenced_type(df, die, &t);
      if (err) return err;
      if (intern_put(df, off, t)) return kd_enomem;
      *out = t;
      return NULL;
    }
    default:
      break;
  }
  drop_mapped_pages(df);
  t = kd_arena_alloc(&df->arena, sizeof *t);
  if (t == NULL) return kd_enomem;
  t->finder = &df->finder;
  t->source_id = off;
  t->name = dwarf_diename(die);
  struct kd_error *err = NULL;
  switch (tag) {
    case DW_TAG_base_type: {
      Dwarf_Attribute a;
      Dwarf_Word enc = 0;
      if (dwarf_attr(die, DW_AT_encoding, &a)) dwarf_formudata(&a, &enc);
      t->size = die_size(die);
      t->members_loaded = true;
      switch (enc) {
        case DW_ATE_float: case DW_ATE_complex_float:
          t->kind = KD_TYPE_FLOAT; t->is_signed = true; break;
        case DW_ATE_boolean:
          t->kind = KD_TYPE_INT; t->is_bool = true; break;
        case DW_ATE_signed_char:
          t->kind = KD_TYPE_INT; t->is_signed = true; t->is_char = true; break;
        case DW_ATE_unsigned_char: case DW_ATE_UTF:
          t->kind = KD_TYPE_INT; t->is_char = true; break;
        case DW_ATE_signed:
          t->kind = KD_TYPE_INT; t->is_signed = true; break;
        default:
          t->kind = KD_TYPE_INT; break;
      }
      /* gcc describes plain char as signed_char/unsigned_char; "char" is
      ** the name either way */
      break;
    }
    case DW_TAG_pointer_type:
    case DW_TAG_reference_type:
    case DW_TAG_rvalue_reference_type:
      t->kind = KD_TYPE_POINTER;
      t->size = die_size(die);
      if (t->size == 0) t->size = 8;
      t->members_loaded = true;
      if (intern_put(df, off, t)) return kd_enomem;
      err = referenced_type(df, die, &t->target);
      *out = t;
      return err;
    case DW_TAG_structure_type:
    case DW_TAG_class_type:
    case DW_TAG_union_type:
      t->kind = tag == DW_TAG_union_type ? KD_TYPE_UNION : KD_TYPE_STRUCT;
      t->size = die_size(die);
      t->is_complete = !dwarf_hasattr(die, DW_AT_declaration);
      break;
    case DW_TAG_enumeration_type: {
      t->kind = KD_TYPE_ENUM;
      t->size = die_size(die);
      t->is_complete = !dwarf_hasattr(die, DW_AT_declaration);
      if (intern_put(df, off, t)) return kd_enomem;
      if (dwarf_hasattr(die, DW_AT_type)) {
        err = referenced_type(df, die, &t->target);
        if (!err) t->is_signed = kd_type_resolve(t->target)->is_signed;
      }
      *out = t;
      return err;
    }
    case DW_TAG_array_type:
      t->kind = KD_TYPE_ARRAY;
      t->members_loaded = true;
      if (intern_put(df, off, t)) return kd_enomem;
      err = array_from_die(df, die, t);
      *out = t;
      return err;
    case DW_TAG_typedef:
      t->kind = KD_TYPE_TYPEDEF;
      t->members_loaded = true;
      if (intern_put(df, off, t)) return kd_enomem;
      err = referenced_type(df, die, &t->target);
      if (!err) t->size = kd_type_sizeof(t->target);
      *out = t;
      return err;
    case DW_TAG_subroutine_type:
    case DW_TAG_subprogram: {
      t->kind = KD_TYPE_FUNCTION;
      t->members_loaded = true;
      if (intern_put(df, off, t)) return kd_enomem;
      err = referenced_type(df, die, &t->target);
      if (err) return err;
      Dwarf_Die p;
      size_t np = 0;
      if (dwarf_child(die, &p) == 0) {
        do {
          if (dwarf_tag(&p) == DW_TAG_formal_parameter) np++;
          else if (dwarf_tag(&p) == DW_TAG_unspecified_parameters)
            t->is_variadic = true;
        } while (dwarf_siblingof(&p, &p) == 0);
      }
      if (np) {
        t->params = kd_arena_alloc(&df->arena, np * sizeof *t->params);
        if (t->params == NULL) return kd_enomem;
        dwarf_child(die, &p);
        do {
          if (dwarf_tag(&p) != DW_TAG_formal_parameter) continue;
          err = referenced_type(df, &p, &t->params[t->nparams++]);
          if (err) return err;
        } while (dwarf_siblingof(&p, &p) == 0);
      }
      *out = t;
      return NULL;
    }
    case DW_TAG_unspecified_type:
    default:
      t->kind = KD_TYPE_VOID;
      t->members_loaded = true;
      break;
  }
  if (intern_put(df, off, t)) return kd_enomem;
  *out = t;
  return NULL;
}

/* Byte offset of a member: a constant, or (old DWARF) DW_OP_plus_uconst. */
static int member_location(Dwarf_Die *die, uint64_t *off) {
  Dwarf_Attribute a;
  *off = 0;
  if (dwarf_attr(die, DW_AT_data_member_location, &a) == NULL) return 0;
  Dwarf_Word w;
  if (dwarf_formudata(&a, &w) == 0) { *off = w; return 0; }
  Dwarf_Op *ops;
  size_t nops;
  if (dwarf_getlocation(&a, &ops, &nops) == 0 && nops == 1 &&
      ops[0].atom == DW_OP_plus_uconst) {
    *off = ops[0].number;
    return 0;
  }
  return -1;
}

static struct kd_error *load_members(struct dwarf_finder *df, struct kd_type *t,
                                     Dwarf_Die *die) {
  Dwarf_Die c;
  size_t n = 0;
  if (dwarf_child(die, &c) == 0) {
    do {
      if (dwarf_tag(&c) == DW_TAG_member) n++;
    } while (dwarf_siblingof(&c, &c) == 0);
  }
  struct kd_member *ms = n ? kd_arena_alloc(&df->arena, n * sizeof *ms) : NULL;
  if (n && ms == NULL) return kd_enomem;
  size_t i = 0;
  if (n && dwarf_child(die, &c) == 0) {
    do {
      if (dwarf_tag(&c) != DW_TAG_member) continue;
      struct kd_member *m = &ms[i++];
      m->name = dwarf_diename(&c);
      struct kd_error *err = referenced_type(df, &c, &m->type);
      if (err) return err;
      Dwarf_Attribute a;
      Dwarf_Word w;
      uint64_t byte_off;
      if (member_location(&c, &byte_off) != 0)
        return kd_error_create(KD_ERR_FORMAT, "%s: member %s of %s has a "
                               "location expression kdlua cannot evaluate",
                               df->label, m->name ? m->name : "<anonymous>",
                               t->name ? t->name : "<anonymous>");
      m->bit_offset = byte_off * 8;
      if (dwarf_attr(&c, DW_AT_bit_size, &a) && dwarf_formudata(&a, &w) == 0)
        m->bit_size = (uint32_t)w;
      if (dwarf_attr(&c, DW_AT_data_bit_offset, &a) &&
          dwarf_formudata(&a, &w) == 0) {
        m->bit_offset = w;
      } else if (m->bit_size && dwarf_attr(&c, DW_AT_bit_offset, &a) &&
                 dwarf_formudata(&a, &w) == 0) {
        /* DWARF 2/3: bit_offset counts from the most significant bit of
        ** the storage unit; convert to little-endian bit numbering */
        uint64_t storage = die_size(&c);
        if (storage == 0) storage = kd_type_sizeof(m->type);
        m->bit_offset = byte_off * 8 + storage * 8 - w - m->bit_size;
      }
    } while (dwarf_siblingof(&c, &c) == 0);
  }
  t->members = ms;
  t->nmembers = n;
  return kd_type_index_members(t, kd_arena_alloc_cb, &df->arena);
}

static struct kd_error *load_enumerators(struct dwarf_finder *df,
                                         struct kd_type *t, Dwarf_Die *die) {
  Dwarf_Die c;
  size_t n = 0;
  if (dwarf_child(die, &c) == 0) {
    do {
      if (dwarf_tag(&c) == DW_TAG_enumerator) n++;
    } while (dwarf_siblingof(&c, &c) == 0);
  }
  struct kd_enumerator *es = n ? kd_arena_alloc(&df->arena, n * sizeof *es) : NULL;
  if (n && es == NULL) return kd_enomem;
  size_t i = 0;
  bool any_negative = false;
  if (n && dwarf_child(die, &c) == 0) {
    do {
      if (dwarf_tag(&c) != DW_TAG_enumerator) continue;
      Dwarf_Attribute a;
      es[i].name = dwarf_diename(&c);
      if (dwarf_attr(&c, DW_AT_const_value, &a)) {
        Dwarf_Sword s;
        Dwarf_Word u;
        if (dwarf_whatform(&a) == DW_FORM_sdata && dwarf_formsdata(&a, &s) == 0) {
          es[i].value = s;
          if (s < 0) any_negative = true;
        } else if (dwarf_formudata(&a, &u) == 0) {
          es[i].value = (int64_t)u;
        }
      }
      i++;
    } while (dwarf_siblingof(&c, &c) == 0);
  }
  t->enumerators = es;
  t->nenumerators = n;
  if (t->target == NULL) t->is_signed = any_negative;
  return NULL;
}

/* the index kinds of kd_type_lookup_spaces' name spaces */
static int struct_kind_order(enum kd_type_kind kind, int *order) {
  static const int index_kind_of[KD_NS_COUNT] = {
    [KD_NS_STRUCT] = IDX_STRUCT, [KD_NS_STRUCT_DECL] = IDX_STRUCT_DECL,
    [KD_NS_UNION] = IDX_UNION, [KD_NS_UNION_DECL] = IDX_UNION_DECL,
    [KD_NS_ENUM] = IDX_ENUM, [KD_NS_ENUM_DECL] = IDX_ENUM_DECL,
    [KD_NS_TYPEDEF] = IDX_TYPEDEF, [KD_NS_BASE] = IDX_BASE,
  };
  enum kd_name_space spaces[KD_LOOKUP_SPACES_MAX];
  int n = kd_type_lookup_spaces(kind, spaces);
  for (int i = 0; i < n; i++) order[i] = index_kind_of[spaces[i]];
  return n;
}

static struct kd_error *df_load(void *ctx, struct kd_type *t) {
  struct dwarf_finder *df = ctx;
  if (t->members_loaded) return NULL;
  drop_mapped_pages(df);
  Dwarf_Die die;
  if (!t->is_complete && t->name) {
    /* a declaration: borrow the members of the definition */
    int order[KD_LOOKUP_SPACES_MAX];
    int n = struct_kind_order(t->kind, order);
    struct kd_error *err = ensure_index(df);
    if (err) return err;
    if (index_lookup(df, t->name, order, 1, &die)) {
      struct kd_type *full;
      err = type_from_die(df, &die, &full);
      if (err) return err;
      (void)n;
      if (full != t && full->is_complete) return kd_type_adopt_definition(t, full);
    }
    t->members_loaded = true;   /* stays incomplete: no members */
    return NULL;
  }
  if (dwarf_offdie(df->dwarf, t->source_id, &die) == NULL)
    return dwarf_failure(df, "cannot read type DIE");
  t->members_loaded = true;  /* set first: a member may point back at t */
  struct kd_error *err = t->kind == KD_TYPE_ENUM
                             ? load_enumerators(df, t, &die)
                             : load_members(df, t, &die);
  if (err) t->members_loaded = false;
  return err;
}

static struct kd_error *df_find_type(void *ctx, enum kd_type_kind kind,
                                     const char *name, struct kd_type **out) {
  struct dwarf_finder *df = ctx;
  struct kd_error *err = ensure_index(df);
  if (err) return err;
  int order[KD_LOOKUP_SPACES_MAX];
  int n = struct_kind_order(kind, order);
  Dwarf_Die die;
  if (!index_lookup(df, name, order, (size_t)n, &die))
    return kd_type_not_found(kind, name);
  return type_from_die(df, &die, out);
}

static struct kd_error *df_find_variable(void *ctx, const char *name,
                                         struct kd_type **out) {
  struct dwarf_finder *df = ctx;
  struct kd_error *err = ensure_index(df);
  if (err) return err;
  /* entries hold the type's DIE, whose name is not the variable's: match
  ** on the 64-bit name hash alone (a collision among the ~50k variable
  ** names of a kernel is a ~1e-10 event), definitions first */
  uint64_t h = kd_fnv1a_str(name);
  size_t lo = 0, hi = df->nindex;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (df->index[mid].hash < h) lo = mid + 1; else hi = mid;
  }
  static const int order[] = { IDX_VARIABLE_TYPE, IDX_VARIABLE_DECL_TYPE };
  for (size_t k = 0; k < 2; k++) {
    for (size_t i = lo; i < df->nindex && df->index[i].hash == h; i++) {
      if ((int)(df->index[i].off_kind & 15) != order[k]) continue;
      uint64_t toff = df->index[i].off_kind >> 4;
      if (toff == 0) { *out = &df->void_type; return NULL; }
      Dwarf_Die die;
      if (dwarf_offdie(df->dwarf, toff, &die) == NULL)
        return dwarf_failure(df, "cannot read the DIE of a variable's type");
      return type_from_die(df, &die, out);
    }
  }
  return kd_error_create(KD_ERR_LOOKUP, "no type information for variable %s",
                         name);
}

/* {====== constants ====== */

/*
** Enumerators by name, anonymous enums' among them (`enum { CGRP_ROOT_
** NOPREFIX = 2, ... }`: no type name to ask kd.enum_value with).  The
** name index above knows only named types; the enumerators are a second,
** smaller table -- hash of the name, value -- made by one walk over every
** unit's top-level enums (~0.2 s for a kernel, in a child) and kept in
** "<key>.kdconst" beside the index.  A name two enums give different
** values (filesystems' Opt_* tokens) is kept as ambiguous.
*/
struct const_entry {
  uint64_t hash;
  int64_t value;
  uint64_t ambiguous;
};

#define CONST_MAGIC 0x315453434c444bull   /* "KDLCST1" */

struct const_header {
  uint64_t magic;
  uint64_t count;
  uint64_t info_size;
};

static char *consts_path(struct dwarf_finder *df) {
  if (df->cache_dir == NULL || df->cache_key == NULL) return NULL;
  size_t n = strlen(df->cache_dir) + strlen(df->cache_key) + 32;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s/%s.kdconst", df->cache_dir, df->cache_key);
  return p;
}

static int const_cmp(const void *a, const void *b) {
  const struct const_entry *x = a, *y = b;
  if (x->hash != y->hash) return x->hash < y->hash ? -1 : 1;
  if (x->value != y->value) return x->value < y->value ? -1 : 1;
  return 0;
}

static int load_cached_consts(struct dwarf_finder *df) {
  char *path = consts_path(df);
  if (path == NULL) return 0;
  size_t size;
  const struct const_header *h = kd_cache_map(path, sizeof *h, &size);
  free(path);
  if (h == NULL) return 0;
  if (h->magic != CONST_MAGIC || h->info_size != debug_info_size(df->dwarf) ||
      sizeof *h + h->count * sizeof(struct const_entry) != size) {
    munmap((void *)h, size);
    return 0;
  }
  df->consts_map = (void *)h;
  df->consts_map_size = size;
  df->consts = (struct const_entry *)(h + 1);
  df->nconsts = h->count;
  return 1;
}

static void save_consts(struct dwarf_finder *df) {
  char *path = consts_path(df);
  if (path == NULL) return;
  struct const_header h = { CONST_MAGIC, df->nconsts, debug_info_size(df->dwarf) };
  const void *parts[] = { &h, df->consts };
  size_t sizes[] = { sizeof h, df->nconsts * sizeof *df->consts };
  kd_cache_write_parts(path, parts, sizes, 2);
  free(path);
}

static struct kd_error *build_consts(struct dwarf_finder *df) {
  size_t cap = 1 << 14, n = 0;
  struct const_entry *c = malloc(cap * sizeof *c);
  if (c == NULL) return kd_enomem;
  Dwarf_Off off = 0, next;
  size_t hsize;
  while (dwarf_next_unit(df->dwarf, off, &next, &hsize, NULL, NULL, NULL,
                         NULL, NULL, NULL) == 0) {
    Dwarf_Die cu, child, e;
    if (dwarf_offdie(df->dwarf, off + hsize, &cu) != NULL &&
        dwarf_child(&cu, &child) == 0) {
      do {
        if (dwarf_tag(&child) != DW_TAG_enumeration_type || dwarf_child(&child, &e) != 0)
          continue;
        do {
          Dwarf_Attribute a;
          const char *name = dwarf_diename(&e);
          if (dwarf_tag(&e) != DW_TAG_enumerator || name == NULL ||
              dwarf_attr(&e, DW_AT_const_value, &a) == NULL)
            continue;
          int64_t v = 0;
          Dwarf_Sword sv;
          Dwarf_Word uv;
          if (dwarf_whatform(&a) == DW_FORM_sdata && dwarf_formsdata(&a, &sv) == 0) v = sv;
          else if (dwarf_formudata(&a, &uv) == 0) v = (int64_t)uv;
          else continue;
          if (n == cap) {
            cap *= 2;
            struct const_entry *g = realloc(c, cap * sizeof *c);
            if (g == NULL) { free(c); return kd_enomem; }
            c = g;
          }
          c[n].hash = kd_fnv1a_str(name);
          c[n].value = v;
          c[n].ambiguous = 0;
          n++;
        } while (dwarf_siblingof(&e, &e) == 0);
      } while (dwarf_siblingof(&child, &child) == 0);
    }
    off = next;
  }
  /* one entry a name: the same value from many units once, different
  ** values as one ambiguous entry */
  qsort(c, n, sizeof *c, const_cmp);
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (k > 0 && c[k - 1].hash == c[i].hash) {
      if (c[k - 1].value != c[i].value) c[k - 1].ambiguous = 1;
      continue;
    }
    c[k++] = c[i];
  }
  df->consts = c;
  df->nconsts = k;
  save_consts(df);
  return NULL;
}

static int build_consts_child(void *arg, char *msg, size_t cap) {
  struct kd_error *err = build_consts(arg);
  if (err == NULL) return 0;
  snprintf(msg, cap, "%s", err->message);
  kd_error_destroy(err);
  return 1;
}

static struct kd_error *ensure_consts(struct dwarf_finder *df) {
  if (df->consts_built) return NULL;
  df->consts_built = 1;
  if (load_cached_consts(df)) return NULL;
  char msg[256];
  if (df->cache_dir && df->cache_key && kd_make_dirs(df->cache_dir) == 0 &&
      access(df->cache_dir, W_OK) == 0 &&
      kd_run_in_child(build_consts_child, df, msg, sizeof msg) == 0 &&
      load_cached_consts(df))
    return NULL;
  return build_consts(df);
}

static struct kd_error *df_find_constant(void *ctx, const char *name, int64_t *value) {
  struct dwarf_finder *df = ctx;
  struct kd_error *err = ensure_consts(df);
  if (err) return err;
  uint64_t h = kd_fnv1a_str(name);
  size_t lo = 0, hi = df->nconsts;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (df->consts[mid].hash < h) lo = mid + 1; else hi = mid;
  }
  if (lo == df->nconsts || df->consts[lo].hash != h)
    return kd_error_create(KD_ERR_LOOKUP, "no enumerator %s", name);
  if (df->consts[lo].ambiguous)
    return kd_error_create(KD_ERR_OTHER, "%s: enumerator %s has different values in "
                           "different enums", df->label, name);
  *value = df->consts[lo].value;
  return NULL;
}

/* }====== */

static struct kd_error *df_complete(void *ctx, struct kd_type *decl,
                                    struct kd_type **out) {
  *out = decl;
  return df_load(ctx, decl);
}

static void df_destroy(void *ctx) {
  struct dwarf_finder *df = ctx;
  kd_arena_free(&df->arena);
  free(df->intern);
  if (df->index_map) munmap(df->index_map, df->index_map_size);
  else free(df->index);
  if (df->consts_map) munmap(df->consts_map, df->consts_map_size);
  else free(df->consts);
  if (df->fd >= 0) {
    dwarf_end(df->dwarf);
    close(df->fd);
  }
  free(df->label);
  free(df->cache_dir);
  free(df->cache_key);
  free(df);
}

void kd_dwarf_finder_own_copy(struct kd_finder *f) {
  ((struct dwarf_finder *)f->ctx)->own_copy = true;
}

/*
** The names of the index's types, read back from their DIEs (the index
** keeps only hashes).  Declarations are left out: their names come again
** with the definitions.  Only the REPL's completion asks, once.
*/
static void df_each_type_name(void *ctx, void (*fn)(void *arg, const char *name),
                              void *arg) {
  struct dwarf_finder *df = ctx;
  struct kd_error *err = ensure_index(df);
  if (err) { kd_error_destroy(err); return; }
  char buf[512];
  for (size_t i = 0; i < df->nindex; i++) {
    const char *prefix;
    switch ((int)(df->index[i].off_kind & 15)) {
      case IDX_STRUCT: prefix = "struct "; break;
      case IDX_UNION: prefix = "union "; break;
      case IDX_ENUM: prefix = "enum "; break;
      case IDX_TYPEDEF: case IDX_BASE: prefix = ""; break;
      default: continue;
    }
    Dwarf_Die die;
    if (dwarf_offdie(df->dwarf, df->index[i].off_kind >> 4, &die) == NULL) continue;
    const char *name = dwarf_diename(&die);
    if (name == NULL) continue;
    snprintf(buf, sizeof buf, "%s%s", prefix, name);
    fn(arg, buf);
  }
}

struct kd_error *kd_dwarf_finder_new(Dwarf *dwarf, int own_fd,
                                     const char *label, const char *cache_dir,
                                     const char *cache_key,
                                     struct kd_finder **out) {
  struct dwarf_finder *df = calloc(1, sizeof *df);
  if (df == NULL) return kd_enomem;
  df->dwarf = dwarf;
  df->fd = own_fd;
  df->label = strdup(label);
  df->cache_dir = cache_dir ? strdup(cache_dir) : NULL;
  df->cache_key = cache_key ? strdup(cache_key) : NULL;
  if (df->label == NULL || (cache_dir && df->cache_dir == NULL) ||
      (cache_key && df->cache_key == NULL)) {
    free(df->label);
    free(df->cache_dir);
    free(df->cache_key);
    free(df);
    return kd_enomem;   /* the caller still owns dwarf and own_fd */
  }
  df->void_type.kind = KD_TYPE_VOID;
  df->void_type.members_loaded = true;
  df->finder.name = df->label;
  df->finder.ctx = df;
  df->finder.find_type = df_find_type;
  df->finder.find_variable = df_find_variable;
  df->finder.find_constant = df_find_constant;
  df->finder.complete = df_complete;
  df->finder.load = df_load;
  df->finder.release = df_release;
  df->finder.destroy = df_destroy;
  df->finder.each_type_name = df_each_type_name;
  if (own_fd >= 0) {
    /* only for files we opened with libelf's mmap (not libdwfl's modules) */
    size_t size = 0;
    char *base = elf_rawfile(dwarf_getelf(dwarf), &size);
    long page = sysconf(_SC_PAGESIZE);
    if (base && size && page > 0 && ((uintptr_t)base % (uintptr_t)page) == 0) {
      df->map_base = base;
      df->map_size = size;
      madvise(base, size, MADV_RANDOM);
    }
  }
  *out = &df->finder;
  return NULL;
}

struct kd_error *kd_dwarf_open(const char *path, Dwarf **dwarf, int *fd) {
  const char *why;
  *fd = kd_open_input(path, &why);
  if (*fd < 0)
    return kd_error_create(KD_ERR_IO, "%s: %s", path, why);
  *dwarf = dwarf_begin(*fd, DWARF_C_READ);
  if (*dwarf == NULL) {
    close(*fd);
    *fd = -1;
    return kd_error_create(KD_ERR_FORMAT, "%s: no usable DWARF: %s", path,
                           dwarf_errmsg(-1));
  }
  return NULL;
}

void kd_dwarf_finder_stats(struct kd_finder *f, size_t *entries, int *cached,
                           double *build_seconds) {
  struct dwarf_finder *df = f->ctx;
  *entries = df->nindex;
  *cached = df->index_cached;
  *build_seconds = df->index_seconds;
}
