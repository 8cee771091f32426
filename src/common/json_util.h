/* json-c helpers shared by the model, the REST codec and the command line. */
#ifndef CUSTAPI_JSON_UTIL_H
#define CUSTAPI_JSON_UTIL_H

#include <json-c/json.h>

#include "custapi/custapi.h"
#include "json_build.h"

/*
 * Parses exactly one JSON object, strictly: valid UTF-8, nothing but white space after it.
 * Fails with CUSTAPI_EINVALID and a message naming the problem.
 */
int custapi__json_parse_object(json_object **out, const char *json, size_t len,
                               custapi_error *err);

/*
 * A JSON value as a 32-bit integer, the one rule for JSON numbers in input and in answers: 0 and
 * *out for a JSON integer (no fraction, no exponent) within signed 32 bits; -1 for anything else
 * (1.0, 5e3, a string, true, null, ...); -2 for a JSON integer beyond 32 bits.
 */
int custapi__json_int32(json_object *value, int32_t *out);

/*
 * One JSON value as the member rules see it, whoever parsed it (json-c, or the bulk reader's
 * scan of a flat record): a string (text, len; text[len] is a NUL), an integer, or any other
 * type, named in messages (text: its JSON, or NULL).
 */
typedef struct custapi_json_scalar {
  json_type type;
  const char *text;
  size_t len;
  int64_t integer; /* json_type_int */
} custapi_json_scalar;

/* The view of a json-c value (pointing into it: valid while it lives). */
void custapi__json_scalar_of(custapi_json_scalar *out, json_object *value);

/* A record's id from its JSON value: an integer, or a canonical decimal string. */
int custapi__json_scalar_id(int32_t *id, const custapi_json_scalar *value, custapi_error *err);

/* Sets the member `name` of a JSON object, as custapi_customer_set_json does each one. */
int custapi__customer_set_member(custapi_customer *customer, const char *name,
                                 const custapi_json_scalar *value, custapi_error *err);

/* Sets every member of `obj` (but the one named `skip`, if any) as custapi_customer_set_json. */
int custapi__customer_set_json_members(custapi_customer *customer, json_object *obj,
                                       const char *skip, custapi_error *err);

/* The customer as a new json-c object (caller puts it). */
int custapi__customer_to_json_object(json_object **out, const custapi_customer *customer);

/* The customer as plain JSON text (json-c's bytes), in a new buffer (custapi__free); NULL on
 * OOM. */
char *custapi__customer_to_json_text(const custapi_customer *customer, size_t *len);

/* Plain JSON text of `obj` with `/` unescaped, in a new buffer (custapi__free); NULL on OOM. */
char *custapi__json_to_string(json_object *obj, size_t *len);

/* {"category","message","http_status","fault_code","property"}; NULL when memory runs out. */
json_object *custapi__error_to_json_object(const custapi_error *err);

/* One field's value as JSON (NULL for a null value or a NULL field). */
json_object *custapi__field_to_json_object(const custapi_field *field);

/* The comparison's report as a new json-c object (compare.c). */
int custapi__compare_to_json_object(json_object **out, const custapi_compare *compare);

#endif
