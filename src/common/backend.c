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
