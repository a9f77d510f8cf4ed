/*
** gdbserver.c -- session loop and packet dispatch of `kdlua gdbserver`.
**
** One session is one gdb connection.  The loop reads whatever bytes arrive,
** feeds them to the framing parser (rsp.c) and answers each complete packet
** with exactly one reply (resume requests get two: a console message and a
** stop reply).  Acks are not waited for: the last reply is kept, and a `-`
** from gdb gets it sent again.
**
** E replies carry errno-like numbers written in decimal, as gdb ignores
** them anyway: E14 memory not readable, E05 other target error, E22 bad
** packet, E03 no such thread, E30 refused because the dump is read-only,
** E90 packet longer than PacketSize.
*/
#define _GNU_SOURCE                 /* accept4 */
#include "gdbserver.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <sys/prctl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rsp.h"

#define E_FAULT "E14"
#define E_IO "E05"
#define E_INVAL "E22"
#define E_NOTHREAD "E03"
#define E_READONLY "E30"
#define E_TOOLONG "E90"

#define MAX_RETRANSMITS 16
#define MEM_CHUNK (KD_RSP_PACKET_SIZE / 2)

static const char resume_note[] =
  "kdlua: a crash dump cannot run or step; nothing was executed\n";

struct reg_slot {
  uint64_t values[KD_GDB_NREGS];
  int valid[KD_GDB_NREGS];
};

/* A document served through qXfer, fetched at offset 0 and kept for the
** following chunks. */
struct xfer_doc {
  int filled;
  size_t idx;        /* thread it was fetched for */
  char *data;
  size_t len;
};

struct session {
  const struct kd_gdb_target *t;
  int in_fd, out_fd;
  int use_send;      /* out_fd is a socket: send() with MSG_NOSIGNAL */
  int noack;
  int done;
  size_t n;          /* threads, ids 1..n */
  size_t cur_g;      /* 0-based thread of g/p/m */
  size_t cur_c;      /* 0-based thread of c/s, SIZE_MAX = not set */
  size_t list_pos;   /* qsThreadInfo cursor */
  int retransmits;
  struct kd_rsp_parser parser;
  char reply[KD_RSP_PACKET_SIZE + 1];
  size_t reply_len;
  char frame[KD_RSP_FRAME_SIZE];
  size_t frame_len;
  struct reg_slot **regs;   /* per thread, filled when gdb first asks */
  struct reg_slot scratch;  /* when a slot cannot be allocated */
  struct xfer_doc threads_xml, exec_file, auxv;
  uint8_t mem[MEM_CHUNK];
  uint8_t in[4096];
};

/* Outcome of reading or writing the connection. */
enum io_status { IO_OK, IO_CLOSED, IO_ERROR };

static void log_msg(struct session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void log_msg(struct session *s, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  if (s->t->log == NULL) return;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  s->t->log(s->t->ctx, msg);
}

/* ---------------------------------------------------------------- I/O */

#define WRITE_STALL_SECONDS 60

static int peer_gone(int e) {
  return e == EPIPE || e == ECONNRESET || e == ENOTCONN || e == ESHUTDOWN;
}

/*
** Write everything, on a socket with send(MSG_NOSIGNAL) so a vanished
** client cannot kill the host with SIGPIPE, and with write() on pipes
** (--stdio), where SIGPIPE is ignored for the duration of the session.
*/
static enum io_status write_all(struct session *s, const void *data,
                                size_t len) {
  const char *p = data;
  int stalled = 0;
  while (len > 0) {
    ssize_t w;
    if (s->use_send) {
      w = send(s->out_fd, p, len, MSG_NOSIGNAL);
      if (w < 0 && errno == ENOTSOCK) { s->use_send = 0; continue; }
    } else {
      w = write(s->out_fd, p, len);
    }
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        /* a client that stops reading ends its session after a minute */
        struct pollfd pfd = { s->out_fd, POLLOUT, 0 };
        if (poll(&pfd, 1, 1000) == 0 && ++stalled >= WRITE_STALL_SECONDS) {
          errno = ETIMEDOUT;
          return IO_ERROR;
        }
        continue;
      }
      return peer_gone(errno) ? IO_CLOSED : IO_ERROR;
    }
    p += w;
    len -= (size_t)w;
  }
  return IO_OK;
}

