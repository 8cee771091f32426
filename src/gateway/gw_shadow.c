/*
 * --shadow: after an update succeeded, the customer is read back over both protocols (reads
 * only, never a second write), with the caller's own credentials, and the report gets one JSON
 * line per updated property that either read does not show as sent, or that the two show
 * differently: {id, property, sent, rest, xmlrpc, when}.
 *
 * The reads run on the loop. They take their place in the id's line when the update takes its
 * own, right behind it, so they see that update and no later one; the caller's answer never
 * waits for them. At most --shadow-queue reads wait at once: an update beyond that is not read
 * back, and is counted as dropped.
 */
#include <json-c/json.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "error.h"
#include "gw_internal.h"
#include "json_util.h"

typedef enum read_state { RESERVED, ARMED, CANCELLED } read_state;

struct gw_shadow_read {
  gw_turn turn; /* first: the line hands back the turn, i.e. this */
  gw_shadow_read *prev, *next;
  gw_shadow *shadow;
  read_state state;
  custapi_customer *sent;
  char *authorization;
  custapi_http_request request;
  custapi_call k;
  custapi_customer *rest; /* the first read's */
};

struct gw_shadow {
  gw_ctx *ctx;
  int report_fd;
  gw_shadow_read *reads; /* reserved, waiting or in progress */
  size_t pending;
};

static void read_free(gw_shadow_read *r) {
  gw_shadow *s = r->shadow;
  if (r->prev)
    r->prev->next = r->next;
  else
    s->reads = r->next;
  if (r->next)
    r->next->prev = r->prev;
  s->pending--;
  custapi_customer_free(r->sent);
  custapi_customer_free(r->rest);
  if (r->authorization) {
    custapi__wipe(r->authorization, strlen(r->authorization));
    custapi__free(r->authorization);
  }
  custapi__http_request_clear(&r->request);
  custapi__call_clear(&r->k);
  custapi__free(r);
}

/* A field as JSON text for comparison ("null" when absent or unread). */
static json_object *field_json(const custapi_customer *c, const char *name) {
  const custapi_field *f = c ? custapi_customer_get(c, name) : NULL;
  return f ? custapi__field_to_json_object(f) : NULL;
}

/* Two values the same? Integers read back as strings of the same number count as the same
 * (a protocol may carry either). */
static int same_value(json_object *a, json_object *b) {
  if (!a || !b)
    return a == b;
  const char *ta = json_object_get_string(a), *tb = json_object_get_string(b);
  return ta && tb && strcmp(ta, tb) == 0;
}

static void report(gw_shadow *s, const gw_shadow_read *j, const custapi_customer *rest,
                   const custapi_customer *xmlrpc) {
  char when[32];
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  for (size_t i = 0; i < custapi_customer_count(j->sent); i++) {
    const custapi_field *f = custapi_customer_at(j->sent, i);
    json_object *sent = custapi__field_to_json_object(f);
    json_object *r = field_json(rest, f->name), *x = field_json(xmlrpc, f->name);
    if (same_value(sent, r) && same_value(sent, x)) {
      json_object_put(sent);
      json_object_put(r);
      json_object_put(x);
      continue;
    }
    atomic_fetch_add(&s->ctx->stats.differences, 1);
    json_object *line = json_object_new_object();
    json_object_object_add(line, "id", json_object_new_int(j->turn.id));
    json_object_object_add(line, "property", json_object_new_string(f->name));
    json_object_object_add(line, "sent", sent);
    json_object_object_add(line, "rest", r);
    json_object_object_add(line, "xmlrpc", x);
    if (!rest)
      json_object_object_add(line, "rest_read_failed", json_object_new_boolean(1));
    if (!xmlrpc)
      json_object_object_add(line, "xmlrpc_read_failed", json_object_new_boolean(1));
    json_object_object_add(line, "when", json_object_new_string(when));
    size_t len = 0;
    char *text = custapi__json_to_string(line, &len);
    if (!text || gw_append_line(s->report_fd, text, len) < 0)
      fprintf(stderr, "custapi: gateway: could not append to the shadow report\n");
    custapi__free(text);
    json_object_put(line);
  }
}

/* Ends the read's place in its id's line (the next update there goes on) and frees it. */
static void read_end(gw_shadow_read *r) {
  gw_order_done(r->shadow->ctx->order, r->turn.id); /* reads r's place, then runs the next */
  read_free(r);
}

