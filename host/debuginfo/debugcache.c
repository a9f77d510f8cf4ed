/*
** debugcache.c -- uncompressed copies of debug files (see debugcache.h).
**
** The copy is made with libelf alone: every section keeps its index, type,
** flags, address, link and info, so symbol tables and the relocation
** sections of a .ko stay valid; compressed sections (SHF_COMPRESSED, and
** the older ".zdebug" form) are written inflated.  Sections keep their
** file order and offsets up to the first one that grew; later ones slide
** by the growth, and program headers follow their sections.  A copy is
** written under a temporary name, checked (opens with libdw, same
** build-id), then renamed into place, so a reader never sees half a file.
*/
#define _GNU_SOURCE
#include "debugcache.h"
#include "debuginfo.h"
#include "base/child.h"
#include "base/fnv.h"
#include "base/input.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <elf.h>
#include <elfutils/libdw.h>
#include <gelf.h>
#include <libelf.h>


/* ---------------------------------------------------------------- */
/* the cache directory */

int kd_make_dirs(const char *path) {
  char *p = strdup(path);
  if (p == NULL) return -1;
  for (char *s = p + 1; ; s++) {
    if (*s != '/' && *s != '\0') continue;
    char c = *s;
    *s = '\0';
    if (mkdir(p, 0700) != 0 && errno != EEXIST) {
      free(p);
      return -1;
    }
    *s = c;
    if (c == '\0') break;
  }
  free(p);
  struct stat st;
  if (stat(path, &st) != 0) return -1;
  if (!S_ISDIR(st.st_mode)) {
    errno = ENOTDIR;
    return -1;
  }
  return access(path, W_OK | X_OK);
}

char *kd_debugcache_dir(void) {
  const char *e;
  char *dir = NULL;
  if ((e = getenv("KDLUA_CACHE_DIR")) != NULL && *e) {
    dir = strdup(e);
  } else if ((e = getenv("XDG_CACHE_HOME")) != NULL && e[0] == '/') {
    if (asprintf(&dir, "%s/kdlua", e) < 0) dir = NULL;
  } else if ((e = getenv("HOME")) != NULL && *e) {
    if (asprintf(&dir, "%s/.cache/kdlua", e) < 0) dir = NULL;
  }
  if (dir && kd_make_dirs(dir) != 0) {
    free(dir);
    dir = NULL;
  }
  return dir;
}


/* ---------------------------------------------------------------- */
/* inspecting files */

static int is_zdebug(const char *name) {
  return name && strncmp(name, ".zdebug", 7) == 0;
}

static const char *section_name(Elf *elf, size_t shstrndx,
                                const GElf_Shdr *sh) {
  const char *n = elf_strptr(elf, shstrndx, sh->sh_name);
  return n ? n : "";
}

/*
** The first nonzero answer of `test` over the file's sections that occupy
** bytes in it (not SHT_NOBITS), or 0: the section walk the checks below
** share.
*/
typedef int (*section_test)(Elf_Scn *scn, const GElf_Shdr *sh,
                            const char *name);

static int any_section(Elf *elf, section_test test) {
  size_t shnum, shstrndx;
  if (elf_getshdrnum(elf, &shnum) != 0 ||
      elf_getshdrstrndx(elf, &shstrndx) != 0)
    return 0;
  for (size_t i = 1; i < shnum; i++) {
    GElf_Shdr sh;
    Elf_Scn *scn = elf_getscn(elf, i);
    if (scn == NULL || gelf_getshdr(scn, &sh) == NULL ||
        sh.sh_type == SHT_NOBITS)
      continue;
    int r = test(scn, &sh, section_name(elf, shstrndx, &sh));
    if (r) return r;
  }
  return 0;
}

/* Contents that libdw would inflate at open. */
static int is_compressed(Elf_Scn *scn, const GElf_Shdr *sh,
                         const char *name) {
  (void)scn;
  return sh->sh_size != 0 &&
         ((sh->sh_flags & SHF_COMPRESSED) || is_zdebug(name));
}

/* A .gnu_debugaltlink with a relative path is resolved against the
** directory of the file that names it: a copy elsewhere would lose it.
** (1: relative; -1: absolute or empty, which ends the walk as well.) */
static int is_relative_altlink(Elf_Scn *scn, const GElf_Shdr *sh,
                               const char *name) {
  (void)sh;
  if (strcmp(name, ".gnu_debugaltlink") != 0) return 0;
  Elf_Data *d = elf_rawdata(scn, NULL);
  return d && d->d_size > 0 && ((const char *)d->d_buf)[0] != '/' ? 1 : -1;
}

