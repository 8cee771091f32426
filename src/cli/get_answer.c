/*
 * What `custapi get` prints, taken back by `update --json` (and validate, compare): the answer
 * {"protocol":..,"id":N,"ok":true,"customer":{...}} is recognised and its customer's own text
 * handed to the library, so every check of custapi_customer_set_json (grammar, repeated names,
 * types) applies to it as to a bare object.
 */
#include "get_answer.h"

#include <json-c/json.h>
#include <string.h>

#include "cli_support.h"

#define usage(err, ...) custapi__error_set((err), CUSTAPI_CATEGORY_USAGE, NULL, __VA_ARGS__)

static size_t skip_space(const char *text, size_t len, size_t at) {
  while (at < len && strchr(" \t\r\n", text[at]) && text[at] != '\0')
    at++;
  return at;
}

/* The end of the JSON value that starts at `at` (json-c's tokener), or 0 when there is none. */
static size_t value_end(json_tokener *tok, const char *text, size_t len, size_t at) {
  json_tokener_reset(tok);
  json_object *v = json_tokener_parse_ex(tok, text + at, (int)(len - at));
  size_t used = json_tokener_get_parse_end(tok);
  int ok = json_tokener_get_error(tok) == json_tokener_success;
  json_object_put(v);
  return ok ? at + used : 0;
}

/* Where the top-level member "customer"'s value lies in the text; 0 when it can't be found. */
static int customer_span(const char *text, size_t len, size_t *start, size_t *end) {
  json_tokener *tok = json_tokener_new_ex(CUSTAPI_JSON_MAX_DEPTH);
  if (!tok)
    return -1;
  size_t at = skip_space(text, len, 0);
  int found = 0, seen = 0;
  if (at < len && text[at] == '{')
    at++;
  else
    at = len;
  while (at < len) {
    at = skip_space(text, len, at);
    if (at >= len || text[at] != '"')
      break;
    size_t key_end = value_end(tok, text, len, at);
    if (!key_end)
      break;
    int is_customer = key_end - at == 10 && memcmp(text + at, "\"customer\"", 10) == 0;
    at = skip_space(text, len, key_end);
    if (at >= len || text[at] != ':')
      break;
    at = skip_space(text, len, at + 1);
    size_t end_of_value = value_end(tok, text, len, at);
    if (!end_of_value)
      break;
    if (is_customer) {
      seen++;
      *start = at;
      *end = end_of_value;
    }
    at = skip_space(text, len, end_of_value);
    if (at < len && text[at] == ',') {
      at++;
      continue;
    }
    found = at < len && text[at] == '}' && seen == 1;
    break;
  }
  json_tokener_free(tok);
  return found;
}

/* The member `name` of `o` as an int (an id), or -1 when it is not one. */
static long long member_id(json_object *o, const char *name) {
  json_object *v;
  if (!json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_int))
    return -1;
  return (long long)json_object_get_int64(v);
}

int cli_get_answer_customer(const char *text, size_t len, const char *source, const char *id,
                            size_t *start, size_t *end, custapi_error *err) {
  json_tokener *tok = json_tokener_new_ex(CUSTAPI_JSON_MAX_DEPTH);
  json_object *doc = tok ? json_tokener_parse_ex(tok, text, (int)len) : NULL;
  if (tok)
    json_tokener_free(tok);
  json_object *customer, *ok;
  int answer = doc && json_object_is_type(doc, json_type_object) &&
               json_object_object_get_ex(doc, "customer", &customer) &&
               json_object_is_type(customer, json_type_object) &&
               json_object_object_get_ex(doc, "ok", &ok) &&
               json_object_is_type(ok, json_type_boolean);
  json_object *error;
  int failure = !answer && doc && json_object_is_type(doc, json_type_object) &&
                json_object_object_get_ex(doc, "ok", &ok) &&
                json_object_is_type(ok, json_type_boolean) && !json_object_get_boolean(ok) &&
                json_object_object_get_ex(doc, "error", &error);
  int rc = 0;
  if (failure) {
    rc = usage(err, "%.200s is the answer of a command that failed (\"ok\":false): it holds no "
                    "customer", source);
  } else if (!answer) {
    rc = 0; /* a bare object, or not JSON: the library's checks say what is wrong */
  } else if (!json_object_get_boolean(ok)) {
    rc = usage(err,
               "%.200s is the answer of a get that failed (\"ok\":false): it holds no "
               "customer",
               source);
  } else {
    long long asked = -1;
    int32_t parsed;
    custapi_error ignored = {0};
    if (id && custapi_id_parse(&parsed, id, &ignored) == 0)
      asked = parsed;
    long long held = member_id(doc, "id"), inner = member_id(customer, "id");
    if (held < 0)
      held = inner;
    if (asked >= 0 && ((held >= 0 && held != asked) || (inner >= 0 && inner != asked)))
      rc = usage(err,
                 "%.200s is custapi get's answer for customer %lld, not for --id %lld: give "
                 "--id %lld, or change its \"id\"",
                 source, held >= 0 ? held : inner, asked, held >= 0 ? held : inner);
    else if (customer_span(text, len, start, end) == 1)
      rc = 1;
    else
      rc = usage(err,
                 "%.200s: custapi get's answer, but its \"customer\" member can't be "
                 "told apart (given twice?)",
                 source);
  }
  json_object_put(doc);
  return rc;
}
