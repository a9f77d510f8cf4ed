/*
** symbols.c -- symbol tables (see symbols.h).
*/
#include "symbols.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fnv.h"
#include "base/input.h"
#include "debugcache.h"

struct kd_symtab {
  struct kd_symbol *syms;
  size_t n, cap;
  /* name index, built on the first lookup after symbols were added: a
  ** bucket array in compressed-row form (bucket b holds by_bucket[
  ** bucket_start[b] .. bucket_start[b+1]), symbol indexes in ascending
  ** order) with each symbol's 32-bit name hash beside it.  Built with two
  ** sequential passes and one scatter into an array the size of the table,
  ** it costs a third of what inserting 150k names one by one into an open
  ** hash did (cache misses), and start-up waits for it. */
  uint32_t *name_hash;      /* per symbol */
  size_t nhashes;           /* name_hash[0..nhashes) are computed: a
                            ** rebuild after modules' symbols came in
                            ** hashes only theirs */
  uint32_t *bucket_start;   /* nbuckets + 1 */
  uint32_t *by_bucket;      /* n */
  size_t nbuckets;
  size_t hashed;            /* syms[0..hashed) are in the index */
  /* address order: indexes, rebuilt when symbols were added */
  uint32_t *by_addr;
  size_t nby_addr;
  int sorted;
  /* string storage */
  char **blocks;
  size_t nblocks;
  char *cur;
  size_t cur_left;
  /* ELF files whose string tables the names of their symbols point into
  ** (mapped, not copied: 150k kernel names are 3 MB nobody needs twice) */
  struct mapped_elf { Elf *elf; int fd; } *elves;
  size_t nelves;
  /* the per-build cache of the first nbase symbols' name hashes and
  ** address order (see kd_symtab_use_cache) */
  char *cache_path;
  size_t nbase;
  const uint32_t *cached_order;   /* into cache_map; NULL when unusable */
  size_t ncached_order;
  void *cache_map;
  size_t cache_map_size;
};

static const char *keep(struct kd_symtab *t, const char *s) {
  size_t n = strlen(s) + 1;
  if (n > t->cur_left) {
    size_t size = n > 65536 ? n : 65536;
    char **nb = realloc(t->blocks, (t->nblocks + 1) * sizeof *nb);
    if (nb == NULL) return NULL;
    t->blocks = nb;
    t->cur = malloc(size);
    if (t->cur == NULL) return NULL;
    t->blocks[t->nblocks++] = t->cur;
    t->cur_left = size;
  }
  char *p = t->cur;
  memcpy(p, s, n);
  t->cur += n;
  t->cur_left -= n;
  return p;
}

struct kd_error *kd_symtab_new(struct kd_symtab **out) {
  *out = calloc(1, sizeof **out);
  return *out ? NULL : kd_enomem;
}

void kd_symtab_free(struct kd_symtab *t) {
  if (t == NULL) return;
  for (size_t i = 0; i < t->nblocks; i++) free(t->blocks[i]);
  free(t->blocks);
  for (size_t i = 0; i < t->nelves; i++) {
    elf_end(t->elves[i].elf);
    close(t->elves[i].fd);
  }
  free(t->elves);
  if (t->cache_map) munmap(t->cache_map, t->cache_map_size);
  free(t->cache_path);
  free(t->syms);
  free(t->name_hash);
  free(t->bucket_start);
  free(t->by_bucket);
  free(t->by_addr);
  free(t);
}

static struct kd_error *reserve(struct kd_symtab *t, size_t more) {
  if (t->n + more <= t->cap) return NULL;
  size_t ncap = t->cap ? t->cap : 4096;
  while (ncap < t->n + more) ncap *= 2;
  struct kd_symbol *ns = realloc(t->syms, ncap * sizeof *ns);
  if (ns == NULL) return kd_enomem;
  t->syms = ns;
  t->cap = ncap;
  return NULL;
}

/* Append a symbol whose strings already live as long as the table. */
static struct kd_error *add_kept(struct kd_symtab *t, const char *name,
                                 uint64_t address, uint64_t size, char type,
                                 const char *module) {
  struct kd_error *err = reserve(t, 1);
  if (err) return err;
  struct kd_symbol *s = &t->syms[t->n];
  s->name = name;
  s->module = module;
  s->address = address;
  s->size = size;
  s->type = type;
  t->n++;
  t->sorted = 0;
  return NULL;
}

