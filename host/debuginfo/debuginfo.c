/*
** debuginfo.c -- finding vmlinux and module debug files for a dump.
**
** A candidate vmlinux is accepted by its GNU build-id when both the dump
** (VMCOREINFO BUILD-ID, Linux >= 5.9) and the file have one; otherwise by
** the kernel release, read from the file's linux_banner / init_uts_ns when
** their section has contents, or from the file's path when it has not (the
** data sections of a debug-only vmlinux are NOBITS).  Every candidate looked
** at leaves a note, so that "no debuginfo found" can be explained.
*/
#define _GNU_SOURCE
#include "debuginfo.h"
#include "base/input.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <elf.h>
#include <gelf.h>

#define MAX_DEPTH 32

#ifndef NT_GNU_BUILD_ID
#define NT_GNU_BUILD_ID 3
#endif


/* ---------------------------------------------------------------- */
/* small helpers */

char *kd_hex_string(const uint8_t *bytes, size_t len) {
  static const char digits[] = "0123456789abcdef";
  char *s = malloc(2 * len + 1);
  if (s == NULL) return NULL;
  for (size_t i = 0; i < len; i++) {
    s[2 * i] = digits[bytes[i] >> 4];
    s[2 * i + 1] = digits[bytes[i] & 15];
  }
  s[2 * len] = '\0';
  return s;
}

static char *path_join(const char *dir, const char *name) {
  char *s;
  size_t n = strlen(dir);
  const char *sep = (n > 0 && dir[n - 1] == '/') ? "" : "/";
  if (asprintf(&s, "%s%s%s", dir, sep, name) < 0) return NULL;
  return s;
}

/* A growable list of malloc'ed strings: the notes. */
struct strlist {
  char **v;
  size_t n, cap;
};

/* Append a formatted line.  Notes are diagnostics: when memory runs out the
** line is dropped rather than turning a lookup into a failure. */
__attribute__((format(printf, 2, 3)))
static void note(struct strlist *l, const char *fmt, ...) {
  if (l == NULL) return;
  if (l->n == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 16;
    char **v = realloc(l->v, cap * sizeof *v);
    if (v == NULL) return;
    l->v = v;
    l->cap = cap;
  }
  char *s;
  va_list ap;
  va_start(ap, fmt);
  int r = vasprintf(&s, fmt, ap);
  va_end(ap);
  if (r >= 0) l->v[l->n++] = s;
}

static void strlist_free(struct strlist *l) {
  for (size_t i = 0; i < l->n; i++) free(l->v[i]);
  free(l->v);
  l->v = NULL;
  l->n = l->cap = 0;
}

static void ensure_elf_version(void) {
  static int done;
  if (!done) {
    elf_version(EV_CURRENT);
    done = 1;
  }
}


/* ---------------------------------------------------------------- */
/* build-id */

/* Scan one block of notes for NT_GNU_BUILD_ID owned by "GNU". */
static int find_build_id_note(Elf_Data *data, uint8_t **id, size_t *len) {
  size_t off = 0, next, name_off, desc_off;
  GElf_Nhdr nh;
  if (data == NULL || data->d_buf == NULL) return 0;
  while (off < data->d_size &&
         (next = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
    const char *base = data->d_buf;
    if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
        memcmp(base + name_off, "GNU", 4) == 0 && nh.n_descsz > 0 &&
        desc_off + nh.n_descsz <= data->d_size) {
      *id = malloc(nh.n_descsz);
      if (*id == NULL) return -1;
      memcpy(*id, base + desc_off, nh.n_descsz);
      *len = nh.n_descsz;
      return 1;
    }
    off = next;
  }
  return 0;
}

Elf_Scn *kd_elf_section(Elf *elf, const char *name, GElf_Shdr *sh) {
  size_t shstrndx;
  if (elf == NULL || elf_getshdrstrndx(elf, &shstrndx) != 0) return NULL;
  Elf_Scn *scn = NULL;
  while ((scn = elf_nextscn(elf, scn)) != NULL) {
    if (gelf_getshdr(scn, sh) == NULL) continue;
    const char *n = elf_strptr(elf, shstrndx, sh->sh_name);
    if (n && strcmp(n, name) == 0) return scn;
  }
  return NULL;
}

Elf_Data *kd_elf_section_data(Elf_Scn *scn, const GElf_Shdr *sh) {
  if (sh->sh_type == SHT_NOBITS) return NULL;
  if ((sh->sh_flags & SHF_COMPRESSED) && elf_compress(scn, 0, 0) < 0) return NULL;
  Elf_Data *d = elf_getdata(scn, NULL);
  return d && d->d_buf ? d : NULL;
}

