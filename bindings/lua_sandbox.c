/*
** lua_sandbox.c -- module kdlua.sandbox: run one function under a time and
** a memory budget, so that a broken emitter fails alone.
**
**   local S = require("kdlua.sandbox")
**   S.run({time = seconds, memory = bytes [, budget = seconds]}, fn, ...)
**       -> true, results...   |   false, kind, message
**          kind: "error", "timeout" or "memory"; message has a traceback;
**          `budget` is the figure the timeout message names (default: time);
**          `linger = true` leaves the deadline timer armed when the run
**          returns (see below; S.disarm() ends it)
**   S.now()      wall clock, seconds since the epoch (microseconds)
**   S.clock()    monotonic seconds
**   S.disarm()   ends a deadline timer a run with `linger` left armed
**   S.isatty(fd) true if fd is a terminal
**
** Memory: the state's allocator is wrapped (lua_setallocf) by a counting
** one that refuses growth past the budget while a run is active, so a
** memory bomb gets a Lua memory error instead of the machine's memory.
** The wrapper forwards to whatever allocator the state had, so lua_host.c
** needs no change.
**
** Time: a timer (timer_create, CLOCK_MONOTONIC) armed for the deadline
** raises SIGALRM; its handler sets a hook on the running Lua thread, which
** raises the timeout at the next instruction.  Until then no hook is set,
** so the emitter's instructions run at full speed (a count hook makes every
** instruction of the VM call the hook machinery: ~20-25% of a Lua-bound
** emitter's time).  Once the budget is spent the hook re-arms itself for
** every line and instruction and raises each time, so an emitter that wraps
** its loop in pcall still cannot swallow the timeout: the next instruction
** after the pcall raises again.  Hooks belong to one Lua thread, and the
** handler cannot ask which coroutine runs: coroutine.resume and
** coroutine.wrap are replaced (same behaviour) by versions that keep the
** chain of resumed coroutines where the handler finds it.  A function that
** returns after its deadline anyway (it was in C, or its coroutine.resume
** caught the error) fails with "timeout" all the same.  What the hook
** cannot stop -- a C function that never returns -- is the report's
** supervisor's to end (report/workers.lua).  Where no timer can be made,
** the old way: a count hook that looks at the clock every 1000
** instructions.
**
** A report runs ~16 emitters per task, each for a few microseconds; two
** timer_settime calls per run were a third of the sandbox's own cost.  A
** run with `linger` leaves the timer armed when it returns, and a run
** whose deadline is no earlier than the armed one keeps it: a timer that
** fires before the running function's deadline (an earlier run's) is
** re-armed by the handler for the right one.  Between runs the handler
** finds no run and does nothing.  The report's unit of work runs its
** instances with `linger` and disarms once after the last.
*/
#include <lauxlib.h>
#include <lualib.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lua_host.h"
#include "lua_kd.h"
#include "lua_report.h"

struct guard {
  lua_Alloc f;            /* the state's own allocator */
  void *ud;
  int64_t delta;          /* net bytes allocated since the wrapper went in */
  int64_t ceiling;        /* while limited, refuse growth past this delta */
  bool limited, tripped;
  double deadline;        /* monotonic seconds; 0: no time budget */
  double timeout;
  bool expired;
  struct guard *next;
};

/* One per state that ever used the sandbox; never freed (the allocator
** needs it until lua_close returns), but always reachable from here. */
static struct guard *guards;

/* {====== the deadline timer ====== */

/* What the SIGALRM handler reaches: the guard of the innermost run, the
** thread that called it, and the coroutines resumed from there, innermost
** last.  Written by the running code, read by the handler: each slot is
** filled before the depth that exposes it. */
#define MAX_RESUMED 64
static struct guard *volatile timed_guard;
static lua_State *volatile timed_thread;
static lua_State *volatile resumed[MAX_RESUMED];
static volatile sig_atomic_t nresumed;

static timer_t deadline_timer;
/* 0: not made yet in this process (timers are not inherited by fork: a
** child starts again from 0, see forget_timer); 1: made; -1: none to be had */
static volatile sig_atomic_t timer_state;
/* the monotonic deadline the timer is armed for; 0: disarmed (or fired) */
static volatile double armed_for;

static void set_timer(double deadline);
static double clock_of(clockid_t id);

static void budget_hook(lua_State *L, lua_Debug *ar);

static void arm_hook(lua_State *L) {
  lua_sethook(L, budget_hook, LUA_MASKLINE | LUA_MASKCOUNT, 1);
}

