/*
** main.c -- the kdlua command line.
**
**   kdlua run SCRIPT.lua [ARGS...] --vmcore F [--vmlinux F]
**   kdlua -e 'LUA' --vmcore F
**   kdlua repl --vmcore F
**   kdlua info --vmcore F
**   kdlua NAME [ARGS] --vmcore F   (a program: scripts/programs/NAME.lua, docs/programs.md)
**   kdlua gdbserver --vmcore F [--listen HOST:PORT | --stdio] [--mode M]
**
** Exit codes: 0 ok, 1 script error, 2 usage or bad input.
*/
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "heap.h"
#include "config.h"
#include "gdb/gdb_target.h"
#include "bindings/lua_host.h"
#include "bindings/lua_chunkcache.h"
#include "bindings/lua_kd.h"
#include "bindings/lua_report.h"
#include "core/program.h"
#include "dump/dump.h"
#include "help.h"
#include "repl.h"

#define EXIT_SCRIPT 1
#define EXIT_USAGE 2

static const char usage_head[] = "usage: kdlua COMMAND [OPTIONS] [ARGS]\n";

/* the commands written in C; the others list themselves (help.c) */
static const struct kd_help_builtin builtins[] = {
  { "run SCRIPT.lua [ARGS...]", "run a Lua program with `kd` bound to the dump" },
  { "-e 'LUA'", "run a chunk of Lua" },
  { "repl", "interactive Lua against the dump" },
  { "gdbserver", "serve the dump to gdb (remote protocol)" },
  { "help [COMMAND]", "this text, or a command's own (= kdlua COMMAND --help)" },
};

static const char usage_tail[] =
  "\n"
  "Options (any command):\n"
  "  --vmcore FILE              the crash dump (kdump-compressed or ELF)\n"
  "  --vmlinux FILE             kernel debuginfo (default: searched by release\n"
  "                             and build-id)\n"
  "  --debuginfo-dir DIR        more places to search, recursively, for vmlinux\n"
  "                             and module debug files (repeatable)\n"
  "  --force                    accept debuginfo that does not match the dump\n"
  "  --no-modules               do not load module symbols and debuginfo\n"
  "  --no-vmlinux               no debuginfo: types from the dump's BTF,\n"
  "                             symbols from its kallsyms (the default when\n"
  "                             no vmlinux is found)\n"
  "  --scripts DIR              Lua scripts root (lib/, emitters/, commands/)\n"
  "  --programs-dir DIR         more programs (repeatable; also $KDLUA_PROGRAMS)\n"
  "  -v, --verbose              say which files were used\n"
  "  -h, --help                 help; --version: version\n"
  "\n"
  "Exit status: 0 ok, 1 script error, 2 usage error or bad input.\n"
  "See kdlua(1).\n";

static const struct { const char *cmd, *text; } command_help[] = {
  { "run", "usage: kdlua run SCRIPT.lua [ARGS...] --vmcore FILE [--vmlinux FILE]\n"
           "Runs SCRIPT.lua with the global `kd` bound to the dump and `arg` holding\n"
           "ARGS (arg[0] is the script). Exit 1 if the script raises an error.\n" },
  { "-e", "usage: kdlua -e 'LUA' --vmcore FILE\n"
          "Runs the chunk, e.g. kdlua -e 'print(kd.uts().release)' --vmcore vmcore\n" },
  { "repl", "usage: kdlua repl --vmcore FILE\n"
            "Interactive Lua: expressions print their values (tables and structs\n"
            "with their contents, pointers with their symbol), incomplete input\n"
            "continues on the next line, Tab completes globals, kd.* and struct\n"
            "members after `obj.`, symbol names inside kd.symbol(\"...; `help`,\n"
            "help(x); an error prints one line, kd.traceback() (or -v) where it\n"
            "came from; history in ~/.kdlua_history. With stdin not a terminal,\n"
            "runs stdin as a script.\n" },
  { "gdbserver",
    "usage: kdlua gdbserver --vmcore FILE [--vmlinux FILE]\n"
    "         [--listen HOST:PORT | --stdio] [--mode cpus|tasks|process] [--pid N]\n"
    "Serves the dump to gdb over its remote protocol; prints on stderr the gdb\n"
    "commands to connect (file VMLINUX -o KASLR_OFFSET, target remote ...).\n"
    "  --listen HOST:PORT   TCP address (default 127.0.0.1:1234; port 0: any)\n"
    "  --stdio              speak on stdin/stdout: target remote | kdlua gdbserver --stdio ...\n"
    "  --mode cpus          one thread per CPU, registers of the dump (default)\n"
    "  --mode tasks         one thread per task; sleeping tasks from their saved context\n"
    "  --mode process       with --pid N: that process's threads and user memory\n" },
};