/* Frame the reply buffer, remember it for retransmission, send it. */
static enum io_status send_reply(struct session *s) {
  s->frame_len = kd_rsp_frame(s->frame, sizeof s->frame, s->reply,
                              s->reply_len);
  s->retransmits = 0;
  return write_all(s, s->frame, s->frame_len);
}

/* ------------------------------------------------------------ replies */

static void reply_str(struct session *s, const char *str) {
  size_t len = strlen(str);
  if (len > KD_RSP_PACKET_SIZE) len = KD_RSP_PACKET_SIZE;
  memcpy(s->reply, str, len);
  s->reply_len = len;
}

static void reply_fmt(struct session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void reply_fmt(struct session *s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(s->reply, sizeof s->reply, fmt, ap);
  va_end(ap);
  if (n < 0) n = 0;
  s->reply_len = (size_t)n < KD_RSP_PACKET_SIZE ? (size_t)n
                                                 : KD_RSP_PACKET_SIZE;
}

/* E reply for a target error: unreadable memory or something else. */
static void reply_target_error(struct session *s, struct kd_error *err,
                               const char *what) {
  int fault = err->code == KD_ERR_FAULT || err->code == KD_ERR_NODATA;
  if (!fault) log_msg(s, "gdbserver: %s: %s", what, err->message);
  kd_error_destroy(err);
  reply_str(s, fault ? E_FAULT : E_IO);
}

/* -------------------------------------------------------- thread ids */

/*
** A thread id as gdb writes it: hex, "0" (any), "-1" (all), or with the
** multiprocess extension "p<pid>.<tid>".  *tid is 0 for any/all.  Returns
** -1 when malformed.
*/
static int parse_thread_id(const char **p, const char *end, uint64_t *tid) {
  const char *q = *p;
  if (q < end && *q == 'p') {           /* p<pid>[.<tid>] */
    uint64_t pid;
    q++;
    if (end - q >= 2 && q[0] == '-' && q[1] == '1') q += 2;
    else if (kd_rsp_parse_hex(&q, end, &pid) < 0) return -1;
    if (q == end || *q != '.') { *tid = 0; *p = q; return 0; }
    q++;
  }
  if (end - q >= 2 && q[0] == '-' && q[1] == '1') {
    *tid = 0;
    *p = q + 2;
    return 0;
  }
  if (kd_rsp_parse_hex(&q, end, tid) < 0) return -1;
  *p = q;
  return 0;
}

/* Is tid (1-based) a thread of this session? */
static int thread_exists(struct session *s, uint64_t tid) {
  return tid >= 1 && tid <= s->n;
}

/* ---------------------------------------------------------- registers */

/*
** Registers of thread idx.  The target may have to work for them (unwind a
** sleeping task's stack), and gdb asks for the same thread again and again,
** so each thread's registers are fetched once per session and kept; only
** threads gdb looks at cost memory.  A target error is logged and leaves
** every register unavailable.
*/
static struct reg_slot *thread_regs(struct session *s, size_t idx) {
  if (s->regs != NULL && s->regs[idx] != NULL) return s->regs[idx];
  struct reg_slot *slot = s->regs ? malloc(sizeof *slot) : NULL;
  if (slot == NULL) slot = &s->scratch;
  else s->regs[idx] = slot;
  memset(slot, 0, sizeof *slot);
  struct kd_error *err = s->t->thread_regs(s->t->ctx, idx, slot->values,
                                           slot->valid, KD_GDB_NREGS);
  if (err != NULL) {
    log_msg(s, "gdbserver: registers of thread %zu: %s", idx + 1,
            err->message);
    kd_error_destroy(err);
    memset(slot->valid, 0, sizeof slot->valid);
  }
  return slot;
}

/* Append register regno in target byte order, or 'x's when unavailable. */
static size_t encode_reg(const struct reg_slot *slot, unsigned regno,
                         char *out) {
  size_t size = kd_gdb_reg_size(regno);
  if (!slot->valid[regno] || size > 8) {
    memset(out, 'x', 2 * size);
    return 2 * size;
  }
  uint8_t bytes[8];
  uint64_t v = slot->values[regno];
  for (size_t i = 0; i < size; i++) bytes[i] = (uint8_t)(v >> (8 * i));
  return kd_rsp_hex_encode(out, bytes, size);
}

static void handle_g(struct session *s) {
  struct reg_slot *slot = thread_regs(s, s->cur_g);
  size_t o = 0;
  for (unsigned i = 0; i < KD_GDB_NREGS; i++)
    o += encode_reg(slot, i, s->reply + o);
  s->reply_len = o;
}

static void handle_p(struct session *s, const char *arg, const char *end) {
  uint64_t regno;
  if (kd_rsp_parse_hex(&arg, end, &regno) < 0 || arg != end ||
      regno >= KD_GDB_NREGS) {
    reply_str(s, E_INVAL);
    return;
  }
  s->reply_len = encode_reg(thread_regs(s, s->cur_g), (unsigned)regno,
                            s->reply);
}

/* ------------------------------------------------------------- memory */

/*
** m addr,len.  The protocol lets a stub return fewer bytes than asked, so
** lengths beyond what fits in one reply (or beyond the end of the address
** space) are cut, not refused: gdb asks again for the rest.
*/
static void handle_m(struct session *s, const char *arg, const char *end) {
  uint64_t addr, len;
  if (kd_rsp_parse_hex(&arg, end, &addr) < 0 || arg == end || *arg++ != ',' ||
      kd_rsp_parse_hex(&arg, end, &len) < 0 || arg != end) {
    reply_str(s, E_INVAL);
    return;
  }
  if (len == 0) { reply_str(s, E_INVAL); return; }
  if (len > MEM_CHUNK) len = MEM_CHUNK;
  if (addr + len < addr) len = 0 - addr;    /* stop at 2^64 */
  size_t got = 0;
  struct kd_error *err = s->t->read_memory(s->t->ctx, s->cur_g, addr, s->mem,
                                           (size_t)len, &got);
  if (got > len) got = (size_t)len;
  if (got > 0) {
    kd_error_destroy(err);
    s->reply_len = kd_rsp_hex_encode(s->reply, s->mem, got);
  } else if (err != NULL) {
    reply_target_error(s, err, "memory read");
  } else {
    reply_str(s, E_FAULT);
  }
}

/* ----------------------------------------------------------- threads */

struct strbuf {
  char *data;
  size_t len, cap;
  int failed;
};

static void sb_add(struct strbuf *b, const char *str, size_t len) {
  if (b->failed) return;
  if (b->len + len + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + len + 1) cap *= 2;
    char *d = realloc(b->data, cap);
    if (d == NULL) { b->failed = 1; return; }
    b->data = d;
    b->cap = cap;
  }
  memcpy(b->data + b->len, str, len);
  b->len += len;
  b->data[b->len] = '\0';
}

