/*
 * Inside the client (src/client only): the client's state and the one call machinery that the
 * synchronous API (client_sync.c) and the asynchronous one (client_async.c) both run on.
 */
#ifndef CUSTAPI_CLIENT_PRIVATE_H
#define CUSTAPI_CLIENT_PRIVATE_H

#include <stdint.h>

#include "caller.h"
#include "codec.h"
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
  unsigned validate_flags;
  custapi_warn_fn warn;
  void *warn_payload;
  /* The transport, retries, the 429 hold and the trace: the call machinery every call of the
   * client runs on, with the client's key for redaction. */
  custapi_caller caller;
  int insecure;
  custapi_error error;
  struct async_update *async_calls; /* started by custapi__update_start, not yet done */
  int busy;                         /* in a bulk run: its callbacks may not call the client */
  int maybe_applied; /* the last failed call: an update that may have been applied */
};

/* One call, as the caller machinery runs it (caller.h). */
typedef custapi_call call;

#endif