static int has_compressed_sections(Elf *elf) {
  return any_section(elf, is_compressed);
}

static int has_relative_altlink(Elf *elf) {
  return any_section(elf, is_relative_altlink) == 1;
}

/*
** Is `path` a complete, usable copy of `orig`: ELF, every section and the
** section table inside the file, nothing compressed, the same sections
** (count, types, and sizes of those that were not inflated), and (when `id`
** is given) the same build-id?  Comparing the sections tells the copy of a
** reduced debug file from that of a full one with the same build-id.  On
** failure *why says what is wrong.
*/
static int copy_is_valid(const char *path, Elf *orig, const uint8_t *id,
                         size_t idlen, const char **why) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *why = "cannot open";
    return 0;
  }
  int ok = 0;
  struct stat st;
  Elf *elf = NULL;
  GElf_Ehdr eh;
  size_t shnum, shstrndx;
  if (fstat(fd, &st) != 0 ||
      (elf = elf_begin(fd, ELF_C_READ_MMAP, NULL)) == NULL ||
      elf_kind(elf) != ELF_K_ELF || gelf_getehdr(elf, &eh) == NULL ||
      elf_getshdrnum(elf, &shnum) != 0 ||
      elf_getshdrstrndx(elf, &shstrndx) != 0) {
    *why = "not a readable ELF file";
    goto out;
  }
  uint64_t size = (uint64_t)st.st_size;
  if (eh.e_shoff + (uint64_t)shnum * eh.e_shentsize > size) {
    *why = "truncated (section table)";
    goto out;
  }
  size_t onum, ostrndx;
  if (elf_getshdrnum(orig, &onum) != 0 ||
      elf_getshdrstrndx(orig, &ostrndx) != 0 || onum != shnum) {
    *why = "different sections";
    goto out;
  }
  for (size_t i = 1; i < shnum; i++) {
    GElf_Shdr sh;
    Elf_Scn *scn = elf_getscn(elf, i);
    if (scn == NULL || gelf_getshdr(scn, &sh) == NULL) {
      *why = "unreadable section header";
      goto out;
    }
    GElf_Shdr osh;
    Elf_Scn *oscn = elf_getscn(orig, i);
    if (oscn == NULL || gelf_getshdr(oscn, &osh) == NULL ||
        osh.sh_type != sh.sh_type ||
        (i != ostrndx && !(osh.sh_flags & SHF_COMPRESSED) &&
         !is_zdebug(section_name(orig, ostrndx, &osh)) &&
         osh.sh_size != sh.sh_size)) {
      *why = "different sections";
      goto out;
    }
    if (sh.sh_type == SHT_NOBITS) continue;
    if (sh.sh_offset + sh.sh_size > size) {
      *why = "truncated (section contents)";
      goto out;
    }
    if ((sh.sh_flags & SHF_COMPRESSED) ||
        (sh.sh_size && is_zdebug(section_name(elf, shstrndx, &sh)))) {
      *why = "still has compressed sections";
      goto out;
    }
  }
  if (id) {
    uint8_t *cid = NULL;
    size_t clen = 0;
    struct kd_error *err = kd_elf_build_id_elf(elf, &cid, &clen);
    int same = err == NULL && clen == idlen && memcmp(cid, id, idlen) == 0;
    kd_error_destroy(err);
    free(cid);
    if (!same) {
      *why = "different build-id";
      goto out;
    }
  }
  ok = 1;
out:
  if (elf) elf_end(elf);
  close(fd);
  return ok;
}

/* Does libdw accept the file? */
static int dwarf_opens(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
  Dwarf *dw = elf ? dwarf_begin_elf(elf, DWARF_C_READ, NULL) : NULL;
  int ok = dw != NULL;
  if (dw) dwarf_end(dw);
  if (elf) elf_end(elf);
  close(fd);
  return ok;
}


/* ---------------------------------------------------------------- */
/* writing the uncompressed copy */

struct sec {
  GElf_Shdr o;       /* header in the original */
  GElf_Shdr n;       /* header to write */
  Elf_Data *d;       /* contents to write; NULL for NOBITS / empty */
  int resized;       /* contents changed size (inflated) */
};

