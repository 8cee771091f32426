/*
 * The gateway's counters (gw_metrics.h) and what is made of them: the /metrics page in
 * Prometheus' text format, and the summary line printed at exit.
 *
 * Names follow Prometheus' conventions: the custapi_gateway_ prefix, _total on counters, base
 * units (seconds), and labels of few values (the caller's protocol, the upstream mode, the
 * outcome's category), never a customer id.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "gw_internal.h"

static const uint64_t bucket_us[GW_METRICS_BUCKETS] = {
    1000, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000};

static const char *const caller_names[2] = {"rest", "xmlrpc"};

void gw_metrics_call(gw_stats *s, gw_caller caller, custapi_category outcome, uint64_t elapsed_us) {
  unsigned c = caller == GW_CALLER_XMLRPC ? 1u : 0u;
  unsigned o = (unsigned)outcome < GW_METRICS_CATEGORIES ? (unsigned)outcome
                                                         : (unsigned)CUSTAPI_CATEGORY_INTERNAL;
  size_t b = 0;
  while (b < GW_METRICS_BUCKETS && elapsed_us > bucket_us[b])
    b++;
  atomic_fetch_add(&s->calls[c][o], 1);
  atomic_fetch_add(&s->latency_buckets[c][b], 1);
  atomic_fetch_add(&s->latency_us[c], elapsed_us);
}

void gw_metrics_attempt(gw_stats *s, int retry) {
  atomic_fetch_add(&s->upstream_attempts, 1);
  if (retry)
    atomic_fetch_add(&s->upstream_retries, 1);
}

void gw_metrics_connection(gw_stats *s, int delta) {
  atomic_fetch_add(&s->open_connections, delta);
}

void gw_metrics_suspended(gw_stats *s, int delta) {
  atomic_fetch_add(&s->suspended_connections, delta);
}

/* ---- the text format ---- */

typedef struct page {
  char *buf;
  size_t len, cap;
  int failed;
} page;

static void put(page *p, const char *fmt, ...) CUSTAPI_PRINTF(2, 3);

static void put(page *p, const char *fmt, ...) {
  if (p->failed)
    return;
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(p->buf ? p->buf + p->len : NULL, p->buf ? p->cap - p->len : 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
      p->failed = 1;
      return;
    }
    if (p->buf && p->len + (size_t)n < p->cap) {
      p->len += (size_t)n;
      return;
    }
    size_t cap = (p->cap + (size_t)n + 1) * 2;
    char *grown = custapi__realloc(p->buf, cap);
    if (!grown) {
      p->failed = 1;
      return;
    }
    p->buf = grown;
    p->cap = cap;
  }
}

static void header(page *p, const char *name, const char *type, const char *help) {
  put(p, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void counter(page *p, const char *name, const char *help, atomic_ulong *value) {
  header(p, name, "counter", help);
  put(p, "%s %lu\n", name, atomic_load(value));
}

static void gauge(page *p, const char *name, const char *help, atomic_long *value) {
  header(p, name, "gauge", help);
  put(p, "%s %ld\n", name, atomic_load(value));
}

static void calls(page *p, gw_stats *s, const char *mode) {
  header(p, "custapi_gateway_calls_total", "counter",
         "Calls answered, by the caller's protocol, the upstream mode and what the call came to "
         "(ok, or the error's category as custapi's exit codes name it).");
  for (unsigned c = 0; c < 2; c++)
    for (unsigned o = 0; o < GW_METRICS_CATEGORIES; o++) {
      unsigned long n = atomic_load(&s->calls[c][o]);
      if (n || o == CUSTAPI_CATEGORY_OK) /* every protocol shows, with its successes */
        put(p, "custapi_gateway_calls_total{protocol=\"%s\",upstream=\"%s\",outcome=\"%s\"} %lu\n",
            caller_names[c], mode, custapi_category_name((custapi_category)o), n);
    }
}

static void latency(page *p, gw_stats *s) {
  header(p, "custapi_gateway_call_duration_seconds", "histogram",
         "Time from a call's arrival to its answer, by the caller's protocol.");
  for (unsigned c = 0; c < 2; c++) {
    unsigned long cumulative = 0;
    for (size_t b = 0; b <= GW_METRICS_BUCKETS; b++) {
      cumulative += atomic_load(&s->latency_buckets[c][b]);
      if (b < GW_METRICS_BUCKETS)
        put(p, "custapi_gateway_call_duration_seconds_bucket{protocol=\"%s\",le=\"%g\"} %lu\n",
            caller_names[c], (double)bucket_us[b] / 1e6, cumulative);
      else
        put(p, "custapi_gateway_call_duration_seconds_bucket{protocol=\"%s\",le=\"+Inf\"} %lu\n",
            caller_names[c], cumulative);
    }
    put(p, "custapi_gateway_call_duration_seconds_sum{protocol=\"%s\"} %.6f\n", caller_names[c],
        (double)atomic_load(&s->latency_us[c]) / 1e6);
    put(p, "custapi_gateway_call_duration_seconds_count{protocol=\"%s\"} %lu\n", caller_names[c],
        cumulative);
  }
}

int gw_metrics_render(char **out, size_t *len, gw_stats *s, gw_upstream_mode mode) {
  page p = {0};
  calls(&p, s, gw_upstream_mode_name(mode));
  latency(&p, s);
  counter(&p, "custapi_gateway_upstream_attempts_total",
          "Requests sent to the install, retries included.", &s->upstream_attempts);
  counter(&p, "custapi_gateway_upstream_retries_total",
          "Requests sent to the install again after a retryable failure.", &s->upstream_retries);
  counter(&p, "custapi_gateway_shadow_reads_total",
          "Shadow reads made (--shadow: two per update that succeeded).", &s->shadow_reads);
  counter(&p, "custapi_gateway_shadow_differences_total",
          "Properties a shadow read showed otherwise than sent (lines of --report).",
          &s->differences);
  counter(&p, "custapi_gateway_shadow_dropped_total", "Shadow reads not made: the queue was full.",
          &s->shadow_dropped);
  gauge(&p, "custapi_gateway_open_connections", "Callers' connections open now.",
        &s->open_connections);
  gauge(&p, "custapi_gateway_suspended_connections",
        "Callers' connections waiting on the install now.", &s->suspended_connections);
  if (p.failed || !p.buf) {
    custapi__free(p.buf);
    return -1;
  }
  *out = p.buf;
  *len = p.len;
  return 0;
}

void gw_metrics_print_summary(FILE *out, gw_stats *s, const char *signal_name) {
  fprintf(out,
          "{\"stopped_by\":\"%s\",\"calls\":{\"rest\":%lu,\"xmlrpc\":%lu},\"forwarded\":%lu,"
          "\"refused\":%lu,\"passed_through\":%lu,\"upstream_errors\":%lu,\"timed_out\":%lu,"
          "\"shadow_reads\":%lu,\"differences\":%lu,\"shadow_dropped\":%lu,"
          "\"updates\":{\"accepted\":%lu,\"refused\":%lu,\"failed\":%lu}}\n",
          signal_name, atomic_load(&s->calls_rest), atomic_load(&s->calls_xmlrpc),
          atomic_load(&s->forwarded), atomic_load(&s->refused), atomic_load(&s->passed_through),
          atomic_load(&s->upstream_errors), atomic_load(&s->timed_out),
          atomic_load(&s->shadow_reads), atomic_load(&s->differences),
          atomic_load(&s->shadow_dropped), atomic_load(&s->updates_accepted),
          atomic_load(&s->updates_refused), atomic_load(&s->updates_failed));
  fflush(out);
}