static void sb_adds(struct strbuf *b, const char *str) {
  sb_add(b, str, strlen(str));
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n) {
  size_t len;
  if (s[0] >= 0xc2 && s[0] <= 0xdf) len = 2;
  else if (s[0] >= 0xe0 && s[0] <= 0xef) len = 3;
  else if (s[0] >= 0xf0 && s[0] <= 0xf4) len = 4;
  else return 0;
  if (len > n) return 0;
  for (size_t i = 1; i < len; i++)
    if ((s[i] & 0xc0) != 0x80) return 0;
  return len;
}

/*
** Task names are arbitrary bytes; gdb parses this document with expat,
** which rejects the whole thing on one control character or bad UTF-8.
** So markup characters become entities and anything not printable ASCII
** or valid UTF-8 becomes '?'.
*/
static void sb_add_xml_text(struct strbuf *b, const char *text) {
  const unsigned char *p = (const unsigned char *)text;
  size_t n = strlen(text);
  for (size_t i = 0; i < n;) {
    unsigned char c = p[i];
    size_t u;
    switch (c) {
      case '&': sb_adds(b, "&amp;"); i++; continue;
      case '<': sb_adds(b, "&lt;"); i++; continue;
      case '>': sb_adds(b, "&gt;"); i++; continue;
      case '"': sb_adds(b, "&quot;"); i++; continue;
      case '\'': sb_adds(b, "&apos;"); i++; continue;
    }
    if (c >= 0x20 && c < 0x7f) { sb_add(b, (const char *)p + i, 1); i++; }
    else if (c >= 0x80 && (u = utf8_len(p + i, n - i)) > 0) {
      sb_add(b, (const char *)p + i, u);
      i += u;
    } else { sb_adds(b, "?"); i++; }
  }
}

static void thread_name(struct session *s, size_t idx, char *buf,
                        size_t len) {
  buf[0] = '\0';
  s->t->thread_name(s->t->ctx, idx, buf, len);
  buf[len - 1] = '\0';
}

