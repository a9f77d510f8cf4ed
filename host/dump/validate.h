/*
** validate.h -- checks of a dump's headers made before libkdumpfile sees it.
**
** libkdumpfile 0.5.1 trusts the headers it parses: a VMCOREINFO key
** starting with '.', an ELF header of the wrong class or with
** e_phentsize 0, a note size of 2^63 or PAGESIZE=0 crash it or make it
** allocate absurd amounts.  These checks read the ELF (/proc/vmcore copy)
** and diskdump (makedumpfile) headers, their notes and the VMCOREINFO
** text ourselves and refuse what is inconsistent with the file, with one
** line saying what.  Formats we do not know are left to libkdumpfile (and
** to the probe in a child process, see dump.c).
*/
#ifndef KD_VALIDATE_H
#define KD_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/* Check the dump open on `fd`, `size` bytes long.  NULL when it looks safe
** to open (*known: the format was one we checked; `warning`, if not empty,
** says what is wrong but still readable, such as a dump cut short); else a
** KD_ERR_FORMAT error whose message starts with `path`. */
struct kd_error *kd_dump_validate_fd(int fd, uint64_t size, const char *path,
                                     bool *known, char *warning, size_t wcap);
/* The same for a file held in memory (the fuzzer's entry point). */
struct kd_error *kd_dump_validate_buffer(const void *data, size_t size,
                                         const char *path, bool *known);
/* Check VMCOREINFO text (len bytes, not NUL-terminated): NULL or the
** reason, in `why` (cap bytes). */
bool kd_vmcoreinfo_valid(const char *text, size_t len, char *why, size_t cap);

#endif
