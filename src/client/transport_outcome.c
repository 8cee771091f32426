/*
 * How a transfer ended, in the error model: an HTTP response (any status), or a failure of the
 * transport with whether it may be retried, or a response refused for its size.
 */
#include <string.h>

#include "error.h"
#include "transport_private.h"

static int is_retryable(CURLcode code) {
  switch (code) {
  case CURLE_COULDNT_CONNECT:
  case CURLE_OPERATION_TIMEDOUT:
  case CURLE_SEND_ERROR:
  case CURLE_RECV_ERROR:
  case CURLE_GOT_NOTHING:
  case CURLE_PARTIAL_FILE:
  case CURLE_HTTP2:
  case CURLE_HTTP2_STREAM:
    return 1;
  default:
    return 0; /* unknown host, TLS verification, bad URL, ... */
  }
}

/*
 * Whether the response head was refused for its size: by us (on_header), or by libcurl 7.88,
 * which reports a header line above CURL_MAX_HTTP_HEADER as CURLE_OUT_OF_MEMORY (its buffer
 * refuses to grow) - told from a real out-of-memory by the head being unfinished and, when
 * libcurl allocates through us, by none of its allocations having failed.
 */
static int head_refused(const custapi_transfer *x) {
  if (x->head_too_large)
    return 1;
  return x->code == CURLE_OUT_OF_MEMORY && !x->head_done &&
         custapi__transport_alloc_failures() == x->alloc_failures_at_start;
}

int custapi__transfer_response(custapi_http_response *out, int *retryable,
                               const custapi_transfer *x, custapi_error *err) {
  *retryable = 0;
  memset(out, 0, sizeof *out);
  if (x->interim_flood)
    return custapi__error_set(err, CUSTAPI_CATEGORY_PROTOCOL, NULL,
                              "the server sent more than %d interim (1xx) answers and no final "
                              "one",
                              INTERIM_MAX);
  if (head_refused(x))
    return custapi__error_set(err, CUSTAPI_CATEGORY_PROTOCOL, NULL,
                              "response header too large (over %d bytes)", RESPONSE_HEAD_MAX);
  if (x->too_large)
    return custapi__error_set(err, CUSTAPI_CATEGORY_PROTOCOL, NULL,
                              "response larger than %zu bytes",
                              x->transport->config.max_response_bytes);
  if (x->code != CURLE_OK) {
    *retryable = is_retryable(x->code);
    if (x->code == CURLE_WRITE_ERROR)
      return custapi__error_oom(err);
    const char *detail = x->curl_error[0] ? x->curl_error : curl_easy_strerror(x->code);
    if (x->code == CURLE_OPERATION_TIMEDOUT)
      return custapi__error_set(err, CUSTAPI_CATEGORY_TRANSPORT, NULL, "timed out: %s", detail);
    return custapi__error_set(err, CUSTAPI_CATEGORY_TRANSPORT, NULL, "%s (curl error %d)", detail,
                              (int)x->code);
  }
  long status = 0;
  curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
  out->status = (int)status;
  out->body = x->body ? x->body : "";
  out->body_len = x->body_len;
  out->content_type = x->has_content_type ? x->content_type : NULL;
  out->location = x->has_location ? x->location : NULL;
  out->retry_after = x->has_retry_after ? x->retry_after : NULL;
  return 0;
}

int custapi__transfer_request_sent(const custapi_transfer *x) {
  long head = 0;
  curl_off_t body = 0;
  if (curl_easy_getinfo(x->easy, CURLINFO_REQUEST_SIZE, &head) != CURLE_OK ||
      curl_easy_getinfo(x->easy, CURLINFO_SIZE_UPLOAD_T, &body) != CURLE_OK)
    return 1; /* can't tell: say it may have gone */
  return head > 0 && (size_t)body >= x->request_body_len;
}
