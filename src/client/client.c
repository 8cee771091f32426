/*
 * The client: options checked once, the backend picked by protocol, and one call machinery
 * for both protocols. A call is a small state machine on the transport's loop (start an
 * attempt, decode its response, decide a retry, wait on a timer, start again), so that many
 * calls can share one loop later (bulk); a single call steps the loop until it is done.
 */
#include <assert.h>
#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "alloc.h"
#include "backend.h"
#include "backends.h"
#include "client.h"
#include "customer.h"
#include "error.h"
#include "result.h"
#include "retry.h"
#include "text.h"
#include "trace.h"
#include "transport.h"

#define DEFAULT_TIMEOUT_MS 30000L
#define DEFAULT_MAX_RESPONSE (1024u * 1024u)

struct custapi_client {
  const custapi_backend_ops *backend;
  custapi_protocol protocol;
  char *base_url; /* trimmed of trailing slashes here, once: the codecs get it so */
  char *username;
  char *api_key;
  char *xmlrpc_prefix;
  char *cacert;
  char *proxy;
  custapi_endpoint endpoint;
  int retries;
  unsigned validate_flags;
  custapi_warn_fn warn;
  void *warn_payload;
  custapi_trace_fn trace;
  void *trace_payload;
  custapi_transport *transport;
  int insecure;
  custapi_error error;
  /* A 429 or a Retry-After holds every call of this client until then (bulk: every slot). */
  uint64_t hold_until_ms;
  uint64_t jitter_state; /* the backoff's generator: per client, never shared between threads */
  struct async_update *async_calls; /* started by custapi__update_start, not yet done */
  int busy;                         /* in a bulk run: its callbacks may not call the client */
};

/* ---- library set-up ---- */

int custapi_global_init(void) {
  /* The codecs' process-wide settings (xmlrpc-c's size limit), before any thread starts. */
  custapi__backends_global_init();
  return custapi__transport_global_init();
}

void custapi_global_shutdown(void) { custapi__transport_global_cleanup(); }

/* ---- protocols ---- */

int custapi_protocol_parse(custapi_protocol *out, const char *name) {
  assert(out);
  return custapi__backend_by_name(out, name) < 0 ? CUSTAPI_EUSAGE : 0;
}

const char *custapi_protocol_name(custapi_protocol protocol) {
  const custapi_backend_ops *backend = custapi__backend_for(protocol);
  return backend ? backend->name : "unknown";
}

/* ---- options ---- */

static int has_control(const char *s) {
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 || *s == 0x7F)
      return 1;
  return 0;
}

/* Text that is sent (a URL, a header) must be UTF-8: bytes that are not would reach the server
 * as they are, and every message that quotes them. */
static int is_utf8(const char *s) {
  size_t len = strlen(s), n;
  uint32_t cp;
  for (size_t i = 0; i < len; i += n)
    if (text_next_unit(s + i, len - i, &n, &cp) == TEXT_UNIT_BAD_BYTE)
      return 0;
  return 1;
}

#define usage_error(err, ...) custapi__error_set((err), CUSTAPI_CATEGORY_USAGE, NULL, __VA_ARGS__)

static int check_url(const custapi_options *o, custapi_error *err) {
  return custapi__client_check_url(o->base_url, o->allow_plain_http, err);
}

int custapi__client_check_url(const char *url, int allow_plain_http, custapi_error *err) {
  if (!url || !*url)
    return usage_error(err, "no base URL given (e.g. https://mail.example.com)");
  if (has_control(url))
    return usage_error(err, "the base URL contains a control character");
  if (!is_utf8(url))
    return usage_error(err, "the base URL is not valid UTF-8");
  int https = strncasecmp(url, "https://", 8) == 0;
  if (!https && strncasecmp(url, "http://", 7) != 0)
    return usage_error(err, "the base URL must start with http:// or https://: %.200s", url);
  CURLU *u = curl_url();
  if (!u)
    return custapi__error_oom(err);
  char *host = NULL, *user = NULL, *query = NULL;
  int rc = 0;
  if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
      curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host || !*host) {
    rc = usage_error(err, "the base URL is not a valid URL: %.200s", url);
  } else if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK && user) {
    rc = usage_error(err, "the base URL must not carry credentials: use --username and an API "
                          "key file");
  } else if (curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK && query) {
    rc = usage_error(err, "the base URL must not have a query: %.200s", url);
  } else if (!https && !allow_plain_http && !text_host_is_loopback(host)) {
    rc = usage_error(err,
                     "refusing to send credentials over plain http:// to %.200s (use https://, or "
                     "--allow-plain-http if you accept that the key can be read on the way)",
                     host);
  }
  curl_free(host);
  curl_free(user);
  curl_free(query);
  curl_url_cleanup(u);
  return rc;
}