/*
** The build-id of an open ELF: the loaded notes (PT_NOTE) describe the
** running image, so they come first; a debug-only file may have an empty
** PT_NOTE and carry the notes in a non-alloc section instead.
*/
struct kd_error *kd_elf_build_id_elf(Elf *elf, uint8_t **id, size_t *len) {
  size_t phnum = 0, shnum = 0;
  int r = 0;
  *id = NULL;
  *len = 0;
  if (elf_kind(elf) != ELF_K_ELF)
    return kd_error_create(KD_ERR_FORMAT, "not an ELF file");
  if (elf_getphdrnum(elf, &phnum) == 0) {
    for (size_t i = 0; i < phnum && r == 0; i++) {
      GElf_Phdr ph;
      if (gelf_getphdr(elf, (int)i, &ph) == NULL || ph.p_type != PT_NOTE ||
          ph.p_filesz == 0)
        continue;
      Elf_Data *d = elf_getdata_rawchunk(elf, (int64_t)ph.p_offset,
                                         ph.p_filesz,
                                         ph.p_align == 8 ? ELF_T_NHDR8
                                                         : ELF_T_NHDR);
      r = find_build_id_note(d, id, len);
    }
  }
  if (r == 0 && elf_getshdrnum(elf, &shnum) == 0) {
    for (size_t i = 1; i < shnum && r == 0; i++) {
      Elf_Scn *scn = elf_getscn(elf, i);
      GElf_Shdr sh;
      if (scn == NULL || gelf_getshdr(scn, &sh) == NULL ||
          sh.sh_type != SHT_NOTE || (sh.sh_flags & SHF_COMPRESSED))
        continue;
      r = find_build_id_note(elf_getdata(scn, NULL), id, len);
    }
  }
  if (r < 0) return kd_enomem;
  if (r == 0) return kd_error_create(KD_ERR_LOOKUP, "no GNU build-id");
  return NULL;
}

/* Open `path` read-only as ELF: 0, or KD_ERR_IO with the reason in *errnum, or
** KD_ERR_FORMAT when it is not ELF. */
static enum kd_error_code open_elf_raw(const char *path, int *fdp, Elf **elfp,
                                       const char **errnum) {
  ensure_elf_version();
  const char *why;
  int fd = kd_open_input(path, &why);
  if (fd < 0) {
    *errnum = why;
    return KD_ERR_IO;
  }
  Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
  if (elf == NULL || elf_kind(elf) != ELF_K_ELF) {
    if (elf) elf_end(elf);
    close(fd);
    return KD_ERR_FORMAT;
  }
  *fdp = fd;
  *elfp = elf;
  return 0;
}

/* The same with errors that name the file. */
static struct kd_error *open_elf(const char *path, int *fdp, Elf **elfp) {
  const char *errnum = NULL;
  enum kd_error_code c = open_elf_raw(path, fdp, elfp, &errnum);
  if (c == KD_ERR_IO)
    return kd_error_create(c, "cannot open %s: %s", path, errnum);
  if (c) return kd_error_create(c, "%s is not an ELF file", path);
  return NULL;
}

struct kd_error *kd_elf_build_id(const char *path, uint8_t **id,
                                 size_t *len) {
  int fd = -1;
  Elf *elf = NULL;
  *id = NULL;
  *len = 0;
  struct kd_error *err = open_elf(path, &fd, &elf);
  if (err) return err;
  err = kd_elf_build_id_elf(elf, id, len);
  elf_end(elf);
  close(fd);
  if (err && err->code == KD_ERR_LOOKUP)
    err = kd_error_wrap(err, "%s", path);
  return err;
}


/* ---------------------------------------------------------------- */
/* kernel release held in a vmlinux */

/* Bytes of symbol `sym` from its section, or NULL when the section has no
** contents in this file (NOBITS in a debug-only vmlinux). */
static const char *symbol_bytes(Elf *elf, const GElf_Sym *sym, int is_rel,
                                size_t *avail) {
  Elf_Scn *scn = elf_getscn(elf, sym->st_shndx);
  GElf_Shdr sh;
  if (scn == NULL || gelf_getshdr(scn, &sh) == NULL ||
      sh.sh_type == SHT_NOBITS || (sh.sh_flags & SHF_COMPRESSED))
    return NULL;
  uint64_t off = is_rel ? sym->st_value : sym->st_value - sh.sh_addr;
  if (sym->st_value < (is_rel ? 0 : sh.sh_addr) || off >= sh.sh_size)
    return NULL;
  Elf_Data *d = elf_rawdata(scn, NULL);
  if (d == NULL || d->d_buf == NULL || off >= d->d_size) return NULL;
  *avail = d->d_size - off;
  return (const char *)d->d_buf + off;
}

