/*
** kdarchive.c -- the report archive (see kdarchive.h; not "archive.h",
** which would hide libarchive's header of that name).
*/
#define _GNU_SOURCE   /* nftw */
#include "kdarchive.h"

#include "base/fullio.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <lzma.h>
#include <nettle/sha2.h>
#include <nettle/version.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* {====== SHA-256 ====== */

/*
** nettle's SHA-256 (libarchive already loads libnettle): it uses the CPU's
** SHA extensions where there are any, ~1.6 GB/s here against ~210 MB/s for
** the portable C this replaced, which on a 3.8 MB archive was 17 ms of the
** writer thread's time at the end of the report.
*/
struct sha256 {
  struct sha256_ctx ctx;
};

static void digest_init(struct sha256 *s) { nettle_sha256_init(&s->ctx); }

static void digest_update(struct sha256 *s, const void *data, size_t len) {
  nettle_sha256_update(&s->ctx, len, data);
}

static void digest_final_hex(struct sha256 *s, char out[65]) {
  uint8_t d[SHA256_DIGEST_SIZE];
#if defined(NETTLE_VERSION_MAJOR) && NETTLE_VERSION_MAJOR >= 4
  nettle_sha256_digest(&s->ctx, d);              /* nettle 4 dropped the length */
#else
  nettle_sha256_digest(&s->ctx, sizeof d, d);
#endif
  static const char hex[] = "0123456789abcdef";
  for (int i = 0; i < SHA256_DIGEST_SIZE; i++) {
    out[2 * i] = hex[d[i] >> 4];
    out[2 * i + 1] = hex[d[i] & 15];
  }
  out[64] = '\0';
}

void kd_sha256_hex(const void *data, size_t len, char out[65]) {
  struct sha256 s;
  digest_init(&s);
  digest_update(&s, data, len);
  digest_final_hex(&s, out);
}

/* }====== */

/* {====== entries ====== */

/*
** The index of a report of 10,000 tasks holds ~195,000 entries, and the
** main process keeps it from the first file to the end: it is kept
** compact.  An entry is 32 bytes; entries live in blocks of ENTRY_BLOCK
** that never move, paths in a bump arena of PATH_BLOCK pieces (one
** allocation per path had ~20 bytes of malloc overhead each, and the one
** doubling array of 64-byte entries left 8 MB behind at each growth); the
** hash slots are 32-bit.  Because nothing moves, the thread that writes
** the first part of the tar works on pointers to the entries themselves
** while more are added (it used to need a copy of its part: 12 MB).
*/
enum where { W_NONE, W_SPOOL, W_MEM, W_XZ };

struct xz_blob {
  size_t len;
  unsigned char bytes[];
};

struct entry {
  const char *path;       /* in the path arena */
  union {
    uint64_t off;         /* W_SPOOL: where the content starts in the spool */
    char *data;           /* W_MEM: file content or symlink target */
    struct xz_blob *xz;   /* W_XZ: compressed ahead of time (kd_archive_add_xz) */
  } u;
  uint64_t len;           /* content (or target) length */
  unsigned char kind;     /* enum kd_archive_kind */
  bool implied;           /* a parent directory nobody added explicitly */
  unsigned char where;    /* enum where */
};

#define ENTRY_BITS 12
#define ENTRY_BLOCK ((size_t)1 << ENTRY_BITS)
#define PATH_BLOCK ((size_t)64 << 10)

struct tar_writer;

struct tar_writer;

/*
** The spool (kd_archive_spool): files' contents go to an unlinked file as
** they are added, in that order, and only their offsets stay in memory; a
** report's 120 MB of text then costs the process nothing while its
** emitters still run, and the kernel can write those pages out.  Appends
** gather in `buf` and are written in SPOOL_BUF pieces; whoever reads the
** spool (the writer, maybe in its thread) reads only what was flushed
** before it started, with pread, while appends go on after it.
*/
#define SPOOL_BUF (1u << 20)

struct spool {
  int fd;                 /* -1: no spool, contents stay in memory */
  uint64_t flushed;       /* bytes in the file */
  unsigned char *buf;     /* appended, not yet in the file */
  size_t used;
};

struct kd_archive {
  struct entry **blocks;  /* entry i: blocks[i >> ENTRY_BITS][i % ENTRY_BLOCK] */
  size_t n, nblocks;
  uint32_t *slots;        /* open addressing: index + 1, 0 = empty */
  size_t nslots;
  char **arena;           /* the path arena's pieces */
  size_t narena;
  char *arena_at;         /* free room in the last piece */
  size_t arena_left;
  struct spool spool;
  size_t open;            /* the file kd_archive_file_open made, or SIZE_MAX */
  struct tar_writer *writer;   /* kd_archive_write_begin .. _finish */
};

static struct kd_error *spool_write(struct spool *sp, const void *p, size_t len) {
  if (!kd_pwrite_full(sp->fd, p, len, sp->flushed))
    return kd_error_create(KD_ERR_IO, "archive spool: %s", strerror(errno));
  sp->flushed += len;
  return NULL;
}

static struct kd_error *spool_flush(struct spool *sp) {
  if (sp->fd < 0 || sp->used == 0) return NULL;
  struct kd_error *err = spool_write(sp, sp->buf, sp->used);
  sp->used = 0;
  return err;
}

/* append len bytes; *off: where they start */
static struct kd_error *spool_append(struct spool *sp, const void *p, size_t len,
                                     uint64_t *off) {
  *off = sp->flushed + sp->used;
  if (len == 0) return NULL;   /* (p may be NULL then) */
  if (sp->used + len > SPOOL_BUF) {
    struct kd_error *err = spool_flush(sp);
    if (err) return err;
    if (len >= SPOOL_BUF) return spool_write(sp, p, len);
  }
  memcpy(sp->buf + sp->used, p, len);
  sp->used += len;
  return NULL;
}

/* n bytes of a spooled content from `off` (flushed before the reader began) */
static int spool_read(int fd, uint64_t off, void *buf, size_t n) {
  return kd_pread_full(fd, buf, n, off) ? 0 : -1;
}

struct kd_error *kd_archive_spool(struct kd_archive *a, const char *dir) {
  if (a->spool.fd >= 0) return NULL;
  unsigned char *buf = malloc(SPOOL_BUF);
  if (buf == NULL) return kd_enomem;
  int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) {
    /* a file system without O_TMPFILE: a named file, unlinked at once */
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s/.kdlua-spool.XXXXXX", dir) >= (int)sizeof tmp) {
      free(buf);
      return kd_error_create(KD_ERR_IO, "%s: path too long", dir);
    }
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd >= 0) unlink(tmp);
  }
  if (fd < 0) {
    free(buf);
    return kd_error_create(KD_ERR_IO, "%s: archive spool: %s", dir, strerror(errno));
  }
  a->spool = (struct spool){ .fd = fd, .buf = buf };
  return NULL;
}

static const char *writer_hold(const struct tar_writer *w);
static void writer_abort(struct tar_writer *w);

static uint64_t hash_path(const char *p, size_t len) {
  uint64_t h = 1469598103934665603ull;   /* FNV-1a */
  for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
  return h;
}

static struct entry *entry_at(const struct kd_archive *a, size_t i) {
  return &a->blocks[i >> ENTRY_BITS][i & (ENTRY_BLOCK - 1)];
}

/* index of the entry named p[0..len), or SIZE_MAX */
static size_t find(const struct kd_archive *a, const char *p, size_t len) {
  if (a->nslots == 0) return SIZE_MAX;
  for (size_t i = hash_path(p, len) & (a->nslots - 1);; i = (i + 1) & (a->nslots - 1)) {
    uint32_t s = a->slots[i];
    if (s == 0) return SIZE_MAX;
    const char *q = entry_at(a, s - 1)->path;
    if (strncmp(q, p, len) == 0 && q[len] == '\0') return s - 1;
  }
}

static void slot_insert(struct kd_archive *a, size_t idx) {
  const char *p = entry_at(a, idx)->path;
  size_t i = hash_path(p, strlen(p)) & (a->nslots - 1);
  while (a->slots[i]) i = (i + 1) & (a->nslots - 1);
  a->slots[i] = (uint32_t)(idx + 1);
}

/* room for one more entry, rehashing at half load */
static struct kd_error *reserve(struct kd_archive *a) {
  if (a->n >= UINT32_MAX - 1) return kd_enomem;
  if (a->n == a->nblocks * ENTRY_BLOCK) {
    struct entry **b = realloc(a->blocks, (a->nblocks + 1) * sizeof *b);
    if (b == NULL) return kd_enomem;
    a->blocks = b;
    b[a->nblocks] = malloc(ENTRY_BLOCK * sizeof **b);
    if (b[a->nblocks] == NULL) return kd_enomem;
    a->nblocks++;
  }
  if ((a->n + 1) * 2 > a->nslots) {
    size_t ns = a->nslots ? a->nslots * 2 : 512;
    uint32_t *slots = calloc(ns, sizeof *slots);
    if (slots == NULL) return kd_enomem;
    free(a->slots);
    a->slots = slots;
    a->nslots = ns;
    for (size_t i = 0; i < a->n; i++) slot_insert(a, i);
  }
  return NULL;
}

