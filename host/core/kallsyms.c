/*
** kallsyms.c -- decoding the dump's kallsyms tables (see kallsyms.h).
**
** kernel/kallsyms.c (6.1): kallsyms_names holds, per symbol, a length byte
** (two bytes when its high bit is set: "big" symbols, 6.1+) and that many
** token numbers; kallsyms_token_index[t] is the offset in
** kallsyms_token_table of token t's NUL-terminated text.  The first
** character of the expansion is the type letter.  Addresses come from
** kallsyms_addresses[] (no CONFIG_KALLSYMS_BASE_RELATIVE) or from the s32
** kallsyms_offsets[]: with CONFIG_KALLSYMS_ABSOLUTE_PERCPU a non-negative
** offset is an absolute value (per-CPU symbols) and a negative one means
** relative_base - 1 - offset, otherwise every offset is an unsigned distance
** from kallsyms_relative_base.  Absolute-percpu mode is recognised by the
** presence of negative offsets (text is always encoded negative there).
*/
#include "kallsyms.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "object.h"

/* the tables' addresses: VMCOREINFO names them (6.0+), else the symtab */
static int table_address(struct kd_program *prog, const char *name,
                         uint64_t *addr) {
  char key[96];
  snprintf(key, sizeof key, "SYMBOL(%s)", name);
  const char *v = kd_dump_vmcoreinfo(prog->dump, key);
  if (v) { *addr = strtoull(v, NULL, 16); return 1; }
  const struct kd_symbol *s = kd_symtab_lookup(prog->symtab, name);
  if (s) { *addr = s->address; return 1; }
  return 0;
}

/* read a table of unknown exact size in chunks, stopping at a hole */
static struct kd_error *read_table(struct kd_program *prog, uint64_t addr,
                                   size_t want, unsigned char **out,
                                   size_t *got) {
  unsigned char *buf = malloc(want ? want : 1);
  if (buf == NULL) return kd_enomem;
  struct kd_error *err = kd_dump_read_partial(prog->dump, KD_KVADDR, addr,
                                              buf, want, got);
  /* a hole may be past the table's true end (want is an estimate); a
  ** page that does not inflate is damage, and never a table's end */
  if (err && (*got == 0 || err->code == KD_ERR_FORMAT)) { free(buf); return err; }
  kd_error_destroy(err);
  *out = buf;
  return NULL;
}

struct outbuf {
  char *p;
  size_t len, cap;
};

static int out_reserve(struct outbuf *o, size_t n) {
  if (o->len + n <= o->cap) return 0;
  size_t cap = o->cap ? o->cap * 2 : 1 << 20;
  while (cap < o->len + n) cap *= 2;
  char *p = realloc(o->p, cap);
  if (p == NULL) return -1;
  o->p = p;
  o->cap = cap;
  return 0;
}

/*
** The decoder: the tables are read whole (a hole ends them early), then
** every symbol is expanded and handed to `each` with its address and the
** expansion (type letter first).  Used for /proc/kallsyms's text and, when
** there is no vmlinux, as the kernel's symbol table.
*/
/* a name is cut at NAME_MAX_LEN characters (KSYM_NAME_LEN is 512 since
** 6.1, 128 before) */
#define NAME_MAX_LEN 1023
#define TOKEN_PAD 16

typedef int (*kallsyms_fn)(void *ud, uint64_t address, const char *name,
                           size_t len);

