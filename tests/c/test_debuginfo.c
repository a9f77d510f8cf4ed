/*
** test_debuginfo.c -- debug file lookup (host/debuginfo/debuginfo.c) and the
** decompression cache (host/debuginfo/debugcache.c).
**
** Parts that need no dump (cache on a small object compiled here, bad
** --vmlinux arguments) always run; the rest uses the real dump directory
** $KDLUA_TEST_VMCORE_DIR and is skipped (exit 77) when it is missing,
** unless CI=true.
*/
#define _GNU_SOURCE
#include "debuginfo/debugcache.h"
#include "debuginfo/debuginfo.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <elfutils/libdw.h>
#include <gelf.h>

static int passed, failed;

#define CHECK(cond, ...)                                         \
  do {                                                           \
    if (cond) {                                                  \
      passed++;                                                  \
    } else {                                                     \
      failed++;                                                  \
      printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);     \
      printf(__VA_ARGS__);                                       \
      printf("\n");                                              \
    }                                                            \
  } while (0)

static const char *RELEASE = "6.1.0-56-cloud-amd64";

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int rm_entry(const char *p, const struct stat *st, int flag,
                    struct FTW *ftw) {
  (void)st; (void)flag; (void)ftw;
  return remove(p);
}

static void rm_tree(const char *dir) {
  nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static char *join(const char *a, const char *b) {
  char *s;
  if (asprintf(&s, "%s/%s", a, b) < 0) abort();
  return s;
}

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (f == NULL) abort();
  fputs(text, f);
  fclose(f);
}

static const char *msg(struct kd_error *e) { return e ? e->message : "ok"; }

/* Number of units (CUs, partial and type units) libdw sees, -1 when it
** cannot open the file; *secs is the time dwarf_begin took. */
static long count_units(const char *path, double *secs) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -1;
  double t0 = now();
  Dwarf *dw = dwarf_begin(fd, DWARF_C_READ);
  if (secs) *secs = now() - t0;
  long n = -1;
  if (dw) {
    Dwarf_Off off = 0, next;
    size_t hsize;
    n = 0;
    while (dwarf_next_unit(dw, off, &next, &hsize, NULL, NULL, NULL, NULL,
                           NULL, NULL) == 0) {
      n++;
      off = next;
    }
    dwarf_end(dw);
  }
  close(fd);
  return n;
}

