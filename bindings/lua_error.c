/*
** lua_error.c -- the one place where kd_error values become Lua errors.
**
** Error objects are tables {code=, message=, address=} with a __tostring
** giving the message, so `pcall` users can test `e.code == "fault"` and
** uncaught errors still print one readable line.
*/
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>

#include "lua_kd.h"

static int error_tostring(lua_State *L) {
  lua_getfield(L, 1, "message");
  if (!lua_isstring(L, -1)) lua_pushliteral(L, "kdlua error");
  return 1;
}

void kl_open_error(lua_State *L) {
  luaL_newmetatable(L, KL_ERROR);
  lua_pushcfunction(L, error_tostring);
  lua_setfield(L, -2, "__tostring");
  lua_pop(L, 1);
}

/*
** The error is copied to the C stack and freed before anything touches
** Lua, because every lua_push* below may raise a memory error.
*/
void kl_push_error(lua_State *L, struct kd_error *err) {
  char message[1024];
  const char *code = kd_error_code_name(err->code);
  uint64_t address = err->address;
  snprintf(message, sizeof message, "%s", err->message);
  kd_error_destroy(err);
  lua_createtable(L, 0, 3);
  lua_pushstring(L, code);
  lua_setfield(L, -2, "code");
  lua_pushstring(L, message);
  lua_setfield(L, -2, "message");
  if (address != KD_NO_ADDRESS) {
    lua_pushinteger(L, (lua_Integer)address);
    lua_setfield(L, -2, "address");
  }
  luaL_setmetatable(L, KL_ERROR);
}

int kl_raise(lua_State *L, struct kd_error *err) {
  kl_push_error(L, err);
  return lua_error(L);
}
