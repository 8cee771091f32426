/*
 * The client's construction: custapi_options checked once and copied, the backend picked by
 * protocol, the transport made; the library's set-up, and the small facts other parts of the
 * library ask of a client.
 */
#include <assert.h>
#include <curl/curl.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "caller.h"
#include "client.h"
#include "client_internal.h"
#include "codec.h"
#include "codec_table.h"
#include "error.h"
#include "retry.h"
#include "text.h"
#include "transport.h"

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
    if (custapi__text_next_unit(s + i, len - i, &n, &cp) == TEXT_UNIT_BAD_BYTE)
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
  } else if (!https && !allow_plain_http && !custapi__text_host_is_loopback(host)) {
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

static char *dup_or_null(const char *s, int *oom) {
  if (!s)
    return NULL;
  char *d = custapi__strdup(s);
  if (!d)
    *oom = 1;
  return d;
}

/* Everything but the credentials: what a caller without a key of its own (the gateway's) is
 * checked for too. */
static int check_connection(const custapi_options *o, custapi_error *err) {
  if (o->version < 1 || o->version > CUSTAPI_OPTIONS_VERSION)
    return usage_error(err,
                       "options version %u is not supported (start from "
                       "CUSTAPI_OPTIONS_INIT)",
                       o->version);
  if (!custapi__backend_for(o->protocol))
    return usage_error(err, "unknown protocol %d", (int)o->protocol);
  int rc = check_url(o, err);
  if (rc < 0)
    return rc;
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

static int check_options(const custapi_options *o, custapi_error *err) {
  int rc = check_connection(o, err);
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
  return 0;
}

/* The caller's transport and retry policy from `o`, with the defaults of custapi_options;
 * `username` and `secret` (NULL for none) are the caller's own credentials. Strings are
 * borrowed for the caller's lifetime. */
static int caller_init(custapi_caller *k, const custapi_options *o, const char *username,
                       const char *secret, const char *cacert, const char *proxy,
                       custapi_error *err) {
  custapi_transport_config tc = {0};
  tc.username = username ? username : "";
  tc.password = secret;
  tc.timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : CUSTAPI_DEFAULT_TIMEOUT_MS;
  tc.connect_timeout_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : tc.timeout_ms;
  tc.cacert = cacert;
  tc.insecure = o->insecure;
  tc.proxy = proxy;
  tc.max_response_bytes =
      o->max_response_bytes ? o->max_response_bytes : CUSTAPI_DEFAULT_MAX_RESPONSE_BYTES;
  tc.trace = o->trace;
  tc.trace_payload = o->trace_payload;
  k->retries = o->retries < 0 ? CUSTAPI_RETRY_DEFAULT : o->retries;
  k->timeout_ms = tc.timeout_ms;
  k->username = username;
  k->secret = secret;
  k->trace = o->trace;
  k->trace_payload = o->trace_payload;
  int rc = custapi__transport_new(&k->transport, &tc, err);
  if (rc == 0 && o->insecure && o->warn)
    o->warn(NULL, "TLS certificates are not verified (--insecure)", o->warn_payload);
  return rc;
}

/* A caller of its own, with its copies of the strings its transport borrows. */
typedef struct lone_caller {
  custapi_caller caller; /* first: custapi__caller_free is handed this */
  char *cacert, *proxy;
} lone_caller;

int custapi__caller_new(custapi_caller **out, const custapi_options *o, custapi_error *err) {
  *out = NULL;
  int rc = check_connection(o, err);
  if (rc < 0)
    return rc;
  lone_caller *l = custapi__calloc(1, sizeof *l);
  int oom = !l;
  if (l) {
    l->cacert = dup_or_null(o->cacert, &oom);
    l->proxy = dup_or_null(o->proxy, &oom);
  }
  if (oom) {
    custapi__caller_free(l ? &l->caller : NULL);
    return custapi__error_oom(err);
  }
  if ((rc = caller_init(&l->caller, o, NULL, NULL, l->cacert, l->proxy, err)) < 0) {
    custapi__caller_free(&l->caller);
    return rc;
  }
  *out = &l->caller;
  return 0;
}

void custapi__caller_free(custapi_caller *k) {
  if (!k)
    return;
  lone_caller *l = (lone_caller *)(void *)k;
  custapi__transport_free(l->caller.transport);
  custapi__free(l->cacert);
  custapi__free(l->proxy);
  custapi__free(l);
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
  c->validate_flags = o->validate_flags;
  c->insecure = o->insecure;
  c->warn = o->warn;
  c->warn_payload = o->warn_payload;
  if ((rc = caller_init(&c->caller, o, c->username, c->api_key, c->cacert, c->proxy, err)) < 0) {
    custapi_client_free(c);
    return rc;
  }
  *out = c;
  return 0;
}

void custapi_client_free(custapi_client *c) {
  if (!c)
    return;
  if (c->async_calls)
    custapi__client_abort_async(c,
                                &(custapi_error){.category = CUSTAPI_CATEGORY_INTERNAL,
                                                 .message = "the client was freed"},
                                0);
  custapi__transport_free(c->caller.transport);
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

/* ---- what the rest of the library asks of a client ---- */

int custapi__client_fail(custapi_client *c, const custapi_error *err) {
  c->maybe_applied = 0; /* custapi_update says so after this, when it may have been */
  return custapi__error_copy(&c->error, err);
}

int custapi_client_maybe_applied(const custapi_client *c) {
  assert(c);
  return c->maybe_applied;
}

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
  return custapi__client_fail(
      c, &(custapi_error){.category = CUSTAPI_CATEGORY_USAGE,
                          .message = "this client is running a bulk update: its "
                                     "callbacks cannot make calls on it (use another "
                                     "client)"});
}

custapi_protocol custapi__client_protocol(const custapi_client *c) { return c->protocol; }

unsigned custapi__client_validate_flags(const custapi_client *c) { return c->validate_flags; }
