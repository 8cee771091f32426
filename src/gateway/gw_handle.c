/*
 * One caller's call: routed by path and method, decoded with the codecs' request side,
 * validated at the door, forwarded (or translated) upstream, answered in the caller's protocol.
 * Everything the gateway does not handle goes upstream verbatim.
 *
 * What goes upstream is an operation (gw_op) on the loop: its calls run on the client's call
 * machinery (caller.h), one after the other, each ending in a callback that starts the next
 * or answers the caller. An update waits for its place in its id's line first.
 */
#define _GNU_SOURCE /* strcasestr */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "alloc.h"
#include "error.h"
#include "gw_internal.h"

#define JSON_TYPE "application/json"
#define XML_TYPE "text/xml"

void gw_reply_clear(gw_reply *r) {
  custapi__free(r->body);
  custapi__kept_answer_clear(&r->upstream);
  *r = (gw_reply){0};
}

static int is_xmlrpc_path(const char *path) {
  /* With its closing slash or without. */
  size_t n = sizeof CUSTAPI_XMLRPC_PATH - 2;
  return strncmp(path, CUSTAPI_XMLRPC_PATH, n) == 0 && (!path[n] || strcmp(path + n, "/") == 0);
}

/* ---- answers made here ---- */

/* When even the answer cannot be built: a fixed text. */
static void reply_oom(gw_reply *out) {
  custapi__free(out->body);
  out->body = NULL;
  out->status = 500;
  out->content_type = "text/plain";
}

static void reply_rest_error(gw_reply *out, int status, const custapi_error *e) {
  out->status = status;
  out->outcome = e->category;
  out->content_type = JSON_TYPE;
  if (custapi__rest_encode_error(&out->body, &out->body_len, e) < 0)
    reply_oom(out);
}

static void reply_fault(gw_reply *out, int code, const char *message) {
  custapi_error err = CUSTAPI_ERROR_INIT;
  out->status = 200;
  out->content_type = XML_TYPE;
  if (custapi__xmlrpc_encode_fault(&out->body, &out->body_len, code, message, &err) < 0)
    reply_oom(out);
}

/* The caller's answer to an error of the model, by category (docs/gateway.md's table): the
 * one table for both protocols. A status (or fault code) the error came with is kept when it
 * belongs to its category; otherwise the category's own. */
static const struct {
  custapi_category category;
  int rest, fault;
} by_category[] = {
    {CUSTAPI_CATEGORY_INVALID, 422, 422},
    {CUSTAPI_CATEGORY_AUTH, 401, 401},
    {CUSTAPI_CATEGORY_NOT_FOUND, 404, 404},
    {CUSTAPI_CATEGORY_REJECTED, 422, 422},
    /* A fault 429 would read as "rejected": 503 says "try again" to an XML-RPC caller. */
    {CUSTAPI_CATEGORY_SERVER, 500, 503},
    {CUSTAPI_CATEGORY_TRANSPORT, 502, 502},
    {CUSTAPI_CATEGORY_PROTOCOL, 502, 502},
};

/* Whether `code` (a status or a fault code) belongs to the error's category. */
static int belongs(const custapi_error *e, int code, gw_caller who) {
  switch (e->category) {
  case CUSTAPI_CATEGORY_AUTH:
    return code == 401 || code == 403;
  case CUSTAPI_CATEGORY_REJECTED:
    return code == 400 || code == 409 || code == 422;
  case CUSTAPI_CATEGORY_SERVER:
    return (code >= 500 && code <= 599) || (code == 429 && who == GW_CALLER_REST);
  default:
    return 0;
  }
}

static int answer_code_for(const custapi_error *e, gw_caller who) {
  int s = e->http_status, f = e->has_fault_code ? e->fault_code : 0;
  if (who == GW_CALLER_XMLRPC && e->has_fault_code && e->category != CUSTAPI_CATEGORY_PROTOCOL)
    return f; /* it came as a fault: keep its code */
  if (belongs(e, s, who))
    return s;
  if (who == GW_CALLER_REST && belongs(e, f, who) && f != 429)
    return f;
  for (size_t i = 0; i < sizeof by_category / sizeof by_category[0]; i++)
    if (by_category[i].category == e->category)
      return who == GW_CALLER_REST ? by_category[i].rest : by_category[i].fault;
  return 500;
}

static void reply_error(gw_reply *out, gw_caller who, const custapi_error *e) {
  if (who == GW_CALLER_XMLRPC)
    reply_fault(out, answer_code_for(e, GW_CALLER_XMLRPC), e->message);
  else
    reply_rest_error(out, answer_code_for(e, GW_CALLER_REST), e);
  out->outcome = e->category;
}