struct kd_error *kd_symtab_add(struct kd_symtab *t, const char *name,
                               uint64_t address, uint64_t size, char type,
                               const char *module) {
  const char *n = keep(t, name);
  const char *m = module ? keep(t, module) : NULL;
  if (n == NULL || (module && m == NULL)) return kd_enomem;
  return add_kept(t, n, address, size, type, m);
}

struct kd_error *kd_symtab_add_elf(struct kd_symtab *t, const char *path,
                                   uint64_t offset, uint64_t relocate_from) {
  const char *why;
  int fd = kd_open_input(path, &why);
  if (fd < 0)
    return kd_error_create(KD_ERR_IO, "%s: %s", path, why);
  elf_version(EV_CURRENT);
  Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
  struct kd_error *err = NULL;
  size_t n0 = t->n;       /* on failure, drop what pointed into this file */
  char *letters = NULL;   /* nm letter of a local symbol, per section */
  if (elf == NULL) {
    err = kd_error_create(KD_ERR_FORMAT, "%s: %s", path, elf_errmsg(-1));
    goto fail;
  }
  struct mapped_elf *ne = realloc(t->elves, (t->nelves + 1) * sizeof *ne);
  if (ne == NULL) { err = kd_enomem; goto fail; }
  t->elves = ne;
  size_t nsec = 0;
  if (elf_getshdrnum(elf, &nsec) != 0) nsec = 0;
  letters = malloc(nsec ? nsec : 1);
  if (letters == NULL) { err = kd_enomem; goto fail; }
  for (size_t i = 0; i < nsec; i++) {
    GElf_Shdr sh;
    Elf_Scn *scn = elf_getscn(elf, i);
    letters[i] = '?';
    if (scn && gelf_getshdr(scn, &sh)) {
      if (sh.sh_flags & SHF_EXECINSTR) letters[i] = 't';
      else if (sh.sh_type == SHT_NOBITS) letters[i] = 'b';
      else if (sh.sh_flags & SHF_WRITE) letters[i] = 'd';
      else letters[i] = 'r';
    }
  }
  Elf_Scn *scn = NULL;
  while ((scn = elf_nextscn(elf, scn)) != NULL) {
    GElf_Shdr sh;
    if (gelf_getshdr(scn, &sh) == NULL || sh.sh_type != SHT_SYMTAB) continue;
    Elf_Data *data = elf_getdata(scn, NULL);
    if (data == NULL || sh.sh_entsize == 0) continue;
    size_t count = sh.sh_size / sh.sh_entsize;
    err = reserve(t, count);
    if (err) goto fail;
    /* A 64-bit file's symbols read in place, their names straight from
    ** the string table (its last byte NUL ends every name): gelf_getsym
    ** and elf_strptr per symbol were most of the start's 22M instructions
    ** for 150k kernel symbols */
    Elf_Scn *strscn = elf_getscn(elf, sh.sh_link);
    Elf_Data *strdata = strscn ? elf_getdata(strscn, NULL) : NULL;
    if (gelf_getclass(elf) == ELFCLASS64 && data->d_type == ELF_T_SYM &&
        data->d_size >= count * sizeof(Elf64_Sym) && strdata && strdata->d_buf &&
        strdata->d_size > 0 && ((const char *)strdata->d_buf)[strdata->d_size - 1] == '\0') {
      const Elf64_Sym *syms = data->d_buf;
      const char *strs = strdata->d_buf;
      size_t strsize = strdata->d_size;
      for (size_t i = 1; i < count; i++) {
        const Elf64_Sym *sym = &syms[i];
        int type = ELF64_ST_TYPE(sym->st_info);
        if (type == STT_SECTION || type == STT_FILE || sym->st_shndx == SHN_UNDEF)
          continue;
        if (sym->st_name == 0 || sym->st_name >= strsize || strs[sym->st_name] == '\0')
          continue;
        char c;
        if (sym->st_shndx == SHN_ABS) c = 'a';
        else if (sym->st_shndx < SHN_LORESERVE && sym->st_shndx < nsec) c = letters[sym->st_shndx];
        else c = '?';
        int bind = ELF64_ST_BIND(sym->st_info);
        if ((bind == STB_GLOBAL || bind == STB_WEAK) && c >= 'a' && c <= 'z')
          c = (char)(c - 'a' + 'A');
        uint64_t addr = sym->st_value;
        if (addr >= relocate_from) addr += offset;
        /* room was reserved above: add_kept's own check is not needed */
        struct kd_symbol *s = &t->syms[t->n++];
        s->name = strs + sym->st_name;
        s->module = NULL;
        s->address = addr;
        s->size = sym->st_size;
        s->type = c;
      }
      t->sorted = 0;
      continue;
    }
    for (size_t i = 1; i < count; i++) {
      GElf_Sym sym;
      if (gelf_getsym(data, (int)i, &sym) == NULL) continue;
      int type = GELF_ST_TYPE(sym.st_info);
      if (type == STT_SECTION || type == STT_FILE || sym.st_shndx == SHN_UNDEF)
        continue;
      const char *name = elf_strptr(elf, sh.sh_link, sym.st_name);
      if (name == NULL || *name == '\0') continue;
      char c;
      if (sym.st_shndx == SHN_ABS) c = 'a';
      else if (sym.st_shndx < SHN_LORESERVE && sym.st_shndx < nsec) c = letters[sym.st_shndx];
      else c = '?';
      int bind = GELF_ST_BIND(sym.st_info);
      if ((bind == STB_GLOBAL || bind == STB_WEAK) && c >= 'a' && c <= 'z')
        c = (char)(c - 'a' + 'A');
      uint64_t addr = sym.st_value;
      if (addr >= relocate_from) addr += offset;
      err = add_kept(t, name, addr, sym.st_size, c, NULL);
      if (err) goto fail;
    }
  }
  free(letters);
  /* the names point into the mapping: keep it until kd_symtab_free */
  t->elves[t->nelves].elf = elf;
  t->elves[t->nelves].fd = fd;
  t->nelves++;
  return NULL;
fail:
  t->n = n0;
  if (t->hashed > n0) t->hashed = 0;   /* rebuilt at the next lookup */
  if (t->nhashes > n0) t->nhashes = n0;
  free(letters);
  if (elf) elf_end(elf);
  close(fd);
  return err;
}

