/*
** btf_finder.c -- kd_finder over BTF (see btf_finder.h).
**
** The format (Documentation/bpf/btf.rst): a header (magic 0xeb9f, version
** 1, then the offsets and lengths of the type and string sections, both
** counted from the end of the header), a string section of NUL-terminated
** names (offset 0 is ""), and a type section: one record per type id,
** starting at id 1 (0 is void), each a 12-byte btf_type { name_off, info
** (vlen in bits 0-15, kind in 24-28, kind_flag in 31), size or type }
** followed by kind-specific data whose length depends on kind and vlen.
** Records are variable-sized, so the finder first walks them all once to
** know where each id starts, checking that each fits; names are indexed in
** the same walk.  Types are built on demand and interned per id.
*/
#include "btf_finder.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "base/fnv.h"

enum {
  BTF_KIND_INT = 1, BTF_KIND_PTR, BTF_KIND_ARRAY, BTF_KIND_STRUCT,
  BTF_KIND_UNION, BTF_KIND_ENUM, BTF_KIND_FWD, BTF_KIND_TYPEDEF,
  BTF_KIND_VOLATILE, BTF_KIND_CONST, BTF_KIND_RESTRICT, BTF_KIND_FUNC,
  BTF_KIND_FUNC_PROTO, BTF_KIND_VAR, BTF_KIND_DATASEC, BTF_KIND_FLOAT,
  BTF_KIND_DECL_TAG, BTF_KIND_TYPE_TAG, BTF_KIND_ENUM64,
  BTF_KIND_MAX = BTF_KIND_ENUM64
};

#define BTF_MAGIC 0xeb9f
#define BTF_INT_SIGNED 1
#define BTF_INT_BOOL 4

struct btf_header {
  uint16_t magic;
  uint8_t version, flags;
  uint32_t hdr_len, type_off, type_len, str_off, str_len;
};

struct btf_type {
  uint32_t name_off, info, size_or_type;
};

/* what a name is, for the index */
enum name_class {
  NC_STRUCT = 1, NC_UNION, NC_ENUM, NC_TYPEDEF, NC_BASE, NC_FWD_STRUCT,
  NC_FWD_UNION, NC_ENUM_DECL, NC_VAR
};

struct name_entry {
  uint64_t hash;
  uint32_t id;
  uint32_t cls;
};

struct btf_finder {
  struct kd_finder finder;
  char *label;
  unsigned char *blob;
  size_t len;
  const unsigned char *types;   /* the type section */
  uint32_t types_len;
  const char *strs;             /* this blob's strings */
  uint32_t str_len;
  uint32_t str_base;            /* string offsets below this are the base's */
  uint32_t first_id;            /* 1, or the base's next id for split BTF */
  uint32_t ntypes;
  uint32_t *type_off;           /* per local id: offset in the type section */
  struct kd_type **interned;    /* per local id */
  struct name_entry *index;
  size_t nindex;
  struct btf_finder *base;
  struct kd_arena arena;
  struct kd_type void_type;
};

