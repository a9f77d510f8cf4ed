/*
** lua_object.c -- kernel objects as Lua userdata ("kd.object").
**
** Indexing follows drgn: methods first (their names end in '_' so they never
** hide a kernel field), then struct members, then integer subscripts.  `.`
** on a pointer dereferences it, like C's `->`.  What a member read returns:
**   integers, enums, bitfields -> Lua integers;  _Bool -> boolean;
**   floating point -> number;  NULL pointers -> nil (use obj:member_(name)
**   for the typed NULL pointer);  anything else -> a new kd.object.
*/
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>

#include "lua_kd.h"

/* {====== boxes: C memory that must survive a raising call ====== */

static int box_gc(lua_State *L) {
  void **slot = lua_touserdata(L, 1);
  free(*slot);
  *slot = NULL;
  return 0;
}

/* Push a box owning `p`; returns its slot.  If pushing fails, `p` is freed
** by the caller's error path... so allocate the box first, then fill it. */
static void **new_box(lua_State *L) {
  void **slot = lua_newuserdatauv(L, sizeof *slot, 0);
  *slot = NULL;
  if (luaL_newmetatable(L, "kd.box")) {
    lua_pushcfunction(L, box_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, box_gc);
    lua_setfield(L, -2, "__close");
  }
  lua_setmetatable(L, -2);
  return slot;
}

/* }====== */

void kl_push_object(lua_State *L, const struct kd_object *o) {
  struct kd_object *u = lua_newuserdatauv(L, sizeof *u, 0);
  *u = *o;
  luaL_setmetatable(L, KL_OBJECT);
}

struct kd_object *kl_check_object(lua_State *L, int idx) {
  return luaL_checkudata(L, idx, KL_OBJECT);
}

struct kd_object *kl_test_object(lua_State *L, int idx) {
  return luaL_testudata(L, idx, KL_OBJECT);
}

uint64_t kl_check_address(lua_State *L, int idx) {
  struct kd_object *o = kl_test_object(L, idx);
  if (o == NULL) return (uint64_t)luaL_checkinteger(L, idx);
  struct kd_type *t = kd_type_resolve(o->type);
  if (t && (t->kind == KD_TYPE_POINTER || t->kind == KD_TYPE_INT)) {
    uint64_t v;
    struct kd_error *err = kd_object_pointer_value(kl_program(L), o, &v);
    if (err) return (uint64_t)kl_raise(L, err);
    return v;
  }
  if (!o->is_reference) return (uint64_t)luaL_argerror(L, idx, "object has no address");
  return o->address;
}

void kl_push_value(lua_State *L, const struct kd_object *o) {
  struct kd_program *prog = kl_program(L);
  struct kd_type *t = kd_type_resolve(o->type);
  struct kd_error *err = NULL;
  if (t == NULL) { kl_push_object(L, o); return; }
  switch (t->kind) {
    case KD_TYPE_INT:
    case KD_TYPE_ENUM: {
      uint64_t v;
      bool sign;
      err = kd_object_read_integer(prog, o, &v, &sign);
      if (err) break;
      if (t->is_bool) lua_pushboolean(L, v != 0);
      else lua_pushinteger(L, (lua_Integer)v);
      return;
    }
    case KD_TYPE_FLOAT: {
      double d;
      err = kd_object_read_float(prog, o, &d);
      if (err) break;
      lua_pushnumber(L, d);
      return;
    }
    case KD_TYPE_POINTER: {
      uint64_t v;
      bool sign;
      err = kd_object_read_integer(prog, o, &v, &sign);
      if (err) break;
      if (v == 0) { lua_pushnil(L); return; }
      kl_push_object(L, o);
      return;
    }
    default:
      kl_push_object(L, o);
      return;
  }
  kl_raise(L, err);
}

static const char *object_type_name(const struct kd_object *o, char *b, size_t n) {
  kd_type_format(o->type, b, n);
  return b;
}

/* {====== methods ====== */