/* a copy of p[0..len) in the path arena, or NULL */
static const char *arena_copy(struct kd_archive *a, const char *p, size_t len) {
  if (a->arena_left < len + 1) {
    size_t size = len + 1 > PATH_BLOCK ? len + 1 : PATH_BLOCK;
    char **ar = realloc(a->arena, (a->narena + 1) * sizeof *ar);
    if (ar == NULL) return NULL;
    a->arena = ar;
    if ((ar[a->narena] = malloc(size)) == NULL) return NULL;
    a->arena_at = ar[a->narena++];
    a->arena_left = size;
  }
  char *q = a->arena_at;
  memcpy(q, p, len);
  q[len] = '\0';
  a->arena_at += len + 1;
  a->arena_left -= len + 1;
  return q;
}

static struct kd_error *push(struct kd_archive *a, const char *path, size_t plen,
                             enum kd_archive_kind kind, bool implied,
                             const void *data, size_t len) {
  struct kd_error *err = reserve(a);
  if (err) return err;
  struct entry e = { .kind = (unsigned char)kind, .implied = implied, .where = W_NONE,
                     .len = kind == KD_AR_DIR ? 0 : len };
  if (kind == KD_AR_FILE && a->spool.fd >= 0) {
    e.where = W_SPOOL;
  } else if (kind != KD_AR_DIR) {
    e.where = W_MEM;
    if ((e.u.data = malloc(len ? len : 1)) == NULL) return kd_enomem;
    if (len) memcpy(e.u.data, data, len);
  }
  /* the path before the spool, so that a failure leaves no bytes behind */
  e.path = arena_copy(a, path, plen);
  if (e.path == NULL) {
    if (e.where == W_MEM) free(e.u.data);
    return kd_enomem;
  }
  if (e.where == W_SPOOL) {
    err = spool_append(&a->spool, data, len, &e.u.off);
    if (err) return err;   /* (its path stays in the arena, unused) */
  }
  *entry_at(a, a->n) = e;
  slot_insert(a, a->n++);
  return NULL;
}

struct kd_error *kd_archive_new(struct kd_archive **out) {
  *out = calloc(1, sizeof **out);
  if (*out == NULL) return kd_enomem;
  (*out)->spool.fd = -1;
  (*out)->open = SIZE_MAX;
  return NULL;
}

void kd_archive_free(struct kd_archive *a) {
  if (a == NULL) return;
  if (a->writer) writer_abort(a->writer);
  for (size_t i = 0; i < a->n; i++) {
    struct entry *e = entry_at(a, i);
    if (e->where == W_MEM) free(e->u.data);
    else if (e->where == W_XZ) free(e->u.xz);
  }
  for (size_t i = 0; i < a->nblocks; i++) free(a->blocks[i]);
  free(a->blocks);
  for (size_t i = 0; i < a->narena; i++) free(a->arena[i]);
  free(a->arena);
  free(a->slots);
  if (a->spool.fd >= 0) close(a->spool.fd);
  free(a->spool.buf);
  free(a);
}

size_t kd_archive_count(const struct kd_archive *a) { return a->n; }

bool kd_archive_has(const struct kd_archive *a, const char *path) {
  return find(a, path, strlen(path)) != SIZE_MAX;
}

static struct kd_error *check_path(const char *path) {
  if (path[0] == '\0') return kd_error_create(KD_ERR_FORMAT, "empty archive path");
  if (path[0] == '/')
    return kd_error_create(KD_ERR_FORMAT, "archive path '%s' is absolute", path);
  for (const char *c = path;;) {
    const char *end = strchr(c, '/');
    size_t n = end ? (size_t)(end - c) : strlen(c);
    if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
      return kd_error_create(KD_ERR_FORMAT, "archive path '%s' has an empty, '.' or "
                             "'..' component", path);
    if (end == NULL) break;
    c = end + 1;
  }
  if (strlen(path) > 4000)
    return kd_error_create(KD_ERR_FORMAT, "archive path '%.60s...' is too long", path);
  return NULL;
}

struct kd_error *kd_archive_add(struct kd_archive *a, enum kd_archive_kind kind,
                                const char *path, const void *data, size_t len) {
  struct kd_error *err = check_path(path);
  if (err) return err;
  if (a->open != SIZE_MAX)
    return kd_error_create(KD_ERR_OTHER, "archive path '%s': '%s' is still open", path,
                           entry_at(a, a->open)->path);
  if (a->writer && strcmp(path, writer_hold(a->writer)) < 0)
    return kd_error_create(KD_ERR_OTHER, "archive path '%s': the archive is already being "
                           "written up to '%s'", path, writer_hold(a->writer));
  size_t plen = strlen(path);
  size_t at = find(a, path, plen);
  if (at != SIZE_MAX) {
    struct entry *e = entry_at(a, at);
    if (kind == KD_AR_DIR && e->kind == KD_AR_DIR) { e->implied = false; return NULL; }
    return kd_error_create(KD_ERR_OTHER, "archive path '%s' already exists (as a %s)",
                           path, e->kind == KD_AR_DIR ? "directory" :
                           e->kind == KD_AR_FILE ? "file" : "symlink");
  }
  /* parents first: each must be a directory or not exist yet */
  for (const char *s = strchr(path, '/'); s; s = strchr(s + 1, '/')) {
    size_t pl = (size_t)(s - path);
    size_t p = find(a, path, pl);
    if (p == SIZE_MAX) {
      err = push(a, path, pl, KD_AR_DIR, true, NULL, 0);
      if (err) return err;
    } else if (entry_at(a, p)->kind != KD_AR_DIR) {
      return kd_error_create(KD_ERR_OTHER, "archive path '%s': '%.*s' is not a directory",
                             path, (int)pl, path);
    }
  }
  return push(a, path, plen, kind, false, data, len);
}

struct kd_error *kd_archive_file_open(struct kd_archive *a, const char *path) {
  struct kd_error *err = kd_archive_add(a, KD_AR_FILE, path, "", 0);
  if (err) return err;
  a->open = find(a, path, strlen(path));
  return NULL;
}

struct kd_error *kd_archive_file_append(struct kd_archive *a, const void *data, size_t len) {
  if (a->open == SIZE_MAX) return kd_error_create(KD_ERR_OTHER, "no archive file is open");
  struct entry *e = entry_at(a, a->open);
  if (len == 0) return NULL;
  if (e->where == W_SPOOL) {
    /* nothing else is added while it is open: its bytes stay contiguous */
    uint64_t off;
    struct kd_error *err = spool_append(&a->spool, data, len, &off);
    if (err) return err;
  } else {
    char *d = realloc(e->u.data, e->len + len);
    if (d == NULL) return kd_enomem;
    memcpy(d + e->len, data, len);
    e->u.data = d;
  }
  e->len += len;
  return NULL;
}

void kd_archive_file_close(struct kd_archive *a) { a->open = SIZE_MAX; }

static int cmp_entry(const void *x, const void *y) {
  /* bytewise: a directory's name sorts before every path below it */
  return strcmp((*(struct entry *const *)x)->path, (*(struct entry *const *)y)->path);
}

/* the entries whose paths sort before `below` (NULL: all) or, with
** `from`, at or after it, sorted */
static struct kd_error *sorted(struct kd_archive *a, const char *below, const char *from,
                               struct entry ***out, size_t *n) {
  struct entry **v = malloc((a->n ? a->n : 1) * sizeof *v);
  if (v == NULL) return kd_enomem;
  size_t k = 0;
  for (size_t i = 0; i < a->n; i++) {
    struct entry *e = entry_at(a, i);
    if (below && strcmp(e->path, below) >= 0) continue;
    if (from && strcmp(e->path, from) < 0) continue;
    v[k++] = e;
  }
  qsort(v, k, sizeof *v, cmp_entry);
  *out = v;
  *n = k;
  return NULL;
}

/* }====== */

/* {====== signal guard ====== */

/*
** What a signal must remove.  Written only with the guarded signals blocked, read
** by the handler, which uses nothing but unlink/rmdir/write/_exit.
*/
static struct {
  char file[PATH_MAX];         /* a temporary file, or "" */
  char file2[PATH_MAX];        /* a published file still incomplete, or "" */
  char root[PATH_MAX];         /* temporary tree root, or "" */
  char *const *tree;           /* full paths of nodes under root, sorted */
  const char *tree_dir;        /* per node: 1 = directory */
  volatile sig_atomic_t ntree; /* nodes possibly created so far */
} guard;

static void on_signal(int sig) {
  if (guard.file[0]) unlink(guard.file);
  if (guard.file2[0]) unlink(guard.file2);
  if (guard.root[0]) {
    for (sig_atomic_t i = guard.ntree; i-- > 0;) {
      if (guard.tree_dir[i]) rmdir(guard.tree[i]);
      else unlink(guard.tree[i]);
    }
    rmdir(guard.root);
  }
  static const char msg[] = "\nkdlua: interrupted, partial report removed\n";
  ssize_t r = write(2, msg, sizeof msg - 1);
  (void)r;
  _exit(128 + sig);
}

/* a terminal hang-up and ^\ end a report as ^C and kill do */
static const int guarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

void kd_archive_guard_signals(void) {
  static bool done;
  if (done) return;
  done = true;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < sizeof guarded / sizeof guarded[0]; i++)
    sigaddset(&sa.sa_mask, guarded[i]);
  for (size_t i = 0; i < sizeof guarded / sizeof guarded[0]; i++)
    sigaction(guarded[i], &sa, NULL);
}

