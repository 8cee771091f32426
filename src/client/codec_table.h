/* The client layer's lookup of the codecs' ops tables (codec_table.c). */
#ifndef CUSTAPI_BACKENDS_H
#define CUSTAPI_BACKENDS_H

#include "codec.h"

/* The backend of a protocol, or NULL. */
const custapi_backend_ops *custapi__backend_for(custapi_protocol protocol);

/* The protocol whose backend is named `name` (any case); -1 when none is. */
int custapi__backend_by_name(custapi_protocol *out, const char *name);

/* Every backend's global_init, once per process before threads start. */
void custapi__backends_global_init(void);

/*
 * What an answer is asked to be about, and the credentials that must not leave in what it
 * carries: the client fills it from its options, the gateway from its caller's Authorization
 * header (custapi__answer_ask_from_authorization, trace.h).
 */
typedef struct custapi_answer_ask {
  int32_t id;           /* the customer asked for; 0: none (a probe) */
  const char *username; /* with secret: the key and its Basic token are redacted; NULL: none */
  const char *secret;
  char *owned; /* custapi__answer_ask_from_header's copy of them, or NULL */
} custapi_answer_ask;

/*
 * The credentials of an Authorization header, "Basic TOKEN" (base64 of "user:secret"), into
 * ask->username and ask->secret, in a copy of its own that custapi__answer_ask_clear wipes and
 * frees (the gateway, which holds no key, redacts its caller's). Any other header, or none,
 * leaves them NULL. CUSTAPI_EINTERNAL only when memory runs out.
 */
int custapi__answer_ask_from_header(custapi_answer_ask *ask, const char *authorization);
void custapi__answer_ask_clear(custapi_answer_ask *ask);

/* Every string of `customer` with ask's credentials in it replaced by "[redacted]" (what the
 * decode path does to every answer; the gateway's record and report do it to what a caller
 * sent). 0, or CUSTAPI_EINTERNAL when memory runs out. */
int custapi__answer_redact_customer(custapi_customer *customer, const custapi_answer_ask *ask,
                                    custapi_error *err);

/*
 * Decoding an answer, for every caller (the client's calls, bulk, the gateway's translation and
 * shadow reads): an answer that is not a 2xx becomes its error through custapi__http_failure
 * before the codec sees it, so it is the same for both protocols; a 2xx goes to the codec, and
 * what it decoded is then held to `ask` here, once: a customer whose id is not `ask->id` is a
 * protocol error naming both ids (a server's mix-up must not pass for success), and the key or
 * its Basic token inside a customer's string is replaced by "[redacted]", so that no output
 * (stdout's JSON, results files, the gateway's answers and reports) can show it. `flags` as
 * decode_update's (CUSTAPI_DECODE_NO_CUSTOMER).
 */
int custapi__decode_update(const custapi_backend_ops *ops, custapi_result **out,
                           const custapi_http_response *response, unsigned flags,
                           const custapi_answer_ask *ask, custapi_error *err);
int custapi__decode_get(const custapi_backend_ops *ops, custapi_customer **out,
                        const custapi_http_response *response, const custapi_answer_ask *ask,
                        custapi_error *err);
int custapi__decode_probe(const custapi_backend_ops *ops, custapi_probe_info *out,
                          const custapi_http_response *response, const custapi_endpoint *endpoint,
                          custapi_error *err);

#endif
