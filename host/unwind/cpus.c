/*
** cpus.c -- register notes mapped to CPUs (see cpus.h).
*/
#include "cpus.h"

#include <stdlib.h>

#include "core/object.h"

/*
** Which CPU each register note belongs to.  Notes come in CPU order: one
** per possible CPU (QEMU), or one per CPU that was online and saved its
** state (kdump).  Match the count against the masks, and fall back to
** note i = CPU i.
*/
static void map_notes_to_cpus(struct kd_program *prog, struct kd_cpu_notes *n) {
  static const char *const masks[] = { "possible", "present", "online" };
  for (unsigned i = 0; i < n->n; i++) n->cpu[i] = i;
  for (size_t k = 0; k < sizeof masks / sizeof masks[0]; k++) {
    unsigned *cpus = NULL;
    size_t count = 0;
    struct kd_error *err = kd_program_cpu_mask(prog, masks[k], &cpus, &count);
    if (err == NULL && count == n->n) {
      for (unsigned i = 0; i < n->n; i++) n->cpu[i] = cpus[i];
      free(cpus);
      return;
    }
    kd_error_destroy(err);
    free(cpus);
  }
}

uint64_t kd_cpu_runqueue(struct kd_program *prog, unsigned cpu,
                         struct kd_type **rq_type) {
  uint64_t addr, off;
  struct kd_error *err = kd_program_find_symbol(prog, "runqueues", &addr,
                                                rq_type);
  if (err == NULL) err = kd_program_per_cpu_offset(prog, cpu, &off);
  if (err) { kd_error_destroy(err); return 0; }
  return addr + off;
}

/* A CPU number held in an int variable (panic_cpu is an atomic_t, whose
** counter is its first and only member), or -1. */
static int64_t cpu_variable(struct kd_program *prog, const char *name) {
  uint64_t addr;
  int32_t v;
  struct kd_error *err = kd_program_find_symbol(prog, name, &addr, NULL);
  if (err == NULL) err = kd_program_read(prog, addr, &v, sizeof v);
  if (err) { kd_error_destroy(err); return -1; }
  return v;
}

/*
** The CPU that crashed: panic_cpu (set by panic(), -1 otherwise), then
** x86's crashing_cpu (set by a kdump kexec), then the first online CPU.
*/
static int find_panic_note(struct kd_program *prog, struct kd_cpu_notes *n) {
  static const char *const vars[] = { "panic_cpu", "crashing_cpu" };
  for (size_t k = 0; k < sizeof vars / sizeof vars[0]; k++) {
    int64_t cpu = cpu_variable(prog, vars[k]);
    for (unsigned i = 0; cpu >= 0 && i < n->n; i++)
      if (n->cpu[i] == (uint64_t)cpu) return (int)i;
  }
  unsigned *cpus = NULL;
  size_t count = 0;
  struct kd_error *err = kd_program_cpu_mask(prog, "online", &cpus, &count);
  int found = -1;
  for (unsigned i = 0; err == NULL && count > 0 && i < n->n; i++)
    if (n->cpu[i] == cpus[0]) found = (int)i;
  kd_error_destroy(err);
  free(cpus);
  return found;
}

struct kd_error *kd_cpu_notes_load(struct kd_program *prog,
                                   struct kd_cpu_notes *out) {
  out->n = kd_dump_nr_cpu_notes(prog->dump);
  out->cpu = calloc(out->n + 1, sizeof *out->cpu);
  out->curr = calloc(out->n + 1, sizeof *out->curr);
  out->panic_note = -1;
  if (out->cpu == NULL || out->curr == NULL) {
    kd_cpu_notes_free(out);
    return kd_enomem;
  }
  map_notes_to_cpus(prog, out);
  for (unsigned i = 0; i < out->n; i++) {
    struct kd_type *rq_type = NULL;
    uint64_t rq = kd_cpu_runqueue(prog, out->cpu[i], &rq_type), curr = 0;
    if (rq == 0 || rq_type == NULL) break;
    struct kd_error *err = kd_read_member_u64(prog, rq_type, rq, "curr", &curr);
    if (err) { kd_error_destroy(err); curr = 0; }
    out->curr[i] = curr;
  }
  out->panic_note = find_panic_note(prog, out);
  return NULL;
}

void kd_cpu_notes_free(struct kd_cpu_notes *notes) {
  free(notes->cpu);
  free(notes->curr);
  notes->cpu = NULL;
  notes->curr = NULL;
  notes->n = 0;
}

int kd_cpu_notes_of_task(const struct kd_cpu_notes *notes, uint64_t task) {
  for (unsigned i = 0; task != 0 && i < notes->n; i++)
    if (notes->curr[i] == task) return (int)i;
  return -1;
}

int kd_cpu_notes_of_cpu(const struct kd_cpu_notes *notes, unsigned cpu) {
  for (unsigned i = 0; i < notes->n; i++)
    if (notes->cpu[i] == cpu) return (int)i;
  return -1;
}