struct options {
  const char *command;
  const char *chunk;           /* -e */
  const char *vmcore, *vmlinux, *scripts;
  const char **dirs;
  size_t ndirs;
  const char **program_dirs;   /* --programs-dir */
  size_t nprogram_dirs;
  int help;                    /* -h/--help for a command of main.c, or none */
  int force, no_modules, no_vmlinux, verbose;
  char **rest;                 /* positional arguments after the command */
  int nrest;
};

static void die_usage(const char *what, const char *arg) {
  fprintf(stderr, "kdlua: %s%s\n(kdlua --help for usage)\n", what, arg);
  exit(EXIT_USAGE);
}

/* true if main.c has a help text for `cmd` (else a Lua command has its own) */
static int has_help(const char *cmd) {
  for (size_t i = 0; i < sizeof command_help / sizeof command_help[0]; i++)
    if (strcmp(command_help[i].cmd, cmd) == 0) return 1;
  return strcmp(cmd, "help") == 0;
}

/* the help of a built-in command, or (cmd NULL or "help") the listing of
** every command */
static void show_help(FILE *out, const char *cmd, const char *root,
                      const struct options *o) {
  if (cmd)
    for (size_t i = 0; i < sizeof command_help / sizeof command_help[0]; i++)
      if (strcmp(command_help[i].cmd, cmd) == 0) {
        fputs(command_help[i].text, out);
        return;
      }
  char **pdirs = kd_help_program_dirs(root, o->program_dirs, o->nprogram_dirs);
  kd_help_print(out, usage_head, builtins, sizeof builtins / sizeof builtins[0], root,
                pdirs, usage_tail);
  kd_help_free_dirs(pdirs);
}

/* Lua commands (report, info...) parse their own options from `arg`; so
** does gdbserver (kd_gdbserver_main), which is therefore not listed here. */
static int is_builtin(const char *cmd) {
  return strcmp(cmd, "run") == 0 || strcmp(cmd, "-e") == 0 ||
         strcmp(cmd, "repl") == 0;
}