static struct kd_error *corrupt(struct btf_finder *bf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static struct kd_error *corrupt(struct btf_finder *bf, const char *fmt, ...) {
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return kd_error_create(KD_ERR_FORMAT, "%s BTF is corrupt: %s", bf->label, msg);
}

/* Name at string offset `off` (the base's strings come first for split
** BTF); NULL when out of range, "" stays "". */
static const char *name_at(const struct btf_finder *bf, uint32_t off) {
  if (off < bf->str_base) return bf->base ? name_at(bf->base, off) : NULL;
  off -= bf->str_base;
  if (off >= bf->str_len) return NULL;
  return bf->strs + off;
}

static const struct btf_type *record(const struct btf_finder *bf, uint32_t local) {
  return (const struct btf_type *)(bf->types + bf->type_off[local]);
}

static unsigned btf_kind(const struct btf_type *t) { return (t->info >> 24) & 0x1f; }
static unsigned btf_vlen(const struct btf_type *t) { return t->info & 0xffff; }
static bool btf_kflag(const struct btf_type *t) { return t->info >> 31; }

/* bytes of kind-specific data after the btf_type; -1 for an unknown kind */
static long extra_size(const struct btf_type *t) {
  unsigned vlen = btf_vlen(t);
  switch (btf_kind(t)) {
    case BTF_KIND_INT: return 4;
    case BTF_KIND_ARRAY: return 12;
    case BTF_KIND_STRUCT: case BTF_KIND_UNION: return 12L * vlen;
    case BTF_KIND_ENUM: return 8L * vlen;
    case BTF_KIND_FUNC_PROTO: return 8L * vlen;
    case BTF_KIND_VAR: return 4;
    case BTF_KIND_DATASEC: return 12L * vlen;
    case BTF_KIND_DECL_TAG: return 4;
    case BTF_KIND_ENUM64: return 12L * vlen;
    case BTF_KIND_PTR: case BTF_KIND_FWD: case BTF_KIND_TYPEDEF:
    case BTF_KIND_VOLATILE: case BTF_KIND_CONST: case BTF_KIND_RESTRICT:
    case BTF_KIND_FUNC: case BTF_KIND_FLOAT: case BTF_KIND_TYPE_TAG:
      return 0;
    default: return -1;
  }
}

static int name_class_of(const struct btf_type *t) {
  switch (btf_kind(t)) {
    case BTF_KIND_STRUCT: return NC_STRUCT;
    case BTF_KIND_UNION: return NC_UNION;
    case BTF_KIND_ENUM: case BTF_KIND_ENUM64:
      return btf_vlen(t) ? NC_ENUM : NC_ENUM_DECL;
    case BTF_KIND_TYPEDEF: return NC_TYPEDEF;
    case BTF_KIND_INT: case BTF_KIND_FLOAT: return NC_BASE;
    case BTF_KIND_FWD: return btf_kflag(t) ? NC_FWD_UNION : NC_FWD_STRUCT;
    case BTF_KIND_VAR: return NC_VAR;
    default: return 0;
  }
}

static int entry_cmp(const void *a, const void *b) {
  const struct name_entry *x = a, *y = b;
  if (x->hash != y->hash) return x->hash < y->hash ? -1 : 1;
  if (x->id != y->id) return x->id < y->id ? -1 : 1;
  return 0;
}

/* Walk the type section: where each id starts, and the name index. */
static struct kd_error *index_types(struct btf_finder *bf) {
  size_t cap = 4096;
  bf->type_off = malloc(cap * sizeof *bf->type_off);
  size_t icap = 4096;
  bf->index = malloc(icap * sizeof *bf->index);
  if (bf->type_off == NULL || bf->index == NULL) return kd_enomem;
  uint32_t p = 0;
  while (p < bf->types_len) {
    if ((p & 3) != 0 || bf->types_len - p < sizeof(struct btf_type))
      return corrupt(bf, "type record %u is truncated", bf->first_id + bf->ntypes);
    const struct btf_type *t = (const struct btf_type *)(bf->types + p);
    long extra = extra_size(t);
    if (extra < 0)
      return corrupt(bf, "type %u has unknown kind %u", bf->first_id + bf->ntypes,
                     btf_kind(t));
    if ((uint64_t)bf->types_len - p - sizeof *t < (uint64_t)extra)
      return corrupt(bf, "type %u runs past the end of the type section",
                     bf->first_id + bf->ntypes);
    if (bf->ntypes == cap) {
      cap *= 2;
      uint32_t *g = realloc(bf->type_off, cap * sizeof *g);
      if (g == NULL) return kd_enomem;
      bf->type_off = g;
    }
    bf->type_off[bf->ntypes] = p;
    const char *name = name_at(bf, t->name_off);
    if (name == NULL)
      return corrupt(bf, "type %u has a name outside the string section",
                     bf->first_id + bf->ntypes);
    int cls = name_class_of(t);
    if (cls && *name) {
      if (bf->nindex == icap) {
        icap *= 2;
        struct name_entry *g = realloc(bf->index, icap * sizeof *g);
        if (g == NULL) return kd_enomem;
        bf->index = g;
      }
      bf->index[bf->nindex].hash = kd_fnv1a_str(name);
      bf->index[bf->nindex].id = bf->first_id + bf->ntypes;
      bf->index[bf->nindex].cls = (uint32_t)cls;
      bf->nindex++;
    }
    bf->ntypes++;
    p += (uint32_t)(sizeof *t + (size_t)extra);
  }
  qsort(bf->index, bf->nindex, sizeof *bf->index, entry_cmp);
  bf->interned = calloc(bf->ntypes ? bf->ntypes : 1, sizeof *bf->interned);
  return bf->interned ? NULL : kd_enomem;
}

/* The record of `id` and the finder that holds it; NULL when out of range. */
static const struct btf_type *lookup_id(struct btf_finder *bf, uint32_t id,
                                        struct btf_finder **owner) {
  while (bf && id < bf->first_id) bf = bf->base;
  if (bf == NULL || id - bf->first_id >= bf->ntypes) return NULL;
  *owner = bf;
  return record(bf, id - bf->first_id);
}

/* Lowest id with `name` among the classes accepted, in `order`'s preference. */
static uint32_t index_lookup(struct btf_finder *bf, const char *name,
                             const int *order, size_t norder) {
  uint64_t h = kd_fnv1a_str(name);
  size_t lo = 0, hi = bf->nindex;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (bf->index[mid].hash < h) lo = mid + 1; else hi = mid;
  }
  for (size_t k = 0; k < norder; k++)
    for (size_t i = lo; i < bf->nindex && bf->index[i].hash == h; i++) {
      if ((int)bf->index[i].cls != order[k]) continue;
      struct btf_finder *owner;
      const struct btf_type *t = lookup_id(bf, bf->index[i].id, &owner);
      const char *n = t ? name_at(owner, t->name_off) : NULL;
      if (n && strcmp(n, name) == 0) return bf->index[i].id;
    }
  return 0;
}

