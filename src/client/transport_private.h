/*
 * Inside the transport (src/client/transport*.c only): the transport's and a transfer's state,
 * shared by the files that each do one of its jobs: global set-up and the wiping allocator
 * (transport_global.c), the transfer pool and starting a transfer (transport.c), the response's
 * head (transport_headers.c), timers (transport_timers.c), the loop (transport_loop.c), the
 * outcome (transport_outcome.c) and the dry-run text (transport_dry_run.c).
 */
#ifndef CUSTAPI_TRANSPORT_PRIVATE_H
#define CUSTAPI_TRANSPORT_PRIVATE_H

#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>

#include "custapi_config.h"
#include "trace.h"
#include "transport.h"

#define USER_AGENT "custapi/" CUSTAPI_VERSION
#define HEADER_VALUE_MAX 512
/* A response head (status line and header lines) larger than this is refused. libcurl 7.88
 * refuses one header line above CURL_MAX_HTTP_HEADER but not a head of many lines; one limit
 * for both keeps one message. */
#define RESPONSE_HEAD_MAX CURL_MAX_HTTP_HEADER
/* Interim (1xx) answers taken before the final one: a 100 Continue, a few 102 Processing or
 * 103 Early Hints are normal; a stream of them is a server that will not answer (docs/errors.md:
 * protocol, not retried). */
#define INTERIM_MAX 16

/* How a request reaches its host. */
typedef enum route { ROUTE_UNSET = 0, ROUTE_DIRECT, ROUTE_PROXY_ALLOWED } route;

/* libcurl allocates its receive buffer per transfer (16 KiB by default) and wiping_free clears
 * it each time: that was 9% of a bulk run's instructions. Answers here are a few hundred bytes
 * to a few KiB; a larger one takes a few more recv calls. */
#define RECEIVE_BUFFER 4096L

struct custapi_transfer {
  custapi_transfer *next; /* in flight, or idle in the pool */
  custapi_transport *transport;
  CURL *easy;
  struct curl_slist *headers;
  custapi_transfer_done_fn done;
  void *payload;
  CURLcode code;
  char curl_error[CURL_ERROR_SIZE];
  char *body;
  size_t body_len, body_cap;
  int too_large;
  size_t head_bytes;  /* of the response head now arriving */
  int head_done;      /* its blank line has arrived */
  int head_too_large; /* over RESPONSE_HEAD_MAX: the transfer was stopped */
  int interim;        /* interim (1xx) heads before the one now arriving */
  int interim_flood;  /* more than INTERIM_MAX of them: the transfer was stopped */
  size_t request_body_len; /* what the request's body is, to tell whether it all went out */
  char content_type[HEADER_VALUE_MAX];
  char location[HEADER_VALUE_MAX];
  char retry_after[HEADER_VALUE_MAX];
  int has_content_type, has_location, has_retry_after;
  int configured;             /* the fixed options are set on `easy` */
  custapi_trace_stream trace; /* -v text held back until a split credential is complete */
  unsigned long alloc_failures_at_start; /* curl_alloc_failure_count() when it started */
  route proxy_route;                     /* what CURLOPT_PROXY/NOPROXY on `easy` are set for */
  /* What `headers` was built from (see reuse_headers); empty when it is not to be reused. */
  char headers_accept[128], headers_content_type[128];
};

typedef struct timer {
  struct timer *next;
  uint64_t due_ms;
  custapi_timer_fn fn;
  void *payload;
} timer;

struct custapi_transport {
  CURLM *multi;
  custapi_transport_config config;
  /* The authority ("scheme://host:port") last checked by url_route, and its verdict: every
   * request of a client goes to one base URL, so the URL is parsed once, not per request. */
  char route_authority[256];
  route route_verdict;
  custapi_transfer *active; /* in flight */
  custapi_transfer *idle;   /* pooled easy handles */
  size_t active_count;
  timer *timers; /* sorted by due time */
  size_t timer_count;
  custapi_transport_watch watch;
  int watching;
};

/* libcurl's allocations that failed so far (0 when libcurl does not allocate through us). */
unsigned long custapi__transport_alloc_failures(void);

/* libcurl's callbacks for a response's head and body (transport_headers.c). */
size_t custapi__transfer_on_header(char *data, size_t size, size_t nmemb, void *userdata);
size_t custapi__transfer_on_body(char *data, size_t size, size_t nmemb, void *userdata);

/* The Accept header a request is sent with. */
const char *custapi__request_accept(const custapi_http_request *request);

/* Fires the timers due now (transport_timers.c). */
void custapi__transport_fire_timers(custapi_transport *transport);

#endif