/*
** Options may come anywhere; for `run`, everything after the script name
** that is not one of ours belongs to the script.
*/
static void parse(int argc, char **argv, struct options *o) {
  memset(o, 0, sizeof *o);
  o->dirs = calloc((size_t)argc + 1, sizeof *o->dirs);
  o->rest = calloc((size_t)argc + 1, sizeof *o->rest);
  o->program_dirs = calloc((size_t)argc + 1, sizeof *o->program_dirs);
  if (o->dirs == NULL || o->rest == NULL || o->program_dirs == NULL) {
    fputs("kdlua: out of memory\n", stderr);
    exit(EXIT_USAGE);
  }
  int script_seen = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
#define NEED_ARG() do { if (i + 1 >= argc) die_usage("missing argument for option ", a); } while (0)
    if (strcmp(a, "--vmcore") == 0) { NEED_ARG(); o->vmcore = argv[++i]; }
    else if (strncmp(a, "--vmcore=", 9) == 0) o->vmcore = a + 9;
    else if (strcmp(a, "--vmlinux") == 0) { NEED_ARG(); o->vmlinux = argv[++i]; }
    else if (strncmp(a, "--vmlinux=", 10) == 0) o->vmlinux = a + 10;
    else if (strcmp(a, "--debuginfo-dir") == 0) { NEED_ARG(); o->dirs[o->ndirs++] = argv[++i]; }
    else if (strncmp(a, "--debuginfo-dir=", 16) == 0) o->dirs[o->ndirs++] = a + 16;
    else if (strcmp(a, "--scripts") == 0) { NEED_ARG(); o->scripts = argv[++i]; }
    else if (strcmp(a, "--programs-dir") == 0) {
      NEED_ARG();
      o->program_dirs[o->nprogram_dirs++] = argv[++i];
    }
    else if (strncmp(a, "--programs-dir=", 15) == 0) o->program_dirs[o->nprogram_dirs++] = a + 15;
    else if (strcmp(a, "--force") == 0) o->force = 1;
    else if (strcmp(a, "--no-modules") == 0) o->no_modules = 1;
    else if (strcmp(a, "--no-vmlinux") == 0) o->no_vmlinux = 1;
    else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) o->verbose++;
    else if (strcmp(a, "--version") == 0) { printf("kdlua %s\n", KDLUA_VERSION); exit(0); }
    else if ((strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) && o->command &&
             !has_help(o->command)) {
      o->rest[o->nrest++] = argv[i];   /* a Lua command's own --help */
    } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      o->help = 1;               /* shown once the scripts root is known */
    } else if (strcmp(a, "-e") == 0 && o->command == NULL) {
      NEED_ARG();
      o->command = "-e";
      o->chunk = argv[++i];
      /* kdlua -e --help is -e's help, as CMD --help is everywhere */
      if (strcmp(o->chunk, "--help") == 0 || strcmp(o->chunk, "-h") == 0) o->help = 1;
    } else if (o->command == NULL && a[0] == '-' && a[1] != '\0') {
      die_usage("unknown option ", a);
    } else if (o->command == NULL) {
      o->command = a;
    } else if (strcmp(a, "--") == 0) {
      while (++i < argc) o->rest[o->nrest++] = argv[i];
    } else if (a[0] == '-' && !script_seen && is_builtin(o->command)) {
      die_usage("unknown option ", a);
    } else {
      if (strcmp(o->command, "run") == 0) script_seen = 1;
      o->rest[o->nrest++] = argv[i];
    }
#undef NEED_ARG
  }
}

static int is_dir(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
** Scripts root, in nmap's order: --scripts, $KDLUA_SCRIPTS, next to the
** installed binary, the configured data dir, the source tree.  Never the
** current directory.  A binary still in its build tree (CMakeCache.txt
** beside it) takes its own source tree before the data dir, so that an
** installed kdlua never hides the scripts of the checkout being worked on.
*/
static char *find_scripts_root(const char *given) {
  char buf[PATH_MAX + 64];
  if (given) return strdup(given);
  const char *env = getenv("KDLUA_SCRIPTS");
  if (env && *env) return strdup(env);
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) {
      *slash = '\0';
      snprintf(buf, sizeof buf, "%s/../share/kdlua", exe);
      char lib[PATH_MAX + 80];
      snprintf(lib, sizeof lib, "%s/lib", buf);
      if (is_dir(lib)) return realpath(buf, NULL);
      struct stat st;
      snprintf(lib, sizeof lib, "%s/CMakeCache.txt", exe);
      if (stat(lib, &st) == 0) {
        snprintf(buf, sizeof buf, "%s/lib", KD_SOURCE_SCRIPTS);
        if (is_dir(buf)) return strdup(KD_SOURCE_SCRIPTS);
      }
    }
  }
  snprintf(buf, sizeof buf, "%s/lib", KD_DATADIR);
  if (is_dir(buf)) return strdup(KD_DATADIR);
  return strdup(KD_SOURCE_SCRIPTS);
}

