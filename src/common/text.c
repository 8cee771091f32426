#include "text.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"

size_t custapi__text_decode(const unsigned char *s, size_t len, uint32_t *cp) {
  unsigned char c = s[0];
  size_t n;
  uint32_t min;
  if (c < 0x80) {
    *cp = c;
    return 1;
  } else if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    *cp = c & 0x1F;
    min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    *cp = c & 0x0F;
    min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    *cp = c & 0x07;
    min = 0x10000;
  } else {
    return 0;
  }
  if (len < n)
    return 0;
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xC0) != 0x80)
      return 0;
    *cp = (*cp << 6) | (s[i] & 0x3F);
  }
  if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF))
    return 0;
  return n;
}

static int is_refused_control(uint32_t cp) {
  if (cp == '\t' || cp == '\n')
    return 0;
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

text_problem custapi__text_check(const char *text, size_t len, size_t *offset, uint32_t *code_point) {
  const unsigned char *s = (const unsigned char *)text;
  size_t i = 0;
  while (i < len) {
    uint32_t cp = 0;
    size_t n = custapi__text_decode(s + i, len - i, &cp);
    text_problem problem = TEXT_OK;
    if (n == 0)
      problem = TEXT_INVALID_UTF8;
    else if (is_refused_control(cp))
      problem = TEXT_CONTROL;
    else if (cp > 0xFFFD)
      problem = TEXT_ABOVE_FFFD;
    if (problem != TEXT_OK) {
      *offset = i;
      *code_point = n ? cp : 0;
      return problem;
    }
    i += n;
  }
  return TEXT_OK;
}

/* ---- what reaches a terminal ---- */

text_unit custapi__text_next_unit(const char *text, size_t len, size_t *n, uint32_t *code_point) {
  uint32_t cp = 0;
  size_t k = custapi__text_decode((const unsigned char *)text, len, &cp);
  if (k == 0) {
    *n = 1;
    *code_point = (unsigned char)text[0];
    return TEXT_UNIT_BAD_BYTE;
  }
  *n = k;
  *code_point = cp;
  /* C0, DEL and C1: the characters a terminal may act on (ESC starts a sequence, and so do
   * U+009B CSI and U+009D OSC on terminals that honour C1). */
  if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
    return TEXT_UNIT_CONTROL;
  return TEXT_UNIT_PRINTABLE;
}

void custapi__text_put_visible(FILE *out, const char *text, size_t len) {
  size_t i = 0;
  while (i < len) {
    size_t n, start = i;
    uint32_t cp;
    /* Runs of printable characters in one write. */
    while (i < len && custapi__text_next_unit(text + i, len - i, &n, &cp) == TEXT_UNIT_PRINTABLE)
      i += n;
    if (i > start)
      fwrite(text + start, 1, i - start, out);
    if (i == len)
      break;
    text_unit u = custapi__text_next_unit(text + i, len - i, &n, &cp);
    if (u == TEXT_UNIT_BAD_BYTE || cp < 0x80)
      fprintf(out, "\\x%02X", (unsigned)cp);
    else
      fprintf(out, "\\u%04X", (unsigned)cp);
    i += n;
  }
}

/* ---- loopback ---- */

static int ends_with_nocase(const char *s, size_t len, const char *tail) {
  size_t n = strlen(tail);
  return len > n && strncasecmp(s + len - n, tail, n) == 0;
}

/* An IPv4 address in any form inet_aton reads (127.1, 0x7f000001, 2130706433: libcurl's URL
 * parser normalises the same forms to dotted quads) within 127.0.0.0/8. */
static int is_loopback_ipv4(const char *host, size_t len) {
  char buf[64];
  if (len == 0 || len >= sizeof buf)
    return 0;
  for (size_t i = 0; i < len; i++)
    if (!isxdigit((unsigned char)host[i]) && host[i] != '.' && host[i] != 'x' && host[i] != 'X')
      return 0; /* inet_aton would also read "127.0.0.1 anything" */
  memcpy(buf, host, len);
  buf[len] = '\0';
  struct in_addr a;
  return inet_aton(buf, &a) && (ntohl(a.s_addr) >> 24) == 127;
}

/* ::1 in any spelling (0:0:0:0:0:0:0:1, ::0:1), or IPv4-mapped 127.0.0.0/8 (::ffff:127.0.0.1),
 * with or without a zone (%lo). */
static int is_loopback_ipv6(const char *host, size_t len) {
  char buf[INET6_ADDRSTRLEN + 1];
  const char *zone = memchr(host, '%', len);
  if (zone)
    len = (size_t)(zone - host);
  if (len == 0 || len >= sizeof buf)
    return 0;
  memcpy(buf, host, len);
  buf[len] = '\0';
  struct in6_addr a;
  if (inet_pton(AF_INET6, buf, &a) != 1)
    return 0;
  return IN6_IS_ADDR_LOOPBACK(&a) || (IN6_IS_ADDR_V4MAPPED(&a) && a.s6_addr[12] == 127);
}

void custapi__base_url_trim(char *url) {
  for (size_t n = strlen(url); n > 0 && url[n - 1] == '/'; n--)
    url[n - 1] = '\0';
}

int custapi__text_host_is_loopback(const char *host) {
  size_t len = strlen(host);
  if (len >= 2 && host[0] == '[' && host[len - 1] == ']')
    return is_loopback_ipv6(host + 1, len - 2);
  /* libcurl resolves "localhost" and every "*.localhost" name to loopback itself, never
   * asking DNS (RFC 6761); a trailing dot ("localhost.") goes to DNS, so it is not ours. */
  if (strcasecmp(host, "localhost") == 0 || ends_with_nocase(host, len, ".localhost"))
    return 1;
  if (memchr(host, ':', len))
    return is_loopback_ipv6(host, len);
  return is_loopback_ipv4(host, len);
}

/* ---- JSON that is valid UTF-8 ---- */

/* What a character of json-c's output becomes: 0 when it stays as it is. */
static size_t json_replacement(char out[8], const char *json, size_t len, size_t *n) {
  uint32_t cp;
  text_unit u = custapi__text_next_unit(json, len, n, &cp);
  if (u == TEXT_UNIT_BAD_BYTE)
    return (size_t)snprintf(out, 8, "\\\\x%02X", (unsigned)cp); /* the text \xHH */
  if (u == TEXT_UNIT_CONTROL && cp >= 0x7F)
    return (size_t)snprintf(out, 8, "\\u%04X", (unsigned)cp); /* the same character, escaped */
  return 0;                                                   /* json-c escapes C0 itself */
}

char *custapi__text_json_clean(const char *json, size_t len, size_t *out_len) {
  size_t need = 0, n;
  char rep[8];
  for (size_t i = 0; i < len; i += n) {
    size_t r = json_replacement(rep, json + i, len - i, &n);
    need += r ? r : n;
  }
  char *out = custapi__malloc(need + 1);
  if (!out)
    return NULL;
  size_t o = 0;
  for (size_t i = 0; i < len; i += n) {
    size_t r = json_replacement(rep, json + i, len - i, &n);
    memcpy(out + o, r ? rep : json + i, r ? r : n);
    o += r ? r : n;
  }
  out[o] = '\0';
  if (out_len)
    *out_len = o;
  return out;
}

void custapi__text_json_put_clean(FILE *out, const char *json, size_t len) {
  size_t n, start = 0;
  char rep[8];
  for (size_t i = 0; i < len; i += n) {
    size_t r = json_replacement(rep, json + i, len - i, &n);
    if (r) {
      fwrite(json + start, 1, i - start, out);
      fwrite(rep, 1, r, out);
      start = i + n;
    }
  }
  fwrite(json + start, 1, len - start, out);
}
