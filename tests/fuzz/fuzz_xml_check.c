/*
 * The XML screen against xmlrpc-c: whatever the one reading (xml_encoding.h: the screen, then
 * an ISO-8859-1 document transcoded and screened again) accepts as a methodResponse,
 * xmlrpc_parse_response2 parses without error, and whatever it accepts as a methodCall,
 * xmlrpc_parse_call does (both from what the reading hands on: past a UTF-8 byte-order mark,
 * which xmlrpc-c's expat refuses), with the size limit custapi sets. xmlrpc-c is Debian's
 * uninstrumented build: a crash inside it shows as a signal, and ASan sees only its effects;
 * the screen itself is instrumented. xmlrpc-c may refuse more: that is fine. Each input is
 * tried as a whole document and as the content of one <value> of a response, under each of
 * the three declarations accepted.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xmlrpc-c/base.h>

#include "xml_encoding.h"
#include "xmlrpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void refused_what_we_accepted(const char *what, xmlrpc_env *env) {
  fprintf(stderr, "the screen accepted a %s that xmlrpc-c refuses: %s\n", what,
          env->fault_string ? env->fault_string : "?");
  abort();
}

/* The screen's verdict on text[0..size) as a response, held against xmlrpc-c's. */
static void response(const char *text, size_t size) {
  custapi_xml_reading reading;
  if (custapi__xml_read(&reading, text, size, CUSTAPI_XML_RESPONSE) < 0) {
    custapi__xml_reading_clear(&reading);
    return;
  }
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  xmlrpc_value *v = NULL;
  int code = 0;
  const char *fault = NULL;
  xmlrpc_parse_response2(&env, reading.text, reading.len, &v, &code, &fault);
  custapi__xml_reading_clear(&reading);
  if (env.fault_occurred)
    refused_what_we_accepted("methodResponse", &env);
  if (fault)
    free((void *)fault);
  else
    xmlrpc_DECREF(v);
  xmlrpc_env_clean(&env);
}

static void call(const char *text, size_t size) {
  custapi_xml_reading reading;
  if (custapi__xml_read(&reading, text, size, CUSTAPI_XML_CALL) < 0) {
    custapi__xml_reading_clear(&reading);
    return;
  }
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  const char *method = NULL;
  xmlrpc_value *params = NULL;
  xmlrpc_parse_call(&env, reading.text, reading.len, &method, &params);
  custapi__xml_reading_clear(&reading);
  if (env.fault_occurred)
    refused_what_we_accepted("methodCall", &env);
  free((void *)method);
  xmlrpc_DECREF(params);
  xmlrpc_env_clean(&env);
}

#define HEAD "<methodResponse><params><param><value>"
#define TAIL "</value></param></params></methodResponse>"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  custapi__xmlrpc_global_init();
  response((const char *)data, size);
  call((const char *)data, size);
  /* The input again as one value of a response: most mutations of a whole document break
   * its grammar, so this is where the typed values and the text get fuzzed. */
  static const char *const declarations[] = {"", "<?xml version=\"1.0\" encoding=\"us-ascii\"?>",
                                             "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>"};
  static char wrapped[64 + sizeof HEAD + 65536 + sizeof TAIL];
  if (size > 65536)
    return 0;
  for (size_t i = 0; i < sizeof declarations / sizeof declarations[0]; i++) {
    size_t d = strlen(declarations[i]);
    memcpy(wrapped, declarations[i], d);
    memcpy(wrapped + d, HEAD, sizeof HEAD - 1);
    memcpy(wrapped + d + sizeof HEAD - 1, data, size);
    memcpy(wrapped + d + sizeof HEAD - 1 + size, TAIL, sizeof TAIL - 1);
    response(wrapped, d + sizeof HEAD - 1 + size + sizeof TAIL - 1);
  }
  return 0;
}
