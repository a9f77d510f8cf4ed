/*
** walk.c -- linked-structure walks (see walk.h).
*/
#include "walk.h"

#include <inttypes.h>

#include "object.h"

/* more nodes than this in one list means corruption, not a big machine */
#define WALK_LIMIT 100000000ull

void kd_list_iter_init(struct kd_list_iter *it, uint64_t head, bool hlist) {
  *it = (struct kd_list_iter){ .head = head, .hlist = hlist, .power = 1 };
}

struct kd_error *kd_list_iter_next(struct kd_program *prog,
                                   struct kd_list_iter *it, uint64_t *node) {
  *node = 0;
  if (it->done) return NULL;
  uint64_t from = it->started ? it->pos : it->head;
  uint64_t next;
  /* list_head.next and hlist_head.first / hlist_node.next are all at 0 */
  struct kd_error *err = kd_program_read_u64(prog, from, &next);
  if (err) {
    it->done = true;
    return kd_error_wrap(err, "list walk from head 0x%" PRIx64 ": bad link at "
                         "node 0x%" PRIx64, it->head, from);
  }
  it->started = true;
  if ((!it->hlist && next == it->head) || (it->hlist && next == 0)) {
    it->done = true;
    return NULL;
  }
  if (next == 0 || (next & 7) != 0) {
    it->done = true;
    return kd_error_fault(KD_ERR_FORMAT, next, "list walk from head 0x%" PRIx64
                          ": corrupt link 0x%" PRIx64 " at node 0x%" PRIx64,
                          it->head, next, from);
  }
  /* the node must be readable: a bad link is the walker's error, with the
  ** link named, not a fault later in the script's loop body */
  uint64_t probe;
  err = kd_program_read_u64(prog, next, &probe);
  if (err) {
    it->done = true;
    kd_error_destroy(err);
    return kd_error_fault(KD_ERR_FAULT, next, "list walk from head 0x%" PRIx64
                          ": bad link 0x%" PRIx64 " at node 0x%" PRIx64
                          " (unreadable)", it->head, next, from);
  }
  /* Brent: the tortoise jumps to the hare at powers of two */
  if (next == it->tortoise) {
    it->done = true;
    return kd_error_fault(KD_ERR_FORMAT, next, "list walk from head 0x%" PRIx64
                          ": cycle not through the head at node 0x%" PRIx64,
                          it->head, next);
  }
  if (++it->lam == it->power) {
    it->tortoise = next;
    it->power *= 2;
    it->lam = 0;
  }
  if (++it->count > WALK_LIMIT) {
    it->done = true;
    return kd_error_fault(KD_ERR_FORMAT, next, "list walk from head 0x%" PRIx64
                          ": more than %llu nodes", it->head, WALK_LIMIT);
  }
  it->prev = from;
  it->pos = next;
  *node = next;
  return NULL;
}

struct kd_error *kd_rb_iter_init(struct kd_program *prog, struct kd_rb_iter *it,
                                 uint64_t root) {
  *it = (struct kd_rb_iter){ .root = root, .limit = WALK_LIMIT };
  struct kd_type *t;
  struct kd_error *err = kd_program_find_type(prog, "struct rb_node", &t);
  if (err) return err;
  uint64_t l, r, p;
  if ((err = kd_member_offset(t, "rb_left", &l, NULL)) ||
      (err = kd_member_offset(t, "rb_right", &r, NULL)) ||
      (err = kd_member_offset(t, "__rb_parent_color", &p, NULL)))
    return err;
  it->off_left = l / 8;
  it->off_right = r / 8;
  it->off_parent = p / 8;
  return NULL;
}

static struct kd_error *rb_read(struct kd_program *prog, struct kd_rb_iter *it,
                                uint64_t node, uint64_t off, uint64_t *v) {
  struct kd_error *err = kd_program_read_u64(prog, node + off, v);
  if (err) {
    it->done = true;
    return kd_error_wrap(err, "rb-tree walk from root 0x%" PRIx64, it->root);
  }
  if ((*v & 3) != 0 && off != it->off_parent) {
    it->done = true;
    return kd_error_fault(KD_ERR_FORMAT, *v, "rb-tree walk from root 0x%"
                          PRIx64 ": corrupt link 0x%" PRIx64 " at node 0x%"
                          PRIx64, it->root, *v, node);
  }
  return NULL;
}

static struct kd_error *rb_too_long(struct kd_rb_iter *it, uint64_t n) {
  it->done = true;
  return kd_error_fault(KD_ERR_FORMAT, n, "rb-tree walk from root 0x%" PRIx64
                        ": too many nodes (cycle?)", it->root);
}

