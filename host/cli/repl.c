/*
** repl.c -- the interactive loop (see repl.h).
**
** The shape is that of lua.c's REPL: read a line, try it as an
** expression ("return <line>;"), else as a statement; while the parser
** only complains about reaching the end of the input, read more lines on
** the second prompt; run the chunk under a message handler that adds a
** traceback; print what an expression returned with the global `print`.
**
** Everything runs inside one protected call (repl_main) so that an
** unexpected Lua error -- out of memory, say -- ends the loop cleanly
** instead of reaching the panic function.  libedit calls back into us for
** completion and for reading keys; neither callback may let a Lua error
** escape, because a longjmp across libedit's frames would leave its state
** (and the terminal) broken.
*/
#include "repl.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include <lauxlib.h>

#include <editline/readline.h>

#define REPL_PROMPT      "kd> "
#define REPL_PROMPT2     ">> "
#define REPL_HISTORY_MAX 1000
#define REPL_PROGNAME    "kdlua"

/* what the parser says at the end of an incomplete chunk */
#define REPL_EOFMARK     "<eof>"

/* loader results besides Lua's own status codes (which are >= 0) */
#define REPL_EOF   (-1)   /* end of input at the prompt */
#define REPL_INTR  (-2)   /* Ctrl-C at the prompt: drop what was typed */

struct repl {
  const char *chunkname;
  int module;             /* scripts/lib/repl.lua loaded: registry ref, or LUA_NOREF */
  const char *history_path;
  char *last_saved;       /* newest history entry, to skip repeats */
  char *saved_ctype;      /* LC_CTYPE to restore when the loop ends */
  int interactive;
  int status;             /* what kd_repl_run returns */
};


/*
** {======================================================
** Ctrl-C
** =======================================================
*/

/* The state a SIGINT should stop; set for the duration of kd_repl_run. */
static lua_State *repl_L;

/* The running loop (for the message handler and completion). */
static struct repl *repl_R;

/* Set by a SIGINT that arrives while we wait for input. */
static volatile sig_atomic_t repl_sigint_at_prompt;


/*
** Installed by the signal handler, so it runs at the next Lua instruction,
** where raising an error is legal.  Removes itself first: one error per
** Ctrl-C.
*/
static void repl_interrupt_hook (lua_State *L, lua_Debug *ar) {
  (void)ar;
  lua_sethook(L, NULL, 0, 0);
  luaL_error(L, "interrupted!");
}


/*
** SIGINT while a chunk runs.  Setting a hook is all a signal handler may
** do to a Lua state.  The handler is installed one-shot (SA_RESETHAND): if
** the chunk is stuck in C code and never reaches the hook, a second
** Ctrl-C gets the default action and ends the process.
*/
static void repl_sigint_running (int sig) {
  (void)sig;
  lua_sethook(repl_L, repl_interrupt_hook,
              LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE | LUA_MASKCOUNT, 1);
}


/*
** SIGINT while libedit waits for a key.  No SA_RESTART, so the read in
** repl_getc fails with EINTR and sees the flag.  (libedit's own handler
** runs first, puts the terminal back in cooked mode and re-raises the
** signal to this one.)
*/
static void repl_sigint_prompt (int sig) {
  (void)sig;
  repl_sigint_at_prompt = 1;
}


static void repl_on_sigint (void (*handler) (int), int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sa.sa_flags = flags;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
}

/* }====================================================== */


/*
** {======================================================
** Running chunks
** =======================================================
*/

/*
** Message handler: turns the error object into a string -- our error
** objects have __tostring -- and appends a traceback.
*/
/*
** In the interactive loop with scripts/lib/repl.lua loaded, the message
** is one line (code, message, faulting address) and the traceback is kept
** for kd.traceback(); with -v, or when running a piped script, the
** traceback follows the message as in lua.c.
*/
static int repl_oneline_p (lua_State *L) {
  lua_getfield(L, 1, "error_line");
  lua_pushvalue(L, 2);
  lua_call(L, 1, 1);
  return 1;
}

static int repl_verbose (lua_State *L) {
  int v;
  lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
  lua_pushliteral(L, "KDLUA_VERBOSE");
  lua_rawget(L, -2);
  v = (int)lua_tointeger(L, -1);
  lua_pop(L, 2);
  return v;
}

