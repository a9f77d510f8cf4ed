/*
** walk.h -- stepping through kernel linked structures in C: list_head,
** hlist, rb-tree and the task list.  Each iterator returns one node per
** call so that Lua can drive it lazily; corrupt links and cycles end the
** walk with an error naming the bad address instead of hanging.
*/
#ifndef KD_WALK_H
#define KD_WALK_H

#include "program.h"

/* list_head / hlist: `head` is the address of the head; nodes are the
** addresses of the embedded list_head/hlist_node. */
struct kd_list_iter {
  uint64_t head, pos, prev;
  bool hlist, started, done;
  /* Brent's cycle detection */
  uint64_t tortoise, power, lam, count;
};

void kd_list_iter_init(struct kd_list_iter *it, uint64_t head, bool hlist);
/* *node = address of the next node, 0 at the end. */
struct kd_error *kd_list_iter_next(struct kd_program *prog,
                                   struct kd_list_iter *it, uint64_t *node);

/* In-order rb-tree walk from struct rb_root at `root`. */
struct kd_rb_iter {
  uint64_t root, pos;
  uint64_t off_left, off_right, off_parent;
  bool started, done;
  uint64_t count, limit;
};
struct kd_error *kd_rb_iter_init(struct kd_program *prog, struct kd_rb_iter *it,
                                 uint64_t root);
struct kd_error *kd_rb_iter_next(struct kd_program *prog, struct kd_rb_iter *it,
                                 uint64_t *node);

/* Every thread of every process (init_task's `tasks` list, then each
** process's thread list). */
struct kd_task_iter {
  struct kd_list_iter procs;
  struct kd_list_iter threads;
  bool in_threads;
  uint64_t leader;
  uint64_t off_tasks, off_signal, off_thread_node, off_thread_head;
  bool use_thread_group;  /* older kernels: task->thread_group */
  uint64_t off_thread_group;
  struct kd_type *task_type;
};
struct kd_error *kd_task_iter_init(struct kd_program *prog,
                                   struct kd_task_iter *it);
/* *task = address of the next task_struct, 0 at the end. */
struct kd_error *kd_task_iter_next(struct kd_program *prog,
                                   struct kd_task_iter *it, uint64_t *task);

#endif
