#include "trace.h"

#include <string.h>
#include <strings.h>

#include "alloc.h"

static const char REDACTED[] = "[redacted]";

/* Length of the header name that must be redacted at `line`, or 0. */
static size_t credential_header(const char *line, size_t len) {
  static const char *const names[] = {"Authorization:", "Proxy-Authorization:"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    size_t n = strlen(names[i]);
    if (len >= n && strncasecmp(line, names[i], n) == 0)
      return n;
  }
  return 0;
}

/* Appends to a buffer sized for the worst case by the caller. */
static void put(char *buf, size_t *o, const char *s, size_t n) {
  memcpy(buf + *o, s, n);
  *o += n;
}

/* Copies one line (without its end) with the secret's occurrences replaced. */
static void put_scrubbed(char *buf, size_t *o, const char *s, size_t n, const char *secret,
                         size_t secret_len) {
  size_t i = 0;
  while (i < n) {
    if (secret_len && n - i >= secret_len && memcmp(s + i, secret, secret_len) == 0) {
      put(buf, o, REDACTED, sizeof REDACTED - 1);
      i += secret_len;
    } else {
      buf[(*o)++] = s[i++];
    }
  }
}

char *custapi__trace_redact(const char *text, size_t len, const char *secret, size_t *out_len) {
  size_t secret_len = secret ? strlen(secret) : 0;
  /* Worst case: every byte a secret of one byte, replaced by the marker. */
  size_t cap = len * (sizeof REDACTED) + 1;
  char *buf = custapi__malloc(cap);
  if (!buf)
    return NULL;
  size_t o = 0, i = 0;
  while (i < len) {
    const char *line = text + i;
    const char *nl = memchr(line, '\n', len - i);
    size_t line_len = nl ? (size_t)(nl - line) : len - i;
    size_t name_len = credential_header(line, line_len);
    if (name_len) {
      put(buf, &o, line, name_len);
      /* Keep the scheme word ("Basic"), drop everything after it. */
      size_t p = name_len;
      while (p < line_len && line[p] == ' ')
        p++;
      size_t scheme = p;
      while (p < line_len && line[p] != ' ' && line[p] != '\r')
        p++;
      buf[o++] = ' ';
      if (p > scheme && p < line_len) {
        put(buf, &o, line + scheme, p - scheme);
        buf[o++] = ' ';
      }
      put(buf, &o, REDACTED, sizeof REDACTED - 1);
      if (line_len && line[line_len - 1] == '\r')
        buf[o++] = '\r';
    } else {
      put_scrubbed(buf, &o, line, line_len, secret, secret_len);
    }
    i += line_len;
    if (nl) {
      buf[o++] = '\n';
      i++;
    }
  }
  buf[o] = '\0';
  if (out_len)
    *out_len = o;
  return buf;
}
