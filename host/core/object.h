/*
** object.h -- typed kernel objects, lazily read.
**
** A reference object names memory (type + address); a value object carries
** a scalar (an integer, a pointer, a float) that is not, or no longer, in
** memory -- the result of following a pointer's value or of container_of.
** Reading happens only when a scalar is asked for.
*/
#ifndef KD_OBJECT_H
#define KD_OBJECT_H

#include "program.h"

struct kd_object {
  struct kd_type *type;      /* as declared (may be a typedef) */
  bool is_reference;
  uint64_t address;          /* reference: where it lives */
  uint32_t bit_offset;       /* reference to a bitfield: bits from address */
  uint32_t bit_size;         /* 0 unless a bitfield */
  union {
    uint64_t u;
    int64_t s;
    double f;
  } value;                   /* value objects */
};

void kd_object_reference(struct kd_object *o, struct kd_type *t, uint64_t addr);
void kd_object_value_u64(struct kd_object *o, struct kd_type *t, uint64_t v);

/* obj.name: through one pointer level, as C's -> (drgn does the same). */
struct kd_error *kd_object_member(struct kd_program *prog,
                                  const struct kd_object *obj,
                                  const char *name, struct kd_object *out);
/* *obj for pointers; the object itself for arrays' first element. */
struct kd_error *kd_object_deref(struct kd_program *prog,
                                 const struct kd_object *obj,
                                 struct kd_object *out);
/* obj[i] for arrays and pointers. */
struct kd_error *kd_object_index(struct kd_program *prog,
                                 const struct kd_object *obj, int64_t i,
                                 struct kd_object *out);
/* &obj as a pointer value. */
struct kd_error *kd_object_address_of(struct kd_program *prog,
                                      const struct kd_object *obj,
                                      struct kd_object *out);
/* Read an integer-like scalar (int, enum, bool, pointer, bitfield):
** *v holds it sign-extended when signed. */
struct kd_error *kd_object_read_integer(struct kd_program *prog,
                                        const struct kd_object *obj,
                                        uint64_t *v, bool *is_signed);
struct kd_error *kd_object_read_float(struct kd_program *prog,
                                      const struct kd_object *obj, double *v);
/* The pointer value of a pointer object, or the address of an array. */
struct kd_error *kd_object_pointer_value(struct kd_program *prog,
                                         const struct kd_object *obj,
                                         uint64_t *v);
/* A C string: char arrays up to their length or NUL; char pointers up to
** NUL or `max` bytes.  *s malloc'ed. */
struct kd_error *kd_object_string(struct kd_program *prog,
                                  const struct kd_object *obj, size_t max,
                                  char **s, size_t *len);
/* container_of(ptr, type, member): ptr is a pointer value or address. */
struct kd_error *kd_object_container_of(struct kd_program *prog, uint64_t ptr,
                                        struct kd_type *type,
                                        const char *member,
                                        struct kd_object *out);
/* Offset in bytes of a member path ("a.b.c" or "a[2].b") in type t. */
struct kd_error *kd_member_offset(struct kd_type *t, const char *path,
                                  uint64_t *bit_offset,
                                  const struct kd_member **member);
/* Convenience for C walkers: read the integer or pointer at member path
** `path` ("pid", "thread.sp", "mem[0].size") of the struct of type t at
** addr; bitfields and any width work, as through kd_object_read_integer. */
struct kd_error *kd_read_member_u64(struct kd_program *prog,
                                    struct kd_type *t, uint64_t addr,
                                    const char *name, uint64_t *v);

/* Several members of one struct type, named once and read together: the
** per-task formatters of /proc read tens of members of each task, mm and
** signal_struct, and a compiled list turns each into an offset read
** instead of a name lookup and a Lua object. */
enum kd_field_kind {
  KD_FIELD_ABSENT,           /* no such member in this kernel's type */
  KD_FIELD_INTEGER,          /* integers, enums, bitfields, pointers */
  KD_FIELD_BOOL,
  KD_FIELD_ADDRESS           /* a struct, union or array member: its address */
};
/* A path may follow pointers with "->" ("signal->pids[2]->numbers[0].nr"):
** each hop reads a pointer member and goes on in the struct it points to,
** so that a task's parent, credentials or pid numbers come out of the
** same one call as its own members. */
#define KD_FIELD_MAX_HOPS 4
struct kd_field {
  enum kd_field_kind kind;
  struct kd_type *type;      /* the member's type (NULL when absent) */
  uint64_t bit_offset;       /* from the start of the (last) struct */
  uint32_t bit_size;         /* 0 unless a bitfield */
  uint32_t nhops;            /* pointers followed before the member */
  /* a whole (not bit) integer member: its size in bytes and sign, so that
  ** a read is one copy (0: read through the type, kd_object_read_integer) */
  uint8_t size;
  bool is_signed;
  bool hops_direct;          /* every hop an 8-byte pointer */
  struct kd_type *hop_type[KD_FIELD_MAX_HOPS];   /* each pointer's type */
  uint64_t hop_offset[KD_FIELD_MAX_HOPS];        /* its bit offset */
};
/* Resolve member path `path` of type t into *f; a path the type lacks is
** KD_FIELD_ABSENT, not an error (scripts probe members); a float member
** is an error, so is a "->" after a member that is not a pointer to a
** struct or union. */
struct kd_error *kd_field_compile(struct kd_type *t, const char *path,
                                  struct kd_field *f);
/* The value of field f of the struct at addr: integers sign-extended as
** kd_object_read_integer does, the member's address for KD_FIELD_ADDRESS.
** *is_null is set when a pointer on the way ("->") is NULL (*v is then 0). */
struct kd_error *kd_field_read(struct kd_program *prog,
                               const struct kd_field *f, uint64_t addr,
                               uint64_t *v, bool *is_null);

#endif
