/*
** child.c -- one-time heavy work in a forked child process (see child.h).
*/
#define _GNU_SOURCE
#include "child.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

int kd_run_in_child(int (*fn)(void *arg, char *msg, size_t cap), void *arg,
                    char *msg, size_t cap) {
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
  for (;;) {
    char tmp[256];
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
  if (WIFSIGNALED(st)) {
    snprintf(msg, cap, "the process doing it was killed by signal %d", WTERMSIG(st));
    return 1;
  }
  return WEXITSTATUS(st) != 0;
}
