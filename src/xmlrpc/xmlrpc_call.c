/*
 * The XML-RPC codec's request side, for the gateway: a caller's methodCall decoded into the
 * model, and the methodResponse documents answered to it. Pure functions over buffers, like the
 * client side in xmlrpc.c; every XML input goes through screen_xml first.
 *
 * Decisions:
 *  - The id is an <int>/<i4> (or an <i8> within 32 bits), as the install takes it.
 *  - A property is an <int>/<i4>/<i8> or a <string> (an untyped <value> is a string); its text or
 *    number is typed by the schema exactly as `update` types PROP=VALUE, so the same value
 *    passes or fails the same way from either door. Any other XML-RPC type is refused, naming
 *    the property.
 *  - A null field in a struct answered to a caller is sent as an empty string: XML-RPC has no
 *    null in the dialect legacy callers speak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xmlrpc-c/base.h>

#include "alloc.h"
#include "customer.h"
#include "error.h"
#include "xml_encoding.h"
#include "xmlrpc.h"

#define UPDATE_METHOD "UpdateCustomer"
#define GET_METHOD "GetCustomer"
#define LIST_METHOD "system.listMethods"

/* The one place every XML input of the request side passes before xmlrpc-c sees it: the same
 * reading as every XML-RPC answer's (xml_encoding.h). xmlrpc-c expands entities, crashes on some
 * <i8>s and recurses on deep trees; an ISO-8859-1 call is transcoded. The caller's dialect goes
 * into *dialect, also when the call is refused (its fault is answered in that dialect). */
static int read_xml(custapi_xml_reading *reading, custapi_xml_encoding *dialect, const char *body,
                    size_t len, custapi_error *err) {
  *reading = (custapi_xml_reading){0};
  if (len > CUSTAPI_XMLRPC_PARSE_LIMIT)
    return custapi__error_set(err, CUSTAPI_CATEGORY_PROTOCOL, NULL, "XML-RPC call too large");
  int rc = custapi__xml_read(reading, body, len, CUSTAPI_XML_CALL);
  *dialect = reading->check.encoding;
  if (rc == CUSTAPI_XML_READ_NOMEM)
    return custapi__error_oom(err);
  if (rc < 0)
    return custapi__error_set(err, CUSTAPI_CATEGORY_PROTOCOL, NULL,
                              "XML-RPC call refused: %s (byte %zu)", reading->check.message,
                              reading->check.offset + 1);
  return 0;
}

/*
 * xmlrpc-c reads a CR given as &#13; back as LF (and CR LF as one LF): the first CR, which the
 * screen found, is put back into its member's text, so that the model and the validator refuse
 * it in their own words, exactly as `update` and the REST door do. No CR comes before it, so
 * the bytes before it are as sent.
 */
static void restore_cr(char *text, size_t len, const char *name, size_t name_len,
                       const custapi_xml_check *check, int *restored) {
  if (!check->cr_at || *restored || !check->cr_member || check->cr_member_len != name_len ||
      memcmp(check->cr_member, name, name_len) != 0 || check->cr_byte >= len ||
      text[check->cr_byte] != '\n')
    return;
  text[check->cr_byte] = '\r';
  *restored = 1;
}

/*
 * What xmlrpc-c's values hide and no member's text could show, refused as `update` would: a CR
 * elsewhere (a name written with references, say), and a member name given twice (xmlrpc-c
 * keeps the last), as a REST body's repeated key is.
 */
static int refuse_hidden(const custapi_xml_check *check, int restored, size_t struct_size,
                         custapi_error *err) {
  if (check->cr_at && !restored)
    return custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, NULL,
                              "UpdateCustomer: a CR (&#13;, byte %zu) is refused; use LF for "
                              "line breaks",
                              check->cr_at);
  if (check->members != struct_size) /* the struct is the only place members can be */
    return custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, NULL, "%s",
                              "UpdateCustomer: a <struct> member name appears more than once "
                              "(each name may be given once)");
  return 0;
}

static int is_method(const char *method, const char *prefix, const char *name) {
  size_t plen = strlen(prefix);
  return strncmp(method, prefix, plen) == 0 && strcmp(method + plen, name) == 0;
}