/* The upstream's answer as it came. */
static void reply_verbatim(gw_reply *out, custapi_kept_answer *resp) {
  out->upstream = *resp;
  *resp = (custapi_kept_answer){0};
  out->status = out->upstream.status;
  out->content_type = NULL; /* the upstream's own, read from `upstream` where the reply ends */
  out->body = out->upstream.body; /* moved: the reply owns it */
  out->body_len = out->upstream.body_len;
  out->upstream.body = NULL;
  out->outcome = custapi__http_status_category(out->status);
}

static const custapi_backend_ops *upstream_for(const gw_ctx *ctx, gw_caller who) {
  switch (ctx->cfg->upstream) {
  case GW_UPSTREAM_REST:
    return GW_REST;
  case GW_UPSTREAM_XMLRPC:
    return GW_XMLRPC;
  default:
    return who == GW_CALLER_REST ? GW_REST : GW_XMLRPC;
  }
}

/* ---- upstream: operations on the loop ---- */

typedef enum op_kind { OP_PASS, OP_READ, OP_UPDATE } op_kind;

/* How a call that goes upstream is answered, for the decision functions below. */
typedef struct gw_start {
  gw_answer_fn answer;
  void *payload;
  gw_op *op; /* set when the call went upstream */
} gw_start;

struct gw_op {
  gw_turn turn;       /* an update's place in its id's line */
  gw_op *prev, *next; /* in ctx->ops */
  gw_ctx *ctx;
  gw_answer_fn answer; /* NULL once the caller was answered at its deadline */
  void *payload;
  op_kind kind;
  gw_caller who;
  int32_t id;
  const custapi_backend_ops *ops; /* upstream */
  int translated;
  custapi_http_request request;         /* owned */
  char *authorization;                  /* the caller's, owned, wiped */
  custapi_answer_ask ask;               /* its credentials, decoded, for redaction */
  custapi_xml_encoding dialect;         /* an XML-RPC caller's: answers made here in it */
  uint64_t start_us;                    /* when the call came, for the latency histogram */
  char *method, *content_type, *accept; /* a passed-through call's, owned */
  custapi_customer *properties;         /* an update's, owned */
  gw_shadow_read *shadow;               /* an update's read-backs, behind it in its line */
  custapi_call k;
  gw_reply reply;
};

static void wipe_free(char *s) {
  if (s) {
    custapi__wipe(s, strlen(s));
    custapi__free(s);
  }
}

static uint64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* The caller's Authorization, and its Basic user and key decoded by the one reading of it
 * (custapi__answer_ask_from_header), so that an answer echoing either is redacted like the
 * client's own key. -1 when memory runs out. */
static int take_credentials(gw_op *op, const char *authorization) {
  if (!authorization)
    return 0;
  if (!(op->authorization = custapi__strdup(authorization)))
    return -1;
  return custapi__answer_ask_from_header(&op->ask, op->authorization) < 0 ? -1 : 0;
}

/* What a call redacts: the Basic user and key, or any other scheme's token. */
static const char *redact_secret_of(const gw_op *op) {
  return op->ask.secret ? op->ask.secret : gw_authorization_token(op->authorization);
}

static void op_free(gw_op *op);

/* An answer made here written in the caller's dialect; the install's own answers go back as
 * they came (it had the call in that dialect). */
static void answer_in_dialect(gw_reply *out, custapi_xml_encoding dialect) {
  int made_here = out->upstream.status == 0;
  if (made_here && out->body && custapi__xml_write_dialect(&out->body, &out->body_len, dialect) < 0)
    reply_oom(out);
}

/* The caller's call is answered: its dialect, and the metrics' count and latency. */
static void op_answered(gw_op *op, gw_reply *r) {
  if (op->who == GW_CALLER_XMLRPC)
    answer_in_dialect(r, op->dialect);
  gw_metrics_call(&op->ctx->stats, op->who, r->outcome, now_us() - op->start_us);
}

static gw_op *op_new(gw_ctx *ctx, gw_start *st, op_kind kind, gw_caller who, int32_t id,
                     const char *authorization) {
  gw_op *op = custapi__calloc(1, sizeof *op);
  if (!op)
    return NULL;
  op->ctx = ctx;
  op->answer = st->answer;
  op->payload = st->payload;
  op->kind = kind;
  op->who = who;
  op->id = id;
  op->ops = upstream_for(ctx, who);
  op->translated = (op->ops == GW_REST) != (who == GW_CALLER_REST);
  op->dialect = CUSTAPI_XML_UTF8;
  op->start_us = now_us();
  op->next = ctx->ops;
  if (ctx->ops)
    ctx->ops->prev = op;
  ctx->ops = op;
  if (take_credentials(op, authorization) < 0) {
    op_free(op);
    return NULL;
  }
  return op;
}