static int check_options(const custapi_options *o, custapi_error *err) {
  if (o->version < 1 || o->version > CUSTAPI_OPTIONS_VERSION)
    return usage_error(err,
                       "options version %u is not supported (start from "
                       "CUSTAPI_OPTIONS_INIT)",
                       o->version);
  if (o->protocol != CUSTAPI_PROTOCOL_REST && o->protocol != CUSTAPI_PROTOCOL_XMLRPC)
    return usage_error(err, "unknown protocol %d", (int)o->protocol);
  int rc = check_url(o, err);
  if (rc < 0)
    return rc;
  if (o->username && has_control(o->username))
    return usage_error(err, "the username contains a control character");
  if (o->username && !is_utf8(o->username))
    return usage_error(err, "the username is not valid UTF-8");
  if (o->username && strchr(o->username, ':'))
    return usage_error(err, "the username must not contain ':' (Basic authentication "
                            "separates it from the key with one)");
  if (!o->api_key || !*o->api_key)
    return usage_error(err, "no API key given (use --api-key-file FILE or CUSTAPI_API_KEY)");
  if (has_control(o->api_key))
    return usage_error(err, "the API key contains a control character (a stray line break?)");
  if (o->xmlrpc_prefix && has_control(o->xmlrpc_prefix))
    return usage_error(err, "the XML-RPC prefix contains a control character");
  if (o->xmlrpc_prefix && !is_utf8(o->xmlrpc_prefix))
    return usage_error(err, "the XML-RPC prefix is not valid UTF-8");
  if (o->proxy && has_control(o->proxy))
    return usage_error(err, "the proxy URL contains a control character");
  if (o->proxy && !is_utf8(o->proxy))
    return usage_error(err, "the proxy URL is not valid UTF-8");
  if (o->cacert && has_control(o->cacert))
    return usage_error(err, "the CA file name contains a control character");
  if (o->timeout_ms < 0 || o->connect_timeout_ms < 0)
    return usage_error(err, "timeouts must not be negative");
  if (o->retries < -1)
    return usage_error(err, "retries must be -1 (the default) or more, not %d", o->retries);
  return 0;
}

static char *dup_or_null(const char *s, int *oom) {
  if (!s)
    return NULL;
  char *d = custapi__strdup(s);
  if (!d)
    *oom = 1;
  return d;
}

