/*
** error.h -- errors of the C core are values, never longjmps.
**
** Every fallible function of host/ returns a `struct kd_error *`: NULL on
** success, otherwise an error the caller owns and must pass on or free with
** kd_error_destroy().  The Lua boundary (bindings/lua_error.c) is the only
** place that turns one into a Lua error.
*/
#ifndef KD_ERROR_H
#define KD_ERROR_H

#include <stdarg.h>
#include <stdint.h>

enum kd_error_code {
  KD_ERR_FAULT = 1,   /* memory not readable: address is the faulting one */
  KD_ERR_LOOKUP,      /* no such symbol, type, member, module, file */
  KD_ERR_TYPE,        /* operation does not fit the type */
  KD_ERR_NODATA,      /* the dump does not contain that data (filtered out) */
  KD_ERR_IO,          /* reading or writing a file failed */
  KD_ERR_FORMAT,      /* input is not in the expected format / corrupt */
  KD_ERR_MISMATCH,    /* debuginfo does not belong to the dump */
  KD_ERR_NOMEM,
  KD_ERR_OTHER
};

#define KD_NO_ADDRESS UINT64_MAX

struct kd_error {
  enum kd_error_code code;
  uint64_t address;   /* KD_NO_ADDRESS when the error has none */
  char message[];     /* one line, no trailing newline */
};

struct kd_error *kd_error_create(enum kd_error_code code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
struct kd_error *kd_error_vcreate(enum kd_error_code code, uint64_t address,
                                  const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
/* A fault at `address`; the message should say what was being read. */
struct kd_error *kd_error_fault(enum kd_error_code code, uint64_t address,
                                const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prefix an existing error's message with more context; consumes `err`. */
struct kd_error *kd_error_wrap(struct kd_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void kd_error_destroy(struct kd_error *err);

/* Name of a code as scripts see it: "fault", "lookup", "type", "nodata"... */
const char *kd_error_code_name(enum kd_error_code code);

/* Statically allocated out-of-memory error: kd_error_destroy ignores it. */
extern struct kd_error *const kd_enomem;

#endif