static int repl_msghandler (lua_State *L) {
  const char *msg = lua_tostring(L, 1);
  struct repl *r = repl_R;
  if (msg == NULL) {
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
      msg = lua_tostring(L, -1);
    else
      msg = lua_pushfstring(L, "(error object is a %s value)",
                            luaL_typename(L, 1));
  }
  luaL_traceback(L, L, msg, 1);
  if (r == NULL || !r->interactive || r->module == LUA_NOREF || repl_verbose(L) > 0)
    return 1;
  /* module.last_traceback = traceback; return module.error_line(err) */
  lua_rawgeti(L, LUA_REGISTRYINDEX, r->module);
  lua_pushvalue(L, -2);
  lua_setfield(L, -2, "last_traceback");
  lua_pushcfunction(L, repl_oneline_p);
  lua_pushvalue(L, -2);
  lua_pushvalue(L, 1);
  if (lua_pcall(L, 2, 1, 0) != LUA_OK || lua_type(L, -1) != LUA_TSTRING) {
    lua_pop(L, 2);
    return 1;  /* the traceback, then */
  }
  return 1;
}


/* Print the message on top of the stack to stderr and pop it. */
static void repl_report (lua_State *L, const char *prefix) {
  const char *msg = lua_tostring(L, -1);
  if (msg == NULL)
    msg = "(error object is not a string)";
  fflush(stdout);  /* keep output and errors in order */
  if (prefix != NULL)
    fprintf(stderr, "%s: ", prefix);
  fprintf(stderr, "%s\n", msg);
  fflush(stderr);
  lua_pop(L, 1);
}


/*
** Call the function below its `narg` arguments with the message handler
** and Ctrl-C armed.  Ctrl-C goes back to the prompt handler before the
** hook is cleared, so a signal arriving just as the chunk finishes cannot
** leave a hook behind to interrupt the next chunk.
*/
static int repl_docall (lua_State *L, int narg, int nres) {
  int base = lua_gettop(L) - narg;
  int status;
  lua_pushcfunction(L, repl_msghandler);
  lua_insert(L, base);
  repl_on_sigint(repl_sigint_running, SA_RESTART | SA_RESETHAND);
  status = lua_pcall(L, narg, nres, base);
  repl_on_sigint(repl_sigint_prompt, 0);
  if (lua_gethook(L) == repl_interrupt_hook)
    lua_sethook(L, NULL, 0, 0);
  lua_remove(L, base);
  return status;
}


/* module.show of every value, joined by tabs as print joins them */
static int repl_show_p (lua_State *L) {
  int n = lua_gettop(L) - 1;  /* the module is last */
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (int i = 1; i <= n; i++) {
    lua_getfield(L, n + 1, "show");
    lua_pushvalue(L, i);
    lua_call(L, 1, 1);
    if (i > 1) luaL_addchar(&b, '\t');
    luaL_addvalue(&b);
  }
  luaL_pushresult(&b);
  return 1;
}

/* Print every value on the stack: with scripts/lib/repl.lua as a kernel
** engineer reads them (tables and structs with their contents), else with
** the global `print`. */
static void repl_print (lua_State *L) {
  int n = lua_gettop(L);
  if (n == 0)
    return;
  if (repl_R != NULL && repl_R->module != LUA_NOREF && lua_checkstack(L, n + 3)) {
    lua_pushcfunction(L, repl_show_p);
    lua_insert(L, 1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, repl_R->module);
    if (repl_docall(L, n + 1, 1) == LUA_OK) {
      fwrite(lua_tostring(L, -1), 1, lua_rawlen(L, -1), stdout);
      fputc('\n', stdout);
      fflush(stdout);
    } else {
      repl_report(L, NULL);
    }
    lua_settop(L, 0);
    return;
  }
  if (!lua_checkstack(L, 3)) {
    lua_settop(L, 0);
    lua_pushliteral(L, "too many results to print");
    repl_report(L, NULL);
    return;
  }
  /* a raw read: a strict-mode __index on _G must not end the loop */
  lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
  lua_pushliteral(L, "print");
  lua_rawget(L, -2);
  lua_remove(L, -2);
  lua_insert(L, 1);
  if (repl_docall(L, n, 0) != LUA_OK) {
    lua_pushfstring(L, "error calling 'print' (%s)", lua_tostring(L, -1));
    lua_remove(L, -2);
    repl_report(L, NULL);
  }
}

/* }====================================================== */


/*
** {======================================================
** Reading input
** =======================================================
*/

