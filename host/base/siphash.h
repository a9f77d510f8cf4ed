/*
** siphash.h -- SipHash-2-4 of one 64-bit word, as the kernel's
** siphash_1u64() (lib/siphash.c) computes it: the %p/%pK pointer hash of
** /proc/vmallocinfo, the /proc/net files and others is its low 32 bits under the
** boot's ptr_key.  Header only: one small pure function.
*/
#ifndef KD_SIPHASH_H
#define KD_SIPHASH_H

#include <stdint.h>

static inline uint64_t kd_rol64(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

/* siphash_1u64(first, {k0, k1}) */
static inline uint64_t kd_siphash_1u64(uint64_t m, uint64_t k0, uint64_t k1) {
  uint64_t v0 = 0x736f6d6570736575ull ^ k0;
  uint64_t v1 = 0x646f72616e646f6dull ^ k1;
  uint64_t v2 = 0x6c7967656e657261ull ^ k0;
  uint64_t v3 = 0x7465646279746573ull ^ k1;
  const uint64_t b = (uint64_t)8 << 56;   /* the length word: 8 bytes */
  /* rounds 1-2 compress m, 3-4 the length word, 5-8 finalize */
  for (int r = 1; r <= 8; r++) {
    if (r == 1) v3 ^= m;
    else if (r == 3) { v0 ^= m; v3 ^= b; }
    else if (r == 5) { v0 ^= b; v2 ^= 0xff; }
    v0 += v1; v1 = kd_rol64(v1, 13) ^ v0; v0 = kd_rol64(v0, 32);
    v2 += v3; v3 = kd_rol64(v3, 16) ^ v2;
    v0 += v3; v3 = kd_rol64(v3, 21) ^ v0;
    v2 += v1; v1 = kd_rol64(v1, 17) ^ v2; v2 = kd_rol64(v2, 32);
  }
  return (v0 ^ v1) ^ (v2 ^ v3);
}

#endif
