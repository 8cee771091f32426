/*
 * The XML-RPC codec (docs/protocol.md): pure functions over buffers, with xmlrpc-c's core doing
 * the XML. Requests: POST {base}/api/2.0/xmlrpc/, PREFIX + "UpdateCustomer"(int id, struct) or
 * PREFIX + "GetCustomer"(int id). Responses: HTTP status first, then the XML screen
 * (xml_check.h: what xmlrpc-c would mishandle is refused before it parses), then the
 * methodResponse: a fault mapped by its code (docs/errors.md), or one value of the expected
 * shape.
 *
 * Decisions (tested in tests/unit/test_xmlrpc.c):
 *  - The update's result is one integer: <int>/<i4>, or <i8> when its value fits in 32 bits
 *    (XML-RPC's integer is 32-bit; a 64-bit encoding of a 32-bit number is the same number).
 *    An <i8> outside that range, or any other type, is a protocol error.
 *  - A read's struct members become fields: int/i4/i8 integers, strings (exact length),
 *    booleans, <nil/> nulls; a double becomes its shortest round-trip decimal text; a
 *    dateTime its ISO 8601 text; base64 its base64 text; a nested array or struct its compact
 *    JSON text. A field the server adds should not make the whole read fail. A NaN or
 *    infinite double, an empty member name or one holding a NUL is a protocol error.
 *  - A method-name prefix may hold only what XML-RPC allows in a method name: letters, digits,
 *    '_', '.', ':' and '/', at most CUSTAPI_XMLRPC_PREFIX_MAX bytes; else CUSTAPI_EINVALID.
 */
#include "xmlrpc.h"

#include <json-c/json.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xmlrpc-c/base.h>

#include "alloc.h"
#include "codec.h"
#include "customer.h"
#include "decimal.h"
#include "error.h"
#include "json_util.h"
#include "result.h"
#include "text.h"
#include "xml_encoding.h"
#include "xmlrpc_internal.h"

#define UPDATE_METHOD "UpdateCustomer"
#define GET_METHOD "GetCustomer"
#define MAY_HAVE_BEEN_APPLIED "; the update may have been applied"

/* ---------------------------------------------------------------------------------------
 * Process set-up
 * ------------------------------------------------------------------------------------- */

static pthread_once_t limit_once = PTHREAD_ONCE_INIT;

static void raise_parse_limit(void) {
  xmlrpc_limit_set(XMLRPC_XML_SIZE_LIMIT_ID, CUSTAPI_XMLRPC_PARSE_LIMIT);
}

void custapi__xmlrpc_global_init(void) { pthread_once(&limit_once, raise_parse_limit); }

/* ---------------------------------------------------------------------------------------
 * Encoding
 * ------------------------------------------------------------------------------------- */

const char *custapi__xmlrpc_prefix(const custapi_endpoint *endpoint) {
  return endpoint->xmlrpc_prefix ? endpoint->xmlrpc_prefix : CUSTAPI_XMLRPC_DEFAULT_PREFIX;
}

static int is_method_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == ':' || c == '/';
}

/* PREFIX + method in a new buffer, after checking the prefix. */
static int method_name(char **out, const custapi_endpoint *endpoint, const char *method,
                       custapi_error *err) {
  const char *prefix = custapi__xmlrpc_prefix(endpoint);
  size_t plen = strlen(prefix);
  char shown[64];
  if (plen > CUSTAPI_XMLRPC_PREFIX_MAX)
    return custapi__error_set(
        err, CUSTAPI_CATEGORY_INVALID, NULL, "XML-RPC prefix %s is longer than %d bytes",
        custapi__quote(shown, sizeof shown, prefix, plen, 32), CUSTAPI_XMLRPC_PREFIX_MAX);
  for (size_t i = 0; i < plen; i++) {
    if (!is_method_name_char(prefix[i]))
      return custapi__error_set(
          err, CUSTAPI_CATEGORY_INVALID, NULL,
          "XML-RPC prefix %s: byte %zu is not allowed in a method name (letters, digits, "
          "'_', '.', ':' and '/' only)",
          custapi__quote(shown, sizeof shown, prefix, plen, 40), i + 1);
  }
  size_t mlen = strlen(method);
  char *name = custapi__malloc(plen + mlen + 1);
  if (!name)
    return custapi__error_oom(err);
  memcpy(name, prefix, plen);
  memcpy(name + plen, method, mlen + 1);
  *out = name;
  return 0;
}

