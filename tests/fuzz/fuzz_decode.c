/*
 * The response decoders of both protocols, compiled twice (FUZZ_PROTOCOL picks the backend).
 * The first two bytes choose the HTTP status and whether it is an update or a read; the rest
 * is the body. Invariants besides "no crash": a failure has a category of the error model and a
 * one-line message; a decoded customer's fields are well-formed. Over XML-RPC the decoder
 * reads the body (xml_encoding.h: the screen, ISO-8859-1 transcoded) and hands what passes to
 * xmlrpc-c's xmlrpc_parse_response2: a 2xx body the reading accepts must never come back as
 * xmlrpc-c's "malformed" error.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec_table.h"
#include "custapi/custapi.h"
#include "rest.h"
#include "xml_encoding.h"
#include "xmlrpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int statuses[] = {200, 201, 204, 301, 400, 401, 403, 404, 409, 422, 429, 500, 503};

static void check_error(int rc, const custapi_error *err) {
  if (rc >= 0)
    return;
  if (err->category < CUSTAPI_CATEGORY_AUTH || err->category > CUSTAPI_CATEGORY_INTERNAL ||
      rc != -(int)err->category || strchr(err->message, '\n') || !err->message[0])
    abort();
}

/* A schema property holds the schema's type, an integer within 32 bits (never saturated). */
static int has_schema_type(const custapi_field *f) {
  const custapi_property_info *p = custapi_schema_find(f->name);
  if (!p)
    return 1;
  if (p->type == CUSTAPI_TYPE_INTEGER)
    return f->type == CUSTAPI_VALUE_INTEGER && f->integer >= INT32_MIN && f->integer <= INT32_MAX;
  return f->type == CUSTAPI_VALUE_STRING;
}

/* Over XML-RPC, what the screen accepts xmlrpc-c must parse: its refusal would be a hole. */
static void check_screen(int rc, const custapi_error *err, const custapi_http_response *r) {
  if (FUZZ_PROTOCOL != CUSTAPI_PROTOCOL_XMLRPC || rc >= 0 || r->status < 200 || r->status > 299)
    return;
  custapi_xml_reading reading;
  int refused = custapi__xml_read(&reading, r->body, r->body_len, CUSTAPI_XML_RESPONSE) < 0;
  custapi__xml_reading_clear(&reading);
  if (refused)
    return;
  static const char malformed[] = "malformed XML-RPC response"; /* xmlrpc-c's refusal */
  if (!err->has_fault_code && strncmp(err->message, malformed, sizeof malformed - 1) == 0)
    abort();
}

static void check_customer(const custapi_customer *c) {
  if (custapi_customer_count(c) > 1000)
    abort();
  for (size_t i = 0; i < custapi_customer_count(c); i++) {
    const custapi_field *f = custapi_customer_at(c, i);
    if (!f->name || (f->type == CUSTAPI_VALUE_STRING && (!f->string || f->string[f->string_len])))
      abort();
    if (!has_schema_type(f))
      abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2)
    return 0;
  const custapi_backend_ops *ops = custapi__backend_for(FUZZ_PROTOCOL);
  char *body = malloc(size - 1);
  if (!body)
    return 0;
  memcpy(body, data + 2, size - 2);
  body[size - 2] = '\0';
  custapi_http_response response = {
      .status = statuses[data[0] % (sizeof statuses / sizeof statuses[0])],
      .body = body,
      .body_len = size - 2,
      .content_type = data[1] & 2 ? "text/html" : NULL,
  };
  custapi_error err;
  /* The answer held to an id and credentials (the check and the redaction of every caller). */
  custapi_answer_ask ask = {(data[1] & 8) ? 7 : 0, "demo", "key", NULL};
  if (data[1] & 1) {
    custapi_result *r = NULL;
    int rc = custapi__decode_update(ops, &r, &response,
                                    (data[1] & 4) ? CUSTAPI_DECODE_NO_CUSTOMER : 0u, &ask, &err);
    check_error(rc, &err);
    check_screen(rc, &err, &response);
    if (rc == 0 && custapi_result_customer(r))
      check_customer(custapi_result_customer(r));
    custapi_result_free(r);
  } else {
    custapi_customer *c = NULL;
    int rc = custapi__decode_get(ops, &c, &response, &ask, &err);
    check_error(rc, &err);
    check_screen(rc, &err, &response);
    if (rc == 0)
      check_customer(c);
    custapi_customer_free(c);
  }
  free(body);
  return 0;
}
