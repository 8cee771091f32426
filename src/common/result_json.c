/* A result as JSON (custapi_result_to_json): what a call did, and what the server returned. */
#include <assert.h>

#include "json_util.h"
#include "result.h"

int custapi_result_to_json(char **out, const custapi_result *r) {
  assert(out && r);
  *out = NULL;
  json_object *o = json_object_new_object(), *customer = NULL;
  int failed = custapi__json_add(o, "protocol", json_object_new_string(r->protocol));
  failed |= custapi__json_add(o, "http_status", json_object_new_int(r->http_status));
  failed |= custapi__json_add(o, "attempts", json_object_new_int(r->attempts));
  failed |= custapi__json_add(o, "elapsed_ms", json_object_new_int64(r->elapsed_ms));
  failed |= custapi__json_add_if(o, "result", r->has_value,
                                 r->has_value ? json_object_new_int64(r->value) : NULL);
  if (r->customer) {
    failed |= custapi__customer_to_json_object(&customer, r->customer) < 0;
    failed |= custapi__json_add(o, "customer", customer);
  } else {
    failed |= custapi__json_add_null(o, "customer");
  }
  if ((o = custapi__json_built(o, failed)) == NULL)
    return CUSTAPI_EINTERNAL;
  *out = custapi__json_to_string(o, NULL);
  json_object_put(o);
  return *out ? 0 : CUSTAPI_EINTERNAL;
}
