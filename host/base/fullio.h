/*
** fullio.h -- whole reads and writes of a file descriptor: read(2),
** write(2), pread(2) and pwrite(2) may move fewer bytes than asked, or be
** interrupted by a signal (the report's deadline timer, SIGCHLD); every
** caller that needs all n bytes loops the same way, so it loops here.
*/
#ifndef KD_FULLIO_H
#define KD_FULLIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* n bytes at offset off into buf: false on an error (errno says which) or
** at the end of the file before n bytes (errno 0). */
bool kd_pread_full(int fd, void *buf, size_t n, uint64_t off);

/* n bytes of buf at offset off / at the file position: false on an error
** (errno says which; EIO when the system wrote nothing and said nothing). */
bool kd_pwrite_full(int fd, const void *buf, size_t n, uint64_t off);
bool kd_write_full(int fd, const void *buf, size_t n);

#endif
