/*
** rodata.c -- format strings looked up in the kernel's read-only data
** (see rodata.h).
**
** The scan of the dump's pages is what costs: [__start_rodata,
** __end_rodata) is ~8 MB on a distribution kernel, ~2,000 compressed dump
** pages to inflate (~70 ms, serial in the report's main process, for a few
** format strings).  The string literals there are the kernel image's
** (boot relocates pointers, init writes .data..ro_after_init, neither
** touches a literal), so the answer depends on the build alone: it is
** kept per build-id next to the name index, and a later run on a dump of
** the same kernel reads one small file instead.  A first run scans only
** the .rodata section when a vmlinux says where it is (see
** narrow_to_section).  (Not done: scanning a
** vmlinux that holds its sections' contents instead of the dump -- the
** debug files distributions ship are debug-only, .rodata NOBITS.)
*/
#define _GNU_SOURCE
#include "rodata.h"

#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/input.h"
#include "debuginfo/debugcache.h"
#include "debuginfo/debuginfo.h"

#define CACHE_MAGIC "kdlua-rodata 1\n"

/* {====== the per-build cache: "<0|1> <hex of the string>\n" a line ====== */

/* The running kernel's build-id names its answers: VMCOREINFO's BUILD-ID
** (5.9+), else the vmlinux's -- unless --force took one that may be
** another build's.  Only hex digits make a file name. */
static const char *build_key(struct kd_program *prog) {
  const char *id = kd_dump_vmcoreinfo(prog->dump, "BUILD-ID");
  if (id == NULL || *id == '\0') id = prog->opts.force ? NULL : prog->build_id;
  if (id == NULL || strlen(id) > 128 || strspn(id, "0123456789abcdef") != strlen(id))
    return NULL;
  return id;
}

static char *cache_path(struct kd_program *prog) {
  const char *id = build_key(prog);
  if (id == NULL || prog->cache_dir == NULL || kd_env_flag("KDLUA_NO_CACHE")) return NULL;
  char *p;
  if (asprintf(&p, "%s/%s.rodata", prog->cache_dir, id) < 0) return NULL;
  return p;
}

static char *hex_line(const char *s, size_t len, bool found) {
  /* "\n" "<0|1> " hex "\n" NUL */
  char *out = malloc(2 * len + 5);
  if (out == NULL) return NULL;
  static const char digits[] = "0123456789abcdef";
  size_t k = 0;
  out[k++] = '\n';
  out[k++] = found ? '1' : '0';
  out[k++] = ' ';
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    out[k++] = digits[c >> 4];
    out[k++] = digits[c & 15];
  }
  out[k++] = '\n';
  out[k] = '\0';
  return out;
}

/* the cache file's text (NUL-terminated; starts with "\n" so every line is
** "\n<0|1> hex\n"-searchable), or NULL when absent or not ours */
static char *cache_read(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  struct stat st;
  char *text = NULL;
  if (fstat(fileno(f), &st) == 0 && st.st_size > 0 && st.st_size < (1 << 20)) {
    size_t n = (size_t)st.st_size;
    text = malloc(n + 2);
    if (text && fread(text + 1, 1, n, f) == n) {
      text[0] = '\n';
      text[n + 1] = '\0';
      if (strncmp(text + 1, CACHE_MAGIC, strlen(CACHE_MAGIC)) != 0 || text[n] != '\n') {
        free(text);
        text = NULL;
      }
    } else {
      free(text);
      text = NULL;
    }
  }
  fclose(f);
  return text;
}

/* 1 found, 0 not, -1 not in the cache (or out of memory) */
static int cache_lookup(const char *text, const char *s, size_t len) {
  if (text == NULL) return -1;
  int answer = -1;
  for (int found = 1; found >= 0 && answer < 0; found--) {
    char *line = hex_line(s, len, found);
    if (line == NULL) return -1;
    if (strstr(text, line)) answer = found;
    free(line);
  }
  return answer;
}

/* the old lines and the new answers, written under a temporary name and
** renamed (another run may be writing the same file: either is whole) */
static void cache_write(struct kd_program *prog, const char *path, const char *old,
                        const char *const *strs, const size_t *lens, size_t n,
                        const bool *found, const bool *asked) {
  if (kd_make_dirs(prog->cache_dir) != 0) return;
  char *tmp;
  if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0) return;
  FILE *f = fopen(tmp, "wb");
  if (f == NULL) { free(tmp); return; }
  bool ok = true;
  if (old) ok = fputs(old + 1, f) >= 0;
  else ok = fputs(CACHE_MAGIC, f) >= 0;
  for (size_t i = 0; ok && i < n; i++) {
    if (!asked[i]) continue;
    char *line = hex_line(strs[i], lens[i], found[i]);
    ok = line && fputs(line + 1, f) >= 0;
    free(line);
  }
  ok = (fclose(f) == 0) && ok;
  if (!ok || rename(tmp, path) != 0) unlink(tmp);
  free(tmp);
}

