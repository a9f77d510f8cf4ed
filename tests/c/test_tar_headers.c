/*
** test_tar_headers.c -- the .tar.xz writer makes most tar headers itself
** (host/archive/kdarchive.c, "ustar headers without libarchive"): the
** archive must be byte for byte the one libarchive's restricted pax writer
** makes alone.  The same entries are written both ways
** (kd_archive_set_fast_headers) and the files compared, over names at and
** around ustar's limits (name 100, prefix 155, the split at a '/', no '/'
** to split at, a directory's appended '/'), non-ASCII and control
** characters, symlink targets short, 100/101 long, non-ASCII or with a
** NUL, directories, file sizes around the 512-byte records, spooled and
** in-memory contents, a content compressed ahead of time, mtimes 0, in
** range, at and past ustar's 0x7fffffff, negative and far in the future,
** with and without a top folder, one xz thread or two, in one part or two
** (kd_archive_write_begin/finish).  No dump is needed.
*/
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <unistd.h>

#include "archive/kdarchive.h"

static int passed, failed;

static void check(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void check(int ok, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (!ok) {
    printf("FAIL - ");
    vprintf(fmt, ap);
    printf("\n");
  }
  va_end(ap);
  if (ok) passed++; else failed++;
}

static char dir[] = "/tmp/kdlua-tarhdr-XXXXXX";

/* n copies of c */
static char *rep(char *buf, char c, size_t n) {
  memset(buf, c, n);
  buf[n] = '\0';
  return buf;
}

/* deterministic text of n bytes */
static char *text(size_t n, unsigned seed) {
  char *t = malloc(n ? n : 1);
  for (size_t i = 0; i < n; i++) {
    seed = seed * 1103515245u + 12345u;
    t[i] = (i % 64 == 63) ? '\n' : (char)('a' + (seed >> 16) % 26);
  }
  return t;
}

static int added;

static void add(struct kd_archive *a, enum kd_archive_kind k, const char *path,
                const void *data, size_t len) {
  struct kd_error *err = kd_archive_add(a, k, path, data, len);
  if (err) kd_error_destroy(err);   /* a refused path is refused both ways */
  else added++;
}

static void add_file(struct kd_archive *a, const char *path, size_t len, unsigned seed) {
  char *t = text(len, seed);
  add(a, KD_AR_FILE, path, t, len);
  free(t);
}

/* every kind of entry the writer may meet */
static void fill(struct kd_archive *a) {
  char p[1200], d[400], f[400];
  static const size_t sizes[] = { 0, 1, 511, 512, 513, 1024, 10000, 300000 };
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    snprintf(p, sizeof p, "sizes/file-%zu", sizes[i]);
    add_file(a, p, sizes[i], (unsigned)i);
  }
  add_file(a, "proc/version", 120, 7);
  /* one component (no '/' to split at) of every length around 100 */
  static const size_t single[] = { 1, 98, 99, 100, 101, 102, 155, 156, 254, 255, 256, 257 };
  for (size_t i = 0; i < sizeof single / sizeof single[0]; i++) {
    rep(p, 'n', single[i]);
    p[0] = (char)('A' + i);
    add_file(a, p, 10 + i, (unsigned)i);
  }
  /* a prefix of P bytes and a name of N: the split's limits */
  static const size_t plen[] = { 1, 50, 98, 99, 100, 153, 154, 155, 156, 157, 200 };
  static const size_t nlen[] = { 1, 2, 98, 99, 100, 101 };
  for (size_t i = 0; i < sizeof plen / sizeof plen[0]; i++)
    for (size_t j = 0; j < sizeof nlen / sizeof nlen[0]; j++) {
      rep(d, 'd', plen[i]);
      d[0] = (char)('a' + i);
      snprintf(p, sizeof p, "%s/%s", d, rep(f, 'f', nlen[j]));
      add_file(a, p, nlen[j], (unsigned)(i * 10 + j));
    }
  /* many short components: the split at the first '/' that fits */
  static const size_t total[] = { 99, 100, 101, 102, 150, 199, 254, 255, 256, 257, 300 };
  for (size_t i = 0; i < sizeof total / sizeof total[0]; i++) {
    int n = snprintf(p, sizeof p, "m%zu", total[i]);
    while ((size_t)n < total[i]) {
      size_t left = total[i] - (size_t)n;
      size_t c = left > 9 ? 8 : left - 1;
      if (c == 0) { p[n++] = 'z'; continue; }
      p[n++] = '/';
      memset(p + n, 'c', c);
      n += (int)c;
    }
    p[n] = '\0';
    add_file(a, p, total[i], (unsigned)i);
  }
  /* directories (their header path ends with '/': one byte longer) */
  static const size_t dlen[] = { 98, 99, 100, 101 };
  for (size_t i = 0; i < sizeof dlen / sizeof dlen[0]; i++) {
    add(a, KD_AR_DIR, rep(p, (char)('p' + i), dlen[i]), NULL, 0);
    snprintf(p, sizeof p, "q/%s", rep(d, (char)('p' + i), dlen[i] - 2));
    add(a, KD_AR_DIR, p, NULL, 0);
    snprintf(p, sizeof p, "%s/%s", rep(d, 'r', 155), rep(f, (char)('p' + i), dlen[i] - 1));
    add(a, KD_AR_DIR, p, NULL, 0);
    snprintf(p, sizeof p, "%s/%s", rep(d, 'u', 156), rep(f, (char)('p' + i), dlen[i] - 1));
    add(a, KD_AR_DIR, p, NULL, 0);
  }
  add(a, KD_AR_DIR, "emptydir", NULL, 0);
  /* non-ASCII and control characters */
  add_file(a, "caf\xc3\xa9/menu", 5, 1);
  add_file(a, "utf/\xe2\x82\xac", 3, 2);
  add_file(a, "bytes/\xff\xfe", 4, 3);
  add_file(a, "ctl/a\tb", 6, 4);
  add_file(a, "ctl/\x01\x7f", 6, 5);
  /* symlinks */
  add(a, KD_AR_SYMLINK, "links/empty", "", 0);
  add(a, KD_AR_SYMLINK, "links/short", "x", 1);
  add(a, KD_AR_SYMLINK, "links/up", "../../proc/1/fd", 15);
  add(a, KD_AR_SYMLINK, "links/t100", rep(d, 't', 100), 100);
  add(a, KD_AR_SYMLINK, "links/t101", rep(d, 't', 101), 101);
  add(a, KD_AR_SYMLINK, "links/t300", rep(d, 't', 300), 300);
  add(a, KD_AR_SYMLINK, "links/utf", "caf\xc3\xa9", 5);
  add(a, KD_AR_SYMLINK, "links/nul", "a\0b", 3);
  rep(d, 'v', 200);
  d[50] = '\0';
  add(a, KD_AR_SYMLINK, "links/nul50", d, 200);
  snprintf(p, sizeof p, "%s/%s", rep(d, 'w', 120), "link");
  add(a, KD_AR_SYMLINK, p, "target", 6);
  add(a, KD_AR_SYMLINK, rep(p, 'L', 101), "target", 6);
  /* a content compressed ahead of time (kallsyms' way), short and long name */
  char *t = text(70000, 99);
  char *xz;
  size_t xzlen;
  struct kd_error *err = kd_archive_content_xz(t, 70000, 0, 1, &xz, &xzlen);
  check(err == NULL, "kd_archive_content_xz");
  if (err == NULL) {
    struct kd_error *e1 = kd_archive_add_xz(a, "proc/kallsyms", xz, xzlen);
    struct kd_error *e2 = kd_archive_add_xz(a, rep(p, 'K', 130), xz, xzlen);
    check(e1 == NULL && e2 == NULL, "kd_archive_add_xz");
    kd_error_destroy(e1);
    kd_error_destroy(e2);
    free(xz);
  }
  kd_error_destroy(err);
  free(t);
}

