#include "trace.h"

#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "custapi/custapi.h"

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

/* Copies one line (without its end) with every occurrence of the needles replaced. */
static void put_scrubbed(char *buf, size_t *o, const char *s, size_t n, const char *const *needles,
                         const size_t *lens) {
  size_t i = 0;
  while (i < n) {
    size_t hit = 0;
    for (size_t k = 0; k < 2 && !hit; k++)
      if (lens[k] && n - i >= lens[k] && memcmp(s + i, needles[k], lens[k]) == 0)
        hit = lens[k];
    if (hit) {
      put(buf, o, REDACTED, sizeof REDACTED - 1);
      i += hit;
    } else {
      buf[(*o)++] = s[i++];
    }
  }
}

/* Byte i of "a:b" without building that copy of the key. */
static unsigned char pair_byte(const char *a, size_t alen, const char *b, size_t i) {
  if (i < alen)
    return (unsigned char)a[i];
  return i == alen ? ':' : (unsigned char)b[i - alen - 1];
}

/* The Basic token base64("username:secret") into `out` (cap bytes); its length, 0 when it
 * does not fit. */
static size_t basic_token(char *out, size_t cap, const char *username, const char *secret) {
  static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t ulen = username ? strlen(username) : 0, n = ulen + 1 + strlen(secret);
  size_t tlen = (n + 2) / 3 * 4;
  if (tlen >= cap)
    return 0;
  size_t o = 0;
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned)pair_byte(username, ulen, secret, i) << 16;
    if (i + 1 < n)
      v |= (unsigned)pair_byte(username, ulen, secret, i + 1) << 8;
    if (i + 2 < n)
      v |= pair_byte(username, ulen, secret, i + 2);
    out[o++] = abc[(v >> 18) & 63];
    out[o++] = abc[(v >> 12) & 63];
    out[o++] = i + 1 < n ? abc[(v >> 6) & 63] : '=';
    out[o++] = i + 2 < n ? abc[v & 63] : '=';
  }
  out[o] = '\0';
  return o;
}

char *custapi__trace_redact(const char *text, size_t len, const char *secret, size_t *out_len) {
  return custapi__trace_redact_credentials(text, len, NULL, secret, out_len);
}

char *custapi__trace_redact_credentials(const char *text, size_t len, const char *username,
                                        const char *secret, size_t *out_len) {
  size_t secret_len = secret ? strlen(secret) : 0;
  /* A server may echo the Authorization header's token in a body: scrub that form too. */
  char *token = NULL;
  size_t token_len = 0, token_cap = 0;
  if (username && secret_len) {
    token_cap = (strlen(username) + 1 + secret_len + 2) / 3 * 4 + 1;
    if (!(token = custapi__malloc(token_cap)))
      return NULL;
    token_len = basic_token(token, token_cap, username, secret);
  }
  const char *const needles[2] = {secret, token};
  const size_t lens[2] = {secret_len, token_len};
  /* Worst case: every byte a secret of one byte, replaced by the marker. */
  size_t cap = len * (sizeof REDACTED) + 1;
  char *buf = custapi__malloc(cap);
  if (!buf) {
    if (token)
      custapi__wipe(token, token_cap);
    custapi__free(token);
    return NULL;
  }
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
      put_scrubbed(buf, &o, line, line_len, needles, lens);
    }
    i += line_len;
    if (nl) {
      buf[o++] = '\n';
      i++;
    }
  }
  buf[o] = '\0';
  if (token)
    custapi__wipe(token, token_cap);
  custapi__free(token);
  if (out_len)
    *out_len = o;
  return buf;
}

/* ---- a trace in pieces ---- */

static void emit_redacted(custapi_trace_stream *s, custapi_trace_kind kind, const char *text,
                          size_t len) {
  if (!len || !s->fn)
    return;
  size_t n;
  char *clean = custapi__trace_redact_credentials(text, len, s->username, s->secret, &n);
  if (clean)
    s->fn(kind, clean, n, s->payload);
  custapi__free(clean);
}

/* Whether `needle` (n bytes) starts at `p` of text[0..len), whole or cut off by the end. */
static int starts_at(const char *text, size_t len, size_t p, const char *needle, size_t n) {
  size_t avail = len - p < n ? len - p : n;
  return memcmp(text + p, needle, avail) == 0;
}

/*
 * Where to cut text[0..len) so that everything before the cut can be passed on: no credential
 * (whole, or its start at the end of the text) runs across the cut. Text up to the last line
 * break never needs holding; after it, the last `longest - 1` bytes may be a credential's start.
 */