/* }====== */

/* {====== scans ====== */

static void scan_buffer(const char *buf, size_t len, const char *const *strs,
                        const size_t *lens, size_t n, const bool *asked, bool *found) {
  for (size_t i = 0; i < n; i++)
    if (asked[i] && !found[i] && lens[i] <= len && memmem(buf, len, strs[i], lens[i]))
      found[i] = true;
}

/* String literals are in the .rodata output section (the linker script's
** RO_DATA puts *(.rodata) *(.rodata.*) there), the first ~45% of
** [__start_rodata, __end_rodata): exception, ksymtab, param and ORC tables
** make the rest.  With a vmlinux, its section header (present in a
** debug-only file too, NOBITS) narrows the scan of the dump to it: *a, *b
** shrink to the section at its run-time address; left alone otherwise. */
static void narrow_to_section(struct kd_program *prog, uint64_t *a, uint64_t *b) {
  if (prog->vmlinux_read_path == NULL || prog->opts.force) return;
  const char *why;
  int fd = kd_open_input(prog->vmlinux_read_path, &why);
  if (fd < 0) return;
  elf_version(EV_CURRENT);
  Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
  GElf_Shdr sh;
  if (kd_elf_section(elf, ".rodata", &sh) && (sh.sh_flags & SHF_ALLOC)) {
    uint64_t lo = sh.sh_addr + prog->kaslr_offset, hi = lo + sh.sh_size;
    /* only a section that lies in the range (the same build): else the
    ** whole range is scanned */
    if (sh.sh_size > 0 && lo >= *a && hi <= *b) {
      *a = lo;
      *b = hi;
    }
  }
  if (elf) elf_end(elf);
  close(fd);
}

/* The dump's pages of [a, b), in chunks that overlap by the longest
** string so none is missed at an edge.  Returns whether every chunk read. */
static bool scan_dump(struct kd_program *prog, uint64_t a, uint64_t b, char *buf,
                      size_t chunk, size_t longest, const char *const *strs,
                      const size_t *lens, size_t n, const bool *asked, bool *found) {
  bool whole = true;
  for (uint64_t pos = a; pos < b; pos += chunk) {
    size_t want = (size_t)(b - pos < chunk + longest ? b - pos : chunk + longest);
    struct kd_error *err = kd_program_read(prog, pos, buf, want);
    if (err) {
      kd_error_destroy(err);
      whole = false;
      continue;
    }
    scan_buffer(buf, want, strs, lens, n, asked, found);
  }
  return whole;
}

/* }====== */

struct kd_error *kd_program_rodata_has(struct kd_program *prog,
                                       const char *const *strs, const size_t *lens,
                                       size_t n, bool *found,
                                       enum kd_rodata_source *source) {
  if (source) *source = KD_RODATA_NONE;
  for (size_t i = 0; i < n; i++) found[i] = false;
  if (n == 0) return NULL;
  uint64_t a, b;
  struct kd_error *err = kd_program_find_symbol(prog, "__start_rodata", &a, NULL);
  if (err == NULL) err = kd_program_find_symbol(prog, "__end_rodata", &b, NULL);
  if (err) {
    bool nomem = err == kd_enomem;
    kd_error_destroy(err);
    return nomem ? kd_enomem : NULL;   /* no bounds: nothing is found */
  }
  if (b <= a) return NULL;

  bool *asked = calloc(n, sizeof *asked);
  if (asked == NULL) return kd_enomem;
  char *path = cache_path(prog);
  char *old = path ? cache_read(path) : NULL;
  size_t nasked = 0, longest = 0;
  for (size_t i = 0; i < n; i++) {
    int c = cache_lookup(old, strs[i], lens[i]);
    if (c >= 0) {
      found[i] = c == 1;
    } else {
      asked[i] = true;
      nasked++;
      if (lens[i] > longest) longest = lens[i];
    }
  }
  if (nasked == 0) {
    if (source) *source = KD_RODATA_CACHE;
  } else {
    narrow_to_section(prog, &a, &b);
    size_t chunk = 1 << 20;
    char *buf = malloc(chunk + longest);
    if (buf == NULL) {
      free(asked);
      free(old);
      free(path);
      return kd_enomem;
    }
    bool whole = scan_dump(prog, a, b, buf, chunk, longest, strs, lens, n, asked, found);
    free(buf);
    if (source) *source = KD_RODATA_DUMP;
    /* an answer from pages the dump lacks is this dump's, not the build's */
    if (whole && path) cache_write(prog, path, old, strs, lens, n, found, asked);
  }
  free(asked);
  free(old);
  free(path);
  return NULL;
}
