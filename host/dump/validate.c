/*
** validate.c -- checks of a dump's headers before libkdumpfile sees it
** (see validate.h).
**
** Layouts: ELF from <elf.h>; the diskdump ("KDUMP   ") header and the
** kdump sub-header as makedumpfile writes them (diskdump_mod.h), for
** 64-bit and 32-bit machines (both alignments of the latter).  Every offset and size read from the file is checked
** against the file's size before it is used, with overflow in mind.
*/
#include "validate.h"

#include "base/fullio.h"

#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* no real note segment or VMCOREINFO comes near these */
#define MAX_NOTES_BYTES (64u << 20)
#define MAX_VMCOREINFO_BYTES (1u << 20)
#define MAX_PHNUM (1u << 20)

/* the file, through pread or in memory */
struct source {
  int fd;
  const unsigned char *data;
  uint64_t size;
  const char *path;
  bool big_endian;
  char *warning;     /* where a warning goes (NULL: none wanted) */
  size_t wcap;
};

static bool get(const struct source *s, uint64_t off, void *dst, size_t n) {
  if (off > s->size || n > s->size - off) return false;
  if (s->data) {
    memcpy(dst, s->data + off, n);
    return true;
  }
  return kd_pread_full(s->fd, dst, n, off);
}

static uint64_t num(const struct source *s, const unsigned char *p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; i++) {
    int k = s->big_endian ? i : bytes - 1 - i;
    v = (v << 8) | p[k];
  }
  return v;
}