static int m_address(lua_State *L) {
  struct kd_object *o = kl_check_object(L, 1);
  if (!o->is_reference) lua_pushnil(L);
  else lua_pushinteger(L, (lua_Integer)o->address);
  return 1;
}

static int m_type(lua_State *L) {
  kl_push_type(L, kl_check_object(L, 1)->type);
  return 1;
}

static int m_value(lua_State *L) {
  struct kd_object *o = kl_check_object(L, 1);
  struct kd_type *t = kd_type_resolve(o->type);
  struct kd_program *prog = kl_program(L);
  if (t && t->kind == KD_TYPE_POINTER) {
    uint64_t v;
    struct kd_error *err = kd_object_pointer_value(prog, o, &v);
    if (err) return kl_raise(L, err);
    lua_pushinteger(L, (lua_Integer)v);
    return 1;
  }
  if (t && (t->kind == KD_TYPE_INT || t->kind == KD_TYPE_ENUM ||
            t->kind == KD_TYPE_FLOAT)) {
    kl_push_value(L, o);
    if (lua_isboolean(L, -1)) lua_pushinteger(L, lua_toboolean(L, -1));
    return 1;
  }
  char b[256];
  return luaL_error(L, "value_() of '%s': not a scalar", object_type_name(o, b, sizeof b));
}

static int m_member(lua_State *L) {
  struct kd_object *o = kl_check_object(L, 1);
  const char *name = luaL_checkstring(L, 2);
  struct kd_object m;
  struct kd_error *err = kd_object_member(kl_program(L), o, name, &m);
  if (err) return kl_raise(L, err);
  kl_push_object(L, &m);
  return 1;
}

static int m_deref(lua_State *L) {
  struct kd_object *o = kl_check_object(L, 1);
  struct kd_object d;
  struct kd_error *err = kd_object_deref(kl_program(L), o, &d);
  if (err) return kl_raise(L, err);
  kl_push_object(L, &d);
  return 1;
}

static int m_is_null(lua_State *L) {
  struct kd_object *o = kl_check_object(L, 1);
  uint64_t v;
  struct kd_error *err = kd_object_pointer_value(kl_program(L), o, &v);
  if (err) return kl_raise(L, err);
  lua_pushboolean(L, v == 0);
  return 1;
}

static int m_string(lua_State *L) {
  struct kd_object *o = kl_check_object(L, 1);
  lua_Integer max = luaL_optinteger(L, 2, 4096);
  if (max < 0) max = 0;
  void **box = new_box(L);
  char *s;
  size_t len;
  struct kd_error *err = kd_object_string(kl_program(L), o, (size_t)max, &s, &len);
  if (err) return kl_raise(L, err);
  *box = s;
  lua_pushlstring(L, s, len);
  free(s);
  *box = NULL;
  return 1;
}

static int m_address_of(lua_State *L) {
  struct kd_object *o = kl_check_object(L, 1);
  struct kd_object p;
  struct kd_error *err = kd_object_address_of(kl_program(L), o, &p);
  if (err) return kl_raise(L, err);
  kl_push_object(L, &p);
  return 1;
}

static int m_cast(lua_State *L) {
  struct kd_object *o = kl_check_object(L, 1);
  struct kd_type *t = kl_check_type(L, 2);
  struct kd_type *to = kd_type_resolve(t), *from = kd_type_resolve(o->type);
  struct kd_object r = *o;
  r.type = t;
  if (to && to->kind == KD_TYPE_POINTER && from &&
      (from->kind == KD_TYPE_POINTER || from->kind == KD_TYPE_INT)) {
    /* pointer conversions keep the value, not the storage */
    uint64_t v;
    struct kd_error *err = kd_object_pointer_value(kl_program(L), o, &v);
    if (err) return kl_raise(L, err);
    kd_object_value_u64(&r, t, v);
  }
  kl_push_object(L, &r);
  return 1;
}

