/*
 * The -v trace on stderr. The library has redacted the credentials before we see the text;
 * control characters and bytes that are not UTF-8 are shown escaped (custapi__text_put_visible).
 */
#include <stdio.h>
#include <string.h>

#include "cli_support.h"
#include "connect.h"

static const char *prefix_of(custapi_trace_kind kind) {
  switch (kind) {
  case CUSTAPI_TRACE_REQUEST_HEAD:
  case CUSTAPI_TRACE_REQUEST_BODY:
    return "> ";
  case CUSTAPI_TRACE_RESPONSE_HEAD:
  case CUSTAPI_TRACE_RESPONSE_BODY:
    return "< ";
  case CUSTAPI_TRACE_INFO:
  default:
    return "* ";
  }
}

void cli_trace_stderr(custapi_trace_kind kind, const char *text, size_t len, void *payload) {
  (void)payload;
  const char *prefix = prefix_of(kind);
  const char *end = text + len;
  while (text < end) {
    const char *nl = memchr(text, '\n', (size_t)(end - text));
    size_t n = nl ? (size_t)(nl - text) : (size_t)(end - text);
    if (n && text[n - 1] == '\r')
      n--;
    /* Skip the empty line that ends a header block; keep empty lines inside a body. */
    if (n || kind == CUSTAPI_TRACE_REQUEST_BODY || kind == CUSTAPI_TRACE_RESPONSE_BODY) {
      /* What the server sent may hold escape sequences meant for our terminal: shown, not
       * obeyed (credentials are redacted already). */
      fputs(prefix, stderr);
      custapi__text_put_visible(stderr, text, n);
      fputc('\n', stderr);
    }
    text = nl ? nl + 1 : end;
  }
  fflush(stderr);
}
