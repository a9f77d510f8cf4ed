/*
** faultalloc.h -- test-only allocation fault injection (issue 16).
**
** $KDLUA_FAULT (comma-separated, the same switch host/dump reads) may hold
**   alloc-every=N       every Nth allocation of the C core fails
**   lua-alloc-every=N   every Nth growing allocation of a Lua state fails
**   children-only       ... only in forked processes (the report's workers),
**                       so that the report's supervisor lives to write them
** so a test can prove that running out of memory anywhere surfaces as an
** error value (kd_enomem, a Lua memory error) and never as a crash, a hang
** or a silently short file.
**
** The C core's malloc, calloc, realloc, strdup, strndup, asprintf and
** vasprintf go through the __wrap_ functions of faultalloc.c: the link of
** every program made from kdcore passes -Wl,--wrap=<each> (CMakeLists.txt),
** which reroutes the calls of kdcore's own objects only -- the libraries'
** (libkdumpfile, libdw, Lua, libarchive) allocations are theirs.  Without
** the switch a wrapper costs one predictable branch.
*/
#ifndef KD_FAULTALLOC_H
#define KD_FAULTALLOC_H

#include <stddef.h>

/* every how many allocations one fails; 0: never (no switch given) */
unsigned long kd_fault_alloc_every(void);
unsigned long kd_fault_lua_alloc_every(void);

/* For a Lua allocator: true when this growing request is one to refuse
** (counts it).  Only growth is refused: Lua may rely on shrinking. */
_Bool kd_fault_lua_refuse(size_t osize, size_t nsize);

/* realloc that no switch fails, for the Lua allocators (lua-alloc-every
** is theirs; they must not see alloc-every's failures, e.g. on a shrink) */
void *kd_real_realloc(void *p, size_t n);

/* Every allocation that failed so far in this process, injected or real,
** of the C core (the wrappers see each result) and of the Lua states made
** by bindings/lua_host.c (which report theirs here): the report marks a
** file made while one failed, as it may be short (a caller that took the
** failure for "absent" and went on). */
unsigned long kd_alloc_failures(void);
void kd_alloc_note_failure(void);

/* injected failures so far in this process (C core, Lua) */
unsigned long kd_fault_alloc_failures(void);
unsigned long kd_fault_lua_failures(void);

#endif
