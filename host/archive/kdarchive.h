/*
** kdarchive.h -- the report archive: entries collected (their contents in
** memory, or spooled to a temporary file: kd_archive_spool), then written
** in one go, sorted, as a compressed tar (libarchive) or as a directory
** tree, always under a temporary name renamed at the end.
**
** Everything is buffered because a tar header needs the size before the
** data, and because sorting is what makes two runs on the same dump give
** the same archive layout.  Every entry gets the same owner (root/0), a
** fixed mode per kind and one mtime (the crash time), so nothing about the
** machine that wrote the report leaks into it.
**
** SIGINT/SIGTERM/SIGHUP/SIGQUIT: after kd_archive_guard_signals(), a signal removes the
** temporary file or tree being written (async-signal-safe calls only) and
** ends the process with 128+signal.
*/
#ifndef KD_KDARCHIVE_H
#define KD_KDARCHIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

enum kd_archive_kind { KD_AR_FILE, KD_AR_DIR, KD_AR_SYMLINK };

struct kd_archive;

struct kd_archive_options {
  const char *top;          /* top folder inside the archive; NULL: none */
  int64_t mtime;            /* seconds since the epoch, for every entry */
  const char *compression;  /* "xz", "gzip", "zstd" or "none" */
  int level;                /* compression level; < 0: per-filter default */
  int threads;              /* xz threads; <= 1: single-threaded */
};

struct kd_error *kd_archive_new(struct kd_archive **out);
void kd_archive_free(struct kd_archive *a);

/* Add an entry.  `path` is relative ("proc/version"): absolute paths, empty
** components, "." and ".." are refused with KD_ERR_FORMAT.  For a file
** `data`/`len` is the content, for a symlink the target; ignored for a
** directory.  Parent directories are implied.  A path added twice is
** refused (KD_ERR_OTHER) and the first entry stays. */
struct kd_error *kd_archive_add(struct kd_archive *a, enum kd_archive_kind kind,
                                const char *path, const void *data, size_t len);
size_t kd_archive_count(const struct kd_archive *a);
/* A file added in pieces: opened (as kd_archive_add of an empty file),
** appended to, closed; no other entry may be added while it is open. */
struct kd_error *kd_archive_file_open(struct kd_archive *a, const char *path);
struct kd_error *kd_archive_file_append(struct kd_archive *a, const void *data, size_t len);
void kd_archive_file_close(struct kd_archive *a);
/* From now on, keep the files' contents in an unlinked temporary file in
** `dir` (the directory the archive will be written to) instead of memory:
** only paths and offsets stay here.  Without it (or if it fails)
** everything is in memory. */
struct kd_error *kd_archive_spool(struct kd_archive *a, const char *dir);
/* true if `path` is present (as any kind) */
bool kd_archive_has(const struct kd_archive *a, const char *path);

/* A file's content compressed ahead of time, e.g. in a helper process
** while the report still runs other work: xz (preset `level`, < 0: 6,
** searching matches less hard: see CONTENT_DEPTH) of the content and its
** tar padding, prefixed by its length; threads > 1: in up to that many
** parts of at least 256 KiB, each an xz stream of its own made by its own
** thread (the same CPU, less time when CPUs are free).  *out is malloc'd. */
struct kd_error *kd_archive_content_xz(const void *data, size_t len, int level,
                                       int threads, char **out, size_t *out_len);
/* The same with the content stored in the stream uncompressed (LZMA2's
** uncompressed chunks): for a large file whose compression would cost
** more CPU than the space it saves is worth. */
struct kd_error *kd_archive_content_xz_stored(const void *data, size_t len,
                                              char **out, size_t *out_len);
/* Add a file whose content is such a stream, and only that: it is copied
** into a .tar.xz as it is (kdarchive.c, "xz through liblzma"), and
** writing the archive any other way is an error.  As kd_archive_add. */
struct kd_error *kd_archive_add_xz(struct kd_archive *a, const char *path,
                                   const void *stream, size_t len);

/* Check that `compression` names a filter this libarchive can write. */
struct kd_error *kd_archive_check_compression(const char *compression);

/* Write a tar to `final_path` (must not exist): temporary name in the same
** directory, mode 0600, renamed at the end.  Gives its size and sha256 as
** 64 lowercase hex digits. */
struct kd_error *kd_archive_write_tar(struct kd_archive *a, const char *final_path,
                                      const struct kd_archive_options *o,
                                      uint64_t *size, char sha256_hex[65]);
/* The same tar in two parts: kd_archive_write_begin starts writing, in a
** thread, the entries whose paths sort before `hold` (and the top folder),
** while the caller goes on adding entries, which must sort at or after
** `hold` (others are refused); kd_archive_write_finish writes those and
** ends as kd_archive_write_tar does.  Freeing the archive in between
** removes the temporary file. */
struct kd_error *kd_archive_write_begin(struct kd_archive *a, const char *final_path,
                                        const struct kd_archive_options *o, const char *hold);
struct kd_error *kd_archive_write_finish(struct kd_archive *a, uint64_t *size,
                                         char sha256_hex[65]);
/* Write the tree under `final_dir` (must not exist; opts->top ignored):
** built in a temporary sibling directory, renamed at the end. */
struct kd_error *kd_archive_write_dir(struct kd_archive *a, const char *final_dir,
                                      const struct kd_archive_options *o);
/* Write `data` to `final_path` atomically (temporary name + rename). */
struct kd_error *kd_archive_write_small_file(const char *final_path, const void *data,
                                             size_t len, unsigned mode);

/* Tests only: false makes libarchive write every tar header (by default
** the .tar.xz writer makes plain ustar headers itself, the same bytes:
** kdarchive.c, "ustar headers without libarchive").  Returns how many
** headers were made that way since the last call. */
size_t kd_archive_set_fast_headers(bool on);

/* Install the signal handlers described above (idempotent). */
void kd_archive_guard_signals(void);
/* Remove the partial files and trees of dead runs in `dir` (see
** kdarchive.c); returns how many. */
int kd_archive_remove_stale(const char *dir);

/* SHA-256 of a buffer, as 64 lowercase hex digits. */
void kd_sha256_hex(const void *data, size_t len, char out[65]);

#endif
