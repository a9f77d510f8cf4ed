/*
** lua_kd.c -- the global `kd` table (see README "Lua API").
*/
#include <lauxlib.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lua_kd.h"
#include "base/faultalloc.h"
#include "base/siphash.h"
#include "core/kallsyms.h"
#include "core/rodata.h"
#include "core/walk.h"

/*
** The program lives in the state's extra space, not in the registry: a
** script can reach the registry (debug.getregistry) and clear it, and a
** NULL program would then crash the first kd call.  The extra space is
** out of Lua's reach, and every coroutine starts with a copy of it.
*/
struct kd_program *kl_program(lua_State *L) {
  struct kd_program *p = *(struct kd_program **)lua_getextraspace(L);
  if (p == NULL) luaL_error(L, "kd: no dump is open in this Lua state");
  return p;
}

static int k_symbol(lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  struct kd_program *prog = kl_program(L);
  uint64_t addr;
  struct kd_type *t;
  struct kd_error *err = kd_program_find_symbol(prog, name, &addr, &t);
  if (err) return kl_raise(L, err);
  /* `extern struct x y[];` has no length in DWARF; the symbol's size does */
  struct kd_type *r = kd_type_resolve(t);
  const struct kd_symbol *sym = kd_symtab_lookup(prog->symtab, name);
  if (r && r->kind == KD_TYPE_ARRAY && !r->length_known && sym && sym->size) {
    uint64_t esize = kd_type_sizeof(r->target);
    if (esize && sym->size % esize == 0) {
      err = kd_program_array_type(prog, r->target, sym->size / esize, &t);
      if (err) return kl_raise(L, err);
    }
  }
  struct kd_object o;
  kd_object_reference(&o, t, addr);
  kl_push_object(L, &o);
  return 1;
}

static int k_symbol_address(lua_State *L) {
  uint64_t addr;
  struct kd_error *err = kd_program_find_symbol(kl_program(L), luaL_checkstring(L, 1),
                                                &addr, NULL);
  if (err) {
    if (err->code == KD_ERR_LOOKUP) { kd_error_destroy(err); lua_pushnil(L); return 1; }
    return kl_raise(L, err);
  }
  lua_pushinteger(L, (lua_Integer)addr);
  return 1;
}

/* kd.addr(x): the address x designates, as libraries use it everywhere:
** nil -> 0, and otherwise what kd.read and friends take as an address
** (kl_check_address: a number as is, a pointer's or integer's value, any
** other object's address), but an enum object gives its value.  One call
** instead of type_().kind then value_() or address_(). */
static int k_addr(lua_State *L) {
  if (lua_isnoneornil(L, 1)) {
    lua_pushinteger(L, 0);
    return 1;
  }
  struct kd_object *o = kl_test_object(L, 1);
  struct kd_type *t = o ? kd_type_resolve(o->type) : NULL;
  if (t && t->kind == KD_TYPE_ENUM) {
    kl_push_value(L, o);
    return 1;
  }
  lua_pushinteger(L, (lua_Integer)kl_check_address(L, 1));
  return 1;
}

/* kd.symbolize(addr) -> name, offset, module, elf_size, kallsyms_size
** (nil if unknown) */
static int k_symbolize(lua_State *L) {
  struct kd_program *prog = kl_program(L);
  uint64_t addr = (uint64_t)luaL_checkinteger(L, 1);
  if (!prog->modules_loaded && !prog->opts.no_modules) {
    struct kd_error *err = kd_program_load_modules(prog);
    kd_error_destroy(err);
  }
  const struct kd_symbol *s = kd_symtab_by_address(prog->symtab, addr);
  if (s == NULL) { lua_pushnil(L); return 1; }
  lua_pushstring(L, s->name);
  lua_pushinteger(L, (lua_Integer)(addr - s->address));
  if (s->module) lua_pushstring(L, s->module); else lua_pushnil(L);
  lua_pushinteger(L, (lua_Integer)s->size);
  /* 5th: the size as kallsyms and %pS see it (up to the next symbol) */
  uint64_t next = kd_symtab_next_address(prog->symtab, s->address);
  lua_pushinteger(L, (lua_Integer)(next ? next - s->address : s->size));
  return 5;
}

static int k_object(lua_State *L) {
  struct kd_type *t = kl_check_type(L, 1);
  uint64_t addr = kl_check_address(L, 2);
  struct kd_object o;
  kd_object_reference(&o, t, addr);
  kl_push_object(L, &o);
  return 1;
}

/* kd.pointer(typename, value): a pointer value object */
static int k_pointer(lua_State *L) {
  struct kd_type *t = kl_check_type(L, 1);
  uint64_t v = kl_check_address(L, 2);
  struct kd_type *pt = t;
  struct kd_type *r = kd_type_resolve(t);
  if (r == NULL || r->kind != KD_TYPE_POINTER) {
    struct kd_error *err = kd_program_pointer_type(kl_program(L), t, &pt);
    if (err) return kl_raise(L, err);
  }
  struct kd_object o;
  kd_object_value_u64(&o, pt, v);
  kl_push_object(L, &o);
  return 1;
}

static int k_type(lua_State *L) {
  kl_push_type(L, kl_check_type(L, 1));
  return 1;
}

static int k_has_type(lua_State *L) {
  struct kd_type *t;
  struct kd_error *err = kd_program_find_type(kl_program(L), luaL_checkstring(L, 1), &t);
  lua_pushboolean(L, err == NULL);
  kd_error_destroy(err);
  return 1;
}

