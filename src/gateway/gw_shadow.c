/*
 * --shadow: after an update succeeded, the customer is read back over both protocols (reads
 * only, never a second write), with the caller's own credentials, and the report gets one JSON
 * line per updated property, with its verdict: agree, differ (either read does not show it as
 * sent, or the two show it differently), or noise (it differs, but changes by itself: the
 * client layer's custapi__noise_learn and custapi__verdict decide, as they do for compare).
 * {id, property, sent, rest, xmlrpc, verdict, when, at, elapsed_ms}. When something not known
 * as noise differs, both reads are made a second time, still in the id's place in line. The
 * report starts with a header line naming what it is, for custapi report.
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
#include <sys/stat.h>
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
  custapi_answer_ask ask; /* the caller's credentials decoded, for redaction */
  custapi_http_request request;
  custapi_call k;
  /* The reads, in the order made: REST, XML-RPC, then (when worth it) both again. */
  int phase;
  custapi_customer *got[4];
  long elapsed_ms[2]; /* of the first two */
  uint64_t started_ms;
  char at[32]; /* when the first read started (UTC) */
};

enum { REST_FIRST, XMLRPC_FIRST, REST_AGAIN, XMLRPC_AGAIN };

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
  for (int i = 0; i < 4; i++)
    custapi_customer_free(r->got[i]);
  custapi__answer_ask_clear(&r->ask);
  if (r->authorization) {
    custapi__wipe(r->authorization, strlen(r->authorization));
    custapi__free(r->authorization);
  }
  custapi__http_request_clear(&r->request);
  custapi__call_clear(&r->k);
  custapi__free(r);
}

/* A field as JSON for the report (NULL: a JSON null, absent or unread). */
static json_object *field_json(const custapi_customer *c, const char *name) {
  const custapi_field *f = c ? custapi_customer_get(c, name) : NULL;
  return f ? custapi__field_to_json_object(f) : NULL;
}

/* Does property `f` (as sent) read back otherwise over either protocol, or differently? */
static int differs(const custapi_field *f, const custapi_customer *rest,
                   const custapi_customer *xmlrpc) {
  const custapi_field *r = rest ? custapi_customer_get(rest, f->name) : NULL;
  const custapi_field *x = xmlrpc ? custapi_customer_get(xmlrpc, f->name) : NULL;
  return !custapi__same_value(f->name, f, r) || !custapi__same_value(f->name, f, x);
}

static void report(gw_shadow *s, const gw_shadow_read *j) {
  const custapi_customer *rest = j->got[REST_FIRST], *xmlrpc = j->got[XMLRPC_FIRST];
  char when[32];
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  for (size_t i = 0; i < custapi_customer_count(j->sent); i++) {
    const custapi_field *f = custapi_customer_at(j->sent, i);
    custapi_verdict verdict =
        custapi__verdict(s->ctx->cfg->noise, f->name, differs(f, rest, xmlrpc));
    if (verdict == CUSTAPI_VERDICT_DIFFER)
      atomic_fetch_add(&s->ctx->stats.differences, 1);
    json_object *line = json_object_new_object(), *elapsed = json_object_new_object();
    json_object_object_add(line, "id", json_object_new_int(j->turn.id));
    json_object_object_add(line, "property", json_object_new_string(f->name));
    json_object_object_add(line, "sent", custapi__field_to_json_object(f));
    json_object_object_add(line, "rest", field_json(rest, f->name));
    json_object_object_add(line, "xmlrpc", field_json(xmlrpc, f->name));
    if (!rest)
      json_object_object_add(line, "rest_read_failed", json_object_new_boolean(1));
    if (!xmlrpc)
      json_object_object_add(line, "xmlrpc_read_failed", json_object_new_boolean(1));
    json_object_object_add(line, "verdict", json_object_new_string(custapi_verdict_name(verdict)));
    json_object_object_add(line, "when", json_object_new_string(when));
    json_object_object_add(line, "at", json_object_new_string(j->at));
    json_object_object_add(elapsed, "rest", json_object_new_int64(j->elapsed_ms[REST_FIRST]));
    json_object_object_add(elapsed, "xmlrpc", json_object_new_int64(j->elapsed_ms[XMLRPC_FIRST]));
    json_object_object_add(line, "elapsed_ms", elapsed);
    size_t len = 0;
    char *text = custapi__json_to_string(line, &len);
    if (!text || gw_append_line(s->report_fd, text, len) < 0)
      fprintf(stderr, "custapi: gateway: could not append to the shadow report\n");
    custapi__free(text);
    json_object_put(line);
  }
}

/* Something differs that is not known noise: only then are the second reads worth making. */
static int worth_rereading(const gw_shadow_read *r) {
  for (size_t i = 0; i < custapi_customer_count(r->sent); i++) {
    const custapi_field *f = custapi_customer_at(r->sent, i);
    if (differs(f, r->got[REST_FIRST], r->got[XMLRPC_FIRST]) &&
        !custapi_noise_has(r->shadow->ctx->cfg->noise, f->name))
      return 1;
  }
  return 0;
}

