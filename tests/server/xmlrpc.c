/*
 * The XML-RPC side: POST /api/2.0/xmlrpc/, in xmlrpc-c's core directly (xmlrpc_parse_call,
 * xmlrpc_serialize_response, xmlrpc_serialize_fault), not the client's codec.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xmlrpc-c/base.h>

#include "customer.h"
#include "refserver.h"
#include "xml_encoding.h"

/* Fault codes of the reference server (docs/errors.md maps them). */
enum {
  FAULT_NOT_FOUND = 404,
  FAULT_INVALID = 422,
  FAULT_NO_METHOD = -32601,
  FAULT_PARSE = -32700,
  FAULT_PARAMS = -32602,
  FAULT_INTERNAL = -32603
};

static const char *const method_names[] = {"customers.UpdateCustomer", "customers.GetCustomer",
                                           "UpdateCustomer", "GetCustomer", "system.listMethods"};

/* --bare-methods: serve only the bare names the seed page shows (set once at start-up). */
static int bare_only;

void rs_xmlrpc_bare_methods_only(void) { bare_only = 1; }

/* --answer-as-php (set once at start-up). */
static int as_php;

void rs_xmlrpc_answer_as_php(void) { as_php = 1; }

/* The customers.* names are not served when only bare names are. */
static int served(const char *name) {
  return !bare_only || strncmp(name, "customers.", 10) != 0;
}

void rs_xmlrpc_init(void) {
  /* Calls up to the body limit must parse; the default cap is 512 KiB. */
  xmlrpc_limit_set(XMLRPC_XML_SIZE_LIMIT_ID, RS_MAX_BODY + 4096);
}

static void reply_block(rs_reply *out, xmlrpc_mem_block *block) {
  size_t len = XMLRPC_MEMBLOCK_SIZE(char, block);
  out->status = 200;
  out->content_type = "text/xml";
  out->body = malloc(len + 1);
  if (out->body) {
    memcpy(out->body, XMLRPC_MEMBLOCK_CONTENTS(char, block), len);
    out->body[len] = '\0';
    out->len = len;
  } else {
    out->status = 500;
    out->len = 0;
  }
}

void rs_xmlrpc_fault(rs_reply *out, int code, const char *message) {
  xmlrpc_env env, fault;
  xmlrpc_env_init(&env);
  xmlrpc_env_init(&fault);
  xmlrpc_env_set_fault(&fault, code, message);
  xmlrpc_mem_block *block = XMLRPC_MEMBLOCK_NEW(char, &env, 0);
  if (!env.fault_occurred)
    xmlrpc_serialize_fault(&env, block, &fault);
  if (!env.fault_occurred)
    reply_block(out, block);
  else
    *out = (rs_reply){500, "text/plain", NULL, 0, NULL, NULL};
  if (block)
    XMLRPC_MEMBLOCK_FREE(char, block);
  xmlrpc_env_clean(&fault);
  xmlrpc_env_clean(&env);
}

/* Consumes `value` (a new reference). */
static void reply_value(rs_reply *out, xmlrpc_value *value) {
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  xmlrpc_mem_block *block = XMLRPC_MEMBLOCK_NEW(char, &env, 0);
  if (!env.fault_occurred)
    xmlrpc_serialize_response(&env, block, value);
  if (!env.fault_occurred)
    reply_block(out, block);
  else
    rs_xmlrpc_fault(out, FAULT_INTERNAL, env.fault_string);
  if (block)
    XMLRPC_MEMBLOCK_FREE(char, block);
  xmlrpc_DECREF(value);
  xmlrpc_env_clean(&env);
}

static const char *type_label(xmlrpc_type t) {
  switch (t) {
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
  case XMLRPC_TYPE_I8:
    return "an <i8>";
  case XMLRPC_TYPE_NIL:
    return "a <nil/>";
  default:
    return "another type";
  }
}

/* The customer as one struct: integers as <int>, strings as <string>. NULL on failure. */
static xmlrpc_value *struct_of(xmlrpc_env *env, const custapi_customer *c) {
  xmlrpc_value *s = xmlrpc_struct_new(env);
  for (size_t i = 0; i < custapi_customer_count(c) && !env->fault_occurred; i++) {
    const custapi_field *f = custapi_customer_at(c, i);
    xmlrpc_value *v = f->type == CUSTAPI_VALUE_INTEGER
                          ? xmlrpc_int_new(env, (int)f->integer)
                          : xmlrpc_string_new_lp(env, f->string_len, f->string);
    if (env->fault_occurred)
      break;
    xmlrpc_struct_set_value(env, s, f->name, v);
    xmlrpc_DECREF(v);
  }
  if (env->fault_occurred) {
    xmlrpc_DECREF(s);
    return NULL;
  }
  return s;
}

