/*
** faultalloc.c -- every Nth allocation fails, for tests (see faultalloc.h).
*/
#include "faultalloc.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* the real functions, as the linker's --wrap names them */
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
int __real_vasprintf(char **out, const char *fmt, va_list ap);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
int __wrap_vasprintf(char **out, const char *fmt, va_list ap);
int __wrap_asprintf(char **out, const char *fmt, ...);

/*
** The switch is read on the first allocation (getenv allocates nothing).
** Counters are atomic: the archive writer allocates from its threads.
** Forked workers inherit the count and go on from there.
*/
static struct {
  int parsed;                   /* 0 no, 1 yes */
  bool children_only, in_child;
  unsigned long every, lua_every;
  unsigned long count, lua_count;
  unsigned long failed, lua_failed;
  unsigned long all_failures;   /* injected or not, C and Lua */
} fault;

unsigned long kd_alloc_failures(void) {
  return __atomic_load_n(&fault.all_failures, __ATOMIC_RELAXED);
}

void kd_alloc_note_failure(void) {
  __atomic_add_fetch(&fault.all_failures, 1, __ATOMIC_RELAXED);
}

/* the result of an allocation, counted when it failed */
static void *seen(void *p) {
  if (__builtin_expect(p == NULL, 0)) kd_alloc_note_failure();
  return p;
}

static unsigned long value_of(const char *list, const char *key) {
  size_t k = strlen(key);
  for (const char *p = list; p && *p; ) {
    if (strncmp(p, key, k) == 0) return strtoul(p + k, NULL, 10);
    p = strchr(p, ',');
    if (p) p++;
  }
  return 0;
}

/* a test reads how many failures it caused (each process says its own) */
static void say_counts(void) {
  fprintf(stderr, "kdlua: KDLUA_FAULT: pid %ld: %lu of %lu C and %lu of %lu Lua allocation(s)"
          " failed (injected)\n", (long)getpid(), kd_fault_alloc_failures(), fault.count,
          kd_fault_lua_failures(), fault.lua_count);
}

static void forked_child(void) {
  fault.in_child = true;
}

static void parse(void) {
  const char *f = getenv("KDLUA_FAULT");
  if (f) {
    /* children-only: the process that forks (the report's supervisor)
    ** keeps its allocations; its workers get the failures */
    for (const char *p = f; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
      if (strncmp(p, "children-only", 13) == 0 && (p[13] == ',' || p[13] == '\0'))
        fault.children_only = true;
    if (fault.children_only) pthread_atfork(NULL, NULL, forked_child);
    fault.every = value_of(f, "alloc-every=");
    fault.lua_every = value_of(f, "lua-alloc-every=");
    if (fault.every || fault.lua_every) atexit(say_counts);
  }
  __atomic_store_n(&fault.parsed, 1, __ATOMIC_RELEASE);
}

unsigned long kd_fault_alloc_every(void) {
  if (!__atomic_load_n(&fault.parsed, __ATOMIC_ACQUIRE)) parse();
  return fault.every;
}

unsigned long kd_fault_lua_alloc_every(void) {
  if (!__atomic_load_n(&fault.parsed, __ATOMIC_ACQUIRE)) parse();
  return fault.lua_every;
}

unsigned long kd_fault_alloc_failures(void) {
  return __atomic_load_n(&fault.failed, __ATOMIC_RELAXED);
}

unsigned long kd_fault_lua_failures(void) {
  return __atomic_load_n(&fault.lua_failed, __ATOMIC_RELAXED);
}

static bool refuse(void) {
  unsigned long every = kd_fault_alloc_every();
  if (__builtin_expect(every == 0, 1) || (fault.children_only && !fault.in_child)) return false;
  if (__atomic_add_fetch(&fault.count, 1, __ATOMIC_RELAXED) % every != 0) return false;
  __atomic_add_fetch(&fault.failed, 1, __ATOMIC_RELAXED);
  kd_alloc_note_failure();
  errno = ENOMEM;
  return true;
}

/*
** Lua answers a failed allocation with an emergency full collection and
** one retry; refusing the retry as well (the request right after a refused
** one) lets the failure reach the script as a memory error, which is what
** the switch is for.  The collection itself still runs, which also shakes
** out C code that holds a Lua object it has no reference to.
*/
bool kd_fault_lua_refuse(size_t osize, size_t nsize) {
  unsigned long every = kd_fault_lua_alloc_every();
  if (__builtin_expect(every == 0, 1) || nsize <= osize ||
      (fault.children_only && !fault.in_child)) return false;
  unsigned long n = __atomic_add_fetch(&fault.lua_count, 1, __ATOMIC_RELAXED);
  unsigned long r = n % every;
  if (r != 0 && !(r == 1 && n > every)) return false;
  __atomic_add_fetch(&fault.lua_failed, 1, __ATOMIC_RELAXED);
  return true;
}

void *kd_real_realloc(void *p, size_t n) {
  return __real_realloc(p, n);
}

void *__wrap_malloc(size_t n) {
  return refuse() ? NULL : seen(__real_malloc(n));
}

void *__wrap_calloc(size_t n, size_t size) {
  return refuse() ? NULL : seen(__real_calloc(n, size));
}

void *__wrap_realloc(void *p, size_t n) {
  /* realloc(p, 0) frees: never a failure to inject */
  if (n == 0) return __real_realloc(p, n);
  return refuse() ? NULL : seen(__real_realloc(p, n));
}

char *__wrap_strdup(const char *s) {
  return refuse() ? NULL : seen(__real_strdup(s));
}

char *__wrap_strndup(const char *s, size_t n) {
  return refuse() ? NULL : seen(__real_strndup(s, n));
}

int __wrap_vasprintf(char **out, const char *fmt, va_list ap) {
  if (refuse()) {
    *out = NULL;   /* glibc leaves it undefined; callers test the result */
    return -1;
  }
  int r = __real_vasprintf(out, fmt, ap);
  if (r < 0) kd_alloc_note_failure();
  return r;
}

int __wrap_asprintf(char **out, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int r = __wrap_vasprintf(out, fmt, ap);
  va_end(ap);
  return r;
}