static int k_member_offset(lua_State *L) {
  struct kd_type *t = kl_check_type(L, 1);
  uint64_t bits;
  struct kd_error *err = kd_member_offset(t, luaL_checkstring(L, 2), &bits, NULL);
  if (err) return kl_raise(L, err);
  lua_pushinteger(L, (lua_Integer)(bits / 8));
  return 1;
}

static int k_member_size(lua_State *L) {
  struct kd_type *t = kl_check_type(L, 1);
  uint64_t bits;
  const struct kd_member *m;
  struct kd_error *err = kd_member_offset(t, luaL_checkstring(L, 2), &bits, &m);
  if (err) return kl_raise(L, err);
  lua_pushinteger(L, (lua_Integer)kd_type_sizeof(m->type));
  return 1;
}

/* kd.member_reader(type, path...) -> function(obj_or_addr) -> values:
** the members named once, read in one call, as integers (pointers as
** addresses, 0 for NULL), booleans for _Bool, addresses for struct, union
** and array members, nil for a member this kernel's type lacks.  A path
** may follow pointers ("real_parent->tgid"): nil when one on the way is
** NULL. */
struct member_reader {
  int n;
  struct kd_field f[];
};

static int member_reader_read(lua_State *L) {
  const struct member_reader *r = lua_touserdata(L, lua_upvalueindex(1));
  uint64_t addr = kl_check_address(L, 1);
  if (addr == 0) return luaL_argerror(L, 1, "NULL address");
  struct kd_program *prog = kl_program(L);
  luaL_checkstack(L, r->n, "too many members");
  for (int i = 0; i < r->n; i++) {
    uint64_t v;
    bool is_null;
    struct kd_error *err = kd_field_read(prog, &r->f[i], addr, &v, &is_null);
    if (err) return kl_raise(L, err);
    if (is_null) { lua_pushnil(L); continue; }
    switch (r->f[i].kind) {
      case KD_FIELD_ABSENT: lua_pushnil(L); break;
      case KD_FIELD_BOOL: lua_pushboolean(L, v != 0); break;
      default: lua_pushinteger(L, (lua_Integer)v); break;
    }
  }
  return r->n;
}

static int k_member_reader(lua_State *L) {
  struct kd_type *t = kl_check_type(L, 1);
  int n = lua_gettop(L) - 1;
  if (n < 1) return luaL_error(L, "kd.member_reader: no member named");
  struct member_reader *r = lua_newuserdatauv(L, sizeof *r + (size_t)n * sizeof r->f[0], 0);
  r->n = n;
  for (int i = 0; i < n; i++) {
    struct kd_error *err = kd_field_compile(t, luaL_checkstring(L, i + 2), &r->f[i]);
    if (err) return kl_raise(L, err);
  }
  lua_pushcclosure(L, member_reader_read, 1);
  return 1;
}

static struct kd_type *check_enum(lua_State *L, int idx) {
  struct kd_type *t = kd_type_resolve(kl_check_type(L, idx));
  if (t == NULL || t->kind != KD_TYPE_ENUM) {
    luaL_argerror(L, idx, "not an enum type");
    return NULL;
  }
  struct kd_error *err = kd_type_load(t);
  if (err) kl_raise(L, err);
  return t;
}

static int k_enum_value(lua_State *L) {
  struct kd_type *t = check_enum(L, 1);
  const char *name = luaL_checkstring(L, 2);
  for (size_t i = 0; i < t->nenumerators; i++)
    if (strcmp(t->enumerators[i].name, name) == 0) {
      lua_pushinteger(L, t->enumerators[i].value);
      return 1;
    }
  struct kd_error *err = kd_error_create(KD_ERR_LOOKUP, "enum %s has no value %s",
                                         t->name ? t->name : "<anonymous>", name);
  return kl_raise(L, err);
}

/* kd.constant(name) -> the value of enumerator `name`, or nil, why */
static int k_constant(lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  int64_t v;
  struct kd_error *err = kd_program_find_constant(kl_program(L), name, &v);
  if (err == NULL) {
    lua_pushinteger(L, (lua_Integer)v);
    return 1;
  }
  if (err->code != KD_ERR_LOOKUP && err->code != KD_ERR_OTHER) return kl_raise(L, err);
  lua_pushnil(L);
  lua_pushstring(L, err->message);
  kd_error_destroy(err);
  return 2;
}

static int k_enum_name(lua_State *L) {
  struct kd_type *t = check_enum(L, 1);
  lua_Integer v = luaL_checkinteger(L, 2);
  for (size_t i = 0; i < t->nenumerators; i++)
    if (t->enumerators[i].value == v) {
      lua_pushstring(L, t->enumerators[i].name);
      return 1;
    }
  lua_pushnil(L);
  return 1;
}

static int k_container_of(lua_State *L) {
  uint64_t ptr = kl_check_address(L, 1);
  struct kd_type *t = kl_check_type(L, 2);
  const char *member = luaL_checkstring(L, 3);
  struct kd_object o;
  struct kd_error *err = kd_object_container_of(kl_program(L), ptr, t, member, &o);
  if (err) return kl_raise(L, err);
  kl_push_object(L, &o);
  return 1;
}

