/*
 * The REST codec (JSON over PUT/GET /api/2.0/customers/:id, with json-c). Its operations are
 * reached through custapi__rest_backend (the ops table of codec.h); nothing else is public.
 */
#ifndef CUSTAPI_REST_H
#define CUSTAPI_REST_H

#include "codec.h"

extern const custapi_backend_ops custapi__rest_backend;

#endif