static struct kd_error *type_from_id(struct btf_finder *bf, uint32_t id,
                                     int depth, struct kd_type **out);

static struct kd_error *new_type(struct btf_finder *owner, uint32_t id,
                                 const struct btf_type *r, struct kd_type **out) {
  struct kd_type *t = kd_arena_alloc(&owner->arena, sizeof *t);
  if (t == NULL) return kd_enomem;
  const char *n = name_at(owner, r->name_off);
  t->name = n && *n ? n : NULL;
  t->finder = &owner->finder;
  t->source_id = id;
  owner->interned[id - owner->first_id] = t;
  *out = t;
  return NULL;
}

/* Does following `t`'s target (pointer, array, typedef, function) come
** back around?  Only corrupt BTF makes a type its own target, which would
** send sizeof and formatting round forever. */
static bool target_loops(struct kd_type *t) {
  for (int i = 0; i < 100 && t; i++) {
    if (t->kind != KD_TYPE_POINTER && t->kind != KD_TYPE_ARRAY &&
        t->kind != KD_TYPE_TYPEDEF && t->kind != KD_TYPE_FUNCTION)
      return false;
    t = t->target;
  }
  return t != NULL;
}

static bool is_char_name(const char *n) {
  return n && (strcmp(n, "char") == 0 || strcmp(n, "signed char") == 0 ||
               strcmp(n, "unsigned char") == 0);
}