static struct kd_error *kallsyms_decode(struct kd_program *prog,
                                        kallsyms_fn each, void *ud,
                                        size_t *nsyms) {
  uint64_t a_names, a_num, a_ttab, a_tidx;
  if (!table_address(prog, "kallsyms_names", &a_names) ||
      !table_address(prog, "kallsyms_num_syms", &a_num) ||
      !table_address(prog, "kallsyms_token_table", &a_ttab) ||
      !table_address(prog, "kallsyms_token_index", &a_tidx))
    return kd_error_create(KD_ERR_LOOKUP, "kallsyms tables not found (kernel "
                           "built without CONFIG_KALLSYMS, or no VMCOREINFO "
                           "and no symbols)");
  uint32_t num;
  uint16_t tidx[256];
  struct kd_error *err = kd_program_read(prog, a_num, &num, 4);
  if (err == NULL) err = kd_program_read(prog, a_tidx, tidx, sizeof tidx);
  if (err) return err;
  if (num > 10000000)
    return kd_error_create(KD_ERR_FORMAT, "kallsyms_num_syms %" PRIu32
                           " is implausible", num);
  if (nsyms) *nsyms = num;
  unsigned maxoff = 0;
  for (int t = 0; t < 256; t++) if (tidx[t] > maxoff) maxoff = tidx[t];
  unsigned char *ttab = NULL, *names = NULL, *addrs = NULL;
  size_t ttab_len = 0, names_len = 0, addrs_len = 0;
  err = read_table(prog, a_ttab, maxoff + 256, &ttab, &ttab_len);
  if (err) goto out;
  /* kallsyms_markers follows kallsyms_names: its distance bounds the read */
  uint64_t a_markers = 0;
  size_t names_want = (size_t)num * 40 + 4096;
  if (table_address(prog, "kallsyms_markers", &a_markers) &&
      a_markers > a_names && a_markers - a_names < (64u << 20))
    names_want = (size_t)(a_markers - a_names);
  err = read_table(prog, a_names, names_want, &names, &names_len);
  if (err) goto out;

  uint64_t a_offs, a_addrs, base = 0;
  enum { ADDRESSES, RELATIVE, ABSOLUTE_PERCPU } mode;
  if (table_address(prog, "kallsyms_offsets", &a_offs)) {
    uint64_t a_base;
    if (!table_address(prog, "kallsyms_relative_base", &a_base)) {
      err = kd_error_create(KD_ERR_LOOKUP, "kallsyms_relative_base not found");
      goto out;
    }
    err = kd_program_read_u64(prog, a_base, &base);
    if (err == NULL) err = read_table(prog, a_offs, (size_t)num * 4, &addrs, &addrs_len);
    if (err) goto out;
    mode = RELATIVE;
    for (size_t i = 0; i + 4 <= addrs_len; i += 4) {
      int32_t v;
      memcpy(&v, addrs + i, 4);
      if (v < 0) { mode = ABSOLUTE_PERCPU; break; }
    }
  } else if (table_address(prog, "kallsyms_addresses", &a_addrs)) {
    err = read_table(prog, a_addrs, (size_t)num * 8, &addrs, &addrs_len);
    if (err) goto out;
    mode = ADDRESSES;
  } else {
    err = kd_error_create(KD_ERR_LOOKUP, "neither kallsyms_offsets nor "
                          "kallsyms_addresses found");
    goto out;
  }

  /* each token's text once, padded: a name is then a 16-byte copy per
  ** token (a token longer than that, rare, is copied as it is) */
  struct { unsigned char len; char text[TOKEN_PAD]; } tok[256];
  for (int t = 0; t < 256; t++) {
    size_t at = tidx[t], tl = at < ttab_len ? strnlen((const char *)ttab + at, ttab_len - at) : 0;
    tok[t].len = tl < 255 ? (unsigned char)tl : 255;
    memset(tok[t].text, 0, TOKEN_PAD);
    memcpy(tok[t].text, ttab + (at < ttab_len ? at : 0), tl < TOKEN_PAD ? tl : TOKEN_PAD);
  }
  size_t p = 0;
  char name[NAME_MAX_LEN + TOKEN_PAD];
  uint32_t decoded = 0;
  for (uint32_t i = 0; i < num; i++) {
    if (p >= names_len) break;
    size_t l = names[p++];
    if (l & 0x80) {
      if (p >= names_len) break;
      l = (l & 0x7f) | ((size_t)names[p++] << 7);
    }
    if (p + l > names_len) break;   /* the name runs past what was read */
    size_t nl = 0;
    for (size_t k = 0; k < l; k++) {
      unsigned t = names[p + k];
      size_t tl = tok[t].len;
      if (tl <= TOKEN_PAD && nl + TOKEN_PAD <= NAME_MAX_LEN) {
        memcpy(name + nl, tok[t].text, TOKEN_PAD);
        nl += tl;
      } else {    /* a long token, or the name at its limit: cut there */
        size_t at = tidx[t];
        const unsigned char *s = ttab + at;
        while (at < ttab_len && *s && nl < NAME_MAX_LEN) { name[nl++] = (char)*s++; at++; }
      }
    }
    p += l;
    name[nl] = '\0';
    uint64_t a;
    if (mode == ADDRESSES) {
      if ((size_t)i * 8 + 8 > addrs_len) break;
      memcpy(&a, addrs + (size_t)i * 8, 8);
    } else {
      if ((size_t)i * 4 + 4 > addrs_len) break;
      int32_t off;
      memcpy(&off, addrs + (size_t)i * 4, 4);
      if (mode == ABSOLUTE_PERCPU)
        a = off >= 0 ? (uint64_t)off : base - 1 - (uint64_t)(int64_t)off;
      else
        a = base + (uint32_t)off;
    }
    decoded = i + 1;
    if (nl < 2) continue;   /* a type letter and no name: s_show skips it */
    if (each(ud, a, name, nl)) { err = kd_enomem; goto out; }
  }
  if (decoded < num) {
    /* the tables ended early (a hole in the dump): a short list would
    ** pass for the whole one */
    err = kd_error_create(KD_ERR_NODATA, "kallsyms tables cut short: %" PRIu32
                          " of %" PRIu32 " symbols readable", decoded, num);
    goto out;
  }
out:
  free(ttab);
  free(names);
  free(addrs);
  return err;
}

