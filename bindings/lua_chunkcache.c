/*
** lua_chunkcache.c -- compiled forms of kdlua's own Lua scripts, kept in
** the cache directory so that start-up loads bytecode instead of parsing
** ~19k lines of Lua each run (18 ms of a report's ~75 ms start-up).
**
** Only the bundled scripts (under the scripts root: lib/, emitters/,
** commands/) are cached; site emitters and user programs always load as
** text, and no bytecode is ever read from anywhere but the cache kdlua
** wrote itself.  An entry is used only when its header names the same
** source file with the same size, mtime (ns) and inode, and the same Lua
** and kdlua versions; otherwise the source is compiled and the entry
** rewritten (write to a temporary name, then rename).  Any failure to
** read or write the cache just means loading the text.  Debug information
** is kept, so tracebacks and error messages are those of the text.
*/
#include "lua_chunkcache.h"

#include <errno.h>
#include <fcntl.h>
#include <lauxlib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "debuginfo/debugcache.h"
#include "base/fnv.h"

#define MAGIC "KDLUAC2\n"

/*
** The bytecode's check: FNV-1a's step over 8 bytes at a time, each step
** folded by a shift (a damaged byte anywhere changes it).  FNV byte by
** byte was 5.5M of the ~30M instructions a report's start spends loading
** its 114 chunks.  (Entries of the byte-wise check, KDLUAC1, had names
** without the "-2": another kdlua version sharing the directory keeps
** its own instead of both rewriting each other's.)
*/
static uint64_t code_hash(const void *p, size_t n) {
  const unsigned char *b = p;
  uint64_t h = KD_FNV_OFFSET;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    memcpy(&w, b + i, 8);
    h = (h ^ w) * 0x100000001b3ull;
    h ^= h >> 29;
  }
  for (; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
  return h;
}

static char *cache_dir;        /* <cache>/lua, or NULL: no caching */
static char *scripts_prefix;   /* "<root>/": what may be cached */

void kl_chunkcache_init(const char *scripts_root) {
  if (scripts_root == NULL || kd_env_flag("KDLUA_NO_CHUNK_CACHE") ||
      kd_env_flag("KDLUA_NO_CACHE"))
    return;
  char *base = kd_debugcache_dir();
  if (base == NULL) return;
  size_t n = strlen(base) + 8;
  cache_dir = malloc(n);
  if (cache_dir) snprintf(cache_dir, n, "%s/lua", base);
  free(base);
  n = strlen(scripts_root) + 2;
  scripts_prefix = malloc(n);
  if (scripts_prefix) snprintf(scripts_prefix, n, "%s/", scripts_root);
  if (cache_dir == NULL || scripts_prefix == NULL) {
    free(cache_dir);
    free(scripts_prefix);
    cache_dir = scripts_prefix = NULL;
  }
}

/* what identifies one version of a source file */
struct stamp {
  char magic[8];
  uint32_t lua_version;
  char kdlua_version[16];
  int64_t size, mtime_sec, mtime_nsec;
  uint64_t ino, dev;
  uint64_t code_hash;           /* code_hash() of the bytecode: a damaged entry
                                ** must not reach lua_load, which trusts
                                ** bytecode */
  uint32_t path_len;            /* the source path follows the header */
};

struct dumpbuf { char *p; size_t n, cap; int failed; };

static int dump_writer(lua_State *L, const void *b, size_t sz, void *ud) {
  (void)L;
  struct dumpbuf *d = ud;
  if (d->n + sz > d->cap) {
    size_t ncap = d->cap ? d->cap * 2 : 65536;
    while (ncap < d->n + sz) ncap *= 2;
    char *np = realloc(d->p, ncap);
    if (np == NULL) { d->failed = 1; return 1; }
    d->p = np;
    d->cap = ncap;
  }
  memcpy(d->p + d->n, b, sz);
  d->n += sz;
  return 0;
}

static void make_stamp(struct stamp *s, const struct stat *st, const char *path) {
  memset(s, 0, sizeof *s);
  memcpy(s->magic, MAGIC, 8);
  s->lua_version = (uint32_t)LUA_VERSION_NUM;
  snprintf(s->kdlua_version, sizeof s->kdlua_version, "%s", KDLUA_VERSION);
  s->size = (int64_t)st->st_size;
  s->mtime_sec = (int64_t)st->st_mtim.tv_sec;
  s->mtime_nsec = (int64_t)st->st_mtim.tv_nsec;
  s->ino = (uint64_t)st->st_ino;
  s->dev = (uint64_t)st->st_dev;
  s->path_len = (uint32_t)strlen(path);
}