static int m_bytes(lua_State *L) {
  struct kd_object *o = kl_check_object(L, 1);
  if (!o->is_reference) return luaL_error(L, "bytes_() of a value");
  uint64_t n = kd_type_sizeof(o->type);
  if (n > (64u << 20)) {
    /* lua_pushfstring knows no PRIu64: print the number ourselves */
    char num[24];
    snprintf(num, sizeof num, "%" PRIu64, n);
    return luaL_error(L, "object too large (%s bytes)", num);
  }
  void *buf = lua_newuserdatauv(L, n ? (size_t)n : 1, 0);
  struct kd_error *err = kd_program_read(kl_program(L), o->address, buf, (size_t)n);
  if (err) return kl_raise(L, err);
  lua_pushlstring(L, buf, (size_t)n);
  return 1;
}

static int entries_iter(lua_State *L) {
  struct kd_object *o = kl_check_object(L, lua_upvalueindex(1));
  lua_Integer i = lua_tointeger(L, lua_upvalueindex(2));
  lua_Integer n = lua_tointeger(L, lua_upvalueindex(3));
  if (i >= n) return 0;
  struct kd_object e;
  struct kd_error *err = kd_object_index(kl_program(L), o, i, &e);
  if (err) return kl_raise(L, err);
  lua_pushinteger(L, i + 1);
  lua_replace(L, lua_upvalueindex(2));
  lua_pushinteger(L, i);
  kl_push_value(L, &e);
  return 2;
}

/* for i, v in arr:entries_() do ... end, with C's 0-based i */
static int m_entries(lua_State *L) {
  struct kd_object *o = kl_check_object(L, 1);
  struct kd_type *t = kd_type_resolve(o->type);
  lua_Integer n;
  if (t && t->kind == KD_TYPE_ARRAY && t->length_known) n = (lua_Integer)t->length;
  else if (lua_isinteger(L, 2)) n = lua_tointeger(L, 2);
  else return luaL_error(L, "entries_() needs an array of known length or a count");
  lua_settop(L, 1);
  lua_pushinteger(L, 0);
  lua_pushinteger(L, n);
  lua_pushcclosure(L, entries_iter, 3);
  return 1;
}

