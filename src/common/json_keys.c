#include "json_keys.h"

#include <string.h>

#include "error.h"
#include "json_check.h"

/* A walk over text that custapi__json_check accepted: no validation is repeated here. */

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static const char *skip_space(const char *p, const char *end) {
  while (p < end && is_space(*p))
    p++;
  return p;
}

/* From an opening quote to just past the closing one. */
static const char *skip_string(const char *p, const char *end) {
  for (p++; p < end && *p != '"'; p++)
    if (*p == '\\')
      p++;
  return p < end ? p + 1 : end;
}

/* One value: a string, a nested object or array (brackets counted, strings skipped), or a
 * number or literal (up to the next delimiter). */
static const char *skip_value(const char *p, const char *end) {
  if (p < end && *p == '"')
    return skip_string(p, end);
  if (p < end && (*p == '{' || *p == '[')) {
    size_t depth = 0;
    while (p < end) {
      if (*p == '"') {
        p = skip_string(p, end);
        continue;
      }
      if (*p == '{' || *p == '[')
        depth++;
      else if ((*p == '}' || *p == ']') && --depth == 0)
        return p + 1;
      p++;
    }
    return end;
  }
  while (p < end && *p != ',' && *p != '}' && *p != ']' && !is_space(*p))
    p++;
  return p;
}

typedef int (*key_fn)(const char *key, size_t len, void *payload);

/* Calls `fn` with each top-level member name (quotes included) until it returns non-zero;
 * returns that, or 0. */
static int each_key(const char *text, size_t len, key_fn fn, void *payload) {
  const char *end = text + len, *p = skip_space(text, end);
  if (p >= end || *p != '{')
    return 0;
  p++;
  for (;;) {
    p = skip_space(p, end);
    if (p >= end || *p != '"')
      return 0; /* '}' of an empty object */
    const char *key = p;
    p = skip_string(p, end);
    int rc = fn(key, (size_t)(p - key), payload);
    if (rc)
      return rc;
    p = skip_space(p, end);
    p = skip_space(p + 1, end); /* the ':' */
    p = skip_space(skip_value(p, end), end);
    if (p >= end || *p != ',')
      return 0;
    p++;
  }
}

static int count_key(const char *key, size_t len, void *payload) {
  (void)key;
  (void)len;
  (*(size_t *)payload)++;
  return 0;
}

typedef struct finder {
  json_object *seen; /* decoded names so far, as the keys of an object (json-c hashes them) */
  json_tokener *tok;
  char *name;
  size_t size;
} finder;

/* json-c decodes the name itself, so "\u0069d" and "id" are one name, as they are to it. */
static int note_key(const char *key, size_t len, void *payload) {
  finder *f = payload;
  json_tokener_reset(f->tok);
  json_object *s = json_tokener_parse_ex(f->tok, key, (int)len);
  if (!s || !json_object_is_type(s, json_type_string)) {
    json_object_put(s);
    return -1;
  }
  const char *decoded = json_object_get_string(s);
  int rc = 0;
  if (json_object_object_get_ex(f->seen, decoded, NULL)) {
    custapi__quote(f->name, f->size, decoded, strlen(decoded), 64);
    rc = 1;
  } else if (json_object_object_add(f->seen, decoded, NULL) < 0) {
    rc = -1;
  }
  json_object_put(s);
  return rc;
}

int custapi__json_repeated_key(json_object *obj, const char *text, size_t len, char *name,
                               size_t size) {
  size_t members = 0;
  each_key(text, len, count_key, &members);
  if (members == (size_t)json_object_object_length(obj))
    return 0;
  /* Fewer names than members: find the first that repeats, for the message. */
  finder f = {json_object_new_object(), json_tokener_new_ex(CUSTAPI_JSON_MAX_DEPTH), name, size};
  int rc = f.seen && f.tok ? each_key(text, len, note_key, &f) : -1;
  json_object_put(f.seen);
  if (f.tok)
    json_tokener_free(f.tok);
  if (rc == 0) /* json-c merged names our decoding kept apart (a NUL inside one) */
    custapi__quote(name, size, "", 0, 64);
  return rc < 0 ? -1 : 1;
}

int custapi__json_refuse_repeated(json_object *obj, const char *text, size_t len,
                                  custapi_error *err) {
  char repeated[80];
  int twice = custapi__json_repeated_key(obj, text, len, repeated, sizeof repeated);
  if (twice < 0)
    return custapi__error_oom(err);
  if (twice > 0) /* json-c would keep the last silently: {"id":1,"id":2} is customer 2 */
    return custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, NULL,
                              "the key %s appears more than once (each key may be given once)",
                              repeated);
  return 0;
}
