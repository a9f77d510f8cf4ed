/*
** object.c -- typed kernel objects (see object.h).
*/
#include "object.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

void kd_object_reference(struct kd_object *o, struct kd_type *t, uint64_t addr) {
  memset(o, 0, sizeof *o);
  o->type = t;
  o->is_reference = true;
  o->address = addr;
}

void kd_object_value_u64(struct kd_object *o, struct kd_type *t, uint64_t v) {
  memset(o, 0, sizeof *o);
  o->type = t;
  o->value.u = v;
}

static const char *type_str(struct kd_type *t, char *buf, size_t len) {
  kd_type_format(t, buf, len);
  return buf;
}

struct kd_error *kd_object_pointer_value(struct kd_program *prog,
                                         const struct kd_object *obj,
                                         uint64_t *v) {
  struct kd_type *t = kd_type_resolve(obj->type);
  if (t && t->kind == KD_TYPE_ARRAY) {
    if (!obj->is_reference)
      return kd_error_create(KD_ERR_TYPE, "array value has no address");
    *v = obj->address;
    return NULL;
  }
  if (t == NULL || (t->kind != KD_TYPE_POINTER && t->kind != KD_TYPE_INT)) {
    char b[256];
    return kd_error_create(KD_ERR_TYPE, "'%s' is not a pointer",
                           type_str(obj->type, b, sizeof b));
  }
  bool sign;
  return kd_object_read_integer(prog, obj, v, &sign);
}

struct kd_error *kd_object_read_integer(struct kd_program *prog,
                                        const struct kd_object *obj,
                                        uint64_t *v, bool *is_signed) {
  struct kd_type *t = kd_type_resolve(obj->type);
  char b[256];
  if (t == NULL || (t->kind != KD_TYPE_INT && t->kind != KD_TYPE_ENUM &&
                    t->kind != KD_TYPE_POINTER))
    return kd_error_create(KD_ERR_TYPE, "'%s' is not an integer or pointer",
                           type_str(obj->type, b, sizeof b));
  *is_signed = t->kind != KD_TYPE_POINTER && t->is_signed;
  if (!obj->is_reference) {
    *v = obj->value.u;
    return NULL;
  }
  uint64_t size = t->size;
  if (obj->bit_size) {
    /* a bitfield: read the bytes that hold it, shift and mask */
    uint64_t first = obj->bit_offset / 8;
    uint64_t nbytes = (obj->bit_offset % 8 + obj->bit_size + 7) / 8;
    unsigned char buf[16] = { 0 };
    if (nbytes > 9)
      return kd_error_create(KD_ERR_TYPE, "bitfield wider than 64 bits");
    struct kd_error *err = kd_program_read(prog, obj->address + first, buf, nbytes);
    if (err) return err;
    unsigned __int128 raw = 0;
    for (uint64_t i = 0; i < nbytes; i++) raw |= (unsigned __int128)buf[i] << (8 * i);
    raw >>= obj->bit_offset % 8;
    uint64_t x = (uint64_t)raw;
    if (obj->bit_size < 64) {
      x &= (1ull << obj->bit_size) - 1;
      if (*is_signed && (x >> (obj->bit_size - 1)) & 1) x |= ~0ull << obj->bit_size;
    }
    *v = x;
    return NULL;
  }
  if (size == 0 || size > 8) {
    /* enums without a size take their compatible type's; others fail */
    if (size == 0 && t->kind == KD_TYPE_ENUM) size = 4;
    else
      return kd_error_create(KD_ERR_TYPE, "cannot read a %" PRIu64
                             "-byte '%s' as an integer", size,
                             type_str(obj->type, b, sizeof b));
  }
  uint64_t x = 0;
  struct kd_error *err = kd_program_read(prog, obj->address, &x, (size_t)size);
  if (err) return err;
  if (*is_signed && size < 8 && (x >> (size * 8 - 1)) & 1) x |= ~0ull << (size * 8);
  *v = x;
  return NULL;
}