static void read_done(custapi_call *k);

/* Starts the read of r->phase. */
static int read_next(gw_shadow_read *r) {
  gw_ctx *ctx = r->shadow->ctx;
  const custapi_backend_ops *ops = r->phase % 2 == 0 ? GW_REST : GW_XMLRPC;
  custapi_error err = CUSTAPI_ERROR_INIT;
  custapi__http_request_clear(&r->request);
  custapi__call_clear(&r->k);
  r->k = (custapi_call){0};
  if (ops->encode_get(&r->request, &ctx->endpoint, r->turn.id, &err) < 0)
    return -1;
  r->request.authorization = r->authorization;
  r->k.on_done = read_done;
  r->k.caller = ctx->caller;
  r->k.ops = ops;
  r->k.request = &r->request;
  r->k.id = r->turn.id; /* an answer for another customer is a failed read */
  r->k.redact_username = r->ask.username;
  r->k.redact_secret = r->ask.secret ? r->ask.secret : gw_authorization_token(r->authorization);
  r->started_ms = custapi__now_ms();
  return custapi__call_begin(&r->k, &err);
}

static gw_shadow_read *read_of(custapi_call *k) {
  return (gw_shadow_read *)(void *)((char *)k - offsetof(gw_shadow_read, k));
}

/* Every read made (or failed to start): the line moves on, then what the second reads show
 * changing by itself is learned as noise, and the report is written. */
static void reads_end(gw_shadow_read *r) {
  gw_shadow *s = r->shadow;
  gw_order_done(s->ctx->order, r->turn.id); /* the next update of the id goes on */
  if (custapi__noise_learn(s->ctx->cfg->noise, r->got[REST_FIRST], r->got[REST_AGAIN]) < 0 ||
      custapi__noise_learn(s->ctx->cfg->noise, r->got[XMLRPC_FIRST], r->got[XMLRPC_AGAIN]) < 0)
    fprintf(stderr, "custapi: gateway: out of memory: noise not learned\n");
  report(s, r);
  read_free(r);
}

static void read_done(custapi_call *k) {
  gw_shadow_read *r = read_of(k);
  gw_stats *stats = &r->shadow->ctx->stats;
  atomic_fetch_add(&stats->shadow_reads, 1);
  for (int i = 0; i < k->attempts; i++)
    gw_metrics_attempt(stats, i > 0);
  if (k->rc == 0) {
    r->got[r->phase] = k->customer;
    k->customer = NULL;
  }
  if (r->phase <= XMLRPC_FIRST)
    r->elapsed_ms[r->phase] = (long)(custapi__now_ms() - r->started_ms);
  r->phase++;
  /* Read again, still in the id's place in line (no update between): what changed is noise. */
  if ((r->phase == REST_AGAIN && !worth_rereading(r)) || r->phase > XMLRPC_AGAIN ||
      read_next(r) < 0)
    reads_end(r);
}

/* The read's turn in its id's line: right after its update, before any later one. */
static void read_turn(gw_turn *turn) {
  gw_shadow_read *r = (gw_shadow_read *)(void *)turn;
  if (r->state == ARMED)
    custapi__utc_now(r->at, sizeof r->at);
  if (r->state != ARMED || read_next(r) < 0) {
    if (r->state == ARMED)
      atomic_fetch_add(&r->shadow->ctx->stats.shadow_dropped, 1);
    gw_order_done(r->shadow->ctx->order, r->turn.id);
    read_free(r);
  }
}

/* A report that is empty starts with what it is, for custapi report; one that already holds
 * lines (a restarted gateway appending) has its header. */
static int header(int fd, custapi_error *err) {
  struct stat st;
  if (fstat(fd, &st) < 0 || st.st_size > 0)
    return 0;
  char line[128];
  int n = snprintf(line, sizeof line, "{\"custapi_shadow_report\":1,\"custapi_version\":\"%s\"}",
                   custapi_version());
  if (n < 0 || (size_t)n >= sizeof line || gw_append_line(fd, line, (size_t)n) < 0)
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL,
                              "--report: can't write the report's first line");
  return 0;
}

int gw_shadow_new(gw_shadow **out, gw_ctx *ctx, int report_fd, custapi_error *err) {
  int rc = header(report_fd, err);
  if (rc < 0)
    return rc;
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
  /* what was sent, as the report shows it: the caller's own key redacted */
  if (gw_redacted_copy(&r->sent, sent, authorization) < 0 ||
      (authorization && !(r->authorization = custapi__strdup(authorization))) ||
      custapi__answer_ask_from_header(&r->ask, r->authorization) < 0) {
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
