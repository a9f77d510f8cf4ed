/*
** lua_archive.c -- module kdlua.archive (see lua_report.h, host/archive/kdarchive.h).
**
**   local A = require("kdlua.archive")
**   local a = A.new()
**   a:add_file(path, data) / a:add_symlink(path, target) / a:add_dir(path)
**       -> true, or nil and an error object (bad or duplicate path)
**   a:has(path), a:count()
**   a:write(final_path, {top=, mtime=, compression=, level=, threads=})
**       -> size, sha256 (hex)                       raises on I/O errors
**   a:write_dir(final_dir, {mtime=})                raises on I/O errors
**   a:write_begin(final_path, {...as write}, hold)  the entries before
**       `hold` written by a thread from now on; later adds must sort at or
**       after it                                    raises on I/O errors
**   a:write_finish() -> size, sha256: the rest, as write does
**   a:add_file_xz(path, stream)  a file whose content is a stream from
**       A.content_xz (written only as .tar.xz) -> as add_file
**   A.content_xz(data, level [, threads]) -> stream: a file's content
**       compressed ahead of time (kdarchive.h); level "store": held
**       uncompressed in the stream
**   A.write_file(path, data [, mode])  small file, atomically
**   A.guard()            SIGINT/SIGTERM/SIGHUP/SIGQUIT remove partial output and exit
**   A.remove_stale(dir)  remove partial output of dead runs in dir -> count
**   A.check_compression(name) -> true | nil, err
**   A.stat(path) -> {size=, uid=, owner=} | nil
**   A.listdir(dir) -> names sorted bytewise ("." and ".." left out)
**                     | nil, message
**   A.sha256(string) -> hex;  A.version
*/
#include <dirent.h>
#include <errno.h>
#include <lauxlib.h>
#include <pwd.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>

#include "archive/kdarchive.h"
#include "config.h"
#include "lua_kd.h"
#include "lua_report.h"

#define KL_ARCHIVE "kdlua.archive"

struct box { struct kd_archive *a; };

static struct kd_archive *check_archive(lua_State *L) {
  struct box *b = luaL_checkudata(L, 1, KL_ARCHIVE);
  if (b->a == NULL) luaL_error(L, "archive is closed");
  return b->a;
}

static int a_gc(lua_State *L) {
  struct box *b = luaL_checkudata(L, 1, KL_ARCHIVE);
  kd_archive_free(b->a);
  b->a = NULL;
  return 0;
}

static int a_new(lua_State *L) {
  /* the box exists before the archive: nothing is held if this raises */
  struct box *b = lua_newuserdatauv(L, sizeof *b, 0);
  b->a = NULL;
  luaL_setmetatable(L, KL_ARCHIVE);
  struct kd_error *err = kd_archive_new(&b->a);
  if (err) return kl_raise(L, err);
  return 1;
}

/* true, or nil and the error object (for what a caller may check) */
static int push_outcome(lua_State *L, struct kd_error *err) {
  if (err) {
    lua_pushnil(L);
    kl_push_error(L, err);
    return 2;
  }
  lua_pushboolean(L, 1);
  return 1;
}

static int add(lua_State *L, enum kd_archive_kind kind) {
  struct kd_archive *a = check_archive(L);
  const char *path = luaL_checkstring(L, 2);
  size_t len = 0;
  const char *data = kind == KD_AR_DIR ? NULL : luaL_checklstring(L, 3, &len);
  return push_outcome(L, kd_archive_add(a, kind, path, data, len));
}

static int a_add_file(lua_State *L) { return add(L, KD_AR_FILE); }
static int a_add_symlink(lua_State *L) { return add(L, KD_AR_SYMLINK); }
static int a_add_dir(lua_State *L) { return add(L, KD_AR_DIR); }

static int a_add_file_xz(lua_State *L) {
  struct kd_archive *a = check_archive(L);
  const char *path = luaL_checkstring(L, 2);
  size_t len;
  const char *stream = luaL_checklstring(L, 3, &len);
  return push_outcome(L, kd_archive_add_xz(a, path, stream, len));
}

static int a_has(lua_State *L) {
  lua_pushboolean(L, kd_archive_has(check_archive(L), luaL_checkstring(L, 2)));
  return 1;
}

/* a:spool(dir): contents kept in a temporary file in dir (kd_archive_spool) */
static int a_spool(lua_State *L) {
  struct kd_archive *a = check_archive(L);
  return push_outcome(L, kd_archive_spool(a, luaL_checkstring(L, 2)));
}

/* a:file_open(path), a:file_append(s...), a:file_close(): a file added in
** pieces (kd_archive_file_open) */
static int a_file_open(lua_State *L) {
  struct kd_archive *a = check_archive(L);
  return push_outcome(L, kd_archive_file_open(a, luaL_checkstring(L, 2)));
}

static int a_file_append(lua_State *L) {
  struct kd_archive *a = check_archive(L);
  int n = lua_gettop(L);
  for (int i = 2; i <= n; i++) {
    size_t len;
    const char *s = luaL_checklstring(L, i, &len);
    struct kd_error *err = kd_archive_file_append(a, s, len);
    if (err) return push_outcome(L, err);
  }
  lua_pushboolean(L, 1);
  return 1;
}

