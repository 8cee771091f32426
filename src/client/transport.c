/*
 * The libcurl transport (transport.h). One multi handle per transport keeps the connection
 * cache, so consecutive calls on a client reuse their keep-alive connection; idle easy handles
 * are pooled. Credentials go through CURLOPT_USERNAME/PASSWORD and only ever reach a trace
 * callback through custapi__trace_redact.
 */
#include "transport.h"

#include <assert.h>
#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "alloc.h"
#include "custapi_config.h"
#include "error.h"
#include "text.h"
#include "trace.h"

#define USER_AGENT "custapi/" CUSTAPI_VERSION
#define HEADER_VALUE_MAX 512
/* A response head (status line and header lines) larger than this is refused. libcurl 7.88
 * refuses one header line above CURL_MAX_HTTP_HEADER but not a head of many lines; one limit
 * for both keeps one message. */
#define RESPONSE_HEAD_MAX CURL_MAX_HTTP_HEADER

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
  char content_type[HEADER_VALUE_MAX];
  char location[HEADER_VALUE_MAX];
  char retry_after[HEADER_VALUE_MAX];
  int has_content_type, has_location, has_retry_after;
  int configured;                        /* the fixed options are set on `easy` */
  custapi_trace_stream trace;            /* -v text held back until a split credential is complete */
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

uint64_t custapi__now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- global set-up ---- */

static int global_refs;

#if defined(__GLIBC__)
/*
 * libcurl keeps its own copies of the key (CURLOPT_PASSWORD, the "user:key" it encodes, the
 * request head it sends) and frees them without clearing. Given to curl_global_init_mem, these
 * clear every block libcurl frees, so no copy of the key is left behind in freed memory. Plain
 * malloc underneath (not custapi__malloc): libcurl's allocations are not ours to fail in tests.
 */
/* libcurl's allocations that failed: tells a real out-of-memory from libcurl's way of refusing
 * a long header line (see head_refused). */
static _Atomic unsigned long curl_alloc_failures;

static void *counted(void *p) {
  if (!p)
    curl_alloc_failures++;
  return p;
}

/*
 * Each block libcurl asks for carries its requested size in a header in front of it, so that
 * freeing clears exactly the bytes libcurl could have written: malloc_usable_size and clearing
 * the slack beyond the request were 4% of a bulk run's time (perf, 40 000 updates at c16). The
 * header keeps malloc's alignment (max_align_t), as libcurl stores any type in its blocks.
 */
#define WIPE_HEADER sizeof(max_align_t)

static void *wiping_block(void *raw, size_t size) {
  if (!raw)
    return counted(NULL);
  memcpy(raw, &size, sizeof size);
  return (char *)raw + WIPE_HEADER;
}

static void *counting_malloc(size_t size) {
  if (size > SIZE_MAX - WIPE_HEADER)
    return counted(NULL);
  return wiping_block(malloc(size + WIPE_HEADER), size);
}

static void *counting_calloc(size_t n, size_t size) {
  if (size && n > (SIZE_MAX - WIPE_HEADER) / size)
    return counted(NULL);
  return wiping_block(calloc(1, n * size + WIPE_HEADER), n * size);
}

static size_t requested_size(const void *p) {
  size_t size;
  memcpy(&size, (const char *)p - WIPE_HEADER, sizeof size);
  return size;
}

static void wiping_free(void *p) {
  if (!p)
    return;
  /* explicit_bzero, not the byte loop of custapi__wipe: libcurl frees KiBs of buffers per
   * transfer, and clearing them a byte at a time was 28% of bulk's instructions. */
  explicit_bzero(p, requested_size(p));
  free((char *)p - WIPE_HEADER);
}

