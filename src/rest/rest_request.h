/*
 * The REST codec's request side, for the gateway: a caller's PUT body decoded into the model,
 * and the JSON documents answered to it. Pure functions over buffers (rest_request.c); the
 * client side is reached through custapi__rest_backend (codec.h).
 */
#ifndef CUSTAPI_REST_REQUEST_H
#define CUSTAPI_REST_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "custapi/custapi.h"

/* The path every customer lives under. */
#define CUSTAPI_REST_CUSTOMERS_PATH "/api/2.0/customers/"

/*
 * Whether `path` names one customer: 1 and *id for CUSTOMERS_PATH + a canonical decimal id in
 * 1..2^31-1; -1 for a path under CUSTOMERS_PATH that names no valid id ("042", "0", "1/x");
 * 0 for any other path.
 */
int custapi__rest_customer_path(int32_t *id, const char *path);

/*
 * A PUT body (one JSON object) as a new customer typed by the schema, with `customer_flags` as
 * for custapi_customer_new; not yet validated. Anything else is CUSTAPI_EINVALID naming it.
 */
int custapi__rest_decode_update_request(custapi_customer **out, const char *body, size_t len,
                                        unsigned customer_flags, custapi_error *err);

/* {"links":[{"title":"self","rel":"self","href":"/api/2.0/customers/ID"}],"item":{...}} in a
 * new buffer (custapi__free). */
int custapi__rest_encode_envelope(char **out, size_t *len, int32_t id, const custapi_customer *item,
                                  custapi_error *err);

/* {"error":{"message":"...","category":"...","property":"..."|null}} in a new buffer. */
int custapi__rest_encode_error(char **out, size_t *len, const custapi_error *error);

#endif
