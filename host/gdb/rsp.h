/*
** rsp.h -- framing of the GDB remote serial protocol, as pure functions.
**
** A packet on the wire is `$payload#xx`, xx being the two hex digits of the
** sum of the payload bytes modulo 256.  Outside packets the peer sends `+`
** (ack), `-` (please retransmit) and the byte 0x03 (interrupt).  Nothing in
** here does I/O or allocates: the parser works on a caller-owned struct with
** a fixed buffer, so an oversized packet costs nothing but a flag.
*/
#ifndef KD_RSP_H
#define KD_RSP_H

#include <stddef.h>
#include <stdint.h>

/* Largest payload accepted from the peer and largest one sent to it; this is
** the PacketSize announced in qSupported (gdb sizes its `m` requests from
** it). */
#define KD_RSP_PACKET_SIZE 0x4000

/* Room for a framed packet: `$`, payload, `#`, two checksum digits. */
#define KD_RSP_FRAME_SIZE (KD_RSP_PACKET_SIZE + 4)

uint8_t kd_rsp_checksum(const void *data, size_t len);

/* Value of a hex digit, or -1. */
int kd_rsp_hex_digit(int c);

/* Write 2*len lowercase hex digits to out (no terminator); returns 2*len. */
size_t kd_rsp_hex_encode(char *out, const void *data, size_t len);

/* Decode hexlen hex digits into out (room for hexlen/2 bytes).  Returns the
** byte count, or -1 when hexlen is odd or a digit is not hex. */
long kd_rsp_hex_decode(void *out, const char *hex, size_t hexlen);

/* Parse a hex number at *p (stopping at end or at the first non-hex byte) and
** advance *p past it.  Returns 0 on success, -1 when there is no digit or
** the value does not fit in 64 bits. */
int kd_rsp_parse_hex(const char **p, const char *end, uint64_t *out);

/* Binary-escape data for a reply (qXfer): each of `# $ } *` becomes `}`
** followed by the byte XOR 0x20.  Writes at most outcap bytes, never
** splitting an escape pair; *consumed says how many input bytes were
** encoded.  Returns the number of bytes written. */
size_t kd_rsp_escape(char *out, size_t outcap, const void *data, size_t len,
                     size_t *consumed);

/* Undo kd_rsp_escape in place; returns the new length, or -1 when the
** data ends in a lone `}`. */
long kd_rsp_unescape(char *data, size_t len);

/* Frame payload as `$payload#xx` into out (room for len + 4 bytes).
** Returns the framed length, or 0 when it does not fit in outcap. */
size_t kd_rsp_frame(char *out, size_t outcap, const void *payload,
                    size_t len);

/* What kd_rsp_parser_feed found. */
enum kd_rsp_event {
  KD_RSP_NONE,          /* needs more bytes */
  KD_RSP_ACK,           /* `+` */
  KD_RSP_NACK,          /* `-`: retransmit the last packet */
  KD_RSP_INTERRUPT,     /* 0x03 outside a packet */
  KD_RSP_PACKET,        /* a packet with a good checksum: buf/len */
  KD_RSP_BAD_CHECKSUM,  /* a complete packet whose checksum is wrong */
  KD_RSP_TOO_LONG       /* a packet with a good checksum but a payload
                           longer than KD_RSP_PACKET_SIZE (not stored) */
};

/*
** Receiver state machine.  Bytes outside packets other than + - 0x03 are
** garbage and skipped; a `$` anywhere restarts a packet (so a truncated
** packet followed by a good one loses only the truncated one); a non-hex
** checksum digit ends the packet as KD_RSP_BAD_CHECKSUM.
*/
struct kd_rsp_parser {
  int state;
  int overflow;          /* payload did not fit in buf */
  uint8_t sum;           /* running checksum of the payload */
  uint8_t wire_sum;      /* checksum digits received so far */
  size_t len;            /* payload bytes stored (PACKET: its length) */
  char buf[KD_RSP_PACKET_SIZE + 1];   /* payload, NUL-terminated */
};

void kd_rsp_parser_init(struct kd_rsp_parser *p);

/* Consume bytes until the first event or the end of data; returns how many
** bytes were consumed and sets *ev.  After KD_RSP_PACKET, p->buf and p->len
** hold the payload until the next call. */
size_t kd_rsp_parser_feed(struct kd_rsp_parser *p, const void *data,
                          size_t len, enum kd_rsp_event *ev);

#endif