static int rehash(struct kd_symtab *t) {
  size_t n = t->n;
  size_t nb = 1;
  while (nb < n) nb <<= 1;              /* about one symbol per bucket */
  uint32_t *h = realloc(t->name_hash, (n ? n : 1) * sizeof *h);
  if (h) t->name_hash = h;
  uint32_t *st = realloc(t->bucket_start, (nb + 1) * sizeof *st);
  if (st) t->bucket_start = st;
  uint32_t *ent = realloc(t->by_bucket, (n ? n : 1) * sizeof *ent);
  if (ent) t->by_bucket = ent;
  if (h == NULL || st == NULL || ent == NULL) {
    t->hashed = t->nbuckets = t->nhashes = 0;
    return -1;
  }
  for (size_t i = t->nhashes < n ? t->nhashes : n; i < n; i++)
    h[i] = (uint32_t)kd_fnv1a_str(t->syms[i].name);
  t->nhashes = n;
  memset(st, 0, (nb + 1) * sizeof *st);
  for (size_t i = 0; i < n; i++) st[(h[i] & (nb - 1)) + 1]++;
  for (size_t b = 0; b < nb; b++) st[b + 1] += st[b];
  /* scatter in index order, so each bucket lists its symbols ascending;
  ** st[b] runs ahead while filling and is restored below */
  for (size_t i = 0; i < n; i++) ent[st[h[i] & (nb - 1)]++] = (uint32_t)i;
  for (size_t b = nb; b > 0; b--) st[b] = st[b - 1];
  st[0] = 0;
  t->nbuckets = nb;
  t->hashed = n;
  return 0;
}

const struct kd_symbol *kd_symtab_lookup(struct kd_symtab *t, const char *name) {
  if (t->hashed < t->n || t->nbuckets == 0) {
    if (t->n == 0 || rehash(t) != 0) return NULL;
  }
  uint32_t h = (uint32_t)kd_fnv1a_str(name);
  size_t b = h & (t->nbuckets - 1);
  const struct kd_symbol *local = NULL;
  /* globals are preferred; among equals, the first added */
  for (uint32_t j = t->bucket_start[b]; j < t->bucket_start[b + 1]; j++) {
    uint32_t i = t->by_bucket[j];
    if (t->name_hash[i] != h) continue;
    const struct kd_symbol *s = &t->syms[i];
    if (strcmp(s->name, name) != 0) continue;
    if (s->type >= 'A' && s->type <= 'Z') return s;
    if (local == NULL) local = s;
  }
  return local;
}

