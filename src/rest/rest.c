/*
 * The REST codec (SPEC section 3): PUT/GET {base}/api/2.0/customers/{id}, JSON with json-c.
 * Pure functions over buffers: no I/O, so tests and fuzzers reach them without a network.
 */
#include <assert.h>
#include <ctype.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "backend.h"
#include "customer.h"
#include "error.h"
#include "json_check.h"
#include "json_util.h"

#define JSON_TYPE "application/json"
#define CUSTOMERS_PATH "/api/2.0/customers/"
/* How much of a plain-text error body goes into a message. */
#define TEXT_MESSAGE_MAX 200
#define DECODE_MAX_DEPTH 64

/* ---- encoding ---- */

static int build_url(char **out, const custapi_endpoint *ep, int32_t id, custapi_error *err) {
  size_t base_len = strlen(ep->base_url);
  while (base_len && ep->base_url[base_len - 1] == '/')
    base_len--;
  size_t n = base_len + sizeof CUSTOMERS_PATH + 12;
  char *url = custapi__malloc(n);
  if (!url)
    return custapi__error_oom(err);
  snprintf(url, n, "%.*s%s%" PRId32, (int)base_len, ep->base_url, CUSTOMERS_PATH, id);
  *out = url;
  return 0;
}

static int check_id(int32_t id, custapi_error *err) {
  if (id <= 0)
    return custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, "id",
                              "id: must be a positive 32-bit integer, not %" PRId32, id);
  return 0;
}

static int rest_encode_update(custapi_http_request *out, const custapi_endpoint *ep, int32_t id,
                              const custapi_customer *properties, custapi_error *err) {
  *out = (custapi_http_request){0};
  int rc = check_id(id, err);
  if (rc < 0)
    return rc;
  size_t len = 0;
  char *body = custapi__customer_to_json_text(properties, &len);
  if (!body)
    return custapi__error_oom(err);
  char *url;
  if ((rc = build_url(&url, ep, id, err)) < 0) {
    custapi__free(body);
    return rc;
  }
  out->method = "PUT";
  out->url = url;
  out->content_type = JSON_TYPE;
  out->accept = JSON_TYPE;
  out->body = body;
  out->body_len = len;
  return 0;
}

static int rest_encode_get(custapi_http_request *out, const custapi_endpoint *ep, int32_t id,
                           custapi_error *err) {
  *out = (custapi_http_request){0};
  int rc = check_id(id, err);
  if (rc < 0 || (rc = build_url(&out->url, ep, id, err)) < 0)
    return rc;
  out->method = "GET";
  out->accept = JSON_TYPE;
  return 0;
}

/* ---- error responses ---- */



static const char *skip_space(const char *s, const char *end) {
  while (s < end && isspace((unsigned char)*s))
    s++;
  return s;
}

static int has_prefix_nocase(const char *s, const char *end, const char *prefix) {
  size_t n = strlen(prefix);
  return (size_t)(end - s) >= n && strncasecmp(s, prefix, n) == 0;
}

static int is_html(const custapi_http_response *r) {
  if (r->content_type && (strncasecmp(r->content_type, "text/html", 9) == 0 ||
                          strncasecmp(r->content_type, "application/xhtml", 17) == 0))
    return 1;
  const char *end = r->body + r->body_len;
  const char *s = skip_space(r->body, end);
  return has_prefix_nocase(s, end, "<!doctype") || has_prefix_nocase(s, end, "<html") ||
         has_prefix_nocase(s, end, "<?xml") || has_prefix_nocase(s, end, "<head") ||
         has_prefix_nocase(s, end, "<body");
}

/*
 * Copies at most `max` bytes of text into buf as one printable line: control characters become
 * spaces, runs of white space one space, never cut inside a UTF-8 sequence, trimmed.
 */
static void one_line_excerpt(char *buf, size_t size, const char *s, size_t len, size_t max) {
  size_t o = 0;
  int space = 0;
  if (max > size - 4)
    max = size - 4;
  for (size_t i = 0; i < len && o < max; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x20 || c == 0x7F) {
      space = o > 0;
      continue;
    }
    if (c == ' ') {
      space = o > 0;
      continue;
    }
    if (c >= 0xC0) {
      size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
      if (o + need + (space ? 1 : 0) > max || i + need > len)
        break;
    }
    if (space) {
      buf[o++] = ' ';
      space = 0;
      if (o >= max)
        break;
    }
    buf[o++] = (char)c;
  }
  if (o >= max && len > max)
    memcpy(buf + o, "...", 3), o += 3;
  buf[o] = '\0';
}

/* The first non-empty line of a plain-text body. */
static void first_line(char *buf, size_t size, const char *body, size_t len) {
  const char *end = body + len;
  const char *s = body;
  for (;;) {
    s = skip_space(s, end);
    const char *nl = memchr(s, '\n', (size_t)(end - s));
    const char *line_end = nl ? nl : end;
    if (line_end > s || !nl) {
      size_t n = (size_t)(line_end - s);
      one_line_excerpt(buf, size, s, n, TEXT_MESSAGE_MAX);
      return;
    }
    s = nl + 1;
  }
}

