/*
** lua_json.c -- module kdlua.json: Lua values to JSON text with cJSON.
**
**   local J = require("kdlua.json")
**   J.encode(value [, indent [, depth]])
**
** The rules are report/json.lua's (which marks tables and calls this):
** tables whose metatable has __json = "array" / "object" / "null" are that;
** other tables are arrays when their keys are exactly 1..n (n > 0), else
** objects.  Object keys are strings or numbers (written as strings), sorted
** bytewise, so the output is deterministic.  Integers print as integers,
** integral floats as "N.0", other floats with %.17g, inf and nan as null.
** Strings that are not UTF-8 have their bytes >= 0x80 taken as Latin-1
** code points, so the output always parses.  With `indent`, the layout is
** Python's json.dumps(indent=N) (what sos writes): one item per line, ": "
** after keys, empty containers as {} and [].  Without, ", " and ": ".
** `depth`: the text as it reads that many levels into an enclosing one
** (every line after the first indented depth * indent more), for a writer
** that puts a value inside text of its own.
**
** cJSON builds the tree and escapes strings; numbers go in as raw text so
** 64-bit integers survive (cJSON keeps numbers as doubles).  The tree and
** cJSON's output live in boxes the garbage collector frees, so an error
** raised half-way leaks nothing.
*/
#include <cjson/cJSON.h>
#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua_report.h"

#define BOX_MT "kdlua.json.box"
#define MAX_DEPTH 100

struct box { cJSON *tree; char *text; };

static int box_gc(lua_State *L) {
  struct box *b = lua_touserdata(L, 1);
  cJSON_Delete(b->tree);
  b->tree = NULL;
  cJSON_free(b->text);
  b->text = NULL;
  return 0;
}

static struct box *new_box(lua_State *L) {
  struct box *b = lua_newuserdatauv(L, sizeof *b, 0);
  memset(b, 0, sizeof *b);
  luaL_setmetatable(L, BOX_MT);
  return b;
}

/* __json of the metatable of the value at idx, or NULL */
static const char *marker(lua_State *L, int idx) {
  const char *m = NULL;
  if (lua_getmetatable(L, idx)) {
    if (lua_getfield(L, -1, "__json") == LUA_TSTRING) m = lua_tostring(L, -1);
    lua_pop(L, 2);   /* the string stays alive in the metatable */
  }
  return m;
}

static int is_array(lua_State *L, int idx, const char *mark) {
  if (mark) return strcmp(mark, "array") == 0;
  lua_Integer n = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1) { lua_pop(L, 1); return 0; }
    n++;
  }
  if (n == 0) return 0;
  for (lua_Integer i = 1; i <= n; i++) {
    int t = lua_rawgeti(L, idx, i);
    lua_pop(L, 1);
    if (t == LUA_TNIL) return 0;
  }
  return 1;
}

/* s as UTF-8 text for cJSON, pushed on the stack: with `latin1`, bytes
** >= 0x80 are read as U+0080..U+00FF (for strings that are not UTF-8); a
** NUL becomes `nul` when given (keys: a C string cannot hold it). */
static const char *push_text(lua_State *L, const char *s, size_t len, int latin1,
                             const char *nul) {
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == 0 && nul) {
      luaL_addstring(&b, nul);
    } else if (c < 0x80 || !latin1) {
      luaL_addchar(&b, (char)c);
    } else {
      luaL_addchar(&b, (char)(0xc0 | (c >> 6)));
      luaL_addchar(&b, (char)(0x80 | (c & 0x3f)));
    }
  }
  luaL_pushresult(&b);
  return lua_tostring(L, -1);
}

/* UTF-8 as Lua's utf8.len sees it (strict): no overlong forms, no
** surrogates, nothing above U+10FFFF. */
static int valid_utf8(const char *s, size_t len) {
  size_t i = 0;
  while (i < len) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x80) { i++; continue; }
    size_t n = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > len) return 0;
    unsigned long cp = c & (0x7f >> n);
    for (size_t k = 1; k < n; k++) {
      unsigned char cc = (unsigned char)s[i + k];
      if ((cc & 0xc0) != 0x80) return 0;
      cp = (cp << 6) | (cc & 0x3f);
    }
    static const unsigned long min_cp[5] = { 0, 0, 0x80, 0x800, 0x10000 };
    if (cp < min_cp[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    i += n;
  }
  return 1;
}

/* A string with a NUL, which cJSON (C strings) would cut: escaped here
** and given to cJSON as raw JSON text. */
static cJSON *escaped_item(lua_State *L, const char *s, size_t len) {
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  luaL_addchar(&b, '"');
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    char esc[8];
    if (c == '"' || c == '\\') { luaL_addchar(&b, '\\'); luaL_addchar(&b, (char)c); }
    else if (c < 0x20) { snprintf(esc, sizeof esc, "\\u%04x", c); luaL_addstring(&b, esc); }
    else luaL_addchar(&b, (char)c);
  }
  luaL_addchar(&b, '"');
  luaL_pushresult(&b);
  cJSON *item = cJSON_CreateRaw(lua_tostring(L, -1));
  lua_pop(L, 1);
  return item;
}

