/*
** lua_host.h -- making and running Lua states for kdlua: libraries,
** package.path from the scripts root, the `kd` table, a traceback message
** handler, and memory/time budgets.
*/
#ifndef KL_LUA_HOST_H
#define KL_LUA_HOST_H

#include <lua.h>
#include <stddef.h>

#include "core/program.h"

struct kl_budget {
  size_t limit;      /* bytes; 0 = unlimited */
  size_t used;
};

/* New state with standard libraries, kd bound to prog (may be NULL: no kd),
** package.path = <root>/lib/?.lua;<root>/lib/?/init.lua, cpath empty. */
lua_State *kl_state_new(struct kd_program *prog, const char *scripts_root,
                        struct kl_budget *budget);
/* lua.c-style message handler: non-string errors use __tostring, then a
** traceback is appended. */
int kl_msghandler(lua_State *L);
/* Call the function at the top of the stack (below it nargs args) with
** the message handler; on error prints "kdlua: <msg>" to stderr and
** returns non-zero. */
int kl_docall(lua_State *L, int nargs, int nresults);
/* Load and run a file (text only) with `arg` already set; 0 on success. */
int kl_run_file(lua_State *L, const char *path, int argc, char **argv);
int kl_run_string(lua_State *L, const char *chunk, const char *name);
/* Arrange for SIGINT to interrupt the running chunk ("interrupted!"). */
void kl_install_sigint(lua_State *L);

#endif