static void op_free(gw_op *op) {
  gw_ctx *ctx = op->ctx;
  if (op->prev)
    op->prev->next = op->next;
  else
    ctx->ops = op->next;
  if (op->next)
    op->next->prev = op->prev;
  custapi__call_clear(&op->k);
  custapi__http_request_clear(&op->request);
  custapi__answer_ask_clear(&op->ask);
  wipe_free(op->authorization);
  custapi__free(op->method);
  custapi__free(op->content_type);
  custapi__free(op->accept);
  custapi_customer_free(op->properties);
  if (op->shadow)
    gw_shadow_arm(op->shadow, NULL, NULL); /* not made: the update did not succeed */
  gw_reply_clear(&op->reply);
  custapi__free(op);
}

/* Hands the answer to the caller (if still waiting), and ends the operation. */
static void op_answer(gw_op *op) {
  if (op->reply.status == 0 && !op->reply.body)
    reply_oom(&op->reply);
  if (op->answer) {
    gw_reply r = op->reply;
    op->reply = (gw_reply){0};
    op_answered(op, &r);
    op->answer(&r, op->payload);
  }
  op_free(op);
}

#define CALL_UPDATE 1u /* decoded as an update's answer */
#define CALL_BRIEF 2u  /* an update answered verbatim: checked, no customer built */
#define CALL_RAW 4u    /* any answer is the outcome, not retried */
#define CALL_KEEP 8u   /* the answer kept as it came */

/* Starts op->k with `request` over `ops`; its end goes to `done`. */
static int op_call(gw_op *op, const custapi_backend_ops *ops, const custapi_http_request *request,
                   unsigned how, void (*done)(custapi_call *), custapi_error *err) {
  custapi__call_clear(&op->k);
  op->k = (custapi_call){0};
  op->k.is_update = (how & CALL_UPDATE) != 0;
  op->k.brief = (how & CALL_BRIEF) != 0;
  op->k.raw = (how & CALL_RAW) != 0;
  op->k.keep = (how & CALL_KEEP) != 0;
  op->k.on_done = done;
  op->k.caller = op->ctx->caller;
  op->k.ops = ops;
  op->k.endpoint = &op->ctx->endpoint;
  op->k.request = request;
  op->k.id = op->id;
  op->k.redact_username = op->ask.username;
  op->k.redact_secret = redact_secret_of(op);
  return custapi__call_begin(&op->k, err);
}

/* The upstream attempts a finished call made, for /metrics: the first, then the retries. */
static void count_attempts(gw_ctx *ctx, const custapi_call *k) {
  for (int i = 0; i < k->attempts; i++)
    gw_metrics_attempt(&ctx->stats, i > 0);
}

static gw_op *op_of(custapi_call *k) { return (gw_op *)(void *)((char *)k - offsetof(gw_op, k)); }

long gw_op_deadline_ms(const gw_op *op) {
  long one = custapi__caller_deadline_ms(op->ctx->caller);
  /* A translated update reads the customer back in its place; an update may wait for the
   * one before it in its id's line (whose own deadline bounds that wait). */
  return op->kind == OP_UPDATE ? one * (op->translated ? 3 : 2) : one;
}

void gw_op_expire(gw_op *op, gw_reply *out) {
  *out = (gw_reply){0};
  custapi_error err = CUSTAPI_ERROR_INIT;
  custapi__error_set(&err, CUSTAPI_CATEGORY_SERVER, NULL,
                     "the install did not answer within %ld ms (the upstream deadline: timeout "
                     "x attempts + backoff)%s",
                     gw_op_deadline_ms(op),
                     op->kind == OP_UPDATE ? "; the update may still be applied" : "");
  err.http_status = 504;
  atomic_fetch_add(&op->ctx->stats.timed_out, 1);
  reply_error(out, op->who, &err);
  snprintf(out->note, sizeof out->note, "timed out upstream");
  if (op->answer)
    op_answered(op, out);
  op->answer = NULL;
}

void gw_op_detach(gw_op *op) { op->answer = NULL; }

size_t gw_ops_free(gw_ctx *ctx) {
  size_t n = 0;
  while (ctx->ops) {
    gw_op *op = ctx->ops;
    gw_answer_fn answer = op->answer;
    if (answer) { /* a caller still waiting gets its 504 (or fault) before the end */
      gw_reply r;
      gw_op_expire(op, &r);
      answer(&r, op->payload);
    }
    op_free(op);
    n++;
  }
  return n;
}