/* Copy the release out of "Linux version R (...". */
static int release_from_banner(const char *p, size_t avail, char *out,
                               size_t size) {
  static const char prefix[] = "Linux version ";
  size_t pl = sizeof prefix - 1, i = 0;
  if (avail <= pl || memcmp(p, prefix, pl) != 0) return 0;
  p += pl;
  avail -= pl;
  while (i < avail && i + 1 < size && p[i] != ' ' && p[i] != '\0') {
    out[i] = p[i];
    i++;
  }
  out[i] = '\0';
  return i > 0;
}

/* Copy the release out of a struct uts_namespace image: it starts with the
** utsname (since 5.11) or with a 4-byte kref before it. */
static int release_from_uts(const char *p, size_t avail, char *out,
                            size_t size) {
  static const size_t starts[] = { 0, 4, 8 };
  for (size_t k = 0; k < sizeof starts / sizeof starts[0]; k++) {
    size_t s = starts[k];
    if (avail < s + 3 * 65 || memcmp(p + s, "Linux", 6) != 0) continue;
    const char *rel = p + s + 2 * 65;
    size_t n = strnlen(rel, 65);
    if (n == 0 || n == 65 || n >= size) continue;
    memcpy(out, rel, n + 1);
    return 1;
  }
  return 0;
}

/*
** Find the kernel release string inside a vmlinux: from the linux_banner
** or init_uts_ns symbol's bytes, or failing symbols from a "Linux version "
** string in .rodata.  0 when the file holds none (typically: NOBITS data).
*/
static int elf_kernel_release(Elf *elf, char *out, size_t size) {
  GElf_Ehdr eh;
  size_t shnum;
  if (gelf_getehdr(elf, &eh) == NULL || elf_getshdrnum(elf, &shnum) != 0)
    return 0;
  int is_rel = eh.e_type == ET_REL;
  for (size_t i = 1; i < shnum; i++) {
    Elf_Scn *scn = elf_getscn(elf, i);
    GElf_Shdr sh;
    if (scn == NULL || gelf_getshdr(scn, &sh) == NULL ||
        sh.sh_type != SHT_SYMTAB || sh.sh_entsize == 0)
      continue;
    Elf_Data *d = elf_getdata(scn, NULL);
    if (d == NULL) continue;
    size_t nsym = sh.sh_size / sh.sh_entsize;
    for (size_t j = 0; j < nsym; j++) {
      GElf_Sym sym;
      if (gelf_getsym(d, (int)j, &sym) == NULL) break;
      if (sym.st_shndx == SHN_UNDEF || sym.st_shndx >= SHN_LORESERVE)
        continue;
      const char *name = elf_strptr(elf, sh.sh_link, sym.st_name);
      if (name == NULL || (name[0] != 'l' && name[0] != 'i')) continue;
      size_t avail = 0;
      const char *p;
      if (strcmp(name, "linux_banner") == 0 &&
          (p = symbol_bytes(elf, &sym, is_rel, &avail)) &&
          release_from_banner(p, avail, out, size))
        return 1;
      if (strcmp(name, "init_uts_ns") == 0 &&
          (p = symbol_bytes(elf, &sym, is_rel, &avail)) &&
          release_from_uts(p, avail, out, size))
        return 1;
    }
  }
  size_t shstrndx;
  if (elf_getshdrstrndx(elf, &shstrndx) != 0) return 0;
  for (size_t i = 1; i < shnum; i++) {
    Elf_Scn *scn = elf_getscn(elf, i);
    GElf_Shdr sh;
    if (scn == NULL || gelf_getshdr(scn, &sh) == NULL ||
        sh.sh_type != SHT_PROGBITS)
      continue;
    const char *name = elf_strptr(elf, shstrndx, sh.sh_name);
    if (name == NULL || strcmp(name, ".rodata") != 0) continue;
    Elf_Data *d = elf_rawdata(scn, NULL);
    if (d == NULL || d->d_buf == NULL) continue;
    const char *p = memmem(d->d_buf, d->d_size, "Linux version ", 14);
    if (p && release_from_banner(p, d->d_size - (size_t)(p - (char *)d->d_buf),
                                 out, size))
      return 1;
  }
  return 0;
}


/* ---------------------------------------------------------------- */
/* judging a vmlinux candidate */

enum verdict {
  V_MATCH,      /* belongs to the dump (or nothing to compare with) */
  V_MISMATCH,   /* an ELF file of another kernel */
  V_BAD         /* unreadable, not ELF, not an executable */
};

struct judgement {
  enum verdict v;
  enum kd_error_code code;   /* for V_BAD: KD_ERR_IO or KD_ERR_FORMAT */
  char *build_id_hex;        /* of the file, or NULL */
  char why[512];             /* for V_BAD / V_MISMATCH: the reason */
  char how[256];             /* for V_MATCH: what was compared */
};

