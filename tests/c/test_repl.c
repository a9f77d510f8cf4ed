/*
** test_repl.c -- the REPL without a terminal: tab-completion candidates
** (kd_repl_complete) on a plain Lua state with tables, strings and
** userdata that imitate kernel objects (__complete, an __index that
** faults), and kd_repl_run with stdin redirected from a file.
*/
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "cli/repl.h"

static int passed, failed;

static void check (int ok, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void check (int ok, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  printf("%s - ", ok ? "ok" : "not ok");
  vprintf(fmt, ap);
  printf("\n");
  va_end(ap);
  if (ok)
    passed++;
  else
    failed++;
}


/* {==================================================================
** Fixtures
** =================================================================== */

/*
** A fake kernel object.  Its __index knows "comm" (a string), "pid" (a
** number), "string_" (a method) and "mm" (another object); "stack" and
** anything else fault, as a read of unmapped memory would.
*/
static int task_method (lua_State *L) {
  lua_pushliteral(L, "swapper/0");
  return 1;
}

static void push_object (lua_State *L, const char *kind);

static int task_index (lua_State *L) {
  const char *k = luaL_checkstring(L, 2);
  if (strcmp(k, "comm") == 0)
    lua_pushliteral(L, "swapper/0");
  else if (strcmp(k, "pid") == 0)
    lua_pushinteger(L, 0);
  else if (strcmp(k, "string_") == 0)
    lua_pushcfunction(L, task_method);
  else if (strcmp(k, "mm") == 0)
    push_object(L, "mm");
  else
    return luaL_error(L, "fault: cannot read %s at 0xffff888000000000", k);
  return 1;
}

static void push_names (lua_State *L, const char *const *names) {
  lua_newtable(L);
  for (int i = 0; names[i] != NULL; i++) {
    lua_pushstring(L, names[i]);
    lua_rawseti(L, -2, i + 1);
  }
}

/* members and methods, plus entries that must be filtered out */
static int task_complete (lua_State *L) {
  static const char *const names[] = {
    "comm", "comm_x", "pid", "string_", "stack", "mm", "end", "bad name",
    "9lives", NULL
  };
  push_names(L, names);
  lua_pushinteger(L, 42);  /* not a string: ignored */
  lua_rawseti(L, -2, 10);
  return 1;
}

static int mm_index (lua_State *L) {
  const char *k = luaL_checkstring(L, 2);
  if (strcmp(k, "pgd") == 0 || strcmp(k, "pgtables_bytes") == 0) {
    lua_pushinteger(L, 1);
    return 1;
  }
  return luaL_error(L, "fault: no member %s", k);
}

static int mm_complete (lua_State *L) {
  static const char *const names[] = { "pgd", "pgtables_bytes", "mmap", NULL };
  push_names(L, names);
  return 1;
}

static int raising (lua_State *L) {
  return luaL_error(L, "fault: cannot read at 0xdead");
}

static int error_tostring (lua_State *L) {
  lua_pushliteral(L, "kd error: fault at 0xdeadbeef");
  return 1;
}

static void push_object (lua_State *L, const char *kind) {
  lua_newuserdatauv(L, 8, 0);
  lua_newtable(L);
  if (strcmp(kind, "task") == 0) {
    lua_pushcfunction(L, task_index);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, task_complete);
    lua_setfield(L, -2, "__complete");
  }
  else if (strcmp(kind, "mm") == 0) {
    lua_pushcfunction(L, mm_index);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, mm_complete);
    lua_setfield(L, -2, "__complete");
  }
  else if (strcmp(kind, "bad") == 0) {  /* every read faults */
    lua_pushcfunction(L, raising);
    lua_setfield(L, -2, "__index");
  }
  else if (strcmp(kind, "boomc") == 0) {  /* __complete itself fails */
    lua_pushcfunction(L, raising);
    lua_setfield(L, -2, "__complete");
    lua_newtable(L);
    lua_pushcfunction(L, task_method);
    lua_setfield(L, -2, "method");
    lua_pushinteger(L, 1);
    lua_setfield(L, -2, "field");
    lua_setfield(L, -2, "__index");
  }
  else if (strcmp(kind, "error") == 0) {
    lua_pushcfunction(L, error_tostring);
    lua_setfield(L, -2, "__tostring");
  }
  lua_setmetatable(L, -2);
}