static int is_linker_symbol(const char *n) {
  size_t l = strlen(n);
  if (strncmp(n, "__start_", 8) == 0 || strncmp(n, "__stop_", 7) == 0 ||
      strncmp(n, "__end_", 6) == 0)
    return 1;
  return (l > 6 && strcmp(n + l - 6, "_start") == 0) ||
         (l > 4 && strcmp(n + l - 4, "_end") == 0);
}

/*
** Address order.  Among symbols at one address, as scripts/kallsyms.c
** orders aliases so that the kernel's own name for an address wins: sized
** before unsized, then weak last, linker-made section markers (__start_x,
** x_end...) last, fewer leading underscores first, then by name.  All but
** the name fold into one integer, the alias rank, computed only for
** symbols that share an address (see radix_sort_by_address); names are
** read only for true ties.
*/
struct addr_key {
  uint64_t address;
  uint32_t rank;
  uint32_t index;
};

static const struct kd_symbol *sort_syms;

static int addr_key_cmp(const void *a, const void *b) {
  const struct addr_key *x = a, *y = b;
  if (x->address != y->address) return x->address < y->address ? -1 : 1;
  if (x->rank != y->rank) return x->rank < y->rank ? -1 : 1;
  return strcmp(sort_syms[x->index].name, sort_syms[y->index].name);
}

static uint32_t alias_rank(const struct kd_symbol *s) {
  uint32_t unsized = s->size == 0;
  uint32_t weak = s->type && strchr("wWvV", s->type) != NULL;
  uint32_t linker = is_linker_symbol(s->name) != 0;
  size_t us = strspn(s->name, "_");
  if (us > 255) us = 255;
  return unsized << 10 | weak << 9 | linker << 8 | (uint32_t)us;
}

/*
** LSD radix sort by address (16-bit digits; a digit all keys share is
** skipped, so kernel addresses take 2-3 passes), then each run of equal
** addresses (aliases) with the full comparison.  A merge sort of all 150k
** keys was most of a first symbolize() (27 ms; now 11 ms with the module
** symbols).  Returns -1 when out of memory (the caller falls back to qsort).
*/
static int radix_sort_by_address(struct addr_key *keys, size_t n) {
  struct addr_key *tmp = malloc((n ? n : 1) * sizeof *tmp);
  uint32_t *count = malloc(65536 * sizeof *count);
  if (tmp == NULL || count == NULL) { free(tmp); free(count); return -1; }
  struct addr_key *src = keys, *dst = tmp;
  for (int shift = 0; shift < 64; shift += 16) {
    memset(count, 0, 65536 * sizeof *count);
    for (size_t i = 0; i < n; i++) count[(src[i].address >> shift) & 0xffff]++;
    if (n && count[(src[0].address >> shift) & 0xffff] == n) continue;
    uint32_t sum = 0;
    for (size_t d = 0; d < 65536; d++) { uint32_t c = count[d]; count[d] = sum; sum += c; }
    for (size_t i = 0; i < n; i++) dst[count[(src[i].address >> shift) & 0xffff]++] = src[i];
    struct addr_key *x = src; src = dst; dst = x;
  }
  if (src != keys) memcpy(keys, src, n * sizeof *keys);
  free(tmp);
  free(count);
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    while (j < n && keys[j].address == keys[i].address) j++;
    if (j - i > 1) {
      /* aliases: only now is their rank worth computing */
      for (size_t k = i; k < j; k++) keys[k].rank = alias_rank(&sort_syms[keys[k].index]);
      qsort(keys + i, j - i, sizeof *keys, addr_key_cmp);
    }
    i = j;
  }
  return 0;
}

/* {====== the per-build cache ====== */