/*
** Compare the copy with the original section by section: same count,
** names (less a ".zdebug" 'z'), types, links, infos, addresses, nothing
** compressed in the copy, and identical inflated contents.
*/
static int same_sections(const char *orig, const char *copy, char *why,
                         size_t whysize) {
  int fa = open(orig, O_RDONLY), fb = open(copy, O_RDONLY);
  Elf *a = elf_begin(fa, ELF_C_READ_MMAP, NULL);
  Elf *b = elf_begin(fb, ELF_C_READ_MMAP, NULL);
  size_t na = 0, nb = 0, sa = 0, sb = 0, pa = 0, pb = 0;
  int ok = a && b && elf_getshdrnum(a, &na) == 0 &&
           elf_getshdrnum(b, &nb) == 0 && elf_getshdrstrndx(a, &sa) == 0 &&
           elf_getshdrstrndx(b, &sb) == 0 && elf_getphdrnum(a, &pa) == 0 &&
           elf_getphdrnum(b, &pb) == 0;
  if (!ok || na != nb || pa != pb) {
    snprintf(why, whysize, "headers differ (%zu/%zu sections, %zu/%zu phdrs)",
             na, nb, pa, pb);
    ok = 0;
  }
  for (size_t i = 1; ok && i < na; i++) {
    Elf_Scn *x = elf_getscn(a, i), *y = elf_getscn(b, i);
    GElf_Shdr hx, hy;
    gelf_getshdr(x, &hx);
    gelf_getshdr(y, &hy);
    const char *nx = elf_strptr(a, sa, hx.sh_name);
    const char *ny = elf_strptr(b, sb, hy.sh_name);
    char expect[256];
    const char *z = strstr(nx, ".zdebug");
    if (z)
      snprintf(expect, sizeof expect, "%.*s.%s", (int)(z - nx), nx, z + 2);
    else
      snprintf(expect, sizeof expect, "%s", nx);
    if (strcmp(expect, ny) != 0 || hx.sh_type != hy.sh_type ||
        hx.sh_link != hy.sh_link || hx.sh_info != hy.sh_info ||
        hx.sh_addr != hy.sh_addr || hx.sh_entsize != hy.sh_entsize ||
        (hy.sh_flags & SHF_COMPRESSED)) {
      snprintf(why, whysize, "section %zu (%s / %s) header differs", i, nx,
               ny);
      ok = 0;
      break;
    }
    if (hx.sh_type == SHT_NOBITS) {
      if (hx.sh_size != hy.sh_size) {
        snprintf(why, whysize, "NOBITS %s size differs", nx);
        ok = 0;
      }
      continue;
    }
    if (i == sa) continue;   /* names of ".zdebug" sections were rewritten */
    if (hx.sh_flags & SHF_COMPRESSED) elf_compress(x, 0, 0);
    else if (z && strncmp(nx, ".zdebug", 7) == 0) elf_compress_gnu(x, 0, 0);
    Elf_Data *dx = elf_rawdata(x, NULL), *dy = elf_rawdata(y, NULL);
    if (dx == NULL) dx = elf_getdata(x, NULL);
    size_t lx = dx ? dx->d_size : 0, ly = dy ? dy->d_size : 0;
    if (lx != ly || (lx && memcmp(dx->d_buf, dy->d_buf, lx) != 0)) {
      snprintf(why, whysize, "contents of %s differ (%zu / %zu bytes)", nx,
               lx, ly);
      ok = 0;
    }
  }
  for (size_t i = 0; ok && i < pa; i++) {
    GElf_Phdr x, y;
    gelf_getphdr(a, (int)i, &x);
    gelf_getphdr(b, (int)i, &y);
    if (x.p_type != y.p_type || x.p_vaddr != y.p_vaddr ||
        x.p_filesz != y.p_filesz || x.p_memsz != y.p_memsz) {
      snprintf(why, whysize, "program header %zu differs", i);
      ok = 0;
    }
  }
  if (a) elf_end(a);
  if (b) elf_end(b);
  close(fa);
  close(fb);
  return ok;
}

static int has_prefix(const char *s, const char *p) {
  return s && strncmp(s, p, strlen(p)) == 0;
}

/* ---------------------------------------------------------------- */

static const char tiny_c[] =
  "struct point { int x, y; const char *label; };\n"
  "struct shape { struct point corners[4]; unsigned long flags; };\n"
  "static struct shape shapes[8];\n"
  "int area(const struct shape *s) {\n"
  "  int w = s->corners[1].x - s->corners[0].x;\n"
  "  int h = s->corners[2].y - s->corners[0].y;\n"
  "  return w * h;\n"
  "}\n"
  "int total(void) { int t = 0; for (int i = 0; i < 8; i++) t += area(&shapes[i]);"
  " return t; }\n"
  "int main(void) { return total(); }\n";

/* Compile the tiny program with `flags` into `out`; 0 when it worked. */
static int compile(const char *dir, const char *flags, const char *out) {
  char *src = join(dir, "tiny.c");
  write_file(src, tiny_c);
  char *cmd;
  if (asprintf(&cmd, "gcc %s %s -o %s >/dev/null 2>&1", flags, src, out) < 0)
    abort();
  int r = system(cmd);
  free(cmd);
  free(src);
  return r;
}

