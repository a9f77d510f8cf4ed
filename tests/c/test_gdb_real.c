/*
** test_gdb_real.c -- real gdb against the gdbserver, with a fake target.
**
** Two transports: TCP on 127.0.0.1 with an ephemeral port (the server is a
** child process running kd_gdbserver_listen for one session), and
** `target remote | <this executable> --serve-stdio` (pipes).  gdb runs in
** batch mode; its output is checked for thread names, register values,
** memory words, the read-only refusals and the "cannot run" note.  Every
** child gets an alarm(), which survives exec, so nothing can hang ctest.
** Skips (77) when gdb is missing, unless CI=true.
*/
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gdb/gdbserver.h"

#define TIMEOUT 60

static int passed, failed;

static void check(int ok, const char *what) {
  if (ok) passed++;
  else failed++;
  printf("%s %s\n", ok ? "ok  " : "FAIL", what);
  fflush(stdout);
}

/* ------------------------------------------------------ fake target */

#define NTHREADS 3
#define STACK_BASE 0xffffc9000000f000ull
#define STACK_SIZE 0x2000ull             /* a hole follows */
#define RIP_BASE 0xffffffff81234560ull

static const char *const names[NTHREADS] = {
  "CPU #0 pid 0 swapper/0", "CPU #1 pid 386 sh", "pid 7 kw<&>\"q"
};

/* Words of the fake stack; zero past the first 0x200 bytes, so that gdb's
** heuristic unwinder finds a null return address and stops. */
static uint64_t word_at(uint64_t addr) {
  return addr < STACK_BASE + 0x200 ? addr ^ 0x5a5a5a5a00000000ull : 0;
}

static size_t nthreads = NTHREADS;     /* --serve-stdio N changes it */

static size_t fake_nthreads(void *ctx) { return nthreads; }

static void fake_thread_name(void *ctx, size_t idx, char *buf, size_t len) {
  if (idx < NTHREADS) snprintf(buf, len, "%s", names[idx]);
  else snprintf(buf, len, "task %zu", idx);
}

static struct kd_error *fake_regs(void *ctx, size_t idx, uint64_t *v,
                                  int *valid, size_t nregs) {
  v[KD_GDB_REG_RIP] = RIP_BASE + 0x10 * idx;
  v[KD_GDB_REG_RSP] = STACK_BASE + 0x100 + 8 * idx;
  v[KD_GDB_REG_RBP] = STACK_BASE + 0x200;
  v[KD_GDB_REG_RAX] = 0x1111 * (idx + 1);
  v[KD_GDB_REG_EFLAGS] = 0x246;
  v[KD_GDB_REG_CS] = 0x10;
  v[KD_GDB_REG_SS] = 0x18;
  v[KD_GDB_REG_GS_BASE] = 0xffff88807dc00000ull + idx;
  v[KD_GDB_REG_FS_BASE] = 0x7f0000001000ull;
  valid[KD_GDB_REG_RIP] = valid[KD_GDB_REG_RSP] = valid[KD_GDB_REG_RBP] = 1;
  valid[KD_GDB_REG_RAX] = valid[KD_GDB_REG_EFLAGS] = 1;
  valid[KD_GDB_REG_CS] = valid[KD_GDB_REG_SS] = 1;
  valid[KD_GDB_REG_GS_BASE] = valid[KD_GDB_REG_FS_BASE] = 1;
  return NULL;
}

static struct kd_error *fake_read(void *ctx, size_t idx, uint64_t addr,
                                  void *buf, size_t len, size_t *got) {
  uint8_t *out = buf;
  *got = 0;
  for (size_t i = 0; i < len; i++) {
    uint64_t a = addr + i;
    if (a < STACK_BASE || a >= STACK_BASE + STACK_SIZE)
      return kd_error_fault(KD_ERR_FAULT, a, "no page at %#llx",
                            (unsigned long long)a);
    out[i] = (uint8_t)(word_at(a & ~7ull) >> (8 * (a & 7)));
    *got = i + 1;
  }
  return NULL;
}

static size_t fake_initial(void *ctx) { return 1; }

static const struct kd_gdb_target fake = {
  .nthreads = fake_nthreads, .thread_name = fake_thread_name,
  .thread_regs = fake_regs, .read_memory = fake_read,
  .initial_thread = fake_initial
};

/* ------------------------------------------------------------ gdb */