int custapi_client_new(custapi_client **out, const custapi_options *o, custapi_error *err) {
  assert(out && o);
  *out = NULL;
  int rc = check_options(o, err);
  if (rc < 0)
    return rc;
  const custapi_backend_ops *backend = custapi__backend_for(o->protocol);
  if (!backend)
    return usage_error(err, "protocol %s is not available in this build",
                       custapi_protocol_name(o->protocol));
  custapi_client *c = custapi__calloc(1, sizeof *c);
  if (!c)
    return custapi__error_oom(err);
  int oom = 0;
  c->backend = backend;
  c->error.version = CUSTAPI_ERROR_VERSION; /* custapi_client_last_error hands it out */
  c->protocol = o->protocol;
  c->base_url = dup_or_null(o->base_url, &oom);
  c->username = dup_or_null(o->username ? o->username : "", &oom);
  c->api_key = dup_or_null(o->api_key, &oom);
  c->xmlrpc_prefix = dup_or_null(o->xmlrpc_prefix, &oom); /* NULL: the codec's default */
  c->cacert = dup_or_null(o->cacert, &oom);
  c->proxy = dup_or_null(o->proxy, &oom);
  if (oom) {
    custapi_client_free(c);
    return custapi__error_oom(err);
  }
  custapi__base_url_trim(c->base_url);
  c->endpoint.base_url = c->base_url;
  c->endpoint.xmlrpc_prefix = c->xmlrpc_prefix;
  c->retries = o->retries < 0 ? CUSTAPI_RETRY_DEFAULT : o->retries;
  c->validate_flags = o->validate_flags;
  c->insecure = o->insecure;
  c->warn = o->warn;
  c->warn_payload = o->warn_payload;
  c->trace = o->trace;
  c->trace_payload = o->trace_payload;
  custapi_transport_config tc = {0};
  tc.username = c->username;
  tc.password = c->api_key;
  tc.timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : DEFAULT_TIMEOUT_MS;
  tc.connect_timeout_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : tc.timeout_ms;
  tc.cacert = c->cacert;
  tc.insecure = o->insecure;
  tc.proxy = c->proxy;
  tc.max_response_bytes = o->max_response_bytes ? o->max_response_bytes : DEFAULT_MAX_RESPONSE;
  tc.trace = o->trace;
  tc.trace_payload = o->trace_payload;
  if ((rc = custapi__transport_new(&c->transport, &tc, err)) < 0) {
    custapi_client_free(c);
    return rc;
  }
  if (o->insecure && o->warn)
    o->warn(NULL, "TLS certificates are not verified (--insecure)", o->warn_payload);
  *out = c;
  return 0;
}

static void abort_async_calls(custapi_client *c, const custapi_error *why);

void custapi_client_free(custapi_client *c) {
  if (!c)
    return;
  if (c->async_calls)
    abort_async_calls(c, &(custapi_error){.category = CUSTAPI_CATEGORY_INTERNAL,
                                          .message = "the client was freed"});
  custapi__transport_free(c->transport);
  if (c->api_key) {
    custapi__wipe(c->api_key, strlen(c->api_key));
    custapi__free(c->api_key);
  }
  custapi__free(c->base_url);
  custapi__free(c->username);
  custapi__free(c->xmlrpc_prefix);
  custapi__free(c->cacert);
  custapi__free(c->proxy);
  custapi__free(c);
}

const custapi_error *custapi_client_last_error(const custapi_client *c) {
  assert(c);
  return &c->error;
}

/* ---- one call: attempts, retries and backoff on the transport's loop ---- */

typedef struct call {
  void (*on_done)(struct call *k); /* an asynchronous call's completion, or NULL */
  custapi_client *client;
  const custapi_http_request *request;
  int is_update;
  int brief; /* an update whose returned customer is not wanted */
  int is_probe;
  int attempts;
  int done;
  int rc;
  int http_status;
  custapi_error err;
  custapi_result *result;     /* an update's */
  custapi_customer *customer; /* a read's */
  custapi_probe_info probe;   /* a probe's */
} call;

static void trace_info(const custapi_client *c, const char *fmt, ...) CUSTAPI_PRINTF(2, 3);