/* Everything the gateway does not handle: sent to the install as it came. */
static void pass_through_done(custapi_call *k) {
  gw_op *op = op_of(k);
  count_attempts(op->ctx, k);
  if (k->rc < 0) {
    atomic_fetch_add(&op->ctx->stats.upstream_errors, 1);
    reply_error(&op->reply, op->who, &k->err);
  } else {
    reply_verbatim(&op->reply, &k->answer);
  }
  snprintf(op->reply.note, sizeof op->reply.note, "passed through");
  op_answer(op);
}

static void pass_through(gw_reply *out, gw_ctx *ctx, gw_start *st, const gw_request *rq,
                         gw_caller who) {
  atomic_fetch_add(&ctx->stats.passed_through, 1);
  gw_op *op = op_new(ctx, st, OP_PASS, who, 0, rq->authorization);
  if (!op) {
    reply_oom(out);
    return;
  }
  custapi_http_request *req = &op->request;
  size_t n = strlen(ctx->endpoint.base_url) + strlen(rq->uri) + 1;
  /* HEAD is asked as GET (libmicrohttpd drops the body); curl would wait for a HEAD's body. */
  const char *method = strcmp(rq->method, "HEAD") == 0 ? "GET" : rq->method;
  const char *type = rq->body_len || strcmp(method, "GET") != 0 ? rq->content_type : NULL;
  int oom = !(req->url = custapi__malloc(n)) || !(op->method = custapi__strdup(method)) ||
            !(op->accept = custapi__strdup(rq->accept ? rq->accept : "*/*")) ||
            (type && !(op->content_type = custapi__strdup(type))) ||
            (rq->body_len && !(req->body = custapi__malloc(rq->body_len)));
  custapi_error err = CUSTAPI_ERROR_INIT;
  if (!oom) {
    snprintf(req->url, n, "%s%s", ctx->endpoint.base_url, rq->uri);
    req->method = op->method;
    req->content_type = op->content_type;
    req->accept = op->accept;
    if (rq->body_len)
      memcpy(req->body, rq->body, rq->body_len);
    req->body_len = rq->body_len;
    req->authorization = op->authorization;
    /* Not retried: an unknown call may not be idempotent. */
    oom = op_call(op, NULL, req, CALL_RAW | CALL_KEEP, pass_through_done, &err) < 0;
  }
  if (oom) {
    op_free(op);
    reply_oom(out);
    return;
  }
  st->op = op;
}

/* A success answered in the caller's protocol after a translated update. */
static void read_back_done(custapi_call *k) {
  gw_op *op = op_of(k);
  gw_reply *out = &op->reply;
  custapi_error err = CUSTAPI_ERROR_INIT;
  count_attempts(op->ctx, k);
  if (k->rc < 0) {
    atomic_fetch_add(&op->ctx->stats.upstream_errors, 1);
    custapi_error e = k->err;
    custapi__error_read_back_failed(&e);
    e.category = CUSTAPI_CATEGORY_SERVER;
    e.http_status = 502;
    e.has_fault_code = 0;
    reply_rest_error(out, 502, &e);
  } else {
    out->status = 200;
    out->content_type = JSON_TYPE;
    if (custapi__rest_encode_envelope(&out->body, &out->body_len, op->id, k->customer, &err) < 0)
      reply_oom(out);
  }
  gw_order_done(op->ctx->order, op->id);
  op_answer(op);
}

/* What the install made of an update, for the summary's "updates". */
static void count_update(gw_ctx *ctx, int rc, const custapi_error *err) {
  if (rc == 0)
    atomic_fetch_add(&ctx->stats.updates_accepted, 1);
  else if (err->category == CUSTAPI_CATEGORY_AUTH || err->category == CUSTAPI_CATEGORY_NOT_FOUND ||
           err->category == CUSTAPI_CATEGORY_REJECTED || err->category == CUSTAPI_CATEGORY_INVALID)
    atomic_fetch_add(&ctx->stats.updates_refused, 1);
  else
    atomic_fetch_add(&ctx->stats.updates_failed, 1);
}