/*
** Key input for libedit (rl_getc_function).  libedit's own reader goes
** back to waiting after an EINTR, so a Ctrl-C at the prompt would do
** nothing until the next key; here it ends readline() at once.  libedit
** stores the result as a wchar_t, so multibyte characters are decoded
** here as its own reader would.  -1 means end of input.
*/
static int repl_getc (FILE *f) {
  mbstate_t mbs;
  memset(&mbs, 0, sizeof mbs);
  for (;;) {
    char byte;
    ssize_t k = read(fileno(f), &byte, 1);
    if (k == 1) {
      wchar_t wc;
      size_t r = mbrtowc(&wc, &byte, 1, &mbs);
      if (r == (size_t)-2)
        continue;  /* more bytes of this character to come */
      if (r == (size_t)-1) {  /* not valid in this locale: drop it */
        memset(&mbs, 0, sizeof mbs);
        continue;
      }
      return (int)wc;
    }
    if (k == 0 || errno != EINTR || repl_sigint_at_prompt)
      return -1;
    /* another signal (window resized...): keep reading */
  }
}


/*
** The prompt is _PROMPT / _PROMPT2 when set, read raw so that a
** strict-mode _G cannot raise here.  The value stays on the stack (it
** owns the string) until the caller pops it.
*/
static const char *repl_prompt (lua_State *L, int firstline) {
  const char *p = NULL;
  lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
  lua_pushstring(L, firstline ? "_PROMPT" : "_PROMPT2");
  lua_rawget(L, -2);
  lua_remove(L, -2);
  if (lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER)
    p = lua_tostring(L, -1);
  return p != NULL ? p : (firstline ? REPL_PROMPT : REPL_PROMPT2);
}


/* Push the next line.  1: pushed; 0: end of input; -1: Ctrl-C. */
static int repl_pushline (lua_State *L, int firstline) {
  const char *prompt = repl_prompt(L, firstline);
  char *line;
  size_t len;
  repl_sigint_at_prompt = 0;
  line = readline(prompt);
  lua_pop(L, 1);  /* the prompt */
  if (line == NULL || repl_sigint_at_prompt) {
    int intr = repl_sigint_at_prompt;
    free(line);
    if (!intr)
      return 0;
    fputc('\n', stdout);  /* leave the abandoned line as it is */
    fflush(stdout);
    return -1;
  }
  len = strlen(line);
  if (len > 0 && line[len - 1] == '\n')
    line[--len] = '\0';
  lua_pushlstring(L, line, len);
  free(line);
  return 1;
}


/*
** Add a complete input to the history unless it is blank or repeats the
** previous entry.  A chunk of several lines is one entry, so that it
** comes back whole.
*/
static void repl_remember (struct repl *r, const char *chunk) {
  char *copy;
  if (chunk[strspn(chunk, " \t\n")] == '\0')
    return;
  if (r->last_saved != NULL && strcmp(r->last_saved, chunk) == 0)
    return;
  add_history(chunk);
  copy = strdup(chunk);
  if (copy != NULL) {
    free(r->last_saved);
    r->last_saved = copy;
  }
}


/* Does the syntax error on the stack only say that the input stopped early? */
static int repl_incomplete (lua_State *L, int status) {
  if (status == LUA_ERRSYNTAX) {
    size_t len;
    const char *msg = lua_tolstring(L, -1, &len);
    size_t marklen = sizeof REPL_EOFMARK - 1;
    if (len >= marklen && strcmp(msg + len - marklen, REPL_EOFMARK) == 0) {
      lua_pop(L, 1);
      return 1;
    }
  }
  return 0;
}


/*
** Try the line at index 1 as "return <line>;" so that expressions show
** their value.  On success the function is left above the line.
*/
static int repl_tryreturn (lua_State *L, struct repl *r) {
  const char *line = lua_tostring(L, 1);
  const char *code = lua_pushfstring(L, "return %s;", line);
  int status = luaL_loadbufferx(L, code, strlen(code), r->chunkname, "t");
  if (status == LUA_OK) {
    lua_remove(L, -2);  /* the modified code */
    repl_remember(r, line);
  }
  else
    lua_pop(L, 2);  /* the modified code and the error */
  return status;
}


/*
** Compile the text at index 1 as a statement, reading continuation lines
** for as long as the only problem is the missing rest of the chunk.
*/
static int repl_multiline (lua_State *L, struct repl *r) {
  for (;;) {
    size_t len;
    const char *chunk = lua_tolstring(L, 1, &len);
    int status = luaL_loadbufferx(L, chunk, len, r->chunkname, "t");
    int got;
    if (!repl_incomplete(L, status)) {
      repl_remember(r, chunk);
      return status;
    }
    got = repl_pushline(L, 0);
    if (got < 0)
      return REPL_INTR;
    if (got == 0) {
      /* Ctrl-D inside a chunk: show the parser's complaint, then go on */
      fputc('\n', stdout);
      status = luaL_loadbufferx(L, chunk, len, r->chunkname, "t");
      repl_remember(r, chunk);
      return status;
    }
    lua_pushliteral(L, "\n");
    lua_insert(L, -2);
    lua_concat(L, 3);  /* chunk .. "\n" .. line */
  }
}


