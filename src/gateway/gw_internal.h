/* What the gateway's parts share: counters, per-id ordering, the calls in progress, the record
 * and the shadow reads. Everything runs on one loop (gw_server.c): no locks. */
#ifndef CUSTAPI_GW_INTERNAL_H
#define CUSTAPI_GW_INTERNAL_H

#include <netinet/in.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>

/* The client's call machinery (transport, retries, the 429 hold, redaction) and the codecs'
 * request sides: the headers each layer offers the gateway. */
#include "caller.h"
#include "gateway.h"
#include "gw_metrics.h"
#include "rest_request.h"
#include "xmlrpc.h"

/* `ask`: the id asked for and the caller's credentials (custapi__answer_ask_from_header), held
 * to every answer as the client holds its own. */
#define GW_DECODE_UPDATE(ops, out, response, brief, ask, err)                                      \
  custapi__decode_update((ops), (out), (response), (brief) ? CUSTAPI_DECODE_NO_CUSTOMER : 0u,      \
                         (ask), (err))
#define GW_DECODE_GET(ops, out, response, ask, err)                                                \
  custapi__decode_get((ops), (out), (response), (ask), (err))

#define GW_REST (custapi__backend_for(CUSTAPI_PROTOCOL_REST))
#define GW_XMLRPC (custapi__backend_for(CUSTAPI_PROTOCOL_XMLRPC))

/* ---- counters for the summary and /metrics: gw_metrics.h ---- */

/* ---- one id's line: a FIFO of continuations (gw_order.c) ---- */

/* A place in an id's line; `run` is called when every place before it is done. */
typedef struct gw_turn {
  struct gw_turn *next;
  int32_t id;
  void (*run)(struct gw_turn *turn);
} gw_turn;

typedef struct gw_order gw_order;

int gw_order_new(gw_order **out);
void gw_order_free(gw_order *order);
/* Takes the next place in turn->id's line: 1 when it is its turn at once (run is not called:
 * the caller goes on), 0 when it waits (run is called from the gw_order_done before it), -1
 * out of memory. */
int gw_order_enter(gw_order *order, gw_turn *turn);
/* Ends the first place in id's line, and runs the next one, if any. */
void gw_order_done(gw_order *order, int32_t id);

/* ---- answers ---- */

typedef struct gw_reply {
  int status;
  const char *content_type; /* static; NULL: upstream.content_type, if any (a reply moves) */
  char *body;               /* owned */
  size_t body_len;
  custapi_kept_answer upstream; /* a verbatim answer's headers */
  const char *allow;            /* static: the Allow header of a 405, or NULL */
  custapi_category outcome;     /* what the call came to (metrics): OK, or the error's category */
  char note[200];               /* what happened, for -v; never a credential */
} gw_reply;

void gw_reply_clear(gw_reply *reply);

/* ---- the files written (gw_files.c): regular files or new ones ---- */

/* 0 when `path` does not exist or is a regular file; else a usage error naming its kind. */
int gw_file_check(const char *path, const char *what, custapi_error *err);
/* gw_file_check for --record, --report and --port-file. */
int gw_files_check(const gw_config *cfg, custapi_error *err);
/* Opens (creates 0600, appends, never blocks) the record or report file; -1 with err. */
int gw_append_open(const char *path, const char *what, custapi_error *err);
/* The port and a newline, written to a temporary file renamed to `path`; <0 with err. */
int gw_port_file_write(const char *path, unsigned port, custapi_error *err);

/* ---- the record file (gw_record.c) ---- */

/* One line {"id":N,...} with one write(2), the caller's credentials (its Authorization header)
 * redacted from the values. */
int gw_record_write(int fd, int32_t id, const custapi_customer *properties,
                    const char *authorization);
/* A copy of `properties` with the credentials of `authorization` redacted from its strings
 * (custapi__answer_redact_customer); -1 when memory runs out. */
int gw_redacted_copy(custapi_customer **out, const custapi_customer *properties,
                     const char *authorization);
/* What a call redacts of a caller's Authorization when it is not Basic (whose user and key
 * custapi__answer_ask_from_header decodes): the token after the scheme, or the whole value
 * when it has no scheme; NULL for NULL. */
const char *gw_authorization_token(const char *authorization);
/* One line of text (a newline is added) with one write(2). */
int gw_append_line(int fd, const char *text, size_t len);