static unsigned char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *b = malloc(n > 0 ? (size_t)n : 1);
  *len = fread(b, 1, (size_t)n, f);
  fclose(f);
  return b;
}

/* write the archive with or without the fast headers; the file's path in out */
static int write_one(bool fast, const struct kd_archive_options *o, bool spool,
                     bool two_parts, const char *name, char *out, size_t *fast_count) {
  struct kd_archive *a;
  if (kd_archive_new(&a)) return -1;
  if (spool) {
    struct kd_error *err = kd_archive_spool(a, dir);
    check(err == NULL, "spool");
    kd_error_destroy(err);
  }
  added = 0;
  fill(a);
  snprintf(out, PATH_MAX, "%s/%s-%s.tar.xz", dir, name, fast ? "fast" : "libarchive");
  kd_archive_set_fast_headers(fast);
  uint64_t size;
  char sha[65];
  struct kd_error *err;
  if (two_parts) {
    err = kd_archive_write_begin(a, out, o, "m");
    if (err == NULL) err = kd_archive_write_finish(a, &size, sha);
  } else {
    err = kd_archive_write_tar(a, out, o, &size, sha);
  }
  *fast_count = kd_archive_set_fast_headers(true);
  if (err) printf("# %s: %s\n", name, err->message);
  check(err == NULL, "%s (%s): written", name, fast ? "fast" : "libarchive");
  kd_error_destroy(err);
  kd_archive_free(a);
  return err ? -1 : 0;
}