/*
** Two things every start computes from the vmlinux alone: the name hashes
** of its ~150k ELF symbols (the first lookup; ~19M instructions) and their
** address order (the first symbolize; ~29M: radix passes, alias ranks,
** name compares -- paid in the report's serial start).  Both are kept per
** build in "<build-id>.kdsym" beside the DWARF name index: a header, the
** hashes of symbols 0..nbase, then the indexes of the non-absolute ones in
** address order.  Modules' symbols (added later, from the dump) are sorted
** alone and merged in.  The KASLR offset moves every kernel address alike,
** so it does not change the order; the merge still checks that the order
** it reads rises, and any doubt means a full sort (and a rewritten file).
*/
#define SYMCACHE_MAGIC 0x31435359534b444bull   /* "KDSYSC1" */

struct symcache_header {
  uint64_t magic;
  uint64_t nbase;      /* symbols the hashes cover */
  uint64_t norder;     /* entries of the order */
  uint64_t sum;        /* of every hash and entry, a check against damage */
};

static uint64_t symcache_sum(const uint32_t *a, size_t n, uint64_t sum) {
  for (size_t i = 0; i < n; i++) sum = sum * 31 + a[i];
  return sum;
}

static int is_absolute(const struct kd_symbol *s) {
  return s->type == 'a' || s->type == 'A';
}

void kd_symtab_use_cache(struct kd_symtab *t, const char *path) {
  free(t->cache_path);
  t->cache_path = path ? strdup(path) : NULL;
  t->nbase = t->n;
  if (t->cache_path == NULL || t->n == 0) return;
  size_t size;
  void *map = kd_cache_map(path, sizeof(struct symcache_header), &size);
  if (map == NULL) return;
  const struct symcache_header *h = map;
  const uint32_t *hashes = (const uint32_t *)(h + 1);
  const uint32_t *order = hashes + (h->magic == SYMCACHE_MAGIC ? h->nbase : 0);
  bool ok = h->magic == SYMCACHE_MAGIC && h->nbase == t->n && h->norder <= h->nbase &&
            size == sizeof *h + (h->nbase + h->norder) * sizeof(uint32_t) &&
            symcache_sum(order, h->norder, symcache_sum(hashes, h->nbase, 0)) == h->sum;
  /* a few names hashed again: a file of another table with the same
  ** count would fail here */
  for (size_t i = 0; ok && i < t->n; i += 4093)
    ok = hashes[i] == (uint32_t)kd_fnv1a_str(t->syms[i].name);
  uint32_t *nh = ok && t->nhashes == 0 ? realloc(t->name_hash, t->n * sizeof *nh) : NULL;
  if (nh == NULL) {
    munmap(map, size);
    return;
  }
  memcpy(nh, hashes, t->n * sizeof *nh);
  t->name_hash = nh;
  t->nhashes = t->n;
  t->cached_order = order;
  t->ncached_order = h->norder;
  t->cache_map = map;
  t->cache_map_size = size;
}

static void drop_cached_order(struct kd_symtab *t) {
  if (t->cache_map) munmap(t->cache_map, t->cache_map_size);
  t->cache_map = NULL;
  t->cached_order = NULL;
}

/* after a full sort: the base symbols' hashes and order, written under a
** temporary name and renamed (another run may write the same file) */
static void write_cache(struct kd_symtab *t) {
  if (t->cache_path == NULL || t->nbase == 0 || t->nbase > t->n) return;
  size_t nb = t->nbase;
  uint32_t *order = malloc(t->nby_addr * sizeof *order + 1);
  uint32_t *hashes = t->nhashes >= nb ? t->name_hash : malloc(nb * sizeof *hashes);
  char *dir = strdup(t->cache_path);
  if (order && hashes && dir) {
    if (hashes != t->name_hash)
      for (size_t i = 0; i < nb; i++) hashes[i] = (uint32_t)kd_fnv1a_str(t->syms[i].name);
    size_t k = 0;
    for (size_t i = 0; i < t->nby_addr; i++)
      if (t->by_addr[i] < nb) order[k++] = t->by_addr[i];
    struct symcache_header h = { SYMCACHE_MAGIC, nb, k, 0 };
    h.sum = symcache_sum(order, k, symcache_sum(hashes, nb, 0));
    char *slash = strrchr(dir, '/');
    if (slash) *slash = '\0';
    const void *parts[] = { &h, hashes, order };
    size_t sizes[] = { sizeof h, nb * sizeof *hashes, k * sizeof *order };
    if (slash && kd_make_dirs(dir) == 0) kd_cache_write_parts(t->cache_path, parts, sizes, 3);
  }
  if (hashes != t->name_hash) free(hashes);
  free(order);
  free(dir);
  free(t->cache_path);          /* once a process */
  t->cache_path = NULL;
}

