/*
** lua_report.h -- the C helpers of `kdlua report`, as Lua modules that
** scripts get with require():
**   kdlua.archive  the report archive (host/archive/kdarchive.h): entries, sorted
**                  tar/xz|gzip|zstd|none or directory output, sha256,
**                  signal cleanup; plus stat(), listdir(), sha256() and
**                  the kdlua version
**   kdlua.sandbox  run a function under a time and a memory budget;
**                  wall/monotonic clocks with sub-second resolution, isatty
**   kdlua.parallel  fork, wait and shared counters for worker processes
**   kdlua.json      JSON text from Lua values (cJSON), for report/json.lua
**   kdlua.records   the records of results workers hand the main process
**                   (lua_records.c), for report/workers.lua
*/
#ifndef KL_LUA_REPORT_H
#define KL_LUA_REPORT_H

#include <lua.h>

/* Put the modules in package.preload (call once per state, after the
** standard libraries are open). */
void kl_open_report(lua_State *L);

int luaopen_kdlua_archive(lua_State *L);
int luaopen_kdlua_sandbox(lua_State *L);
int luaopen_kdlua_parallel(lua_State *L);
int luaopen_kdlua_json(lua_State *L);
int luaopen_kdlua_records(lua_State *L);

#endif