/* Always a new block: realloc could move the data and free the old block uncleared. */
static void *wiping_realloc(void *p, size_t size) {
  if (!p)
    return counting_malloc(size);
  size_t old = requested_size(p);
  if (size <= old && size)
    return p; /* shrinking in place: the block and its size as they are, cleared whole later */
  void *q = counting_malloc(size ? size : 1);
  if (!q)
    return NULL;
  memcpy(q, p, old < size ? old : size);
  wiping_free(p);
  return q;
}

static char *wiping_strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = counting_malloc(n);
  if (d)
    memcpy(d, s, n);
  return d;
}

static CURLcode curl_init(void) {
  /* When the application initialised libcurl first, this is a no-op and libcurl keeps its
   * allocator (docs/library.md says so). */
  return curl_global_init_mem(CURL_GLOBAL_DEFAULT, counting_malloc, wiping_free, wiping_realloc,
                              wiping_strdup, counting_calloc);
}

static unsigned long curl_alloc_failure_count(void) { return curl_alloc_failures; }
#else
static CURLcode curl_init(void) { return curl_global_init(CURL_GLOBAL_DEFAULT); }

static unsigned long curl_alloc_failure_count(void) { return 0; } /* not our allocator */
#endif

int custapi__transport_global_init(void) {
  if (global_refs++ > 0)
    return 0;
  if (curl_init() != CURLE_OK) {
    global_refs = 0;
    return CUSTAPI_EINTERNAL;
  }
  return 0;
}

void custapi__transport_global_cleanup(void) {
  if (global_refs <= 0)
    return;
  if (--global_refs == 0)
    curl_global_cleanup();
}

/* ---- transport ---- */

int custapi__transport_new(custapi_transport **out, const custapi_transport_config *config,
                           custapi_error *err) {
  *out = NULL;
  custapi_transport *t = custapi__calloc(1, sizeof *t);
  if (!t)
    return custapi__error_oom(err);
  t->config = *config;
  t->multi = curl_multi_init();
  if (!t->multi) {
    custapi__transport_free(t);
    return custapi__error_oom(err);
  }
  *out = t;
  return 0;
}

static void transfer_destroy(custapi_transfer *x) {
  if (!x)
    return;
  if (x->easy)
    curl_easy_cleanup(x->easy);
  curl_slist_free_all(x->headers);
  custapi__free(x->body);
  custapi__trace_stream_free(&x->trace);
  custapi__free(x);
}

void custapi__transport_abort_all(custapi_transport *t) {
  while (t->active) {
    custapi_transfer *x = t->active;
    t->active = x->next;
    curl_multi_remove_handle(t->multi, x->easy);
    transfer_destroy(x);
  }
  t->active_count = 0;
  while (t->timers) {
    timer *k = t->timers;
    t->timers = k->next;
    custapi__free(k);
  }
  t->timer_count = 0;
}

void custapi__transport_free(custapi_transport *t) {
  if (!t)
    return;
  custapi__transport_abort_all(t); /* the transfers in flight and every timer */
  while (t->idle) {
    custapi_transfer *x = t->idle;
    t->idle = x->next;
    transfer_destroy(x);
  }
  if (t->multi)
    curl_multi_cleanup(t->multi);
  custapi__free(t);
}

size_t custapi__transport_pending(const custapi_transport *t) {
  return t->active_count + t->timer_count;
}

/* ---- callbacks ---- */

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata) {
  custapi_transfer *x = userdata;
  size_t n = size * nmemb;
  size_t cap = x->transport->config.max_response_bytes;
  if (x->body_len + n > cap) {
    /* Returning less than given aborts the transfer: the rest is never read. */
    x->too_large = 1;
    return 0;
  }
  if (x->body_len + n + 1 > x->body_cap) {
    size_t want = x->body_cap ? x->body_cap : 4096;
    while (want < x->body_len + n + 1)
      want *= 2;
    char *grown = custapi__realloc(x->body, want);
    if (!grown)
      return 0;
    x->body = grown;
    x->body_cap = want;
  }
  memcpy(x->body + x->body_len, data, n);
  x->body_len += n;
  x->body[x->body_len] = '\0';
  return n;
}

