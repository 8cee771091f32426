/*
 * The REST codec (docs/protocol.md): PUT/GET {base}/api/2.0/customers/{id}, JSON with json-c.
 * Pure functions over buffers: no I/O, so tests and fuzzers reach them without a network.
 */
#include <assert.h>
#include <ctype.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "customer.h"
#include "decimal.h"
#include "error.h"
#include "item_id.h"
#include "json_check.h"
#include "json_util.h"
#include "rest.h"
#include "rest_request.h" /* the customers path */

#define JSON_TYPE "application/json"

/* ---- encoding ---- */

/* {base}/api/2.0/customers/{id}, written by hand: once per update in bulk. */
static int build_url(char **out, const custapi_endpoint *ep, int32_t id, custapi_error *err) {
  size_t base_len = strlen(ep->base_url); /* trimmed by the client: custapi_endpoint */
  size_t path_len = sizeof CUSTAPI_REST_CUSTOMERS_PATH - 1;
  char *url = custapi__malloc(base_len + path_len + DECIMAL_MAX + 1);
  if (!url)
    return custapi__error_oom(err);
  memcpy(url, ep->base_url, base_len);
  memcpy(url + base_len, CUSTAPI_REST_CUSTOMERS_PATH, path_len);
  size_t digits = decimal_text(url + base_len + path_len, id);
  url[base_len + path_len + digits] = '\0';
  *out = url;
  return 0;
}

static int rest_encode_update(custapi_http_request *out, const custapi_endpoint *ep, int32_t id,
                              const custapi_customer *properties, custapi_error *err) {
  *out = (custapi_http_request){0};
  int rc;
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
  int rc = build_url(&out->url, ep, id, err);
  if (rc < 0)
    return rc;
  out->method = "GET";
  out->accept = JSON_TYPE;
  return 0;
}

static const char *skip_space(const char *s, const char *end) {
  while (s < end && isspace((unsigned char)*s))
    s++;
  return s;
}

/* ---- success responses ---- */

/* What the schema's typing sees of a member's JSON value. */
static custapi_answer_kind answer_kind(json_object *v) {
  int32_t ignored;
  if (json_object_is_type(v, json_type_string))
    return CUSTAPI_ANSWER_STRING;
  return custapi__json_int32(v, &ignored) == 0 ? CUSTAPI_ANSWER_INT32 : CUSTAPI_ANSWER_OTHER;
}

/* One member of the item, its JSON type kept (integers are exact: see custapi__json_int32). */
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
  custapi_error perr = CUSTAPI_ERROR_INIT;
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
  char context[80];
  snprintf(context, sizeof context, "; %s", what);
  rc = custapi__answer_count_check((size_t)json_object_object_length(item), context, err);
  json_object_object_foreach(item, name, value) {
    if (rc < 0)
      break;
    if ((rc = custapi__answer_member_check(name, answer_kind(value), context, err)) == 0 &&
        put_member(c, name, value) < 0)
      rc = custapi__error_oom(err);
  }
  json_object_put(obj);
  if (rc < 0) {
    custapi_customer_free(c);
    return rc;
  }
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
  custapi_customer *c = NULL;
  int64_t id = 0;
  int has_id = 0;
  if (!is_blank(r)) {
    int rc = decode_item(keep ? &c : NULL, r, "the update may have been applied", err);
    /* Unbuilt, its id still answers for it (custapi__decode_update holds it to the id asked);
     * an unusual text is decoded in full for it. */
    if (rc == 0 && !keep && (has_id = custapi__rest_item_id(&id, r->body, r->body_len)) < 0) {
      custapi_customer *full = NULL;
      has_id = 0;
      if ((rc = decode_item(&full, r, "the update may have been applied", err)) == 0) {
        has_id = custapi__customer_answer_id(full, &id);
      }
      custapi_customer_free(full);
    }
    if (rc < 0)
      return with_status(rc, r, err);
  }
  custapi_result *res;
  if (custapi__result_new(&res) < 0) {
    custapi_customer_free(c);
    return custapi__error_oom(err);
  }
  res->protocol = custapi__rest_backend.name;
  res->http_status = r->status;
  res->customer = c;
  res->has_answer_id = has_id;
  res->answer_id = id;
  *out = res;
  return 0;
}

static int rest_decode_update(custapi_result **out, const custapi_http_response *r,
                              unsigned flags, custapi_error *err) {
  return decode_update_answer(out, r, !(flags & CUSTAPI_DECODE_NO_CUSTOMER), err);
}

static int rest_decode_get(custapi_customer **out, const custapi_http_response *r,
                           custapi_error *err) {
  *out = NULL;
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
                             const custapi_endpoint *ep, custapi_error *err) {
  (void)r, (void)ep, (void)err;
  *out = (custapi_probe_info){0}; /* a 2xx is all the probe asks of REST */
  out->prefix_matches = -1;       /* REST has no method names */
  return 0;
}

const custapi_backend_ops custapi__rest_backend = {
    .name = "rest",
    .encode_update = rest_encode_update,
    .encode_get = rest_encode_get,
    .decode_update = rest_decode_update,
    .decode_get = rest_decode_get,
    .encode_probe = rest_encode_probe,
    .decode_probe = rest_decode_probe,
    .global_init = NULL, /* json-c needs no process-wide set-up */
};