static void run (lua_State *L, const char *code) {
  if (luaL_dostring(L, code) != LUA_OK) {
    fprintf(stderr, "fixture failed: %s\n", lua_tostring(L, -1));
    exit(1);
  }
}

static lua_State *new_state (void) {
  lua_State *L = luaL_newstate();
  if (L == NULL)
    exit(1);
  luaL_openlibs(L);
  run(L, "f = function() end\n"
         "kd = { symbol = f, sym_x = 1, uts = f, [1] = 'x' }\n"
         "t = { mm = { pgd = 1, pgtables_bytes = 2, map_count = 3, "
         "lock = f } }\n"
         "t2 = { ['a b'] = 1, ['and'] = 2, abc = 3, [4] = 4 }\n"
         "obj = setmetatable({ own = 1 }, { __index = setmetatable("
         "  { base_m = f, base_v = 2 }, { __index = { root_m = f } }) })\n"
         "obj2 = setmetatable({ dup = f }, { __index = { dup = f } })\n"
         "str = 'abc'\n"
         "num = 5\n");
  push_object(L, "task");
  lua_setglobal(L, "init");
  push_object(L, "bad");
  lua_setglobal(L, "bad");
  push_object(L, "boomc");
  lua_setglobal(L, "boomc");
  push_object(L, "error");
  lua_setglobal(L, "kerr");
  return L;
}

/* }================================================================== */


/* {==================================================================
** Completion
** =================================================================== */

/*
** Complete `word` and compare with `want`, the expected candidates in
** order separated by single spaces ("" for none).  Also checks that the
** stack of L is untouched and the array is NULL-terminated.
*/
static void expect (lua_State *L, const char *word, const char *want) {
  char got[4096] = "";
  size_t n, used = 0;
  int top = lua_gettop(L);
  char **c = kd_repl_complete(L, word, &n);
  int shape_ok = (c == NULL) == (n == 0) && (c == NULL || c[n] == NULL);
  for (size_t i = 0; i < n; i++) {
    int k = snprintf(got + used, sizeof got - used, "%s%s", i ? " " : "", c[i]);
    if (k > 0 && (size_t)k < sizeof got - used)
      used += (size_t)k;
    free(c[i]);
  }
  free(c);
  check(strcmp(got, want) == 0 && shape_ok && lua_gettop(L) == top,
        "complete '%s' -> [%s] (got [%s]%s%s)", word, want, got,
        shape_ok ? "" : ", bad array shape",
        lua_gettop(L) == top ? "" : ", stack changed");
}

static int contains (char **c, size_t n, const char *s) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(c[i], s) == 0)
      return 1;
  return 0;
}