static void reply_customer(rs_reply *out, rs_store *store, int32_t id) {
  custapi_customer *c = NULL;
  rs_store_status rc = rs_store_get(store, id, &c);
  if (rc != RS_STORE_OK) {
    char message[64];
    snprintf(message, sizeof message, "customer %d not found", id);
    rs_xmlrpc_fault(out, rc == RS_STORE_NOT_FOUND ? FAULT_NOT_FOUND : FAULT_INTERNAL,
                    rc == RS_STORE_NOT_FOUND ? message : "storage error");
    return;
  }
  if (rs_diverge_reads(RS_PROTOCOL_XMLRPC, c) < 0) {
    custapi_customer_free(c);
    rs_xmlrpc_fault(out, FAULT_INTERNAL, "out of memory");
    return;
  }
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  xmlrpc_value *s = struct_of(&env, c);
  if (s)
    reply_value(out, s);
  else
    rs_xmlrpc_fault(out, FAULT_INTERNAL, env.fault_string);
  xmlrpc_env_clean(&env);
  custapi_customer_free(c);
}

/* One struct member into the changes; 0, or -1 with the fault message in `why`. */
static int add_member(custapi_customer *c, xmlrpc_value *key, xmlrpc_value *value, char *why,
                      size_t whylen) {
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  const char *name = NULL;
  size_t name_len = 0;
  xmlrpc_read_string_lp(&env, key, &name_len, &name);
  if (env.fault_occurred || strlen(name) != name_len) {
    snprintf(why, whylen, "a member name is not a plain string");
    if (!env.fault_occurred)
      free((void *)name);
    xmlrpc_env_clean(&env);
    return -1;
  }
  custapi_error err = CUSTAPI_ERROR_INIT;
  int rc = 0;
  const custapi_property_info *p = custapi_schema_find(name);
  xmlrpc_type type = xmlrpc_value_type(value);
  if (!p) {
    rc = custapi__customer_set_text(c, name, "", 0, &err); /* read-only or unknown */
    if (rc == 0) {
      snprintf(why, whylen, "%s: not accepted", name);
      rc = -1;
    }
  } else if (p->type == CUSTAPI_TYPE_INTEGER) {
    int v = 0;
    if (type != XMLRPC_TYPE_INT) {
      snprintf(why, whylen, "%s: must be an <int>, not %s (%s)", name, type_label(type), p->rule);
      rc = -1;
    } else {
      xmlrpc_read_int(&env, value, &v);
      rc = custapi_customer_set_int(c, name, v, &err);
    }
  } else if (type != XMLRPC_TYPE_STRING) {
    snprintf(why, whylen, "%s: must be a <string>, not %s (%s)", name, type_label(type), p->rule);
    rc = -1;
  } else {
    const char *text = NULL;
    size_t len = 0;
    xmlrpc_read_string_lp(&env, value, &len, &text);
    if (env.fault_occurred) {
      snprintf(why, whylen, "%s: unreadable string: %s", name, env.fault_string);
      rc = -1;
    } else {
      rc = custapi__customer_set_text(c, name, text, len, &err);
      free((void *)text);
    }
  }
  if (rc < 0 && why[0] == '\0')
    snprintf(why, whylen, "%s", err.message);
  free((void *)name);
  xmlrpc_env_clean(&env);
  return rc < 0 ? -1 : 0;
}

static int changes_from_struct(custapi_customer *c, xmlrpc_value *props, char *why, size_t whylen) {
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  int size = xmlrpc_struct_size(&env, props);
  int rc = 0;
  for (int i = 0; i < size && rc == 0; i++) {
    xmlrpc_value *key = NULL, *value = NULL;
    xmlrpc_struct_read_member(&env, props, (unsigned)i, &key, &value);
    if (env.fault_occurred) {
      snprintf(why, whylen, "unreadable struct member: %s", env.fault_string);
      rc = -1;
      break;
    }
    why[0] = '\0';
    rc = add_member(c, key, value, why, whylen);
    xmlrpc_DECREF(key);
    xmlrpc_DECREF(value);
  }
  xmlrpc_env_clean(&env);
  if (rc == 0 && custapi_customer_count(c) == 0) {
    snprintf(why, whylen, "nothing to update: the struct has no members");
    rc = -1;
  }
  custapi_error err = CUSTAPI_ERROR_INIT;
  if (rc == 0 && custapi_validate(c, CUSTAPI_VALIDATE_PARTIAL, 0, NULL, NULL, &err) < 0) {
    snprintf(why, whylen, "%s", err.message);
    rc = -1;
  }
  return rc;
}