static int k_read(lua_State *L) {
  uint64_t addr = kl_check_address(L, 1);
  lua_Integer n = luaL_checkinteger(L, 2);
  luaL_argcheck(L, n >= 0 && n <= (64 << 20), 2, "size out of range");
  void *buf = lua_newuserdatauv(L, n ? (size_t)n : 1, 0);
  struct kd_error *err = kd_program_read(kl_program(L), addr, buf, (size_t)n);
  if (err) return kl_raise(L, err);
  lua_pushlstring(L, buf, (size_t)n);
  return 1;
}

static int k_read_phys(lua_State *L) {
  uint64_t addr = (uint64_t)luaL_checkinteger(L, 1);
  lua_Integer n = luaL_checkinteger(L, 2);
  luaL_argcheck(L, n >= 0 && n <= (64 << 20), 2, "size out of range");
  void *buf = lua_newuserdatauv(L, n ? (size_t)n : 1, 0);
  struct kd_error *err = kd_dump_read(kl_program(L)->dump, KD_PHYSADDR, addr, buf, (size_t)n);
  if (err) return kl_raise(L, err);
  lua_pushlstring(L, buf, (size_t)n);
  return 1;
}

static int read_uint(lua_State *L, size_t size, bool sign) {
  uint64_t addr = kl_check_address(L, 1);
  uint64_t v = 0;
  struct kd_error *err = kd_program_read(kl_program(L), addr, &v, size);
  if (err) return kl_raise(L, err);
  if (sign && size < 8 && (v >> (size * 8 - 1)) & 1) v |= ~0ull << (size * 8);
  lua_pushinteger(L, (lua_Integer)v);
  return 1;
}
static int k_read_u8(lua_State *L) { return read_uint(L, 1, false); }
static int k_read_u16(lua_State *L) { return read_uint(L, 2, false); }
static int k_read_u32(lua_State *L) { return read_uint(L, 4, false); }
static int k_read_u64(lua_State *L) { return read_uint(L, 8, false); }
static int k_read_s8(lua_State *L) { return read_uint(L, 1, true); }
static int k_read_s16(lua_State *L) { return read_uint(L, 2, true); }
static int k_read_s32(lua_State *L) { return read_uint(L, 4, true); }
static int k_read_s64(lua_State *L) { return read_uint(L, 8, true); }

static int k_read_string(lua_State *L) {
  uint64_t addr = kl_check_address(L, 1);
  lua_Integer max = luaL_optinteger(L, 2, 4096);
  luaL_argcheck(L, max >= 0 && max <= (16 << 20), 2, "size out of range");
  /* read what is readable, then cut at the NUL; a page (4 KiB) at a time
  ** up to the NUL, so a short string does not read (nor decompress) the
  ** page after it, nor copy max bytes (the default 4096) */
  struct kd_dump *dump = kl_program(L)->dump;
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  size_t n = 0;
  while (n < (size_t)max) {
    size_t want = (size_t)max - n;
    uint64_t page_left = 4096 - ((addr + n) & 4095);
    if (want > page_left) want = (size_t)page_left;
    char *p = luaL_prepbuffsize(&b, want);
    size_t got = 0;
    struct kd_error *err = kd_dump_read_partial(dump, KD_KVADDR, addr + n, p, want, &got);
    size_t len = strnlen(p, got);
    if (err && len == got) return kl_raise(L, err);
    kd_error_destroy(err);
    luaL_addsize(&b, len);
    n += len;
    if (len < want) break;
  }
  luaL_pushresult(&b);
  return 1;
}

/*
** kd.read_user(task_or_mm, addr, len [, partial]): bytes of a user address
** space, through the process's page tables (mm->pgd).  Pages that were
** never faulted in or were filtered out of the dump raise "fault"/"nodata";
** with `partial` true, returns what was readable before the hole plus the
** error object.
*/
static int k_read_user(lua_State *L) {
  struct kd_program *prog = kl_program(L);
  struct kd_object *o = kl_check_object(L, 1);
  uint64_t addr = (uint64_t)luaL_checkinteger(L, 2);
  lua_Integer n = luaL_checkinteger(L, 3);
  int partial = lua_toboolean(L, 4);
  luaL_argcheck(L, n >= 0 && n <= (64 << 20), 3, "size out of range");
  struct kd_object mm = *o, pgd;
  struct kd_type *t = kd_type_resolve(o->type);
  if (t && t->kind == KD_TYPE_POINTER) t = kd_type_resolve(t->target);
  struct kd_error *err = NULL;
  if (t && t->name && strcmp(t->name, "task_struct") == 0) {
    err = kd_object_member(prog, o, "mm", &mm);
    uint64_t v = 0;
    if (err == NULL) err = kd_object_pointer_value(prog, &mm, &v);
    if (err == NULL && v == 0)
      err = kd_error_create(KD_ERR_NODATA, "task has no user address space (kernel thread or exited)");
  }
  uint64_t pgd_v = 0, pgd_p = 0;
  if (err == NULL) err = kd_object_member(prog, &mm, "pgd", &pgd);
  if (err == NULL) err = kd_object_pointer_value(prog, &pgd, &pgd_v);
  if (err == NULL) err = kd_dump_vtop(prog->dump, pgd_v, &pgd_p);
  if (err) return kl_raise(L, err);
  void *buf = lua_newuserdatauv(L, n ? (size_t)n : 1, 0);
  size_t got = 0;
  err = kd_dump_read_user(prog->dump, pgd_p, addr, buf, (size_t)n, &got);
  if (err && !partial) return kl_raise(L, err);
  lua_pushlstring(L, buf, got);
  if (err) { kl_push_error(L, err); return 2; }
  return 1;
}