/*
** Decide whether `path` is the vmlinux of the dump in `q`.  Build-ids
** decide when both are known; otherwise the release does.  `need_exec`
** (search mode) also rejects ELF files that are not ET_EXEC, such as a
** vmlinux.o lying in a build tree.
*/
static struct kd_error *judge(const struct kd_debuginfo_query *q,
                              const char *path, int need_exec,
                              struct judgement *j) {
  int fd = -1;
  Elf *elf = NULL;
  memset(j, 0, sizeof *j);
  const char *errnum = NULL;
  enum kd_error_code c = open_elf_raw(path, &fd, &elf, &errnum);
  if (c) {
    j->v = V_BAD;
    j->code = c;
    snprintf(j->why, sizeof j->why, "%s",
             c == KD_ERR_IO ? errnum : "not an ELF file");
    return NULL;
  }
  struct kd_error *err = NULL;
  GElf_Ehdr eh;
  if (gelf_getehdr(elf, &eh) == NULL) {
    j->v = V_BAD;
    j->code = KD_ERR_FORMAT;
    snprintf(j->why, sizeof j->why, "unreadable ELF header: %s",
             elf_errmsg(-1));
    goto out;
  }
  /* a copy cut short passes for a file of another kernel (no build-id
  ** note, no release string left): say what it is */
  struct stat fst;
  uint64_t shend = eh.e_shoff + (uint64_t)eh.e_shnum * eh.e_shentsize;
  if (fstat(fd, &fst) == 0 && eh.e_shoff != 0 && shend > (uint64_t)fst.st_size) {
    j->v = V_BAD;
    j->code = KD_ERR_FORMAT;
    snprintf(j->why, sizeof j->why, "file is truncated: it is %lld bytes, its "
             "section headers end at byte %llu", (long long)fst.st_size,
             (unsigned long long)shend);
    goto out;
  }
  if (need_exec && eh.e_type != ET_EXEC) {
    j->v = V_BAD;
    j->code = KD_ERR_FORMAT;
    snprintf(j->why, sizeof j->why, "not an ELF executable (e_type %u)",
             (unsigned)eh.e_type);
    goto out;
  }
  uint8_t *id = NULL;
  size_t idlen = 0;
  err = kd_elf_build_id_elf(elf, &id, &idlen);
  if (err && err->code != KD_ERR_LOOKUP) goto out;
  kd_error_destroy(err);
  err = NULL;
  if (id) {
    j->build_id_hex = kd_hex_string(id, idlen);
    free(id);
    if (j->build_id_hex == NULL) {
      err = kd_enomem;
      goto out;
    }
  }
  const char *want = q->build_id_hex;
  if (want && *want && j->build_id_hex) {
    if (strcasecmp(want, j->build_id_hex) == 0) {
      j->v = V_MATCH;
      snprintf(j->how, sizeof j->how, "build-id %s", j->build_id_hex);
    } else {
      j->v = V_MISMATCH;
      snprintf(j->why, sizeof j->why, "build-id %s, dump has %s",
               j->build_id_hex, want);
    }
    goto out;
  }
  /* no build-id on one side: the release decides */
  const char *which = (want && *want) ? "file has no build-id"
                                      : "dump has no build-id";
  if (q->release == NULL || q->release[0] == '\0') {
    j->v = V_MATCH;
    snprintf(j->how, sizeof j->how,
             "unverified: %s and the dump's release is unknown", which);
    goto out;
  }
  char rel[128];
  if (elf_kernel_release(elf, rel, sizeof rel)) {
    if (strcmp(rel, q->release) == 0) {
      j->v = V_MATCH;
      snprintf(j->how, sizeof j->how, "%s; release %s in the file", which,
               rel);
    } else {
      j->v = V_MISMATCH;
      snprintf(j->why, sizeof j->why, "release %s, dump has %s", rel,
               q->release);
    }
  } else if (strstr(path, q->release)) {
    j->v = V_MATCH;
    snprintf(j->how, sizeof j->how,
             "%s; no release string in the file, release %s in its path",
             which, q->release);
  } else {
    j->v = V_MISMATCH;
    snprintf(j->why, sizeof j->why,
             "%s, the file holds no readable release string and its path "
             "does not contain %s", which, q->release);
  }
out:
  elf_end(elf);
  close(fd);
  return err;
}


/* ---------------------------------------------------------------- */
/* directory walks */

