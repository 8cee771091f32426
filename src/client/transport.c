/*
 * The libcurl transport (transport.h): transports, the pool of easy handles and starting a
 * transfer; its other jobs have a file each (transport_private.h). One multi handle per
 * transport keeps the connection cache, so consecutive calls reuse their keep-alive connection;
 * idle easy handles are pooled. Credentials go through CURLOPT_USERNAME/PASSWORD and only ever
 * reach a trace callback through custapi__trace_redact.
 */
#include <assert.h>
#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "text.h"
#include "transport_private.h"

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

/* ---- libcurl's trace ---- */

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

const char *custapi__request_accept(const custapi_http_request *r) {
  return r->accept ? r->accept : r->content_type ? r->content_type : "*/*";
}

static int build_headers(struct curl_slist **out, const custapi_http_request *r) {
  char line[256];
  struct curl_slist *h = NULL, *next;
  const char *accept = custapi__request_accept(r);
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
         strcmp(x->headers_accept, custapi__request_accept(r)) == 0 &&
         strcmp(x->headers_content_type, content_type_key(r)) == 0;
}

static void remember_headers(custapi_transfer *x, const custapi_http_request *r) {
  const char *accept = custapi__request_accept(r), *type = content_type_key(r);
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
  SET(CURLOPT_WRITEFUNCTION, custapi__transfer_on_body);
  SET(CURLOPT_WRITEDATA, x);
  SET(CURLOPT_HEADERFUNCTION, custapi__transfer_on_header);
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
 * Whether a request to `url` may use a proxy. Loopback (custapi__text_host_is_loopback, the
 * definition the plain-HTTP check uses too) never does, whatever --proxy or the environment say:
 * libcurl would send the Authorization header to an http_proxy, and its CURLOPT_NOPROXY list knows
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
      curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && host &&
      custapi__text_host_is_loopback(host))
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
  x->request_body_len = 0;
  if (strcmp(r->method, "GET") == 0) {
    SET(CURLOPT_CUSTOMREQUEST, (char *)NULL);
    SET(CURLOPT_HTTPGET, 1L);
  } else {
    SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
    x->request_body_len = r->body_len;
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
  x->interim = x->interim_flood = 0;
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
  x->alloc_failures_at_start = custapi__transport_alloc_failures();
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
