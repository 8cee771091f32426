/*
 * The codecs' request side (the gateway's door): a caller's PUT body (first byte even) or
 * methodCall (odd). Invariants besides "no crash": a failure has a category of the error model
 * and a one-line message; an update that decodes and validates encodes over both protocols,
 * and its methodCall decodes back to the same properties (the door and the client agree).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/rest/rest_request.h"
#include "../../src/xmlrpc/xmlrpc.h"
#include "codec.h"
#include "custapi/custapi.h"
#if defined(__has_include)
#if __has_include("codec_table.h")
#include "codec_table.h"
#endif
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_error(int rc, const custapi_error *err) {
  if (rc >= 0)
    return;
  if (err->category < CUSTAPI_CATEGORY_USAGE || err->category > CUSTAPI_CATEGORY_INTERNAL ||
      rc != -(int)err->category || strchr(err->message, '\n') || !err->message[0])
    abort();
}

static int same_fields(const custapi_customer *a, const custapi_customer *b) {
  if (custapi_customer_count(a) != custapi_customer_count(b))
    return 0;
  for (size_t i = 0; i < custapi_customer_count(a); i++) {
    const custapi_field *f = custapi_customer_at(a, i);
    const custapi_field *g = custapi_customer_get(b, f->name);
    if (!g || g->type != f->type)
      return 0;
    if (f->type == CUSTAPI_VALUE_STRING &&
        (f->string_len != g->string_len || memcmp(f->string, g->string, f->string_len)))
      return 0;
    if (f->type == CUSTAPI_VALUE_INTEGER && f->integer != g->integer)
      return 0;
  }
  return 1;
}

/* The update's methodCall decodes back to it, as written for a caller of `dialect`. */
static void decodes_back(int32_t id, const custapi_customer *properties,
                         const custapi_http_request *req, custapi_xml_encoding dialect) {
  char *doc = malloc(req->body_len + 1);
  size_t len = req->body_len;
  custapi_error err;
  if (!doc)
    return;
  memcpy(doc, req->body, len + 1);
  if (custapi__xml_write_dialect(&doc, &len, dialect) < 0) {
    free(doc);
    return;
  }
  custapi_xmlrpc_call back;
  if (custapi__xmlrpc_decode_call(&back, doc, len, "customers.", 0, &err) < 0 ||
      back.kind != CUSTAPI_XMLRPC_CALL_UPDATE || back.id != id ||
      !same_fields(properties, back.properties) ||
      back.dialect != (dialect == CUSTAPI_XML_LATIN1 ? CUSTAPI_XML_LATIN1 : CUSTAPI_XML_UTF8))
    abort();
  custapi__xmlrpc_call_clear(&back);
  free(doc);
}

/* A validated update: both encoders take it; XML-RPC's call decodes back to it, in UTF-8 and
 * as written for a PHP caller (ISO-8859-1, byte references). */
static void round_trip(int32_t id, const custapi_customer *properties) {
  custapi_error err;
  if (custapi_validate(properties, CUSTAPI_VALIDATE_PARTIAL, 0, NULL, NULL, &err) < 0)
    return;
  custapi_endpoint ep = {"http://127.0.0.1", "customers."};
  custapi_http_request req = {0};
  if (custapi__backend_for(CUSTAPI_PROTOCOL_REST)->encode_update(&req, &ep, id, properties, &err) <
      0)
    abort();
  custapi__http_request_clear(&req);
  if (custapi__backend_for(CUSTAPI_PROTOCOL_XMLRPC)
          ->encode_update(&req, &ep, id, properties, &err) < 0)
    abort();
  decodes_back(id, properties, &req, CUSTAPI_XML_UTF8);
  decodes_back(id, properties, &req, CUSTAPI_XML_LATIN1);
  custapi__http_request_clear(&req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  const char *body = (const char *)data + 1;
  size_t len = size - 1;
  custapi_error err;
  if (data[0] % 2 == 0) {
    custapi_customer *c = NULL;
    int rc = custapi__rest_decode_update_request(&c, body, len, 0, &err);
    check_error(rc, &err);
    if (rc == 0)
      round_trip(42, c);
    custapi_customer_free(c);
  } else {
    custapi_xmlrpc_call call;
    int rc = custapi__xmlrpc_decode_call(&call, body, len, "customers.", 0, &err);
    check_error(rc, &err);
    if (rc == 0 && call.kind == CUSTAPI_XMLRPC_CALL_UPDATE)
      round_trip(call.id, call.properties);
    custapi__xmlrpc_call_clear(&call);
  }
  return 0;
}
