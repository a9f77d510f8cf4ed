/*
** types.h -- the type model of kdlua.
**
** Types are built lazily from a debug-info source (DWARF now; BTF later)
** behind the kd_finder interface, interned per source, and live until the
** program is closed.  Struct members are loaded on first use and kept sorted
** by name (anonymous struct/union members flattened in, as C lets you name
** them), so member lookup is a binary search: `has_member` is cheap.
*/
#ifndef KD_TYPES_H
#define KD_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

enum kd_type_kind {
  KD_TYPE_VOID,
  KD_TYPE_INT,        /* also char, _Bool */
  KD_TYPE_FLOAT,
  KD_TYPE_POINTER,
  KD_TYPE_STRUCT,
  KD_TYPE_UNION,
  KD_TYPE_ENUM,
  KD_TYPE_ARRAY,
  KD_TYPE_TYPEDEF,
  KD_TYPE_FUNCTION,
  KD_TYPE_ANY         /* lookups only: any kind */
};

struct kd_type;

struct kd_member {
  const char *name;          /* NULL for an anonymous struct/union member */
  uint64_t bit_offset;       /* from the start of the containing type */
  uint32_t bit_size;         /* 0 unless a bitfield */
  struct kd_type *type;
};

struct kd_enumerator {
  const char *name;
  int64_t value;             /* as unsigned when the enum is unsigned */
};

struct kd_finder;

struct kd_type {
  enum kd_type_kind kind;
  const char *name;          /* tag or typedef/base name; NULL if anonymous */
  uint64_t size;             /* bytes; 0 for void, functions, incomplete */
  bool is_signed;            /* INT and ENUM */
  bool is_bool;              /* INT: _Bool */
  bool is_char;              /* INT: a character type (for strings) */
  bool is_complete;          /* STRUCT/UNION/ENUM: false for declarations */
  bool is_variadic;          /* FUNCTION */
  bool members_loaded;
  struct kd_type *target;    /* POINTER, ARRAY, TYPEDEF: referenced type;
                                ENUM: compatible integer type (may be NULL);
                                FUNCTION: return type */
  uint64_t length;           /* ARRAY: element count (0 if unknown) */
  bool length_known;
  /* STRUCT/UNION: direct members in declaration order */
  struct kd_member *members;
  size_t nmembers;
  /* flattened (anonymous members opened up) and sorted by name */
  struct kd_member *by_name;
  size_t nby_name;
  /* the last few names asked for (see kd_type_member); zeroed = empty */
  struct { const char *name; const struct kd_member *m; } recent[8];
  /* ENUM */
  struct kd_enumerator *enumerators;
  size_t nenumerators;
  /* FUNCTION parameter types */
  struct kd_type **params;
  size_t nparams;
  /* lazy loading: the finder that made this type, and its handle */
  const struct kd_finder *finder;
  uint64_t source_id;
};

/*
** A source of types and global variable types.  The program keeps a list of
** finders (the kernel's, then each module's) and asks them in order.
*/
struct kd_finder {
  const char *name;           /* "vmlinux DWARF", "module loop DWARF"... */
  void *ctx;
  /* Find a type by name; kind is STRUCT/UNION/ENUM/TYPEDEF or ANY (base
  ** types, typedefs...).  KD_ERR_LOOKUP when absent. */
  struct kd_error *(*find_type)(void *ctx, enum kd_type_kind kind,
                                const char *name, struct kd_type **out);
  /* Type of a global variable `name`.  KD_ERR_LOOKUP when absent. */
  struct kd_error *(*find_variable)(void *ctx, const char *name,
                                    struct kd_type **out);
  /* Value of the enumerator `name` (of any enum, anonymous ones too).
  ** KD_ERR_LOOKUP when absent.  May be NULL (a finder without them). */
  struct kd_error *(*find_constant)(void *ctx, const char *name, int64_t *value);
  /* Complete a declaration (struct foo;) with a full definition elsewhere. */
  struct kd_error *(*complete)(void *ctx, struct kd_type *decl,
                               struct kd_type **out);
  /* Load members/enumerators of `t` (made by this finder). */
  struct kd_error *(*load)(void *ctx, struct kd_type *t);
  /* Give back memory that can be had again: mapped pages of the debug
  ** file (re-read from the page cache on the next use).  May be NULL. */
  void (*release)(void *ctx);
  void (*destroy)(void *ctx);
  /* Call fn with the C name of every type this finder can find by name
  ** ("struct task_struct", "u64"), for the REPL's completion; duplicates
  ** possible.  May be NULL (a finder that cannot list its names). */
  void (*each_type_name)(void *ctx, void (*fn)(void *arg, const char *name),
                         void *arg);
};

/* Destroy a finder of any kind (and every type it made). */
void kd_finder_destroy(struct kd_finder *f);

/* Strip typedefs. */
struct kd_type *kd_type_resolve(struct kd_type *t);
/* Member `name` of struct/union `t` (typedefs resolved); *out = NULL if
** there is none.  Loads members on first use. */
struct kd_error *kd_type_member(struct kd_type *t, const char *name,
                                const struct kd_member **out);
/* Load members/enumerators now (no-op when loaded or not applicable). */
struct kd_error *kd_type_load(struct kd_type *t);
/* For finders: make the declaration `decl` (struct x; or enum x;) take the
** size, signedness, members and enumerators of its complete definition
** `full` (loaded first), as C does once the definition is seen. */
struct kd_error *kd_type_adopt_definition(struct kd_type *decl,
                                          struct kd_type *full);
/* For finders: fill t->by_name from t->members, anonymous struct/union
** members opened up (loaded first) and sorted by name; the array comes
** from `alloc` and must live as long as `t`. */
struct kd_error *kd_type_index_members(struct kd_type *t,
                                       void *(*alloc)(void *ctx, size_t n),
                                       void *alloc_ctx);
/* Size of `t` in bytes (typedefs resolved, arrays multiplied). */
uint64_t kd_type_sizeof(struct kd_type *t);
/* C spelling of the type, e.g. "struct task_struct *", "char [16]". */
void kd_type_format(struct kd_type *t, char *buf, size_t len);
const char *kd_type_kind_name(enum kd_type_kind kind);

/* The name spaces a finder's index keeps apart, and the order in which a
** lookup of a kind searches them (kd_type_lookup_spaces fills at most
** KD_LOOKUP_SPACES_MAX): a tag's definitions before its declarations; a
** name of any kind among typedefs and base types before the tags.  Each
** finder maps a space to its own index class. */
enum kd_name_space {
  KD_NS_STRUCT, KD_NS_STRUCT_DECL, KD_NS_UNION, KD_NS_UNION_DECL,
  KD_NS_ENUM, KD_NS_ENUM_DECL, KD_NS_TYPEDEF, KD_NS_BASE, KD_NS_COUNT
};
#define KD_LOOKUP_SPACES_MAX 5
int kd_type_lookup_spaces(enum kd_type_kind kind,
                          enum kd_name_space spaces[KD_LOOKUP_SPACES_MAX]);

/* The error a finder gives for a type name it does not hold. */
struct kd_error *kd_type_not_found(enum kd_type_kind kind, const char *name);
/* Is this (after typedefs) an integer-like scalar (int, enum, bool)? */
bool kd_type_is_integer(struct kd_type *t);

#endif
