/*
 * custapi gateway: a libmicrohttpd front that serves an install's own endpoints, validates
 * every update at the door with the project's model, and forwards through the client's
 * transport (docs/internals.md). Linked into the command only, never into libcustapi.
 */
#ifndef CUSTAPI_GATEWAY_H
#define CUSTAPI_GATEWAY_H

#include <stddef.h>

#include "custapi/custapi.h"

typedef enum gw_upstream_mode {
  GW_UPSTREAM_SAME = 0, /* each call over the caller's own protocol */
  GW_UPSTREAM_REST,     /* XML-RPC callers translated to REST */
  GW_UPSTREAM_XMLRPC    /* REST callers translated to XML-RPC */
} gw_upstream_mode;

typedef struct gw_config {
  /* The install and how calls reach it: the client's own options (base_url, xmlrpc_prefix,
   * timeouts, retries, TLS, proxy, allow_plain_http, validate_flags), their defaults the
   * client's. The key and username are not read: each call carries its caller's. */
  custapi_options client;
  /* Validation at the door, as for `update`. */
  custapi_validate_mode mode;
  unsigned customer_flags;
  /* The front. */
  const char *listen; /* HOST:PORT */
  const char *port_file;
  int allow_remote;
  const char *tls_cert, *tls_key;
  unsigned max_connections;
  unsigned caller_timeout_s; /* a caller's whole request, first byte to last */
  size_t max_body;
  gw_upstream_mode upstream;
  const char *record;
  int shadow;
  const char *report;
  custapi_noise *noise;  /* --ignore, and what --shadow's reads teach (owned by the caller) */
  unsigned shadow_queue; /* shadow reads waiting at most; more are dropped and counted */
  unsigned stop_grace_s; /* after a stop signal, how long the shadow reads may still take once
                          * the last caller is answered */
  int verbose;
  int quiet;           /* -q: not even the start-up line */
  const char *metrics; /* HOST:PORT serving /metrics and /healthz, or NULL */
} gw_config;

#define GW_DEFAULT_MAX_CONNECTIONS 256u
#define GW_DEFAULT_CALLER_TIMEOUT_S 30u
#define GW_DEFAULT_SHADOW_QUEUE 1000u
#define GW_DEFAULT_STOP_GRACE_S 10u

/* Checks the configuration (usage errors, nothing started). */
int gw_config_check(const gw_config *cfg, custapi_error *err);

/* The body cap when none is given: what the client takes back in an answer. */
size_t gw_default_max_body(void);

/*
 * Listens, serves until SIGINT or SIGTERM, then stops accepting, answers every call in flight
 * (each within its upstream deadline), gives the queued shadow reads stop_grace_s more, drops
 * what is left saying so on stderr, prints one JSON summary on stdout and returns 0; or returns
 * a negative status with `err` when it cannot start. custapi_global_init must have been called.
 */
int gw_run(const gw_config *cfg, custapi_error *err);

#endif
