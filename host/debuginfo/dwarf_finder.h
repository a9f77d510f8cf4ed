/*
** dwarf_finder.h -- a kd_finder over DWARF read with libdw.
**
** Names are found through an index of the top-level DIEs of every unit
** (variables, structs, unions, enums, typedefs, base types).  Building it
** means walking ~1.4 million DIEs of a distribution kernel (~0.25 s), so
** for a file with a build-id it is kept in the cache directory and mapped
** on later runs.
*/
#ifndef KD_DWARF_FINDER_H
#define KD_DWARF_FINDER_H

#include <elfutils/libdw.h>

#include "types.h"

/* Make a finder over `dwarf` (not owned unless own_fd >= 0, then the Dwarf
** and fd are closed with the finder).  `cache_key` (a build-id in hex, or
** NULL) and `cache_dir` (or NULL) enable the persistent index. `label`
** names the finder in messages ("vmlinux", "module loop"). */
struct kd_error *kd_dwarf_finder_new(Dwarf *dwarf, int own_fd,
                                     const char *label, const char *cache_dir,
                                     const char *cache_key,
                                     struct kd_finder **out);
/* The finder's debug file is kdlua's own cache copy (debugcache.h): it may
** be written back and dropped from the page cache once the name index is
** built (debugcache.c, "settle"); another file is left alone. */
void kd_dwarf_finder_own_copy(struct kd_finder *f);

/* Open a debug file for reading as DWARF (an uncompressed one: see
** debugcache.h). */
struct kd_error *kd_dwarf_open(const char *path, Dwarf **dwarf, int *fd);

/* Statistics for -v: entries in the index, whether it came from the cache. */
void kd_dwarf_finder_stats(struct kd_finder *f, size_t *entries, int *cached,
                           double *build_seconds);

#endif
