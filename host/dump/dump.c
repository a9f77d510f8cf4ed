/*
** dump.c -- kernel crash dump access (see dump.h).
*/
#define _GNU_SOURCE   /* O_TMPFILE, mkostemp */
#include "dump.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <fcntl.h>
#include <signal.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libkdumpfile/kdumpfile.h>

#include "base/child.h"
#include "base/env.h"
#include "base/fullio.h"
#include "validate.h"

/*
** Cache of whole, inflated dump pages: 2-way set-associative, 2048 sets.
** Entries are keyed by the page address with the address space in the low
** bit (page addresses are aligned, so bit 0 is free).  A full report
** touches ~2500 distinct pages of a small guest; a direct-mapped 1024-slot
** cache inflated 5900 pages, 4096 slots 3300 (each a zlib/lzo/snappy
** decompression, ~14 us).
**
** The cache lives in memory shared with the worker processes `kdlua
** report -j` forks (MAP_SHARED), so a page one process inflated is there
** for all: without that, two processes inflated most pages twice.  Each
** set is guarded by a sequence count (a seqlock): even = stable, odd =
** being written.  A reader copies the bytes it wants and keeps them only if
** the count did not move meanwhile; a writer takes the set by moving the
** count from even to odd with a compare-and-swap, and a writer that loses
** that race just does not cache its page.  A process killed while holding
** a set leaves it odd: that set is then never a hit, which is slow, not
** wrong.  Hits touch no shared cache line for writing.  Pages materialise
** on first use, so a short `-e` run does not pay for the 16 MiB.
**
** The pages themselves live in an unlinked temporary file (in $TMPDIR or
** /var/tmp), read and written with pread/pwrite, not in mapped memory:
** mapped, every process that read a page counted it in its resident set
** (a report of 10,000 tasks: ~200 MiB in each worker), and the kernel could
** not take them back; in a file they are the kernel's page cache, which it
** can write out and drop under pressure, and no process's RSS.  The sets'
** keys and sequence counts (24 bytes a set) stay mapped.  In front of it
** each process keeps a small direct-mapped cache of its own (L1_PAGES):
** object access reads a few bytes at a time, mostly from the page it read
** last, and a system call for each of those would cost more than it saves.
** Where no such file can be made, the pages are mapped as before.
*/
#define CACHE_WAYS 2
#define NO_KEY UINT64_MAX
#define L1_PAGES 1024
#define VTOP_SLOTS 256
/* entries of libkdumpfile's own page cache (see open_checked, reopen) */
#define KDUMP_CACHE_ENTRIES 256

struct cache_set {
  _Atomic uint32_t seq;
  uint32_t next_victim;              /* written only by the set's writer */
  _Atomic uint64_t key[CACHE_WAYS];  /* page | space, NO_KEY = empty */
};

struct kd_dump {
  kdump_ctx_t *ctx;
  int fd;
  char *path;
  uint64_t page_size;
  uint64_t kaslr_offset;
  struct cache_set *sets;     /* nsets, shared; NULL: no cache */
  size_t nsets;               /* see cache_sets_for */
  unsigned char *cache_data;  /* nsets * CACHE_WAYS pages, shared; NULL: in cache_fd */
  size_t cache_bytes;         /* the mapping(s) */
  int cache_fd;               /* the pages' file, or -1 */
  uint64_t *l1_key;           /* L1_PAGES keys of this process's own cache */
  unsigned char *l1_data;     /* L1_PAGES pages */
  unsigned char *scratch;     /* one page of our own: misses inflate here */
  uint64_t hits, misses;      /* this process's */
  /* strings handed out by kd_dump_vmcoreinfo/attr_string, freed at close */
  char **strings;
  size_t nstrings, capstrings;
  char *vmcoreinfo_raw;
  unsigned reopens;      /* see load_page */
  unsigned long loads;   /* pages inflated, for KDLUA_FAULT read-every */
  /* reads that failed because the dump's data is damaged (see kd_dump_damage) */
  uint64_t damaged, damage_addr;
  char damage_msg[160];
  char warning[512];     /* what is wrong with the file but readable, or "" */
  int user_levels;       /* page-table levels of user_vtop, 0: not looked up yet */
  /* kd_dump_vtop's answers by page (key = page | 1, 0 = empty): a dump
  ** does not change, and every user read translates its mm's pgd */
  uint64_t vtop_key[VTOP_SLOTS], vtop_page[VTOP_SLOTS];
};

static struct kd_error *kdump_failure(struct kd_dump *dump, kdump_status st,
                                      uint64_t addr, const char *what) {
  const char *msg = kdump_get_err(dump->ctx);
  enum kd_error_code code = KD_ERR_FAULT;
  if (st == KDUMP_ERR_NODATA) code = KD_ERR_NODATA;
  else if (st == KDUMP_ERR_CORRUPT || st == KDUMP_ERR_EOF) code = KD_ERR_FORMAT;
  if (addr != KD_NO_ADDRESS)
    return kd_error_fault(code, addr, "%s at 0x%" PRIx64 ": %s", what, addr,
                          msg ? msg : kdump_strerror(st));
  return kd_error_create(code, "%s: %s", what, msg ? msg : kdump_strerror(st));
}

static const char *keep_string(struct kd_dump *dump, const char *s) {
  if (dump->nstrings == dump->capstrings) {
    size_t ncap = dump->capstrings ? dump->capstrings * 2 : 16;
    char **n = realloc(dump->strings, ncap * sizeof *n);
    if (n == NULL) return NULL;
    dump->strings = n;
    dump->capstrings = ncap;
  }
  char *copy = strdup(s);
  if (copy == NULL) return NULL;
  dump->strings[dump->nstrings++] = copy;
  return copy;
}

