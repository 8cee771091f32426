/* An error as the JSON object every output uses:
 * {"category","message","http_status","fault_code","property"}, absent details as null. */
#include <assert.h>

#include "json_util.h"

json_object *custapi__error_to_json_object(const custapi_error *err) {
  json_object *e = json_object_new_object();
  int failed = !e;
  failed |= custapi__json_add(e, "category",
                              json_object_new_string(custapi_category_name(err->category)));
  failed |= custapi__json_add(e, "message", json_object_new_string(err->message));
  failed |= custapi__json_add_if(e, "http_status", err->http_status != 0,
                                 err->http_status ? json_object_new_int(err->http_status) : NULL);
  failed |= custapi__json_add_if(e, "fault_code", err->has_fault_code,
                                 err->has_fault_code ? json_object_new_int(err->fault_code) : NULL);
  failed |= custapi__json_add_if(e, "property", err->property[0] != '\0',
                                 err->property[0] ? json_object_new_string(err->property) : NULL);
  return custapi__json_built(e, failed);
}

int custapi_error_to_json(char **out, const custapi_error *err) {
  assert(out && err);
  json_object *obj = custapi__error_to_json_object(err);
  *out = obj ? custapi__json_to_string(obj, NULL) : NULL;
  json_object_put(obj);
  return *out ? 0 : CUSTAPI_EINTERNAL;
}
