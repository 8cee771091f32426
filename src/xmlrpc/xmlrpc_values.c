/*
 * XML-RPC values and the model: a customer's fields as xmlrpc-c values (an update's <struct>),
 * and a read's values as fields or, for nested ones, compact JSON text. The rules are listed
 * in xmlrpc.c's header comment and tested in tests/unit/test_xmlrpc.c.
 */
#include <json-c/json.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xmlrpc-c/base.h>

#include "alloc.h"
#include "customer.h"
#include "error.h"
#include "json_util.h"
#include "xmlrpc.h"
#include "xmlrpc_internal.h"

/* ---- a customer's fields as values (requests) ---- */

/* An xmlrpc-c failure while building: out of memory is the only expected one. */
static int build_failed(custapi_error *err, xmlrpc_env *env, const char *what) {
  int rc = custapi__error_set(err, CUSTAPI_CATEGORY_INTERNAL, NULL, "XML-RPC %s: %s", what,
                              env->fault_string ? env->fault_string : "failed");
  xmlrpc_env_clean(env);
  return rc;
}

/* One property of an update as an XML-RPC value (a new reference in *out). */
static int field_value(xmlrpc_value **out, const custapi_field *f, custapi_error *err) {
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  xmlrpc_value *v = NULL;
  switch (f->type) {
  case CUSTAPI_VALUE_INTEGER:
    if (f->integer < INT32_MIN || f->integer > INT32_MAX) {
      xmlrpc_env_clean(&env);
      return custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, f->name,
                                "%s: %lld is outside XML-RPC's 32-bit integer range", f->name,
                                (long long)f->integer);
    }
    v = xmlrpc_int_new(&env, (int)f->integer);
    break;
  case CUSTAPI_VALUE_STRING:
    v = xmlrpc_string_new_lp(&env, f->string_len, f->string);
    if (env.fault_occurred) {
      /* Not UTF-8 xmlrpc-c can carry (the validator refuses such text before this). */
      int rc = custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, f->name,
                                  "%s: cannot be sent over XML-RPC: %s", f->name,
                                  env.fault_string ? env.fault_string : "bad string");
      xmlrpc_env_clean(&env);
      return rc;
    }
    break;
  case CUSTAPI_VALUE_BOOLEAN:
    v = xmlrpc_bool_new(&env, f->integer != 0);
    break;
  case CUSTAPI_VALUE_NULL:
  default:
    xmlrpc_env_clean(&env);
    return custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, f->name,
                              "%s: a null value cannot be sent over XML-RPC", f->name);
  }
  if (env.fault_occurred)
    return build_failed(err, &env, "value");
  xmlrpc_env_clean(&env);
  *out = v;
  return 0;
}

/* The <struct> of an update's properties (a new reference in *out). */
int custapi__xmlrpc_struct_of(xmlrpc_value **out, const custapi_customer *properties,
                              custapi_error *err) {
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  xmlrpc_value *s = xmlrpc_struct_new(&env);
  if (env.fault_occurred)
    return build_failed(err, &env, "struct");
  size_t n = custapi_customer_count(properties);
  for (size_t i = 0; i < n; i++) {
    const custapi_field *f = custapi_customer_at(properties, i);
    xmlrpc_value *v = NULL;
    int rc = field_value(&v, f, err);
    if (rc < 0) {
      xmlrpc_DECREF(s);
      xmlrpc_env_clean(&env);
      return rc;
    }
    xmlrpc_struct_set_value(&env, s, f->name, v);
    xmlrpc_DECREF(v); /* the struct holds its own reference */
    if (env.fault_occurred) {
      xmlrpc_DECREF(s);
      return build_failed(err, &env, "struct member");
    }
  }
  xmlrpc_env_clean(&env);
  *out = s;
  return 0;
}

/* ---- a read's values as fields (answers) ---- */

const char *custapi__xmlrpc_type_words(xmlrpc_value *v) {
  switch (xmlrpc_value_type(v)) {
  case XMLRPC_TYPE_INT:
    return "an <int>";
  case XMLRPC_TYPE_BOOL:
    return "a <boolean>";
  case XMLRPC_TYPE_DOUBLE:
    return "a <double>";
  case XMLRPC_TYPE_DATETIME:
    return "a <dateTime.iso8601>";
  case XMLRPC_TYPE_STRING:
    return "a <string>";
  case XMLRPC_TYPE_BASE64:
    return "a <base64>";
  case XMLRPC_TYPE_ARRAY:
    return "an <array>";
  case XMLRPC_TYPE_STRUCT:
    return "a <struct>";
  case XMLRPC_TYPE_NIL:
    return "a <nil/>";
  case XMLRPC_TYPE_I8:
    return "an <i8>";
  default:
    return "an unknown value";
  }
}

