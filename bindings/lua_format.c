/*
** lua_format.c -- kd.format(fmt, ...): string.format's integer and string
** conversions, with the numbers converted here instead of by snprintf.
**
** The per-task /proc formatters print ~50 integers a file, 10,000+ files
** of each kind on a large machine.  string.format (and tostring, and
** table.concat of numbers) hands every integer to the C library's
** snprintf: ~1,300 instructions a number, the largest cost of status and
** stat once their fields are read.  Here the common conversions (%d %i %u
** %x %X %o, width and the '0'/'-' flags; %s, %c, %%) are written directly
** into the Lua buffer (~60 instructions a number); any other spec of those
** conversions ('+', ' ', '#', a precision) goes to snprintf with the same
** spec, exactly as string.format does.  The text is string.format's,
** byte for byte (tests/lua/test_format.lua compares the two); conversions
** string.format has and this does not (%f %g %e %a %q %p) are an error, so
** the format text of a formatter stays readable as a string.format one.
*/
#include <lauxlib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lua_kd.h"

/* the longest item: a 99-wide field, as string.format's MAX_ITEM */
#define MAX_ITEM 120
/* the longest '%' plus flags, width and precision string.format takes:
** 21 characters after the '%' with the conversion (repeated flags count),
** its MAX_FORMAT - 10; form[] adds "ll", the conversion and the NUL */
#define MAX_SPEC 21

/* digits of v in base (10, 8, 16) into the end of buf; returns the start */
static char *utoa_rev(char *end, uint64_t v, unsigned base, bool upper) {
  const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  char *p = end;
  do {
    *--p = digits[v % base];
    v /= base;
  } while (v != 0);
  return p;
}

/* an integer conversion with at most the '0' and '-' flags and a width */
static void add_integer(luaL_Buffer *b, lua_Integer n, char conv, bool zero, bool left,
                        int width) {
  char num[32];
  char *end = num + sizeof num;
  bool neg = false;
  uint64_t u = (uint64_t)n;
  char *s;
  switch (conv) {
    case 'd': case 'i':
      if (n < 0) { neg = true; u = (uint64_t)0 - u; }
      s = utoa_rev(end, u, 10, false);
      break;
    case 'u': s = utoa_rev(end, u, 10, false); break;
    case 'o': s = utoa_rev(end, u, 8, false); break;
    case 'x': s = utoa_rev(end, u, 16, false); break;
    default: s = utoa_rev(end, u, 16, true); break;   /* 'X' */
  }
  int len = (int)(end - s) + (neg ? 1 : 0);
  int pad = width > len ? width - len : 0;
  char *out = luaL_prepbuffsize(b, (size_t)(len + pad));
  char *o = out;
  if (left) {                       /* '-' wins over '0', as in printf */
    if (neg) *o++ = '-';
    memcpy(o, s, (size_t)(end - s)); o += end - s;
    memset(o, ' ', (size_t)pad); o += pad;
  } else if (zero) {                /* the sign, then the zeros */
    if (neg) *o++ = '-';
    memset(o, '0', (size_t)pad); o += pad;
    memcpy(o, s, (size_t)(end - s)); o += end - s;
  } else {
    memset(o, ' ', (size_t)pad); o += pad;
    if (neg) *o++ = '-';
    memcpy(o, s, (size_t)(end - s)); o += end - s;
  }
  luaL_addsize(b, (size_t)(o - out));
}

/* raise string.format's error for the spec at start (to its conversion
** letter or MAX_SPEC characters) */
static int bad_spec(lua_State *L, const char *start, const char *at) {
  char spec[MAX_SPEC + 1];
  size_t n = (size_t)(at - start) + (*at ? 1 : 0);
  if (n > MAX_SPEC) n = MAX_SPEC;
  memcpy(spec, start, n);
  spec[n] = '\0';
  return luaL_error(L, "invalid conversion '%%%s' to format", spec);
}

/* string.format's checks of a spec: only these flags for this conversion,
** at most two digits of width and of precision */
static const char *scan_spec(lua_State *L, const char *f, const char *flags, int precision,
                             int *width, bool *zero, bool *left, bool *other) {
  const char *start = f;
  while (*f != '\0' && strchr(flags, *f) != NULL) {
    if (*f == '0') *zero = true;
    else if (*f == '-') *left = true;
    else *other = true;
    f++;
  }
  int w = 0, digits = 0;
  /* a width cannot start with '0' (where '0' is no flag: "%05s"), as
  ** string.format's check says; the letter test below then fails */
  if (*f != '0') {
    while (*f >= '0' && *f <= '9' && digits < 2) { w = w * 10 + (*f - '0'); f++; digits++; }
    if (*f == '.' && precision) {
      *other = true;
      f++;
      digits = 0;
      while (*f >= '0' && *f <= '9' && digits < 2) { f++; digits++; }
    }
  }
  *width = w;
  if (!(*f >= 'a' && *f <= 'z') && !(*f >= 'A' && *f <= 'Z'))
    bad_spec(L, start, f);
  return f;
}

