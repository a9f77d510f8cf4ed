/*
** test_rsp.c -- GDB remote protocol: framing units, a scripted session
** against a fake target, a protocol fuzz, disconnects and the TCP listener.
**
** The server always runs in a forked child (on a socketpair, a pipe pair or
** loopback TCP), so a crash shows up as a signal in its exit status instead
** of taking the test down; alarm() bounds every process.
*/
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "gdb/gdbserver.h"
#include "gdb/rsp.h"

#define SERVER_TIMEOUT 120
#define RECV_TIMEOUT_MS 10000

static int passed, failed;

static void check(int ok, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void check(int ok, const char *fmt, ...) {
  va_list ap;
  if (ok) { passed++; return; }       /* quiet on success: the fuzz is big */
  failed++;
  printf("FAIL ");
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
  fflush(stdout);
}

/* ------------------------------------------------------------ units */

static int event_of(struct kd_rsp_parser *p, const char *data, size_t len,
                    size_t *used) {
  enum kd_rsp_event ev;
  *used = kd_rsp_parser_feed(p, data, len, &ev);
  return (int)ev;
}

static void test_units(void) {
  char buf[64];
  uint8_t bytes[16];
  const char *q;
  uint64_t v;
  size_t used, n;

  check(kd_rsp_checksum("", 0) == 0, "checksum of nothing");
  check(kd_rsp_checksum("OK", 2) == 0x9a, "checksum of OK");
  n = kd_rsp_frame(buf, sizeof buf, "qC", 2);
  check(n == 6 && memcmp(buf, "$qC#b4", 6) == 0, "frame qC");
  check(kd_rsp_frame(buf, 5, "qC", 2) == 0, "frame refuses a small buffer");

  n = kd_rsp_hex_encode(buf, "\x00\x7f\xff\x10", 4);
  check(n == 8 && memcmp(buf, "007fff10", 8) == 0, "hex encode");
  check(kd_rsp_hex_decode(bytes, "007FfF10", 8) == 4 &&
        memcmp(bytes, "\x00\x7f\xff\x10", 4) == 0, "hex decode");
  check(kd_rsp_hex_decode(bytes, "abc", 3) == -1, "hex decode odd length");
  check(kd_rsp_hex_decode(bytes, "zz", 2) == -1, "hex decode bad digit");

  q = "ffffffffffffffff,";
  check(kd_rsp_parse_hex(&q, q + 17, &v) == 0 && v == UINT64_MAX && *q == ',',
        "parse max u64");
  q = "10000000000000000";
  check(kd_rsp_parse_hex(&q, q + 17, &v) == -1, "parse overflow");
  q = ",1";
  check(kd_rsp_parse_hex(&q, q + 2, &v) == -1, "parse no digit");
  q = "00000000000000000001";
  check(kd_rsp_parse_hex(&q, q + 20, &v) == 0 && v == 1,
        "leading zeros are not an overflow");

  n = kd_rsp_escape(buf, sizeof buf, "a#b$c}d*e", 9, &used);
  check(n == 13 && used == 9 && memcmp(buf, "a}\x03" "b}\x04" "c}]d}\x0a" "e",
                                       13) == 0, "escape");
  check(kd_rsp_unescape(buf, n) == 9 && memcmp(buf, "a#b$c}d*e", 9) == 0,
        "unescape");
  n = kd_rsp_escape(buf, 2, "a#", 2, &used);
  check(n == 1 && used == 1, "escape never splits a pair");
  memcpy(buf, "ab}", 3);
  check(kd_rsp_unescape(buf, 3) == -1, "unescape lone }");

  struct kd_rsp_parser *p = malloc(sizeof *p);
  kd_rsp_parser_init(p);
  const char *s1 = "xyz+$qC#b4-\x03";
  check(event_of(p, s1, 12, &used) == KD_RSP_ACK && used == 4, "garbage, ack");
  check(event_of(p, s1 + 4, 8, &used) == KD_RSP_PACKET && used == 6 &&
        p->len == 2 && strcmp(p->buf, "qC") == 0, "packet");
  check(event_of(p, s1 + 10, 2, &used) == KD_RSP_NACK, "nack");
  check(event_of(p, s1 + 11, 1, &used) == KD_RSP_INTERRUPT, "interrupt");
  /* byte by byte */
  char s2[16];
  snprintf(s2, sizeof s2, "$m10,4#%02x", kd_rsp_checksum("m10,4", 5));
  int ev = 0;
  for (size_t i = 0; i < strlen(s2); i++) ev = event_of(p, s2 + i, 1, &used);
  check(ev == KD_RSP_PACKET && strcmp(p->buf, "m10,4") == 0, "split packet");
  check(event_of(p, "$qC#00", 6, &used) == KD_RSP_BAD_CHECKSUM, "bad sum");
  check(event_of(p, "$qC#zz", 6, &used) == KD_RSP_BAD_CHECKSUM && used == 5,
        "non-hex sum");
  check(event_of(p, "$abc$qC#b4", 10, &used) == KD_RSP_PACKET &&
        strcmp(p->buf, "qC") == 0, "$ restarts a packet");
  check(event_of(p, "$ab#1$qC#b4", 11, &used) == KD_RSP_PACKET &&
        strcmp(p->buf, "qC") == 0, "$ in the checksum restarts a packet");
  char *big = malloc(KD_RSP_PACKET_SIZE + 16);
  memset(big, 'a', KD_RSP_PACKET_SIZE + 1);
  uint8_t sum = kd_rsp_checksum(big, KD_RSP_PACKET_SIZE + 1);
  check(event_of(p, "$", 1, &used) == KD_RSP_NONE, "start");
  check(event_of(p, big, KD_RSP_PACKET_SIZE + 1, &used) == KD_RSP_NONE,
        "long data");
  snprintf(buf, sizeof buf, "#%02x", sum);
  check(event_of(p, buf, 3, &used) == KD_RSP_TOO_LONG, "too long");
  check(event_of(p, "$OK#9a", 6, &used) == KD_RSP_PACKET && p->len == 2,
        "recovers after too long");
  char *framed = malloc(KD_RSP_FRAME_SIZE);
  memset(big, 'b', KD_RSP_PACKET_SIZE);
  n = kd_rsp_frame(framed, KD_RSP_FRAME_SIZE, big, KD_RSP_PACKET_SIZE);
  check(event_of(p, framed, n, &used) == KD_RSP_PACKET &&
        p->len == KD_RSP_PACKET_SIZE, "packet of exactly PacketSize");
  free(framed);
  free(big);
  free(p);

  /* target description against the register table */
  size_t xml_len;
  const char *xml = kd_gdb_x86_64_target_xml("target.xml", &xml_len);
  check(xml != NULL && strlen(xml) == xml_len, "target.xml");
  check(kd_gdb_x86_64_target_xml("other.xml", &xml_len) == NULL,
        "unknown annex");
  unsigned nregs = 0;
  for (const char *r = xml; (r = strstr(r, "<reg name=\"")) != NULL; nregs++) {
    char name[32];
    unsigned bits;
    r += 11;
    if (sscanf(r, "%31[^\"]\" bitsize=\"%u\"", name, &bits) != 2) break;
    check(nregs < KD_GDB_NREGS && strcmp(name, kd_gdb_reg_name(nregs)) == 0 &&
          bits == 8 * kd_gdb_reg_size(nregs),
          "register %u is %s/%u bits in target.xml", nregs, name, bits);
  }
  check(nregs == KD_GDB_NREGS, "%u registers in target.xml", nregs);
  check(strcmp(kd_gdb_reg_name(KD_GDB_REG_RIP), "rip") == 0 &&
        strcmp(kd_gdb_reg_name(KD_GDB_REG_FS_BASE), "fs_base") == 0 &&
        strcmp(kd_gdb_reg_name(KD_GDB_REG_MXCSR), "mxcsr") == 0 &&
        kd_gdb_reg_name(KD_GDB_NREGS) == NULL, "register enum");
}

/* ------------------------------------------------------ fake target */

#define NTHREADS 4
#define MEM_BASE 0xffff888000000000ull
#define MEM_A_END (MEM_BASE + 0x3000)         /* hole up to MEM_B */
#define MEM_B (MEM_BASE + 0x4000)
#define MEM_B_END (MEM_BASE + 0x5000)
#define BROKEN_THREAD 3                       /* 0-based: errors */

static const char *const names[NTHREADS] = {
  "CPU #0 pid 0 swapper/0", "CPU #1 pid 386 sh", "pid 9 a#b}c*d$e<&>\xff\x01",
  "broken"
};

static uint8_t mem_byte(uint64_t a) {
  return (uint8_t)(a * 7 + (a >> 8));
}

static uint64_t fake_rip(size_t idx) { return 0xffffffff81000000ull + idx; }

static size_t fake_count = NTHREADS;   /* raised by test_many_threads */

static size_t fake_nthreads(void *ctx) { return fake_count; }

static void fake_thread_name(void *ctx, size_t idx, char *buf, size_t len) {
  if (idx < NTHREADS) snprintf(buf, len, "%s", names[idx]);
  else snprintf(buf, len, "task %zu with a rather long name", idx);
}

static struct kd_error *fake_regs(void *ctx, size_t idx, uint64_t *v,
                                  int *valid, size_t nregs) {
  if (idx == BROKEN_THREAD)
    return kd_error_create(KD_ERR_NODATA, "task_struct filtered out");
  for (size_t i = 0; i < nregs; i++) {
    v[i] = 0x0101010101010101ull * (i + 1) + (idx << 56);
    valid[i] = i % 5 != 4;       /* a few unavailable ones */
  }
  v[KD_GDB_REG_RIP] = fake_rip(idx);
  valid[KD_GDB_REG_RIP] = 1;
  valid[KD_GDB_REG_XMM0] = 1;    /* too wide: must still be 'x' */
  return NULL;
}

static struct kd_error *fake_read(void *ctx, size_t idx, uint64_t addr,
                                  void *buf, size_t len, size_t *got) {
  uint8_t *out = buf;
  *got = 0;
  if (idx == BROKEN_THREAD)
    return kd_error_create(KD_ERR_IO, "cannot read the dump");
  if (len > KD_RSP_PACKET_SIZE / 2)
    return kd_error_create(KD_ERR_OTHER, "server asked for %zu bytes", len);
  for (size_t i = 0; i < len; i++) {
    uint64_t a = addr + i;
    int in = (a >= MEM_BASE && a < MEM_A_END) || (a >= MEM_B && a < MEM_B_END);
    if (!in) return kd_error_fault(KD_ERR_FAULT, a, "hole");
    out[i] = mem_byte(a);
    *got = i + 1;
  }
  return NULL;
}

static const char exec_path[] = "/boot/vmlinux-6.1.0#1*$}";

static struct kd_error *fake_exec_file(void *ctx, size_t idx, char **path) {
  *path = strdup(exec_path);
  return *path ? NULL : kd_enomem;
}

#define AUXV_LEN 600
static struct kd_error *fake_auxv(void *ctx, size_t idx, void **data,
                                  size_t *len) {
  uint8_t *d = malloc(AUXV_LEN);
  if (d == NULL) return kd_enomem;
  for (size_t i = 0; i < AUXV_LEN; i++) d[i] = (uint8_t)(i + idx);
  *data = d;
  *len = AUXV_LEN;
  return NULL;
}

static size_t fake_initial(void *ctx) { return 1; }

static void fake_log(void *ctx, const char *msg) {
  (void)ctx;
  (void)msg;                     /* quiet: errors are expected here */
}

static const struct kd_gdb_target fake = {
  .nthreads = fake_nthreads, .thread_name = fake_thread_name,
  .thread_regs = fake_regs, .read_memory = fake_read,
  .exec_file = fake_exec_file, .auxv = fake_auxv,
  .initial_thread = fake_initial, .log = fake_log
};

/* ------------------------------------------------------------ client */

struct client {
  int in, out;
  int acks, nacks, too_long, eof;
  int noack;
  struct kd_rsp_parser p;
  uint8_t buf[4096];
  size_t pos, len;
};

static void client_init(struct client *c, int in, int out) {
  memset(c, 0, sizeof *c);
  c->in = in;
  c->out = out;
  kd_rsp_parser_init(&c->p);
}

static void send_raw(struct client *c, const void *data, size_t len) {
  const char *d = data;
  while (len > 0) {
    ssize_t w = send(c->out, d, len, MSG_NOSIGNAL);
    if (w < 0 && errno == ENOTSOCK) w = write(c->out, d, len);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) { c->eof = 1; return; }
    d += w;
    len -= (size_t)w;
  }
}

