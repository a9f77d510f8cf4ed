/*
** lua_records.c -- module kdlua.records: the records in which the report's
** worker processes hand their results to the main process (see
** scripts/lib/report/workers.lua), encoded and decoded in C.
**
**   local R = require("kdlua.records")
**   R.write(f, i, t) -> n   append one record to the Lua file f: unit
**                           number i (0 .. 2^32-1) and the table t; n is
**                           the record's length after its length field.
**                           Raises on a write error, a value too deep or
**                           a string over 4 GiB.
**   R.decode(s [, pos]) -> value, after   the value encoded at s[pos..]
**                           and the position after it; raises on a
**                           corrupt encoding.
**   R.load(f, pos, len) -> value, used    the value encoded in the len
**                           bytes at offset pos of the Lua file f, and
**                           how many of them it took; nil if the file is
**                           shorter; raises as decode does.  The bytes
**                           pass through a buffer freed at once: f:read
**                           then decode held a record three times (a 10
**                           MB stack trace of every task: 30 MB).
**
** A record: [u32 length of the rest][u32 unit][value], little-endian.  A
** value is one tag byte and what it needs: "s" u32 length + bytes, "i"
** i64, "n" double, "T"/"F" booleans, "N" nil (and whatever cannot travel:
** functions, userdata), "t" u32 count + count (key, value) pairs.
**
** Why C: on a machine of 10,000 tasks the main process decodes ~10,000
** records of ~195,000 files' results after the workers end, serially: in
** Lua (a string.sub and a string.unpack per tag) that was a quarter of
** the commit's time.  The writer takes the Lua file's FILE * and writes
** every string where it is (a file's megabytes are never copied into a
** buffer first), after a first pass that sizes the record.
*/
#define _FILE_OFFSET_BITS 64
#include <lauxlib.h>
#include <lua.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua_report.h"

/* results nest a few levels (result > file > partial lines > line) */
#define MAX_DEPTH 64