static char *find_gdb(void) {
  const char *env = getenv("GDB");
  if (env && *env) return strdup(env);
  const char *path = getenv("PATH");
  if (path == NULL) path = "/usr/bin:/bin";
  char *copy = strdup(path), *save = NULL, buf[4096];
  for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
    snprintf(buf, sizeof buf, "%s/gdb", d);
    if (access(buf, X_OK) == 0) { free(copy); return strdup(buf); }
  }
  free(copy);
  return NULL;
}

/* Run gdb -batch with the given -ex commands; returns its output (stdout and
** stderr), or NULL. */
static char *run_gdb(const char *gdb, const char *const *cmds) {
  const char *argv[64];
  int n = 0, fds[2];
  argv[n++] = gdb;
  argv[n++] = "-batch";
  argv[n++] = "-nx";
  argv[n++] = "-iex";
  argv[n++] = "set debuginfod enabled off";
  for (int i = 0; cmds[i] && n < 60; i++) {
    argv[n++] = "-ex";
    argv[n++] = cmds[i];
  }
  argv[n] = NULL;
  if (pipe(fds) < 0) return NULL;
  pid_t pid = fork();
  if (pid < 0) return NULL;
  if (pid == 0) {
    alarm(TIMEOUT);
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    close(fds[0]);
    close(fds[1]);
    unsetenv("DEBUGINFOD_URLS");
    execv(gdb, (char *const *)argv);
    _exit(127);
  }
  close(fds[1]);
  size_t len = 0, cap = 65536;
  char *out = malloc(cap + 1), sink[4096];
  for (;;) {
    if (len == cap && cap < (8u << 20)) {
      char *bigger = realloc(out, 2 * cap + 1);
      if (bigger != NULL) { out = bigger; cap *= 2; }
    }
    /* past 8 MiB keep draining so that gdb never blocks on its output */
    ssize_t r = len < cap ? read(fds[0], out + len, cap - len)
                          : read(fds[0], sink, sizeof sink);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    if (len < cap) len += (size_t)r;
  }
  out[len] = '\0';
  close(fds[0]);
  int status;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) printf("gdb killed by signal %d\n", WTERMSIG(status));
  return out;
}

static int contains(const char *out, const char *needle) {
  return out != NULL && strstr(out, needle) != NULL;
}

/* Checks shared by both transports on the output of the standard script. */
static void check_session(const char *out, const char *tag) {
  char what[512], want[128];
#define CHECK(cond, ...) \
  (snprintf(what, sizeof what, __VA_ARGS__), check((cond), what))
  CHECK(!contains(out, "rejected") && !contains(out, "description"),
        "%s: target description accepted", tag);
  for (int i = 0; i < NTHREADS; i++) {
    const char *name = names[i];
    CHECK(contains(out, name), "%s: thread name '%s' listed", tag, name);
  }
  snprintf(want, sizeof want, "%#llx", (unsigned long long)(RIP_BASE + 0x10));
  CHECK(contains(out, want), "%s: rip of the initial thread (%s)", tag, want);
  snprintf(want, sizeof want, "0x%016llx\t0x%016llx",
           (unsigned long long)word_at(STACK_BASE),
           (unsigned long long)word_at(STACK_BASE + 8));
  CHECK(contains(out, want), "%s: memory words (%s)", tag, want);
  snprintf(want, sizeof want, "0x%016llx\tCannot access memory at address %#llx",
           (unsigned long long)word_at(STACK_BASE + STACK_SIZE - 8),
           (unsigned long long)(STACK_BASE + STACK_SIZE));
  CHECK(contains(out, want), "%s: hole reported (%s)", tag, want);
  CHECK(contains(out, "0xffff88807dc00002"), "%s: gs_base of thread 3", tag);
  CHECK(contains(out, "0x7f0000001000"), "%s: fs_base", tag);
  CHECK(contains(out, "#0  0xffffffff81234580 in ?? ()"),
        "%s: bt of thread 3", tag);
  CHECK(contains(out, "cannot run or step"), "%s: continue refused", tag);
  CHECK(contains(out, "stopped.\n0xffffffff81234580 in ?? ()"),
        "%s: stop right after continue", tag);
  CHECK(contains(out, "Cannot access memory at address 0xffffc9000000f000") ||
        contains(out, "Could not write"),
        "%s: memory write refused", tag);
  CHECK(!contains(out, "Remote connection closed") &&
        !contains(out, "Ignoring packet error"), "%s: no protocol trouble",
        tag);
#undef CHECK
}