/* Setting a hook is all a signal handler may do to a Lua state (lua.c's
** SIGINT handler does the same); the hook raises the error. */
static void on_deadline(int sig) {
  (void)sig;
  armed_for = 0;                              /* a timer fires once */
  struct guard *g = timed_guard;
  lua_State *L = timed_thread;
  if (g == NULL || L == NULL) return;         /* a late signal: run over */
  if (g->deadline == 0) return;               /* this run has no budget */
  /* armed for an earlier run's deadline: armed again for this one's
  ** (clock_gettime and timer_settime are async-signal-safe) */
  if (clock_of(CLOCK_MONOTONIC) < g->deadline) {
    set_timer(g->deadline);
    return;
  }
  g->expired = true;
  arm_hook(L);
  sig_atomic_t n = nresumed;
  for (sig_atomic_t i = 0; i < n && i < MAX_RESUMED; i++) arm_hook(resumed[i]);
}

/* in a child of fork: the parent's timer is not this process's */
static void forget_timer(void) {
  timer_state = 0;
  armed_for = 0;
}

/* The process's deadline timer, made on first use (again in a forked
** child); false if the system has none, and the count hook is used.
** (Which process this is was asked with getpid() on every run: a system
** call each time; a fork handler says it instead.) */
static bool have_timer(void) {
  if (timer_state != 0) return timer_state > 0;
  static bool fork_handler;
  if (!fork_handler) {
    if (pthread_atfork(NULL, NULL, forget_timer) != 0) {
      timer_state = -1;               /* no way to tell a child: no timer */
      return false;
    }
    fork_handler = true;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_deadline;
  sa.sa_flags = SA_RESTART;           /* the dump's reads go on undisturbed */
  sigemptyset(&sa.sa_mask);
  struct sigevent sev;
  memset(&sev, 0, sizeof sev);
  sev.sigev_notify = SIGEV_SIGNAL;
  sev.sigev_signo = SIGALRM;
  if (sigaction(SIGALRM, &sa, NULL) != 0 ||
      timer_create(CLOCK_MONOTONIC, &sev, &deadline_timer) != 0) {
    timer_state = -1;
    return false;
  }
  timer_state = 1;
  return true;
}

/* Arm the timer for a monotonic deadline in seconds; 0 disarms it. */
static void set_timer(double deadline) {
  armed_for = deadline;
  struct itimerspec its;
  memset(&its, 0, sizeof its);
  if (deadline > 0) {
    its.it_value.tv_sec = (time_t)deadline;
    its.it_value.tv_nsec = (long)((deadline - (double)its.it_value.tv_sec) * 1e9);
    if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0) its.it_value.tv_nsec = 1;
  }
  timer_settime(deadline_timer, TIMER_ABSTIME, &its, NULL);
}

/* coroutine.resume, keeping the chain of running coroutines for the
** handler: true, results... | false, error */
static int resume_tracked(lua_State *L, lua_State *co, int narg) {
  if (lua_status(co) == LUA_OK && lua_gettop(co) == 0) {
    lua_pushliteral(L, "cannot resume dead coroutine");
    return -1;
  }
  if (!lua_checkstack(co, narg)) {
    lua_pushliteral(L, "too many arguments to resume");
    return -1;
  }
  lua_xmove(L, co, narg);
  sig_atomic_t depth = nresumed;
  if (depth < MAX_RESUMED) {
    resumed[depth] = co;
    nresumed = depth + 1;
  }
  /* the deadline passed while it was suspended: it raises at once */
  struct guard *g = timed_guard;
  if (g != NULL && g->expired) arm_hook(co);
  int nres;
  int status = lua_resume(co, L, narg, &nres);
  nresumed = depth;
  if (status == LUA_OK || status == LUA_YIELD) {
    if (!lua_checkstack(L, nres + 1)) {
      lua_pop(co, nres);
      lua_pushliteral(L, "too many results to resume");
      return -1;
    }
    lua_xmove(co, L, nres);
    return nres;
  }
  lua_xmove(co, L, 1);                /* the error object */
  return -1;
}

static int co_resume(lua_State *L) {
  lua_State *co = lua_tothread(L, 1);
  luaL_argexpected(L, co, 1, "coroutine");
  int r = resume_tracked(L, co, lua_gettop(L) - 1);
  if (r < 0) {
    lua_pushboolean(L, 0);
    lua_insert(L, -2);
    return 2;
  }
  lua_pushboolean(L, 1);
  lua_insert(L, -(r + 1));
  return r + 1;
}

static int co_wrapped(lua_State *L) {
  lua_State *co = lua_tothread(L, lua_upvalueindex(1));
  int r = resume_tracked(L, co, lua_gettop(L));
  if (r >= 0) return r;
  int st = lua_status(co);
  if (st != LUA_OK && st != LUA_YIELD) {  /* it died of the error */
    lua_resetthread(co);              /* closes its to-be-closed variables */
    lua_settop(co, 0);                /* leaves the error there: dead now */
  }
  if (lua_type(L, -1) == LUA_TSTRING) {  /* where the wrapper was called */
    luaL_where(L, 1);
    lua_insert(L, -2);
    lua_concat(L, 2);
  }
  return lua_error(L);
}