/* Stores a header's value (trimmed, cut to the buffer) if `line` is that header. */
static int take_header(const char *line, size_t len, const char *name, char *value, int *has) {
  size_t n = strlen(name);
  if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':')
    return 0;
  const char *v = line + n + 1;
  size_t vlen = len - n - 1;
  while (vlen && (*v == ' ' || *v == '\t'))
    v++, vlen--;
  while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' '))
    vlen--;
  if (vlen >= HEADER_VALUE_MAX)
    vlen = HEADER_VALUE_MAX - 1;
  memcpy(value, v, vlen);
  value[vlen] = '\0';
  *has = 1;
  return 1;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userdata) {
  custapi_transfer *x = userdata;
  size_t n = size * nmemb;
  if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
    /* A new response (after a 100 Continue, say): forget the previous one's headers. */
    x->has_content_type = x->has_location = x->has_retry_after = 0;
    x->head_bytes = 0;
    x->head_done = 0;
  }
  x->head_bytes += n;
  if (x->head_bytes > RESPONSE_HEAD_MAX) {
    x->head_too_large = 1;
    return 0; /* less than given: the transfer stops here */
  }
  if ((n == 2 && data[0] == '\r' && data[1] == '\n') || (n == 1 && data[0] == '\n')) {
    x->head_done = 1;
    return n;
  }
  /* Only three headers matter; the first letter rules out the others without a compare. */
  switch (n ? data[0] | 0x20 : 0) {
  case 'c':
    take_header(data, n, "Content-Type", x->content_type, &x->has_content_type);
    break;
  case 'l':
    take_header(data, n, "Location", x->location, &x->has_location);
    break;
  case 'r':
    take_header(data, n, "Retry-After", x->retry_after, &x->has_retry_after);
    break;
  default:
    break;
  }
  return n;
}

static int on_debug(CURL *easy, curl_infotype type, char *data, size_t size, void *userdata) {
  custapi_transfer *x = userdata;
  const custapi_transport_config *c = &x->transport->config;
  custapi_trace_kind kind;
  switch (type) {
  case CURLINFO_TEXT:
    kind = CUSTAPI_TRACE_INFO;
    break;
  case CURLINFO_HEADER_OUT:
    kind = CUSTAPI_TRACE_REQUEST_HEAD;
    break;
  case CURLINFO_DATA_OUT:
    kind = CUSTAPI_TRACE_REQUEST_BODY;
    break;
  case CURLINFO_HEADER_IN:
    kind = CUSTAPI_TRACE_RESPONSE_HEAD;
    break;
  case CURLINFO_DATA_IN:
    kind = CUSTAPI_TRACE_RESPONSE_BODY;
    break;
  default:
    return 0; /* TLS records */
  }
  x->trace.fn = c->trace;
  x->trace.payload = c->trace_payload;
  x->trace.username = c->username;
  x->trace.secret = c->password;
  custapi__trace_stream_put(&x->trace, kind, data, size);
  (void)easy;
  return 0;
}

/* ---- starting a transfer ---- */

static const char *accept_of(const custapi_http_request *r) {
  return r->accept ? r->accept : r->content_type ? r->content_type : "*/*";
}