struct walk {
  /* called for each regular file (symlinks followed); nonzero stops */
  int (*file)(struct walk *w, const char *path, const char *name);
  const char *skip_top[4];   /* names of subdirectories of the root to skip */
  struct strlist *notes;     /* where unreadable directories are noted */
  dev_t anc_dev[MAX_DEPTH + 1];
  ino_t anc_ino[MAX_DEPTH + 1];
  int stop;
};

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
** Walk `dir` in sorted order (so results do not depend on readdir order),
** following symlinks but never into one of the directory's own ancestors.
** `.build-id` trees are skipped: they only hold links to files found
** elsewhere, under names the callers do not look for.
*/
static void walk_dir(struct walk *w, const char *dir, int depth) {
  struct stat st;
  if (w->stop || depth > MAX_DEPTH || stat(dir, &st) != 0) return;
  for (int i = 0; i < depth; i++)
    if (w->anc_dev[i] == st.st_dev && w->anc_ino[i] == st.st_ino) return;
  w->anc_dev[depth] = st.st_dev;
  w->anc_ino[depth] = st.st_ino;
  DIR *d = opendir(dir);
  if (d == NULL) {
    note(w->notes, "skipped directory %s: %s", dir, strerror(errno));
    return;
  }
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
        strcmp(e->d_name, ".build-id") == 0)
      continue;
    if (n == cap) {
      cap = cap ? 2 * cap : 64;
      char **v = realloc(names, cap * sizeof *v);
      if (v == NULL) break;
      names = v;
    }
    /* d_type rides in the first byte, so that most entries need no stat */
    size_t len = strlen(e->d_name);
    char *s = malloc(len + 2);
    if (s == NULL) break;
    memcpy(s + 1, e->d_name, len + 1);
    s[0] = (char)e->d_type;
    names[n++] = s;
  }
  closedir(d);
  for (size_t i = 0; i < n; i++) names[i]++;
  if (n) qsort(names, n, sizeof *names, cmp_names);   /* qsort(NULL, 0) is UB */
  for (size_t i = 0; i < n && !w->stop; i++) {
    const char *name = names[i];
    unsigned char type = (unsigned char)name[-1];
    int skip = 0;
    for (size_t k = 0; depth == 0 && k < 4 && w->skip_top[k]; k++)
      if (strcmp(name, w->skip_top[k]) == 0) skip = 1;
    if (skip) continue;
    char *path = path_join(dir, name);
    if (path == NULL) break;
    if (type == DT_LNK || type == DT_UNKNOWN) {
      if (stat(path, &st) != 0)
        type = DT_UNKNOWN;
      else
        type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG
                                                                   : 0;
    }
    if (type == DT_DIR)
      walk_dir(w, path, depth + 1);
    else if (type == DT_REG && w->file(w, path, name))
      w->stop = 1;
    free(path);
  }
  for (size_t i = 0; i < n; i++) free(names[i] - 1);
  free(names);
}


/* ---------------------------------------------------------------- */
/* vmlinux search */

struct search {
  struct walk w;     /* first: the walk callback casts back */
  const struct kd_debuginfo_query *q;
  struct kd_debuginfo_result *res;
  struct strlist notes;
  dev_t *seen_dev;   /* files already judged, by identity */
  ino_t *seen_ino;
  size_t nseen, capseen;
  char *fallback;    /* first mismatching ELF, for --force */
  char *fallback_id;
  struct kd_error *err;
  int found;
};

/* Judge one candidate path; 1 when it is the one (stored in res). */
static int try_candidate(struct search *s, const char *path) {
  struct stat st;
  if (stat(path, &st) != 0) {
    note(&s->notes, "no %s", path);
    return 0;
  }
  if (!S_ISREG(st.st_mode)) {
    note(&s->notes, "skipped %s: not a regular file", path);
    return 0;
  }
  for (size_t i = 0; i < s->nseen; i++)
    if (s->seen_dev[i] == st.st_dev && s->seen_ino[i] == st.st_ino)
      return 0;
  if (s->nseen == s->capseen) {
    size_t cap = s->capseen ? 2 * s->capseen : 16;
    dev_t *d = realloc(s->seen_dev, cap * sizeof *d);
    if (d) s->seen_dev = d;
    ino_t *n = realloc(s->seen_ino, cap * sizeof *n);
    if (n) s->seen_ino = n;
    if (d && n) s->capseen = cap;
  }
  if (s->nseen < s->capseen) {
    s->seen_dev[s->nseen] = st.st_dev;
    s->seen_ino[s->nseen++] = st.st_ino;
  }
  struct judgement j;
  struct kd_error *err = judge(s->q, path, 1, &j);
  if (err) {
    s->err = err;
    return 1;
  }
  int done = 0;
  switch (j.v) {
    case V_MATCH:
      s->res->vmlinux_path = strdup(path);
      s->res->build_id_hex = j.build_id_hex;
      j.build_id_hex = NULL;
      if (s->res->vmlinux_path == NULL) s->err = kd_enomem;
      note(&s->notes, "using %s (%s)", path, j.how);
      s->found = done = 1;
      break;
    case V_MISMATCH:
      note(&s->notes, "rejected %s: %s", path, j.why);
      if (s->fallback == NULL) {
        s->fallback = strdup(path);
        s->fallback_id = j.build_id_hex;
        j.build_id_hex = NULL;
      }
      break;
    case V_BAD:
      note(&s->notes, "rejected %s: %s", path, j.why);
      break;
  }
  free(j.build_id_hex);
  return done;
}