/* An <int>, or an <i8> within 32 bits, into *out; -1 for anything else. */
static int read_int64(int64_t *out, xmlrpc_value *v) {
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  int rc = -1;
  if (xmlrpc_value_type(v) == XMLRPC_TYPE_INT) {
    int i = 0;
    xmlrpc_read_int(&env, v, &i);
    *out = i;
    rc = env.fault_occurred ? -1 : 0;
  } else if (xmlrpc_value_type(v) == XMLRPC_TYPE_I8) {
    xmlrpc_int64 i = 0;
    xmlrpc_read_i8(&env, v, &i);
    *out = i;
    rc = env.fault_occurred ? -1 : 0;
  }
  xmlrpc_env_clean(&env);
  return rc;
}

static int read_id(int32_t *out, xmlrpc_value *params, const char *method, custapi_error *err) {
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  xmlrpc_value *v = NULL;
  xmlrpc_array_read_item(&env, params, 0, &v);
  int64_t id = 0;
  int bad = env.fault_occurred || read_int64(&id, v) < 0;
  xmlrpc_env_clean(&env);
  if (v)
    xmlrpc_DECREF(v);
  if (bad)
    return custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, "id",
                              "%s: the first parameter (the id) must be an <int>", method);
  if (custapi__id_check(id, err) < 0)
    return CUSTAPI_EINVALID;
  *out = (int32_t)id;
  return 0;
}

/* One member of UpdateCustomer's struct, typed by the schema. */
static int set_member(custapi_customer *c, const char *name, size_t name_len, xmlrpc_value *v,
                      const custapi_xml_check *check, int *restored, custapi_error *err) {
  char shown[80];
  if (name_len == 0 || strlen(name) != name_len)
    return custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, NULL,
                              "UpdateCustomer: a struct member has %s name",
                              name_len == 0 ? "an empty" : "a NUL in its");
  int64_t i;
  if (read_int64(&i, v) == 0)
    return custapi_customer_set_int(c, name, i, err);
  if (xmlrpc_value_type(v) != XMLRPC_TYPE_STRING)
    return custapi__error_set(
        err, CUSTAPI_CATEGORY_INVALID, name, "%s: must be an <int> or a <string>, not %s",
        custapi__quote(shown, sizeof shown, name, name_len, 60), custapi__xmlrpc_type_words(v));
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  const char *text = NULL;
  size_t len = 0;
  xmlrpc_read_string_lp(&env, v, &len, &text);
  int rc;
  if (env.fault_occurred)
    rc = custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, name, "%s: unreadable <string>",
                            custapi__quote(shown, sizeof shown, name, name_len, 60));
  else {
    restore_cr((char *)(uintptr_t)text, len, name, name_len, check, restored);
    rc = custapi__customer_set_text(c, name, text, len, err);
  }
  free((void *)text); /* xmlrpc-c's malloc */
  xmlrpc_env_clean(&env);
  return rc;
}

static int read_properties(custapi_customer **out, xmlrpc_value *params, unsigned flags,
                           const custapi_xml_check *check, custapi_error *err) {
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  xmlrpc_value *s = NULL;
  xmlrpc_array_read_item(&env, params, 1, &s);
  int bad = env.fault_occurred || xmlrpc_value_type(s) != XMLRPC_TYPE_STRUCT;
  xmlrpc_env_clean(&env);
  if (bad) {
    if (s)
      xmlrpc_DECREF(s);
    return custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, NULL, "%s",
                              "UpdateCustomer: the second parameter must be a <struct>");
  }
  custapi_customer *c = NULL;
  int rc = custapi_customer_new(&c, flags) < 0 ? custapi__error_oom(err) : 0;
  xmlrpc_env_init(&env);
  int n = rc == 0 ? xmlrpc_struct_size(&env, s) : 0;
  int restored = 0;
  for (int i = 0; rc == 0 && !env.fault_occurred && i < n; i++) {
    xmlrpc_value *key = NULL, *v = NULL;
    xmlrpc_struct_read_member(&env, s, (unsigned)i, &key, &v);
    if (env.fault_occurred)
      break;
    const char *name = NULL;
    size_t name_len = 0;
    xmlrpc_read_string_lp(&env, key, &name_len, &name);
    if (!env.fault_occurred)
      rc = set_member(c, name, name_len, v, check, &restored, err);
    free((void *)name);
    xmlrpc_DECREF(key);
    xmlrpc_DECREF(v);
  }
  if (rc == 0 && env.fault_occurred)
    rc = custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, NULL, "%s",
                            "UpdateCustomer: unreadable <struct>");
  if (rc == 0) /* every member was an <int> or a <string>: no member is nested */
    rc = refuse_hidden(check, restored, (size_t)n, err);
  xmlrpc_env_clean(&env);
  xmlrpc_DECREF(s);
  if (rc < 0) {
    custapi_customer_free(c);
    return rc;
  }
  *out = c;
  return 0;
}