static int build_headers(struct curl_slist **out, const custapi_http_request *r) {
  char line[256];
  struct curl_slist *h = NULL, *next;
  const char *accept = accept_of(r);
  snprintf(line, sizeof line, "Accept: %s", accept);
  if (!(next = curl_slist_append(h, line)))
    goto oom;
  h = next;
  if (r->content_type) {
    snprintf(line, sizeof line, "Content-Type: %s", r->content_type);
    if (!(next = curl_slist_append(h, line)))
      goto oom;
    h = next;
  }
  if (r->authorization) {
    /* Built on the heap: a caller's token may be longer than `line`; wiped after. */
    size_t n = strlen(r->authorization) + sizeof "Authorization: ";
    char *auth = custapi__malloc(n);
    if (!auth)
      goto oom;
    snprintf(auth, n, "Authorization: %s", r->authorization);
    next = curl_slist_append(h, auth);
    custapi__wipe(auth, n);
    custapi__free(auth);
    if (!next)
      goto oom;
    h = next;
  }
  /* No "Expect: 100-continue" round trip: bodies are small and the server answers at once. */
  if (!(next = curl_slist_append(h, "Expect:")))
    goto oom;
  *out = next;
  return 0;
oom:
  curl_slist_free_all(h);
  return CUSTAPI_EINTERNAL;
}

/* The header list depends only on the request's Accept and Content-Type: a pooled handle keeps
 * its list while they stay the same (every request of a bulk run), sparing three list nodes and
 * their copies, allocated and wiped per request. */
static const char *content_type_key(const custapi_http_request *r) {
  return r->content_type ? r->content_type : "\n"; /* no header: a value no header can have */
}

static int reuse_headers(const custapi_transfer *x, const custapi_http_request *r) {
  /* A list carrying a caller's Authorization (the gateway's) is never reused: the next request
   * on this handle may be another caller's. remember_headers leaves such a list unmarked. */
  return x->headers && !r->authorization && x->headers_accept[0] &&
         strcmp(x->headers_accept, accept_of(r)) == 0 &&
         strcmp(x->headers_content_type, content_type_key(r)) == 0;
}

static void remember_headers(custapi_transfer *x, const custapi_http_request *r) {
  const char *accept = accept_of(r), *type = content_type_key(r);
  x->headers_accept[0] = x->headers_content_type[0] = '\0';
  if (r->authorization || !accept[0] || strlen(accept) >= sizeof x->headers_accept ||
      strlen(type) >= sizeof x->headers_content_type)
    return; /* not reused: built again next time */
  strcpy(x->headers_accept, accept);
  strcpy(x->headers_content_type, type);
}

static custapi_transfer *take_idle(custapi_transport *t) {
  custapi_transfer *x = t->idle;
  if (x) {
    /* No curl_easy_reset: the fixed options stay set (libcurl copies each string option, so
     * setting them again costs a copy and a wiping free per transfer); configure() sets only
     * what changes from one request to the next. */
    t->idle = x->next;
    return x;
  }
  x = custapi__calloc(1, sizeof *x);
  if (!x)
    return NULL;
  x->easy = curl_easy_init();
  if (!x->easy) {
    custapi__free(x);
    return NULL;
  }
  return x;
}

#define SET(opt, val)                                                                              \
  do {                                                                                             \
    if (curl_easy_setopt(e, opt, val) != CURLE_OK)                                                 \
      failed = 1;                                                                                  \
  } while (0)