static struct kd_error *build_threads_xml(struct session *s, char **data,
                                          size_t *len) {
  struct strbuf b = { NULL, 0, 0, 0 };
  char name[256], id[32];
  sb_adds(&b, "<?xml version=\"1.0\"?>\n<threads>\n");
  for (size_t i = 0; i < s->n && !b.failed; i++) {
    thread_name(s, i, name, sizeof name);
    snprintf(id, sizeof id, "%zx", i + 1);
    sb_adds(&b, "<thread id=\"");
    sb_adds(&b, id);
    sb_adds(&b, "\" name=\"");
    sb_add_xml_text(&b, name);
    sb_adds(&b, "\"/>\n");
  }
  sb_adds(&b, "</threads>\n");
  if (b.failed) {
    free(b.data);
    return kd_enomem;
  }
  *data = b.data;
  *len = b.len;
  return NULL;
}

/* qfThreadInfo / qsThreadInfo: as many ids as fit, "l" at the end. */
static void handle_thread_info(struct session *s, int first) {
  if (first) s->list_pos = 0;
  if (s->list_pos >= s->n) { reply_str(s, "l"); return; }
  size_t o = 0;
  s->reply[o++] = 'm';
  while (s->list_pos < s->n && o + 20 < KD_RSP_PACKET_SIZE) {
    if (o > 1) s->reply[o++] = ',';
    o += (size_t)snprintf(s->reply + o, 20, "%zx", s->list_pos + 1);
    s->list_pos++;
  }
  s->reply_len = o;
}

/* -------------------------------------------------------------- qXfer */

static void free_doc(struct xfer_doc *d) {
  free(d->data);
  memset(d, 0, sizeof *d);
}

/* Send doc[off, off+len) as an m (more) or l (last) reply, escaped. */
static void reply_xfer(struct session *s, const char *doc, size_t doc_len,
                       uint64_t off, uint64_t len) {
  if (off >= doc_len) { reply_str(s, "l"); return; }
  size_t avail = doc_len - (size_t)off;
  if (len > avail) len = avail;
  size_t used;
  size_t o = kd_rsp_escape(s->reply + 1, KD_RSP_PACKET_SIZE - 1,
                           doc + (size_t)off, (size_t)len, &used);
  s->reply[0] = used == avail ? 'l' : 'm';
  s->reply_len = o + 1;
}

/* Fetch a cacheable qXfer document when needed (offset 0, or asked for
** another thread than the cached one: the thread list is the same for all,
** exec-file and auxv belong to the current thread's process); returns 0
** when the reply was already set to an error. */
static int fetch_doc(struct session *s, struct xfer_doc *d, uint64_t off,
                     int which) {
  size_t key = which == 0 ? 0 : s->cur_g;
  if (d->filled && d->idx == key && off != 0) return 1;
  free_doc(d);
  struct kd_error *err;
  void *data = NULL;
  char *path = NULL;
  size_t len = 0;
  if (which == 0) {
    err = build_threads_xml(s, &path, &len);
  } else if (which == 1) {
    err = s->t->exec_file(s->t->ctx, s->cur_g, &path);
    if (err == NULL && path != NULL) len = strlen(path);
  } else {
    err = s->t->auxv(s->t->ctx, s->cur_g, &data, &len);
    path = data;
  }
  if (err != NULL) {
    free(path);
    reply_target_error(s, err, "qXfer");
    return 0;
  }
  d->filled = 1;
  d->idx = key;
  d->data = path;
  d->len = path != NULL ? len : 0;
  return 1;
}