static int co_wrap(lua_State *L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  lua_State *co = lua_newthread(L);
  lua_pushvalue(L, 1);
  lua_xmove(L, co, 1);
  lua_pushcclosure(L, co_wrapped, 1);
  return 1;
}

/* }====== */

static void *guard_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  struct guard *g = ud;
  size_t old = ptr ? osize : 0;   /* with ptr NULL, osize is a type tag */
  if (g->limited && nsize > old && g->delta + (int64_t)(nsize - old) > g->ceiling) {
    g->tripped = true;
    return NULL;
  }
  void *p = g->f(g->ud, ptr, osize, nsize);
  if (p != NULL || nsize == 0) g->delta += (int64_t)nsize - (int64_t)old;
  return p;
}

static struct guard *get_guard(lua_State *L) {
  void *ud;
  if (lua_getallocf(L, &ud) == guard_alloc) return ud;
  struct guard *g = calloc(1, sizeof *g);
  if (g == NULL) {
    luaL_error(L, "sandbox: out of memory");
    return NULL;
  }
  g->f = lua_getallocf(L, &g->ud);
  g->next = guards;
  guards = g;
  lua_setallocf(L, guard_alloc, g);
  return g;
}

static double clock_of(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void budget_hook(lua_State *L, lua_Debug *ar) {
  (void)ar;
  void *ud;
  if (lua_getallocf(L, &ud) != guard_alloc) return;
  struct guard *g = ud;
  if (!g->expired) {
    if (g->deadline == 0 || clock_of(CLOCK_MONOTONIC) < g->deadline) return;
    g->expired = true;
  }
  /* (re-)arm on whichever thread got here: coroutines carry their own hook */
  arm_hook(L);
  char msg[64];
  snprintf(msg, sizeof msg, "time budget of %g s exceeded", g->timeout);
  luaL_error(L, "%s", msg);
}

/* The error is leaving the sandboxed function: lift both budgets so the
** traceback can be built, then reuse the host's handler. */
static int sandbox_msgh(lua_State *L) {
  void *ud;
  if (lua_getallocf(L, &ud) == guard_alloc) {
    struct guard *g = ud;
    g->limited = false;
    g->deadline = 0;
  }
  timed_guard = NULL;                 /* no more hooks from the timer */
  lua_sethook(L, NULL, 0, 0);
  return kl_msghandler(L);
}

static int s_run(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  lua_getfield(L, 1, "time");
  lua_Number secs = luaL_optnumber(L, -1, 0);
  lua_getfield(L, 1, "memory");
  lua_Integer bytes = luaL_optinteger(L, -1, 0);
  lua_getfield(L, 1, "budget");       /* what the timeout message names */
  lua_Number shown = luaL_optnumber(L, -1, secs);
  lua_getfield(L, 1, "linger");
  bool linger = lua_toboolean(L, -1);
  lua_pop(L, 4);
  struct guard *g = get_guard(L);
  struct guard saved = *g;            /* nested runs restore the outer one */
  lua_Hook oldhook = lua_gethook(L);
  int oldmask = lua_gethookmask(L), oldcount = lua_gethookcount(L);
  int nargs = lua_gettop(L) - 2;
  lua_pushcfunction(L, sandbox_msgh);
  lua_insert(L, 2);                   /* limits, msgh, fn, args... */
  struct guard *saved_timed = timed_guard;
  lua_State *saved_thread = timed_thread;
  sig_atomic_t saved_resumed = nresumed;
  bool timed = have_timer();
  /* the handler sees no half-made run (g is the outer run's too) */
  if (timed) timed_guard = NULL;
  g->tripped = false;
  g->expired = false;
  g->timeout = shown;
  g->deadline = secs > 0 ? clock_of(CLOCK_MONOTONIC) + secs : 0;
  if (bytes > 0) {
    g->limited = true;
    g->ceiling = g->delta + bytes;
  } else {
    g->limited = false;
  }
  if (timed) {
    timed_thread = L;
    nresumed = 0;
    timed_guard = g;
    /* armed already for this deadline or an earlier one: kept (the
    ** handler re-arms it should it fire first); a run without a budget
    ** leaves an armed timer be, the handler ignores it */
    double armed = armed_for;
    if (g->deadline > 0 && (armed == 0 || g->deadline < armed)) set_timer(g->deadline);
    else if (g->deadline == 0 && armed != 0 && !linger) set_timer(0);
  } else {
    lua_sethook(L, budget_hook, LUA_MASKCOUNT, 1000);
  }
  double started = clock_of(CLOCK_MONOTONIC);
  int status = lua_pcall(L, nargs, LUA_MULTRET, 2);
  if (timed) timed_guard = NULL;      /* the handler leaves this run be */
  bool expired = g->expired, tripped = g->tripped;
  /* A function that returns after its deadline is over budget too: it
  ** spent the time in C, where the hook never fires, or it caught the
  ** timeout error (in a coroutine, whose resume returns it as a value)
  ** and returned before the hook's next look.  Its results are dropped. */
  double finished = clock_of(CLOCK_MONOTONIC);
  bool late = g->deadline != 0 && finished >= g->deadline;
  /* the outer run's budgets (and hook) are back before the handler can
  ** see the outer run again: a timer firing in between finds its deadline */
  g->limited = saved.limited;
  g->ceiling = saved.ceiling;
  g->deadline = saved.deadline;
  g->timeout = saved.timeout;
  g->expired = saved.expired;
  g->tripped = saved.tripped;
  lua_sethook(L, oldhook, oldmask, oldcount);
  if (timed) {
    /* the outer run's deadline, if it is earlier than the armed one;
    ** none: disarmed, unless asked to linger */
    double armed = armed_for;
    if (saved.deadline > 0) {
      if (armed == 0 || saved.deadline < armed) set_timer(saved.deadline);
    } else if (armed != 0 && !linger) {
      set_timer(0);
    }
    nresumed = saved_resumed;
    timed_thread = saved_thread;
    timed_guard = saved_timed;
  }
  if (status == LUA_OK && (expired || late)) {
    lua_settop(L, 2);
    lua_pushboolean(L, 0);
    lua_pushliteral(L, "timeout");
    char msg[96];
    snprintf(msg, sizeof msg, "time budget of %g s exceeded (it returned after %.1f s)",
             (double)shown, finished - started);
    lua_pushstring(L, msg);
    return 3;
  }
  if (status == LUA_OK) {
    int nres = lua_gettop(L) - 2;
    lua_pushboolean(L, 1);
    lua_rotate(L, 3, 1);              /* true before the results */
    return nres + 1;
  }
  /* the guard refused an allocation: whatever error that became (a plain
  ** "not enough memory" error when lauxlib's buffer could not grow, say),
  ** the budget is the cause */
  const char *kind = tripped ? "memory" : expired ? "timeout" : "error";
  if (!lua_isstring(L, -1)) {         /* LUA_ERRMEM/ERRERR skip the handler */
    lua_pop(L, 1);
    lua_pushliteral(L, "(error object is not a string)");
  }
  lua_pushboolean(L, 0);
  lua_pushstring(L, kind);
  lua_rotate(L, -3, 2);               /* false, kind, message */
  if (tripped) lua_gc(L, LUA_GCCOLLECT);  /* give the bomb's garbage back now */
  return 3;
}

/* no run is going on: a lingering timer is stopped */
static int s_disarm(lua_State *L) {
  (void)L;
  if (timer_state > 0 && timed_guard == NULL && armed_for != 0) set_timer(0);
  return 0;
}

static int s_now(lua_State *L) {
  lua_pushnumber(L, clock_of(CLOCK_REALTIME));
  return 1;
}

static int s_clock(lua_State *L) {
  lua_pushnumber(L, clock_of(CLOCK_MONOTONIC));
  return 1;
}

static int s_isatty(lua_State *L) {
  lua_pushboolean(L, isatty((int)luaL_checkinteger(L, 1)));
  return 1;
}

/* bytes allocated through the sandbox wrapper since it went in */
static int s_memory(lua_State *L) {
  void *ud;
  lua_Integer n = 0;
  if (lua_getallocf(L, &ud) == guard_alloc) n = (lua_Integer)((struct guard *)ud)->delta;
  lua_pushinteger(L, n);
  return 1;
}

int luaopen_kdlua_sandbox(lua_State *L) {
  static const luaL_Reg funcs[] = {
    { "run", s_run }, { "now", s_now }, { "clock", s_clock }, { "isatty", s_isatty },
    { "memory", s_memory }, { "disarm", s_disarm }, { NULL, NULL }
  };
  kl_open_error(L);
  /* the coroutine library's resume and wrap, replaced in place so that
  ** every copy made afterwards (the emitters' environments) has them */
  lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
  if (lua_getfield(L, -1, LUA_COLIBNAME) == LUA_TTABLE) {
    lua_pushcfunction(L, co_resume);
    lua_setfield(L, -2, "resume");
    lua_pushcfunction(L, co_wrap);
    lua_setfield(L, -2, "wrap");
  }
  lua_pop(L, 2);
  luaL_newlib(L, funcs);
  return 1;
}