struct layout {
  struct sec *s;     /* indexed by section number, s[0] unused */
  size_t *order;     /* file-backed sections by original offset */
  size_t norder;
};

static uint64_t round_up(uint64_t x, uint64_t align) {
  return align > 1 ? (x + align - 1) / align * align : x;
}

static int cmp_offsets(const void *a, const void *b, void *arg) {
  const struct sec *s = arg;
  size_t x = *(const size_t *)a, y = *(const size_t *)b;
  if (s[x].o.sh_offset != s[y].o.sh_offset)
    return s[x].o.sh_offset < s[y].o.sh_offset ? -1 : 1;
  return x < y ? -1 : x > y;
}

/* Where original file offset `x` lands in the copy: inside a section it
** moves with that section, elsewhere with the section before it. */
static uint64_t map_offset(const struct layout *L, uint64_t x) {
  size_t lo = 0, hi = L->norder;
  while (lo < hi) {            /* first section starting after x */
    size_t mid = lo + (hi - lo) / 2;
    if (L->s[L->order[mid]].o.sh_offset <= x)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo == 0) return x;
  const struct sec *p = &L->s[L->order[lo - 1]];
  uint64_t oend = p->o.sh_offset + p->o.sh_size;
  if (x < oend)
    return p->n.sh_offset + (p->resized ? 0 : x - p->o.sh_offset);
  return x - oend + p->n.sh_offset + p->n.sh_size;
}

__attribute__((format(printf, 2, 3)))
static int fail(char **why, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (vasprintf(why, fmt, ap) < 0) *why = NULL;
  va_end(ap);
  return -1;
}

/*
** Fill s[i].n / s[i].d for every section of `src`, inflating compressed
** ones in memory (libelf keeps the buffers until elf_end(src)).  Names of
** ".zdebug" sections and of their relocation sections lose the 'z': the
** new names are appended to a copy of the section name table, *names_buf.
*/
static int read_sections(Elf *src, size_t shnum, size_t shstrndx,
                         struct sec *s, void **names_buf, char **why) {
  size_t extra = 0;
  for (size_t i = 1; i < shnum; i++) {
    Elf_Scn *scn = elf_getscn(src, i);
    if (scn == NULL || gelf_getshdr(scn, &s[i].o) == NULL)
      return fail(why, "section %zu: %s", i, elf_errmsg(-1));
    const char *name = section_name(src, shstrndx, &s[i].o);
    if (s[i].o.sh_type != SHT_NOBITS && s[i].o.sh_size > 0) {
      if (s[i].o.sh_flags & SHF_COMPRESSED) {
        if (elf_compress(scn, 0, 0) < 0)
          return fail(why, "cannot inflate %s: %s", name, elf_errmsg(-1));
        s[i].resized = 1;
      } else if (is_zdebug(name)) {
        if (elf_compress_gnu(scn, 0, 0) < 0)
          return fail(why, "cannot inflate %s: %s", name, elf_errmsg(-1));
        s[i].resized = 1;
      }
    }
    if (gelf_getshdr(scn, &s[i].n) == NULL)
      return fail(why, "section %s: %s", name, elf_errmsg(-1));
    if (strstr(name, ".zdebug") && (is_zdebug(name) ||
        s[i].n.sh_type == SHT_REL || s[i].n.sh_type == SHT_RELA))
      extra += strlen(name);
    if (s[i].n.sh_type == SHT_NOBITS || s[i].n.sh_size == 0) continue;
    s[i].d = elf_getdata(scn, NULL);
    if (s[i].d == NULL)
      return fail(why, "cannot read %s: %s", name, elf_errmsg(-1));
    if (elf_getdata(scn, s[i].d) != NULL)
      return fail(why, "section %s has several data blocks", name);
  }
  if (extra == 0 || shstrndx == 0 || shstrndx >= shnum || s[shstrndx].d == NULL)
    return 0;
  /* rename: ".zdebug_x" -> ".debug_x", ".rela.zdebug_x" -> ".rela.debug_x" */
  Elf_Data *old = s[shstrndx].d;
  char *buf = malloc(old->d_size + extra);
  if (buf == NULL) return fail(why, "out of memory");
  memcpy(buf, old->d_buf, old->d_size);
  size_t end = old->d_size;
  for (size_t i = 1; i < shnum; i++) {
    const char *name = section_name(src, shstrndx, &s[i].o);
    const char *z = strstr(name, ".zdebug");
    if (z == NULL || !(is_zdebug(name) || s[i].n.sh_type == SHT_REL ||
                       s[i].n.sh_type == SHT_RELA))
      continue;
    size_t pre = (size_t)(z - name);
    s[i].n.sh_name = (GElf_Word)end;
    memcpy(buf + end, name, pre + 1);                  /* up to the '.' */
    strcpy(buf + end + pre + 1, z + 2);                /* skip "z" */
    end += strlen(buf + end) + 1;
  }
  Elf_Data *nd = malloc(sizeof *nd);
  if (nd == NULL) {
    free(buf);
    return fail(why, "out of memory");
  }
  *nd = *old;
  nd->d_buf = buf;
  nd->d_size = end;
  *names_buf = buf;
  s[shstrndx].d = nd;     /* freed by write_copy with names_buf */
  s[shstrndx].n.sh_size = end;
  s[shstrndx].resized = 1;
  return 0;
}

