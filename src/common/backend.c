/* The one table of backends, found by protocol (libgit2's static backend table). */
#include "backend.h"

static const struct {
  custapi_protocol protocol;
  const custapi_backend_ops *ops;
} backends[] = {
    {CUSTAPI_PROTOCOL_REST, &custapi__rest_backend},
    {CUSTAPI_PROTOCOL_XMLRPC, &custapi__xmlrpc_backend},
};

const custapi_backend_ops *custapi__backend_for(custapi_protocol protocol) {
  for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++)
    if (backends[i].protocol == protocol)
      return backends[i].ops;
  return NULL;
}

int custapi__decode_update(const custapi_backend_ops *ops, custapi_result **out,
                           const custapi_http_response *r, int brief, custapi_error *err) {
  *out = NULL;
  if (!custapi__http_is_success(r->status))
    return custapi__http_failure(err, r);
  return (brief ? ops->decode_update_brief : ops->decode_update)(out, r, err);
}

int custapi__decode_get(const custapi_backend_ops *ops, custapi_customer **out,
                        const custapi_http_response *r, custapi_error *err) {
  *out = NULL;
  if (!custapi__http_is_success(r->status))
    return custapi__http_failure(err, r);
  return ops->decode_get(out, r, err);
}

int custapi__decode_probe(const custapi_backend_ops *ops, custapi_probe_info *out,
                          const custapi_http_response *r, custapi_error *err) {
  *out = (custapi_probe_info){0};
  if (!custapi__http_is_success(r->status))
    return custapi__http_failure(err, r);
  return ops->decode_probe(out, r, err);
}
