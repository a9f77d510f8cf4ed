/*
** child.c -- one-time heavy work in a forked child process (see child.h).
*/
#define _GNU_SOURCE
#include "child.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int kd_run_in_child(int (*fn)(void *arg, char *msg, size_t cap), void *arg,
                    char *msg, size_t cap) {
  return kd_run_in_child_timeout(fn, arg, msg, cap, 0);
}

int kd_run_in_child_timeout(int (*fn)(void *arg, char *msg, size_t cap), void *arg,
                            char *msg, size_t cap, int seconds) {
  if (cap) msg[0] = '\0';
  int fds[2];
  if (pipe(fds) != 0) return KD_CHILD_NONE;
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return KD_CHILD_NONE;
  }
  if (pid == 0) {
    /* never outlive the caller; leave without its atexit handlers and
    ** without flushing stdio buffers that are the caller's to write */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);
    close(fds[0]);
    char buf[1024] = "";
    int rc = fn(arg, buf, sizeof buf);
    size_t n = strnlen(buf, sizeof buf);
    for (size_t off = 0; off < n;) {
      ssize_t w = write(fds[1], buf + off, n - off);
      if (w <= 0) break;
      off += (size_t)w;
    }
    _exit(rc != 0);
  }
  close(fds[1]);
  size_t got = 0;
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  bool timed_out = false;
  for (;;) {
    char tmp[256];
    if (seconds > 0) {
      /* the child's answer comes on the pipe, or its end closes it */
      struct timespec now;
      clock_gettime(CLOCK_MONOTONIC, &now);
      long left = (long)seconds * 1000 - ((now.tv_sec - t0.tv_sec) * 1000 +
                                          (now.tv_nsec - t0.tv_nsec) / 1000000);
      struct pollfd pfd = { fds[0], POLLIN, 0 };
      int pr = left > 0 ? poll(&pfd, 1, (int)left) : 0;
      if (pr < 0 && errno == EINTR) continue;
      if (pr == 0) {
        kill(pid, SIGKILL);
        timed_out = true;
        break;
      }
    }
    ssize_t r = read(fds[0], tmp, sizeof tmp);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    for (ssize_t i = 0; i < r && got + 1 < cap; i++) msg[got++] = tmp[i];
  }
  if (cap) msg[got < cap ? got : cap - 1] = '\0';
  close(fds[0]);
  int st;
  pid_t w;
  do w = waitpid(pid, &st, 0); while (w < 0 && errno == EINTR);
  if (w < 0) return KD_CHILD_NONE;
  if (timed_out) {
    snprintf(msg, cap, "the process doing it did not finish in %d s", seconds);
    return 1;
  }
  if (WIFEXITED(st) && WEXITSTATUS(st) != 0 && got == 0) {
    snprintf(msg, cap, "the process doing it ended with status %d", WEXITSTATUS(st));
    return 1;
  }
  if (WIFSIGNALED(st)) {
    snprintf(msg, cap, "the process doing it was killed by signal %d", WTERMSIG(st));
    return 1;
  }
  return WEXITSTATUS(st) != 0;
}