/*
** Place the sections: in original file order, each at its original offset
** plus the growth of the sections before it, aligned.  Allocated sections
** move only by whole multiples of the largest PT_LOAD alignment, so that
** their segments keep offset == address modulo alignment.
*/
static uint64_t place_sections(struct layout *L, uint64_t cursor,
                               uint64_t load_align) {
  uint64_t delta = 0;
  for (size_t k = 0; k < L->norder; k++) {
    struct sec *p = &L->s[L->order[k]];
    uint64_t at = p->o.sh_offset + delta;
    if (at < cursor) at = cursor;
    if ((p->n.sh_flags & SHF_ALLOC) && at != p->o.sh_offset)
      at = p->o.sh_offset + round_up(at - p->o.sh_offset, load_align);
    at = round_up(at, p->n.sh_addralign);
    p->n.sh_offset = at;
    cursor = at + p->n.sh_size;
    uint64_t oend = p->o.sh_offset + p->o.sh_size;
    if (cursor > oend + delta) delta = cursor - oend;
  }
  return cursor;
}

static int write_copy(Elf *src, const char *out, char **why) {
  GElf_Ehdr eh;
  size_t shnum, shstrndx, phnum;
  if (gelf_getehdr(src, &eh) == NULL || elf_getshdrnum(src, &shnum) != 0 ||
      elf_getshdrstrndx(src, &shstrndx) != 0 ||
      elf_getphdrnum(src, &phnum) != 0)
    return fail(why, "unreadable ELF headers: %s", elf_errmsg(-1));
  int ret = -1, fd = -1;
  Elf *dst = NULL;
  void *names_buf = NULL;
  struct layout L = { calloc(shnum + 1, sizeof *L.s),
                      calloc(shnum + 1, sizeof *L.order), 0 };
  GElf_Phdr *ph = calloc(phnum + 1, sizeof *ph);
  if (L.s == NULL || L.order == NULL || ph == NULL) {
    fail(why, "out of memory");
    goto out;
  }
  if (read_sections(src, shnum, shstrndx, L.s, &names_buf, why) != 0)
    goto out;

  uint64_t load_align = 1, first = UINT64_MAX;
  for (size_t i = 0; i < phnum; i++) {
    if (gelf_getphdr(src, (int)i, &ph[i]) == NULL) {
      fail(why, "program header %zu: %s", i, elf_errmsg(-1));
      goto out;
    }
    if (ph[i].p_type == PT_LOAD && ph[i].p_filesz && ph[i].p_align > load_align)
      load_align = ph[i].p_align;
  }
  for (size_t i = 1; i < shnum; i++)
    if (L.s[i].d) {
      L.order[L.norder++] = i;
      if (L.s[i].o.sh_offset < first) first = L.s[i].o.sh_offset;
    }
  qsort_r(L.order, L.norder, sizeof *L.order, cmp_offsets, L.s);

  /* the program header table stays in front, unless it was behind */
  size_t ehsize = gelf_fsize(src, ELF_T_EHDR, 1, EV_CURRENT);
  size_t phsize = gelf_fsize(src, ELF_T_PHDR, phnum, EV_CURRENT);
  int ph_front = phnum == 0 || eh.e_phoff + phsize <= first;
  uint64_t cursor = ehsize;
  if (phnum && ph_front && eh.e_phoff + phsize > cursor)
    cursor = eh.e_phoff + phsize;
  cursor = place_sections(&L, cursor, load_align);
  /* offsets of what has no bytes in the file (NOBITS sections, segments
  ** without file contents) keep their original, address-congruent value */
  for (size_t i = 1; i < shnum; i++)
    if (L.s[i].d == NULL && L.s[i].n.sh_type != SHT_NOBITS)
      L.s[i].n.sh_offset = map_offset(&L, L.s[i].o.sh_offset);
  for (size_t i = 0; i < phnum; i++)
    if (ph[i].p_type != PT_PHDR && ph[i].p_filesz > 0)
      ph[i].p_offset = map_offset(&L, ph[i].p_offset);
  GElf_Off old_phoff = eh.e_phoff;
  if (phnum && !ph_front) {
    eh.e_phoff = round_up(cursor, 8);
    cursor = eh.e_phoff + phsize;
  }
  for (size_t i = 0; i < phnum; i++)
    if (ph[i].p_type == PT_PHDR && ph[i].p_offset == old_phoff)
      ph[i].p_offset = eh.e_phoff;
  eh.e_shoff = shnum ? round_up(cursor, 8) : 0;

  fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    fail(why, "cannot create %s: %s", out, strerror(errno));
    goto out;
  }
  dst = elf_begin(fd, ELF_C_WRITE, NULL);
  if (dst == NULL || gelf_newehdr(dst, gelf_getclass(src)) == NULL ||
      (phnum && gelf_newphdr(dst, phnum) == NULL)) {
    fail(why, "cannot start ELF output: %s", elf_errmsg(-1));
    goto out;
  }
  for (size_t i = 1; i < shnum; i++) {
    Elf_Scn *scn = elf_newscn(dst);
    if (scn == NULL || elf_ndxscn(scn) != i) {
      fail(why, "cannot add section %zu: %s", i, elf_errmsg(-1));
      goto out;
    }
    struct sec *p = &L.s[i];
    if (p->d) {
      Elf_Data *d = elf_newdata(scn);
      if (d == NULL) {
        fail(why, "cannot add data: %s", elf_errmsg(-1));
        goto out;
      }
      d->d_buf = p->d->d_buf;
      d->d_type = p->d->d_type;
      d->d_size = p->d->d_size;
      d->d_off = 0;
      d->d_align = p->d->d_align ? p->d->d_align : 1;
      d->d_version = EV_CURRENT;
    }
    if (gelf_update_shdr(scn, &p->n) == 0) {
      fail(why, "cannot write section header %zu: %s", i, elf_errmsg(-1));
      goto out;
    }
  }
  /* section 0 carries the counts that overflow the ELF header */
  GElf_Shdr z;
  Elf_Scn *z_src = elf_getscn(src, 0), *z_dst = elf_getscn(dst, 0);
  if (z_src && z_dst && gelf_getshdr(z_src, &z) != NULL)
    gelf_update_shdr(z_dst, &z);
  for (size_t i = 0; i < phnum; i++)
    if (gelf_update_phdr(dst, (int)i, &ph[i]) == 0) {
      fail(why, "cannot write program header: %s", elf_errmsg(-1));
      goto out;
    }
  if (gelf_update_ehdr(dst, &eh) == 0) {
    fail(why, "cannot write ELF header: %s", elf_errmsg(-1));
    goto out;
  }
  elf_flagelf(dst, ELF_C_SET, ELF_F_LAYOUT);
  errno = 0;
  if (elf_update(dst, ELF_C_WRITE) < 0) {
    int e = errno;
    fail(why, "cannot write %s: %s%s%s", out, elf_errmsg(-1),
         e ? ": " : "", e ? strerror(e) : "");
    goto out;
  }
  ret = 0;