static int search_file(struct walk *w, const char *path, const char *name) {
  if (strncmp(name, "vmlinux", 7) != 0) return 0;
  return try_candidate((struct search *)w, path);
}

static struct kd_error *find_explicit(const struct kd_debuginfo_query *q,
                                      struct search *s) {
  const char *path = q->explicit_vmlinux;
  struct judgement j;
  struct kd_error *err = judge(q, path, 0, &j);
  if (err) return err;
  switch (j.v) {
    case V_BAD:
      note(&s->notes, "rejected %s: %s", path, j.why);
      err = j.code == KD_ERR_IO
                ? kd_error_create(KD_ERR_IO, "cannot read vmlinux %s: %s",
                                  path, j.why)
                : kd_error_create(KD_ERR_FORMAT, "vmlinux %s: %s", path,
                                  j.why);
      break;
    case V_MISMATCH:
      if (!q->force) {
        note(&s->notes, "rejected %s: %s", path, j.why);
        err = kd_error_create(KD_ERR_MISMATCH,
                              "vmlinux %s does not match the dump: %s "
                              "(use --force to override)", path, j.why);
        break;
      }
      note(&s->notes, "warning: using %s although it does not match the "
           "dump (--force): %s", path, j.why);
      goto take;
    case V_MATCH:
      note(&s->notes, "using %s (%s)", path, j.how);
    take:
      s->res->vmlinux_path = strdup(path);
      s->res->build_id_hex = j.build_id_hex;
      j.build_id_hex = NULL;
      if (s->res->vmlinux_path == NULL) err = kd_enomem;
      break;
  }
  free(j.build_id_hex);
  return err;
}

/*
** $KDLUA_SYSROOT is prefixed to the system locations (/usr/lib/debug,
** /lib/modules, /boot): to read the debuginfo of another machine's
** filesystem tree, and so that tests do not depend on what this machine has
** installed.
*/
static const char *sysroot(void) {
  const char *r = getenv("KDLUA_SYSROOT");
  return r ? r : "";
}

/*
** Search the usual places in order: distribution debug paths for the
** release, the vmcore's directory, the --debuginfo-dir trees, then the
** build-id link.  Fixed paths that do not exist are noted briefly, so the
** notes show where a user could put the file.
*/
static void search_all(const struct kd_debuginfo_query *q, struct search *s) {
  char *p = NULL;
  const char *rel = q->release;
  if (rel && *rel && strchr(rel, '/') == NULL) {
    /* each path is prefix + release + suffix */
    static const char *const parts[][2] = {
      { "/usr/lib/debug/boot/vmlinux-", "" },
      { "/usr/lib/debug/lib/modules/", "/vmlinux" },
      { "/lib/modules/", "/build/vmlinux" },
      { "/boot/vmlinux-", "" },
    };
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
      if (asprintf(&p, "%s%s%s%s", sysroot(), parts[i][0], rel, parts[i][1]) < 0) {
        s->err = kd_enomem;
        return;
      }
      int done = try_candidate(s, p);
      free(p);
      if (done) return;
    }
  } else {
    note(&s->notes, "the dump's release is unknown: release paths skipped");
  }
  if (q->vmcore_path) {
    char *copy = strdup(q->vmcore_path);
    if (copy == NULL) {
      s->err = kd_enomem;
      return;
    }
    char *slash = strrchr(copy, '/');
    const char *dir = slash ? (slash == copy ? "/" : copy) : ".";
    if (slash && slash != copy) *slash = '\0';
    int done = 0;
    p = path_join(dir, "vmlinux");
    if (p) done = try_candidate(s, p);
    free(p);
    if (!done && rel && *rel && strchr(rel, '/') == NULL) {
      char *name;
      if (asprintf(&name, "vmlinux-%s", rel) >= 0) {
        p = path_join(dir, name);
        if (p) done = try_candidate(s, p);
        free(p);
        free(name);
      }
    }
    free(copy);
    if (done) return;
  }
  for (size_t i = 0; i < q->ndirs; i++) {
    struct stat st;
    if (stat(q->dirs[i], &st) != 0) {
      note(&s->notes, "debuginfo dir %s: %s", q->dirs[i], strerror(errno));
      continue;
    }
    if (!S_ISDIR(st.st_mode)) {
      note(&s->notes, "debuginfo dir %s: not a directory", q->dirs[i]);
      continue;
    }
    s->w.stop = 0;
    walk_dir(&s->w, q->dirs[i], 0);
    if (s->found || s->err) return;
  }
  const char *id = q->build_id_hex;
  if (id && strlen(id) > 2) {
    char *lower = strdup(id);
    if (lower == NULL) { s->err = kd_enomem; return; }
    for (char *c = lower; *c; c++)
      if (*c >= 'A' && *c <= 'F') *c = (char)(*c - 'A' + 'a');
    int n = asprintf(&p, "%s/usr/lib/debug/.build-id/%.2s/%s.debug", sysroot(),
                     lower, lower + 2);
    free(lower);
    if (n < 0) {
      s->err = kd_enomem;
      return;
    }
    try_candidate(s, p);
    free(p);
  }
}

