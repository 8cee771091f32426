/*
 * One caller's call: routed by path and method, decoded with the codecs' request side,
 * validated at the door, forwarded (or translated) upstream, answered in the caller's protocol.
 * Everything the gateway does not handle goes upstream verbatim.
 */
#define _GNU_SOURCE /* strcasestr */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../rest/rest_request.h"
#include "../xmlrpc/xmlrpc.h"
#include "alloc.h"
#include "error.h"
#include "gw_internal.h"

#define XMLRPC_PATH "/api/2.0/xmlrpc/"
#define JSON_TYPE "application/json"
#define XML_TYPE "text/xml"

void gw_reply_clear(gw_reply *r) {
  custapi__free(r->body);
  gw_response_clear(&r->upstream);
  *r = (gw_reply){0};
}

static int is_xmlrpc_path(const char *path) {
  return strcmp(path, XMLRPC_PATH) == 0 || strcmp(path, "/api/2.0/xmlrpc") == 0;
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

/* The caller's answer to an error of the model, by category (docs/gateway.md's table). */
static int rest_status_for(const custapi_error *e) {
  int s = e->http_status, f = e->has_fault_code ? e->fault_code : 0;
  switch (e->category) {
  case CUSTAPI_CATEGORY_INVALID:
    return 422;
  case CUSTAPI_CATEGORY_AUTH:
    return s == 401 || s == 403 ? s : f == 403 ? 403 : 401;
  case CUSTAPI_CATEGORY_NOT_FOUND:
    return 404;
  case CUSTAPI_CATEGORY_REJECTED:
    return s == 400 || s == 409 || s == 422 ? s : f == 400 || f == 409 ? f : 422;
  case CUSTAPI_CATEGORY_SERVER:
    return s >= 500 && s <= 599 ? s : s == 429 ? 429 : f >= 500 && f <= 599 ? f : 500;
  case CUSTAPI_CATEGORY_TRANSPORT:
  case CUSTAPI_CATEGORY_PROTOCOL:
    return 502;
  default:
    return 500;
  }
}

static int fault_code_for(const custapi_error *e) {
  int s = e->http_status, f = e->has_fault_code ? e->fault_code : 0;
  if (e->has_fault_code && e->category != CUSTAPI_CATEGORY_PROTOCOL)
    return f; /* it came as a fault: keep its code */
  switch (e->category) {
  case CUSTAPI_CATEGORY_INVALID:
    return 422;
  case CUSTAPI_CATEGORY_AUTH:
    return s == 403 ? 403 : 401;
  case CUSTAPI_CATEGORY_NOT_FOUND:
    return 404;
  case CUSTAPI_CATEGORY_REJECTED:
    return s == 400 || s == 409 || s == 422 ? s : 422;
  case CUSTAPI_CATEGORY_SERVER:
    return s >= 500 && s <= 599 ? s : 503; /* 429 too: a fault 429 would read as "rejected" */
  case CUSTAPI_CATEGORY_TRANSPORT:
  case CUSTAPI_CATEGORY_PROTOCOL:
    return 502;
  default:
    return 500;
  }
}

static void reply_error(gw_reply *out, gw_caller who, const custapi_error *e) {
  if (who == GW_CALLER_XMLRPC)
    reply_fault(out, fault_code_for(e), e->message);
  else
    reply_rest_error(out, rest_status_for(e), e);
  out->outcome = e->category;
}

/* The upstream's answer as it came. */
static void reply_verbatim(gw_reply *out, gw_response *resp) {
  out->upstream = *resp;
  *resp = (gw_response){0};
  out->status = out->upstream.status;
  out->content_type = out->upstream.content_type[0] ? out->upstream.content_type : NULL;
  out->body = out->upstream.body; /* moved: the reply owns it */
  out->body_len = out->upstream.body_len;
  out->upstream.body = NULL;
  out->outcome = custapi__http_status_category(out->status);
}

/* ---- upstream ---- */

/* One upstream exchange of a caller's call: the caller waits on the install meanwhile. */
static int call_upstream(gw_ctx *ctx, gw_response *resp, custapi_transport *t,
                         const custapi_http_request *req, int retries, gw_decode_fn decode,
                         void *payload, custapi_error *err) {
  gw_metrics_suspended(&ctx->stats, 1);
  int rc = gw_exchange(resp, t, req, retries, decode, payload, &ctx->stats, err);
  gw_metrics_suspended(&ctx->stats, -1);
  return rc;
}

static custapi_transport *connection_transport(gw_ctx *ctx, custapi_transport **slot,
                                               custapi_error *err) {
  if (!*slot && gw_transport_new(slot, ctx->cfg, err) < 0)
    return NULL;
  return *slot;
}

/* Everything the gateway does not handle: sent to the install as it came. */
static void pass_through(gw_reply *out, gw_ctx *ctx, custapi_transport *t, const gw_request *rq,
                         gw_caller who) {
  atomic_fetch_add(&ctx->stats.passed_through, 1);
  size_t n = strlen(ctx->endpoint.base_url) + strlen(rq->uri) + 1;
  custapi_http_request req = {0};
  custapi_error err = CUSTAPI_ERROR_INIT;
  req.url = custapi__malloc(n);
  if (!req.url) {
    reply_oom(out);
    return;
  }
  snprintf(req.url, n, "%s%s", ctx->endpoint.base_url, rq->uri);
  /* HEAD is asked as GET (libmicrohttpd drops the body); curl would wait for a HEAD's body. */
  req.method = strcmp(rq->method, "HEAD") == 0 ? "GET" : rq->method;
  req.content_type = rq->body_len || strcmp(req.method, "GET") != 0 ? rq->content_type : NULL;
  req.accept = rq->accept ? rq->accept : "*/*";
  req.body = (char *)(uintptr_t)rq->body; /* borrowed: cleared below before the clear */
  req.body_len = rq->body_len;
  req.authorization = rq->authorization;
  gw_response resp = {0};
  /* Not retried: an unknown call may not be idempotent. */
  if (call_upstream(ctx, &resp, t, &req, 0, NULL, NULL, &err) < 0) {
    atomic_fetch_add(&ctx->stats.upstream_errors, 1);
    reply_error(out, who, &err);
  } else {
    reply_verbatim(out, &resp);
  }
  snprintf(out->note, sizeof out->note, "passed through");
  req.body = NULL;
  custapi__http_request_clear(&req);
  gw_response_clear(&resp);
}

typedef struct decoded {
  const custapi_backend_ops *ops;
  int is_update; /* 2: an update whose answer goes back verbatim: checked, no customer built */
  custapi_result *result;
  custapi_customer *customer;
  custapi_answer_ask ask; /* the id asked for, the caller's credentials */
} decoded;

static int decode_into(const custapi_http_response *r, void *payload, custapi_error *err) {
  decoded *d = payload;
  custapi_result_free(d->result);
  custapi_customer_free(d->customer);
  d->result = NULL;
  d->customer = NULL;
  if (d->is_update)
    return GW_DECODE_UPDATE(d->ops, &d->result, r, d->is_update == 2, &d->ask, err);
  return GW_DECODE_GET(d->ops, &d->customer, r, &d->ask, err);
}

/* A decoding of `ops`'s answers about customer `id`, for a caller with `authorization`. */
static int decoded_init(decoded *d, const custapi_backend_ops *ops, int is_update, int32_t id,
                        const char *authorization, custapi_error *err) {
  *d = (decoded){ops, is_update, NULL, NULL, {0}};
  d->ask.id = id;
  if (custapi__answer_ask_from_header(&d->ask, authorization) < 0)
    return custapi__error_oom(err);
  return 0;
}

static void decoded_clear(decoded *d) {
  custapi_result_free(d->result);
  custapi_customer_free(d->customer);
  custapi__answer_ask_clear(&d->ask);
}

/* A read of customer `id` over `ops`, decoded. */
static int read_customer(decoded *d, gw_response *resp, gw_ctx *ctx, custapi_transport *t,
                         const custapi_backend_ops *ops, int32_t id, const char *authorization,
                         custapi_error *err) {
  custapi_http_request req = {0};
  int rc = decoded_init(d, ops, 0, id, authorization, err);
  if (rc < 0)
    return rc;
  rc = ops->encode_get(&req, &ctx->endpoint, id, err);
  if (rc < 0)
    return rc;
  req.authorization = authorization;
  rc = call_upstream(ctx, resp, t, &req, ctx->cfg->retries, decode_into, d, err);
  custapi__http_request_clear(&req);
  return rc;
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

/* A success answered in the caller's protocol after a translated update. */
static void answer_translated_update(gw_reply *out, gw_ctx *ctx, custapi_transport *t,
                                     gw_caller who, int32_t id, const char *authorization) {
  custapi_error err = CUSTAPI_ERROR_INIT;
  if (who == GW_CALLER_XMLRPC) {
    out->status = 200;
    out->content_type = XML_TYPE;
    if (custapi__xmlrpc_encode_int_response(&out->body, &out->body_len, id, &err) < 0)
      reply_oom(out);
    return;
  }
  /* A REST caller expects the customer: read it back over XML-RPC. */
  decoded d;
  gw_response resp = {0};
  if (read_customer(&d, &resp, ctx, t, GW_XMLRPC, id, authorization, &err) < 0) {
    atomic_fetch_add(&ctx->stats.upstream_errors, 1);
    custapi_error e = err;
    snprintf(e.message, sizeof e.message,
             "the update was applied, but reading it back failed: %.400s", err.message);
    e.category = CUSTAPI_CATEGORY_SERVER;
    e.http_status = 502;
    e.has_fault_code = 0;
    reply_rest_error(out, 502, &e);
  } else {
    out->status = 200;
    out->content_type = JSON_TYPE;
    if (custapi__rest_encode_envelope(&out->body, &out->body_len, id, d.customer, &err) < 0)
      reply_oom(out);
  }
  decoded_clear(&d);
  gw_response_clear(&resp);
}

/* What the install made of an update: only an accepted one is recorded (a replay must not
 * apply what the install refused, with the operator's key). */
static void count_update(gw_ctx *ctx, int rc, const custapi_error *err) {
  if (rc == 0)
    atomic_fetch_add(&ctx->stats.updates_accepted, 1);
  else if (err->category == CUSTAPI_CATEGORY_AUTH || err->category == CUSTAPI_CATEGORY_NOT_FOUND ||
           err->category == CUSTAPI_CATEGORY_REJECTED || err->category == CUSTAPI_CATEGORY_INVALID)
    atomic_fetch_add(&ctx->stats.updates_refused, 1);
  else
    atomic_fetch_add(&ctx->stats.updates_failed, 1);
}

/* An update that passed the door: in id's line, sent, recorded once accepted, answered,
 * shadowed. An XML-RPC update forwarded as XML-RPC is encoded anew in the caller's dialect
 * (docs/gateway.md). */
static void forward_update(gw_reply *out, gw_ctx *ctx, custapi_transport *t, const gw_request *rq,
                           gw_caller who, custapi_xml_encoding dialect, int32_t id,
                           const custapi_customer *properties) {
  const custapi_backend_ops *ops = upstream_for(ctx, who);
  int translated = (ops == GW_REST) != (who == GW_CALLER_REST);
  custapi_http_request req = {0};
  custapi_error err = CUSTAPI_ERROR_INIT;
  if (ops->encode_update(&req, &ctx->endpoint, id, properties, &err) < 0) {
    reply_error(out, who, &err);
    return;
  }
  if (!translated && who == GW_CALLER_XMLRPC &&
      custapi__xml_write_dialect(&req.body, &req.body_len, dialect) < 0) {
    custapi__http_request_clear(&req);
    reply_oom(out);
    return;
  }
  req.authorization = rq->authorization;

  unsigned long ticket = gw_order_take(ctx->order, id);
  gw_order_wait(ctx->order, id, ticket);
  atomic_fetch_add(&ctx->stats.forwarded, 1);
  decoded d;
  gw_response resp = {0};
  int rc = decoded_init(&d, ops, translated ? 1 : 2, id, rq->authorization, &err);
  if (rc == 0)
    rc = call_upstream(ctx, &resp, t, &req, ctx->cfg->retries, decode_into, &d, &err);
  custapi__http_request_clear(&req);
  /* Still in id's line: the record keeps the order in which the install applied them. */
  count_update(ctx, rc, &err);
  if (rc == 0 && ctx->record_fd >= 0 &&
      gw_record_write(ctx->record_fd, id, properties, rq->authorization) < 0)
    fprintf(stderr, "custapi: gateway: could not append update of %" PRId32 " to --record\n", id);
  if (rc == 0 && ctx->shadow)
    gw_shadow_enqueue(ctx->shadow, id, properties, rq->authorization);

  if (rc < 0)
    atomic_fetch_add(&ctx->stats.upstream_errors, 1);
  snprintf(out->note, sizeof out->note, "update %" PRId32 " forwarded over %s: %s", id, ops->name,
           rc == 0 ? "ok" : custapi_category_name(err.category));
  if (!translated && resp.status) {
    reply_verbatim(out, &resp);
    out->outcome = rc < 0 ? err.category : CUSTAPI_CATEGORY_OK; /* a fault comes as 200 */
  } else if (rc < 0)
    reply_error(out, who, &err);
  else /* still in id's line: the read-back shows this update, not a later one */
    answer_translated_update(out, ctx, t, who, id, rq->authorization);
  gw_order_done(ctx->order, id);
  decoded_clear(&d);
  gw_response_clear(&resp);
}

/* A translated read: GetCustomer over REST, or a REST GET over XML-RPC. */
static void forward_read(gw_reply *out, gw_ctx *ctx, custapi_transport *t, const gw_request *rq,
                         gw_caller who, int32_t id) {
  const custapi_backend_ops *ops = upstream_for(ctx, who);
  atomic_fetch_add(&ctx->stats.forwarded, 1);
  decoded d;
  gw_response resp = {0};
  custapi_error err = CUSTAPI_ERROR_INIT;
  int rc = read_customer(&d, &resp, ctx, t, ops, id, rq->authorization, &err);
  if (rc < 0) {
    atomic_fetch_add(&ctx->stats.upstream_errors, 1);
    reply_error(out, who, &err);
  } else if (who == GW_CALLER_XMLRPC) {
    out->status = 200;
    out->content_type = XML_TYPE;
    /* A field XML-RPC cannot carry (a string above U+FFFD, read over REST) fails here. */
    if ((rc = custapi__xmlrpc_encode_struct_response(&out->body, &out->body_len, d.customer,
                                                     &err)) < 0)
      reply_fault(out, 500, err.message);
  } else {
    out->status = 200;
    out->content_type = JSON_TYPE;
    if ((rc = custapi__rest_encode_envelope(&out->body, &out->body_len, id, d.customer, &err)) < 0)
      reply_oom(out);
  }
  snprintf(out->note, sizeof out->note, "read %" PRId32 " over %s: %s", id, ops->name,
           rc == 0 ? "ok" : custapi_category_name(err.category));
  decoded_clear(&d);
  gw_response_clear(&resp);
}

/* ---- the door ---- */

/* Validation as `update` does it; an invalid update is answered here, and 0 returned. */
static int door(gw_reply *out, gw_ctx *ctx, gw_caller who, const custapi_customer *properties) {
  custapi_error err = CUSTAPI_ERROR_INIT;
  /* As `update` refuses it, nothing to update included: the validator's one check. */
  const gw_config *cfg = ctx->cfg;
  if (custapi_validate(properties, cfg->mode, cfg->validate_flags, NULL, NULL, &err) == 0)
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

/* An answer made here written in the caller's dialect; the install's own answers go back as
 * they came (it had the call in that dialect). */
static void answer_in_dialect(gw_reply *out, custapi_xml_encoding dialect) {
  int made_here = out->upstream.status == 0;
  if (made_here && out->body && custapi__xml_write_dialect(&out->body, &out->body_len, dialect) < 0)
    reply_oom(out);
}

static void handle_xmlrpc(gw_reply *out, gw_ctx *ctx, custapi_transport *t, const gw_request *rq) {
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
      forward_update(out, ctx, t, rq, GW_CALLER_XMLRPC, call.dialect, call.id, call.properties);
  } else if (call.kind == CUSTAPI_XMLRPC_CALL_GET && ctx->cfg->upstream == GW_UPSTREAM_REST) {
    forward_read(out, ctx, t, rq, GW_CALLER_XMLRPC, call.id);
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
    pass_through(out, ctx, t, rq, GW_CALLER_XMLRPC);
  }
  answer_in_dialect(out, call.dialect);
  custapi__xmlrpc_call_clear(&call);
}

static void handle_rest(gw_reply *out, gw_ctx *ctx, custapi_transport *t, const gw_request *rq,
                        int32_t id) {
  atomic_fetch_add(&ctx->stats.calls_rest, 1);
  custapi_error err = {0};
  if (strcmp(rq->method, "GET") == 0) {
    if (ctx->cfg->upstream == GW_UPSTREAM_XMLRPC)
      forward_read(out, ctx, t, rq, GW_CALLER_REST, id);
    else
      pass_through(out, ctx, t, rq, GW_CALLER_REST);
    return;
  }
  if (strcmp(rq->method, "HEAD") == 0 || strcmp(rq->method, "OPTIONS") == 0) {
    pass_through(out, ctx, t, rq, GW_CALLER_REST);
    return;
  }
  if (strcmp(rq->method, "PUT") != 0) {
    /* PATCH, POST, DELETE: a write the door cannot read as an update. */
    custapi__error_set(&err, CUSTAPI_CATEGORY_USAGE, NULL,
                       "%.16s is not forwarded on a customer: an update is PUT "
                       "/api/2.0/customers/ID (or %sUpdateCustomer over XML-RPC)",
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
    forward_update(out, ctx, t, rq, GW_CALLER_REST, CUSTAPI_XML_UTF8, id, properties);
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

static uint64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void answer_call(gw_reply *out, gw_ctx *ctx, custapi_transport **slot, const gw_request *rq);

void gw_handle(gw_reply *out, gw_ctx *ctx, custapi_transport **slot, const gw_request *rq) {
  uint64_t start = now_us();
  answer_call(out, ctx, slot, rq);
  gw_metrics_call(&ctx->stats, is_xmlrpc_path(rq->path) ? GW_CALLER_XMLRPC : GW_CALLER_REST,
                  out->outcome, now_us() - start);
}

static void answer_call(gw_reply *out, gw_ctx *ctx, custapi_transport **slot,
                        const gw_request *rq) {
  *out = (gw_reply){0};
  custapi_error err = CUSTAPI_ERROR_INIT;
  int xmlrpc = is_xmlrpc_path(rq->path);
  custapi_transport *t = connection_transport(ctx, slot, &err);
  if (!t) {
    reply_error(out, xmlrpc ? GW_CALLER_XMLRPC : GW_CALLER_REST, &err);
    return;
  }
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
    handle_xmlrpc(out, ctx, t, rq);
  } else if (customer > 0) {
    handle_rest(out, ctx, t, rq, id);
  } else if (is_write(rq->method) && names_our_endpoints(rq->path)) {
    /* An update the door cannot read (".../customers/042", "//customers/42", "/API/2.0/...")
     * must not slip past it as "another path": the install might route it all the same. */
    atomic_fetch_add(&ctx->stats.calls_rest, 1);
    custapi__error_set(&err, CUSTAPI_CATEGORY_NOT_FOUND, NULL, "%s",
                       "not a customer or the XML-RPC endpoint: an update goes to "
                       "/api/2.0/customers/ID (ID a positive 32-bit decimal) or /api/2.0/xmlrpc/");
    refuse_at_door(out, ctx, 404, &err);
  } else {
    pass_through(out, ctx, t, rq, xmlrpc ? GW_CALLER_XMLRPC : GW_CALLER_REST);
  }
  if (out->status == 0 && !out->body)
    reply_oom(out);
}
