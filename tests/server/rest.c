/*
 * The REST side: GET/PUT /api/2.0/customers/{id} and GET /api/2.0/, in json-c directly (not
 * the client's codec). Strict as the real API would be: integer properties only as JSON
 * integers, string properties only as JSON strings.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "customer.h"
#include "refserver.h"

char *rs_strdupf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0)
    return NULL;
  char *s = malloc((size_t)n + 1);
  if (!s)
    return NULL;
  va_start(ap, fmt);
  vsnprintf(s, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return s;
}

int rs_path_id(int32_t *out, const char *text) { return custapi_id_parse(out, text, NULL); }

static void reply_json(rs_reply *out, unsigned status, json_object *obj) {
  /* Slashes stay escaped ("\/"), as PHP servers write them: the client must cope. */
  const char *text = obj ? json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN) : NULL;
  out->status = status;
  out->content_type = "application/json";
  out->body = text ? strdup(text) : NULL;
  out->len = out->body ? strlen(out->body) : 0;
  if (!out->body) {
    out->status = 500;
    out->content_type = "text/plain";
  }
  json_object_put(obj);
}

void rs_rest_error(rs_reply *out, unsigned status, const char *fmt, ...) {
  char message[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(message, sizeof message, fmt, ap);
  va_end(ap);
  json_object *err = json_object_new_object(), *root = json_object_new_object();
  json_object_object_add(err, "message", json_object_new_string(message));
  json_object_object_add(root, "error", err);
  reply_json(out, status, root);
}

static json_object *link_object(const char *title, const char *rel, const char *href) {
  json_object *l = json_object_new_object();
  json_object_object_add(l, "title", json_object_new_string(title));
  json_object_object_add(l, "rel", json_object_new_string(rel));
  json_object_object_add(l, "href", json_object_new_string(href));
  return l;
}

static json_object *envelope(const char *base, const char *self_title, const char *self_path,
                             json_object *item) {
  char self[512], home[512];
  snprintf(self, sizeof self, "%s%s", base, self_path);
  snprintf(home, sizeof home, "%s/api/2.0/", base);
  json_object *links = json_object_new_array();
  json_object_array_add(links, link_object(self_title, "self", self));
  json_object_array_add(links, link_object("Home", "home", home));
  json_object *root = json_object_new_object();
  json_object_object_add(root, "links", links);
  json_object_object_add(root, "item", item);
  return root;
}

static json_object *item_of(const custapi_customer *c) {
  json_object *item = json_object_new_object();
  const custapi_field *id = custapi_customer_get(c, "id");
  if (id)
    json_object_object_add(item, "id", json_object_new_int64(id->integer));
  for (size_t i = 0; i < custapi_customer_count(c); i++) {
    const custapi_field *f = custapi_customer_at(c, i);
    if (f == id)
      continue;
    json_object *v = f->type == CUSTAPI_VALUE_INTEGER
                         ? json_object_new_int64(f->integer)
                         : json_object_new_string_len(f->string, (int)f->string_len);
    json_object_object_add(item, f->name, v);
  }
  return item;
}

static void reply_customer(rs_reply *out, rs_store *store, int32_t id, const char *base,
                           int is_read) {
  if (is_read && rs_diverge_read_fails()) {
    rs_rest_error(out, 503, "reads are failing on this server (divergence knob)");
    return;
  }
  custapi_customer *c = NULL;
  rs_store_status rc = rs_store_get(store, id, &c);
  if (rc == RS_STORE_NOT_FOUND) {
    rs_rest_error(out, 404, "customer %d not found", id);
    return;
  }
  if (rc != RS_STORE_OK || rs_diverge_reads(RS_PROTOCOL_REST, c) < 0) {
    custapi_customer_free(c);
    rs_rest_error(out, 500, "storage error");
    return;
  }
  char path[64];
  snprintf(path, sizeof path, "/api/2.0/customers/%d", id);
  reply_json(out, 200, envelope(base, "Customer", path, item_of(c)));
  custapi_customer_free(c);
}

static const char *json_type_label(json_object *v) {
  switch (json_object_get_type(v)) {
  case json_type_null:
    return "null";
  case json_type_boolean:
    return "a boolean";
  case json_type_double:
    return "a JSON number with a fraction or exponent";
  case json_type_int:
    return "a JSON integer";
  case json_type_object:
    return "an object";
  case json_type_array:
    return "an array";
  case json_type_string:
    return "a JSON string";
  }
  return "something else";
}

/* Parses exactly one JSON value of valid UTF-8 with nothing but white space after it. */
static json_object *parse_strict(const char *body, size_t len, char *why, size_t whylen) {
  if (len > (size_t)INT32_MAX) {
    snprintf(why, whylen, "body too large");
    return NULL;
  }
  json_tokener *tok = json_tokener_new();
  if (!tok) {
    snprintf(why, whylen, "out of memory");
    return NULL;
  }
  json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
  json_object *obj = json_tokener_parse_ex(tok, body, (int)len);
  enum json_tokener_error jerr = json_tokener_get_error(tok);
  size_t end = json_tokener_get_parse_end(tok);
  json_tokener_free(tok);
  if (jerr == json_tokener_continue) {
    snprintf(why, whylen, "malformed JSON: unexpected end of input");
    json_object_put(obj);
    return NULL;
  }
  if (jerr != json_tokener_success) {
    snprintf(why, whylen, "malformed JSON at byte %zu: %s", end, json_tokener_error_desc(jerr));
    json_object_put(obj);
    return NULL;
  }
  for (size_t i = end; i < len; i++) {
    if (!strchr(" \t\r\n", body[i])) {
      snprintf(why, whylen, "malformed JSON: unexpected data after the value at byte %zu", i);
      json_object_put(obj);
      return NULL;
    }
  }
  return obj;
}

/* Turns the JSON object into changes; returns 0, or -1 with the 422 message in `why`. */
static int changes_from_json(custapi_customer *c, json_object *obj, char *why, size_t whylen) {
  custapi_error err = CUSTAPI_ERROR_INIT;
  json_object_object_foreach(obj, key, value) {
    const custapi_property_info *p = custapi_schema_find(key);
    int rc;
    if (!p) {
      /* read-only or unknown: the model's own message names it (and suggests a name) */
      rc = custapi__customer_set_text(c, key, "", 0, &err);
      if (rc == 0) {
        snprintf(why, whylen, "%s: not accepted", key);
        return -1;
      }
    } else if (p->type == CUSTAPI_TYPE_INTEGER) {
      if (json_object_get_type(value) != json_type_int) {
        snprintf(why, whylen, "%s: must be a JSON integer, not %s (%s)", key,
                 json_type_label(value), p->rule);
        return -1;
      }
      rc = custapi_customer_set_int(c, key, json_object_get_int64(value), &err);
    } else {
      if (json_object_get_type(value) != json_type_string) {
        snprintf(why, whylen, "%s: must be a JSON string, not %s (%s)", key, json_type_label(value),
                 p->rule);
        return -1;
      }
      rc = custapi__customer_set_text(c, key, json_object_get_string(value),
                                      (size_t)json_object_get_string_len(value), &err);
    }
    if (rc < 0) {
      snprintf(why, whylen, "%s", err.message);
      return -1;
    }
  }
  if (custapi_customer_count(c) == 0) {
    snprintf(why, whylen, "nothing to update: the object has no properties");
    return -1;
  }
  if (custapi_validate(c, CUSTAPI_VALIDATE_PARTIAL, 0, NULL, NULL, &err) < 0) {
    snprintf(why, whylen, "%s", err.message);
    return -1;
  }
  return 0;
}

static void handle_put(rs_reply *out, rs_store *store, int32_t id, const char *base,
                       const char *body, size_t len) {
  char why[768];
  json_object *obj = parse_strict(body, len, why, sizeof why);
  if (!obj) {
    rs_rest_error(out, 400, "%s", why);
    return;
  }
  if (json_object_get_type(obj) != json_type_object) {
    rs_rest_error(out, 400, "the body must be a JSON object, not %s", json_type_label(obj));
    json_object_put(obj);
    return;
  }
  custapi_customer *existing = NULL;
  rs_store_status rc = rs_store_get(store, id, &existing);
  custapi_customer_free(existing);
  if (rc == RS_STORE_NOT_FOUND) {
    rs_rest_error(out, 404, "customer %d not found", id);
    json_object_put(obj);
    return;
  }
  custapi_customer *changes = NULL;
  if (rc != RS_STORE_OK || custapi_customer_new(&changes, 0) < 0) {
    rs_rest_error(out, 500, "storage error");
    json_object_put(obj);
    return;
  }
  int bad = changes_from_json(changes, obj, why, sizeof why);
  json_object_put(obj);
  const char *refused = bad ? NULL : rs_diverge_refused(RS_PROTOCOL_REST, changes);
  if (bad) {
    rs_rest_error(out, 422, "%s", why);
  } else if (refused) {
    rs_rest_error(out, 422, "%s: not accepted by this server (divergence knob)", refused);
  } else {
    rs_diverge_drop(RS_PROTOCOL_REST, changes);
    rc = rs_store_update(store, id, changes);
    if (rc == RS_STORE_OK)
      reply_customer(out, store, id, base, 0);
    else if (rc == RS_STORE_NOT_FOUND)
      rs_rest_error(out, 404, "customer %d not found", id);
    else if (rc == RS_STORE_HASH_MISMATCH)
      rs_rest_error(out, 422, "hash: does not match the customer's hash");
    else
      rs_rest_error(out, 500, "storage error");
  }
  custapi_customer_free(changes);
}

static void handle_home(rs_reply *out, const char *method, const char *base) {
  if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
    rs_rest_error(out, 405, "method %s not allowed here (GET)", method);
    out->allow = "GET";
    return;
  }
  json_object *item = json_object_new_object();
  json_object_object_add(item, "name", json_object_new_string("custapi-refserver"));
  json_object_object_add(item, "version", json_object_new_string(custapi_version()));
  json_object *root = envelope(base, "API 2.0", "/api/2.0/", item);
  char customers[512];
  snprintf(customers, sizeof customers, "%s/api/2.0/customers/", base);
  json_object_array_add(json_object_object_get(root, "links"),
                        link_object("Customers", "customers", customers));
  reply_json(out, 200, root);
}

void rs_rest_handle(rs_reply *out, rs_store *store, const char *method, const char *path,
                    const char *base, const char *body, size_t len) {
  static const char prefix[] = "/api/2.0/customers/";
  if (strcmp(path, "/api/2.0/") == 0 || strcmp(path, "/api/2.0") == 0) {
    handle_home(out, method, base);
    return;
  }
  int32_t id;
  if (strncmp(path, prefix, sizeof prefix - 1) != 0 ||
      rs_path_id(&id, path + sizeof prefix - 1) < 0) {
    rs_rest_error(out, 404, "no such resource: %s", path);
    return;
  }
  if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
    reply_customer(out, store, id, base, 1);
  else if (strcmp(method, "PUT") == 0)
    handle_put(out, store, id, base, body, len);
  else {
    rs_rest_error(out, 405, "method %s not allowed here (GET, PUT)", method);
    out->allow = "GET, PUT";
  }
}
