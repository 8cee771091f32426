/*
 * A response as libcurl hands it over: the body kept up to the transport's limit, and the head
 * read for the three headers that matter (Content-Type, Location, Retry-After) within its own
 * limit.
 */
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "transport_private.h"

size_t custapi__transfer_on_body(char *data, size_t size, size_t nmemb, void *userdata) {
  custapi_transfer *x = userdata;
  size_t n = size * nmemb;
  size_t cap = x->transport->config.max_response_bytes;
  if (x->body_len + n > cap) {
    /* Returning less than given aborts the transfer: the rest is never read. */
    x->too_large = 1;
    return 0;
  }
  if (custapi__bytes_append(&x->body, &x->body_len, &x->body_cap, data, n) < 0)
    return 0;
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

size_t custapi__transfer_on_header(char *data, size_t size, size_t nmemb, void *userdata) {
  custapi_transfer *x = userdata;
  size_t n = size * nmemb;
  if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
    if (x->head_done && ++x->interim > INTERIM_MAX) {
      x->interim_flood = 1;
      return 0; /* less than given: the transfer stops here */
    }
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