static void test_cache_small(const char *tmp) {
  char *cache = join(tmp, "cache/sub");   /* does not exist yet */
  setenv("KDLUA_CACHE_DIR", cache, 1);
  char *dir = kd_debugcache_dir();
  struct stat st;
  CHECK(dir && strcmp(dir, cache) == 0, "dir %s", dir ? dir : "(null)");
  CHECK(stat(cache, &st) == 0 && S_ISDIR(st.st_mode) &&
        (st.st_mode & 0777) == 0700, "cache dir created with mode 0700");

  if (system("gcc --version >/dev/null 2>&1") != 0) {
    printf("skip: gcc missing, no compressed fixture for the cache test\n");
    free(dir);
    free(cache);
    return;
  }
  static const struct { const char *flags, *name; int exec; } kinds[] = {
    { "-g -O1 -gz=zlib -c", "tiny.o", 0 },
    { "-g -O1 -gz=zlib-gnu -c", "tiny-gnu.o", 0 },
    { "-g -O1 -gz=zlib -Wl,--build-id", "tiny-exe", 1 },
  };
  for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
    char *obj = join(tmp, kinds[k].name);
    if (compile(tmp, kinds[k].flags, obj) != 0) {
      printf("skip: gcc %s does not work here\n", kinds[k].flags);
      free(obj);
      continue;
    }
    char *usable = NULL, *warning = NULL;
    int created = -1;
    struct kd_error *err = kd_debugcache_get(obj, dir, &usable, &created,
                                             &warning);
    CHECK(err == NULL, "%s: %s", kinds[k].name, msg(err));
    CHECK(warning == NULL, "%s: warning %s", kinds[k].name, warning);
    CHECK(created == 1, "%s: created %d", kinds[k].name, created);
    CHECK(usable && has_prefix(usable, dir), "%s: copy in the cache: %s",
          kinds[k].name, usable ? usable : "(null)");
    if (usable && strcmp(usable, obj) != 0) {
      char why[256] = "";
      CHECK(same_sections(obj, usable, why, sizeof why), "%s: %s",
            kinds[k].name, why);
      long n0 = count_units(obj, NULL), n1 = count_units(usable, NULL);
      CHECK(n0 > 0 && n0 == n1, "%s: units %ld vs %ld", kinds[k].name, n0, n1);
      uint8_t *id0 = NULL, *id1 = NULL;
      size_t l0 = 0, l1 = 0;
      struct kd_error *e0 = kd_elf_build_id(obj, &id0, &l0);
      struct kd_error *e1 = kd_elf_build_id(usable, &id1, &l1);
      if (kinds[k].exec) {
        CHECK(e0 == NULL && e1 == NULL && l0 == l1 && l0 > 0 &&
              memcmp(id0, id1, l0) == 0, "%s: same build-id", kinds[k].name);
        char *hex = id0 ? kd_hex_string(id0, l0) : NULL;
        char *expect = hex ? join(dir, hex) : NULL;
        CHECK(expect && has_prefix(usable, expect), "%s named by build-id",
              usable);
        free(hex);
        free(expect);
      } else {
        CHECK(e0 && e0->code == KD_ERR_LOOKUP && e1 &&
              e1->code == KD_ERR_LOOKUP, "%s: no build-id: %s", kinds[k].name,
              msg(e0));
        CHECK(strstr(usable, "/nobuildid-") != NULL, "%s", usable);
      }
      kd_error_destroy(e0);
      kd_error_destroy(e1);
      free(id0);
      free(id1);
    }
    /* second call: reused */
    char *again = NULL, *w2 = NULL;
    int c2 = -1;
    err = kd_debugcache_get(obj, dir, &again, &c2, &w2);
    CHECK(err == NULL && c2 == 0 && again && usable &&
          strcmp(again, usable) == 0, "%s: reuse: created %d, %s",
          kinds[k].name, c2, again ? again : "(null)");
    free(again);
    free(w2);
    /* a damaged copy is made again */
    if (usable && strcmp(usable, obj) != 0 && truncate(usable, 100) == 0) {
      err = kd_debugcache_get(obj, dir, &again, &c2, &w2);
      CHECK(err == NULL && c2 == 1 && w2 == NULL && again &&
            strcmp(again, usable) == 0, "%s: truncated copy rewritten: %s",
            kinds[k].name, msg(err));
      kd_error_destroy(err);
      free(again);
      free(w2);
    }
    /* KDLUA_NO_CACHE=1: the original */
    setenv("KDLUA_NO_CACHE", "1", 1);
    err = kd_debugcache_get(obj, dir, &again, &c2, &w2);
    CHECK(err == NULL && again && strcmp(again, obj) == 0 && c2 == 0,
          "KDLUA_NO_CACHE: %s", again ? again : "(null)");
    unsetenv("KDLUA_NO_CACHE");
    free(again);
    free(w2);
    free(usable);
    free(warning);
    free(obj);
  }

  /* an unusable cache directory: original path and a warning, no error */
  char *obj = join(tmp, "tiny.o");
  char *notdir = join(tmp, "tiny.c/cache");
  char *usable = NULL, *warning = NULL;
  int created = -1;
  if (access(obj, F_OK) == 0) {
    struct kd_error *err = kd_debugcache_get(obj, notdir, &usable, &created,
                                             &warning);
    CHECK(err == NULL && usable && strcmp(usable, obj) == 0 && created == 0,
          "fallback: %s", msg(err));
    CHECK(warning && strchr(warning, '\n') == NULL, "one-line warning");
    kd_error_destroy(err);
  }
  free(usable);
  free(warning);
  /* a file without compressed sections is used as it is */
  char *plain = join(tmp, "plain.o");
  if (compile(tmp, "-g -c", plain) == 0) {
    struct kd_error *err = kd_debugcache_get(plain, dir, &usable, &created,
                                             &warning);
    CHECK(err == NULL && usable && strcmp(usable, plain) == 0 &&
          created == 0 && warning == NULL, "plain: %s", msg(err));
    free(usable);
    free(warning);
  }
  /* missing and non-ELF inputs are errors */
  char *none = join(tmp, "missing");
  struct kd_error *err = kd_debugcache_get(none, dir, &usable, &created,
                                           &warning);
  CHECK(err && err->code == KD_ERR_IO, "missing: %s", msg(err));
  kd_error_destroy(err);
  free(usable);
  free(warning);
  char *src = join(tmp, "tiny.c");
  err = kd_debugcache_get(src, dir, &usable, &created, &warning);
  CHECK(err && err->code == KD_ERR_FORMAT, "not ELF: %s", msg(err));
  kd_error_destroy(err);
  free(usable);
  free(warning);
  free(src);
  free(none);
  free(plain);
  free(obj);
  free(notdir);
  free(dir);
  free(cache);
}