static int k_per_cpu(lua_State *L) {
  struct kd_program *prog = kl_program(L);
  struct kd_object o;
  /* a name is the per-CPU variable itself, whatever its type (current_task
  ** is a pointer); an object of pointer type is a __percpu pointer value */
  int by_name = lua_type(L, 1) == LUA_TSTRING;
  if (by_name) {
    uint64_t addr;
    struct kd_type *t;
    struct kd_error *err = kd_program_find_symbol(prog, lua_tostring(L, 1), &addr, &t);
    if (err) return kl_raise(L, err);
    kd_object_reference(&o, t, addr);
  } else {
    o = *kl_check_object(L, 1);
  }
  lua_Integer cpu = luaL_checkinteger(L, 2);
  luaL_argcheck(L, cpu >= 0 && cpu < 65536, 2, "CPU number out of range");
  uint64_t off;
  struct kd_error *err = kd_program_per_cpu_offset(prog, (unsigned)cpu, &off);
  if (err) return kl_raise(L, err);
  struct kd_type *t = kd_type_resolve(o.type);
  if (!by_name && t && t->kind == KD_TYPE_POINTER) {
    /* a __percpu pointer: add the offset to its value */
    uint64_t v;
    err = kd_object_pointer_value(prog, &o, &v);
    if (err) return kl_raise(L, err);
    kd_object_reference(&o, t->target, v + off);
  } else {
    if (!o.is_reference) return luaL_argerror(L, 1, "per-CPU object has no address");
    o.address += off;
  }
  kl_push_object(L, &o);
  return 1;
}

static int k_cpus(lua_State *L) {
  struct kd_program *prog = kl_program(L);
  const char *which = luaL_optstring(L, 1, NULL);
  static const char *const order[] = { "online", "present", "possible" };
  unsigned *cpus = NULL;
  size_t n = 0;
  struct kd_error *err = NULL;
  for (int i = 0; i < 3; i++) {
    if (which && strcmp(which, order[i]) != 0) continue;
    kd_error_destroy(err);
    err = kd_program_cpu_mask(prog, order[i], &cpus, &n);
    if (err == NULL && n > 0) break;
    /* out of memory is no reason to answer with another mask */
    if (err && err->code == KD_ERR_NOMEM) {
      free(cpus);
      return kl_raise(L, err);
    }
    free(cpus);
    cpus = NULL;
  }
  if (cpus == NULL && err) return kl_raise(L, err);
  kd_error_destroy(err);
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    lua_pushinteger(L, cpus[i]);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  free(cpus);
  if (n == 0) {  /* no mask readable: CPU 0 alone */
    lua_pushinteger(L, 0);
    lua_rawseti(L, -2, 1);
  }
  return 1;
}

static int k_vmcoreinfo(lua_State *L) {
  struct kd_program *prog = kl_program(L);
  const char *v = lua_isnoneornil(L, 1) ? kd_dump_vmcoreinfo_raw(prog->dump)
                                        : kd_dump_vmcoreinfo(prog->dump, luaL_checkstring(L, 1));
  if (v) lua_pushstring(L, v); else lua_pushnil(L);
  return 1;
}

static const char *const uts_fields[] = { "sysname", "nodename", "release",
                                          "version", "machine", "domainname", NULL };

/* kd.uts(): init_uts_ns.name, read from memory (falls back to the dump's
** VMCOREINFO-located copy through libkdumpfile when types are missing) */
static int k_uts(lua_State *L) {
  struct kd_program *prog = kl_program(L);
  lua_createtable(L, 0, 6);
  uint64_t addr;
  struct kd_type *t = NULL;
  struct kd_error *err = kd_program_find_symbol(prog, "init_uts_ns", &addr, &t);
  if (err == NULL && t != NULL) {
    struct kd_object o, name, f;
    kd_object_reference(&o, t, addr);
    err = kd_object_member(prog, &o, "name", &name);
    for (int i = 0; err == NULL && uts_fields[i]; i++) {
      err = kd_object_member(prog, &name, uts_fields[i], &f);
      char *s;
      size_t len;
      if (err == NULL) err = kd_object_string(prog, &f, 65, &s, &len);
      if (err) break;
      lua_pushlstring(L, s, len);  /* 65 bytes: a memory error here leaks little */
      free(s);
      lua_setfield(L, -2, uts_fields[i]);
    }
    if (err == NULL) return 1;
  }
  kd_error_destroy(err);
  for (int i = 0; uts_fields[i]; i++) {
    char key[64];
    snprintf(key, sizeof key, "linux.uts.%s", uts_fields[i]);
    const char *v = kd_dump_attr_string(prog->dump, key);
    if (v) { lua_pushstring(L, v); lua_setfield(L, -2, uts_fields[i]); }
  }
  return 1;
}

static int k_release(lua_State *L) {
  struct kd_program *prog = kl_program(L);
  const char *r = kd_dump_vmcoreinfo(prog->dump, "OSRELEASE");
  if (r == NULL) r = kd_dump_attr_string(prog->dump, "linux.uts.release");
  if (r) lua_pushstring(L, r); else lua_pushnil(L);
  return 1;
}

/* {====== iterators ====== */

struct list_state {
  struct kd_list_iter it;
  struct kd_type *type;    /* container type; NULL: yield list_head addresses */
  uint64_t member_off;
};