static void block(sigset_t *old) {
  sigset_t s;
  sigemptyset(&s);
  for (size_t i = 0; i < sizeof guarded / sizeof guarded[0]; i++)
    sigaddset(&s, guarded[i]);
  sigprocmask(SIG_BLOCK, &s, old);
}

static void unblock(const sigset_t *old) { sigprocmask(SIG_SETMASK, old, NULL); }

static void guard_set(char *slot, const char *path) {
  sigset_t old;
  block(&old);
  snprintf(slot, PATH_MAX, "%s", path ? path : "");
  unblock(&old);
}

static void guard_tree(const char *root, char *const *tree, const char *is_dir) {
  sigset_t old;
  block(&old);
  snprintf(guard.root, sizeof guard.root, "%s", root ? root : "");
  guard.tree = tree;
  guard.tree_dir = is_dir;
  guard.ntree = 0;
  unblock(&old);
}

/* }====== */

/* {====== output sinks ====== */

/* where archive bytes go: a file (fd >= 0, checksummed) or memory */
struct sink {
  int fd;
  int err;                 /* errno of the first failed write */
  uint64_t size;
  struct sha256 sha;
  unsigned char *mem;      /* fd < 0: the bytes so far */
  size_t cap;
};

static int sink_put(struct sink *s, const void *buf, size_t len) {
  if (s->fd < 0) {
    if (s->size + len > s->cap) {
      size_t cap = s->cap ? s->cap : 1 << 16;
      while (cap < s->size + len) cap *= 2;
      unsigned char *m = realloc(s->mem, cap);
      if (m == NULL) { s->err = ENOMEM; return -1; }
      s->mem = m;
      s->cap = cap;
    }
    memcpy(s->mem + s->size, buf, len);
    s->size += len;
    return 0;
  }
  if (!kd_write_full(s->fd, buf, len)) {
    s->err = errno;
    return -1;
  }
  digest_update(&s->sha, buf, len);
  s->size += len;
  return 0;
}

/* libarchive write callback: plain C, never calls into Lua */
static la_ssize_t sink_write(struct archive *ar, void *ud, const void *buf, size_t len) {
  if (sink_put(ud, buf, len) != 0) {
    archive_set_error(ar, ((struct sink *)ud)->err, "write failed");
    return -1;
  }
  return (la_ssize_t)len;
}

/* }====== */

/* {====== xz through liblzma ====== */

/*
** A .tar.xz is written through liblzma rather than libarchive's xz filter
** so that a file's content compressed ahead of time (kd_archive_content_xz:
** in a helper process, while the report was busy with other work) goes
** into the file as it is.  An .xz file may hold several streams one after
** the other (the format's concatenated streams, which xz, GNU tar,
** libarchive and Python all read as one): the stream so far ends after
** that file's tar header, the ready stream follows, and the next header
** starts a new one.  libarchive still makes the tar bytes (filter "none",
** unblocked), so the sink sees them entry by entry and can drop the
** content the ready stream already holds.
*/

struct xz_sink {
  struct sink *out;
  lzma_stream strm;
  bool active;             /* a stream is open */
  bool allocated;          /* strm holds liblzma's memory (kept between streams) */
  bool discard;            /* drop what libarchive writes (a ready content) */
  uint32_t preset;
  int threads;
  uint64_t block_size;     /* with threads > 1; 0: 256 KiB (see xz_start) */
  bool shallow;            /* one match candidate a byte (see CONTENT_DEPTH) */
  lzma_ret lzerr;          /* of the first failure; LZMA_OK: none */
  size_t staged;           /* bytes in `stage`, not yet given to liblzma */
  unsigned char buf[1 << 16];
  unsigned char stage[1 << 16];
};

static const char *lzma_message(lzma_ret r) {
  switch (r) {
    case LZMA_MEM_ERROR: return "out of memory";
    case LZMA_OPTIONS_ERROR: return "unsupported options";
    case LZMA_UNSUPPORTED_CHECK: return "unsupported check";
    default: return "liblzma error";
  }
}

/*
** The streams of contents compressed ahead of time (/proc/kallsyms: 3.7 MB
** of hex addresses and names, made in the helper process while both
** workers run) search matches less hard than the preset does: one
** hash-chain candidate a byte instead of preset 0's four, and a match of
** 16 bytes taken as long enough.  Instructions barely change (-3%); the
** cache misses of the chain walk halve (cachegrind: D1 4.3M -> 2.2M), and
** those are what cost beside two busy workers: the helper's CPU went from
** ~0.14 to ~0.125 s in alternating reports.  Kallsyms' stream grows 6%
** (733 to 779 KB).  The archive's own stream keeps the preset: there the
** same setting saves 17% of fewer misses and costs 10% of its bytes.
** The dictionary is 64 KiB instead of 256: kallsyms' repeats are near
** (the stream is no bigger), and the match finder's tables shrink from
** ~1.9 to ~0.6 MB an encoder: ~400 fewer page faults each, fewer misses.
*/
#define CONTENT_DEPTH 1
#define CONTENT_NICE_LEN 16
#define CONTENT_DICT (64u << 10)

static int xz_start(struct xz_sink *x) {
  lzma_ret r;
  /* the archive's stream ends before each ready content and starts again
  ** after it: the next stream's encoder takes over the memory of the last
  ** (liblzma reuses a finished lzma_stream's allocations when the options
  ** are the same), which page faults and a zeroing cost only once */
  if (!x->allocated) {
    lzma_stream init = LZMA_STREAM_INIT;
    x->strm = init;
  }
  if (x->threads > 1) {
    lzma_mt mt;
    memset(&mt, 0, sizeof mt);
    mt.threads = (uint32_t)x->threads;
    mt.preset = x->preset;
    mt.check = LZMA_CHECK_CRC64;
    /* blocks as xz_plan says (256 KiB to 1 MiB) instead of liblzma's
    ** 3 x dictionary, at least 1 MiB: smaller streams in 1 MiB blocks
    ** kept the second thread mostly idle */
    mt.block_size = x->block_size ? x->block_size : 256 << 10;
    r = lzma_stream_encoder_mt(&x->strm, &mt);
    if (r == LZMA_OPTIONS_ERROR || r == LZMA_PROG_ERROR)   /* liblzma without threads */
      r = lzma_easy_encoder(&x->strm, x->preset, LZMA_CHECK_CRC64);
  } else if (x->shallow) {
    lzma_options_lzma lz;
    if (lzma_lzma_preset(&lz, x->preset)) {
      r = LZMA_OPTIONS_ERROR;
    } else {
      lz.depth = CONTENT_DEPTH;
      lz.nice_len = CONTENT_NICE_LEN;
      lz.dict_size = CONTENT_DICT;
      lzma_filter filters[2] = { { LZMA_FILTER_LZMA2, &lz }, { LZMA_VLI_UNKNOWN, NULL } };
      r = lzma_stream_encoder(&x->strm, filters, LZMA_CHECK_CRC64);
    }
  } else {
    r = lzma_easy_encoder(&x->strm, x->preset, LZMA_CHECK_CRC64);
  }
  x->allocated = r == LZMA_OK;   /* a failed init leaves nothing allocated */
  if (r != LZMA_OK) {
    x->lzerr = r;
    return -1;
  }
  x->active = true;
  return 0;
}

static int xz_code(struct xz_sink *x, const void *p, size_t len, lzma_action act) {
  x->strm.next_in = p;
  x->strm.avail_in = len;
  for (;;) {
    x->strm.next_out = x->buf;
    x->strm.avail_out = sizeof x->buf;
    lzma_ret r = lzma_code(&x->strm, act);
    size_t n = sizeof x->buf - x->strm.avail_out;
    if (n && sink_put(x->out, x->buf, n) != 0) return -1;
    if (r == LZMA_STREAM_END) return 0;
    if (r != LZMA_OK) {
      x->lzerr = r;
      return -1;
    }
    if (act == LZMA_RUN && x->strm.avail_in == 0 && x->strm.avail_out != 0) return 0;
  }
}

/*
** Small pieces (a tar header, a short file, its padding: ~3 an entry) are
** gathered in `stage` and given to liblzma 64 KiB at a time: each
** lzma_code call costs ~550 instructions of its own (the threaded
** encoder's locking and copying), ~0.3 G on a 195,000-entry archive.  The
** encoder's output depends only on the bytes, not on how they are cut.
*/
static int xz_flush_stage(struct xz_sink *x) {
  size_t n = x->staged;
  x->staged = 0;
  return n ? xz_code(x, x->stage, n, LZMA_RUN) : 0;
}

/* compress p[0..len): a stream is opened on the first byte */
static int xz_put(struct xz_sink *x, const void *p, size_t len) {
  if (len == 0) return 0;
  if (!x->active && xz_start(x) != 0) return -1;
  if (len <= sizeof x->stage - x->staged) {
    memcpy(x->stage + x->staged, p, len);
    x->staged += len;
    return 0;
  }
  if (xz_flush_stage(x) != 0) return -1;
  if (len < sizeof x->stage) {
    memcpy(x->stage, p, len);
    x->staged = len;
    return 0;
  }
  return xz_code(x, p, len, LZMA_RUN);
}

/* close the open stream, if any */
static int xz_end(struct xz_sink *x) {
  if (!x->active) return 0;
  if (xz_flush_stage(x) != 0) {
    x->active = false;
    return -1;
  }
  int r = xz_code(x, NULL, 0, LZMA_FINISH);
  x->active = false;
  return r;
}