/* aliases of one address, one from each side: addr_key_cmp's order */
static int alias_cmp(const struct kd_symbol *a, const struct kd_symbol *b) {
  uint32_t ra = alias_rank(a), rb = alias_rank(b);
  if (ra != rb) return ra < rb ? -1 : 1;
  return strcmp(a->name, b->name);
}

/*
** The address keys of syms[from..n) in addr_key_cmp's order, into keys;
** returns their count.  Absolute symbols and per-CPU offsets are left
** out: they are not code or data addresses.  (A key's rank is computed
** for aliases only, after the sort.)
*/
static size_t sorted_address_keys(struct kd_symtab *t, size_t from,
                                  struct addr_key *keys) {
  size_t k = 0;
  for (size_t i = from; i < t->n; i++) {
    if (is_absolute(&t->syms[i])) continue;
    keys[k].address = t->syms[i].address;
    keys[k].rank = 0;
    keys[k].index = (uint32_t)i;
    k++;
  }
  sort_syms = t->syms;
  if (radix_sort_by_address(keys, k) != 0) {
    for (size_t i = 0; i < k; i++) keys[i].rank = alias_rank(&t->syms[keys[i].index]);
    qsort(keys, k, sizeof *keys, addr_key_cmp);
  }
  return k;
}

/*
** The cached order of the base symbols merged with the others, sorted
** here; equal keys keep the base first, as the full sort (stable over
** index order) does.  -1 when the cache does not fit the table.
*/
static int merge_cached_order(struct kd_symtab *t) {
  const uint32_t *base = t->cached_order;
  size_t nb = t->ncached_order, want = 0;
  for (size_t i = 0; i < t->nbase; i++) want += !is_absolute(&t->syms[i]);
  if (want != nb) return -1;
  size_t nm = t->n - t->nbase;
  struct addr_key *keys = malloc((nm ? nm : 1) * sizeof *keys);
  uint32_t *out = malloc((nb + nm ? nb + nm : 1) * sizeof *out);
  if (keys == NULL || out == NULL) { free(keys); free(out); return -1; }
  size_t k = sorted_address_keys(t, t->nbase, keys);
  size_t i = 0, j = 0, o = 0;
  uint64_t prev = 0;
  while (i < nb || j < k) {
    if (i < nb) {
      uint32_t x = base[i];
      if (x >= t->nbase) goto bad;
      const struct kd_symbol *s = &t->syms[x];
      if (is_absolute(s) || s->address < prev) goto bad;
      if (j == k || s->address < keys[j].address ||
          (s->address == keys[j].address && alias_cmp(s, &t->syms[keys[j].index]) <= 0)) {
        out[o++] = x;
        prev = s->address;
        i++;
        continue;
      }
    }
    out[o++] = keys[j++].index;
  }
  free(keys);
  free(t->by_addr);
  t->by_addr = out;
  t->nby_addr = o;
  t->sorted = 1;
  return 0;
bad:
  free(keys);
  free(out);
  return -1;
}

/* }====== */

static int sort_by_addr(struct kd_symtab *t) {
  if (t->cached_order) {
    int ok = merge_cached_order(t) == 0;
    drop_cached_order(t);
    if (ok) {
      free(t->cache_path);
      t->cache_path = NULL;
      return 0;
    }
  }
  free(t->by_addr);
  t->by_addr = malloc((t->n ? t->n : 1) * sizeof *t->by_addr);
  struct addr_key *keys = malloc((t->n ? t->n : 1) * sizeof *keys);
  if (t->by_addr == NULL || keys == NULL) {
    free(keys);
    free(t->by_addr);
    t->by_addr = NULL;
    return -1;
  }
  size_t k = sorted_address_keys(t, 0, keys);
  for (size_t i = 0; i < k; i++) t->by_addr[i] = keys[i].index;
  free(keys);
  t->nby_addr = k;
  t->sorted = 1;
  write_cache(t);
  return 0;
}

