#include "json_check.h"

#include <stdint.h>
#include <string.h>

#include "json_scan.h"
#include "text.h"

typedef struct scanner {
  const unsigned char *start, *p, *end;
  const char *problem;
  const char *member;  /* the top-level member watched, or NULL */
  size_t member_len;
  size_t values;   /* how many values so far, against CUSTAPI_JSON_MAX_VALUES */
  const char *key; /* the name (as written) of the member whose value is being read, or NULL */
  size_t key_len;
  custapi_json_check *out;
} scanner;

static int fail(scanner *s, const char *problem) {
  if (!s->problem) {
    s->problem = problem;
    if (s->key) {
      size_t n = s->key_len < sizeof s->out->key ? s->key_len : sizeof s->out->key - 1;
      memcpy(s->out->key, s->key, n);
      s->out->key[n] = '\0';
    }
  }
  return -1;
}

static void skip_space(scanner *s) {
  /* One test per byte: ' ', '\t', '\n' and '\r' as bits of a mask. */
  const uint64_t space = 1ull << ' ' | 1ull << '\t' | 1ull << '\n' | 1ull << '\r';
  while (s->p < s->end && *s->p <= ' ' && (space >> *s->p & 1))
    s->p++;
}static int hex_value(unsigned char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/*
 * A string, from its opening quote. When `decoded` is not NULL, the string's text (escapes
 * decoded, ASCII-only escapes kept exact) is written there up to `cap` bytes, and *decoded_len
 * says how long it really is (longer than cap: it was cut).
 */
static int string(scanner *s, char *decoded, size_t cap, size_t *decoded_len) {
  size_t n = 0;
  s->p++; /* the quote */
  for (;;) {
    if (s->p >= s->end)
      return fail(s, "a string is not closed");
    unsigned char c = *s->p;
    if (c == '"') {
      s->p++;
      if (decoded_len)
        *decoded_len = n;
      return 0;
    }
    if (c < 0x20)
      return fail(s, "a control character inside a string (it must be escaped)");
    if (c == '\\') {
      if (s->end - s->p < 2)
        return fail(s, "a string is not closed");
      unsigned char e = s->p[1];
      char out = 0;
      switch (e) {
      case '"': out = '"'; break;
      case '\\': out = '\\'; break;
      case '/': out = '/'; break;
      case 'b': out = '\b'; break;
      case 'f': out = '\f'; break;
      case 'n': out = '\n'; break;
      case 'r': out = '\r'; break;
      case 't': out = '\t'; break;
      case 'u': {
        if (s->end - s->p < 6)
          return fail(s, "a \\u escape needs four hex digits");
        int v = 0;
        for (int i = 2; i < 6; i++) {
          int h = hex_value(s->p[i]);
          if (h < 0)
            return fail(s, "a \\u escape needs four hex digits");
          v = v * 16 + h;
        }
        out = v < 0x80 ? (char)v : '?'; /* non-ASCII: a key we watch is ASCII anyway */
        s->p += 6;
        if (decoded && n < cap)
          decoded[n] = out;
        n++;
        continue;
      }
      default:
        return fail(s, "an unknown escape in a string");
      }
      s->p += 2;
      if (decoded && n < cap)
        decoded[n] = out;
      n++;
      continue;
    }
    if (c < 0x80) {
      /* A run of plain ASCII, the common case, in one tight loop: a call to custapi__text_decode per
       * byte made this scanner 14% of a REST bulk run's instructions. */
      size_t run = json_plain_run(s->p, s->end);
      const unsigned char *q = s->p + run;
      if (decoded && n < cap)
        memcpy(decoded + n, s->p, run < cap - n ? run : cap - n);
      n += run;
      s->p = q;
      continue;
    }
    uint32_t cp;
    size_t len = custapi__text_decode(s->p, (size_t)(s->end - s->p), &cp);
    if (len == 0)
      return fail(s, "a string is not valid UTF-8");
    for (size_t i = 0; i < len; i++, n++)
      if (decoded && n < cap)
        decoded[n] = (char)s->p[i];
    s->p += len;
  }
}

/*
 * A string whose text is not wanted: a run of plain ASCII and the closing quote, the common
 * case, without string()'s bookkeeping; anything else is read by string() from the start.
 */
static int skip_string(scanner *s) {
  const unsigned char *p = s->p + 1;
  p += json_plain_run(p, s->end);
  if (p < s->end && *p == '"') {
    s->p = p + 1;
    return 0;
  }
  return string(s, NULL, 0, NULL);
}

static int digits(scanner *s) {
  const unsigned char *from = s->p;
  while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
    s->p++;
  return s->p > from ? 0 : fail(s, "a number is not written as JSON allows");
}

/*
 * Whether the integer digits [from, to) (with a minus sign when `negative`) fit in a signed 64-bit
 * integer: json-c saturates beyond that range (99999999999999999999999 reads as INT64_MAX) and
 * keeps no text of an integer, so beyond it a value we read would silently differ from the one
 * sent. Within it, json-c's value is exact.
 */
static int fits_int64(const unsigned char *from, const unsigned char *to, int negative) {
  static const char max[] = "9223372036854775807", min[] = "9223372036854775808";
  const char *limit = negative ? min : max;
  size_t n = (size_t)(to - from), limit_len = sizeof max - 1;
  return n < limit_len || (n == limit_len && memcmp(from, limit, n) <= 0);
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, an integer within signed 64 bits */
static int number(scanner *s) {
  const unsigned char *start = s->p;
  int negative = *s->p == '-';
  if (negative)
    s->p++;
  const unsigned char *int_digits = s->p;
  if (s->p < s->end && *s->p == '0')
    s->p++;
  else if (digits(s) < 0)
    return -1;
  int is_integer = s->p >= s->end || (*s->p != '.' && *s->p != 'e' && *s->p != 'E');
  if (is_integer && !fits_int64(int_digits, s->p, negative)) {
    s->p = start;
    return fail(s, "an integer beyond 64 bits");
  }
  if (s->p < s->end && *s->p == '.') {
    s->p++;
    if (digits(s) < 0)
      return -1;
  }
  if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
    s->p++;
    if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
      s->p++;
    if (digits(s) < 0)
      return -1;
  }
  return 0;
}

static int literal(scanner *s, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
    return fail(s, "an unknown word (true, false and null are the only ones)");
  s->p += n;
  return 0;
}

static int value(scanner *s, int depth, char *kind);

static int object(scanner *s, int depth) {
  s->p++; /* { */
  skip_space(s);
  if (s->p < s->end && *s->p == '}') {
    s->p++;
    return 0;
  }
  for (;;) {
    skip_space(s);
    if (s->p >= s->end || *s->p != '"')
      return fail(s, "an object's member name must be a double-quoted string");
    char key[64];
    size_t key_len = 0;
    int watch = depth == 1 && s->member;
    const unsigned char *raw_key =
        s->p + 1; /* as written, escapes and all: decoded only if watched */
    if ((watch ? string(s, key, sizeof key, &key_len) : skip_string(s)) < 0)
      return -1;
    size_t raw_key_len = (size_t)(s->p - 1 - raw_key);
    skip_space(s);
    if (s->p >= s->end || *s->p != ':')
      return fail(s, "a ':' must follow an object's member name");
    s->p++;
    skip_space(s);
    char kind;
    const char *outer_key = s->key;
    size_t outer_key_len = s->key_len;
    s->key = (const char *)raw_key;
    s->key_len = raw_key_len;
    int rc = value(s, depth, &kind);
    s->key = outer_key;
    s->key_len = outer_key_len;
    if (rc < 0)
      return -1;
    s->out->members++;
    if (watch && key_len == s->member_len && memcmp(key, s->member, key_len) == 0) {
      s->out->member_seen = 1;
      s->out->member_is_object = kind == '{';
    }
    skip_space(s);
    if (s->p < s->end && *s->p == ',') {
      s->p++;
      continue;
    }
    if (s->p < s->end && *s->p == '}') {
      s->p++;
      return 0;
    }
    if (s->p >= s->end)
      return fail(s, "the input ends before the object does");
    return fail(s, "an object's members must be separated by ',' and closed by '}'");
  }
}

static int array(scanner *s, int depth) {
  s->p++; /* [ */
  skip_space(s);
  if (s->p < s->end && *s->p == ']') {
    s->p++;
    return 0;
  }
  for (;;) {
    skip_space(s);
    char kind;
    if (value(s, depth, &kind) < 0)
      return -1;
    skip_space(s);
    if (s->p < s->end && *s->p == ',') {
      s->p++;
      continue;
    }
    if (s->p < s->end && *s->p == ']') {
      s->p++;
      return 0;
    }
    if (s->p >= s->end)
      return fail(s, "the input ends before the array does");
    return fail(s, "an array's items must be separated by ',' and closed by ']'");
  }
}

#define STRINGIFY(x) #x
#define TEXT_OF(x) STRINGIFY(x)

static int value(scanner *s, int depth, char *kind) {
  if (s->p >= s->end)
    return fail(s, "the input ends where a value should be");
  /* Each value costs json-c up to a kilobyte (an empty object's hash table): bound the tree. */
  if (++s->values > CUSTAPI_JSON_MAX_VALUES)
    return fail(s, "more than " TEXT_OF(CUSTAPI_JSON_MAX_VALUES) " values");
  unsigned char c = *s->p;
  *kind = (char)c;
  switch (c) {
  case '{':
  case '[':
    if (depth >= CUSTAPI_JSON_MAX_DEPTH)
      return fail(s, "nested too deeply");
    return c == '{' ? object(s, depth + 1) : array(s, depth + 1);
  case '"':
    return skip_string(s);
  case 't':
    return literal(s, "true");
  case 'f':
    return literal(s, "false");
  case 'n':
    return literal(s, "null");
  default:
    if (c == '-' || (c >= '0' && c <= '9')) {
      *kind = '0';
      return number(s);
    }
    return fail(s, "not a JSON value");
  }
}

int custapi__json_check_full(custapi_json_check *out, const char *text, size_t len,
                             const char *member) {
  memset(out, 0, sizeof *out);
  scanner s = {(const unsigned char *)text,
               (const unsigned char *)text,
               (const unsigned char *)text + len,
               NULL,
               member,
               member ? strlen(member) : 0,
               0,
               NULL,
               0,
               out};
  skip_space(&s);
  int rc = value(&s, 0, &out->top);
  if (rc == 0) {
    skip_space(&s);
    if (s.p < s.end)
      rc = fail(&s, "something follows the value");
  }
  if (rc < 0) {
    out->offset = (size_t)(s.p - s.start);
    out->problem = s.problem;
    return -1;
  }
  return 0;
}

int custapi__json_check(custapi_json_check *out, const char *text, size_t len,
                        const char *member) {
  /* The common text (an answer of plain ASCII, simple escapes and small integers) in one tight
   * pass; anything else, and every refusal with its words, by the full scanner above. */
  if (custapi__json_check_fast(out, text, len, member))
    return 0;
  return custapi__json_check_full(out, text, len, member);
}