/*
** Read and compile one chunk.  Returns LUA_OK with the function on an
** otherwise empty stack, an error status with the message, or
** REPL_EOF / REPL_INTR with nothing.
*/
static int repl_loadline (lua_State *L, struct repl *r) {
  int status;
  lua_settop(L, 0);
  status = repl_pushline(L, 1);
  if (status <= 0)
    return status == 0 ? REPL_EOF : REPL_INTR;
  status = repl_tryreturn(L, r);
  if (status != LUA_OK)
    status = repl_multiline(L, r);
  if (status == REPL_INTR)
    lua_settop(L, 0);
  else
    lua_remove(L, 1);  /* the text */
  return status;
}

/* }====================================================== */


/*
** {======================================================
** Completion
** =======================================================
*/

static const char *const repl_keywords[] = {
  "and", "break", "do", "else", "elseif", "end", "false", "for",
  "function", "goto", "if", "in", "local", "nil", "not", "or", "repeat",
  "return", "then", "true", "until", "while", NULL
};

/* How far a chain of __index tables is followed for names. */
#define REPL_INDEX_DEPTH 8

/* The words that end where completion starts: '.' and ':' are not among
** them, so "t.mm.pg" reaches the completer whole. */
static char repl_word_breaks[] = " \t\n\"\\'`@$><=;|&{}()[]+-*/%^~#,!?";

struct repl_cands {
  char **v;
  size_t n, cap;
  int nomem;
  const char *word;       /* the whole word being completed */
  size_t stem;            /* its length up to and including the separator */
  const char *partial;    /* what follows the separator */
  size_t partial_len;
  char sep;               /* '.', ':', or 0 for a bare name */
};


/* ASCII only, as the Lua lexer sees identifiers in the C locale. */
static int repl_idchar (char ch, int first) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' ||
         (!first && ch >= '0' && ch <= '9');
}

static int repl_is_keyword (const char *s, size_t len) {
  for (int i = 0; repl_keywords[i] != NULL; i++)
    if (strlen(repl_keywords[i]) == len &&
        memcmp(repl_keywords[i], s, len) == 0)
      return 1;
  return 0;
}

/* A name usable after '.' or ':' (and as a global). */
static int repl_is_name (const char *s, size_t len) {
  if (len == 0 || !repl_idchar(s[0], 1))
    return 0;
  for (size_t i = 1; i < len; i++)
    if (!repl_idchar(s[i], 0))
      return 0;
  return !repl_is_keyword(s, len);
}


static int repl_cands_match (const struct repl_cands *c, const char *name,
                             size_t len) {
  return len >= c->partial_len && memcmp(name, c->partial, c->partial_len) == 0;
}


/* Add stem .. name; the caller has checked that name matches. */
static void repl_cands_push (struct repl_cands *c, const char *name,
                             size_t len) {
  char *s;
  if (c->nomem)
    return;
  if (c->n + 1 >= c->cap) {  /* keep room for the final NULL */
    size_t cap = c->cap ? 2 * c->cap : 32;
    char **v = realloc(c->v, cap * sizeof *v);
    if (v == NULL) {
      c->nomem = 1;
      return;
    }
    c->v = v;
    c->cap = cap;
  }
  s = malloc(c->stem + len + 1);
  if (s == NULL) {
    c->nomem = 1;
    return;
  }
  memcpy(s, c->word, c->stem);
  memcpy(s + c->stem, name, len);
  s[c->stem + len] = '\0';
  c->v[c->n++] = s;
}


static void repl_cands_offer (struct repl_cands *c, const char *name,
                              size_t len) {
  if (repl_cands_match(c, name, len) && repl_is_name(name, len))
    repl_cands_push(c, name, len);
}


/* String keys of the table at idx; after ':' only those holding functions. */
static void repl_cands_table (lua_State *L, int idx, struct repl_cands *c) {
  idx = lua_absindex(L, idx);
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    if (lua_type(L, -2) == LUA_TSTRING &&
        (c->sep != ':' || lua_type(L, -1) == LUA_TFUNCTION)) {
      size_t len;
      const char *key = lua_tolstring(L, -2, &len);
      repl_cands_offer(c, key, len);
    }
    lua_pop(L, 1);
  }
}