/* Read the cache entry into a malloc'd buffer; NULL when absent/stale. */
static char *read_entry(const char *entry, const struct stamp *want,
                        const char *path, size_t *code_len) {
  int fd = open(entry, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NULL;
  struct stat st;
  char *buf = NULL;
  if (fstat(fd, &st) == 0 && st.st_size > (off_t)sizeof *want &&
      st.st_size < (off_t)(64 << 20)) {
    size_t len = (size_t)st.st_size;
    buf = malloc(len);
    size_t got = 0;
    while (buf && got < len) {
      ssize_t r = read(fd, buf + got, len - got);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) break;
      got += (size_t)r;
    }
    size_t head = sizeof *want + want->path_len;
    struct stamp have;
    if (buf && got == len && len > head) {
      memcpy(&have, buf, sizeof have);
      uint64_t h = have.code_hash;
      have.code_hash = want->code_hash;   /* compare the rest as a whole */
      if (memcmp(&have, want, sizeof have) != 0 ||
          memcmp(buf + sizeof *want, path, want->path_len) != 0 ||
          code_hash(buf + head, len - head) != h) {
        free(buf);
        buf = NULL;
      }
    } else {
      free(buf);
      buf = NULL;
    }
    if (buf) {
      memmove(buf, buf + head, len - head);
      *code_len = len - head;
    }
  }
  close(fd);
  return buf;
}

static void write_entry(const char *entry, const struct stamp *s, const char *path,
                        const struct dumpbuf *d) {
  if (kd_make_dirs(cache_dir) != 0) return;
  size_t n = strlen(entry) + 32;
  char *tmp = malloc(n);
  if (tmp == NULL) return;
  snprintf(tmp, n, "%s.tmp.%ld", entry, (long)getpid());
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd >= 0) {
    int ok = write(fd, s, sizeof *s) == (ssize_t)sizeof *s &&
             write(fd, path, s->path_len) == (ssize_t)s->path_len &&
             write(fd, d->p, d->n) == (ssize_t)d->n;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, entry) != 0) unlink(tmp);
  }
  free(tmp);
}

int kl_load_script(lua_State *L, const char *path) {
  struct stat st;
  if (cache_dir == NULL || strncmp(path, scripts_prefix, strlen(scripts_prefix)) != 0 ||
      stat(path, &st) != 0)
    return luaL_loadfilex(L, path, "t");
  char entry[4096];
  snprintf(entry, sizeof entry, "%s/%016llx-2.luac", cache_dir,
           (unsigned long long)kd_fnv1a_str(path));
  struct stamp s;
  make_stamp(&s, &st, path);
  size_t len = 0;
  char *code = read_entry(entry, &s, path, &len);
  if (code) {
    lua_pushfstring(L, "@%s", path);
    int status = luaL_loadbufferx(L, code, len, lua_tostring(L, -1), "b");
    free(code);
    lua_remove(L, -2);
    if (status == LUA_OK) return LUA_OK;
    lua_pop(L, 1);                   /* a bad entry: compile the text */
  }
  int status = luaL_loadfilex(L, path, "t");
  if (status != LUA_OK) return status;
  struct dumpbuf d = { NULL, 0, 0, 0 };
  if (lua_dump(L, dump_writer, &d, 0) == 0 && !d.failed) {
    s.code_hash = code_hash(d.p, d.n);
    write_entry(entry, &s, path, &d);
  }
  free(d.p);
  return LUA_OK;
}

/* package.searchers entry: like Lua's own file searcher, through the cache */
static int searcher(lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "searchpath");
  lua_pushstring(L, name);
  lua_getfield(L, -3, "path");
  lua_call(L, 2, 2);
  if (lua_isnil(L, -2)) return 1;    /* the message lists what was tried */
  const char *file = lua_tostring(L, -2);
  if (kl_load_script(L, file) != LUA_OK)
    return luaL_error(L, "error loading module '%s' from file '%s':\n\t%s",
                      name, file, lua_tostring(L, -1));
  lua_pushstring(L, file);
  return 2;
}

/* kdlua_loadfile(path [, env]): loadfile(path, "t", env) through the cache */
static int l_loadfile(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  int has_env = !lua_isnone(L, 2);
  if (kl_load_script(L, path) != LUA_OK) {
    lua_pushnil(L);
    lua_insert(L, -2);
    return 2;
  }
  if (has_env) {
    lua_pushvalue(L, 2);
    if (lua_setupvalue(L, -2, 1) == NULL) lua_pop(L, 1);
  }
  return 1;
}

void kl_chunkcache_install(lua_State *L) {
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "searchers");
  /* in front of Lua's own file searcher (index 2) */
  lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
  for (lua_Integer i = n; i >= 2; i--) {
    lua_rawgeti(L, -1, i);
    lua_rawseti(L, -2, i + 1);
  }
  lua_pushcfunction(L, searcher);
  lua_rawseti(L, -2, 2);
  lua_pop(L, 2);
  lua_pushcfunction(L, l_loadfile);
  lua_setglobal(L, "kdlua_loadfile");
}