static struct kd_error *type_from_id(struct btf_finder *bf, uint32_t id,
                                     int depth, struct kd_type **out) {
  if (id == 0) { *out = &bf->void_type; return NULL; }
  if (depth > 64)
    return corrupt(bf, "type %u: references nest too deep (a loop?)", id);
  struct btf_finder *o;
  const struct btf_type *r = lookup_id(bf, id, &o);
  if (r == NULL) return corrupt(bf, "type id %u out of range", id);
  struct kd_type *t = o->interned[id - o->first_id];
  if (t) { *out = t; return NULL; }
  struct kd_error *err = NULL;
  const uint32_t *extra = (const uint32_t *)(r + 1);
  switch (btf_kind(r)) {
    case BTF_KIND_VOLATILE: case BTF_KIND_CONST: case BTF_KIND_RESTRICT:
    case BTF_KIND_TYPE_TAG: case BTF_KIND_FUNC:
      /* qualifiers and tags do not change how memory is read; a FUNC is
      ** its prototype */
      err = type_from_id(o, r->size_or_type, depth + 1, &t);
      if (err) return err;
      o->interned[id - o->first_id] = t;
      *out = t;
      return NULL;
    case BTF_KIND_VAR:
    case BTF_KIND_DATASEC:
    case BTF_KIND_DECL_TAG:
      return corrupt(o, "type %u is not a type (kind %u) but is used as one",
                     id, btf_kind(r));
    default:
      break;
  }
  err = new_type(o, id, r, &t);
  if (err) return err;
  switch (btf_kind(r)) {
    case BTF_KIND_INT: {
      unsigned enc = (extra[0] >> 24) & 0xf;
      t->kind = KD_TYPE_INT;
      t->size = r->size_or_type;
      t->is_signed = enc & BTF_INT_SIGNED;
      t->is_bool = (enc & BTF_INT_BOOL) != 0;
      /* pahole does not set BTF_INT_CHAR; DWARF's character encodings are
      ** exactly the three char types */
      t->is_char = is_char_name(t->name);
      t->members_loaded = true;
      break;
    }
    case BTF_KIND_FLOAT:
      t->kind = KD_TYPE_FLOAT;
      t->size = r->size_or_type;
      t->is_signed = true;
      t->members_loaded = true;
      break;
    case BTF_KIND_PTR:
      t->kind = KD_TYPE_POINTER;
      t->size = 8;        /* BTF has no pointer size; kdlua reads x86_64 */
      t->members_loaded = true;
      err = type_from_id(o, r->size_or_type, depth + 1, &t->target);
      if (err == NULL && target_loops(t))
        err = corrupt(o, "type %u refers back to itself", id);
      break;
    case BTF_KIND_ARRAY: {
      /* btf_array { type, index_type, nelems }; int a[2][3] is an array
      ** of arrays already */
      t->kind = KD_TYPE_ARRAY;
      t->members_loaded = true;
      err = type_from_id(o, extra[0], depth + 1, &t->target);
      if (err == NULL && target_loops(t))
        err = corrupt(o, "type %u refers back to itself", id);
      /* BTF says 0 for both a[0] and a flexible a[]: call both unknown,
      ** which indexes without a bound, as C does */
      t->length = extra[2];
      t->length_known = extra[2] != 0;
      if (err == NULL) t->size = t->length * kd_type_sizeof(t->target);
      break;
    }
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
      t->kind = btf_kind(r) == BTF_KIND_UNION ? KD_TYPE_UNION : KD_TYPE_STRUCT;
      t->size = r->size_or_type;
      t->is_complete = true;
      break;
    case BTF_KIND_FWD:
      t->kind = btf_kflag(r) ? KD_TYPE_UNION : KD_TYPE_STRUCT;
      break;
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64:
      t->kind = KD_TYPE_ENUM;
      t->size = r->size_or_type;
      /* kind_flag: signed values (pahole 1.24+, Linux 6.0+) */
      t->is_signed = btf_kflag(r);
      t->is_complete = btf_vlen(r) != 0;
      break;
    case BTF_KIND_TYPEDEF:
      t->kind = KD_TYPE_TYPEDEF;
      t->members_loaded = true;
      err = type_from_id(o, r->size_or_type, depth + 1, &t->target);
      if (err == NULL && target_loops(t))
        err = corrupt(o, "type %u refers back to itself", id);
      if (err == NULL) t->size = kd_type_sizeof(t->target);
      break;
    case BTF_KIND_FUNC_PROTO: {
      t->kind = KD_TYPE_FUNCTION;
      t->members_loaded = true;
      t->name = NULL;
      err = type_from_id(o, r->size_or_type, depth + 1, &t->target);
      if (err == NULL && target_loops(t))
        err = corrupt(o, "type %u refers back to itself", id);
      unsigned vlen = btf_vlen(r);
      /* btf_param { name_off, type }; a last one of type 0 is "..." */
      if (err == NULL && vlen && extra[2 * (vlen - 1) + 1] == 0) {
        t->is_variadic = true;
        vlen--;
      }
      if (err == NULL && vlen) {
        t->params = kd_arena_alloc(&o->arena, vlen * sizeof *t->params);
        if (t->params == NULL) return kd_enomem;
        for (unsigned i = 0; i < vlen && err == NULL; i++) {
          err = type_from_id(o, extra[2 * i + 1], depth + 1, &t->params[t->nparams]);
          /* a parameter that leads back to this prototype: only corrupt
          ** BTF, and formatting would go round forever */
          struct kd_type *p = err ? NULL : t->params[t->nparams++];
          for (int k = 0; p && k < 100; k++, p = p->target) {
            if (p == t) { err = corrupt(o, "type %u refers back to itself", id); break; }
            if (p->kind != KD_TYPE_POINTER && p->kind != KD_TYPE_ARRAY &&
                p->kind != KD_TYPE_TYPEDEF)
              break;
          }
        }
      }
      break;
    }
    default:
      t->kind = KD_TYPE_VOID;
      t->members_loaded = true;
      break;
  }
  if (err) {
    /* not half-made for the next lookup (a loop leaves only t itself
    ** pointing at it) */
    o->interned[id - o->first_id] = NULL;
    return err;
  }
  *out = t;
  return NULL;
}

