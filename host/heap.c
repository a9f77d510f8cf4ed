/*
** heap.c -- ask for the malloc heap to be backed by transparent huge pages.
**
** A report faults in its whole heap page by page: ~20k minor faults in the
** main process alone, each a trip into the kernel that costs more than
** clearing the 4 KiB it brings (measured: a third of the report's system
** time).  With the heap marked MADV_HUGEPAGE, one fault brings 2 MiB, and
** the same report takes ~40% fewer faults and ~20 ms less CPU.  glibc can
** do this itself (GLIBC_TUNABLES=glibc.malloc.hugetlb=1), but only when
** told before the program starts; this does the same from inside.
**
** How: the heap is grown once, now, by HEAP_RESERVE bytes of address space
** (M_TOP_PAD), kept (M_TRIM_THRESHOLD: free() no longer hands the top back
** piecemeal; kd.trim's malloc_trim still does) and marked.  Growing it
** costs no memory until a page is touched; pages are still only backed as
** they are used.  Forked workers inherit the marking; a page written after
** the fork is copied 4 KiB at a time, as before.  Where the kernel has THP
** off ("never"), madvise fails or does nothing, and nothing else changes.
*/
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "heap.h"

#define HEAP_RESERVE ((size_t)96 << 20)   /* a report's main process peaks near 90 MiB */
#define HUGE_PAGE ((uintptr_t)2 << 20)

void kd_heap_prefer_huge_pages(void) {
  /* allocations up to 4 MiB come from the heap too (not one mmap each,
  ** faulted 4 KiB at a time): page buffers, files' contents, Lua tables */
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  mallopt(M_TRIM_THRESHOLD, (int)(2 * HEAP_RESERVE));
  mallopt(M_TOP_PAD, (int)HEAP_RESERVE);
  /* larger than any free space the heap has yet, so the heap grows now,
  ** by the pad; only address space the heap itself just took is marked
  ** (under a sanitizer, malloc is not on the heap and nothing is) */
  uintptr_t before = (uintptr_t)sbrk(0);
  void *p = malloc(1 << 20);
  if (p == NULL) return;
  free(p);
  mallopt(M_TOP_PAD, 0);   /* later growth in the usual steps */
  uintptr_t top = (uintptr_t)sbrk(0);
  if (before == (uintptr_t)-1 || top == (uintptr_t)-1 || top - before < HEAP_RESERVE / 2) return;
  uintptr_t start = (before + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
  if (start < top) madvise((void *)start, top - start, MADV_HUGEPAGE);
}
