/*
** types.c -- operations on the type model that do not depend on where the
** types came from (see types.h).
*/
#include "types.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kd_finder_destroy(struct kd_finder *f) {
  if (f && f->destroy) f->destroy(f->ctx);
}

struct kd_type *kd_type_resolve(struct kd_type *t) {
  while (t != NULL && t->kind == KD_TYPE_TYPEDEF) t = t->target;
  return t;
}

struct kd_error *kd_type_load(struct kd_type *t) {
  if (t == NULL || t->members_loaded) return NULL;
  if (t->kind != KD_TYPE_STRUCT && t->kind != KD_TYPE_UNION &&
      t->kind != KD_TYPE_ENUM) {
    t->members_loaded = true;
    return NULL;
  }
  if (t->finder == NULL || t->finder->load == NULL) {
    t->members_loaded = true;
    return NULL;
  }
  return t->finder->load(t->finder->ctx, t);
}

struct kd_error *kd_type_adopt_definition(struct kd_type *decl,
                                          struct kd_type *full) {
  struct kd_error *err = kd_type_load(full);
  if (err) return err;
  decl->size = full->size;
  decl->is_signed = full->is_signed;
  decl->members = full->members;
  decl->nmembers = full->nmembers;
  decl->by_name = full->by_name;
  decl->nby_name = full->nby_name;
  decl->enumerators = full->enumerators;
  decl->nenumerators = full->nenumerators;
  decl->is_complete = true;
  decl->members_loaded = true;
  return NULL;
}

struct kd_error *kd_type_member(struct kd_type *t, const char *name,
                                const struct kd_member **out) {
  *out = NULL;
  t = kd_type_resolve(t);
  if (t == NULL || (t->kind != KD_TYPE_STRUCT && t->kind != KD_TYPE_UNION))
    return NULL;
  struct kd_error *err = kd_type_load(t);
  if (err) return err;
  /* Scripts ask the same few members of a type again and again, mostly
  ** with the same string (Lua interns short strings, and a field name in a
  ** script is a constant): a hit on the pointer costs one strcmp instead
  ** of a binary search over, for task_struct, ~250 names.  The strcmp
  ** guards against another string at a freed one's address. */
  size_t slot = ((uintptr_t)name >> 4) % (sizeof t->recent / sizeof t->recent[0]);
  if (t->recent[slot].name == name && strcmp(t->recent[slot].m->name, name) == 0) {
    *out = t->recent[slot].m;
    return NULL;
  }
  size_t lo = 0, hi = t->nby_name;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(name, t->by_name[mid].name);
    if (c == 0) {
      *out = &t->by_name[mid];
      t->recent[slot].name = name;
      t->recent[slot].m = *out;
      return NULL;
    }
    if (c < 0) hi = mid; else lo = mid + 1;
  }
  return NULL;
}

static int member_name_cmp(const void *a, const void *b) {
  const struct kd_member *x = a, *y = b;
  return strcmp(x->name, y->name);
}

/* anonymous members nest a few levels in C; a deeper chain is a type that
** contains itself (corrupt debug info), which is not opened up */
#define MAX_ANON_DEPTH 16

static size_t count_flat(struct kd_type *t, int depth) {
  size_t n = 0;
  for (size_t i = 0; i < t->nmembers; i++) {
    if (t->members[i].name) { n++; continue; }
    struct kd_type *m = kd_type_resolve(t->members[i].type);
    if (m && (m->kind == KD_TYPE_STRUCT || m->kind == KD_TYPE_UNION) &&
        m->members_loaded && depth < MAX_ANON_DEPTH)
      n += count_flat(m, depth + 1);
  }
  return n;
}

static void add_flat(struct kd_type *t, uint64_t base, struct kd_member *out,
                     size_t *n, int depth) {
  for (size_t i = 0; i < t->nmembers; i++) {
    struct kd_member m = t->members[i];
    m.bit_offset += base;
    if (m.name) { out[(*n)++] = m; continue; }
    struct kd_type *mt = kd_type_resolve(m.type);
    if (mt && (mt->kind == KD_TYPE_STRUCT || mt->kind == KD_TYPE_UNION) &&
        mt->members_loaded && depth < MAX_ANON_DEPTH)
      add_flat(mt, m.bit_offset, out, n, depth + 1);
  }
}

struct kd_error *kd_type_index_members(struct kd_type *t,
                                       void *(*alloc)(void *ctx, size_t n),
                                       void *alloc_ctx) {
  /* anonymous members must be loaded before flattening */
  for (size_t k = 0; k < t->nmembers; k++) {
    if (t->members[k].name) continue;
    struct kd_error *err = kd_type_load(kd_type_resolve(t->members[k].type));
    if (err) return err;
  }
  size_t nf = count_flat(t, 0);
  struct kd_member *flat = nf ? alloc(alloc_ctx, nf * sizeof *flat) : NULL;
  if (nf && flat == NULL) return kd_enomem;
  size_t k = 0;
  add_flat(t, 0, flat, &k, 0);
  if (nf) qsort(flat, nf, sizeof *flat, member_name_cmp);
  t->by_name = flat;
  t->nby_name = nf;
  return NULL;
}

uint64_t kd_type_sizeof(struct kd_type *t) {
  t = kd_type_resolve(t);
  if (t == NULL) return 0;
  if (t->kind == KD_TYPE_ARRAY) {
    if (!t->length_known) return 0;
    return t->length * kd_type_sizeof(t->target);
  }
  /* a declaration (struct foo;) has the size of the definition that
  ** completes it, found when it is loaded */
  if (!t->is_complete && !t->members_loaded) kd_error_destroy(kd_type_load(t));
  return t->size;
}

