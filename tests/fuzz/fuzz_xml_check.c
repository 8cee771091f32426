/*
 * The XML screen against xmlrpc-c: whatever the screen accepts as a methodResponse,
 * xmlrpc_parse_response2 parses without error, and whatever it accepts as a methodCall,
 * xmlrpc_parse_call does (both from check.start, past a UTF-8 byte-order mark, which
 * xmlrpc-c's expat refuses), with the size limit custapi sets. xmlrpc-c is Debian's
 * uninstrumented build: a crash inside it shows as a signal, and ASan sees only its effects;
 * the screen itself is instrumented. xmlrpc-c may refuse more: that is fine.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <xmlrpc-c/base.h>

#include "xml_check.h"
#include "xmlrpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void refused_what_we_accepted(const char *what, xmlrpc_env *env) {
  fprintf(stderr, "the screen accepted a %s that xmlrpc-c refuses: %s\n", what,
          env->fault_string ? env->fault_string : "?");
  abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  custapi__xmlrpc_global_init();
  const char *text = (const char *)data;
  custapi_xml_check check;
  if (custapi__xml_check(&check, text, size, CUSTAPI_XML_RESPONSE) == 0) {
    xmlrpc_env env;
    xmlrpc_env_init(&env);
    xmlrpc_value *v = NULL;
    int code = 0;
    const char *fault = NULL;
    xmlrpc_parse_response2(&env, text + check.start, size - check.start, &v, &code, &fault);
    if (env.fault_occurred)
      refused_what_we_accepted("methodResponse", &env);
    if (fault)
      free((void *)fault);
    else
      xmlrpc_DECREF(v);
    xmlrpc_env_clean(&env);
  }
  if (custapi__xml_check(&check, text, size, CUSTAPI_XML_CALL) == 0) {
    xmlrpc_env env;
    xmlrpc_env_init(&env);
    const char *method = NULL;
    xmlrpc_value *params = NULL;
    xmlrpc_parse_call(&env, text + check.start, size - check.start, &method, &params);
    if (env.fault_occurred)
      refused_what_we_accepted("methodCall", &env);
    free((void *)method);
    xmlrpc_DECREF(params);
    xmlrpc_env_clean(&env);
  }
  return 0;
}