struct kd_error *kd_debuginfo_find_vmlinux(const struct kd_debuginfo_query *q,
                                           struct kd_debuginfo_result *res) {
  memset(res, 0, sizeof *res);
  struct search s;
  memset(&s, 0, sizeof s);
  s.q = q;
  s.res = res;
  s.w.file = search_file;
  s.w.notes = &s.notes;
  struct kd_error *err;
  if (q->explicit_vmlinux) {
    err = find_explicit(q, &s);
  } else {
    search_all(q, &s);
    err = s.err;
    if (err == NULL && !s.found) {
      if (q->force && s.fallback) {
        note(&s.notes, "warning: no matching vmlinux; using %s anyway "
             "(--force)", s.fallback);
        res->vmlinux_path = s.fallback;
        res->build_id_hex = s.fallback_id;
        s.fallback = s.fallback_id = NULL;
      } else {
        note(&s.notes, "no vmlinux matching the dump (%s%s%s%s) was found",
             q->build_id_hex ? "build-id " : "",
             q->build_id_hex ? q->build_id_hex : "",
             q->build_id_hex && q->release ? ", " : "",
             q->release ? q->release : "");
      }
    }
  }
  free(s.fallback);
  free(s.fallback_id);
  free(s.seen_dev);
  free(s.seen_ino);
  res->notes = s.notes.v;
  res->nnotes = s.notes.n;
  return err;
}

void kd_debuginfo_result_free(struct kd_debuginfo_result *res) {
  if (res == NULL) return;
  free(res->vmlinux_path);
  free(res->build_id_hex);
  for (size_t i = 0; i < res->nnotes; i++) free(res->notes[i]);
  free(res->notes);
  memset(res, 0, sizeof *res);
}


/* ---------------------------------------------------------------- */
/* module finder */

enum mod_kind { MK_DEBUG, MK_KO, MK_COMPRESSED };

struct mod_entry {
  char *name;        /* normalized: '-' -> '_', suffix removed */
  char *path;
  unsigned tree;     /* index of the tree, earlier wins */
  enum mod_kind kind;
  size_t seq;        /* walk order, last tie-break */
};

struct kd_module_finder {
  struct walk w;     /* first: the walk callback casts back */
  struct mod_entry *e;
  size_t n, cap, usable;
  unsigned tree;
  struct strlist notes;
  char **trees;
  size_t ntrees;
  char *why;
};

static void normalize_name(char *s) {
  for (; *s; s++)
    if (*s == '-') *s = '_';
}

static int ends_with(const char *s, size_t n, const char *suf, size_t *stem) {
  size_t m = strlen(suf);
  if (n <= m || memcmp(s + n - m, suf, m) != 0) return 0;
  *stem = n - m;
  return 1;
}

static int index_file(struct walk *w, const char *path, const char *name) {
  struct kd_module_finder *f = (struct kd_module_finder *)w;
  static const struct { const char *suf; enum mod_kind kind; } sufs[] = {
    { ".ko.debug", MK_DEBUG }, { ".ko", MK_KO },
    { ".ko.xz", MK_COMPRESSED }, { ".ko.zst", MK_COMPRESSED },
    { ".ko.gz", MK_COMPRESSED },
  };
  size_t n = strlen(name), stem = 0, k;
  for (k = 0; k < sizeof sufs / sizeof sufs[0]; k++)
    if (ends_with(name, n, sufs[k].suf, &stem)) break;
  if (k == sizeof sufs / sizeof sufs[0]) return 0;
  if (f->n == f->cap) {
    size_t cap = f->cap ? 2 * f->cap : 256;
    struct mod_entry *v = realloc(f->e, cap * sizeof *v);
    if (v == NULL) return 1;
    f->e = v;
    f->cap = cap;
  }
  struct mod_entry *e = &f->e[f->n];
  e->name = strndup(name, stem);
  e->path = strdup(path);
  if (e->name == NULL || e->path == NULL) {
    free(e->name);
    free(e->path);
    return 1;
  }
  normalize_name(e->name);
  e->tree = f->tree;
  e->kind = sufs[k].kind;
  e->seq = f->n;
  f->n++;
  if (e->kind != MK_COMPRESSED) f->usable++;
  return 0;
}

