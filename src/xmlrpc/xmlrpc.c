/* The XML-RPC codec (first cut; the full codec follows). */
#include "backend.h"
#include "error.h"

static int encode_update(custapi_http_request *out, const custapi_endpoint *endpoint, int32_t id,
                         const custapi_customer *properties, custapi_error *err) {
  (void)out, (void)endpoint, (void)id, (void)properties;
  return custapi__error_set(err, CUSTAPI_CATEGORY_INTERNAL, NULL, "xmlrpc: not implemented yet");
}

static int encode_get(custapi_http_request *out, const custapi_endpoint *endpoint, int32_t id,
                      custapi_error *err) {
  (void)out, (void)endpoint, (void)id;
  return custapi__error_set(err, CUSTAPI_CATEGORY_INTERNAL, NULL, "xmlrpc: not implemented yet");
}

static int decode_update(custapi_result **out, const custapi_http_response *response,
                         custapi_error *err) {
  (void)out, (void)response;
  return custapi__error_set(err, CUSTAPI_CATEGORY_INTERNAL, NULL, "xmlrpc: not implemented yet");
}

static int decode_get(custapi_customer **out, const custapi_http_response *response,
                      custapi_error *err) {
  (void)out, (void)response;
  return custapi__error_set(err, CUSTAPI_CATEGORY_INTERNAL, NULL, "xmlrpc: not implemented yet");
}

const custapi_backend_ops custapi__xmlrpc_backend = {
    .name = "xmlrpc",
    .flags = 0,
    .encode_update = encode_update,
    .encode_get = encode_get,
    .decode_update = decode_update,
    .decode_get = decode_get,
};