/* The options that are the same for every request of a transport: set once per handle. */
static int configure_fixed(custapi_transfer *x) {
  const custapi_transport_config *c = &x->transport->config;
  CURL *e = x->easy;
  int failed = 0;
  SET(CURLOPT_PROTOCOLS_STR, "http,https");
  SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
  SET(CURLOPT_FOLLOWLOCATION, 0L);
  SET(CURLOPT_NOSIGNAL, 1L);
  SET(CURLOPT_BUFFERSIZE, RECEIVE_BUFFER);
  SET(CURLOPT_USERAGENT, USER_AGENT);
  if (c->password) {
    SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
    SET(CURLOPT_USERNAME, c->username ? c->username : "");
    SET(CURLOPT_PASSWORD, c->password);
  }
  SET(CURLOPT_TIMEOUT_MS, c->timeout_ms);
  SET(CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
  SET(CURLOPT_SSL_VERIFYPEER, c->insecure ? 0L : 1L);
  SET(CURLOPT_SSL_VERIFYHOST, c->insecure ? 0L : 2L);
  if (c->cacert)
    SET(CURLOPT_CAINFO, c->cacert);
  SET(CURLOPT_ERRORBUFFER, x->curl_error);
  SET(CURLOPT_WRITEFUNCTION, on_body);
  SET(CURLOPT_WRITEDATA, x);
  SET(CURLOPT_HEADERFUNCTION, on_header);
  SET(CURLOPT_HEADERDATA, x);
  SET(CURLOPT_PRIVATE, x);
  if (c->trace) {
    SET(CURLOPT_DEBUGFUNCTION, on_debug);
    SET(CURLOPT_DEBUGDATA, x);
    SET(CURLOPT_VERBOSE, 1L);
  }
  return failed ? -1 : 0;
}

/*
 * Whether a request to `url` may use a proxy. Loopback (custapi__text_host_is_loopback, the definition
 * the plain-HTTP check uses too) never does, whatever --proxy or the environment say: libcurl
 * would send the Authorization header to an http_proxy, and its CURLOPT_NOPROXY list knows
 * neither 127.0.0.0/8 nor the other spellings of ::1. The host is the one libcurl's URL parser
 * finds, so it is the one libcurl connects to.
 */
static route url_route(custapi_transport *t, const char *url) {
  const char *scheme_end = strstr(url, "://");
  size_t authority =
      scheme_end ? strcspn(scheme_end + 3, "/?#") + (size_t)(scheme_end + 3 - url) : strlen(url);
  int cacheable = authority < sizeof t->route_authority;
  if (cacheable && t->route_verdict != ROUTE_UNSET &&
      strncmp(t->route_authority, url, authority) == 0 && t->route_authority[authority] == '\0')
    return t->route_verdict;
  CURLU *u = curl_url();
  if (!u)
    return ROUTE_UNSET; /* out of memory: no guess either way */
  route verdict = ROUTE_PROXY_ALLOWED;
  char *host = NULL;
  if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && host && custapi__text_host_is_loopback(host))
    verdict = ROUTE_DIRECT;
  curl_free(host);
  curl_url_cleanup(u);
  if (cacheable) {
    memcpy(t->route_authority, url, authority);
    t->route_authority[authority] = '\0';
    t->route_verdict = verdict;
  }
  return verdict;
}

/* CURLOPT_PROXY and CURLOPT_NOPROXY for `r`'s host, set again only when the route changes. */
static int configure_route(custapi_transfer *x, const custapi_http_request *r) {
  CURL *e = x->easy;
  int failed = 0;
  route want = url_route(x->transport, r->url);
  if (want == ROUTE_UNSET)
    return -1;
  if (want == x->proxy_route)
    return 0;
  if (want == ROUTE_DIRECT) {
    SET(CURLOPT_PROXY, ""); /* "" is libcurl's "no proxy at all, not even the environment's" */
    SET(CURLOPT_NOPROXY, "*");
  } else {
    /* --proxy, or NULL: libcurl's *_proxy and no_proxy variables. */
    SET(CURLOPT_PROXY, x->transport->config.proxy);
    SET(CURLOPT_NOPROXY, (char *)NULL);
  }
  x->proxy_route = failed ? ROUTE_UNSET : want;
  return failed ? -1 : 0;
}

/* What changes per request: URL, headers, method and body. */
static int configure(custapi_transfer *x, const custapi_http_request *r) {
  CURL *e = x->easy;
  int failed = 0;
  if (!x->configured) {
    if (configure_fixed(x) < 0)
      return -1;
    x->configured = 1;
  }
  if (configure_route(x, r) < 0)
    return -1;
  SET(CURLOPT_URL, r->url);
  SET(CURLOPT_HTTPHEADER, x->headers);
  if (strcmp(r->method, "GET") == 0) {
    SET(CURLOPT_CUSTOMREQUEST, (char *)NULL);
    SET(CURLOPT_HTTPGET, 1L);
  } else {
    SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
    SET(CURLOPT_POSTFIELDS, r->body ? r->body : "");
    SET(CURLOPT_CUSTOMREQUEST, strcmp(r->method, "POST") != 0 ? r->method : (char *)NULL);
  }
  return failed ? -1 : 0;
}

