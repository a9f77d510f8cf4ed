/*
** lua_host.c -- Lua states for kdlua (see lua_host.h).
*/
#include "lua_host.h"
#include "lua_chunkcache.h"

#include <lauxlib.h>
#include <lualib.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/faultalloc.h"
#include "lua_kd.h"

/*
** Counting allocator: refuses growth past the budget so that a runaway
** script gets a Lua memory error instead of taking the machine down.
** When ptr is NULL, osize encodes a type, not a size.
*/
static void *budget_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  struct kl_budget *b = ud;
  if (ptr == NULL) osize = 0;
  if (nsize == 0) {
    free(ptr);
    b->used -= osize;
    return NULL;
  }
  if (b->limit && nsize > osize && b->used + (nsize - osize) > b->limit)
    return NULL;
  void *p = kd_real_realloc(ptr, nsize);
  if (p == NULL) {
    kd_alloc_note_failure();
    return NULL;
  }
  b->used = b->used - osize + nsize;
  return p;
}

/* The allocator of every state: ud is the budget or NULL (then it
** allocates as luaL_newstate's would).  A failure is counted for the
** report (kd_alloc_failures); $KDLUA_FAULT=lua-alloc-every=N
** (base/faultalloc.h) injects them. */
static void *host_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  if (kd_fault_lua_refuse(ptr ? osize : 0, nsize)) {
    kd_alloc_note_failure();
    return NULL;
  }
  if (ud) return budget_alloc(ud, ptr, osize, nsize);
  if (nsize == 0) {
    free(ptr);
    return NULL;
  }
  void *p = kd_real_realloc(ptr, nsize);
  if (p == NULL) kd_alloc_note_failure();
  return p;
}

static int panic_handler(lua_State *L) {
  const char *msg = lua_tostring(L, -1);
  /* out of memory outside any pcall (opening the libraries, the host's
  ** own setup): nothing to debug, one line and the exit of bad input */
  if (msg && strcmp(msg, "not enough memory") == 0) {
    fprintf(stderr, "kdlua: out of memory\n");
    exit(2);
  }
  fprintf(stderr, "kdlua: unprotected Lua error: %s\n", msg ? msg : "?");
  abort();
}

lua_State *kl_state_new(struct kd_program *prog, const char *scripts_root,
                        struct kl_budget *budget) {
  /* luaL_newstate's own allocator is realloc and free as well, so what it
  ** allocated before the switch is host_alloc's to free */
  lua_State *L = budget ? lua_newstate(host_alloc, budget) : luaL_newstate();
  if (L == NULL) return NULL;
  if (budget == NULL) lua_setallocf(L, host_alloc, NULL);
  lua_atpanic(L, panic_handler);
  luaL_openlibs(L);
  lua_getglobal(L, "package");
  if (scripts_root) {
    lua_pushfstring(L, "%s/lib/?.lua;%s/lib/?/init.lua", scripts_root, scripts_root);
    lua_setfield(L, -2, "path");
  }
  lua_pushliteral(L, "");
  lua_setfield(L, -2, "cpath");
  lua_pop(L, 1);
  if (prog) kl_open(L, prog);
  if (scripts_root) {
    lua_pushstring(L, scripts_root);
    lua_setglobal(L, "KDLUA_SCRIPTS");
  }
  kl_chunkcache_install(L);
  return L;
}

int kl_msghandler(lua_State *L) {
  const char *msg = lua_tostring(L, 1);
  if (msg == NULL) {
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
      msg = lua_tostring(L, -1);
    else
      msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
  }
  luaL_traceback(L, L, msg, 1);
  return 1;
}

static lua_State *global_L;

static void stop_hook(lua_State *L, lua_Debug *ar) {
  (void)ar;
  lua_sethook(L, NULL, 0, 0);
  luaL_error(L, "interrupted!");
}

static void on_sigint(int sig) {
  signal(sig, SIG_DFL);   /* a second Ctrl-C kills the process */
  if (global_L)
    lua_sethook(global_L, stop_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

void kl_install_sigint(lua_State *L) {
  global_L = L;
}

/* an error message that says the process ran out of memory: Lua's own,
** or a first line ending as kd_enomem's text does */
static bool out_of_memory(const char *msg) {
  if (strstr(msg, "not enough memory")) return true;
  size_t n = strcspn(msg, "\n");
  return n >= 13 && strncmp(msg + n - 13, "out of memory", 13) == 0;
}

int kl_docall(lua_State *L, int nargs, int nresults) {
  int base = lua_gettop(L) - nargs;
  lua_pushcfunction(L, kl_msghandler);
  lua_insert(L, base);
  if (global_L == L) signal(SIGINT, on_sigint);
  int status = lua_pcall(L, nargs, nresults, base);
  if (global_L == L) signal(SIGINT, SIG_DFL);
  lua_remove(L, base);
  if (status != LUA_OK) {
    const char *msg = lua_tostring(L, -1);
    /* out of memory (Lua's own, or the C core's kd_enomem) says so in one
    ** line: the traceback would point at whichever allocation came last */
    if (status == LUA_ERRMEM || (msg && out_of_memory(msg))) {
      fprintf(stderr, "kdlua: out of memory\n");
      status = LUA_ERRMEM;
    } else {
      fprintf(stderr, "kdlua: %s\n", msg ? msg : "(error)");
    }
    lua_pop(L, 1);
  }
  return status;
}

int kl_run_file(lua_State *L, const char *path, int argc, char **argv) {
  /* arg table as lua.c: arg[0] = script, arg[1..] = its arguments */
  lua_createtable(L, argc, 1);
  lua_pushstring(L, path);
  lua_rawseti(L, -2, 0);
  for (int i = 0; i < argc; i++) {
    lua_pushstring(L, argv[i]);
    lua_rawseti(L, -2, i + 1);
  }
  lua_setglobal(L, "arg");
  int status = kl_load_script(L, path);
  if (status != LUA_OK) {
    fprintf(stderr, "kdlua: %s\n", status == LUA_ERRMEM ? "out of memory" : lua_tostring(L, -1));
    lua_pop(L, 1);
    return status == LUA_ERRMEM ? 2 : 1;
  }
  for (int i = 0; i < argc; i++) lua_pushstring(L, argv[i]);
  /* out of memory exits 2, as bad input: one line, no traceback */
  status = kl_docall(L, argc, 0);
  return status == LUA_OK ? 0 : status == LUA_ERRMEM ? 2 : 1;
}

int kl_run_string(lua_State *L, const char *chunk, const char *name) {
  if (luaL_loadbufferx(L, chunk, strlen(chunk), name, "t") != LUA_OK) {
    fprintf(stderr, "kdlua: %s\n", lua_tostring(L, -1));
    lua_pop(L, 1);
    return 1;
  }
  return kl_docall(L, 0, 0) == LUA_OK ? 0 : 1;
}
