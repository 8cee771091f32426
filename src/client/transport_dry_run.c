/* The request exactly as the transport would send it, as text, for --dry-run (credentials
 * redacted). */
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "transport_private.h"

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
  const char *accept = custapi__request_accept(r);
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
