/*
 * --shadow: after an update succeeded, one background thread reads the customer back over
 * both protocols (reads only, never a second write), with the caller's own credentials, and
 * appends to the report one JSON line per updated property, with its verdict: agree, differ
 * (either read does not show it as sent, or the two show it differently), or noise (it differs,
 * but changes by itself: the client layer's custapi__noise_learn and custapi__verdict decide,
 * as they do for compare). {id, property, sent, rest, xmlrpc, verdict, when, at, elapsed_ms}.
 * The report starts with a header line naming what it is, for custapi report.
 *
 * The reads take the id's next place in line when the update is answered, so they see that
 * update and no later one; the caller's answer never waits for them.
 */
#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "alloc.h"
#include "error.h"
#include "gw_internal.h"
#include "json_util.h"
#include "noise.h"

typedef struct job {
  struct job *next;
  int32_t id;
  unsigned long ticket;
  custapi_customer *sent;
  char *authorization;
} job;

struct gw_shadow {
  const gw_config *cfg;
  gw_order *order;
  gw_stats *stats;
  int report_fd;
  custapi_endpoint endpoint;
  custapi_transport *transport;
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t queued;
  job *head, **tail;
  int stopping;
};

static void job_free(job *j) {
  if (!j)
    return;
  custapi_customer_free(j->sent);
  if (j->authorization) {
    custapi__wipe(j->authorization, strlen(j->authorization));
    custapi__free(j->authorization);
  }
  custapi__free(j);
}

/* A field as JSON for the report (NULL: a JSON null, absent or unread). */
static json_object *field_json(const custapi_customer *c, const char *name) {
  const custapi_field *f = c ? custapi_customer_get(c, name) : NULL;
  return f ? custapi__field_to_json_object(f) : NULL;
}

/* Two reads of one protocol, and how long the first took. */
typedef struct reads {
  custapi_customer *first, *again;
  long elapsed_ms;
} reads;

typedef struct get_payload {
  const custapi_backend_ops *ops;
  custapi_customer *customer;
  custapi_answer_ask ask; /* the id read, the caller's credentials */
} get_payload;

static int decode_get(const custapi_http_response *r, void *payload, custapi_error *err) {
  get_payload *p = payload;
  custapi_customer_free(p->customer);
  p->customer = NULL;
  return GW_DECODE_GET(p->ops, &p->customer, r, &p->ask, err);
}

/* Reads customer `id` over one protocol; NULL when the read failed. */
static custapi_customer *read_over(gw_shadow *s, const custapi_backend_ops *ops, const job *j) {
  custapi_http_request req = {0};
  custapi_error err = CUSTAPI_ERROR_INIT;
  get_payload p = {ops, NULL, {j->id, NULL, NULL, NULL}};
  gw_response resp = {0};
  if (custapi__answer_ask_from_header(&p.ask, j->authorization) == 0 &&
      ops->encode_get(&req, &s->endpoint, j->id, &err) == 0) {
    req.authorization = j->authorization;
    if (gw_exchange(&resp, s->transport, &req, s->cfg->retries, decode_get, &p, s->stats, &err) <
        0) {
      custapi_customer_free(p.customer);
      p.customer = NULL;
    }
  }
  atomic_fetch_add(&s->stats->shadow_reads, 1);
  custapi__answer_ask_clear(&p.ask);
  gw_response_clear(&resp);
  custapi__http_request_clear(&req);
  return p.customer;
}

/* Does property `f` (as sent) read back otherwise over either protocol, or differently? */
static int differs(const custapi_field *f, const custapi_customer *rest,
                   const custapi_customer *xmlrpc) {
  const custapi_field *r = rest ? custapi_customer_get(rest, f->name) : NULL;
  const custapi_field *x = xmlrpc ? custapi_customer_get(xmlrpc, f->name) : NULL;
  return !custapi__same_value(f->name, f, r) || !custapi__same_value(f->name, f, x);
}