const struct kd_symbol *kd_symtab_by_address(struct kd_symtab *t, uint64_t addr) {
  if (!t->sorted && sort_by_addr(t) != 0) return NULL;
  size_t lo = 0, hi = t->nby_addr;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (t->syms[t->by_addr[mid]].address <= addr) lo = mid + 1; else hi = mid;
  }
  if (lo == 0) return NULL;
  /* the last symbol at or below addr; walk back over zero-sized ones at
  ** the same address to the preferred (sorted first) one */
  size_t i = lo - 1;
  uint64_t a = t->syms[t->by_addr[i]].address;
  while (i > 0 && t->syms[t->by_addr[i - 1]].address == a) i--;
  const struct kd_symbol *s = &t->syms[t->by_addr[i]];
  if (s->size && addr - s->address >= s->size) {
    /* outside a sized symbol: only accept when no size information lies
    ** about it (e.g. a text symbol followed by padding) within 1 MiB */
    return NULL;
  }
  if (!s->size && addr - s->address > (1u << 20)) return NULL;
  return s;
}

uint64_t kd_symtab_next_address(struct kd_symtab *t, uint64_t addr) {
  if (!t->sorted && sort_by_addr(t) != 0) return 0;
  size_t lo = 0, hi = t->nby_addr;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (t->syms[t->by_addr[mid]].address <= addr) lo = mid + 1; else hi = mid;
  }
  return lo < t->nby_addr ? t->syms[t->by_addr[lo]].address : 0;
}

size_t kd_symtab_count(struct kd_symtab *t) { return t->n; }
const struct kd_symbol *kd_symtab_at(struct kd_symtab *t, size_t i) {
  return i < t->n ? &t->syms[i] : NULL;
}

void kd_symtab_set_size(struct kd_symtab *t, size_t i, uint64_t size) {
  if (i < t->n) t->syms[i].size = size;
}