/* From *n down its left links to the first node of its subtree. */
static struct kd_error *rb_leftmost(struct kd_program *prog, struct kd_rb_iter *it,
                                    uint64_t *n) {
  for (;;) {
    uint64_t c;
    struct kd_error *err = rb_read(prog, it, *n, it->off_left, &c);
    if (err) return err;
    if (c == 0) return NULL;
    *n = c;
    if (++it->count > it->limit) return rb_too_long(it, *n);
  }
}

struct kd_error *kd_rb_iter_next(struct kd_program *prog, struct kd_rb_iter *it,
                                 uint64_t *node) {
  *node = 0;
  if (it->done) return NULL;
  struct kd_error *err;
  uint64_t n, c;
  if (!it->started) {
    it->started = true;
    /* rb_root.rb_node is at offset 0 */
    err = kd_program_read_u64(prog, it->root, &n);
    if (err) { it->done = true; return err; }
    if (n == 0) { it->done = true; return NULL; }
    if ((err = rb_leftmost(prog, it, &n))) return err;
  } else {
    n = it->pos;
    if ((err = rb_read(prog, it, n, it->off_right, &c))) return err;
    if (c) {
      n = c;
      if ((err = rb_leftmost(prog, it, &n))) return err;
    } else {
      for (;;) {
        uint64_t pc;
        if ((err = rb_read(prog, it, n, it->off_parent, &pc))) return err;
        uint64_t parent = pc & ~3ull;
        if (parent == 0) { it->done = true; return NULL; }
        uint64_t pl;
        if ((err = rb_read(prog, it, parent, it->off_left, &pl))) return err;
        if (pl == n) { n = parent; break; }
        n = parent;
        if (++it->count > it->limit) return rb_too_long(it, n);
      }
    }
  }
  if (++it->count > it->limit) return rb_too_long(it, n);
  it->pos = n;
  *node = n;
  return NULL;
}

static struct kd_error *offset_of(struct kd_type *t, const char *m, uint64_t *off) {
  struct kd_error *err = kd_member_offset(t, m, off, NULL);
  if (err == NULL) *off /= 8;
  return err;
}

struct kd_error *kd_task_iter_init(struct kd_program *prog,
                                   struct kd_task_iter *it) {
  *it = (struct kd_task_iter){ 0 };
  struct kd_error *err = kd_program_find_type(prog, "struct task_struct",
                                              &it->task_type);
  if (err) return err;
  struct kd_type *sig;
  if ((err = offset_of(it->task_type, "tasks", &it->off_tasks)) ||
      (err = offset_of(it->task_type, "signal", &it->off_signal)))
    return err;
  /* 6.x: signal->thread_head + task->thread_node; older: thread_group */
  struct kd_error *e1 = offset_of(it->task_type, "thread_node", &it->off_thread_node);
  struct kd_error *e2 = kd_program_find_type(prog, "struct signal_struct", &sig);
  if (e2 == NULL) e2 = offset_of(sig, "thread_head", &it->off_thread_head);
  if (e1 || e2) {
    kd_error_destroy(e1);
    kd_error_destroy(e2);
    err = offset_of(it->task_type, "thread_group", &it->off_thread_group);
    if (err) return err;
    it->use_thread_group = true;
  }
  uint64_t init_task;
  err = kd_program_find_symbol(prog, "init_task", &init_task, NULL);
  if (err) return err;
  kd_list_iter_init(&it->procs, init_task + it->off_tasks, false);
  return NULL;
}

struct kd_error *kd_task_iter_next(struct kd_program *prog,
                                   struct kd_task_iter *it, uint64_t *task) {
  *task = 0;
  for (;;) {
    if (it->in_threads) {
      uint64_t node;
      struct kd_error *err = kd_list_iter_next(prog, &it->threads, &node);
      if (err) { it->in_threads = false; return err; }
      if (node) {
        uint64_t t = node - (it->use_thread_group ? it->off_thread_group
                                                  : it->off_thread_node);
        if (t == it->leader) continue;  /* thread_group lists include it */
        *task = t;
        return NULL;
      }
      it->in_threads = false;
    }
    uint64_t node;
    struct kd_error *err = kd_list_iter_next(prog, &it->procs, &node);
    if (err || node == 0) return err;
    uint64_t leader = node - it->off_tasks;
    it->leader = leader;
    if (it->use_thread_group) {
      kd_list_iter_init(&it->threads, leader + it->off_thread_group, false);
      it->in_threads = true;
    } else {
      uint64_t signal;
      err = kd_program_read_u64(prog, leader + it->off_signal, &signal);
      if (err == NULL && signal != 0) {
        kd_list_iter_init(&it->threads, signal + it->off_thread_head, false);
        it->in_threads = true;
      }
      kd_error_destroy(err);
      /* with thread_head, the leader is among the threads if alive; a
      ** zombie leader (exited, threads running) is not: report it too */
    }
    *task = leader;
    return NULL;
  }
}