/*
** qXfer:<object>:read:<annex>:<offset>,<length>.  Unknown objects get the
** empty "not supported" reply; writes are refused.
*/
static void handle_qxfer(struct session *s, const char *arg,
                         const char *end) {
  const char *obj = arg, *c1 = memchr(arg, ':', (size_t)(end - arg));
  if (c1 == NULL) { reply_str(s, E_INVAL); return; }
  const char *op = c1 + 1, *c2 = memchr(op, ':', (size_t)(end - op));
  if (c2 == NULL) { reply_str(s, E_INVAL); return; }
  const char *annex = c2 + 1, *c3 = memchr(annex, ':', (size_t)(end - annex));
  if (c3 == NULL) { reply_str(s, E_INVAL); return; }
  size_t obj_len = (size_t)(c1 - obj), annex_len = (size_t)(c3 - annex);
#define IS(str, p, n) ((n) == sizeof str - 1 && memcmp(p, str, n) == 0)
  int which;
  if (IS("features", obj, obj_len)) which = -1;
  else if (IS("threads", obj, obj_len)) which = 0;
  else if (IS("exec-file", obj, obj_len) && s->t->exec_file) which = 1;
  else if (IS("auxv", obj, obj_len) && s->t->auxv) which = 2;
  else { s->reply_len = 0; return; }
  if (!IS("read", op, (size_t)(c2 - op))) {
    reply_str(s, E_READONLY);
    return;
  }
#undef IS
  const char *q = c3 + 1;
  uint64_t off, len;
  if (kd_rsp_parse_hex(&q, end, &off) < 0 || q == end || *q++ != ',' ||
      kd_rsp_parse_hex(&q, end, &len) < 0 || q != end || len == 0) {
    reply_str(s, E_INVAL);
    return;
  }
  if (which == -1) {
    char name[64];
    size_t doc_len;
    const char *doc = NULL;
    if (annex_len < sizeof name) {
      memcpy(name, annex, annex_len);
      name[annex_len] = '\0';
      doc = kd_gdb_x86_64_target_xml(name, &doc_len);
    }
    if (doc == NULL) { reply_str(s, E_INVAL); return; }
    reply_xfer(s, doc, doc_len, off, len);
    return;
  }
  struct xfer_doc *d = which == 0 ? &s->threads_xml
                     : which == 1 ? &s->exec_file : &s->auxv;
  if (!fetch_doc(s, d, off, which)) return;
  reply_xfer(s, d->data, d->len, off, len);
}

/* ------------------------------------------------------------ queries */

static int has_prefix(const char *p, const char *end, const char *prefix) {
  size_t n = strlen(prefix);
  return (size_t)(end - p) >= n && memcmp(p, prefix, n) == 0;
}

static int is_exactly(const char *p, const char *end, const char *word) {
  size_t n = strlen(word);
  return (size_t)(end - p) == n && memcmp(p, word, n) == 0;
}

static void handle_q(struct session *s, const char *p, const char *end) {
  if (has_prefix(p, end, "qSupported")) {
    reply_fmt(s, "PacketSize=%x;qXfer:features:read+;qXfer:threads:read+;"
              "QStartNoAckMode+%s%s", KD_RSP_PACKET_SIZE,
              s->t->exec_file ? ";qXfer:exec-file:read+" : "",
              s->t->auxv ? ";qXfer:auxv:read+" : "");
  } else if (has_prefix(p, end, "qXfer:")) {
    handle_qxfer(s, p + 6, end);
  } else if (is_exactly(p, end, "qfThreadInfo")) {
    handle_thread_info(s, 1);
  } else if (is_exactly(p, end, "qsThreadInfo")) {
    handle_thread_info(s, 0);
  } else if (is_exactly(p, end, "qC")) {
    reply_fmt(s, "QC%zx", s->cur_g + 1);
  } else if (has_prefix(p, end, "qAttached")) {
    reply_str(s, "1");           /* quitting gdb detaches, never kills */
  } else if (has_prefix(p, end, "qSymbol")) {
    reply_str(s, "OK");          /* no symbols wanted */
  } else {
    s->reply_len = 0;            /* qOffsets, qTStatus, ...: unsupported */
  }
}

/* ------------------------------------------------------------- resume */

/* 0-based thread named by the first action of `vCont;a[:tid];...` that
** names one, or SIZE_MAX. */
static size_t vcont_thread(struct session *s, const char *p,
                           const char *end) {
  while (p < end) {
    const char *semi = memchr(p, ';', (size_t)(end - p));
    const char *stop = semi ? semi : end;
    const char *colon = memchr(p, ':', (size_t)(stop - p));
    uint64_t tid;
    if (colon != NULL) {
      const char *q = colon + 1;
      if (parse_thread_id(&q, stop, &tid) == 0 && thread_exists(s, tid))
        return (size_t)tid - 1;
    }
    if (semi == NULL) break;
    p = semi + 1;
  }
  return SIZE_MAX;
}

/*
** c, C, s, S, vCont;...: nothing can run, so say so on gdb's console and
** report a stop with signal 0 at once.  gdb prints "Program stopped." and
** gives the prompt back; a `next` does not loop, since an unexplained stop
** ends stepping (a SIGTRAP stop would make gdb step again and again).
*/
static enum io_status handle_resume(struct session *s, size_t thread) {
  if (thread == SIZE_MAX) thread = s->cur_c != SIZE_MAX ? s->cur_c : s->cur_g;
  s->reply[0] = 'O';
  s->reply_len = 1 + kd_rsp_hex_encode(s->reply + 1, resume_note,
                                       sizeof resume_note - 1);
  enum io_status st = send_reply(s);
  if (st != IO_OK) return st;
  s->cur_g = thread;
  reply_fmt(s, "T00thread:%zx;", thread + 1);
  return send_reply(s);
}

