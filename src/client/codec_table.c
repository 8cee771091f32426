/* The one table of backends, found by protocol (libgit2's static backend table). The client
 * layer is the only one that knows every codec: the codecs know only the model below them. */
#include <strings.h>

#include "codec.h"
#include "codec_table.h"
#include "http.h"
#include "rest.h"
#include "xmlrpc.h"

static const struct {
  custapi_protocol protocol;
  const custapi_backend_ops *ops;
} backends[] = {
    {CUSTAPI_PROTOCOL_REST, &custapi__rest_backend},
    {CUSTAPI_PROTOCOL_XMLRPC, &custapi__xmlrpc_backend},
};

#define BACKEND_COUNT (sizeof backends / sizeof backends[0])

const custapi_backend_ops *custapi__backend_for(custapi_protocol protocol) {
  for (size_t i = 0; i < BACKEND_COUNT; i++)
    if (backends[i].protocol == protocol)
      return backends[i].ops;
  return NULL;
}

int custapi__backend_by_name(custapi_protocol *out, const char *name) {
  for (size_t i = 0; name && i < BACKEND_COUNT; i++)
    if (strcasecmp(name, backends[i].ops->name) == 0) {
      *out = backends[i].protocol;
      return 0;
    }
  return -1;
}

void custapi__backends_global_init(void) {
  for (size_t i = 0; i < BACKEND_COUNT; i++)
    if (backends[i].ops->global_init)
      backends[i].ops->global_init();
}

int custapi__decode_update(const custapi_backend_ops *ops, custapi_result **out,
                           const custapi_http_response *r, unsigned flags, custapi_error *err) {
  *out = NULL;
  if (!custapi__http_is_success(r->status))
    return custapi__http_failure(err, r);
  return ops->decode_update(out, r, flags, err);
}

int custapi__decode_get(const custapi_backend_ops *ops, custapi_customer **out,
                        const custapi_http_response *r, custapi_error *err) {
  *out = NULL;
  if (!custapi__http_is_success(r->status))
    return custapi__http_failure(err, r);
  return ops->decode_get(out, r, err);
}

int custapi__decode_probe(const custapi_backend_ops *ops, custapi_probe_info *out,
                          const custapi_http_response *r, const custapi_endpoint *endpoint,
                          custapi_error *err) {
  *out = (custapi_probe_info){0};
  if (!custapi__http_is_success(r->status))
    return custapi__http_failure(err, r);
  return ops->decode_probe(out, r, endpoint, err);
}