/* {"error":{"message":"..."}} (or {"error":"..."}, {"message":"..."}) -> the message. */
static int json_error_message(char *buf, size_t size, const custapi_http_response *r) {
  json_object *obj;
  if (custapi__json_parse_object(&obj, r->body, r->body_len, NULL) < 0)
    return 0;
  json_object *e = NULL, *m = NULL;
  const char *text = NULL;
  size_t len = 0;
  if (json_object_object_get_ex(obj, "error", &e)) {
    if (json_object_is_type(e, json_type_object) && json_object_object_get_ex(e, "message", &m) &&
        json_object_is_type(m, json_type_string))
      text = json_object_get_string(m), len = (size_t)json_object_get_string_len(m);
    else if (json_object_is_type(e, json_type_string))
      text = json_object_get_string(e), len = (size_t)json_object_get_string_len(e);
  } else if (json_object_object_get_ex(obj, "message", &m) &&
             json_object_is_type(m, json_type_string)) {
    text = json_object_get_string(m), len = (size_t)json_object_get_string_len(m);
  }
  int found = text && len;
  if (found)
    one_line_excerpt(buf, size, text, len, 300);
  json_object_put(obj);
  return found;
}

/* Any response that is not a 2xx: SPEC section 5's category, the server's message kept. */
static int decode_failure(const custapi_http_response *r, custapi_error *err) {
  char line[64], message[400];
  custapi__http_status_line(line, sizeof line, r->status);
  int rc;
  if (r->status >= 300 && r->status < 400) {
    rc = custapi__redirect_error(err, r);
  } else if (r->status < 200 || r->status >= 600) {
    rc = custapi__error_set(err, CUSTAPI_CATEGORY_PROTOCOL, NULL, "unexpected HTTP status %d",
                            r->status);
  } else {
    custapi_category cat = custapi__http_status_category(r->status);
    const char *end = r->body + r->body_len;
    const char *s = skip_space(r->body, end);
    if (s == end)
      rc = custapi__error_set(err, cat, NULL, "%s", line);
    else if (*s == '{' && json_error_message(message, sizeof message, r))
      rc = custapi__error_set(err, cat, NULL, "%s: %s", line, message);
    else if (*s == '{' || *s == '[' || is_html(r))
      rc = custapi__error_set(err, cat, NULL, "%s", line); /* never the page itself */
    else {
      first_line(message, sizeof message, s, (size_t)(end - s));
      rc = custapi__error_set(err, cat, NULL, "%s: %s", line, message);
    }
  }
  if (err)
    err->http_status = r->status;
  return rc;
}

/* ---- success responses ---- */

static int put_member(custapi_customer *c, const char *name, json_object *v) {
  switch (json_object_get_type(v)) {
  case json_type_string:
    return custapi__customer_put_string(c, name, json_object_get_string(v),
                                        (size_t)json_object_get_string_len(v));
  case json_type_int:
    return custapi__customer_put_int(c, name, json_object_get_int64(v));
  case json_type_boolean:
    return custapi__customer_put_bool(c, name, json_object_get_boolean(v));
  case json_type_null:
    return custapi__customer_put_null(c, name);
  case json_type_double:
  case json_type_object:
  case json_type_array:
  default: {
    /* The model has no such types: keep the value as its JSON text. */
    size_t len = 0;
    char *text = custapi__json_to_string(v, &len);
    if (!text)
      return CUSTAPI_EINTERNAL;
    int rc = custapi__customer_put_string(c, name, text, len);
    custapi__free(text);
    return rc;
  }
  }
}

/*
 * {"links":[...],"item":{...}} -> a customer with every field of item, JSON types kept.
 * `what` words the failure ("the update may have been applied" for an update).
 */
/* The {"links","item"} envelope: *obj is the parsed body (caller puts it), *item its item. */
static int parse_envelope(json_object **obj, json_object **item, const custapi_http_response *r,
                          const char *what, custapi_error *err) {
  custapi_error perr;
  if (custapi__json_parse_object(obj, r->body, r->body_len, &perr) < 0) {
    if (perr.category == CUSTAPI_CATEGORY_INTERNAL)
      return custapi__error_copy(err, &perr);
    return custapi__error_set(err, CUSTAPI_CATEGORY_PROTOCOL, NULL,
                              "HTTP %d response is not a JSON object (%s); %s", r->status,
                              perr.message, what);
  }
  if (!json_object_object_get_ex(*obj, "item", item) ||
      !json_object_is_type(*item, json_type_object)) {
    json_object_put(*obj);
    *obj = NULL;
    return custapi__error_set(err, CUSTAPI_CATEGORY_PROTOCOL, NULL,
                              "HTTP %d response has no \"item\" object; %s", r->status, what);
  }
  return 0;
}

