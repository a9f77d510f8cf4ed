/*
** fnv.h -- 64-bit FNV-1a, the one hash kdlua uses for names and keys:
** symbol and DWARF name indexes (the latter is saved in the .kdidx cache,
** so the function must not change), cache file names, cache checksums.
** Small and inline: the name indexes hash 150k+ names at start-up.
*/
#ifndef KD_FNV_H
#define KD_FNV_H

#include <stddef.h>
#include <stdint.h>

#define KD_FNV_OFFSET 0xcbf29ce484222325ull

/* Continue hash h over n bytes at p (start with KD_FNV_OFFSET). */
static inline uint64_t kd_fnv1a(uint64_t h, const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) {
    h ^= b[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

/* Hash of a NUL-terminated string. */
static inline uint64_t kd_fnv1a_str(const char *s) {
  uint64_t h = KD_FNV_OFFSET;
  for (; *s; s++) {
    h ^= (unsigned char)*s;
    h *= 0x100000001b3ull;
  }
  return h;
}

#endif
