/*
** fuzz_dwarf.c -- libFuzzer harness: a debug file's bytes through the
** debug cache (an uncompressed copy of SHF_COMPRESSED sections,
** host/debuginfo/debugcache.c) and the DWARF type reader
** (dwarf_finder.c, types.c): the name index, every type it names and
** every type those reach (members, targets, parameters, enumerators,
** declarations completed), formatted and sized, and the variables'
** types.  Seeds: small debug files built from seeds/dwarf_seed.c as
** DWARF 5, DWARF 4 and with zlib-compressed sections.
*/
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "debuginfo/debugcache.h"
#include "debuginfo/dwarf_finder.h"
#include "debuginfo/types.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], input[96], cache[96];

static void empty_cache(void);

/* the scratch directory goes with the process (libFuzzer ends with exit) */
static void remove_dir(void) {
  empty_cache();
  rmdir(cache);
  unlink(input);
  rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc; (void)argv;
  unsetenv("KDLUA_NO_CACHE");
  snprintf(dir, sizeof dir, "/tmp/kdlua-fuzz-dwarf-XXXXXX");
  if (mkdtemp(dir) == NULL) { perror("mkdtemp"); exit(1); }
  snprintf(input, sizeof input, "%s/in.debug", dir);
  snprintf(cache, sizeof cache, "%s/cache", dir);
  atexit(remove_dir);
  return 0;
}

static void empty_cache(void) {
  DIR *d = opendir(cache);
  if (d == NULL) return;
  struct dirent *e;
  char path[512];
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.' && (e->d_name[1] == '\0' || strcmp(e->d_name, "..") == 0)) continue;
    snprintf(path, sizeof path, "%s/%s", cache, e->d_name);
    unlink(path);
  }
  closedir(d);
}

struct walk {
  struct kd_finder *f;
  int budget;                 /* types visited at most, per input */
  char names[64][128];
  int nnames;
};

static void visit(struct walk *w, struct kd_type *t, int depth) {
  if (t == NULL || depth > 8 || w->budget-- <= 0) return;
  char buf[256];
  kd_type_format(t, buf, sizeof buf);
  (void)kd_type_sizeof(t);
  (void)kd_type_is_integer(t);
  (void)kd_type_resolve(t);
  if ((t->kind == KD_TYPE_STRUCT || t->kind == KD_TYPE_UNION || t->kind == KD_TYPE_ENUM) &&
      !t->is_complete && t->finder && t->finder->complete) {
    struct kd_type *full = NULL;
    struct kd_error *err = t->finder->complete(t->finder->ctx, t, &full);
    kd_error_destroy(err);
  }
  kd_error_destroy(kd_type_load(t));
  if (t->kind == KD_TYPE_STRUCT || t->kind == KD_TYPE_UNION) {
    for (size_t i = 0; i < t->nmembers && i < 64; i++) {
      const struct kd_member *m = &t->members[i];
      if (m->name) {
        const struct kd_member *found = NULL;
        kd_error_destroy(kd_type_member(t, m->name, &found));
      }
      visit(w, m->type, depth + 1);
    }
    const struct kd_member *none = NULL;
    kd_error_destroy(kd_type_member(t, "no_such_member", &none));
  }
  for (size_t i = 0; i < t->nparams && i < 16; i++) visit(w, t->params[i], depth + 1);
  for (size_t i = 0; i < t->nenumerators && i < 64; i++) (void)strlen(t->enumerators[i].name ? t->enumerators[i].name : "");
  visit(w, t->target, depth + 1);
}

static void collect(void *arg, const char *name) {
  struct walk *w = arg;
  if (w->nnames < 64) snprintf(w->names[w->nnames++], sizeof w->names[0], "%s", name);
}

static void by_name(struct walk *w, const char *full) {
  enum kd_type_kind kind = KD_TYPE_ANY;
  const char *name = full;
  if (strncmp(full, "struct ", 7) == 0) { kind = KD_TYPE_STRUCT; name = full + 7; }
  else if (strncmp(full, "union ", 6) == 0) { kind = KD_TYPE_UNION; name = full + 6; }
  else if (strncmp(full, "enum ", 5) == 0) { kind = KD_TYPE_ENUM; name = full + 5; }
  struct kd_type *t = NULL;
  struct kd_error *err = w->f->find_type(w->f->ctx, kind, name, &t);
  if (err == NULL) visit(w, t, 0);
  kd_error_destroy(err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  int fd = open(input, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return 0;
  ssize_t n = write(fd, data, size);
  close(fd);
  if (n != (ssize_t)size) return 0;
  char *usable = NULL, *warning = NULL;
  int created = 0;
  struct kd_error *err = kd_debugcache_get(input, cache, &usable, &created, &warning);
  free(warning);
  if (err) {
    kd_error_destroy(err);
    empty_cache();
    return 0;
  }
  Dwarf *dwarf;
  int dfd;
  err = kd_dwarf_open(usable, &dwarf, &dfd);
  free(usable);
  if (err == NULL) {
    struct kd_finder *f = NULL;
    err = kd_dwarf_finder_new(dwarf, dfd, "fuzz", NULL, NULL, &f);
    if (err == NULL) {
      static struct walk w;
      memset(&w, 0, sizeof w);
      w.f = f;
      w.budget = 2000;
      f->each_type_name(f->ctx, collect, &w);
      static const char *const fixed[] = { "struct task", "struct list_head", "union any",
        "enum state", "enum wide", "struct flags", "struct fwd_only", "struct fwd_later",
        "u64", "pid_alias", "cv_u64", "int", "char", "unsigned int", "no_such_type" };
      for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) by_name(&w, fixed[i]);
      for (int i = 0; i < w.nnames; i++) by_name(&w, w.names[i]);
      static const char *const vars[] = { "init_task", "current_tasks", "any_value",
        "later_value", "banner", "handler", "seed_entry", "no_such_variable" };
      for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        struct kd_type *t = NULL;
        struct kd_error *e = f->find_variable(f->ctx, vars[i], &t);
        if (e == NULL) visit(&w, t, 0);
        kd_error_destroy(e);
      }
      if (f->release) f->release(f->ctx);
      kd_finder_destroy(f);
    } else {
      kd_error_destroy(err);
      dwarf_end(dwarf);
      close(dfd);
    }
  } else {
    kd_error_destroy(err);
  }
  empty_cache();
  return 0;
}
