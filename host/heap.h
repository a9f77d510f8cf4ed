/*
** heap.h -- the malloc heap on transparent huge pages (see heap.c).
*/
#ifndef KD_HEAP_H
#define KD_HEAP_H

/* call first thing in main(), before anything large is allocated */
void kd_heap_prefer_huge_pages(void);

#endif