/* Any length: oversized packets are part of the tests. */
static void send_packet(struct client *c, const char *payload, size_t len) {
  char tail[4];
  snprintf(tail, sizeof tail, "#%02x", kd_rsp_checksum(payload, len));
  send_raw(c, "$", 1);
  send_raw(c, payload, len);
  send_raw(c, tail, 3);
}

static void send_str(struct client *c, const char *payload) {
  send_packet(c, payload, strlen(payload));
}

/* Next packet from the server into out (NUL-terminated, unescaped = raw);
** returns its length, or -1 on EOF or timeout. */
static long recv_packet(struct client *c, char *out) {
  for (;;) {
    while (c->pos < c->len) {
      enum kd_rsp_event ev;
      c->pos += kd_rsp_parser_feed(&c->p, c->buf + c->pos, c->len - c->pos,
                                   &ev);
      if (ev == KD_RSP_ACK) c->acks++;
      else if (ev == KD_RSP_NACK) c->nacks++;
      else if (ev == KD_RSP_TOO_LONG) c->too_long++;
      else if (ev == KD_RSP_PACKET) {
        if (!c->noack) send_raw(c, "+", 1);
        memcpy(out, c->p.buf, c->p.len + 1);
        return (long)c->p.len;
      }
    }
    struct pollfd pfd = { c->in, POLLIN, 0 };
    int r = poll(&pfd, 1, RECV_TIMEOUT_MS);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    ssize_t n = read(c->in, c->buf, sizeof c->buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) { c->eof = 1; return -1; }
    c->pos = 0;
    c->len = (size_t)n;
  }
}