struct kd_error *kd_object_read_float(struct kd_program *prog,
                                      const struct kd_object *obj, double *v) {
  struct kd_type *t = kd_type_resolve(obj->type);
  if (!obj->is_reference) { *v = obj->value.f; return NULL; }
  if (t->size == 4) {
    float f;
    struct kd_error *err = kd_program_read(prog, obj->address, &f, 4);
    *v = f;
    return err;
  }
  if (t->size == 8) return kd_program_read(prog, obj->address, v, 8);
  return kd_error_create(KD_ERR_TYPE, "unsupported float size %" PRIu64, t->size);
}

struct kd_error *kd_object_deref(struct kd_program *prog,
                                 const struct kd_object *obj,
                                 struct kd_object *out) {
  struct kd_type *t = kd_type_resolve(obj->type);
  char b[256];
  if (t && t->kind == KD_TYPE_ARRAY)
    return kd_object_index(prog, obj, 0, out);
  if (t == NULL || t->kind != KD_TYPE_POINTER)
    return kd_error_create(KD_ERR_TYPE, "cannot dereference '%s'",
                           type_str(obj->type, b, sizeof b));
  uint64_t p;
  struct kd_error *err = kd_object_pointer_value(prog, obj, &p);
  if (err) return err;
  if (p == 0)
    return kd_error_fault(KD_ERR_FAULT, 0, "NULL pointer dereference ('%s')",
                          type_str(obj->type, b, sizeof b));
  struct kd_type *target = t->target;
  struct kd_type *rt = kd_type_resolve(target);
  if (rt && (rt->kind == KD_TYPE_VOID || rt->kind == KD_TYPE_FUNCTION))
    return kd_error_create(KD_ERR_TYPE, "cannot dereference '%s'",
                           type_str(obj->type, b, sizeof b));
  kd_object_reference(out, target, p);
  return NULL;
}

struct kd_error *kd_object_index(struct kd_program *prog,
                                 const struct kd_object *obj, int64_t i,
                                 struct kd_object *out) {
  struct kd_type *t = kd_type_resolve(obj->type);
  char b[256];
  uint64_t base;
  struct kd_type *elem;
  if (t && t->kind == KD_TYPE_ARRAY) {
    if (!obj->is_reference)
      return kd_error_create(KD_ERR_TYPE, "array value has no address");
    if (t->length_known && t->length != 0 && (i < 0 || (uint64_t)i >= t->length))
      return kd_error_create(KD_ERR_LOOKUP, "index %" PRId64 " out of bounds "
                             "for '%s'", i, type_str(obj->type, b, sizeof b));
    base = obj->address;
    elem = t->target;
  } else if (t && t->kind == KD_TYPE_POINTER) {
    struct kd_error *err = kd_object_pointer_value(prog, obj, &base);
    if (err) return err;
    if (base == 0)
      return kd_error_fault(KD_ERR_FAULT, 0, "NULL pointer dereference ('%s')",
                            type_str(obj->type, b, sizeof b));
    elem = t->target;
  } else {
    return kd_error_create(KD_ERR_TYPE, "'%s' cannot be indexed",
                           type_str(obj->type, b, sizeof b));
  }
  uint64_t esize = kd_type_sizeof(elem);
  if (esize == 0 && kd_type_resolve(elem)->kind != KD_TYPE_VOID)
    esize = 0;
  kd_object_reference(out, elem, base + (uint64_t)i * esize);
  return NULL;
}

struct kd_error *kd_object_address_of(struct kd_program *prog,
                                      const struct kd_object *obj,
                                      struct kd_object *out) {
  if (!obj->is_reference || obj->bit_size)
    return kd_error_create(KD_ERR_TYPE, "cannot take the address of a value");
  struct kd_type *pt;
  struct kd_error *err = kd_program_pointer_type(prog, obj->type, &pt);
  if (err) return err;
  kd_object_value_u64(out, pt, obj->address);
  return NULL;
}