static const char kernelish_c[] =
  "struct new_utsname { char sysname[65], nodename[65], release[65],\n"
  "  version[65], machine[65], domainname[65]; };\n"
  "struct uts_namespace { struct new_utsname name; void *user_ns; };\n"
  "#ifdef BANNER\n"
  "const char linux_banner[] = \"Linux version 9.9.9-kdtest (a@b) (gcc) #1\\n\";\n"
  "int main(void) { return linux_banner[0]; }\n"
  "#else\n"
  "struct uts_namespace init_uts_ns = { { \"Linux\", \"host\", \"9.8.7-uts\" } };\n"
  "int main(void) { return init_uts_ns.name.release[0]; }\n"
  "#endif\n";

/* With no build-id in the dump, the release held in the file decides:
** linux_banner in one fixture, init_uts_ns in the other. */
static void test_release_check(const char *tmp) {
  char *src = join(tmp, "kernelish.c");
  write_file(src, kernelish_c);
  static const struct { const char *flags, *name, *release; } fx[] = {
    { "-DBANNER -Wl,--build-id=none", "kbanner", "9.9.9-kdtest" },
    { "-Wl,--build-id=none", "kuts", "9.8.7-uts" },
  };
  for (size_t k = 0; k < 2; k++) {
    char *out = join(tmp, fx[k].name), *cmd;
    if (asprintf(&cmd, "gcc %s %s -o %s >/dev/null 2>&1", fx[k].flags, src,
                 out) < 0)
      abort();
    if (system(cmd) != 0) {
      printf("skip: cannot compile the %s fixture\n", fx[k].name);
      free(cmd);
      free(out);
      continue;
    }
    struct kd_debuginfo_query q = { 0 };
    struct kd_debuginfo_result r;
    q.explicit_vmlinux = out;
    q.release = fx[k].release;
    struct kd_error *err = kd_debuginfo_find_vmlinux(&q, &r);
    CHECK(err == NULL && r.vmlinux_path, "%s: release match: %s",
          fx[k].name, msg(err));
    kd_error_destroy(err);
    kd_debuginfo_result_free(&r);
    q.release = "1.2.3-other";
    err = kd_debuginfo_find_vmlinux(&q, &r);
    CHECK(err && err->code == KD_ERR_MISMATCH &&
          strstr(err->message, fx[k].release) &&
          strstr(err->message, "1.2.3-other"), "%s: mismatch: %s",
          fx[k].name, msg(err));
    kd_error_destroy(err);
    kd_debuginfo_result_free(&r);
    /* the dump has a build-id, the file none: the release still decides */
    q.build_id_hex = "00112233445566778899aabbccddeeff00112233";
    q.release = fx[k].release;
    err = kd_debuginfo_find_vmlinux(&q, &r);
    CHECK(err == NULL && r.vmlinux_path && r.build_id_hex == NULL,
          "%s: file without build-id: %s", fx[k].name, msg(err));
    kd_error_destroy(err);
    kd_debuginfo_result_free(&r);
    free(cmd);
    free(out);
  }
  free(src);
}

