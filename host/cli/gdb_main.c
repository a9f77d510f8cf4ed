/*
** gdb_main.c -- `kdlua gdbserver`: its options, the gdb commands to
** connect, and serving (TCP or stdin/stdout).
**
**   kdlua gdbserver --vmcore F [--vmlinux F] [--listen HOST:PORT | --stdio]
**                   [--mode cpus|tasks|process] [--pid N]
**
** Everything human goes to stderr: with --stdio, stdout is the protocol
** channel, and gdb shows the server's stderr on its console.
*/
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "debuginfo/debugcache.h"
#include "debuginfo/symbols.h"
#include "gdb/gdb_target.h"

#define EXIT_FAILED 1
#define EXIT_USAGE 2

struct gdb_opts {
  const char *listen;     /* NULL: 127.0.0.1:1234 */
  int use_stdio;
  enum kd_gdb_mode mode;
  int mode_given;
  int64_t pid;            /* -1: none */
};

/* What the connect instructions need. */
struct announce {
  struct kd_program *prog;
  struct kd_gdb_dump *dump;
  const struct gdb_opts *o;
};

/* One line, so that scripts and gdb's console show the reason plainly. */
static int usage_error(const char *what, const char *arg) {
  fprintf(stderr, "kdlua: gdbserver: %s%s (kdlua help gdbserver)\n", what,
          arg);
  return EXIT_USAGE;
}

/* Errors of gdbserver.c already start with "gdbserver:". */
static void print_error(const struct kd_error *err) {
  const char *m = err->message;
  fprintf(stderr, "kdlua: %s%s\n",
          strncmp(m, "gdbserver:", 10) == 0 ? "" : "gdbserver: ", m);
}

/* `--name VALUE` or `--name=VALUE`; returns the value or NULL, advancing *i. */
static const char *option_value(int argc, char **argv, int *i,
                                const char *name, int *missing) {
  size_t n = strlen(name);
  const char *a = argv[*i];
  if (strncmp(a, name, n) != 0) return NULL;
  if (a[n] == '=') return a + n + 1;
  if (a[n] != '\0') return NULL;
  if (*i + 1 >= argc) { *missing = 1; return NULL; }
  return argv[++*i];
}

static int parse_options(int argc, char **argv, struct gdb_opts *o) {
  memset(o, 0, sizeof *o);
  o->pid = -1;
  for (int i = 0; i < argc; i++) {
    const char *v;
    int missing = 0;
    if ((v = option_value(argc, argv, &i, "--listen", &missing))) {
      o->listen = v;
    } else if ((v = option_value(argc, argv, &i, "--mode", &missing))) {
      if (strcmp(v, "cpus") == 0) o->mode = KD_GDB_MODE_CPUS;
      else if (strcmp(v, "tasks") == 0) o->mode = KD_GDB_MODE_TASKS;
      else if (strcmp(v, "process") == 0) o->mode = KD_GDB_MODE_PROCESS;
      else return usage_error("unknown mode (cpus, tasks or process): ", v);
      o->mode_given = 1;
    } else if ((v = option_value(argc, argv, &i, "--pid", &missing))) {
      char *end;
      errno = 0;
      long long p = strtoll(v, &end, 10);
      if (*v == '\0' || *end != '\0' || errno || p < 0 || p > INT32_MAX)
        return usage_error("bad --pid: ", v);
      o->pid = p;
    } else if (missing) {
      return usage_error("missing argument for option ", argv[i]);
    } else if (strcmp(argv[i], "--stdio") == 0) {
      o->use_stdio = 1;
    } else {
      return usage_error(argv[i][0] == '-' ? "unknown option " :
                         "unexpected argument ", argv[i]);
    }
  }
  if (o->use_stdio && o->listen)
    return usage_error("--listen and --stdio exclude each other", "");
  /* --pid says process mode by itself */
  if (o->pid >= 0 && !o->mode_given) o->mode = KD_GDB_MODE_PROCESS;
  if (o->pid >= 0 && o->mode != KD_GDB_MODE_PROCESS)
    return usage_error("--pid goes with --mode process", "");
  if (o->mode == KD_GDB_MODE_PROCESS && o->pid < 0)
    return usage_error("--mode process needs --pid N", "");
  return 0;
}

/* Print s for /bin/sh (gdb runs `target remote | CMD` through it). */
static void put_shell_word(FILE *f, const char *s) {
  if (*s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                      "0123456789_./:=@%+,-") == strlen(s)) {
    fputs(s, f);
    return;
  }
  fputc('\'', f);
  for (; *s; s++) {
    if (*s == '\'') fputs("'\\''", f);
    else fputc(*s, f);
  }
  fputc('\'', f);
}

/* An absolute path for the command line, or path itself. */
static void put_path(FILE *f, const char *path) {
  char *abs = realpath(path, NULL);
  put_shell_word(f, abs ? abs : path);
  free(abs);
}

static const char *mode_name(enum kd_gdb_mode m) {
  return m == KD_GDB_MODE_CPUS ? "cpus" : m == KD_GDB_MODE_TASKS ? "tasks"
                                                                 : "process";
}

