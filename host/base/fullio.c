/*
** fullio.c -- whole reads and writes of a file descriptor (see fullio.h).
*/
#include "fullio.h"

#include <errno.h>
#include <sys/types.h>
#include <unistd.h>

bool kd_pread_full(int fd, void *buf, size_t n, uint64_t off) {
  unsigned char *d = buf;
  while (n) {
    ssize_t r = pread(fd, d, n, (off_t)off);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return false;
    if (r == 0) { errno = 0; return false; }   /* the file ended */
    d += r;
    n -= (size_t)r;
    off += (uint64_t)r;
  }
  return true;
}

/* pwrite at off, or write at the file position when off is -1 */
static bool write_loop(int fd, const void *buf, size_t n, int64_t off) {
  const unsigned char *s = buf;
  while (n) {
    ssize_t w = off < 0 ? write(fd, s, n) : pwrite(fd, s, n, (off_t)off);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return false;
    if (w == 0) { errno = EIO; return false; }
    s += w;
    n -= (size_t)w;
    if (off >= 0) off += w;
  }
  return true;
}

bool kd_pwrite_full(int fd, const void *buf, size_t n, uint64_t off) {
  return write_loop(fd, buf, n, (int64_t)off);
}

bool kd_write_full(int fd, const void *buf, size_t n) {
  return write_loop(fd, buf, n, -1);
}