static void test_explicit_errors(const char *tmp) {
  struct kd_debuginfo_query q = { 0 };
  struct kd_debuginfo_result r;
  char *missing = join(tmp, "no-such-vmlinux");
  q.explicit_vmlinux = missing;
  struct kd_error *err = kd_debuginfo_find_vmlinux(&q, &r);
  CHECK(err && err->code == KD_ERR_IO && strstr(err->message, missing),
        "missing: %s", msg(err));
  CHECK(r.vmlinux_path == NULL, "no path on error");
  kd_error_destroy(err);
  kd_debuginfo_result_free(&r);

  char *text = join(tmp, "vmlinux-text");
  write_file(text, "this is not an ELF file\n");
  q.explicit_vmlinux = text;
  err = kd_debuginfo_find_vmlinux(&q, &r);
  CHECK(err && err->code == KD_ERR_FORMAT && strstr(err->message, text),
        "not ELF: %s", msg(err));
  kd_error_destroy(err);
  kd_debuginfo_result_free(&r);
  free(missing);
  free(text);
}

/* The build-id the fixture README states: "Build ID `hex`". */
static char *readme_build_id(const char *vdir) {
  char *p = join(vdir, "README.md");
  FILE *f = fopen(p, "r");
  free(p);
  if (f == NULL) return NULL;
  char line[4096], *id = NULL;
  while (id == NULL && fgets(line, sizeof line, f)) {
    char *s = strstr(line, "Build ID `");
    if (s) {
      s += strlen("Build ID `");
      char *e = strchr(s, '`');
      if (e) id = strndup(s, (size_t)(e - s));
    }
  }
  fclose(f);
  return id;
}

static int has_note(const struct kd_debuginfo_result *r, const char *a,
                    const char *b) {
  for (size_t i = 0; i < r->nnotes; i++)
    if (strstr(r->notes[i], a) && (b == NULL || strstr(r->notes[i], b)))
      return 1;
  return 0;
}

