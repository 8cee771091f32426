/*
 * One call machinery for both protocols, and for the client and the gateway alike (caller.h). A
 * call is a small state machine on the transport's loop (start an attempt, decode its response,
 * decide a retry, wait on a timer, start again), so that many calls can share one loop (bulk); a
 * single call steps the loop until it is done.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "caller.h"
#include "codec.h"
#include "codec_table.h"
#include "error.h"
#include "result.h"
#include "retry.h"
#include "trace.h"
#include "transport.h"

static void trace_info(const custapi_caller *c, const char *fmt, ...) CUSTAPI_PRINTF(2, 3);

static void trace_info(const custapi_caller *c, const char *fmt, ...) {
  if (!c->trace)
    return;
  char line[CUSTAPI_ERROR_MESSAGE_MAX + 128];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
  c->trace(CUSTAPI_TRACE_INFO, line, len, c->trace_payload);
}

void custapi__call_finish(custapi_call *k, int rc) {
  k->done = 1;
  k->rc = rc;
  /* (not on out of memory: that says no more than it is, whatever went out) */
  if (rc < 0 && k->maybe_applied && k->err.category != CUSTAPI_CATEGORY_INTERNAL)
    custapi__error_note_maybe_applied(&k->err);
  else
    k->maybe_applied = 0; /* succeeded after all, or out of memory: no more than that said */
  if (k->on_done)
    k->on_done(k); /* may free k */
}

/* Adds text after an error's message, cutting what does not fit. */
static void message_append(custapi_error *err, const char *suffix) {
  size_t len = strlen(err->message), n = strlen(suffix);
  if (len + n >= sizeof err->message)
    n = sizeof err->message - 1 - len;
  memcpy(err->message + len, suffix, n);
  err->message[len + n] = '\0';
}

/* Appends " (after N attempts)" to a final error when more than one attempt was made. */
static void note_attempts(custapi_error *err, int attempts) {
  if (attempts < 2)
    return;
  char suffix[40];
  snprintf(suffix, sizeof suffix, " (after %d attempts)", attempts);
  message_append(err, suffix);
}

/* Decides what follows a failed attempt whose error is in k->err. */
static void after_failure(custapi_call *k, int rc, int transport_retryable, const char *retry_after,
                          int http_status) {
  custapi_caller *c = k->caller;
  if (k->raw || !custapi__retry_is_retryable(&k->err, transport_retryable) ||
      k->attempts > c->retries) {
    if (custapi__retry_is_retryable(&k->err, transport_retryable))
      note_attempts(&k->err, k->attempts);
    custapi__call_finish(k, rc);
    return;
  }
  long wait_ms = custapi__retry_backoff_ms(&c->jitter_state, k->attempts);
  long long seconds;
  if (retry_after &&
      custapi__retry_after_seconds(&seconds, retry_after, (long long)time(NULL)) == 0) {
    if (seconds > CUSTAPI_RETRY_AFTER_MAX_S) {
      char suffix[96];
      snprintf(suffix, sizeof suffix,
               "; the server asks to retry after %lld s, more than the %d s "
               "we wait",
               seconds, CUSTAPI_RETRY_AFTER_MAX_S);
      message_append(&k->err, suffix);
      custapi__call_finish(k, rc);
      return;
    }
    wait_ms = (long)seconds * 1000;
  }
  if (retry_after || http_status == 429) {
    /* The server asked everyone to slow down, not just this call: hold every call. */
    uint64_t until = custapi__now_ms() + (uint64_t)wait_ms;
    if (until > c->hold_until_ms)
      c->hold_until_ms = until;
  }
  trace_info(c, "attempt %d failed (%s); retrying in %ld ms", k->attempts, k->err.message, wait_ms);
  custapi_error terr = CUSTAPI_ERROR_INIT;
  int trc = custapi__transport_add_timer(c->transport, wait_ms, custapi__call_start, k, &terr);
  if (trc < 0) {
    k->err = terr;
    custapi__call_finish(k, trc);
  }
}

