/*
 * The REST codec's request side (rest.h): what the gateway reads from a REST caller and the
 * documents it answers with. The PUT body goes through the same strict JSON reading as
 * `update --json` (custapi_customer_set_json), so a value passes or fails alike from either.
 */
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "customer.h"
#include "error.h"
#include "json_util.h"
#include "rest_request.h"

int custapi__rest_customer_path(int32_t *id, const char *path) {
  size_t n = sizeof CUSTAPI_REST_CUSTOMERS_PATH - 1;
  if (strncmp(path, CUSTAPI_REST_CUSTOMERS_PATH, n) != 0)
    return 0;
  const char *digits = path + n;
  int32_t v;
  if (custapi__parse_int32(digits, strlen(digits), &v) < 0 || !custapi_id_valid(v))
    return -1;
  *id = v;
  return 1;
}

int custapi__rest_decode_update_request(custapi_customer **out, const char *body, size_t len,
                                        unsigned customer_flags, custapi_error *err) {
  *out = NULL;
  custapi_customer *c;
  if (custapi_customer_new(&c, customer_flags) < 0)
    return custapi__error_oom(err);
  int rc = custapi_customer_set_json(c, body, len, err);
  if (rc < 0) {
    custapi_customer_free(c);
    return rc;
  }
  *out = c;
  return 0;
}

/* The text of `obj` in a new buffer; drops our reference. */
static int finish(char **out, size_t *len, json_object *obj, custapi_error *err) {
  char *text = obj ? custapi__json_to_string(obj, len) : NULL;
  json_object_put(obj);
  if (!text)
    return custapi__error_oom(err);
  *out = text;
  return 0;
}

int custapi__rest_encode_envelope(char **out, size_t *len, int32_t id, const custapi_customer *item,
                                  custapi_error *err) {
  char href[64];
  snprintf(href, sizeof href, "%s%" PRId32, CUSTAPI_REST_CUSTOMERS_PATH, id);
  json_object *root = json_object_new_object(), *links = json_object_new_array(),
              *self = json_object_new_object(), *customer = NULL;
  int bad = !root || !links || !self || custapi__customer_to_json_object(&customer, item) < 0;
  if (!bad) {
    json_object_object_add(self, "title", json_object_new_string("self"));
    json_object_object_add(self, "rel", json_object_new_string("self"));
    json_object_object_add(self, "href", json_object_new_string(href));
    bad = json_object_array_add(links, self) != 0;
    self = NULL;
    bad = bad || json_object_object_add(root, "links", links) != 0;
    links = NULL;
    bad = bad || json_object_object_add(root, "item", customer) != 0;
    customer = NULL;
  }
  json_object_put(self);
  json_object_put(links);
  json_object_put(customer);
  if (bad) {
    json_object_put(root);
    return custapi__error_oom(err);
  }
  return finish(out, len, root, err);
}

int custapi__rest_encode_error(char **out, size_t *len, const custapi_error *error) {
  json_object *root = json_object_new_object(), *inner = json_object_new_object();
  if (!root || !inner) {
    json_object_put(root);
    json_object_put(inner);
    return CUSTAPI_EINTERNAL;
  }
  json_object_object_add(inner, "message", json_object_new_string(error->message));
  json_object_object_add(inner, "category",
                         json_object_new_string(custapi_category_name(error->category)));
  json_object_object_add(inner, "property",
                         error->property[0] ? json_object_new_string(error->property) : NULL);
  json_object_object_add(root, "error", inner);
  return finish(out, len, root, NULL);
}