/* {base}/api/2.0/xmlrpc/ in a new buffer (the client trimmed the base: custapi_endpoint). */
static int endpoint_url(char **out, const custapi_endpoint *endpoint, custapi_error *err) {
  if (!endpoint->base_url || !endpoint->base_url[0])
    return custapi__error_set(err, CUSTAPI_CATEGORY_INTERNAL, NULL, "no base URL");
  size_t blen = strlen(endpoint->base_url);
  size_t plen = sizeof CUSTAPI_XMLRPC_PATH - 1;
  char *url = custapi__malloc(blen + plen + 1);
  if (!url)
    return custapi__error_oom(err);
  memcpy(url, endpoint->base_url, blen);
  memcpy(url + blen, CUSTAPI_XMLRPC_PATH, plen + 1);
  *out = url;
  return 0;
}


/* Appends `item` to `array` and drops our reference to it, whatever happens. */
static void append_item(xmlrpc_env *env, xmlrpc_value *array, xmlrpc_value *item) {
  xmlrpc_array_append_item(env, array, item);
  xmlrpc_DECREF(item);
}

/*
 * The whole request: URL, content type and the methodCall of PREFIX + method with params
 * (id) or (id, properties) when properties is not NULL.
 */
/* The POST request of a methodCall of `name` with `params` (an array), in our own buffers. */
static int serialize_call(custapi_http_request *out, const custapi_endpoint *endpoint,
                          const char *name, xmlrpc_value *params, custapi_error *err) {
  custapi_http_request req = {0};
  xmlrpc_mem_block *xml = NULL;
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  int rc;
  if ((rc = endpoint_url(&req.url, endpoint, err)) < 0)
    goto done;
  xml = xmlrpc_mem_block_new(&env, 0);
  if (env.fault_occurred) {
    xml = NULL;
    goto xmlrpc_failed;
  }
  xmlrpc_serialize_call2(&env, xml, name, params, xmlrpc_dialect_i8);
  if (env.fault_occurred)
    goto xmlrpc_failed;

  /* Copy xmlrpc-c's buffer into one of ours (NUL-terminated for tracing). */
  size_t len = xmlrpc_mem_block_size(xml);
  req.body = custapi__malloc(len + 1);
  if (!req.body) {
    rc = custapi__error_oom(err);
    goto done;
  }
  memcpy(req.body, xmlrpc_mem_block_contents(xml), len);
  req.body[len] = '\0';
  req.body_len = len;
  req.method = "POST";
  req.content_type = "text/xml";
  *out = req;
  req = (custapi_http_request){0};
  rc = 0;
  goto done;

xmlrpc_failed:
  rc = custapi__error_set(err, CUSTAPI_CATEGORY_INTERNAL, NULL, "XML-RPC call %s: %s", name,
                          env.fault_string ? env.fault_string : "failed");
done:
  xmlrpc_env_clean(&env);
  if (xml)
    xmlrpc_mem_block_free(xml);
  custapi__http_request_clear(&req);
  return rc;
}