static la_ssize_t xz_write(struct archive *ar, void *ud, const void *buf, size_t len) {
  struct xz_sink *x = ud;
  if (!x->discard && xz_put(x, buf, len) != 0) {
    if (x->out->err) archive_set_error(ar, x->out->err, "write failed");
    else archive_set_error(ar, EIO, "xz: %s", lzma_message(x->lzerr));
    return -1;
  }
  return (la_ssize_t)len;
}

static void xz_free(struct xz_sink *x) {
  if (x->allocated) lzma_end(&x->strm);
  x->allocated = x->active = false;
  x->staged = 0;
}

/* tar pads each file's content to a 512-byte record */
static size_t tar_padding(size_t len) { return (512 - len % 512) % 512; }

/*
** How the archive's next stream is made, from the tar bytes it will hold
** (`max` threads at most, kd_archive_options.threads).  The part written
** beside the report's bookkeeping (kd_archive_write_begin) takes one
** thread below 8 MiB: the bookkeeping outlasts it (6.1 fixture: 2.6 MB,
** ~30 ms of xz), and liblzma's threaded encoder costs more CPU (~15%) and
** bytes.  Above, one thread became what the report waited for (10k-task
** dump: 236 MB, 2 s of xz; the report waited 0.8 s).  A part nothing else
** runs beside (the rest, after the bookkeeping) takes every thread from
** 512 KiB on.  Blocks: about four a thread, 256 KiB to 1 MiB: each block
** starts its dictionary afresh, so small ones cost bytes (10k dump: 256
** KiB blocks made the archive 49% bigger than one thread's, 1 MiB 13%)
** and big ones memory (two threads hold ~2.5 block sizes each).
*/
#define XZ_ALONGSIDE_ONE_THREAD (8u << 20)
#define XZ_ALONE_ONE_THREAD (512u << 10)

static void xz_plan(struct xz_sink *x, int max, uint64_t bytes, uint64_t one_thread_below) {
  x->threads = max > 1 && bytes >= one_thread_below ? max : 1;
  uint64_t b = bytes / (4 * (uint64_t)x->threads);
  b = (b + 0xffff) & ~(uint64_t)0xffff;
  x->block_size = b < (256 << 10) ? (256 << 10) : b > (1 << 20) ? (1 << 20) : b;
}

/* the tar bytes of v[0..n): header records, content and padding (ready
** contents are not compressed again: their header only) */
static uint64_t tar_bytes(struct entry *const *v, size_t n) {
  uint64_t t = 0;
  for (size_t i = 0; i < n; i++) {
    t += 512;
    if (v[i]->kind == KD_AR_FILE && v[i]->where != W_XZ) t += v[i]->len + tar_padding(v[i]->len);
  }
  return t;
}

/* a ready stream: [u64 content length, little-endian][xz stream]; the
** length, or UINT64_MAX when this does not look like one */
static uint64_t blob_content_len(const unsigned char *b, size_t len) {
  static const unsigned char magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
  if (len < 8 + LZMA_STREAM_HEADER_SIZE || memcmp(b + 8, magic, sizeof magic) != 0)
    return UINT64_MAX;
  uint64_t n = 0;
  for (int i = 0; i < 8; i++) n |= (uint64_t)b[i] << (8 * i);
  return n;
}

/* }====== */

/* {====== tar ====== */

static int add_filter(struct archive *ar, const char *c) {
  if (strcmp(c, "xz") == 0) return archive_write_add_filter_xz(ar);
  if (strcmp(c, "gzip") == 0) return archive_write_add_filter_gzip(ar);
  if (strcmp(c, "zstd") == 0) return archive_write_add_filter_zstd(ar);
  if (strcmp(c, "none") == 0) return archive_write_add_filter_none(ar);
  archive_set_error(ar, EINVAL, "unknown compression '%s' (xz, gzip, zstd, none)", c);
  return ARCHIVE_FATAL;
}

struct kd_error *kd_archive_check_compression(const char *compression) {
  struct archive *ar = archive_write_new();
  if (ar == NULL) return kd_enomem;
  struct kd_error *err = NULL;
  if (archive_write_set_format_pax_restricted(ar) != ARCHIVE_OK ||
      add_filter(ar, compression) != ARCHIVE_OK)
    err = kd_error_create(KD_ERR_OTHER, "compression %s: %s", compression,
                          archive_error_string(ar) ? archive_error_string(ar) : "not available");
  archive_write_free(ar);
  return err;
}

/* "<dir>/.<base>.part-<pid>-XXXXXX" beside `final`: the pid tells a later
** run whether the writer is still alive (kd_archive_remove_stale) */
static struct kd_error *temp_name(const char *final, char out[PATH_MAX]) {
  const char *slash = strrchr(final, '/');
  long pid = (long)getpid();
  int n = slash ? snprintf(out, PATH_MAX, "%.*s/.%s.part-%ld-XXXXXX", (int)(slash - final),
                           final, slash + 1, pid)
                : snprintf(out, PATH_MAX, ".%s.part-%ld-XXXXXX", final, pid);
  if (n < 0 || n >= PATH_MAX)
    return kd_error_create(KD_ERR_IO, "%s: path too long", final);
  return NULL;
}

static int remove_node(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb; (void)ftw;
  if (flag == FTW_DP) rmdir(path);
  else unlink(path);
  return 0;   /* go on with the rest whatever happened to this one */
}

/*
** A run killed by SIGKILL (or a power cut) leaves its ".<name>.part-<pid>-
** XXXXXX" file or tree: no handler ran.  Each run removes those whose
** writer is dead (no such pid) and that nobody touched for a minute (a
** pid of another machine or container sharing the directory may be
** unknown here; a live writer keeps its file's mtime fresh).
*/
int kd_archive_remove_stale(const char *dir) {
  DIR *d = opendir(dir);
  if (d == NULL) return 0;
  int removed = 0;
  time_t now = time(NULL);
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] != '.') continue;
    const char *t = strstr(e->d_name, ".part-");
    if (t == NULL) continue;
    char *end;
    long pid = strtol(t + 6, &end, 10);
    if (pid <= 0 || *end != '-' || strlen(end + 1) != 6 || strchr(end + 1, '/')) continue;
    if (pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;
    struct stat st;
    if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (now - st.st_mtime < 60) continue;
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path) continue;
    if (S_ISDIR(st.st_mode)) nftw(path, remove_node, 16, FTW_DEPTH | FTW_PHYS);
    else if (S_ISREG(st.st_mode)) unlink(path);
    else continue;
    removed++;
  }
  closedir(d);
  return removed;
}

static struct kd_error *publish(const char *tmp, const char *final) {
  /* link + unlink instead of rename: never replaces an existing file */
  if (link(tmp, final) != 0) {
    struct kd_error *err = kd_error_create(KD_ERR_IO, "%s: %s", final, strerror(errno));
    unlink(tmp);
    return err;
  }
  unlink(tmp);
  return NULL;
}

static struct kd_error *la_error(struct archive *ar, const char *what, const char *path) {
  const char *m = archive_error_string(ar);
  return kd_error_create(KD_ERR_IO, "%s %s: %s", what, path, m ? m : "libarchive error");
}

/* the attributes every entry of a kind gets (see kdarchive.h) */
static void fill_entry(struct archive_entry *ae, const char *name, enum kd_archive_kind k,
                       const char *target, size_t len, int64_t mtime) {
  archive_entry_clear(ae);
  archive_entry_set_pathname(ae, name);
  archive_entry_set_uid(ae, 0);
  archive_entry_set_gid(ae, 0);
  archive_entry_set_uname(ae, "root");
  archive_entry_set_gname(ae, "root");
  archive_entry_set_mtime(ae, (time_t)mtime, 0);
  if (k == KD_AR_DIR) {
    archive_entry_set_filetype(ae, AE_IFDIR);
    archive_entry_set_perm(ae, 0755);
    archive_entry_set_size(ae, 0);
  } else if (k == KD_AR_SYMLINK) {
    archive_entry_set_filetype(ae, AE_IFLNK);
    archive_entry_set_perm(ae, 0777);
    archive_entry_set_symlink(ae, target);
    archive_entry_set_size(ae, 0);
  } else {
    archive_entry_set_filetype(ae, AE_IFREG);
    archive_entry_set_perm(ae, 0644);
    archive_entry_set_size(ae, (la_int64_t)len);
  }
}

static struct kd_error *xz_error(const struct xz_sink *x, const char *what) {
  if (x->out->err) return kd_error_create(KD_ERR_IO, "%s: %s", what, strerror(x->out->err));
  return kd_error_create(KD_ERR_IO, "%s: xz: %s", what, lzma_message(x->lzerr));
}

/* {====== ustar headers without libarchive ====== */