/* The shortest decimal text that reads back as exactly `d` (finite). */
static void double_text(char *buf, size_t size, double d) {
  for (int precision = 1; precision <= 17; precision++) {
    snprintf(buf, size, "%.*g", precision, d);
    if (strtod(buf, NULL) == d)
      return;
  }
}

/* base64 text (RFC 4648, no line breaks) of bytes, in a new buffer. */
static char *base64_text(const unsigned char *bytes, size_t len, size_t *out_len) {
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t n = (len + 2) / 3 * 4;
  char *text = custapi__malloc(n + 1);
  if (!text)
    return NULL;
  size_t o = 0;
  for (size_t i = 0; i < len; i += 3) {
    unsigned long chunk = (unsigned long)bytes[i] << 16;
    if (i + 1 < len)
      chunk |= (unsigned long)bytes[i + 1] << 8;
    if (i + 2 < len)
      chunk |= bytes[i + 2];
    text[o++] = alphabet[(chunk >> 18) & 63];
    text[o++] = alphabet[(chunk >> 12) & 63];
    text[o++] = i + 1 < len ? alphabet[(chunk >> 6) & 63] : '=';
    text[o++] = i + 2 < len ? alphabet[chunk & 63] : '=';
  }
  text[o] = '\0';
  *out_len = o;
  return text;
}

static int convert_failed(convert_failure *why, const char *fmt, ...) CUSTAPI_PRINTF(2, 3);

static int convert_failed(convert_failure *why, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why->reason, sizeof why->reason, fmt, ap);
  va_end(ap);
  return -1;
}

static int convert_oom(convert_failure *why) {
  why->oom = 1;
  return -1;
}

/* A finite double's text; xmlrpc-c accepts "nan" and the like, which are not numbers. */
static int read_double_text(char *buf, size_t size, xmlrpc_value *v, convert_failure *why) {
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  double d = 0;
  xmlrpc_read_double(&env, v, &d);
  int failed = env.fault_occurred;
  xmlrpc_env_clean(&env);
  if (failed || !isfinite(d))
    return convert_failed(why, "a <double> that is not a finite number");
  double_text(buf, size, d);
  return 0;
}

/* A member name or string's bytes, copied into a new buffer of ours (NUL-terminated). */
int custapi__xmlrpc_read_string(char **out, size_t *out_len, xmlrpc_value *v,
                                convert_failure *why) {
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  size_t len = 0;
  const char *s = NULL;
  xmlrpc_read_string_lp(&env, v, &len, &s);
  if (env.fault_occurred) {
    int rc = convert_failed(why, "unreadable string: %s", env.fault_string);
    xmlrpc_env_clean(&env);
    return rc;
  }
  xmlrpc_env_clean(&env);
  char *copy = custapi__strndup(s, len);
  free((void *)s); /* xmlrpc-c's malloc */
  if (!copy)
    return convert_oom(why);
  *out = copy;
  *out_len = len;
  return 0;
}

/* A dateTime's ISO 8601 text as xmlrpc-c renders it, e.g. "19980717T14:08:55". */
static int read_datetime(char **out, xmlrpc_value *v, convert_failure *why) {
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  const char *s = NULL;
  xmlrpc_read_datetime_str(&env, v, &s);
  if (env.fault_occurred) {
    int rc = convert_failed(why, "unreadable <dateTime.iso8601>: %s", env.fault_string);
    xmlrpc_env_clean(&env);
    return rc;
  }
  xmlrpc_env_clean(&env);
  char *copy = custapi__strdup(s);
  free((void *)s);
  if (!copy)
    return convert_oom(why);
  *out = copy;
  return 0;
}

static int read_base64(char **out, size_t *out_len, xmlrpc_value *v, convert_failure *why) {
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  size_t len = 0;
  const unsigned char *bytes = NULL;
  xmlrpc_read_base64(&env, v, &len, &bytes);
  if (env.fault_occurred) {
    int rc = convert_failed(why, "unreadable <base64>: %s", env.fault_string);
    xmlrpc_env_clean(&env);
    return rc;
  }
  xmlrpc_env_clean(&env);
  char *text = base64_text(bytes, len, out_len);
  free((void *)bytes);
  if (!text)
    return convert_oom(why);
  *out = text;
  return 0;
}