static void on_listening(const char *addr, void *arg) {
  int fd = *(int *)arg;
  dprintf(fd, "%s\n", addr);
  close(fd);
}

static void test_tcp(const char *gdb) {
  int fds[2];
  if (pipe(fds) < 0) { check(0, "pipe"); return; }
  pid_t server = fork();
  if (server == 0) {
    alarm(TIMEOUT);
    close(fds[0]);
    struct kd_error *err = kd_gdbserver_listen(&fake, "127.0.0.1:0", 1,
                                               on_listening, &fds[1]);
    if (err) fprintf(stderr, "listen: %s\n", err->message);
    _exit(err ? 1 : 0);
  }
  close(fds[1]);
  char addr[128] = "";
  ssize_t r = read(fds[0], addr, sizeof addr - 1);
  close(fds[0]);
  if (r <= 0) { check(0, "tcp: server announces its address"); return; }
  addr[r] = '\0';
  addr[strcspn(addr, "\n")] = '\0';
  printf("server listening on %s\n", addr);
  check(strncmp(addr, "127.0.0.1:", 10) == 0 && strcmp(addr + 10, "0") != 0,
        "tcp: listening on an ephemeral loopback port");

  char target[160];
  snprintf(target, sizeof target, "target remote %s", addr);
  const char *cmds[] = {
    "set architecture i386:x86-64", target, "info threads",
    "info registers rip", "x/2gx 0xffffc9000000f000", "x/2gx 0xffffc90000010ff8",
    "thread 3", "info registers fs_base gs_base", "bt 3", "continue",
    "set var *(long *)0xffffc9000000f000 = 1", "detach", NULL
  };
  char *out = run_gdb(gdb, cmds);
  printf("---- gdb output (tcp)\n%s----\n", out ? out : "(none)");
  check_session(out, "tcp");
  free(out);
  int status;
  waitpid(server, &status, 0);
  check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
        "tcp: server ends after its one session");
}

static void test_stdio(const char *gdb, const char *self) {
  char target[4200];
  snprintf(target, sizeof target, "target remote | '%s' --serve-stdio", self);
  const char *cmds[] = {
    target, "info threads", "info registers rip",
    "x/2gx 0xffffc9000000f000", "x/2gx 0xffffc90000010ff8", "thread 3",
    "info registers fs_base gs_base", "bt 3", "stepi", "continue",
    "set var *(long *)0xffffc9000000f000 = 1", "kill", NULL
  };
  char *out = run_gdb(gdb, cmds);
  printf("---- gdb output (stdio)\n%s----\n", out ? out : "(none)");
  check_session(out, "stdio");
  free(out);
}

/* More threads than fit in one packet of the thread list. */
static void test_many(const char *gdb, const char *self) {
  char target[4200], want[128];
  snprintf(target, sizeof target, "target remote | '%s' --serve-stdio 2000",
           self);
  const char *cmds[] = {
    target, "info threads", "thread 2000", "info registers rip", "detach",
    NULL
  };
  char *out = run_gdb(gdb, cmds);
  size_t lines = 0;
  for (const char *p = out; p && (p = strstr(p, "\n  ")) != NULL; p++) lines++;
  printf("---- gdb output (many threads): %zu bytes, %zu thread lines\n",
         out ? strlen(out) : 0, lines);
  check(lines >= 1999, "many: info threads lists 2000 threads");
  check(contains(out, "Thread 2000 \"task 1999\""), "many: last thread name");
  snprintf(want, sizeof want, "rip            %#llx",
           (unsigned long long)(RIP_BASE + 0x10 * 1999));
  check(contains(out, want), "many: rip of thread 2000");
  free(out);
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--serve-stdio") == 0) {
    alarm(TIMEOUT);
    if (argc > 2) nthreads = (size_t)atol(argv[2]);
    struct kd_error *err = kd_gdbserver_serve_fds(&fake, 0, 1);
    if (err) fprintf(stderr, "serve: %s\n", err->message);
    return err ? 1 : 0;
  }
  alarm(TIMEOUT * 3);
  char *gdb = find_gdb();
  const char *ci = getenv("CI");
  if (gdb == NULL) {
    printf("gdb not found\n");
    return ci && strcmp(ci, "true") == 0 ? 1 : 77;
  }
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) { perror("readlink"); return 1; }
  self[n] = '\0';
  test_tcp(gdb);
  test_stdio(gdb, self);
  test_many(gdb, self);
  free(gdb);
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