static int a_file_close(lua_State *L) {
  kd_archive_file_close(check_archive(L));
  return 0;
}

static int a_count(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)kd_archive_count(check_archive(L)));
  return 1;
}

/* Options are read into C values first; the strings stay anchored in the
** options table, which is on the stack for the whole call. */
static void read_options(lua_State *L, int idx, struct kd_archive_options *o) {
  memset(o, 0, sizeof *o);
  o->compression = "xz";
  o->level = -1;
  if (lua_isnoneornil(L, idx)) return;
  luaL_checktype(L, idx, LUA_TTABLE);
  if (lua_getfield(L, idx, "top") == LUA_TSTRING) o->top = lua_tostring(L, -1);
  lua_pop(L, 1);
  if (lua_getfield(L, idx, "compression") == LUA_TSTRING) o->compression = lua_tostring(L, -1);
  lua_pop(L, 1);
  lua_getfield(L, idx, "mtime");
  o->mtime = (int64_t)luaL_optinteger(L, -1, 0);
  lua_getfield(L, idx, "level");
  o->level = (int)luaL_optinteger(L, -1, -1);
  lua_getfield(L, idx, "threads");
  o->threads = (int)luaL_optinteger(L, -1, 1);
  lua_pop(L, 3);
}

static int a_write(lua_State *L) {
  struct kd_archive *a = check_archive(L);
  const char *path = luaL_checkstring(L, 2);
  struct kd_archive_options o;
  read_options(L, 3, &o);
  uint64_t size = 0;
  char sha[65];
  struct kd_error *err = kd_archive_write_tar(a, path, &o, &size, sha);
  if (err) return kl_raise(L, err);
  lua_pushinteger(L, (lua_Integer)size);
  lua_pushstring(L, sha);
  return 2;
}

static int a_write_begin(lua_State *L) {
  struct kd_archive *a = check_archive(L);
  const char *path = luaL_checkstring(L, 2);
  struct kd_archive_options o;
  read_options(L, 3, &o);
  const char *hold = luaL_checkstring(L, 4);
  struct kd_error *err = kd_archive_write_begin(a, path, &o, hold);
  if (err) return kl_raise(L, err);
  lua_pushboolean(L, 1);
  return 1;
}

static int a_write_finish(lua_State *L) {
  struct kd_archive *a = check_archive(L);
  uint64_t size = 0;
  char sha[65];
  struct kd_error *err = kd_archive_write_finish(a, &size, sha);
  if (err) return kl_raise(L, err);
  lua_pushinteger(L, (lua_Integer)size);
  lua_pushstring(L, sha);
  return 2;
}

static int a_write_dir(lua_State *L) {
  struct kd_archive *a = check_archive(L);
  const char *path = luaL_checkstring(L, 2);
  struct kd_archive_options o;
  read_options(L, 3, &o);
  struct kd_error *err = kd_archive_write_dir(a, path, &o);
  if (err) return kl_raise(L, err);
  lua_pushboolean(L, 1);
  return 1;
}

static int m_write_file(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  size_t len;
  const char *data = luaL_checklstring(L, 2, &len);
  lua_Integer mode = luaL_optinteger(L, 3, 0644);
  struct kd_error *err = kd_archive_write_small_file(path, data, len, (unsigned)mode);
  if (err) return kl_raise(L, err);
  lua_pushboolean(L, 1);
  return 1;
}

static int xzbuf_gc(lua_State *L) {
  char **b = lua_touserdata(L, 1);
  free(*b);
  *b = NULL;
  return 0;
}

