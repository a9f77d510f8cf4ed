/*
** error.c -- construction of error values (see error.h).
*/
#include "error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct {
  struct kd_error e;
  char text[sizeof "out of memory"];
} enomem_storage = { { KD_ERR_NOMEM, KD_NO_ADDRESS }, "out of memory" };

struct kd_error *const kd_enomem = &enomem_storage.e;

struct kd_error *kd_error_vcreate(enum kd_error_code code, uint64_t address,
                                  const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0) n = 0;
  struct kd_error *err = malloc(sizeof *err + (size_t)n + 1);
  if (err == NULL) return kd_enomem;
  err->code = code;
  err->address = address;
  vsnprintf(err->message, (size_t)n + 1, fmt, ap);
  /* messages are one line: a library message may end in a newline */
  for (char *p = err->message; *p; p++)
    if (*p == '\n') *p = (p[1] ? ' ' : '\0');
  return err;
}

struct kd_error *kd_error_create(enum kd_error_code code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  struct kd_error *err = kd_error_vcreate(code, KD_NO_ADDRESS, fmt, ap);
  va_end(ap);
  return err;
}

struct kd_error *kd_error_fault(enum kd_error_code code, uint64_t address,
                                const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  struct kd_error *err = kd_error_vcreate(code, address, fmt, ap);
  va_end(ap);
  return err;
}

struct kd_error *kd_error_wrap(struct kd_error *err, const char *fmt, ...) {
  if (err == NULL || err == kd_enomem) return err;
  char prefix[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  struct kd_error *n = kd_error_fault(err->code, err->address, "%s: %s",
                                      prefix, err->message);
  kd_error_destroy(err);
  return n;
}

void kd_error_destroy(struct kd_error *err) {
  if (err != kd_enomem) free(err);
}

const char *kd_error_code_name(enum kd_error_code code) {
  switch (code) {
    case KD_ERR_FAULT: return "fault";
    case KD_ERR_LOOKUP: return "lookup";
    case KD_ERR_TYPE: return "type";
    case KD_ERR_NODATA: return "nodata";
    case KD_ERR_IO: return "io";
    case KD_ERR_FORMAT: return "format";
    case KD_ERR_MISMATCH: return "mismatch";
    case KD_ERR_NOMEM: return "nomem";
    default: return "other";
  }
}