static void update_done(custapi_call *k) {
  gw_op *op = op_of(k);
  gw_ctx *ctx = op->ctx;
  custapi_error err = CUSTAPI_ERROR_INIT;
  int rc = k->rc;
  count_attempts(ctx, k);
  /* Still in id's line: the record keeps the order in which the install applied them, and
   * holds only what it accepted (a replay must not apply what the install refused, with the
   * operator's key). */
  count_update(ctx, rc, &k->err);
  if (rc == 0 && ctx->record_fd >= 0 &&
      gw_record_write(ctx->record_fd, op->id, op->properties, op->authorization) < 0)
    fprintf(stderr, "custapi: gateway: could not append update of %" PRId32 " to --record\n",
            op->id);
  if (op->shadow) { /* made only after a success; settled before the line moves on */
    gw_shadow_arm(op->shadow, rc == 0 ? op->properties : NULL, op->authorization);
    op->shadow = NULL;
  }
  if (rc < 0)
    atomic_fetch_add(&ctx->stats.upstream_errors, 1);
  snprintf(op->reply.note, sizeof op->reply.note, "update %" PRId32 " forwarded over %s: %s",
           op->id, op->ops->name, rc == 0 ? "ok" : custapi_category_name(k->err.category));
  if (!op->translated && k->answer.status) {
    reply_verbatim(&op->reply, &k->answer);
    op->reply.outcome = rc < 0 ? k->err.category : CUSTAPI_CATEGORY_OK; /* a fault comes as 200 */
  } else if (rc < 0) {
    reply_error(&op->reply, op->who, &k->err);
  } else if (op->who == GW_CALLER_XMLRPC) {
    op->reply.status = 200;
    op->reply.content_type = XML_TYPE;
    if (custapi__xmlrpc_encode_int_response(&op->reply.body, &op->reply.body_len, op->id, &err) < 0)
      reply_oom(&op->reply);
  } else {
    /* A REST caller expects the customer: read it back over XML-RPC, still in id's line, so
     * that the read-back shows this update, not a later one. */
    custapi__http_request_clear(&op->request);
    if (GW_XMLRPC->encode_get(&op->request, &ctx->endpoint, op->id, &err) == 0) {
      op->request.authorization = op->authorization;
      if (op_call(op, GW_XMLRPC, &op->request, 0, read_back_done, &err) == 0)
        return;
    }
    k->rc = -1;
    k->err = err;
    read_back_done(k);
    return;
  }
  gw_order_done(ctx->order, op->id);
  op_answer(op);
}

/* The update's turn in its id's line: recorded, sent. */
static void update_turn(gw_turn *turn) {
  gw_op *op = (gw_op *)(void *)turn;
  gw_ctx *ctx = op->ctx;
  custapi_error err = CUSTAPI_ERROR_INIT;
  if (!op->answer) { /* its caller was answered at the deadline before its turn: not sent */
    if (op->shadow)
      gw_shadow_arm(op->shadow, NULL, NULL);
    op->shadow = NULL;
    gw_order_done(ctx->order, op->id);
    op_free(op);
    return;
  }
  atomic_fetch_add(&ctx->stats.forwarded, 1);
  unsigned how = CALL_UPDATE | (op->translated ? 0u : CALL_BRIEF | CALL_KEEP);
  if (op_call(op, op->ops, &op->request, how, update_done, &err) < 0) {
    op->k = (custapi_call){0}; /* no attempt was made */
    op->k.rc = custapi__status_of(err.category);
    op->k.err = err;
    update_done(&op->k);
  }
}

static void turn_now(void *payload) { update_turn(&((gw_op *)payload)->turn); }

/* An update that passed the door: in id's line, sent, recorded once accepted, answered,
 * shadowed. An XML-RPC update forwarded as XML-RPC is encoded anew in the caller's dialect
 * (docs/gateway.md). */
static void forward_update(gw_reply *out, gw_ctx *ctx, gw_start *st, const gw_request *rq,
                           gw_caller who, custapi_xml_encoding dialect, int32_t id,
                           const custapi_customer *properties) {
  custapi_error err = CUSTAPI_ERROR_INIT;
  gw_op *op = op_new(ctx, st, OP_UPDATE, who, id, rq->authorization);
  if (!op || custapi_customer_dup(&op->properties, properties) < 0) {
    if (op)
      op_free(op);
    reply_oom(out);
    return;
  }
  if (op->ops->encode_update(&op->request, &ctx->endpoint, id, properties, &err) < 0) {
    op_free(op);
    reply_error(out, who, &err);
    return;
  }
  op->dialect = dialect;
  if (!op->translated && who == GW_CALLER_XMLRPC &&
      custapi__xml_write_dialect(&op->request.body, &op->request.body_len, dialect) < 0) {
    op_free(op);
    reply_oom(out);
    return;
  }
  op->request.authorization = op->authorization;
  op->turn.id = id;
  op->turn.run = update_turn;
  int now = gw_order_enter(ctx->order, &op->turn);
  if (now < 0) {
    op_free(op);
    reply_oom(out);
    return;
  }
  /* The read-backs take their place now, right behind this update, before any later one. */
  if (ctx->shadow)
    op->shadow = gw_shadow_reserve(ctx->shadow, id);
  /* First in line: its turn starts from the loop, so that the caller is never answered from
   * inside gw_handle. */
  if (now && custapi__transport_add_timer(ctx->caller->transport, 0, turn_now, op, &err) < 0) {
    if (op->shadow)
      gw_shadow_arm(op->shadow, NULL, NULL);
    op->shadow = NULL;
    gw_order_done(ctx->order, id);
    op_free(op);
    reply_oom(out);
    return;
  }
  st->op = op;
}

