/*
** heap.h -- malloc settings for kdlua's processes (see heap.c).
*/
#ifndef KD_HEAP_H
#define KD_HEAP_H

/* call first thing in main(), before anything large is allocated */
void kd_heap_tune(void);

#endif