/*
** libarchive spends ~17 K instructions on each entry's header (the entry
** clone and free, restricted pax's checks, string conversions): ~45 M for
** the 2,700 entries of a small report, ~3.3 G (about a second of the
** writer thread) for the 195,000 of a 10,000-task dump.  Every entry here
** has the same owner, a fixed mode per kind, one mtime and nothing else
** (no xattrs, ACLs, flags, sparse maps, hard links), so for most of them
** restricted pax writes nothing but a plain ustar header, which is built
** here the way libarchive 3.6.2 builds it (archive_write_set_format_pax.c,
** archive_write_pax_header: when no extended header is needed;
** archive_write_set_format_ustar.c, __archive_write_format_header_ustar
** with strict = 0).  Any entry that would need a pax extended header is
** left to libarchive: tests/c/test_tar_headers.c writes the same entries
** both ways and compares the bytes.
**
** Restricted pax needs no extended header when: the path (a directory's
** with a '/' appended) is all ASCII and is at most 100 bytes, or splits
** at a '/' into a prefix of at most 155 bytes and a non-empty name of at
** most 100 (the '/' found by the rule below, which is ustar's own); a
** symlink's target is all ASCII and at most 100 bytes; the size is below
** 2^33; the mtime is in [0, 0x7fffffff).  uid/gid 0 and "root" always fit.
*/

/* libarchive's ustar template: numeric fields pre-filled with zeros and
** their terminators, magic "ustar\0" and version "00" */
static void ustar_template(unsigned char h[512]) {
  memset(h, 0, 512);
  memcpy(h + 100, "000000 \0" "000000 \0" "000000 \0"   /* mode, uid, gid */
                  "00000000000 " "00000000000 "             /* size, mtime */
                  "        " "0", 8 * 3 + 12 * 2 + 8 + 1);  /* checksum, typeflag */
  memcpy(h + 257, "ustar\0" "00", 8);
  memcpy(h + 265, "root", 4);                               /* uname */
  memcpy(h + 297, "root", 4);                               /* gname */
  memcpy(h + 329, "000000 \0" "000000 \0", 16);            /* devmajor, devminor */
}

/* v in `digits` octal digits ending at p + digits (v fits) */
static void put_octal(unsigned char *p, int digits, uint64_t v) {
  for (int i = digits; i-- > 0; v >>= 3) p[i] = (unsigned char)('0' + (v & 7));
}

/* the sum of a header's bytes, eight at a time: each 16-bit lane adds at
** most 64 x 510 (a byte-wise loop was ~1,500 instructions an entry) */
static unsigned header_sum(const unsigned char h[512]) {
  const uint64_t lo = 0x00ff00ff00ff00ffull;
  uint64_t acc = 0;
  for (int i = 0; i < 512; i += 8) {
    uint64_t w;
    memcpy(&w, h + i, 8);
    acc += (w & lo) + ((w >> 8) & lo);
  }
  return (unsigned)((acc & 0xffff) + ((acc >> 16) & 0xffff) + ((acc >> 32) & 0xffff) +
                    (acc >> 48));
}

static bool all_ascii(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] >= 128) return false;
  return true;
}

/*
** The header of `name` (a directory's without its final '/'), or false
** when restricted pax would write an extended header first (see above).
*/
static bool ustar_header(unsigned char h[512], const char *name, enum kd_archive_kind k,
                         const char *target, size_t target_len, uint64_t size,
                         int64_t mtime) {
  if (mtime < 0 || mtime >= 0x7fffffff || size >= (uint64_t)1 << 33) return false;
  size_t len = strlen(name);
  bool slash = k == KD_AR_DIR && len && name[len - 1] != '/';
  size_t full = len + slash;
  if (!all_ascii(name, len)) return false;
  if (k == KD_AR_SYMLINK && (target_len > 100 || !all_ascii(target, target_len))) return false;
  /* the name field, or prefix + name split at the first '/' that leaves
  ** at most 100 bytes after it, never at the first byte */
  size_t split = SIZE_MAX;   /* index of the '/' that splits; SIZE_MAX: none */
  if (full > 100) {
    for (size_t i = full - 101; i < len; i++)
      if (name[i] == '/' && i != 0) { split = i; break; }
    /* no '/' but a directory's appended one (at index len), or a final
    ** one: an empty name; or a prefix too long */
    if (split == SIZE_MAX || split + 1 >= full || split > 155) return false;
  }
  ustar_template(h);
  if (split == SIZE_MAX) {
    memcpy(h, name, len);
    if (slash) h[len] = '/';
  } else {
    memcpy(h + 345, name, split);
    memcpy(h, name + split + 1, len - split - 1);
    if (slash) h[len - split - 1] = '/';
  }
  if (k == KD_AR_SYMLINK) memcpy(h + 157, target, target_len);
  put_octal(h + 100, 6, k == KD_AR_DIR ? 0755 : k == KD_AR_SYMLINK ? 0777 : 0644);
  put_octal(h + 124, 11, k == KD_AR_FILE ? size : 0);
  put_octal(h + 136, 11, (uint64_t)mtime);
  h[156] = k == KD_AR_DIR ? '5' : k == KD_AR_SYMLINK ? '2' : '0';
  put_octal(h + 148, 6, header_sum(h));   /* summed with the field as 8 spaces */
  h[154] = '\0';   /* h[155] stays ' ' */
  return true;
}

/* test switch and count (kdarchive.h) */
static bool ustar_fast = true;
static size_t ustar_fast_count;

size_t kd_archive_set_fast_headers(bool on) {
  ustar_fast = on;
  return __atomic_exchange_n(&ustar_fast_count, 0, __ATOMIC_RELAXED);
}

/* }====== */

/* v[0..n) under o->top, which comes first itself with top_dir */
/* a spooled content read back in pieces of this size */
#define SPOOL_PIECE (256u << 10)

/* bytes of an entry's content, through libarchive (ar) or, for an entry
** whose header we made, straight into our xz sink (ar NULL) */
static struct kd_error *put_content(struct archive *ar, struct xz_sink *x, const void *p,
                                    size_t n, const char *name) {
  if (ar) return archive_write_data(ar, p, n) == (la_ssize_t)n ? NULL : la_error(ar, "writing", name);
  return xz_put(x, p, n) == 0 ? NULL : xz_error(x, name);
}

/* a file's content, from memory or read back from the spool in pieces */
static struct kd_error *write_content(struct archive *ar, struct xz_sink *x,
                                      const struct entry *e, const char *name, int spool_fd,
                                      unsigned char **piece) {
  if (e->len == 0) return NULL;
  if (e->where != W_SPOOL) return put_content(ar, x, e->u.data, e->len, name);
  if (*piece == NULL && (*piece = malloc(SPOOL_PIECE)) == NULL) return kd_enomem;
  for (size_t done = 0; done < e->len;) {
    size_t m = e->len - done < SPOOL_PIECE ? e->len - done : SPOOL_PIECE;
    if (spool_read(spool_fd, e->u.off + done, *piece, m) != 0)
      return kd_error_create(KD_ERR_IO, "%s: reading the archive spool: %s", name,
                             strerror(errno ? errno : EIO));
    struct kd_error *err = put_content(ar, x, *piece, m, name);
    if (err) return err;
    done += m;
  }
  return NULL;
}

/* content compressed ahead of time: the stream so far ends after the
** entry's header and the ready one follows */
static struct kd_error *write_ready_stream(struct xz_sink *x, const struct entry *e,
                                           const char *name) {
  if (xz_end(x) != 0 || sink_put(x->out, e->u.xz->bytes + 8, e->u.xz->len - 8) != 0)
    return xz_error(x, name);
  return NULL;
}

/* an entry whose header ustar_header made, with its content and padding,
** into the xz sink as libarchive would have written them */
static struct kd_error *write_plain(struct xz_sink *x, const unsigned char h[512],
                                    const struct entry *e, const char *name, int spool_fd,
                                    unsigned char **piece) {
  static const unsigned char zeros[512];
  if (xz_put(x, h, 512) != 0) return xz_error(x, name);
  if (e == NULL || e->kind != KD_AR_FILE) return NULL;
  if (e->where == W_XZ) return write_ready_stream(x, e, name);
  struct kd_error *err = write_content(NULL, x, e, name, spool_fd, piece);
  if (err == NULL && xz_put(x, zeros, tar_padding(e->len)) != 0) err = xz_error(x, name);
  return err;
}

