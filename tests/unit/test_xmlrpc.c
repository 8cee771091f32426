/*
 * The XML-RPC codec over buffers, no network: requests are parsed back with xmlrpc-c's own
 * xmlrpc_parse_call and compared by structure (method, params, member names and types), not by
 * spelling; responses are fed as bytes.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <xmlrpc-c/base.h>

#include "alloc.h"
#include "codec_table.h"
#include "custapi/custapi.h"
#include "customer.h"
#include "result.h"
#include "worst_xml.h"
#include "xmlrpc.h"

#define OPS (&custapi__xmlrpc_backend)

/* Decoding as every caller does it: through codec_table.c, which keeps non-2xx answers from the
 * codec. */
static int decode_update(custapi_result **out, const custapi_http_response *r, custapi_error *err) {
  return custapi__decode_update(OPS, out, r, 0, NULL, err);
}

static int decode_get(custapi_customer **out, const custapi_http_response *r, custapi_error *err) {
  return custapi__decode_get(OPS, out, r, NULL, err);
}

#define RESPONSE(value)                                                                            \
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<methodResponse><params><param><value>" value     \
  "</value></param></params></methodResponse>\r\n"

#define FAULT(code, text)                                                                          \
  "<?xml version=\"1.0\"?><methodResponse><fault><value><struct>"                                  \
  "<member><name>faultCode</name><value><int>" code "</int></value></member>"                      \
  "<member><name>faultString</name><value><string>" text "</string></value></member>"              \
  "</struct></value></fault></methodResponse>"

static custapi_http_response response(int status, const char *body) {
  custapi_http_response r = {0};
  r.status = status;
  r.body = body;
  r.body_len = strlen(body);
  r.content_type = "text/xml";
  return r;
}

/* ---------------------------------------------------------------------------------------
 * Parsing a request back
 * ------------------------------------------------------------------------------------- */

typedef struct parsed_call {
  const char *method;
  xmlrpc_value *params;
} parsed_call;

static parsed_call parse_call(const custapi_http_request *req) {
  parsed_call call = {NULL, NULL};
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  xmlrpc_parse_call(&env, req->body, req->body_len, &call.method, &call.params);
  ck_assert_msg(!env.fault_occurred, "xmlrpc_parse_call: %s", env.fault_string);
  xmlrpc_env_clean(&env);
  return call;
}

static void parsed_call_clear(parsed_call *call) {
  free((void *)call->method);
  if (call->params)
    xmlrpc_DECREF(call->params);
}

/* The i-th param (a new reference). */
static xmlrpc_value *param(const parsed_call *call, int i) {
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  xmlrpc_value *v = NULL;
  xmlrpc_array_read_item(&env, call->params, (unsigned)i, &v);
  ck_assert(!env.fault_occurred);
  xmlrpc_env_clean(&env);
  return v;
}

static int param_count(const parsed_call *call) {
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  int n = xmlrpc_array_size(&env, call->params);
  ck_assert(!env.fault_occurred);
  xmlrpc_env_clean(&env);
  return n;
}

static int read_int(xmlrpc_value *v) {
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  ck_assert_int_eq(xmlrpc_value_type(v), XMLRPC_TYPE_INT);
  int i = 0;
  xmlrpc_read_int(&env, v, &i);
  ck_assert(!env.fault_occurred);
  xmlrpc_env_clean(&env);
  return i;
}

/* The member `name` of a struct (a new reference), or NULL. */
static xmlrpc_value *member(xmlrpc_value *s, const char *name) {
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  xmlrpc_value *v = NULL;
  xmlrpc_struct_find_value(&env, s, name, &v);
  ck_assert(!env.fault_occurred);
  xmlrpc_env_clean(&env);
  return v;
}

static int struct_size(xmlrpc_value *s) {
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  int n = xmlrpc_struct_size(&env, s);
  ck_assert(!env.fault_occurred);
  xmlrpc_env_clean(&env);
  return n;
}

static void assert_int_member(xmlrpc_value *s, const char *name, int expect) {
  xmlrpc_value *v = member(s, name);
  ck_assert_msg(v != NULL, "member %s missing", name);
  ck_assert_int_eq(read_int(v), expect);
  xmlrpc_DECREF(v);
}

static void assert_string_member(xmlrpc_value *s, const char *name, const char *expect,
                                 size_t expect_len) {
  xmlrpc_value *v = member(s, name);
  ck_assert_msg(v != NULL, "member %s missing", name);
  ck_assert_msg(xmlrpc_value_type(v) == XMLRPC_TYPE_STRING, "member %s is not a <string>", name);
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  size_t len = 0;
  const char *text = NULL;
  xmlrpc_read_string_lp(&env, v, &len, &text);
  ck_assert(!env.fault_occurred);
  ck_assert_uint_eq(len, expect_len);
  ck_assert(memcmp(text, expect, len) == 0);
  free((void *)text);
  xmlrpc_env_clean(&env);
  xmlrpc_DECREF(v);
}

static custapi_endpoint endpoint(const char *prefix) {
  custapi_endpoint e = {"https://mail.example.com", prefix};
  return e;
}

/* ---------------------------------------------------------------------------------------
 * Encoding
 * ------------------------------------------------------------------------------------- */

START_TEST(update_is_a_post_of_update_customer_with_id_and_typed_struct) {
  custapi_customer *c;
  custapi_error err;
  ck_assert_int_eq(custapi_customer_new(&c, CUSTAPI_CUSTOMER_ALLOW_UNKNOWN), 0);
  ck_assert_int_eq(custapi_customer_set(c, "name", "Ann", &err), 0);
  ck_assert_int_eq(custapi_customer_set(c, "sms_quota", "5000", &err), 0);
  ck_assert_int_eq(custapi_customer_set(c, "email_quota", "0", &err), 0);
  ck_assert_int_eq(custapi_customer_set(c, "postal_code", "8001", &err), 0);
  ck_assert_int_eq(custapi_customer_set(c, "favourite", "42", &err), 0); /* unknown: string */
  custapi_endpoint e = endpoint(NULL);
  custapi_http_request req = {0};
  ck_assert_int_eq(OPS->encode_update(&req, &e, 42, c, &err), 0);
  ck_assert_str_eq(req.method, "POST");
  ck_assert_str_eq(req.url, "https://mail.example.com/api/2.0/xmlrpc/");
  ck_assert_str_eq(req.content_type, "text/xml");
  ck_assert_uint_eq(req.body_len, strlen(req.body));

  parsed_call call = parse_call(&req);
  ck_assert_str_eq(call.method, "customers.UpdateCustomer");
  ck_assert_int_eq(param_count(&call), 2);
  xmlrpc_value *id = param(&call, 0);
  ck_assert_int_eq(read_int(id), 42);
  xmlrpc_DECREF(id);
  xmlrpc_value *s = param(&call, 1);
  ck_assert_int_eq(xmlrpc_value_type(s), XMLRPC_TYPE_STRUCT);
  ck_assert_int_eq(struct_size(s), 5);
  assert_string_member(s, "name", "Ann", 3);
  assert_int_member(s, "sms_quota", 5000);
  assert_int_member(s, "email_quota", 0);
  assert_string_member(s, "postal_code", "8001", 4); /* a string property stays a string */
  assert_string_member(s, "favourite", "42", 2);
  xmlrpc_DECREF(s);
  parsed_call_clear(&call);
  custapi__http_request_clear(&req);
  custapi_customer_free(c);
}
END_TEST

START_TEST(extreme_integers_and_an_empty_update) {
  custapi_customer *c;
  custapi_error err;
  ck_assert_int_eq(custapi_customer_new(&c, 0), 0);
  custapi_endpoint e = endpoint(NULL);
  custapi_http_request req = {0};
  /* No properties: an empty struct, still two params. */
  ck_assert_int_eq(OPS->encode_update(&req, &e, 2147483647, c, &err), 0);
  parsed_call call = parse_call(&req);
  ck_assert_int_eq(param_count(&call), 2);
  xmlrpc_value *id = param(&call, 0);
  ck_assert_int_eq(read_int(id), 2147483647);
  xmlrpc_DECREF(id);
  xmlrpc_value *s = param(&call, 1);
  ck_assert_int_eq(struct_size(s), 0);
  xmlrpc_DECREF(s);
  parsed_call_clear(&call);
  custapi__http_request_clear(&req);

  ck_assert_int_eq(custapi_customer_set_int(c, "email_quota", 2147483647, &err), 0);
  ck_assert_int_eq(custapi__customer_put_int(c, "sms_quota", -2147483647 - 1), 0);
  ck_assert_int_eq(OPS->encode_update(&req, &e, 1, c, &err), 0);
  call = parse_call(&req);
  s = param(&call, 1);
  assert_int_member(s, "email_quota", 2147483647);
  assert_int_member(s, "sms_quota", -2147483647 - 1);
  xmlrpc_DECREF(s);
  parsed_call_clear(&call);
  custapi__http_request_clear(&req);
  custapi_customer_free(c);
}
END_TEST

