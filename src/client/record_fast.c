/*
 * A scanner for the flat JSON Lines record (record_fast.h). Every text it accepts is RFC 8259
 * JSON that the general reader (custapi__json_parse_object) accepts and that json-c reads to the
 * same members: no escapes (json-c's decoding), no bytes beyond ASCII (UTF-8 validation), no
 * integer near the 64-bit limits (the checker's range rule) and no "-0" (json-c reads it as 0),
 * no repeated name (refused by the general reader, with its message). Lines it declines are
 * read by the general reader, which words every error.
 */
#include "record_fast.h"

#include <stdint.h>
#include <string.h>

#include "customer.h"

/* A record the fast path takes is never one the general reader refuses for its size. */
_Static_assert(RECORD_FAST_MAX_MEMBERS <= CUSTAPI_CUSTOMER_MAX_MEMBERS,
               "more members than a customer may have");

static int is_json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static char *skip_space(char *s, const char *end) {
  while (s < end && is_json_space(*s))
    s++;
  return s;
}

/* From just after an opening quote: the closing quote of a string of printable ASCII other
 * than '"' and '\\' (so no escapes), or NULL. */
static char *plain_string_end(char *s, const char *end) {
  for (; s < end; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"')
      return s;
    if (c < 0x20 || c > 0x7E || c == '\\')
      return NULL;
  }
  return NULL;
}

/* 18 decimal digits stay below 2^63 whatever they are. */
#define SMALL_INTEGER_DIGITS 18

/* A JSON integer -?(0|[1-9][0-9]*) of at most 18 digits, not "-0": the byte after it, or NULL.
 * A fraction or an exponent after it is the caller's to refuse (it wants ',' or '}'). */
static char *small_integer(char *s, const char *end, int64_t *out) {
  int negative = s < end && *s == '-';
  s += negative;
  const char *digits = s;
  int64_t value = 0;
  while (s < end && *s >= '0' && *s <= '9' && s - digits < SMALL_INTEGER_DIGITS)
    value = value * 10 + (*s++ - '0');
  size_t n = (size_t)(s - digits);
  if (n == 0 || (s < end && *s >= '0' && *s <= '9') || (digits[0] == '0' && (n > 1 || negative)))
    return NULL;
  *out = negative ? -value : value;
  return s;
}

static int repeats_a_name(const record_fast *r, const char *name, size_t len) {
  for (size_t i = 0; i < r->count; i++)
    if (r->members[i].name_len == len && memcmp(r->members[i].name, name, len) == 0)
      return 1;
  return 0;
}

/* One member `"NAME" : VALUE` at s, into out->members[out->count]: the byte after it, or NULL. */
static char *scan_member(record_fast *out, char *s, const char *end) {
  if (out->count == RECORD_FAST_MAX_MEMBERS || s == end || *s != '"')
    return NULL;
  char *name = s + 1, *quote = plain_string_end(name, end);
  size_t name_len = quote ? (size_t)(quote - name) : 0;
  if (name_len == 0 || name_len > RECORD_FAST_MAX_NAME || repeats_a_name(out, name, name_len))
    return NULL;
  s = skip_space(quote + 1, end);
  if (s == end || *s != ':')
    return NULL;
  s = skip_space(s + 1, end);
  custapi_json_scalar value = {json_type_int, NULL, 0, 0};
  if (s < end && *s == '"') {
    value.type = json_type_string;
    value.text = s + 1;
    if (!(quote = plain_string_end(s + 1, end)))
      return NULL;
    value.len = (size_t)(quote - value.text);
    s = quote + 1;
  } else if (!(s = small_integer(s, end, &value.integer))) {
    return NULL;
  }
  if (name_len == 2 && memcmp(name, "id", 2) == 0)
    out->id = out->count;
  out->members[out->count++] = (record_fast_member){name, name_len, value};
  return s;
}

int custapi__record_fast_scan(record_fast *out, char *line, size_t len) {
  const char *end = line + len;
  out->count = 0;
  out->id = RECORD_FAST_MAX_MEMBERS; /* none yet */
  char *s = skip_space(line, end);
  if (s == end || *s != '{')
    return 0;
  s = skip_space(s + 1, end);
  for (;;) {
    if (!(s = scan_member(out, s, end)))
      return 0;
    s = skip_space(s, end);
    if (s < end && *s == ',') {
      s = skip_space(s + 1, end);
      continue;
    }
    if (s < end && *s == '}')
      break;
    return 0;
  }
  /* Nothing but white space after the object; and a record without an id is the general
   * reader's to refuse. */
  if (skip_space(s + 1, end) != end || out->id == RECORD_FAST_MAX_MEMBERS)
    return 0;
  /* Accepted: the line is read no further, so the closing quotes may become terminators. */
  for (size_t i = 0; i < out->count; i++) {
    record_fast_member *m = &out->members[i];
    line[m->name + m->name_len - line] = '\0';
    if (m->value.type == json_type_string)
      line[m->value.text + m->value.len - line] = '\0';
  }
  return 1;
}