struct kd_error *kd_object_member(struct kd_program *prog,
                                  const struct kd_object *obj,
                                  const char *name, struct kd_object *out) {
  struct kd_object tmp;
  struct kd_type *t = kd_type_resolve(obj->type);
  char b[256];
  if (t && t->kind == KD_TYPE_POINTER) {
    struct kd_error *err = kd_object_deref(prog, obj, &tmp);
    if (err) return err;
    obj = &tmp;
    t = kd_type_resolve(tmp.type);
  }
  if (t == NULL || (t->kind != KD_TYPE_STRUCT && t->kind != KD_TYPE_UNION))
    return kd_error_create(KD_ERR_TYPE, "'%s' has no members (asked for '%s')",
                           type_str(obj->type, b, sizeof b), name);
  if (!obj->is_reference)
    return kd_error_create(KD_ERR_TYPE, "struct value has no address");
  const struct kd_member *m;
  struct kd_error *err = kd_type_member(t, name, &m);
  if (err == NULL && m == NULL && !t->is_complete) {
    /* declared only where the type came from: defined by another finder
    ** (a module's) */
    err = kd_program_complete_type(prog, t);
    if (err == NULL) err = kd_type_member(t, name, &m);
  }
  if (err) return err;
  if (m == NULL) {
    if (!t->is_complete)
      return kd_error_create(KD_ERR_LOOKUP, "no type information for the "
                             "members of '%s' (only a declaration was found)",
                             type_str(obj->type, b, sizeof b));
    return kd_error_create(KD_ERR_LOOKUP, "'%s' has no member '%s'",
                           type_str(obj->type, b, sizeof b), name);
  }
  kd_object_reference(out, m->type, obj->address + m->bit_offset / 8);
  if (m->bit_size) {
    out->bit_offset = (uint32_t)(m->bit_offset % 8);
    out->bit_size = m->bit_size;
  }
  return NULL;
}

struct kd_error *kd_object_string(struct kd_program *prog,
                                  const struct kd_object *obj, size_t max,
                                  char **s, size_t *len) {
  struct kd_type *t = kd_type_resolve(obj->type);
  char b[256];
  if (t && t->kind == KD_TYPE_ARRAY) {
    if (!obj->is_reference)
      return kd_error_create(KD_ERR_TYPE, "array value has no address");
    uint64_t n = kd_type_sizeof(t);
    if (!t->length_known || n == 0) n = max;
    if (n > max) n = max;
    char *buf = malloc((size_t)n + 1);
    if (buf == NULL) return kd_enomem;
    struct kd_error *err = kd_program_read(prog, obj->address, buf, (size_t)n);
    if (err) { free(buf); return err; }
    buf[n] = '\0';
    *len = strnlen(buf, (size_t)n);
    *s = buf;
    return NULL;
  }
  if (t && t->kind == KD_TYPE_POINTER) {
    uint64_t p;
    struct kd_error *err = kd_object_pointer_value(prog, obj, &p);
    if (err) return err;
    if (p == 0)
      return kd_error_fault(KD_ERR_FAULT, 0, "NULL pointer read as a string");
    return kd_program_read_string(prog, p, max, s, len);
  }
  return kd_error_create(KD_ERR_TYPE, "'%s' is not a string (char array or "
                         "pointer)", type_str(obj->type, b, sizeof b));
}

/*
** Walk "a.b[2].c": each component is a member (flattened anonymous members
** included) or an array subscript.
*/
struct kd_error *kd_member_offset(struct kd_type *t, const char *path,
                                  uint64_t *bit_offset,
                                  const struct kd_member **member) {
  uint64_t off = 0;
  const struct kd_member *m = NULL;
  const char *p = path;
  char name[256];
  char b[256];
  while (*p) {
    if (*p == '.') { p++; continue; }
    if (*p == '[') {
      char *e;
      long long i = strtoll(p + 1, &e, 0);
      struct kd_type *rt = kd_type_resolve(t);
      if (*e != ']' || rt == NULL || rt->kind != KD_TYPE_ARRAY)
        return kd_error_create(KD_ERR_LOOKUP, "bad member path '%s'", path);
      off += (uint64_t)i * kd_type_sizeof(rt->target) * 8;
      t = rt->target;
      p = e + 1;
      continue;
    }
    size_t n = strcspn(p, ".[");
    if (n >= sizeof name)
      return kd_error_create(KD_ERR_LOOKUP, "bad member path '%s'", path);
    memcpy(name, p, n);
    name[n] = '\0';
    struct kd_error *err = kd_type_member(t, name, &m);
    if (err) return err;
    if (m == NULL)
      return kd_error_create(KD_ERR_LOOKUP, "'%s' has no member '%s'",
                             type_str(t, b, sizeof b), name);
    off += m->bit_offset;
    t = m->type;
    p += n;
  }
  *bit_offset = off;
  if (member) *member = m;
  return NULL;
}