static void transfer_clear_outcome(custapi_transfer *x) {
  x->code = CURLE_OK;
  x->curl_error[0] = '\0';
  x->body_len = 0;
  if (x->body)
    x->body[0] = '\0';
  x->too_large = 0;
  x->head_bytes = 0;
  x->head_done = x->head_too_large = 0;
  x->has_content_type = x->has_location = x->has_retry_after = 0;
  custapi__trace_stream_reset(&x->trace);
}

int custapi__transport_start(custapi_transfer **out, custapi_transport *t,
                             const custapi_http_request *r, custapi_transfer_done_fn done,
                             void *payload, custapi_error *err) {
  assert(out && t && r && r->method && r->url);
  *out = NULL;
  custapi_transfer *x = take_idle(t);
  if (!x)
    return custapi__error_oom(err);
  x->transport = t;
  x->done = done;
  x->payload = payload;
  transfer_clear_outcome(x);
  x->alloc_failures_at_start = curl_alloc_failure_count();
  if (!reuse_headers(x, r)) {
    curl_slist_free_all(x->headers);
    x->headers = NULL;
    if (build_headers(&x->headers, r) < 0) {
      transfer_destroy(x);
      return custapi__error_oom(err);
    }
    remember_headers(x, r);
  }
  if (configure(x, r) < 0) {
    transfer_destroy(x);
    return custapi__error_set(err, CUSTAPI_CATEGORY_INTERNAL, NULL,
                              "libcurl refused an option (is it built with http and https?)");
  }
  if (curl_multi_add_handle(t->multi, x->easy) != CURLM_OK) {
    transfer_destroy(x);
    return custapi__error_set(err, CUSTAPI_CATEGORY_INTERNAL, NULL,
                              "libcurl could not start a transfer");
  }
  x->next = t->active;
  t->active = x;
  t->active_count++;
  *out = x;
  return 0;
}

void custapi__transfer_release(custapi_transport *t, custapi_transfer *x) {
  if (!x)
    return;
  /* An ended transfer is already out of the multi handle and the active list. */
  x->done = NULL;
  x->payload = NULL;
  x->next = t->idle;
  t->idle = x;
}

/* ---- timers ---- */

int custapi__transport_add_timer(custapi_transport *t, long delay_ms, custapi_timer_fn fn,
                                 void *payload, custapi_error *err) {
  timer *k = custapi__calloc(1, sizeof *k);
  if (!k)
    return custapi__error_oom(err);
  /* Due at once: 0, before any time the clock can show, so that no clock is read for it (a
   * new call's first attempt, once per update in bulk). */
  k->due_ms = delay_ms > 0 ? custapi__now_ms() + (uint64_t)delay_ms : 0;
  k->fn = fn;
  k->payload = payload;
  timer **p = &t->timers;
  while (*p && (*p)->due_ms <= k->due_ms)
    p = &(*p)->next;
  k->next = *p;
  *p = k;
  t->timer_count++;
  return 0;
}

void custapi__transport_cancel_timers(custapi_transport *t, custapi_timer_fn fn, void *payload) {
  for (timer **p = &t->timers; *p;) {
    timer *k = *p;
    if (k->fn == fn && k->payload == payload) {
      *p = k->next;
      t->timer_count--;
      custapi__free(k);
    } else {
      p = &k->next;
    }
  }
}

void custapi__transport_watch(custapi_transport *t, const custapi_transport_watch *watch) {
  t->watching = watch != NULL;
  t->watch = watch ? *watch : (custapi_transport_watch){0};
}