static struct kd_error *write_entries(struct archive *ar, struct entry **v, size_t n,
                                      const struct kd_archive_options *o, bool top_dir,
                                      struct xz_sink *x, int spool_fd) {
  struct archive_entry *ae = archive_entry_new();
  if (ae == NULL) return kd_enomem;
  unsigned char *piece = NULL;
  struct kd_error *err = NULL;
  char name[PATH_MAX + 4096];
  size_t first = o->top && top_dir ? 0 : 1;   /* index 0 is the top folder itself */
  size_t top_len = o->top ? strlen(o->top) : 0;
  for (size_t i = first; i <= n && err == NULL; i++) {
    const struct entry *e = i ? v[i - 1] : NULL;
    size_t path_len = e ? strlen(e->path) : 0;
    if (o->top && e && top_len + 1 + path_len < sizeof name) {
      /* "<top>/<path>" (snprintf was ~900 instructions an entry) */
      memcpy(name, o->top, top_len);
      name[top_len] = '/';
      memcpy(name + top_len + 1, e->path, path_len + 1);
    } else if (o->top && e) {
      snprintf(name, sizeof name, "%s/%s", o->top, e->path);
    } else {
      snprintf(name, sizeof name, "%s", e ? e->path : o->top ? o->top : "");
    }
    enum kd_archive_kind k = e ? e->kind : KD_AR_DIR;
    /* most entries: a plain ustar header, made here (see "ustar headers
    ** without libarchive"); only into our own xz sink, which libarchive
    ** (unblocked) also writes to directly, so the order of bytes stays */
    unsigned char h[512];
    const char *t = k == KD_AR_SYMLINK ? e->u.data : NULL;
    if (x && ustar_fast &&
        ustar_header(h, name, k, t, t ? strnlen(t, e->len) : 0, e ? e->len : 0, o->mtime)) {
      err = write_plain(x, h, e, name, spool_fd, &piece);
      __atomic_fetch_add(&ustar_fast_count, 1, __ATOMIC_RELAXED);
      continue;
    }
    char target[PATH_MAX] = "";
    if (k == KD_AR_SYMLINK) snprintf(target, sizeof target, "%.*s", (int)e->len, e->u.data);
    fill_entry(ae, name, k, target, e ? e->len : 0, o->mtime);
    if (archive_write_header(ar, ae) < ARCHIVE_WARN) {
      err = la_error(ar, "writing", name);
      break;
    }
    /* a ready stream: the content's place (zeros that finish_entry
    ** writes, and the padding) is dropped */
    if (e && e->where == W_XZ) {
      if ((err = write_ready_stream(x, e, name)) != NULL) break;
      x->discard = true;
    } else if (k == KD_AR_FILE && (err = write_content(ar, x, e, name, spool_fd, &piece)) != NULL) {
      break;
    }
    /* the padding now, so that the next header starts on its own */
    if (archive_write_finish_entry(ar) < ARCHIVE_WARN)
      err = la_error(ar, "writing", name);
    if (x) x->discard = false;
  }
  archive_entry_free(ae);
  free(piece);
  return err;
}

/* files added by kd_archive_add_xz have no content but in their stream */
static struct kd_error *check_no_streams(const struct kd_archive *a, const char *how) {
  for (size_t i = 0; i < a->n; i++)
    if (entry_at(a, i)->where == W_XZ)
      return kd_error_create(KD_ERR_OTHER, "archive file '%s' exists only as an xz stream: "
                             "cannot be written as %s", entry_at(a, i)->path, how);
  return NULL;
}

/*
** A tar being written: opened (temporary file, libarchive, the xz sink),
** fed sorted entries in one or two parts, then closed and published.  The
** first part may be written by a thread (kd_archive_write_begin) while
** the caller still adds the entries of the second part, which all sort at
** or after `hold`: the thread works on the first part's entries, which
** never move and are not changed once it started (see "entries").
*/
struct tar_writer {
  char tmp[PATH_MAX], final[PATH_MAX];
  int fd;
  struct sink s;
  struct xz_sink *x;
  struct archive *ar;
  struct kd_archive_options o;
  char *top, *compression;     /* o's strings, owned */
  char *hold;
  struct entry **first;        /* the first part's entries, sorted */
  size_t nfirst;
  int spool_fd;                /* the archive's, or -1 */
  pthread_t thread;
  bool threaded;
  struct kd_error *err;        /* of the first part */
};

static const char *writer_hold(const struct tar_writer *w) { return w->hold; }

static void writer_free(struct tar_writer *w) {
  if (w->ar) archive_write_free(w->ar);
  if (w->x) xz_free(w->x);
  free(w->x);
  if (w->fd >= 0) close(w->fd);
  free(w->top);
  free(w->compression);
  free(w->hold);
  free(w->first);
  kd_error_destroy(w->err);
  free(w);
}

static struct kd_error *writer_open(struct kd_archive *a, const char *final_path,
                                    const struct kd_archive_options *o,
                                    struct tar_writer **out) {
  *out = NULL;
  struct stat st;
  if (lstat(final_path, &st) == 0)
    return kd_error_create(KD_ERR_IO, "%s: already exists", final_path);
  bool own_xz = strcmp(o->compression, "xz") == 0;
  struct kd_error *err = NULL;
  if (!own_xz && (err = check_no_streams(a, o->compression)) != NULL) return err;
  struct tar_writer *w = calloc(1, sizeof *w);
  if (w == NULL) return kd_enomem;
  w->fd = -1;
  w->o = *o;
  w->top = o->top ? strdup(o->top) : NULL;
  w->compression = strdup(o->compression);
  w->o.top = w->top;
  w->o.compression = w->compression;
  if ((o->top && w->top == NULL) || w->compression == NULL) err = kd_enomem;
  if (err == NULL && snprintf(w->final, sizeof w->final, "%s", final_path) >= PATH_MAX)
    err = kd_error_create(KD_ERR_IO, "%s: path too long", final_path);
  if (err == NULL) err = temp_name(final_path, w->tmp);
  if (err) {
    writer_free(w);
    return err;
  }
  sigset_t old;
  block(&old);   /* the temporary file is registered before it exists */
  w->fd = mkstemp(w->tmp);
  if (w->fd >= 0) snprintf(guard.file, sizeof guard.file, "%s", w->tmp);
  unblock(&old);
  if (w->fd < 0) {
    err = kd_error_create(KD_ERR_IO, "%s: %s", w->tmp, strerror(errno));
    writer_free(w);
    return err;
  }
  w->s.fd = w->fd;
  digest_init(&w->s.sha);
  /* xz: liblzma behind an unfiltered tar (see "xz through liblzma") */
  if (own_xz) {
    w->x = calloc(1, sizeof *w->x);
    if (w->x == NULL) err = kd_enomem;
    else {
      w->x->out = &w->s;
      w->x->preset = o->level >= 0 ? (uint32_t)o->level : 6;   /* libarchive's default */
      w->x->threads = o->threads;   /* xz_plan decides per part */
    }
  }
  struct archive *ar = err ? NULL : archive_write_new();
  w->ar = ar;
  if (ar == NULL && err == NULL) err = kd_enomem;
  if (err == NULL && (archive_write_set_format_pax_restricted(ar) != ARCHIVE_OK ||
                      add_filter(ar, own_xz ? "none" : o->compression) != ARCHIVE_OK))
    err = la_error(ar, "compression", o->compression);
  if (err == NULL && !own_xz && o->level >= 0 && strcmp(o->compression, "none") != 0) {
    char lv[16];
    snprintf(lv, sizeof lv, "%d", o->level);
    if (archive_write_set_filter_option(ar, NULL, "compression-level", lv) < ARCHIVE_WARN)
      err = la_error(ar, "compression level for", o->compression);
  }
  if (err == NULL && strcmp(o->compression, "gzip") == 0)
    archive_write_set_filter_option(ar, "gzip", "timestamp", NULL);  /* no time in header */
  if (err == NULL) {
    /* unblocked: bytes reach the sink as each header and content is
    ** written, with no padding to 10 KiB at the end */
    archive_write_set_bytes_per_block(ar, own_xz ? 0 : 10240);
    archive_write_set_bytes_in_last_block(ar, 1);
  }
  if (err == NULL && archive_write_open(ar, own_xz ? (void *)w->x : (void *)&w->s, NULL,
                                        own_xz ? xz_write : sink_write, NULL) != ARCHIVE_OK)
    err = la_error(ar, "opening", w->tmp);
  if (err) {
    writer_abort(w);
    return err;
  }
  *out = w;
  return NULL;
}

/* remove the temporary file and forget the writer (any thread joined) */
static void writer_abort(struct tar_writer *w) {
  if (w->threaded) pthread_join(w->thread, NULL);
  w->threaded = false;
  unlink(w->tmp);
  guard_set(guard.file, NULL);
  writer_free(w);
}

static struct kd_error *writer_close(struct tar_writer *w, uint64_t *size, char sha[65]) {
  struct kd_error *err = NULL;
  if (archive_write_close(w->ar) != ARCHIVE_OK) err = la_error(w->ar, "closing", w->tmp);
  if (err == NULL && w->x && xz_end(w->x) != 0) err = xz_error(w->x, w->tmp);
  if (err == NULL && fsync(w->fd) != 0 && errno != EINVAL)
    err = kd_error_create(KD_ERR_IO, "%s: %s", w->tmp, strerror(errno));
  if (close(w->fd) != 0 && err == NULL)
    err = kd_error_create(KD_ERR_IO, "%s: %s", w->tmp, strerror(errno));
  w->fd = -1;
  if (err) {
    writer_abort(w);
    return err;
  }
  /* from here a signal must remove the published name until the caller
  ** is done (it writes the checksum next); cleared on the next write */
  guard_set(guard.file2, w->final);
  err = publish(w->tmp, w->final);
  if (err) guard_set(guard.file2, NULL);
  guard_set(guard.file, NULL);
  if (err == NULL) {
    *size = w->s.size;
    digest_final_hex(&w->s.sha, sha);
  }
  writer_free(w);
  return err;
}

/* the archive's entries from `from` on (NULL: all, after the top
** folder itself), then close and publish; on an error nothing is left */
static struct kd_error *writer_finish_from(struct tar_writer *w, struct kd_archive *a,
                                           const char *from, uint64_t *size,
                                           char sha256_hex[65]) {
  struct entry **v = NULL;
  size_t n = 0;
  struct kd_error *err = sorted(a, NULL, from, &v, &n);
  /* the rest as its size says, in a stream of its own when that wants
  ** more threads than the stream so far has; a threaded stream goes on
  ** (ending it would wait for the blocks its threads still make) */
  if (err == NULL && w->x) {
    int threads = w->x->threads;
    uint64_t block_size = w->x->block_size;
    xz_plan(w->x, w->o.threads, tar_bytes(v, n), XZ_ALONE_ONE_THREAD);
    if (w->x->active && (threads > 1 || w->x->threads == 1)) {
      w->x->threads = threads;
      w->x->block_size = block_size;
    } else if (xz_end(w->x) != 0) {
      err = xz_error(w->x, w->tmp);
    }
  }
  if (err == NULL) err = spool_flush(&a->spool);
  if (err == NULL) err = write_entries(w->ar, v, n, &w->o, from == NULL, w->x, a->spool.fd);
  free(v);
  if (err) {
    writer_abort(w);
    return err;
  }
  return writer_close(w, size, sha256_hex);
}