/* One answer into k: any that is not a 2xx through the one failure path, a 2xx by the codec. */
static int decode_answer(custapi_call *k, const custapi_http_response *r) {
  const custapi_backend_ops *ops = k->ops;
  if (k->raw)
    return 0;
  if (k->is_probe)
    return custapi__decode_probe(ops, &k->probe, r, k->endpoint, &k->err);
  /* The answer is held to the id asked and to the credentials of whoever asked: the caller's
   * own, or (the gateway's) those of the call's Authorization. */
  const custapi_caller *c = k->caller;
  custapi_answer_ask ask = {k->id, k->redact_secret ? k->redact_username : c->username,
                            k->redact_secret ? k->redact_secret : c->secret, NULL};
  if (k->is_update)
    return custapi__decode_update(ops, &k->result, r, k->brief ? CUSTAPI_DECODE_NO_CUSTOMER : 0u,
                                  &ask, &k->err);
  return custapi__decode_get(ops, &k->customer, r, &ask, &k->err);
}

/*
 * A server may echo the key, or the Authorization header's token, in what it answers. What an
 * error quotes of an answer is taken from a copy of the body with the credentials redacted
 * first, so that no cut of an excerpt can leave the start of one in the message. Successes
 * decode the body as it came; only a failure pays for the copy.
 */
static char *redacted_copy(const custapi_call *k, const char *text, size_t n, size_t *len) {
  const custapi_caller *c = k->caller;
  char *clean = custapi__trace_redact_credentials(text, n, c->username, c->secret, len);
  if (!clean || !k->redact_secret)
    return clean;
  char *cleaner =
      custapi__trace_redact_credentials(clean, *len, k->redact_username, k->redact_secret, len);
  custapi__free(clean);
  return cleaner;
}

static void redact_error(custapi_call *k) {
  const custapi_caller *c = k->caller;
  custapi__redact_message(k->err.message, sizeof k->err.message, c->username, c->secret);
  if (k->redact_secret)
    custapi__redact_message(k->err.message, sizeof k->err.message, k->redact_username,
                            k->redact_secret);
}

static int decode_redacted(custapi_call *k, const custapi_http_response *r) {
  int rc = decode_answer(k, r);
  if (rc == 0 || !r->body || r->body_len == 0)
    return rc;
  size_t len = 0;
  char *clean = redacted_copy(k, r->body, r->body_len, &len);
  if (!clean)
    return custapi__error_oom(&k->err);
  if (len != r->body_len || memcmp(clean, r->body, len) != 0) {
    custapi_http_response copy = *r;
    copy.body = clean;
    copy.body_len = len;
    rc = decode_answer(k, &copy);
    if (rc == 0) { /* only the redacted copy decodes: nothing of it may be taken as an answer */
      custapi_result_free(k->result), k->result = NULL;
      custapi_customer_free(k->customer), k->customer = NULL;
      custapi__probe_info_clear(&k->probe);
      rc = custapi__error_set(&k->err, CUSTAPI_CATEGORY_PROTOCOL, NULL,
                              "HTTP %d answer echoes the credentials and could not be decoded%s",
                              r->status, k->is_update ? "; the update may have been applied" : "");
      k->err.http_status = r->status;
    }
  }
  custapi__free(clean);
  return rc;
}

/* The answer as it came, for a call that keeps it. */
static int keep_answer(custapi_call *k, const custapi_http_response *r) {
  custapi_kept_answer *a = &k->answer;
  custapi__kept_answer_clear(a);
  if (!(a->body = custapi__malloc(r->body_len + 1)))
    return custapi__error_oom(&k->err);
  memcpy(a->body, r->body, r->body_len);
  a->body[r->body_len] = '\0';
  a->body_len = r->body_len;
  a->status = r->status;
  snprintf(a->content_type, sizeof a->content_type, "%s", r->content_type ? r->content_type : "");
  snprintf(a->location, sizeof a->location, "%s", r->location ? r->location : "");
  snprintf(a->retry_after, sizeof a->retry_after, "%s", r->retry_after ? r->retry_after : "");
  return 0;
}