/* the specs handed to snprintf are checked first (scan_spec), as
** string.format checks the ones it hands to the C library */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static int k_format(lua_State *L) {
  size_t fl;
  const char *f = luaL_checklstring(L, 1, &fl);
  const char *end = f + fl;
  int top = lua_gettop(L), arg = 1;
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  while (f < end) {
    const char *pct = memchr(f, '%', (size_t)(end - f));
    if (pct == NULL) { luaL_addlstring(&b, f, (size_t)(end - f)); break; }
    luaL_addlstring(&b, f, (size_t)(pct - f));
    f = pct + 1;
    if (f < end && *f == '%') { luaL_addchar(&b, '%'); f++; continue; }
    if (++arg > top) return luaL_argerror(L, arg, "no value");
    /* the plain conversions first: nearly all of a formatter's */
    if (f < end) {
      switch (*f) {
        case 'd': case 'i': case 'u': case 'x': case 'X': case 'o':
          add_integer(&b, luaL_checkinteger(L, arg), *f, false, false, 0);
          f++;
          continue;
        case 's':
          luaL_tolstring(L, arg, NULL);
          luaL_addvalue(&b);
          f++;
          continue;
        default: break;
      }
    }
    /* a spec with flags, width or precision (the format string is a Lua
    ** string: NUL-terminated, so scanning past `end` stops at the NUL) */
    const char *spec = f - 1;
    int width = 0;
    bool zero = false, left = false, other = false;
    const char *conv;
    char c = *f;
    /* which flags string.format accepts for the conversion ahead */
    const char *p = f;
    while (*p != '\0' && strchr("-+ #0", *p) != NULL) p++;
    while (*p >= '0' && *p <= '9') p++;
    if (*p == '.') { p++; while (*p >= '0' && *p <= '9') p++; }
    c = *p;
    switch (c) {
      case 'd': case 'i':
        conv = scan_spec(L, f, "-+0 ", 1, &width, &zero, &left, &other);
        break;
      case 'u':
        conv = scan_spec(L, f, "-0", 1, &width, &zero, &left, &other);
        break;
      case 'o': case 'x': case 'X':
        conv = scan_spec(L, f, "-#0", 1, &width, &zero, &left, &other);
        break;
      case 'c':
        conv = scan_spec(L, f, "-", 0, &width, &zero, &left, &other);
        break;
      case 's':
        conv = scan_spec(L, f, "-", 1, &width, &zero, &left, &other);
        break;
      default:
        return luaL_error(L, "kd.format: conversion '%%%c' is not supported (use string.format)",
                          c ? c : '?');
    }
    if (*conv != c)   /* a third width digit or the like */
      return bad_spec(L, f, conv);
    f = conv + 1;
    char form[MAX_SPEC + 4];
    size_t sl = (size_t)(conv - spec);            /* "%" flags width .prec */
    if (sl > MAX_SPEC) return luaL_error(L, "invalid format (too long)");
    memcpy(form, spec, sl);
    if (c == 's') {
      /* the buffer first: growing it may push a box above the string */
      char *buff = luaL_prepbuffsize(&b, MAX_ITEM);
      size_t l;
      const char *s = luaL_tolstring(L, arg, &l);
      if (sl == 1) { luaL_addvalue(&b); continue; }
      luaL_argcheck(L, l == strlen(s), arg, "string contains zeros");
      if (memchr(form, '.', sl) == NULL && l >= 100) { luaL_addvalue(&b); continue; }
      form[sl] = 's';
      form[sl + 1] = '\0';
      int nb = snprintf(buff, MAX_ITEM, form, s);
      lua_pop(L, 1);
      luaL_addsize(&b, (size_t)nb);
    } else if (c == 'c') {
      form[sl] = 'c';
      form[sl + 1] = '\0';
      char *buff = luaL_prepbuffsize(&b, MAX_ITEM);
      int nb = snprintf(buff, MAX_ITEM, form, (int)luaL_checkinteger(L, arg));
      luaL_addsize(&b, (size_t)nb);
    } else if (!other) {
      add_integer(&b, luaL_checkinteger(L, arg), c, zero, left, width);
    } else {
      form[sl] = 'l';
      form[sl + 1] = 'l';
      form[sl + 2] = c;
      form[sl + 3] = '\0';
      char *buff = luaL_prepbuffsize(&b, MAX_ITEM);
      int nb = snprintf(buff, MAX_ITEM, form, (long long)luaL_checkinteger(L, arg));
      luaL_addsize(&b, (size_t)nb);
    }
  }
  luaL_pushresult(&b);
  return 1;
}
#pragma GCC diagnostic pop

void kl_open_format(lua_State *L) {
  lua_pushcfunction(L, k_format);
  lua_setfield(L, -2, "format");
}