static int is_console(const char *pkt, long len) {
  if (len < 3 || pkt[0] != 'O' || len % 2 == 0) return 0;
  for (long i = 1; i < len; i++)
    if (kd_rsp_hex_digit((unsigned char)pkt[i]) < 0) return 0;
  return 1;
}

static char reply[KD_RSP_PACKET_SIZE + 1];
static int consoles;

/* Send a request and return its reply (console output is counted and
** skipped). */
static long request(struct client *c, const char *payload) {
  long n;
  send_str(c, payload);
  while ((n = recv_packet(c, reply)) >= 0 && is_console(reply, n))
    consoles++;
  return n;
}

static int reply_is(struct client *c, const char *payload, const char *want) {
  long n = request(c, payload);
  int ok = n >= 0 && (size_t)n == strlen(want) && strcmp(reply, want) == 0;
  check(ok, "'%s' -> '%s' (want '%s')", payload, n >= 0 ? reply : "<none>",
        want);
  return ok;
}

/* ------------------------------------------------------------ servers */

/* Fork a server on fds; the parent keeps the other ends.  mode 0 =
** socketpair, 1 = two pipes (the --stdio case). */
static pid_t start_server(int mode, struct client *c) {
  int sv[2], a[2], b[2];
  pid_t pid;
  if (mode == 0) {
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) return -1;
    pid = fork();
    if (pid == 0) {
      alarm(SERVER_TIMEOUT);
      close(sv[0]);
      struct kd_error *err = kd_gdbserver_serve_fds(&fake, sv[1], sv[1]);
      if (err) fprintf(stderr, "server: %s\n", err->message);
      _exit(err ? 1 : 0);
    }
    close(sv[1]);
    client_init(c, sv[0], sv[0]);
  } else {
    if (pipe(a) < 0 || pipe(b) < 0) return -1;   /* a: to server, b: back */
    pid = fork();
    if (pid == 0) {
      alarm(SERVER_TIMEOUT);
      close(a[1]);
      close(b[0]);
      struct kd_error *err = kd_gdbserver_serve_fds(&fake, a[0], b[1]);
      if (err) fprintf(stderr, "server: %s\n", err->message);
      _exit(err ? 1 : 0);
    }
    close(a[0]);
    close(b[1]);
    client_init(c, b[0], a[1]);
  }
  return pid;
}