out:
  if (dst) elf_end(dst);
  if (fd >= 0 && close(fd) != 0 && ret == 0)
    ret = fail(why, "cannot write %s: %s", out, strerror(errno));
  if (names_buf && L.s) free(L.s[shstrndx].d);
  free(names_buf);
  free(L.s);
  free(L.order);
  free(ph);
  return ret;
}


/* ---------------------------------------------------------------- */
/* the cache */

/* Cache key of a file without build-id: its identity and age. */
static char *identity_key(const char *path, const struct stat *st) {
  uint64_t h = KD_FNV_OFFSET;
  uint64_t v[4] = { (uint64_t)st->st_size, (uint64_t)st->st_mtim.tv_sec,
                    (uint64_t)st->st_mtim.tv_nsec, (uint64_t)st->st_ino };
  h = kd_fnv1a(h, v, sizeof v);
  char *real = realpath(path, NULL);
  const char *r = real ? real : path;
  h = kd_fnv1a(h, r, strlen(r));
  free(real);
  char *key;
  if (asprintf(&key, "nobuildid-%016" PRIx64, h) < 0) return NULL;
  return key;
}

/* "<dir>/<key>-<basename>", the basename reduced to harmless bytes. */
static char *cache_name(const char *dir, const char *key, const char *path) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  char clean[96];
  size_t n = 0;
  for (; base[n] && n + 1 < sizeof clean; n++) {
    char c = base[n];
    int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
             (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    clean[n] = ok ? c : '_';
  }
  clean[n] = '\0';
  char *s;
  if (asprintf(&s, "%s/%s-%s", dir, key, n ? clean : "debug") < 0) return NULL;
  return s;
}