/* ----------------------------------------------------------- dispatch */

/*
** Answer one packet.  Sets s->done when the session ends (after the reply,
** if any); returns the status of writing the reply.
*/
static enum io_status dispatch(struct session *s, const char *p, size_t len) {
  const char *end = p + len, *arg = p + 1;
  uint64_t tid;
  s->reply_len = 0;
  if (len == 0) return send_reply(s);
  switch (p[0]) {
    case '?':
      reply_fmt(s, "T05thread:%zx;", s->cur_g + 1);
      break;
    case 'g':
      if (len == 1) handle_g(s);
      else reply_str(s, E_INVAL);
      break;
    case 'p':
      handle_p(s, arg, end);
      break;
    case 'm':
      handle_m(s, arg, end);
      break;
    case 'G': case 'P': case 'M': case 'X': case 'Z': case 'z':
      reply_str(s, E_READONLY);
      break;
    case 'H':
      if (len < 2 || (p[1] != 'g' && p[1] != 'c')) { reply_str(s, E_INVAL); break; }
      arg = p + 2;
      if (parse_thread_id(&arg, end, &tid) < 0 || arg != end) {
        reply_str(s, E_INVAL);
      } else if (tid != 0 && !thread_exists(s, tid)) {
        reply_str(s, E_NOTHREAD);
      } else {
        if (p[1] == 'g' && tid != 0) s->cur_g = (size_t)tid - 1;
        if (p[1] == 'c') s->cur_c = tid != 0 ? (size_t)tid - 1 : SIZE_MAX;
        reply_str(s, "OK");
      }
      break;
    case 'T':
      if (parse_thread_id(&arg, end, &tid) == 0 && arg == end &&
          thread_exists(s, tid))
        reply_str(s, "OK");
      else
        reply_str(s, E_NOTHREAD);
      break;
    case 'c': case 'C': case 's': case 'S':
      return handle_resume(s, SIZE_MAX);
    case 'D':
      reply_str(s, "OK");
      s->done = 1;
      break;
    case 'k':
      s->done = 1;
      return IO_OK;               /* gdb expects no reply */
    case 'q':
      handle_q(s, p, end);
      break;
    case 'Q':
      if (is_exactly(p, end, "QStartNoAckMode")) {
        reply_str(s, "OK");
        enum io_status st = send_reply(s);
        s->noack = 1;             /* from after this reply on */
        return st;
      }
      break;
    case 'v':
      if (is_exactly(p, end, "vCont?")) {
        reply_str(s, "vCont;c;C;s;S");
      } else if (has_prefix(p, end, "vCont;")) {
        return handle_resume(s, vcont_thread(s, p + 6, end));
      } else if (has_prefix(p, end, "vKill")) {
        reply_str(s, "OK");
        s->done = 1;
      }
      break;                      /* vMustReplyEmpty and others: empty */
  }
  return send_reply(s);
}

/* -------------------------------------------------------- the session */

static enum io_status on_event(struct session *s, enum kd_rsp_event ev) {
  enum io_status st;
  switch (ev) {
    case KD_RSP_NONE: case KD_RSP_ACK: case KD_RSP_INTERRUPT:
      return IO_OK;               /* nothing runs, so nothing to interrupt */
    case KD_RSP_NACK:
      if (s->noack || s->frame_len == 0 || s->retransmits >= MAX_RETRANSMITS)
        return IO_OK;
      s->retransmits++;
      return write_all(s, s->frame, s->frame_len);
    case KD_RSP_BAD_CHECKSUM:
      if (!s->noack) return write_all(s, "-", 1);
      /* no-ack mode: gdb waits for an answer, so say it went wrong */
      reply_str(s, E_INVAL);
      return send_reply(s);
    case KD_RSP_TOO_LONG:
      if (!s->noack && (st = write_all(s, "+", 1)) != IO_OK) return st;
      reply_str(s, E_TOOLONG);
      return send_reply(s);
    case KD_RSP_PACKET:
      if (!s->noack && (st = write_all(s, "+", 1)) != IO_OK) return st;
      return dispatch(s, s->parser.buf, s->parser.len);
  }
  return IO_OK;
}