struct text_state {
  struct outbuf o;
  int ndig;
  size_t n;
};

/* "%0*lx" by hand (snprintf was half of the text loop's time), two digits
** a step: at least ndig digits, more when the value needs them; returns
** the count */
static const char hex_pairs[] =
  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
  "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
  "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
  "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
  "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
  "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
  "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
  "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

static int put_hex(char *w, uint64_t a, int ndig) {
  int nd = ndig;
  while (nd < 16 && (a >> (4 * nd)) != 0) nd++;
  int d = nd;
  for (; d >= 2; d -= 2, a >>= 8) memcpy(w + d - 2, hex_pairs + 2 * (a & 0xff), 2);
  if (d) w[0] = "0123456789abcdef"[a & 0xf];
  return nd;
}

static int add_text_line(void *ud, uint64_t a, const char *name, size_t nl) {
  struct text_state *st = ud;
  struct outbuf *o = &st->o;
  if (out_reserve(o, nl + 16 + 4)) return -1;
  char *w = o->p + o->len;
  w += put_hex(w, a, st->ndig);
  *w++ = ' ';
  *w++ = name[0];
  *w++ = ' ';
  memcpy(w, name + 1, nl - 1);
  w += nl - 1;
  *w++ = '\n';
  o->len = (size_t)(w - o->p);
  st->n++;
  return 0;
}

struct kd_error *kd_kallsyms_core_text(struct kd_program *prog, int digits,
                                       char **text, size_t *len,
                                       size_t *count) {
  /* at least `digits` hex digits, more if an address needs them (as %0*x) */
  struct text_state st = { .ndig = digits < 1 ? 1 : digits > 16 ? 16 : digits };
  if (out_reserve(&st.o, (size_t)1 << 22)) return kd_enomem;
  struct kd_error *err = kallsyms_decode(prog, add_text_line, &st, NULL);
  if (err == NULL && out_reserve(&st.o, 1)) err = kd_enomem;
  if (err) { free(st.o.p); return err; }
  st.o.p[st.o.len] = '\0';
  *text = st.o.p;
  *len = st.o.len;
  *count = st.n;
  return NULL;
}

/* {------ one module's part ------ */

/*
** kernel/module/kallsyms.c (6.1 and 6.12 alike): after the core table,
** /proc/kallsyms lists each module's mod->kallsyms -- its Elf_Sym symtab,
** the strtab of the names and (4.5+) the typetab of nm-style letters that
** the loader computed; before 4.5 the three lived in struct module itself
** and the letter was kept in st_info.  s_show prints "%px %c %s\t[%s]\n",
** the letter upper-cased when the module exports the name with that very
** value (mod->syms), lower-cased otherwise, and skips empty names.
** Elf64_Sym only, as the module loader of a 64-bit kernel keeps it.
*/

#define ELF64_SYM_SIZE 24

struct export {
  uint64_t value;
  const char *name;     /* into exports.names, once every name is read */
  size_t name_off;
  size_t index;         /* table order: a later entry of a name wins */
};

struct exports {
  struct export *v;
  size_t n;
  char *names;
  size_t names_len, names_cap;
};

static void exports_free(struct exports *e) {
  free(e->v);
  free(e->names);
}

