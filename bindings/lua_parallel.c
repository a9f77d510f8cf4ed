/*
** lua_parallel.c -- module kdlua.parallel: the few process primitives the
** report needs to run emitters in worker processes (-j N).
**
**   local P = require("kdlua.parallel")
**   P.cpus()            CPUs this process may run on (sched_getaffinity)
**   P.shared(n)         n integer slots in memory shared with children
**                       forked later: s:add(i, d) -> old value (atomic),
**                       s:get(i), s:set(i, v); i is 1-based
**   P.fork()            flushes stdio, forks: 0 in the child, the child's
**                       pid in the parent; nil, message on failure
**   P.exit(code)        leave a child at once (_exit: no atexit handlers,
**                       no second flush of buffers the parent owns)
**   P.wait(pid [, nohang])  "exited", status | "signaled", signal number;
**                       with nohang, "running" while the child still runs
**   P.wait_any(pids, timeout)  the first of the children in the list to
**                       end: pid, "exited"|"signaled", code; or nil after
**                       `timeout` seconds (never reaps any other child)
**   P.kill(pid)         SIGKILL (a parent that fails takes its workers down)
**   P.pid()             this process's id
**   P.maxrss()          this process's peak resident set size, bytes
**
** Why processes and not threads: the C core (dump page cache, lazily built
** types, libdw, libkdumpfile) is single-threaded by design.  A forked
** child shares the dump, the debuginfo mappings and everything the parent
** already resolved copy-on-write, and libkdumpfile and libelf read with
** pread, so parent and child never race on a file offset.
*/
#define _GNU_SOURCE
#include <errno.h>
#include <lauxlib.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lua_report.h"

#define SHARED_MT "kdlua.parallel.shared"

struct shared {
  _Atomic long long *slots;
  lua_Integer n;
};

static int p_cpus(lua_State *L) {
  cpu_set_t set;
  int n = 1;
  if (sched_getaffinity(0, sizeof set, &set) == 0) n = CPU_COUNT(&set);
  lua_pushinteger(L, n > 0 ? n : 1);
  return 1;
}

static int p_shared(lua_State *L) {
  lua_Integer n = luaL_checkinteger(L, 1);
  luaL_argcheck(L, n > 0 && n <= 1 << 20, 1, "slot count out of range");
  struct shared *s = lua_newuserdatauv(L, sizeof *s, 0);
  s->slots = NULL;
  s->n = 0;
  luaL_setmetatable(L, SHARED_MT);
  void *p = mmap(NULL, (size_t)n * sizeof *s->slots, PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return luaL_error(L, "shared memory: %s", strerror(errno));
  s->slots = p;   /* mmap gives zeroed pages: every slot starts at 0 */
  s->n = n;
  return 1;
}

static _Atomic long long *slot(lua_State *L) {
  struct shared *s = luaL_checkudata(L, 1, SHARED_MT);
  lua_Integer i = luaL_checkinteger(L, 2);
  luaL_argcheck(L, s->slots != NULL && i >= 1 && i <= s->n, 2, "no such slot");
  return &s->slots[i - 1];
}

static int sh_add(lua_State *L) {
  _Atomic long long *p = slot(L);
  lua_pushinteger(L, (lua_Integer)atomic_fetch_add(p, (long long)luaL_checkinteger(L, 3)));
  return 1;
}

static int sh_get(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)atomic_load(slot(L)));
  return 1;
}

static int sh_set(lua_State *L) {
  _Atomic long long *p = slot(L);
  atomic_store(p, (long long)luaL_checkinteger(L, 3));
  return 0;
}

static int sh_gc(lua_State *L) {
  struct shared *s = luaL_checkudata(L, 1, SHARED_MT);
  if (s->slots) munmap((void *)s->slots, (size_t)s->n * sizeof *s->slots);
  s->slots = NULL;
  return 0;
}

static int p_fork(lua_State *L) {
  fflush(NULL);   /* or the child would write the parent's buffers again */
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    /* P.wait_any blocks SIGCHLD in the parent; the child starts clean */
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGCHLD);
    sigprocmask(SIG_UNBLOCK, &s, NULL);
    /* a worker never outlives the report: when the parent dies (SIGTERM,
    ** SIGKILL, a crash) its workers go too instead of running on */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);   /* it died before prctl took */
  }
  if (pid < 0) {
    lua_pushnil(L);
    lua_pushfstring(L, "fork: %s", strerror(errno));
    return 2;
  }
  lua_pushinteger(L, pid);
  return 1;
}

