/*
** debugcache.h -- uncompressed copies of debug files, for a fast start.
**
** libdw inflates every SHF_COMPRESSED debug section when dwarf_begin() opens
** a file: 0.8 s for a reduced Debian vmlinux, against nothing for the same
** file uncompressed.  So the first use of such a file writes an uncompressed
** copy (same sections, same indexes, same build-id) into a cache directory,
** and later uses open the copy.  The cache is an optimisation only: any
** failure to write it falls back to the original file with a warning.
*/
#ifndef KD_DEBUGCACHE_H
#define KD_DEBUGCACHE_H

#include "base/env.h"

#include <stddef.h>

#include "base/error.h"

/* Cache directory: $KDLUA_CACHE_DIR, else $XDG_CACHE_HOME/kdlua, else
** $HOME/.cache/kdlua; created on demand (mode 0700).  NULL if none usable.
** Caller frees. */
char *kd_debugcache_dir(void);
/* mkdir -p, mode 0700 for the directories it creates; 0 when `path` is a
** directory we can write to. */
int kd_make_dirs(const char *path);
/* A cache file just written: flush it and drop it from the page cache
** (see debugcache.c for why and when).  Errors are ignored: it is an
** optimisation. */
void kd_cache_file_settle(const char *path);
void kd_cache_fd_settle(int fd);
/* A table kept beside the debug copies (name index, enumerators, symbol
** order): written whole or not at all -- the n parts one after another
** under "<path>.tmp.<pid>", then renamed onto path, so that a reader (or
** another run writing the same file) only ever sees a whole one; 0 when
** written.  kd_cache_map maps one read-only when it holds at least `min`
** bytes (its size in *size; NULL when absent or shorter; munmap it). */
int kd_cache_write_parts(const char *path, const void *const *parts,
                         const size_t *sizes, int n);
void *kd_cache_map(const char *path, size_t min, size_t *size);

/* If `path` has compressed debug sections and caching is enabled (cache_dir
** != NULL and $KDLUA_NO_CACHE is not "1"), set *usable_path to an
** uncompressed copy in cache_dir, made now (*created = 1) or reused
** (*created = 0); otherwise *usable_path = strdup(path).  Copies are named
** by the file's GNU build-id (by a hash of size, mtime, inode and real path
** when it has none) and reused only when they are complete and have the
** same sections and build-id as `path` (else they are rewritten).  Files whose .gnu_debugaltlink is relative are not copied
** (the copy could not find the alt file).  A failure to write the cache is
** not an error: *usable_path is then the original and *warning (caller
** frees; NULL when none) says what went wrong, in one line.  Errors:
** KD_ERR_IO / KD_ERR_FORMAT when `path` cannot be read or is not ELF. */
struct kd_error *kd_debugcache_get(const char *path, const char *cache_dir,
                                   char **usable_path, int *created,
                                   char **warning);

#endif