/* Is `t` (through typedefs) an INT whose BTF says it is narrower than its
** size: the bitfield encoding without kind_flag (before Linux 5.0's BTF). */
static void int_bits(struct btf_finder *bf, uint32_t id, unsigned *bits,
                     unsigned *offset, uint64_t *size) {
  *bits = *offset = 0;
  *size = 0;
  for (int depth = 0; depth < 64; depth++) {
    struct btf_finder *o;
    const struct btf_type *r = lookup_id(bf, id, &o);
    if (r == NULL) return;
    switch (btf_kind(r)) {
      case BTF_KIND_TYPEDEF: case BTF_KIND_VOLATILE: case BTF_KIND_CONST:
      case BTF_KIND_RESTRICT: case BTF_KIND_TYPE_TAG:
        id = r->size_or_type;
        continue;
      case BTF_KIND_INT: {
        uint32_t v = *(const uint32_t *)(r + 1);
        *bits = v & 0xff;
        *offset = (v >> 16) & 0xff;
        *size = r->size_or_type;
        return;
      }
      default:
        return;
    }
  }
}

static struct kd_error *load_members(struct btf_finder *bf, struct kd_type *t,
                                     const struct btf_type *r) {
  unsigned n = btf_vlen(r);
  const uint32_t *m = (const uint32_t *)(r + 1);   /* name_off, type, offset */
  struct kd_member *ms = n ? kd_arena_alloc(&bf->arena, n * sizeof *ms) : NULL;
  if (n && ms == NULL) return kd_enomem;
  for (unsigned i = 0; i < n; i++, m += 3) {
    const char *name = name_at(bf, m[0]);
    if (name == NULL)
      return corrupt(bf, "a member of %s has a name outside the string section",
                     t->name ? t->name : "an anonymous type");
    ms[i].name = *name ? name : NULL;
    struct kd_error *err = type_from_id(bf, m[1], 0, &ms[i].type);
    if (err) return err;
    if (btf_kflag(r)) {
      ms[i].bit_offset = m[2] & 0xffffff;
      ms[i].bit_size = m[2] >> 24;
    } else {
      ms[i].bit_offset = m[2];
      unsigned bits, off;
      uint64_t size;
      int_bits(bf, m[1], &bits, &off, &size);
      if (bits && bits < size * 8) {
        ms[i].bit_size = bits;
        ms[i].bit_offset += off;
      }
    }
  }
  t->members = ms;
  t->nmembers = n;
  return kd_type_index_members(t, kd_arena_alloc_cb, &bf->arena);
}