/* Push what an iterator yields for `node`: the node address itself when no
** container type was given, else a pointer to the containing object. */
static int push_node(lua_State *L, struct kd_type *type, uint64_t member_off,
                     uint64_t node) {
  if (type == NULL) {
    lua_pushinteger(L, (lua_Integer)node);
    return 1;
  }
  struct kd_type *pt;
  struct kd_error *err = kd_program_pointer_type(kl_program(L), type, &pt);
  if (err) return kl_raise(L, err);
  struct kd_object o;
  kd_object_value_u64(&o, pt, node - member_off);
  kl_push_object(L, &o);
  return 1;
}

static int list_step(lua_State *L) {
  struct list_state *st = lua_touserdata(L, lua_upvalueindex(1));
  uint64_t node;
  struct kd_error *err = kd_list_iter_next(kl_program(L), &st->it, &node);
  if (err) return kl_raise(L, err);
  if (node == 0) return 0;
  return push_node(L, st->type, st->member_off, node);
}

static int make_list_iter(lua_State *L, bool hlist) {
  struct kd_program *prog = kl_program(L);
  lua_settop(L, 3);
  uint64_t head;
  struct kd_object *ho = kl_test_object(L, 1);
  if (ho && ho->is_reference && kd_type_resolve(ho->type)->kind != KD_TYPE_POINTER)
    head = ho->address;
  else
    head = kl_check_address(L, 1);
  struct list_state *st = lua_newuserdatauv(L, sizeof *st, 0);
  memset(st, 0, sizeof *st);
  kd_list_iter_init(&st->it, head, hlist);
  if (!lua_isnoneornil(L, 2)) {
    st->type = kl_check_type(L, 2);
    uint64_t bits;
    struct kd_error *err = kd_member_offset(st->type, luaL_checkstring(L, 3), &bits, NULL);
    if (err) return kl_raise(L, err);
    st->member_off = bits / 8;
  }
  (void)prog;
  lua_pushcclosure(L, list_step, 1);
  return 1;
}

static int k_list(lua_State *L) { return make_list_iter(L, false); }
static int k_hlist(lua_State *L) { return make_list_iter(L, true); }

/* kd.list_addresses(head_address [, offset]) -> { node - offset, ... }:
** the same walk as kd.list (its checks: bad links, cycles, a length
** limit), as a table of addresses instead of an object a node.  The
** per-task formatters sum members of every thread of each process with a
** kd.member_reader, which takes addresses: an object a thread was most of
** that walk's cost. */
static int k_list_addresses(lua_State *L) {
  uint64_t head = kl_check_address(L, 1);
  uint64_t off = (uint64_t)luaL_optinteger(L, 2, 0);
  struct kd_program *prog = kl_program(L);
  struct kd_list_iter it;
  kd_list_iter_init(&it, head, false);
  lua_createtable(L, 1, 0);
  lua_Integer n = 0;
  for (;;) {
    uint64_t node;
    struct kd_error *err = kd_list_iter_next(prog, &it, &node);
    if (err) return kl_raise(L, err);
    if (node == 0) break;
    lua_pushinteger(L, (lua_Integer)(node - off));
    lua_rawseti(L, -2, ++n);
  }
  return 1;
}

struct rb_state {
  struct kd_rb_iter it;
  struct kd_type *type;
  uint64_t member_off;
};

static int rb_step(lua_State *L) {
  struct rb_state *st = lua_touserdata(L, lua_upvalueindex(1));
  uint64_t node;
  struct kd_error *err = kd_rb_iter_next(kl_program(L), &st->it, &node);
  if (err) return kl_raise(L, err);
  if (node == 0) return 0;
  return push_node(L, st->type, st->member_off, node);
}

static int k_rbtree(lua_State *L) {
  uint64_t root;
  lua_settop(L, 3);
  struct kd_object *ro = kl_test_object(L, 1);
  if (ro && ro->is_reference && kd_type_resolve(ro->type)->kind != KD_TYPE_POINTER)
    root = ro->address;
  else
    root = kl_check_address(L, 1);
  struct rb_state *st = lua_newuserdatauv(L, sizeof *st, 0);
  memset(st, 0, sizeof *st);
  struct kd_error *err = kd_rb_iter_init(kl_program(L), &st->it, root);
  if (err) return kl_raise(L, err);
  if (!lua_isnoneornil(L, 2)) {
    st->type = kl_check_type(L, 2);
    uint64_t bits;
    err = kd_member_offset(st->type, luaL_checkstring(L, 3), &bits, NULL);
    if (err) return kl_raise(L, err);
    st->member_off = bits / 8;
  }
  lua_pushcclosure(L, rb_step, 1);
  return 1;
}

struct task_state {
  struct kd_task_iter it;
  struct kd_type *ptr_type;
};

static int task_step(lua_State *L) {
  struct task_state *st = lua_touserdata(L, lua_upvalueindex(1));
  uint64_t task;
  struct kd_error *err = kd_task_iter_next(kl_program(L), &st->it, &task);
  if (err) return kl_raise(L, err);
  if (task == 0) return 0;
  struct kd_object o;
  kd_object_value_u64(&o, st->ptr_type, task);
  kl_push_object(L, &o);
  return 1;
}

static int k_tasks(lua_State *L) {
  struct task_state *st = lua_newuserdatauv(L, sizeof *st, 0);
  memset(st, 0, sizeof *st);
  struct kd_program *prog = kl_program(L);
  struct kd_error *err = kd_task_iter_init(prog, &st->it);
  if (err == NULL) err = kd_program_pointer_type(prog, st->it.task_type, &st->ptr_type);
  if (err) return kl_raise(L, err);
  lua_pushcclosure(L, task_step, 1);
  return 1;
}