/* ---- shadow reads (gw_shadow.c) ---- */

typedef struct gw_shadow gw_shadow;
typedef struct gw_shadow_read gw_shadow_read;
struct gw_ctx;

int gw_shadow_new(gw_shadow **out, struct gw_ctx *ctx, int report_fd, custapi_error *err);
/* A place for an update's read-backs in id's line, right behind the update's own (taken when
 * the update takes its place); NULL when the queue is full (counted as dropped) or memory
 * ran out. */
gw_shadow_read *gw_shadow_reserve(gw_shadow *shadow, int32_t id);
/* The update succeeded: the reads compare against `sent` with the caller's credentials. */
void gw_shadow_arm(gw_shadow_read *read, const custapi_customer *sent, const char *authorization);
/* Reads waiting or in progress. */
size_t gw_shadow_pending(const gw_shadow *shadow);
/* Frees the shadow; reads still waiting are dropped (counted), their transfers already
 * aborted by the caller. Returns how many were dropped. */
size_t gw_shadow_free(gw_shadow *shadow);

/* ---- HOST:PORT (gw_listen.c) ---- */

typedef union gw_listen_addr {
  struct sockaddr sa;
  struct sockaddr_in v4;
  struct sockaddr_in6 v6;
} gw_listen_addr;

/* Reads `text` (HOST:PORT) into *addr; *loopback says whether the host is this machine's. A
 * usage error names `option`. */
int gw_listen_parse(gw_listen_addr *addr, int *loopback, const char *text, const char *option,
                    custapi_error *err);

/* ---- the start-up line (gw_startup.c) ---- */

/* "same", "rest" or "xmlrpc", as --upstream spells it. */
const char *gw_upstream_mode_name(gw_upstream_mode mode);
/* "custapi gateway: listening on http://HOST:PORT, upstream URL (MODE)" on stderr. */
void gw_say_listening(const gw_config *cfg, int tls, unsigned port, const char *upstream_url,
                      unsigned metrics_port);

/* ---- the caller's headers (gw_headers.c) ---- */

struct MHD_Connection;
/* The name of the first header whose value holds a control byte, or NULL. */
const char *gw_header_with_control(struct MHD_Connection *conn);

/* ---- one caller's call (gw_handle.c) ---- */

typedef struct gw_op gw_op;

typedef struct gw_ctx {
  const gw_config *cfg;
  custapi_endpoint endpoint;
  custapi_caller *caller; /* every upstream call of every caller */
  gw_stats stats;
  gw_order *order;
  gw_shadow *shadow; /* or NULL */
  int record_fd;     /* or -1 */
  gw_op *ops;        /* in progress: freed at the end whatever their state */
} gw_ctx;

typedef struct gw_request {
  const char *method;
  const char *path; /* without the query */
  const char *uri;  /* as the caller sent it, query included */
  const char *body;
  size_t body_len;
  int too_large;
  const char *authorization, *content_type, *accept; /* or NULL */
  const char *bad_header; /* the name of a header whose value holds a control byte, or NULL */
} gw_request;

/* Hands the caller its answer (moved: the callee owns reply's buffers). */
typedef void (*gw_answer_fn)(gw_reply *reply, void *payload);

/*
 * Answers one call. Either at once (a refusal at the door, an answer made here): *out is the
 * answer and NULL is returned; or the call goes upstream: an operation is returned, and
 * `answer(reply, payload)` is called from the loop when it ends (never from here). `rq` is
 * read before this returns only.
 */
gw_op *gw_handle(gw_reply *out, gw_ctx *ctx, const gw_request *rq, gw_answer_fn answer,
                 void *payload);

/* How long the operation may take upstream (retries, backoff, its id's line). */
long gw_op_deadline_ms(const gw_op *op);

/* The deadline passed: *out is the caller's 504 (or fault); the operation goes on (an update
 * already sent is not taken back) but will answer nobody. */
void gw_op_expire(gw_op *op, gw_reply *out);

/* Its caller is gone: the operation goes on but answers nobody. */
void gw_op_detach(gw_op *op);

/* Frees every operation still in progress (at the end, the transport's transfers aborted). */
size_t gw_ops_free(gw_ctx *ctx);

#endif