static void fire_due_timers(custapi_transport *t) {
  uint64_t now = 0; /* the clock is read once, and only for a timer that is not due at once */
  int now_read = 0;
  /* At most as many as there are now: a callback adding a timer due at once each time would
   * otherwise keep the loop here for ever (it reaches the next step instead). */
  size_t budget = t->timer_count;
  while (t->timers && budget--) {
    if (t->timers->due_ms > now && !now_read) {
      now = custapi__now_ms();
      now_read = 1;
    }
    if (t->timers->due_ms > now)
      break;
    timer *k = t->timers;
    t->timers = k->next;
    t->timer_count--;
    custapi_timer_fn fn = k->fn;
    void *payload = k->payload;
    custapi__free(k);
    fn(payload); /* may add timers or start transfers */
  }
}

/* ---- the loop ---- */

static void finish_transfers(custapi_transport *t) {
  CURLMsg *m;
  int left;
  while ((m = curl_multi_info_read(t->multi, &left))) {
    if (m->msg != CURLMSG_DONE)
      continue;
    char *priv = NULL;
    curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
    custapi_transfer *x = (custapi_transfer *)(void *)priv;
    CURLcode code = m->data.result;
    curl_multi_remove_handle(t->multi, m->easy_handle); /* m is invalid from here */
    if (!x)
      continue;
    x->code = code;
    for (custapi_transfer **p = &t->active; *p; p = &(*p)->next) {
      if (*p == x) {
        *p = x->next;
        t->active_count--;
        break;
      }
    }
    x->next = NULL;
    custapi__trace_stream_flush(&x->trace); /* the transfer's last words, before its outcome */
    if (x->done)
      x->done(x, x->payload);
    else
      custapi__transfer_release(t, x);
  }
}

/* Waits for libcurl's sockets and the watch's descriptors, then drives the transfers. */
static int poll_and_perform(custapi_transport *t, long wait_ms, custapi_error *err) {
  struct curl_waitfd extra[2];
  unsigned n = t->watching ? t->watch.fd_count : 0;
  for (unsigned i = 0; i < n && i < 2; i++)
    extra[i] = (struct curl_waitfd){t->watch.fds[i], CURL_WAIT_POLLIN, 0};
  if (wait_ms != 0 &&
      curl_multi_poll(t->multi, n ? extra : NULL, n, (int)wait_ms, NULL) != CURLM_OK)
    return custapi__error_set(err, CUSTAPI_CATEGORY_INTERNAL, NULL, "libcurl's poll failed");
  int running = 0;
  if (t->active_count) {
    if (curl_multi_perform(t->multi, &running) != CURLM_OK)
      return custapi__error_set(err, CUSTAPI_CATEGORY_INTERNAL, NULL,
                                "libcurl's transfer loop failed");
    finish_transfers(t);
  }
  return 0;
}

