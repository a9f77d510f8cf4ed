/*
** lua_chunkcache.h -- kdlua's own scripts loaded from a cache of their
** compiled form (see lua_chunkcache.c).
*/
#ifndef KL_LUA_CHUNKCACHE_H
#define KL_LUA_CHUNKCACHE_H

#include <lua.h>

/* Cache compiled forms of the scripts under scripts_root (NULL: none), in
** the cache directory (KDLUA_CACHE_DIR / XDG; KDLUA_NO_CHUNK_CACHE=1 turns
** it off).  Call once, before any state loads scripts. */
void kl_chunkcache_init(const char *scripts_root);
/* luaL_loadfilex(L, path, "t"), through the cache for bundled scripts. */
int kl_load_script(lua_State *L, const char *path);
/* A package.searchers entry and the global kdlua_loadfile(path [, env])
** that load through the cache. */
void kl_chunkcache_install(lua_State *L);

#endif