static void test_vmlinux(const char *vdir, const char *tmp) {
  char *vmlinux = join(vdir, "vmlinux");
  char *want = readme_build_id(vdir);
  CHECK(want && strlen(want) == 40, "README states a build-id");
  if (want == NULL) want = strdup("?");

  uint8_t *id = NULL;
  size_t len = 0;
  struct kd_error *err = kd_elf_build_id(vmlinux, &id, &len);
  char *hex = id ? kd_hex_string(id, len) : NULL;
  CHECK(err == NULL && hex && strcmp(hex, want) == 0, "build-id %s: %s",
        hex ? hex : "(none)", msg(err));
  kd_error_destroy(err);
  free(id);
  free(hex);

  struct kd_debuginfo_query q = { 0 };
  struct kd_debuginfo_result r;
  q.release = RELEASE;
  q.build_id_hex = want;
  q.explicit_vmlinux = vmlinux;
  err = kd_debuginfo_find_vmlinux(&q, &r);
  CHECK(err == NULL && r.vmlinux_path && strcmp(r.vmlinux_path, vmlinux) == 0
        && r.build_id_hex && strcmp(r.build_id_hex, want) == 0,
        "explicit match: %s", msg(err));
  kd_error_destroy(err);
  kd_debuginfo_result_free(&r);

  const char *other = "00112233445566778899aabbccddeeff00112233";
  q.build_id_hex = other;
  err = kd_debuginfo_find_vmlinux(&q, &r);
  CHECK(err && err->code == KD_ERR_MISMATCH && strstr(err->message, other) &&
        strstr(err->message, want) && strstr(err->message, "--force"),
        "explicit mismatch: %s", msg(err));
  CHECK(r.vmlinux_path == NULL, "no path on mismatch");
  kd_error_destroy(err);
  kd_debuginfo_result_free(&r);
  q.force = 1;
  err = kd_debuginfo_find_vmlinux(&q, &r);
  CHECK(err == NULL && r.vmlinux_path && has_note(&r, "warning", NULL),
        "forced: %s", msg(err));
  kd_error_destroy(err);
  kd_debuginfo_result_free(&r);
  q.force = 0;

  /* no BUILD-ID in the dump: the reduced file has no readable banner, so
  ** the release must be in the path */
  q.build_id_hex = NULL;
  err = kd_debuginfo_find_vmlinux(&q, &r);
  CHECK(err && err->code == KD_ERR_MISMATCH, "release not in path: %s",
        msg(err));
  kd_error_destroy(err);
  kd_debuginfo_result_free(&r);
  char *link = join(tmp, "vmlinux-6.1.0-56-cloud-amd64");
  CHECK(symlink(vmlinux, link) == 0, "symlink: %s", strerror(errno));
  q.explicit_vmlinux = link;
  err = kd_debuginfo_find_vmlinux(&q, &r);
  CHECK(err == NULL && r.vmlinux_path, "release in path: %s", msg(err));
  kd_error_destroy(err);
  kd_debuginfo_result_free(&r);

  /* searching: --debuginfo-dir, then next to the vmcore */
  q.explicit_vmlinux = NULL;
  q.build_id_hex = want;
  const char *dirs[] = { vdir };
  q.dirs = dirs;
  q.ndirs = 1;
  double t0 = now();
  err = kd_debuginfo_find_vmlinux(&q, &r);
  double t = now() - t0;
  CHECK(err == NULL && r.vmlinux_path &&
        strcmp(r.vmlinux_path + strlen(r.vmlinux_path) - 8, "/vmlinux") == 0,
        "search dirs: %s", msg(err));
  CHECK(r.nnotes > 0 && has_note(&r, "using", NULL), "notes say what was used");
  printf("search in %s: %.3f s, %zu notes\n", vdir, t, r.nnotes);
  for (size_t i = 0; i < r.nnotes; i++) printf("  note: %s\n", r.notes[i]);
  kd_error_destroy(err);
  kd_debuginfo_result_free(&r);

  char *vmcore = join(vdir, "vmcore");
  q.dirs = NULL;
  q.ndirs = 0;
  q.vmcore_path = vmcore;
  err = kd_debuginfo_find_vmlinux(&q, &r);
  CHECK(err == NULL && r.vmlinux_path && strcmp(r.vmlinux_path, vmlinux) == 0,
        "next to the vmcore: %s", msg(err));
  kd_error_destroy(err);
  kd_debuginfo_result_free(&r);

  /* a dump of another kernel: nothing found, the rejection is noted */
  q.build_id_hex = other;
  err = kd_debuginfo_find_vmlinux(&q, &r);
  CHECK(err == NULL && r.vmlinux_path == NULL, "mismatch search: %s",
        msg(err));
  CHECK(has_note(&r, "rejected", "build-id"), "rejection noted");
  kd_error_destroy(err);
  kd_debuginfo_result_free(&r);
  q.force = 1;
  err = kd_debuginfo_find_vmlinux(&q, &r);
  CHECK(err == NULL && r.vmlinux_path && has_note(&r, "warning", NULL),
        "forced search: %s", msg(err));
  kd_error_destroy(err);
  kd_debuginfo_result_free(&r);

  free(vmcore);
  free(link);
  free(want);
  free(vmlinux);
}