static struct kd_error *load_enumerators(struct btf_finder *bf,
                                         struct kd_type *t,
                                         const struct btf_type *r) {
  unsigned n = btf_vlen(r);
  bool wide = btf_kind(r) == BTF_KIND_ENUM64;
  const uint32_t *e = (const uint32_t *)(r + 1);
  struct kd_enumerator *es = n ? kd_arena_alloc(&bf->arena, n * sizeof *es) : NULL;
  if (n && es == NULL) return kd_enomem;
  for (unsigned i = 0; i < n; i++) {
    const char *name = name_at(bf, e[0]);
    if (name == NULL)
      return corrupt(bf, "an enumerator of %s has a name outside the string "
                     "section", t->name ? t->name : "an anonymous enum");
    es[i].name = name;
    if (wide) {
      uint64_t v = (uint64_t)e[1] | (uint64_t)e[2] << 32;
      es[i].value = (int64_t)v;
      e += 3;
    } else {
      es[i].value = t->is_signed ? (int64_t)(int32_t)e[1] : (int64_t)e[1];
      e += 2;
    }
  }
  t->enumerators = es;
  t->nenumerators = n;
  return NULL;
}

/* the index classes of kd_type_lookup_spaces' name spaces */
static int kind_order(enum kd_type_kind kind, int *order) {
  static const int class_of[KD_NS_COUNT] = {
    [KD_NS_STRUCT] = NC_STRUCT, [KD_NS_STRUCT_DECL] = NC_FWD_STRUCT,
    [KD_NS_UNION] = NC_UNION, [KD_NS_UNION_DECL] = NC_FWD_UNION,
    [KD_NS_ENUM] = NC_ENUM, [KD_NS_ENUM_DECL] = NC_ENUM_DECL,
    [KD_NS_TYPEDEF] = NC_TYPEDEF, [KD_NS_BASE] = NC_BASE,
  };
  enum kd_name_space spaces[KD_LOOKUP_SPACES_MAX];
  int n = kd_type_lookup_spaces(kind, spaces);
  for (int i = 0; i < n; i++) order[i] = class_of[spaces[i]];
  return n;
}

/* The full definition of a declaration: here, then in the base. */
static struct kd_type *definition_of(struct btf_finder *bf, struct kd_type *decl) {
  int order[1];
  order[0] = decl->kind == KD_TYPE_UNION ? NC_UNION :
             decl->kind == KD_TYPE_ENUM ? NC_ENUM : NC_STRUCT;
  for (struct btf_finder *f = bf; f; f = f->base) {
    uint32_t id = index_lookup(f, decl->name, order, 1);
    struct kd_type *full;
    if (id == 0) continue;
    struct kd_error *err = type_from_id(f, id, 0, &full);
    if (err) { kd_error_destroy(err); continue; }
    if (full != decl && full->is_complete) return full;
  }
  return NULL;
}

static struct kd_error *bf_load(void *ctx, struct kd_type *t) {
  struct btf_finder *bf = ctx;
  if (t->members_loaded) return NULL;
  if (!t->is_complete) {
    t->members_loaded = true;   /* stays incomplete if nothing defines it */
    struct kd_type *full = t->name ? definition_of(bf, t) : NULL;
    if (full == NULL) return NULL;
    struct kd_error *err = kd_type_adopt_definition(t, full);
    if (err) t->members_loaded = false;
    return err;
  }
  struct btf_finder *o;
  const struct btf_type *r = lookup_id(bf, (uint32_t)t->source_id, &o);
  if (r == NULL) return corrupt(bf, "type id %" PRIu64 " out of range", t->source_id);
  t->members_loaded = true;  /* set first: a member may point back at t */
  struct kd_error *err = t->kind == KD_TYPE_ENUM ? load_enumerators(o, t, r)
                                                 : load_members(o, t, r);
  if (err) t->members_loaded = false;
  return err;
}