const char *kd_dump_attr_string(struct kd_dump *dump, const char *key) {
  kdump_attr_t attr;
  if (kdump_get_attr(dump->ctx, key, &attr) != KDUMP_OK) {
    kdump_clear_err(dump->ctx);
    return NULL;
  }
  if (attr.type != KDUMP_STRING) return NULL;
  /* libkdumpfile's string may go away when the attribute changes: copy */
  for (size_t i = 0; i < dump->nstrings; i++)
    if (strcmp(dump->strings[i], attr.val.string) == 0) return dump->strings[i];
  return keep_string(dump, attr.val.string);
}

uint64_t kd_dump_attr_number(struct kd_dump *dump, const char *key, int *ok) {
  kdump_attr_t attr;
  *ok = 0;
  if (kdump_get_attr(dump->ctx, key, &attr) != KDUMP_OK) {
    kdump_clear_err(dump->ctx);
    return 0;
  }
  if (attr.type == KDUMP_NUMBER) { *ok = 1; return attr.val.number; }
  if (attr.type == KDUMP_ADDRESS) { *ok = 1; return attr.val.address; }
  return 0;
}

const char *kd_dump_vmcoreinfo(struct kd_dump *dump, const char *key) {
  char attr[256];
  snprintf(attr, sizeof attr, "linux.vmcoreinfo.lines.%s", key);
  return kd_dump_attr_string(dump, attr);
}

const char *kd_dump_vmcoreinfo_raw(struct kd_dump *dump) {
  if (dump->vmcoreinfo_raw == NULL) {
    char *raw = NULL;
    if (kdump_vmcoreinfo_raw(dump->ctx, &raw) != KDUMP_OK) {
      kdump_clear_err(dump->ctx);
      return NULL;
    }
    dump->vmcoreinfo_raw = raw;
  }
  return dump->vmcoreinfo_raw;
}

/*
** How many sets the page cache gets.  A report reads every task's
** task_struct, stack, mm, creds, files... once per all-task emitter; when
** those pages do not fit, each pass inflates them all again (a 10,000-task
** dump: 964,000 inflations with 4096 cached pages).  So the cache is sized
** to the dump's pages, within KD_PAGE_CACHE_MAX_MB.  Kernel data inflates
** far more than one would guess: the 10,000-task bench dump holds 219,581
** pages (858 MiB) in a 75 MB file, 11x, and its formatters' working set did
** not fit in 3x the file (each all-task pass inflated its pages again).
** Pages materialise on first use in a sparse file (the kernel's page cache,
** no process's RSS), so a generous size costs only what is read.
** $KDLUA_PAGE_CACHE_MB overrides both (0: no cache), for measuring.
*/
#define KD_PAGE_CACHE_MIN_MB 16
#define KD_PAGE_CACHE_MAX_MB 1024
#define KD_PAGE_CACHE_INFLATION 16
static size_t cache_sets_for(const struct kd_dump *dump, uint64_t file_bytes) {
  uint64_t want = file_bytes * KD_PAGE_CACHE_INFLATION;
  if (want < (uint64_t)KD_PAGE_CACHE_MIN_MB << 20) want = (uint64_t)KD_PAGE_CACHE_MIN_MB << 20;
  if (want > (uint64_t)KD_PAGE_CACHE_MAX_MB << 20) want = (uint64_t)KD_PAGE_CACHE_MAX_MB << 20;
  const char *env = getenv("KDLUA_PAGE_CACHE_MB");
  if (env != NULL && *env != '\0') want = strtoull(env, NULL, 10) << 20;
  return (size_t)(want / (dump->page_size * CACHE_WAYS));
}

/* an unlinked file for the cache's pages, sized (sparse), or -1 */
static int cache_file(uint64_t bytes) {
  const char *dirs[] = { getenv("TMPDIR"), "/var/tmp", "/tmp" };
  for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
    if (dirs[i] == NULL || dirs[i][0] == '\0') continue;
    int fd = open(dirs[i], O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) {
      char tmp[4096];
      if (snprintf(tmp, sizeof tmp, "%s/.kdlua-pages.XXXXXX", dirs[i]) >= (int)sizeof tmp)
        continue;
      fd = mkostemp(tmp, O_CLOEXEC);
      if (fd >= 0) unlink(tmp);
    }
    if (fd < 0) continue;
    if (ftruncate(fd, (off_t)bytes) == 0) return fd;
    close(fd);
  }
  return -1;
}