struct kd_error *kd_object_container_of(struct kd_program *prog, uint64_t ptr,
                                        struct kd_type *type,
                                        const char *member,
                                        struct kd_object *out) {
  uint64_t bits;
  struct kd_error *err = kd_member_offset(type, member, &bits, NULL);
  if (err) return err;
  struct kd_type *pt;
  err = kd_program_pointer_type(prog, type, &pt);
  if (err) return err;
  kd_object_value_u64(out, pt, ptr - bits / 8);
  return NULL;
}

/* The integer of type `type` that starts `bits` bits into the struct at
** addr (a bitfield when bit_size is not 0): what kd_read_member_u64 and
** kd_field_read both read once the member is found. */
static struct kd_error *read_integer_member(struct kd_program *prog,
                                            struct kd_type *type, uint64_t addr,
                                            uint64_t bits, uint32_t bit_size,
                                            uint64_t *v) {
  struct kd_object o;
  kd_object_reference(&o, type, addr + bits / 8);
  if (bit_size) {
    o.bit_offset = (uint32_t)(bits % 8);
    o.bit_size = bit_size;
  }
  bool sign;
  return kd_object_read_integer(prog, &o, v, &sign);
}

struct kd_error *kd_read_member_u64(struct kd_program *prog,
                                    struct kd_type *t, uint64_t addr,
                                    const char *path, uint64_t *v) {
  uint64_t bits;
  const struct kd_member *m;
  struct kd_error *err = kd_member_offset(t, path, &bits, &m);
  if (err) return err;
  if (m == NULL)
    return kd_error_create(KD_ERR_LOOKUP, "bad member path '%s'", path);
  return read_integer_member(prog, m->type, addr, bits, m->bit_size, v);
}

static struct kd_error *compile_member(struct kd_type *t, const char *path,
                                      struct kd_field *f) {
  memset(f, 0, sizeof *f);
  f->kind = KD_FIELD_ABSENT;
  uint64_t bits;
  const struct kd_member *m;
  struct kd_error *err = kd_member_offset(t, path, &bits, &m);
  if (err) {
    if (err->code != KD_ERR_LOOKUP) return err;
    kd_error_destroy(err);            /* no such member: absent */
    return NULL;
  }
  if (m == NULL) return NULL;
  /* a path that ends in subscripts ("sig[0]") names an element: the type
  ** of the last member, one array level down per subscript after it */
  struct kd_type *mt = m->type;
  uint32_t bit_size = m->bit_size;
  const char *tail = path + strlen(path);
  while (tail > path && tail[-1] == ']') {
    while (tail > path && tail[-1] != '[') tail--;
    if (tail > path) tail--;
  }
  for (const char *q = tail; *q == '['; q = strchr(q, ']') + 1) {
    struct kd_type *at = kd_type_resolve(mt);
    if (at == NULL || at->kind != KD_TYPE_ARRAY) return NULL;
    mt = at->target;
    bit_size = 0;
  }
  struct kd_type *r = kd_type_resolve(mt);
  if (r == NULL) return NULL;
  f->type = mt;
  f->bit_offset = bits;
  f->bit_size = bit_size;
  switch (r->kind) {
    case KD_TYPE_INT:
    case KD_TYPE_ENUM:
    case KD_TYPE_POINTER: {
      f->kind = r->kind == KD_TYPE_INT && r->is_bool ? KD_FIELD_BOOL : KD_FIELD_INTEGER;
      /* kd_object_read_integer's sizes: an enum without one is an int */
      uint64_t size = r->size == 0 && r->kind == KD_TYPE_ENUM ? 4 : r->size;
      if (bit_size == 0 && size >= 1 && size <= 8) {
        f->size = (uint8_t)size;
        f->is_signed = r->kind != KD_TYPE_POINTER && r->is_signed;
      }
      break;
    }
    case KD_TYPE_STRUCT:
    case KD_TYPE_UNION:
    case KD_TYPE_ARRAY:
      f->kind = KD_FIELD_ADDRESS;
      break;
    default:
      return kd_error_create(KD_ERR_TYPE, "member '%s' is not an integer, pointer "
                             "or aggregate", path);
  }
  return NULL;
}