/* }====== */

static int k_modules(lua_State *L) {
  struct kd_program *prog = kl_program(L);
  struct kd_error *err = kd_program_load_modules(prog);
  if (err) return kl_raise(L, err);
  lua_createtable(L, (int)prog->nmodules, 0);
  for (size_t i = 0; i < prog->nmodules; i++) {
    struct kd_module *m = &prog->modules[i];
    lua_createtable(L, 0, 6);
    lua_pushstring(L, m->name);
    lua_setfield(L, -2, "name");
    lua_pushinteger(L, (lua_Integer)m->address);
    lua_setfield(L, -2, "address");
    lua_pushinteger(L, (lua_Integer)m->base);
    lua_setfield(L, -2, "base");
    lua_pushinteger(L, (lua_Integer)m->size);
    lua_setfield(L, -2, "size");
    if (m->debug_path) { lua_pushstring(L, m->debug_path); lua_setfield(L, -2, "debuginfo"); }
    if (m->note) { lua_pushstring(L, m->note); lua_setfield(L, -2, "note"); }
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

/* kd.trim(): give back memory that can be had again (mapped debug-file
** pages, the C heap's free memory); the report calls it after discovery,
** before it forks workers and once its emitters have run */
static int k_trim(lua_State *L) {
  kd_program_release_memory(kl_program(L));
  return 0;
}

static int k_dump_info(lua_State *L) {
  struct kd_program *prog = kl_program(L);
  lua_createtable(L, 0, 10);
  lua_pushstring(L, kd_dump_path(prog->dump));
  lua_setfield(L, -2, "path");
  lua_pushstring(L, kd_dump_format(prog->dump));
  lua_setfield(L, -2, "format");
  lua_pushstring(L, kd_dump_arch(prog->dump));
  lua_setfield(L, -2, "arch");
  lua_pushinteger(L, (lua_Integer)prog->kaslr_offset);
  lua_setfield(L, -2, "kaslr_offset");
  lua_pushinteger(L, (lua_Integer)kd_dump_page_size(prog->dump));
  lua_setfield(L, -2, "page_size");
  if (prog->vmlinux_path) { lua_pushstring(L, prog->vmlinux_path); lua_setfield(L, -2, "vmlinux"); }
  if (prog->vmlinux_read_path) { lua_pushstring(L, prog->vmlinux_read_path); lua_setfield(L, -2, "vmlinux_read"); }
  if (prog->build_id) { lua_pushstring(L, prog->build_id); lua_setfield(L, -2, "build_id"); }
  if (prog->type_source) { lua_pushstring(L, prog->type_source); lua_setfield(L, -2, "type_source"); }
  if (prog->source_warning) { lua_pushstring(L, prog->source_warning); lua_setfield(L, -2, "source_warning"); }
  lua_pushinteger(L, kd_dump_nr_cpu_notes(prog->dump));
  lua_setfield(L, -2, "cpu_notes");
  uint64_t hits, misses;
  kd_dump_cache_stats(prog->dump, &hits, &misses);
  lua_pushinteger(L, (lua_Integer)hits);
  lua_setfield(L, -2, "page_cache_hits");
  lua_pushinteger(L, (lua_Integer)misses);
  lua_setfield(L, -2, "page_cache_misses");
  lua_createtable(L, (int)prog->nnotes, 0);
  for (size_t i = 0; i < prog->nnotes; i++) {
    lua_pushstring(L, prog->notes[i]);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  lua_setfield(L, -2, "notes");
  return 1;
}

/* kd.damage() -> count, last address, last message: reads that failed on
** damaged dump data so far in this process (see kd_dump_damage) */
static int k_damage(lua_State *L) {
  struct kd_program *prog = kl_program(L);
  uint64_t addr;
  const char *msg;
  uint64_t n = kd_dump_damage(prog->dump, &addr, &msg);
  lua_pushinteger(L, (lua_Integer)n);
  if (n == 0) return 1;
  lua_pushinteger(L, (lua_Integer)addr);
  lua_pushstring(L, msg);
  return 3;
}

/* kd.alloc_failures() -> count: allocations that failed so far in this
** process (C core and Lua; see base/faultalloc.h): a caller that took
** one for "absent" may have made something short */
static int k_alloc_failures(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)kd_alloc_failures());
  return 1;
}

static const char *const x86_regs[] = {
  "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10",
  "r11", "r12", "r13", "r14", "r15", "rip", "rflags", "cs", "ss", "ds", "es",
  "fs", "gs", "fs_base", "gs_base", "orig_rax", NULL };

/* kd.cpu_registers(i): registers of the i-th CPU note (0-based, note order) */
static int k_cpu_registers(lua_State *L) {
  struct kd_program *prog = kl_program(L);
  lua_Integer i = luaL_checkinteger(L, 1);
  if (i < 0 || (uint64_t)i >= kd_dump_nr_cpu_notes(prog->dump)) { lua_pushnil(L); return 1; }
  lua_newtable(L);
  for (int r = 0; x86_regs[r]; r++) {
    uint64_t v;
    struct kd_error *err = kd_dump_cpu_reg(prog->dump, (unsigned)i, x86_regs[r], &v);
    if (err) { kd_error_destroy(err); continue; }
    lua_pushinteger(L, (lua_Integer)v);
    lua_setfield(L, -2, x86_regs[r]);
  }
  lua_pushinteger(L, (lua_Integer)kd_dump_cpu_note_pid(prog->dump, (unsigned)i));
  lua_setfield(L, -2, "pr_pid");
  return 1;
}

/* {------ kd.type_names(): for the REPL's completion ------ */

struct name_list { char **v; size_t n, cap; int nomem; };

/* called from inside the finder (libdw): no Lua here, only C memory */
static void collect_name(void *arg, const char *name) {
  struct name_list *l = arg;
  if (l->nomem) return;
  if (l->n == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 1024;
    char **v = realloc(l->v, cap * sizeof *v);
    if (v == NULL) { l->nomem = 1; return; }
    l->v = v;
    l->cap = cap;
  }
  if ((l->v[l->n] = strdup(name)) == NULL) { l->nomem = 1; return; }
  l->n++;
}

static int cmp_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int name_list_gc(lua_State *L) {
  struct name_list *l = lua_touserdata(L, 1);
  for (size_t i = 0; i < l->n; i++) free(l->v[i]);
  free(l->v);
  memset(l, 0, sizeof *l);
  return 0;
}

/* every type name the finders know, sorted, without duplicates */
static int k_type_names(lua_State *L) {
  struct kd_program *prog = kl_program(L);
  /* the list lives in a userdata with __gc, so a memory error while the
  ** Lua table is filled frees it all the same */
  struct name_list *l = lua_newuserdatauv(L, sizeof *l, 0);
  memset(l, 0, sizeof *l);
  lua_newtable(L);
  lua_pushcfunction(L, name_list_gc);
  lua_setfield(L, -2, "__gc");
  lua_setmetatable(L, -2);
  for (size_t i = 0; i < prog->nfinders; i++) {
    struct kd_finder *f = prog->finders[i];
    if (f && f->each_type_name) f->each_type_name(f->ctx, collect_name, l);
  }
  if (l->nomem) return luaL_error(L, "not enough memory");
  if (l->n) qsort(l->v, l->n, sizeof *l->v, cmp_name);
  lua_createtable(L, (int)(l->n < 1000000 ? l->n : 0), 0);
  lua_Integer k = 0;
  for (size_t i = 0; i < l->n; i++) {
    if (i > 0 && strcmp(l->v[i], l->v[i - 1]) == 0) continue;
    lua_pushstring(L, l->v[i]);
    lua_rawseti(L, -2, ++k);
  }
  return 1;
}

/* }------ */

/* {------ kd.kallsyms_core_text, kd.kallsyms_module_text ------ */

static int owned_text_gc(lua_State *L) {
  char **box = lua_touserdata(L, 1);
  free(*box);
  *box = NULL;
  return 0;
}

/* a slot for a malloc'ed text that is freed even when pushing it raises a
** memory error (made before the text, so making it cannot leak the text) */
static char **owned_text_box(lua_State *L) {
  char **box = lua_newuserdatauv(L, sizeof *box, 0);
  *box = NULL;
  if (luaL_newmetatable(L, "kd.owned_text")) {
    lua_pushcfunction(L, owned_text_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);
  return box;
}

static int push_owned_text(lua_State *L, char **box, size_t len, size_t count) {
  lua_pushlstring(L, *box, len);
  free(*box);
  *box = NULL;
  lua_pushinteger(L, (lua_Integer)count);
  return 2;
}

/* kd.kallsyms_core_text([digits]) -> text, count: the core kernel's part of
** /proc/kallsyms, decoded in C (see host/core/kallsyms.c) */
static int k_kallsyms_core_text(lua_State *L) {
  int digits = (int)luaL_optinteger(L, 1, 16);
  char **box = owned_text_box(L);
  size_t len, count;
  struct kd_error *err = kd_kallsyms_core_text(kl_program(L), digits, box, &len, &count);
  if (err) return kl_raise(L, err);
  return push_owned_text(L, box, len, count);
}

/* kd.kallsyms_module_text(module, name[, digits]) -> text, count: one
** module's lines of /proc/kallsyms, "[name]" after each (host/core/kallsyms.c) */
static int k_kallsyms_module_text(lua_State *L) {
  uint64_t mod = kl_check_address(L, 1);
  const char *label = luaL_checkstring(L, 2);
  int digits = (int)luaL_optinteger(L, 3, 16);
  char **box = owned_text_box(L);
  size_t len, count;
  struct kd_error *err = kd_kallsyms_module_text(kl_program(L), mod, label, digits,
                                                 box, &len, &count);
  if (err) return kl_raise(L, err);
  return push_owned_text(L, box, len, count);
}

/* }------ */

static int k_hex(lua_State *L) {
  char b[32];
  snprintf(b, sizeof b, "0x%" PRIx64, (uint64_t)luaL_checkinteger(L, 1));
  lua_pushstring(L, b);
  return 1;
}

static int k_has_types(lua_State *L) {
  lua_pushboolean(L, kd_program_has_types(kl_program(L)));
  return 1;
}

/* {====== pure helpers of the kernel libraries (tail) ====== */

/*
** kd.siphash_1u64(m, k0, k1): the kernel's siphash_1u64 (the %p/%pK
** pointer hash).  In C: /proc/vmallocinfo and the /proc/net files hash one or
** two pointers per line, and the rounds written in Lua were most of
** those files' cost.
*/
static int k_siphash_1u64(lua_State *L) {
  uint64_t m = (uint64_t)luaL_checkinteger(L, 1);
  uint64_t k0 = (uint64_t)luaL_checkinteger(L, 2);
  uint64_t k1 = (uint64_t)luaL_checkinteger(L, 3);
  lua_pushinteger(L, (lua_Integer)kd_siphash_1u64(m, k0, k1));
  return 1;
}

static const luaL_Reg kd_tail_funcs[] = {
  { "siphash_1u64", k_siphash_1u64 },
  { NULL, NULL }
};

/* }====== */

/* {====== probes that open no module debug file (tail61) ====== */

/*
** kd.has_kernel_type(name): as kd.has_type, asking only the debug files
** open now (the vmlinux's, the modules' already opened).  For a core
** kernel type one release has and another lacks ("struct irqstat" is a
** 6.10 name): kd.has_type's miss first reads every module's .debug_str
** to see whether one defines it, ~20 M instructions on the 6.1 fixture's
** ten modules, paid again in every report worker that asks.
*/
static int k_has_kernel_type(lua_State *L) {
  struct kd_type *t;
  struct kd_error *err = kd_program_find_open_type(kl_program(L), luaL_checkstring(L, 1), &t);
  lua_pushboolean(L, err == NULL);
  kd_error_destroy(err);
  return 1;
}

static const luaL_Reg kd_tail61_funcs[] = {
  { "has_kernel_type", k_has_kernel_type },
  { NULL, NULL }
};

/* }====== */

static const luaL_Reg kd_funcs[] = {
  { "symbol", k_symbol }, { "symbol_address", k_symbol_address }, { "addr", k_addr },
  { "symbolize", k_symbolize }, { "object", k_object }, { "pointer", k_pointer },
  { "type", k_type }, { "has_type", k_has_type }, { "has_member", kl_type_has_member },
  { "member_offset", k_member_offset }, { "member_size", k_member_size },
  { "member_reader", k_member_reader },
  { "enum_value", k_enum_value }, { "enum_name", k_enum_name },
  { "constant", k_constant },
  { "container_of", k_container_of }, { "read", k_read }, { "read_phys", k_read_phys },
  { "read_u8", k_read_u8 }, { "read_u16", k_read_u16 }, { "read_u32", k_read_u32 },
  { "read_u64", k_read_u64 }, { "read_s8", k_read_s8 }, { "read_s16", k_read_s16 },
  { "read_s32", k_read_s32 }, { "read_s64", k_read_s64 }, { "read_string", k_read_string },
  { "per_cpu", k_per_cpu }, { "read_user", k_read_user }, { "cpus", k_cpus }, { "vmcoreinfo", k_vmcoreinfo },
  { "uts", k_uts }, { "release", k_release }, { "list", k_list }, { "hlist", k_hlist },
  { "list_addresses", k_list_addresses },
  { "rbtree", k_rbtree }, { "tasks", k_tasks }, { "modules", k_modules },
  { "dump_info", k_dump_info }, { "damage", k_damage }, { "alloc_failures", k_alloc_failures }, { "trim", k_trim }, { "cpu_registers", k_cpu_registers },
  { "hex", k_hex }, { "kallsyms_core_text", k_kallsyms_core_text },
  { "kallsyms_module_text", k_kallsyms_module_text }, { "has_types", k_has_types },
  { "type_names", k_type_names },
  { NULL, NULL }
};

/* {====== kd.rodata_has (core/rodata.h) ====== */

/* kd.rodata_has({s1, s2, ...}) -> {s1 = bool, ...}, source: whether the
** kernel's read-only data holds each string; source "cache", "dump" or
** "none" (where the answer came from) */
static int k_rodata_has(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_Integer n = luaL_len(L, 1);
  luaL_argcheck(L, n >= 0 && n <= 4096, 1, "too many strings");
  const char **strs = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *strs, 0);
  size_t *lens = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *lens, 0);
  bool *found = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *found, 0);
  for (lua_Integer i = 0; i < n; i++) {
    lua_geti(L, 1, i + 1);
    if (lua_type(L, -1) != LUA_TSTRING) return luaL_argerror(L, 1, "strings expected");
    strs[i] = lua_tolstring(L, -1, &lens[i]);
    lua_pop(L, 1);   /* the table keeps the string alive */
  }
  enum kd_rodata_source src;
  struct kd_error *err = kd_program_rodata_has(kl_program(L), strs, lens, (size_t)n, found, &src);
  if (err) return kl_raise(L, err);
  lua_createtable(L, 0, (int)n);
  for (lua_Integer i = 0; i < n; i++) {
    lua_pushlstring(L, strs[i], lens[i]);
    lua_pushboolean(L, found[i]);
    lua_rawset(L, -3);
  }
  static const char *const names[] = { "none", "cache", "dump" };
  lua_pushstring(L, names[src]);
  return 2;
}

/* }====== */

void kl_open(lua_State *L, struct kd_program *prog) {
  *(struct kd_program **)lua_getextraspace(L) = prog;
  kl_open_error(L);
  kl_open_object(L);
  kl_open_type(L);
  luaL_newlib(L, kd_funcs);
  lua_pushcfunction(L, k_rodata_has);
  lua_setfield(L, -2, "rodata_has");
  luaL_setfuncs(L, kd_tail_funcs, 0);
  luaL_setfuncs(L, kd_tail61_funcs, 0);
  kl_open_unwind(L);
  kl_open_format(L);
  lua_setglobal(L, "kd");
}
