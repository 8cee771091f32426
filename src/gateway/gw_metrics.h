/*
 * The gateway's counters: one struct of atomics that the summary printed at exit and the
 * /metrics page (--metrics) both read, so the two never disagree. Every count is incremented
 * through the functions below from wherever the event happens (a call answered, an upstream
 * attempt, a shadow read, a connection opened). The calls and the /metrics listener all run
 * on the gateway's one loop; the counters are atomics all the same, so that they stay exact
 * whatever thread reads them.
 */
#ifndef CUSTAPI_GW_METRICS_H
#define CUSTAPI_GW_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "custapi/custapi.h"
#include "gateway.h"

/* Upper bounds of the call latency histogram's buckets, in microseconds (+Inf follows). */
#define GW_METRICS_BUCKETS 12
#define GW_METRICS_CATEGORIES 12 /* custapi_category: OK to INTERNAL */

typedef enum gw_caller { GW_CALLER_REST = 0, GW_CALLER_XMLRPC = 1 } gw_caller;

typedef struct gw_stats {
  /* The summary's counts. */
  atomic_ulong calls_rest, calls_xmlrpc;
  atomic_ulong forwarded;      /* updates (and translated reads) sent upstream */
  atomic_ulong refused;        /* answered at the door: invalid, too large, malformed */
  atomic_ulong passed_through; /* forwarded verbatim */
  atomic_ulong upstream_errors;
  atomic_ulong timed_out; /* callers answered 504 (or a fault) at their upstream deadline */
  atomic_ulong shadow_reads;
  atomic_ulong differences;
  atomic_ulong
      shadow_dropped; /* shadow reads not made: the queue was full, or the stop came first */
  /* Updates that passed the door, by what the install made of them (the summary's "updates"):
   * accepted (2xx, no fault: recorded), refused (auth, not found, rejected) or failed. */
  atomic_ulong updates_accepted, updates_refused, updates_failed;
  /* /metrics only. */
  atomic_ulong calls[2][GW_METRICS_CATEGORIES];            /* by caller protocol and outcome */
  atomic_ulong latency_buckets[2][GW_METRICS_BUCKETS + 1]; /* not cumulative; last: +Inf */
  atomic_ullong latency_us[2];                             /* the sum */
  atomic_ulong upstream_attempts, upstream_retries;
  atomic_long open_connections, suspended_connections;
} gw_stats;

/* A call answered: its caller's protocol, what it came to, how long it took. */
void gw_metrics_call(gw_stats *s, gw_caller caller, custapi_category outcome, uint64_t elapsed_us);
/* An upstream attempt; `retry` when it is not the call's first. */
void gw_metrics_attempt(gw_stats *s, int retry);
/* A caller's connection opened (+1) or closed (-1). */
void gw_metrics_connection(gw_stats *s, int delta);
/* A caller's call starts (+1) or stops (-1) waiting on the install. */
void gw_metrics_suspended(gw_stats *s, int delta);

/* The Prometheus text exposition (format 0.0.4) of `s`, in a new buffer (custapi__free). */
int gw_metrics_render(char **out, size_t *len, gw_stats *s, gw_upstream_mode mode);

/* The one JSON line printed at exit; `signal_name` is "SIGINT" or "SIGTERM". */
void gw_metrics_print_summary(FILE *out, gw_stats *s, const char *signal_name);

/* ---- the --metrics listener (gw_metrics_http.c) ---- */

typedef struct gw_metrics_server gw_metrics_server;

/* Serves /metrics and /healthz on `listen` (HOST:PORT, loopback unless allow_remote), on the
 * gateway's loop: gw_metrics_fd is polled with the loop's descriptors, gw_metrics_run is
 * called after each turn. */
int gw_metrics_start(gw_metrics_server **out, const gw_config *cfg, gw_stats *s,
                     custapi_error *err);
/* The port it listens on (--metrics with port 0 picks one). */
unsigned gw_metrics_port(const gw_metrics_server *server);
/* The listener's descriptor to poll (-1 for none), and its turn once it is readable. */
int gw_metrics_fd(const gw_metrics_server *server);
void gw_metrics_run(gw_metrics_server *server);
void gw_metrics_stop(gw_metrics_server *server);

#endif
