/*
 * The strict JSON checker against json-c: whatever the checker accepts, json-c (strict, UTF-8
 * validated) must parse to a value of the same kind, and a watched "item" member must be what
 * json-c sees. json-c may accept more (single quotes, NaN, ...): that is why the checker exists.
 * And the checker's quick pass accepts nothing its full pass refuses, and finds the same.
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>

#include "json_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char kind_of(json_object *o) {
  switch (json_object_get_type(o)) {
  case json_type_object:
    return '{';
  case json_type_array:
    return '[';
  case json_type_string:
    return '"';
  case json_type_int:
  case json_type_double:
    return '0';
  case json_type_boolean:
    return json_object_get_boolean(o) ? 't' : 'f';
  case json_type_null:
    return 'n';
  }
  return '?';
}

/* The quick pass accepts only what the full one accepts, with the same findings. */
static void quick_pass_agrees(const char *text, size_t size, const char *member) {
  custapi_json_check fast, full;
  if (!custapi__json_check_fast(&fast, text, size, member))
    return;
  if (custapi__json_check_full(&full, text, size, member) != 0 || fast.top != full.top ||
      fast.members != full.members || fast.member_seen != full.member_seen ||
      fast.member_is_object != full.member_is_object)
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  custapi_json_check check;
  if (size > 65536)
    return 0;
  quick_pass_agrees((const char *)data, size, "item");
  quick_pass_agrees((const char *)data, size, NULL);
  if (custapi__json_check(&check, (const char *)data, size, "item") < 0)
    return 0;
  /* Objects and arrays only: json-c's tokener waits for more after a bare number at the end. */
  if (check.top != '{' && check.top != '[')
    return 0;
  json_tokener *tok = json_tokener_new_ex(CUSTAPI_JSON_MAX_DEPTH);
  json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
  json_object *o = json_tokener_parse_ex(tok, (const char *)data, (int)size);
  if (json_tokener_get_error(tok) != json_tokener_success || !o)
    abort(); /* we accepted what json-c refuses */
  if (kind_of(o) != check.top)
    abort();
  json_object *item = NULL;
  int has = check.top == '{' && json_object_object_get_ex(o, "item", &item);
  if (has != check.member_seen ||
      (has && json_object_is_type(item, json_type_object) != check.member_is_object))
    abort();
  json_object_put(o);
  json_tokener_free(tok);
  return 0;
}