/*
** Analysis programs (docs/programs.md): NAME.lua in the folders of
** kd_help_program_dirs -- <scripts>/programs/, each --programs-dir, each
** directory of $KDLUA_PROGRAMS -- the first found wins, as with emitter
** directories; `kdlua --help` lists them from the same list.  Writes the
** path into `path` and returns 1 when found.
*/
static int find_program_file(const struct options *o, const char *root, const char *name,
                             char *path, size_t size) {
  if (strchr(name, '/') || name[0] == '.' || name[0] == '-' || name[0] == '\0') return 0;
  char **dirs = kd_help_program_dirs(root, o->program_dirs, o->nprogram_dirs);
  int found = 0;
  for (char **d = dirs; d && *d && !found; d++) {
    snprintf(path, size, "%s/%s.lua", *d, name);
    found = access(path, R_OK) == 0;
  }
  kd_help_free_dirs(dirs);
  return found;
}

/* program.main(path, ARGS...) of scripts/lib/program.lua: it parses the
** program's options, prints its text or JSON and exits with its status */
static int run_program(lua_State *L, const char *path, int argc, char **argv) {
  if (luaL_loadstring(L, "return require('program').main(...)") != LUA_OK) {
    fprintf(stderr, "kdlua: %s\n", lua_tostring(L, -1));
    lua_pop(L, 1);
    return EXIT_SCRIPT;
  }
  lua_pushstring(L, path);
  for (int i = 0; i < argc; i++) lua_pushstring(L, argv[i]);
  return kl_docall(L, argc + 1, 0) == LUA_OK ? 0 : EXIT_SCRIPT;
}

/* does `dir` itself (not below) hold a NAME.ko or NAME.ko.debug? */
static int has_module_files(const char *dir) {
  DIR *d = opendir(dir);
  if (d == NULL) return 0;
  struct dirent *e;
  int found = 0;
  while (!found && (e = readdir(d)) != NULL) {
    size_t n = strlen(e->d_name);
    found = (n > 3 && strcmp(e->d_name + n - 3, ".ko") == 0) ||
            (n > 9 && strcmp(e->d_name + n - 9, ".ko.debug") == 0);
  }
  closedir(d);
  return found;
}

/*
** The folders searched for debug files: every --debuginfo-dir, then, as
** the vmlinux beside the vmcore already is, the module debug files beside
** it -- a modules/ folder next to the vmcore, and the vmcore's own folder
** when it holds .ko/.ko.debug files itself (not otherwise: it may be a
** crash folder full of other things, walked for nothing).  o->dirs has
** room: it was sized for every argument.
*/
static void add_dump_dirs(struct options *o) {
  static char dir[PATH_MAX], mods[PATH_MAX + 8];
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s", o->vmcore);
  snprintf(dir, sizeof dir, "%s", dirname(path));
  snprintf(mods, sizeof mods, "%s/modules", dir);
  if (is_dir(mods)) o->dirs[o->ndirs++] = mods;
  if (has_module_files(dir)) o->dirs[o->ndirs++] = dir;
}

/*
** The first start on a compressed debug file writes an uncompressed copy
** (~150 MB for a distribution vmlinux) into the cache: say so, once (the
** next starts reuse it), with where it went and how to do without it.
*/
static void tell_new_cache_copy(const struct kd_program *prog) {
  static const char tag[] = "wrote uncompressed copy ";
  for (size_t i = 0; i < prog->nnotes; i++) {
    if (strncmp(prog->notes[i], tag, sizeof tag - 1) != 0) continue;
    const char *path = prog->notes[i] + sizeof tag - 1;
    struct stat st;
    double mb = stat(path, &st) == 0 ? (double)st.st_size / 1048576.0 : 0;
    fprintf(stderr, "kdlua: first use of this debug file: wrote an uncompressed copy, "
            "%s (%.0f MB), so later starts take milliseconds; KDLUA_NO_CACHE=1 turns "
            "this off, KDLUA_CACHE_DIR=DIR puts it elsewhere\n", path, mb);
  }
}

