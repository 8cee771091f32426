#include "item_id.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The text is valid JSON (custapi__json_check): no bounds or grammar to check here. */

static const char *skip_ws(const char *p, const char *end) {
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
    p++;
  return p;
}

/* Past the string at p (at its '"'); *escaped = 1 when it holds a backslash. */
static const char *skip_string(const char *p, const char *end, int *escaped) {
  for (p++; p < end && *p != '"'; p++)
    if (*p == '\\') {
      *escaped = 1;
      p++;
    }
  return p + 1;
}

/* Past the value at p (a scalar ends where its container goes on: at ',', '}' or ']'). */
static const char *skip_value(const char *p, const char *end) {
  int depth = 0, escaped = 0;
  while (p < end) {
    if (*p == '"') {
      p = skip_string(p, end, &escaped);
      if (depth == 0)
        return p;
      continue;
    }
    if (*p == '{' || *p == '[') {
      depth++;
    } else if (*p == '}' || *p == ']') {
      if (depth == 0)
        return p;
      if (--depth == 0)
        return p + 1;
    } else if (*p == ',' && depth == 0) {
      return p;
    }
    p++;
  }
  return p;
}

/* The last member `name` of the object at p: its value's start, NULL when absent, or
 * (const char *)-1 when a member's name is escaped (it could spell `name`). */
static const char *last_member(const char *p, const char *end, const char *name) {
  const char *found = NULL;
  size_t n = strlen(name);
  p = skip_ws(p + 1, end);
  while (p < end && *p == '"') {
    int escaped = 0;
    const char *key = p + 1, *after = skip_string(p, end, &escaped);
    if (escaped)
      return (const char *)-1;
    p = skip_ws(skip_ws(after, end) + 1, end); /* past ':' */
    if ((size_t)(after - 1 - key) == n && memcmp(key, name, n) == 0)
      found = p;
    p = skip_ws(skip_value(p, end), end);
    if (p < end && *p == ',')
      p = skip_ws(p + 1, end);
  }
  return found;
}

int custapi__rest_item_id(int64_t *id, const char *text, size_t len) {
  const char *end = text + len, *p = skip_ws(text, end);
  if (p == end || *p != '{')
    return -1;
  const char *item = last_member(p, end, "item");
  if (item == (const char *)-1 || !item || *item != '{')
    return -1;
  const char *v = last_member(item, end, "id");
  if (v == (const char *)-1)
    return -1;
  if (!v)
    return 0;
  const char *stop = skip_value(v, end);
  char digits[24];
  size_t n = (size_t)(stop - v);
  while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\n' || v[n - 1] == '\r'))
    n--;
  if (n == 0 || n >= sizeof digits || strspn(v, "-0123456789") < n)
    return -1;
  memcpy(digits, v, n);
  digits[n] = '\0';
  errno = 0;
  char *e;
  long long value = strtoll(digits, &e, 10);
  if (errno || *e)
    return -1;
  *id = value;
  return 1;
}
