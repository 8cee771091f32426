/*
 * The strict JSON checker's quick pass (json_check.h): one loop, no recursion, over the text an
 * API answer is made of (plain ASCII strings with the simple escapes, small integers, true,
 * false, null, objects and arrays). It only ever says "accepted", filling in what the full
 * checker would; on anything else (a \u escape, a byte above 0x7F, a fraction, an integer of 19
 * digits or more, an escaped name, a fault of any kind) it declines, and the full checker reads
 * the text from the start and words the refusal. So it accepts a subset of what the full checker
 * accepts, with the same findings: the unit test and the fuzzer fuzz_json_check hold the two to
 * that. It makes the check of a REST answer about a fifth cheaper.
 */
#include <string.h>

#include "json_check.h"
#include "json_scan.h"

/* JSON's white space: space, tab, LF, CR. */
static const unsigned char *skip_space(const unsigned char *p, const unsigned char *end) {
  const uint64_t space = 1ull << ' ' | 1ull << '\t' | 1ull << '\n' | 1ull << '\r';
  while (p < end && *p <= ' ' && (space >> *p & 1))
    p++;
  return p;
}

static int simple_escape(unsigned char c) {
  switch (c) {
  case '"':
  case '\\':
  case '/':
  case 'b':
  case 'f':
  case 'n':
  case 'r':
  case 't':
    return 1;
  default:
    return 0; /* \u (its code point would need checking), or no escape at all */
  }
}

/* A string from its opening quote to just after its closing one; NULL to decline. A value may
 * hold the simple escapes; a name none (the full checker compares its decoded text). */
static const unsigned char *string_end(const unsigned char *p, const unsigned char *end,
                                       int escapes) {
  p++;
  for (;;) {
    p += json_plain_run(p, end);
    if (p >= end)
      return NULL;
    if (*p == '"')
      return p + 1;
    if (*p != '\\' || !escapes || end - p < 2 || !simple_escape(p[1]))
      return NULL; /* a control, a byte above 0x7F, \u or a bad escape */
    p += 2;
  }
}

/* -?(0|[1-9][0-9]{0,17}) not followed by '.', 'e' or 'E'; NULL to decline. Eighteen digits at
 * most: always within the 64 bits the full checker requires. */
static const unsigned char *integer_end(const unsigned char *p, const unsigned char *end) {
  if (*p == '-')
    p++;
  const unsigned char *digits = p;
  while (p < end && *p >= '0' && *p <= '9')
    p++;
  size_t n = (size_t)(p - digits);
  if (n == 0 || n > 18 || (n > 1 && *digits == '0'))
    return NULL;
  if (p < end && (*p == '.' || *p == 'e' || *p == 'E'))
    return NULL;
  return p;
}

static const unsigned char *literal_end(const unsigned char *p, const unsigned char *end) {
  const char *word = *p == 't' ? "true" : *p == 'f' ? "false" : "null";
  size_t n = strlen(word);
  return (size_t)(end - p) >= n && memcmp(p, word, n) == 0 ? p + n : NULL;
}

int custapi__json_check_fast(custapi_json_check *out, const char *text, size_t len,
                             const char *member) {
  memset(out, 0, sizeof *out);
  const unsigned char *p = (const unsigned char *)text, *end = p + len;
  size_t member_len = member ? strlen(member) : 0;
  char open[CUSTAPI_JSON_MAX_DEPTH]; /* '{' or '[' of each level now open */
  int depth = 0;
  size_t values = 0;
  p = skip_space(p, end);
  for (;;) {
    /* a value */
    if (p >= end || ++values > CUSTAPI_JSON_MAX_VALUES)
      return 0;
    unsigned char c = *p;
    if (depth == 0)
      out->top = (char)(c == '-' || (c >= '0' && c <= '9') ? '0' : c);
    if (c == '{' || c == '[') {
      if (depth >= CUSTAPI_JSON_MAX_DEPTH)
        return 0;
      open[depth++] = (char)c;
      p = skip_space(p + 1, end);
      if (p < end && *p == (c == '{' ? '}' : ']')) {
        depth--;
        p++;
      } else if (c == '[') {
        continue; /* its first item */
      } else {
        goto name;
      }
    } else if (c == '"') {
      p = string_end(p, end, 1);
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      p = integer_end(p, end);
    } else if (c == 't' || c == 'f' || c == 'n') {
      p = literal_end(p, end);
    } else {
      return 0;
    }
    /* after a value: the end, a comma, or the close of its container */
    for (;;) {
      if (!p)
        return 0;
      p = skip_space(p, end);
      if (depth == 0)
        return p == end; /* what follows is the full checker's to word */
      if (p >= end)
        return 0;
      if (*p == ',') {
        p = skip_space(p + 1, end);
        if (open[depth - 1] == '[')
          break; /* the next item */
        goto name;
      }
      if (*p != (open[depth - 1] == '{' ? '}' : ']'))
        return 0;
      depth--;
      p++;
    }
    continue;
  name:
    /* a member's name and its ':'; then its value, at the top of the loop */
    if (p >= end || *p != '"')
      return 0;
    {
      const unsigned char *name = p + 1, *name_end = string_end(p, end, 0);
      if (!name_end)
        return 0;
      p = skip_space(name_end, end);
      if (p >= end || *p != ':')
        return 0;
      p = skip_space(p + 1, end);
      out->members++; /* the full checker counts it once its value is read: all are, or none */
      size_t n = (size_t)(name_end - 1 - name);
      if (depth == 1 && member && n == member_len && memcmp(name, member, n) == 0 && p < end) {
        out->member_seen = 1; /* the last of a repeated name decides, as json-c keeps it */
        out->member_is_object = *p == '{';
      }
    }
  }
}