static int expect_params(xmlrpc_value *params, int want, const char *method, custapi_error *err) {
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  int n = xmlrpc_array_size(&env, params);
  int bad = env.fault_occurred;
  xmlrpc_env_clean(&env);
  if (bad || n != want)
    return custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, NULL,
                              "%s takes %d parameter%s, not %d", method, want, want == 1 ? "" : "s",
                              bad ? 0 : n);
  return 0;
}

int custapi__xmlrpc_decode_call(custapi_xmlrpc_call *out, const char *body, size_t len,
                                const char *prefix, unsigned customer_flags, custapi_error *err) {
  *out = (custapi_xmlrpc_call){0};
  custapi__xmlrpc_global_init();
  custapi_xml_reading reading;
  int rc = read_xml(&reading, &out->dialect, body, len, err);
  if (rc < 0) {
    custapi__xml_reading_clear(&reading);
    return rc;
  }
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  const char *method = NULL;
  xmlrpc_value *params = NULL;
  xmlrpc_parse_call(&env, reading.text, reading.len, &method, &params);
  if (env.fault_occurred) {
    custapi__xml_reading_clear(&reading);
    char shown[200];
    const char *why = env.fault_string ? env.fault_string : "not a methodCall";
    rc = custapi__error_set(err, CUSTAPI_CATEGORY_PROTOCOL, NULL, "malformed XML-RPC call: %s",
                            custapi__quote(shown, sizeof shown, why, strlen(why), 160));
    xmlrpc_env_clean(&env);
    return rc;
  }
  xmlrpc_env_clean(&env);
  out->method = custapi__strdup(method);
  free((void *)method);
  if (!out->method) {
    xmlrpc_DECREF(params);
    custapi__xml_reading_clear(&reading);
    return custapi__error_oom(err);
  }
  if (is_method(out->method, prefix, UPDATE_METHOD)) {
    out->kind = CUSTAPI_XMLRPC_CALL_UPDATE;
    if ((rc = expect_params(params, 2, out->method, err)) == 0 &&
        (rc = read_id(&out->id, params, out->method, err)) == 0)
      rc = read_properties(&out->properties, params, customer_flags, &reading.check, err);
  } else if (is_method(out->method, prefix, GET_METHOD)) {
    out->kind = CUSTAPI_XMLRPC_CALL_GET;
    if ((rc = expect_params(params, 1, out->method, err)) == 0)
      rc = read_id(&out->id, params, out->method, err);
  } else if (strcmp(out->method, LIST_METHOD) == 0) {
    out->kind = CUSTAPI_XMLRPC_CALL_LIST;
  }
  xmlrpc_DECREF(params);
  custapi__xml_reading_clear(&reading); /* the screen's findings point into its text */
  return rc;
}

void custapi__xmlrpc_call_clear(custapi_xmlrpc_call *call) {
  if (!call)
    return;
  custapi__free(call->method);
  custapi_customer_free(call->properties);
  *call = (custapi_xmlrpc_call){0};
}

/* ---- answers ---- */

/* xmlrpc-c's document copied into a buffer of ours, NUL-terminated. */
static int take_block(char **out, size_t *len, xmlrpc_mem_block *xml, custapi_error *err) {
  size_t n = xmlrpc_mem_block_size(xml);
  char *copy = custapi__malloc(n + 1);
  if (!copy)
    return custapi__error_oom(err);
  memcpy(copy, xmlrpc_mem_block_contents(xml), n);
  copy[n] = '\0';
  *out = copy;
  *len = n;
  return 0;
}