/* Reads param `index` as the customer id; 0, or -1 after replying with a fault. */
static int read_id(rs_reply *out, xmlrpc_value *params, int32_t *id) {
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  xmlrpc_value *v = NULL;
  xmlrpc_array_read_item(&env, params, 0, &v);
  int rc = 0;
  if (env.fault_occurred) {
    rs_xmlrpc_fault(out, FAULT_PARAMS, "missing parameter 1 (int id)");
    rc = -1;
  } else if (xmlrpc_value_type(v) != XMLRPC_TYPE_INT) {
    char message[128];
    snprintf(message, sizeof message, "parameter 1 (id) must be an <int>, not %s",
             type_label(xmlrpc_value_type(v)));
    rs_xmlrpc_fault(out, FAULT_PARAMS, message);
    rc = -1;
  } else {
    int value = 0;
    xmlrpc_read_int(&env, v, &value);
    *id = value;
    if (value <= 0) {
      char message[64];
      snprintf(message, sizeof message, "customer %d not found", value);
      rs_xmlrpc_fault(out, FAULT_NOT_FOUND, message);
      rc = -1;
    }
  }
  if (v)
    xmlrpc_DECREF(v);
  xmlrpc_env_clean(&env);
  return rc;
}

static int check_count(rs_reply *out, xmlrpc_value *params, int want, const char *signature) {
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  int n = xmlrpc_array_size(&env, params);
  xmlrpc_env_clean(&env);
  if (n == want)
    return 0;
  char message[160];
  snprintf(message, sizeof message, "wrong number of parameters: %d given, %d expected (%s)", n,
           want, signature);
  rs_xmlrpc_fault(out, FAULT_PARAMS, message);
  return -1;
}

static void update_customer(rs_reply *out, rs_store *store, xmlrpc_value *params) {
  int32_t id;
  if (check_count(out, params, 2, "int id, struct properties") < 0 || read_id(out, params, &id) < 0)
    return;
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  xmlrpc_value *props = NULL;
  xmlrpc_array_read_item(&env, params, 1, &props);
  xmlrpc_env_clean(&env);
  if (!props || xmlrpc_value_type(props) != XMLRPC_TYPE_STRUCT) {
    char message[128];
    snprintf(message, sizeof message, "parameter 2 (properties) must be a <struct>, not %s",
             props ? type_label(xmlrpc_value_type(props)) : "missing");
    rs_xmlrpc_fault(out, FAULT_PARAMS, message);
    if (props)
      xmlrpc_DECREF(props);
    return;
  }
  custapi_customer *existing = NULL, *changes = NULL;
  rs_store_status rc = rs_store_get(store, id, &existing);
  custapi_customer_free(existing);
  char why[768];
  if (rc == RS_STORE_NOT_FOUND) {
    snprintf(why, sizeof why, "customer %d not found", id);
    rs_xmlrpc_fault(out, FAULT_NOT_FOUND, why);
  } else if (rc != RS_STORE_OK || custapi_customer_new(&changes, 0) < 0) {
    rs_xmlrpc_fault(out, FAULT_INTERNAL, "storage error");
  } else if (changes_from_struct(changes, props, why, sizeof why) < 0) {
    rs_xmlrpc_fault(out, FAULT_INVALID, why);
  } else if (rs_diverge_refused(RS_PROTOCOL_XMLRPC, changes)) {
    snprintf(why, sizeof why, "%s: not accepted by this server (divergence knob)",
             rs_diverge_refused(RS_PROTOCOL_XMLRPC, changes));
    rs_xmlrpc_fault(out, FAULT_INVALID, why);
  } else {
    rs_diverge_drop(RS_PROTOCOL_XMLRPC, changes);
    rc = rs_store_update(store, id, changes);
    if (rc == RS_STORE_OK) {
      xmlrpc_env_init(&env);
      xmlrpc_value *v = xmlrpc_int_new(&env, id);
      if (!env.fault_occurred)
        reply_value(out, v);
      else
        rs_xmlrpc_fault(out, FAULT_INTERNAL, "out of memory");
      xmlrpc_env_clean(&env);
    } else if (rc == RS_STORE_NOT_FOUND) {
      snprintf(why, sizeof why, "customer %d not found", id);
      rs_xmlrpc_fault(out, FAULT_NOT_FOUND, why);
    } else if (rc == RS_STORE_HASH_MISMATCH) {
      rs_xmlrpc_fault(out, FAULT_INVALID, "hash: does not match the customer's hash");
    } else {
      rs_xmlrpc_fault(out, FAULT_INTERNAL, "storage error");
    }
  }
  custapi_customer_free(changes);
  xmlrpc_DECREF(props);
}