int custapi__transport_step(custapi_transport *t, custapi_error *err) {
  /* Timers due now first (a new call's first attempt is one): its transfer then goes out in
   * this step's perform rather than after a poll and a perform of its own. */
  fire_due_timers(t);
  if (!t->active_count && !t->timers && !t->watching)
    return 0; /* nothing to wait for */
  long wait_ms = 1000;
  if (t->timers) {
    uint64_t now = custapi__now_ms();
    wait_ms = t->timers->due_ms > now ? (long)(t->timers->due_ms - now) : 0;
  }
  if (t->watching && t->watch.timeout_ms) {
    long w = t->watch.timeout_ms(t->watch.payload);
    if (w >= 0 && w < wait_ms)
      wait_ms = w;
  }
  if (t->active_count) {
    long curl_ms = -1;
    curl_multi_timeout(t->multi, &curl_ms);
    if (curl_ms >= 0 && curl_ms < wait_ms)
      wait_ms = curl_ms; /* 0: a transfer just added wants perform at once, no poll first */
  }
  if (t->active_count || t->watching) {
    if (poll_and_perform(t, wait_ms, err) < 0)
      return CUSTAPI_EINTERNAL;
  } else if (wait_ms > 0) {
    struct timespec ts = {wait_ms / 1000, (wait_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
  }
  if (t->watching && t->watch.after_turn)
    t->watch.after_turn(t->watch.payload);
  fire_due_timers(t);
  return 0;
}

/* ---- outcome ---- */

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
         curl_alloc_failure_count() == x->alloc_failures_at_start;
}

int custapi__transfer_response(custapi_http_response *out, int *retryable,
                               const custapi_transfer *x, custapi_error *err) {
  *retryable = 0;
  memset(out, 0, sizeof *out);
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

/* ---- the request as text, for --dry-run ---- */

/* Appends to a growing buffer; returns -1 when memory runs out. */
typedef struct sbuf {
  char *s;
  size_t len, cap;
} sbuf;

static int sbuf_add(sbuf *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t want = b->cap ? b->cap * 2 : 512;
    while (want < b->len + n + 1)
      want *= 2;
    char *grown = custapi__realloc(b->s, want);
    if (!grown)
      return -1;
    b->s = grown;
    b->cap = want;
  }
  memcpy(b->s + b->len, s, n);
  b->len += n;
  b->s[b->len] = '\0';
  return 0;
}

static int sbuf_str(sbuf *b, const char *s) { return sbuf_add(b, s, strlen(s)); }

/* "host[:port]" of a URL, as curl puts it into the Host header. */
static int host_header(sbuf *b, const char *url) {
  CURLU *u = curl_url();
  char *host = NULL, *port = NULL;
  int rc = -1;
  if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
    curl_url_get(u, CURLUPART_PORT, &port, 0); /* only when given explicitly */
    rc = sbuf_str(b, "Host: ") || sbuf_str(b, host) ? -1 : 0;
    if (rc == 0 && port)
      rc = sbuf_str(b, ":") || sbuf_str(b, port) ? -1 : 0;
    if (rc == 0)
      rc = sbuf_str(b, "\n");
  } else {
    rc = 0; /* not a URL curl understands: the client refused it already */
  }
  curl_free(host);
  curl_free(port);
  curl_url_cleanup(u);
  return rc;
}

int custapi__transport_format_request(char **out, const custapi_transport *t,
                                      const custapi_http_request *r, custapi_error *err) {
  *out = NULL;
  sbuf b = {0};
  char line[128];
  int bad = sbuf_str(&b, r->method) || sbuf_str(&b, " ") || sbuf_str(&b, r->url) ||
            sbuf_str(&b, " HTTP/1.1\n") || host_header(&b, r->url) ||
            sbuf_str(&b, "Authorization: Basic [redacted]\n") ||
            sbuf_str(&b, "User-Agent: " USER_AGENT "\n");
  const char *accept = accept_of(r);
  bad = bad || sbuf_str(&b, "Accept: ") || sbuf_str(&b, accept) || sbuf_str(&b, "\n");
  if (r->content_type) {
    snprintf(line, sizeof line, "Content-Length: %zu\n", r->body_len);
    bad = bad || sbuf_str(&b, "Content-Type: ") || sbuf_str(&b, r->content_type) ||
          sbuf_str(&b, "\n") || sbuf_str(&b, line);
  }
  bad = bad || sbuf_str(&b, "\n");
  if (r->body && r->body_len) {
    /* The key never sits in a body we build, but scrub anyway: dry-run output is shared. */
    size_t n;
    char *clean = custapi__trace_redact_credentials(r->body, r->body_len, t->config.username,
                                                    t->config.password, &n);
    bad = bad || !clean || sbuf_add(&b, clean, n) || sbuf_str(&b, "\n");
    custapi__free(clean);
  }
  if (bad || !b.s) {
    custapi__free(b.s);
    return custapi__error_oom(err);
  }
  *out = b.s;
  return 0;
}
