/* The result of an update or a read: what the codecs fill and the client completes. */
#ifndef CUSTAPI_RESULT_INTERNAL_H
#define CUSTAPI_RESULT_INTERNAL_H

#include "custapi/custapi.h"

struct custapi_result {
  const char *protocol;       /* static: the backend's name */
  int http_status;
  int attempts;
  long elapsed_ms;
  custapi_customer *customer; /* owned, or NULL */
  int has_value;              /* XML-RPC's integer result */
  int64_t value;
  int has_answer_id; /* an answer checked without building its customer: its id */
  int64_t answer_id;
};

/* A zeroed result; CUSTAPI_EINTERNAL when memory runs out. */
int custapi__result_new(custapi_result **out);

#endif