/*
** Remove "<anything>.tmp.<pid>" files (debug copies, name indexes) left in
** the cache directory by writers that died (a copy is ~140 MB).  Done at
** every use of the cache, not only when a copy is made: a run killed
** during the first copy must not leave its temporary for ever because the
** next runs found the copy another run made.  Files of live writers are
** left alone.
*/
static void remove_stale_temporaries(const char *dir) {
  DIR *d = opendir(dir);
  if (d == NULL) return;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    const char *t = strstr(e->d_name, ".tmp.");
    if (t == NULL || e->d_name[0] == '.') continue;
    while (strstr(t + 1, ".tmp.")) t = strstr(t + 1, ".tmp.");
    char *end;
    long pid = strtol(t + 5, &end, 10);
    if (*end != '\0' || pid <= 0 || pid == (long)getpid()) continue;
    if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;
    unlinkat(dirfd(d), e->d_name, 0);
  }
  closedir(d);
}


static int cache_disabled(void) { return kd_env_flag("KDLUA_NO_CACHE"); }

/*
** A file written moments ago sits in the page cache in large folios, and
** while it does, a fault in a mapping of it maps far more than the page
** asked for: the report's main process peaked at 92 MiB instead of 74 on
** a debug copy just written, and the dwarf finder then has to drop the
** mapped pages often, which costs a report ~35 ms.  Written back and
** dropped from the cache, the file is read in again by our own faults, one
** page at a time (the mapping is MADV_RANDOM), and stays that way.  The
** dwarf finder does this once the name index is built, the last step that
** reads the whole file (doing it earlier made that step read 75 MB from
** disk, page by page); it costs the first use ~50 ms of fdatasync and the
** next run's first reads (~0.25 s).  A debug file that is not our copy
** (an uncompressed vmlinux used in place) is left alone.
*/
void kd_cache_fd_settle(int fd) {
  if (fd >= 0 && fdatasync(fd) == 0) posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
}

int kd_cache_write_parts(const char *path, const void *const *parts,
                         const size_t *sizes, int n) {
  char *tmp;
  if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0) return -1;
  FILE *f = fopen(tmp, "wb");
  bool ok = f != NULL;
  for (int i = 0; ok && i < n; i++)
    ok = sizes[i] == 0 || fwrite(parts[i], sizes[i], 1, f) == 1;
  if (f != NULL) ok = (fclose(f) == 0) && ok;
  if (f != NULL && (!ok || rename(tmp, path) != 0)) {
    unlink(tmp);
    ok = false;
  }
  free(tmp);
  return ok ? 0 : -1;
}

void *kd_cache_map(const char *path, size_t min, size_t *size) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NULL;
  struct stat st;
  void *map = NULL;
  if (fstat(fd, &st) == 0 && (size_t)st.st_size >= min && st.st_size > 0) {
    map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) map = NULL;
    else *size = (size_t)st.st_size;
  }
  close(fd);
  return map;
}

void kd_cache_file_settle(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  kd_cache_fd_settle(fd);
  close(fd);
}

/*
** Write and check the copy: in a child (child.h) when one can be made,
** since the decompressed sections are held in memory while written.
*/
struct copy_job {
  Elf *src;
  const char *tmp;
  const uint8_t *id;
  size_t idlen;
};