static void test_modules(const char *vdir, const char *tmp) {
  char *mods = join(vdir, "modules");
  char *fake = join(tmp, "fakemods");
  mkdir(fake, 0755);
  char *xz = join(fake, "fake_mod.ko.xz");
  write_file(xz, "not really xz\n");
  const char *dirs[] = { mods, fake };
  struct kd_module_finder *f = NULL;
  double t0 = now();
  struct kd_error *err = kd_module_finder_new(RELEASE, dirs, 2, &f);
  double t = now() - t0;
  CHECK(err == NULL && f, "finder: %s", msg(err));
  kd_error_destroy(err);
  printf("module index: %zu files in %.3f s\n", kd_module_finder_count(f), t);
  static const char *names[] = { "virtio_blk", "qemu_fw_cfg",
                                 "virtio_pci_modern_dev", "virtio-pci", "tun" };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    const char *p = kd_module_finder_lookup(f, names[i]);
    CHECK(p && has_prefix(p, mods), "%s -> %s", names[i], p ? p : "(null)");
  }
  const char *p = kd_module_finder_lookup(f, "virtio_blk");
  if (p) {
    uint8_t *id = NULL;
    size_t len = 0;
    err = kd_elf_build_id(p, &id, &len);
    CHECK(err == NULL && len == 20, "module build-id: %s", msg(err));
    kd_error_destroy(err);
    free(id);
  }
  CHECK(kd_module_finder_lookup(f, "no_such_module") == NULL, "unknown");
  const char *why = kd_module_finder_why(f, "no_such_module");
  CHECK(why && strstr(why, "no_such_module"), "why: %s", why);
  CHECK(kd_module_finder_lookup(f, "fake_mod") == NULL, "xz not supported");
  why = kd_module_finder_why(f, "fake-mod");
  CHECK(why && strstr(why, ".ko.xz") && strstr(why, "not supported"),
        "why xz: %s", why);
  kd_module_finder_free(f);
  free(xz);
  free(fake);
  free(mods);
}