static int p_exit(lua_State *L) {
  _exit((int)luaL_optinteger(L, 1, 0));
}

static int p_wait(lua_State *L) {
  pid_t pid = (pid_t)luaL_checkinteger(L, 1);
  int nohang = lua_toboolean(L, 2);
  int st;
  pid_t r;
  do r = waitpid(pid, &st, nohang ? WNOHANG : 0); while (r < 0 && errno == EINTR);
  if (r == 0) {
    lua_pushliteral(L, "running");
    return 1;
  }
  if (r < 0) {
    lua_pushnil(L);
    lua_pushfstring(L, "waitpid: %s", strerror(errno));
    return 2;
  }
  if (WIFSIGNALED(st)) {
    lua_pushliteral(L, "signaled");
    lua_pushinteger(L, WTERMSIG(st));
  } else {
    lua_pushliteral(L, "exited");
    lua_pushinteger(L, WEXITSTATUS(st));
  }
  return 2;
}

static void push_status(lua_State *L, int st) {
  if (WIFSIGNALED(st)) {
    lua_pushliteral(L, "signaled");
    lua_pushinteger(L, WTERMSIG(st));
  } else {
    lua_pushliteral(L, "exited");
    lua_pushinteger(L, WEXITSTATUS(st));
  }
}

/*
** Wait for one of the listed children, at most `timeout` seconds.  SIGCHLD
** is blocked while we look, so a child that ends after the look leaves the
** signal pending and sigtimedwait returns at once: no lost wake-up, no
** polling.  Only the listed pids are reaped (waitpid(-1) would take the
** report's other children, whose owners wait for them by pid).
*/
static int p_wait_any(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_Number timeout = luaL_checknumber(L, 2);
  lua_Integer n = luaL_len(L, 1);
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  sigset_t chld, old;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, &old);
  for (;;) {
    for (lua_Integer i = 1; i <= n; i++) {
      lua_geti(L, 1, i);
      pid_t pid = (pid_t)lua_tointeger(L, -1);
      lua_pop(L, 1);
      int st;
      pid_t r;
      do r = waitpid(pid, &st, WNOHANG); while (r < 0 && errno == EINTR);
      if (r == pid) {
        sigprocmask(SIG_SETMASK, &old, NULL);
        lua_pushinteger(L, pid);
        push_status(L, st);
        return 3;
      }
    }
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double left = timeout - ((double)(now.tv_sec - t0.tv_sec) +
                             (double)(now.tv_nsec - t0.tv_nsec) / 1e9);
    if (left <= 0 || n == 0) break;
    struct timespec ts = { (time_t)left, (long)((left - (double)(time_t)left) * 1e9) };
    sigtimedwait(&chld, NULL, &ts);   /* a child ended, or time is up */
  }
  sigprocmask(SIG_SETMASK, &old, NULL);
  lua_pushnil(L);
  return 1;
}

static int p_kill(lua_State *L) {
  lua_pushboolean(L, kill((pid_t)luaL_checkinteger(L, 1), SIGKILL) == 0);
  return 1;
}

static int p_pid(lua_State *L) {
  lua_pushinteger(L, getpid());
  return 1;
}

static int p_maxrss(lua_State *L) {
  struct rusage ru;
  lua_Integer kb = getrusage(RUSAGE_SELF, &ru) == 0 ? (lua_Integer)ru.ru_maxrss : 0;
  lua_pushinteger(L, kb * 1024);
  return 1;
}

int luaopen_kdlua_parallel(lua_State *L) {
  static const luaL_Reg shared_methods[] = {
    { "add", sh_add }, { "get", sh_get }, { "set", sh_set }, { NULL, NULL }
  };
  static const luaL_Reg funcs[] = {
    { "cpus", p_cpus }, { "shared", p_shared }, { "fork", p_fork },
    { "exit", p_exit }, { "wait", p_wait }, { "wait_any", p_wait_any },
    { "kill", p_kill }, { "pid", p_pid },
    { "maxrss", p_maxrss },
    { NULL, NULL }
  };
  if (luaL_newmetatable(L, SHARED_MT)) {
    luaL_newlib(L, shared_methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, sh_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_pop(L, 1);
  luaL_newlib(L, funcs);
  return 1;
}
