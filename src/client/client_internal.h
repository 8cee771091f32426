/*
 * Inside the client (src/client only): the client's state and the one call machinery that the
 * synchronous API (client_sync.c) and the asynchronous one (client_async.c) both run on.
 */
#ifndef CUSTAPI_CLIENT_PRIVATE_H
#define CUSTAPI_CLIENT_PRIVATE_H

#include <stdint.h>

#include "backend.h"
#include "transport.h"

struct custapi_client {
  const custapi_backend_ops *backend;
  custapi_protocol protocol;
  char *base_url; /* trimmed of trailing slashes here, once: the codecs get it so */
  char *username;
  char *api_key;
  char *xmlrpc_prefix;
  char *cacert;
  char *proxy;
  custapi_endpoint endpoint;
  int retries;
  unsigned validate_flags;
  custapi_warn_fn warn;
  void *warn_payload;
  custapi_trace_fn trace;
  void *trace_payload;
  custapi_transport *transport;
  int insecure;
  custapi_error error;
  /* A 429 or a Retry-After holds every call of this client until then (bulk: every slot). */
  uint64_t hold_until_ms;
  uint64_t jitter_state; /* the backoff's generator: per client, never shared between threads */
  struct async_update *async_calls; /* started by custapi__update_start, not yet done */
  int busy;                         /* in a bulk run: its callbacks may not call the client */
  int maybe_applied; /* the last failed call: an update that may have been applied */
};

/* ---- one call: attempts, retries and backoff on the transport's loop (call.c) ---- */

typedef struct call {
  void (*on_done)(struct call *k); /* an asynchronous call's completion, or NULL */
  custapi_client *client;
  const custapi_http_request *request;
  int32_t id; /* the customer asked for (its answer must be of it); 0 for a probe */
  int is_update;
  int brief; /* an update whose returned customer is not wanted */
  int is_probe;
  int maybe_applied; /* an update: an attempt's request went out and its answer was not read */
  int attempts;
  int done;
  int rc;
  int http_status;
  custapi_error err;
  custapi_result *result;     /* an update's */
  custapi_customer *customer; /* a read's */
  custapi_probe_info probe;   /* a probe's */
} call;

/* Starts the call's next attempt (a transport timer callback; `payload` is the call), waiting
 * first while the client is held (a 429 or a Retry-After). */
void custapi__call_start(void *payload);

/* Marks the call done with `rc` and calls its on_done, which may free it. */
void custapi__call_finish(call *k, int rc);

/* Runs one request to its end, retries included. The caller owns k->result / k->customer. */
int custapi__call_run(call *k);

#endif