static struct kd_error *bf_find_type(void *ctx, enum kd_type_kind kind,
                                     const char *name, struct kd_type **out) {
  struct btf_finder *bf = ctx;
  int order[KD_LOOKUP_SPACES_MAX];
  int n = kind_order(kind, order);
  uint32_t id = index_lookup(bf, name, order, (size_t)n);
  if (id == 0) return kd_type_not_found(kind, name);
  return type_from_id(bf, id, 0, out);
}

static struct kd_error *bf_find_variable(void *ctx, const char *name,
                                         struct kd_type **out) {
  struct btf_finder *bf = ctx;
  static const int order[] = { NC_VAR };
  uint32_t id = index_lookup(bf, name, order, 1);
  if (id == 0)
    return kd_error_create(KD_ERR_LOOKUP, "no type information for variable "
                           "%s (BTF describes per-CPU variables only)", name);
  struct btf_finder *o;
  const struct btf_type *r = lookup_id(bf, id, &o);
  return type_from_id(o, r->size_or_type, 0, out);
}

static struct kd_error *bf_complete(void *ctx, struct kd_type *decl,
                                    struct kd_type **out) {
  *out = decl;
  return bf_load(ctx, decl);
}

static void bf_destroy(void *ctx) {
  struct btf_finder *bf = ctx;
  kd_arena_free(&bf->arena);
  free(bf->interned);
  free(bf->index);
  free(bf->type_off);
  free(bf->blob);
  free(bf->label);
  free(bf);
}

int kd_btf_enumerator(const struct kd_finder *f, const char *name,
                      int64_t *value) {
  if (!kd_btf_finder_is(f)) return -1;
  struct btf_finder *bf = f->ctx;
  for (uint32_t i = 0; i < bf->ntypes; i++) {
    const struct btf_type *r = record(bf, i);
    unsigned k = btf_kind(r);
    if (k != BTF_KIND_ENUM && k != BTF_KIND_ENUM64) continue;
    const uint32_t *e = (const uint32_t *)(r + 1);
    for (unsigned j = 0; j < btf_vlen(r); j++, e += k == BTF_KIND_ENUM ? 2 : 3) {
      const char *n = name_at(bf, e[0]);
      if (n == NULL || strcmp(n, name) != 0) continue;
      if (k == BTF_KIND_ENUM64)
        *value = (int64_t)((uint64_t)e[1] | (uint64_t)e[2] << 32);
      else
        *value = btf_kflag(r) ? (int64_t)(int32_t)e[1] : (int64_t)e[1];
      return 0;
    }
  }
  return -1;
}

struct kd_error *kd_btf_find_anonymous(const struct kd_finder *f,
                                       const char *members,
                                       struct kd_type **out) {
  if (kd_btf_finder_is(f)) {
    struct btf_finder *bf = f->ctx;
    for (uint32_t i = 0; i < bf->ntypes; i++) {
      const struct btf_type *r = record(bf, i);
      if (btf_kind(r) != BTF_KIND_STRUCT || r->name_off != 0 || btf_vlen(r) == 0)
        continue;
      const uint32_t *m = (const uint32_t *)(r + 1);
      const char *want = members;
      unsigned j;
      for (j = 0; j < btf_vlen(r); j++, m += 3) {
        const char *n = name_at(bf, m[0]);
        size_t l = strcspn(want, ",");
        if (n == NULL || strlen(n) != l || strncmp(n, want, l) != 0) break;
        want += l;
        if (*want == ',') want++;
      }
      if (j == btf_vlen(r) && *want == '\0')
        return type_from_id(bf, bf->first_id + i, 0, out);
    }
  }
  return kd_error_create(KD_ERR_LOOKUP, "no anonymous struct with members %s",
                         members);
}

int kd_btf_finder_is(const struct kd_finder *f) {
  return f && f->destroy == bf_destroy;
}

uint32_t kd_btf_count(const struct kd_finder *f) {
  return kd_btf_finder_is(f) ? ((struct btf_finder *)f->ctx)->ntypes : 0;
}