/*
 * Any value as a new json-c object in *out (NULL is JSON's null), for the JSON text of a
 * nested array or struct. xmlrpc-c bounds the depth (64 levels by default).
 */
/* The text of a string, a dateTime (ISO 8601, as sent) or a base64 (decoded) value, in a new
 * buffer of ours: a read keeps each as a string, whatever XML-RPC type carried it. */
static int text_of(char **text, size_t *len, xmlrpc_value *v, convert_failure *why) {
  switch (xmlrpc_value_type(v)) {
  case XMLRPC_TYPE_STRING:
    return custapi__xmlrpc_read_string(text, len, v, why);
  case XMLRPC_TYPE_DATETIME: {
    int rc = read_datetime(text, v, why);
    *len = *text ? strlen(*text) : 0;
    return rc;
  }
  default:
    return read_base64(text, len, v, why);
  }
}

static int to_json(json_object **out, xmlrpc_value *v, convert_failure *why);

static int array_to_json(json_object **out, xmlrpc_value *v, convert_failure *why) {
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  int n = xmlrpc_array_size(&env, v);
  int failed = env.fault_occurred;
  xmlrpc_env_clean(&env);
  if (failed)
    return convert_failed(why, "unreadable <array>");
  json_object *a = json_object_new_array();
  if (!a)
    return convert_oom(why);
  for (int i = 0; i < n; i++) {
    xmlrpc_value *item = NULL;
    xmlrpc_env_init(&env);
    xmlrpc_array_read_item(&env, v, (unsigned)i, &item);
    failed = env.fault_occurred;
    xmlrpc_env_clean(&env);
    if (failed) {
      json_object_put(a);
      return convert_failed(why, "unreadable <array> item");
    }
    json_object *j = NULL;
    int rc = to_json(&j, item, why);
    xmlrpc_DECREF(item);
    if (rc == 0 && json_object_array_add(a, j) != 0) {
      json_object_put(j);
      rc = convert_oom(why);
    }
    if (rc < 0) {
      json_object_put(a);
      return rc;
    }
  }
  *out = a;
  return 0;
}

static int struct_to_json(json_object **out, xmlrpc_value *v, convert_failure *why) {
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  int n = xmlrpc_struct_size(&env, v);
  int failed = env.fault_occurred;
  xmlrpc_env_clean(&env);
  if (failed)
    return convert_failed(why, "unreadable <struct>");
  json_object *o = json_object_new_object();
  if (!o)
    return convert_oom(why);
  for (int i = 0; i < n; i++) {
    xmlrpc_value *key = NULL, *item = NULL;
    xmlrpc_env_init(&env);
    xmlrpc_struct_read_member(&env, v, (unsigned)i, &key, &item);
    failed = env.fault_occurred;
    xmlrpc_env_clean(&env);
    if (failed) {
      json_object_put(o);
      return convert_failed(why, "unreadable <struct> member");
    }
    char *name = NULL;
    size_t name_len = 0;
    json_object *j = NULL;
    int rc = custapi__xmlrpc_read_string(&name, &name_len, key, why);
    if (rc == 0)
      rc = to_json(&j, item, why);
    if (rc == 0 && json_object_object_add(o, name, j) != 0) {
      json_object_put(j);
      rc = convert_oom(why);
    }
    custapi__free(name);
    xmlrpc_DECREF(key);
    xmlrpc_DECREF(item);
    if (rc < 0) {
      json_object_put(o);
      return rc;
    }
  }
  *out = o;
  return 0;
}

