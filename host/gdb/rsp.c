/*
** rsp.c -- framing of the GDB remote serial protocol (see rsp.h).
*/
#include "rsp.h"

#include <string.h>

enum { ST_IDLE, ST_DATA, ST_SUM1, ST_SUM2 };

static const char hex_digits[] = "0123456789abcdef";

uint8_t kd_rsp_checksum(const void *data, size_t len) {
  const uint8_t *p = data;
  uint8_t sum = 0;
  for (size_t i = 0; i < len; i++) sum = (uint8_t)(sum + p[i]);
  return sum;
}

int kd_rsp_hex_digit(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

size_t kd_rsp_hex_encode(char *out, const void *data, size_t len) {
  const uint8_t *p = data;
  for (size_t i = 0; i < len; i++) {
    out[2 * i] = hex_digits[p[i] >> 4];
    out[2 * i + 1] = hex_digits[p[i] & 15];
  }
  return 2 * len;
}

long kd_rsp_hex_decode(void *out, const char *hex, size_t hexlen) {
  uint8_t *o = out;
  if (hexlen % 2 != 0) return -1;
  for (size_t i = 0; i < hexlen; i += 2) {
    int hi = kd_rsp_hex_digit((unsigned char)hex[i]);
    int lo = kd_rsp_hex_digit((unsigned char)hex[i + 1]);
    if (hi < 0 || lo < 0) return -1;
    o[i / 2] = (uint8_t)(hi << 4 | lo);
  }
  return (long)(hexlen / 2);
}

int kd_rsp_parse_hex(const char **p, const char *end, uint64_t *out) {
  const char *s = *p;
  uint64_t v = 0;
  int d, n = 0;
  while (s < end && (d = kd_rsp_hex_digit((unsigned char)*s)) >= 0) {
    if (v >> 60) return -1;       /* one more digit would overflow */
    v = v << 4 | (uint64_t)d;
    s++, n++;
  }
  if (n == 0) return -1;
  *p = s;
  *out = v;
  return 0;
}

static int needs_escape(uint8_t c) {
  return c == '#' || c == '$' || c == '}' || c == '*';
}

size_t kd_rsp_escape(char *out, size_t outcap, const void *data, size_t len,
                     size_t *consumed) {
  const uint8_t *p = data;
  size_t o = 0, i;
  for (i = 0; i < len; i++) {
    if (needs_escape(p[i])) {
      if (o + 2 > outcap) break;
      out[o++] = '}';
      out[o++] = (char)(p[i] ^ 0x20);
    } else {
      if (o + 1 > outcap) break;
      out[o++] = (char)p[i];
    }
  }
  *consumed = i;
  return o;
}

long kd_rsp_unescape(char *data, size_t len) {
  size_t o = 0;
  for (size_t i = 0; i < len; i++) {
    if (data[i] == '}') {
      if (++i == len) return -1;
      data[o++] = (char)(data[i] ^ 0x20);
    } else {
      data[o++] = data[i];
    }
  }
  return (long)o;
}

size_t kd_rsp_frame(char *out, size_t outcap, const void *payload,
                    size_t len) {
  if (len > outcap || outcap - len < 4) return 0;
  uint8_t sum = kd_rsp_checksum(payload, len);
  out[0] = '$';
  memcpy(out + 1, payload, len);
  out[len + 1] = '#';
  out[len + 2] = hex_digits[sum >> 4];
  out[len + 3] = hex_digits[sum & 15];
  return len + 4;
}

void kd_rsp_parser_init(struct kd_rsp_parser *p) {
  p->state = ST_IDLE;
  p->overflow = 0;
  p->sum = 0;
  p->wire_sum = 0;
  p->len = 0;
  p->buf[0] = '\0';
}

static void start_packet(struct kd_rsp_parser *p) {
  p->state = ST_DATA;
  p->overflow = 0;
  p->sum = 0;
  p->wire_sum = 0;
  p->len = 0;
}

/*
** One byte at a time: the parser is only ever fed what read() returned, so
** a packet may arrive split anywhere, and it must stop right after an event
** so the caller can answer before looking at the next bytes.
*/
size_t kd_rsp_parser_feed(struct kd_rsp_parser *p, const void *data,
                          size_t len, enum kd_rsp_event *ev) {
  const uint8_t *d = data;
  *ev = KD_RSP_NONE;
  for (size_t i = 0; i < len; i++) {
    uint8_t c = d[i];
    int digit;
    switch (p->state) {
      case ST_IDLE:
        if (c == '$') start_packet(p);
        else if (c == '+') { *ev = KD_RSP_ACK; return i + 1; }
        else if (c == '-') { *ev = KD_RSP_NACK; return i + 1; }
        else if (c == 0x03) { *ev = KD_RSP_INTERRUPT; return i + 1; }
        break;                              /* garbage: skip */
      case ST_DATA:
        if (c == '$') start_packet(p);      /* lost the end of a packet */
        else if (c == '#') p->state = ST_SUM1;
        else {
          p->sum = (uint8_t)(p->sum + c);
          if (p->len < KD_RSP_PACKET_SIZE) p->buf[p->len++] = (char)c;
          else p->overflow = 1;
        }
        break;
      case ST_SUM1:
      case ST_SUM2:
        if (c == '$') { start_packet(p); break; }
        digit = kd_rsp_hex_digit(c);
        if (digit < 0) {
          p->state = ST_IDLE;
          *ev = KD_RSP_BAD_CHECKSUM;
          return i + 1;
        }
        p->wire_sum = (uint8_t)(p->wire_sum << 4 | digit);
        if (p->state == ST_SUM1) { p->state = ST_SUM2; break; }
        p->state = ST_IDLE;
        p->buf[p->len] = '\0';
        if (p->wire_sum != p->sum) *ev = KD_RSP_BAD_CHECKSUM;
        else if (p->overflow) *ev = KD_RSP_TOO_LONG;
        else *ev = KD_RSP_PACKET;
        return i + 1;
    }
  }
  return len;
}