static void test_complete (lua_State *L) {
  /* fields of tables, through chains */
  expect(L, "kd.sy", "kd.sym_x kd.symbol");
  expect(L, "kd.", "kd.sym_x kd.symbol kd.uts");
  expect(L, "kd.symbol", "kd.symbol");
  expect(L, "kd.zz", "");
  expect(L, "t.mm.pg", "t.mm.pgd t.mm.pgtables_bytes");
  expect(L, "t.mm.", "t.mm.lock t.mm.map_count t.mm.pgd t.mm.pgtables_bytes");
  expect(L, "t.mm:", "t.mm:lock");  /* ':' lists functions only */
  expect(L, "t2.", "t2.abc");       /* no non-names, keywords, numbers */

  /* __index tables, followed up a chain; duplicates merged */
  expect(L, "obj.", "obj.base_m obj.base_v obj.own obj.root_m");
  expect(L, "obj:", "obj:base_m obj:root_m");
  expect(L, "obj2.d", "obj2.dup");
  expect(L, "str:up", "str:upper");  /* the string metatable */

  /* userdata with __complete */
  expect(L, "init.comm", "init.comm init.comm_x");
  expect(L, "init.", "init.comm init.comm_x init.mm init.pid init.stack "
                     "init.string_");
  expect(L, "init:st", "init:string_");  /* "stack" is no method (faults) */
  expect(L, "init:", "init:string_");
  expect(L, "init.mm.pg", "init.mm.pgd init.mm.pgtables_bytes");

  /* faults and failures: no candidates (or only the other sources) */
  expect(L, "bad.", "");
  expect(L, "bad.x", "");
  expect(L, "bad.x.y", "");           /* __index raises on the chain */
  expect(L, "init.stack.x", "");      /* a faulting member on the chain */
  expect(L, "boomc.", "boomc.field boomc.method");  /* __complete raised */
  expect(L, "boomc:", "boomc:method");
  expect(L, "nope.x", "");            /* nil on the chain */
  expect(L, "num.x", "");             /* not indexable */
  expect(L, "f.x", "");

  /* not chains of names */
  expect(L, "kd..x", "");
  expect(L, ".x", "");
  expect(L, "1.x", "");
  expect(L, "kd:symbol.x", "");
  expect(L, "end.x", "");
  expect(L, "kd.3", "");
  expect(L, "kd.sy%", "");

  /* globals and keywords */
  expect(L, "pri", "print");
  expect(L, "whi", "while");
  expect(L, "ini", "init");
  expect(L, "el", "else elseif");
  expect(L, "str", "str string");

  {
    size_t n;
    int top = lua_gettop(L);
    char **c = kd_repl_complete(L, "", &n);
    int sorted = 1;
    for (size_t i = 1; i < n; i++)
      if (strcmp(c[i - 1], c[i]) >= 0)
        sorted = 0;
    check(c != NULL && contains(c, n, "print") && contains(c, n, "while") &&
          contains(c, n, "kd") && sorted && lua_gettop(L) == top,
          "complete '' lists globals and keywords, sorted, unique (%zu)", n);
    for (size_t i = 0; i < n; i++)
      free(c[i]);
    free(c);
  }

  /* a strict-mode _G whose __index raises */
  run(L, "setmetatable(_G, { __index = function(_, k) "
         "error('undefined global ' .. k) end })");
  expect(L, "nope.x", "");
  expect(L, "pri", "print");
  expect(L, "kd.sy", "kd.sym_x kd.symbol");
  run(L, "setmetatable(_G, nil)");

  /* an __index table on _G adds names */
  run(L, "setmetatable(_G, { __index = { zzextra = 1 } })");
  expect(L, "zz", "zzextra");
  run(L, "setmetatable(_G, nil)");

  {
    size_t n = 7;
    check(kd_repl_complete(L, NULL, &n) == NULL && n == 0,
          "complete NULL word -> NULL");
  }
}

/* }================================================================== */


/* {==================================================================
** kd_repl_run with stdin from a file
** =================================================================== */

static char tmpdir[] = "/tmp/kdlua-test-repl.XXXXXX";

static char *slurp (const char *path) {
  FILE *f = fopen(path, "rb");
  char *buf;
  long len;
  if (f == NULL)
    return strdup("");
  fseek(f, 0, SEEK_END);
  len = ftell(f);
  rewind(f);
  buf = calloc(1, (size_t)len + 1);
  if (buf != NULL && fread(buf, 1, (size_t)len, f) != (size_t)len)
    buf[0] = '\0';
  fclose(f);
  return buf;
}

/*
** Run kd_repl_run with `input` as stdin (a file, so not a terminal) and
** stdout/stderr captured.  Returns its result; *out and *err are malloc'd.
*/
static int run_repl (lua_State *L, const char *input, const char *chunkname,
                     char **out, char **err) {
  char in_path[256], out_path[256], err_path[256];
  int saved[3], fds[3], rc;
  FILE *f;
  snprintf(in_path, sizeof in_path, "%s/in", tmpdir);
  snprintf(out_path, sizeof out_path, "%s/out", tmpdir);
  snprintf(err_path, sizeof err_path, "%s/err", tmpdir);
  f = fopen(in_path, "wb");
  if (f == NULL || fputs(input, f) < 0 || fclose(f) != 0) {
    perror(in_path);
    exit(1);
  }
  fflush(stdout);
  fflush(stderr);
  fds[0] = open(in_path, O_RDONLY);
  fds[1] = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  fds[2] = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  for (int i = 0; i < 3; i++) {
    if (fds[i] < 0) {
      perror("open");
      exit(1);
    }
    saved[i] = dup(i);
    dup2(fds[i], i);
    close(fds[i]);
  }
  clearerr(stdin);
  rc = kd_repl_run(L, NULL, chunkname);
  fflush(stdout);
  fflush(stderr);
  for (int i = 0; i < 3; i++) {
    dup2(saved[i], i);
    close(saved[i]);
  }
  clearerr(stdin);
  *out = slurp(out_path);
  *err = slurp(err_path);
  return rc;
}

