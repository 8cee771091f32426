/*
 * The seam between the protocols (docs/internals.md): a const table of pure functions per protocol,
 * plus its name. Shared code never asks which protocol it has: it calls the table.
 */
#ifndef CUSTAPI_BACKEND_H
#define CUSTAPI_BACKEND_H

#include <stdint.h>

#include "custapi/custapi.h"
#include "http.h"
#include "result.h"

/* Where requests go: what a codec needs from the client's options. */
typedef struct custapi_endpoint {
  const char *base_url;      /* without a trailing slash (the client trims it, once), e.g.
                              * "https://mail.example.com" */
  const char *xmlrpc_prefix; /* "customers." by default, "" for bare method names */
} custapi_endpoint;

/* decode_update flag: check the answer just as strictly, but build no customer (bulk). */
#define CUSTAPI_DECODE_NO_CUSTOMER (1u << 0)

/* What a probe learned from an endpoint, and the codec's verdict on it. */
typedef struct custapi_probe_info {
  int has_methods; /* 1: the protocol lists its methods (XML-RPC's system.listMethods) */
  char **methods;  /* owned (custapi__free each, then the array) */
  size_t method_count;
  int prefix_matches;     /* 1/0: the customer methods are listed under the endpoint's prefix;
                             -1: the protocol has no prefix to check */
  char *suggested_prefix; /* owned: a prefix under which they are listed, when that differs */
  custapi_error verdict;  /* category OK: usable; else why the endpoint can't be used as set */
} custapi_probe_info;

void custapi__probe_info_clear(custapi_probe_info *info);

typedef struct custapi_backend_ops {
  const char *name; /* "rest", "xmlrpc" */
  /* Build the request for an update / a read of customer `id`. Pure: no I/O. */
  int (*encode_update)(custapi_http_request *out, const custapi_endpoint *endpoint, int32_t id,
                       const custapi_customer *properties, custapi_error *err);
  int (*encode_get)(custapi_http_request *out, const custapi_endpoint *endpoint, int32_t id,
                    custapi_error *err);
  /*
   * Turn a 2xx response into a result (customer and/or integer, http_status) or an error of
   * the error model (docs/errors.md: a fault, or a protocol error), with http_status, fault code
   * and the server's message kept. Pure. Only the client layer's custapi__decode_* functions
   * call these, and only with a 2xx: any other answer is custapi__http_failure's, the same for
   * every protocol. decode_update's flags: CUSTAPI_DECODE_NO_CUSTOMER.
   */
  int (*decode_update)(custapi_result **out, const custapi_http_response *response, unsigned flags,
                       custapi_error *err);
  int (*decode_get)(custapi_customer **out, const custapi_http_response *response,
                    custapi_error *err);
  /* A request that shows the endpoint answers and accepts the credentials, and its decoder. */
  int (*encode_probe)(custapi_http_request *out, const custapi_endpoint *endpoint,
                      custapi_error *err);
  int (*decode_probe)(custapi_probe_info *out, const custapi_http_response *response,
                      const custapi_endpoint *endpoint, custapi_error *err);
  /* Process-wide set-up the codec's library needs before threads start (custapi_global_init
   * calls it for every backend); NULL when there is none. Safe to call more than once. */
  void (*global_init)(void);
} custapi_backend_ops;

#endif
