/*
 * The seam between the protocols (DESIGN.md): a const table of pure functions per protocol,
 * plus static facts about it. Shared code never asks which protocol it has; it asks a flag.
 */
#ifndef CUSTAPI_BACKEND_H
#define CUSTAPI_BACKEND_H

#include <stdint.h>

#include "custapi/custapi.h"
#include "http.h"
#include "result.h"

/* Where requests go: what a codec needs from the client's options. */
typedef struct custapi_endpoint {
  const char *base_url;      /* without a trailing slash, e.g. "https://mail.example.com" */
  const char *xmlrpc_prefix; /* "customers." by default, "" for bare method names */
} custapi_endpoint;

/* The update's response carries the customer (REST's item); else an integer (XML-RPC). */
#define CUSTAPI_BACKEND_UPDATE_RETURNS_CUSTOMER (1u << 0)

/* What a probe learned from an endpoint: the method names it offers (XML-RPC), if any. */
typedef struct custapi_probe_info {
  int has_methods; /* 1: the protocol lists its methods (XML-RPC's system.listMethods) */
  char **methods;  /* owned (custapi__free each, then the array) */
  size_t method_count;
} custapi_probe_info;

void custapi__probe_info_clear(custapi_probe_info *info);

typedef struct custapi_backend_ops {
  const char *name; /* "rest", "xmlrpc" */
  unsigned flags;
  /* Build the request for an update / a read of customer `id`. Pure: no I/O. */
  int (*encode_update)(custapi_http_request *out, const custapi_endpoint *endpoint, int32_t id,
                       const custapi_customer *properties, custapi_error *err);
  int (*encode_get)(custapi_http_request *out, const custapi_endpoint *endpoint, int32_t id,
                    custapi_error *err);
  /*
   * Turn a 2xx response into a result (customer and/or integer, http_status) or an error of
   * SPEC section 5's model (a fault, or a protocol error), with http_status, fault code and the
   * server's message kept. Pure. Only the custapi__decode_* functions below call these, and only
   * with a 2xx: any other answer is custapi__http_failure's, the same for every protocol.
   */
  int (*decode_update)(custapi_result **out, const custapi_http_response *response,
                       custapi_error *err);
  int (*decode_get)(custapi_customer **out, const custapi_http_response *response,
                    custapi_error *err);
  /* decode_update for callers that do not want the returned customer (bulk): the response is
   * checked just as strictly, but no customer is built. */
  int (*decode_update_brief)(custapi_result **out, const custapi_http_response *response,
                             custapi_error *err);
  /* A request that shows the endpoint answers and accepts the credentials, and its decoder. */
  int (*encode_probe)(custapi_http_request *out, const custapi_endpoint *endpoint,
                      custapi_error *err);
  int (*decode_probe)(custapi_probe_info *out, const custapi_http_response *response,
                      custapi_error *err);
} custapi_backend_ops;

extern const custapi_backend_ops custapi__rest_backend;
extern const custapi_backend_ops custapi__xmlrpc_backend;

/*
 * Decoding an answer, for every caller: an answer that is not a 2xx becomes its error through
 * custapi__http_failure before the codec sees it; a 2xx goes to the codec. `brief` picks
 * decode_update_brief.
 */
int custapi__decode_update(const custapi_backend_ops *ops, custapi_result **out,
                           const custapi_http_response *response, int brief, custapi_error *err);
int custapi__decode_get(const custapi_backend_ops *ops, custapi_customer **out,
                        const custapi_http_response *response, custapi_error *err);
int custapi__decode_probe(const custapi_backend_ops *ops, custapi_probe_info *out,
                          const custapi_http_response *response, custapi_error *err);

/* The backend of a protocol. */
const custapi_backend_ops *custapi__backend_for(custapi_protocol protocol);

#endif
