/*
** repl.h -- the interactive loop (`kdlua repl`).
**
** Modelled on the stand-alone lua interpreter: lines are tried first as
** expressions, incomplete chunks continue on a second prompt, errors are
** reported with a traceback and the loop goes on.  Line editing, history
** and tab completion come from libedit.
*/
#ifndef KD_REPL_H
#define KD_REPL_H

#include <stddef.h>

#include <lua.h>

/*
** Run the interactive loop on L (kd and everything else already set up).
** Returns the process exit status: 0 at EOF, 1 if running stdin as a
** script failed.  When stdin is not a terminal, all of it is read and run
** as one chunk named `chunkname_for_stdin` (NULL means "=stdin").
** history_path may be NULL (no history file).  The stack of L is left as
** it was found.
*/
int kd_repl_run(lua_State *L, const char *history_path,
                const char *chunkname_for_stdin);

/*
** The candidate generator behind tab completion, exposed for tests.
** `word` is an identifier chain such as "kd.sy", "t.mm.pg" or "s:str" (or
** a bare prefix, completed against globals and keywords).  Returns the
** full completed words (e.g. "kd.symbol"), sorted and without duplicates,
** as a NULL-terminated malloc'd array of *n malloc'd strings which the
** caller frees (each string, then the array); NULL with *n == 0 when there
** is none.  Never raises: every access to L runs in a protected call and
** an error means no candidates from that source.  Only indexes values
** along the chain (which may run __index); never evaluates expressions.
**
** Names come from a table's string keys, from __index tables in the
** metatable chain, and from a metatable field __complete: a function
** called as __complete(value, sep), sep being "." or ":", that returns an
** array of names.  After ':' only names whose value is a function are
** kept (for __complete names that means indexing the value with each
** matching name, under pcall).
*/
char **kd_repl_complete(lua_State *L, const char *word, size_t *n);

/*
** Completion inside a string argument: when `line` has kd.NAME(" (or ')
** before `start` (other words of the string may come between: "struct
** task_s" completes the word "task_s"), the names scripts/lib/repl.lua gives for NAME
** (kernel symbols for kd.symbol, type names for kd.type/kd.object...)
** that begin with `partial`; as kd_repl_complete returns them.  NULL when
** the word is not in such a string or repl.lua is not loaded (only while
** kd_repl_run runs).
*/
char **kd_repl_complete_string(lua_State *L, const char *line, size_t start,
                               const char *partial, size_t *n);

#endif