START_TEST(special_characters_round_trip) {
  static const char address[] = "1 <Main> & \"Side\" 'St'\nFloor 2\tBack\nCaf\xC3\xA9 "
                                "\xE4\xB8\xAD ]]> &amp;";
  custapi_customer *c;
  custapi_error err;
  ck_assert_int_eq(custapi_customer_new(&c, 0), 0);
  ck_assert_int_eq(custapi_customer_set(c, "address", address, &err), 0);
  ck_assert_int_eq(custapi_customer_set(c, "name", "Zo\xC3\xAB \xE4\xB8\xAD\xE6\x96\x87", &err), 0);
  ck_assert_int_eq(custapi_customer_set(c, "unique_id", "", &err), 0); /* empty clears */
  custapi_endpoint e = endpoint(NULL);
  custapi_http_request req = {0};
  ck_assert_int_eq(OPS->encode_update(&req, &e, 7, c, &err), 0);
  parsed_call call = parse_call(&req);
  xmlrpc_value *s = param(&call, 1);
  assert_string_member(s, "address", address, sizeof address - 1);
  assert_string_member(s, "name", "Zo\xC3\xAB \xE4\xB8\xAD\xE6\x96\x87", 11);
  assert_string_member(s, "unique_id", "", 0);
  xmlrpc_DECREF(s);
  parsed_call_clear(&call);
  custapi__http_request_clear(&req);
  custapi_customer_free(c);
}
END_TEST

/* What xmlrpc-c writes for UpdateCustomer(id, properties): plain properties are written
 * without it, and must come out byte for byte the same. NULL when xmlrpc-c refuses them. */
static char *xmlrpc_c_update_body(const char *method, int32_t id, const custapi_customer *c) {
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  xmlrpc_value *params = xmlrpc_array_new(&env);
  xmlrpc_value *v = xmlrpc_int_new(&env, id);
  xmlrpc_array_append_item(&env, params, v);
  xmlrpc_DECREF(v);
  xmlrpc_value *st = xmlrpc_struct_new(&env);
  for (size_t i = 0; i < custapi_customer_count(c) && !env.fault_occurred; i++) {
    const custapi_field *f = custapi_customer_at(c, i);
    if (f->type == CUSTAPI_VALUE_INTEGER)
      v = xmlrpc_int_new(&env, (int)f->integer);
    else if (f->type == CUSTAPI_VALUE_BOOLEAN)
      v = xmlrpc_bool_new(&env, f->integer != 0);
    else
      v = xmlrpc_string_new_lp(&env, f->string_len, f->string);
    if (!env.fault_occurred) {
      xmlrpc_struct_set_value(&env, st, f->name, v);
      xmlrpc_DECREF(v);
    }
  }
  if (env.fault_occurred) { /* a string xmlrpc-c can't carry */
    xmlrpc_DECREF(st);
    xmlrpc_DECREF(params);
    xmlrpc_env_clean(&env);
    return NULL;
  }
  xmlrpc_array_append_item(&env, params, st);
  xmlrpc_DECREF(st);
  xmlrpc_mem_block *xml = xmlrpc_mem_block_new(&env, 0);
  ck_assert(!env.fault_occurred);
  xmlrpc_serialize_call2(&env, xml, method, params, xmlrpc_dialect_i8);
  ck_assert(!env.fault_occurred);
  size_t len = xmlrpc_mem_block_size(xml);
  char *text = malloc(len + 1);
  memcpy(text, xmlrpc_mem_block_contents(xml), len);
  text[len] = '\0';
  xmlrpc_mem_block_free(xml);
  xmlrpc_DECREF(params);
  xmlrpc_env_clean(&env);
  return text;
}

START_TEST(update_body_is_what_xmlrpc_c_writes) {
  static const char *const strings[] = {
      "Ann", "", "a&b<c>d\"e'f;&amp;", "tab\there\nline", "cr\r\nlf", "lone\rcr",
      "caf\xc3\xa9", "\x01", "del\x7f", "\xff", "]]>", "<![CDATA[x]]>",
      ("a long one: 0123456789012345678901234567890123456789012345678901234567890123456789"
       "0123456789012345678901234567890123456789012345678901234567890123456789"),
  };
  static const int64_t integers[] = {INT32_MIN, -1, 0, 7, INT32_MAX};
  static const char *const names[] = {"name", "a&b", "x<y>z", "sms_quota"};
  static const char *const prefixes[] = {NULL, "", "api."};
  static const int32_t ids[] = {1, 42, INT32_MAX};
  int written = 0;
  for (size_t k = 0; k < sizeof strings / sizeof *strings; k++)
    for (size_t m = 0; m < sizeof names / sizeof *names; m++) {
      custapi_customer *c;
      ck_assert_int_eq(custapi_customer_new(&c, CUSTAPI_CUSTOMER_ALLOW_UNKNOWN), 0);
      ck_assert_int_eq(custapi__customer_put_string(c, names[m], strings[k], strlen(strings[k])),
                       0);
      ck_assert_int_eq(custapi__customer_put_int(c, "email_quota", integers[k % 5]), 0);
      ck_assert_int_eq(custapi__customer_put_bool(c, "is_department", (int)(k % 2)), 0);
      if (k % 3 == 0)
        ck_assert_int_eq(custapi__customer_put_int(c, "zz_extra", integers[(k + m) % 5]), 0);
      const char *prefix = prefixes[(k + m) % 3];
      custapi_endpoint e = endpoint(prefix);
      char method[64];
      snprintf(method, sizeof method, "%sUpdateCustomer", prefix ? prefix : "customers.");
      int32_t id = ids[(k + 2 * m) % 3];
      char *want = xmlrpc_c_update_body(method, id, c);
      custapi_http_request req = {0};
      custapi_error err;
      int rc = OPS->encode_update(&req, &e, id, c, &err);
      if (want) {
        ck_assert_msg(rc == 0, "%s", err.message);
        ck_assert_uint_eq(req.body_len, strlen(want));
        ck_assert_msg(strcmp(req.body, want) == 0, "\n%s\nxmlrpc-c:\n%s", req.body, want);
        ck_assert_str_eq(req.content_type, "text/xml");
        ck_assert_str_eq(req.method, "POST");
        written++;
      } else {
        ck_assert_int_lt(rc, 0); /* refused by xmlrpc-c: refused here too */
      }
      custapi__http_request_clear(&req);
      free(want);
      custapi_customer_free(c);
    }
  ck_assert_int_gt(written, 40);
}
END_TEST

START_TEST(prefix_default_empty_and_custom) {
  static const struct {
    const char *prefix, *update, *get;
  } cases[] = {
      {NULL, "customers.UpdateCustomer", "customers.GetCustomer"},
      {"customers.", "customers.UpdateCustomer", "customers.GetCustomer"},
      {"", "UpdateCustomer", "GetCustomer"},
      {"crm_v2:people/", "crm_v2:people/UpdateCustomer", "crm_v2:people/GetCustomer"},
  };
  custapi_customer *c;
  custapi_error err;
  ck_assert_int_eq(custapi_customer_new(&c, 0), 0);
  ck_assert_int_eq(custapi_customer_set(c, "email", "a@example.com", &err), 0);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    custapi_endpoint e = endpoint(cases[i].prefix);
    custapi_http_request req = {0};
    ck_assert_int_eq(OPS->encode_update(&req, &e, 3, c, &err), 0);
    parsed_call call = parse_call(&req);
    ck_assert_str_eq(call.method, cases[i].update);
    parsed_call_clear(&call);
    custapi__http_request_clear(&req);
    ck_assert_int_eq(OPS->encode_get(&req, &e, 3, &err), 0);
    call = parse_call(&req);
    ck_assert_str_eq(call.method, cases[i].get);
    parsed_call_clear(&call);
    custapi__http_request_clear(&req);
  }
  custapi_customer_free(c);
}
END_TEST

START_TEST(bad_prefixes_are_refused_before_anything_is_built) {
  static const char *const bad[] = {"customers. ", "a<b>.", "x&y.", "caf\xC3\xA9.",
                                    "a\nb.",       "a\"b",  "tab\t"};
  char long_prefix[CUSTAPI_XMLRPC_PREFIX_MAX + 2];
  memset(long_prefix, 'a', sizeof long_prefix - 1);
  long_prefix[sizeof long_prefix - 1] = '\0';
  custapi_customer *c;
  custapi_error err;
  ck_assert_int_eq(custapi_customer_new(&c, 0), 0);
  for (size_t i = 0; i <= sizeof bad / sizeof bad[0]; i++) {
    const char *prefix = i < sizeof bad / sizeof bad[0] ? bad[i] : long_prefix;
    custapi_endpoint e = endpoint(prefix);
    custapi_http_request req = {0};
    ck_assert_int_eq(OPS->encode_update(&req, &e, 3, c, &err), CUSTAPI_EINVALID);
    ck_assert_int_eq(err.category, CUSTAPI_CATEGORY_INVALID);
    ck_assert_msg(strstr(err.message, "XML-RPC prefix") != NULL, "%s", err.message);
    ck_assert_ptr_null(strchr(err.message, '\n'));
    ck_assert_ptr_null(req.url);
    ck_assert_ptr_null(req.body);
    ck_assert_int_eq(OPS->encode_get(&req, &e, 3, &err), CUSTAPI_EINVALID);
    ck_assert_ptr_null(req.body);
  }
  custapi_customer_free(c);
}
END_TEST