static int m_members(lua_State *L) {
  struct kd_object *o = kl_check_object(L, 1);
  struct kd_type *t = kd_type_resolve(o->type);
  if (t && t->kind == KD_TYPE_POINTER) t = kd_type_resolve(t->target);
  lua_newtable(L);
  if (t == NULL || (t->kind != KD_TYPE_STRUCT && t->kind != KD_TYPE_UNION)) return 1;
  struct kd_error *err = kd_type_load(t);
  if (err) return kl_raise(L, err);
  for (size_t i = 0; i < t->nby_name; i++) {
    lua_pushstring(L, t->by_name[i].name);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

static const luaL_Reg methods[] = {
  { "address_", m_address }, { "type_", m_type }, { "value_", m_value },
  { "member_", m_member }, { "deref_", m_deref }, { "is_null_", m_is_null },
  { "string_", m_string }, { "address_of_", m_address_of }, { "cast_", m_cast },
  { "bytes_", m_bytes }, { "entries_", m_entries }, { "members_", m_members },
  { NULL, NULL }
};

/* }====== */

static int o_index(lua_State *L) {
  struct kd_object *o = kl_check_object(L, 1);
  if (lua_type(L, 2) == LUA_TSTRING) {
    /* methods table is upvalue 1 */
    lua_pushvalue(L, 2);
    if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) return 1;
    lua_pop(L, 1);
    struct kd_object m;
    struct kd_error *err = kd_object_member(kl_program(L), o, lua_tostring(L, 2), &m);
    if (err) return kl_raise(L, err);
    kl_push_value(L, &m);
    return 1;
  }
  if (lua_isinteger(L, 2)) {
    struct kd_object e;
    struct kd_error *err = kd_object_index(kl_program(L), o, lua_tointeger(L, 2), &e);
    if (err) return kl_raise(L, err);
    kl_push_value(L, &e);
    return 1;
  }
  return luaL_error(L, "kd.object cannot be indexed with a %s", luaL_typename(L, 2));
}

static int o_newindex(lua_State *L) {
  return luaL_error(L, "the dump is read-only: cannot assign to a kernel object");
}

static int o_len(lua_State *L) {
  struct kd_object *o = kl_check_object(L, 1);
  struct kd_type *t = kd_type_resolve(o->type);
  if (t && t->kind == KD_TYPE_ARRAY) {
    lua_pushinteger(L, (lua_Integer)t->length);
    return 1;
  }
  char b[256];
  return luaL_error(L, "'%s' has no length", object_type_name(o, b, sizeof b));
}

static int compare(lua_State *L, int op);

static int is_number_kind(const struct kd_type *t) {
  return t && (t->kind == KD_TYPE_INT || t->kind == KD_TYPE_ENUM || t->kind == KD_TYPE_FLOAT);
}

static int o_eq(lua_State *L) {
  struct kd_object *a = kl_check_object(L, 1), *b = kl_check_object(L, 2);
  struct kd_program *prog = kl_program(L);
  struct kd_type *ta = kd_type_resolve(a->type), *tb = kd_type_resolve(b->type);
  if (is_number_kind(ta) && is_number_kind(tb)) return compare(L, LUA_OPEQ);
  if (ta && tb && ta->kind == KD_TYPE_POINTER && tb->kind == KD_TYPE_POINTER) {
    uint64_t x, y;
    struct kd_error *err = kd_object_pointer_value(prog, a, &x);
    if (err == NULL) err = kd_object_pointer_value(prog, b, &y);
    if (err) return kl_raise(L, err);
    lua_pushboolean(L, x == y);
    return 1;
  }
  lua_pushboolean(L, a->is_reference && b->is_reference && a->address == b->address &&
                  kd_type_resolve(a->type) == kd_type_resolve(b->type));
  return 1;
}

/* {====== integer objects in arithmetic and comparisons ======
**
** kd.symbol("jiffies") is an object of type unsigned long (its address
** matters: &jiffies), but in `jiffies + 1` or `x < y` it stands for its
** value, as in C.  Operands that are integer, enum or floating-point
** objects are replaced by their values, then Lua's own operator runs.
** (Lua calls __eq only when both sides are userdata, so `obj == 5` stays
** false: compare obj:value_() == 5 -- members read as plain integers.) */

/* replace the object at idx by its value; anything else stays */
static void arith_operand(lua_State *L, int idx) {
  struct kd_object *o = kl_test_object(L, idx);
  if (o == NULL) return;
  struct kd_type *t = kd_type_resolve(o->type);
  if (t == NULL || (t->kind != KD_TYPE_INT && t->kind != KD_TYPE_ENUM &&
                    t->kind != KD_TYPE_FLOAT)) {
    char b[256];
    luaL_error(L, "cannot do arithmetic on a '%s' object (only integers; "
               "kd.addr(x) for an address)", object_type_name(o, b, sizeof b));
    return;
  }
  lua_pushcfunction(L, m_value);
  lua_pushvalue(L, idx);
  lua_call(L, 1, 1);
  lua_replace(L, idx);
}

static int arith(lua_State *L, int op) {
  int n = (op == LUA_OPUNM || op == LUA_OPBNOT) ? 1 : 2;
  lua_settop(L, 2);
  arith_operand(L, 1);
  if (n == 2) arith_operand(L, 2);
  else lua_pop(L, 1);
  lua_arith(L, op);
  return 1;
}

static int o_add(lua_State *L) { return arith(L, LUA_OPADD); }
static int o_sub(lua_State *L) { return arith(L, LUA_OPSUB); }
static int o_mul(lua_State *L) { return arith(L, LUA_OPMUL); }
static int o_div(lua_State *L) { return arith(L, LUA_OPDIV); }
static int o_idiv(lua_State *L) { return arith(L, LUA_OPIDIV); }
static int o_mod(lua_State *L) { return arith(L, LUA_OPMOD); }
static int o_pow(lua_State *L) { return arith(L, LUA_OPPOW); }
static int o_unm(lua_State *L) { return arith(L, LUA_OPUNM); }
static int o_band(lua_State *L) { return arith(L, LUA_OPBAND); }
static int o_bor(lua_State *L) { return arith(L, LUA_OPBOR); }
static int o_bxor(lua_State *L) { return arith(L, LUA_OPBXOR); }
static int o_shl(lua_State *L) { return arith(L, LUA_OPSHL); }
static int o_shr(lua_State *L) { return arith(L, LUA_OPSHR); }
static int o_bnot(lua_State *L) { return arith(L, LUA_OPBNOT); }

static int compare(lua_State *L, int op) {
  lua_settop(L, 2);
  arith_operand(L, 1);
  arith_operand(L, 2);
  lua_pushboolean(L, lua_compare(L, 1, 2, op));
  return 1;
}

static int o_lt(lua_State *L) { return compare(L, LUA_OPLT); }
static int o_le(lua_State *L) { return compare(L, LUA_OPLE); }

/* }====== */

static int o_tostring(lua_State *L) {
  struct kd_object *o = kl_check_object(L, 1);
  struct kd_type *t = kd_type_resolve(o->type);
  char b[256];
  object_type_name(o, b, sizeof b);
  if (t && t->kind == KD_TYPE_POINTER) {
    uint64_t v;
    struct kd_error *err = kd_object_pointer_value(kl_program(L), o, &v);
    if (err) { lua_pushfstring(L, "(%s)<unreadable: %s>", b, err->message); kd_error_destroy(err); return 1; }
    char num[32];
    snprintf(num, sizeof num, "0x%" PRIx64, v);
    lua_pushfstring(L, "(%s)%s", b, num);
    return 1;
  }
  if (t && (t->kind == KD_TYPE_INT || t->kind == KD_TYPE_ENUM || t->kind == KD_TYPE_FLOAT)) {
    struct kd_object c = *o;
    lua_pushfstring(L, "(%s)", b);
    lua_pushcfunction(L, m_value);
    kl_push_object(L, &c);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) { lua_pop(L, 1); lua_pushliteral(L, "<unreadable>"); }
    luaL_tolstring(L, -1, NULL);
    lua_remove(L, -2);
    lua_concat(L, 2);
    return 1;
  }
  if (o->is_reference) {
    char num[32];
    snprintf(num, sizeof num, "0x%" PRIx64, o->address);
    lua_pushfstring(L, "*(%s *)%s", b, num);
  } else {
    lua_pushfstring(L, "(%s)<value>", b);
  }
  return 1;
}