static int export_cmp(const void *x, const void *y) {
  const struct export *a = x, *b = y;
  int c = strcmp(a->name, b->name);
  if (c) return c;
  return a->index < b->index ? -1 : a->index > b->index;
}

/* exported under `name` with `value`?  (is_exported: the export of that
** name, its value compared; modpost refuses a name exported twice, so
** which of two would decide -- here the table's last -- never shows) */
static bool exported_as(const struct exports *e, const char *name,
                        uint64_t value) {
  size_t lo = 0, hi = e->n;
  while (lo < hi) {     /* the first entry past `name` */
    size_t mid = lo + (hi - lo) / 2;
    if (strcmp(e->v[mid].name, name) <= 0) lo = mid + 1; else hi = mid;
  }
  return lo > 0 && e->v[lo - 1].value == value &&
         strcmp(e->v[lo - 1].name, name) == 0;
}

/* the byte offset of t's member `name`: *has false when t has none */
static struct kd_error *member_at(struct kd_type *t, const char *name,
                                  bool *has, uint64_t *off) {
  uint64_t bits;
  struct kd_error *err = kd_member_offset(t, name, &bits, NULL);
  *has = err == NULL;
  if (err && err->code == KD_ERR_LOOKUP) { kd_error_destroy(err); err = NULL; }
  if (*has) *off = bits / 8;
  return err;
}

/*
** mod->syms, mod->num_syms: struct kernel_symbol holds PREL32 offsets of
** the value and the name from the fields themselves (4.19+ with
** CONFIG_HAVE_ARCH_PREL32_RELOCATIONS: value_offset, name_offset), else
** absolute value and name pointers.  A name that does not read is left
** out, as the symbol then cannot be matched anyway.
*/
static struct kd_error *read_exports(struct kd_program *prog,
                                     struct kd_type *mod_t, uint64_t mod,
                                     struct exports *e) {
  uint64_t n, syms;
  struct kd_error *err = kd_read_member_u64(prog, mod_t, mod, "num_syms", &n);
  if (err == NULL && n) err = kd_read_member_u64(prog, mod_t, mod, "syms", &syms);
  if (err || n == 0 || syms == 0) return err;
  struct kd_type *ks_t;
  if ((err = kd_program_find_type(prog, "struct kernel_symbol", &ks_t))) return err;
  uint64_t sz = kd_type_sizeof(ks_t), value_at = 0, name_at = 0;
  bool prel, has_name;
  if ((err = member_at(ks_t, "value_offset", &prel, &value_at))) return err;
  if ((err = member_at(ks_t, prel ? "name_offset" : "name", &has_name, &name_at)))
    return err;
  if (!prel) {
    bool has_value;
    if ((err = member_at(ks_t, "value", &has_value, &value_at))) return err;
    has_name = has_name && has_value;
  }
  unsigned width = prel ? 4 : 8;
  if (!has_name || value_at + width > sz || name_at + width > sz)
    return kd_error_create(KD_ERR_TYPE, "struct kernel_symbol has neither "
                           "value_offset/name_offset nor value/name");
  if (n > 1000000)
    return kd_error_create(KD_ERR_FORMAT, "implausible export count %" PRIu64, n);
  unsigned char *raw = malloc(n * sz);
  e->v = malloc(n * sizeof *e->v);
  if (raw == NULL || e->v == NULL) { free(raw); return kd_enomem; }
  err = kd_program_read(prog, syms, raw, n * sz);
  for (uint64_t i = 0; err == NULL && i < n; i++) {
    const unsigned char *r = raw + i * sz;
    uint64_t at = syms + i * sz, value, name_addr;
    if (prel) {
      int32_t vo, no;
      memcpy(&vo, r + value_at, 4);
      memcpy(&no, r + name_at, 4);
      value = at + value_at + (uint64_t)(int64_t)vo;
      name_addr = at + name_at + (uint64_t)(int64_t)no;
    } else {
      memcpy(&value, r + value_at, 8);
      memcpy(&name_addr, r + name_at, 8);
    }
    char *s;
    size_t len;
    struct kd_error *e2 = kd_program_read_string(prog, name_addr, 512, &s, &len);
    if (e2 == kd_enomem) { err = e2; break; }
    if (e2) { kd_error_destroy(e2); continue; }
    if (e->names_len + len + 1 > e->names_cap) {
      size_t cap = e->names_cap ? e->names_cap * 2 : 16384;
      while (cap < e->names_len + len + 1) cap *= 2;
      char *g = realloc(e->names, cap);
      if (g == NULL) { free(s); err = kd_enomem; break; }
      e->names = g;
      e->names_cap = cap;
    }
    memcpy(e->names + e->names_len, s, len + 1);
    free(s);
    e->v[e->n++] = (struct export){ .value = value, .name_off = e->names_len,
                                    .index = (size_t)i };
    e->names_len += len + 1;
  }
  free(raw);
  if (err) return err;
  for (size_t i = 0; i < e->n; i++) e->v[i].name = e->names + e->v[i].name_off;
  if (e->n > 1) qsort(e->v, e->n, sizeof *e->v, export_cmp);
  return NULL;
}

