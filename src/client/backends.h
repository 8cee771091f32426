/* The client layer's lookup of the codecs' ops tables (backend.c). */
#ifndef CUSTAPI_BACKENDS_H
#define CUSTAPI_BACKENDS_H

#include "backend.h"

/* The backend of a protocol, or NULL. */
const custapi_backend_ops *custapi__backend_for(custapi_protocol protocol);

/* The protocol whose backend is named `name` (any case); -1 when none is. */
int custapi__backend_by_name(custapi_protocol *out, const char *name);

/* Every backend's global_init, once per process before threads start. */
void custapi__backends_global_init(void);

#endif