START_TEST(get_is_get_customer_with_one_int) {
  custapi_endpoint e = {"http://127.0.0.1:8080", NULL}; /* trimmed by the client */
  custapi_http_request req = {0};
  custapi_error err;
  ck_assert_int_eq(OPS->encode_get(&req, &e, 99, &err), 0);
  ck_assert_str_eq(req.method, "POST");
  ck_assert_str_eq(req.url, "http://127.0.0.1:8080/api/2.0/xmlrpc/");
  ck_assert_str_eq(req.content_type, "text/xml");
  parsed_call call = parse_call(&req);
  ck_assert_str_eq(call.method, "customers.GetCustomer");
  ck_assert_int_eq(param_count(&call), 1);
  xmlrpc_value *id = param(&call, 0);
  ck_assert_int_eq(read_int(id), 99);
  xmlrpc_DECREF(id);
  parsed_call_clear(&call);
  custapi__http_request_clear(&req);
}
END_TEST

START_TEST(values_xmlrpc_cannot_carry_are_refused) {
  custapi_customer *c;
  custapi_error err;
  custapi_endpoint e = endpoint(NULL);
  custapi_http_request req = {0};
  ck_assert_int_eq(custapi_customer_new(&c, CUSTAPI_CUSTOMER_ALLOW_UNKNOWN), 0);
  ck_assert_int_eq(custapi__customer_put_int(c, "sms_quota", 2147483648LL), 0);
  ck_assert_int_eq(OPS->encode_update(&req, &e, 1, c, &err), CUSTAPI_EINVALID);
  ck_assert_str_eq(err.property, "sms_quota");
  ck_assert_msg(strstr(err.message, "32-bit") != NULL, "%s", err.message);
  ck_assert_ptr_null(req.body);
  custapi_customer_free(c);

  ck_assert_int_eq(custapi_customer_new(&c, CUSTAPI_CUSTOMER_ALLOW_UNKNOWN), 0);
  ck_assert_int_eq(custapi__customer_put_null(c, "note"), 0);
  ck_assert_int_eq(OPS->encode_update(&req, &e, 1, c, &err), CUSTAPI_EINVALID);
  ck_assert_str_eq(err.property, "note");
  custapi_customer_free(c);

  /* Above U+FFFD: xmlrpc-c can't send it (the validator refuses it first in real use). */
  ck_assert_int_eq(custapi_customer_new(&c, 0), 0);
  ck_assert_int_eq(custapi__customer_put_string(c, "address", "\xF0\x9F\x98\x80", 4), 0);
  ck_assert_int_eq(OPS->encode_update(&req, &e, 1, c, &err), CUSTAPI_EINVALID);
  ck_assert_str_eq(err.property, "address");
  ck_assert_ptr_null(req.body);
  custapi_customer_free(c);
}
END_TEST

/* ---------------------------------------------------------------------------------------
 * Decoding an update
 * ------------------------------------------------------------------------------------- */

static void assert_update_value(const char *body, int64_t expect) {
  custapi_http_response r = response(200, body);
  custapi_result *result = NULL;
  custapi_error err;
  ck_assert_int_eq(decode_update(&result, &r, &err), 0);
  int64_t value = 0;
  ck_assert_int_eq(custapi_result_value(&value, result), 1);
  ck_assert_int_eq(value, expect);
  ck_assert_int_eq(custapi_result_http_status(result), 200);
  ck_assert_str_eq(custapi_result_protocol(result), "xmlrpc");
  ck_assert_ptr_null(custapi_result_customer(result));
  custapi_result_free(result);
}

START_TEST(update_result_int_i4_and_i8_in_range) {
  assert_update_value(RESPONSE("<int>42</int>"), 42);
  assert_update_value(RESPONSE("<i4>7</i4>"), 7);
  assert_update_value(RESPONSE("<int>-1</int>"), -1);
  assert_update_value(RESPONSE("<i4>0</i4>"), 0);
  assert_update_value(RESPONSE("<i8>2147483647</i8>"), 2147483647);
  assert_update_value(RESPONSE("<i8>-2147483648</i8>"), -2147483647 - 1);
  assert_update_value("<methodResponse><params><param><value><i4>1</i4></value></param>"
                      "</params></methodResponse>",
                      1); /* no XML declaration */
}
END_TEST

/* Bulk's decoder reads plain answers without xmlrpc-c: for every body, its outcome must be
 * decode_update's, byte for byte in the error (the full decoder is the reference). */
static int same_outcome(int status, const char *body, size_t len) {
  custapi_http_response r = response(status, body);
  r.body_len = len;
  custapi_result *full = NULL, *brief = NULL;
  custapi_error full_err = {0}, brief_err = {0};
  int full_rc = OPS->decode_update(&full, &r, 0, &full_err);
  int brief_rc = OPS->decode_update(&brief, &r, CUSTAPI_DECODE_NO_CUSTOMER, &brief_err);
  ck_assert_msg(full_rc == brief_rc, "status %d, body [%.*s]: %d, brief %d", status, (int)len,
                body, full_rc, brief_rc);
  if (full_rc == 0) {
    int64_t a = 0, b = 0;
    ck_assert_int_eq(custapi_result_value(&a, full), custapi_result_value(&b, brief));
    ck_assert_msg(a == b, "body [%.*s]: %lld, brief %lld", (int)len, body, (long long)a,
                  (long long)b);
    ck_assert_int_eq(custapi_result_http_status(full), custapi_result_http_status(brief));
    ck_assert_str_eq(custapi_result_protocol(full), custapi_result_protocol(brief));
  } else {
    ck_assert_int_eq(full_err.category, brief_err.category);
    ck_assert_str_eq(full_err.message, brief_err.message);
  }
  custapi_result_free(full);
  custapi_result_free(brief);
  return full_rc == 0;
}

START_TEST(brief_decoder_agrees_with_the_full_one) {
  static const char *const bodies[] = {
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<methodResponse>\n<params>\n<param><value>"
      "<i4>1</i4></value></param>\n</params>\n</methodResponse>\n",
      RESPONSE("<int>42</int>"), RESPONSE("<i4>-7</i4>"), RESPONSE("<i4>0</i4>"),
      RESPONSE("<i4>2147483647</i4>"), RESPONSE("<i4>-2147483648</i4>"),
      RESPONSE("<i4>2147483648</i4>"), RESPONSE("<i4>-2147483649</i4>"),
      RESPONSE("<i4>99999999999</i4>"), RESPONSE("<i4>007</i4>"), RESPONSE("<i4>-0</i4>"),
      RESPONSE("<i4>+5</i4>"), RESPONSE("<i4> 5 </i4>"), RESPONSE("<i4>5</int>"),
      RESPONSE("<i4></i4>"), RESPONSE("<i4>-</i4>"), RESPONSE(" <i4>5</i4> "),
      RESPONSE("<i8>5</i8>"), RESPONSE("<string>5</string>"), RESPONSE("5"),
      RESPONSE("<i4>5</i4><i4>6</i4>"), RESPONSE("<i4>&#53;</i4>"),
      "<methodResponse><params><param><value><i4>1</i4></value></param></params>"
      "</methodResponse>",
      "<?xml version=\"1.0\"?><methodResponse><params><param><value><i4>3</i4></value></param>"
      "</params></methodResponse>",
      "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><methodResponse><params><param><value>"
      "<i4>3</i4></value></param></params></methodResponse>",
      " <?xml version=\"1.0\"?><methodResponse><params><param><value><i4>3</i4></value>"
      "</param></params></methodResponse>",
      /* No BOM here: xmlrpc-c's parser reads uninitialised memory on one (valgrind), so the full
       * decoder can't be the reference there; the brief one hands it over untouched anyway. */
      "<methodResponse><params><param><value><i4>3</i4></value></param></params>"
      "</methodResponse><!-- after -->",
      "<methodResponse><params><param><value><i4>3</i4></value></param></params>"
      "</methodResponse>x",
      "<methodResponse><params><param><value><i4>3</i4></value></param><param><value><i4>4"
      "</i4></value></param></params></methodResponse>",
      "<methodResponse><params><param><value><i4>3</i4></value></param></params>",
      FAULT("4", "no such customer"), "", "   ",
  };
  for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++)
    for (int status = 199; status <= 500; status += status == 199 ? 1 : status == 200 ? 99 : 201)
      same_outcome(status, bodies[i], strlen(bodies[i]));
}
END_TEST

/* Every one-byte change of a plain answer: dropped, doubled, or replaced by a byte that
 * matters to the shape. Whatever the brief decoder accepts, xmlrpc-c must accept alike. */