struct kd_error *kd_archive_write_tar(struct kd_archive *a, const char *final_path,
                                      const struct kd_archive_options *o,
                                      uint64_t *size, char sha256_hex[65]) {
  if (a->writer) return kd_error_create(KD_ERR_OTHER, "archive is being written already");
  struct tar_writer *w;
  struct kd_error *err = writer_open(a, final_path, o, &w);
  if (err) return err;
  return writer_finish_from(w, a, NULL, size, sha256_hex);
}

static void *first_part_run(void *arg) {
  struct tar_writer *w = arg;
  w->err = write_entries(w->ar, w->first, w->nfirst, &w->o, true, w->x, w->spool_fd);
  return NULL;
}

/* In a thread of the archive's own: signals are for the caller's thread
** (the guard's handler that removes a half-written archive). */
static void block_signals_in_this_thread(void) {
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, NULL);
}

static void *first_part_thread(void *arg) {
  block_signals_in_this_thread();
  return first_part_run(arg);
}

struct kd_error *kd_archive_write_begin(struct kd_archive *a, const char *final_path,
                                        const struct kd_archive_options *o, const char *hold) {
  if (a->writer) return kd_error_create(KD_ERR_OTHER, "archive is being written already");
  struct tar_writer *w;
  struct kd_error *err = writer_open(a, final_path, o, &w);
  if (err) return err;
  struct entry **v = NULL;
  size_t n = 0;
  w->hold = strdup(hold);
  w->spool_fd = a->spool.fd;
  /* the thread reads only what is in the spool file now */
  err = w->hold ? spool_flush(&a->spool) : kd_enomem;
  if (err == NULL) err = sorted(a, hold, NULL, &v, &n);
  if (err == NULL && w->x) xz_plan(w->x, w->o.threads, tar_bytes(v, n), XZ_ALONGSIDE_ONE_THREAD);
  if (err == NULL) {
    w->first = v;   /* the writer's now */
    v = NULL;
    w->nfirst = n;
    if (pthread_create(&w->thread, NULL, first_part_thread, w) != 0) {
      first_part_run(w);   /* no thread: the first part here, signals as they were */
      err = w->err;
      w->err = NULL;
    } else {
      w->threaded = true;
    }
  }
  free(v);
  if (err) {
    writer_abort(w);
    return err;
  }
  a->writer = w;
  return NULL;
}

struct kd_error *kd_archive_write_finish(struct kd_archive *a, uint64_t *size,
                                         char sha256_hex[65]) {
  struct tar_writer *w = a->writer;
  if (w == NULL) return kd_error_create(KD_ERR_OTHER, "archive is not being written");
  a->writer = NULL;
  if (w->threaded) pthread_join(w->thread, NULL);
  w->threaded = false;
  struct kd_error *err = w->err;
  w->err = NULL;
  if (err == NULL && w->x == NULL) err = check_no_streams(a, w->compression);
  if (err) {
    writer_abort(w);
    return err;
  }
  return writer_finish_from(w, a, w->hold, size, sha256_hex);
}

/* }====== */

/* {====== entries compressed ahead of time ====== */

/* one part of a content stream: its own xz stream, made by its own thread */
struct content_part {
  struct sink mem;
  struct xz_sink x;
  const unsigned char *p;
  size_t len, pad;
  int rc;
  pthread_t thread;
  bool threaded;
};

static void *content_part_run(void *arg) {
  struct content_part *c = arg;
  static const unsigned char zeros[512];
  c->rc = xz_start(&c->x) != 0 || xz_put(&c->x, c->p, c->len) != 0 ||
          xz_put(&c->x, zeros, c->pad) != 0 || xz_end(&c->x) != 0 ? -1 : 0;
  xz_free(&c->x);
  return NULL;
}

static void *content_part_thread(void *arg) {
  block_signals_in_this_thread();
  return content_part_run(arg);
}

/*
** threads > 1: the content in as many parts, each an xz stream of its own
** made by its own thread straight from `data` (a .xz file may hold
** streams one after the other; the archive copies the blob as it is).
** Not liblzma's threaded encoder: it copies every block into buffers of
** its own (2,300 more page faults in the helper, ~5% more CPU) and
** coordinates its threads; the parts here need neither.  A part is at
** least 256 KiB (preset 0's dictionary), in 64 KiB steps; each part more
** starts its dictionary afresh (/proc/kallsyms in two: +0.3%).
*/
#define CONTENT_PARTS_MAX 64

struct kd_error *kd_archive_content_xz(const void *data, size_t len, int level,
                                       int threads, char **out, size_t *out_len) {
  *out = NULL;
  *out_len = 0;
  int nparts = threads > 1 ? threads : 1;
  if (nparts > CONTENT_PARTS_MAX) nparts = CONTENT_PARTS_MAX;
  uint64_t share = ((uint64_t)len + (uint64_t)nparts - 1) / (uint64_t)nparts;
  share = (share + 0xffff) & ~(uint64_t)0xffff;
  if (share < (256 << 10)) share = 256 << 10;
  /* [u64 content length, little-endian][the parts' xz streams: the content,
  ** then its tar padding]; a first part even for no content, so that there
  ** is always a stream */
  struct content_part *parts = calloc((size_t)nparts, sizeof *parts);
  if (parts == NULL) return kd_enomem;
  const unsigned char *p = data;
  size_t left = len;
  int n = 0;
  do {
    struct content_part *c = &parts[n++];
    c->mem.fd = -1;
    c->x.out = &c->mem;
    c->x.preset = level >= 0 ? (uint32_t)level : 6;
    c->x.threads = 1;
    c->x.shallow = true;
    c->p = p;
    c->len = left < share || n == nparts ? left : (size_t)share;
    p += c->len;
    left -= c->len;
    if (left == 0) c->pad = tar_padding(len);
  } while (left > 0);
  /* the first part in this thread, the others beside it */
  for (int i = 1; i < n; i++)
    parts[i].threaded = pthread_create(&parts[i].thread, NULL, content_part_thread, &parts[i]) == 0;
  content_part_run(&parts[0]);
  struct kd_error *err = NULL;
  size_t total = 8;
  for (int i = 0; i < n; i++) {
    struct content_part *c = &parts[i];
    if (i > 0 && c->threaded) pthread_join(c->thread, NULL);
    else if (i > 0) content_part_run(c);   /* no thread: made here */
    if (c->rc != 0 && err == NULL) err = xz_error(&c->x, "content stream");
    total += (size_t)c->mem.size;
  }
  unsigned char *b = err ? NULL : malloc(total);
  if (err == NULL && b == NULL) err = kd_enomem;
  if (err == NULL) {
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)((uint64_t)len >> (8 * i));
    size_t pos = 8;
    for (int i = 0; i < n; i++) {
      memcpy(b + pos, parts[i].mem.mem, (size_t)parts[i].mem.size);
      pos += (size_t)parts[i].mem.size;
    }
    *out = (char *)b;
    *out_len = total;
  }
  for (int i = 0; i < n; i++) free(parts[i].mem.mem);
  free(parts);
  return err;
}

/*
** The same blob with the content stored, not compressed: one xz stream
** whose blocks hold the bytes as LZMA2 uncompressed chunks (the format's
** own way to carry data that does not compress; every xz reader takes
** it).  Costs a copy and a CRC64 instead of ~27 ns of LZMA per byte: the
** report stores proc/kallsyms this way (see report/init.lua, STORED).
** Blocks: the content, then its tar padding (two, so that the content is
** never copied into a padded buffer first).
*/
static struct kd_error *stored_block(lzma_index *idx, const void *p, size_t len,
                                     unsigned char *out, size_t *pos, size_t size) {
  lzma_options_lzma opt;
  lzma_lzma_preset(&opt, 0);
  lzma_filter filters[2] = { { LZMA_FILTER_LZMA2, &opt }, { LZMA_VLI_UNKNOWN, NULL } };
  lzma_block block;
  memset(&block, 0, sizeof block);
  block.version = 0;
  block.check = LZMA_CHECK_CRC64;
  block.filters = filters;
  lzma_ret r = lzma_block_uncomp_encode(&block, p, len, out, pos, size);
  if (r == LZMA_OK)
    r = lzma_index_append(idx, NULL, lzma_block_unpadded_size(&block), block.uncompressed_size);
  return r == LZMA_OK ? NULL
                      : kd_error_create(KD_ERR_IO, "stored xz block: %s", lzma_message(r));
}