/* The shared page cache, this process's L1 in front of it and the
** private scratch page (page_size known). */
static struct kd_error *setup_cache(struct kd_dump *dump, uint64_t file_bytes) {
  dump->scratch = malloc(dump->page_size);
  if (dump->scratch == NULL) return kd_enomem;
  dump->nsets = cache_sets_for(dump, file_bytes);
  if (dump->nsets == 0) return NULL;
  dump->l1_key = malloc(L1_PAGES * sizeof *dump->l1_key);
  dump->l1_data = malloc(L1_PAGES * dump->page_size);
  if (dump->l1_key == NULL || dump->l1_data == NULL) {
    free(dump->l1_key);
    free(dump->l1_data);
    dump->l1_key = NULL;
    dump->l1_data = NULL;
  } else {
    for (size_t i = 0; i < L1_PAGES; i++) dump->l1_key[i] = NO_KEY;
  }
  size_t meta = ((dump->nsets * sizeof(struct cache_set)) + 4095) & ~(size_t)4095;
  size_t data = dump->nsets * CACHE_WAYS * dump->page_size;
  dump->cache_fd = getenv("KDLUA_PAGE_CACHE_MAPPED") ? -1 : cache_file(data);
  size_t bytes = meta + (dump->cache_fd >= 0 ? 0 : data);
  void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {   /* no cache: slower, still right */
    if (dump->cache_fd >= 0) close(dump->cache_fd);
    dump->cache_fd = -1;
    return NULL;
  }
  dump->sets = p;
  dump->cache_data = dump->cache_fd >= 0 ? NULL : (unsigned char *)p + meta;
  dump->cache_bytes = bytes;
  for (size_t i = 0; i < dump->nsets; i++)
    for (int w = 0; w < CACHE_WAYS; w++)
      atomic_store_explicit(&dump->sets[i].key[w], NO_KEY, memory_order_relaxed);
  return NULL;
}

/*
** Open and sanity-check a dump.  libkdumpfile accepts some damaged files
** (a truncated diskdump still has its headers), so after opening we also
** read the utsname through the dump: a dump whose kernel identity cannot be
** read is useless, and saying so now beats failing in every script later.
*/
static struct kd_error *open_checked(const char *path, int fd, struct kd_dump **out);

/*
** Test-only fault injection, from $KDLUA_FAULT (comma-separated):
**   probe-crash   the probe child dies of SIGSEGV (as a libkdumpfile crash)
**   probe-hang    the probe child never answers (as a libkdumpfile loop)
**   read-every=N  every Nth page the dump inflates fails to read
** so that tests can prove a crash or a bad page surfaces as it should.
*/
static struct { bool parsed, probe_crash, probe_hang; unsigned long read_every; } fault;

static void parse_faults(void) {
  if (fault.parsed) return;
  fault.parsed = true;
  const char *f = getenv("KDLUA_FAULT");
  if (f == NULL) return;
  fault.probe_crash = strstr(f, "probe-crash") != NULL;
  fault.probe_hang = strstr(f, "probe-hang") != NULL;
  const char *r = strstr(f, "read-every=");
  if (r) fault.read_every = strtoul(r + 11, NULL, 10);
}

/* the probe: the whole open, in a child (see kd_dump_open); an open takes
** milliseconds, even of a large dump: a minute is a hang */
#define PROBE_SECONDS 60
struct probe { const char *path; int fd; };

static int probe_open(void *arg, char *msg, size_t cap) {
  struct probe *p = arg;
  /* its answer is the message or its death; what libkdumpfile (or a
  ** sanitizer) would print on the way is not the user's to read: the
  ** open that follows in the parent says what is wrong */
  int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (devnull >= 0) {
    dup2(devnull, 2);
    close(devnull);
  }
  if (fault.probe_crash) {
    signal(SIGSEGV, SIG_DFL);   /* a plain crash, also under a sanitizer */
    raise(SIGSEGV);
  }
  while (fault.probe_hang) pause();
  struct kd_dump *dump;
  struct kd_error *err = open_checked(p->path, p->fd, &dump);
  if (err == NULL) return 0;
  snprintf(msg, cap, "%s", err->message);
  return 1;
}

/*
** The note that a file passed the probe: an empty file in notes_dir whose
** name holds the dump's identity (device, inode, size, modification and
** change times: a file written again, even with its mtime put back, has a
** new ctime) and the code it passed with: kdlua's own executable and the
** loaded libkdumpfile and libaddrxlat, each by inode and modification
** time (an upgraded one is probed again).  The probe costs a fork and a
** second whole open, ~2-3 ms before anything else can start, on every run
** of every command; what crashed the open once still does on the same
** bytes and the same code, so a file that opened cleanly needs it no
** more.  0 and the name in buf, or -1 (no name: always probe).
*/
#define NOTE_PREFIX "dump-opened-"

/* inode and mtime of the file a loaded function comes from, or -1 */
static int code_file_id(void *fn, struct stat *st) {
  Dl_info dl;
  return dladdr(fn, &dl) != 0 && dl.dli_fname != NULL && stat(dl.dli_fname, st) == 0 ? 0 : -1;
}

static int passed_note(const char *notes_dir, const struct stat *st, char *buf, size_t cap) {
  if (notes_dir == NULL || fault.probe_crash || fault.probe_hang ||
      kd_env_flag("KDLUA_NO_CACHE"))
    return -1;
  /* (the executable by its path, not dladdr: in a non-PIE build a
  ** library function's address may be the executable's own PLT entry) */
  struct stat self, lib, xlat;
  if (stat("/proc/self/exe", &self) != 0 || code_file_id((void *)kdump_new, &lib) != 0 ||
      code_file_id((void *)addrxlat_fulladdr_conv, &xlat) != 0)
    return -1;
  int n = snprintf(buf, cap, "%s/" NOTE_PREFIX "%jx-%jx-%jx-%jd.%09ld-%jd.%09ld"
                   "-exe-%jx-%jd-lib-%jx-%jd-%jx-%jd",
                   notes_dir, (uintmax_t)st->st_dev, (uintmax_t)st->st_ino,
                   (uintmax_t)st->st_size, (intmax_t)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
                   (intmax_t)st->st_ctim.tv_sec, st->st_ctim.tv_nsec,
                   (uintmax_t)self.st_ino, (intmax_t)self.st_mtim.tv_sec,
                   (uintmax_t)lib.st_ino, (intmax_t)lib.st_mtim.tv_sec,
                   (uintmax_t)xlat.st_ino, (intmax_t)xlat.st_mtim.tv_sec);
  return n > 0 && (size_t)n < cap ? 0 : -1;
}

