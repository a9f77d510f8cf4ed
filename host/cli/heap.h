/*
** heap.h -- malloc settings for kdlua's processes (see heap.c).
*/
#ifndef KD_HEAP_H
#define KD_HEAP_H

/* call early in main(), before anything large is allocated; for batch
** commands (a report, a script), not long-lived ones (the REPL) */
void kd_heap_tune(void);

#endif