struct kd_error *kd_archive_content_xz_stored(const void *data, size_t len,
                                              char **out, size_t *out_len) {
  *out = NULL;
  *out_len = 0;
  static const unsigned char zeros[512];
  size_t pad = tar_padding(len);
  /* length prefix, stream header and footer, two blocks, the index */
  size_t size = 8 + 2 * LZMA_STREAM_HEADER_SIZE + lzma_block_buffer_bound(len)
                + lzma_block_buffer_bound(pad) + 256;
  if (size < len) return kd_enomem;
  unsigned char *b = malloc(size);
  lzma_index *idx = lzma_index_init(NULL);
  if (b == NULL || idx == NULL) {
    free(b);
    lzma_index_end(idx, NULL);
    return kd_enomem;
  }
  for (int i = 0; i < 8; i++) b[i] = (unsigned char)((uint64_t)len >> (8 * i));
  lzma_stream_flags flags;
  memset(&flags, 0, sizeof flags);
  flags.version = 0;
  flags.check = LZMA_CHECK_CRC64;
  size_t pos = 8;
  struct kd_error *err = NULL;
  if (lzma_stream_header_encode(&flags, b + pos) != LZMA_OK)
    err = kd_error_create(KD_ERR_IO, "stored xz stream: header");
  pos += LZMA_STREAM_HEADER_SIZE;
  if (!err && len) err = stored_block(idx, data, len, b, &pos, size);
  if (!err && pad) err = stored_block(idx, zeros, pad, b, &pos, size);
  if (!err) {
    flags.backward_size = lzma_index_size(idx);
    if (lzma_index_buffer_encode(idx, b, &pos, size) != LZMA_OK ||
        size - pos < LZMA_STREAM_HEADER_SIZE ||
        lzma_stream_footer_encode(&flags, b + pos) != LZMA_OK)
      err = kd_error_create(KD_ERR_IO, "stored xz stream: index");
    pos += LZMA_STREAM_HEADER_SIZE;
  }
  lzma_index_end(idx, NULL);
  if (err) {
    free(b);
    return err;
  }
  *out = (char *)b;
  *out_len = pos;
  return NULL;
}

struct kd_error *kd_archive_add_xz(struct kd_archive *a, const char *path,
                                   const void *stream, size_t len) {
  uint64_t n = blob_content_len(stream, len);
  if (n == UINT64_MAX || n > SIZE_MAX)
    return kd_error_create(KD_ERR_FORMAT, "'%s': not a stream from kd_archive_content_xz", path);
  struct kd_error *err = kd_archive_add(a, KD_AR_FILE, path, NULL, 0);
  if (err) return err;
  struct entry *e = entry_at(a, find(a, path, strlen(path)));
  struct xz_blob *b = malloc(sizeof *b + len);
  if (b == NULL) return kd_enomem;   /* stays an empty file */
  memcpy(b->bytes, stream, len);
  b->len = len;
  if (e->where == W_MEM) free(e->u.data);   /* the content exists only in the stream */
  e->u.xz = b;
  e->where = W_XZ;
  e->len = n;
  return NULL;
}

/* }====== */

/* {====== directory tree ====== */

static struct kd_error *write_all(int fd, const char *p, size_t len, const char *path) {
  if (!kd_write_full(fd, p, len))
    return kd_error_create(KD_ERR_IO, "%s: %s", path, strerror(errno));
  return NULL;
}

static struct kd_error *make_node(const struct entry *e, const char *full, int spool_fd) {
  if (e->kind == KD_AR_DIR) {
    if (mkdir(full, 0755) != 0 || chmod(full, 0755) != 0)
      return kd_error_create(KD_ERR_IO, "%s: %s", full, strerror(errno));
    return NULL;
  }
  if (e->kind == KD_AR_SYMLINK) {
    char target[PATH_MAX];
    snprintf(target, sizeof target, "%.*s", (int)e->len, e->u.data);
    if (symlink(target, full) != 0)
      return kd_error_create(KD_ERR_IO, "%s: %s", full, strerror(errno));
    return NULL;
  }
  int fd = open(full, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return kd_error_create(KD_ERR_IO, "%s: %s", full, strerror(errno));
  struct kd_error *err = NULL;
  if (e->where != W_SPOOL || e->len == 0) {
    err = write_all(fd, e->len ? e->u.data : "", e->len, full);
  } else {
    unsigned char *piece = malloc(SPOOL_PIECE);
    if (piece == NULL) err = kd_enomem;
    for (size_t done = 0; err == NULL && done < e->len;) {
      size_t m = e->len - done < SPOOL_PIECE ? e->len - done : SPOOL_PIECE;
      if (spool_read(spool_fd, e->u.off + done, piece, m) != 0)
        err = kd_error_create(KD_ERR_IO, "%s: reading the archive spool: %s", full,
                              strerror(errno ? errno : EIO));
      else
        err = write_all(fd, (const char *)piece, m, full);
      done += m;
    }
    free(piece);
  }
  if (err == NULL && fchmod(fd, 0644) != 0)
    err = kd_error_create(KD_ERR_IO, "%s: %s", full, strerror(errno));
  close(fd);
  return err;
}

static void free_paths(char **full, size_t n) {
  if (full == NULL) return;
  for (size_t i = 0; i < n; i++) free(full[i]);
  free(full);
}

struct kd_error *kd_archive_write_dir(struct kd_archive *a, const char *final_dir,
                                      const struct kd_archive_options *o) {
  if (a->writer) return kd_error_create(KD_ERR_OTHER, "archive is being written already");
  struct kd_error *serr = check_no_streams(a, "a directory");
  if (serr) return serr;
  struct stat st;
  if (lstat(final_dir, &st) == 0)
    return kd_error_create(KD_ERR_IO, "%s: already exists", final_dir);
  char root[PATH_MAX];
  struct kd_error *err = temp_name(final_dir, root);
  if (err == NULL) err = spool_flush(&a->spool);
  if (err) return err;
  struct entry **v = NULL;
  size_t n = 0;
  err = sorted(a, NULL, NULL, &v, &n);
  if (err) return err;
  /* every full path is made before the first node, so that the signal
  ** handler only walks memory that stays put */
  char **full = calloc(n + 1, sizeof *full);
  char *is_dir = calloc(n + 1, 1);
  if (full == NULL || is_dir == NULL) err = kd_enomem;
  for (size_t i = 0; err == NULL && i < n; i++) {
    size_t len = strlen(root) + strlen(v[i]->path) + 2;
    full[i] = malloc(len);
    if (full[i] == NULL) err = kd_enomem;
    else snprintf(full[i], len, "%s/%s", root, v[i]->path);
    is_dir[i] = v[i]->kind == KD_AR_DIR;
  }
  if (err == NULL) {
    sigset_t old;
    block(&old);
    if (mkdtemp(root) == NULL) err = kd_error_create(KD_ERR_IO, "%s: %s", root, strerror(errno));
    else {
      /* mkdtemp filled in the X's: the precomputed paths share the prefix */
      for (size_t i = 0; i < n; i++) memcpy(full[i], root, strlen(root));
    }
    unblock(&old);
    if (err == NULL) guard_tree(root, full, is_dir);
  }
  for (size_t i = 0; err == NULL && i < n; i++) {
    guard.ntree = (sig_atomic_t)(i + 1);   /* counted before it exists */
    err = make_node(v[i], full[i], a->spool.fd);
  }
  /* times last, children before parents: writing a child touches its dir */
  struct timespec ts[2] = { { .tv_sec = (time_t)o->mtime }, { .tv_sec = (time_t)o->mtime } };
  for (size_t i = n; err == NULL && i-- > 0;)
    if (utimensat(AT_FDCWD, full[i], ts, AT_SYMLINK_NOFOLLOW) != 0)
      err = kd_error_create(KD_ERR_IO, "%s: %s", full[i], strerror(errno));
  if (err == NULL && (chmod(root, 0755) != 0 || utimensat(AT_FDCWD, root, ts, 0) != 0))
    err = kd_error_create(KD_ERR_IO, "%s: %s", root, strerror(errno));
  if (err == NULL && rename(root, final_dir) != 0)
    err = kd_error_create(KD_ERR_IO, "%s: %s", final_dir, strerror(errno));
  if (err && guard.root[0]) {
    for (size_t i = (size_t)guard.ntree; i-- > 0;) {
      if (is_dir[i]) rmdir(full[i]);
      else unlink(full[i]);
    }
    rmdir(root);
  }
  guard_tree(NULL, NULL, NULL);
  free_paths(full, n);
  free(is_dir);
  free(v);
  return err;
}

/* }====== */

struct kd_error *kd_archive_write_small_file(const char *final_path, const void *data,
                                             size_t len, unsigned mode) {
  char tmp[PATH_MAX];
  struct kd_error *err = temp_name(final_path, tmp);
  if (err) return err;
  sigset_t old;
  block(&old);
  int fd = mkstemp(tmp);
  if (fd >= 0) snprintf(guard.file, sizeof guard.file, "%s", tmp);
  unblock(&old);
  if (fd < 0) return kd_error_create(KD_ERR_IO, "%s: %s", tmp, strerror(errno));
  err = write_all(fd, data, len, tmp);
  if (err == NULL && fchmod(fd, (mode_t)mode) != 0)
    err = kd_error_create(KD_ERR_IO, "%s: %s", tmp, strerror(errno));
  close(fd);
  if (err == NULL) err = publish(tmp, final_path);
  else unlink(tmp);
  /* the report is complete once its checksum is out */
  sigset_t o2;
  block(&o2);
  guard.file[0] = '\0';
  guard.file2[0] = '\0';
  unblock(&o2);
  return err;
}