static void end_client(struct client *c) {
  close(c->in);
  if (c->out != c->in) close(c->out);
}

/* Wait for the server and check it ended cleanly (returned NULL). */
static void check_server_exit(pid_t pid, const char *what) {
  int status = 0;
  waitpid(pid, &status, 0);
  check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
        "%s: server ends cleanly (status %#x)", what, status);
}

/* ---------------------------------------------------------- session */

static void hex_le(char *out, uint64_t v, size_t size) {
  uint8_t b[8];
  for (size_t i = 0; i < size; i++) b[i] = (uint8_t)(v >> (8 * i));
  out[kd_rsp_hex_encode(out, b, size)] = '\0';
}

static void hex_mem(char *out, uint64_t addr, size_t len) {
  for (size_t i = 0; i < len; i++) {
    uint8_t b = mem_byte(addr + i);
    kd_rsp_hex_encode(out + 2 * i, &b, 1);
  }
  out[2 * len] = '\0';
}

/* Read a whole qXfer object in chunks of `chunk` bytes; returns its length
** (unescaped into doc), or -1. */
static long xfer_all(struct client *c, const char *prefix, char *doc,
                     size_t cap, unsigned chunk) {
  size_t len = 0;
  for (int i = 0; i < 1000; i++) {
    char req[256];
    snprintf(req, sizeof req, "%s%zx,%x", prefix, len, chunk);
    long n = request(c, req);
    if (n < 1 || (reply[0] != 'm' && reply[0] != 'l')) return -1;
    long u = kd_rsp_unescape(reply + 1, (size_t)n - 1);
    if (u < 0 || len + (size_t)u > cap) return -1;
    memcpy(doc + len, reply + 1, (size_t)u);
    len += (size_t)u;
    if (reply[0] == 'l') return (long)len;
    if (u == 0) return -1;
  }
  return -1;
}