static cJSON *string_item(lua_State *L, int idx) {
  size_t len;
  const char *s = lua_tolstring(L, idx, &len);
  int pushed = 0;
  if (!valid_utf8(s, len)) {
    push_text(L, s, len, 1, NULL);
    s = lua_tolstring(L, -1, &len);
    pushed = 1;
  }
  cJSON *item = memchr(s, 0, len) ? escaped_item(L, s, len) : cJSON_CreateString(s);
  if (pushed) lua_pop(L, 1);
  return item;
}

static cJSON *number_item(lua_State *L, int idx) {
  char buf[64];
  if (lua_isinteger(L, idx)) {
    snprintf(buf, sizeof buf, "%lld", (long long)lua_tointeger(L, idx));
  } else {
    lua_Number v = lua_tonumber(L, idx);
    if (isnan(v) || isinf(v)) return cJSON_CreateNull();
    if (v == floor(v) && fabs(v) < 9007199254740992.0) snprintf(buf, sizeof buf, "%.1f", v);
    else snprintf(buf, sizeof buf, "%.17g", v);
  }
  return cJSON_CreateRaw(buf);
}

struct key { const char *p; size_t len; };

/* bytewise, as Lua compares strings in the C locale */
static int cmp_keys(const void *a, const void *b) {
  const struct key *x = a, *y = b;
  size_t n = x->len < y->len ? x->len : y->len;
  int c = memcmp(x->p, y->p, n);
  if (c) return c;
  return x->len < y->len ? -1 : x->len > y->len;
}

/* A key as cJSON can take it (a C string, UTF-8), pushed on the stack:
** not UTF-8 -> bytes >= 0x80 as Latin-1, like values; a NUL, which a C
** string cannot hold, -> U+FFFD. */
static const char *key_text(lua_State *L, const struct key *k) {
  int utf = valid_utf8(k->p, k->len);
  if (utf && memchr(k->p, 0, k->len) == NULL) {
    lua_pushlstring(L, k->p, k->len);
    return lua_tostring(L, -1);
  }
  return push_text(L, k->p, k->len, !utf, "\xef\xbf\xbd");
}

/* A leaf made by cJSON, or NULL and the message convert promises: cJSON
** says nothing when its allocation fails. */
static cJSON *leaf(lua_State *L, cJSON *item) {
  if (item == NULL) lua_pushliteral(L, "json.encode: out of memory");
  return item;
}

/* Convert the value at idx; NULL and a message on the stack on failure. */
static cJSON *convert(lua_State *L, int idx, int depth) {
  idx = lua_absindex(L, idx);
  switch (lua_type(L, idx)) {
    case LUA_TNIL: return leaf(L, cJSON_CreateNull());
    case LUA_TBOOLEAN: return leaf(L, cJSON_CreateBool(lua_toboolean(L, idx)));
    case LUA_TNUMBER: return leaf(L, number_item(L, idx));
    case LUA_TSTRING: return leaf(L, string_item(L, idx));
    case LUA_TTABLE: break;
    default:
      lua_pushfstring(L, "json.encode: cannot encode a %s", luaL_typename(L, idx));
      return NULL;
  }
  const char *mark = marker(L, idx);
  if (mark && strcmp(mark, "null") == 0) return leaf(L, cJSON_CreateNull());
  if (depth > MAX_DEPTH) {
    lua_pushliteral(L, "json.encode: nesting too deep (a cycle?)");
    return NULL;
  }
  luaL_checkstack(L, 8, "json.encode");
  /* A container is held by a box on the stack until it is returned: a Lua
  ** error (out of memory) while it is filled leaves the box unreferenced,
  ** and its __gc frees what was made so far.  On failure the message
  ** takes the box's place. */
  struct box *holder = new_box(L);
  int box = lua_gettop(L);
  if (is_array(L, idx, mark)) {
    cJSON *arr = holder->tree = cJSON_CreateArray();
    if (arr == NULL) {
      lua_pushliteral(L, "json.encode: out of memory");
      lua_replace(L, box);
      return NULL;
    }
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    for (lua_Integer i = 1; i <= n; i++) {
      lua_rawgeti(L, idx, i);
      cJSON *item = convert(L, -1, depth + 1);
      if (item == NULL) { lua_replace(L, box); lua_settop(L, box); return NULL; }
      lua_pop(L, 1);
      cJSON_AddItemToArray(arr, item);
    }
    holder->tree = NULL;
    lua_settop(L, box - 1);
    return arr;
  }
  /* object: keys as strings in a Lua table (which anchors them), sorted */
  lua_newtable(L);                      /* key string -> original key */
  int map = lua_gettop(L);
  size_t nkeys = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {            /* ..., map, key, value */
    lua_pop(L, 1);
    int kt = lua_type(L, -1);
    if (kt != LUA_TSTRING && kt != LUA_TNUMBER) {
      lua_pushfstring(L, "json.encode: key of type %s", luaL_typename(L, -1));
      lua_replace(L, box);
      lua_settop(L, box);
      return NULL;
    }
    lua_pushvalue(L, -1);
    lua_tostring(L, -1);                /* the copy becomes its string form */
    lua_pushvalue(L, -2);
    lua_rawset(L, map);                 /* map[keystr] = key; ..., map, key */
    nkeys++;
  }
  struct key *keys = lua_newuserdatauv(L, (nkeys ? nkeys : 1) * sizeof *keys, 0);
  cJSON *obj = holder->tree = cJSON_CreateObject();
  if (obj == NULL) {
    lua_pushliteral(L, "json.encode: out of memory");
    lua_replace(L, box);
    lua_settop(L, box);
    return NULL;
  }
  size_t k = 0;
  lua_pushnil(L);
  while (lua_next(L, map)) {
    lua_pop(L, 1);
    if (k < nkeys) {                    /* anchored by map */
      keys[k].p = lua_tolstring(L, -1, &keys[k].len);
      k++;
    }
  }
  qsort(keys, k, sizeof *keys, cmp_keys);
  for (size_t i = 0; i < k; i++) {
    /* the key's text first: nothing may raise between making the item
    ** and adding it */
    const char *text = key_text(L, &keys[i]);
    lua_pushlstring(L, keys[i].p, keys[i].len);
    lua_rawget(L, map);                 /* the original key */
    lua_gettable(L, idx);
    cJSON *item = convert(L, -1, depth + 1);
    if (item == NULL) {                 /* ..., box, map, keys, text, value, message */
      lua_replace(L, box);
      lua_settop(L, box);
      return NULL;
    }
    if (!cJSON_AddItemToObject(obj, text, item)) {   /* its copy of the key */
      cJSON_Delete(item);
      lua_pushliteral(L, "json.encode: out of memory");
      lua_replace(L, box);
      lua_settop(L, box);
      return NULL;
    }
    lua_pop(L, 2);                      /* the value, key_text's string */
  }
  holder->tree = NULL;
  lua_settop(L, box - 1);
  return obj;
}