/* `kdlua gdbserver --stdio ...` as it would rebuild this server. */
static void put_stdio_command(FILE *f, const struct announce *a) {
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) exe[n] = '\0';
  else snprintf(exe, sizeof exe, "kdlua");
  put_shell_word(f, exe);
  fprintf(f, " gdbserver --stdio --mode %s", mode_name(a->o->mode));
  if (a->o->mode == KD_GDB_MODE_PROCESS)
    fprintf(f, " --pid %" PRId64, a->o->pid);
  fputs(" --vmcore ", f);
  put_path(f, kd_dump_path(a->prog->dump));
  if (a->prog->vmlinux_path) {
    fputs(" --vmlinux ", f);
    put_path(f, a->prog->vmlinux_path);
  }
  for (size_t i = 0; i < a->prog->opts.ndebuginfo_dirs; i++) {
    fputs(" --debuginfo-dir ", f);
    put_path(f, a->prog->opts.debuginfo_dirs[i]);
  }
  if (a->prog->opts.force) fputs(" --force", f);
  if (a->prog->opts.no_modules) fputs(" --no-modules", f);
}

/*
** The gdb commands to connect: the symbol file first (the vmlinux moved by
** the KASLR offset, or the process's executable), then `target remote`.
** addr is the TCP address, NULL for --stdio.
*/
/*
** Without a vmlinux, gdb can still name functions and variables: write the
** symbols kdlua took from the dump's kallsyms as an ELF file of symbols
** only (once per kernel build, in the cache directory) for `symbol-file`.
*/
static int kallsyms_elf(struct kd_program *prog, char *path, size_t len) {
  const char *id = kd_dump_vmcoreinfo(prog->dump, "BUILD-ID");
  if (prog->type_source == NULL || strcmp(prog->type_source, "BTF") != 0 ||
      prog->cache_dir == NULL || id == NULL || kd_make_dirs(prog->cache_dir) != 0)
    return 0;
  snprintf(path, len, "%s/%s-kallsyms.elf", prog->cache_dir, id);
  if (access(path, R_OK) == 0) return 1;
  struct kd_error *err = kd_symtab_write_elf(prog->symtab, path);
  if (err == NULL) return 1;
  fprintf(stderr, "kdlua: gdbserver: %s\n", err->message);
  kd_error_destroy(err);
  return 0;
}

static void announce(const struct announce *a, const char *addr) {
  FILE *f = stderr;
  char elf_path[PATH_MAX];
  size_t init = kd_gdb_dump_initial(a->dump);
  const struct kd_gdb_target *t = kd_gdb_dump_target(a->dump);
  char name[256];
  t->thread_name(t->ctx, init, name, sizeof name);
  fprintf(f, "kdlua: gdbserver: mode %s, %zu threads, current thread %zu "
          "(%s)\n", mode_name(a->o->mode), kd_gdb_dump_nthreads(a->dump),
          init + 1, name);
  if (addr) fprintf(f, "kdlua: gdbserver: listening on %s\n", addr);
  fprintf(f, "kdlua: gdb commands to connect:\n");
  if (a->o->mode == KD_GDB_MODE_PROCESS) {
    char *exe = kd_gdb_dump_exec_path(a->dump);
    fprintf(f, "  # the process's executable was %s: give gdb a copy of the "
            "same binary\n", exe ? exe : "unknown");
    fputs("  file ", f);
    put_shell_word(f, exe ? exe : "EXECUTABLE");
    fputc('\n', f);
    free(exe);
  } else if (a->prog->vmlinux_path) {
    fputs("  file ", f);
    put_path(f, a->prog->vmlinux_path);
    uint64_t off = kd_dump_kaslr_offset(a->prog->dump);
    if (off) fprintf(f, " -o 0x%" PRIx64, off);
    fputc('\n', f);
  } else if (kallsyms_elf(a->prog, elf_path, sizeof elf_path)) {
    fprintf(f, "  # no vmlinux: the kernel's symbols from the dump's kallsyms "
            "(functions and variables, no types or lines)\n  symbol-file ");
    put_path(f, elf_path);
    fputc('\n', f);
  } else {
    fprintf(f, "  # no vmlinux found: load the one of this kernel with "
            "file VMLINUX -o 0x%" PRIx64 "\n",
            kd_dump_kaslr_offset(a->prog->dump));
  }
  if (addr) {
    fprintf(f, "  target remote %s\n", addr);
  } else {
    fputs("  target remote | ", f);
    put_stdio_command(f, a);
    fputc('\n', f);
  }
  fflush(f);
}

static void on_listening(const char *addr, void *arg) {
  announce(arg, addr);
}

int kd_gdbserver_main(struct kd_program *prog, int argc, char **argv) {
  struct gdb_opts o;
  int status = parse_options(argc, argv, &o);
  if (status) return status;
  struct kd_gdb_dump *dump;
  struct kd_error *err = kd_gdb_dump_open(prog, o.mode, o.pid, &dump);
  if (err) {
    print_error(err);
    kd_error_destroy(err);
    return EXIT_USAGE;
  }
  struct announce a = { prog, dump, &o };
  const struct kd_gdb_target *t = kd_gdb_dump_target(dump);
  status = 0;
  if (o.use_stdio) {
    /* Keep the protocol channel to ourselves: anything a library prints
    ** to stdout would corrupt it, so fd 1 becomes stderr while serving. */
    int out = dup(1);
    if (out < 0 || dup2(2, 1) < 0) {
      fprintf(stderr, "kdlua: gdbserver: %s\n", strerror(errno));
      kd_gdb_dump_close(dump);
      return EXIT_FAILED;
    }
    announce(&a, NULL);
    err = kd_gdbserver_serve_fds(t, 0, out);
    close(out);
    if (err) status = EXIT_FAILED;
  } else {
    err = kd_gdbserver_listen(t, o.listen, 0, on_listening, &a);
    if (err) status = EXIT_USAGE;    /* cannot listen there */
  }
  if (err) {
    print_error(err);
    kd_error_destroy(err);
  }
  kd_gdb_dump_close(dump);
  return status;
}