static struct kd_program *open_program(struct options *o) {
  if (o->vmcore == NULL) {
    fprintf(stderr, "kdlua: no dump given (--vmcore FILE)\n");
    exit(EXIT_USAGE);
  }
  add_dump_dirs(o);
  struct kd_program_options po = {
    .vmcore = o->vmcore, .vmlinux = o->vmlinux,
    .debuginfo_dirs = o->dirs, .ndebuginfo_dirs = o->ndirs,
    .force = o->force, .no_modules = o->no_modules, .verbose = o->verbose,
    .no_vmlinux = o->no_vmlinux,
  };
  if (o->no_vmlinux && o->vmlinux) die_usage("--no-vmlinux and --vmlinux exclude each other", "");
  struct kd_program *prog;
  /* opening may take seconds (a first start makes the uncompressed debug
  ** copy and its name index): say what is going on, on a terminal only,
  ** and take the line back once done */
  int tty = isatty(STDERR_FILENO) && !o->verbose;
  if (tty) fprintf(stderr, " Opening %s and its debuginfo ...", o->vmcore);
  struct kd_error *err = kd_program_open(&po, &prog);
  if (tty) fputs("\r\033[K", stderr);
  if (err) {
    fprintf(stderr, "kdlua: %s\n", err->message);
    kd_error_destroy(err);
    exit(EXIT_USAGE);
  }
  if (o->verbose)
    for (size_t i = 0; i < prog->nnotes; i++) fprintf(stderr, "kdlua: %s\n", prog->notes[i]);
  else {
    tell_new_cache_copy(prog);
    if (prog->source_warning) fprintf(stderr, "kdlua: %s\n", prog->source_warning);
  }
  /* a dump cut short still opens, but never silently */
  const char *dw = kd_dump_warning(prog->dump);
  if (dw) fprintf(stderr, "kdlua: warning: %s\n", dw);
  return prog;
}

static int run_command_script(lua_State *L, const char *root, const char *name,
                              int argc, char **argv) {
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/commands/%s.lua", root, name);
  if (access(path, R_OK) != 0) {
    fprintf(stderr, "kdlua: %s: %s (is the scripts root right? --scripts DIR)\n",
            path, strerror(errno));
    exit(EXIT_USAGE);
  }
  return kl_run_file(L, path, argc, argv);
}

/*
** Tear-down at exit.  lua_close must run: it calls the finalizers that
** flush and close files a script left open.  But freeing a report's heap
** (tens of MB of small blocks) and libdw's trees object by object only to
** exit costs ~10-20 ms, so outside the sanitizer build (whose leak check
** wants everything freed) frees become no-ops while the state closes and
** the program's C state is left to the OS.
*/
#if defined(__SANITIZE_ADDRESS__)
#define KD_FREE_AT_EXIT 1
#else
#define KD_FREE_AT_EXIT 0
#endif

static void *exit_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  (void)ud; (void)osize;
  if (nsize == 0) return NULL;          /* the OS takes it back at exit */
  return realloc(ptr, nsize);
}

/* own_ok: one of kdlua's own commands (scripts/commands/) succeeded.  It
** leaves no work for finalizers (its archive is written and closed, its
** files are flushed by exit() as any stdio stream), so even the walk of
** the whole heap that closing the state does with no-op frees (~5 ms
** after a report) is skipped.  Scripts of users always get lua_close. */
static void finish(lua_State *L, struct kd_program *prog, bool own_ok) {
  if (KD_FREE_AT_EXIT) {
    lua_close(L);
    kd_program_close(prog);
    return;
  }
  (void)prog;
  if (own_ok) return;
  lua_setallocf(L, exit_alloc, NULL);
  lua_close(L);
}

