/*
 * Building JSON with json-c, whose constructors return NULL and whose adds fail when memory
 * runs out (json-c allocates outside our hook, with plain malloc). Each helper takes a new
 * reference (or the NULL of a constructor that failed), adds it, and returns -1 when anything
 * failed, dropping the value: a builder ORs the results and checks once, and never adds to, or
 * leaks, a value that was not made. Children are built whole before they are added.
 */
#include "alloc.h"
#include "json_util.h"

int custapi__json_add(json_object *obj, const char *key, json_object *value) {
  if (!obj || !value || json_object_object_add(obj, key, value) != 0) {
    json_object_put(value);
    return -1;
  }
  return 0;
}

int custapi__json_add_null(json_object *obj, const char *key) {
  return obj && json_object_object_add(obj, key, NULL) == 0 ? 0 : -1;
}

int custapi__json_add_if(json_object *obj, const char *key, int present, json_object *value) {
  return present ? custapi__json_add(obj, key, value) : custapi__json_add_null(obj, key);
}

int custapi__json_append(json_object *array, json_object *value) {
  if (!array || !value || json_object_array_add(array, value) != 0) {
    json_object_put(value);
    return -1;
  }
  return 0;
}

json_object *custapi__json_built(json_object *obj, int failed) {
  if (failed) {
    json_object_put(obj);
    return NULL;
  }
  return obj;
}

char *custapi__json_to_string(json_object *obj, size_t *len) {
  size_t n = 0;
  const char *text = json_object_to_json_string_length(
      obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
  if (!text)
    return NULL;
  if (len)
    *len = n;
  return custapi__strndup(text, n);
}
