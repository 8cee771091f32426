/* What the gateway's parts share: counters, per-id ordering, upstream exchanges, the record
 * and the shadow reads. */
#ifndef CUSTAPI_GW_INTERNAL_H
#define CUSTAPI_GW_INTERNAL_H

#include <netinet/in.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>

#include "backend.h"
#include "gateway.h"
#include "gw_metrics.h"
/* The ops-table lookup and the decoding of an answer (the client layer's backends.h): any non-2xx
 * becomes its error the same way for both protocols before a codec sees the answer. */
#include "backends.h"
#define GW_DECODE_UPDATE(ops, out, response, brief, err)                                           \
  custapi__decode_update((ops), (out), (response), (brief) ? CUSTAPI_DECODE_NO_CUSTOMER : 0u, (err))
#define GW_DECODE_GET(ops, out, response, err) custapi__decode_get((ops), (out), (response), (err))
#include "transport.h"

#define GW_REST (custapi__backend_for(CUSTAPI_PROTOCOL_REST))
#define GW_XMLRPC (custapi__backend_for(CUSTAPI_PROTOCOL_XMLRPC))

/* ---- counters for the summary and /metrics: gw_metrics.h ---- */

/* ---- two updates of one id: in arrival order, never at once (gw_order.c) ---- */

typedef struct gw_order gw_order;

int gw_order_new(gw_order **out);
void gw_order_free(gw_order *order);
/* A place in id's line, taken at arrival. */
unsigned long gw_order_take(gw_order *order, int32_t id);
/* Waits until every earlier place in id's line is done. */
void gw_order_wait(gw_order *order, int32_t id, unsigned long ticket);
/* Ends the current place in id's line. */
void gw_order_done(gw_order *order, int32_t id);

/* ---- one upstream exchange, with the client's retry policy (gw_upstream.c) ---- */

typedef struct gw_response {
  int status; /* 0: no response */
  char *body; /* owned, NUL-terminated */
  size_t body_len;
  char content_type[256];
  char location[512];
  char retry_after[64];
} gw_response;

void gw_response_clear(gw_response *response);

/* Decodes a response for the retry decision (and keeps what it decoded in `payload`). */
typedef int (*gw_decode_fn)(const custapi_http_response *response, void *payload,
                            custapi_error *err);

/* A transport with no credentials of its own: requests carry their callers'. */
int gw_transport_new(custapi_transport **out, const gw_config *cfg, custapi_error *err);

/*
 * Sends `request` until it succeeds (decode returned 0, or a response arrived when decode is
 * NULL), fails for good, or `retries` retries are spent. The last response is kept in *out.
 * Each attempt is counted in `stats`.
 * Returns 0 or a negative status with `err`.
 */
int gw_exchange(gw_response *out, custapi_transport *transport, const custapi_http_request *request,
                int retries, gw_decode_fn decode, void *payload, gw_stats *stats,
                custapi_error *err);

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

/* One line {"id":N,...} with one write(2). */
int gw_record_write(int fd, int32_t id, const custapi_customer *properties);
/* One line of text (a newline is added) with one write(2). */
int gw_append_line(int fd, const char *text, size_t len);

/* ---- shadow reads (gw_shadow.c) ---- */

typedef struct gw_shadow gw_shadow;

int gw_shadow_start(gw_shadow **out, const gw_config *cfg, gw_order *order, gw_stats *stats,
                    int report_fd, custapi_error *err);
/* Queues read-backs of an update that succeeded; takes id's next place in line now, so that
 * the reads see this update and no later one. The caller's answer does not wait. */
void gw_shadow_enqueue(gw_shadow *shadow, int32_t id, const custapi_customer *sent,
                       const char *authorization);
/* Finishes what is queued, stops the thread, frees. */
void gw_shadow_stop(gw_shadow *shadow);

#endif

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

typedef struct gw_ctx {
  const gw_config *cfg;
  custapi_endpoint endpoint;
  gw_stats stats;
  gw_order *order;
  gw_shadow *shadow; /* or NULL */
  int record_fd;     /* or -1 */
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

typedef struct gw_reply {
  int status;
  const char *content_type; /* static, or pointing into `upstream` */
  char *body;               /* owned */
  size_t body_len;
  gw_response upstream; /* a verbatim answer's headers */
  const char *allow;    /* static: the Allow header of a 405, or NULL */
  custapi_category outcome; /* what the call came to (metrics): OK, or the error's category */
  char note[200];       /* what happened, for -v; never a credential */
} gw_reply;

void gw_reply_clear(gw_reply *reply);

/* Answers one call. *transport is the connection's, created on first use. */
void gw_handle(gw_reply *out, gw_ctx *ctx, custapi_transport **transport, const gw_request *rq);
