/*
 * One upstream exchange on the client's libcurl transport, with the client's retry policy
 * (retry.h: what is retryable, the backoff, Retry-After). Each caller connection has its own
 * transport (one thread each), so its keep-alive connection to the install is reused.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "error.h"
#include "gw_internal.h"
#include "retry.h"

#define MAX_RESPONSE_BYTES (1024u * 1024u)

void gw_response_clear(gw_response *r) {
  custapi__free(r->body);
  *r = (gw_response){0};
}

int gw_transport_new(custapi_transport **out, const gw_config *cfg, custapi_error *err) {
  custapi_transport_config tc = {0};
  tc.username = "";
  tc.password = NULL; /* the callers' Authorization headers go through instead */
  tc.timeout_ms = cfg->timeout_ms;
  tc.connect_timeout_ms = cfg->timeout_ms;
  tc.cacert = cfg->cacert;
  tc.insecure = cfg->insecure;
  tc.proxy = cfg->proxy;
  tc.max_response_bytes = MAX_RESPONSE_BYTES;
  return custapi__transport_new(out, &tc, err);
}

typedef struct waiting {
  custapi_transfer *ended;
} waiting;

static void on_done(custapi_transfer *transfer, void *payload) {
  ((waiting *)payload)->ended = transfer;
}

static void copy_header(char *dst, size_t size, const char *value) {
  snprintf(dst, size, "%s", value ? value : "");
}

/* One attempt: the response copied into *out, then decoded. */
static int attempt(gw_response *out, int *retryable, custapi_transport *t,
                   const custapi_http_request *request, gw_decode_fn decode, void *payload,
                   custapi_error *err) {
  waiting w = {0};
  custapi_transfer *x;
  int rc = custapi__transport_start(&x, t, request, on_done, &w, err);
  if (rc < 0)
    return rc;
  while (!w.ended) {
    if ((rc = custapi__transport_step(t, err)) < 0) {
      custapi__transport_abort_all(t);
      return rc;
    }
  }
  custapi_http_response r;
  rc = custapi__transfer_response(&r, retryable, x, err);
  if (rc == 0) {
    gw_response_clear(out);
    out->body = custapi__malloc(r.body_len + 1);
    if (!out->body) {
      rc = custapi__error_oom(err);
    } else {
      memcpy(out->body, r.body, r.body_len);
      out->body[r.body_len] = '\0';
      out->body_len = r.body_len;
      out->status = r.status;
      copy_header(out->content_type, sizeof out->content_type, r.content_type);
      copy_header(out->location, sizeof out->location, r.location);
      copy_header(out->retry_after, sizeof out->retry_after, r.retry_after);
      if (decode)
        rc = decode(&r, payload, err);
    }
  }
  custapi__transfer_release(t, x);
  return rc;
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0)
    ;
}

int gw_exchange(gw_response *out, custapi_transport *t, const custapi_http_request *request,
                int retries, gw_decode_fn decode, void *payload, gw_stats *stats,
                custapi_error *err) {
  uint64_t jitter = 0; /* the backoff's own generator state: 0 seeds it */
  for (int attempts = 1;; attempts++) {
    int retryable = 0;
    gw_metrics_attempt(stats, attempts > 1);
    int rc = attempt(out, &retryable, t, request, decode, payload, err);
    if (rc == 0)
      return 0;
    if (!custapi__retry_is_retryable(err, retryable) || attempts > retries)
      return rc;
    long wait_ms = custapi__retry_backoff_ms(&jitter, attempts);
    long long seconds;
    if (out->retry_after[0] &&
        custapi__retry_after_seconds(&seconds, out->retry_after, (long long)time(NULL)) == 0) {
      if (seconds > CUSTAPI_RETRY_AFTER_MAX_S)
        return rc;
      wait_ms = (long)seconds * 1000;
    }
    sleep_ms(wait_ms);
  }
}