/* The envelope checked by the strict scanner alone: no tree, no allocation (bulk's path). */
static int check_envelope(const custapi_http_response *r, const char *what, custapi_error *err) {
  custapi_json_check check;
  if (custapi__json_check(&check, r->body, r->body_len, "item") < 0 || check.top != '{')
    return custapi__error_set(err, CUSTAPI_CATEGORY_PROTOCOL, NULL,
                              "HTTP %d response is not a JSON object (%s at byte %zu); %s",
                              r->status, check.problem ? check.problem : "not an object",
                              check.offset, what);
  if (!check.member_seen || !check.member_is_object)
    return custapi__error_set(err, CUSTAPI_CATEGORY_PROTOCOL, NULL,
                              "HTTP %d response has no \"item\" object; %s", r->status, what);
  return 0;
}

/* The envelope's item as a customer; out == NULL only checks the envelope. */
static int decode_item(custapi_customer **out, const custapi_http_response *r, const char *what,
                       custapi_error *err) {
  if (!out)
    return check_envelope(r, what, err);
  json_object *obj, *item;
  int rc = parse_envelope(&obj, &item, r, what, err);
  if (rc < 0)
    return rc;
  *out = NULL;
  custapi_customer *c;
  if (custapi_customer_new(&c, CUSTAPI_CUSTOMER_ALLOW_UNKNOWN) < 0) {
    json_object_put(obj);
    return custapi__error_oom(err);
  }
  json_object_object_foreach(item, name, value) {
    if (put_member(c, name, value) < 0) {
      custapi_customer_free(c);
      json_object_put(obj);
      return custapi__error_oom(err);
    }
  }
  json_object_put(obj);
  *out = c;
  return 0;
}

static int is_blank(const custapi_http_response *r) {
  const char *end = r->body + r->body_len;
  return skip_space(r->body, end) == end;
}

static int with_status(int rc, const custapi_http_response *r, custapi_error *err) {
  if (rc < 0 && err)
    err->http_status = r->status;
  return rc;
}

/* An update's answer; `keep` = 0 checks the envelope without building the customer. */
static int decode_update_answer(custapi_result **out, const custapi_http_response *r, int keep,
                                custapi_error *err) {
  *out = NULL;
  if (r->status < 200 || r->status >= 300)
    return decode_failure(r, err);
  custapi_customer *c = NULL;
  if (!is_blank(r)) {
    int rc = decode_item(keep ? &c : NULL, r, "the update may have been applied", err);
    if (rc < 0)
      return with_status(rc, r, err);
  }
  custapi_result *res;
  if (custapi__result_new(&res) < 0) {
    custapi_customer_free(c);
    return custapi__error_oom(err);
  }
  res->protocol = "rest";
  res->http_status = r->status;
  res->customer = c;
  *out = res;
  return 0;
}

static int rest_decode_update(custapi_result **out, const custapi_http_response *r,
                              custapi_error *err) {
  return decode_update_answer(out, r, 1, err);
}

static int rest_decode_update_brief(custapi_result **out, const custapi_http_response *r,
                                    custapi_error *err) {
  return decode_update_answer(out, r, 0, err);
}

static int rest_decode_get(custapi_customer **out, const custapi_http_response *r,
                           custapi_error *err) {
  *out = NULL;
  if (r->status < 200 || r->status >= 300)
    return decode_failure(r, err);
  if (is_blank(r))
    return with_status(custapi__error_set(err, CUSTAPI_CATEGORY_PROTOCOL, NULL,
                                          "HTTP %d response to a read has no body", r->status),
                       r, err);
  return with_status(decode_item(out, r, "the customer could not be read", err), r, err);
}

/* The probe reads the API's home document: it answers, and it wants the credentials. */
static int rest_encode_probe(custapi_http_request *out, const custapi_endpoint *ep,
                             custapi_error *err) {
  *out = (custapi_http_request){0};
  size_t n = strlen(ep->base_url) + sizeof "/api/2.0/";
  out->url = custapi__malloc(n);
  if (!out->url)
    return custapi__error_oom(err);
  snprintf(out->url, n, "%s/api/2.0/", ep->base_url);
  out->method = "GET";
  out->accept = JSON_TYPE;
  return 0;
}

static int rest_decode_probe(custapi_probe_info *out, const custapi_http_response *r,
                             custapi_error *err) {
  *out = (custapi_probe_info){0};
  if (r->status < 200 || r->status >= 300)
    return decode_failure(r, err);
  return 0;
}

const custapi_backend_ops custapi__rest_backend = {
    "rest",
    CUSTAPI_BACKEND_UPDATE_RETURNS_CUSTOMER,
    rest_encode_update,
    rest_encode_get,
    rest_decode_update,
    rest_decode_get,
    rest_decode_update_brief,
    rest_encode_probe,
    rest_decode_probe,
};
