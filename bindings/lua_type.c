/*
** lua_type.c -- types as Lua userdata ("kd.type").
**
** t.name, t.kind ("struct", "pointer"...), t.size, t.target, t.length,
** t.members (array of {name, offset, bit_offset, bit_size, type}),
** t.enumerators (array of {name, value}); t:member(path) and
** t:has_member(path); tostring(t) is the C spelling.
*/
#include <lauxlib.h>
#include <string.h>

#include "lua_kd.h"

void kl_push_type(lua_State *L, struct kd_type *t) {
  struct kd_type **u = lua_newuserdatauv(L, sizeof *u, 0);
  *u = t;
  luaL_setmetatable(L, KL_TYPE);
}

struct kd_type *kl_check_type(lua_State *L, int idx) {
  if (lua_type(L, idx) == LUA_TSTRING) {
    struct kd_type *t;
    struct kd_error *err = kd_program_find_type(kl_program(L), lua_tostring(L, idx), &t);
    if (err) return (kl_raise(L, err), NULL);
    return t;
  }
  struct kd_object *o = kl_test_object(L, idx);
  if (o) {
    /* an object stands for its type; a pointer for what it points to, as
    ** `.` on it reaches the pointee's members */
    struct kd_type *r = kd_type_resolve(o->type);
    if (r && r->kind == KD_TYPE_POINTER && r->target) return r->target;
    return o->type;
  }
  return *(struct kd_type **)luaL_checkudata(L, idx, KL_TYPE);
}

static void push_member(lua_State *L, const struct kd_member *m, uint64_t bit_offset) {
  lua_createtable(L, 0, 5);
  if (m->name) {
    lua_pushstring(L, m->name);
    lua_setfield(L, -2, "name");
  }
  lua_pushinteger(L, (lua_Integer)(bit_offset / 8));
  lua_setfield(L, -2, "offset");
  lua_pushinteger(L, (lua_Integer)bit_offset);
  lua_setfield(L, -2, "bit_offset");
  lua_pushinteger(L, m->bit_size);
  lua_setfield(L, -2, "bit_size");
  kl_push_type(L, m->type);
  lua_setfield(L, -2, "type");
}

static int t_member(lua_State *L) {
  struct kd_type *t = kl_check_type(L, 1);
  const char *path = luaL_checkstring(L, 2);
  uint64_t bits;
  const struct kd_member *m;
  struct kd_error *err = kd_member_offset(t, path, &bits, &m);
  if (err) {
    if (err->code == KD_ERR_LOOKUP) { kd_error_destroy(err); lua_pushnil(L); return 1; }
    return kl_raise(L, err);
  }
  push_member(L, m, bits);
  return 1;
}

/* t:has_member(path) and kd.has_member(type, path) */
int kl_type_has_member(lua_State *L) {
  struct kd_type *t = kl_check_type(L, 1);
  uint64_t bits;
  struct kd_error *err = kd_member_offset(t, luaL_checkstring(L, 2), &bits, NULL);
  if (err && err->code != KD_ERR_LOOKUP) return kl_raise(L, err);
  lua_pushboolean(L, err == NULL);
  kd_error_destroy(err);
  return 1;
}

static int t_index(lua_State *L) {
  struct kd_type *t = kl_check_type(L, 1);
  const char *k = luaL_checkstring(L, 2);
  struct kd_type *r = kd_type_resolve(t);
  if (strcmp(k, "member") == 0) { lua_pushcfunction(L, t_member); return 1; }
  if (strcmp(k, "has_member") == 0) { lua_pushcfunction(L, kl_type_has_member); return 1; }
  if (strcmp(k, "name") == 0) {
    if (t->name) lua_pushstring(L, t->name); else lua_pushnil(L);
    return 1;
  }
  if (strcmp(k, "kind") == 0) { lua_pushstring(L, kd_type_kind_name(t->kind)); return 1; }
  if (strcmp(k, "size") == 0 || strcmp(k, "sizeof") == 0) {
    lua_pushinteger(L, (lua_Integer)kd_type_sizeof(t));
    return 1;
  }
  if (strcmp(k, "signed") == 0) { lua_pushboolean(L, r && r->is_signed); return 1; }
  if (strcmp(k, "complete") == 0) {
    struct kd_error *err = kd_type_load(r);
    if (err) return kl_raise(L, err);
    lua_pushboolean(L, r && (r->is_complete || (r->kind != KD_TYPE_STRUCT &&
                                                r->kind != KD_TYPE_UNION &&
                                                r->kind != KD_TYPE_ENUM)));
    return 1;
  }
  if (strcmp(k, "target") == 0) {
    if (t->target) kl_push_type(L, t->target); else lua_pushnil(L);
    return 1;
  }
  if (strcmp(k, "resolved") == 0) { kl_push_type(L, r); return 1; }
  if (strcmp(k, "length") == 0) {
    if (r && r->kind == KD_TYPE_ARRAY && r->length_known) lua_pushinteger(L, (lua_Integer)r->length);
    else lua_pushnil(L);
    return 1;
  }
  if (strcmp(k, "members") == 0) {
    if (r == NULL || (r->kind != KD_TYPE_STRUCT && r->kind != KD_TYPE_UNION)) {
      lua_pushnil(L);
      return 1;
    }
    struct kd_error *err = kd_type_load(r);
    if (err) return kl_raise(L, err);
    lua_createtable(L, (int)r->nmembers, 0);
    for (size_t i = 0; i < r->nmembers; i++) {
      push_member(L, &r->members[i], r->members[i].bit_offset);
      lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
  }
  if (strcmp(k, "enumerators") == 0) {
    if (r == NULL || r->kind != KD_TYPE_ENUM) { lua_pushnil(L); return 1; }
    struct kd_error *err = kd_type_load(r);
    if (err) return kl_raise(L, err);
    lua_createtable(L, (int)r->nenumerators, 0);
    for (size_t i = 0; i < r->nenumerators; i++) {
      lua_createtable(L, 0, 2);
      lua_pushstring(L, r->enumerators[i].name);
      lua_setfield(L, -2, "name");
      lua_pushinteger(L, r->enumerators[i].value);
      lua_setfield(L, -2, "value");
      lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
  }
  return luaL_error(L, "kd.type has no field '%s'", k);
}

static int t_tostring(lua_State *L) {
  char b[512];
  kd_type_format(kl_check_type(L, 1), b, sizeof b);
  lua_pushstring(L, b);
  return 1;
}

static int t_eq(lua_State *L) {
  lua_pushboolean(L, kd_type_resolve(kl_check_type(L, 1)) ==
                     kd_type_resolve(kl_check_type(L, 2)));
  return 1;
}

static int t_complete(lua_State *L) {
  static const char *const fields[] = { "name", "kind", "size", "target", "length",
                                        "members", "enumerators", "member",
                                        "has_member", "resolved", "complete", NULL };
  lua_newtable(L);
  for (int i = 0; fields[i]; i++) {
    lua_pushstring(L, fields[i]);
    lua_rawseti(L, -2, i + 1);
  }
  return 1;
}

void kl_open_type(lua_State *L) {
  luaL_newmetatable(L, KL_TYPE);
  static const luaL_Reg meta[] = {
    { "__index", t_index }, { "__tostring", t_tostring }, { "__eq", t_eq },
    { "__complete", t_complete }, { NULL, NULL }
  };
  luaL_setfuncs(L, meta, 0);
  lua_pop(L, 1);
}