/* REPL completion: member names, then method names */
static int o_complete(lua_State *L) {
  m_members(L);
  lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
  for (const luaL_Reg *r = methods; r->name; r++) {
    lua_pushstring(L, r->name);
    lua_rawseti(L, -2, ++n);
  }
  return 1;
}

void kl_open_object(lua_State *L) {
  luaL_newmetatable(L, KL_OBJECT);
  luaL_newlib(L, methods);
  lua_pushcclosure(L, o_index, 1);
  lua_setfield(L, -2, "__index");
  static const luaL_Reg meta[] = {
    { "__newindex", o_newindex }, { "__len", o_len }, { "__eq", o_eq },
    { "__tostring", o_tostring }, { "__complete", o_complete },
    { "__add", o_add }, { "__sub", o_sub }, { "__mul", o_mul }, { "__div", o_div },
    { "__idiv", o_idiv }, { "__mod", o_mod }, { "__pow", o_pow }, { "__unm", o_unm },
    { "__band", o_band }, { "__bor", o_bor }, { "__bxor", o_bxor }, { "__shl", o_shl },
    { "__shr", o_shr }, { "__bnot", o_bnot }, { "__lt", o_lt }, { "__le", o_le },
    { NULL, NULL }
  };
  luaL_setfuncs(L, meta, 0);
  lua_pop(L, 1);
}