static void trace_info(const custapi_client *c, const char *fmt, ...) {
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

static void call_finish(call *k, int rc) {
  k->done = 1;
  k->rc = rc;
  if (k->on_done)
    k->on_done(k); /* may free k */
}

static void start_attempt(void *payload);

/* Adds text after / before an error's message, cutting what does not fit. */
static void message_append(custapi_error *err, const char *suffix) {
  size_t len = strlen(err->message), n = strlen(suffix);
  if (len + n >= sizeof err->message)
    n = sizeof err->message - 1 - len;
  memcpy(err->message + len, suffix, n);
  err->message[len + n] = '\0';
}

static void message_prepend(custapi_error *err, const char *prefix) {
  size_t len = strlen(err->message), n = strlen(prefix);
  if (n >= sizeof err->message)
    return;
  if (len + n >= sizeof err->message)
    len = sizeof err->message - 1 - n;
  memmove(err->message + n, err->message, len);
  memcpy(err->message, prefix, n);
  err->message[n + len] = '\0';
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
static void after_failure(call *k, int rc, int transport_retryable, const char *retry_after,
                          int http_status) {
  custapi_client *c = k->client;
  if (!custapi__retry_is_retryable(&k->err, transport_retryable) || k->attempts > c->retries) {
    if (custapi__retry_is_retryable(&k->err, transport_retryable))
      note_attempts(&k->err, k->attempts);
    call_finish(k, rc);
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
      call_finish(k, rc);
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
  custapi_error terr;
  int trc = custapi__transport_add_timer(c->transport, wait_ms, start_attempt, k, &terr);
  if (trc < 0) {
    k->err = terr;
    call_finish(k, trc);
  }
}

/* One answer into k: any that is not a 2xx through the one failure path, a 2xx by the codec. */
static int decode_answer(call *k, const custapi_http_response *r) {
  const custapi_backend_ops *ops = k->client->backend;
  if (k->is_probe)
    return custapi__decode_probe(ops, &k->probe, r, &k->client->endpoint, &k->err);
  if (k->is_update)
    return custapi__decode_update(ops, &k->result, r, k->brief ? CUSTAPI_DECODE_NO_CUSTOMER : 0u,
                                  &k->err);
  return custapi__decode_get(ops, &k->customer, r, &k->err);
}

/*
 * A server may echo the key, or the Authorization header's token, in what it answers. What an
 * error quotes of an answer is taken from a copy of the body with the credentials redacted
 * first, so that no cut of an excerpt can leave the start of one in the message. Successes
 * decode the body as it came; only a failure pays for the copy.
 */
static int decode_redacted(call *k, const custapi_http_response *r) {
  custapi_client *c = k->client;
  int rc = decode_answer(k, r);
  if (rc == 0 || !r->body || r->body_len == 0)
    return rc;
  size_t len = 0;
  char *clean =
      custapi__trace_redact_credentials(r->body, r->body_len, c->username, c->api_key, &len);
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

static void on_transfer_done(custapi_transfer *t, void *payload) {
  call *k = payload;
  custapi_client *c = k->client;
  custapi_http_response response;
  int retryable = 0;
  char retry_after[128] = "";
  int has_retry_after = 0;
  int status = 0; /* this attempt's, 0 when no response arrived */
  int rc = custapi__transfer_response(&response, &retryable, t, &k->err);
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
    rc = decode_redacted(k, &response);
  }
  custapi__transfer_release(c->transport, t); /* the response's buffers end here */
  if (rc < 0) /* a server may echo the key (or the Authorization header) back */
    custapi__redact_message(k->err.message, sizeof k->err.message, c->username, c->api_key);
  if (rc == 0)
    call_finish(k, 0);
  else
    after_failure(k, rc, retryable, has_retry_after ? retry_after : NULL, status);
}

static void start_attempt(void *payload) {
  call *k = payload;
  custapi_transfer *t;
  uint64_t now = custapi__now_ms();
  if (now < k->client->hold_until_ms) {
    custapi_error terr;
    if (custapi__transport_add_timer(k->client->transport, (long)(k->client->hold_until_ms - now),
                                     start_attempt, k, &terr) < 0) {
      k->err = terr;
      call_finish(k, CUSTAPI_EINTERNAL);
    }
    return;
  }
  k->attempts++;
  int rc =
      custapi__transport_start(&t, k->client->transport, k->request, on_transfer_done, k, &k->err);
  if (rc < 0)
    call_finish(k, rc);
}

/* Runs one request to its end, retries included. The caller owns k->result / k->customer. */
static int run_call(call *k) {
  start_attempt(k);
  while (!k->done) {
    custapi_error lerr;
    if (custapi__transport_step(k->client->transport, &lerr) < 0) {
      custapi__transport_abort_all(k->client->transport);
      k->err = lerr;
      call_finish(k, custapi__status_of(lerr.category));
    }
  }
  return k->rc;
}

static int fail(custapi_client *c, const custapi_error *err) {
  return custapi__error_copy(&c->error, err);
}

/* Reads customer `id` into *out (a call of its own). */
static int read_customer(custapi_customer **out, int *http_status, int *attempts, custapi_client *c,
                         int32_t id) {
  *out = NULL;
  custapi_http_request req = {0};
  custapi_error err;
  if (custapi__id_check(id, &err) < 0)
    return fail(c, &err);
  int rc = c->backend->encode_get(&req, &c->endpoint, id, &err);
  if (rc < 0)
    return fail(c, &err);
  call k = {0};
  k.client = c;
  k.request = &req;
  rc = run_call(&k);
  custapi__http_request_clear(&req);
  if (attempts)
    *attempts = k.attempts;
  if (http_status)
    *http_status = k.http_status;
  if (rc < 0) {
    custapi_customer_free(k.customer);
    return fail(c, &k.err);
  }
  *out = k.customer;
  return 0;
}

int custapi_get(custapi_result **out, custapi_client *c, int32_t id) {
  assert(out && c);
  *out = NULL;
  if (c->busy)
    return custapi__client_refuse_if_busy(c);
  custapi_error_clear(&c->error);
  uint64_t start = custapi__now_ms();
  custapi_result *r;
  if (custapi__result_new(&r) < 0)
    return fail(
        c, &(custapi_error){.category = CUSTAPI_CATEGORY_INTERNAL, .message = "out of memory"});
  int rc = read_customer(&r->customer, &r->http_status, &r->attempts, c, id);
  if (rc < 0) {
    custapi_result_free(r);
    return rc;
  }
  r->protocol = c->backend->name;
  r->elapsed_ms = (long)(custapi__now_ms() - start);
  *out = r;
  return 0;
}

/* ---- probe ---- */

int custapi__client_probe(custapi_probe_info *out, int *http_status, int *attempts,
                          custapi_client *c) {
  *out = (custapi_probe_info){0};
  if (c->busy)
    return custapi__client_refuse_if_busy(c);
  custapi_error_clear(&c->error);
  custapi_http_request req = {0};
  custapi_error err;
  int rc = c->backend->encode_probe(&req, &c->endpoint, &err);
  if (rc < 0)
    return fail(c, &err);
  call k = {0};
  k.client = c;
  k.request = &req;
  k.is_probe = 1;
  rc = run_call(&k);
  custapi__http_request_clear(&req);
  *http_status = k.http_status;
  *attempts = k.attempts;
  if (rc < 0) {
    custapi__probe_info_clear(&k.probe);
    return fail(c, &k.err);
  }
  *out = k.probe;
  return 0;
}

int custapi__client_fail(custapi_client *c, const custapi_error *err) { return fail(c, err); }

void custapi__client_facts(const custapi_client *c, const char **base_url, int *insecure,
                           const char **protocol) {
  *base_url = c->base_url;
  *insecure = c->insecure;
  *protocol = c->backend->name;
}

void custapi__client_set_busy(custapi_client *c, int busy) { c->busy = busy; }

int custapi__client_refuse_if_busy(custapi_client *c) {
  if (!c->busy)
    return 0;
  return fail(c, &(custapi_error){.category = CUSTAPI_CATEGORY_USAGE,
                                  .message = "this client is running a bulk update: its "
                                             "callbacks cannot make calls on it (use another "
                                             "client)"});
}

custapi_protocol custapi__client_protocol(const custapi_client *c) { return c->protocol; }

unsigned custapi__client_validate_flags(const custapi_client *c) { return c->validate_flags; }

/* ---- update ---- */

/* Validation before anything is sent; the properties to send in *to_send (a copy when
 * fill-required had to add some, else NULL: send `properties` as they are). */
static int prepare_update(custapi_customer **to_send, custapi_client *c, int32_t id,
                          const custapi_customer *properties, custapi_validate_mode mode,
                          int may_read) {
  *to_send = NULL;
  custapi_error err;
  if (custapi__id_check(id, &err) < 0)
    return fail(c, &err);
  int rc = custapi_validate(properties, mode, c->validate_flags, c->warn, c->warn_payload, &err);
  if (rc < 0)
    return fail(c, &err);
  if (mode != CUSTAPI_VALIDATE_FILL_REQUIRED)
    return 0;
  const char *missing[3];
  size_t n = custapi_validate_missing(missing, properties);
  if (n == 0)
    return 0;
  if (!may_read) {
    if (c->warn) {
      char msg[160];
      int o = snprintf(msg, sizeof msg,
                       "dry run: fill-required would first read customer %d "
                       "and add:",
                       (int)id);
      for (size_t i = 0; i < n && o > 0 && (size_t)o < sizeof msg; i++)
        o += snprintf(msg + o, sizeof msg - (size_t)o, "%s %s", i ? "," : "", missing[i]);
      c->warn(NULL, msg, c->warn_payload);
    }
    return 0;
  }
  custapi_customer *current;
  if ((rc = read_customer(&current, NULL, NULL, c, id)) < 0)
    return rc;
  custapi_customer *filled;
  if (custapi_customer_dup(&filled, properties) < 0) {
    custapi_customer_free(current);
    return fail(
        c, &(custapi_error){.category = CUSTAPI_CATEGORY_INTERNAL, .message = "out of memory"});
  }
  for (size_t i = 0; i < n; i++) {
    const custapi_field *f = custapi_customer_get(current, missing[i]);
    if (!f || f->type != CUSTAPI_VALUE_STRING)
      continue;
    if (custapi__customer_put_string(filled, missing[i], f->string, f->string_len) < 0) {
      custapi_customer_free(current);
      custapi_customer_free(filled);
      return fail(
          c, &(custapi_error){.category = CUSTAPI_CATEGORY_INTERNAL, .message = "out of memory"});
    }
  }
  custapi_customer_free(current);
  rc = custapi_validate(filled, CUSTAPI_VALIDATE_STRICT, c->validate_flags, c->warn,
                        c->warn_payload, &err);
  if (rc < 0) {
    custapi_customer_free(filled);
    char prefix[64];
    snprintf(prefix, sizeof prefix, "after filling from customer %d: ", (int)id);
    message_prepend(&err, prefix);
    return fail(c, &err);
  }
  *to_send = filled;
  return 0;
}

int custapi_update(custapi_result **out, custapi_client *c, int32_t id,
                   const custapi_customer *properties, custapi_validate_mode mode) {
  assert(out && c && properties);
  *out = NULL;
  if (c->busy)
    return custapi__client_refuse_if_busy(c);
  custapi_error_clear(&c->error);
  uint64_t start = custapi__now_ms();
  custapi_customer *filled;
  int rc = prepare_update(&filled, c, id, properties, mode, 1);
  if (rc < 0)
    return rc;
  custapi_http_request req = {0};
  custapi_error err;
  rc = c->backend->encode_update(&req, &c->endpoint, id, filled ? filled : properties, &err);
  custapi_customer_free(filled);
  if (rc < 0)
    return fail(c, &err);
  call k = {0};
  k.client = c;
  k.request = &req;
  k.is_update = 1;
  rc = run_call(&k);
  custapi__http_request_clear(&req);
  if (rc < 0) {
    custapi_result_free(k.result);
    return fail(c, &k.err);
  }
  k.result->protocol = c->backend->name;
  k.result->attempts = k.attempts;
  if (!k.result->http_status)
    k.result->http_status = k.http_status;
  k.result->elapsed_ms = (long)(custapi__now_ms() - start);
  *out = k.result;
  return 0;
}

int custapi_update_dry_run(char **out, custapi_client *c, int32_t id,
                           const custapi_customer *properties, custapi_validate_mode mode) {
  assert(out && c && properties);
  *out = NULL;
  custapi_error_clear(&c->error);
  custapi_customer *filled;
  int rc = prepare_update(&filled, c, id, properties, mode, 0);
  if (rc < 0)
    return rc;
  custapi_http_request req = {0};
  custapi_error err;
  rc = c->backend->encode_update(&req, &c->endpoint, id, properties, &err);
  custapi_customer_free(filled);
  if (rc < 0)
    return fail(c, &err);
  rc = custapi__transport_format_request(out, c->transport, &req, &err);
  custapi__http_request_clear(&req);
  return rc < 0 ? fail(c, &err) : 0;
}

/* Formats a request built by the codec, sends nothing. */
static int format_request(char **out, custapi_client *c, custapi_http_request *req) {
  custapi_error err;
  int rc = custapi__transport_format_request(out, c->transport, req, &err);
  custapi__http_request_clear(req);
  return rc < 0 ? fail(c, &err) : 0;
}

int custapi_get_dry_run(char **out, custapi_client *c, int32_t id) {
  assert(out && c);
  *out = NULL;
  custapi_error_clear(&c->error);
  custapi_error err;
  custapi_http_request req = {0};
  if (custapi__id_check(id, &err) < 0 || c->backend->encode_get(&req, &c->endpoint, id, &err) < 0)
    return fail(c, &err);
  return format_request(out, c, &req);
}

int custapi__client_probe_dry_run(char **out, custapi_client *c) {
  *out = NULL;
  custapi_error_clear(&c->error);
  custapi_http_request req = {0};
  custapi_error err;
  if (c->backend->encode_probe(&req, &c->endpoint, &err) < 0)
    return fail(c, &err);
  return format_request(out, c, &req);
}

/* ---- asynchronous updates (bulk): many calls in flight on the client's one loop ---- */

typedef struct async_update {
  call k; /* first member: call_finish's on_done hands back the call, i.e. this */
  struct async_update *next;
  custapi_http_request request;
  uint64_t start_ms;
  custapi__update_done_fn done;
  void *payload;
} async_update;

static void unlink_async(custapi_client *c, async_update *a) {
  for (async_update **p = &c->async_calls; *p; p = &(*p)->next) {
    if (*p == a) {
      *p = a->next;
      return;
    }
  }
}

static void async_done(call *k) {
  async_update *a = (async_update *)(void *)k;
  custapi_client *c = k->client;
  unlink_async(c, a);
  custapi__http_request_clear(&a->request);
  custapi__update_outcome o = {0};
  o.status = k->rc;
  o.attempts = k->attempts;
  o.http_status = k->http_status;
  o.elapsed_ms = (long)(custapi__now_ms() - a->start_ms);
  if (k->rc == 0) {
    k->result->protocol = c->backend->name;
    k->result->attempts = k->attempts;
    if (!k->result->http_status)
      k->result->http_status = k->http_status;
    k->result->elapsed_ms = o.elapsed_ms;
    o.result = k->result;
  } else {
    o.error = &k->err;
  }
  a->done(&o, a->payload);
  custapi_result_free(k->result);
  custapi__free(a);
}

int custapi__client_check_update(custapi_client *c, int32_t id, const custapi_customer *properties,
                                 custapi_validate_mode mode, custapi_error *err) {
  int rc = custapi_validate_mode_as_given(mode, "bulk", err);
  if (rc < 0)
    return rc;
  if (custapi__id_check(id, err) < 0)
    return CUSTAPI_EINVALID;
  return custapi_validate(properties, mode, c->validate_flags, c->warn, c->warn_payload, err);
}

int custapi__update_start(custapi_client *c, int32_t id, const custapi_customer *properties,
                          unsigned flags, custapi__update_done_fn done, void *payload,
                          custapi_error *err) {
  assert(c && properties && done);
  async_update *a = custapi__calloc(1, sizeof *a);
  if (!a)
    return custapi__error_oom(err);
  int rc = c->backend->encode_update(&a->request, &c->endpoint, id, properties, err);
  if (rc < 0) {
    custapi__free(a);
    return rc;
  }
  a->k.on_done = async_done;
  a->k.client = c;
  a->k.request = &a->request;
  a->k.is_update = 1;
  a->k.brief = (flags & CUSTAPI__UPDATE_BRIEF) != 0;
  a->start_ms = custapi__now_ms();
  a->done = done;
  a->payload = payload;
  /* The first attempt starts from the loop, so `done` is never called before this returns. */
  if ((rc = custapi__transport_add_timer(c->transport, 0, start_attempt, &a->k, err)) < 0) {
    custapi__http_request_clear(&a->request);
    custapi__free(a);
    return rc;
  }
  a->next = c->async_calls;
  c->async_calls = a;
  return 0;
}

size_t custapi__client_async_count(const custapi_client *c) {
  size_t n = 0;
  for (const async_update *a = c->async_calls; a; a = a->next)
    n++;
  return n;
}

int custapi__client_step(custapi_client *c, custapi_error *err) {
  return custapi__transport_step(c->transport, err);
}

static void abort_async_calls(custapi_client *c, const custapi_error *why) {
  custapi__transport_abort_all(c->transport);
  while (c->async_calls) {
    call *k = &c->async_calls->k;
    k->err = *why;
    call_finish(k, custapi__status_of(why->category)); /* unlinks and frees it */
  }
}

void custapi__client_abort_async(custapi_client *c, const custapi_error *why) {
  abort_async_calls(c, why);
}