uint32_t kd_btf_first_id(const struct kd_finder *f) {
  return kd_btf_finder_is(f) ? ((struct btf_finder *)f->ctx)->first_id : 0;
}

enum kd_type_kind kd_btf_kind_name(const struct kd_finder *f, uint32_t id,
                                   const char **name) {
  struct btf_finder *bf = f->ctx, *o;
  *name = NULL;
  const struct btf_type *r = lookup_id(bf, id, &o);
  if (r == NULL) return KD_TYPE_VOID;
  const char *n = name_at(o, r->name_off);
  *name = n && *n ? n : NULL;
  switch (btf_kind(r)) {
    case BTF_KIND_STRUCT: return KD_TYPE_STRUCT;
    case BTF_KIND_UNION: return KD_TYPE_UNION;
    case BTF_KIND_ENUM: case BTF_KIND_ENUM64: return KD_TYPE_ENUM;
    case BTF_KIND_TYPEDEF: return KD_TYPE_TYPEDEF;
    case BTF_KIND_INT: return KD_TYPE_INT;
    case BTF_KIND_FLOAT: return KD_TYPE_FLOAT;
    default: return KD_TYPE_VOID;
  }
}

struct kd_error *kd_btf_finder_new(unsigned char *blob, size_t len,
                                   const char *label, struct kd_finder *base,
                                   struct kd_finder **out) {
  *out = NULL;
  struct btf_finder *bf = calloc(1, sizeof *bf);
  if (bf == NULL) { free(blob); return kd_enomem; }
  bf->blob = blob;
  bf->len = len;
  bf->label = strdup(label ? label : "vmlinux");
  bf->void_type.kind = KD_TYPE_VOID;
  bf->void_type.members_loaded = true;
  bf->finder.name = bf->label;
  bf->finder.ctx = bf;
  bf->finder.find_type = bf_find_type;
  bf->finder.find_variable = bf_find_variable;
  bf->finder.complete = bf_complete;
  bf->finder.load = bf_load;
  bf->finder.destroy = bf_destroy;
  bf->first_id = 1;
  if (base && kd_btf_finder_is(base)) {
    bf->base = base->ctx;
    bf->first_id = bf->base->first_id + bf->base->ntypes;
    bf->str_base = bf->base->str_base + bf->base->str_len;
  }
  struct kd_error *err = NULL;
  struct btf_header h;
  if (bf->label == NULL) { err = kd_enomem; goto fail; }
  if (len < sizeof h) {
    err = corrupt(bf, "%zu bytes are too few for a BTF header", len);
    goto fail;
  }
  memcpy(&h, blob, sizeof h);
  if (h.magic != BTF_MAGIC) {
    err = corrupt(bf, "bad magic 0x%04x (not BTF, or not little-endian)", h.magic);
    goto fail;
  }
  if (h.version != 1) {
    err = corrupt(bf, "version %u (kdlua reads version 1)", h.version);
    goto fail;
  }
  if (h.hdr_len < sizeof h || h.hdr_len > len ||
      (uint64_t)h.type_off + h.type_len > len - h.hdr_len ||
      (uint64_t)h.str_off + h.str_len > len - h.hdr_len ||
      ((h.hdr_len + h.type_off) & 3)) {
    err = corrupt(bf, "its sections lie outside its %zu bytes (truncated?)", len);
    goto fail;
  }
  bf->types = blob + h.hdr_len + h.type_off;
  bf->types_len = h.type_len;
  bf->strs = (const char *)blob + h.hdr_len + h.str_off;
  bf->str_len = h.str_len;
  if (h.str_len == 0 || bf->strs[h.str_len - 1] != '\0' ||
      (bf->base == NULL && bf->strs[0] != '\0')) {
    err = corrupt(bf, "the string section is not NUL-terminated strings");
    goto fail;
  }
  err = index_types(bf);
  if (err) goto fail;
  *out = &bf->finder;
  return NULL;
fail:
  bf_destroy(bf);
  return err;
}