int main(int argc, char **argv) {
  struct options o;
  parse(argc, argv, &o);
  if (o.command == NULL && !o.help) {
    char *root = find_scripts_root(o.scripts);
    show_help(stderr, NULL, root, &o);
    exit(EXIT_USAGE);
  }
  char *root = find_scripts_root(o.scripts);
  if (o.help) {                 /* kdlua --help, kdlua BUILTIN --help */
    show_help(stdout, o.command, root, &o);
    exit(0);
  }
  if (strcmp(o.command, "help") == 0) {
    if (o.nrest == 0 || has_help(o.rest[0])) {
      show_help(stdout, o.nrest ? o.rest[0] : NULL, root, &o);
      exit(0);
    }
    /* kdlua help CMD is kdlua CMD --help, whoever implements CMD */
    o.command = o.rest[0];
    o.rest[0] = "--help";
    o.nrest = 1;
  }
  /* batch commands: keep freed memory for reuse; the REPL and gdbserver
  ** live long and keep glibc's habit of giving it back */
  if (strcmp(o.command, "repl") != 0 && strcmp(o.command, "gdbserver") != 0) kd_heap_tune();
  /* built-in commands, then Lua commands under <scripts>/commands/, then
  ** analysis programs (find_program_file) */
  static const char *const known[] = { "run", "-e", "repl", "gdbserver", NULL };
  int ok = 0;
  char program_path[PATH_MAX] = "";
  for (int i = 0; known[i]; i++) ok |= strcmp(known[i], o.command) == 0;
  if (!ok) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/commands/%s.lua", root, o.command);
    if (strchr(o.command, '/') || o.command[0] == '.' ||
        (access(path, R_OK) != 0 &&
         !find_program_file(&o, root, o.command, program_path, sizeof program_path)))
      die_usage("unknown command: ", o.command);
  }
  if (strcmp(o.command, "run") == 0 && o.nrest == 0)
    die_usage("run needs a script: kdlua run SCRIPT.lua", "");
  if (strcmp(o.command, "run") == 0 && access(o.rest[0], R_OK) != 0) {
    fprintf(stderr, "kdlua: %s: %s\n", o.rest[0], strerror(errno));
    exit(EXIT_USAGE);
  }

  /* Lua commands may run without a dump (e.g. `report --list-plugins`);
  ** they find `kd` missing and say so when they need it. */
  struct kd_program *prog = NULL;
  if (o.vmcore != NULL || ok) prog = open_program(&o);
  /* Lua commands and programs (report, info...) read typed kernel objects:
  ** with no types at all (no vmlinux, and no BTF or kallsyms in the dump)
  ** they would fail piece by piece; open_program said what is missing */
  if (prog && !ok && !kd_program_has_types(prog)) {
    if (prog->source_warning == NULL)
      fprintf(stderr, "kdlua: no type information; give --vmlinux FILE\n");
    exit(EXIT_USAGE);
  }
  if (strcmp(o.command, "gdbserver") == 0) {
    int st = kd_gdbserver_main(prog, o.nrest, o.rest);
    kd_program_close(prog);
    free(root);
    free(o.dirs);
    free(o.rest);
    free(o.program_dirs);
    return st;
  }
  kl_chunkcache_init(root);
  lua_State *L = kl_state_new(prog, root, NULL);
  if (L == NULL) {
    fprintf(stderr, "kdlua: cannot create a Lua state\n");
    exit(EXIT_USAGE);
  }
  kl_install_sigint(L);
  kl_open_report(L);            /* require("kdlua.archive"), ("kdlua.sandbox") */
  lua_pushinteger(L, o.verbose);
  lua_setglobal(L, "KDLUA_VERBOSE");
  int status;
  bool own = false;
  if (strcmp(o.command, "run") == 0) {
    status = kl_run_file(L, o.rest[0], o.nrest - 1, o.rest + 1);
  } else if (strcmp(o.command, "-e") == 0) {
    status = kl_run_string(L, o.chunk, "=(command line)");
  } else if (strcmp(o.command, "repl") == 0) {
    char hist[PATH_MAX];
    const char *home = getenv("HOME");
    const char *hp = NULL;
    if (getenv("KDLUA_HISTORY")) hp = getenv("KDLUA_HISTORY");
    else if (home) { snprintf(hist, sizeof hist, "%s/.kdlua_history", home); hp = hist; }
    status = kd_repl_run(L, hp, "=stdin");
  } else if (program_path[0]) {
    status = run_program(L, program_path, o.nrest, o.rest);
  } else {
    status = run_command_script(L, root, o.command, o.nrest, o.rest);
    own = true;
  }
  finish(L, prog, own && status == 0);
  free(root);
  free(o.dirs);
  free(o.rest);
  free(o.program_dirs);
  return status;
}