/* Write the note `path` (see passed_note) and remove the notes of earlier
** versions of the same file or of the code (same device and inode, other
** name), so that notes do not pile up as dumps are rewritten or kdlua is
** upgraded.  A note that cannot be written only means probing next time. */
static void write_note(const char *path) {
  int nfd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (nfd < 0) return;
  close(nfd);
  const char *slash = strrchr(path, '/');
  const char *name = slash + 1;
  /* "dump-opened-<dev>-<ino>-": what names the same file */
  const char *p = name + strlen(NOTE_PREFIX);
  for (int dashes = 0; *p && dashes < 2; p++)
    if (*p == '-') dashes++;
  size_t same = (size_t)(p - name);
  char dir[PATH_MAX];
  snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
  DIR *d = opendir(dir);
  if (d == NULL) return;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (strncmp(de->d_name, name, same) == 0 && strcmp(de->d_name, name) != 0)
      unlinkat(dirfd(d), de->d_name, 0);
  }
  closedir(d);
}

struct kd_error *kd_dump_open(const char *path, struct kd_dump **out) {
  return kd_dump_open_noted(path, NULL, out);
}

struct kd_error *kd_dump_open_noted(const char *path, const char *notes_dir,
                                    struct kd_dump **out) {
  *out = NULL;
  /* O_NONBLOCK: opening a FIFO for reading would wait for a writer */
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return kd_error_create(KD_ERR_IO, "%s: cannot open dump: %s", path,
                           strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return kd_error_create(KD_ERR_IO, "%s: not a regular file", path);
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  parse_faults();
  bool known;
  char warning[sizeof ((struct kd_dump *)0)->warning];
  struct kd_error *err = kd_dump_validate_fd(fd, (uint64_t)st.st_size, path, &known,
                                             warning, sizeof warning);
  if (err) {
    close(fd);
    return err;
  }
  /*
  ** What we checked is what crashed libkdumpfile so far; what we did not
  ** (page descriptors, other formats, address translation set up from
  ** damaged page tables) may still crash it.  So the open is tried first
  ** in a short-lived child: if libkdumpfile dies there, we say so in one
  ** line naming the file instead of dying ourselves.  (~1 ms: see README.)
  ** KDLUA_NO_PROBE=1 skips it, for the fuzzer and for measuring.
  */
  const char *no_probe = getenv("KDLUA_NO_PROBE");
  char note[PATH_MAX];
  bool noted = passed_note(notes_dir, &st, note, sizeof note) == 0;
  bool probed = false;
  if (noted && access(note, F_OK) == 0) {
    /* it passed before: see passed_note */
  } else if (no_probe == NULL || strcmp(no_probe, "1") != 0) {
    probed = true;
    char msg[512];
    struct probe pr = { path, fd };
    /* a libkdumpfile that loops on a damaged header must not hang us */
    /* (probe-hang waits 2 s, so that a test need not wait a minute) */
    int rc = kd_run_in_child_timeout(probe_open, &pr, msg, sizeof msg,
                                     fault.probe_hang ? 2 : PROBE_SECONDS);
    if (rc == 1) {
      close(fd);
      if (warning[0]) return kd_error_create(KD_ERR_FORMAT, "%s", warning);
      if (strncmp(msg, path, strlen(path)) == 0)   /* our own error, as is */
        return kd_error_create(KD_ERR_FORMAT, "%s", msg);
      return kd_error_create(KD_ERR_FORMAT, "%s: not a readable kernel dump "
                             "(libkdumpfile failed on it: %s)", path, msg);
    }
  }
  err = open_checked(path, fd, out);
  if (err == NULL && probed && noted && !warning[0]) {
    write_note(note);
  }
  if (err && warning[0]) {
    /* the open failed on a dump cut short: that is the reason to give */
    kd_error_destroy(err);
    return kd_error_create(KD_ERR_FORMAT, "%s", warning);
  }
  if (err == NULL) snprintf((*out)->warning, sizeof (*out)->warning, "%s", warning);
  return err;
}

const char *kd_dump_warning(struct kd_dump *dump) {
  return dump->warning[0] ? dump->warning : NULL;
}

/* The open proper, on a file that passed kd_dump_validate_fd; owns fd. */
static struct kd_error *open_checked(const char *path, int fd, struct kd_dump **out) {
  *out = NULL;
  struct kd_dump *dump = calloc(1, sizeof *dump);
  if (dump == NULL) { close(fd); return kd_enomem; }
  dump->fd = fd;
  dump->cache_fd = -1;
  dump->path = strdup(path);
  dump->ctx = kdump_new();
  if (dump->ctx == NULL || dump->path == NULL) {
    kd_dump_close(dump);
    return kd_enomem;
  }
  struct kd_error *err = NULL;
  /* read(2) rather than mmap(2): mapped dump pages count in our RSS and
  ** linger (12 MiB in a report of a 20 MiB dump); libkdumpfile's bounded
  ** cache keeps what we need */
  kdump_attr_t mp = { .type = KDUMP_NUMBER, .val.number = KDUMP_MMAP_NEVER };
  kdump_set_attr(dump->ctx, KDUMP_ATTR_FILE_MMAP_POLICY, &mp);
  kdump_clear_err(dump->ctx);
  /* our own page cache (see cache_sets_for) keeps the hot pages; a smaller
  ** libkdumpfile cache than its default 1024 entries saves memory */
  kdump_attr_t cs = { .type = KDUMP_NUMBER, .val.number = KDUMP_CACHE_ENTRIES };
  kdump_set_attr(dump->ctx, "cache.size", &cs);
  kdump_clear_err(dump->ctx);
  kdump_status s = kdump_open_fd(dump->ctx, fd);
  if (s != KDUMP_OK) {
    const char *m = kdump_get_err(dump->ctx);
    err = kd_error_create(KD_ERR_FORMAT, "%s: not a readable kernel dump: %s",
                          path, m ? m : kdump_strerror(s));
    goto fail;
  }
  kdump_attr_t a = { .type = KDUMP_STRING, .val.string = "linux" };
  s = kdump_set_attr(dump->ctx, KDUMP_ATTR_OSTYPE, &a);
  if (s != KDUMP_OK) {
    const char *m = kdump_get_err(dump->ctx);
    err = kd_error_create(KD_ERR_FORMAT,
                          "%s: cannot set up Linux address translation: %s",
                          path, m ? m : kdump_strerror(s));
    goto fail;
  }
  int ok;
  dump->page_size = kd_dump_attr_number(dump, KDUMP_ATTR_PAGE_SIZE, &ok);
  if (!ok || dump->page_size == 0 || dump->page_size > (1u << 16) ||
      (dump->page_size & (dump->page_size - 1)) != 0)
    dump->page_size = 4096;
  struct stat st;
  err = setup_cache(dump, fstat(fd, &st) == 0 ? (uint64_t)st.st_size : 0);
  if (err) goto fail;
  const char *off = kd_dump_vmcoreinfo(dump, "KERNELOFFSET");
  if (off != NULL) dump->kaslr_offset = strtoull(off, NULL, 16);

  /* the identity check: the release must be readable from memory */
  const char *uts_sym = kd_dump_vmcoreinfo(dump, "SYMBOL(init_uts_ns)");
  if (uts_sym != NULL) {
    char probe[8];
    uint64_t addr = strtoull(uts_sym, NULL, 16);
    err = kd_dump_read(dump, KD_KVADDR, addr, probe, sizeof probe);
    if (err != NULL) {
      struct kd_error *e = kd_error_create(
          KD_ERR_FORMAT, "%s: dump is truncated or corrupt (cannot read "
          "init_uts_ns: %s)", path, err->message);
      kd_error_destroy(err);
      err = e;
      goto fail;
    }
  } else if (kd_dump_attr_string(dump, "linux.uts.release") == NULL &&
             kd_dump_vmcoreinfo(dump, "OSRELEASE") == NULL) {
    err = kd_error_create(KD_ERR_FORMAT,
                          "%s: dump has neither VMCOREINFO nor a readable "
                          "utsname: not a Linux kernel dump?", path);
    goto fail;
  }
  *out = dump;
  return NULL;
fail:
  kd_dump_close(dump);
  return err;
}

void kd_dump_close(struct kd_dump *dump) {
  if (dump == NULL) return;
  if (dump->sets) munmap(dump->sets, dump->cache_bytes);
  if (dump->cache_fd >= 0) close(dump->cache_fd);
  free(dump->l1_key);
  free(dump->l1_data);
  free(dump->scratch);
  for (size_t i = 0; i < dump->nstrings; i++) free(dump->strings[i]);
  free(dump->strings);
  free(dump->vmcoreinfo_raw);
  /* kdump_free() of libkdumpfile 0.5.1 reads and writes memory it has
  ** just freed (valgrind shows it for a bare open + free of a diskdump),
  ** which now and then crashes the process at exit.  A dump is closed once,
  ** when kdlua is done, so its context is left for the OS to reclaim.
  ** (tests/lsan.supp covers it for the sanitizer build.) */
  if (dump->fd >= 0) close(dump->fd);
  free(dump->path);
  free(dump);
}

/*
** Why load_page reopens: libkdumpfile 0.5.1's page cache can give a reused
** "ghost" entry no data buffer (reuse_ghost_entry takes one from the unused
** partition, which reclaim_data finds by skipping the ghost probe
** partition after its count was already lowered: fixed upstream in "cache:
** Get data buffer before adjusting ghost partition size").  zlib is then
** handed a NULL output ("Decompresion failed: error -2") and the
** buffer-less entry goes round the cache, failing later pages too.  A new
** cache in the same context (changing cache.size) ends those errors, but
** the context's address translation still holds pages of the old cache:
** page-table reads then fail ("PDPT table not present").  So a whole new
** context it is, ~5 MiB each, the old one abandoned (see kd_dump_close).
*/
/* A new libkdumpfile context on the same file (see load_page). */
static int reopen(struct kd_dump *dump) {
  kdump_ctx_t *ctx = kdump_new();
  if (ctx == NULL) return -1;
  kdump_attr_t a = { .type = KDUMP_STRING, .val.string = "linux" };
  kdump_attr_t mp = { .type = KDUMP_NUMBER, .val.number = KDUMP_MMAP_NEVER };
  kdump_set_attr(ctx, KDUMP_ATTR_FILE_MMAP_POLICY, &mp);
  kdump_attr_t cs = { .type = KDUMP_NUMBER, .val.number = KDUMP_CACHE_ENTRIES };
  kdump_set_attr(ctx, "cache.size", &cs);
  kdump_clear_err(ctx);
  if (kdump_open_fd(ctx, dump->fd) != KDUMP_OK ||
      kdump_set_attr(ctx, KDUMP_ATTR_OSTYPE, &a) != KDUMP_OK)
    return -1;   /* not freed either: see kd_dump_close */
  /* the old context is abandoned, not freed: see kd_dump_close */
  dump->ctx = ctx;
  return 0;
}

/* A page whose data is in the file but unreadable (it does not inflate,
** or the file ends early) is damage, unlike a page filtered out of the
** dump or an unmapped address: counted, so that whoever swallows the
** error can still tell that what it made may be incomplete. */
void kd_dump_note_damage(struct kd_dump *dump, const struct kd_error *err) {
  if (err->code != KD_ERR_FORMAT) return;
  dump->damaged++;
  dump->damage_addr = err->address;
  snprintf(dump->damage_msg, sizeof dump->damage_msg, "%s", err->message);
}

uint64_t kd_dump_damage(struct kd_dump *dump, uint64_t *last_addr, const char **last_msg) {
  *last_addr = dump->damage_addr;
  *last_msg = dump->damage_msg;
  return dump->damaged;
}

/*
** Inflate page `page` of `space` into dump->scratch.  Returns NULL or the
** error naming `fault_addr`.
*/
static struct kd_error *load_page(struct kd_dump *dump, enum kd_addrspace space,
                                  uint64_t page, uint64_t fault_addr) {
  size_t len = dump->page_size;
  kdump_addrspace_t as = space == KD_KVADDR ? KDUMP_KVADDR : KDUMP_KPHYSADDR;
  if (fault.read_every && ++dump->loads % fault.read_every == 0) {
    struct kd_error *err = kd_error_fault(KD_ERR_FORMAT, fault_addr, "cannot read memory at 0x%"
                                          PRIx64 ": injected fault (KDLUA_FAULT)", fault_addr);
    kd_dump_note_damage(dump, err);
    return err;
  }
  kdump_status s = kdump_read(dump->ctx, as, page, dump->scratch, &len);
  if (s == KDUMP_ERR_CORRUPT && dump->reopens < 8) {
    /* libkdumpfile 0.5.1 can get into a state where every later page fails
    ** to inflate ("Decompresion failed: error -2") although the file is
    ** intact (see reopen); a fresh context reads them.  A page that still
    ** fails is really corrupt. */
    kdump_clear_err(dump->ctx);
    if (reopen(dump) == 0) {
      len = dump->page_size;
      s = kdump_read(dump->ctx, as, page, dump->scratch, &len);
      /* only reopens that did not help count against the limit, so a
      ** dump with a few truly corrupt pages does not reopen forever */
      if (s != KDUMP_OK) dump->reopens++;
    }
  }
  if (s != KDUMP_OK || len != dump->page_size) {
    struct kd_error *err = kdump_failure(dump, s == KDUMP_OK ? KDUMP_ERR_NODATA : s,
                                         fault_addr, "cannot read memory");
    kdump_clear_err(dump->ctx);
    kd_dump_note_damage(dump, err);
    return err;
  }
  return NULL;
}

static size_t set_of(const struct kd_dump *dump, uint64_t page, enum kd_addrspace space) {
  uint64_t n = page / dump->page_size;
  n ^= n >> 11;            /* pages 8 MiB apart should not always collide */
  return (size_t)((n ^ (uint64_t)space) % dump->nsets);
}

static unsigned char *way_data(const struct kd_dump *dump, size_t set, int way) {
  return dump->cache_data + ((size_t)set * CACHE_WAYS + (size_t)way) * dump->page_size;
}

static off_t way_offset(const struct kd_dump *dump, size_t set, int way) {
  return (off_t)(((uint64_t)set * CACHE_WAYS + (uint64_t)way) * dump->page_size);
}

/* Copy n bytes at in_page of a cached page; false when it is not cached. */
static bool cache_copy(struct kd_dump *dump, size_t set, uint64_t key,
                       size_t in_page, unsigned char *dst, size_t n) {
  struct cache_set *cs = &dump->sets[set];
  for (int tries = 0; tries < 4; tries++) {
    uint32_t s1 = atomic_load_explicit(&cs->seq, memory_order_acquire);
    if (s1 & 1) return false;            /* being written: read it ourselves */
    int way = -1;
    for (int w = 0; w < CACHE_WAYS; w++)
      if (atomic_load_explicit(&cs->key[w], memory_order_relaxed) == key) way = w;
    if (way < 0) return false;
    if (dump->cache_fd >= 0) {
      if (!kd_pread_full(dump->cache_fd, dst, n, (uint64_t)(way_offset(dump, set, way) + (off_t)in_page)))
        return false;
    } else {
      memcpy(dst, way_data(dump, set, way) + in_page, n);
    }
    atomic_thread_fence(memory_order_acquire);
    if (atomic_load_explicit(&cs->seq, memory_order_relaxed) == s1) return true;
  }
  return false;
}

/* Offer the page in dump->scratch to the cache (skipped if the set is busy). */
static void cache_store(struct kd_dump *dump, size_t set, uint64_t key) {
  struct cache_set *cs = &dump->sets[set];
  uint32_t s = atomic_load_explicit(&cs->seq, memory_order_relaxed);
  if ((s & 1) || !atomic_compare_exchange_strong_explicit(
                     &cs->seq, &s, s + 1, memory_order_acq_rel, memory_order_relaxed))
    return;
  atomic_thread_fence(memory_order_release);  /* odd before the data moves */
  bool there = false;
  for (int w = 0; w < CACHE_WAYS; w++)
    if (atomic_load_explicit(&cs->key[w], memory_order_relaxed) == key) there = true;
  if (!there) {
    int w = (int)(cs->next_victim % CACHE_WAYS);
    cs->next_victim = (uint32_t)((w + 1) % CACHE_WAYS);
    bool stored = true;
    if (dump->cache_fd >= 0) {
      /* the key goes first: a reader that finds the old key must not read
      ** the new page (the odd count already turns it away) */
      atomic_store_explicit(&cs->key[w], NO_KEY, memory_order_relaxed);
      stored = kd_pwrite_full(dump->cache_fd, dump->scratch, dump->page_size, (uint64_t)way_offset(dump, set, w));
    } else {
      memcpy(way_data(dump, set, w), dump->scratch, dump->page_size);
    }
    atomic_store_explicit(&cs->key[w], stored ? key : NO_KEY, memory_order_relaxed);
  }
  atomic_store_explicit(&cs->seq, s + 2, memory_order_release);
}

/* Copy n bytes at offset in_page of (space, page) into dst. */
static struct kd_error *read_in_page(struct kd_dump *dump, enum kd_addrspace space,
                                     uint64_t page, size_t in_page,
                                     unsigned char *dst, size_t n,
                                     uint64_t fault_addr) {
  uint64_t key = page | (uint64_t)space;
  size_t set = 0;
  unsigned char *l1 = NULL;
  size_t slot = 0;
  if (dump->l1_key) {
    slot = (size_t)(((page / dump->page_size) ^ (uint64_t)space) % L1_PAGES);
    l1 = dump->l1_data + slot * dump->page_size;
    if (dump->l1_key[slot] == key) {
      memcpy(dst, l1 + in_page, n);
      dump->hits++;
      return NULL;
    }
  }
  if (dump->sets) {
    set = set_of(dump, page, space);
    /* a hit fills the L1 slot with the whole page */
    if (l1) {
      dump->l1_key[slot] = NO_KEY;
      if (cache_copy(dump, set, key, 0, l1, dump->page_size)) {
        dump->l1_key[slot] = key;
        memcpy(dst, l1 + in_page, n);
        dump->hits++;
        return NULL;
      }
    } else if (cache_copy(dump, set, key, in_page, dst, n)) {
      dump->hits++;
      return NULL;
    }
  }
  dump->misses++;
  struct kd_error *err = load_page(dump, space, page, fault_addr);
  if (err) return err;
  if (dump->sets) cache_store(dump, set, key);
  if (l1) {
    memcpy(l1, dump->scratch, dump->page_size);
    dump->l1_key[slot] = key;
  }
  memcpy(dst, dump->scratch + in_page, n);
  return NULL;
}

struct kd_error *kd_dump_read_partial(struct kd_dump *dump,
                                      enum kd_addrspace space, uint64_t addr,
                                      void *buf, size_t len, size_t *got) {
  unsigned char *dst = buf;
  size_t done = 0;
  *got = 0;
  while (done < len) {
    uint64_t a = addr + done;
    if (a < addr) /* wrapped around the address space */
      return kd_error_fault(KD_ERR_FAULT, a, "cannot read memory at 0x%" PRIx64
                            ": address wraps around", a);
    uint64_t page = a & ~(dump->page_size - 1);
    size_t in_page = (size_t)(a - page);
    size_t n = dump->page_size - in_page;
    if (n > len - done) n = len - done;
    struct kd_error *err = read_in_page(dump, space, page, in_page, dst + done, n, a);
    if (err) return err;
    done += n;
    *got = done;
  }
  return NULL;
}

struct kd_error *kd_dump_read(struct kd_dump *dump, enum kd_addrspace space,
                              uint64_t addr, void *buf, size_t len) {
  size_t got;
  return kd_dump_read_partial(dump, space, addr, buf, len, &got);
}

struct kd_error *kd_dump_vtop(struct kd_dump *dump, uint64_t vaddr,
                              uint64_t *paddr) {
  uint64_t page = vaddr & ~(dump->page_size - 1);
  size_t slot = (size_t)((page / dump->page_size) % VTOP_SLOTS);
  if (dump->vtop_key[slot] == (page | 1)) {
    *paddr = dump->vtop_page[slot] + (vaddr - page);
    return NULL;
  }
  addrxlat_ctx_t *axctx;
  addrxlat_sys_t *axsys;
  if (kdump_get_addrxlat(dump->ctx, &axctx, &axsys) != KDUMP_OK) {
    kdump_clear_err(dump->ctx);
    return kd_error_create(KD_ERR_OTHER, "no address translation available");
  }
  addrxlat_fulladdr_t fa = { .addr = vaddr, .as = ADDRXLAT_KVADDR };
  addrxlat_status s = addrxlat_fulladdr_conv(&fa, ADDRXLAT_KPHYSADDR, axctx, axsys);
  struct kd_error *err = NULL;
  if (s != ADDRXLAT_OK)
    err = kd_error_fault(KD_ERR_FAULT, vaddr,
                         "cannot translate 0x%" PRIx64 ": %s", vaddr,
                         addrxlat_ctx_get_err(axctx));
  else {
    *paddr = fa.addr;
    dump->vtop_key[slot] = page | 1;
    dump->vtop_page[slot] = fa.addr - (vaddr - page);
  }
  addrxlat_ctx_decref(axctx);
  addrxlat_sys_decref(axsys);
  return err;
}

/*
** Walk x86_64 4- or 5-level page tables by hand for a user address space.
** We do this ourselves rather than build an addrxlat system per process:
** it is a few lines, and it lets us tell "not present" (swapped out or
** never faulted in) from "present but filtered out of the dump".
*/
#define PTE_PRESENT 0x1ull
#define PTE_PSE 0x80ull
#define PTE_ADDR_MASK 0x000ffffffffff000ull

static struct kd_error *user_vtop(struct kd_dump *dump, uint64_t pgd_phys,
                                  uint64_t addr, uint64_t *paddr,
                                  uint64_t *page_size) {
  /* looked up once: a VMCOREINFO lookup (an attribute path built and
  ** searched) per walk was most of what a /proc/<pid>/cmdline cost */
  if (dump->user_levels == 0) {
    const char *v = kd_dump_vmcoreinfo(dump, "NUMBER(pgtable_l5_enabled)");
    dump->user_levels = (v && strtoull(v, NULL, 0)) ? 5 : 4;
  }
  int levels = dump->user_levels;
  uint64_t table = pgd_phys & PTE_ADDR_MASK;
  for (int level = levels; level >= 1; level--) {
    int shift = 12 + 9 * (level - 1);
    uint64_t idx = (addr >> shift) & 511;
    uint64_t pte;
    struct kd_error *err = kd_dump_read(dump, KD_PHYSADDR, table + idx * 8,
                                        &pte, 8);
    if (err) {
      kd_error_destroy(err);
      return kd_error_fault(KD_ERR_NODATA, addr,
                            "page table for 0x%" PRIx64 " is not in the dump",
                            addr);
    }
    if (!(pte & PTE_PRESENT))
      return kd_error_fault(KD_ERR_FAULT, addr,
                            "user address 0x%" PRIx64 " is not mapped "
                            "(not present: swapped out or never touched)",
                            addr);
    if (level == 1 || ((level == 2 || level == 3) && (pte & PTE_PSE))) {
      uint64_t size = 1ull << shift;
      uint64_t base = pte & PTE_ADDR_MASK & ~(size - 1);
      *paddr = base + (addr & (size - 1));
      *page_size = size;
      return NULL;
    }
    table = pte & PTE_ADDR_MASK;
  }
  return kd_error_fault(KD_ERR_FAULT, addr, "bad page table walk");
}

struct kd_error *kd_dump_read_user(struct kd_dump *dump, uint64_t pgd_phys,
                                   uint64_t addr, void *buf, size_t len,
                                   size_t *got) {
  unsigned char *dst = buf;
  *got = 0;
  while (*got < len) {
    uint64_t a = addr + *got, pa = 0, psz = 4096;
    struct kd_error *err = user_vtop(dump, pgd_phys, a, &pa, &psz);
    if (err) return err;
    size_t n = (size_t)(psz - (a & (psz - 1)));
    if (n > len - *got) n = len - *got;
    size_t g = 0;
    err = kd_dump_read_partial(dump, KD_PHYSADDR, pa, dst + *got, n, &g);
    *got += g;
    if (err) {
      kd_error_destroy(err);
      return kd_error_fault(KD_ERR_NODATA, a + g,
                            "user page at 0x%" PRIx64 " was filtered out of "
                            "the dump", a + g);
    }
  }
  return NULL;
}

const char *kd_dump_path(struct kd_dump *dump) { return dump->path; }

const char *kd_dump_format(struct kd_dump *dump) {
  const char *f = kd_dump_attr_string(dump, KDUMP_ATTR_FILE_FORMAT);
  return f ? f : "unknown";
}

const char *kd_dump_arch(struct kd_dump *dump) {
  const char *a = kd_dump_attr_string(dump, KDUMP_ATTR_ARCH_NAME);
  return a ? a : "unknown";
}

uint64_t kd_dump_kaslr_offset(struct kd_dump *dump) { return dump->kaslr_offset; }
uint64_t kd_dump_page_size(struct kd_dump *dump) { return dump->page_size; }

unsigned kd_dump_nr_cpu_notes(struct kd_dump *dump) {
  int ok;
  uint64_t n = kd_dump_attr_number(dump, KDUMP_ATTR_NUM_CPUS, &ok);
  return ok ? (unsigned)n : 0;
}

struct kd_error *kd_dump_cpu_reg(struct kd_dump *dump, unsigned idx,
                                 const char *name, uint64_t *value) {
  char key[64];
  int ok;
  snprintf(key, sizeof key, "cpu.%u.reg.%s", idx, name);
  *value = kd_dump_attr_number(dump, key, &ok);
  if (!ok)
    return kd_error_create(KD_ERR_NODATA, "register %s of CPU note %u is not "
                           "in the dump", name, idx);
  return NULL;
}

uint64_t kd_dump_cpu_note_pid(struct kd_dump *dump, unsigned idx) {
  char key[64];
  int ok;
  snprintf(key, sizeof key, "cpu.%u.pid", idx);
  uint64_t v = kd_dump_attr_number(dump, key, &ok);
  return ok ? v : 0;
}

void kd_dump_cache_stats(struct kd_dump *dump, uint64_t *hits, uint64_t *misses) {
  *hits = dump->hits;
  *misses = dump->misses;
}

kdump_ctx_t *kd_dump_ctx(struct kd_dump *dump) { return dump->ctx; }
