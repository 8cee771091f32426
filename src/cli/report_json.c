/* custapi report's view of one JSON line: checked strictly, then tokenised in place. */
#include "report_json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli_support.h"

static const char *skip_space(const char *p, const char *end) {
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
    p++;
  return p;
}

/* The end of a string starting at its opening quote (the text is known valid). */
static const char *string_end(const char *p, const char *end) {
  for (p++; p < end; p++) {
    if (*p == '\\')
      p++;
    else if (*p == '"')
      return p + 1;
  }
  return end;
}

static const char *scalar_end(const char *p, const char *end) {
  while (p < end && !strchr(",]} \t\r\n", *p))
    p++;
  return p;
}

static int grow(rj_line *l) {
  if (l->count < l->capacity)
    return 0;
  int capacity = l->capacity ? l->capacity * 2 : 256;
  rj_token *t = custapi__realloc(l->tokens, (size_t)capacity * sizeof *t);
  if (!t)
    return -1;
  l->tokens = t;
  l->capacity = capacity;
  return 0;
}

/* One value at p (valid JSON, depth already checked); returns where it ends, NULL on OOM. */
static const char *value(rj_line *l, const char *p, const char *end) {
  p = skip_space(p, end);
  if (grow(l) < 0)
    return NULL;
  int at = l->count++;
  rj_token *t = &l->tokens[at];
  t->text = p;
  t->size = 0;
  char c = *p;
  if (c == '{' || c == '[') {
    t->kind = c;
    char close = c == '{' ? '}' : ']';
    p = skip_space(p + 1, end);
    int size = 0;
    while (p < end && *p != close) {
      if (c == '{') { /* the key, as a string token of its own */
        if (!(p = value(l, p, end)))
          return NULL;
        p = skip_space(p, end) + 1; /* ':' */
      }
      if (!(p = value(l, p, end)))
        return NULL;
      size++;
      p = skip_space(p, end);
      if (p < end && *p == ',')
        p = skip_space(p + 1, end);
    }
    p++;
    t = &l->tokens[at]; /* the array may have moved */
    t->size = size;
  } else if (c == '"') {
    t->kind = '"';
    p = string_end(p, end);
  } else {
    t->kind = c == 't' || c == 'f' || c == 'n' ? c : '0';
    p = scalar_end(p, end);
  }
  t->len = (size_t)(p - t->text);
  t->next = l->count;
  return p;
}

int rj_parse(rj_line *l, const char *text, size_t len) {
  custapi_json_check check;
  l->count = 0;
  l->problem = NULL;
  l->key[0] = '\0';
  if (custapi__json_check(&check, text, len, NULL) < 0) {
    l->problem = check.problem;
    memcpy(l->key, check.key, sizeof l->key);
    return -1;
  }
  if (check.top != '{') {
    l->problem = "not a JSON object";
    return -1;
  }
  return value(l, text, text + len) ? 0 : -2;
}

void rj_free(rj_line *l) {
  custapi__free(l->tokens);
  l->tokens = NULL;
  l->count = l->capacity = 0;
}

int rj_item(const rj_line *l, int array, int previous) {
  return previous < 0 ? array + 1 : l->tokens[previous].next;
}

int rj_is(const rj_line *l, int index, char kind) {
  return index >= 0 && index < l->count && l->tokens[index].kind == kind;
}

/* A string token equal to `name`, escapes decoded. */
static int key_is(const rj_line *l, int index, const char *name) {
  const rj_token *t = &l->tokens[index];
  size_t n = strlen(name);
  if (!memchr(t->text, '\\', t->len))
    return t->len == n + 2 && memcmp(t->text + 1, name, n) == 0;
  char buf[128];
  return strcmp(rj_string(l, index, buf, sizeof buf), name) == 0;
}

int rj_member(const rj_line *l, int obj, const char *name) {
  if (!rj_is(l, obj, '{'))
    return -1;
  int found = -1, at = obj + 1;
  for (int i = 0; i < l->tokens[obj].size; i++) {
    int v = at + 1;
    if (key_is(l, at, name))
      found = v; /* the last of a repeated name, as json-c keeps */
    at = l->tokens[v].next;
  }
  return found;
}

static int hex(char c) {
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c - 'A' + 10;
}

static size_t put_utf8(char *out, unsigned long cp) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

const char *rj_string(const rj_line *l, int index, char *buf, size_t size) {
  if (!rj_is(l, index, '"') || size == 0)
    return NULL;
  const rj_token *t = &l->tokens[index];
  const char *p = t->text + 1, *end = t->text + t->len - 1;
  size_t n = 0;
  while (p < end && n + 5 < size) {
    if (*p != '\\') {
      buf[n++] = *p++;
      continue;
    }
    char e = p[1];
    p += 2;
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *k = strchr(from, e);
    if (e != 'u' && k) {
      buf[n++] = to[k - from];
      continue;
    }
    unsigned long cp =
        (unsigned long)(hex(p[0]) << 12 | hex(p[1]) << 8 | hex(p[2]) << 4 | hex(p[3]));
    p += 4;
    if (cp >= 0xD800 && cp < 0xDC00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
      unsigned long low =
          (unsigned long)(hex(p[2]) << 12 | hex(p[3]) << 8 | hex(p[4]) << 4 | hex(p[5]));
      if (low >= 0xDC00 && low < 0xE000) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        p += 6;
      }
    }
    if (cp >= 0xD800 && cp < 0xE000)
      cp = 0xFFFD; /* a lone surrogate: shown as the replacement character */
    n += put_utf8(buf + n, cp);
  }
  buf[n] = '\0';
  return buf;
}

int rj_int(const rj_line *l, int index, int64_t *out) {
  if (!rj_is(l, index, '0'))
    return 0;
  const rj_token *t = &l->tokens[index];
  if (memchr(t->text, '.', t->len) || memchr(t->text, 'e', t->len) ||
      memchr(t->text, 'E', t->len) || t->len > 20)
    return 0;
  char buf[24];
  memcpy(buf, t->text, t->len);
  buf[t->len] = '\0';
  errno = 0;
  long long v = strtoll(buf, NULL, 10);
  if (errno)
    return 0;
  *out = v;
  return 1;
}