bool kd_type_is_integer(struct kd_type *t) {
  t = kd_type_resolve(t);
  return t && (t->kind == KD_TYPE_INT || t->kind == KD_TYPE_ENUM);
}

const char *kd_type_kind_name(enum kd_type_kind kind) {
  switch (kind) {
    case KD_TYPE_VOID: return "void";
    case KD_TYPE_INT: return "int";
    case KD_TYPE_FLOAT: return "float";
    case KD_TYPE_POINTER: return "pointer";
    case KD_TYPE_STRUCT: return "struct";
    case KD_TYPE_UNION: return "union";
    case KD_TYPE_ENUM: return "enum";
    case KD_TYPE_ARRAY: return "array";
    case KD_TYPE_TYPEDEF: return "typedef";
    case KD_TYPE_FUNCTION: return "function";
    default: return "any";
  }
}

int kd_type_lookup_spaces(enum kd_type_kind kind,
                          enum kd_name_space spaces[KD_LOOKUP_SPACES_MAX]) {
  switch (kind) {
    case KD_TYPE_STRUCT: spaces[0] = KD_NS_STRUCT; spaces[1] = KD_NS_STRUCT_DECL; return 2;
    case KD_TYPE_UNION: spaces[0] = KD_NS_UNION; spaces[1] = KD_NS_UNION_DECL; return 2;
    case KD_TYPE_ENUM: spaces[0] = KD_NS_ENUM; spaces[1] = KD_NS_ENUM_DECL; return 2;
    case KD_TYPE_TYPEDEF: spaces[0] = KD_NS_TYPEDEF; return 1;
    default:
      spaces[0] = KD_NS_TYPEDEF; spaces[1] = KD_NS_BASE; spaces[2] = KD_NS_STRUCT;
      spaces[3] = KD_NS_UNION; spaces[4] = KD_NS_ENUM;
      return 5;
  }
}

struct kd_error *kd_type_not_found(enum kd_type_kind kind, const char *name) {
  return kd_error_create(KD_ERR_LOOKUP, "no type information for %s%s",
                         kind == KD_TYPE_STRUCT ? "struct " :
                         kind == KD_TYPE_UNION ? "union " :
                         kind == KD_TYPE_ENUM ? "enum " : "", name);
}

/*
** C declarator spelling.  A type is a base ("struct x", "int") plus a
** declarator built inside out: pointers prefix "*", arrays and functions
** suffix "[n]" / "(...)", with parentheses where a pointer meets an array or
** function ("char (*)[16]", "void (*)(int)").
*/
static void append(char *buf, size_t len, size_t *pos, const char *s) {
  size_t n = strlen(s);
  if (*pos < len) {
    size_t room = len - *pos - 1;
    memcpy(buf + *pos, s, n < room ? n : room);
    buf[*pos + (n < room ? n : room)] = '\0';
  }
  *pos += n;
}

static void base_name(struct kd_type *t, char *buf, size_t len) {
  const char *tag = "";
  switch (t->kind) {
    case KD_TYPE_STRUCT: tag = "struct "; break;
    case KD_TYPE_UNION: tag = "union "; break;
    case KD_TYPE_ENUM: tag = "enum "; break;
    case KD_TYPE_VOID: snprintf(buf, len, "void"); return;
    default: break;
  }
  snprintf(buf, len, "%s%s", tag, t->name ? t->name : "<anonymous>");
}

static void format_decl(struct kd_type *t, const char *inner, char *buf,
                        size_t len) {
  char tmp[512];
  if (t == NULL) {
    snprintf(buf, len, "void%s%s", *inner ? " " : "", inner);
    return;
  }
  switch (t->kind) {
    case KD_TYPE_POINTER: {
      struct kd_type *to = t->target;
      int paren = to && (to->kind == KD_TYPE_ARRAY || to->kind == KD_TYPE_FUNCTION);
      snprintf(tmp, sizeof tmp, paren ? "(*%s)" : "*%s", inner);
      format_decl(to, tmp, buf, len);
      return;
    }
    case KD_TYPE_ARRAY:
      if (t->length_known)
        snprintf(tmp, sizeof tmp, "%s[%llu]", inner, (unsigned long long)t->length);
      else
        snprintf(tmp, sizeof tmp, "%s[]", inner);
      format_decl(t->target, tmp, buf, len);
      return;
    case KD_TYPE_FUNCTION: {
      size_t pos = 0;
      char params[384];
      params[0] = '\0';
      for (size_t i = 0; i < t->nparams; i++) {
        char p[128];
        if (i) append(params, sizeof params, &pos, ", ");
        format_decl(t->params[i], "", p, sizeof p);
        append(params, sizeof params, &pos, p);
      }
      if (t->is_variadic) append(params, sizeof params, &pos, t->nparams ? ", ..." : "...");
      if (t->nparams == 0 && !t->is_variadic) append(params, sizeof params, &pos, "void");
      snprintf(tmp, sizeof tmp, "%s(%s)", inner, params);
      format_decl(t->target, tmp, buf, len);
      return;
    }
    default: {
      char b[256];
      base_name(t, b, sizeof b);
      snprintf(buf, len, "%s%s%s", b,
               *inner && *inner != '[' && *inner != '(' ? " " : (*inner ? " " : ""),
               inner);
      return;
    }
  }
}

void kd_type_format(struct kd_type *t, char *buf, size_t len) {
  format_decl(t, "", buf, len);
}