static void report(gw_shadow *s, const job *j, const reads *rest, const reads *xmlrpc,
                   const char *at) {
  char when[32];
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  for (size_t i = 0; i < custapi_customer_count(j->sent); i++) {
    const custapi_field *f = custapi_customer_at(j->sent, i);
    custapi_verdict verdict =
        custapi__verdict(s->cfg->noise, f->name, differs(f, rest->first, xmlrpc->first));
    if (verdict == CUSTAPI_VERDICT_DIFFER)
      atomic_fetch_add(&s->stats->differences, 1);
    json_object *line = json_object_new_object(), *elapsed = json_object_new_object();
    json_object_object_add(line, "id", json_object_new_int(j->id));
    json_object_object_add(line, "property", json_object_new_string(f->name));
    json_object_object_add(line, "sent", custapi__field_to_json_object(f));
    json_object_object_add(line, "rest", field_json(rest->first, f->name));
    json_object_object_add(line, "xmlrpc", field_json(xmlrpc->first, f->name));
    if (!rest->first)
      json_object_object_add(line, "rest_read_failed", json_object_new_boolean(1));
    if (!xmlrpc->first)
      json_object_object_add(line, "xmlrpc_read_failed", json_object_new_boolean(1));
    json_object_object_add(line, "verdict", json_object_new_string(custapi_verdict_name(verdict)));
    json_object_object_add(line, "when", json_object_new_string(when));
    json_object_object_add(line, "at", json_object_new_string(at));
    json_object_object_add(elapsed, "rest", json_object_new_int64(rest->elapsed_ms));
    json_object_object_add(elapsed, "xmlrpc", json_object_new_int64(xmlrpc->elapsed_ms));
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
static int worth_rereading(const gw_shadow *s, const job *j, const reads *rest,
                           const reads *xmlrpc) {
  for (size_t i = 0; i < custapi_customer_count(j->sent); i++) {
    const custapi_field *f = custapi_customer_at(j->sent, i);
    if (differs(f, rest->first, xmlrpc->first) && !custapi_noise_has(s->cfg->noise, f->name))
      return 1;
  }
  return 0;
}

static custapi_customer *read_timed(gw_shadow *s, const custapi_backend_ops *ops, const job *j,
                                    long *elapsed_ms) {
  uint64_t start = custapi__now_ms();
  custapi_customer *c = read_over(s, ops, j);
  *elapsed_ms = (long)(custapi__now_ms() - start);
  return c;
}

static void run_job(gw_shadow *s, job *j) {
  char at[32];
  gw_order_wait(s->order, j->id, j->ticket);
  custapi__utc_now(at, sizeof at);
  reads rest = {0}, xmlrpc = {0};
  long ignored;
  rest.first = read_timed(s, GW_REST, j, &rest.elapsed_ms);
  xmlrpc.first = read_timed(s, GW_XMLRPC, j, &xmlrpc.elapsed_ms);
  /* Read again, still in the id's place in line (no update between): what changed is noise. */
  if (worth_rereading(s, j, &rest, &xmlrpc)) {
    rest.again = read_timed(s, GW_REST, j, &ignored);
    xmlrpc.again = read_timed(s, GW_XMLRPC, j, &ignored);
  }
  gw_order_done(s->order, j->id);
  if (custapi__noise_learn(s->cfg->noise, rest.first, rest.again) < 0 ||
      custapi__noise_learn(s->cfg->noise, xmlrpc.first, xmlrpc.again) < 0)
    fprintf(stderr, "custapi: gateway: out of memory: noise not learned\n");
  report(s, j, &rest, &xmlrpc, at);
  custapi_customer_free(rest.first);
  custapi_customer_free(rest.again);
  custapi_customer_free(xmlrpc.first);
  custapi_customer_free(xmlrpc.again);
}

static void *shadow_main(void *arg) {
  gw_shadow *s = arg;
  pthread_mutex_lock(&s->lock);
  for (;;) {
    while (!s->head && !s->stopping)
      pthread_cond_wait(&s->queued, &s->lock);
    job *j = s->head;
    if (!j)
      break; /* stopping, and nothing left */
    s->head = j->next;
    if (!s->head)
      s->tail = &s->head;
    pthread_mutex_unlock(&s->lock);
    run_job(s, j);
    job_free(j);
    pthread_mutex_lock(&s->lock);
  }
  pthread_mutex_unlock(&s->lock);
  return NULL;
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

int gw_shadow_start(gw_shadow **out, const gw_config *cfg, gw_order *order, gw_stats *stats,
                    int report_fd, custapi_error *err) {
  gw_shadow *s = custapi__calloc(1, sizeof *s);
  if (!s)
    return custapi__error_oom(err);
  s->cfg = cfg;
  s->order = order;
  s->stats = stats;
  s->report_fd = report_fd;
  s->endpoint.base_url = cfg->url;
  s->endpoint.xmlrpc_prefix = cfg->xmlrpc_prefix;
  s->tail = &s->head;
  int rc = header(report_fd, err);
  if (rc < 0) {
    custapi__free(s);
    return rc;
  }
  rc = gw_transport_new(&s->transport, cfg, err);
  if (rc < 0) {
    custapi__free(s);
    return rc;
  }
  pthread_mutex_init(&s->lock, NULL);
  pthread_cond_init(&s->queued, NULL);
  if (pthread_create(&s->thread, NULL, shadow_main, s) != 0) {
    pthread_cond_destroy(&s->queued);
    pthread_mutex_destroy(&s->lock);
    custapi__transport_free(s->transport);
    custapi__free(s);
    return custapi__error_set(err, CUSTAPI_CATEGORY_INTERNAL, NULL, "cannot start a thread");
  }
  *out = s;
  return 0;
}

void gw_shadow_enqueue(gw_shadow *s, int32_t id, const custapi_customer *sent,
                       const char *authorization) {
  job *j = custapi__calloc(1, sizeof *j);
  /* what was sent, as the report shows it: the caller's own key redacted */
  if (!j || gw_redacted_copy(&j->sent, sent, authorization) < 0 ||
      (authorization && !(j->authorization = custapi__strdup(authorization)))) {
    job_free(j);
    fprintf(stderr, "custapi: gateway: out of memory: a shadow read was skipped\n");
    return;
  }
  j->id = id;
  j->ticket = gw_order_take(s->order, id);
  pthread_mutex_lock(&s->lock);
  *s->tail = j;
  s->tail = &j->next;
  pthread_cond_signal(&s->queued);
  pthread_mutex_unlock(&s->lock);
}

void gw_shadow_stop(gw_shadow *s) {
  if (!s)
    return;
  pthread_mutex_lock(&s->lock);
  s->stopping = 1;
  pthread_cond_signal(&s->queued);
  pthread_mutex_unlock(&s->lock);
  pthread_join(s->thread, NULL);
  custapi__transport_free(s->transport);
  pthread_cond_destroy(&s->queued);
  pthread_mutex_destroy(&s->lock);
  custapi__free(s);
}