static void test_session(int mode) {
  struct client c;
  char want[4096], req[256];
  static char doc[65536];
  const char *tag = mode == 0 ? "socketpair" : "pipes";
  pid_t pid = start_server(mode, &c);
  check(pid > 0, "%s: start server", tag);
  if (pid <= 0) return;

  send_raw(&c, "+", 1);                       /* as gdb starts */
  long n = request(&c, "qSupported:multiprocess+;swbreak+;xmlRegisters=i386");
  check(n > 0 && strstr(reply, "PacketSize=4000") &&
        strstr(reply, "qXfer:features:read+") &&
        strstr(reply, "qXfer:threads:read+") &&
        strstr(reply, "QStartNoAckMode+") &&
        strstr(reply, "qXfer:exec-file:read+") &&
        strstr(reply, "qXfer:auxv:read+"), "%s: qSupported '%s'", tag, reply);
  check(c.acks >= 1, "%s: server acks in ack mode", tag);
  reply_is(&c, "vMustReplyEmpty", "");
  reply_is(&c, "?", "T05thread:2;");
  reply_is(&c, "qC", "QC2");
  reply_is(&c, "qAttached", "1");
  reply_is(&c, "qAttached:a410", "1");
  reply_is(&c, "qOffsets", "");
  reply_is(&c, "qTStatus", "");
  reply_is(&c, "qSymbol::", "OK");
  reply_is(&c, "qfThreadInfo", "m1,2,3,4");
  reply_is(&c, "qsThreadInfo", "l");
  reply_is(&c, "T1", "OK");
  reply_is(&c, "T4", "OK");
  reply_is(&c, "T0", "E03");
  reply_is(&c, "T5", "E03");
  reply_is(&c, "Tzz", "E03");

  /* threads and registers */
  reply_is(&c, "Hg3", "OK");
  reply_is(&c, "qC", "QC3");
  reply_is(&c, "Hg0", "OK");
  reply_is(&c, "qC", "QC3");
  reply_is(&c, "Hg-1", "OK");
  reply_is(&c, "Hgp1.1", "OK");
  reply_is(&c, "qC", "QC1");
  reply_is(&c, "Hgp1.-1", "OK");
  reply_is(&c, "Hg9", "E03");
  reply_is(&c, "Hgx", "E22");
  reply_is(&c, "Hx1", "E22");
  reply_is(&c, "Hc-1", "OK");
  reply_is(&c, "Hg3", "OK");
  n = request(&c, "g");
  size_t glen = 0;
  for (unsigned i = 0; i < KD_GDB_NREGS; i++) glen += 2 * kd_gdb_reg_size(i);
  check(n == (long)glen, "%s: g length %ld (want %zu)", tag, n, glen);
  if (n == (long)glen) {
    size_t off = 0;
    for (unsigned i = 0; i < KD_GDB_NREGS; i++) {
      size_t size = kd_gdb_reg_size(i);
      int avail = (i % 5 != 4 || i == KD_GDB_REG_RIP) && size <= 8;
      if (avail)
        hex_le(want, i == KD_GDB_REG_RIP ? fake_rip(2)
               : 0x0101010101010101ull * (i + 1) + (2ull << 56), size);
      else {
        memset(want, 'x', 2 * size);
        want[2 * size] = '\0';
      }
      check(memcmp(reply + off, want, 2 * size) == 0,
            "%s: g register %u (%s)", tag, i, kd_gdb_reg_name(i));
      off += 2 * size;
    }
  }
  hex_le(want, fake_rip(2), 8);
  reply_is(&c, "p10", want);
  hex_le(want, 0x0101010101010101ull * 18 + (2ull << 56), 4);
  reply_is(&c, "p11", want);                     /* eflags: 4 bytes */
  reply_is(&c, "p18", "xxxxxxxxxxxxxxxxxxxx");   /* st0: never */
  reply_is(&c, "p28", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");   /* xmm0 */
  reply_is(&c, "p3c", "E22");
  reply_is(&c, "p", "E22");
  reply_is(&c, "p10000000000000000", "E22");
  reply_is(&c, "Hg4", "OK");                     /* broken thread */
  n = request(&c, "g");
  int all_x = n == (long)glen;
  for (long i = 0; i < n; i++) all_x &= reply[i] == 'x';
  check(all_x, "%s: register error -> all unavailable", tag);
  reply_is(&c, "p10", "xxxxxxxxxxxxxxxx");
  snprintf(req, sizeof req, "m%llx,4", (unsigned long long)MEM_BASE);
  reply_is(&c, req, "E05");                      /* target I/O error */

  /* memory */
  reply_is(&c, "Hg1", "OK");
  snprintf(req, sizeof req, "m%llx,10", (unsigned long long)MEM_BASE);
  hex_mem(want, MEM_BASE, 16);
  reply_is(&c, req, want);
  snprintf(req, sizeof req, "m%llx,10", (unsigned long long)MEM_A_END - 4);
  hex_mem(want, MEM_A_END - 4, 4);
  reply_is(&c, req, want);                       /* partial before hole */
  snprintf(req, sizeof req, "m%llx,4", (unsigned long long)MEM_A_END);
  reply_is(&c, req, "E14");
  snprintf(req, sizeof req, "m%llx,ffffffffffffffff",
           (unsigned long long)MEM_BASE);
  n = request(&c, req);
  check(n == KD_RSP_PACKET_SIZE, "%s: huge m cut to one packet (%ld)", tag, n);
  snprintf(req, sizeof req, "m%llx,10000000000000000",
           (unsigned long long)MEM_BASE);
  reply_is(&c, req, "E22");
  reply_is(&c, "mfffffffffffffff0,100", "E14");  /* wraps: cut at 2^64 */
  reply_is(&c, "m0,0", "E22");
  reply_is(&c, "m10", "E22");
  reply_is(&c, "m10,", "E22");
  reply_is(&c, "m,10", "E22");
  reply_is(&c, "m10,4x", "E22");

  /* writes and breakpoints are refused */
  reply_is(&c, "M10,1:00", "E30");
  reply_is(&c, "X10,1:a", "E30");
  reply_is(&c, "G00", "E30");
  reply_is(&c, "P10=00", "E30");
  reply_is(&c, "Z0,ffffffff81000000,1", "E30");
  reply_is(&c, "z0,ffffffff81000000,1", "E30");

  /* qXfer */
  size_t xml_len;
  const char *xml = kd_gdb_x86_64_target_xml("target.xml", &xml_len);
  n = xfer_all(&c, "qXfer:features:read:target.xml:", doc, sizeof doc, 0x1000);
  check(n == (long)xml_len && memcmp(doc, xml, xml_len) == 0,
        "%s: target.xml in 0x1000 chunks", tag);
  n = xfer_all(&c, "qXfer:features:read:target.xml:", doc, sizeof doc, 0x7);
  check(n == (long)xml_len && memcmp(doc, xml, xml_len) == 0,
        "%s: target.xml in 7-byte chunks", tag);
  n = xfer_all(&c, "qXfer:features:read:target.xml:", doc, sizeof doc,
               0xfffffff);
  check(n == (long)xml_len, "%s: target.xml with a huge length", tag);
  reply_is(&c, "qXfer:features:read:target.xml:ffffff,10", "l");
  reply_is(&c, "qXfer:features:read:nope.xml:0,10", "E22");
  reply_is(&c, "qXfer:features:read:target.xml:0,0", "E22");
  reply_is(&c, "qXfer:features:read:target.xml:0", "E22");
  reply_is(&c, "qXfer:features:read:target.xml", "E22");
  reply_is(&c, "qXfer:features:write:target.xml:0:abc", "E30");
  reply_is(&c, "qXfer:memory-map:read::0,100", "");
  n = xfer_all(&c, "qXfer:threads:read::", doc, sizeof doc, 0x1000);
  doc[n > 0 ? n : 0] = '\0';
  check(n > 0 && strstr(doc, "<thread id=\"1\" name=\"CPU #0 pid 0 swapper/0\"/>")
        && strstr(doc, "<thread id=\"3\" name=\"pid 9 a#b}c*d$e&lt;&amp;&gt;??\"/>")
        && strstr(doc, "<thread id=\"4\" name=\"broken\"/>"),
        "%s: thread list:\n%s", tag, doc);
  long whole = n;
  n = xfer_all(&c, "qXfer:threads:read::", doc, sizeof doc, 5);
  check(n == whole, "%s: thread list in small chunks", tag);
  n = xfer_all(&c, "qXfer:exec-file:read:a410:", doc, sizeof doc, 0x100);
  check(n == (long)strlen(exec_path) && memcmp(doc, exec_path, (size_t)n) == 0,
        "%s: exec-file", tag);
  n = xfer_all(&c, "qXfer:auxv:read::", doc, sizeof doc, 0x100);
  int auxv_ok = n == AUXV_LEN;
  for (long i = 0; auxv_ok && i < n; i++) auxv_ok = (uint8_t)doc[i] == (uint8_t)i;
  check(auxv_ok, "%s: auxv (binary, escaped) %ld bytes", tag, n);

  /* resuming cannot run anything: console note + stop reply */
  reply_is(&c, "vCont?", "vCont;c;C;s;S");
  consoles = 0;
  reply_is(&c, "vCont;c", "T00thread:1;");
  check(consoles == 1, "%s: vCont;c prints a note", tag);
  reply_is(&c, "vCont;s:3;c", "T00thread:3;");
  reply_is(&c, "qC", "QC3");
  reply_is(&c, "vCont;c:p1.2", "T00thread:2;");
  reply_is(&c, "Hc1", "OK");
  reply_is(&c, "c", "T00thread:1;");
  reply_is(&c, "s", "T00thread:1;");
  reply_is(&c, "C05", "T00thread:1;");
  reply_is(&c, "Hc-1", "OK");
  reply_is(&c, "S05", "T00thread:1;");
  check(consoles == 7, "%s: every resume prints the note (%d)", tag, consoles);
  reply_is(&c, "vKill;a410", "OK");         /* ends the session */

  check_server_exit(pid, tag);
  end_client(&c);
}

/* Framing trouble: acks, retransmission, bad checksums, oversize, no-ack. */
static void test_framing(void) {
  struct client c;
  pid_t pid = start_server(0, &c);
  if (pid <= 0) { check(0, "framing: start server"); return; }
  reply_is(&c, "qC", "QC2");
  send_raw(&c, "-", 1);                     /* please retransmit */
  check(recv_packet(&c, reply) == 3 && strcmp(reply, "QC2") == 0,
        "retransmit on -");
  int nacks = c.nacks;
  send_raw(&c, "$qC#00", 6);                /* bad checksum */
  reply_is(&c, "T1", "OK");
  check(c.nacks == nacks + 1, "bad checksum -> -");
  send_raw(&c, "\x03", 1);                  /* interrupt: nothing runs */
  reply_is(&c, "qC", "QC2");
  send_raw(&c, "junk\r\n####$$$", 14);      /* garbage, dangling $ */
  reply_is(&c, "qC", "QC2");

  size_t big_len = KD_RSP_PACKET_SIZE * 3;
  char *big = malloc(big_len);
  memset(big, 'm', big_len);
  send_packet(&c, big, big_len);
  long n = recv_packet(&c, reply);
  check(n == 3 && strcmp(reply, "E90") == 0, "oversized packet -> E90 (%s)",
        n >= 0 ? reply : "none");
  memcpy(big, "m0,", 3);                    /* oversized number: 2^64+ */
  memset(big + 3, 'f', 40);
  send_packet(&c, big, 43);
  n = recv_packet(&c, reply);
  check(n == 3 && strcmp(reply, "E22") == 0, "overflowing length -> E22");
  free(big);

  reply_is(&c, "QStartNoAckMode", "OK");
  c.noack = 1;
  int acks = c.acks;
  reply_is(&c, "qC", "QC2");
  reply_is(&c, "qC", "QC2");
  check(c.acks == acks, "no acks after QStartNoAckMode");
  send_raw(&c, "$qC#00", 6);
  n = recv_packet(&c, reply);
  check(n == 3 && strcmp(reply, "E22") == 0, "no-ack bad checksum -> E22");
  send_raw(&c, "-", 1);                     /* ignored in no-ack mode */
  reply_is(&c, "qC", "QC2");
  reply_is(&c, "D", "OK");
  check_server_exit(pid, "framing");
  end_client(&c);
}

/* Thread lists longer than one packet: qfThreadInfo/qsThreadInfo and the
** qXfer:threads document both come in several replies. */
static void test_many_threads(void) {
  struct client c;
  static char doc[1 << 20];
  const size_t count = 5000;
  fake_count = count;
  pid_t pid = start_server(0, &c);
  fake_count = NTHREADS;
  if (pid <= 0) { check(0, "many: start server"); return; }
  size_t next = 1, replies = 0;
  int ok = 1;
  long n = request(&c, "qfThreadInfo");
  while (ok && n > 0 && reply[0] == 'm' && replies < 1000) {
    replies++;
    const char *p = reply + 1, *end = reply + n;
    while (p < end) {
      uint64_t tid;
      if (kd_rsp_parse_hex(&p, end, &tid) < 0 || tid != next) { ok = 0; break; }
      next++;
      if (p < end && *p++ != ',') { ok = 0; break; }
    }
    n = request(&c, "qsThreadInfo");
  }
  check(ok && n == 1 && reply[0] == 'l' && next == count + 1 && replies > 1,
        "many: %zu thread ids in %zu replies", next - 1, replies);
  n = xfer_all(&c, "qXfer:threads:read::", doc, sizeof doc - 1, 0xfff0);
  doc[n > 0 ? n : 0] = '\0';
  check(n > KD_RSP_PACKET_SIZE && strstr(doc, "<thread id=\"1388\" name=\"task "
        "4999 with a rather long name\"/>\n</threads>") != NULL,
        "many: thread list of %ld bytes", n);
  reply_is(&c, "T1388", "OK");
  reply_is(&c, "T1389", "E03");
  reply_is(&c, "Hg1388", "OK");
  char want[32];
  hex_le(want, fake_rip(4999), 8);
  reply_is(&c, "p10", want);
  reply_is(&c, "D", "OK");
  check_server_exit(pid, "many");
  end_client(&c);
}

/* ------------------------------------------------------------- fuzz */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static size_t rnd_below(size_t n) { return n ? (size_t)(rnd() % n) : 0; }

static const char *const seeds[] = {
  "g", "?", "qC", "p10", "p3b", "m%llx,40", "m%llx,fffff", "Hg2", "Hgp1.3",
  "Hc-1", "T3", "qfThreadInfo", "qsThreadInfo", "vCont?", "vCont;c",
  "vCont;s:2;c", "c", "s", "qXfer:features:read:target.xml:0,ffb",
  "qXfer:threads:read::0,ffb", "qXfer:auxv:read::10,20",
  "qXfer:exec-file:read::0,ff", "qSupported:multiprocess+;xmlRegisters=i386",
  "qAttached", "qSymbol::", "M%llx,2:0000", "X%llx,1:\x7d\x5d", "Z0,%llx,1",
  "qRcmd,68656c70", "vFile:open:6a7573742070726f62696e67,0,1c0", "qL1200",
  "QNonStop:1", "qThreadExtraInfo,1", "!"
};

/* A payload that does not end the session. */
static size_t fuzz_payload(char *out, size_t cap) {
  static const char alphabet[] =
      "gGpPmMxXHTcCsSqQvVzZ?!0123456789abcdefABCDEF,:;.-=+#$}*\x03 ";
  size_t len = 0;
  int kind = (int)rnd_below(4);
  if (kind == 0) {                            /* random from the alphabet */
    len = rnd_below(rnd_below(10) == 0 ? 600 : 48);
    for (size_t i = 0; i < len; i++)
      out[i] = alphabet[rnd_below(sizeof alphabet - 1)];
  } else if (kind == 1) {                     /* random bytes */
    len = rnd_below(64);
    for (size_t i = 0; i < len; i++) out[i] = (char)rnd();
  } else {                                    /* mutated seed */
    const char *seed = seeds[rnd_below(sizeof seeds / sizeof *seeds)];
    uint64_t addr = rnd_below(3) ? MEM_BASE + rnd_below(0x6000) : rnd();
    const char *hole = strstr(seed, "%llx");     /* where the address goes */
    if (hole == NULL) {
      len = (size_t)snprintf(out, cap, "%s", seed);
    } else {
      len = (size_t)snprintf(out, cap, "%.*s%llx%s", (int)(hole - seed), seed,
                             (unsigned long long)addr, hole + 4);
    }
    int muts = kind == 2 ? 0 : 1 + (int)rnd_below(4);
    for (int m = 0; m < muts && len > 0; m++) {
      size_t at = rnd_below(len);
      switch (rnd_below(5)) {
        case 0: out[at] = alphabet[rnd_below(sizeof alphabet - 1)]; break;
        case 1: out[at] = (char)rnd(); break;
        case 2: len = at; break;                          /* truncate */
        case 3:                                           /* duplicate */
          if (2 * len < cap) { memcpy(out + len, out, len); len *= 2; }
          break;
        case 4:                                           /* huge number */
          if (len + 20 < cap) {
            memmove(out + at + 17, out + at, len - at);
            memset(out + at, 'f', 17);
            len += 17;
          }
          break;
      }
    }
  }
  /* the session enders would stop the fuzz: make them something else */
  if (len > 0 && (out[0] == 'k' || out[0] == 'D')) out[0] = 'q';
  if (len >= 5 && memcmp(out, "vKill", 5) == 0) out[1] = 'k';
  if (len >= 15 && memcmp(out, "QStartNoAckMode", 15) == 0) out[0] = 'q';
  return len;
}

static void test_fuzz(int iterations) {
  struct client c;
  char *payload = malloc(KD_RSP_PACKET_SIZE * 2);
  char probe[64], want[64];
  int lost = 0, probes = 0, replies = 0, errors = 0, empty = 0;
  pid_t pid = start_server(0, &c);
  if (pid <= 0) { check(0, "fuzz: start server"); free(payload); return; }
  for (int it = 0; it < iterations && !c.eof; it++) {
    if (it == iterations / 2) {               /* second half without acks */
      reply_is(&c, "QStartNoAckMode", "OK");
      c.noack = 1;
    }
    size_t len = fuzz_payload(payload, KD_RSP_PACKET_SIZE);
    switch (rnd_below(8)) {
      case 0: {                               /* bad checksum */
        char frame[1024];
        size_t n = kd_rsp_frame(frame, sizeof frame, payload,
                                len < 1000 ? len : 1000);
        if (n > 0) { frame[n - 1] ^= 1; send_raw(&c, frame, n); }
        break;
      }
      case 1: {                               /* raw garbage */
        size_t n = rnd_below(200);
        for (size_t i = 0; i < n; i++) payload[i] = (char)rnd();
        send_raw(&c, payload, n);
        break;
      }
      case 2: {                               /* oversized */
        size_t n = KD_RSP_PACKET_SIZE + 1 + rnd_below(KD_RSP_PACKET_SIZE);
        for (size_t i = 0; i < n; i++) payload[i] = "m0123456789,"[rnd_below(12)];
        send_packet(&c, payload, n);
        break;
      }
      case 3: {                               /* split in two writes */
        char frame[1024];
        size_t n = kd_rsp_frame(frame, sizeof frame, payload,
                                len < 1000 ? len : 1000);
        size_t cut = rnd_below(n + 1);
        send_raw(&c, frame, cut);
        send_raw(&c, frame + cut, n - cut);
        break;
      }
      default:
        send_packet(&c, payload, len);
    }
    /* probe: a read whose answer is unique to this iteration */
    uint64_t addr = MEM_BASE + (uint64_t)(it % 0x2ff0);
    snprintf(probe, sizeof probe, "m%llx,4", (unsigned long long)addr);
    hex_mem(want, addr, 4);
    send_str(&c, probe);
    probes++;
    int found = 0;
    for (int k = 0; k < 64 && !found; k++) {
      long n = recv_packet(&c, reply);
      if (n < 0) break;
      found = strcmp(reply, want) == 0;
      if (!found) {
        replies++;
        errors += reply[0] == 'E' && n == 3;
        empty += n == 0;
      }
    }
    if (!found) {
      lost++;
      check(0, "fuzz iteration %d: server answers the probe", it);
      if (c.eof || lost > 5) break;
    }
  }
  printf("fuzz: %d items, %d replies to them (%d E, %d empty), "
         "%d nacks, %d probes lost\n", probes, replies, errors, empty, c.nacks,
         lost);
  check(lost == 0 && probes == iterations, "fuzz: %d probes, %d lost",
        probes, lost);
  check(c.too_long == 0, "fuzz: no reply longer than PacketSize");
  reply_is(&c, "D", "OK");
  check_server_exit(pid, "fuzz");
  end_client(&c);
  free(payload);
}

/* ------------------------------------------------------- disconnects */

static void test_disconnects(void) {
  static const char *const cuts[] = {
    "$m1234", "$m1234,4#", "$m1234,4#7", "$", "", "+-\x03"
  };
  for (int mode = 0; mode < 2; mode++) {
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
      struct client c;
      pid_t pid = start_server(mode, &c);
      if (pid <= 0) { check(0, "disconnect: start"); continue; }
      send_raw(&c, cuts[i], strlen(cuts[i]));
      end_client(&c);
      check_server_exit(pid, mode ? "pipes mid-packet close"
                                  : "socket mid-packet close");
    }
    /* the client goes away without reading replies: writes fail */
    struct client c;
    pid_t pid = start_server(mode, &c);
    if (pid <= 0) continue;
    if (mode == 0) shutdown(c.in, SHUT_RD);
    else close(c.in);
    for (int k = 0; k < 50; k++) {
      char req[64];
      snprintf(req, sizeof req, "m%llx,2000", (unsigned long long)MEM_BASE);
      send_str(&c, req);
    }
    if (mode == 0) close(c.in);
    else close(c.out);
    check_server_exit(pid, mode ? "pipes reader gone" : "socket reader gone");
  }
}