static void test_cache_real(const char *vdir, const char *cache_env,
                            const char *tmp) {
  char *dir = NULL;
  if (cache_env && *cache_env) {
    setenv("KDLUA_CACHE_DIR", cache_env, 1);
    dir = kd_debugcache_dir();
  } else {
    dir = join(tmp, "real-cache");
    mkdir(dir, 0700);
  }
  CHECK(dir != NULL, "cache dir");
  if (dir == NULL) return;
  char *vmlinux = join(vdir, "vmlinux");
  char *usable = NULL, *warning = NULL;
  int created = -1;
  double t0 = now();
  struct kd_error *err = kd_debugcache_get(vmlinux, dir, &usable, &created,
                                           &warning);
  double t = now() - t0;
  CHECK(err == NULL && usable && warning == NULL, "%s %s", msg(err),
        warning ? warning : "");
  printf("vmlinux cache: %s in %.3f s (%s)\n", created ? "created" : "reused",
         t, usable ? usable : "(null)");
  if (usable && strcmp(usable, vmlinux) != 0) {
    free(usable);
    free(warning);
    t0 = now();
    err = kd_debugcache_get(vmlinux, dir, &usable, &created, &warning);
    t = now() - t0;
    CHECK(err == NULL && created == 0, "reuse: %s", msg(err));
    CHECK(t < 0.2, "reuse takes %.3f s", t);
    printf("vmlinux cache: reused in %.3f s\n", t);
    double t_orig = 0, t_copy = 0;
    long n1 = count_units(usable, &t_copy);
    long n0 = count_units(vmlinux, &t_orig);
    printf("dwarf_begin: original %.3f s, copy %.3f s; %ld / %ld units\n",
           t_orig, t_copy, n0, n1);
    CHECK(n0 > 0 && n0 == n1, "units %ld vs %ld", n0, n1);
    CHECK(t_copy < 0.1, "dwarf_begin on the copy takes %.3f s", t_copy);
    char why[256] = "";
    CHECK(same_sections(vmlinux, usable, why, sizeof why), "%s", why);
    uint8_t *a = NULL, *b = NULL;
    size_t la = 0, lb = 0;
    struct kd_error *ea = kd_elf_build_id(vmlinux, &a, &la);
    struct kd_error *eb = kd_elf_build_id(usable, &b, &lb);
    CHECK(!ea && !eb && la == lb && memcmp(a, b, la) == 0, "same build-id");
    kd_error_destroy(ea);
    kd_error_destroy(eb);
    free(a);
    free(b);
  }
  kd_error_destroy(err);
  free(usable);
  free(warning);

  /* a module: relocation sections and contents preserved */
  char *ko = join(vdir, "modules/kernel/drivers/block/virtio_blk.ko");
  err = kd_debugcache_get(ko, dir, &usable, &created, &warning);
  CHECK(err == NULL && usable && strcmp(usable, ko) != 0, "ko: %s", msg(err));
  if (usable && strcmp(usable, ko) != 0) {
    char why[256] = "";
    CHECK(same_sections(ko, usable, why, sizeof why), "ko: %s", why);
    long n0 = count_units(ko, NULL), n1 = count_units(usable, NULL);
    CHECK(n0 > 0 && n0 == n1, "ko units %ld vs %ld", n0, n1);
  }
  kd_error_destroy(err);
  free(usable);
  free(warning);
  free(ko);
  free(vmlinux);
  free(dir);
}

int main(void) {
  elf_version(EV_CURRENT);
  const char *cache_env = getenv("KDLUA_CACHE_DIR");
  char *saved_cache = cache_env ? strdup(cache_env) : NULL;
  char tmpl[] = "/tmp/kdlua-test-debuginfo-XXXXXX";
  char *tmp = mkdtemp(tmpl);
  if (tmp == NULL) {
    perror("mkdtemp");
    return 1;
  }

  test_cache_small(tmp);
  test_explicit_errors(tmp);
  if (system("gcc --version >/dev/null 2>&1") == 0) test_release_check(tmp);

  const char *vdir = getenv("KDLUA_TEST_VMCORE_DIR");
  char *probe = vdir ? join(vdir, "vmlinux") : NULL;
  int have_dump = probe && access(probe, R_OK) == 0;
  free(probe);
  if (have_dump) {
    test_vmlinux(vdir, tmp);
    test_modules(vdir, tmp);
    test_cache_real(vdir, saved_cache, tmp);
  }
  rm_tree(tmp);
  free(saved_cache);

  printf("%d passed, %d failed\n", passed, failed);
  if (failed) return 1;
  if (!have_dump) {
    const char *ci = getenv("CI");
    printf("real dump not found (KDLUA_TEST_VMCORE_DIR=%s)\n",
           vdir ? vdir : "(unset)");
    return ci && strcmp(ci, "true") == 0 ? 1 : 77;
  }
  return 0;
}
