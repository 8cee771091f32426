/*
 * The validator on JSON input. json-c is not instrumented (a Debian build), so besides "no
 * crash" the harness asserts our own invariants: a customer that validates serialises to JSON
 * that sets an equal customer, which validates again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "custapi/custapi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  unsigned flags = size ? data[0] & 3u : 0;
  custapi_customer *c;
  if (custapi_customer_new(&c, flags) < 0)
    return 0;
  custapi_error err;
  const char *json = size ? (const char *)data + 1 : "";
  size_t len = size ? size - 1 : 0;
  if (custapi_customer_set_json(c, json, len, &err) == 0 &&
      custapi_validate(c, CUSTAPI_VALIDATE_PARTIAL, 0, NULL, NULL, &err) == 0) {
    char *text;
    if (custapi_customer_to_json(&text, c) == 0) {
      custapi_customer *again;
      if (custapi_customer_new(&again, flags) == 0) {
        if (custapi_customer_set_json(again, text, strlen(text), &err) != 0 ||
            custapi_validate(again, CUSTAPI_VALIDATE_PARTIAL, 0, NULL, NULL, &err) != 0)
          abort(); /* a valid customer must survive its own JSON */
        char *text2;
        if (custapi_customer_to_json(&text2, again) == 0) {
          if (strcmp(text, text2) != 0)
            abort();
          custapi_free(text2);
        }
        custapi_customer_free(again);
      }
      custapi_free(text);
    }
  } else if (err.category != CUSTAPI_CATEGORY_INVALID &&
             err.category != CUSTAPI_CATEGORY_INTERNAL) {
    abort(); /* bad input is "invalid", nothing else */
  } else if (strchr(err.message, '\n')) {
    abort(); /* one line */
  }
  custapi_customer_free(c);
  return 0;
}