struct kd_error *kd_field_compile(struct kd_type *t, const char *path,
                                  struct kd_field *f) {
  const char *arrow = strstr(path, "->");
  if (arrow == NULL) return compile_member(t, path, f);
  /* the hops: each segment before a "->" is a pointer member of the
  ** struct the previous one pointed to */
  struct kd_type *hop_type[KD_FIELD_MAX_HOPS];
  uint64_t hop_offset[KD_FIELD_MAX_HOPS];
  uint32_t nhops = 0;
  const char *seg = path;
  char name[256];
  while (arrow != NULL) {
    size_t n = (size_t)(arrow - seg);
    if (nhops == KD_FIELD_MAX_HOPS || n == 0 || n >= sizeof name)
      return kd_error_create(KD_ERR_LOOKUP, "bad member path '%s'", path);
    memcpy(name, seg, n);
    name[n] = '\0';
    struct kd_field hop;
    struct kd_error *err = compile_member(t, name, &hop);
    if (err) return err;
    if (hop.kind == KD_FIELD_ABSENT) {   /* this kernel lacks it: absent */
      memset(f, 0, sizeof *f);
      f->kind = KD_FIELD_ABSENT;
      return NULL;
    }
    struct kd_type *pt = kd_type_resolve(hop.type);
    struct kd_type *target = pt && pt->kind == KD_TYPE_POINTER ? kd_type_resolve(pt->target) : NULL;
    if (target == NULL || (target->kind != KD_TYPE_STRUCT && target->kind != KD_TYPE_UNION))
      return kd_error_create(KD_ERR_TYPE, "'%s' in '%s' is not a pointer to a struct or union",
                             name, path);
    hop_type[nhops] = hop.type;
    hop_offset[nhops] = hop.bit_offset;
    nhops++;
    t = target;
    seg = arrow + 2;
    arrow = strstr(seg, "->");
  }
  struct kd_error *err = compile_member(t, seg, f);
  if (err || f->kind == KD_FIELD_ABSENT) return err;
  f->nhops = nhops;
  memcpy(f->hop_type, hop_type, nhops * sizeof hop_type[0]);
  memcpy(f->hop_offset, hop_offset, nhops * sizeof hop_offset[0]);
  f->hops_direct = true;
  for (uint32_t i = 0; i < nhops; i++) {
    struct kd_type *pt = kd_type_resolve(hop_type[i]);
    if (pt == NULL || pt->size != 8 || hop_offset[i] % 8 != 0) f->hops_direct = false;
  }
  return NULL;
}

struct kd_error *kd_field_read(struct kd_program *prog,
                               const struct kd_field *f, uint64_t addr,
                               uint64_t *v, bool *is_null) {
  *v = 0;
  *is_null = false;
  if (f->kind == KD_FIELD_ABSENT) return NULL;
  /* the per-task formatters read ~60 fields a file: the compiled size
  ** and sign make each one copy from the dump, without going through an
  ** object and its resolved type again */
  for (uint32_t i = 0; i < f->nhops; i++) {
    struct kd_error *err = f->hops_direct
      ? kd_program_read(prog, addr + f->hop_offset[i] / 8, &addr, 8)
      : read_integer_member(prog, f->hop_type[i], addr, f->hop_offset[i], 0, &addr);
    if (err) return err;
    if (addr == 0) { *is_null = true; return NULL; }
  }
  if (f->kind == KD_FIELD_ADDRESS) {
    *v = addr + f->bit_offset / 8;
    return NULL;
  }
  if (f->size) {
    uint64_t x = 0;
    struct kd_error *err = kd_program_read(prog, addr + f->bit_offset / 8, &x, f->size);
    if (err) return err;
    if (f->is_signed && f->size < 8 && (x >> (f->size * 8 - 1)) & 1) x |= ~0ull << (f->size * 8);
    *v = x;
    return NULL;
  }
  return read_integer_member(prog, f->type, addr, f->bit_offset, f->bit_size, v);
}
