/*
** heap.c -- malloc settings for a short-lived process that allocates fast.
**
** A report faults in its heap page by page (~30k minor faults over its
** processes), and glibc's defaults add more: every buffer over 128 KiB (a
** page read in bulk, a file's content, a Lua string of a big file) is an
** mmap of its own, faulted in fresh and unmapped again on free, and the
** top of the heap is handed back to the kernel as soon as 128 KiB are free
** there, to be faulted in again on the next growth.  Here, before anything
** large is allocated:
**   - allocations up to 4 MiB come from the heap (M_MMAP_THRESHOLD), whose
**     freed memory is reused without new faults;
**   - the heap's top is kept (M_TRIM_THRESHOLD; kd.trim's malloc_trim still
**     gives memory back when the report asks);
**   - the heap grows once, now, by HEAP_RESERVE bytes of address space
**     (M_TOP_PAD for one allocation), so that later growth needs no brk
**     call.  Address space costs nothing until a page is touched.
** Alternating runs of the report: ~10 ms less CPU than glibc's defaults.
**
** Tried and left out: marking that range MADV_HUGEPAGE (what glibc's
** malloc.hugetlb=1 tunable does).  It cut faults by a third, but each
** fault then zeroes 2 MiB, and on a VM whose host backs guest memory
** lazily that zeroing of not-yet-touched memory cost more than the faults
** saved (clear_page 13% of the report's CPU; 8-18 ms slower in three
** alternating batches).
*/
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "heap.h"

#define HEAP_RESERVE ((size_t)96 << 20)   /* a report's main process peaks near 90 MiB */

void kd_heap_tune(void) {
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  mallopt(M_TRIM_THRESHOLD, (int)(2 * HEAP_RESERVE));
  mallopt(M_TOP_PAD, (int)HEAP_RESERVE);
  /* larger than any free space the heap has yet, so the heap grows now,
  ** by the pad (under a sanitizer malloc is not on the heap: no effect) */
  void *volatile p = malloc(1 << 20);   /* volatile: kept, not elided */
  free(p);
  mallopt(M_TOP_PAD, 0);   /* later growth in the usual steps */
}
