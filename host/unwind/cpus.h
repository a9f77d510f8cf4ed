/*
** cpus.h -- which CPU each register note of the dump belongs to, which
** task was running there, and which CPU panicked.
**
** Notes carry no reliable CPU number (QEMU puts vCPU + 1 in pr_pid, kdump
** the pid of the task), but they come in CPU order; see cpus.c.
*/
#ifndef KD_CPUS_H
#define KD_CPUS_H

#include <stdint.h>

#include "core/program.h"

struct kd_cpu_notes {
  unsigned n;            /* register notes in the dump */
  unsigned *cpu;         /* [n] CPU number of note i */
  uint64_t *curr;        /* [n] rq->curr of that CPU, 0 when unknown */
  int panic_note;        /* note of the CPU that crashed, -1 when unknown */
};

/* Fill *out (never fails for want of types: curr stays 0 then). */
struct kd_error *kd_cpu_notes_load(struct kd_program *prog,
                                   struct kd_cpu_notes *out);
void kd_cpu_notes_free(struct kd_cpu_notes *notes);
/* The note whose CPU ran `task`, or -1. */
int kd_cpu_notes_of_task(const struct kd_cpu_notes *notes, uint64_t task);
/* The note of CPU `cpu`, or -1. */
int kd_cpu_notes_of_cpu(const struct kd_cpu_notes *notes, unsigned cpu);
/* &runqueues on `cpu` and struct rq, or 0. */
uint64_t kd_cpu_runqueue(struct kd_program *prog, unsigned cpu,
                         struct kd_type **rq_type);

#endif
