/*
** help.c -- `kdlua --help`: every command, each with its one-line summary.
** See help.h.
*/
#include "help.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#define SUMMARY_COLUMN 29

char *kd_help_summary(const char *path, const char *name) {
  FILE *f = fopen(path, "r");
  if (f == NULL) return NULL;
  char line[512];
  char *got = fgets(line, sizeof line, f);
  fclose(f);
  if (got == NULL) return NULL;
  line[strcspn(line, "\r\n")] = '\0';
  /* `-- kdlua NAME: summary`; anything else is a file that broke the
  ** contract, which the caller shows as such rather than guessing */
  const char *p = line;
  if (strncmp(p, "-- kdlua ", 9) != 0) return NULL;
  p += 9;
  size_t n = strlen(name);
  if (strncmp(p, name, n) != 0 || p[n] != ':') return NULL;
  p += n + 1;
  while (*p == ' ' || *p == '\t') p++;
  if (*p == '\0') return NULL;
  return strdup(p);
}

static int push(char ***v, size_t *n, size_t *cap, char *s) {
  if (s == NULL) return -1;
  if (*n + 2 > *cap) {
    size_t c = *cap ? *cap * 2 : 8;
    char **nv = realloc(*v, c * sizeof *nv);
    if (nv == NULL) { free(s); return -1; }
    *v = nv;
    *cap = c;
  }
  (*v)[(*n)++] = s;
  (*v)[*n] = NULL;
  return 0;
}

char **kd_help_program_dirs(const char *root, const char *const *extra, size_t nextra) {
  char **v = NULL;
  size_t n = 0, cap = 0;
  size_t len = strlen(root) + sizeof "/programs";
  char *own = malloc(len);
  if (own) snprintf(own, len, "%s/programs", root);
  push(&v, &n, &cap, own);
  for (size_t i = 0; i < nextra; i++) push(&v, &n, &cap, strdup(extra[i]));
  const char *env = getenv("KDLUA_PROGRAMS");
  if (env) {
    char *copy = strdup(env), *save = NULL;
    for (char *tok = copy ? strtok_r(copy, ":", &save) : NULL; tok;
         tok = strtok_r(NULL, ":", &save))
      push(&v, &n, &cap, strdup(tok));
    free(copy);
  }
  if (v == NULL) v = calloc(1, sizeof *v);
  return v;
}

void kd_help_free_dirs(char **dirs) {
  if (dirs == NULL) return;
  for (char **p = dirs; *p; p++) free(*p);
  free(dirs);
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* NAMEs of the NAME.lua files of dir, sorted; NULL-terminated */
static char **lua_names(const char *dir) {
  char **v = NULL;
  size_t n = 0, cap = 0;
  DIR *d = opendir(dir);
  if (d) {
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
      size_t len = strlen(e->d_name);
      if (e->d_name[0] == '.' || len <= 4 || strcmp(e->d_name + len - 4, ".lua") != 0)
        continue;
      push(&v, &n, &cap, strndup(e->d_name, len - 4));
    }
    closedir(d);
  }
  if (v) qsort(v, n, sizeof *v, cmp_str);
  return v;
}

static void row(FILE *out, const char *left, const char *summary) {
  int w = fprintf(out, "  %s", left);
  if (w >= SUMMARY_COLUMN) { fputc('\n', out); w = 0; }
  fprintf(out, "%*s%s\n", SUMMARY_COLUMN - w, "", summary);
}

/* names already listed, so that a shadowed file is not listed twice */
struct seen { char **v; size_t n, cap; };

static int was_seen(const struct seen *s, const char *name) {
  for (size_t i = 0; i < s->n; i++)
    if (strcmp(s->v[i], name) == 0) return 1;
  return 0;
}

static void list_dir(FILE *out, const char *dir, struct seen *seen, int *header,
                     const char *title) {
  char **names = lua_names(dir);
  for (char **p = names; p && *p; p++) {
    if (was_seen(seen, *p)) continue;
    if (!*header) { fprintf(out, "\n%s\n", title); *header = 1; }
    size_t len = strlen(dir) + strlen(*p) + 6;
    char *path = malloc(len);
    char *sum = NULL;
    if (path) {
      snprintf(path, len, "%s/%s.lua", dir, *p);
      sum = kd_help_summary(path, *p);
    }
    row(out, *p, sum ? sum : "(no summary: its first line is not `-- kdlua NAME: ...`)");
    free(sum);
    free(path);
    push(&seen->v, &seen->n, &seen->cap, strdup(*p));
  }
  for (char **p = names; p && *p; p++) free(*p);
  free(names);
}

void kd_help_print(FILE *out, const char *head, const struct kd_help_builtin *builtins,
                   size_t nbuiltins, const char *root, char *const *program_dirs,
                   const char *tail) {
  struct seen seen = { 0 };
  fputs(head, out);
  fputs("\nCommands:\n", out);
  for (size_t i = 0; i < nbuiltins; i++) {
    row(out, builtins[i].synopsis, builtins[i].summary);
    size_t k = strcspn(builtins[i].synopsis, " ");
    push(&seen.v, &seen.n, &seen.cap, strndup(builtins[i].synopsis, k));
  }
  int header = 0;
  size_t len = strlen(root) + sizeof "/commands";
  char *cmds = malloc(len);
  if (cmds) {
    snprintf(cmds, len, "%s/commands", root);
    list_dir(out, cmds, &seen, &header, "Commands written in Lua (scripts/commands/):");
    free(cmds);
  }
  header = 0;
  for (char *const *d = program_dirs; d && *d; d++)
    list_dir(out, *d, &seen, &header,
             "Programs (scripts/programs/, --programs-dir DIR, $KDLUA_PROGRAMS):");
  for (size_t i = 0; i < seen.n; i++) free(seen.v[i]);
  free(seen.v);
  fputs(tail, out);
}