static int repl_index_p (lua_State *L) {
  lua_gettable(L, 1);
  return 1;
}

/* Is obj[name] a function?  Asked under pcall: __index may fault. */
static int repl_is_method (lua_State *L, int obj, const char *name,
                           size_t len) {
  int yes;
  lua_pushcfunction(L, repl_index_p);
  lua_pushvalue(L, obj);
  lua_pushlstring(L, name, len);
  yes = lua_pcall(L, 2, 1, 0) == LUA_OK && lua_type(L, -1) == LUA_TFUNCTION;
  lua_pop(L, 1);
  return yes;
}


/*
** Names from the metatable's __complete(obj, sep), which returns an array
** of names (members and methods of a kernel object).  Called under its own
** pcall: a failing __complete only loses its own names.  After ':' a name
** counts only if indexing obj with it yields a function.
*/
static void repl_cands_complete (lua_State *L, int obj, struct repl_cands *c) {
  int list;
  lua_pushliteral(L, "__complete");
  lua_rawget(L, -2);
  if (lua_type(L, -1) != LUA_TFUNCTION) {
    lua_pop(L, 1);
    return;
  }
  lua_pushvalue(L, obj);
  lua_pushstring(L, c->sep == ':' ? ":" : ".");
  if (lua_pcall(L, 2, 1, 0) != LUA_OK || lua_type(L, -1) != LUA_TTABLE) {
    lua_pop(L, 1);
    return;
  }
  list = lua_gettop(L);
  for (lua_Integer i = 1; lua_rawgeti(L, list, i) != LUA_TNIL; i++) {
    if (lua_type(L, -1) == LUA_TSTRING) {
      size_t len;
      const char *name = lua_tolstring(L, -1, &len);
      if (repl_cands_match(c, name, len) && repl_is_name(name, len) &&
          (c->sep != ':' || repl_is_method(L, obj, name, len)))
        repl_cands_push(c, name, len);
    }
    lua_pop(L, 1);
  }
  lua_pop(L, 2);  /* the nil and the list */
}


/* Names that obj gets from its metatable: __complete, then __index tables. */
static void repl_cands_meta (lua_State *L, int obj, struct repl_cands *c) {
  if (!lua_getmetatable(L, obj))
    return;
  repl_cands_complete(L, obj, c);
  /* each round starts with a metatable on top and leaves one value */
  for (int depth = 0; depth < REPL_INDEX_DEPTH; depth++) {
    lua_pushliteral(L, "__index");
    lua_rawget(L, -2);
    lua_remove(L, -2);  /* the metatable */
    if (lua_type(L, -1) != LUA_TTABLE)
      break;
    repl_cands_table(L, -1, c);
    if (!lua_getmetatable(L, -1))
      break;
    lua_remove(L, -2);  /* the __index table */
  }
  lua_pop(L, 1);
}


/* Can "v.name" be tried on this value (without a certain error)? */
static int repl_indexable (lua_State *L, int idx) {
  int t = lua_type(L, idx);
  return t == LUA_TTABLE || t == LUA_TUSERDATA || t == LUA_TSTRING;
}


/*
** The protected part of kd_repl_complete: split the word, resolve the
** chain before the last separator one field at a time from the globals,
** then gather the names that can follow.
*/
static int repl_complete_p (lua_State *L) {
  struct repl_cands *c = lua_touserdata(L, 1);
  const char *word = c->word;
  const char *sep = NULL;
  int obj;
  for (const char *p = word; *p != '\0'; p++)
    if (*p == '.' || *p == ':')
      sep = p;
  c->stem = sep != NULL ? (size_t)(sep - word) + 1 : 0;
  c->partial = word + c->stem;
  c->partial_len = strlen(c->partial);
  c->sep = sep != NULL ? *sep : 0;
  for (size_t i = 0; i < c->partial_len; i++)
    if (!repl_idchar(c->partial[i], i == 0))
      return 0;  /* not the start of a name: nothing can complete it */
  lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
  if (sep == NULL) {  /* a global or a keyword */
    obj = lua_gettop(L);
    repl_cands_table(L, obj, c);
    repl_cands_meta(L, obj, c);
    for (int i = 0; repl_keywords[i] != NULL; i++)
      if (repl_cands_match(c, repl_keywords[i], strlen(repl_keywords[i])))
        repl_cands_push(c, repl_keywords[i], strlen(repl_keywords[i]));
    return 0;
  }
  for (const char *s = word;;) {
    const char *e = s + strcspn(s, ".:");
    if ((*e == ':' && e != sep) || !repl_is_name(s, (size_t)(e - s)))
      return 0;  /* "a:b.c", "a..b", "1.x": not a chain of fields */
    if (!repl_indexable(L, -1))
      return 0;
    lua_pushlstring(L, s, (size_t)(e - s));
    lua_gettable(L, -2);  /* may run __index, which may raise */
    lua_remove(L, -2);
    if (e == sep)
      break;
    s = e + 1;
  }
  obj = lua_gettop(L);
  if (lua_type(L, obj) == LUA_TTABLE)
    repl_cands_table(L, obj, c);
  if (!lua_isnoneornil(L, obj))
    repl_cands_meta(L, obj, c);
  return 0;
}


