/*
 * The one path for an HTTP answer that is not a success, whichever protocol asked: the status
 * gives the category, the body at most a short excerpt of what the server said. Codecs never
 * see such an answer (codec_table.c calls this first), so that the same answer gives the same
 * error over REST and XML-RPC.
 */
#include <json-c/json.h>
#include <string.h>
#include <strings.h>

#include "error.h"
#include "http.h"
#include "json_util.h"
#include "text.h"

/* How much of what the server said goes into a message (bytes, before "..."). */
#define SERVER_TEXT_MAX 200

int custapi__http_is_success(int status) { return status >= 200 && status <= 299; }

static int is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* Characters that would break a one-line message or reorder what is shown: C0, DEL, C1, the
 * Unicode line and paragraph separators and the bidirectional overrides. */
static int shown_as_space(uint32_t cp) {
  return cp <= 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) || cp == 0x2028 || cp == 0x2029 ||
         (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

/*
 * At most `max` bytes of `text` into buf as one displayable line: every run of white space and
 * control characters becomes one space (none at either end), a byte that is not UTF-8 becomes
 * '?', and a cut (never inside a character) is marked "...".
 */
static void excerpt(char *buf, size_t size, const char *text, size_t len, size_t max) {
  size_t o = 0, i = 0;
  int space = 0, cut = 0;
  if (max > size - 4)
    max = size - 4;
  while (i < len) {
    const unsigned char *s = (const unsigned char *)text + i;
    uint32_t cp = s[0];
    size_t n = 1;
    int replaced = 0;
    if (cp >= 0x80 && (n = custapi__text_decode(s, len - i, &cp)) == 0)
      n = 1, cp = '?', replaced = 1;
    if (shown_as_space(cp)) {
      space = o > 0;
      i += n;
      continue;
    }
    size_t need = (replaced ? 1 : n) + (space ? 1 : 0);
    if (o + need > max) {
      cut = 1;
      break;
    }
    if (space)
      buf[o++] = ' ', space = 0;
    if (replaced)
      buf[o++] = '?';
    else
      memcpy(buf + o, s, n), o += n;
    i += n;
  }
  if (cut)
    memcpy(buf + o, "...", 3), o += 3;
  buf[o] = '\0';
}

/* A non-empty JSON string, or NULL. */
static json_object *text_member(json_object *obj, const char *name) {
  json_object *v = NULL;
  if (json_object_is_type(obj, json_type_object) && json_object_object_get_ex(obj, name, &v) &&
      json_object_is_type(v, json_type_string) && json_object_get_string_len(v) > 0)
    return v;
  return NULL;
}

/* A string, or an object's "message" (the two shapes an entry of "errors" takes). */
static json_object *text_or_message(json_object *v) {
  if (json_object_is_type(v, json_type_string) && json_object_get_string_len(v) > 0)
    return v;
  return text_member(v, "message");
}

/*
 * What a JSON error body says, in the shapes servers use: {"error":{"message":..}},
 * {"error":".."}, {"message":..} (beside an "error" of any type, e.g. {"error":5,...}),
 * {"errors":[".."|{"message":..}, ...]} (the first), RFC 9457's "detail" and "title".
 */
static json_object *json_message(json_object *obj) {
  json_object *e = NULL, *m;
  json_object_object_get_ex(obj, "error", &e);
  if ((m = text_or_message(e)) || (m = text_member(obj, "message")))
    return m;
  json_object *list = NULL;
  if (json_object_object_get_ex(obj, "errors", &list) &&
      json_object_is_type(list, json_type_array) && json_object_array_length(list) > 0 &&
      (m = text_or_message(json_object_array_get_idx(list, 0))))
    return m;
  if ((m = text_member(obj, "detail")) || (m = text_member(obj, "title")))
    return m;
  return NULL;
}

/* A markup page (HTML, or any XML) is never quoted: its text is not a message. */
static int is_markup(const custapi_http_response *r, const char *s) {
  const char *type = r->content_type ? r->content_type : "";
  return *s == '<' || strncasecmp(type, "text/html", 9) == 0 ||
         strncasecmp(type, "application/xhtml", 17) == 0;
}

/* What the server said, as an excerpt in buf; "" when it said nothing worth showing. */
static void server_text(char *buf, size_t size, const custapi_http_response *r) {
  const char *s = r->body ? r->body : "";
  size_t n = r->body ? r->body_len : 0;
  buf[0] = '\0';
  while (n > 0 && is_space((unsigned char)*s))
    s++, n--;
  if (n == 0 || is_markup(r, s) || memchr(s, '\0', n)) /* NUL: binary, not text */
    return;
  if (*s == '{' || *s == '[') {
    json_object *obj = NULL;
    if (*s == '{' && custapi__json_parse_object(&obj, s, n, NULL) == 0) {
      json_object *m = json_message(obj);
      if (m)
        excerpt(buf, size, json_object_get_string(m), (size_t)json_object_get_string_len(m),
                SERVER_TEXT_MAX);
      json_object_put(obj);
    }
    return; /* JSON without a message (or not JSON at all) is not shown either */
  }
  excerpt(buf, size, s, n, SERVER_TEXT_MAX);
}

char *custapi__server_excerpt(char *buf, size_t size, const char *text, size_t len) {
  excerpt(buf, size, text, len, SERVER_TEXT_MAX);
  return buf;
}

int custapi__http_failure(custapi_error *err, const custapi_http_response *r) {
  if (r->status >= 300 && r->status <= 399)
    return custapi__redirect_error(err, r);
  int rc;
  if (r->status < 200 || r->status > 599) {
    rc = custapi__error_set(err, CUSTAPI_CATEGORY_PROTOCOL, NULL, "unexpected HTTP status %d",
                            r->status);
  } else {
    char line[64], text[SERVER_TEXT_MAX + 8];
    custapi__http_status_line(line, sizeof line, r->status);
    server_text(text, sizeof text, r);
    rc = custapi__error_set(err, custapi__http_status_category(r->status), NULL, "%s%s%s", line,
                            text[0] ? ": " : "", text);
  }
  if (err)
    err->http_status = r->status;
  return rc;
}