static int encode_call(custapi_http_request *out, const custapi_endpoint *endpoint,
                       const char *method, int32_t id, const custapi_customer *properties,
                       custapi_error *err) {
  char *name = NULL;
  xmlrpc_value *params = NULL;
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  int rc;

  if ((rc = method_name(&name, endpoint, method, err)) < 0)
    goto done;

  params = xmlrpc_array_new(&env);
  if (env.fault_occurred) {
    params = NULL;
    goto xmlrpc_failed;
  }
  xmlrpc_value *idv = xmlrpc_int_new(&env, id);
  if (env.fault_occurred)
    goto xmlrpc_failed;
  append_item(&env, params, idv);
  if (env.fault_occurred)
    goto xmlrpc_failed;
  if (properties) {
    xmlrpc_value *s = NULL;
    if ((rc = custapi__xmlrpc_struct_of(&s, properties, err)) < 0)
      goto done;
    append_item(&env, params, s);
    if (env.fault_occurred)
      goto xmlrpc_failed;
  }
  rc = serialize_call(out, endpoint, name, params, err);
  goto done;

xmlrpc_failed:
  rc = custapi__error_set(err, CUSTAPI_CATEGORY_INTERNAL, NULL, "XML-RPC call %s: %s", method,
                          env.fault_string ? env.fault_string : "failed");
done:
  xmlrpc_env_clean(&env);
  if (params)
    xmlrpc_DECREF(params);
  custapi__free(name);
  return rc;
}

/* ---- the update bulk sends thousands of times ---- */

/*
 * Properties xmlrpc-c would write without changing them: 32-bit integers, booleans, and
 * strings of printable ASCII, tab and line feed (xmlrpc-c turns CR into LF, checks UTF-8 and
 * refuses what it can't carry: such text goes through it as before).
 */
static int plain_properties(const custapi_customer *properties) {
  size_t n = custapi_customer_count(properties);
  if (n == 0)
    return 0;
  for (size_t i = 0; i < n; i++) {
    const custapi_field *f = custapi_customer_at(properties, i);
    for (const char *c = f->name; *c; c++)
      if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7F)
        return 0;
    if (f->type == CUSTAPI_VALUE_INTEGER) {
      if (f->integer < INT32_MIN || f->integer > INT32_MAX)
        return 0;
    } else if (f->type == CUSTAPI_VALUE_STRING) {
      for (size_t k = 0; k < f->string_len; k++) {
        unsigned char c = (unsigned char)f->string[k];
        if ((c < 0x20 && c != '\t' && c != '\n') || c >= 0x7F)
          return 0;
      }
    } else if (f->type != CUSTAPI_VALUE_BOOLEAN) {
      return 0;
    }
  }
  return 1;
}

/* A body written twice (xml_text): first counting, then into a buffer of that size. */
static void put(xml_text *t, const char *s, size_t n) { custapi__xml_put(t, s, n); }

static void put_str(xml_text *t, const char *s) { put(t, s, strlen(s)); }

#define PUT_LITERAL(t, literal) put((t), (literal), sizeof(literal) - 1)

/* Text with &, < and > escaped, as xmlrpc-c escapes it. */
static void put_escaped(xml_text *t, const char *s, size_t n) {
  size_t from = 0;
  for (size_t i = 0; i < n; i++) {
    const char *e = s[i] == '&' ? "&amp;" : s[i] == '<' ? "&lt;" : s[i] == '>' ? "&gt;" : NULL;
    if (e) {
      put(t, s + from, i - from);
      put_str(t, e);
      from = i + 1;
    }
  }
  put(t, s + from, n - from);
}

static void put_int(xml_text *t, int64_t v) {
  char digits[DECIMAL_MAX];
  put(t, digits, decimal_text(digits, v));
}