static int to_json(json_object **out, xmlrpc_value *v, convert_failure *why) {
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  json_object *j = NULL;
  char *text = NULL;
  size_t len = 0;
  int rc = 0;
  switch (xmlrpc_value_type(v)) {
  case XMLRPC_TYPE_INT: {
    int i = 0;
    xmlrpc_read_int(&env, v, &i);
    j = json_object_new_int64(i);
    break;
  }
  case XMLRPC_TYPE_I8: {
    xmlrpc_int64 i = 0;
    xmlrpc_read_i8(&env, v, &i);
    j = json_object_new_int64(i);
    break;
  }
  case XMLRPC_TYPE_BOOL: {
    xmlrpc_bool b = 0;
    xmlrpc_read_bool(&env, v, &b);
    j = json_object_new_boolean(b ? 1 : 0);
    break;
  }
  case XMLRPC_TYPE_NIL:
    *out = NULL; /* json-c's null */
    xmlrpc_env_clean(&env);
    return 0;
  case XMLRPC_TYPE_DOUBLE: {
    char buf[40];
    if ((rc = read_double_text(buf, sizeof buf, v, why)) == 0)
      j = json_object_new_double_s(strtod(buf, NULL), buf);
    break;
  }
  case XMLRPC_TYPE_STRING:
  case XMLRPC_TYPE_DATETIME:
  case XMLRPC_TYPE_BASE64:
    rc = text_of(&text, &len, v, why);
    break;
  case XMLRPC_TYPE_ARRAY:
    rc = array_to_json(&j, v, why);
    break;
  case XMLRPC_TYPE_STRUCT:
    rc = struct_to_json(&j, v, why);
    break;
  default:
    rc = convert_failed(why, "a value of an unknown type");
    break;
  }
  if (rc == 0 && text)
    j = json_object_new_string_len(text, (int)len);
  custapi__free(text);
  if (rc == 0 && env.fault_occurred)
    rc = convert_failed(why, "unreadable value: %s", env.fault_string);
  xmlrpc_env_clean(&env);
  if (rc == 0 && !j)
    rc = convert_oom(why);
  if (rc < 0) {
    json_object_put(j);
    return rc;
  }
  *out = j;
  return 0;
}

/* A nested array or struct as compact JSON text in a new buffer of ours. */
static int nested_text(char **out, size_t *out_len, xmlrpc_value *v, convert_failure *why) {
  json_object *j = NULL;
  if (to_json(&j, v, why) < 0)
    return -1;
  char *text = custapi__json_to_string(j, out_len);
  json_object_put(j);
  if (!text)
    return convert_oom(why);
  *out = text;
  return 0;
}

/* One struct member of a read stored in the customer under `name`. */
int custapi__xmlrpc_put_member(custapi_customer *c, const char *name, xmlrpc_value *v,
                               convert_failure *why) {
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  char *text = NULL;
  size_t len = 0;
  int rc = 0;
  switch (xmlrpc_value_type(v)) {
  case XMLRPC_TYPE_INT: {
    int i = 0;
    xmlrpc_read_int(&env, v, &i);
    if (!env.fault_occurred && custapi__customer_put_int(c, name, i) < 0)
      rc = convert_oom(why);
    break;
  }
  case XMLRPC_TYPE_I8: {
    xmlrpc_int64 i = 0;
    xmlrpc_read_i8(&env, v, &i);
    if (!env.fault_occurred && custapi__customer_put_int(c, name, i) < 0)
      rc = convert_oom(why);
    break;
  }
  case XMLRPC_TYPE_BOOL: {
    xmlrpc_bool b = 0;
    xmlrpc_read_bool(&env, v, &b);
    if (!env.fault_occurred && custapi__customer_put_bool(c, name, b ? 1 : 0) < 0)
      rc = convert_oom(why);
    break;
  }
  case XMLRPC_TYPE_NIL:
    if (custapi__customer_put_null(c, name) < 0)
      rc = convert_oom(why);
    break;
  case XMLRPC_TYPE_DOUBLE: {
    char buf[40];
    if ((rc = read_double_text(buf, sizeof buf, v, why)) == 0 &&
        custapi__customer_put_string(c, name, buf, strlen(buf)) < 0)
      rc = convert_oom(why);
    break;
  }
  case XMLRPC_TYPE_STRING:
  case XMLRPC_TYPE_DATETIME:
  case XMLRPC_TYPE_BASE64:
    rc = text_of(&text, &len, v, why);
    break;
  case XMLRPC_TYPE_ARRAY:
  case XMLRPC_TYPE_STRUCT:
    rc = nested_text(&text, &len, v, why);
    break;
  default:
    rc = convert_failed(why, "a value of an unknown type");
    break;
  }
  if (rc == 0 && env.fault_occurred)
    rc = convert_failed(why, "unreadable value: %s", env.fault_string);
  xmlrpc_env_clean(&env);
  if (rc == 0 && text && custapi__customer_put_string(c, name, text, len) < 0)
    rc = convert_oom(why);
  custapi__free(text);
  return rc;
}

/* What the schema's typing sees of a member's value: XML-RPC's integer is the 32-bit <int>. */
custapi_answer_kind custapi__xmlrpc_answer_kind(xmlrpc_value *v) {
  switch (xmlrpc_value_type(v)) {
  case XMLRPC_TYPE_INT:
    return CUSTAPI_ANSWER_INT32;
  case XMLRPC_TYPE_STRING:
    return CUSTAPI_ANSWER_STRING;
  default:
    return CUSTAPI_ANSWER_OTHER; /* an <i8> too, whatever its value */
  }
}
