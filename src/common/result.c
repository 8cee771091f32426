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

custapi_category custapi__http_status_category(int status) {
  if (status >= 200 && status < 300)
    return CUSTAPI_CATEGORY_OK;
  if (status == 401 || status == 403)
    return CUSTAPI_CATEGORY_AUTH;
  if (status == 404)
    return CUSTAPI_CATEGORY_NOT_FOUND;
  if (status == 429 || (status >= 500 && status < 600))
    return CUSTAPI_CATEGORY_SERVER;
  if (status >= 400 && status < 500)
    return CUSTAPI_CATEGORY_REJECTED; /* 400, 409, 422 and the other client errors */
  return CUSTAPI_CATEGORY_PROTOCOL;   /* 1xx, 3xx (redirects are not followed), nonsense */
}