/* ------------------------------------------------------------- TCP */

static void on_listening(const char *addr, void *arg) {
  int fd = *(int *)arg;
  dprintf(fd, "%s\n", addr);
  close(fd);
}

static int connect_to(const char *addr) {
  const char *colon = strrchr(addr, ':');
  if (colon == NULL) return -1;
  struct sockaddr_in sin;
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_port = htons((uint16_t)atoi(colon + 1));
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  if (connect(fd, (struct sockaddr *)&sin, sizeof sin) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

static void test_tcp(void) {
  int fds[2];
  if (pipe(fds) < 0) { check(0, "tcp: pipe"); return; }
  pid_t pid = fork();
  if (pid == 0) {
    alarm(SERVER_TIMEOUT);
    close(fds[0]);
    struct kd_error *err = kd_gdbserver_listen(&fake, "127.0.0.1:0", 3,
                                               on_listening, &fds[1]);
    if (err) fprintf(stderr, "listen: %s\n", err->message);
    _exit(err ? 1 : 0);
  }
  close(fds[1]);
  char addr[128] = "";
  ssize_t r = read(fds[0], addr, sizeof addr - 1);
  close(fds[0]);
  check(r > 10 && strncmp(addr, "127.0.0.1:", 10) == 0, "tcp: address '%s'",
        addr);
  addr[r > 0 ? r : 0] = '\0';
  addr[strcspn(addr, "\n")] = '\0';
  for (int session = 0; session < 3; session++) {
    struct client c;
    int fd = connect_to(addr);
    check(fd >= 0, "tcp: connect #%d", session);
    if (fd < 0) break;
    client_init(&c, fd, fd);
    reply_is(&c, "qC", "QC2");
    if (session == 0) reply_is(&c, "D", "OK");
    else if (session == 1) send_raw(&c, "$m12", 4);   /* mid-packet close */
    else send_str(&c, "k");
    close(fd);
  }
  check_server_exit(pid, "tcp: 3 sequential sessions");

  struct kd_error *err = kd_gdbserver_listen(&fake, "127.0.0.1:99999", 1,
                                             NULL, NULL);
  check(err != NULL, "tcp: bad port refused");
  kd_error_destroy(err);
  err = kd_gdbserver_listen(&fake, "[::1:12", 1, NULL, NULL);
  check(err != NULL, "tcp: bad address refused");
  kd_error_destroy(err);
  struct kd_gdb_target none = fake;
  none.nthreads = NULL;
  err = kd_gdbserver_serve_fds(&none, 0, 1);
  check(err != NULL, "incomplete target refused");
  kd_error_destroy(err);
}

int main(void) {
  alarm(600);
  signal(SIGPIPE, SIG_IGN);
  test_units();
  test_session(0);
  test_session(1);
  test_framing();
  test_many_threads();
  test_fuzz(4000);
  test_disconnects();
  test_tcp();
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
