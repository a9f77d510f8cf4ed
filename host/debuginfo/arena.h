/*
** arena.h -- where finders keep their types: zeroed blocks handed out from
** 64 KiB chunks, all freed together when the finder is destroyed (types
** live as long as the program, and point at each other freely).
*/
#ifndef KD_ARENA_H
#define KD_ARENA_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

struct kd_arena_chunk {
  struct kd_arena_chunk *next;
  size_t used, size;
  max_align_t data[];
};

struct kd_arena {
  struct kd_arena_chunk *head;
};

static inline void *kd_arena_alloc(struct kd_arena *a, size_t n) {
  n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
  struct kd_arena_chunk *c = a->head;
  if (c == NULL || c->size - c->used < n) {
    size_t size = n > 65536 ? n : 65536;
    c = malloc(sizeof *c + size);
    if (c == NULL) return NULL;
    c->size = size;
    c->used = 0;
    c->next = a->head;
    a->head = c;
  }
  void *p = (char *)c->data + c->used;
  c->used += n;
  memset(p, 0, n);
  return p;
}

/* the same, in the shape kd_type_index_members wants */
static inline void *kd_arena_alloc_cb(void *ctx, size_t n) {
  return kd_arena_alloc(ctx, n);
}

static inline void kd_arena_free(struct kd_arena *a) {
  while (a->head) {
    struct kd_arena_chunk *n = a->head->next;
    free(a->head);
    a->head = n;
  }
}

#endif