static int cmp_entries(const void *a, const void *b) {
  const struct mod_entry *x = a, *y = b;
  int c = strcmp(x->name, y->name);
  if (c) return c;
  int xc = x->kind == MK_COMPRESSED, yc = y->kind == MK_COMPRESSED;
  if (xc != yc) return xc - yc;
  if (x->tree != y->tree) return x->tree < y->tree ? -1 : 1;
  if (x->kind != y->kind) return x->kind < y->kind ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
** Index every tree once: one walk per tree, then a sorted array, so that
** looking up the modules of a dump costs a binary search each.
*/
struct kd_error *kd_module_finder_new(const char *release,
                                      const char *const *dirs, size_t ndirs,
                                      struct kd_module_finder **out) {
  *out = NULL;
  struct kd_module_finder *f = calloc(1, sizeof *f);
  if (f == NULL) return kd_enomem;
  f->w.file = index_file;
  f->w.notes = &f->notes;
  f->trees = calloc(ndirs + 2, sizeof *f->trees);
  if (f->trees == NULL) goto nomem;
  for (size_t i = 0; i < ndirs; i++)
    if ((f->trees[f->ntrees++] = strdup(dirs[i])) == NULL) goto nomem;
  size_t user = f->ntrees;
  if (release && *release && strchr(release, '/') == NULL) {
    if (asprintf(&f->trees[f->ntrees], "%s/usr/lib/debug/lib/modules/%s",
                 sysroot(), release) < 0)
      goto nomem;
    f->ntrees++;
    if (asprintf(&f->trees[f->ntrees], "%s/lib/modules/%s", sysroot(),
                 release) < 0)
      goto nomem;
    f->ntrees++;
  }
  for (size_t i = 0; i < f->ntrees; i++) {
    struct stat st;
    if (stat(f->trees[i], &st) != 0 || !S_ISDIR(st.st_mode)) {
      if (i < user)
        note(&f->notes, "module dir %s: not a readable directory",
             f->trees[i]);
      continue;
    }
    f->tree = (unsigned)i;
    /* /lib/modules/R/build and source lead to whole kernel trees */
    int is_lib = i == f->ntrees - 1 && i >= user;
    f->w.skip_top[0] = is_lib ? "build" : NULL;
    f->w.skip_top[1] = is_lib ? "source" : NULL;
    f->w.stop = 0;
    walk_dir(&f->w, f->trees[i], 0);
    if (f->w.stop) goto nomem;
  }
  if (f->n) qsort(f->e, f->n, sizeof *f->e, cmp_entries);
  *out = f;
  return NULL;
nomem:
  kd_module_finder_free(f);
  return kd_enomem;
}

/* First (best) entry for `modname`, or NULL. */
static struct mod_entry *find_entry(struct kd_module_finder *f,
                                    const char *modname) {
  char key[256];
  snprintf(key, sizeof key, "%s", modname);
  normalize_name(key);
  size_t lo = 0, hi = f->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (strcmp(f->e[mid].name, key) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo < f->n && strcmp(f->e[lo].name, key) == 0) return &f->e[lo];
  return NULL;
}

const char *kd_module_finder_lookup(struct kd_module_finder *f,
                                    const char *modname) {
  if (f == NULL || modname == NULL) return NULL;
  struct mod_entry *e = find_entry(f, modname);
  return e && e->kind != MK_COMPRESSED ? e->path : NULL;
}

const char *kd_module_finder_why(struct kd_module_finder *f,
                                 const char *modname) {
  if (f == NULL || modname == NULL) return NULL;
  struct mod_entry *e = find_entry(f, modname);
  free(f->why);
  f->why = NULL;
  if (e && e->kind != MK_COMPRESSED) {
    if (asprintf(&f->why, "found %s", e->path) < 0) f->why = NULL;
  } else if (e) {
    if (asprintf(&f->why, "only %s was found: compressed modules are not "
                 "supported (decompress it next to it)", e->path) < 0)
      f->why = NULL;
  } else {
    size_t len = 0;
    for (size_t i = 0; i < f->ntrees; i++) len += strlen(f->trees[i]) + 2;
    char *list = malloc(len + 1), *p = list;
    if (list == NULL) return "out of memory";
    *p = '\0';
    for (size_t i = 0; i < f->ntrees; i++)
      p += sprintf(p, "%s%s", i ? ", " : "", f->trees[i]);
    if (asprintf(&f->why, "no %s.ko or %s.ko.debug under %s", modname,
                 modname, f->ntrees ? list : "(no directories)") < 0)
      f->why = NULL;
    free(list);
  }
  return f->why ? f->why : "out of memory";
}

size_t kd_module_finder_count(const struct kd_module_finder *f) {
  return f ? f->usable : 0;
}

void kd_module_finder_free(struct kd_module_finder *f) {
  if (f == NULL) return;
  for (size_t i = 0; i < f->n; i++) {
    free(f->e[i].name);
    free(f->e[i].path);
  }
  free(f->e);
  for (size_t i = 0; i < f->ntrees; i++) free(f->trees[i]);
  free(f->trees);
  strlist_free(&f->notes);
  free(f->why);
  free(f);
}
