/*
** child.h -- one-time heavy work in a forked child process.
**
** Making the uncompressed copy of a debug file and building its name index
** happen once per build-id, and each briefly needs 100-200 MB (decompressed
** sections; every compile unit libdw interns).  Done in a child, that
** memory goes back to the system when the child exits, and the process
** that goes on (a report with its workers) keeps its usual size; it then
** reads what the child wrote to the cache.
*/
#ifndef KD_CHILD_H
#define KD_CHILD_H

#include <stddef.h>

/* fn(arg, msg, cap) runs in a child: 0 for success, else non-zero with a
** reason in msg.  Returns the child's answer (0, or 1 with msg: also when
** it died of a signal), or KD_CHILD_NONE when no child could be made (the
** caller then does the work itself). */
#define KD_CHILD_NONE (-1)
int kd_run_in_child(int (*fn)(void *arg, char *msg, size_t cap), void *arg,
                    char *msg, size_t cap);
/* The same, but a child still running after `seconds` (> 0) is killed and
** the answer is 1 with "did not finish in N s" in msg. */
int kd_run_in_child_timeout(int (*fn)(void *arg, char *msg, size_t cap), void *arg,
                            char *msg, size_t cap, int seconds);

#endif
