/*
 * The customer model to and from JSON. json-c 0.16 (Debian 12) is lenient where we must be
 * strict:
 * it reads 1.0 and 5e3 as numbers that convert to integers, accepts NaN, ignores trailing
 * garbage and passes invalid UTF-8 unless told. So every member's JSON type is checked here and
 * the tokener is asked for UTF-8 validation and made to account for every byte.
 */
#include <assert.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "customer.h"
#include "decimal.h"
#include "error.h"
#include "json_check.h"
#include "json_keys.h"
#include "json_util.h"
#include "schema.h"

static const char *json_type_words(json_type type) {
  switch (type) {
  case json_type_null:
    return "null";
  case json_type_boolean:
    return "a boolean";
  case json_type_double:
    return "a JSON number with a fraction or exponent";
  case json_type_int:
    return "a JSON number";
  case json_type_object:
    return "an object";
  case json_type_array:
    return "an array";
  case json_type_string:
    return "a string";
  }
  return "an unknown JSON value";
}

/* name:value pairs in all objects of a parsed tree (depth bounded by the tokener's limit). */
static size_t count_members(json_object *v) {
  size_t n = 0;
  if (json_object_is_type(v, json_type_object)) {
    json_object_object_foreach(v, name, member) {
      (void)name;
      n += 1 + count_members(member);
    }
  } else if (json_object_is_type(v, json_type_array)) {
    for (size_t i = 0; i < json_object_array_length(v); i++)
      n += count_members(json_object_array_get_idx(v, i));
  }
  return n;
}

/* Parses the text once more: 1 when that parse holds `members` members too. */
static int same_members_again(const char *json, size_t len, size_t members) {
  json_tokener *tok = json_tokener_new_ex(CUSTAPI_JSON_MAX_DEPTH);
  if (!tok)
    return 0;
  json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
  json_object *again = json_tokener_parse_ex(tok, json, (int)len);
  int same = json_tokener_get_error(tok) == json_tokener_success && again &&
             count_members(again) == members;
  json_tokener_free(tok);
  json_object_put(again);
  return same;
}

int custapi__json_parse_object(json_object **out, const char *json, size_t len,
                               custapi_error *err) {
  *out = NULL;
  if (len > INT32_MAX)
    return custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, NULL, "JSON input too large");
  /* The RFC's grammar first: json-c accepts single quotes, NaN, "1." and raw control
   * characters in strings, even in strict mode. */
  custapi_json_check check;
  if (custapi__json_check(&check, json, len, NULL) < 0) {
    char key[96] = "";
    if (check.key[0]) {
      char quoted[80];
      custapi__quote(quoted, sizeof quoted, check.key, strlen(check.key), 60);
      snprintf(key, sizeof key, ", in member %s", quoted);
    }
    return custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, NULL,
                              "JSON input is not valid at byte %zu%s: %s", check.offset, key,
                              check.problem);
  }
  json_tokener *tok = json_tokener_new_ex(CUSTAPI_JSON_MAX_DEPTH);
  if (!tok)
    return custapi__error_oom(err);
  json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
  json_object *obj = json_tokener_parse_ex(tok, json, (int)len);
  enum json_tokener_error jerr = json_tokener_get_error(tok);
  size_t used = json_tokener_get_parse_end(tok);
  json_tokener_free(tok);
  /* The grammar and the depth were checked above: json-c failing on such text, or giving no
   * object for one, ran out of memory (json-c 0.16 has no error code that says so). */
  if (jerr != json_tokener_continue && jerr != json_tokener_error_depth &&
      (jerr != json_tokener_success || (!obj && check.top != 'n'))) {
    json_object_put(obj);
    return custapi__error_oom(err);
  }
  /* json-c 0.16's tokener ignores a member it failed to insert (out of memory while growing
   * an object's table) and goes on: fewer members than the text holds. Duplicate names give
   * fewer too (the last one is kept); a second parse tells the two apart, as it drops the same
   * ones only when they are duplicates. */
  if (obj && jerr == json_tokener_success && count_members(obj) != check.members &&
      !same_members_again(json, len, count_members(obj))) {
    json_object_put(obj);
    return custapi__error_oom(err);
  }
  if (!obj || jerr != json_tokener_success) {
    json_object_put(obj);
    if (jerr == json_tokener_continue)
      return custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, NULL,
                                "JSON input ends before the object does");
    return custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, NULL,
                              "JSON input is not valid at byte %zu: %s", used,
                              json_tokener_error_desc(jerr));
  }
  for (size_t i = used; i < len; i++) {
    char c = json[i];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
      json_object_put(obj);
      return custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, NULL,
                                "JSON input has something after the object, at byte %zu", i);
    }
  }
  if (!json_object_is_type(obj, json_type_object)) {
    json_type type = json_object_get_type(obj);
    json_object_put(obj);
    return custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, NULL,
                              "JSON input must be an object of properties, not %s",
                              json_type_words(type));
  }
  *out = obj;
  return 0;
}

