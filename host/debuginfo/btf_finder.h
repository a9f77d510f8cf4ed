/*
** btf_finder.h -- a kd_finder over BTF, the compact type format that
** kernels built with CONFIG_DEBUG_INFO_BTF keep in their own memory
** (Documentation/bpf/btf.rst): the vmlinux blob between __start_BTF and
** __stop_BTF, and each module's "split" blob (struct module's btf_data),
** whose type ids and string offsets continue those of the vmlinux blob.
**
** BTF has every struct, union, enum, typedef, base type and function
** prototype, but variables only where the kernel emits VAR records in a
** DATASEC: per-CPU variables (.data..percpu).  Other globals have no type
** here (program.c falls back to known_globals.h).
*/
#ifndef KD_BTF_FINDER_H
#define KD_BTF_FINDER_H

#include <stddef.h>
#include <stdint.h>

#include "types.h"

/* Check and index the BTF blob `blob` of `len` bytes (malloc'ed; owned by
** the finder from here on, freed on error too).  `base` is the vmlinux
** BTF finder for a module's split BTF, NULL for the vmlinux itself.
** KD_ERR_FORMAT with one line saying what is wrong when the blob is not
** BTF, truncated or inconsistent. `label` names it in messages. */
struct kd_error *kd_btf_finder_new(unsigned char *blob, size_t len,
                                   const char *label, struct kd_finder *base,
                                   struct kd_finder **out);
/* The value of enumerator `name` in any enum of the blob (a linear scan:
** for the few array lengths of known_globals.h).  0 when found, else -1. */
int kd_btf_enumerator(const struct kd_finder *f, const char *name,
                      int64_t *value);
/* The first anonymous struct whose member names are `members` (comma
** separated, in order): how a global of an unnamed type (tk_core) is
** found.  KD_ERR_LOOKUP when there is none. */
struct kd_error *kd_btf_find_anonymous(const struct kd_finder *f,
                                       const char *members,
                                       struct kd_type **out);
/* Is `f` a BTF finder? */
int kd_btf_finder_is(const struct kd_finder *f);
/* Number of type ids in the blob (not counting the base's), for -v and
** tests; the first id is kd_btf_first_id. */
uint32_t kd_btf_count(const struct kd_finder *f);
uint32_t kd_btf_first_id(const struct kd_finder *f);
/* Kind (STRUCT, UNION, ENUM, TYPEDEF, INT for base types, VOID for
** anything else) and name (NULL if none) of type `id`: lets a test walk
** every named type. */
enum kd_type_kind kd_btf_kind_name(const struct kd_finder *f, uint32_t id,
                                   const char **name);

#endif