int main(void) {
  if (mkdtemp(dir) == NULL) {
    perror("mkdtemp");
    return 1;
  }
  char top150[160];
  memset(top150, 'T', 150);
  top150[150] = '\0';
  const char *tops[] = { NULL, "sosreport-host-2026-12-08-abcdefg", top150 };
  static const int64_t mtimes[] = { 0, 1, 1765152000, 0x7ffffffe, 0x7fffffff, -1,
                                    4102444800LL, (int64_t)1 << 34 };
  size_t any_fast = 0;
  int cases = 0;
  for (size_t ti = 0; ti < sizeof tops / sizeof tops[0]; ti++)
    for (size_t mi = 0; mi < sizeof mtimes / sizeof mtimes[0]; mi++)
      for (int mode = 0; mode < 2; mode++) {
        struct kd_archive_options o = { .top = tops[ti], .mtime = mtimes[mi],
                                        .compression = "xz", .level = 0,
                                        .threads = mode ? 2 : 1 };
        char name[64], fa[PATH_MAX], la[PATH_MAX];
        snprintf(name, sizeof name, "t%zu-m%zu-%d", ti, mi, mode);
        size_t nfast = 0, nlib = 0;
        if (write_one(true, &o, mode, mode, name, fa, &nfast) != 0 ||
            write_one(false, &o, mode, mode, name, la, &nlib) != 0)
          continue;
        size_t flen = 0, llen = 0;
        unsigned char *fb = slurp(fa, &flen), *lb = slurp(la, &llen);
        bool same = fb && lb && flen == llen && memcmp(fb, lb, flen) == 0;
        check(same, "%s: the same bytes (%zu vs %zu), %zu headers made here", name, flen,
              llen, nfast);
        check(nlib == 0, "%s: libarchive alone made every header", name);
        /* in range, most entries take the fast path; out of range none */
        bool in_range = mtimes[mi] >= 0 && mtimes[mi] < 0x7fffffff;
        check(in_range ? nfast > (size_t)added / 2 : nfast == 0,
              "%s: %zu of %d entries' headers made here", name, nfast, added);
        any_fast += nfast;
        cases++;
        free(fb);
        free(lb);
        unlink(fa);
        unlink(la);
      }
  check(any_fast > 0, "the fast path ran (%zu headers)", any_fast);
  /* other compressions never take it */
  {
    struct kd_archive_options o = { .top = "top", .mtime = 5, .compression = "gzip",
                                    .level = 1, .threads = 1 };
    struct kd_archive *a;
    char out[PATH_MAX];
    snprintf(out, sizeof out, "%s/plain.tar.gz", dir);
    if (kd_archive_new(&a) == NULL) {
      add_file(a, "x", 10, 1);
      kd_archive_set_fast_headers(true);
      uint64_t size;
      char sha[65];
      struct kd_error *err = kd_archive_write_tar(a, out, &o, &size, sha);
      check(err == NULL && kd_archive_set_fast_headers(true) == 0,
            "gzip: every header from libarchive");
      kd_error_destroy(err);
      kd_archive_free(a);
      unlink(out);
    }
  }
  rmdir(dir);
  printf("%d cases; %d passed, %d failed\n", cases, passed, failed);
  return failed ? 1 : 0;
}
