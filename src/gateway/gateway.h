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
  /* The install, as the client's options name it. */
  const char *url;
  const char *xmlrpc_prefix; /* NULL: "customers." */
  long timeout_ms;           /* per upstream attempt, > 0 */
  int retries;               /* >= 0 */
  const char *cacert;
  int insecure;
  const char *proxy;
  int allow_plain_http;
  /* Validation at the door, as for `update`. */
  custapi_validate_mode mode;
  unsigned validate_flags;
  unsigned customer_flags;
  /* The front. */
  const char *listen; /* HOST:PORT */
  const char *port_file;
  int allow_remote;
  const char *tls_cert, *tls_key;
  unsigned max_connections;
  unsigned caller_timeout_s;
  size_t max_body;
  gw_upstream_mode upstream;
  const char *record;
  int shadow;
  const char *report;
  custapi_noise *noise; /* --ignore, and what --shadow's reads teach (owned by the caller) */
  int verbose;
  int quiet;           /* -q: not even the start-up line */
  const char *metrics; /* HOST:PORT serving /metrics and /healthz, or NULL */
} gw_config;

#define GW_DEFAULT_MAX_CONNECTIONS 256u
#define GW_DEFAULT_CALLER_TIMEOUT_S 30u
#define GW_DEFAULT_MAX_BODY ((size_t)1024 * 1024)

/* Checks the configuration (usage errors, nothing started). */
int gw_config_check(const gw_config *cfg, custapi_error *err);

/*
 * Listens, serves until SIGINT or SIGTERM, finishes the calls in flight and the shadow reads
 * queued, prints one JSON summary on stdout and returns 0; or returns a negative status with
 * `err` when it cannot start. custapi_global_init must have been called.
 */
int gw_run(const gw_config *cfg, custapi_error *err);

#endif