static struct kd_error *run_session(struct session *s) {
  while (!s->done) {
    ssize_t r = read(s->in_fd, s->in, sizeof s->in);
    if (r == 0) return NULL;                      /* gdb went away */
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        struct pollfd pfd = { s->in_fd, POLLIN, 0 };
        poll(&pfd, 1, 1000);
        continue;
      }
      if (peer_gone(errno)) return NULL;
      return kd_error_create(KD_ERR_IO, "gdbserver: read: %s",
                             strerror(errno));
    }
    size_t pos = 0;
    while (pos < (size_t)r && !s->done) {
      enum kd_rsp_event ev;
      pos += kd_rsp_parser_feed(&s->parser, s->in + pos, (size_t)r - pos,
                                &ev);
      enum io_status st = on_event(s, ev);
      if (st == IO_CLOSED) return NULL;
      if (st == IO_ERROR)
        return kd_error_create(KD_ERR_IO, "gdbserver: write: %s",
                               strerror(errno));
    }
  }
  return NULL;
}

struct kd_error *kd_gdbserver_serve_fds(const struct kd_gdb_target *t,
                                        int in_fd, int out_fd) {
  if (t == NULL || t->nthreads == NULL || t->thread_name == NULL ||
      t->thread_regs == NULL || t->read_memory == NULL)
    return kd_error_create(KD_ERR_OTHER, "gdbserver: incomplete target");
  size_t n = t->nthreads(t->ctx);
  if (n == 0)
    return kd_error_create(KD_ERR_NODATA, "gdbserver: the dump has no threads");
  struct session *s = calloc(1, sizeof *s);
  if (s == NULL) return kd_enomem;
  s->t = t;
  s->in_fd = in_fd;
  s->out_fd = out_fd;
  s->use_send = 1;
  s->n = n;
  s->cur_c = SIZE_MAX;
  s->regs = calloc(n, sizeof *s->regs);    /* NULL: no caching, still works */
  if (t->initial_thread != NULL) {
    size_t i = t->initial_thread(t->ctx);
    if (i < n) s->cur_g = i;
  }
  kd_rsp_parser_init(&s->parser);

  struct sigaction ign, old;
  memset(&ign, 0, sizeof ign);
  ign.sa_handler = SIG_IGN;
  sigemptyset(&ign.sa_mask);
  sigaction(SIGPIPE, &ign, &old);
  struct kd_error *err = run_session(s);
  sigaction(SIGPIPE, &old, NULL);

  free_doc(&s->threads_xml);
  free_doc(&s->exec_file);
  free_doc(&s->auxv);
  if (s->regs != NULL)
    for (size_t i = 0; i < n; i++) free(s->regs[i]);
  free(s->regs);
  free(s);
  return err;
}

/* ------------------------------------------------------------- TCP */

/* Split "host:port", "[v6]:port", ":port" or "port"; host defaults to
** 127.0.0.1.  Returns -1 when malformed. */
static int split_host_port(const char *hp, char *host, size_t hlen,
                           char *port, size_t plen) {
  const char *h = "127.0.0.1", *pt;
  size_t hl = strlen(h);
  if (hp == NULL) hp = "127.0.0.1:1234";
  if (hp[0] == '[') {
    const char *close = strchr(hp, ']');
    if (close == NULL || close[1] != ':') return -1;
    h = hp + 1;
    hl = (size_t)(close - h);
    pt = close + 2;
  } else {
    const char *colon = strrchr(hp, ':');
    if (colon == NULL) {
      pt = hp;
    } else {
      if (colon > hp) { h = hp; hl = (size_t)(colon - hp); }
      pt = colon + 1;
    }
  }
  if (hl == 0 || hl >= hlen || strlen(pt) >= plen || *pt == '\0') return -1;
  for (const char *c = pt; *c; c++)
    if (*c < '0' || *c > '9') return -1;
  if (atol(pt) > 65535) return -1;
  memcpy(host, h, hl);
  host[hl] = '\0';
  strcpy(port, pt);
  return 0;
}