/*
 * json-c marks every number with a fraction or an exponent a double (keeping its text), and every
 * integer it gives us is exact: custapi__json_parse_object's strict checker refused the ones
 * beyond 64 bits, which json-c would saturate. So the type and the value are the JSON text's.
 * The one spelling json-c does not keep is "-0": JSON's integer zero, read as 0.
 */
int custapi__json_int32(json_object *v, int32_t *out) {
  if (!json_object_is_type(v, json_type_int))
    return -1;
  int64_t value = json_object_get_int64(v);
  if (value < INT32_MIN || value > INT32_MAX)
    return -2;
  *out = (int32_t)value;
  return 0;
}

void custapi__json_scalar_of(custapi_json_scalar *out, json_object *v) {
  *out = (custapi_json_scalar){json_object_get_type(v), NULL, 0, 0};
  if (out->type == json_type_string) {
    out->text = json_object_get_string(v);
    out->len = (size_t)json_object_get_string_len(v);
  } else if (out->type == json_type_int) {
    out->integer = json_object_get_int64(v);
  } else {
    out->text = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
    out->len = out->text ? strlen(out->text) : 0;
  }
}

int custapi__json_scalar_id(int32_t *id, const custapi_json_scalar *v, custapi_error *err) {
  if (v->type == json_type_int) {
    if (custapi__id_check(v->integer, err) < 0)
      return CUSTAPI_EINVALID;
    *id = (int32_t)v->integer;
    return 0;
  }
  if (v->type == json_type_string)
    return custapi__id_parse_text(id, v->text, v->len, err);
  char shown[96];
  custapi__quote(shown, sizeof shown, v->text ? v->text : "", v->len, 40);
  return custapi__id_refuse(err, "not an integer", shown);
}

/* An integer property from JSON: a JSON integer or a canonical decimal string, nothing else.
 * custapi_customer_set_int refuses an integer beyond 32 bits. */
static int set_integer_member(custapi_customer *c, const schema_property *p,
                              const custapi_json_scalar *v, custapi_error *err) {
  if (v->type == json_type_string)
    return custapi__customer_set_text(c, p->info.name, v->text, v->len, err);
  if (v->type == json_type_int)
    return custapi_customer_set_int(c, p->info.name, v->integer, err);
  return custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, p->info.name,
                            "%s: must be an integer, not %s (%s)", p->info.name,
                            json_type_words(v->type), p->info.rule);
}

int custapi__customer_set_member(custapi_customer *c, const char *name,
                                 const custapi_json_scalar *v, custapi_error *err) {
  const schema_property *p = custapi__schema_find(name);
  if (p && p->info.type == CUSTAPI_TYPE_INTEGER)
    return set_integer_member(c, p, v, err);
  if (v->type == json_type_string)
    return custapi__customer_set_text(c, name, v->text, v->len, err);
  /* An allowed unknown property may be a JSON integer: it is sent as its decimal text. */
  if (!p && v->type == json_type_int)
    return custapi_customer_set_int(c, name, v->integer, err);
  /* Read-only fields of any type are dropped or refused as the customer's flags say. */
  if (!p && custapi__schema_is_read_only(name))
    return custapi__customer_set_text(c, name, "", 0, err);
  if (p)
    return custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, name,
                              "%s: must be a JSON string, not %s (%s)", name,
                              json_type_words(v->type), p->info.rule);
  return custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, name,
                            "%s: must be a JSON string or integer, not %s", name,
                            json_type_words(v->type));
}

int custapi_customer_set_json(custapi_customer *c, const char *json, size_t len,
                              custapi_error *err) {
  assert(c && json);
  json_object *obj;
  int rc = custapi__json_parse_object(&obj, json, len, err);
  if (rc < 0)
    return rc;
  if ((rc = custapi__json_refuse_repeated(obj, json, len, err)) == 0)
    rc = custapi__customer_set_json_members(c, obj, NULL, err);
  json_object_put(obj);
  return rc;
}