static char ascii_upper(char c) { return c >= 'a' && c <= 'z' ? (char)(c - 32) : c; }
static char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c; }

static struct kd_error *module_lines(struct kd_program *prog, uint64_t mod,
                                     const char *label, struct text_state *st) {
  struct kd_type *mod_t, *ks_t;
  struct kd_error *err = kd_program_find_type(prog, "struct module", &mod_t);
  if (err) return err;
  /* 4.5 moved symtab/strtab into mod->kallsyms and added the typetab */
  bool split;
  uint64_t ks = mod, unused;
  if ((err = member_at(mod_t, "kallsyms", &split, &unused))) return err;
  ks_t = mod_t;
  if (split) {
    if ((err = kd_read_member_u64(prog, mod_t, mod, "kallsyms", &ks)) ||
        (err = kd_program_find_type(prog, "struct mod_kallsyms", &ks_t)))
      return err;
  }
  if (ks == 0) return NULL;
  uint64_t num, symtab, strtab, typetab = 0;
  bool has_typetab;
  if ((err = kd_read_member_u64(prog, ks_t, ks, "num_symtab", &num))) return err;
  if (num == 0) return NULL;
  if ((err = kd_read_member_u64(prog, ks_t, ks, "symtab", &symtab)) ||
      (err = kd_read_member_u64(prog, ks_t, ks, "strtab", &strtab)) ||
      (err = member_at(ks_t, "typetab", &has_typetab, &unused)))
    return err;
  if (has_typetab && (err = kd_read_member_u64(prog, ks_t, ks, "typetab", &typetab)))
    return err;
  if (num > 1000000)
    return kd_error_create(KD_ERR_FORMAT, "implausible symbol count %" PRIu64, num);
  unsigned char *raw = NULL, *types = NULL;
  char *strs = NULL;
  size_t strs_len = 0;
  struct exports exp = { 0 };
  raw = malloc(num * ELF64_SYM_SIZE);
  if (raw == NULL) return kd_enomem;
  err = kd_program_read(prog, symtab, raw, num * ELF64_SYM_SIZE);
  if (err == NULL && typetab) {
    if ((types = malloc(num)) == NULL) err = kd_enomem;
    else err = kd_program_read(prog, typetab, types, num);
  }
  /* the core strtab lies between strtab and typetab (layout_symtab):
  ** read at once when it does, else each name on its own */
  if (err == NULL && typetab > strtab && typetab - strtab < (16u << 20)) {
    strs_len = (size_t)(typetab - strtab);
    if ((strs = malloc(strs_len + 1)) == NULL) err = kd_enomem;
    else {
      struct kd_error *e2 = kd_program_read(prog, strtab, strs, strs_len);
      if (e2) { kd_error_destroy(e2); free(strs); strs = NULL; }
      else strs[strs_len] = '\0';   /* a last name cut by the end ends there */
    }
  }
  if (err == NULL) err = read_exports(prog, mod_t, mod, &exp);
  size_t label_len = strlen(label);
  for (uint64_t i = 0; err == NULL && i < num; i++) {
    const unsigned char *r = raw + i * ELF64_SYM_SIZE;
    uint32_t st_name;
    uint64_t st_value;
    memcpy(&st_name, r, 4);
    memcpy(&st_value, r + 8, 8);
    const char *name;
    char *owned = NULL;
    size_t nl;
    if (strs && st_name < strs_len) {
      name = strs + st_name;
      nl = strlen(name);
    } else {
      struct kd_error *e2 = kd_program_read_string(prog, strtab + st_name, 512, &owned, &nl);
      if (e2 == kd_enomem) { err = e2; break; }
      if (e2) { kd_error_destroy(e2); continue; }   /* as an empty name */
      name = owned;
    }
    if (nl == 0) { free(owned); continue; }
    char t = types ? (char)types[i] : (char)r[4];   /* < 4.5: st_info */
    t = exported_as(&exp, name, st_value) ? ascii_upper(t) : ascii_lower(t);
    if (out_reserve(&st->o, 16 + 3 + nl + 3 + label_len + 1)) {
      free(owned);
      err = kd_enomem;
      break;
    }
    char *w = st->o.p + st->o.len;
    w += put_hex(w, st_value, st->ndig);
    *w++ = ' ';
    *w++ = t;
    *w++ = ' ';
    memcpy(w, name, nl);
    w += nl;
    *w++ = '\t';
    *w++ = '[';
    memcpy(w, label, label_len);
    w += label_len;
    *w++ = ']';
    *w++ = '\n';
    st->o.len = (size_t)(w - st->o.p);
    st->n++;
    free(owned);
  }
  free(raw);
  free(types);
  free(strs);
  exports_free(&exp);
  return err;
}