static int repl_strcmp (const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void repl_free_list (char **v, size_t n) {
  for (size_t i = 0; i < n; i++)
    free(v[i]);
  free(v);
}


char **kd_repl_complete (lua_State *L, const char *word, size_t *n) {
  struct repl_cands c;
  size_t k;
  int top;
  *n = 0;
  if (L == NULL || word == NULL)
    return NULL;
  memset(&c, 0, sizeof c);
  c.word = word;
  top = lua_gettop(L);
  /* pushing a light C function and a light userdata cannot raise */
  if (!lua_checkstack(L, 2))
    return NULL;
  lua_pushcfunction(L, repl_complete_p);
  lua_pushlightuserdata(L, &c);
  if (lua_pcall(L, 1, 0, 0) != LUA_OK)
    c.nomem = 1;  /* any error: no candidates at all */
  lua_settop(L, top);
  if (c.nomem || c.n == 0) {
    repl_free_list(c.v, c.n);
    return NULL;
  }
  qsort(c.v, c.n, sizeof *c.v, repl_strcmp);
  k = 1;
  for (size_t i = 1; i < c.n; i++) {
    if (strcmp(c.v[i], c.v[k - 1]) == 0)
      free(c.v[i]);
    else
      c.v[k++] = c.v[i];
  }
  c.v[k] = NULL;  /* repl_cands_push kept room for it */
  *n = k;
  return c.v;
}


/*
** Inside a string argument of kd.symbol("..., kd.type("... and the like:
** the names scripts/lib/repl.lua offers (kernel symbols, type names) for
** what is typed so far.  `line` is the whole input line and `start` where
** the word begins (just after the quote, a word break).
*/
static int repl_complete_string_p (lua_State *L) {
  struct repl_cands *c = lua_touserdata(L, 1);
  const char *fn = lua_tostring(L, 2);
  size_t skip = (size_t)lua_tointeger(L, 4);  /* typed before the word */
  lua_getfield(L, 3, "complete_string");
  lua_pushstring(L, fn);
  lua_pushstring(L, c->partial);
  lua_call(L, 2, 1);
  if (!lua_istable(L, -1))
    return 0;
  for (lua_Integer i = 1; lua_rawgeti(L, -1, i) == LUA_TSTRING; i++) {
    size_t len;
    const char *s = lua_tolstring(L, -1, &len);
    /* libedit replaces only the word: "struct task_s" completes as
    ** "task_s" -> "task_struct" */
    if (repl_cands_match(c, s, len))
      repl_cands_push(c, s + skip, len - skip);
    lua_pop(L, 1);
  }
  return 0;
}

char **kd_repl_complete_string (lua_State *L, const char *line, size_t start,
                                const char *partial, size_t *n) {
  struct repl_cands c;
  char fn[64], full[512];
  size_t i, k, q;
  int top;
  *n = 0;
  if (L == NULL || line == NULL || partial == NULL || start < 5 ||
      repl_R == NULL || repl_R->module == LUA_NOREF)
    return NULL;
  /* kd.NAME(" or kd.NAME(' before the word, which may follow other words
  ** of the string ("struct task_s": the word is "task_s") */
  q = start;
  while (q > 0 && line[q - 1] != '"' && line[q - 1] != '\'' && line[q - 1] != '(')
    q--;
  if (q == 0 || (line[q - 1] != '"' && line[q - 1] != '\''))
    return NULL;
  snprintf(full, sizeof full, "%.*s%s", (int)(start - q), line + q, partial);
  i = q - 1;
  while (i > 0 && line[i - 1] == ' ')
    i--;
  if (i == 0 || line[--i] != '(')
    return NULL;
  while (i > 0 && line[i - 1] == ' ')
    i--;
  k = i;
  while (i > 0 && repl_idchar(line[i - 1], 0))
    i--;
  if (k == i || k - i >= sizeof fn || i < 3 || memcmp(line + i - 3, "kd.", 3) != 0)
    return NULL;
  memcpy(fn, line + i, k - i);
  fn[k - i] = '\0';
  memset(&c, 0, sizeof c);
  c.word = partial;
  c.partial = full;
  c.partial_len = strlen(full);
  top = lua_gettop(L);
  if (!lua_checkstack(L, 5))
    return NULL;
  lua_pushcfunction(L, repl_complete_string_p);
  lua_pushlightuserdata(L, &c);
  lua_pushstring(L, fn);
  lua_rawgeti(L, LUA_REGISTRYINDEX, repl_R->module);
  lua_pushinteger(L, (lua_Integer)(start - q));
  if (lua_pcall(L, 4, 0, 0) != LUA_OK)
    c.nomem = 1;
  lua_settop(L, top);
  if (c.nomem || c.n == 0) {
    repl_free_list(c.v, c.n);
    return NULL;
  }
  qsort(c.v, c.n, sizeof *c.v, repl_strcmp);
  c.v[c.n] = NULL;
  *n = c.n;
  return c.v;
}


/*
** rl_attempted_completion_function.  libedit wants the text that replaces
** the word first (the longest prefix common to all candidates), then the
** candidates, then NULL; it frees everything.
*/
static char **repl_attempt_completion (const char *text, int start, int end) {
  size_t n, common;
  char **cand, **m;
  (void)end;
  rl_attempted_completion_over = 1;  /* never fall back to file names */
  cand = kd_repl_complete_string(repl_L, rl_line_buffer, (size_t)start, text, &n);
  if (cand == NULL)
    cand = kd_repl_complete(repl_L, text, &n);
  if (cand == NULL)
    return NULL;
  m = malloc((n + 2) * sizeof *m);
  if (m == NULL) {
    repl_free_list(cand, n);
    return NULL;
  }
  common = strlen(cand[0]);  /* sorted: first and last bound the rest */
  for (size_t i = 0; i < common; i++)
    if (cand[n - 1][i] != cand[0][i]) {
      common = i;
      break;
    }
  m[0] = strndup(cand[0], common);
  if (m[0] == NULL) {
    free(m);
    repl_free_list(cand, n);
    return NULL;
  }
  memcpy(m + 1, cand, n * sizeof *cand);
  m[n + 1] = NULL;
  free(cand);
  return m;
}

/* }====================================================== */


/*
** {======================================================
** The loop
** =======================================================
*/

static void repl_setup_editline (struct repl *r) {
  HIST_ENTRY *newest;
  const char *ctype = setlocale(LC_CTYPE, NULL);
  /*
  ** libedit decodes keys by the locale's character set: in the "C" locale
  ** a typed "é" would be dropped.  Only for this session; the previous
  ** setting comes back when the loop ends.
  */
  r->saved_ctype = ctype != NULL ? strdup(ctype) : NULL;
  setlocale(LC_CTYPE, "");
  rl_readline_name = REPL_PROGNAME;  /* for $if in ~/.editrc */
  rl_getc_function = repl_getc;
  rl_attempted_completion_function = repl_attempt_completion;
  rl_basic_word_break_characters = repl_word_breaks;  /* libedit uses this */
  rl_completer_word_break_characters = repl_word_breaks;  /* readline this */
  rl_completion_append_character = '\0';  /* "kd.symbol", not "kd.symbol " */
  rl_initialize();  /* the settings above are read here */
  stifle_history(REPL_HISTORY_MAX);
  if (r->history_path != NULL)
    read_history(r->history_path);  /* a missing file is no error */
  newest = history_length > 0 ? history_get(history_base + history_length - 1)
                              : NULL;
  if (newest != NULL && newest->line != NULL)
    r->last_saved = strdup(newest->line);
}


static void repl_save_history (struct repl *r) {
  int fd, err;
  if (r->history_path == NULL)
    return;
  /* what was typed may be worth keeping private: create it 0600 */
  fd = open(r->history_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0)
    close(fd);
  err = write_history(r->history_path);
  if (err != 0)
    fprintf(stderr, "%s: cannot write history to %s: %s\n", REPL_PROGNAME,
            r->history_path, strerror(err > 0 ? err : errno));
}


/* stdin is not a terminal: run all of it as one chunk. */
static void repl_script (lua_State *L, struct repl *r) {
  luaL_Buffer b;
  size_t len;
  const char *code;
  int status;
  luaL_buffinit(L, &b);
  for (;;) {
    char *p = luaL_prepbuffer(&b);
    size_t k = fread(p, 1, LUAL_BUFFERSIZE, stdin);
    luaL_addsize(&b, k);
    if (k < LUAL_BUFFERSIZE)
      break;
  }
  if (ferror(stdin)) {
    int err = errno;
    luaL_pushresult(&b);
    lua_pushfstring(L, "cannot read %s: %s", r->chunkname, strerror(err));
    repl_report(L, REPL_PROGNAME);
    r->status = 1;
    return;
  }
  luaL_pushresult(&b);
  code = lua_tolstring(L, -1, &len);
  if (len > 0 && code[0] == '#') {  /* "#!" line: skip it, keep its newline */
    const char *nl = memchr(code, '\n', len);
    size_t skip = nl != NULL ? (size_t)(nl - code) : len;
    code += skip;
    len -= skip;
  }
  status = luaL_loadbufferx(L, code, len, r->chunkname, "t");
  if (status == LUA_OK)
    status = repl_docall(L, 0, 0);
  fflush(stdout);
  if (status != LUA_OK) {
    repl_report(L, REPL_PROGNAME);
    r->status = 1;
  }
}


static int repl_main (lua_State *L) {
  struct repl *r = lua_touserdata(L, 1);
  int status;
  lua_settop(L, 0);
  if (!isatty(STDIN_FILENO)) {
    repl_script(L, r);
    return 0;
  }
  r->interactive = 1;
  repl_setup_editline(r);
  repl_on_sigint(repl_sigint_prompt, 0);
  while ((status = repl_loadline(L, r)) != REPL_EOF) {
    if (status == REPL_INTR)
      continue;
    if (status == LUA_OK)
      status = repl_docall(L, 0, LUA_MULTRET);
    if (status == LUA_OK)
      repl_print(L);
    else
      repl_report(L, NULL);
    lua_settop(L, 0);
  }
  fputc('\n', stdout);  /* the shell prompt starts on a line of its own */
  fflush(stdout);
  return 0;
}


/*
** require("repl") (scripts/lib/repl.lua) and its install(): the globals
** help and show, kd.traceback.  Without it (a bare state, as in the unit
** tests) values print with `print` and errors with their traceback.
*/
static int repl_load_p (lua_State *L) {
  lua_getglobal(L, "require");
  lua_pushliteral(L, "repl");
  lua_call(L, 1, 1);
  lua_getfield(L, -1, "install");
  lua_call(L, 0, 0);
  return 1;
}

static void repl_load_module (lua_State *L, struct repl *r) {
  lua_pushcfunction(L, repl_load_p);
  if (lua_pcall(L, 0, 1, 0) == LUA_OK && lua_istable(L, -1))
    r->module = luaL_ref(L, LUA_REGISTRYINDEX);
  else
    lua_pop(L, 1);
}


int kd_repl_run (lua_State *L, const char *history_path,
                 const char *chunkname_for_stdin) {
  struct repl r;
  struct sigaction old_sigint;
  lua_State *old_L = repl_L;
  int top = lua_gettop(L);
  memset(&r, 0, sizeof r);
  r.module = LUA_NOREF;
  r.chunkname = chunkname_for_stdin != NULL ? chunkname_for_stdin : "=stdin";
  r.history_path = history_path;
  if (!lua_checkstack(L, 2)) {
    fprintf(stderr, "%s: stack overflow\n", REPL_PROGNAME);
    return 1;
  }
  sigaction(SIGINT, NULL, &old_sigint);
  repl_L = L;
  repl_R = &r;
  repl_load_module(L, &r);
  lua_pushcfunction(L, repl_main);
  lua_pushlightuserdata(L, &r);
  if (lua_pcall(L, 1, 0, 0) != LUA_OK) {  /* only if the loop itself failed */
    repl_report(L, REPL_PROGNAME);
    r.status = 1;
  }
  sigaction(SIGINT, &old_sigint, NULL);
  if (lua_gethook(L) == repl_interrupt_hook)
    lua_sethook(L, NULL, 0, 0);
  if (r.interactive)
    repl_save_history(&r);
  if (r.saved_ctype != NULL)
    setlocale(LC_CTYPE, r.saved_ctype);
  free(r.saved_ctype);
  free(r.last_saved);
  if (r.module != LUA_NOREF)
    luaL_unref(L, LUA_REGISTRYINDEX, r.module);
  repl_L = old_L;
  repl_R = NULL;
  lua_settop(L, top);
  return r.status;
}

/* }====================================================== */