static int make_copy(void *arg, char *msg, size_t cap) {
  struct copy_job *j = arg;
  char *why = NULL;
  const char *invalid = NULL;
  int rc = 1;
  if (write_copy(j->src, j->tmp, &why) != 0)
    snprintf(msg, cap, "%s", why ? why : "out of memory");
  else if (!copy_is_valid(j->tmp, j->src, j->id, j->idlen, &invalid))
    snprintf(msg, cap, "the copy is bad: %s", invalid);
  else if (!dwarf_opens(j->tmp))
    snprintf(msg, cap, "libdw cannot open the copy: %s", dwarf_errmsg(-1));
  else
    rc = 0;
  free(why);
  return rc;
}

/*
** Which source file a copy was made from: "<copy>.src" holds its device,
** inode, size, mtime (ns) and a hash of its whole content.  A build-id
** alone does not name a file: a vmlinux edited after linking (its symbol
** table, say) keeps the build-id, and a copy made from it would be used
** for the pristine file ever after.  The identity is the fast check made
** at every start; when it differs (another file, a new mtime), the content
** hash decides, and a copy whose source hash differs is made again.
*/
struct source_id {
  unsigned long long dev, ino, size, mtime_ns, hash;
};

/* FNV-1a over 64-bit words (a byte-wise pass over 80 MB costs ~80 ms;
** this ~15 ms), the tail bytewise */
static int hash_file(const char *path, unsigned long long *out) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  uint64_t h = KD_FNV_OFFSET;
  static unsigned char buf[1 << 20];
  for (;;) {
    ssize_t r = read(fd, buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) { close(fd); return -1; }
    if (r == 0) break;
    size_t n = (size_t)r, i = 0;
    for (; i + 8 <= n; i += 8) {
      uint64_t w;
      memcpy(&w, buf + i, 8);
      h ^= w;
      h *= 0x100000001b3ull;
    }
    h = kd_fnv1a(h, buf + i, n - i);
  }
  close(fd);
  *out = h;
  return 0;
}

static void source_id_of(const struct stat *st, struct source_id *id) {
  id->dev = (unsigned long long)st->st_dev;
  id->ino = (unsigned long long)st->st_ino;
  id->size = (unsigned long long)st->st_size;
  id->mtime_ns = (unsigned long long)st->st_mtim.tv_sec * 1000000000ull +
                 (unsigned long long)st->st_mtim.tv_nsec;
  id->hash = 0;
}

static char *source_id_path(const char *copy) {
  char *p;
  return asprintf(&p, "%s.src", copy) < 0 ? NULL : p;
}

static int read_source_id(const char *copy, struct source_id *id) {
  char *p = source_id_path(copy);
  if (p == NULL) return -1;
  FILE *f = fopen(p, "re");
  free(p);
  if (f == NULL) return -1;
  int n = fscanf(f, "%llu %llu %llu %llu %llx", &id->dev, &id->ino, &id->size,
                 &id->mtime_ns, &id->hash);
  fclose(f);
  return n == 5 ? 0 : -1;
}

/* written beside the copy, atomically (a torn one reads as none) */
static void write_source_id(const char *copy, const struct source_id *id) {
  char *p = source_id_path(copy), *tmp = NULL;
  if (p == NULL || asprintf(&tmp, "%s.tmp.%ld", p, (long)getpid()) < 0) {
    free(p);
    return;
  }
  FILE *f = fopen(tmp, "we");
  if (f != NULL) {
    int ok = fprintf(f, "%llu %llu %llu %llu %llx\n", id->dev, id->ino, id->size,
                     id->mtime_ns, id->hash) > 0;
    if (fclose(f) == 0 && ok && rename(tmp, p) == 0) tmp[0] = '\0';
    if (tmp[0]) unlink(tmp);
  }
  free(tmp);
  free(p);
}

/* Was `copy` made from the file at `path` (stat `st`)?  Refreshes the
** recorded identity when only it changed. */
static bool copy_from_source(const char *copy, const char *path, const struct stat *st) {
  struct source_id rec, now;
  if (read_source_id(copy, &rec) != 0) return false;   /* made by an older kdlua */
  source_id_of(st, &now);
  if (rec.dev == now.dev && rec.ino == now.ino && rec.size == now.size &&
      rec.mtime_ns == now.mtime_ns)
    return true;
  if (rec.size != now.size || hash_file(path, &now.hash) != 0 || now.hash != rec.hash)
    return false;
  write_source_id(copy, &now);   /* same content, another file or mtime */
  return true;
}