START_TEST(brief_decoder_agrees_under_mutation) {
  const char *base = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<methodResponse>\n<params>"
                     "\n<param><value><i4>2147483647</i4></value></param>\n</params>\n"
                     "</methodResponse>\n";
  const char replacements[] = {' ', '\n', '<', '>', '/', '-', '0', '9', 'x', '"', '?', '\0'};
  size_t n = strlen(base);
  char buf[512];
  int accepted = 0;
  for (size_t at = 0; at < n; at++) {
    memcpy(buf, base, at); /* dropped */
    memcpy(buf + at, base + at + 1, n - at - 1);
    accepted += same_outcome(200, buf, n - 1);
    memcpy(buf, base, at + 1); /* doubled */
    memcpy(buf + at + 1, base + at, n - at);
    accepted += same_outcome(200, buf, n + 1);
    for (size_t k = 0; k < sizeof replacements; k++) {
      memcpy(buf, base, n);
      buf[at] = replacements[k];
      accepted += same_outcome(200, buf, n);
    }
  }
  ck_assert_int_gt(accepted, 0); /* some changes (whitespace) leave a valid answer */
}
END_TEST

static void assert_protocol_error(int (*decode)(const custapi_http_response *, custapi_error *),
                                  int status, const char *body, const char *expect_in_message) {
  custapi_http_response r = response(status, body);
  custapi_error err;
  ck_assert_int_eq(decode(&r, &err), CUSTAPI_EPROTOCOL);
  ck_assert_int_eq(err.category, CUSTAPI_CATEGORY_PROTOCOL);
  ck_assert_int_eq(err.http_status, status);
  ck_assert_int_eq(err.has_fault_code, 0);
  ck_assert_ptr_null(strchr(err.message, '\n'));
  if (expect_in_message)
    ck_assert_msg(strstr(err.message, expect_in_message) != NULL, "\"%s\" not in \"%s\"",
                  expect_in_message, err.message);
}

static int decode_update_only(const custapi_http_response *r, custapi_error *err) {
  custapi_result *result = NULL;
  int rc = decode_update(&result, r, err);
  ck_assert_ptr_null(result);
  custapi_result_free(result);
  return rc;
}

static int decode_get_only(const custapi_http_response *r, custapi_error *err) {
  custapi_customer *c = NULL;
  int rc = decode_get(&c, r, err);
  ck_assert_ptr_null(c);
  custapi_customer_free(c);
  return rc;
}

START_TEST(update_result_of_another_shape_may_have_been_applied) {
  static const char *const bodies[] = {
      RESPONSE("<string>42</string>"),
      RESPONSE("42"), /* a bare value is a string */
      RESPONSE("<boolean>1</boolean>"),
      RESPONSE("<double>42.0</double>"),
      RESPONSE("<nil/>"),
      RESPONSE("<struct><member><name>id</name><value><int>42</int></value></member></struct>"),
      RESPONSE("<array><data><value><int>42</int></value></data></array>"),
      RESPONSE("<i8>2147483648</i8>"),
      RESPONSE("<i8>-9223372036854775808</i8>"),
      "",
      " \r\n\t ",
      "<?xml version=\"1.0\"?><methodResponse><params><param><value><int>42</int></va",
      "hello, world",
      "{\"result\":42}",
      "<methodResponse><params></params></methodResponse>",
      RESPONSE("<int>42</int>") "<trailing/>",
      RESPONSE("<int>12abc</int>"),
      RESPONSE("<int>2147483648</int>"),
      "<?xml version=\"1.0\"?><methodCall><methodName>x</methodName><params/></methodCall>",
  };
  for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++)
    assert_protocol_error(decode_update_only, 200, bodies[i], "the update may have been applied");
  /* 2xx statuses other than 200 are successes too; their wrong shapes are protocol errors. */
  assert_protocol_error(decode_update_only, 204, "", "empty");
  assert_protocol_error(decode_update_only, 200, RESPONSE("<string>42</string>"), "<string>");
}
END_TEST

START_TEST(a_body_with_a_nul_is_malformed) {
  static const char body[] = RESPONSE("<int>4\0002</int>");
  custapi_http_response r = response(200, body);
  r.body_len = sizeof body - 1;
  custapi_result *result = NULL;
  custapi_error err;
  ck_assert_int_eq(decode_update(&result, &r, &err), CUSTAPI_EPROTOCOL);
  ck_assert_ptr_null(result);
}
END_TEST

/* ---------------------------------------------------------------------------------------
 * Faults and HTTP statuses
 * ------------------------------------------------------------------------------------- */

START_TEST(faults_map_by_code) {
  static const struct {
    const char *body;
    int code;
    custapi_category category;
    custapi_status status;
  } cases[] = {
      {FAULT("401", "Invalid API key"), 401, CUSTAPI_CATEGORY_AUTH, CUSTAPI_EAUTH},
      {FAULT("403", "Not allowed"), 403, CUSTAPI_CATEGORY_AUTH, CUSTAPI_EAUTH},
      {FAULT("404", "Customer not found"), 404, CUSTAPI_CATEGORY_NOT_FOUND, CUSTAPI_ENOTFOUND},
      {FAULT("-32700", "parse error"), -32700, CUSTAPI_CATEGORY_PROTOCOL, CUSTAPI_EPROTOCOL},
      {FAULT("-32600", "invalid request"), -32600, CUSTAPI_CATEGORY_PROTOCOL, CUSTAPI_EPROTOCOL},
      {FAULT("-32601", "no such method"), -32601, CUSTAPI_CATEGORY_PROTOCOL, CUSTAPI_EPROTOCOL},
      {FAULT("-32603", "internal error"), -32603, CUSTAPI_CATEGORY_SERVER, CUSTAPI_ESERVER},
      {FAULT("500", "database down"), 500, CUSTAPI_CATEGORY_SERVER, CUSTAPI_ESERVER},
      {FAULT("503", "try later"), 503, CUSTAPI_CATEGORY_SERVER, CUSTAPI_ESERVER},
      {FAULT("599", "edge"), 599, CUSTAPI_CATEGORY_SERVER, CUSTAPI_ESERVER},
      {FAULT("422", "hash does not match"), 422, CUSTAPI_CATEGORY_REJECTED, CUSTAPI_EREJECTED},
      {FAULT("1", "Email address is invalid"), 1, CUSTAPI_CATEGORY_REJECTED, CUSTAPI_EREJECTED},
      {FAULT("600", "odd"), 600, CUSTAPI_CATEGORY_REJECTED, CUSTAPI_EREJECTED},
      {FAULT("-32602", "invalid params"), -32602, CUSTAPI_CATEGORY_REJECTED, CUSTAPI_EREJECTED},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    for (int get = 0; get <= 1; get++) {
      custapi_http_response r = response(200, cases[i].body);
      custapi_error err;
      int rc = get ? decode_get_only(&r, &err) : decode_update_only(&r, &err);
      ck_assert_int_eq(rc, cases[i].status);
      ck_assert_int_eq(err.category, cases[i].category);
      ck_assert_int_eq(err.has_fault_code, 1);
      ck_assert_int_eq(err.fault_code, cases[i].code);
      ck_assert_int_eq(err.http_status, 200);
      /* The fault string is in the message. */
      const char *text = strstr(cases[i].body, "<string>") + strlen("<string>");
      size_t text_len = (size_t)(strstr(text, "</string>") - text);
      char expect[64];
      snprintf(expect, sizeof expect, "%.*s", (int)text_len, text);
      ck_assert_msg(strstr(err.message, expect) != NULL, "\"%s\" not in \"%s\"", expect,
                    err.message);
      ck_assert_msg(strstr(err.message, "may have been applied") == NULL, "%s", err.message);
    }
  }
}
END_TEST

START_TEST(fault_string_keeps_escapes_on_one_line) {
  custapi_http_response r = response(200, FAULT("422", "email &lt;a@b&gt; &amp; name:\nboth bad"));
  custapi_error err;
  ck_assert_int_eq(decode_update_only(&r, &err), CUSTAPI_EREJECTED);
  ck_assert_msg(strstr(err.message, "email <a@b> & name:") != NULL, "%s", err.message);
  ck_assert_ptr_null(strchr(err.message, '\n'));
  /* A fault arriving with an HTTP error status: the status decides first. */
  r = response(500, FAULT("404", "gone"));
  ck_assert_int_eq(decode_update_only(&r, &err), CUSTAPI_ESERVER);
  ck_assert_int_eq(err.http_status, 500);
}
END_TEST

START_TEST(a_malformed_fault_is_a_protocol_error) {
  assert_protocol_error(decode_update_only, 200,
                        "<methodResponse><fault><value><struct><member><name>faultCode</name>"
                        "<value><int>4</int></value></member></struct></value></fault>"
                        "</methodResponse>",
                        "may have been applied");
  assert_protocol_error(decode_update_only, 200,
                        "<methodResponse><fault><value><string>x</string></value></fault>"
                        "</methodResponse>",
                        NULL);
}
END_TEST

