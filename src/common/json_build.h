/* Building JSON with json-c when json-c itself may run out of memory (json_build.c). */
#ifndef CUSTAPI_JSON_BUILD_H
#define CUSTAPI_JSON_BUILD_H

#include <json-c/json.h>

/*
 * Building JSON when json-c may run out of memory (json_build.c): each takes `value`, a new
 * reference or the NULL of a failed constructor, and returns -1 (dropping it) when the value
 * is NULL, `obj` is NULL or the add fails. _add_null adds a JSON null; _add_if adds `value` when
 * `present`, else a null. custapi__json_built returns obj, or puts it and returns NULL when
 * `failed`.
 */
int custapi__json_add(json_object *obj, const char *key, json_object *value);
int custapi__json_add_null(json_object *obj, const char *key);
int custapi__json_add_if(json_object *obj, const char *key, int present, json_object *value);
int custapi__json_append(json_object *array, json_object *value);
json_object *custapi__json_built(json_object *obj, int failed);

#endif