static int read_over(gw_shadow_read *r, const custapi_backend_ops *ops,
                     void (*done)(custapi_call *)) {
  gw_ctx *ctx = r->shadow->ctx;
  custapi_error err;
  custapi__http_request_clear(&r->request);
  custapi__call_clear(&r->k);
  r->k = (custapi_call){0};
  if (ops->encode_get(&r->request, &ctx->endpoint, r->turn.id, &err) < 0)
    return -1;
  r->request.authorization = r->authorization;
  r->k.on_done = done;
  r->k.caller = ctx->caller;
  r->k.ops = ops;
  r->k.request = &r->request;
  r->k.redact_secret = r->authorization;
  return custapi__call_begin(&r->k, &err);
}

static gw_shadow_read *read_of(custapi_call *k) {
  return (gw_shadow_read *)(void *)((char *)k - offsetof(gw_shadow_read, k));
}

static void xmlrpc_read_done(custapi_call *k) {
  gw_shadow_read *r = read_of(k);
  atomic_fetch_add(&r->shadow->ctx->stats.shadow_reads, 1);
  /* Both reads made: the line moves on before the report is written. */
  report(r->shadow, r, r->rest, k->rc == 0 ? k->customer : NULL);
  read_end(r);
}

static void rest_read_done(custapi_call *k) {
  gw_shadow_read *r = read_of(k);
  atomic_fetch_add(&r->shadow->ctx->stats.shadow_reads, 1);
  if (k->rc == 0) {
    r->rest = k->customer;
    k->customer = NULL;
  }
  if (read_over(r, GW_XMLRPC, xmlrpc_read_done) < 0) {
    report(r->shadow, r, r->rest, NULL);
    read_end(r);
  }
}

/* The read's turn in its id's line: right after its update, before any later one. */
static void read_turn(gw_turn *turn) {
  gw_shadow_read *r = (gw_shadow_read *)(void *)turn;
  if (r->state != ARMED || read_over(r, GW_REST, rest_read_done) < 0) {
    if (r->state == ARMED)
      atomic_fetch_add(&r->shadow->ctx->stats.shadow_dropped, 1);
    read_end(r);
  }
}

int gw_shadow_new(gw_shadow **out, gw_ctx *ctx, int report_fd, custapi_error *err) {
  gw_shadow *s = custapi__calloc(1, sizeof *s);
  if (!s)
    return custapi__error_oom(err);
  s->ctx = ctx;
  s->report_fd = report_fd;
  *out = s;
  return 0;
}

gw_shadow_read *gw_shadow_reserve(gw_shadow *s, int32_t id) {
  if (s->pending >= s->ctx->cfg->shadow_queue) {
    atomic_fetch_add(&s->ctx->stats.shadow_dropped, 1);
    return NULL; /* the queue is full: this update is not read back, and it is counted */
  }
  gw_shadow_read *r = custapi__calloc(1, sizeof *r);
  if (!r) {
    atomic_fetch_add(&s->ctx->stats.shadow_dropped, 1);
    return NULL;
  }
  r->shadow = s;
  r->turn.id = id;
  r->turn.run = read_turn;
  /* Behind the update that reserves it, which has just taken its own place. */
  if (gw_order_enter(s->ctx->order, &r->turn) != 0) {
    custapi__free(r);
    atomic_fetch_add(&s->ctx->stats.shadow_dropped, 1);
    return NULL;
  }
  r->next = s->reads;
  if (s->reads)
    s->reads->prev = r;
  s->reads = r;
  s->pending++;
  return r;
}

void gw_shadow_arm(gw_shadow_read *r, const custapi_customer *sent, const char *authorization) {
  r->state = CANCELLED;
  if (!sent)
    return;
  if (custapi_customer_dup(&r->sent, sent) < 0 ||
      (authorization && !(r->authorization = custapi__strdup(authorization)))) {
    fprintf(stderr, "custapi: gateway: out of memory: a shadow read was skipped\n");
    atomic_fetch_add(&r->shadow->ctx->stats.shadow_dropped, 1);
    return;
  }
  r->state = ARMED;
}

size_t gw_shadow_pending(const gw_shadow *s) { return s ? s->pending : 0; }

size_t gw_shadow_free(gw_shadow *s) {
  if (!s)
    return 0;
  size_t dropped = 0;
  while (s->reads) {
    if (s->reads->state != CANCELLED)
      dropped++;
    read_free(s->reads);
  }
  atomic_fetch_add(&s->ctx->stats.shadow_dropped, dropped);
  custapi__free(s);
  return dropped;
}