static lua_Integer global_int (lua_State *L, const char *name) {
  lua_Integer v;
  lua_getglobal(L, name);
  v = lua_tointeger(L, -1);
  lua_pop(L, 1);
  return v;
}

/* `s` with newlines shown as "\\n", in a static buffer */
static const char *oneline (const char *s) {
  static char buf[256];
  size_t k = 0;
  for (; *s != '\0' && k + 3 < sizeof buf; s++) {
    if (*s == '\n') {
      buf[k++] = '\\';
      buf[k++] = 'n';
    }
    else
      buf[k++] = *s;
  }
  buf[k] = '\0';
  return buf;
}

/* run `input`; check the exit status and that out/err contain the texts */
static void expect_run (lua_State *L, const char *what, const char *input,
                        int want_rc, const char *want_out,
                        const char *want_err) {
  char *out, *err;
  int top = lua_gettop(L);
  int rc = run_repl(L, input, "=test-input", &out, &err);
  int ok = rc == want_rc && lua_gettop(L) == top &&
           (want_out == NULL || strstr(out, want_out) != NULL) &&
           (want_err == NULL || strstr(err, want_err) != NULL);
  check(ok, "run %s: status %d%s%s%s%s", what, want_rc,
        want_out ? ", stdout has " : "", want_out ? oneline(want_out) : "",
        want_err ? ", stderr has " : "", want_err ? want_err : "");
  if (!ok)
    printf("    status %d, stack %d -> %d\n    stdout: %s\n    stderr: %s\n",
           rc, top, lua_gettop(L), out, err);
  free(out);
  free(err);
}

static void test_run (lua_State *L) {
  expect_run(L, "an assignment", "x = 40 + 2\n", 0, NULL, NULL);
  check(global_int(L, "x") == 42, "the assignment ran (x == 42)");
  expect_run(L, "print", "print(1+1)\n", 0, "2\n", NULL);
  expect_run(L, "several lines", "for i = 1, 2 do\n  print(i * 10)\nend\n",
             0, "10\n20\n", NULL);
  expect_run(L, "no trailing newline", "print('tail')", 0, "tail\n", NULL);
  expect_run(L, "empty input", "", 0, NULL, NULL);
  expect_run(L, "error", "error('boom')\n", 1, NULL, "test-input:1: boom");
  expect_run(L, "error traceback", "error('boom')\n", 1, NULL,
             "stack traceback:");
  expect_run(L, "error object with __tostring", "error(kerr)\n", 1, NULL,
             "kd error: fault at 0xdeadbeef");
  expect_run(L, "error object without __tostring", "error({})\n", 1, NULL,
             "(error object is a table value)");
  expect_run(L, "faulting __index", "local v = init.stack\n", 1, NULL,
             "fault: cannot read stack");
  expect_run(L, "syntax error", "x = = 1\n", 1, NULL, "test-input:1:");
  expect_run(L, "#! line skipped, lines kept", "#!/usr/bin/kdlua\n"
             "y = 7\nerror('line3')\n", 1, NULL, "test-input:3: line3");
  check(global_int(L, "y") == 7, "the chunk after #! ran (y == 7)");
  expect_run(L, "stdout before error", "print('first')\nerror('second')\n",
             1, "first\n", "second");
  {
    char *out, *err;
    int rc = run_repl(L, "print('x')\n", NULL, &out, &err);
    check(rc == 0 && strcmp(out, "x\n") == 0 && err[0] == '\0',
          "run with NULL chunk name");
    free(out);
    free(err);
    rc = run_repl(L, "error('named')\n", NULL, &out, &err);
    check(rc == 1 && strstr(err, "stdin:1: named") != NULL,
          "NULL chunk name means =stdin");
    free(out);
    free(err);
  }
}

/* }================================================================== */


int main (void) {
  lua_State *L;
  if (mkdtemp(tmpdir) == NULL) {
    perror("mkdtemp");
    return 1;
  }
  L = new_state();
  test_complete(L);
  test_run(L);
  lua_close(L);
  {
    char path[256];
    static const char *const names[] = { "in", "out", "err" };
    for (int i = 0; i < 3; i++) {
      snprintf(path, sizeof path, "%s/%s", tmpdir, names[i]);
      unlink(path);
    }
    rmdir(tmpdir);
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