/* Serialises `value` (our reference is dropped) as a methodResponse. */
static int serialize_value(char **out, size_t *len, xmlrpc_value *value, custapi_error *err) {
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  xmlrpc_mem_block *xml = xmlrpc_mem_block_new(&env, 0);
  int have_xml = !env.fault_occurred; /* a failed constructor may leave garbage in xml */
  int rc = 0;
  if (have_xml)
    xmlrpc_serialize_response2(&env, xml, value, xmlrpc_dialect_i8);
  if (env.fault_occurred)
    rc = custapi__error_set(err, CUSTAPI_CATEGORY_INTERNAL, NULL, "XML-RPC response: %s",
                            env.fault_string ? env.fault_string : "failed");
  else
    rc = take_block(out, len, xml, err);
  xmlrpc_env_clean(&env);
  if (have_xml)
    xmlrpc_mem_block_free(xml);
  xmlrpc_DECREF(value);
  return rc;
}

int custapi__xmlrpc_encode_int_response(char **out, size_t *len, int64_t value,
                                        custapi_error *err) {
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  xmlrpc_value *v = value >= INT32_MIN && value <= INT32_MAX ? xmlrpc_int_new(&env, (int)value)
                                                             : xmlrpc_i8_new(&env, value);
  int failed = env.fault_occurred;
  xmlrpc_env_clean(&env);
  if (failed)
    return custapi__error_oom(err);
  return serialize_value(out, len, v, err);
}

int custapi__xmlrpc_encode_struct_response(char **out, size_t *len,
                                           const custapi_customer *customer, custapi_error *err) {
  custapi_customer *copy;
  if (custapi_customer_dup(&copy, customer) < 0)
    return custapi__error_oom(err);
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < custapi_customer_count(copy); i++) {
    const custapi_field *f = custapi_customer_at(copy, i);
    if (f->type == CUSTAPI_VALUE_NULL && custapi__customer_put_string(copy, f->name, "", 0) < 0)
      rc = custapi__error_oom(err);
  }
  xmlrpc_value *s = NULL;
  if (rc == 0)
    rc = custapi__xmlrpc_struct_of(&s, copy, err);
  custapi_customer_free(copy);
  return rc < 0 ? rc : serialize_value(out, len, s, err);
}

int custapi__xmlrpc_encode_strings_response(char **out, size_t *len, const char *const *strings,
                                            size_t count, custapi_error *err) {
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  xmlrpc_value *a = xmlrpc_array_new(&env);
  for (size_t i = 0; !env.fault_occurred && i < count; i++) {
    xmlrpc_value *item = xmlrpc_string_new(&env, strings[i]);
    if (env.fault_occurred)
      break;
    xmlrpc_array_append_item(&env, a, item);
    xmlrpc_DECREF(item);
  }
  int failed = env.fault_occurred;
  xmlrpc_env_clean(&env);
  if (failed) {
    if (a)
      xmlrpc_DECREF(a);
    return custapi__error_oom(err);
  }
  return serialize_value(out, len, a, err);
}

int custapi__xmlrpc_encode_fault(char **out, size_t *len, int code, const char *message,
                                 custapi_error *err) {
  xmlrpc_env fault, env;
  xmlrpc_env_init(&fault);
  xmlrpc_env_init(&env);
  /* xmlrpc-c refuses a fault string that is not valid XML text: keep it printable. */
  xmlrpc_env_set_fault(&fault, code, message);
  xmlrpc_mem_block *xml = xmlrpc_mem_block_new(&env, 0);
  int have_xml = !env.fault_occurred;
  int rc;
  if (have_xml)
    xmlrpc_serialize_fault(&env, xml, &fault);
  if (env.fault_occurred)
    rc = custapi__error_set(err, CUSTAPI_CATEGORY_INTERNAL, NULL, "XML-RPC fault: %s",
                            env.fault_string ? env.fault_string : "failed");
  else
    rc = take_block(out, len, xml, err);
  if (have_xml)
    xmlrpc_mem_block_free(xml);
  xmlrpc_env_clean(&env);
  xmlrpc_env_clean(&fault);
  return rc;
}