/* The methodCall, byte for byte what xmlrpc_serialize_call2 writes for these params. */
static void write_update_call(xml_text *t, const char *name, int32_t id,
                              const custapi_customer *properties) {
  PUT_LITERAL(t, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<methodCall>\r\n<methodName>");
  put_escaped(t, name, strlen(name));
  PUT_LITERAL(t, "</methodName>\r\n<params>\r\n<param><value><i4>");
  put_int(t, id);
  PUT_LITERAL(t, "</i4></value></param>\r\n<param><value><struct>\r\n");
  size_t n = custapi_customer_count(properties);
  for (size_t i = 0; i < n; i++) {
    const custapi_field *f = custapi_customer_at(properties, i);
    PUT_LITERAL(t, "<member><name>");
    put_escaped(t, f->name, strlen(f->name));
    PUT_LITERAL(t, "</name>\r\n<value>");
    if (f->type == CUSTAPI_VALUE_INTEGER) {
      PUT_LITERAL(t, "<i4>");
      put_int(t, f->integer);
      PUT_LITERAL(t, "</i4>");
    } else if (f->type == CUSTAPI_VALUE_BOOLEAN) {
      if (f->integer)
        PUT_LITERAL(t, "<boolean>1</boolean>");
      else
        PUT_LITERAL(t, "<boolean>0</boolean>");
    } else {
      PUT_LITERAL(t, "<string>");
      put_escaped(t, f->string, f->string_len);
      PUT_LITERAL(t, "</string>");
    }
    PUT_LITERAL(t, "</value></member>\r\n");
  }
  PUT_LITERAL(t, "</struct></value></param>\r\n</params>\r\n</methodCall>\r\n");
}

/* encode_call's request for plain properties, without building xmlrpc-c values (a value per
 * property, a struct, an array and a serialiser: 7% of an XML-RPC bulk run's instructions). */
static int encode_plain_update(custapi_http_request *out, const custapi_endpoint *endpoint,
                               int32_t id, const custapi_customer *properties, custapi_error *err) {
  custapi_http_request req = {0};
  char *name = NULL;
  int rc;
  if ((rc = method_name(&name, endpoint, UPDATE_METHOD, err)) < 0 ||
      (rc = endpoint_url(&req.url, endpoint, err)) < 0)
    goto done;
  xml_text t = {0};
  write_update_call(&t, name, id, properties);
  if (!(t.buf = custapi__malloc(t.len + 1))) {
    rc = custapi__error_oom(err);
    goto done;
  }
  req.body_len = t.len;
  t.len = 0;
  write_update_call(&t, name, id, properties);
  t.buf[t.len] = '\0';
  req.body = t.buf;
  req.method = "POST";
  req.content_type = "text/xml";
  *out = req;
  req = (custapi_http_request){0};
done:
  custapi__free(name);
  custapi__http_request_clear(&req);
  return rc;
}

static int encode_update(custapi_http_request *out, const custapi_endpoint *endpoint, int32_t id,
                         const custapi_customer *properties, custapi_error *err) {
  if (plain_properties(properties))
    return encode_plain_update(out, endpoint, id, properties, err);
  return encode_call(out, endpoint, UPDATE_METHOD, id, properties, err);
}

static int encode_get(custapi_http_request *out, const custapi_endpoint *endpoint, int32_t id,
                      custapi_error *err) {
  return encode_call(out, endpoint, GET_METHOD, id, NULL, err);
}

/* ---------------------------------------------------------------------------------------
 * Decoding: HTTP status, the XML screen, fault, then the value
 * ------------------------------------------------------------------------------------- */

/* What a decode is for: the wording of its protocol errors. */
typedef struct decode_ctx {
  int is_update; /* protocol errors after a 2xx say the update may have been applied */
  int http_status;
} decode_ctx;

static int protocol_error(custapi_error *err, const decode_ctx *ctx, const char *fmt, ...)
    CUSTAPI_PRINTF(3, 4);

static int protocol_error(custapi_error *err, const decode_ctx *ctx, const char *fmt, ...) {
  char text[CUSTAPI_ERROR_MESSAGE_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  int rc = custapi__error_set(err, CUSTAPI_CATEGORY_PROTOCOL, NULL, "%s%s", text,
                              ctx->is_update ? MAY_HAVE_BEEN_APPLIED : "");
  if (err)
    err->http_status = ctx->http_status;
  return rc;
}

static custapi_category fault_category(int code) {
  if (code == 401 || code == 403)
    return CUSTAPI_CATEGORY_AUTH;
  if (code == 404)
    return CUSTAPI_CATEGORY_NOT_FOUND;
  if (code == -32700 || code == -32600 || code == -32601)
    return CUSTAPI_CATEGORY_PROTOCOL;
  if (code == -32603 || (code >= 500 && code <= 599))
    return CUSTAPI_CATEGORY_SERVER;
  return CUSTAPI_CATEGORY_REJECTED;
}

/*
 * Everything up to the methodResponse's value of a 2xx answer (the client layer turned any
 * other into its error already): an empty body, one the screen refuses or xmlrpc-c cannot
 * parse, a fault. On success *value holds a new reference.
 */
static int parse_response(xmlrpc_value **value, const custapi_http_response *r,
                          const decode_ctx *ctx, custapi_error *err) {
  custapi__xmlrpc_global_init();
  const char *body = r->body ? r->body : "";
  size_t len = r->body ? r->body_len : 0;
  size_t start = 0;
  while (start < len &&
         (body[start] == ' ' || body[start] == '\t' || body[start] == '\r' || body[start] == '\n'))
    start++;
  if (start == len)
    return protocol_error(err, ctx, "empty XML-RPC response (HTTP %d)", r->status);
  if (len > CUSTAPI_XMLRPC_PARSE_LIMIT)
    return protocol_error(err, ctx, "XML-RPC response too large (%zu bytes)", len);
  /*
   * xmlrpc-c expands entities (in any encoding), crashes on some <i8> values and recurses on
   * deep documents: nothing reaches it that the screen refuses (xml_check.h), and it reads
   * every accepted encoding as UTF-8 (xml_encoding.h).
   */
  custapi_xml_reading reading;
  int verdict = custapi__xml_read(&reading, body, len, CUSTAPI_XML_RESPONSE);
  if (verdict == CUSTAPI_XML_READ_NOMEM)
    return custapi__error_oom(err);
  if (verdict < 0) {
    const custapi_xml_check *check = &reading.check;
    char shown[80];
    if (check->member)
      return protocol_error(
          err, ctx, "XML-RPC response refused: member %s: %s (byte %zu)",
          custapi__quote(shown, sizeof shown, check->member, check->member_len, 60), check->message,
          check->offset + 1);
    return protocol_error(err, ctx, "XML-RPC response refused: %s (byte %zu)", check->message,
                          check->offset + 1);
  }

  xmlrpc_env env;
  xmlrpc_env_init(&env);
  xmlrpc_value *v = NULL;
  int fault_code = 0;
  const char *fault_string = NULL;
  xmlrpc_parse_response2(&env, reading.text, reading.len, &v, &fault_code, &fault_string);
  custapi__xml_reading_clear(&reading);
  if (env.fault_occurred) {
    char shown[256];
    const char *why = env.fault_string ? env.fault_string : "not a methodResponse";
    int rc = protocol_error(err, ctx, "malformed XML-RPC response: %s",
                            custapi__quote(shown, sizeof shown, why, strlen(why), 200));
    xmlrpc_env_clean(&env);
    return rc;
  }
  xmlrpc_env_clean(&env);
  if (fault_string) {
    char shown[CUSTAPI_ERROR_MESSAGE_MAX / 2];
    int rc = custapi__error_set(
        err, fault_category(fault_code), NULL, "XML-RPC fault %d: %s", fault_code,
        custapi__server_excerpt(shown, sizeof shown, fault_string, strlen(fault_string)));
    if (err) {
      err->has_fault_code = 1;
      err->fault_code = fault_code;
      err->http_status = r->status;
    }
    free((void *)fault_string); /* xmlrpc-c's malloc (xmlrpc_strfree is not public) */
    return rc;
  }
  *value = v;
  return 0;
}


/* An update's result: the integer the server answered. */
static int update_result(custapi_result **out, const custapi_http_response *response, int64_t value,
                         custapi_error *err) {
  custapi_result *result;
  if (custapi__result_new(&result) < 0)
    return custapi__error_oom(err);
  result->protocol = custapi__xmlrpc_backend.name;
  result->http_status = response->status;
  result->has_value = 1;
  result->value = value;
  *out = result;
  return 0;
}

/* The full decoder: xmlrpc-c parses the answer (after the screen). */
static int decode_update_full(custapi_result **out, const custapi_http_response *response,
                              custapi_error *err) {
  decode_ctx ctx = {1, response->status};
  xmlrpc_value *v = NULL;
  int rc = parse_response(&v, response, &ctx, err);
  if (rc < 0)
    return rc;

  xmlrpc_env env;
  xmlrpc_env_init(&env);
  int64_t value = 0;
  xmlrpc_type type = xmlrpc_value_type(v);
  if (type == XMLRPC_TYPE_INT) {
    int i = 0;
    xmlrpc_read_int(&env, v, &i);
    value = i;
  } else if (type == XMLRPC_TYPE_I8) {
    xmlrpc_int64 i = 0;
    xmlrpc_read_i8(&env, v, &i);
    value = i;
    if (!env.fault_occurred && (i < INT32_MIN || i > INT32_MAX))
      rc = protocol_error(err, &ctx, "XML-RPC result %lld is outside the 32-bit integer range",
                          (long long)i);
  } else {
    rc = protocol_error(err, &ctx, "XML-RPC result is %s, not an integer", custapi__xmlrpc_type_words(v));
  }
  if (rc == 0 && env.fault_occurred)
    rc = protocol_error(err, &ctx, "XML-RPC result unreadable: %s", env.fault_string);
  xmlrpc_env_clean(&env);
  xmlrpc_DECREF(v);
  if (rc < 0)
    return rc;

  return update_result(out, response, value, err);
}

/* ---- the answer bulk reads thousands of times ---- */

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static const char *skip_xml_space(const char *p, const char *end) {
  while (p < end && is_space(*p))
    p++;
  return p;
}

/* Consumes `word` at *p; 0 when the text does not start with it. */
static int take(const char **p, const char *end, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(end - *p) < n || memcmp(*p, word, n) != 0)
    return 0;
  *p += n;
  return 1;
}

/*
 * A successful update's answer of exactly the plain shape servers send: an optional
 * <?xml version="1.0"?> declaration (encoding UTF-8 or none) at the very start, then
 * <methodResponse><params><param><value><i4> or <int> with a canonical 32-bit decimal (no
 * sign but '-', no leading zero) and the closing tags, whitespace only between elements (not
 * inside <value>). 1 with the integer in *value; 0 for anything else (a fault, another type, a
 * comment, an attribute, an entity, a BOM, a DOCTYPE, an oversized body), which then goes
 * through xmlrpc-c as before: what is accepted, and what it means, stays the same.
 */
static int plain_int_answer(int32_t *value, const custapi_http_response *r) {
  if (r->status < 200 || r->status > 299 || !r->body || r->body_len > CUSTAPI_XMLRPC_PARSE_LIMIT)
    return 0;
  const char *p = r->body, *end = r->body + r->body_len;
  if (take(&p, end, "<?xml version=\"1.0\"")) {
    take(&p, end, " encoding=\"UTF-8\"");
    if (!take(&p, end, "?>"))
      return 0;
    p = skip_xml_space(p, end);
  }
  static const char *const opening[] = {"<methodResponse>", "<params>", "<param>"};
  for (size_t i = 0; i < sizeof opening / sizeof *opening; i++) {
    if (!take(&p, end, opening[i]))
      return 0;
    p = skip_xml_space(p, end);
  }
  if (!take(&p, end, "<value>"))
    return 0;
  const char *close;
  if (take(&p, end, "<i4>"))
    close = "</i4>";
  else if (take(&p, end, "<int>"))
    close = "</int>";
  else
    return 0;
  int negative = take(&p, end, "-");
  if (p == end || *p < '0' || *p > '9')
    return 0; /* no digit */
  if (*p == '0' && (negative || (p + 1 < end && p[1] >= '0' && p[1] <= '9')))
    return 0; /* -0, or a leading zero */
  int64_t v = 0;
  int digits = 0;
  for (; p < end && *p >= '0' && *p <= '9'; p++) {
    if (++digits > 10)
      return 0;
    v = v * 10 + (*p - '0');
  }
  if (negative)
    v = -v;
  if (v < INT32_MIN || v > INT32_MAX || !take(&p, end, close) || !take(&p, end, "</value>"))
    return 0;
  static const char *const closing[] = {"</param>", "</params>", "</methodResponse>"};
  for (size_t i = 0; i < sizeof closing / sizeof *closing; i++) {
    p = skip_xml_space(p, end);
    if (!take(&p, end, closing[i]))
      return 0;
  }
  if (skip_xml_space(p, end) != end)
    return 0;
  *value = (int32_t)v;
  return 1;
}

/* Bulk's decoder: the same outcome as decode_update, without xmlrpc-c's parser (a parser, a
 * value tree and a seeded hash per answer, 18% of a bulk run's instructions) when the answer
 * has the plain shape above. */
static int decode_update_brief(custapi_result **out, const custapi_http_response *response,
                               custapi_error *err) {
  int32_t value;
  if (!plain_int_answer(&value, response))
    return decode_update_full(out, response, err);
  return update_result(out, response, value, err);
}

/* The answer is one integer, never a customer: CUSTAPI_DECODE_NO_CUSTOMER (bulk) takes the
 * brief path, which reaches the same outcome (a unit test holds them to each other). */
static int decode_update(custapi_result **out, const custapi_http_response *response,
                         unsigned flags, custapi_error *err) {
  return (flags & CUSTAPI_DECODE_NO_CUSTOMER) ? decode_update_brief(out, response, err)
                                              : decode_update_full(out, response, err);
}


static int with_http_status(int rc, const decode_ctx *ctx, custapi_error *err) {
  if (rc < 0 && err)
    err->http_status = ctx->http_status;
  return rc;
}

static const char *context_of(const decode_ctx *ctx) {
  return ctx->is_update ? MAY_HAVE_BEEN_APPLIED : "";
}

/* One member of a read's struct, checked against the schema's types, then stored. */
static int store_member(custapi_customer *c, const char *name, size_t name_len, xmlrpc_value *v,
                        const decode_ctx *ctx, custapi_error *err) {
  int rc = custapi__answer_member_check(name, custapi__xmlrpc_answer_kind(v), context_of(ctx), err);
  if (rc < 0)
    return with_http_status(rc, ctx, err);
  convert_failure why = {0, ""};
  if (custapi__xmlrpc_put_member(c, name, v, &why) == 0)
    return 0;
  char shown[80];
  return why.oom
             ? custapi__error_oom(err)
             : protocol_error(err, ctx, "XML-RPC member %s: %s",
                              custapi__quote(shown, sizeof shown, name, name_len, 60), why.reason);
}

/* The members of a read's struct as a new customer (flags 0). */
static int struct_to_customer(custapi_customer **out, xmlrpc_value *s, const decode_ctx *ctx,
                              custapi_error *err) {
  custapi_customer *c = NULL;
  if (custapi_customer_new(&c, 0) < 0)
    return custapi__error_oom(err);
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  int n = xmlrpc_struct_size(&env, s);
  int failed = env.fault_occurred;
  xmlrpc_env_clean(&env);
  convert_failure why = {0, ""};
  int rc = failed ? protocol_error(err, ctx, "unreadable XML-RPC <struct>")
                  : with_http_status(custapi__answer_count_check((size_t)n, context_of(ctx), err),
                                     ctx, err);
  for (int i = 0; rc == 0 && i < n; i++) {
    xmlrpc_value *key = NULL, *v = NULL;
    xmlrpc_env_init(&env);
    xmlrpc_struct_read_member(&env, s, (unsigned)i, &key, &v);
    failed = env.fault_occurred;
    xmlrpc_env_clean(&env);
    if (failed) {
      rc = protocol_error(err, ctx, "unreadable XML-RPC <struct> member %d", i + 1);
      break;
    }
    char *name = NULL;
    size_t name_len = 0;
    if (custapi__xmlrpc_read_string(&name, &name_len, key, &why) < 0)
      rc = why.oom ? custapi__error_oom(err)
                   : protocol_error(err, ctx, "XML-RPC <struct> member %d: %s", i + 1, why.reason);
    else if (name_len == 0 || strlen(name) != name_len)
      rc = protocol_error(err, ctx, "XML-RPC <struct> member %d has %s name", i + 1,
                          name_len == 0 ? "an empty" : "a NUL in its");
    else
      rc = store_member(c, name, name_len, v, ctx, err);
    custapi__free(name);
    xmlrpc_DECREF(key);
    xmlrpc_DECREF(v);
  }
  if (rc < 0) {
    custapi_customer_free(c);
    return rc;
  }
  *out = c;
  return 0;
}

static int decode_get(custapi_customer **out, const custapi_http_response *response,
                      custapi_error *err) {
  decode_ctx ctx = {0, response->status};
  xmlrpc_value *v = NULL;
  int rc = parse_response(&v, response, &ctx, err);
  if (rc < 0)
    return rc;
  if (xmlrpc_value_type(v) != XMLRPC_TYPE_STRUCT)
    rc = protocol_error(err, &ctx, "XML-RPC result is %s, not a <struct>", custapi__xmlrpc_type_words(v));
  else
    rc = struct_to_customer(out, v, &ctx, err);
  xmlrpc_DECREF(v);
  return rc;
}

/* The probe: system.listMethods, which every install offers (research notes, section 2). */
static int encode_probe(custapi_http_request *out, const custapi_endpoint *endpoint,
                        custapi_error *err) {
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  xmlrpc_value *params = xmlrpc_array_new(&env);
  int rc = env.fault_occurred ? custapi__error_oom(err)
                              : serialize_call(out, endpoint, "system.listMethods", params, err);
  if (!env.fault_occurred)
    xmlrpc_DECREF(params);
  xmlrpc_env_clean(&env);
  return rc;
}

static int decode_probe(custapi_probe_info *out, const custapi_http_response *response,
                        const custapi_endpoint *endpoint, custapi_error *err) {
  *out = (custapi_probe_info){0};
  decode_ctx ctx = {0, response->status};
  xmlrpc_value *v = NULL;
  int rc = parse_response(&v, response, &ctx, err);
  if (rc < 0)
    return rc;
  if (xmlrpc_value_type(v) != XMLRPC_TYPE_ARRAY) {
    rc = protocol_error(err, &ctx, "system.listMethods returned %s, not an <array>",
                        custapi__xmlrpc_type_words(v));
    xmlrpc_DECREF(v);
    return rc;
  }
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  int n = xmlrpc_array_size(&env, v);
  if (env.fault_occurred || n < 0) { /* not "no methods": we could not tell */
    rc = protocol_error(err, &ctx, "system.listMethods returned an unreadable <array>");
    xmlrpc_env_clean(&env);
    xmlrpc_DECREF(v);
    return rc;
  }
  out->has_methods = 1;
  out->methods = n > 0 ? custapi__calloc((size_t)n, sizeof *out->methods) : NULL;
  if (n > 0 && !out->methods)
    rc = custapi__error_oom(err);
  for (int i = 0; rc == 0 && i < n; i++) {
    xmlrpc_value *item = NULL;
    xmlrpc_array_read_item(&env, v, (unsigned)i, &item);
    const char *name = NULL;
    if (!env.fault_occurred && xmlrpc_value_type(item) == XMLRPC_TYPE_STRING)
      xmlrpc_read_string(&env, item, &name);
    if (env.fault_occurred || !name) {
      rc = protocol_error(err, &ctx, "system.listMethods returned an item that is not a string");
    } else if (!(out->methods[out->method_count] = custapi__strdup(name))) {
      rc = custapi__error_oom(err);
    } else {
      out->method_count++;
    }
    free((void *)name);
    if (item)
      xmlrpc_DECREF(item);
  }
  xmlrpc_env_clean(&env);
  xmlrpc_DECREF(v);
  if (rc == 0)
    rc = custapi__xmlrpc_probe_verdict(out, custapi__xmlrpc_prefix(endpoint), err);
  if (rc < 0)
    custapi__probe_info_clear(out);
  return rc;
}

const custapi_backend_ops custapi__xmlrpc_backend = {
    .name = "xmlrpc",
    .encode_update = encode_update,
    .encode_get = encode_get,
    .decode_update = decode_update,
    .decode_get = decode_get,
    .encode_probe = encode_probe,
    .decode_probe = decode_probe,
    .global_init = custapi__xmlrpc_global_init,
};
