/*
 * --shadow: after an update succeeded, one background thread reads the customer back over
 * both protocols (reads only, never a second write), with the caller's own credentials, and
 * appends to the report one JSON line per updated property that either read does not show as
 * sent, or that the two show differently: {id, property, sent, rest, xmlrpc, when}.
 *
 * The reads take the id's next place in line when the update is answered, so they see that
 * update and no later one; the caller's answer never waits for them.
 */
#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "error.h"
#include "gw_internal.h"
#include "json_util.h"

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

typedef struct get_payload {
  const custapi_backend_ops *ops;
  custapi_customer *customer;
} get_payload;

static int decode_get(const custapi_http_response *r, void *payload, custapi_error *err) {
  get_payload *p = payload;
  custapi_customer_free(p->customer);
  p->customer = NULL;
  return GW_DECODE_GET(p->ops, &p->customer, r, err);
}

/* Reads customer `id` over one protocol; NULL when the read failed. */
static custapi_customer *read_over(gw_shadow *s, const custapi_backend_ops *ops, const job *j) {
  custapi_http_request req = {0};
  custapi_error err = CUSTAPI_ERROR_INIT;
  get_payload p = {ops, NULL};
  gw_response resp = {0};
  if (ops->encode_get(&req, &s->endpoint, j->id, &err) == 0) {
    req.authorization = j->authorization;
    if (gw_exchange(&resp, s->transport, &req, s->cfg->retries, decode_get, &p, &err) < 0) {
      custapi_customer_free(p.customer);
      p.customer = NULL;
    }
  }
  atomic_fetch_add(&s->stats->shadow_reads, 1);
  gw_response_clear(&resp);
  custapi__http_request_clear(&req);
  return p.customer;
}

static void report(gw_shadow *s, const job *j, const custapi_customer *rest,
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
    atomic_fetch_add(&s->stats->differences, 1);
    json_object *line = json_object_new_object();
    json_object_object_add(line, "id", json_object_new_int(j->id));
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

static void run_job(gw_shadow *s, job *j) {
  gw_order_wait(s->order, j->id, j->ticket);
  custapi_customer *rest = read_over(s, GW_REST, j);
  custapi_customer *xmlrpc = read_over(s, GW_XMLRPC, j);
  gw_order_done(s->order, j->id);
  report(s, j, rest, xmlrpc);
  custapi_customer_free(rest);
  custapi_customer_free(xmlrpc);
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
  int rc = gw_transport_new(&s->transport, cfg, err);
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
  if (!j || custapi_customer_dup(&j->sent, sent) < 0 ||
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
