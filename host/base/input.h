/*
** input.h -- open a file kdlua reads as input (a dump, a debug file).
**
** Only regular files: a FIFO would block open() until a writer comes (for
** ever), a device or a socket would feed libelf/libkdumpfile a stream they
** cannot seek.  The open is non-blocking, the type checked with fstat on
** the descriptor (no race with a rename), then the descriptor is made
** blocking again.
*/
#ifndef KD_INPUT_H
#define KD_INPUT_H

/* A read-only, close-on-exec descriptor for `path`, or -1 with *why set
** to a static reason ("No such file or directory", "not a regular
** file"). */
int kd_open_input(const char *path, const char **why);

#endif