static void on_transfer_done(custapi_transfer *t, void *payload) {
  custapi_call *k = payload;
  custapi_caller *c = k->caller;
  custapi_http_response response;
  int retryable = 0;
  char retry_after[128] = "";
  int has_retry_after = 0;
  int status = 0; /* this attempt's, 0 when no response arrived */
  int rc = custapi__transfer_response(&response, &retryable, t, &k->err);
  /* An update that reached the server and whose answer did not come back may have been
   * applied; one whose connection failed before it all went out was not. */
  if (rc < 0 && k->is_update && custapi__transfer_request_sent(t))
    k->maybe_applied = 1;
  if (rc == 0) {
    k->http_status = status = response.status;
    if (response.retry_after) {
      snprintf(retry_after, sizeof retry_after, "%s", response.retry_after);
      has_retry_after = 1;
    }
    custapi_customer_free(k->customer);
    k->customer = NULL;
    custapi_result_free(k->result);
    k->result = NULL;
    custapi__probe_info_clear(&k->probe);
    rc = k->keep ? keep_answer(k, &response) : 0;
    if (rc == 0)
      rc = decode_redacted(k, &response);
    /* A 2xx answer that can't be taken (not a fault, which is the install's clear refusal):
     * the server may have applied the update, and what it said can't tell. */
    if (rc < 0 && k->is_update && custapi__http_is_success(status) &&
        k->err.category == CUSTAPI_CATEGORY_PROTOCOL)
      k->maybe_applied = 1;
  }
  custapi__transfer_release(c->transport, t); /* the response's buffers end here */
  if (rc < 0) /* a server may echo the key (or the Authorization header) back */
    redact_error(k);
  if (rc == 0)
    custapi__call_finish(k, 0);
  else
    after_failure(k, rc, retryable, has_retry_after ? retry_after : NULL, status);
}

void custapi__call_start(void *payload) {
  custapi_call *k = payload;
  custapi_caller *c = k->caller;
  custapi_transfer *t;
  /* The clock only when a Retry-After hold was ever set: bulk starts a call per update. */
  uint64_t now = c->hold_until_ms ? custapi__now_ms() : 0;
  if (now < c->hold_until_ms) {
    custapi_error terr = CUSTAPI_ERROR_INIT;
    if (custapi__transport_add_timer(c->transport, (long)(c->hold_until_ms - now),
                                     custapi__call_start, k, &terr) < 0) {
      k->err = terr;
      custapi__call_finish(k, CUSTAPI_EINTERNAL);
    }
    return;
  }
  k->attempts++;
  int rc = custapi__transport_start(&t, c->transport, k->request, on_transfer_done, k, &k->err);
  if (rc < 0)
    custapi__call_finish(k, rc);
}

int custapi__call_begin(custapi_call *k, custapi_error *err) {
  return custapi__transport_add_timer(k->caller->transport, 0, custapi__call_start, k, err);
}

void custapi__call_clear(custapi_call *k) {
  custapi_result_free(k->result);
  k->result = NULL;
  custapi_customer_free(k->customer);
  k->customer = NULL;
  custapi__probe_info_clear(&k->probe);
  custapi__kept_answer_clear(&k->answer);
}

void custapi__kept_answer_clear(custapi_kept_answer *a) {
  custapi__free(a->body);
  *a = (custapi_kept_answer){0};
}

long custapi__caller_deadline_ms(const custapi_caller *c) {
  /* Before each attempt, the longest wait there can be: a Retry-After (a hold set by another
   * call counts too, before the first) or the backoff, whichever is the longer. */
  long wait = CUSTAPI_RETRY_AFTER_MAX_S * 1000L;
  if (CUSTAPI_BACKOFF_MAX_MS > wait)
    wait = CUSTAPI_BACKOFF_MAX_MS;
  long attempts = (long)c->retries + 1;
  return attempts * (c->timeout_ms + wait);
}

/* Runs one request to its end, retries included. The caller owns k->result / k->customer. */
int custapi__call_run(custapi_call *k) {
  custapi__call_start(k);
  while (!k->done) {
    custapi_error lerr = CUSTAPI_ERROR_INIT;
    if (custapi__transport_step(k->caller->transport, &lerr) < 0) {
      custapi__transport_abort_all(k->caller->transport);
      k->err = lerr;
      custapi__call_finish(k, custapi__status_of(lerr.category));
    }
  }
  return k->rc;
}