static struct kd_error *open_listener(const char *host_port, int *out,
                                      char *addr, size_t addr_len) {
  char host[256], port[16];
  if (split_host_port(host_port, host, sizeof host, port, sizeof port) < 0)
    return kd_error_create(KD_ERR_FORMAT,
                           "gdbserver: bad address '%s' (want host:port)",
                           host_port);
  struct addrinfo hints, *res, *ai;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  int rc = getaddrinfo(host, port, &hints, &res);
  if (rc != 0)
    return kd_error_create(KD_ERR_LOOKUP, "gdbserver: %s: %s", host,
                           gai_strerror(rc));
  int fd = -1, saved = 0;
  for (ai = res; ai != NULL; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
                ai->ai_protocol);
    if (fd < 0) { saved = errno; continue; }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 1) == 0)
      break;
    saved = errno;
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0)
    return kd_error_create(KD_ERR_IO, "gdbserver: listen on %s:%s: %s", host,
                           port, strerror(saved));

  struct sockaddr_storage ss;
  socklen_t sl = sizeof ss;
  char h[NI_MAXHOST], p[NI_MAXSERV];
  if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0 &&
      getnameinfo((struct sockaddr *)&ss, sl, h, sizeof h, p, sizeof p,
                  NI_NUMERICHOST | NI_NUMERICSERV) == 0)
    snprintf(addr, addr_len, ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s",
             h, p);
  else
    snprintf(addr, addr_len, "%s:%s", host, port);
  *out = fd;
  return NULL;
}

/* Reap the session processes that have ended (never blocks); returns how
** many are still running. */
static size_t reap_sessions(pid_t *pids, size_t n, bool block) {
  size_t live = 0;
  for (size_t i = 0; i < n; i++) {
    if (pids[i] <= 0) continue;
    int st;
    pid_t r;
    do r = waitpid(pids[i], &st, block ? 0 : WNOHANG); while (r < 0 && errno == EINTR);
    if (r == pids[i] || r < 0) pids[i] = 0;
    else live++;
  }
  return live;
}

static void serve_client(const struct kd_gdb_target *t, int c) {
  struct kd_error *serr = kd_gdbserver_serve_fds(t, c, c);
  if (serr != NULL) {
    if (t->log == NULL) kd_error_destroy(serr);
    else {
      char msg[512];
      snprintf(msg, sizeof msg, "gdbserver: session ended: %s", serr->message);
      kd_error_destroy(serr);
      t->log(t->ctx, msg);
    }
  }
}

/*
** Each client is served by a process of its own, forked at accept: a
** client that connects and sends nothing, or floods and never reads,
** holds only its own process, never the others (the dump is read-only, so
** sessions share nothing that could race).  The last session that
** max_sessions allows is served here, without a fork.
*/
#define MAX_SESSION_PROCS 64
struct kd_error *kd_gdbserver_listen(const struct kd_gdb_target *t,
                                     const char *host_port, int max_sessions,
                                     void (*on_listening)(const char *addr,
                                                          void *arg),
                                     void *arg) {
  int fd = -1, transient = 0;
  char addr[NI_MAXHOST + NI_MAXSERV + 4];
  struct kd_error *err = open_listener(host_port, &fd, addr, sizeof addr);
  if (err != NULL) return err;
  if (on_listening != NULL) on_listening(addr, arg);
  pid_t kids[MAX_SESSION_PROCS] = { 0 };
  for (int served = 0; max_sessions <= 0 || served < max_sessions;) {
    int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
    if (c < 0) {
      if ((errno == EINTR || errno == ECONNABORTED || errno == EPROTO) &&
          ++transient < 100)
        continue;
      err = kd_error_create(KD_ERR_IO, "gdbserver: accept on %s: %s", addr,
                            strerror(errno));
      break;
    }
    transient = 0;
    int one = 1;
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    served++;
    size_t live = reap_sessions(kids, MAX_SESSION_PROCS, false);
    pid_t pid = -1;
    if ((max_sessions <= 0 || served < max_sessions) && live < MAX_SESSION_PROCS) {
      pid_t parent = getpid();
      pid = fork();
      if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);   /* sessions end with the server */
        if (getppid() != parent) _exit(1);
        close(fd);
        serve_client(t, c);
        close(c);
        _exit(0);
      }
    }
    if (pid > 0) {
      for (size_t i = 0; i < MAX_SESSION_PROCS; i++)
        if (kids[i] == 0) { kids[i] = pid; break; }
    } else {
      serve_client(t, c);   /* no fork (the last session, or none left) */
    }
    close(c);
  }
  close(fd);
  reap_sessions(kids, MAX_SESSION_PROCS, true);
  return err;
}