/* A translated read: GetCustomer over REST, or a REST GET over XML-RPC. */
static void read_done(custapi_call *k) {
  gw_op *op = op_of(k);
  gw_reply *out = &op->reply;
  custapi_error err = CUSTAPI_ERROR_INIT;
  int rc = k->rc;
  count_attempts(op->ctx, k);
  if (rc < 0) {
    atomic_fetch_add(&op->ctx->stats.upstream_errors, 1);
    reply_error(out, op->who, &k->err);
    err = k->err;
  } else if (op->who == GW_CALLER_XMLRPC) {
    out->status = 200;
    out->content_type = XML_TYPE;
    /* A field XML-RPC cannot carry (a string above U+FFFD, read over REST) fails here. */
    if ((rc = custapi__xmlrpc_encode_struct_response(&out->body, &out->body_len, k->customer,
                                                     &err)) < 0)
      reply_fault(out, 500, err.message);
  } else {
    out->status = 200;
    out->content_type = JSON_TYPE;
    if ((rc = custapi__rest_encode_envelope(&out->body, &out->body_len, op->id, k->customer,
                                            &err)) < 0)
      reply_oom(out);
  }
  snprintf(out->note, sizeof out->note, "read %" PRId32 " over %s: %s", op->id, op->ops->name,
           rc == 0 ? "ok" : custapi_category_name(err.category));
  op_answer(op);
}

static void forward_read(gw_reply *out, gw_ctx *ctx, gw_start *st, const gw_request *rq,
                         gw_caller who, custapi_xml_encoding dialect, int32_t id) {
  atomic_fetch_add(&ctx->stats.forwarded, 1);
  custapi_error err = CUSTAPI_ERROR_INIT;
  gw_op *op = op_new(ctx, st, OP_READ, who, id, rq->authorization);
  if (!op) {
    reply_oom(out);
    return;
  }
  op->dialect = dialect;
  if (op->ops->encode_get(&op->request, &ctx->endpoint, id, &err) < 0 ||
      (op->request.authorization = op->authorization,
       op_call(op, op->ops, &op->request, 0, read_done, &err) < 0)) {
    op_free(op);
    reply_error(out, who, &err);
    return;
  }
  st->op = op;
}

/* ---- the door ---- */

/* Validation as `update` does it; an invalid update is answered here, and 0 returned. */
static int door(gw_reply *out, gw_ctx *ctx, gw_caller who, const custapi_customer *properties) {
  custapi_error err = CUSTAPI_ERROR_INIT;
  /* As `update` refuses it, nothing to update included: the validator's one check. */
  const gw_config *cfg = ctx->cfg;
  if (custapi_validate(properties, cfg->mode, cfg->client.validate_flags, NULL, NULL, &err) == 0)
    return 1;
  atomic_fetch_add(&ctx->stats.refused, 1);
  reply_error(out, who, &err);
  snprintf(out->note, sizeof out->note, "refused: %.150s", err.message);
  return 0;
}

static void refuse(gw_reply *out, gw_ctx *ctx, gw_caller who, const custapi_error *err) {
  atomic_fetch_add(&ctx->stats.refused, 1);
  reply_error(out, who, err);
  snprintf(out->note, sizeof out->note, "refused: %.150s", err->message);
}

/* An answer said at the door (REST callers, and what is no call at all), counted as refused. */
static void refuse_at_door(gw_reply *out, gw_ctx *ctx, int status, const custapi_error *err) {
  atomic_fetch_add(&ctx->stats.refused, 1);
  reply_rest_error(out, status, err);
  snprintf(out->note, sizeof out->note, "refused: %.150s", err->message);
}

/* A fault said at the door (XML-RPC callers), counted as refused. */
static void refuse_fault(gw_reply *out, gw_ctx *ctx, int code, custapi_category category,
                         const char *message) {
  atomic_fetch_add(&ctx->stats.refused, 1);
  reply_fault(out, code, message);
  out->outcome = category;
  snprintf(out->note, sizeof out->note, "refused: %.150s", message);
}

static const char *const served_methods[] = {"UpdateCustomer", "GetCustomer"};

/* system.listMethods when calls are translated: the methods the gateway serves itself. */
static void list_methods(gw_reply *out, gw_ctx *ctx) {
  const char *prefix = ctx->endpoint.xmlrpc_prefix;
  char names[2][CUSTAPI_XMLRPC_PREFIX_MAX + 32];
  const char *list[3];
  for (size_t i = 0; i < 2; i++) {
    snprintf(names[i], sizeof names[i], "%s%s", prefix, served_methods[i]);
    list[i] = names[i];
  }
  list[2] = "system.listMethods";
  custapi_error err = CUSTAPI_ERROR_INIT;
  out->status = 200;
  out->content_type = XML_TYPE;
  if (custapi__xmlrpc_encode_strings_response(&out->body, &out->body_len, list, 3, &err) < 0)
    reply_oom(out);
  snprintf(out->note, sizeof out->note, "system.listMethods answered by the gateway");
}

