/* The client layer's lookup of the codecs' ops tables (codec_table.c). */
#ifndef CUSTAPI_BACKENDS_H
#define CUSTAPI_BACKENDS_H

#include "codec.h"

/* The backend of a protocol, or NULL. */
const custapi_backend_ops *custapi__backend_for(custapi_protocol protocol);

/* The protocol whose backend is named `name` (any case); -1 when none is. */
int custapi__backend_by_name(custapi_protocol *out, const char *name);

/* Every backend's global_init, once per process before threads start. */
void custapi__backends_global_init(void);

/*
 * Decoding an answer, for every caller: an answer that is not a 2xx becomes its error through
 * custapi__http_failure before the codec sees it, so it is the same for both protocols; a 2xx
 * goes to the codec. `flags` as decode_update's (CUSTAPI_DECODE_NO_CUSTOMER).
 */
int custapi__decode_update(const custapi_backend_ops *ops, custapi_result **out,
                           const custapi_http_response *response, unsigned flags,
                           custapi_error *err);
int custapi__decode_get(const custapi_backend_ops *ops, custapi_customer **out,
                        const custapi_http_response *response, custapi_error *err);
int custapi__decode_probe(const custapi_backend_ops *ops, custapi_probe_info *out,
                          const custapi_http_response *response, const custapi_endpoint *endpoint,
                          custapi_error *err);

#endif
