#include <assert.h>

#include "alloc.h"
#include "customer.h"
#include "http.h"
#include "result.h"

int custapi__result_new(custapi_result **out) {
  *out = custapi__calloc(1, sizeof **out);
  return *out ? 0 : CUSTAPI_EINTERNAL;
}

void custapi_result_free(custapi_result *result) {
  if (!result)
    return;
  custapi_customer_free(result->customer);
  custapi__free(result);
}

const char *custapi_result_protocol(const custapi_result *r) {
  assert(r);
  return r->protocol;
}

int custapi_result_http_status(const custapi_result *r) {
  assert(r);
  return r->http_status;
}

int custapi_result_attempts(const custapi_result *r) {
  assert(r);
  return r->attempts;
}

long custapi_result_elapsed_ms(const custapi_result *r) {
  assert(r);
  return r->elapsed_ms;
}

const custapi_customer *custapi_result_customer(const custapi_result *r) {
  assert(r);
  return r->customer;
}

int custapi_result_value(int64_t *out, const custapi_result *r) {
  assert(out && r);
  if (!r->has_value)
    return 0;
  *out = r->value;
  return 1;
}

void custapi__http_request_clear(custapi_http_request *request) {
  if (!request)
    return;
  custapi__free(request->url);
  custapi__free(request->body);
  *request = (custapi_http_request){0};
}