static struct kd_error *bad(const struct source *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static struct kd_error *bad(const struct source *s, const char *fmt, ...) {
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return kd_error_create(KD_ERR_FORMAT, "%s: dump is truncated or corrupt (%s)",
                         s->path, msg);
}

static bool is_pow2(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

/*
** VMCOREINFO: "KEY=VALUE" lines.  libkdumpfile splits each key at '.' and
** '(' into an attribute path, and an empty component (".IZE(x)", "A..B")
** crashes it; control characters have no business there either.
*/
bool kd_vmcoreinfo_valid(const char *text, size_t len, char *why, size_t cap) {
  while (len > 0 && text[len - 1] == '\0') len--;   /* note padding */
  if (len > MAX_VMCOREINFO_BYTES) {
    snprintf(why, cap, "VMCOREINFO is %zu bytes long", len);
    return false;
  }
  size_t line = 0;
  for (size_t pos = 0; pos < len; line++) {
    const char *start = text + pos;
    const char *nl = memchr(start, '\n', len - pos);
    size_t n = nl ? (size_t)(nl - start) : len - pos;
    pos += n + (nl != NULL);
    if (n == 0) continue;
    const char *eq = memchr(start, '=', n);
    for (size_t i = 0; i < n; i++) {
      unsigned char c = (unsigned char)start[i];
      if (c < 0x20 || c == 0x7f) {
        snprintf(why, cap, "VMCOREINFO line %zu has a control character", line + 1);
        return false;
      }
    }
    if (eq == NULL) continue;                       /* ignored by everyone */
    size_t klen = (size_t)(eq - start);
    bool key_ok = klen > 0 && start[0] != '.' && start[klen - 1] != '.';
    for (size_t i = 0; key_ok && i < klen; i++) {
      char c = start[i], next = i + 1 < klen ? start[i + 1] : '\0';
      if (c == ' ' || (c == '.' && (next == '.' || next == ')')) ||
          (c == '(' && (next == '.' || next == ')')))
        key_ok = false;
    }
    if (!key_ok) {
      snprintf(why, cap, "VMCOREINFO line %zu has a malformed key '%.*s'",
               line + 1, (int)(klen > 40 ? 40 : klen), start);
      return false;
    }
    if (klen == 8 && memcmp(start, "PAGESIZE", 8) == 0) {
      char val[32];
      size_t vlen = n - klen - 1;     /* an empty value stays empty */
      if (vlen >= sizeof val) vlen = sizeof val - 1;
      memcpy(val, eq + 1, vlen);
      val[vlen] = '\0';
      char *end;
      errno = 0;
      unsigned long long ps = strtoull(val, &end, 10);
      if (errno || *end || end == val || !is_pow2(ps) || ps < 512 || ps > (1u << 20)) {
        snprintf(why, cap, "VMCOREINFO PAGESIZE '%s' is not a power of two "
                 "between 512 and 1 MiB", val);
        return false;
      }
    }
  }
  return true;
}

/* Walk the ELF notes of [off, off + size): each within bounds; the
** VMCOREINFO note's text checked. */
static struct kd_error *check_notes(const struct source *s, uint64_t off,
                                    uint64_t size, const char *where) {
  if (size == 0) return NULL;
  if (size > MAX_NOTES_BYTES)
    return bad(s, "%s: %" PRIu64 " bytes of notes", where, size);
  unsigned char *buf = malloc((size_t)size);
  if (buf == NULL) return kd_enomem;
  struct kd_error *err = NULL;
  if (!get(s, off, buf, (size_t)size)) {
    err = bad(s, "%s at offset %" PRIu64 " ends past the end of the file", where, off);
    goto out;
  }
  for (uint64_t p = 0; p + 12 <= size;) {
    uint64_t namesz = num(s, buf + p, 4), descsz = num(s, buf + p + 4, 4);
    uint64_t name_end = p + 12 + ((namesz + 3) & ~3ull);
    uint64_t desc_end = name_end + ((descsz + 3) & ~3ull);
    if (namesz == 0 && descsz == 0 && num(s, buf + p + 8, 4) == 0) break;  /* padding */
    if (name_end > size || desc_end > size) {
      err = bad(s, "%s: note at offset %" PRIu64 " runs past its segment",
                where, off + p);
      goto out;
    }
    if (namesz == 11 && memcmp(buf + p + 12, "VMCOREINFO", 11) == 0) {
      char why[160];
      if (!kd_vmcoreinfo_valid((const char *)buf + name_end, (size_t)descsz,
                               why, sizeof why)) {
        err = bad(s, "%s", why);
        goto out;
      }
    }
    p = desc_end;
  }
out:
  free(buf);
  return err;
}

static struct kd_error *check_elf(struct source *s, const unsigned char *id) {
  int cls = id[EI_CLASS], data = id[EI_DATA];
  if (cls != ELFCLASS32 && cls != ELFCLASS64)
    return bad(s, "ELF class %d is neither 32- nor 64-bit", cls);
  if (data != ELFDATA2LSB && data != ELFDATA2MSB)
    return bad(s, "ELF data encoding %d is neither little- nor big-endian", data);
  s->big_endian = data == ELFDATA2MSB;
  bool is64 = cls == ELFCLASS64;
  unsigned char eh[sizeof(Elf64_Ehdr)];
  size_t ehsize = is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
  if (!get(s, 0, eh, ehsize)) return bad(s, "the ELF header is cut short");
  uint64_t phoff = is64 ? num(s, eh + 32, 8) : num(s, eh + 28, 4);
  uint64_t shoff = is64 ? num(s, eh + 40, 8) : num(s, eh + 32, 4);
  uint64_t phentsize = num(s, eh + (is64 ? 54 : 42), 2);
  uint64_t phnum = num(s, eh + (is64 ? 56 : 44), 2);
  uint64_t want = is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
  if (phentsize != want)
    return bad(s, "e_phentsize is %" PRIu64 ", not %" PRIu64, phentsize, want);
  /* section headers, when there are any, must be in the file too:
  ** libkdumpfile reads them (a huge e_shoff crashed it, found by the fuzzer) */
  if (shoff != 0) {
    uint64_t shentsize = num(s, eh + (is64 ? 58 : 46), 2);
    uint64_t shnum = num(s, eh + (is64 ? 60 : 48), 2);
    uint64_t shwant = is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
    unsigned char sh0[sizeof(Elf64_Shdr)];
    if (shentsize != shwant || shoff > s->size || !get(s, shoff, sh0, (size_t)shwant))
      return bad(s, "section headers at offset %" PRIu64 " (entries of %" PRIu64
                 " bytes) are not in the file", shoff, shentsize);
    if (shnum == 0) shnum = is64 ? num(s, sh0 + 32, 8) : num(s, sh0 + 20, 4);  /* SHN_XINDEX */
    if (shnum > MAX_PHNUM || shnum * shwant > s->size - shoff)
      return bad(s, "%" PRIu64 " section headers at offset %" PRIu64 " do not fit in the file",
                 shnum, shoff);
  }
  if (phnum == PN_XNUM) {
    /* more than 65534 headers: the count is section header 0's sh_info */
    unsigned char sh[sizeof(Elf64_Shdr)];
    if (shoff == 0 || !get(s, shoff, sh, is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr)))
      return bad(s, "e_phnum is PN_XNUM but section header 0 is not in the file");
    phnum = num(s, sh + (is64 ? 44 : 28), 4);
  }
  if (phnum == 0) return bad(s, "no program headers");
  if (phnum > MAX_PHNUM || phoff > s->size || phnum * want > s->size - phoff)
    return bad(s, "%" PRIu64 " program headers at offset %" PRIu64
               " do not fit in the file", phnum, phoff);
  unsigned char ph[sizeof(Elf64_Phdr)];
  uint64_t notes = 0, loads = 0;
  for (uint64_t i = 0; i < phnum; i++) {
    if (!get(s, phoff + i * want, ph, (size_t)want))
      return bad(s, "program header %" PRIu64 " is cut short", i);
    uint64_t type = num(s, ph, 4);
    uint64_t off = is64 ? num(s, ph + 8, 8) : num(s, ph + 4, 4);
    uint64_t filesz = is64 ? num(s, ph + 32, 8) : num(s, ph + 16, 4);
    if (type != PT_LOAD && type != PT_NOTE) continue;
    if (type == PT_LOAD) loads++;
    if (off > s->size || filesz > s->size - off)
      return bad(s, "%s segment %" PRIu64 " (offset %" PRIu64 ", %" PRIu64
                 " bytes) ends past the end of the file (%" PRIu64 " bytes)",
                 type == PT_LOAD ? "PT_LOAD" : "PT_NOTE", i, off, filesz, s->size);
    if (type == PT_NOTE) {
      notes += filesz;
      if (notes > MAX_NOTES_BYTES)
        return bad(s, "%" PRIu64 " bytes of notes", notes);
      char where[48];
      snprintf(where, sizeof where, "PT_NOTE segment %" PRIu64, i);
      struct kd_error *err = check_notes(s, off, filesz, where);
      if (err) return err;
    }
  }
  /* libkdumpfile 0.5.1 crashes on an ELF core without memory (fuzzer) */
  if (loads == 0) return bad(s, "no PT_LOAD segment: the file holds no memory");
  return NULL;
}

/* the diskdump header (makedumpfile's struct disk_dump_header), 64-bit */
#define DD_UTS_MACHINE (12 + 4 * 65)
#define DD_BLOCK_SIZE 428
#define DD_SUB_HDR_SIZE 432
#define DD_BITMAP_BLOCKS 436
#define DD_MAX_MAPNR 440
#define DD_NR_CPUS 460
#define DD_HEADER_END 464

static bool machine_is_64bit(const char *m) {
  static const char *const known[] = { "x86_64", "aarch64", "arm64", "ppc64",
    "ppc64le", "s390x", "riscv64", "loongarch64", "mips64", "sparc64", "ia64", NULL };
  for (int i = 0; known[i]; i++)
    if (strcmp(m, known[i]) == 0) return true;
  return false;
}

static bool machine_is_32bit(const char *m) {
  static const char *const known[] = { "i386", "i486", "i586", "i686", "ppc", "s390",
    "mips", "sparc", NULL };
  for (int i = 0; known[i]; i++)
    if (strcmp(m, known[i]) == 0) return true;
  return strncmp(m, "arm", 3) == 0 && strcmp(m, "arm64") != 0;
}

/*
** The kdump sub-header (makedumpfile's struct kdump_sub_header, in the
** block after the header) as the dumped machine's compiler laid it out:
** `unsigned long` fields are 4 or 8 bytes, off_t is always 8, and on a
** 32-bit machine the 8-byte fields sit 4-byte aligned (i386) or 8-byte
** aligned (32-bit ARM and most others).  Positions and widths of what
** libkdumpfile reads from it: VMCOREINFO (version 3 on), the notes
** (4 on), the erase info (libkdumpfile reads it from 4 on, makedumpfile
** writes it from 5) and max_mapnr_64 (6 on).
*/
struct sub_layout {
  const char *name;
  size_t len;                   /* bytes, all versions' fields */
  int mapnr64;                  /* offset of max_mapnr_64 */
  struct { int ver, off, size_off, size_bytes; uint64_t cap; const char *what; } part[3];
};
static const struct sub_layout SUB64 = { "64-bit", 104, 96, {
  { 3, 32, 40, 8, MAX_VMCOREINFO_BYTES, "VMCOREINFO" }, { 4, 48, 56, 8, MAX_NOTES_BYTES, "notes" },
  { 4, 64, 72, 8, MAX_NOTES_BYTES, "erase info" } } };
static const struct sub_layout SUB32_PACKED = { "32-bit", 80, 72, {
  { 3, 20, 28, 4, MAX_VMCOREINFO_BYTES, "VMCOREINFO" }, { 4, 32, 40, 4, MAX_NOTES_BYTES, "notes" },
  { 4, 44, 52, 4, MAX_NOTES_BYTES, "erase info" } } };
static const struct sub_layout SUB32_PADDED = { "32-bit (8-byte aligned)", 96, 88, {
  { 3, 24, 32, 4, MAX_VMCOREINFO_BYTES, "VMCOREINFO" }, { 4, 40, 48, 4, MAX_NOTES_BYTES, "notes" },
  { 4, 56, 64, 4, MAX_NOTES_BYTES, "erase info" } } };

/* Which 32-bit layout a reader takes (libkdumpfile's rule): the packed
** one when its VMCOREINFO is absent or lies between the sub-header's
** first block and the bitmaps; before version 3 both are the same. */
static const struct sub_layout *sub32_layout(const struct source *s, uint64_t bs,
                                             uint64_t sub_blocks, uint64_t version) {
  unsigned char f[12];
  if (version < 3 || !get(s, bs + 20, f, sizeof f)) return &SUB32_PACKED;
  uint64_t off = num(s, f, 8), size = num(s, f + 8, 4);
  uint64_t payload = (1 + sub_blocks) * bs;
  if ((off == 0 && size == 0) || (off > bs && off + size <= payload)) return &SUB32_PACKED;
  return &SUB32_PADDED;
}

static struct kd_error *check_sub_header(struct source *s, const struct sub_layout *l,
                                         uint64_t bs, uint64_t sub_blocks,
                                         uint64_t bitmap_blocks, uint64_t max_mapnr,
                                         uint64_t version) {
  unsigned char sh[104];
  memset(sh, 0, sizeof sh);
  if (l->len > sub_blocks * bs || !get(s, bs, sh, l->len))
    return bad(s, "the %s kdump sub-header is cut short", l->name);
  if (version >= 6 && num(s, sh + l->mapnr64, 8) != 0) max_mapnr = num(s, sh + l->mapnr64, 8);
  /* two bitmaps, each a bit per page frame */
  if (max_mapnr > bitmap_blocks * bs * 4)
    return bad(s, "%" PRIu64 " page frames but bitmaps for %" PRIu64, max_mapnr,
               bitmap_blocks * bs * 4);
  for (size_t i = 0; i < sizeof l->part / sizeof l->part[0]; i++) {
    if ((int)version < l->part[i].ver) continue;
    uint64_t off = num(s, sh + l->part[i].off, 8);
    uint64_t size = num(s, sh + l->part[i].size_off, l->part[i].size_bytes);
    if (size == 0) continue;
    if (size > l->part[i].cap || off > s->size || size > s->size - off)
      return bad(s, "%s at offset %" PRIu64 " (%" PRIu64 " bytes, %s sub-header) is not "
                 "within the file (%" PRIu64 " bytes)", l->part[i].what, off, size, l->name,
                 s->size);
    if (i == 0) {
      char *text = malloc((size_t)size);
      if (text == NULL) return kd_enomem;
      char why[160];
      bool ok = get(s, off, text, (size_t)size) &&
                kd_vmcoreinfo_valid(text, (size_t)size, why, sizeof why);
      free(text);
      if (!ok) return bad(s, "%s", why);
    } else if (i == 1) {
      struct kd_error *err = check_notes(s, off, size, "notes");
      if (err) return err;
    }
  }
  return NULL;
}

static struct kd_error *check_diskdump(struct source *s) {
  unsigned char h[DD_HEADER_END];
  if (!get(s, 0, h, sizeof h)) return bad(s, "the diskdump header is cut short");
  /* the header is in the dumped machine's byte order: a version is small */
  s->big_endian = false;
  uint64_t version = num(s, h + 8, 4);
  if (version > 0xffff) {
    s->big_endian = true;
    version = num(s, h + 8, 4);
  }
  char machine[66];
  memcpy(machine, h + DD_UTS_MACHINE, 65);
  machine[65] = '\0';
  /* a 32-bit machine's struct timeval is 8 bytes, not 16: the fields
  ** after it sit 12 bytes earlier (its sub-header: check_sub_header) */
  int shift = 0;
  if (!machine_is_64bit(machine)) {
    if (!machine_is_32bit(machine))
      return bad(s, "unknown machine '%.20s' in the diskdump header", machine);
    shift = 12;
  }
  uint64_t bs = num(s, h + DD_BLOCK_SIZE - shift, 4);
  uint64_t sub_blocks = num(s, h + DD_SUB_HDR_SIZE - shift, 4);
  uint64_t bitmap_blocks = num(s, h + DD_BITMAP_BLOCKS - shift, 4);
  uint64_t max_mapnr = num(s, h + DD_MAX_MAPNR - shift, 4);
  uint64_t nr_cpus = num(s, h + DD_NR_CPUS - shift, 4);
  if (!is_pow2(bs) || bs < 512 || bs > (1u << 20))
    return bad(s, "block size %" PRIu64 " is not a power of two between 512 and 1 MiB", bs);
  if (sub_blocks > (1u << 20) || bitmap_blocks > (1u << 30) || bitmap_blocks == 0)
    return bad(s, "sub-header of %" PRIu64 " blocks, bitmaps of %" PRIu64 " blocks",
               sub_blocks, bitmap_blocks);
  if (nr_cpus > (1u << 20) || DD_HEADER_END - shift + nr_cpus * 8 > bs)
    return bad(s, "%" PRIu64 " CPUs do not fit in the header block", nr_cpus);
  uint64_t data_start = (1 + sub_blocks + bitmap_blocks) * bs;
  if (data_start > s->size)
    return bad(s, "the page bitmaps end at offset %" PRIu64 ", past the end of "
               "the file (%" PRIu64 " bytes)", data_start, s->size);
  /* The page descriptors (24 bytes each) follow the bitmaps, then the
  ** page data, which makedumpfile starts with one shared zero page: the
  ** first page's data offset gives their number without counting the
  ** bitmap.  The last page's data must be in the file, or the copy of the
  ** dump was cut short (kept as a warning: what is there can still be
  ** read). */
  unsigned char pd[24];
  if (get(s, data_start, pd, sizeof pd)) {
    uint64_t first = num(s, pd, 8);
    if (first > data_start + bs && (first - data_start) % 24 != 0 &&
        (first - bs - data_start) % 24 == 0)
      first -= bs;                     /* the shared zero page comes first */
    if (first > data_start && (first - data_start) % 24 == 0) {
      uint64_t npages = (first - data_start) / 24;
      uint64_t last_pd = first - 24;
      if (first > s->size)
        return bad(s, "the descriptors of %" PRIu64 " pages end at offset %" PRIu64
                   ", past the end of the file (%" PRIu64 " bytes)", npages, first, s->size);
      /* the last page with data of its own: the pages at the end of RAM
      ** are often zero, all pointing at the shared zero page; looked for
      ** in the last 1 MiB of descriptors at most */
      uint64_t zero = first, end = 0;
      unsigned char chunk[65536];
      for (int c = 0; c < 16 && end == 0 && last_pd >= data_start; c++) {
        uint64_t n = (last_pd - data_start) / 24 + 1;
        if (n > sizeof chunk / 24) n = sizeof chunk / 24;
        uint64_t from = last_pd - (n - 1) * 24;
        if (!get(s, from, chunk, (size_t)(n * 24))) break;
        for (uint64_t k = n; k-- > 0 && end == 0;) {
          uint64_t off = num(s, chunk + k * 24, 8);
          if (off != zero) end = off + num(s, chunk + k * 24 + 8, 4);
        }
        if (from == data_start) break;
        last_pd = from - 24;
      }
      if (end > s->size && s->warning)
        snprintf(s->warning, s->wcap, "%s: dump is truncated: it is %" PRIu64 " bytes, "
                 "its last page's data ends at byte %" PRIu64 " (an incomplete copy?); "
                 "pages past the end cannot be read", s->path, s->size, end);
    }
  }
  if (version < 2 || sub_blocks == 0) {            /* no kdump sub-header */
    if (shift && max_mapnr > bitmap_blocks * bs * 4)
      return bad(s, "%" PRIu64 " page frames but bitmaps for %" PRIu64, max_mapnr,
                 bitmap_blocks * bs * 4);
    return NULL;
  }
  return check_sub_header(s, shift ? sub32_layout(s, bs, sub_blocks, version) : &SUB64,
                          bs, sub_blocks, bitmap_blocks, max_mapnr, version);
}

static struct kd_error *check(struct source *s, bool *known) {
  *known = false;
  unsigned char id[EI_NIDENT];
  if (!get(s, 0, id, sizeof id)) return NULL;   /* too short for anything: libkdumpfile says so */
  if (memcmp(id, ELFMAG, SELFMAG) == 0) {
    *known = true;
    return check_elf(s, id);
  }
  if (memcmp(id, "KDUMP   ", 8) == 0 || memcmp(id, "DISKDUMP", 8) == 0) {
    *known = true;
    return check_diskdump(s);
  }
  return NULL;
}

struct kd_error *kd_dump_validate_fd(int fd, uint64_t size, const char *path,
                                     bool *known, char *warning, size_t wcap) {
  if (wcap) warning[0] = '\0';
  struct source s = { .fd = fd, .size = size, .path = path, .warning = warning, .wcap = wcap };
  return check(&s, known);
}

struct kd_error *kd_dump_validate_buffer(const void *data, size_t size,
                                         const char *path, bool *known) {
  struct source s = { .fd = -1, .data = data, .size = size, .path = path };
  return check(&s, known);
}