static void handle_xmlrpc(gw_reply *out, gw_ctx *ctx, gw_start *st, const gw_request *rq) {
  atomic_fetch_add(&ctx->stats.calls_xmlrpc, 1);
  custapi_xmlrpc_call call;
  custapi_error err = CUSTAPI_ERROR_INIT;
  int rc = custapi__xmlrpc_decode_call(&call, rq->body ? rq->body : "", rq->body_len,
                                       ctx->endpoint.xmlrpc_prefix, ctx->cfg->customer_flags, &err);
  if (rc < 0 && err.category == CUSTAPI_CATEGORY_PROTOCOL) {
    refuse_fault(out, ctx, -32700, CUSTAPI_CATEGORY_PROTOCOL, err.message);
  } else if (rc < 0) {
    refuse(out, ctx, GW_CALLER_XMLRPC, &err);
  } else if (call.kind == CUSTAPI_XMLRPC_CALL_UPDATE) {
    if (door(out, ctx, GW_CALLER_XMLRPC, call.properties))
      forward_update(out, ctx, st, rq, GW_CALLER_XMLRPC, call.dialect, call.id, call.properties);
  } else if (call.kind == CUSTAPI_XMLRPC_CALL_GET && ctx->cfg->upstream == GW_UPSTREAM_REST) {
    forward_read(out, ctx, st, rq, GW_CALLER_XMLRPC, call.dialect, call.id);
  } else if (call.kind == CUSTAPI_XMLRPC_CALL_LIST && ctx->cfg->upstream == GW_UPSTREAM_REST) {
    list_methods(out, ctx);
  } else if (strcasecmp(call.method, "system.multicall") == 0) {
    /* Refused whole, not unpacked: see docs/gateway.md "system.multicall". */
    refuse_fault(out, ctx, -32601, CUSTAPI_CATEGORY_USAGE,
                 "system.multicall is not forwarded by the gateway: send each call on its own "
                 "(each update is validated, ordered per id and recorded alone)");
  } else if (strcasestr(call.method, "UpdateCustomer")) {
    /* An update under another name (another prefix, another case) would pass unvalidated. */
    char message[CUSTAPI_ERROR_MESSAGE_MAX];
    snprintf(message, sizeof message,
             "the gateway forwards customer updates only as %sUpdateCustomer (--xmlrpc-prefix)",
             ctx->endpoint.xmlrpc_prefix);
    refuse_fault(out, ctx, -32601, CUSTAPI_CATEGORY_USAGE, message);
  } else {
    pass_through(out, ctx, st, rq, GW_CALLER_XMLRPC);
  }
  if (st->op) /* an operation writes the answers it makes in the caller's dialect */
    st->op->dialect = call.dialect;
  else
    answer_in_dialect(out, call.dialect);
  custapi__xmlrpc_call_clear(&call);
}

static void handle_rest(gw_reply *out, gw_ctx *ctx, gw_start *st, const gw_request *rq,
                        int32_t id) {
  atomic_fetch_add(&ctx->stats.calls_rest, 1);
  custapi_error err = CUSTAPI_ERROR_INIT;
  if (strcmp(rq->method, "GET") == 0) {
    if (ctx->cfg->upstream == GW_UPSTREAM_XMLRPC)
      forward_read(out, ctx, st, rq, GW_CALLER_REST, CUSTAPI_XML_UTF8, id);
    else
      pass_through(out, ctx, st, rq, GW_CALLER_REST);
    return;
  }
  if (strcmp(rq->method, "HEAD") == 0 || strcmp(rq->method, "OPTIONS") == 0) {
    pass_through(out, ctx, st, rq, GW_CALLER_REST);
    return;
  }
  if (strcmp(rq->method, "PUT") != 0) {
    /* PATCH, POST, DELETE: a write the door cannot read as an update. */
    custapi__error_set(&err, CUSTAPI_CATEGORY_USAGE, NULL,
                       "%.16s is not forwarded on a customer: an update is "
                       "PUT " CUSTAPI_REST_CUSTOMERS_PATH "ID (or %sUpdateCustomer over XML-RPC)",
                       rq->method, ctx->endpoint.xmlrpc_prefix);
    refuse_at_door(out, ctx, 405, &err);
    out->allow = "GET, HEAD, PUT";
    return;
  }
  custapi_customer *properties = NULL;
  if (custapi__rest_decode_update_request(&properties, rq->body ? rq->body : "", rq->body_len,
                                          ctx->cfg->customer_flags, &err) < 0)
    refuse(out, ctx, GW_CALLER_REST, &err);
  else if (door(out, ctx, GW_CALLER_REST, properties))
    forward_update(out, ctx, st, rq, GW_CALLER_REST, CUSTAPI_XML_UTF8, id, properties);
  custapi_customer_free(properties);
}

