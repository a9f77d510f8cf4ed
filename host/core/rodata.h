/*
** rodata.h -- does the kernel's read-only data hold a string?
**
** Some /proc lines were added with no structure member or symbol to show
** them (6.11's "Kthread:" in status): the line's format string is the
** probe -- the kernel prints the line iff its image holds the format.
*/
#ifndef KD_RODATA_H
#define KD_RODATA_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "core/program.h"

/* Where an answer came from (for logs and tests). */
enum kd_rodata_source {
  KD_RODATA_NONE,      /* no strings asked, or no rodata bounds */
  KD_RODATA_CACHE,     /* <cache>/<build-id>.rodata: an earlier scan */
  KD_RODATA_DUMP,      /* the dump's pages of [__start_rodata, __end_rodata) */
};

/* found[i] = whether [__start_rodata, __end_rodata) holds strs[i]
** (lens[i] bytes, may hold NULs).  The answer depends on the kernel build
** alone, so it is kept per build-id (the dump's VMCOREINFO BUILD-ID, else
** the vmlinux's) in the cache directory next to the name index
** (<build-id>.rodata, unless $KDLUA_NO_CACHE); a
** fresh scan reads the dump's pages.  Pages the dump lacks count as "not
** found", and such an answer is not cached.  *source says which
** (may be NULL).  Errors: out of memory only. */
struct kd_error *kd_program_rodata_has(struct kd_program *prog,
                                       const char *const *strs, const size_t *lens,
                                       size_t n, bool *found,
                                       enum kd_rodata_source *source);

#endif