static size_t safe_cut(const char *text, size_t len, const char *const *needles, const size_t *lens,
                       size_t longest) {
  size_t cut = len >= longest ? len - (longest - 1) : 0;
  for (size_t i = len; i > cut; i--)
    if (text[i - 1] == '\n') {
      cut = i;
      break;
    }
  /* A credential that starts before the cut and ends after it is held whole; repeat, as the
   * earlier cut may split another. */
  for (int moved = 1; moved && cut > 0;) {
    moved = 0;
    for (size_t k = 0; k < 2 && !moved; k++) {
      size_t n = lens[k];
      if (!n)
        continue;
      for (size_t p = cut > n - 1 ? cut - (n - 1) : 0; p < cut; p++) {
        if (starts_at(text, len, p, needles[k], n)) {
          cut = p;
          moved = 1;
          break;
        }
      }
    }
  }
  return cut;
}

void custapi__trace_stream_put(custapi_trace_stream *s, custapi_trace_kind kind, const char *text,
                               size_t len) {
  if (s->held_len && s->kind != kind)
    custapi__trace_stream_flush(s);
  if (!len)
    return;
  size_t secret_len = s->secret ? strlen(s->secret) : 0;
  if (!secret_len) { /* nothing to find across pieces */
    emit_redacted(s, kind, text, len);
    return;
  }
  /* The Basic token, base64 of "username:key", is longer than the key. */
  size_t token_cap = ((s->username ? strlen(s->username) : 0) + 1 + secret_len + 2) / 3 * 4 + 1;
  char *token = custapi__malloc(token_cap);
  if (!token) { /* cannot redact: drop, never show */
    custapi__trace_stream_reset(s);
    return;
  }
  size_t token_len = basic_token(token, token_cap, s->username, s->secret);
  const char *const needles[2] = {s->secret, token};
  const size_t lens[2] = {secret_len, token_len};
  size_t longest = token_len > secret_len ? token_len : secret_len;
  size_t total = s->held_len + len;
  if (total > s->held_cap) {
    char *grown = custapi__malloc(total);
    if (!grown) { /* cannot redact: drop, never show */
      custapi__trace_stream_reset(s);
      custapi__wipe(token, token_cap);
      custapi__free(token);
      return;
    }
    if (s->held) {
      memcpy(grown, s->held, s->held_len);
      custapi__wipe(s->held, s->held_cap);
      custapi__free(s->held);
    }
    s->held = grown;
    s->held_cap = total;
  }
  memcpy(s->held + s->held_len, text, len);
  s->kind = kind;
  size_t cut = safe_cut(s->held, total, needles, lens, longest);
  custapi__wipe(token, token_cap);
  custapi__free(token);
  emit_redacted(s, kind, s->held, cut);
  memmove(s->held, s->held + cut, total - cut);
  custapi__wipe(s->held + (total - cut), cut);
  s->held_len = total - cut;
}

void custapi__trace_stream_flush(custapi_trace_stream *s) {
  if (!s->held_len)
    return;
  emit_redacted(s, s->kind, s->held, s->held_len);
  custapi__trace_stream_reset(s);
}

void custapi__trace_stream_reset(custapi_trace_stream *s) {
  if (s->held)
    custapi__wipe(s->held, s->held_cap);
  s->held_len = 0;
}

void custapi__trace_stream_free(custapi_trace_stream *s) {
  custapi__trace_stream_reset(s);
  custapi__free(s->held);
  s->held = NULL;
  s->held_cap = 0;
}

/* ---- error messages ---- */

/* Replaces each occurrence of `needle` (n > 0 bytes, NUL-terminated) in the string `s`. */
static void replace_all(char *s, size_t size, const char *needle, size_t n) {
  const size_t r = sizeof REDACTED - 1;
  char *p = s;
  while ((p = strstr(p, needle)) != NULL) {
    size_t off = (size_t)(p - s), tail = strlen(p + n);
    if (off + r >= size) {
      *p = '\0'; /* not even the marker fits: drop the rest */
      return;
    }
    if (off + r + tail >= size)
      tail = size - 1 - off - r;
    memmove(p + r, p + n, tail);
    p[r + tail] = '\0';
    memcpy(p, REDACTED, r);
    p += r; /* never rescans the marker, whatever the secret */
  }
}

void custapi__redact_message(char *message, size_t size, const char *username, const char *secret) {
  if (!message || !size || !secret || !*secret)
    return;
  replace_all(message, size, secret, strlen(secret));
  /* The Basic token: only one shorter than the buffer can be in it. */
  char token[CUSTAPI_ERROR_MESSAGE_MAX + 4];
  size_t o = basic_token(token, size < sizeof token ? size : sizeof token, username, secret);
  if (o)
    replace_all(message, size, token, o);
  custapi__wipe(token, sizeof token); /* as good as the key */
}