int custapi__customer_set_json_members(custapi_customer *c, json_object *obj, const char *skip,
                                       custapi_error *err) {
  if (json_object_object_length(obj) > CUSTAPI_CUSTOMER_MAX_MEMBERS)
    return custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, NULL,
                              "JSON input has more than %d properties",
                              CUSTAPI_CUSTOMER_MAX_MEMBERS);
  json_object_object_foreach(obj, name, value) {
    if (skip && strcmp(name, skip) == 0)
      continue;
    custapi_json_scalar v;
    custapi__json_scalar_of(&v, value);
    int rc = custapi__customer_set_member(c, name, &v, err);
    if (rc < 0)
      return rc;
  }
  return 0;
}

int custapi__customer_to_json_object(json_object **out, const custapi_customer *c) {
  json_object *obj = json_object_new_object();
  if (!obj)
    return CUSTAPI_EINTERNAL;
  for (size_t i = 0; i < custapi_customer_count(c); i++) {
    const custapi_field *f = custapi_customer_at(c, i);
    json_object *v = custapi__field_to_json_object(f);
    if ((f->type != CUSTAPI_VALUE_NULL && !v) || json_object_object_add(obj, f->name, v) != 0) {
      json_object_put(v);
      json_object_put(obj);
      return CUSTAPI_EINTERNAL;
    }
  }
  *out = obj;
  return 0;
}

json_object *custapi__field_to_json_object(const custapi_field *f) {
  if (!f)
    return NULL;
  switch (f->type) {
  case CUSTAPI_VALUE_STRING:
    return json_object_new_string_len(f->string, (int)f->string_len);
  case CUSTAPI_VALUE_INTEGER:
    return json_object_new_int64(f->integer);
  case CUSTAPI_VALUE_BOOLEAN:
    return json_object_new_boolean(f->integer != 0);
  case CUSTAPI_VALUE_NULL:
    break;
  }
  return NULL;
}

/* Text json-c writes unchanged, quoted: printable ASCII but '"' and '\\'. */
static int plain_json_text(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x20 || c >= 0x7F || c == '"' || c == '\\')
      return 0;
  }
  return 1;
}

/* Every name and value written by hand would come out as json-c writes it. */
static int plain_json_customer(const custapi_customer *c) {
  for (size_t i = 0; i < custapi_customer_count(c); i++) {
    const custapi_field *f = custapi_customer_at(c, i);
    if (!plain_json_text(f->name, strlen(f->name)) || f->type == CUSTAPI_VALUE_NULL ||
        (f->type == CUSTAPI_VALUE_STRING && !plain_json_text(f->string, f->string_len)))
      return 0;
  }
  return 1;
}

/* Writes (or, with buf NULL, measures) the plain customer's JSON text; returns its length. */
static size_t write_plain_json(char *buf, const custapi_customer *c) {
  size_t len = 0;
#define PUT(s, n)                                                                                  \
  do {                                                                                             \
    if (buf)                                                                                       \
      memcpy(buf + len, (s), (n));                                                                 \
    len += (n);                                                                                    \
  } while (0)
  PUT("{", 1);
  for (size_t i = 0; i < custapi_customer_count(c); i++) {
    const custapi_field *f = custapi_customer_at(c, i);
    if (i)
      PUT(",", 1);
    PUT("\"", 1);
    PUT(f->name, strlen(f->name));
    PUT("\":", 2);
    if (f->type == CUSTAPI_VALUE_STRING) {
      PUT("\"", 1);
      PUT(f->string, f->string_len);
      PUT("\"", 1);
    } else if (f->type == CUSTAPI_VALUE_BOOLEAN) {
      if (f->integer)
        PUT("true", 4);
      else
        PUT("false", 5);
    } else {
      char digits[DECIMAL_MAX];
      size_t n = decimal_text(digits, f->integer);
      PUT(digits, n);
    }
  }
  PUT("}", 1);
#undef PUT
  return len;
}

char *custapi__customer_to_json_text(const custapi_customer *c, size_t *len) {
  if (plain_json_customer(c)) {
    /* Without a json-c object, its members and their text per call: bulk sends one per update
     * (json-c's path was 3% of a REST bulk run's instructions). The same bytes (unit test). */
    size_t n = write_plain_json(NULL, c);
    char *text = custapi__malloc(n + 1);
    if (!text)
      return NULL;
    write_plain_json(text, c);
    text[n] = '\0';
    if (len)
      *len = n;
    return text;
  }
  json_object *obj;
  if (custapi__customer_to_json_object(&obj, c) < 0)
    return NULL;
  char *text = custapi__json_to_string(obj, len);
  json_object_put(obj);
  return text;
}

int custapi_customer_to_json(char **out, const custapi_customer *c) {
  assert(out && c);
  *out = custapi__customer_to_json_text(c, NULL);
  return *out ? 0 : CUSTAPI_EINTERNAL;
}
