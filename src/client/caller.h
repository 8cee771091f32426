/*
 * The call machinery without credentials of its own (call.c): a transport (one curl multi
 * handle, one connection cache), the retry policy, its timers, the 429 hold and the redaction of
 * what an error quotes of an answer. A client runs every call on one of these, with its key; the
 * gateway runs its callers' calls on one, each request carrying its caller's Authorization.
 * This header is what the client layer offers the gateway (src/gateway); nothing else of the
 * client's is reached from there.
 */
#ifndef CUSTAPI_CALLER_H
#define CUSTAPI_CALLER_H

#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "codec_table.h" /* the codec of a protocol, and the decoding of an answer */
#include "custapi/custapi.h"
#include "noise.h" /* what the shadow reads know of noise, as compare does (utc.h with it) */
#include "transport.h"

/* What the client's options leave to the library: one place for every user of them. */
#define CUSTAPI_DEFAULT_TIMEOUT_MS 30000L
#define CUSTAPI_DEFAULT_MAX_RESPONSE_BYTES ((size_t)1024 * 1024)

typedef struct custapi_caller {
  custapi_transport *transport;
  int retries;
  long timeout_ms;        /* per attempt, as the transport has it */
  const char *username;   /* redacted from errors with `secret`; NULL: none */
  const char *secret;     /* the key; NULL for the gateway */
  custapi_trace_fn trace; /* or NULL */
  void *trace_payload;
  /* A 429 or a Retry-After holds every call on this caller until then (bulk: every slot; the
   * gateway: every caller's call). */
  uint64_t hold_until_ms;
  uint64_t jitter_state; /* the backoff's generator: per caller, never shared between threads */
} custapi_caller;

/*
 * A caller with no credentials of its own, from a client's options (their defaults applied
 * here as custapi_client_new applies them; the key and the username are not read): what the
 * gateway drives. `o` is checked as the client checks it, less the key. Free with
 * custapi__caller_free.
 */
int custapi__caller_new(custapi_caller **out, const custapi_options *o, custapi_error *err);
void custapi__caller_free(custapi_caller *caller);

/*
 * The longest a call on `caller` can take, retries, backoff and Retry-After waits included
 * (timeout x attempts + the longest wait before each retry and before the first attempt).
 */
long custapi__caller_deadline_ms(const custapi_caller *caller);

/* An answer as it came, kept by a call with `keep` set (the gateway's verbatim answers). */
typedef struct custapi_kept_answer {
  int status; /* 0: no answer */
  char *body; /* owned, NUL-terminated */
  size_t body_len;
  char content_type[256];
  char location[512];
  char retry_after[64];
} custapi_kept_answer;

void custapi__kept_answer_clear(custapi_kept_answer *answer);

/* ---- one call: attempts, retries and backoff on the transport's loop ---- */

typedef struct custapi_call {
  void (*on_done)(struct custapi_call *k); /* an asynchronous call's completion, or NULL */
  custapi_caller *caller;
  const custapi_backend_ops *ops;   /* the codec decoding the answers */
  const custapi_endpoint *endpoint; /* a probe's */
  const custapi_http_request *request;
  int32_t id; /* the customer asked for (its answer must be of it); 0 for a probe */
  int is_update;
  int brief; /* an update whose returned customer is not wanted */
  int is_probe;
  int raw;  /* any HTTP answer is the outcome, not decoded and never retried */
  int keep; /* the last answer is kept in `answer` */
  /* Credentials of this call's own (a gateway caller's), redacted as the caller's are. */
  const char *redact_username, *redact_secret;
  int maybe_applied; /* an update: an attempt's request went out and its answer was not read */
  int attempts;
  int done;
  int rc;
  int http_status;
  custapi_error err;
  custapi_result *result;     /* an update's */
  custapi_customer *customer; /* a read's */
  custapi_probe_info probe;   /* a probe's */
  custapi_kept_answer answer; /* with `keep` */
} custapi_call;

/* Starts the call's next attempt (a transport timer callback; `payload` is the call), waiting
 * first while the caller is held (a 429 or a Retry-After). */
void custapi__call_start(void *payload);

/* Queues the call's first attempt on the loop: on_done is never called before this returns. */
int custapi__call_begin(custapi_call *k, custapi_error *err);

/* Marks the call done with `rc` and calls its on_done, which may free it. */
void custapi__call_finish(custapi_call *k, int rc);

/* Runs one request to its end, retries included. The caller owns k->result / k->customer. */
int custapi__call_run(custapi_call *k);

/* Frees what a finished call decoded or kept (result, customer, probe, answer). */
void custapi__call_clear(custapi_call *k);

#endif