struct kd_error *kd_kallsyms_module_text(struct kd_program *prog, uint64_t mod,
                                         const char *label, int digits,
                                         char **text, size_t *len,
                                         size_t *count) {
  struct text_state st = { .ndig = digits < 1 ? 1 : digits > 16 ? 16 : digits };
  struct kd_error *err = module_lines(prog, mod, label, &st);
  if (err == NULL && out_reserve(&st.o, 1)) err = kd_enomem;
  if (err) { free(st.o.p); return err; }
  st.o.p[st.o.len] = '\0';
  *text = st.o.p;
  *len = st.o.len;
  *count = st.n;
  return NULL;
}

/* }------ */

struct collected {
  struct kd_program *prog;
  uint64_t *addrs;          /* every address, for the sizes */
  size_t n, cap;
};

static int add_symbol(void *ud, uint64_t a, const char *name, size_t nl) {
  struct collected *c = ud;
  (void)nl;
  if (c->n == c->cap) {
    size_t ncap = c->cap ? c->cap * 2 : 65536;
    uint64_t *g = realloc(c->addrs, ncap * sizeof *g);
    if (g == NULL) return -1;
    c->addrs = g;
    c->cap = ncap;
  }
  c->addrs[c->n++] = a;
  struct kd_error *err = kd_symtab_add(c->prog->symtab, name + 1, a, 0, name[0], NULL);
  if (err == NULL) return 0;
  kd_error_destroy(err);
  return -1;
}

static int u64_cmp(const void *x, const void *y) {
  uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
  return a < b ? -1 : a > b;
}

struct kd_error *kd_kallsyms_load_symtab(struct kd_program *prog,
                                         size_t *count) {
  size_t before = kd_symtab_count(prog->symtab);
  struct collected c = { .prog = prog };
  struct kd_error *err = kallsyms_decode(prog, add_symbol, &c, NULL);
  if (err) { free(c.addrs); return err; }
  *count = kd_symtab_count(prog->symtab) - before;
  if (*count == 0) {
    free(c.addrs);
    return kd_error_create(KD_ERR_FORMAT, "kallsyms tables decode to no "
                           "symbols (unreadable pages in the dump?)");
  }
  /* kallsyms has no sizes: a symbol is as long as the distance to the next
  ** address, as kallsyms_lookup_size_offset measures it (the last has 0) */
  /* scripts/kallsyms.c sorts the table by address: sort only if not */
  for (size_t i = 1; i < c.n; i++)
    if (c.addrs[i] < c.addrs[i - 1]) {
      qsort(c.addrs, c.n, sizeof *c.addrs, u64_cmp);
      break;
    }
  for (size_t i = before; i < kd_symtab_count(prog->symtab); i++) {
    const struct kd_symbol *s = kd_symtab_at(prog->symtab, i);
    size_t lo = 0, hi = c.n;
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      if (c.addrs[mid] <= s->address) lo = mid + 1; else hi = mid;
    }
    if (lo < c.n) kd_symtab_set_size(prog->symtab, i, c.addrs[lo] - s->address);
  }
  free(c.addrs);
  return NULL;
}