static int is_known_method(const char *m) {
  static const char *const known[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
    if (strcmp(m, known[i]) == 0)
      return 1;
  return 0;
}

static int is_write(const char *m) {
  return strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0 && strcmp(m, "OPTIONS") != 0;
}

/* Whether a path spells the customers or the XML-RPC endpoint in any way (any case, extra
 * slashes or dot segments): a write there is an update, and every update passes the door. */
static int names_our_endpoints(const char *path) {
  return strcasestr(path, "customers") || strcasestr(path, "xmlrpc");
}

/* A call refused before it is read: a body over --max-body (413) or a header value holding a
 * control byte (400), whatever its path and method, so nothing of it goes upstream. */
static void refuse_unread(gw_reply *out, gw_ctx *ctx, int xmlrpc_call, const gw_request *rq) {
  custapi_error err = CUSTAPI_ERROR_INIT;
  atomic_fetch_add(xmlrpc_call ? &ctx->stats.calls_xmlrpc : &ctx->stats.calls_rest, 1);
  char name[80];
  if (rq->too_large)
    custapi__error_set(&err, CUSTAPI_CATEGORY_INVALID, NULL,
                       "the request body is larger than %zu bytes (--max-body)",
                       ctx->cfg->max_body);
  else
    custapi__error_set(
        &err, CUSTAPI_CATEGORY_USAGE, NULL,
        "the value of the header %s holds a control character (CR, LF, NUL, ...)",
        custapi__quote(name, sizeof name, rq->bad_header, strlen(rq->bad_header), 60));
  if (xmlrpc_call)
    refuse_fault(out, ctx, rq->too_large ? 413 : 400, err.category, err.message);
  else
    refuse_at_door(out, ctx, rq->too_large ? 413 : 400, &err);
}

gw_op *gw_handle(gw_reply *out, gw_ctx *ctx, const gw_request *rq, gw_answer_fn answer,
                 void *payload) {
  *out = (gw_reply){0};
  custapi_error err = CUSTAPI_ERROR_INIT;
  int xmlrpc = is_xmlrpc_path(rq->path);
  gw_start start = {answer, payload, NULL}, *st = &start;
  uint64_t start_us = now_us();
  int32_t id = 0;
  int customer = custapi__rest_customer_path(&id, rq->path);
  if (rq->too_large || rq->bad_header) {
    refuse_unread(out, ctx, xmlrpc && strcmp(rq->method, "POST") == 0, rq);
  } else if (rq->uri[0] != '/' || !is_known_method(rq->method)) {
    /* Only origin-form targets: "@host/x" after the base URL would name another host. */
    custapi__error_set(&err, CUSTAPI_CATEGORY_USAGE, NULL, "%s",
                       "not a request the gateway forwards (a path starting with '/', and GET, "
                       "HEAD, POST, PUT, PATCH, DELETE or OPTIONS)");
    refuse_at_door(out, ctx, 400, &err);
  } else if (xmlrpc && strcmp(rq->method, "POST") == 0) {
    handle_xmlrpc(out, ctx, st, rq);
  } else if (customer > 0) {
    handle_rest(out, ctx, st, rq, id);
  } else if (is_write(rq->method) && names_our_endpoints(rq->path)) {
    /* An update the door cannot read (".../customers/042", "//customers/42", "/API/2.0/...")
     * must not slip past it as "another path": the install might route it all the same. */
    atomic_fetch_add(&ctx->stats.calls_rest, 1);
    custapi__error_set(
        &err, CUSTAPI_CATEGORY_NOT_FOUND, NULL, "%s",
        "not a customer or the XML-RPC endpoint: an update goes to " CUSTAPI_REST_CUSTOMERS_PATH
        "ID (ID a positive 32-bit decimal) or " CUSTAPI_XMLRPC_PATH);
    refuse_at_door(out, ctx, 404, &err);
  } else {
    pass_through(out, ctx, st, rq, xmlrpc ? GW_CALLER_XMLRPC : GW_CALLER_REST);
  }
  if (st->op)
    return st->op;
  if (out->status == 0 && !out->body)
    reply_oom(out);
  gw_metrics_call(&ctx->stats, xmlrpc ? GW_CALLER_XMLRPC : GW_CALLER_REST, out->outcome,
                  now_us() - start_us);
  return NULL;
}
