/* The one table of backends, found by protocol (libgit2's static backend table). The client
 * layer is the only one that knows every codec: the codecs know only the model below them. */
#include <strings.h>

#include "backend.h"
#include "backends.h"
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