static void get_customer(rs_reply *out, rs_store *store, xmlrpc_value *params) {
  int32_t id;
  if (check_count(out, params, 1, "int id") < 0 || read_id(out, params, &id) < 0)
    return;
  if (rs_diverge_read_fails())
    rs_xmlrpc_fault(out, FAULT_INTERNAL, "reads are failing on this server (divergence knob)");
  else
    reply_customer(out, store, id);
}

static void list_methods(rs_reply *out, xmlrpc_value *params) {
  if (check_count(out, params, 0, "no parameters") < 0)
    return;
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  xmlrpc_value *list = xmlrpc_array_new(&env);
  for (size_t i = 0; i < sizeof method_names / sizeof method_names[0] && !env.fault_occurred; i++) {
    if (!served(method_names[i]))
      continue;
    xmlrpc_value *name = xmlrpc_string_new(&env, method_names[i]);
    if (env.fault_occurred)
      break;
    xmlrpc_array_append_item(&env, list, name);
    xmlrpc_DECREF(name);
  }
  if (env.fault_occurred) {
    rs_xmlrpc_fault(out, FAULT_INTERNAL, env.fault_string);
    if (list)
      xmlrpc_DECREF(list);
  } else {
    reply_value(out, list);
  }
  xmlrpc_env_clean(&env);
}

/* The answer written as its caller's library reads it back (xml_encoding.h). */
static void in_dialect(rs_reply *out, custapi_xml_encoding dialect) {
  if (out->body && custapi__xml_write_dialect(&out->body, &out->len, dialect) < 0) {
    free(out->body);
    *out = (rs_reply){500, "text/plain", NULL, 0, NULL, NULL};
  }
}

int rs_contains_doctype(const char *body, size_t len) {
  static const char needle[] = "<!doctype";
  size_t n = sizeof needle - 1;
  for (size_t i = 0; i + n <= len; i++) {
    size_t k = 0;
    while (k < n) {
      char c = body[i + k];
      if (c >= 'A' && c <= 'Z')
        c = (char)(c - 'A' + 'a');
      if (c != needle[k])
        break;
      k++;
    }
    if (k == n)
      return 1;
  }
  return 0;
}

void rs_xmlrpc_handle(rs_reply *out, rs_store *store, const char *body, size_t len) {
  if (rs_contains_doctype(body, len)) {
    /* Entity expansion: refused before the parser ever sees it. */
    rs_xmlrpc_fault(out, FAULT_PARSE, "parse error: a <!DOCTYPE> is not accepted");
    in_dialect(out, as_php ? CUSTAPI_XML_LATIN1 : CUSTAPI_XML_UTF8);
    return;
  }
  /* The same reading as the client's and the gateway's (xml_encoding.h): the screen, since
   * xmlrpc-c mishandles more than entities, then every accepted encoding as UTF-8. */
  custapi_xml_reading reading;
  int rc = custapi__xml_read(&reading, body, len, CUSTAPI_XML_CALL);
  custapi_xml_encoding dialect = as_php ? CUSTAPI_XML_LATIN1 : reading.check.encoding;
  if (rc < 0) {
    char message[200];
    snprintf(message, sizeof message, "parse error: %s (byte %zu)",
             rc == CUSTAPI_XML_READ_NOMEM ? "out of memory" : reading.check.message,
             reading.check.offset + 1);
    rs_xmlrpc_fault(out, FAULT_PARSE, message);
    custapi__xml_reading_clear(&reading);
    in_dialect(out, dialect);
    return;
  }
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  const char *method = NULL;
  xmlrpc_value *params = NULL;
  xmlrpc_parse_call(&env, reading.text, reading.len, &method, &params);
  custapi__xml_reading_clear(&reading);
  if (env.fault_occurred) {
    char message[600];
    snprintf(message, sizeof message, "parse error: %s", env.fault_string);
    rs_xmlrpc_fault(out, FAULT_PARSE, message);
    xmlrpc_env_clean(&env);
    in_dialect(out, dialect);
    return;
  }
  xmlrpc_env_clean(&env);
  if (!served(method))
    goto unknown;
  if (strcmp(method, "customers.UpdateCustomer") == 0 || strcmp(method, "UpdateCustomer") == 0)
    update_customer(out, store, params);
  else if (strcmp(method, "customers.GetCustomer") == 0 || strcmp(method, "GetCustomer") == 0)
    get_customer(out, store, params);
  else if (strcmp(method, "system.listMethods") == 0)
    list_methods(out, params);
  else {
  unknown:;
    char message[300];
    snprintf(message, sizeof message, "unknown method: %.200s", method);
    rs_xmlrpc_fault(out, FAULT_NO_METHOD, message);
  }
  free((void *)method);
  xmlrpc_DECREF(params);
  in_dialect(out, dialect);
}