START_TEST(http_errors_without_a_fault) {
  static const struct {
    int status;
    const char *body;
    custapi_status rc;
    const char *message;
  } cases[] = {
      {401, "", CUSTAPI_EAUTH, "HTTP 401 Unauthorized"},
      {401, "Invalid credentials\n", CUSTAPI_EAUTH, "HTTP 401 Unauthorized: Invalid credentials"},
      {403, "", CUSTAPI_EAUTH, "HTTP 403 Forbidden"},
      {404, "Not Found", CUSTAPI_ENOTFOUND, "HTTP 404 Not Found: Not Found"},
      {500, "", CUSTAPI_ESERVER, "HTTP 500 Internal Server Error"},
      {502, "", CUSTAPI_ESERVER, "HTTP 502 Bad Gateway"},
      {503, "", CUSTAPI_ESERVER, "HTTP 503 Service Unavailable"},
      {429, "slow down", CUSTAPI_ESERVER, "HTTP 429 Too Many Requests: slow down"},
      {422, "", CUSTAPI_EREJECTED, "HTTP 422 Unprocessable Entity"},
      {400, "", CUSTAPI_EREJECTED, "HTTP 400 Bad Request"},
      {418, "", CUSTAPI_EREJECTED, "HTTP 418"},
      {100, "", CUSTAPI_EPROTOCOL, "unexpected HTTP status 100"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    for (int get = 0; get <= 1; get++) {
      custapi_http_response r = response(cases[i].status, cases[i].body);
      custapi_error err;
      int rc = get ? decode_get_only(&r, &err) : decode_update_only(&r, &err);
      ck_assert_int_eq(rc, cases[i].rc);
      ck_assert_int_eq(err.http_status, cases[i].status);
      ck_assert_int_eq(err.has_fault_code, 0);
      ck_assert_str_eq(err.message, cases[i].message);
    }
  }
}
END_TEST

START_TEST(http_error_bodies_are_shown_only_as_one_clean_line) {
  static const struct {
    int status;
    const char *body;
    const char *message;
  } cases[] = {
      {401, "{\"error\":{\"message\":\"invalid credentials\"}}",
       "HTTP 401 Unauthorized: invalid credentials"},
      {404, "{\"message\":\"no such customer\"}", "HTTP 404 Not Found: no such customer"},
      {500, "{\"error\":\"db\\ndown\"}", "HTTP 500 Internal Server Error: db down"},
      {500, "{\"error\":{\"code\":5}}", "HTTP 500 Internal Server Error"},
      {500, "{not json", "HTTP 500 Internal Server Error"},
      {502, "<?xml version=\"1.0\"?><error/>", "HTTP 502 Bad Gateway"},
      {503, "bad \x01 byte\x7f and \xFF", "HTTP 503 Service Unavailable: bad byte and ?"},
      {400, "caf\xC3\xA9 \xE4\xB8\xAD", "HTTP 400 Bad Request: caf\xC3\xA9 \xE4\xB8\xAD"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    custapi_http_response r = response(cases[i].status, cases[i].body);
    custapi_error err;
    decode_update_only(&r, &err);
    ck_assert_str_eq(err.message, cases[i].message);
    ck_assert_int_eq(err.http_status, cases[i].status);
  }
  /* A long message is cut, never inside a character. */
  char body[600] = "{\"message\":\"";
  size_t o = strlen(body);
  for (int k = 0; k < 150; k++)
    memcpy(body + o, "\xE4\xB8\xAD", 3), o += 3;
  memcpy(body + o, "\"}", 3);
  custapi_http_response r = response(500, body);
  custapi_error err;
  decode_update_only(&r, &err);
  size_t len = strlen(err.message);
  ck_assert_uint_lt(len, 260);
  ck_assert_str_eq(err.message + len - 3, "...");
  ck_assert_int_eq((unsigned char)err.message[len - 4], 0xAD); /* a whole 中 before the cut */
}
END_TEST

START_TEST(an_html_error_page_gives_the_status_line_not_the_page) {
  custapi_http_response r =
      response(500, "<!DOCTYPE html>\n<html><head><title>500 Internal Server Error</title>"
                    "</head><body><h1>Oops</h1><p>Something broke.</p></body></html>\n");
  r.content_type = "text/html";
  custapi_error err;
  ck_assert_int_eq(decode_update_only(&r, &err), CUSTAPI_ESERVER);
  ck_assert_int_eq(err.category, CUSTAPI_CATEGORY_SERVER);
  ck_assert_int_eq(err.http_status, 500);
  ck_assert_str_eq(err.message, "HTTP 500 Internal Server Error");
  /* A long text body is quoted up to the cut, as over REST (one failure path). */
  char long_body[400];
  memset(long_body, 'x', sizeof long_body - 1);
  long_body[sizeof long_body - 1] = '\0';
  r = response(503, long_body);
  ck_assert_int_eq(decode_get_only(&r, &err), CUSTAPI_ESERVER);
  ck_assert_str_eq(err.message + strlen(err.message) - 4, "x...");
  ck_assert_uint_eq(strlen(err.message), strlen("HTTP 503 Service Unavailable: ") + 200 + 3);
}
END_TEST

START_TEST(a_redirect_is_a_protocol_error_naming_the_location) {
  custapi_http_response r = response(302, "");
  r.location = "https://other.example.com/login";
  custapi_error err;
  ck_assert_int_eq(decode_update_only(&r, &err), CUSTAPI_EPROTOCOL);
  ck_assert_int_eq(err.http_status, 302);
  ck_assert_msg(strstr(err.message, "https://other.example.com/login") != NULL, "%s", err.message);
  ck_assert_msg(strstr(err.message, "HTTP 302") != NULL, "%s", err.message);
}
END_TEST

/* ---------------------------------------------------------------------------------------
 * DOCTYPE
 * ------------------------------------------------------------------------------------- */

/* The classic billion laughs: 10^9 "lol"s if an expanding parser ever saw it. */
static const char billion_laughs[] =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE lolz [\n"
    " <!ENTITY lol \"lol\">\n"
    " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
    " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
    " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
    " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
    " <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
    " <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
    " <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
    " <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
    " <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
    "]>\n"
    "<methodResponse><params><param><value><string>&lol9;</string></value></param></params>"
    "</methodResponse>\n";

START_TEST(doctype_is_refused_before_parsing) {
  static const char *const bodies[] = {
      billion_laughs,
      /* Otherwise perfectly valid: refused all the same, so the check precedes the parse. */
      "<?xml version=\"1.0\"?><!DOCTYPE methodResponse><methodResponse><params><param><value>"
      "<int>1</int></value></param></params></methodResponse>",
      "<?xml version=\"1.0\"?><!doctype methodResponse><methodResponse><params><param><value>"
      "<int>1</int></value></param></params></methodResponse>",
      "<?xml version=\"1.0\"?><!DocType methodResponse><methodResponse><params><param><value>"
      "<int>1</int></value></param></params></methodResponse>",
  };
  for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
    assert_protocol_error(decode_update_only, 200, bodies[i], "DOCTYPE");
    assert_protocol_error(decode_update_only, 200, bodies[i], "may have been applied");
    assert_protocol_error(decode_get_only, 200, bodies[i], "DOCTYPE");
  }
  /* The same valid response without its DOCTYPE is accepted: the refusal is the DOCTYPE's. */
  assert_update_value("<?xml version=\"1.0\"?><methodResponse><params><param><value>"
                      "<int>1</int></value></param></params></methodResponse>",
                      1);
}
END_TEST

/* A NUL hides nothing: the screen refuses the NUL itself (XML has none) before any DOCTYPE. */
START_TEST(doctype_after_a_nul_is_still_seen) {
  static const char body[] = "<methodResponse>\0<!DOCTYPE x></methodResponse>";
  custapi_http_response r = response(200, body);
  r.body_len = sizeof body - 1;
  custapi_error err;
  ck_assert_int_eq(decode_update_only(&r, &err), CUSTAPI_EPROTOCOL);
  ck_assert_msg(strstr(err.message, "refused: a NUL byte") != NULL, "%s", err.message);
}
END_TEST

/* ---------------------------------------------------------------------------------------
 * Hostile answers (issue 12): the XML screen before xmlrpc-c
 * ------------------------------------------------------------------------------------- */

/* Each decoder (update, get, probe) turns `body` into a protocol error containing `why`. */
static void assert_every_decoder_refuses(const char *body, size_t len, const char *why) {
  custapi_http_response r = response(200, body);
  r.body_len = len;
  custapi_error err;
  custapi_result *result = NULL;
  ck_assert_int_eq(OPS->decode_update(&result, &r, 0, &err), CUSTAPI_EPROTOCOL);
  ck_assert_msg(strstr(err.message, why) && strstr(err.message, "may have been applied"),
                "update: \"%s\" not in %s", why, err.message);
  custapi_customer *c = NULL;
  ck_assert_int_eq(OPS->decode_get(&c, &r, &err), CUSTAPI_EPROTOCOL);
  ck_assert_msg(strstr(err.message, why), "get: \"%s\" not in %s", why, err.message);
  custapi_probe_info info;
  const custapi_endpoint endpoint = {"https://mail.example.com", NULL};
  ck_assert_int_eq(OPS->decode_probe(&info, &r, &endpoint, &err), CUSTAPI_EPROTOCOL);
  ck_assert_msg(strstr(err.message, why), "probe: \"%s\" not in %s", why, err.message);
  ck_assert_uint_eq(err.category, CUSTAPI_CATEGORY_PROTOCOL);
}

/* These crashed xmlrpc-c (a use-after-free in its <i8> error path): SIGSEGV in every command. */
START_TEST(i8_xmlrpc_c_cannot_convert_is_refused) {
  const char *overflow = RESPONSE("<i8>9223372036854775808</i8>");
  assert_every_decoder_refuses(overflow, strlen(overflow),
                               "XML-RPC response refused: <i8> value out of range");
  const char *abc = RESPONSE("<i8>abc</i8>");
  assert_every_decoder_refuses(abc, strlen(abc), "<i8> value is not a decimal integer");
  const char *in_struct = RESPONSE("<struct><member><name>sms_quota</name><value><ex:i8>-"
                                   "</ex:i8></value></member></struct>");
  assert_every_decoder_refuses(in_struct, strlen(in_struct),
                               "member \"sms_quota\": <ex:i8> value is not a decimal integer");
  const char *fault = "<methodResponse><fault><value><struct><member><name>faultCode</name>"
                      "<value><i8>99999999999999999999</i8></value></member></struct></value>"
                      "</fault></methodResponse>";
  assert_every_decoder_refuses(fault, strlen(fault), "<i8> value out of range");
}
END_TEST

static char hostile[1 << 21];

/* 200 000 unclosed elements overflowed the stack of xmlrpc-c's recursive free. */
START_TEST(unclosed_elements_are_refused) {
  size_t o = (size_t)snprintf(hostile, sizeof hostile, "<?xml version=\"1.0\"?><methodResponse>");
  for (int i = 0; i < 200000; i++)
    memcpy(hostile + o, "<a>", 3), o += 3;
  assert_every_decoder_refuses(hostile, o, "an element XML-RPC does not have");
  o = (size_t)snprintf(hostile, sizeof hostile, "<methodResponse><params><param>");
  while (o + 20 < WORST_CAP)
    memcpy(hostile + o, "<value><array><data>", 20), o += 20;
  assert_every_decoder_refuses(hostile, o, "elements nested too deeply");
}
END_TEST

/* A UTF-16 entity bomb passed the ASCII <!DOCTYPE check: 3.9 KB took 792 MB and 6 s. */
START_TEST(utf16_and_other_encodings_are_refused) {
  static const char bomb[] =
      "<?xml version=\"1.0\" encoding=\"UTF-16\"?><!DOCTYPE m [<!ENTITY a \"aaaaaaaaaa\">"
      "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"
      "]><methodResponse><params><param><value><i4>1</i4></value></param></params>"
      "</methodResponse>";
  size_t n = sizeof bomb - 1, o = 0;
  for (int bom = 1; bom >= 0; bom--) {
    for (int big_endian = 0; big_endian <= 1; big_endian++) {
      o = 0;
      if (bom)
        hostile[o++] = big_endian ? '\xfe' : '\xff', hostile[o++] = big_endian ? '\xff' : '\xfe';
      for (size_t i = 0; i < n; i++) {
        hostile[o++] = big_endian ? '\0' : bomb[i];
        hostile[o++] = big_endian ? bomb[i] : '\0';
      }
      assert_every_decoder_refuses(hostile, o,
                                   bom ? "UTF-16 byte-order mark" : "UTF-16 or UTF-32 text");
    }
  }
  assert_every_decoder_refuses(bomb, n, "an encoding other than UTF-8");
  /* ISO-8859-1 is read (docs/protocol.md); its neighbours are not */
  const char *latin9 = "<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?><methodResponse><params>"
                       "<param><value><string>caf\xe9</string></value></param></params>"
                       "</methodResponse>";
  assert_every_decoder_refuses(latin9, strlen(latin9), "an encoding other than UTF-8");
  const char *utf8_bomb = bomb + strlen("<?xml version=\"1.0\" encoding=\"UTF-16\"?>");
  assert_every_decoder_refuses(utf8_bomb, strlen(utf8_bomb), "a DOCTYPE");
  /* a UTF-8 byte-order mark is fine: skipped before xmlrpc-c, whose expat refuses it */
  assert_update_value("\xef\xbb\xbf" RESPONSE("<i4>5</i4>"), 5);
}
END_TEST

static double cpu_seconds(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

#if defined(__SANITIZE_ADDRESS__)
#define INSTRUMENTED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define INSTRUMENTED 1
#endif
#endif
#ifndef INSTRUMENTED
#define INSTRUMENTED 0
#endif

/*
 * The costliest answers within the 1 MiB cap (worst_xml.h) are parsed or refused, each within
 * a second of CPU for the three decoders together (not asserted under valgrind or ASan, which
 * multiply the time; memory is measured by hand: docs/security.md).
 */
START_TEST(worst_answers_within_the_cap_take_bounded_work) {
  static char mem[WORST_CAP + 4096];
  worst_buf b = {mem, 0, sizeof mem};
  const char *name;
  size_t len = worst_case(&b, _i, &name);
  ck_assert_uint_le(len, WORST_CAP);
  custapi_http_response r = response(200, b.p);
  r.body_len = len;
  double before = cpu_seconds();
  custapi_error err;
  custapi_customer *c = NULL;
  int rc = OPS->decode_get(&c, &r, &err);
  ck_assert_msg(rc == 0 || err.category == CUSTAPI_CATEGORY_PROTOCOL, "%s: %s", name, err.message);
  ck_assert_msg(rc == 0 || !strstr(err.message, "refused"), "%s: %s", name, err.message);
  custapi_customer_free(c);
  custapi_result *result = NULL;
  rc = OPS->decode_update(&result, &r, 0, &err);
  ck_assert_int_eq(rc, CUSTAPI_EPROTOCOL); /* none is one integer */
  ck_assert_msg(!strstr(err.message, "refused") && !strstr(err.message, "malformed"), "%s: %s",
                name, err.message);
  custapi_probe_info info;
  const custapi_endpoint endpoint = {"https://mail.example.com", NULL};
  rc = OPS->decode_probe(&info, &r, &endpoint, &err);
  if (rc == 0)
    custapi__probe_info_clear(&info);
  double spent = cpu_seconds() - before;
  if (!getenv("CUSTAPI_UNDER_VALGRIND") && !INSTRUMENTED)
    ck_assert_msg(spent < 1.0, "%s: %.2f s of CPU", name, spent);
}
END_TEST

/* ---------------------------------------------------------------------------------------
 * Decoding a read
 * ------------------------------------------------------------------------------------- */

#define MEMBER(name, value) "<member><name>" name "</name><value>" value "</value></member>"

static custapi_customer *decode_customer(const char *body) {
  custapi_http_response r = response(200, body);
  custapi_customer *c = NULL;
  custapi_error err;
  int rc = decode_get(&c, &r, &err);
  ck_assert_msg(rc == 0, "decode_get: %s", err.message);
  ck_assert_ptr_nonnull(c);
  return c;
}

static void assert_string_field(const custapi_customer *c, const char *name, const char *expect,
                                size_t len) {
  const custapi_field *f = custapi_customer_get(c, name);
  ck_assert_msg(f != NULL, "field %s missing", name);
  ck_assert_msg(f->type == CUSTAPI_VALUE_STRING, "field %s is not a string", name);
  ck_assert_uint_eq(f->string_len, len);
  ck_assert(memcmp(f->string, expect, len) == 0);
  ck_assert_int_eq(f->string[len], '\0');
}

START_TEST(get_struct_members_become_typed_fields) {
  custapi_customer *c = decode_customer(RESPONSE(
      "<struct>" MEMBER("id", "<int>42</int>") MEMBER("enterprise_id", "<i4>7</i4>")
          MEMBER("big", "<i8>9007199254740993</i8>") MEMBER("name", "<string>Ann</string>")
              MEMBER("email", "a@example.com") /* a bare value is a string */
      MEMBER("address",
             "<string>1 Main &amp; &lt;Co&gt;\nFloor 2 Caf\xC3\xA9 \xE4\xB8\xAD</string>")
          MEMBER("is_department", "<boolean>1</boolean>") MEMBER("active", "<boolean>0</boolean>")
              MEMBER("fax", "<nil/>") MEMBER("score", "<double>1.5</double>")
                  MEMBER("ratio", "<double>0.1</double>") MEMBER("hash", "<string></string>")
                      MEMBER("sms_quota", "<int>-1</int>") "</struct>"));
  ck_assert_uint_eq(custapi_customer_count(c), 13);
  const custapi_field *f = custapi_customer_get(c, "id");
  ck_assert_int_eq(f->type, CUSTAPI_VALUE_INTEGER);
  ck_assert_int_eq(f->integer, 42);
  ck_assert_int_eq(custapi_customer_get(c, "enterprise_id")->integer, 7);
  f = custapi_customer_get(c, "big");
  ck_assert_int_eq(f->type, CUSTAPI_VALUE_INTEGER);
  ck_assert(f->integer == 9007199254740993LL);
  ck_assert_int_eq(custapi_customer_get(c, "sms_quota")->integer, -1);
  assert_string_field(c, "name", "Ann", 3);
  assert_string_field(c, "email", "a@example.com", 13);
  static const char address[] = "1 Main & <Co>\nFloor 2 Caf\xC3\xA9 \xE4\xB8\xAD";
  assert_string_field(c, "address", address, sizeof address - 1);
  assert_string_field(c, "hash", "", 0);
  f = custapi_customer_get(c, "is_department");
  ck_assert_int_eq(f->type, CUSTAPI_VALUE_BOOLEAN);
  ck_assert_int_eq(f->integer, 1);
  f = custapi_customer_get(c, "active");
  ck_assert_int_eq(f->type, CUSTAPI_VALUE_BOOLEAN);
  ck_assert_int_eq(f->integer, 0);
  ck_assert_int_eq(custapi_customer_get(c, "fax")->type, CUSTAPI_VALUE_NULL);
  assert_string_field(c, "score", "1.5", 3);
  assert_string_field(c, "ratio", "0.1", 3);
  custapi_customer_free(c);
}
END_TEST

START_TEST(get_nested_values_become_text) {
  custapi_customer *c = decode_customer(RESPONSE(
      "<struct>" MEMBER("created", "<dateTime.iso8601>20240131T09:05:00</dateTime.iso8601>")
          MEMBER("blob", "<base64>aGVsbG8=</base64>") MEMBER("empty_blob", "<base64></base64>")
              MEMBER("lists", "<array><data><value><int>1</int></value><value>a/\"b\"</value>"
                              "<value><nil/></value><value><double>2.5</double></value>"
                              "</data></array>")
                  MEMBER("meta", "<struct>" MEMBER("k", "<boolean>1</boolean>")
                                     MEMBER("n", "<struct></struct>") "</struct>") "</struct>"));
  assert_string_field(c, "created", "20240131T09:05:00", 17);
  assert_string_field(c, "blob", "aGVsbG8=", 8);
  assert_string_field(c, "empty_blob", "", 0);
  assert_string_field(c, "lists", "[1,\"a/\\\"b\\\"\",null,2.5]", 22);
  assert_string_field(c, "meta", "{\"k\":true,\"n\":{}}", 17);
  custapi_customer_free(c);
}
END_TEST

/* A schema property's value must have the property's type: XML-RPC's integer is the <int>. */
START_TEST(get_members_of_the_wrong_type_name_the_property) {
  static const struct {
    const char *member, *name, *words;
  } bad[] = {
      {MEMBER("sms_quota", "<i8>5</i8>"), "sms_quota", "a 32-bit integer"},
      {MEMBER("sms_quota", "<i8>99999999999</i8>"), "sms_quota", "a 32-bit integer"},
      {MEMBER("sms_quota", "<double>1.0</double>"), "sms_quota", "a 32-bit integer"},
      {MEMBER("sms_quota", "<double>5000</double>"), "sms_quota", "a 32-bit integer"},
      {MEMBER("email_quota", "<string>5</string>"), "email_quota", "a 32-bit integer"},
      {MEMBER("email_quota", "5"), "email_quota", "a 32-bit integer"}, /* a bare value: a string */
      {MEMBER("transactions_quota", "<boolean>1</boolean>"), "transactions_quota",
       "a 32-bit integer"},
      {MEMBER("email_package_id", "<nil/>"), "email_package_id", "a 32-bit integer"},
      {MEMBER("email_package_id", "<struct></struct>"), "email_package_id", "a 32-bit integer"},
      {MEMBER("name", "<int>5</int>"), "name", "a string"},
      {MEMBER("postal_code", "<i4>8001</i4>"), "postal_code", "a string"},
      {MEMBER("address", "<nil/>"), "address", "a string"},
      {MEMBER("country", "<base64>WkE=</base64>"), "country", "a string"},
      {MEMBER("website_url", "<array><data></data></array>"), "website_url", "a string"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char body[512];
    snprintf(body, sizeof body, RESPONSE("<struct>" MEMBER("id", "<int>1</int>") "%s</struct>"),
             bad[i].member);
    custapi_http_response r = response(200, body);
    custapi_error err;
    ck_assert_int_eq(decode_get_only(&r, &err), CUSTAPI_EPROTOCOL);
    char expect[128];
    snprintf(expect, sizeof expect, "response: \"%s\" is not %s", bad[i].name, bad[i].words);
    ck_assert_str_eq(err.message, expect);
    ck_assert_str_eq(err.property, bad[i].name);
    ck_assert_int_eq(err.http_status, 200);
  }
  /* the edges that fit, and other names of any type */
  custapi_customer *c = decode_customer(
      RESPONSE("<struct>" MEMBER("sms_quota", "<int>2147483647</int>")
                   MEMBER("email_quota", "<i4>-2147483648</i4>") MEMBER("id", "<i8>4294967296</i8>")
                       MEMBER("fax", "<nil/>") MEMBER("name", "Ann") "</struct>"));
  ck_assert_int_eq(custapi_customer_get(c, "sms_quota")->integer, 2147483647);
  ck_assert(custapi_customer_get(c, "email_quota")->integer == -2147483647LL - 1);
  ck_assert(custapi_customer_get(c, "id")->integer == 4294967296LL);
  custapi_customer_free(c);
}
END_TEST

/* A <struct> of n members <member><name>kN</name><value><i4>0</i4></value></member>. */
static char *struct_of(int n) {
  char *body = malloc((size_t)n * 64 + 256);
  size_t o = (size_t)sprintf(body, "<methodResponse><params><param><value><struct>");
  for (int i = 0; i < n; i++)
    o += (size_t)sprintf(body + o, MEMBER("k%d", "<i4>0</i4>"), i);
  sprintf(body + o, "</struct></value></param></params></methodResponse>");
  return body;
}

START_TEST(get_struct_members_are_capped) {
  char *body = struct_of(CUSTAPI_CUSTOMER_MAX_MEMBERS);
  custapi_customer *c = decode_customer(body);
  ck_assert_uint_eq(custapi_customer_count(c), CUSTAPI_CUSTOMER_MAX_MEMBERS);
  custapi_customer_free(c);
  free(body);
  body = struct_of(CUSTAPI_CUSTOMER_MAX_MEMBERS + 1);
  assert_protocol_error(decode_get_only, 200, body, NULL);
  custapi_http_response r = response(200, body);
  custapi_error err;
  decode_get_only(&r, &err);
  ck_assert_str_eq(err.message, "response: customer has more than 1000 members");
  free(body);
}
END_TEST

START_TEST(get_of_an_empty_struct_is_an_empty_customer) {
  custapi_customer *c = decode_customer(RESPONSE("<struct></struct>"));
  ck_assert_uint_eq(custapi_customer_count(c), 0);
  custapi_customer_free(c);
}
END_TEST

START_TEST(get_of_another_shape_is_a_protocol_error) {
  static const char *const bodies[] = {
      RESPONSE("<array><data><value><struct></struct></value></data></array>"),
      RESPONSE("<int>42</int>"),
      RESPONSE("<string>Ann</string>"),
      RESPONSE("<nil/>"),
      RESPONSE("<struct>" MEMBER("score", "<double>nan</double>") "</struct>"),
      RESPONSE("<struct>" MEMBER("", "<int>1</int>") "</struct>"),
      RESPONSE("<struct><member><name>a</name><value><int>1</int></value></member>"),
      "",
      "not xml at all",
  };
  for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
    assert_protocol_error(decode_get_only, 200, bodies[i], NULL);
    custapi_http_response r = response(200, bodies[i]);
    custapi_error err;
    decode_get_only(&r, &err);
    /* A read changes nothing: no "may have been applied" there. */
    ck_assert_msg(strstr(err.message, "may have been applied") == NULL, "%s", err.message);
  }
  assert_protocol_error(decode_get_only, 200, bodies[0], "<array>");
  assert_protocol_error(decode_get_only, 200, bodies[4], "score");
  assert_protocol_error(decode_get_only, 200, bodies[5], "empty");
}
END_TEST

START_TEST(responses_above_xmlrpc_c_default_limit_parse) {
  /* xmlrpc-c refuses more than 512 KiB by default; the codec raises that limit. */
  static const char head[] = "<methodResponse><params><param><value><struct>"
                             "<member><name>address</name><value><string>";
  static const char tail[] = "</string></value></member></struct></value></param></params>"
                             "</methodResponse>";
  size_t n = 700 * 1024;
  char *body = malloc(sizeof head - 1 + n + sizeof tail);
  ck_assert_ptr_nonnull(body);
  memcpy(body, head, sizeof head - 1);
  memset(body + sizeof head - 1, 'x', n);
  memcpy(body + sizeof head - 1 + n, tail, sizeof tail);
  custapi_customer *c = decode_customer(body);
  const custapi_field *f = custapi_customer_get(c, "address");
  ck_assert_uint_eq(f->string_len, n);
  custapi_customer_free(c);
  free(body);
  ck_assert_uint_ge(xmlrpc_limit_get(XMLRPC_XML_SIZE_LIMIT_ID), 64u * 1024 * 1024);
}
END_TEST

START_TEST(global_init_is_idempotent) {
  custapi__xmlrpc_global_init();
  custapi__xmlrpc_global_init();
  ck_assert_uint_eq(xmlrpc_limit_get(XMLRPC_XML_SIZE_LIMIT_ID), CUSTAPI_XMLRPC_PARSE_LIMIT);
}
END_TEST

/* ---------------------------------------------------------------------------------------
 * Out of memory: every allocation of the codec fails in turn
 * ------------------------------------------------------------------------------------- */

#define BODY_OF(v)                                                                                 \
  "<methodResponse><params><param><value>" v "</value></param></params></methodResponse>"

/* Answers as the legacy stacks write them (docs/protocol.md, "Encodings"). */
START_TEST(get_answers_in_each_encoding) {
  /* PHP's xmlrpc extension (xmlrpc_encode_request(NULL, ...), as printed by php8.2-xmlrpc) */
  custapi_customer *c = decode_customer(
      "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\n<methodResponse>\n<params>\n <param>\n"
      "  <value>\n   <struct>\n    <member>\n     <name>address</name>\n     <value>\n"
      "      <string>Stra&#195;&#159;e 1 &#226;&#128;&#148; Z&#195;&#188;rich</string>\n"
      "     </value>\n    </member>\n    <member>\n     <name>name</name>\n     <value>\n"
      "      <string>a&#60;b&#38;c</string>\n     </value>\n    </member>\n    <member>\n"
      "     <name>city</name>\n     <value>\n      <string>Z\xfcrich</string>\n     </value>\n"
      "    </member>\n    <member>\n     <name>n</name>\n     <value>\n      <int>3</int>\n"
      "     </value>\n    </member>\n   </struct>\n  </value>\n </param>\n</params>\n"
      "</methodResponse>\n");
  static const char address[] = "Stra\xc3\x9f"
                                "e 1 \xe2\x80\x94 Z\xc3\xbcrich";
  assert_string_field(c, "address", address, sizeof address - 1);
  assert_string_field(c, "name", "a<b&c", 5);
  assert_string_field(c, "city", "Z\xc3\xbcrich", 7); /* Latin-1 text */
  ck_assert_int_eq(custapi_customer_get(c, "n")->integer, 3);
  custapi_customer_free(c);
  /* Perl's RPC::XML: us-ascii declared, UTF-8 written */
  c = decode_customer(
      "<?xml version=\"1.0\" encoding=\"us-ascii\"?><methodResponse><params>"
      "<param><value><struct>" MEMBER("address", "<string>Stra\xc3\x9f"
                                                 "e 1 \xe2\x80\x94 Z\xc3\xbcrich"
                                                 "</string>") "</struct></value>"
                                                              "</param></params></methodResponse>");
  assert_string_field(c, "address", address, sizeof address - 1);
  custapi_customer_free(c);
  /* an update's answer from PHP: the brief decoder leaves it to the full one */
  const char *php_int = "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\n<methodResponse>\n"
                        "<params>\n <param>\n  <value>\n   <int>42</int>\n  </value>\n </param>\n"
                        "</params>\n</methodResponse>\n";
  assert_update_value(php_int, 42);
}
END_TEST

START_TEST(out_of_memory_on_every_allocation) {
  custapi_customer *c;
  custapi_error err;
  ck_assert_int_eq(custapi_customer_new(&c, CUSTAPI_CUSTOMER_ALLOW_UNKNOWN), 0);
  ck_assert_int_eq(custapi_customer_set(c, "name", "Ann", &err), 0);
  ck_assert_int_eq(custapi_customer_set(c, "sms_quota", "5", &err), 0);
  ck_assert_int_eq(custapi_customer_set(c, "extra", "x", &err), 0);
  custapi_endpoint e = endpoint("crm.");
  const char *update_body = RESPONSE("<int>1</int>");
  const char *get_body =
      RESPONSE("<struct>" MEMBER("id", "<int>1</int>") MEMBER("name", "Ann") MEMBER(
          "ok", "<boolean>1</boolean>") MEMBER("fax", "<nil/>") MEMBER("d", "<double>2.5</double>")
                   MEMBER("when", "<dateTime.iso8601>20240131T09:05:00</dateTime.iso8601>")
                       MEMBER("b", "<base64>aGk=</base64>")
                           MEMBER("a", "<array><data><value>x</value></data></array>")
                               MEMBER("s", "<struct>" MEMBER("k", "v") "</struct>") "</struct>");
  /* an ISO-8859-1 answer: transcoded into a copy first */
  const char *latin1_body = "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>" BODY_OF(
      "<struct>" MEMBER("name", "Stra&#195;&#159;e \xdf") "</struct>");
  for (int step = 0; step < 5; step++) {
    for (long n = 0;; n++) {
      custapi_http_request req = {0};
      custapi_result *result = NULL;
      custapi_customer *got = NULL;
      custapi_http_response r = response(200, step == 2   ? update_body
                                              : step == 4 ? latin1_body
                                                          : get_body);
      custapi__alloc_fail_after(n);
      int rc;
      switch (step) {
      case 0:
        rc = OPS->encode_update(&req, &e, 1, c, &err);
        break;
      case 1:
        rc = OPS->encode_get(&req, &e, 1, &err);
        break;
      case 2:
        rc = decode_update(&result, &r, &err);
        break;
      default:
        rc = decode_get(&got, &r, &err);
        break;
      }
      long made = custapi__alloc_fail_after(-1);
      custapi__http_request_clear(&req);
      custapi_result_free(result);
      custapi_customer_free(got);
      if (rc == 0) {
        ck_assert_int_lt(made, n + 1);
        break;
      }
      ck_assert_msg(rc == CUSTAPI_EINTERNAL, "step %d, n %ld: %d %s", step, n, rc, err.message);
      ck_assert_int_eq(err.category, CUSTAPI_CATEGORY_INTERNAL);
      ck_assert_int_lt(n, 1000);
    }
  }
  custapi_customer_free(c);
}
END_TEST

static Suite *xmlrpc_suite(void) {
  Suite *s = suite_create("xmlrpc");
  TCase *t = tcase_create("encode");
  tcase_add_test(t, update_is_a_post_of_update_customer_with_id_and_typed_struct);
  tcase_add_test(t, extreme_integers_and_an_empty_update);
  tcase_add_test(t, special_characters_round_trip);
  tcase_add_test(t, update_body_is_what_xmlrpc_c_writes);
  tcase_add_test(t, prefix_default_empty_and_custom);
  tcase_add_test(t, bad_prefixes_are_refused_before_anything_is_built);
  tcase_add_test(t, get_is_get_customer_with_one_int);
  tcase_add_test(t, values_xmlrpc_cannot_carry_are_refused);
  suite_add_tcase(s, t);

  t = tcase_create("decode_update");
  tcase_add_test(t, update_result_int_i4_and_i8_in_range);
  tcase_add_test(t, brief_decoder_agrees_with_the_full_one);
  tcase_add_test(t, brief_decoder_agrees_under_mutation);
  tcase_add_test(t, update_result_of_another_shape_may_have_been_applied);
  tcase_add_test(t, a_body_with_a_nul_is_malformed);
  suite_add_tcase(s, t);

  t = tcase_create("errors");
  tcase_add_test(t, faults_map_by_code);
  tcase_add_test(t, fault_string_keeps_escapes_on_one_line);
  tcase_add_test(t, a_malformed_fault_is_a_protocol_error);
  tcase_add_test(t, http_errors_without_a_fault);
  tcase_add_test(t, http_error_bodies_are_shown_only_as_one_clean_line);
  tcase_add_test(t, an_html_error_page_gives_the_status_line_not_the_page);
  tcase_add_test(t, a_redirect_is_a_protocol_error_naming_the_location);
  tcase_add_test(t, doctype_is_refused_before_parsing);
  tcase_add_test(t, doctype_after_a_nul_is_still_seen);
  suite_add_tcase(s, t);

  t = tcase_create("decode_get");
  tcase_add_test(t, get_struct_members_become_typed_fields);
  tcase_add_test(t, get_answers_in_each_encoding);
  tcase_add_test(t, get_nested_values_become_text);
  tcase_add_test(t, get_of_an_empty_struct_is_an_empty_customer);
  tcase_add_test(t, get_members_of_the_wrong_type_name_the_property);
  tcase_add_test(t, get_struct_members_are_capped);
  tcase_add_test(t, get_of_another_shape_is_a_protocol_error);
  tcase_add_test(t, responses_above_xmlrpc_c_default_limit_parse);
  tcase_add_test(t, global_init_is_idempotent);
  suite_add_tcase(s, t);

  t = tcase_create("hostile");
  tcase_add_test(t, i8_xmlrpc_c_cannot_convert_is_refused);
  tcase_add_test(t, unclosed_elements_are_refused);
  tcase_add_test(t, utf16_and_other_encodings_are_refused);
  tcase_add_loop_test(t, worst_answers_within_the_cap_take_bounded_work, 0, WORST_CASES);
  tcase_set_timeout(t, 120);
  suite_add_tcase(s, t);

  t = tcase_create("memory");
  tcase_add_test(t, out_of_memory_on_every_allocation);
  tcase_set_timeout(t, 60);
  suite_add_tcase(s, t);
  return s;
}

int main(void) {
  SRunner *r = srunner_create(xmlrpc_suite());
  srunner_run_all(r, CK_NORMAL);
  int failed = srunner_ntests_failed(r);
  srunner_free(r);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
