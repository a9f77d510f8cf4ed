/*
** help.h -- `kdlua --help`: the list of every command kdlua can run.
**
** Built-in commands come with their summary from main.c; Lua commands
** (<scripts>/commands/NAME.lua) and programs (<scripts>/programs/NAME.lua,
** each $KDLUA_PROGRAMS folder, each --programs-dir) with the summary of
** their own first line, `-- kdlua NAME: summary`, read without running
** them, so the listing and the command never drift apart.
*/
#ifndef KD_HELP_H
#define KD_HELP_H

#include <stddef.h>
#include <stdio.h>

struct kd_help_builtin {
  const char *synopsis;        /* e.g. "run SCRIPT.lua [ARGS...]" */
  const char *summary;
};

/*
** The summary of a Lua command file: the text after `-- kdlua NAME:` on
** its first line, in a malloc'd string; NULL when the file cannot be read
** or its first line does not follow that form (for NAME == its basename).
*/
char *kd_help_summary(const char *path, const char *name);

/*
** The folders where programs are found, in dispatch order: <root>/programs,
** then each of `extra` (--programs-dir, in order given), then each entry
** of $KDLUA_PROGRAMS (colon-separated).  Returns a malloc'd NULL-terminated
** array of malloc'd strings (free with kd_help_free_dirs).
*/
char **kd_help_program_dirs(const char *root, const char *const *extra, size_t nextra);
void kd_help_free_dirs(char **dirs);

/*
** Print the whole listing: `head` (usage line), the built-ins, the Lua
** commands of <root>/commands, the programs of `program_dirs`, `tail`
** (options and exit status).  A name is listed once, where dispatch finds
** it first (built-in, then command, then the first program folder).
*/
void kd_help_print(FILE *out, const char *head, const struct kd_help_builtin *builtins,
                   size_t nbuiltins, const char *root, char *const *program_dirs,
                   const char *tail);

#endif