static void put_u32(unsigned char *b, uint32_t v) {
  for (int i = 0; i < 4; i++) b[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_u32(const unsigned char *b) {
  return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* {====== encoding ====== */

/* bytes the value at `idx` takes; raises on what cannot be encoded */
static uint64_t enc_size(lua_State *L, int idx, int depth) {
  switch (lua_type(L, idx)) {
    case LUA_TSTRING: {
      size_t len;
      lua_tolstring(L, idx, &len);
      if (len > UINT32_MAX) luaL_error(L, "worker record: a string of %zu bytes", len);
      return 5 + (uint64_t)len;
    }
    case LUA_TNUMBER: return 9;
    case LUA_TTABLE: {
      if (depth >= MAX_DEPTH) luaL_error(L, "worker record: tables nested too deep");
      luaL_checkstack(L, 3, "worker record");
      idx = lua_absindex(L, idx);
      uint64_t n = 5;
      lua_pushnil(L);
      while (lua_next(L, idx)) {
        n += enc_size(L, -2, depth + 1) + enc_size(L, -1, depth + 1);
        lua_pop(L, 1);
      }
      return n;
    }
    default: return 1;   /* T, F, N */
  }
}

struct out {
  FILE *f;
  int failed;
};

static void out_put(struct out *o, const void *p, size_t len) {
  if (len && !o->failed && fwrite(p, 1, len, o->f) != len) o->failed = 1;
}

static void enc_write(lua_State *L, struct out *o, int idx) {
  unsigned char b[9];
  switch (lua_type(L, idx)) {
    case LUA_TSTRING: {
      size_t len;
      const char *s = lua_tolstring(L, idx, &len);
      b[0] = 's';
      put_u32(b + 1, (uint32_t)len);
      out_put(o, b, 5);
      out_put(o, s, len);
      return;
    }
    case LUA_TNUMBER: {
      uint64_t u;
      if (lua_isinteger(L, idx)) {
        b[0] = 'i';
        u = (uint64_t)lua_tointeger(L, idx);
      } else {
        b[0] = 'n';
        double d = lua_tonumber(L, idx);
        memcpy(&u, &d, sizeof u);
      }
      for (int i = 0; i < 8; i++) b[1 + i] = (unsigned char)(u >> (8 * i));
      out_put(o, b, 9);
      return;
    }
    case LUA_TBOOLEAN:
      b[0] = lua_toboolean(L, idx) ? 'T' : 'F';
      out_put(o, b, 1);
      return;
    case LUA_TTABLE: {
      idx = lua_absindex(L, idx);
      uint32_t n = 0;
      lua_pushnil(L);
      while (lua_next(L, idx)) {
        n++;
        lua_pop(L, 1);
      }
      b[0] = 't';
      put_u32(b + 1, n);
      out_put(o, b, 5);
      lua_pushnil(L);
      while (lua_next(L, idx)) {
        enc_write(L, o, -2);
        enc_write(L, o, -1);
        lua_pop(L, 1);
      }
      return;
    }
    default:
      b[0] = 'N';
      out_put(o, b, 1);
      return;
  }
}

static int r_write(lua_State *L) {
  luaL_Stream *st = luaL_checkudata(L, 1, LUA_FILEHANDLE);
  if (st->closef == NULL) return luaL_error(L, "attempt to use a closed file");
  lua_Integer unit = luaL_checkinteger(L, 2);
  luaL_argcheck(L, unit >= 0 && unit <= (lua_Integer)UINT32_MAX, 2, "unit number out of range");
  uint64_t len = 4 + enc_size(L, 3, 0);
  if (len > UINT32_MAX) return luaL_error(L, "worker record of %llu bytes", (unsigned long long)len);
  unsigned char head[8];
  put_u32(head, (uint32_t)len);
  put_u32(head + 4, (uint32_t)unit);
  struct out o = { st->f, 0 };
  out_put(&o, head, 8);
  enc_write(L, &o, 3);
  if (o.failed) return luaL_error(L, "worker record: write failed");
  lua_pushinteger(L, (lua_Integer)len);
  return 1;
}

/* }====== */

/* {====== decoding ====== */

/* decode the value at *p (before end) and push it; raises on corruption */
static const unsigned char *dec(lua_State *L, const unsigned char *p, const unsigned char *end,
                                int depth) {
  if (p >= end) luaL_error(L, "corrupt worker record (cut short)");
  unsigned char tag = *p++;
  switch (tag) {
    case 's': {
      if (end - p < 4) luaL_error(L, "corrupt worker record (cut short)");
      uint32_t len = get_u32(p);
      p += 4;
      if ((size_t)(end - p) < len) luaL_error(L, "corrupt worker record (cut short)");
      lua_pushlstring(L, (const char *)p, len);
      return p + len;
    }
    case 'i':
    case 'n': {
      if (end - p < 8) luaL_error(L, "corrupt worker record (cut short)");
      uint64_t u = 0;
      for (int i = 0; i < 8; i++) u |= (uint64_t)p[i] << (8 * i);
      if (tag == 'i') {
        lua_pushinteger(L, (lua_Integer)u);
      } else {
        double d;
        memcpy(&d, &u, sizeof d);
        lua_pushnumber(L, d);
      }
      return p + 8;
    }
    case 'T': lua_pushboolean(L, 1); return p;
    case 'F': lua_pushboolean(L, 0); return p;
    case 'N': lua_pushnil(L); return p;
    case 't': {
      if (depth >= MAX_DEPTH) luaL_error(L, "corrupt worker record (nested too deep)");
      if (end - p < 4) luaL_error(L, "corrupt worker record (cut short)");
      uint32_t n = get_u32(p);
      p += 4;
      /* each pair takes at least 2 bytes: a count past that is corrupt */
      if (n > (size_t)(end - p) / 2) luaL_error(L, "corrupt worker record (count)");
      luaL_checkstack(L, 4, "worker record");
      lua_createtable(L, 0, (int)(n < 64 ? n : 64));
      for (uint32_t k = 0; k < n; k++) {
        p = dec(L, p, end, depth + 1);
        p = dec(L, p, end, depth + 1);
        /* a key that cannot index a table (as t[k] = v would refuse) */
        if (lua_isnil(L, -2) || (lua_type(L, -2) == LUA_TNUMBER && !lua_isinteger(L, -2) &&
                                 isnan(lua_tonumber(L, -2))))
          lua_pop(L, 2);
        else
          lua_rawset(L, -3);
      }
      return p;
    }
    default:
      luaL_error(L, "corrupt worker record (tag 0x%02x)", (unsigned)tag);
      return NULL;
  }
}

static int r_decode(lua_State *L) {
  size_t len;
  const unsigned char *s = (const unsigned char *)luaL_checklstring(L, 1, &len);
  lua_Integer pos = luaL_optinteger(L, 2, 1);
  luaL_argcheck(L, pos >= 1 && (size_t)pos <= len + 1, 2, "position out of range");
  const unsigned char *after = dec(L, s + pos - 1, s + len, 0);
  lua_pushinteger(L, (lua_Integer)(after - s) + 1);
  return 2;
}

/* decode(buffer, len) under lua_pcall: the caller frees the buffer */
static int decode_buffer(lua_State *L) {
  const unsigned char *buf = lua_touserdata(L, 1);
  size_t len = (size_t)lua_tointeger(L, 2);
  lua_settop(L, 0);
  const unsigned char *after = dec(L, buf, buf + len, 0);
  lua_pushinteger(L, (lua_Integer)(after - buf));
  return 2;
}

static int r_load(lua_State *L) {
  luaL_Stream *st = luaL_checkudata(L, 1, LUA_FILEHANDLE);
  if (st->closef == NULL) return luaL_error(L, "attempt to use a closed file");
  lua_Integer pos = luaL_checkinteger(L, 2), len = luaL_checkinteger(L, 3);
  luaL_argcheck(L, pos >= 0, 2, "negative offset");
  luaL_argcheck(L, len >= 0 && (uint64_t)len <= UINT32_MAX, 3, "length out of range");
  unsigned char *buf = malloc(len ? (size_t)len : 1);
  if (buf == NULL) return luaL_error(L, "worker record: out of memory");
  if (fseeko(st->f, (off_t)pos, SEEK_SET) != 0 ||
      fread(buf, 1, (size_t)len, st->f) != (size_t)len) {
    free(buf);
    clearerr(st->f);
    lua_pushnil(L);
    return 1;
  }
  lua_pushcfunction(L, decode_buffer);
  lua_pushlightuserdata(L, buf);
  lua_pushinteger(L, len);
  int status = lua_pcall(L, 2, 2, 0);
  free(buf);
  if (status != LUA_OK) return lua_error(L);
  return 2;
}

/* }====== */

int luaopen_kdlua_records(lua_State *L) {
  static const luaL_Reg funcs[] = {
    { "write", r_write }, { "decode", r_decode }, { "load", r_load }, { NULL, NULL }
  };
  luaL_newlib(L, funcs);
  return 1;
}