/* Python's json.dumps layout from cJSON's compact text, as it reads
** `depth` levels in (each line after the first indented that much more). */
static void layout(luaL_Buffer *b, const char *s, int indent, int depth) {
  int in_str = 0;
  for (const char *p = s; *p; p++) {
    char c = *p;
    if (in_str) {
      luaL_addchar(b, c);
      if (c == '\\' && p[1]) luaL_addchar(b, *++p);
      else if (c == '"') in_str = 0;
      continue;
    }
    switch (c) {
      case '"': in_str = 1; luaL_addchar(b, c); break;
      case '{': case '[':
        luaL_addchar(b, c);
        if (p[1] == (c == '{' ? '}' : ']')) { luaL_addchar(b, *++p); break; }
        depth++;
        if (indent > 0) {
          luaL_addchar(b, '\n');
          for (int i = 0; i < depth * indent; i++) luaL_addchar(b, ' ');
        }
        break;
      case '}': case ']':
        depth--;
        if (indent > 0) {
          luaL_addchar(b, '\n');
          for (int i = 0; i < depth * indent; i++) luaL_addchar(b, ' ');
        }
        luaL_addchar(b, c);
        break;
      case ',':
        luaL_addchar(b, ',');
        if (indent > 0) {
          luaL_addchar(b, '\n');
          for (int i = 0; i < depth * indent; i++) luaL_addchar(b, ' ');
        } else {
          luaL_addchar(b, ' ');
        }
        break;
      case ':': luaL_addstring(b, ": "); break;
      default: luaL_addchar(b, c);
    }
  }
}

static int j_encode(lua_State *L) {
  luaL_checkany(L, 1);
  int indent = (int)luaL_optinteger(L, 2, 0);
  lua_Integer depth = luaL_optinteger(L, 3, 0);
  luaL_argcheck(L, depth >= 0 && depth <= MAX_DEPTH, 3, "depth out of range");
  lua_settop(L, 1);
  struct box *b = new_box(L);           /* owns the tree and the text */
  b->tree = convert(L, 1, 0);
  if (b->tree == NULL) return lua_error(L);
  b->text = cJSON_PrintUnformatted(b->tree);
  if (b->text == NULL) return luaL_error(L, "json.encode: out of memory");
  luaL_Buffer out;
  luaL_buffinit(L, &out);
  layout(&out, b->text, indent, (int)depth);
  luaL_pushresult(&out);
  return 1;
}

int luaopen_kdlua_json(lua_State *L) {
  static const luaL_Reg funcs[] = { { "encode", j_encode }, { NULL, NULL } };
  if (luaL_newmetatable(L, BOX_MT)) {
    lua_pushcfunction(L, box_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_pop(L, 1);
  luaL_newlib(L, funcs);
  return 1;
}