/*
** Make (or reuse) the copy of the open file `src`.  Returns the copy's
** path, or NULL with *warning set when the cache cannot be used.
*/
static char *make_or_reuse(const char *path, Elf *src, const struct stat *st,
                           const char *cache_dir, int *created,
                           char **warning, int *nomem) {
  uint8_t *id = NULL;
  size_t idlen = 0;
  char *key = NULL, *name = NULL, *tmp = NULL, *why = NULL;
  const char *invalid = NULL;
  struct kd_error *err = kd_elf_build_id_elf(src, &id, &idlen);
  if (err == kd_enomem) goto nomem;
  kd_error_destroy(err);
  key = id ? kd_hex_string(id, idlen) : identity_key(path, st);
  if (key == NULL || (name = cache_name(cache_dir, key, path)) == NULL)
    goto nomem;
  remove_stale_temporaries(cache_dir);
  if (access(name, F_OK) == 0) {
    if (copy_is_valid(name, src, id, idlen, &invalid) && copy_from_source(name, path, st))
      goto done;
    /* not usable, or made from another file: rewrite it below (the rename
    ** replaces it), and drop the name index made from it */
    char *idx;
    if (asprintf(&idx, "%s/%s.kdidx", cache_dir, key) >= 0) {
      unlink(idx);
      free(idx);
    }
  }
  if (kd_make_dirs(cache_dir) != 0) {
    if (asprintf(&why, "cannot create the directory: %s", strerror(errno)) < 0)
      why = NULL;
    goto warn;
  }
  if (asprintf(&tmp, "%s.tmp.%ld", name, (long)getpid()) < 0) {
    tmp = NULL;
    goto nomem;
  }
  struct copy_job job = { src, tmp, id, idlen };
  char msg[512];
  int rc = kd_run_in_child(make_copy, &job, msg, sizeof msg);
  if (rc == KD_CHILD_NONE) rc = make_copy(&job, msg, sizeof msg);
  if (rc != 0) {
    why = strdup(msg);
    goto warn;
  }
  struct source_id sid;
  source_id_of(st, &sid);
  if (hash_file(path, &sid.hash) != 0) {
    if (asprintf(&why, "cannot read %s: %s", path, strerror(errno)) < 0) why = NULL;
    goto warn;
  }
  if (rename(tmp, name) != 0) {
    if (asprintf(&why, "cannot rename %s: %s", tmp, strerror(errno)) < 0)
      why = NULL;
    goto warn;
  }
  write_source_id(name, &sid);
  *created = 1;
done:
  free(id);
  free(key);
  free(tmp);
  return name;
warn:
  if (tmp) unlink(tmp);
  if (asprintf(warning, "debug cache: cannot store an uncompressed copy of "
               "%s in %s: %s; using the compressed file (slower start)",
               path, cache_dir, why ? why : "out of memory") < 0)
    *warning = NULL;
  free(why);
  free(id);
  free(key);
  free(name);
  free(tmp);
  return NULL;
nomem:
  *nomem = 1;
  free(id);
  free(key);
  free(name);
  free(tmp);
  return NULL;
}

struct kd_error *kd_debugcache_get(const char *path, const char *cache_dir,
                                   char **usable_path, int *created,
                                   char **warning) {
  *usable_path = NULL;
  *created = 0;
  *warning = NULL;
  if (cache_dir == NULL || cache_disabled()) goto original;
  elf_version(EV_CURRENT);
  const char *why;
  int fd = kd_open_input(path, &why);
  if (fd < 0)
    return kd_error_create(KD_ERR_IO, "cannot open %s: %s", path, why);
  struct stat st;
  Elf *elf = NULL;
  if (fstat(fd, &st) != 0 ||
      (elf = elf_begin(fd, ELF_C_READ_MMAP, NULL)) == NULL ||
      elf_kind(elf) != ELF_K_ELF) {
    if (elf) elf_end(elf);
    close(fd);
    return kd_error_create(KD_ERR_FORMAT, "%s is not an ELF file", path);
  }
  int nomem = 0;
  if (has_compressed_sections(elf) && !has_relative_altlink(elf))
    *usable_path = make_or_reuse(path, elf, &st, cache_dir, created, warning,
                                 &nomem);
  elf_end(elf);
  close(fd);
  if (nomem) return kd_enomem;
  if (*usable_path) return NULL;
original:
  *usable_path = strdup(path);
  if (*usable_path == NULL) {
    free(*warning);
    *warning = NULL;
    return kd_enomem;
  }
  return NULL;
}