/*
** An ELF file holding only a symbol table, for gdb when there is no vmlinux
** (`symbol-file` it: gdb then names functions in backtraces).  Two
** SHT_NOBITS sections span the symbols' addresses, one for code (so gdb
** takes function symbols as text) and one for data; the file has no
** contents to speak of.  Only the kernel's own symbols (not modules', not
** absolute or per-CPU ones).
*/
struct kd_error *kd_symtab_write_elf(struct kd_symtab *t, const char *path) {
  uint64_t lo[2] = { UINT64_MAX, UINT64_MAX }, hi[2] = { 0, 0 };
  size_t nsym = 0, strsz = 1;
  for (size_t i = 0; i < t->n; i++) {
    const struct kd_symbol *s = &t->syms[i];
    if (s->module || s->address < 0xffff800000000000ull || s->type == 'a' || s->type == 'A')
      continue;
    int code = s->type == 't' || s->type == 'T';
    if (s->address < lo[code]) lo[code] = s->address;
    if (s->address + (s->size ? s->size : 1) > hi[code]) hi[code] = s->address + (s->size ? s->size : 1);
    nsym++;
    strsz += strlen(s->name) + 1;
  }
  if (nsym == 0) return kd_error_create(KD_ERR_LOOKUP, "no kernel symbols to write");
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return kd_error_create(KD_ERR_IO, "%s: %s", path, strerror(errno));
  elf_version(EV_CURRENT);
  Elf *elf = elf_begin(fd, ELF_C_WRITE, NULL);
  GElf_Sym *syms = calloc(nsym + 1, sizeof *syms);
  char *strtab = malloc(strsz);
  static const char shstr[] = "\0.text\0.data\0.symtab\0.strtab\0.shstrtab";
  struct kd_error *err = NULL;
  if (elf == NULL || syms == NULL || strtab == NULL) { err = kd_enomem; goto out; }
  Elf64_Ehdr *eh = elf64_newehdr(elf);
  if (eh == NULL) { err = kd_error_create(KD_ERR_IO, "%s: %s", path, elf_errmsg(-1)); goto out; }
  eh->e_ident[EI_DATA] = ELFDATA2LSB;
  eh->e_type = ET_EXEC;
  eh->e_machine = EM_X86_64;
  eh->e_version = EV_CURRENT;
  size_t k = 1, sp = 1;
  strtab[0] = '\0';
  for (size_t i = 0; i < t->n; i++) {
    const struct kd_symbol *s = &t->syms[i];
    if (s->module || s->address < 0xffff800000000000ull || s->type == 'a' || s->type == 'A')
      continue;
    int code = s->type == 't' || s->type == 'T';
    int global = s->type >= 'A' && s->type <= 'Z';
    syms[k].st_name = (Elf64_Word)sp;
    syms[k].st_value = s->address;
    syms[k].st_size = s->size;
    syms[k].st_shndx = code ? 1 : 2;
    syms[k].st_info = GELF_ST_INFO(global ? STB_GLOBAL : STB_LOCAL, code ? STT_FUNC : STT_OBJECT);
    size_t l = strlen(s->name) + 1;
    memcpy(strtab + sp, s->name, l);
    sp += l;
    k++;
  }
  /* sections: .text .data (NOBITS spans), .symtab, .strtab, .shstrtab */
  struct { const char *name; Elf64_Word type; uint64_t flags, addr, size; void *data; size_t dsize, entsize; } sec[] = {
    { ".text", SHT_NOBITS, SHF_ALLOC | SHF_EXECINSTR, lo[1], hi[1] > lo[1] ? hi[1] - lo[1] : 0, NULL, 0, 0 },
    { ".data", SHT_NOBITS, SHF_ALLOC | SHF_WRITE, lo[0], hi[0] > lo[0] ? hi[0] - lo[0] : 0, NULL, 0, 0 },
    { ".symtab", SHT_SYMTAB, 0, 0, 0, NULL, 0, sizeof(Elf64_Sym) },
    { ".strtab", SHT_STRTAB, 0, 0, 0, strtab, sp, 0 },
    { ".shstrtab", SHT_STRTAB, 0, 0, 0, (void *)shstr, sizeof shstr, 0 },
  };
  if (lo[1] == UINT64_MAX) sec[0].addr = 0;
  if (lo[0] == UINT64_MAX) sec[1].addr = 0;
  Elf64_Sym *raw = calloc(k, sizeof *raw);
  if (raw == NULL) { err = kd_enomem; goto out; }
  /* locals first, as ELF wants; sh_info = first global */
  size_t nlocal = 1;
  for (size_t i = 1; i < k; i++) if (GELF_ST_BIND(syms[i].st_info) == STB_LOCAL) nlocal++;
  size_t wl = 1, wg = nlocal;
  for (size_t i = 1; i < k; i++) {
    size_t at = GELF_ST_BIND(syms[i].st_info) == STB_LOCAL ? wl++ : wg++;
    raw[at].st_name = syms[i].st_name;
    raw[at].st_info = syms[i].st_info;
    raw[at].st_shndx = syms[i].st_shndx;
    raw[at].st_value = syms[i].st_value;
    raw[at].st_size = syms[i].st_size;
  }
  sec[2].data = raw;
  sec[2].dsize = k * sizeof *raw;
  size_t name_off[] = { 1, 7, 13, 21, 29 };
  for (size_t i = 0; i < 5; i++) {
    Elf_Scn *scn = elf_newscn(elf);
    Elf_Data *d = scn ? elf_newdata(scn) : NULL;
    Elf64_Shdr *sh = scn ? elf64_getshdr(scn) : NULL;
    if (d == NULL || sh == NULL) { err = kd_error_create(KD_ERR_IO, "%s: %s", path, elf_errmsg(-1)); free(raw); goto out; }
    d->d_buf = sec[i].data;
    d->d_size = sec[i].dsize;
    d->d_type = ELF_T_BYTE;
    d->d_align = 8;
    if (i == 2) d->d_type = ELF_T_SYM;
    sh->sh_name = (Elf64_Word)name_off[i];
    sh->sh_type = sec[i].type;
    sh->sh_flags = sec[i].flags;
    sh->sh_addr = sec[i].addr;
    if (sec[i].type == SHT_NOBITS) { sh->sh_size = sec[i].size; d->d_size = sec[i].size; d->d_buf = NULL; }
    sh->sh_entsize = sec[i].entsize;
    if (i == 2) { sh->sh_link = 4; sh->sh_info = (Elf64_Word)nlocal; }
  }
  eh->e_shstrndx = 5;
  if (elf_update(elf, ELF_C_WRITE) < 0)
    err = kd_error_create(KD_ERR_IO, "%s: %s", path, elf_errmsg(-1));
  free(raw);
out:
  if (elf) elf_end(elf);
  close(fd);
  free(syms);
  free(strtab);
  if (err) unlink(path);
  return err;
}