/* the stream is malloc'd: pushed through a box so that a memory error in
** lua_pushlstring cannot leak it */
static int m_content_xz(lua_State *L) {
  size_t len;
  const char *data = luaL_checklstring(L, 1, &len);
  /* level: 0-9, or "store" (kd_archive_content_xz_stored) */
  bool store = lua_type(L, 2) == LUA_TSTRING && strcmp(lua_tostring(L, 2), "store") == 0;
  int level = store ? 0 : (int)luaL_optinteger(L, 2, -1);
  lua_Integer threads = luaL_optinteger(L, 3, 1);
  luaL_argcheck(L, threads >= 1 && threads <= 64, 3, "threads: 1 to 64");
  char **box = lua_newuserdatauv(L, sizeof *box, 0);
  *box = NULL;
  if (luaL_newmetatable(L, "kdlua.xzbuf")) {
    lua_pushcfunction(L, xzbuf_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);
  size_t n = 0;
  struct kd_error *err = store ? kd_archive_content_xz_stored(data, len, box, &n)
                                : kd_archive_content_xz(data, len, level, (int)threads, box, &n);
  if (err) return kl_raise(L, err);
  lua_pushlstring(L, *box, n);
  free(*box);
  *box = NULL;
  return 1;
}

static int m_guard(lua_State *L) {
  kd_archive_guard_signals();
  return 0;
}

static int m_remove_stale(lua_State *L) {
  lua_pushinteger(L, kd_archive_remove_stale(luaL_checkstring(L, 1)));
  return 1;
}

static int m_check_compression(lua_State *L) {
  return push_outcome(L, kd_archive_check_compression(luaL_checkstring(L, 1)));
}

static int m_stat(lua_State *L) {
  struct stat st;
  if (stat(luaL_checkstring(L, 1), &st) != 0) {
    lua_pushnil(L);
    return 1;
  }
  char owner[256] = "";
  struct passwd pw, *res = NULL;
  char buf[2048];
  if (getpwuid_r(st.st_uid, &pw, buf, sizeof buf, &res) == 0 && res)
    snprintf(owner, sizeof owner, "%s", res->pw_name);
  else
    snprintf(owner, sizeof owner, "%u", (unsigned)st.st_uid);
  lua_createtable(L, 0, 4);
  lua_pushinteger(L, (lua_Integer)st.st_size);
  lua_setfield(L, -2, "size");
  lua_pushinteger(L, (lua_Integer)st.st_uid);
  lua_setfield(L, -2, "uid");
  lua_pushstring(L, owner);
  lua_setfield(L, -2, "owner");
  lua_pushboolean(L, S_ISDIR(st.st_mode));
  lua_setfield(L, -2, "is_dir");
  return 1;
}

static int bytewise_less(lua_State *L) {
  size_t la, lb;
  const char *a = luaL_checklstring(L, 1, &la), *b = luaL_checklstring(L, 2, &lb);
  int c = memcmp(a, b, la < lb ? la : lb);
  lua_pushboolean(L, c < 0 || (c == 0 && la < lb));
  return 1;
}

/* the DIR lives in a box so that a memory error while pushing names
** cannot leak it */
static int dir_gc(lua_State *L) {
  DIR **d = lua_touserdata(L, 1);
  if (*d) closedir(*d);
  *d = NULL;
  return 0;
}

static int m_listdir(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  DIR **d = lua_newuserdatauv(L, sizeof *d, 0);
  *d = NULL;
  if (luaL_newmetatable(L, "kdlua.dir")) {
    lua_pushcfunction(L, dir_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);
  *d = opendir(path);
  if (*d == NULL) {
    lua_pushnil(L);
    lua_pushfstring(L, "%s: %s", path, strerror(errno));
    return 2;
  }
  lua_newtable(L);
  lua_Integer n = 0;
  struct dirent *de;
  while ((de = readdir(*d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
    lua_pushstring(L, de->d_name);
    lua_rawseti(L, -2, ++n);
  }
  closedir(*d);
  *d = NULL;
  /* table.sort compares strings with strcoll; names are sorted bytewise here */
  lua_getglobal(L, "table");
  lua_getfield(L, -1, "sort");
  lua_remove(L, -2);
  lua_pushvalue(L, -2);
  lua_pushcfunction(L, bytewise_less);
  lua_call(L, 2, 0);
  return 1;
}

static int m_sha256(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  char hex[65];
  kd_sha256_hex(s, len, hex);
  lua_pushstring(L, hex);
  return 1;
}

int luaopen_kdlua_archive(lua_State *L) {
  static const luaL_Reg methods[] = {
    { "add_file", a_add_file }, { "add_symlink", a_add_symlink }, { "add_dir", a_add_dir },
    { "has", a_has }, { "count", a_count }, { "spool", a_spool }, { "file_open", a_file_open },
    { "file_append", a_file_append }, { "file_close", a_file_close }, { "write", a_write }, { "add_file_xz", a_add_file_xz },
    { "write_dir", a_write_dir }, { "write_begin", a_write_begin },
    { "write_finish", a_write_finish }, { NULL, NULL }
  };
  static const luaL_Reg funcs[] = {
    { "new", a_new }, { "write_file", m_write_file }, { "guard", m_guard },
    { "remove_stale", m_remove_stale },
    { "check_compression", m_check_compression }, { "stat", m_stat },
    { "sha256", m_sha256 }, { "listdir", m_listdir }, { "content_xz", m_content_xz },
    { NULL, NULL }
  };
  if (luaL_newmetatable(L, KL_ARCHIVE)) {
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, a_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, a_gc);
    lua_setfield(L, -2, "__close");
  }
  lua_pop(L, 1);
  kl_open_error(L);   /* errors are kd.error objects even without a dump */
  luaL_newlib(L, funcs);
  lua_pushliteral(L, KDLUA_VERSION);
  lua_setfield(L, -2, "version");
  return 1;
}

void kl_open_report(lua_State *L) {
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  lua_pushcfunction(L, luaopen_kdlua_archive);
  lua_setfield(L, -2, "kdlua.archive");
  lua_pushcfunction(L, luaopen_kdlua_sandbox);
  lua_setfield(L, -2, "kdlua.sandbox");
  lua_pushcfunction(L, luaopen_kdlua_parallel);
  lua_setfield(L, -2, "kdlua.parallel");
  lua_pushcfunction(L, luaopen_kdlua_json);
  lua_setfield(L, -2, "kdlua.json");
  lua_pushcfunction(L, luaopen_kdlua_records);
  lua_setfield(L, -2, "kdlua.records");
  lua_pop(L, 1);
}
